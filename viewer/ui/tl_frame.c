/*
 * Builds one frame of the timeline as a display list: header and legend,
 * time axis (tl_axis.c), the lanes in the order ui_lanes_next() walks them
 * (counter tracks, tl_lane_counter.c; the task track, tl_lane_task.c; a
 * header per process; one lane per thread, tl_lane_thread.c), lost-event
 * ranges, the selected task's arrows, the range selection, the details
 * panel (tl_details.c) and the status line. Also the highlight set the
 * lanes draw from.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "panel_path.h"
#include "tl_draw.h"

static void lane_separator(struct fctx *c, int y)
{
	if (y >= c->clip_y0 && y < c->clip_y1)
		ui_dl_rect(c->dl, 0, y, c->g.tl_x + c->g.tl_w, 1, ui_theme[UI_C_GRID]);
}

bool ui_lanes_next(const struct ui_index *ix, struct ui_lane_iter *it, struct ui_lane *l)
{
	const struct ui_process_index *pi;

	for (;;) {
		switch (it->step) {
		case 0: /* the counter tracks above the groups */
			if (it->k < ix->ntop_counters) {
				*l = (struct ui_lane){UI_LANE_COUNTER, it->k++, CPROF_NONE, it->y,
						      UI_COUNTER_H};
				goto out;
			}
			it->step = 1;
			continue;
		case 1:
			it->step = 2;
			if (!ix->ntask_rows)
				continue;
			*l = (struct ui_lane){UI_LANE_TASKS, 0, CPROF_NONE, it->y,
					      ui_task_track_h(ix)};
			goto out;
		case 2: /* a process's header */
			if (it->p >= ix->nprocs)
				return false;
			*l = (struct ui_lane){UI_LANE_PROCESS, it->p, it->p, it->y, UI_PROCESS_H};
			it->k = 0;
			if (ix->procs[it->p].collapsed)
				it->p++;
			else
				it->step = 3;
			goto out;
		default: /* its counter tracks, then its threads */
			pi = &ix->procs[it->p];
			if (it->k < pi->ncounters) {
				*l = (struct ui_lane){UI_LANE_COUNTER, pi->counter0 + it->k++,
						      it->p, it->y, UI_COUNTER_H};
				goto out;
			}
			if (it->k < pi->ncounters + pi->n) {
				uint32_t t = pi->threads[it->k++ - pi->ncounters];
				*l = (struct ui_lane){UI_LANE_THREAD, t, it->p, it->y,
						      ui_thread_lane_h(&ix->threads[t])};
				goto out;
			}
			it->p++;
			it->step = 2;
			continue;
		}
	}
out:
	it->y += l->h;
	return true;
}

int ui_lanes_height(const struct ui_index *ix)
{
	struct ui_lane_iter it = {0};
	struct ui_lane l;

	while (ui_lanes_next(ix, &it, &l))
		;
	return it.y;
}

int ui_thread_offset(const struct ui_index *ix, uint32_t thread)
{
	struct ui_lane_iter it = {0};
	struct ui_lane l;

	while (ui_lanes_next(ix, &it, &l))
		if (l.kind == UI_LANE_THREAD && l.ref == thread)
			return l.y;
	return -1;
}

static void draw_process_header(struct fctx *c, uint32_t p, int y, int h)
{
	struct ui_process_index *pi = &c->ix->procs[p];
	int gy0 = y < c->clip_y0 ? c->clip_y0 : y;
	int gy1 = y + h > c->clip_y1 ? c->clip_y1 : y + h;
	struct ui_dl_item *it =
	    ui_dl_rect(c->dl, 0, gy0, c->g.tl_x + c->g.tl_w, gy1 - gy0, ui_theme[UI_C_HEADER]);
	const char *name = "(unknown process)";
	int32_t pid = 0;
	char lab[200];

	it->hit = UI_HIT_PROCESS;
	it->ref = p;
	if (pi->process != CPROF_NONE) {
		const struct cprof_process *pr = &c->m->processes.v[pi->process];
		/* the title ps shows: "nginx: worker process" */
		name = cprof_model_process_label(c->m, pr);
		pid = c->m->processes.v[pi->process].pid;
	}
	const char *host = c->ix->multi_host && pi->process != CPROF_NONE &&
				   c->m->processes.v[pi->process].host_known
			       ? cprof_model_str(c->m, c->m->processes.v[pi->process].host)
			       : NULL;
	snprintf(lab, sizeof(lab), "%s %s   pid %" PRId32 "%s%s   \u00b7   %u thread%s",
		 pi->collapsed ? "\u25b8" : "\u25be", name, pid, host ? "  on " : "",
		 host ? host : "", pi->n, pi->n == 1 ? "" : "s");
	ui_gutter_label_w(c, y, h, lab, ui_theme[UI_C_TEXT], UI_FONT_BOLD, 0,
			  c->g.tl_x + c->g.tl_w);
}

static void draw_lanes(struct fctx *c)
{
	int top = c->g.tl_y - c->v->scroll_y, y = top;
	int band = 0;
	struct ui_lane_iter it = {0};
	struct ui_lane l;

	while (y < c->clip_y1 && ui_lanes_next(c->ix, &it, &l)) {
		bool shown;

		y = top + l.y;
		shown = y + l.h > c->clip_y0 && y < c->clip_y1;
		if (l.kind == UI_LANE_PROCESS) {
			if (shown)
				draw_process_header(c, l.ref, y, l.h);
			y += l.h;
			continue;
		}
		if (shown && l.kind == UI_LANE_COUNTER)
			ui_lane_counter_draw(c, l.ref, y, l.h, band);
		else if (shown && l.kind == UI_LANE_TASKS)
			ui_lane_task_draw(c, y, l.h, band);
		else if (shown)
			ui_lane_thread_draw(c, l.ref, y, band);
		y += l.h;
		lane_separator(c, y - 1);
		band ^= 1;
	}
	if (y < c->clip_y1)
		ui_dl_rect(c->dl, 0, y < c->clip_y0 ? c->clip_y0 : y, c->g.tl_x + c->g.tl_w,
			   c->clip_y1 - (y < c->clip_y0 ? c->clip_y0 : y), ui_theme[UI_C_BG]);
}

static void draw_lost(struct fctx *c)
{
	for (size_t i = 0; i < c->m->lost.n; i++) {
		const struct cprof_lost *l = &c->m->lost.v[i];
		double b =
		    (double)(l->begin_ns > c->m->begin_ns ? l->begin_ns - c->m->begin_ns : 0);
		double e = (double)(l->end_ns > c->m->begin_ns ? l->end_ns - c->m->begin_ns : 0);
		double x0 = X(c, b), x1 = X(c, e);
		if (x1 < c->clip_x0 || x0 > c->clip_x1)
			continue;
		if (x1 - x0 < 2) {
			x0 -= 1;
			x1 = x0 + 3; /* never hidden, however short */
		}
		struct ui_dl_item *it =
		    ui_fc_rect(c, x0, x1, c->clip_y0, c->clip_y1 - c->clip_y0, ui_theme[UI_C_LOST]);
		if (it) {
			it->hit = UI_HIT_LOST;
			it->ref = i;
		}
		/* a solid marker on the axis */
		int ax0 = (int)x0 < c->g.tl_x ? c->g.tl_x : (int)x0;
		int ax1 = (int)x1 > c->g.tl_x + c->g.tl_w ? c->g.tl_x + c->g.tl_w : (int)x1;
		if (ax1 > ax0) {
			struct ui_dl_item *m = ui_dl_rect(c->dl, ax0, UI_HEADER_H + UI_AXIS_H - 5,
							  ax1 - ax0, 5, UI_RGB(0xff, 0x3b, 0x3b));
			m->hit = UI_HIT_LOST;
			m->ref = i;
		}
	}
}

/*
 * A snapshot's past before its window (model->window_ns): each CPU's ring
 * buffer kept a different stretch of it, so its lanes are thinned out, not
 * idle, and the analyses leave it out (analysis/snapwin.h). Veiled and
 * hatched across every lane, as Perfetto marks data loss, with the edge
 * labelled; nothing to hit, so what lies under it can still be hovered
 * and selected.
 */
static void draw_overwritten(struct fctx *c)
{
	static const char label[] = "overwritten before here";
	const uint32_t veil = UI_RGBA(0x00, 0x00, 0x00, 0x70),
		       hatch = UI_RGBA(0x8d, 0x95, 0xa3, 0x30);
	const struct cprof_model *m = c->m;
	int x0 = c->clip_x0, y0 = c->clip_y0, y1 = c->clip_y1, x1, lw, lx;
	double xe;

	if (m->window_ns <= m->begin_ns)
		return;
	xe = X(c, (double)(m->window_ns - m->begin_ns));
	if (xe <= x0)
		return;
	x1 = xe < c->clip_x1 ? (int)xe : c->clip_x1;
	ui_fc_rect(c, x0, x1, y0, y1 - y0, veil);
	/* "/" hatching, one line where x + y = s, cut to the veil */
	for (int s = x0 + y0 + 6; s < x1 + y1; s += 14) {
		int a = s - y1 > x0 ? s - y1 : x0, b = s - y0 < x1 ? s - y0 : x1;
		if (a < b)
			ui_dl_line(c->dl, a, s - a, b, s - b, hatch);
	}
	if (xe >= c->clip_x1)
		return;
	ui_fc_rect(c, x1, x1 + 1, y0, y1 - y0, ui_theme[UI_C_TEXT_DIM]);
	/* left of the edge, or right of it when the edge is near the left */
	lw = ui_text_width(c->mt, UI_FONT_SMALL, label, sizeof(label) - 1);
	lx = x1 - lw - 8 >= x0 ? x1 - lw - 8 : x1 + 2;
	if (y1 - y0 < 20 || lx + lw + 6 > c->clip_x1)
		return;
	ui_dl_rect(c->dl, lx, y0 + 2, lw + 6, 16, ui_theme[UI_C_HEADER]);
	ui_dl_text(c->dl, lx + 3, y0 + 3, 0, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, "%s", label);
}

static void legend_item(struct fctx *c, int *x, int y, uint32_t col, const char *name)
{
	ui_dl_rect(c->dl, *x, y + 6, 10, 10, col);
	*x += 14;
	ui_dl_text(c->dl, *x, y + 4, 0, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, "%s", name);
	*x += ui_text_width(c->mt, UI_FONT_SMALL, name, strlen(name)) + 12;
}

static void draw_header(struct fctx *c)
{
	ui_dl_rect(c->dl, 0, 0, c->v->width, UI_HEADER_H, ui_theme[UI_C_HEADER]);
	const char *path = cprof_model_str(c->m, c->m->path);
	const char *base = strrchr(path, '/');
	base = base && base[1] ? base + 1 : path;
	char d[64];
	/* the trace's own length (the index's span is the longer trace's
	 * when two are compared) */
	ui_format_dur(d, sizeof(d),
		      (double)(c->m->end_ns > c->m->begin_ns ? c->m->end_ns - c->m->begin_ns : 0));
	char title[300];
	snprintf(title, sizeof(title), "cprof-trace  %s", base[0] ? base : "trace");
	int x = 8;
	if (c->v->label) {
		/* which side of a comparison this is, before anything else */
		int lw = ui_text_width(c->mt, UI_FONT_BOLD, c->v->label, strlen(c->v->label));
		ui_dl_rect(c->dl, 4, 3, lw + 10, UI_HEADER_H - 6, ui_theme[UI_C_ACCENT]);
		ui_dl_text(c->dl, 9, 5, 0, ui_theme[UI_C_TEXT_DARK], UI_FONT_BOLD, "%s",
			   c->v->label);
		x += lw + 14;
		snprintf(title, sizeof(title), "%s", path[0] ? path : "trace");
	}
	ui_dl_text(c->dl, x, 5, 0, ui_theme[UI_C_TEXT], UI_FONT_BOLD, "%s", title);
	x += 8 + ui_text_width(c->mt, UI_FONT_BOLD, title, strlen(title));
	char info[256];
	if (c->m->lost_events)
		snprintf(info, sizeof(info),
			 "%s \u00b7 %" PRIu64
			 " events \u00b7 %zu threads \u00b7 %zu tasks \u00b7 %" PRIu64
			 " events lost",
			 d, c->m->events, c->m->threads.n, c->m->tasks.n, c->m->lost_events);
	else
		snprintf(info, sizeof(info),
			 "%s \u00b7 %" PRIu64 " events \u00b7 %zu threads \u00b7 %zu tasks", d,
			 c->m->events, c->m->threads.n, c->m->tasks.n);
	ui_dl_text(c->dl, x, 6, 0,
		   c->m->lost_events ? UI_RGB(0xff, 0x9a, 0x8a) : ui_theme[UI_C_TEXT_DIM],
		   UI_FONT_SMALL, "%s", info);
	/* legend, right-aligned; dropped when the window is too narrow */
	static const struct {
		int color;
		const char *name;
		bool optional; /* dropped first when the header is too narrow */
	} legend[] = {{UI_C_RUNNING, "running", false},
		      {UI_C_LOCK, "lock", false},
		      {UI_C_COND, "cond/sem", false},
		      {UI_C_OTHER_WAIT, "join", false},
		      {UI_C_SYSCALL, "blocking call", false},
		      {UI_C_LOG, "log", false},
		      {UI_C_SAMPLE, "CPU sample", true},
		      {UI_C_ALLOC, "allocation", true},
		      {-1, "lost events", false}};
	const size_t nleg = sizeof(legend) / sizeof(legend[0]);
	bool want_opt[2] = {c->m->samples.n > 0, c->m->allocs.n > 0};
	int info_end = x + ui_text_width(c->mt, UI_FONT_SMALL, info, strlen(info));
	int lx = 0;
	for (int pass = 0; pass < 2; pass++) {
		int lw = 0;
		for (size_t k = 0; k < nleg; k++)
			if (!legend[k].optional ||
			    (pass == 0 && want_opt[legend[k].color == UI_C_ALLOC]))
				lw += 26 + ui_text_width(c->mt, UI_FONT_SMALL, legend[k].name,
							 strlen(legend[k].name));
		lx = c->v->width - 8 - lw;
		if (lx >= info_end + 24) {
			if (pass == 1)
				want_opt[0] = want_opt[1] = false;
			break;
		}
		if (pass == 1)
			return;
	}
	for (size_t k = 0; k < nleg; k++)
		if (!legend[k].optional || want_opt[legend[k].color == UI_C_ALLOC])
			legend_item(c, &lx, 2,
				    legend[k].color < 0 ? UI_RGB(0xff, 0x3b, 0x3b)
							: ui_theme[legend[k].color],
				    legend[k].name);
}

/* The selected item's outline: two rings around [b_abs, e_abs) at least 4 px
 * wide, cut to the timeline's width (e_abs 0: still open at the end). */
static void outline_x(struct fctx *c, uint64_t b_abs, uint64_t e_abs, int y, int h)
{
	double x0 = X(c, (double)(b_abs - c->m->begin_ns));
	double x1 = X(c, (double)((e_abs ? e_abs : c->m->end_ns) - c->m->begin_ns));
	if (x1 < c->clip_x0 || x0 > c->clip_x1)
		return;
	if (x0 < c->clip_x0)
		x0 = c->clip_x0;
	if (x1 > c->clip_x1)
		x1 = c->clip_x1;
	if (x1 - x0 < 3) {
		double m = (x0 + x1) / 2;
		x0 = m - 2;
		x1 = m + 2;
	}
	ui_dl_outline(c->dl, (int)x0 - 1, y - 1, (int)(x1 - x0) + 2, h + 2, ui_theme[UI_C_SELECT]);
	ui_dl_outline(c->dl, (int)x0 - 2, y - 2, (int)(x1 - x0) + 4, h + 4, ui_theme[UI_C_SELECT]);
}

/* The same, drawn only when the whole row is in view (state rows). */
static void outline_span(struct fctx *c, uint64_t b_abs, uint64_t e_abs, int y, int h)
{
	if (y < c->clip_y0 || y + h > c->clip_y1)
		return;
	outline_x(c, b_abs, e_abs, y, h);
}

static void draw_selection_outline(struct fctx *c)
{
	const struct ui_sel *s = &c->v->sel;
	if (s->hit == UI_HIT_WAIT && s->ref < c->m->waits.n) {
		const struct cprof_wait *w = &c->m->waits.v[s->ref];
		if (w->thread < c->m->threads.n && c->state_y[w->thread] != INT32_MIN)
			outline_span(c, w->begin_ns, w->end_ns, c->state_y[w->thread], UI_STATE_H);
		return;
	}
	if (s->hit == UI_HIT_SYSCALL && s->ref < c->m->syscalls.n) {
		const struct cprof_syscall *w = &c->m->syscalls.v[s->ref];
		if (w->thread < c->m->threads.n && c->state_y[w->thread] != INT32_MIN)
			outline_span(c, w->begin_ns, w->end_ns ? w->end_ns : w->begin_ns + 1,
				     c->state_y[w->thread], UI_STATE_H);
		return;
	}
	if (s->hit == UI_HIT_SAMPLE && s->ref < c->m->samples.n) {
		const struct cprof_sample *sp = &c->m->samples.v[s->ref];
		if (sp->thread < c->m->threads.n && c->sample_y[sp->thread] != INT32_MIN)
			outline_span(c, sp->ns, sp->ns + 1, c->sample_y[sp->thread], UI_SAMPLE_H);
		return;
	}
	if (s->hit == UI_HIT_ALLOC && s->ref < c->m->allocs.n) {
		const struct cprof_alloc *al = &c->m->allocs.v[s->ref];
		if (al->thread < c->m->threads.n && c->alloc_y[al->thread] != INT32_MIN)
			outline_span(c, al->ns, al->ns + 1, c->alloc_y[al->thread], UI_ALLOC_H);
		return;
	}
	if (s->hit != UI_HIT_REGION || s->ref >= c->m->regions.n)
		return;
	const struct cprof_region *r = &c->m->regions.v[s->ref];
	int ty = c->thread_y[r->thread];
	if (ty == INT32_MIN || r->depth >= c->thread_rows[r->thread])
		return;
	/* UI_ROW_H - 1: a region bar leaves one pixel between rows. */
	outline_x(c, r->begin_ns, r->end_ns, ty + r->depth * UI_ROW_H, UI_ROW_H - 1);
}

static void draw_range(struct fctx *c)
{
	if (!c->v->range_on)
		return;
	double a = c->v->r0 < c->v->r1 ? c->v->r0 : c->v->r1;
	double b = c->v->r0 < c->v->r1 ? c->v->r1 : c->v->r0;
	double x0 = X(c, a), x1 = X(c, b);
	ui_fc_rect(c, x0, x1, c->clip_y0, c->clip_y1 - c->clip_y0, ui_theme[UI_C_RANGE]);
	ui_fc_rect(c, x0, x0 + 1, c->clip_y0, c->clip_y1 - c->clip_y0, ui_theme[UI_C_ACCENT]);
	ui_fc_rect(c, x1, x1 + 1, c->clip_y0, c->clip_y1 - c->clip_y0, ui_theme[UI_C_ACCENT]);
	if (x1 > c->g.tl_x && x0 < c->g.tl_x + c->g.tl_w) {
		char d[64];
		ui_format_dur(d, sizeof(d), b - a);
		int lx = (int)((x0 + x1) / 2) - 30;
		if (lx < c->g.tl_x)
			lx = c->g.tl_x + 2;
		ui_dl_rect(c->dl, lx - 4, c->clip_y0 + 2, 80, 16, ui_theme[UI_C_ACCENT]);
		ui_dl_text(c->dl, lx, c->clip_y0 + 3, 74, ui_theme[UI_C_TEXT_DARK], UI_FONT_SMALL,
			   "%s", d);
	}
}

static void draw_status(struct fctx *c)
{
	int y = c->v->height - UI_STATUS_H;
	int w = c->g.tl_x + c->g.tl_w;
	ui_dl_rect(c->dl, 0, y, w, UI_STATUS_H, ui_theme[UI_C_HEADER]);
	if (c->v->search_active || c->v->search[0]) {
		ui_dl_text(c->dl, 8, y + 3, w - 16, ui_theme[UI_C_SEARCH], UI_FONT_SMALL,
			   "/%s%s   %s", c->v->search, c->v->search_active ? "_" : "",
			   c->v->search_active ? "(Enter: find, Esc: cancel)" : "(n: next match)");
		return;
	}
	if (c->v->status[0]) {
		ui_dl_text(c->dl, 8, y + 3, w - 16, ui_theme[UI_C_ACCENT], UI_FONT_SMALL, "%s",
			   c->v->status);
		return;
	}
	ui_dl_text(
	    c->dl, 8, y + 3, w - 16, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL,
	    "wheel/W/S zoom \u00b7 drag/A/D pan \u00b7 F fit \u00b7 0 reset \u00b7 click select "
	    "\u00b7 shift-drag range \u00b7 / search, n next \u00b7 E export profile \u00b7 Tab "
	    "panel \u00b7 5 flame (G profile, T table) \u00b7 6 threads \u00b7 7/C critical path");
}

/* The critical path's bars sit on each thread's state strip, where the
 * waits it follows are drawn. */
static int path_lane_y(void *ctx, uint32_t thread)
{
	const struct fctx *c = ctx;
	int y;

	if (thread >= c->m->threads.n || c->state_y[thread] == INT32_MIN)
		return -1;
	y = c->state_y[thread] - 5;
	return y >= c->clip_y0 && y < c->clip_y1 ? y : -1;
}

void ui_frame_timeline(struct ui_dl *dl, struct ui_index *ix, const struct ui_view *v,
		       const struct ui_metrics *mt)
{
	struct fctx c = {.dl = dl, .ix = ix, .m = ix->model, .v = v, .mt = mt};
	size_t nt = ix->model->threads.n;
	ui_geom_compute(v, &c.g);
	c.scale = c.g.tl_w / (v->t1 - v->t0);
	c.clip_x0 = c.g.tl_x;
	c.clip_x1 = c.g.tl_x + c.g.tl_w;
	c.clip_y0 = c.g.tl_y;
	c.clip_y1 = c.g.details_y;
	c.thread_y = malloc((nt ? nt : 1) * sizeof(int));
	c.thread_rows = calloc(nt ? nt : 1, sizeof(int));
	c.state_y = malloc((nt ? nt : 1) * sizeof(int));
	c.sample_y = malloc((nt ? nt : 1) * sizeof(int));
	c.alloc_y = malloc((nt ? nt : 1) * sizeof(int));
	if (!c.thread_y || !c.thread_rows || !c.state_y || !c.sample_y || !c.alloc_y)
		goto end;
	for (size_t t = 0; t < nt; t++)
		c.thread_y[t] = c.state_y[t] = c.sample_y[t] = c.alloc_y[t] = INT32_MIN;
	c.dim = ix->hl_active;

	ui_dl_rect(dl, 0, 0, v->width, v->height, ui_theme[UI_C_BG]);
	draw_lanes(&c);
	ui_lane_thread_highlight(&c);
	ui_lane_thread_state_highlight(&c);
	draw_overwritten(&c);
	draw_lost(&c);
	draw_range(&c);
	draw_selection_outline(&c);
	ui_lane_task_arrows(&c);
	if (ix->path)
		ui_path_overlay(dl, ix->path, v, &c.g, path_lane_y, &c);
	ui_axis_draw(&c);
	draw_header(&c);
	ui_details_draw(&c);
	draw_status(&c);
end:
	free(c.thread_y);
	free(c.thread_rows);
	free(c.state_y);
	free(c.sample_y);
	free(c.alloc_y);
}

void ui_frame_loading(struct ui_dl *dl, int w, int h, const char *trace, double f)
{
	if (!(f >= 0))
		f = 0; /* also NaN */
	if (f > 1)
		f = 1;
	ui_dl_rect(dl, 0, 0, w, h, ui_theme[UI_C_BG]);
	int bw = w / 2, bx = (w - bw) / 2, by = h / 2;
	ui_dl_text(dl, bx, by - 26, bw, ui_theme[UI_C_TEXT], UI_FONT_BOLD, "Loading %s", trace);
	ui_dl_rect(dl, bx, by, bw, 10, ui_theme[UI_C_GRID]);
	if ((int)(bw * f) > 0)
		ui_dl_rect(dl, bx, by, (int)(bw * f), 10, ui_theme[UI_C_ACCENT]);
	ui_dl_text(dl, bx, by + 16, 0, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL,
		   "%.0f%%   (Esc cancels)", f * 100);
}

/* ---- highlight set ---- */

bool ui_region_highlighted(const struct ui_index *ix, const struct ui_view *v, uint32_t r)
{
	const struct cprof_model *m = ix->model;
	const struct cprof_region *reg = &m->regions.v[r];
	if (v->sel_task != CPROF_NONE)
		return reg->task == v->sel_task;
	if (v->hl_type)
		return reg->type == v->hl_type;
	if (v->search[0] && ix->str_match)
		return ix->str_match[reg->type] ||
		       (reg->task < m->tasks.n && ix->str_match[m->tasks.v[reg->task].type]);
	return false;
}

static void set_highlight(struct ui_index *ix, const struct ui_view *v, bool scan)
{
	const struct cprof_model *m = ix->model;
	ui_hl_free(&ix->hl);
	ix->hl_active = false;
	free(ix->str_match);
	ix->str_match = NULL;
	if (v->search[0]) {
		ix->str_match = calloc(m->strings.n ? m->strings.n : 1, 1);
		if (ix->str_match)
			for (size_t s = 1; s < m->strings.n; s++)
				ix->str_match[s] = ui_str_match(m->strings.v[s], v->search);
	}
	if (v->sel_task == CPROF_NONE && !v->hl_type && !(v->search[0] && ix->str_match))
		return;
	ix->hl_active = true;
	if (scan || v->sel_task != CPROF_NONE || v->search[0])
		ui_index_highlight_rows(ix, v, NULL, &ix->hl);
}

void ui_index_set_highlight(struct ui_index *ix, const struct ui_view *v)
{
	set_highlight(ix, v, true);
}

void ui_index_set_highlight_later(struct ui_index *ix, const struct ui_view *v)
{
	set_highlight(ix, v, false);
}
