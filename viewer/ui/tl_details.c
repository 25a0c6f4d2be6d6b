/*
 * The two places an item is described (ui_describe() words both): the
 * details panel of the selection, below the lanes, in up to two columns
 * (the stack in the second), and the tooltip at the mouse.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tl_draw.h"

struct lines {
	struct fctx *c;
	int x, y, w, y0, y1, col; /* y0: where a column starts */
	int maxw;		  /* widest line drawn in the first column */
	bool split;		  /* a stack follows: keep the first column to half the width */
};

static void dline(struct lines *L, uint32_t color, enum ui_font f, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void dline(struct lines *L, uint32_t color, enum ui_font f, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	int lh = L->c->mt->height[f] + 2;
	if (L->y + lh > L->y1) {
		/* A second column only where it overlaps no line of the first
		 * (a short panel, in a small window, runs out of lines early). */
		if (L->col || L->maxw > L->w / 2 - 12)
			return;
		/* second column */
		L->col = 1;
		L->x += L->w / 2;
		L->y = L->y0;
	}
	int room = (L->split || L->col) ? L->w / 2 - 12 : L->w - 12;
	size_t fit = ui_text_fit(L->c->mt, f, buf, strlen(buf), room);
	buf[fit] = 0;
	ui_dl_text(L->c->dl, L->x, L->y, 0, color, f, "%s", buf);
	if (!L->col) {
		int tw = ui_text_width(L->c->mt, f, buf, fit);
		if (tw > L->maxw)
			L->maxw = tw;
	}
	L->y += lh;
}

void ui_details_draw(struct fctx *c)
{
	const struct ui_view *v = c->v;
	if (v->sel.hit == UI_HIT_NONE && !v->range_on)
		return;
	int y = c->g.details_y;
	int w = c->g.tl_x + c->g.tl_w;
	ui_dl_rect(c->dl, 0, y, w, c->g.details_h, ui_theme[UI_C_PANEL]);
	ui_dl_rect(c->dl, 0, y, w, 1, ui_theme[UI_C_GRID]);
	struct lines L = {
	    .c = c, .x = 12, .y = y + 6, .w = w - 12, .y0 = y + 6, .y1 = y + c->g.details_h - 2};
	struct ui_desc desc;
	ui_describe(c->ix, v, UI_DESC_DETAILS, &v->sel, &desc);
	L.split = desc.split;
	for (int i = 0; i < desc.n; i++) {
		const struct ui_desc_line *l = &desc.line[i];
		if (l->column && !L.col) {
			L.col = 1;
			L.x += L.w / 2;
			L.y = L.y0;
		}
		dline(&L, l->color, l->font, "%s", l->text);
	}
	if (v->range_on) {
		char a[128], b[128], d[64];
		double r0 = v->r0 < v->r1 ? v->r0 : v->r1, r1 = v->r0 < v->r1 ? v->r1 : v->r0;
		ui_format_time(a, sizeof(a), r0, 1000);
		ui_format_time(b, sizeof(b), r1, 1000);
		ui_format_dur(d, sizeof(d), r1 - r0);
		if (v->sel.hit != UI_HIT_NONE)
			dline(&L, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, " ");
		dline(&L, ui_theme[UI_C_ACCENT], UI_FONT_BOLD, "Range %s .. %s  (%s)", a, b, d);
		dline(&L, ui_theme[UI_C_TEXT_DIM], UI_FONT_NORMAL,
		      "the side panel summarizes this range; Esc clears it, E exports its profile");
	}
}

void ui_frame_tooltip(struct ui_dl *dl, struct ui_index *ix, const struct ui_view *v,
		      const struct ui_metrics *mt, const struct ui_dl_item *it)
{
	struct ui_desc desc;
	if (!it)
		return;
	struct ui_sel what = {.hit = it->hit, .ref = it->ref, .count = it->count};
	ui_describe(ix, v, UI_DESC_TOOLTIP, &what, &desc);
	int n = desc.n;
	if (!n)
		return;
	int w = 0, lh = mt->height[UI_FONT_SMALL] + 3;
	for (int i = 0; i < n; i++) {
		int tw = ui_text_width(mt, i ? UI_FONT_SMALL : UI_FONT_BOLD, desc.line[i].text,
				       strlen(desc.line[i].text));
		if (tw > w)
			w = tw;
	}
	if (w > 520)
		w = 520;
	int bw = w + 16, bh = n * lh + 10;
	int x = v->hover_x + 14, y = v->hover_y + 16;
	if (x + bw > v->width)
		x = v->hover_x - bw - 6;
	if (y + bh > v->height)
		y = v->hover_y - bh - 6;
	ui_dl_rect(dl, x + 2, y + 2, bw, bh, UI_RGBA(0, 0, 0, 0x70));
	ui_dl_rect(dl, x, y, bw, bh, UI_RGB(0x2b, 0x30, 0x3a));
	ui_dl_outline(dl, x, y, bw, bh, UI_RGB(0x4a, 0x52, 0x60));
	for (int i = 0; i < n; i++)
		ui_dl_text(dl, x + 8, y + 5 + i * lh, w,
			   i ? ui_theme[UI_C_TEXT_DIM] : ui_theme[UI_C_TEXT],
			   i ? UI_FONT_SMALL : UI_FONT_BOLD, "%s", desc.line[i].text);
}
