/*
 * The display list every frame is built into (rectangles, lines, text runs
 * with their hit kinds), and the text metrics the layout measures with:
 * UTF-8 to glyph slots, widths and how much of a string fits.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tl.h"

const uint32_t ui_extra_glyphs[UI_NEXTRA] = {0xb5,   0xb7,   0x2026, 0x25b8,
					     0x25be, 0x2194, 0xfffd, 0x2265};

void ui_dl_init(struct ui_dl *dl)
{
	memset(dl, 0, sizeof(*dl));
}

void ui_dl_clear(struct ui_dl *dl)
{
	dl->n = 0;
	dl->arena_n = 0;
	dl->rects = dl->merged = dl->texts = 0;
}

void ui_dl_free(struct ui_dl *dl)
{
	free(dl->v);
	free(dl->arena);
	memset(dl, 0, sizeof(*dl));
}

static struct ui_dl_item *dl_push(struct ui_dl *dl)
{
	static struct ui_dl_item sink;
	if (dl->n == dl->cap) {
		size_t ncap = dl->cap ? dl->cap * 2 : 4096;
		struct ui_dl_item *nv = realloc(dl->v, ncap * sizeof(*nv));
		if (!nv) {
			memset(&sink, 0, sizeof(sink));
			return &sink; /* out of memory: draw less, never crash */
		}
		dl->v = nv;
		dl->cap = ncap;
	}
	struct ui_dl_item *it = &dl->v[dl->n++];
	memset(it, 0, sizeof(*it));
	return it;
}

struct ui_dl_item *ui_dl_rect(struct ui_dl *dl, int x, int y, int w, int h, uint32_t color)
{
	struct ui_dl_item *it = dl_push(dl);
	*it =
	    (struct ui_dl_item){.x = x, .y = y, .w = w, .h = h, .color = color, .kind = UI_DL_RECT};
	dl->rects++;
	return it;
}

struct ui_dl_item *ui_dl_outline(struct ui_dl *dl, int x, int y, int w, int h, uint32_t color)
{
	struct ui_dl_item *it = ui_dl_rect(dl, x, y, w, h, color);
	it->kind = UI_DL_OUTLINE;
	return it;
}

void ui_dl_line(struct ui_dl *dl, int x0, int y0, int x1, int y1, uint32_t color)
{
	struct ui_dl_item *it = dl_push(dl);
	*it = (struct ui_dl_item){
	    .x = x0, .y = y0, .w = x1 - x0, .h = y1 - y0, .color = color, .kind = UI_DL_LINE};
}

static uint32_t arena_put(struct ui_dl *dl, const char *s, size_t len)
{
	if (dl->arena_n + len + 1 > dl->arena_cap) {
		size_t ncap = dl->arena_cap ? dl->arena_cap * 2 : 65536;
		while (ncap < dl->arena_n + len + 1)
			ncap *= 2;
		char *na = realloc(dl->arena, ncap);
		if (!na)
			return UINT32_MAX;
		dl->arena = na;
		dl->arena_cap = ncap;
	}
	uint32_t off = dl->arena_n;
	memcpy(dl->arena + off, s, len);
	dl->arena[off + len] = 0;
	dl->arena_n += len + 1;
	return off;
}

struct ui_dl_item *ui_dl_str(struct ui_dl *dl, int x, int y, int clip_w, uint32_t color,
			     enum ui_font font, const char *s, size_t len)
{
	struct ui_dl_item *it = dl_push(dl);
	*it = (struct ui_dl_item){.x = x,
				  .y = y,
				  .w = clip_w,
				  .h = 0,
				  .color = color,
				  .kind = UI_DL_TEXT,
				  .font = font,
				  .len = len,
				  .text_ptr = s};
	dl->texts++;
	return it;
}

struct ui_dl_item *ui_dl_strcpy(struct ui_dl *dl, int x, int y, int clip_w, uint32_t color,
				enum ui_font font, const char *s, size_t len)
{
	uint32_t off = arena_put(dl, s, len);
	struct ui_dl_item *it =
	    ui_dl_str(dl, x, y, clip_w, color, font, NULL, off == UINT32_MAX ? 0 : len);
	it->text = off == UINT32_MAX ? 0 : off;
	return it;
}

struct ui_dl_item *ui_dl_text(struct ui_dl *dl, int x, int y, int clip_w, uint32_t color,
			      enum ui_font font, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	return ui_dl_strcpy(dl, x, y, clip_w, color, font, buf, n);
}

void ui_dl_clip(struct ui_dl *dl, int x, int y, int w, int h)
{
	struct ui_dl_item *it = dl_push(dl);
	*it = (struct ui_dl_item){.x = x, .y = y, .w = w, .h = h, .kind = UI_DL_CLIP};
}

/* Intersection of a clip rectangle with the pane's (w == 0: no clip, the pane). */
static void clip_to(struct ui_dl_item *it, int x, int y, int w, int h)
{
	if (it->w <= 0) {
		it->x = x, it->y = y, it->w = w, it->h = h;
		return;
	}
	int x0 = it->x > x ? it->x : x, y0 = it->y > y ? it->y : y;
	int x1 = it->x + it->w < x + w ? it->x + it->w : x + w;
	int y1 = it->y + it->h < y + h ? it->y + it->h : y + h;
	it->x = x0, it->y = y0;
	it->w = x1 > x0 ? x1 - x0 : 1; /* an empty clip is not "no clip" */
	it->h = y1 > y0 ? y1 - y0 : 0;
}

void ui_dl_append(struct ui_dl *dl, const struct ui_dl *src, int dx, int dy, int w, int h)
{
	size_t base = dl->arena_n;

	if (src->arena_n) {
		/* the whole arena at once: arena texts move by `base` */
		if (arena_put(dl, src->arena, src->arena_n - 1) == UINT32_MAX)
			return;
	}
	ui_dl_clip(dl, dx, dy, w, h);
	for (size_t i = 0; i < src->n; i++) {
		struct ui_dl_item *it = dl_push(dl);
		*it = src->v[i];
		it->x += dx;
		it->y += dy;
		if (it->kind == UI_DL_TEXT && !it->text_ptr)
			it->text += base;
		else if (it->kind == UI_DL_CLIP)
			clip_to(it, dx, dy, w, h);
	}
	ui_dl_clip(dl, 0, 0, 0, 0);
	dl->rects += src->rects;
	dl->merged += src->merged;
	dl->texts += src->texts;
}

const char *ui_dl_item_text(const struct ui_dl *dl, const struct ui_dl_item *it)
{
	if (it->text_ptr)
		return it->text_ptr;
	if (!dl->arena)
		return "";
	return dl->arena + it->text;
}

const struct ui_dl_item *ui_dl_hit(const struct ui_dl *dl, int x, int y)
{
	for (size_t i = dl->n; i-- > 0;) {
		const struct ui_dl_item *it = &dl->v[i];
		if (it->hit == UI_HIT_NONE || it->kind == UI_DL_LINE || it->kind == UI_DL_CLIP)
			continue;
		int w = it->w, h = it->h;
		if (it->kind == UI_DL_TEXT)
			continue;
		if (x >= it->x && x < it->x + (w < 1 ? 1 : w) && y >= it->y && y < it->y + h)
			return it;
	}
	return NULL;
}

int ui_glyph_next(const char *s, size_t len, size_t *i)
{
	unsigned char c = s[*i];
	if (c < 0x80) {
		(*i)++;
		return c;
	}
	uint32_t cp = 0;
	int extra = 0;
	if ((c & 0xe0) == 0xc0)
		cp = c & 0x1f, extra = 1;
	else if ((c & 0xf0) == 0xe0)
		cp = c & 0x0f, extra = 2;
	else if ((c & 0xf8) == 0xf0)
		cp = c & 0x07, extra = 3;
	(*i)++;
	for (int k = 0; k < extra && *i < len; k++, (*i)++)
		cp = (cp << 6) | (s[*i] & 0x3f);
	for (int k = 0; k < UI_NEXTRA; k++)
		if (ui_extra_glyphs[k] == cp)
			return 128 + k;
	if (cp >= 0xa0 && cp < 0x180)
		return 128 + UI_NEXTRA + (int)(cp - 0xa0);
	if (cp >= 0x370 && cp < 0x500)
		return 128 + UI_NEXTRA + UI_NRANGE_LATIN + (int)(cp - 0x370);
	if (cp >= 0x2010 && cp < 0x2028)
		return 128 + UI_NEXTRA + UI_NRANGE_LATIN + UI_NRANGE_GRCY + (int)(cp - 0x2010);
	return UI_GLYPH_REPLACEMENT;
}

uint32_t ui_glyph_cp(int g)
{
	if (g < 128)
		return (uint32_t)g;
	g -= 128;
	if (g < UI_NEXTRA)
		return ui_extra_glyphs[g];
	g -= UI_NEXTRA;
	if (g < UI_NRANGE_LATIN)
		return 0xa0 + (uint32_t)g;
	g -= UI_NRANGE_LATIN;
	if (g < UI_NRANGE_GRCY)
		return 0x370 + (uint32_t)g;
	return 0x2010 + (uint32_t)(g - UI_NRANGE_GRCY);
}

static int glyph_adv(const struct ui_metrics *m, enum ui_font f, int g)
{
	return g < 128 ? m->adv[f][g] : m->adv_x[f][g - 128];
}

int ui_text_width(const struct ui_metrics *m, enum ui_font font, const char *s, size_t len)
{
	int w = 0;
	size_t i = 0;
	while (i < len && s[i])
		w += glyph_adv(m, font, ui_glyph_next(s, len, &i));
	return w;
}

size_t ui_text_fit(const struct ui_metrics *m, enum ui_font font, const char *s, size_t len, int w)
{
	int acc = 0;
	size_t i = 0;
	while (i < len && s[i]) {
		size_t prev = i;
		acc += glyph_adv(m, font, ui_glyph_next(s, len, &i));
		if (acc > w)
			return prev;
	}
	return i;
}
