/*
 * A counter track (heap in use, threads alive, ...): a step function drawn
 * per pixel column as the maximum of the points inside the column, or the
 * value carried from the last point before it. Block maxima of the index
 * (ui_counter_index.lvl) keep a column O(log n) however many points it holds.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tl_draw.h"

/* First point at or after `from` whose time is >= t. */
static uint32_t first_point_at(const struct ui_counter_index *ci, uint32_t from, uint64_t t)
{
	return ui_first_at_or_after(ci->ns, from, ci->n, t);
}

/* The maximum of the values of points [a0, b0), INT64_MIN when empty,
 * through the block levels: whole blocks of 16 are read one level up. */
static int64_t range_max(const struct ui_counter_index *ci, uint32_t a0, uint32_t b0)
{
	const int64_t *L = ci->val;
	int64_t best = INT64_MIN;
	for (int lv = 0;; lv++) {
		while (a0 < b0 && a0 % 16) {
			if (L[a0] > best)
				best = L[a0];
			a0++;
		}
		while (a0 < b0 && b0 % 16) {
			b0--;
			if (L[b0] > best)
				best = L[b0];
		}
		if (a0 >= b0)
			break;
		if (lv >= ci->nlvl) {
			for (uint32_t z = a0; z < b0; z++)
				if (L[z] > best)
					best = L[z];
			break;
		}
		L = ci->lvl[lv];
		a0 /= 16;
		b0 /= 16;
	}
	return best;
}

/* The bar height of pixel column x (-1: nothing there); *p is the first
 * point of the column, where the next column's search starts. */
static int column_height(struct fctx *c, const struct ui_counter_index *ci, int x, uint32_t *p,
			 int ph, double vmax, double end)
{
	double ta = c->v->t0 + (x - c->g.tl_x) / c->scale;
	double tb = ta + 1 / c->scale;
	uint64_t ua = ta <= 0 ? 0 : (uint64_t)ta, ub = tb <= 0 ? 0 : (uint64_t)tb;
	uint32_t q = first_point_at(ci, *p, ua);
	uint32_t e = first_point_at(ci, q, ub);
	*p = q;
	int64_t val = INT64_MIN;
	if (q > 0 && (tb > 0) && ci->ns[q - 1] <= ua && ta < end)
		val = ci->val[q - 1];
	if (e > q) {
		int64_t best = range_max(ci, q, e);
		if (best > val)
			val = best;
	}
	if (val == INT64_MIN)
		return -1;
	return (int)lround((val < 0 ? 0 : val) * ph / vmax);
}

static void counter_gutter(struct fctx *c, const struct ui_counter_index *ci, int y)
{
	const struct cprof_counter *mc = &c->m->counters.v[ci->counter];
	char lab[160], max[48];
	const char *pname = "";
	bool several = c->m->processes.n > 1 && mc->process < c->m->processes.n;
	if (mc->process < c->m->processes.n) {
		const struct cprof_process *pr = &c->m->processes.v[mc->process];
		/* the title ps shows ("postgres: checkpointer"), as the
		 * process lanes do */
		pname = cprof_model_process_label(c->m, pr);
		/* Several processes (every postgres backend or nginx worker
		 * has the same name, and a title cut to the gutter's width
		 * tells none apart): the pid first, the title after the
		 * maximum. */
		if (several)
			snprintf(lab, sizeof(lab), "%s - pid %d", cprof_model_str(c->m, mc->name),
				 pr->pid);
	}
	if (!several)
		snprintf(lab, sizeof(lab), "%s%s%s", cprof_model_str(c->m, mc->name),
			 pname[0] ? " - " : "", pname);
	ui_gutter_label(c, y, 18, lab, ui_theme[UI_C_TEXT], UI_FONT_NORMAL, 10);
	bool bytes = strstr(cprof_model_str(c->m, mc->name), "heap") != NULL;
	if (bytes)
		snprintf(max, sizeof(max), "max %.1f MiB", ci->vmax / 1048576.0);
	else
		snprintf(max, sizeof(max), "max %" PRId64, ci->vmax);
	snprintf(lab, sizeof(lab), "%s%s%s", max, several ? ", " : "", several ? pname : "");
	ui_gutter_label(c, y + 16, 14, lab, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, 24);
}

void ui_lane_counter_draw(struct fctx *c, uint32_t k, int y, int h, int band)
{
	const struct ui_counter_index *ci = &c->ix->counters[k];
	if (!ui_lane_band(c, y, h, band))
		return;
	counter_gutter(c, ci, y);
	if (!ci->n)
		return;
	double vmax = ci->vmax > 0 ? (double)ci->vmax : 1;
	int base = y + h - 3, ph = h - 8;
	/* a process's track ends at its exit, when the trace has it */
	const struct cprof_counter *mc = &c->m->counters.v[ci->counter];
	double end = (double)c->ix->span;
	if (mc->process < c->m->processes.n &&
	    c->m->processes.v[mc->process].end_ns > c->m->begin_ns)
		end = (double)(c->m->processes.v[mc->process].end_ns - c->m->begin_ns);
	/* Runs of columns of the same height become one rectangle. */
	int run_x = -1, run_h = -1;
	uint32_t colr = mix(ui_theme[UI_C_COUNTER], ui_theme[UI_C_BG], 90);
	uint32_t p = 0;
	for (int x = c->g.tl_x; x <= c->g.tl_x + c->g.tl_w; x++) {
		int hh = -1;
		if (x < c->g.tl_x + c->g.tl_w)
			hh = column_height(c, ci, x, &p, ph, vmax, end);
		if (hh == run_h)
			continue;
		if (run_h >= 0 && run_x >= 0) {
			int yy = base - (run_h < 1 ? 1 : run_h);
			struct ui_dl_item *it = ui_fc_rect(c, run_x, x, yy, base - yy, colr);
			if (it) {
				it->hit = UI_HIT_COUNTER;
				it->ref = ci->counter;
			}
			ui_fc_rect(c, run_x, x, yy, 1, ui_theme[UI_C_COUNTER]);
		}
		run_x = x;
		run_h = hh;
	}
}
