/*
 * Painting the display list. Fonts are rasterized once into one atlas
 * texture (white glyphs, alpha coverage) and tinted per run with
 * SDL_SetTextureColorMod, so a frame with hundreds of labels is a few
 * thousand small blits.
 */
#include "render.h"

#include <SDL_ttf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NGLYPH (128 + UI_NGLYPH_X)

struct ui_render {
	SDL_Renderer *r;
	SDL_Texture *atlas;
	SDL_Rect glyph[UI_FONT_COUNT_][NGLYPH];
	struct ui_metrics m;
};

static const int font_px[UI_FONT_COUNT_] = {11, 12, 12};

struct ui_render *ui_render_create(SDL_Renderer *r, char *err, size_t errlen)
{
	struct ui_render *R = calloc(1, sizeof(*R));
	TTF_Font *fonts[UI_FONT_COUNT_] = {0};
	SDL_Surface *atlas = NULL;

	if (!R) {
		snprintf(err, errlen, "out of memory");
		goto error;
	}
	R->r = r;
	if (!TTF_WasInit() && TTF_Init() != 0) {
		snprintf(err, errlen, "cannot initialise SDL2_ttf: %s", TTF_GetError());
		goto error;
	}
	for (int f = 0; f < UI_FONT_COUNT_; f++) {
		const char *path = f == UI_FONT_BOLD ? UI_FONT_BOLD_PATH : UI_FONT_PATH;
		fonts[f] = TTF_OpenFont(path, font_px[f]);
		if (!fonts[f] && f == UI_FONT_BOLD) {
			fonts[f] = TTF_OpenFont(UI_FONT_PATH, font_px[f]);
			if (fonts[f])
				TTF_SetFontStyle(fonts[f], TTF_STYLE_BOLD);
		}
		if (!fonts[f]) {
			snprintf(err, errlen,
				 "%s: cannot open font (install fonts-dejavu-core): %s", path,
				 TTF_GetError());
			goto error;
		}
		/* Light hinting keeps small sizes crisp without distorting shapes. */
		TTF_SetFontHinting(fonts[f], TTF_HINTING_LIGHT);
	}
	atlas = SDL_CreateRGBSurfaceWithFormat(0, 1024, 1024, 32, SDL_PIXELFORMAT_ARGB8888);
	if (!atlas) {
		snprintf(err, errlen, "cannot create the glyph atlas: %s", SDL_GetError());
		goto error;
	}
	SDL_FillRect(atlas, NULL, 0);
	int x = 0, y = 0, rowh = 0;
	for (int f = 0; f < UI_FONT_COUNT_; f++) {
		R->m.height[f] = TTF_FontHeight(fonts[f]);
		for (int g = 32; g < NGLYPH; g++) {
			uint32_t cp = ui_glyph_cp(g);
			if (g >= 127 && g < 128)
				continue;
			int minx, maxx, miny, maxy, adv = 0;
			if (TTF_GlyphMetrics32(fonts[f], cp, &minx, &maxx, &miny, &maxy, &adv) != 0)
				adv = 0;
			if (g < 128)
				R->m.adv[f][g] = adv;
			else
				R->m.adv_x[f][g - 128] = adv;
			SDL_Color white = {255, 255, 255, 255};
			SDL_Surface *s = TTF_RenderGlyph32_Blended(fonts[f], cp, white);
			if (!s)
				continue;
			if (x + s->w > atlas->w) {
				x = 0;
				y += rowh + 1;
				rowh = 0;
			}
			if (y + s->h > atlas->h) {
				SDL_FreeSurface(s);
				continue;
			}
			SDL_SetSurfaceBlendMode(s, SDL_BLENDMODE_NONE);
			SDL_Rect dst = {x, y, s->w, s->h};
			SDL_BlitSurface(s, NULL, atlas, &dst);
			R->glyph[f][g] = dst;
			x += s->w + 1;
			if (s->h > rowh)
				rowh = s->h;
			SDL_FreeSurface(s);
		}
		/* anything unknown draws as '?' */
		for (int g = 0; g < 32; g++)
			R->m.adv[f][g] = R->m.adv[f]['?'];
		R->m.adv[f][127] = R->m.adv[f]['?'];
	}
	R->atlas = SDL_CreateTextureFromSurface(r, atlas);
	if (!R->atlas) {
		snprintf(err, errlen, "cannot create the glyph texture: %s", SDL_GetError());
		goto error;
	}
	SDL_SetTextureBlendMode(R->atlas, SDL_BLENDMODE_BLEND);
	SDL_FreeSurface(atlas);
	for (int f = 0; f < UI_FONT_COUNT_; f++)
		TTF_CloseFont(fonts[f]);
	return R;
error:
	if (atlas)
		SDL_FreeSurface(atlas);
	for (int f = 0; f < UI_FONT_COUNT_; f++)
		if (fonts[f])
			TTF_CloseFont(fonts[f]);
	ui_render_destroy(R);
	return NULL;
}

void ui_render_destroy(struct ui_render *R)
{
	if (!R)
		return;
	if (R->atlas)
		SDL_DestroyTexture(R->atlas);
	free(R);
}

const struct ui_metrics *ui_render_metrics(const struct ui_render *R)
{
	return &R->m;
}

/* Opaque colours draw without blending: the software renderer's blended
 * fill is a per-pixel loop, its opaque fill a row memset. */
static void set_color(SDL_Renderer *r, uint32_t c)
{
	static SDL_Renderer *last_r;
	static int last_mode = -1;
	int mode = (c & 255) == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND;
	if (r != last_r || mode != last_mode) {
		SDL_SetRenderDrawBlendMode(r, mode);
		last_r = r;
		last_mode = mode;
	}
	SDL_SetRenderDrawColor(r, c >> 24, (c >> 16) & 255, (c >> 8) & 255, c & 255);
}

static void draw_text(struct ui_render *R, const struct ui_dl *dl, const struct ui_dl_item *it)
{
	const char *s = ui_dl_item_text(dl, it);
	size_t len = it->len;
	int f = it->font < UI_FONT_COUNT_ ? it->font : 0;
	int x = it->x, limit = it->w > 0 ? it->x + it->w : INT32_MAX;
	uint32_t c = it->color;
	SDL_SetTextureColorMod(R->atlas, c >> 24, (c >> 16) & 255, (c >> 8) & 255);
	SDL_SetTextureAlphaMod(R->atlas, c & 255);
	size_t i = 0;
	while (i < len && s[i]) {
		int g = ui_glyph_next(s, len, &i);
		if (g < 32 || g == 127)
			g = '?';
		int adv = g < 128 ? R->m.adv[f][g] : R->m.adv_x[f][g - 128];
		if (x + adv > limit)
			break;
		const SDL_Rect *src = &R->glyph[f][g];
		if (src->w && g != ' ') {
			SDL_Rect dst = {x, it->y, src->w, src->h};
			SDL_RenderCopy(R->r, R->atlas, src, &dst);
		}
		x += adv;
	}
}

void ui_render_dl(struct ui_render *R, const struct ui_dl *dl)
{
	SDL_Renderer *r = R->r;
	for (size_t i = 0; i < dl->n; i++) {
		const struct ui_dl_item *it = &dl->v[i];
		switch (it->kind) {
		case UI_DL_RECT: {
			SDL_Rect rc = {it->x, it->y, it->w, it->h};
			set_color(r, it->color);
			SDL_RenderFillRect(r, &rc);
			break;
		}
		case UI_DL_OUTLINE: {
			SDL_Rect rc = {it->x, it->y, it->w, it->h};
			set_color(r, it->color);
			SDL_RenderDrawRect(r, &rc);
			break;
		}
		case UI_DL_LINE:
			set_color(r, it->color);
			SDL_RenderDrawLine(r, it->x, it->y, it->x + it->w, it->y + it->h);
			break;
		case UI_DL_TEXT:
			draw_text(R, dl, it);
			break;
		case UI_DL_CLIP:
			if (it->w > 0) {
				SDL_Rect rc = {it->x, it->y, it->w, it->h};
				SDL_RenderSetClipRect(r, &rc);
			} else {
				SDL_RenderSetClipRect(r, NULL);
			}
			break;
		}
	}
	SDL_RenderSetClipRect(r, NULL);
}
