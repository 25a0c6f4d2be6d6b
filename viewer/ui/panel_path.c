/*
 * The critical path panel and overlay (see panel_path.h).
 */
#include "panel_path.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"
#include "panel.h"

struct ui_path *ui_path_create(void)
{
	return calloc(1, sizeof(struct ui_path));
}

static void clear(struct ui_path *p)
{
	cprof_cp_path_fini(&p->path);
	p->rows.n = 0;
	p->valid = false;
	p->total_ns = 0;
	p->note[0] = 0;
}

void ui_path_destroy(struct ui_path *p)
{
	if (!p)
		return;
	clear(p);
	cprof_vec_free(&p->rows);
	cprof_critpath_destroy(p->cp);
	free(p);
}

static int row_cmp(const void *a, const void *b)
{
	const struct ui_path_row *x = a, *y = b;
	if (x->ns != y->ns)
		return x->ns > y->ns ? -1 : 1;
	return x->thread < y->thread ? -1 : x->thread > y->thread;
}

/* Segments summed by (what, depth > 0, thread, function, object). */
static void summarize(struct ui_path *p, struct cprof_symbolizer *sym)
{
	for (size_t i = 0; i < p->path.segments.n; i++) {
		const struct cprof_cp_segment *s = &p->path.segments.v[i];
		struct ui_path_row r = {s->what, s->depth ? 1 : 0,	  s->thread,
					s->obj,	 s->end_ns - s->begin_ns, ""};
		char fb[64];
		bool merged = false;

		snprintf(r.function, sizeof(r.function), "%s",
			 cprof_cp_function(p->model, sym, s, fb, sizeof(fb)));
		for (size_t k = 0; k < p->rows.n && !merged; k++) {
			struct ui_path_row *q = &p->rows.v[k];
			if (q->what == r.what && q->depth == r.depth && q->thread == r.thread &&
			    q->obj == r.obj && !strcmp(q->function, r.function)) {
				q->ns += r.ns;
				merged = true;
			}
		}
		if (!merged) {
			struct ui_path_row *slot = cprof_vec_push(&p->rows);
			if (slot)
				*slot = r;
		}
	}
	if (p->rows.n)
		qsort(p->rows.v, p->rows.n, sizeof(*p->rows.v), row_cmp);
}

bool ui_path_update(struct ui_path *p, const struct cprof_model *m, struct cprof_symbolizer *sym,
		    uint8_t hit, uint32_t ref)
{
	enum cprof_critpath_status st;

	if (p->valid && p->sel_hit == hit && p->sel_ref == ref)
		return false;
	if (!p->valid && hit != UI_HIT_TASK && hit != UI_HIT_REGION && p->sel_hit == hit)
		return false;
	clear(p);
	p->sel_hit = hit;
	p->sel_ref = ref;
	p->model = m;
	if (hit != UI_HIT_TASK && hit != UI_HIT_REGION) {
		snprintf(p->note, sizeof(p->note),
			 "select a task or a region: its critical path shows here");
		return true;
	}
	if (!p->cp && !(p->cp = cprof_critpath_create(m))) {
		snprintf(p->note, sizeof(p->note), "out of memory");
		return true;
	}
	st = hit == UI_HIT_TASK ? cprof_critpath_task(p->cp, ref, &p->path)
				: cprof_critpath_region(p->cp, ref, &p->path);
	if (st != CPROF_CRITPATH_OK) {
		snprintf(p->note, sizeof(p->note), "%s",
			 st == CPROF_CRITPATH_NOT_ENDED ? "it never ended in the trace: no path"
			 : st == CPROF_CRITPATH_BEFORE_WINDOW
			     ? "it ended before the snapshot's window: no path"
			     : "out of memory");
		return true;
	}
	p->valid = true;
	p->total_ns = p->path.end_ns - p->path.begin_ns;
	summarize(p, sym);
	return true;
}

void ui_path_row_text(const struct ui_path *p, const struct ui_path_row *r, char *buf, size_t len)
{
	char tb[32];
	const char *th = cprof_cp_thread_name(p->model, r->thread, tb, sizeof(tb));
	const char *fn = r->function[0] ? r->function : "?";

	switch (r->what) {
	case CPROF_CP_RUN:
		snprintf(buf, len, "running %s on %s", fn, th);
		break;
	case CPROF_CP_LOCK:
		if (r->depth)
			snprintf(buf, len, "waiting for lock 0x%" PRIx64 " held by %s on %s",
				 r->obj, fn, th);
		else
			snprintf(buf, len, "waiting for lock 0x%" PRIx64 " in %s on %s (wake-up)",
				 r->obj, fn, th);
		break;
	case CPROF_CP_COND:
		snprintf(buf, len, "waiting on condition 0x%" PRIx64 " in %s on %s", r->obj, fn,
			 th);
		break;
	case CPROF_CP_SYSCALL:
		snprintf(buf, len, "blocked in %s on %s", fn, th);
		break;
	case CPROF_CP_JOIN:
		snprintf(buf, len, "joining a thread in %s on %s", fn, th);
		break;
	default:
		/* the receiving thread blocked (waiting for work) or busy */
		if (r->obj)
			snprintf(buf, len, "handed over: %s waiting in %s", th, fn);
		else if (r->function[0])
			snprintf(buf, len, "handed over: %s busy with %s", th, fn);
		else
			snprintf(buf, len, "handed over to %s", th);
		break;
	}
}

static uint32_t what_color(uint8_t what)
{
	switch (what) {
	case CPROF_CP_RUN:
		return ui_theme[UI_C_RUNNING];
	case CPROF_CP_LOCK:
		return ui_theme[UI_C_LOCK];
	case CPROF_CP_COND:
		return ui_theme[UI_C_COND];
	case CPROF_CP_SYSCALL:
		return ui_theme[UI_C_SYSCALL];
	case CPROF_CP_JOIN:
		return ui_theme[UI_C_OTHER_WAIT];
	default:
		return ui_theme[UI_C_MERGED];
	}
}

void ui_path_frame(struct ui_dl *dl, const struct ui_path *p, const struct ui_metrics *m, int x,
		   int y, int w, int h)
{
	int rh = m->height[UI_FONT_SMALL] + 5, bottom = y + h;
	char buf[300], d[32];

	if (!p->valid) {
		ui_dl_text(dl, x + 4, y + 4, w - 8, ui_theme[UI_C_TEXT_DIM], UI_FONT_NORMAL, "%s",
			   p->note[0] ? p->note
				      : "select a task or a region: its critical path shows here");
		return;
	}
	ui_format_dur(d, sizeof(d), (double)p->total_ns);
	ui_dl_text(dl, x + 4, y, w - 8, ui_theme[UI_C_TEXT], UI_FONT_BOLD,
		   "critical path of the %s, %s%s", p->sel_hit == UI_HIT_TASK ? "task" : "region",
		   d, p->path.clipped ? " from the snapshot's window" : "");
	y += rh + 4;
	for (size_t i = 0; i < p->rows.n && y + rh <= bottom; i++, y += rh) {
		const struct ui_path_row *r = &p->rows.v[i];
		double pct = p->total_ns ? 100.0 * (double)r->ns / (double)p->total_ns : 0;
		ui_dl_rect(dl, x + 4, y + 3, 8, 8, what_color(r->what));
		ui_format_dur(d, sizeof(d), (double)r->ns);
		ui_dl_text(dl, x + 16, y, 0, ui_theme[UI_C_TEXT], UI_FONT_SMALL, "%5.1f%%", pct);
		ui_dl_text(dl, x + 60, y, 0, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, "%s", d);
		ui_path_row_text(p, r, buf, sizeof(buf));
		ui_dl_text(dl, x + 124, y, w - 128, ui_theme[UI_C_TEXT], UI_FONT_SMALL, "%s", buf);
	}
}

static void arrow(struct ui_dl *dl, int x, int y0, int y1, uint32_t col)
{
	int dir = y1 > y0 ? -1 : 1;

	ui_dl_line(dl, x, y0, x, y1, col);
	ui_dl_line(dl, x, y1, x - 4, y1 + 5 * dir, col);
	ui_dl_line(dl, x, y1, x + 4, y1 + 5 * dir, col);
}

void ui_path_overlay(struct ui_dl *dl, const struct ui_path *p, const struct ui_view *v,
		     const struct ui_geom *g, int (*lane_y)(void *ctx, uint32_t thread), void *ctx)
{
	const struct cprof_model *m = p->model;
	int last_x = -1000, last_y = -1;
	uint32_t last_thread = CPROF_NONE;

	if (!p->valid)
		return;
	ui_dl_clip(dl, g->tl_x, g->tl_y, g->tl_w, g->tl_h);
	for (size_t i = 0; i < p->path.segments.n; i++) {
		const struct cprof_cp_segment *s = &p->path.segments.v[i];
		double x0 = ui_x_of(v, g, (double)(s->begin_ns - m->begin_ns));
		double x1 = ui_x_of(v, g, (double)(s->end_ns - m->begin_ns));
		int y = lane_y(ctx, s->thread);
		if (x1 < g->tl_x || x0 > g->tl_x + g->tl_w)
			continue;
		if (y >= 0 && last_y >= 0 && s->thread != last_thread && (int)x0 - last_x >= 2) {
			arrow(dl, (int)x0, last_y + 2, y + 2, ui_theme[UI_C_ARROW]);
			last_x = (int)x0;
		}
		if (y >= 0 && x1 - x0 >= 1)
			ui_dl_rect(dl, (int)x0, y, (int)x1 - (int)x0 > 0 ? (int)x1 - (int)x0 : 1, 4,
				   what_color(s->what));
		if (y >= 0) {
			last_y = y;
			last_thread = s->thread;
		}
	}
	ui_dl_clip(dl, 0, 0, 0, 0);
}

void ui_path_print_json(const struct ui_path *p, FILE *out)
{
	char buf[300], tb[32];

	fprintf(out, "{\"tab\": \"path\", \"of\": \"%s\", \"ref\": %u, \"total_ns\": %" PRIu64,
		!p->valid		    ? ""
		: p->sel_hit == UI_HIT_TASK ? "task"
					    : "region",
		p->valid ? p->sel_ref : 0, p->total_ns);
	fputs(", \"note\": ", out);
	cprof_json_write_string(out, p->note);
	fputs(", \"rows\": [", out);
	for (size_t i = 0; p->valid && i < p->rows.n; i++) {
		const struct ui_path_row *r = &p->rows.v[i];
		fprintf(out, "%s{\"what\": \"%s\", \"thread\": ", i ? ", " : "",
			cprof_cp_what_name(r->what));
		cprof_json_write_string(out,
					cprof_cp_thread_name(p->model, r->thread, tb, sizeof(tb)));
		fputs(", \"function\": ", out);
		cprof_json_write_string(out, r->function);
		fprintf(out, ", \"obj\": %" PRIu64 ", \"ns\": %" PRIu64 ", \"text\": ", r->obj,
			r->ns);
		ui_path_row_text(p, r, buf, sizeof(buf));
		cprof_json_write_string(out, buf);
		fputs("}", out);
	}
	fprintf(out, "], \"segments\": %zu}\n", p->valid ? p->path.segments.n : (size_t)0);
}
