/*
 * A thread's lane: its regions as a flame chart (one row per nesting
 * depth), log markers, CPU sample ticks, allocation markers and the
 * thread-state strip (running, waits, blocking calls); and what is drawn
 * over the lanes when something is highlighted.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "tl_draw.h"

static void region_wide(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n, double x0,
			double x1, void *arg)
{
	struct lane_arg *a = arg;
	uint32_t r = row->idx[i];
	const struct cprof_region *reg = &c->m->regions.v[r];
	uint32_t col = ui_type_color(c->ix, reg->type);
	if (c->dim)
		col = mix(col, ui_theme[UI_C_BG], 170);
	struct ui_dl_item *it = ui_fc_rect(c, x0, x1 - (x1 - x0 > 4 ? 1 : 0), a->y, a->h, col);
	if (!it)
		return;
	it->hit = UI_HIT_REGION;
	it->ref = r;
	it->count = 1;
	if (x1 - x0 > 24 && !c->dim)
		ui_fc_text_dur(
		    c, x0, x1, a->y + 2, ui_theme[UI_C_TEXT_DARK], cprof_model_str(c->m, reg->type),
		    (double)(ui_row_end(row, i) - ui_row_begin(row, i)), reg->end_ns == 0);
}

static void region_merged(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n,
			  double x0, double x1, void *arg)
{
	struct lane_arg *a = arg;
	/* Half the first region's colour: merged blocks keep a hint of what
	 * they hold, and stay distinguishable from single regions. */
	uint32_t col = mix(ui_type_color(c->ix, c->m->regions.v[row->idx[i]].type),
			   ui_theme[UI_C_MERGED], 128);
	if (c->dim)
		col = mix(col, ui_theme[UI_C_BG], 150);
	struct ui_dl_item *it = ui_fc_rect(c, x0, x1, a->y, a->h, col);
	if (!it)
		return;
	it->hit = UI_HIT_REGIONS;
	it->ref = row->idx[i];
	it->count = n;
	c->dl->merged++;
}

static uint32_t state_color(const struct fctx *c, uint32_t idx)
{
	if (idx & 0x80000000u)
		return ui_theme[UI_C_SYSCALL];
	return ui_wait_color(c->m->waits.v[idx].kind);
}

static void state_wide(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n, double x0,
		       double x1, void *arg)
{
	struct lane_arg *a = arg;
	uint32_t idx = row->idx[i];
	struct ui_dl_item *it = ui_fc_rect(c, x0, x1, a->y, a->h, state_color(c, idx));
	if (!it)
		return;
	it->hit = idx & 0x80000000u ? UI_HIT_SYSCALL : UI_HIT_WAIT;
	it->ref = idx & 0x7fffffffu;
	it->count = 1;
}

/*
 * Waits and blocking calls closer than a pixel, merged: painted with the
 * state the thread spent most of the block's time in, not the first one's
 * (a worker blocked a fifth of the time on a lock looked solid red at
 * fit-all zoom). Running dominates: the running colour, with a bar of the
 * commonest wait's colour as high as the blocked share. The shares are
 * summed over at most STATE_SAMPLES of the block's items, evenly spread,
 * so that a frame costs the same however many waits a pixel holds.
 */
#define STATE_SAMPLES 32u

static void state_merged(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n,
			 double x0, double x1, void *arg)
{
	struct lane_arg *a = arg;
	uint32_t colors[4] = {0};
	double time[4] = {0}, blocked = 0;
	uint32_t step = n > STATE_SAMPLES ? n / STATE_SAMPLES : 1, best = 0, ncol = 0;

	for (uint32_t k = i; k < i + n; k += step) {
		uint32_t col = state_color(c, row->idx[k]), s = 0;
		double d = (double)(row->end[k] - row->begin[k]) * step;
		while (s < ncol && colors[s] != col)
			s++;
		if (s == ncol && ncol < 4)
			colors[ncol++] = col;
		if (s < ncol)
			time[s] += d;
		blocked += d;
	}
	for (uint32_t s = 1; s < ncol; s++)
		if (time[s] > time[best])
			best = s;
	double span = (x1 - x0) / c->scale, share = span > 0 ? blocked / span : 1;
	bool running = share < 0.5;
	uint32_t col = running ? ui_theme[UI_C_RUNNING] : colors[best];
	struct ui_dl_item *it =
	    ui_fc_rect(c, x0, x1, a->y, a->h, mix(col, UI_RGB(255, 255, 255), 60));
	if (!it)
		return;
	it->hit = UI_HIT_STATES;
	it->ref = a->thread;
	it->count = n;
	c->dl->merged++;
	if (running) {
		int bar = (int)lround(a->h * share);
		if (bar < 1)
			bar = 1;
		struct ui_dl_item *b = ui_fc_rect(c, x0, x1, a->y + a->h - bar, bar, colors[best]);
		if (b) {
			b->hit = UI_HIT_STATES;
			b->ref = a->thread;
			b->count = n;
		}
	}
}

static void log_mark(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n, double x0,
		     double x1, void *arg)
{
	struct lane_arg *a = arg;
	uint32_t col = ui_theme[UI_C_LOG];
	if (c->ix->hl_active && c->ix->str_match && c->v->search[0]) {
		const struct cprof_log *l = &c->m->logs.v[row->idx[i]];
		if (c->ix->str_match[l->message] || c->ix->str_match[l->category])
			col = ui_theme[UI_C_SEARCH];
	}
	struct ui_dl_item *it = ui_fc_rect(c, x0 - 1, x0 + 2, a->y, a->h, col);
	if (!it)
		return;
	it->hit = n > 1 ? UI_HIT_LOGS : UI_HIT_LOG;
	it->ref = row->idx[i];
	it->count = n;
}

static void log_merged(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n, double x0,
		       double x1, void *arg)
{
	log_mark(c, row, i, n, x0, x1 < x0 + 1 ? x0 + 1 : x1, arg);
}

/* CPU samples: a 2 px tick each; a run closer than a pixel becomes one
 * block whose brightness is its density against the sampling rate, which
 * reads as the share of that stretch the thread spent on a CPU. */
static double sample_expected_per_px(const struct fctx *c, uint32_t thread)
{
	const struct cprof_thread *th = &c->m->threads.v[thread];
	uint32_t hz = th->process < c->m->processes.n ? c->m->processes.v[th->process].cpu_rate : 0;
	return hz ? hz * 1e-9 / c->scale : 0;
}

static void sample_tick(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n, double x0,
			double x1, void *arg)
{
	struct lane_arg *a = arg;
	struct ui_dl_item *it =
	    ui_fc_rect(c, x0 - 0.5, x0 + 1.5, a->y, a->h, ui_theme[UI_C_SAMPLE]);
	if (!it)
		return;
	it->hit = UI_HIT_SAMPLE;
	it->ref = row->idx[i];
	it->count = 1;
}

static void sample_density(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n,
			   double x0, double x1, void *arg)
{
	struct lane_arg *a = arg;
	double w = x1 - x0 < 1 ? 1 : x1 - x0;
	double per_px = n / w, want = sample_expected_per_px(c, a->thread);
	double f = want > 0 ? per_px / want : 1;
	int wb = 70 + (int)(186 * (f > 1 ? 1 : f));
	struct ui_dl_item *it = ui_fc_rect(c, x0 - 0.5, x1 + 1.5, a->y, a->h,
					   mix(ui_theme[UI_C_LANE_A], ui_theme[UI_C_SAMPLE], wb));
	if (!it)
		return;
	it->hit = UI_HIT_SAMPLES;
	it->ref = row->idx[i];
	it->count = n;
	c->dl->merged++;
}

/* Allocations: a 3 px marker whose height grows with log2 of the size
 * (16 B: 3 px, 1 MiB and more: the full row); runs closer than a pixel
 * become a full-height block whose brightness is their count per pixel. */
static int alloc_marker_h(uint64_t size)
{
	int l2 = 0;
	while (l2 < 63 && (1ull << (l2 + 1)) <= size)
		l2++;
	int h = 3 + (l2 - 4) * (UI_ALLOC_H - 3) / 16;
	return h < 3 ? 3 : h > UI_ALLOC_H ? UI_ALLOC_H : h;
}

static void alloc_mark(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n, double x0,
		       double x1, void *arg)
{
	struct lane_arg *a = arg;
	const struct cprof_alloc *al = &c->m->allocs.v[row->idx[i]];
	int h = alloc_marker_h(al->size);
	uint32_t col = ui_theme[UI_C_ALLOC];
	if (al->free_ns)
		col = mix(col, ui_theme[UI_C_LANE_A], 70); /* freed: a little dimmer */
	struct ui_dl_item *it = ui_fc_rect(c, x0 - 1, x0 + 2, a->y + a->h - h, h, col);
	if (!it)
		return;
	it->hit = UI_HIT_ALLOC;
	it->ref = row->idx[i];
	it->count = 1;
}

static void alloc_density(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n,
			  double x0, double x1, void *arg)
{
	struct lane_arg *a = arg;
	double w = x1 - x0 < 1 ? 1 : x1 - x0;
	double f = n / w / 4.0; /* four or more per pixel: full colour */
	int wb = 80 + (int)(176 * (f > 1 ? 1 : f));
	struct ui_dl_item *it = ui_fc_rect(c, x0 - 1, x1 + 2, a->y, a->h,
					   mix(ui_theme[UI_C_LANE_A], ui_theme[UI_C_ALLOC], wb));
	if (!it)
		return;
	it->hit = UI_HIT_ALLOCS;
	it->ref = row->idx[i];
	it->count = n;
	c->dl->merged++;
}

/* The CPU sample and allocation rows, present only when the thread has some. */
static int marks_h(const struct ui_thread_index *ti)
{
	return (ti->samples.n ? UI_SAMPLE_H + 1 : 0) + (ti->allocs.n ? UI_ALLOC_H + 1 : 0);
}

int ui_thread_lane_h(const struct ui_thread_index *ti)
{
	int rows = ti->collapsed ? (ti->depths ? 1 : 0) : ti->depths;
	return 3 + rows * UI_ROW_H + 6 + marks_h(ti) + UI_STATE_H + 4;
}

void ui_lane_thread_draw(struct fctx *c, uint32_t t, int y, int band)
{
	struct ui_thread_index *ti = &c->ix->threads[t];
	const struct cprof_thread *th = &c->m->threads.v[t];
	int h = ui_thread_lane_h(ti);
	char buf[160];

	/* The gutter row is the collapse toggle. */
	struct ui_dl_item *g = ui_lane_band(c, y, h, band);
	if (!g)
		return;
	g->hit = UI_HIT_THREAD;
	g->ref = t;
	char lab[200];
	snprintf(lab, sizeof(lab), "%s %s",
		 ti->depths > 1 ? (ti->collapsed ? "\u25b8" : "\u25be") : " ",
		 ui_thread_label(c->m, t, buf, sizeof(buf)));
	ui_gutter_label(c, y, UI_ROW_H + 4, lab, ui_theme[UI_C_TEXT], UI_FONT_NORMAL, 10);
	if (h >= 34) {
		char d[64];
		ui_format_dur(d, sizeof(d), (double)(th->last_ns - th->first_ns));
		snprintf(lab, sizeof(lab), "%" PRIu64 " events, %s", th->events, d);
		ui_gutter_label(c, y + UI_ROW_H, 14, lab, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL,
				24);
	}

	struct lane_arg a = {.thread = t};
	int rows = ti->collapsed ? (ti->depths ? 1 : 0) : ti->depths;
	c->thread_y[t] = y + 3;
	c->thread_rows[t] = rows;
	for (int d = 0; d < rows; d++) {
		a.y = y + 3 + d * UI_ROW_H;
		a.h = UI_ROW_H - 1;
		if (a.y + a.h < c->clip_y0 || a.y > c->clip_y1)
			continue;
		ui_row_lod(c, &ti->rows[d], region_wide, region_merged, &a);
	}
	int ly = y + 3 + rows * UI_ROW_H;
	a.y = ly;
	a.h = 5;
	if (ti->logs.n)
		ui_row_lod(c, &ti->logs, log_mark, log_merged, &a);
	int my = ly + 6;
	if (ti->samples.n) {
		c->sample_y[t] = a.y = my;
		a.h = UI_SAMPLE_H;
		if (a.y + a.h > c->clip_y0 && a.y < c->clip_y1)
			ui_row_lod(c, &ti->samples, sample_tick, sample_density, &a);
		my += UI_SAMPLE_H + 1;
	}
	if (ti->allocs.n) {
		c->alloc_y[t] = a.y = my;
		a.h = UI_ALLOC_H;
		if (a.y + a.h > c->clip_y0 && a.y < c->clip_y1)
			ui_row_lod(c, &ti->allocs, alloc_mark, alloc_density, &a);
		my += UI_ALLOC_H + 1;
	}
	/* Thread state: alive and not blocked is "running"; waits and blocking
	 * calls are drawn over it. */
	int sy = my;
	c->state_y[t] = sy;
	uint64_t alive0 = th->first_ns > c->m->begin_ns ? th->first_ns - c->m->begin_ns : 0;
	uint64_t alive1 = th->last_ns > c->m->begin_ns ? th->last_ns - c->m->begin_ns : 0;
	if (th->start_ns && th->start_ns < th->first_ns)
		alive0 = th->start_ns - c->m->begin_ns;
	if (th->end_ns > th->last_ns)
		alive1 = th->end_ns - c->m->begin_ns;
	double rx0 = X(c, alive0), rx1 = X(c, alive1);
	if (rx1 > c->clip_x0 && rx0 < c->clip_x1) {
		struct ui_dl_item *it =
		    ui_fc_rect(c, rx0, rx1, sy, UI_STATE_H, ui_theme[UI_C_RUNNING]);
		if (it) {
			it->hit = UI_HIT_RUNNING;
			it->ref = t;
		}
	}
	a.y = sy;
	a.h = UI_STATE_H;
	ui_row_lod(c, &ti->state, state_wide, state_merged, &a);
}

/*
 * What is highlighted is drawn over the lanes, each lane's highlighted
 * items (struct ui_hl) walked as the lanes walk theirs: an item a pixel
 * or more wide on its own, narrower ones that touch as one block, so
 * that a frame costs the pixels, not the millions a click may highlight.
 * A block answers no hit: the lane's own item under it does.
 */

/* Highlighted regions (selected task, panel type, search) at full colour,
 * so that they stay visible inside merged blocks. */
static uint32_t hl_region_color(const struct fctx *c, uint32_t r)
{
	const struct ui_view *v = c->v;
	if (v->search[0] && !v->search_active && v->hl_type == 0 && v->sel_task == CPROF_NONE)
		return ui_theme[UI_C_SEARCH];
	return ui_type_color(c->ix, c->m->regions.v[r].type);
}

static void hl_region_wide(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n,
			   double x0, double x1, void *arg)
{
	struct lane_arg *a = arg;
	uint32_t r = row->idx[i];
	struct ui_dl_item *it = ui_fc_rect(c, x0, x1, a->y, a->h, hl_region_color(c, r));
	if (!it)
		return;
	it->hit = UI_HIT_REGION;
	it->ref = r;
	it->count = 1;
	if (x1 - x0 >= 3)
		ui_dl_outline(c->dl, it->x, it->y, it->w, it->h, ui_theme[UI_C_SELECT]);
	if (x1 - x0 > 24)
		ui_fc_text(c, x0, x1, a->y + 2, ui_theme[UI_C_TEXT_DARK],
			   cprof_model_str(c->m, c->m->regions.v[r].type));
}

static void hl_region_merged(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n,
			     double x0, double x1, void *arg)
{
	struct lane_arg *a = arg;
	ui_fc_rect(c, x0, x1, a->y, a->h, hl_region_color(c, row->idx[i]));
}

/* Waits, blocking calls and allocations picked from a side-panel row:
 * white over the state's own colour (the kind stays readable), a box
 * around, at least 3 px wide, so that they stand out at any zoom. */
struct hl_state_arg {
	int y, h;
	bool alloc_row; /* allocations drawn on their own row (else the state strip) */
};

static void hl_state_wide(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n,
			  double x0, double x1, void *arg)
{
	const struct hl_state_arg *a = arg;
	uint32_t idx = row->idx[i];
	if (x1 - x0 < 3) {
		x0 -= 1;
		x1 = x0 + 3;
	}
	struct ui_dl_item *it =
	    ui_fc_rect(c, x0, x1, a->y - 2, a->h + 4, UI_RGBA(255, 255, 255, 0x60));
	if (!it)
		return;
	ui_dl_outline(c->dl, it->x, it->y, it->w, it->h, ui_theme[UI_C_SELECT]);
	/* an allocation drawn on the state strip is no item of it */
	if ((idx & 0x40000000u) && !a->alloc_row)
		return;
	it->hit = idx & 0x80000000u   ? UI_HIT_SYSCALL
		  : idx & 0x40000000u ? UI_HIT_ALLOC
				      : UI_HIT_WAIT;
	it->ref = idx & 0x3fffffffu;
	it->count = 1;
}

static void hl_state_merged(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n,
			    double x0, double x1, void *arg)
{
	const struct hl_state_arg *a = arg;
	struct ui_dl_item *it =
	    ui_fc_rect(c, x0 - 1, x1 + 2, a->y - 2, a->h + 4, UI_RGBA(255, 255, 255, 0x60));
	if (it)
		ui_dl_outline(c->dl, it->x, it->y, it->w, it->h, ui_theme[UI_C_SELECT]);
}

void ui_lane_thread_highlight(struct fctx *c)
{
	const struct ui_hl *hl = &c->ix->hl;
	if (!c->ix->hl_active)
		return;
	for (uint32_t l = 0; l < hl->nlanes; l++) {
		const struct ui_hl_lane *lane = &hl->lanes[l];
		uint32_t t = lane->thread;
		if (c->thread_y[t] == INT32_MIN || lane->depth >= c->thread_rows[t])
			continue; /* hidden, or collapsed */
		struct lane_arg a = {
		    .y = c->thread_y[t] + lane->depth * UI_ROW_H, .h = UI_ROW_H - 1, .thread = t};
		if (a.y + a.h < c->clip_y0 || a.y > c->clip_y1)
			continue;
		ui_row_lod(c, &lane->row, hl_region_wide, hl_region_merged, &a);
	}
}

void ui_lane_thread_state_highlight(struct fctx *c)
{
	const struct ui_hl *hl = &c->ix->hl_state;
	for (uint32_t l = 0; l < hl->nlanes; l++) {
		const struct ui_hl_lane *lane = &hl->lanes[l];
		uint32_t t = lane->thread;
		if (c->state_y[t] == INT32_MIN)
			continue;
		struct hl_state_arg a = {.y = c->state_y[t], .h = UI_STATE_H};
		if (lane->kind == UI_HL_ALLOCS && c->alloc_y[t] != INT32_MIN) {
			a.y = c->alloc_y[t];
			a.h = UI_ALLOC_H;
			a.alloc_row = true;
		}
		if (a.y + a.h + 2 < c->clip_y0 || a.y - 2 > c->clip_y1)
			continue;
		ui_row_lod(c, &lane->row, hl_state_wide, hl_state_merged, &a);
	}
}
