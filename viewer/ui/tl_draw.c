/*
 * Drawing helpers every part of the timeline frame uses (tl_draw.h):
 * clipping to the lane area, labels that fit, the level-of-detail walk.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tl_draw.h"

void ui_fc_text(struct fctx *c, double x0, double x1, int y, uint32_t color, const char *s)
{
	int h = c->mt->height[UI_FONT_SMALL];
	if (y < c->clip_y0 || y + h > c->clip_y1)
		return;
	double a = x0 < c->clip_x0 ? c->clip_x0 : x0;
	double b = x1 > c->clip_x1 ? c->clip_x1 : x1;
	int w = (int)(b - a) - 6;
	if (w < 12)
		return;
	size_t len = strlen(s);
	size_t fit = ui_text_fit(c->mt, UI_FONT_SMALL, s, len, w);
	if (fit == 0)
		return;
	ui_dl_str(c->dl, (int)a + 3, y, w, color, UI_FONT_SMALL, s, fit);
}

/* A label with the duration after the name when both fit, else the name
 * (open: still open at the end, measured to it). */
void ui_fc_text_dur(struct fctx *c, double x0, double x1, int y, uint32_t color, const char *s,
		    double dur_ns, bool open)
{
	double a = x0 < c->clip_x0 ? c->clip_x0 : x0;
	double b = x1 > c->clip_x1 ? c->clip_x1 : x1;
	int w = (int)(b - a) - 6;
	char d[64], buf[300];
	ui_format_dur_open(d, sizeof(d), dur_ns, open);
	int n = snprintf(buf, sizeof(buf), "%s  %s", s, d);
	if (n > 0 && (size_t)n < sizeof(buf) && ui_text_width(c->mt, UI_FONT_SMALL, buf, n) <= w &&
	    y >= c->clip_y0 && y + c->mt->height[UI_FONT_SMALL] <= c->clip_y1) {
		ui_dl_text(c->dl, (int)a + 3, y, w, color, UI_FONT_SMALL, "%s", buf);
		return;
	}
	ui_fc_text(c, x0, x1, y, color, s);
}

/* Rows that overlap (the task track's overflow row, waits inside blocking
 * calls) are tolerated through the running max of ends (ui_row.maxend). */
void ui_row_lod(struct fctx *c, const struct ui_row *row, ui_lod_fn wide, ui_lod_fn merged,
		void *arg)
{
	const struct ui_view *v = c->v;
	double t0 = v->t0 < 0 ? 0 : v->t0;
	if (v->t1 < 0)
		return;
	uint64_t t1 = (uint64_t)v->t1 + 1;
	uint32_t i = ui_row_first_ending_after(row, (uint64_t)t0);
	double inv = 1.0 / c->scale;
	while (i < row->n && ui_row_begin(row, i) <= t1) {
		double x0 = X(c, ui_row_begin(row, i)), x1 = X(c, ui_row_end(row, i));
		if (x1 - x0 >= UI_LOD_MIN_PX) {
			wide(c, row, i, 1, x0, x1, arg);
			/* Rows that overlap (the task track's overflow row, waits
			 * inside blocking calls) would draw items hidden under this
			 * one: skip what begins before its last pixel. Rows without
			 * overlap have nothing there, so this costs one search. */
			double tb = v->t0 + (floor(x1) - c->g.tl_x) * inv;
			uint64_t tlim = tb <= 0 ? 0 : (uint64_t)ceil(tb);
			uint32_t k = i + 1;
			if (k < row->n && ui_row_begin(row, k) < tlim)
				k = ui_row_first_beginning_at(row, k, tlim);
			i = k;
			continue;
		}
		uint32_t j = i + 1;
		double bx1 = x1;
		for (;;) {
			/* Everything starting before the next pixel boundary joins. */
			double tb = v->t0 + (floor(bx1) + 1 - c->g.tl_x) * inv;
			uint64_t tlim = tb <= 0 ? 0 : (uint64_t)ceil(tb);
			uint32_t k = ui_row_first_beginning_at(row, j, tlim);
			/* Same-depth items do not overlap, so of those starting in
			 * this pixel only the last can be wide: it stays alone. */
			if (k > j &&
			    X(c, ui_row_end(row, k - 1)) - X(c, ui_row_begin(row, k - 1)) >=
				UI_LOD_MIN_PX)
				k--;
			if (k > j) {
				double e = X(c, ui_row_maxend(row, k - 1));
				if (e > bx1)
					bx1 = e;
				j = k;
			}
			if (j >= row->n)
				break;
			double nx0 = X(c, ui_row_begin(row, j)), nx1 = X(c, ui_row_end(row, j));
			if (nx0 - bx1 < 1.0 && nx1 - nx0 < UI_LOD_MIN_PX) {
				if (nx1 > bx1)
					bx1 = nx1;
				j++;
				continue;
			}
			break;
		}
		if (j - i == 1)
			wide(c, row, i, 1, x0, x1, arg);
		else
			merged(c, row, i, j - i, x0, bx1, arg);
		i = j;
	}
}

const char *ui_thread_label(const struct cprof_model *m, uint32_t t, char *buf, size_t size)
{
	const struct cprof_thread *th = &m->threads.v[t];
	const char *name = cprof_model_str(m, th->name);
	snprintf(buf, size, "%s %" PRId32, name[0] ? name : "thread", th->tid);
	return buf;
}

void ui_gutter_label_w(struct fctx *c, int y, int h, const char *s, uint32_t color,
		       enum ui_font font, int indent, int width)
{
	int fh = c->mt->height[font];
	int ty = y + (h - fh) / 2;
	if (ty < c->clip_y0 || ty + fh > c->clip_y1)
		return;
	int w = width - 10 - indent;
	size_t len = strlen(s);
	size_t fit = ui_text_fit(c->mt, font, s, len, w);
	ui_dl_strcpy(c->dl, 6 + indent, ty, w, color, font, s, fit);
}

void ui_gutter_label(struct fctx *c, int y, int h, const char *s, uint32_t color, enum ui_font font,
		     int indent)
{
	ui_gutter_label_w(c, y, h, s, color, font, indent, UI_GUTTER_W);
}

struct ui_dl_item *ui_lane_band(struct fctx *c, int y, int h, int band)
{
	uint32_t bg = ui_theme[band ? UI_C_LANE_B : UI_C_LANE_A];
	int gy0 = y < c->clip_y0 ? c->clip_y0 : y;
	int gy1 = y + h > c->clip_y1 ? c->clip_y1 : y + h;
	if (gy1 <= gy0)
		return NULL;
	struct ui_dl_item *g = ui_dl_rect(c->dl, 0, gy0, UI_GUTTER_W - 1, gy1 - gy0, bg);
	ui_dl_rect(c->dl, c->g.tl_x, gy0, c->g.tl_w, gy1 - gy0, bg);
	return g;
}
