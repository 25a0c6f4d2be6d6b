/*
 * The time axis: ticks at a step whose labels never touch (measured at the
 * current zoom), grid lines through the lanes, and the visible span in the
 * gutter.
 */
#include <math.h>
#include <string.h>

#include "tl_draw.h"

void ui_axis_draw(struct fctx *c)
{
	int y = UI_HEADER_H;
	ui_dl_rect(c->dl, 0, y, c->v->width - c->g.panel_w, UI_AXIS_H, ui_theme[UI_C_PANEL]);
	ui_dl_rect(c->dl, 0, y + UI_AXIS_H - 1, c->v->width - c->g.panel_w, 1, ui_theme[UI_C_GRID]);
	char buf[64];
	double span = c->v->t1 - c->v->t0;
	/* Label width depends on the digits needed: measure the widest label
	 * at this zoom and space ticks so that labels never touch. */
	double step = ui_tick_step(span, c->g.tl_w, 70);
	for (int iter = 0; iter < 4; iter++) {
		ui_format_time(buf, sizeof(buf), c->v->t1, step);
		int lw = ui_text_width(c->mt, UI_FONT_SMALL, buf, strlen(buf)) + 24;
		double want = ui_tick_step(span, c->g.tl_w, lw);
		if (want <= step)
			break;
		step = want;
	}
	double first = ceil(c->v->t0 / step) * step;
	struct ui_dl_item *ax =
	    ui_dl_rect(c->dl, c->g.tl_x, y, c->g.tl_w, UI_AXIS_H - 1, ui_theme[UI_C_PANEL]);
	ax->hit = UI_HIT_AXIS;
	/* Labels are placed first and emitted after: a label that would cross
	 * the data area's right edge is shifted left rather than dropped (the
	 * rightmost tick says where the view ends), and when that makes it
	 * touch its neighbour, the neighbour gives way. */
	struct {
		double t;
		int x, w;
	} lab[128];
	int nlab = 0, right = c->g.tl_x + c->g.tl_w;
	for (int k = 0; k < 4096; k++) {
		/* by index, not by accumulating step: no tick lost to rounding */
		double t = first + k * step;
		if (t > c->v->t1)
			break;
		double x = X(c, t);
		if (x < c->g.tl_x || x > right)
			continue;
		ui_dl_rect(c->dl, (int)x, y + UI_AXIS_H - 7, 1, 6, ui_theme[UI_C_TEXT_DIM]);
		/* grid line through the lanes */
		ui_dl_rect(c->dl, (int)x, c->clip_y0, 1, c->clip_y1 - c->clip_y0,
			   UI_RGBA(0x9a, 0xa4, 0xb5, 0x1c));
		ui_format_time(buf, sizeof(buf), t, step);
		int lw = ui_text_width(c->mt, UI_FONT_SMALL, buf, strlen(buf));
		int lx = (int)x - lw / 2;
		if (lx < c->g.tl_x + 2)
			lx = (int)x + 3;
		if (lx + lw > right - 2)
			lx = right - 2 - lw;
		if (lx < c->g.tl_x + 2)
			continue; /* wider than the data area */
		if (nlab > 0 && lx < lab[nlab - 1].x + lab[nlab - 1].w + 8) {
			/* only the edge-shifted last label can touch its neighbour */
			if (lx + lw < right - 2 || nlab < 2 ||
			    lx < lab[nlab - 2].x + lab[nlab - 2].w + 8)
				continue;
			nlab--;
		}
		if (nlab == (int)(sizeof(lab) / sizeof(lab[0])))
			break;
		lab[nlab].t = t;
		lab[nlab].x = lx;
		lab[nlab].w = lw;
		nlab++;
	}
	for (int k = 0; k < nlab; k++) {
		ui_format_time(buf, sizeof(buf), lab[k].t, step);
		ui_dl_text(c->dl, lab[k].x, y + 3, 0, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, "%s",
			   buf);
	}
	/* the visible span, in the gutter */
	char d[64];
	ui_format_dur(d, sizeof(d), span);
	ui_dl_text(c->dl, 8, y + 4, UI_GUTTER_W - 12, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL,
		   "\u2194 %s visible", d);
}
