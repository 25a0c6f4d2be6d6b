/*
 * The loading frame drawn from the preview (preview.h): the geometry, the
 * fit-all zoom and the time axis of the full view, so that nothing moves
 * when loading ends; a lane per thread with, per pixel column, how much of
 * it its outermost regions cover (how many items began there when they
 * cover less) and what blocked it; the part not loaded yet shaded; the
 * progress in the side panel's place.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "preview.h"
#include "tl_draw.h"

#define LANE_H (UI_ROW_H + UI_STATE_H + 3)

/* What the buckets under one pixel column hold, as fractions of its time. */
struct column {
	double busy, blocked, syscall;
	uint32_t records, samples;
};

static void column_sum(const struct ui_preview *pv, uint32_t lane, double t0, double t1,
		       struct column *col)
{
	const struct ui_preview_cell *c = pv->cells + (size_t)lane * UI_PREVIEW_BUCKETS;
	double span = (double)(pv->end_ns - pv->begin_ns), bw = span / UI_PREVIEW_BUCKETS;
	long b0 = (long)floor(t0 / bw), b1 = (long)ceil(t1 / bw);
	memset(col, 0, sizeof(*col));
	if (b0 < 0)
		b0 = 0;
	if (b1 <= b0)
		b1 = b0 + 1;
	if (b1 > UI_PREVIEW_BUCKETS)
		b1 = UI_PREVIEW_BUCKETS;
	if (b0 >= b1)
		return;
	for (long k = b0; k < b1; k++) {
		col->busy += c[k].busy;
		col->blocked += c[k].blocked;
		col->syscall += c[k].syscall;
		col->records += c[k].records;
		col->samples += c[k].samples;
	}
	double w = (b1 - b0) * bw;
	col->busy /= w;
	col->blocked /= w;
	col->syscall /= w;
	/* still in a region or a wait at the last update: up to what is read */
	const struct ui_preview_lane *l = &pv->lanes[lane];
	double loaded = (double)(pv->loaded_ns - pv->begin_ns);
	if (l->open_busy && t1 > (double)(l->open_busy - pv->begin_ns) && t0 < loaded)
		col->busy = 1;
	if (l->open_blocked && t1 > (double)(l->open_blocked - pv->begin_ns) && t0 < loaded)
		col->blocked = 1;
}

static double clamp01(double x)
{
	return x < 0 ? 0 : x > 1 ? 1 : x;
}

/* The two rows' colours of a column, 0 for nothing there. */
static void column_colors(const struct column *col, uint32_t bg, uint32_t *top, uint32_t *state)
{
	*top = *state = 0;
	if (col->busy > 0 || col->records) {
		/* a column where items began but cover little still shows */
		double v = clamp01(col->busy);
		if (col->records && v < 0.35)
			v = 0.35;
		*top = mix(bg, ui_theme[UI_C_ACCENT], (int)(64 + 192 * v));
	}
	if (col->blocked > 0 && col->blocked >= col->syscall)
		*state = mix(bg, ui_theme[UI_C_LOCK], (int)(96 + 160 * clamp01(col->blocked)));
	else if (col->syscall > 0)
		*state = mix(bg, ui_theme[UI_C_SYSCALL], (int)(96 + 160 * clamp01(col->syscall)));
	else if (col->samples)
		*state = ui_theme[UI_C_RUNNING];
}

/* One row of a lane: runs of columns of one colour as one rectangle. */
struct run {
	int x;
	uint32_t color;
};

static void run_flush(struct fctx *c, struct run *r, int x, int y, int h)
{
	if (r->color && x > r->x)
		ui_fc_rect(c, r->x, x, y, h, r->color);
	r->x = x;
}

static void run_step(struct fctx *c, struct run *r, int x, uint32_t color, int y, int h)
{
	if (color == r->color)
		return;
	run_flush(c, r, x, y, h);
	r->color = color;
}

static void draw_lane(struct fctx *c, const struct ui_preview *pv, uint32_t lane, int y, int band)
{
	uint32_t bg = ui_theme[band ? UI_C_LANE_B : UI_C_LANE_A];
	struct run top = {c->g.tl_x, 0}, state = {c->g.tl_x, 0};
	double span = (double)(pv->end_ns - pv->begin_ns);
	double loaded = (double)(pv->loaded_ns - pv->begin_ns);
	int x;

	ui_lane_band(c, y, LANE_H, band);
	ui_gutter_label(c, y, UI_ROW_H, pv->lanes[lane].label, ui_theme[UI_C_TEXT], UI_FONT_SMALL,
			6);
	for (x = c->g.tl_x; x < c->g.tl_x + c->g.tl_w; x++) {
		double t0 = c->v->t0 + (x - c->g.tl_x) / c->scale, t1 = t0 + 1 / c->scale;
		uint32_t ct = 0, cs = 0;
		if (t1 > 0 && t0 < span && t0 <= loaded) {
			struct column col;
			column_sum(pv, lane, t0, t1, &col);
			column_colors(&col, bg, &ct, &cs);
		}
		run_step(c, &top, x, ct, y + 1, UI_ROW_H - 2);
		run_step(c, &state, x, cs, y + UI_ROW_H, UI_STATE_H);
	}
	run_flush(c, &top, x, y + 1, UI_ROW_H - 2);
	run_flush(c, &state, x, y + UI_ROW_H, UI_STATE_H);
	if (y + LANE_H - 1 < c->clip_y1)
		ui_dl_rect(c->dl, 0, y + LANE_H - 1, c->g.tl_x + c->g.tl_w, 1, ui_theme[UI_C_GRID]);
}

/* The progress in the side panel's place (or the header's right end when
 * the window is too narrow for a panel). */
static void draw_progress(struct fctx *c, const struct ui_preview *pv, double f)
{
	int x = c->g.panel_w ? c->g.panel_x + 16 : c->v->width - 260;
	int y = c->g.panel_w ? c->g.tl_y + 40 : 8;
	int bw = c->g.panel_w ? c->g.panel_w - 32 : 160;
	char n[64];
	if (c->g.panel_w) {
		ui_dl_rect(c->dl, c->g.panel_x, UI_HEADER_H, c->g.panel_w,
			   c->v->height - UI_HEADER_H, ui_theme[UI_C_PANEL]);
		ui_dl_text(c->dl, x, y - 24, bw, ui_theme[UI_C_TEXT], UI_FONT_BOLD, "Loading");
	}
	ui_dl_rect(c->dl, x, y, bw, 8, ui_theme[UI_C_GRID]);
	if ((int)(bw * f) > 0)
		ui_dl_rect(c->dl, x, y, (int)(bw * f), 8, ui_theme[UI_C_ACCENT]);
	if (!c->g.panel_w)
		return;
	snprintf(n, sizeof(n), "%" PRIu64, pv->records);
	ui_dl_text(c->dl, x, y + 14, bw, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL,
		   "%.0f%%   (Esc cancels)", f * 100);
	ui_dl_text(c->dl, x, y + 34, bw, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL,
		   "%" PRIu32 " thread%s, %s items read so far", pv->nthreads,
		   pv->nthreads == 1 ? "" : "s", n);
	ui_dl_text(c->dl, x, y + 54, bw, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL,
		   "lanes: region time (blue), blocked (red),");
	ui_dl_text(c->dl, x, y + 70, bw, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL,
		   "blocking calls (blue), CPU samples (green)");
}

void ui_frame_preview(struct ui_dl *dl, const struct ui_preview *pv, int w, int h, int tab,
		      const struct ui_metrics *mt, const char *trace, double f)
{
	struct ui_view v = {.width = w, .height = h, .show_panel = true, .tab = tab};
	struct fctx c = {.dl = dl, .v = &v, .mt = mt};
	double span = (double)(pv->end_ns - pv->begin_ns);
	uint32_t lanes = pv->nthreads < UI_PREVIEW_LANES ? pv->nthreads : UI_PREVIEW_LANES, k;
	int y;

	if (!(f >= 0))
		f = 0; /* also NaN */
	if (f > 1)
		f = 1;
	/* the full view's fit-all (ui_view_fit) */
	v.t0 = -span * 0.01;
	v.t1 = span * 1.01;
	ui_geom_compute(&v, &c.g);
	c.scale = c.g.tl_w / (v.t1 - v.t0);
	c.clip_x0 = c.g.tl_x;
	c.clip_x1 = c.g.tl_x + c.g.tl_w;
	c.clip_y0 = c.g.tl_y;
	c.clip_y1 = c.g.details_y;

	ui_dl_rect(dl, 0, 0, w, h, ui_theme[UI_C_BG]);
	for (k = 0, y = c.g.tl_y; k < lanes && y < c.clip_y1; k++, y += LANE_H)
		draw_lane(&c, pv, k, y, k & 1);
	if (k < pv->nthreads && y < c.clip_y1)
		ui_gutter_label(&c, y, UI_ROW_H, "more threads once loaded",
				ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, 6);
	/* what is not read yet: its lanes shaded (blending costs, the rest
	 * is empty anyway), its edge marked over the axis's grid lines */
	double xl = X(&c, (double)(pv->loaded_ns - pv->begin_ns));
	int x0 = xl < c.clip_x0 ? c.clip_x0 : xl < c.clip_x1 ? (int)xl : c.clip_x1;
	if (x0 < c.clip_x1)
		ui_dl_rect(dl, x0, c.clip_y0, c.clip_x1 - x0,
			   (y < c.clip_y1 ? y : c.clip_y1) - c.clip_y0,
			   UI_RGBA(0x9a, 0xa4, 0xb5, 0x0c));
	ui_axis_draw(&c);
	if (x0 < c.clip_x1)
		ui_dl_rect(dl, x0, c.clip_y0, 1, c.clip_y1 - c.clip_y0, ui_theme[UI_C_ACCENT]);
	ui_dl_rect(dl, 0, 0, w, UI_HEADER_H, ui_theme[UI_C_HEADER]);
	ui_dl_text(dl, 8, 5, c.g.tl_x + c.g.tl_w - 16, ui_theme[UI_C_TEXT], UI_FONT_BOLD,
		   "Loading %s", trace);
	draw_progress(&c, pv, f);
}
