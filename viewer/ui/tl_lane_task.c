/*
 * The task track (tasks packed into rows, each task a bar in its type's
 * colour) and the arrows that follow the selected task from thread to
 * thread across the thread lanes.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "tl_draw.h"

static void task_wide(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n, double x0,
		      double x1, void *arg)
{
	struct lane_arg *a = arg;
	uint32_t t = row->idx[i];
	const struct cprof_task *task = &c->m->tasks.v[t];
	uint32_t col = mix(ui_type_color(c->ix, task->type), ui_theme[UI_C_BG], 60);
	if (c->v->sel_task != CPROF_NONE && c->v->sel_task != t)
		col = mix(col, ui_theme[UI_C_BG], 160);
	struct ui_dl_item *it = ui_fc_rect(c, x0, x1 - (x1 - x0 > 4 ? 1 : 0), a->y, a->h - 1, col);
	if (!it)
		return;
	it->hit = UI_HIT_TASK;
	it->ref = t;
	it->count = 1;
	if (c->v->sel_task == t)
		ui_dl_outline(c->dl, it->x - 1, it->y - 1, it->w + 2, it->h + 2,
			      ui_theme[UI_C_SELECT]);
}

static void task_merged(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n, double x0,
			double x1, void *arg)
{
	struct lane_arg *a = arg;
	struct ui_dl_item *it =
	    ui_fc_rect(c, x0, x1, a->y, a->h - 1, mix(ui_theme[UI_C_TASK], ui_theme[UI_C_BG], 90));
	if (!it)
		return;
	it->hit = UI_HIT_TASKS;
	it->ref = row->idx[i];
	it->count = n;
	c->dl->merged++;
}

/* Rows the task track shows: all of them, one when collapsed, or
 * UI_TASK_MAX_ROWS - 1 and a "+N more" row when there are more. */
static uint32_t task_rows_shown(const struct ui_index *ix)
{
	if (!ix->ntask_rows)
		return 0;
	if (ix->tasks_collapsed)
		return 1;
	return ix->ntask_rows > UI_TASK_MAX_ROWS ? UI_TASK_MAX_ROWS : ix->ntask_rows;
}

int ui_task_track_h(const struct ui_index *ix)
{
	if (!ix->ntask_rows)
		return 0;
	int h = 6 + (int)task_rows_shown(ix) * UI_TASK_ROW_H;
	return h < 22 ? 22 : h;
}

/*
 * The task track: tasks packed into as many rows as are ever open at once.
 * Collapsed, every task shares one row; past UI_TASK_MAX_ROWS rows, the
 * last one shows the rest overlapping, labelled "+N more". Overlapping rows
 * cost no more than the others: row_lod skips what a wide task hides and
 * merges what is narrower than a pixel.
 */
void ui_lane_task_draw(struct fctx *c, int y, int h, int band)
{
	const struct ui_index *ix = c->ix;
	char lab[160];
	struct ui_dl_item *g = ui_lane_band(c, y, h, band);
	if (!g)
		return;
	g->hit = UI_HIT_TASK_TRACK;
	snprintf(lab, sizeof(lab), "%s Tasks (%zu)",
		 ix->ntask_rows > 1 ? (ix->tasks_collapsed ? "\u25b8" : "\u25be") : " ",
		 c->m->tasks.n);
	ui_gutter_label(c, y, 20, lab, ui_theme[UI_C_TEXT], UI_FONT_NORMAL, 0);
	if (h >= 34) {
		snprintf(lab, sizeof(lab), "%u rows", ix->ntask_rows);
		ui_gutter_label(c, y + 16, 14, lab, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, 24);
	}
	uint32_t shown = task_rows_shown(ix);
	for (uint32_t r = 0; r < shown; r++) {
		struct lane_arg a = {.y = y + 3 + (int)r * UI_TASK_ROW_H, .h = UI_TASK_ROW_H};
		if (a.y + a.h <= c->clip_y0 || a.y >= c->clip_y1)
			continue;
		const struct ui_row *row = &ix->task_rows[r];
		if (ix->tasks_collapsed)
			row = &ix->task_all;
		else if (r == shown - 1 && ix->ntask_rows > shown) {
			row = &ix->task_more;
			snprintf(lab, sizeof(lab), "+%u more in %u rows", row->n,
				 ix->ntask_rows - (shown - 1));
			ui_gutter_label(c, a.y, UI_TASK_ROW_H, lab, ui_theme[UI_C_TEXT_DIM],
					UI_FONT_SMALL, 10);
		}
		ui_row_lod(c, row, task_wide, task_merged, &a);
	}
}

/* Arrows where the selected task moved from one thread to another: from
 * its begin to its first region, between consecutive top-level regions on
 * different threads, and from its last region to its end. */
static void arrow(struct fctx *c, uint32_t ta, uint64_t a_abs, uint32_t tb, uint64_t b_abs)
{
	if (ta >= c->m->threads.n || tb >= c->m->threads.n || ta == tb)
		return;
	int ya = c->thread_y[ta], yb = c->thread_y[tb];
	double xa = X(c, (double)(a_abs - c->m->begin_ns));
	double xb = X(c, (double)(b_abs - c->m->begin_ns));
	if (ya == INT32_MIN || yb == INT32_MIN || (xa < c->clip_x0 && xb < c->clip_x0) ||
	    (xa > c->clip_x1 && xb > c->clip_x1))
		return;
	int y0 = ya + UI_ROW_H / 2, y1 = yb + UI_ROW_H / 2;
	uint32_t col = ui_theme[UI_C_ARROW];
	ui_dl_line(c->dl, (int)xa, y0, (int)xb, y1, col);
	ui_dl_line(c->dl, (int)xa + 1, y0, (int)xb + 1, y1, col);
	ui_dl_rect(c->dl, (int)xa - 2, y0 - 2, 5, 5, col);
	double dx = xb - xa, dy = y1 - y0, len = sqrt(dx * dx + dy * dy);
	if (len > 1) {
		double ux = dx / len, uy = dy / len;
		for (int s = -1; s <= 1; s += 2) {
			double hx = xb - 9 * ux + s * 4.5 * -uy;
			double hy = y1 - 9 * uy + s * 4.5 * ux;
			ui_dl_line(c->dl, (int)xb, y1, (int)hx, (int)hy, col);
			ui_dl_line(c->dl, (int)xb + 1, y1, (int)hx + 1, (int)hy, col);
		}
	}
}

void ui_lane_task_arrows(struct fctx *c)
{
	uint32_t t = c->v->sel_task;
	if (t == CPROF_NONE || t >= c->m->tasks.n)
		return;
	const struct cprof_task *task = &c->m->tasks.v[t];
	uint32_t a = c->ix->task_region_first[t], b = c->ix->task_region_first[t + 1];
	uint32_t prev_thread = task->begin_thread;
	uint64_t prev_ns = task->begin_ns;
	int budget = 2000;
	for (uint32_t k = a; k < b && budget > 0; k++) {
		const struct cprof_region *reg = &c->m->regions.v[c->ix->task_regions[k]];
		if (reg->depth != 0)
			continue;
		if (reg->thread != prev_thread) {
			arrow(c, prev_thread, prev_ns, reg->thread, reg->begin_ns);
			budget--;
		}
		prev_thread = reg->thread;
		prev_ns = reg->end_ns ? reg->end_ns : c->m->end_ns;
	}
	if (task->end_ns && task->end_thread != CPROF_NONE && task->end_thread != prev_thread)
		arrow(c, prev_thread, prev_ns, task->end_thread, task->end_ns);
}
