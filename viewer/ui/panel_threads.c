/*
 * The threads tab (see panel_threads.h).
 */
#include "panel_threads.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"
#include "panel.h"

#define NAME_W 118
#define BAR_H 11

struct ui_threads *ui_threads_create(void)
{
	return calloc(1, sizeof(struct ui_threads));
}

void ui_threads_destroy(struct ui_threads *t)
{
	if (!t)
		return;
	ui_job_destroy(t->job);
	cprof_threads_fini(&t->b);
	cprof_vec_free(&t->boxes);
	free(t);
}

bool ui_threads_update(struct ui_threads *t, const struct cprof_model *m, uint64_t from,
		       uint64_t to)
{
	if (t->valid && t->from_ns == from && t->to_ns == to)
		return false;
	cprof_threads_fini(&t->b);
	t->valid = cprof_threads_compute(m, m->begin_ns + from, m->begin_ns + to, &t->b) ==
		   CPROF_THREADS_OK;
	t->from_ns = from;
	t->to_ns = to;
	return true;
}

bool ui_threads_ready(const struct ui_threads *t, uint64_t from, uint64_t to)
{
	return t->valid && t->from_ns == from && t->to_ns == to;
}

static void free_result(void *result)
{
	if (result)
		cprof_threads_fini(result);
	free(result);
}

/* On the job's thread. */
static bool compute(void *ctx, const struct ui_job_key *key, const atomic_bool *stop, void **result)
{
	const struct ui_threads *t = ctx;
	const struct cprof_model *m = t->job_model;
	struct cprof_thread_breakdown *b = calloc(1, sizeof(*b));

	*result = b;
	return b && cprof_threads_compute_until(m, m->begin_ns + key->from, m->begin_ns + key->to,
						stop, b) == CPROF_THREADS_OK;
}

bool ui_threads_use_job(struct ui_threads *t, const struct cprof_model *m, void (*wake)(void *ctx),
			void *ctx)
{
	t->job_model = m;
	t->job = ui_job_create(compute, free_result, t, wake, ctx);
	return t->job != NULL;
}

bool ui_threads_poll(struct ui_threads *t, uint64_t from, uint64_t to, bool wait)
{
	void *got = NULL;

	if (ui_threads_ready(t, from, to))
		return false;
	if (ui_job_poll(t->job, &(struct ui_job_key){from, to, 0}, wait, &got) == UI_JOB_COMPUTING)
		return false;
	/* READY, or FAILED (out of memory): none, shown as no thread */
	cprof_threads_fini(&t->b);
	memset(&t->b, 0, sizeof(t->b));
	if (got) {
		t->b = *(struct cprof_thread_breakdown *)got;
		free(got);
	}
	t->valid = true;
	t->from_ns = from;
	t->to_ns = to;
	return true;
}

void ui_threads_follow(struct ui_threads *t, bool shown, uint64_t from, uint64_t to)
{
	if (t->job)
		ui_job_follow(t->job, shown ? &(struct ui_job_key){from, to, 0} : NULL);
}

/* The parts of a bar, in drawing order, with their colours. */
static void parts(const struct cprof_thread_times *tt, uint64_t v[6])
{
	uint64_t cpu = tt->cpu_ns < tt->running_ns ? tt->cpu_ns : tt->running_ns;
	v[0] = cpu;
	v[1] = tt->running_ns - cpu;
	v[2] = tt->lock_ns;
	v[3] = tt->cond_ns;
	v[4] = tt->syscall_ns;
	v[5] = tt->join_ns;
}

static uint32_t part_color(int k)
{
	static const uint32_t extra[2] = {UI_RGB(0x2a, 0x6e, 0x40), UI_RGB(0xb0, 0x6c, 0xd8)};
	switch (k) {
	case 0:
		return extra[0];
	case 1:
		return ui_theme[UI_C_RUNNING];
	case 2:
		return ui_theme[UI_C_LOCK];
	case 3:
		return ui_theme[UI_C_COND];
	case 4:
		return ui_theme[UI_C_SYSCALL];
	default:
		return extra[1];
	}
}

static void bar(struct ui_dl *dl, int x, int y, int w, const struct cprof_thread_times *tt)
{
	uint64_t v[6], all = 0;
	double cx = x;

	parts(tt, v);
	for (int k = 0; k < 6; k++)
		all += v[k];
	ui_dl_rect(dl, x, y, w, BAR_H, ui_theme[UI_C_LANE_A]);
	if (!all)
		return;
	for (int k = 0; k < 6; k++) {
		double pw = (double)w * (double)v[k] / (double)all;
		if ((int)(cx + pw) > (int)cx)
			ui_dl_rect(dl, (int)cx, y, (int)(cx + pw) - (int)cx, BAR_H, part_color(k));
		cx += pw;
	}
}

static void legend(struct ui_dl *dl, const struct ui_metrics *m, int x, int y, int w)
{
	static const char *const names[6] = {"on CPU", "running", "lock", "cond", "call", "join"};
	int cx = x;

	for (int k = 0; k < 6; k++) {
		int tw = ui_text_width(m, UI_FONT_SMALL, names[k], strlen(names[k]));
		if (cx + tw + 14 > x + w)
			break;
		ui_dl_rect(dl, cx, y + 3, 8, 8, part_color(k));
		ui_dl_text(dl, cx + 11, y, 0, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, "%s",
			   names[k]);
		cx += tw + 20;
	}
}

static void row_tooltip(struct ui_dl *dl, const struct ui_metrics *m,
			const struct cprof_thread_times *tt, const char *name, int x, int y, int w)
{
	char l[6][40], line[600];
	const uint64_t v[6] = {tt->running_ns, tt->cpu_ns,     tt->lock_ns,
			       tt->cond_ns,    tt->syscall_ns, tt->join_ns};
	int lw;

	for (int k = 0; k < 6; k++)
		ui_format_dur(l[k], sizeof(l[k]), (double)v[k]);
	snprintf(line, sizeof(line), "%s: running %s (CPU %s), lock %s, cond %s, call %s, join %s",
		 name, l[0], l[1], l[2], l[3], l[4], l[5]);
	lw = ui_text_width(m, UI_FONT_SMALL, line, strlen(line)) + 10;
	if (lw > w)
		lw = w;
	ui_dl_rect(dl, x, y, lw, m->height[UI_FONT_SMALL] + 6, ui_theme[UI_C_HEADER]);
	ui_dl_text(dl, x + 5, y + 3, lw - 10, ui_theme[UI_C_TEXT], UI_FONT_SMALL, "%s", line);
}

static void push_box(struct ui_threads *t, int y, int h, uint32_t thread)
{
	struct ui_threads_box *b = cprof_vec_push(&t->boxes);
	if (b)
		*b = (struct ui_threads_box){y, h, thread};
}

void ui_threads_frame(struct ui_dl *dl, struct ui_threads *t, const struct cprof_model *model,
		      const struct ui_metrics *m, int x, int y, int w, int h, uint32_t selected,
		      bool hover_on, int hover_x, int hover_y)
{
	int rh = BAR_H + 6, bottom = y + h, bx = x + NAME_W, bw = w - NAME_W - 4;
	const struct cprof_thread_times *hover_tt = NULL;
	const char *hover_name = NULL;
	char name[96];

	t->boxes.n = 0;
	t->area_x = x;
	t->area_w = w;
	if (!t->valid || !t->b.rows.n) {
		ui_dl_text(dl, x + 4, y + 4, w - 8, ui_theme[UI_C_TEXT_DIM], UI_FONT_NORMAL,
			   "no thread alive in this range");
		return;
	}
	legend(dl, m, x + 4, y, w - 8);
	y += rh + 2;
	for (size_t g = 0; g < t->b.groups.n && y + rh <= bottom; g++) {
		const struct cprof_thread_group *gr = &t->b.groups.v[g];
		if (gr->threads < 2)
			continue;
		snprintf(name, sizeof(name), "%s (%u)", gr->pattern, gr->threads);
		ui_dl_text(dl, x + 4, y, NAME_W - 8, ui_theme[UI_C_TEXT], UI_FONT_BOLD, "%s", name);
		bar(dl, bx, y + 2, bw, &gr->t);
		push_box(t, y, rh, CPROF_NONE);
		if (hover_on && hover_y >= y && hover_y < y + rh && hover_x >= x) {
			hover_tt = &gr->t;
			hover_name = gr->pattern;
		}
		y += rh;
	}
	for (size_t i = 0; i < t->b.rows.n && y + rh <= bottom; i++) {
		const struct cprof_thread_row *r = &t->b.rows.v[i];
		const struct cprof_thread *th = &model->threads.v[r->thread];
		const char *tn = cprof_model_str(model, th->name);
		if (r->thread == selected)
			ui_dl_rect(dl, x + 2, y - 1, w - 4, rh, ui_theme[UI_C_HEADER]);
		ui_dl_text(dl, x + 4, y, NAME_W - 8, ui_theme[UI_C_TEXT], UI_FONT_SMALL, "%s",
			   *tn ? tn : "?");
		bar(dl, bx, y + 2, bw, &r->t);
		push_box(t, y, rh, r->thread);
		if (hover_on && hover_y >= y && hover_y < y + rh && hover_x >= x) {
			hover_tt = &r->t;
			hover_name = *tn ? tn : "?";
		}
		y += rh;
	}
	if (hover_tt)
		row_tooltip(dl, m, hover_tt, hover_name, x + 4,
			    hover_y + 14 < bottom - 20 ? hover_y + 14 : hover_y - 24, w - 8);
}

uint32_t ui_threads_hit(const struct ui_threads *t, int x, int y)
{
	if (x < t->area_x || x >= t->area_x + t->area_w)
		return CPROF_NONE;
	for (size_t i = 0; i < t->boxes.n; i++)
		if (y >= t->boxes.v[i].y && y < t->boxes.v[i].y + t->boxes.v[i].h)
			return t->boxes.v[i].thread;
	return CPROF_NONE;
}

static void times_json(FILE *out, const struct cprof_thread_times *tt)
{
	fprintf(out,
		", \"running_ns\": %" PRIu64 ", \"cpu_ns\": %" PRIu64 ", \"lock_ns\": %" PRIu64
		", \"cond_ns\": %" PRIu64 ", \"syscall_ns\": %" PRIu64 ", \"join_ns\": %" PRIu64
		"}",
		tt->running_ns, tt->cpu_ns, tt->lock_ns, tt->cond_ns, tt->syscall_ns, tt->join_ns);
}

void ui_threads_print_json(const struct ui_threads *t, const struct cprof_model *m, FILE *out)
{
	fprintf(out,
		"{\"tab\": \"threads\", \"from_ns\": %" PRIu64 ", \"to_ns\": %" PRIu64
		", \"threads\": [",
		t->from_ns, t->to_ns);
	for (size_t i = 0; i < t->b.rows.n; i++) {
		const struct cprof_thread_row *r = &t->b.rows.v[i];
		const struct cprof_thread *th = &m->threads.v[r->thread];
		fprintf(out, "%s{\"tid\": %d, \"name\": ", i ? ", " : "", th->tid);
		cprof_json_write_string(out, cprof_model_str(m, th->name));
		times_json(out, &r->t);
	}
	fputs("], \"groups\": [", out);
	for (size_t g = 0; g < t->b.groups.n; g++) {
		const struct cprof_thread_group *gr = &t->b.groups.v[g];
		fprintf(out, "%s{\"pattern\": ", g ? ", " : "");
		cprof_json_write_string(out, gr->pattern);
		fprintf(out, ", \"threads\": %u", gr->threads);
		times_json(out, &gr->t);
	}
	fputs("]}\n", out);
}
