/*
 * Side panel computations and layout. Its numbers come from the analyses
 * the commands print: region statistics from analysis/stats.h (as `stats`),
 * the other tabs from the top tables of the pprof profiles
 * analysis/profiles.h builds for the same range (as `pprof`: panel_top.h),
 * so the panel and the commands never disagree.
 */
#include "panel.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/profiles.h"
#include "common/text.h"
#include "panel_flame.h"
#include "panel_path.h"
#include "panel_regions.h"
#include "panel_threads.h"
#include "panel_top.h"
#include "symbols/symbols.h"
#include "ui.h"

static const char *const tab_names[UI_TAB_COUNT_] = {"regions", "sync",	   "blocking", "heap",
						     "flame",	"threads", "path"};

const char *ui_tab_name(enum ui_tab tab)
{
	return (unsigned)tab < UI_TAB_COUNT_ ? tab_names[tab] : "?";
}

bool ui_tab_parse(const char *name, enum ui_tab *tab)
{
	for (int t = 0; t < UI_TAB_COUNT_; t++)
		if (!strcmp(name, tab_names[t])) {
			*tab = (enum ui_tab)t;
			return true;
		}
	return false;
}

bool cprof_ui_tab_parse(const char *name, int *tab)
{
	enum ui_tab t;

	if (!ui_tab_parse(name, &t))
		return false;
	*tab = (int)t;
	return true;
}

/* A tab's computation ended: the window, maybe waiting for input,
 * redraws (called on the computing thread). */
static void computed(void *ctx)
{
	struct ui_panel *p = ctx;
	if (p->wake)
		p->wake(p->wake_ctx);
}

static bool occ_create(struct ui_panel *p);
static void occ_destroy(struct ui_panel *p);

struct ui_panel *ui_panel_create(struct ui_index *ix, struct cprof_symbolizer *sym)
{
	struct ui_panel *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->ix = ix;
	p->sym = sym;
	p->to_ns = UINT64_MAX;
	p->flame = ui_flame_create();
	p->threads = ui_threads_create();
	p->path = ui_path_create();
	p->regions_job = ui_regions_create(ix->model, computed, p);
	p->job_sym = ui_job_sym_create(ix->model);
	p->tops_job = ui_tops_create(ix->model, p->job_sym, computed, p);
	if (p->flame && p->job_sym &&
	    !ui_flame_use_job(p->flame, ix->model, p->job_sym, computed, p)) {
		ui_flame_destroy(p->flame);
		p->flame = NULL;
	}
	if (p->threads && !ui_threads_use_job(p->threads, ix->model, computed, p)) {
		ui_threads_destroy(p->threads);
		p->threads = NULL;
	}
	if (!p->flame || !p->threads || !p->path || !p->regions_job || !p->job_sym ||
	    !p->tops_job || !occ_create(p)) {
		ui_panel_destroy(p);
		return NULL;
	}
	return p;
}

void ui_panel_destroy(struct ui_panel *p)
{
	if (!p)
		return;
	ui_regions_destroy(p->regions_job);
	ui_tops_destroy(p->tops_job);
	occ_destroy(p);
	free(p->regions);
	for (int t = 0; t < UI_TAB_COUNT_; t++)
		free(p->top[t]);
	if (p->ix && p->ix->path == p->path)
		p->ix->path = NULL;
	ui_flame_destroy(p->flame);
	ui_threads_destroy(p->threads);
	ui_path_destroy(p->path);
	ui_job_sym_destroy(p->job_sym); /* after every job using it */
	free(p);
}

void ui_panel_range(const struct ui_index *ix, const struct ui_view *v, uint64_t *from,
		    uint64_t *to)
{
	double a = v->t0, b = v->t1;
	if (v->range_on) {
		a = v->r0 < v->r1 ? v->r0 : v->r1;
		b = v->r0 < v->r1 ? v->r1 : v->r0;
	}
	if (a < 0)
		a = 0;
	if (a > (double)ix->span)
		a = (double)ix->span;
	if (b > (double)ix->span)
		b = (double)ix->span;
	if (b < a)
		b = a;
	*from = (uint64_t)a;
	*to = (uint64_t)ceil(b);
}

bool ui_panel_region_stats(const struct ui_index *ix, uint64_t from, uint64_t to,
			   struct cprof_stats_dist **out, uint32_t *nout)
{
	size_t n = 0;
	if (ui_regions_compute(ix->model, from, to, NULL, out, &n) != CPROF_STATS_OK)
		return false;
	*nout = (uint32_t)n;
	return true;
}

/* The Sync, Blocking calls or Heap table for [from, to) once computed
 * (on a thread of its own: panel_top.h); true when it came. */
static bool top_update(struct ui_panel *p, enum ui_tab tab, uint64_t from, uint64_t to, bool wait)
{
	struct ui_top_table *t = NULL;

	switch (ui_tops_poll(p->tops_job, tab, from, to, wait, &t)) {
	case UI_JOB_COMPUTING:
		return false;
	case UI_JOB_READY:
		break;
	case UI_JOB_FAILED:
		break;
	}
	free(p->top[tab]);
	p->top[tab] = NULL;
	p->ntop[tab] = 0;
	p->total[tab] = 0;
	snprintf(p->note[tab], sizeof(p->note[tab]), "out of memory");
	if (t) {
		p->top[tab] = t->rows;
		p->ntop[tab] = t->n;
		p->total[tab] = t->total;
		if (t->unit)
			p->unit[tab] = t->unit;
		snprintf(p->note[tab], sizeof(p->note[tab]), "%s", t->note);
		t->rows = NULL;
		ui_top_table_free(t);
	}
	p->valid[tab] = true;
	return true;
}

/* The Regions tab's numbers for [from, to) once computed (on a thread
 * of its own: panel_regions.h); true when they came. */
static bool regions_update(struct ui_panel *p, uint64_t from, uint64_t to, bool wait)
{
	struct cprof_stats_dist *out = NULL;
	uint32_t n = 0;

	switch (ui_regions_poll(p->regions_job, from, to, wait, &out, &n)) {
	case UI_REGIONS_COMPUTING:
		return false;
	case UI_REGIONS_READY:
		break;
	case UI_REGIONS_FAILED:
		free(out);
		out = NULL;
		n = 0;
		break;
	}
	free(p->regions);
	p->regions = out;
	p->nregions = n;
	p->valid[UI_TAB_REGIONS] = true;
	return true;
}

void ui_panel_follow(struct ui_panel *p, const struct ui_view *v)
{
	uint64_t from, to;
	ui_panel_range(p->ix, v, &from, &to);
	ui_regions_follow(p->regions_job, v->tab == UI_TAB_REGIONS, from, to);
	ui_tops_follow(p->tops_job, v->tab, from, to);
	ui_flame_follow(p->flame, v->tab == UI_TAB_FLAME, from, to);
	ui_threads_follow(p->threads, v->tab == UI_TAB_THREADS, from, to);
}

bool ui_panel_update(struct ui_panel *p, const struct ui_view *v)
{
	const struct cprof_model *m = p->ix->model;
	uint64_t from, to;
	bool changed;
	ui_panel_range(p->ix, v, &from, &to);
	if (from != p->from_ns || to != p->to_ns) {
		for (int t = 0; t < UI_TAB_COUNT_; t++)
			p->valid[t] = false;
		p->from_ns = from;
		p->to_ns = to;
	}
	/* The wide tabs keep their own state (the flame graph its profile
	 * type and zoom, the path the selection it belongs to) and say
	 * themselves whether it changed. */
	p->ix->path = NULL;
	switch (v->tab) {
	case UI_TAB_FLAME:
		changed = ui_flame_poll(p->flame, from, to, false);
		p->valid[v->tab] = ui_flame_ready(p->flame, from, to);
		return changed;
	case UI_TAB_THREADS:
		changed = ui_threads_poll(p->threads, from, to, false);
		p->valid[v->tab] = ui_threads_ready(p->threads, from, to);
		return changed;
	case UI_TAB_PATH:
		changed = ui_path_update(p->path, m, p->sym, v->sel.hit, v->sel.ref);
		p->ix->path = p->path->valid ? p->path : NULL;
		break;
	default:
		if (p->valid[v->tab])
			return false;
		if (v->tab == UI_TAB_REGIONS)
			return regions_update(p, from, to, false);
		return top_update(p, v->tab, from, to, false);
	}
	p->valid[v->tab] = true;
	return changed;
}

bool ui_panel_ready(const struct ui_panel *p, const struct ui_view *v)
{
	uint64_t from, to;
	ui_panel_range(p->ix, v, &from, &to);
	if (v->tab == UI_TAB_FLAME)
		return ui_flame_ready(p->flame, from, to);
	if (v->tab == UI_TAB_THREADS)
		return ui_threads_ready(p->threads, from, to);
	return from == p->from_ns && to == p->to_ns && p->valid[v->tab];
}

void ui_panel_wait(struct ui_panel *p, const struct ui_view *v)
{
	uint64_t from, to;
	ui_panel_update(p, v);
	ui_panel_range(p->ix, v, &from, &to);
	if (v->tab == UI_TAB_FLAME) {
		ui_flame_poll(p->flame, from, to, true);
		p->valid[v->tab] = true;
		return;
	}
	if (v->tab == UI_TAB_THREADS) {
		ui_threads_poll(p->threads, from, to, true);
		p->valid[v->tab] = true;
		return;
	}
	if (p->valid[v->tab] || UI_TAB_WIDE(v->tab))
		return;
	if (v->tab == UI_TAB_REGIONS)
		regions_update(p, from, to, true);
	else
		top_update(p, v->tab, from, to, true);
}

cprof_str ui_panel_row_type(const struct ui_panel *p, const struct ui_view *v, int row)
{
	if (v->tab != UI_TAB_REGIONS || row < 0 || (uint32_t)row >= p->nregions)
		return 0;
	return p->regions[row].key;
}

void ui_panel_print_json(const struct ui_panel *p, const struct ui_view *v, FILE *out)
{
	switch (v->tab) {
	case UI_TAB_FLAME:
		ui_flame_print_json(p->flame, out);
		return;
	case UI_TAB_THREADS:
		ui_threads_print_json(p->threads, p->ix->model, out);
		return;
	case UI_TAB_PATH:
		ui_path_print_json(p->path, out);
		return;
	default:
		break;
	}
	fprintf(out, "{\"tab\": \"%s\", \"from_ns\": %" PRIu64 ", \"to_ns\": %" PRIu64,
		tab_names[v->tab], p->from_ns, p->to_ns);
	if (v->tab == UI_TAB_REGIONS) {
		fprintf(out, ", \"regions\": {");
		for (uint32_t i = 0; i < p->nregions; i++) {
			const struct cprof_stats_dist *s = &p->regions[i];
			fprintf(out, "%s", i ? ", " : "");
			cprof_json_write_string(out, cprof_model_str(p->ix->model, s->key));
			fprintf(out,
				": {\"count\": %" PRIu64 ", \"total_ns\": %" PRIu64
				", \"p50_ns\": %" PRIu64 ", \"p99_ns\": %" PRIu64
				", \"max_ns\": %" PRIu64 ", \"unended\": %" PRIu64 "}",
				s->count, s->total_ns, s->p50_ns, s->p99_ns, s->max_ns, s->unended);
		}
		fprintf(out, "}}\n");
		return;
	}
	fprintf(out, ", \"total\": %" PRId64 ", \"unit\": \"%s\", \"note\": ", p->total[v->tab],
		p->unit[v->tab] ? p->unit[v->tab] : "");
	cprof_json_write_string(out, p->note[v->tab]);
	fprintf(out, ", \"top\": [");
	for (uint32_t i = 0; i < p->ntop[v->tab]; i++) {
		fprintf(out, "%s{\"name\": ", i ? ", " : "");
		cprof_json_write_string(out, p->top[v->tab][i].name);
		fprintf(out, ", \"flat\": %" PRId64 ", \"cum\": %" PRId64 "}",
			p->top[v->tab][i].flat, p->top[v->tab][i].cum);
	}
	fprintf(out, "]}\n");
}

/* The occurrences asked for, as the job reads them: the name copied (the
 * table it came from changes with the range), `gen` the key's `what`. */
struct ui_occ_req {
	pthread_mutex_t lock;
	int gen;
	enum ui_tab tab;
	char *name;
};

struct occ_result {
	struct ui_hl hl;
	cprof_str region_type;
};

static void occ_result_free(void *x)
{
	struct occ_result *r = x;
	ui_hl_free(&r->hl);
	free(r);
}

/* Every 64K items: whether the click was superseded. */
#define STOPPED(i, stop) (((i)&0xffff) == 0 && atomic_load(stop))

/* The waits, blocking calls or allocations of `tab` whose stack holds
 * function `name` into r->hl, or the region type `name` names into
 * r->region_type; false when stopped or out of memory. */
static bool occurrences(const struct ui_index *ix, struct cprof_symbolizer *sym, enum ui_tab tab,
			const char *name, const atomic_bool *stop, struct occ_result *r)
{
	const struct cprof_model *m = ix->model;
	struct ui_hl_build *hb = NULL;
	uint8_t *match = NULL;
	bool ok = false;

	/* A region or task name in the profile (a synthetic frame). */
	for (size_t s = 1; s < m->strings.n; s++)
		if (!strcmp(m->strings.v[s], name)) {
			for (size_t i = 0; i < m->regions.n; i++) {
				if (STOPPED(i, stop))
					return false;
				if (m->regions.v[i].type == s) {
					r->region_type = s;
					return true;
				}
			}
		}
	/* Which stacks hold the function, symbolizing each address once
	 * (the symbolizer caches by address). */
	match = calloc(m->stacks.n ? m->stacks.n : 1, 1);
	if (!match)
		goto end;
	for (size_t s = 1; s < m->stacks.n && sym; s++) {
		const struct cprof_stack *st = &m->stacks.v[s];
		if ((s & 0x3ff) == 0 && atomic_load(stop))
			goto end;
		for (unsigned k = 0; k < st->depth && !match[s]; k++) {
			struct cprof_symbol_loc loc;
			if (!cprof_symbolizer_lookup_at(sym, st->process, st->ns,
							m->frames.v[st->first + k], true, &loc))
				continue;
			for (size_t f = 0; f < loc.nframes; f++)
				if (!strcmp(loc.frames[f].function, name))
					match[s] = 1;
		}
	}
	size_t cap = tab == UI_TAB_SYNC	      ? m->waits.n
		     : tab == UI_TAB_BLOCKING ? m->syscalls.n
					      : m->allocs.n;
	/* In the model's order, which is each thread's by time: the
	 * builder's rows, one a thread, come in order (not the whole, where
	 * threads' batches read late interleave). */
	if (!(hb = ui_hl_build_create(ix)))
		goto end;
	for (size_t i = 0; i < cap; i++) {
		uint32_t stack, thread, idx;
		uint64_t b, e;
		if (STOPPED(i, stop))
			goto end;
		if (tab == UI_TAB_SYNC) {
			const struct cprof_wait *w = &m->waits.v[i];
			stack = w->stack, thread = w->thread, b = w->begin_ns,
			e = w->end_ns ? w->end_ns : m->end_ns, idx = i;
		} else if (tab == UI_TAB_BLOCKING) {
			const struct cprof_syscall *c = &m->syscalls.v[i];
			stack = c->stack, thread = c->thread, b = c->begin_ns, e = c->end_ns,
			idx = i | 0x80000000u;
		} else {
			const struct cprof_alloc *a = &m->allocs.v[i];
			stack = a->stack, thread = a->thread, b = a->ns, e = a->ns,
			idx = i | 0x40000000u;
		}
		if (stack >= m->stacks.n || !match[stack])
			continue;
		b = b > m->begin_ns ? b - m->begin_ns : 0;
		e = e > m->begin_ns ? e - m->begin_ns : 0;
		ui_hl_add_state(hb, thread, tab == UI_TAB_HEAP, idx, b, e);
	}
	ok = ui_hl_build_finish(hb, &r->hl);
	hb = NULL;
end:
	ui_hl_build_discard(hb);
	free(match);
	return ok;
}

/* The job's computation: the request of generation key->what, unless a
 * newer click replaced it. */
static bool occ_compute(void *ctx, struct cprof_symbolizer *sym, const struct ui_job_key *key,
			const atomic_bool *stop, void *result)
{
	struct ui_panel *p = ctx;
	struct ui_occ_req *q = p->occ_req;
	enum ui_tab tab;
	char *name = NULL;
	bool ok;

	pthread_mutex_lock(&q->lock);
	if (q->gen == key->what && q->name)
		name = strdup(q->name);
	tab = q->tab;
	pthread_mutex_unlock(&q->lock);
	if (!name)
		return false;
	ok = occurrences(p->ix, sym, tab, name, stop, result);
	free(name);
	return ok;
}

/* The regions of type key->what, as the index highlights them. */
static bool type_compute(void *ctx, const struct ui_job_key *key, const atomic_bool *stop,
			 void **result)
{
	struct ui_panel *p = ctx;
	struct ui_view v = {.sel_task = CPROF_NONE, .hl_type = (cprof_str)key->what};
	struct ui_hl *hl = calloc(1, sizeof(*hl));

	*result = hl;
	return hl && ui_index_highlight_rows(p->ix, &v, stop, hl);
}

static void type_free(void *x)
{
	ui_hl_free(x);
	free(x);
}

void ui_panel_type_request(struct ui_panel *p, cprof_str type)
{
	struct ui_job_key key = {0, 0, (int)type};
	void *unused;

	p->type_pending = type;
	if (ui_job_poll(p->type_job, &key, false, &unused) == UI_JOB_FAILED)
		p->type_pending = 0;
}

void ui_panel_type_cancel(struct ui_panel *p)
{
	p->type_pending = 0;
	ui_job_follow(p->type_job, NULL);
}

enum ui_job_state ui_panel_type_poll(struct ui_panel *p, bool wait, struct ui_hl **hl)
{
	struct ui_job_key key = {0, 0, (int)p->type_pending};
	enum ui_job_state st;

	*hl = NULL;
	if (!p->type_pending)
		return UI_JOB_FAILED;
	st = ui_job_poll(p->type_job, &key, wait, (void **)hl);
	if (st != UI_JOB_COMPUTING)
		p->type_pending = 0;
	return st;
}

void ui_panel_hl_free(struct ui_hl *hl)
{
	if (hl)
		type_free(hl);
}

static bool occ_create(struct ui_panel *p)
{
	p->occ_req = calloc(1, sizeof(*p->occ_req));
	if (!p->occ_req)
		return false;
	pthread_mutex_init(&p->occ_req->lock, NULL);
	p->occ_job = ui_job_create_sym(p->job_sym, occ_compute, sizeof(struct occ_result),
				       occ_result_free, p, computed, p);
	p->type_job = ui_job_create(type_compute, type_free, p, computed, p);
	if (!p->occ_job || !p->type_job)
		return false;
	/* what the person waits for right after the click (panel_job.h) */
	ui_job_set_nice(p->occ_job, 0);
	ui_job_set_nice(p->type_job, 0);
	return true;
}

static void occ_destroy(struct ui_panel *p)
{
	ui_job_destroy(p->occ_job);
	ui_job_destroy(p->type_job);
	if (p->occ_req) {
		pthread_mutex_destroy(&p->occ_req->lock);
		free(p->occ_req->name);
		free(p->occ_req);
	}
}

static struct ui_job_key occ_key(const struct ui_panel *p)
{
	return (struct ui_job_key){0, 0, p->occ_gen};
}

void ui_panel_occ_cancel(struct ui_panel *p)
{
	ui_hl_free(&p->ix->hl_state);
	if (!p->occ_pending)
		return;
	p->occ_pending = false;
	ui_job_follow(p->occ_job, NULL);
}

const char *ui_panel_occ_name(const struct ui_panel *p)
{
	return p->occ_req->name ? p->occ_req->name : "";
}

bool ui_panel_occ_request(struct ui_panel *p, const struct ui_view *v, int row)
{
	struct ui_occ_req *q = p->occ_req;
	char *name;

	ui_panel_occ_cancel(p);
	if (v->tab == UI_TAB_REGIONS || UI_TAB_WIDE(v->tab) || row < 0 ||
	    (uint32_t)row >= p->ntop[v->tab] || !(name = strdup(p->top[v->tab][row].name)))
		return false;
	pthread_mutex_lock(&q->lock);
	free(q->name);
	q->name = name;
	q->tab = v->tab;
	q->gen = ++p->occ_gen;
	pthread_mutex_unlock(&q->lock);
	p->occ_pending = true;
	p->occ_tab = v->tab;
	p->occ_row = row;
	struct ui_job_key key = occ_key(p);
	void *unused;
	/* starts it (or tells the one before to stop) */
	if (ui_job_poll(p->occ_job, &key, false, &unused) == UI_JOB_FAILED)
		p->occ_pending = false;
	return true;
}

enum ui_job_state ui_panel_occ_poll(struct ui_panel *p, bool wait, uint32_t *n,
				    cprof_str *region_type)
{
	struct ui_job_key key = occ_key(p);
	struct occ_result *r = NULL;
	enum ui_job_state st;

	*n = 0;
	*region_type = 0;
	if (!p->occ_pending)
		return UI_JOB_FAILED;
	st = ui_job_poll(p->occ_job, &key, wait, (void **)&r);
	if (st == UI_JOB_COMPUTING)
		return st;
	p->occ_pending = false;
	if (r) {
		ui_hl_free(&p->ix->hl_state);
		p->ix->hl_state = r->hl;
		*n = r->hl.n;
		*region_type = r->region_type;
		free(r);
	}
	return st;
}

/* ---- layout ---- */

static void fmt_value(char *buf, size_t size, int64_t v, const char *unit)
{
	if (unit && !strcmp(unit, "bytes")) {
		double a = (double)v;
		if (a >= 1 << 30)
			snprintf(buf, size, "%.1fG", a / (1 << 30));
		else if (a >= 1 << 20)
			snprintf(buf, size, "%.1fM", a / (1 << 20));
		else if (a >= 1 << 10)
			snprintf(buf, size, "%.1fk", a / (1 << 10));
		else
			snprintf(buf, size, "%" PRId64 "B", v);
		return;
	}
	ui_format_dur(buf, size, (double)v);
}

static void cell(struct ui_dl *dl, const struct ui_metrics *m, int right_x, int y, uint32_t col,
		 const char *s)
{
	int w = ui_text_width(m, UI_FONT_SMALL, s, strlen(s));
	ui_dl_text(dl, right_x - w, y, 0, col, UI_FONT_SMALL, "%s", s);
}

static void name_cell(struct ui_dl *dl, const struct ui_metrics *m, int x, int y, int w,
		      uint32_t col, const char *s)
{
	size_t len = strlen(s);
	size_t fit = ui_text_fit(m, UI_FONT_SMALL, s, len, w);
	if (fit < len && fit > 3) {
		char buf[200];
		size_t k = ui_text_fit(m, UI_FONT_SMALL, s, len, w - m->adv_x[UI_FONT_SMALL][2]);
		if (k > sizeof(buf) - 4)
			k = sizeof(buf) - 4;
		memcpy(buf, s, k);
		memcpy(buf + k, "\u2026", 4);
		ui_dl_text(dl, x, y, 0, col, UI_FONT_SMALL, "%s", buf);
		return;
	}
	ui_dl_text(dl, x, y, 0, col, UI_FONT_SMALL, "%s", s);
}

static void histogram(struct ui_dl *dl, const struct ui_metrics *m,
		      const struct cprof_stats_dist *s, uint32_t color, int x, int y, int w, int h)
{
	int lo = CPROF_STATS_HIST - 1, hi = 0;
	uint32_t mx = 0;
	for (int k = 0; k < CPROF_STATS_HIST; k++)
		if (s->hist[k]) {
			if (k < lo)
				lo = k;
			if (k > hi)
				hi = k;
			if (s->hist[k] > mx)
				mx = s->hist[k];
		}
	if (!mx)
		return;
	if (hi - lo < 5) {
		lo = lo > 2 ? lo - 2 : 0;
		hi = lo + 6 > CPROF_STATS_HIST - 1 ? CPROF_STATS_HIST - 1 : lo + 6;
	}
	int nb = hi - lo + 1;
	int bw = (w - 8) / nb;
	if (bw > 28)
		bw = 28;
	int ph = h - 30;
	for (int k = lo; k <= hi; k++) {
		int bx = x + (k - lo) * bw;
		int bh = s->hist[k] ? (int)ceil((double)s->hist[k] * ph / mx) : 0;
		if (bh)
			ui_dl_rect(dl, bx + 1, y + ph - bh + 12, bw - 2, bh, color);
		if ((k - lo) % 2 == 0) {
			char b[32];
			ui_format_dur(b, sizeof(b), (double)(1ull << (k + 4)));
			/* strip trailing zeros of "16.0 ns"-like labels */
			ui_dl_text(dl, bx, y + ph + 14, 0, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL,
				   "%s", b);
		}
	}
	(void)m;
}

/* A table row's background: what a click on the row hits. */
static void row_bg(struct ui_dl *dl, int x, int y, int w, int rh, uint32_t row, bool selected)
{
	struct ui_dl_item *it = ui_dl_rect(dl, x + 4, y - 2, w - 8, rh,
					   selected ? ui_theme[UI_C_HEADER] : ui_theme[UI_C_PANEL]);
	it->hit = UI_HIT_ROW;
	it->ref = row;
}

/* The Regions tab: one row per type, and the histogram of the selected one. */
static void regions_table(struct ui_dl *dl, const struct ui_panel *p, const struct ui_view *v,
			  const struct ui_metrics *m, int x, int y, int w, int bottom)
{
	int rh = m->height[UI_FONT_SMALL] + 5;
	int right = x + w - 10;
	int cols[5] = {right - 232, right - 174, right - 116, right - 58, right};
	static const char *const hdr[5] = {"count", "total", "p50", "p99", "max"};
	ui_dl_text(dl, x + 10, y, 0, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, "type");
	for (int k = 0; k < 5; k++)
		cell(dl, m, cols[k], y, ui_theme[UI_C_TEXT_DIM], hdr[k]);
	y += rh;
	int hist_h = v->panel_row >= 0 && (uint32_t)v->panel_row < p->nregions ? 130 : 0;
	int maxrows = (bottom - y - hist_h - 8) / rh;
	/* (of a snapshot, none before its window: analysis/snapwin.h) */
	if (!p->nregions)
		ui_dl_text(dl, x + 10, y + 4, w - 20, ui_theme[UI_C_TEXT_DIM], UI_FONT_NORMAL, "%s",
			   p->ix->model->begin_ns + p->to_ns < cprof_snapwin_from(p->ix->model)
			       ? "before the snapshot's window: left out"
			       : "no regions begin in this range");
	for (uint32_t i = 0; i < p->nregions && (int)i < maxrows; i++) {
		const struct cprof_stats_dist *s = &p->regions[i];
		row_bg(dl, x, y, w, rh, i, v->panel_row == (int)i);
		uint32_t col = ui_type_color(p->ix, s->key);
		ui_dl_rect(dl, x + 8, y + 2, 8, 8, col);
		name_cell(dl, m, x + 20, y, cols[0] - 48 - (x + 20), ui_theme[UI_C_TEXT],
			  cprof_model_str(p->ix->model, s->key));
		char c[32];
		/* Regions still open at the end have no duration: counted
		 * as "+N" (as stats' "+N not ended"), and a type with
		 * none ended shows no durations rather than 0 ns. */
		if (s->unended)
			snprintf(c, sizeof(c), "%" PRIu64 "+%" PRIu64, s->count, s->unended);
		else
			snprintf(c, sizeof(c), "%" PRIu64, s->count);
		cell(dl, m, cols[0], y, ui_theme[UI_C_TEXT], c);
		const uint64_t durs[4] = {s->total_ns, s->p50_ns, s->p99_ns, s->max_ns};
		for (int k = 0; k < 4; k++) {
			if (s->count)
				ui_format_dur(c, sizeof(c), (double)durs[k]);
			else
				snprintf(c, sizeof(c), "-");
			cell(dl, m, cols[k + 1], y, ui_theme[UI_C_TEXT], c);
		}
		y += rh;
	}
	if (hist_h) {
		const struct cprof_stats_dist *s = &p->regions[v->panel_row];
		int hy = bottom - hist_h - 4;
		ui_dl_rect(dl, x + 1, hy - 4, w - 1, 1, ui_theme[UI_C_GRID]);
		char open[64] = "";
		if (s->unended)
			snprintf(open, sizeof(open), ", %" PRIu64 " still open at the end",
				 s->unended);
		ui_dl_text(dl, x + 10, hy, w - 20, ui_theme[UI_C_TEXT], UI_FONT_SMALL,
			   "latency of %s (%" PRIu64 " regions%s)",
			   cprof_model_str(p->ix->model, s->key), s->count, open);
		histogram(dl, m, s, ui_type_color(p->ix, s->key), x + 12, hy + 4, w - 24,
			  hist_h - 10);
	}
}

/* The Sync, Blocking calls and Heap tabs: a profile's top functions. */
static void top_table(struct ui_dl *dl, const struct ui_panel *p, const struct ui_view *v,
		      const struct ui_metrics *m, int x, int y, int w, int bottom)
{
	int rh = m->height[UI_FONT_SMALL] + 5;
	int right = x + w - 10;
	const char *unit = p->unit[v->tab];
	char t[64];
	fmt_value(t, sizeof(t), p->total[v->tab], unit);
	ui_dl_text(dl, x + 10, y, w - 20, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, "%s",
		   p->note[v->tab]);
	y += rh;
	ui_dl_text(dl, x + 10, y, w - 20, ui_theme[UI_C_TEXT], UI_FONT_SMALL, "total %s", t);
	y += rh;
	int cols[3] = {right - 120, right - 64, right};
	ui_dl_text(dl, x + 10, y, 0, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, "function / region");
	cell(dl, m, cols[0], y, ui_theme[UI_C_TEXT_DIM], "flat");
	cell(dl, m, cols[1], y, ui_theme[UI_C_TEXT_DIM], "flat%");
	cell(dl, m, cols[2], y, ui_theme[UI_C_TEXT_DIM], "cum");
	y += rh;
	int maxrows = (bottom - y - 8) / rh;
	for (uint32_t i = 0; i < p->ntop[v->tab] && (int)i < maxrows; i++) {
		const struct ui_top_row *r = &p->top[v->tab][i];
		row_bg(dl, x, y, w, rh, i, v->panel_row == (int)i);
		/* a bar behind the name shows the cum share */
		if (p->total[v->tab] > 0) {
			int bw = (int)((double)r->cum / p->total[v->tab] * (cols[0] - 60 - x));
			if (bw > 0)
				ui_dl_rect(dl, x + 6, y + rh - 4, bw, 2,
					   UI_RGBA(0x5e, 0xa8, 0xff, 0x70));
		}
		name_cell(dl, m, x + 10, y, cols[0] - 56 - (x + 10), ui_theme[UI_C_TEXT], r->name);
		char c[32];
		fmt_value(c, sizeof(c), r->flat, unit);
		cell(dl, m, cols[0], y, ui_theme[UI_C_TEXT], c);
		snprintf(c, sizeof(c), "%.1f%%",
			 p->total[v->tab] ? 100.0 * r->flat / p->total[v->tab] : 0.0);
		cell(dl, m, cols[1], y, ui_theme[UI_C_TEXT_DIM], c);
		fmt_value(c, sizeof(c), r->cum, unit);
		cell(dl, m, cols[2], y, ui_theme[UI_C_TEXT], c);
		y += rh;
	}
}

/* The Flame tab's header: one chip per profile type, and graph/table. */
static int flame_header(struct ui_dl *dl, const struct ui_panel *p, const struct ui_metrics *m,
			int x, int y, int w)
{
	int cx = x + 10, rh = m->height[UI_FONT_SMALL] + 6;

	for (int k = 0; k <= UI_FLAME_KIND_COUNT_; k++) {
		bool table = k == UI_FLAME_KIND_COUNT_;
		const char *name = table ? (p->flame->table ? "graph" : "table")
					 : ui_flame_kind_name((enum ui_flame_kind)k);
		bool on = !table && p->flame->kind == (enum ui_flame_kind)k;
		int tw = ui_text_width(m, UI_FONT_SMALL, name, strlen(name)) + 10;
		struct ui_dl_item *it;
		if (cx + tw > x + w - 4) {
			cx = x + 10;
			y += rh + 2;
		}
		it = ui_dl_rect(dl, cx, y, tw, rh,
				on	? ui_theme[UI_C_ACCENT]
				: table ? ui_theme[UI_C_GRID]
					: ui_theme[UI_C_HEADER]);
		it->hit = table ? UI_HIT_FLAME_MODE : UI_HIT_FLAME_KIND;
		it->ref = (uint32_t)k;
		ui_dl_text(dl, cx + 5, y + 3, 0,
			   on ? ui_theme[UI_C_TEXT_DARK] : ui_theme[UI_C_TEXT], UI_FONT_SMALL, "%s",
			   name);
		cx += tw + 4;
	}
	return y + rh + 6;
}

static void wide_tab(struct ui_dl *dl, struct ui_panel *p, const struct ui_view *v,
		     const struct ui_metrics *m, int x, int y, int w, int bottom)
{
	bool hover = v->hover_on && v->hover_x >= x;
	char t[64];

	if (v->tab == UI_TAB_FLAME) {
		y = flame_header(dl, p, m, x, y, w);
		if (p->flame->tree && p->flame->total) {
			fmt_value(t, sizeof(t), p->flame->total, p->flame->unit);
			ui_dl_text(dl, x + 10, y, w - 20, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL,
				   "%s profile, total %s; click a frame to zoom, G: next type, "
				   "T: table",
				   ui_flame_kind_name(p->flame->kind), t);
			y += m->height[UI_FONT_SMALL] + 6;
		}
		ui_flame_frame(dl, p->flame, m, x + 6, y, w - 12, bottom - UI_STATUS_H - y,
			       v->search, hover, v->hover_x, v->hover_y);
	} else if (v->tab == UI_TAB_THREADS) {
		ui_threads_frame(dl, p->threads, p->ix->model, m, x + 6, y, w - 12,
				 bottom - UI_STATUS_H - y,
				 v->sel.hit == UI_HIT_RUNNING ? v->sel.ref : CPROF_NONE, hover,
				 v->hover_x, v->hover_y);
	} else {
		ui_path_frame(dl, p->path, m, x + 6, y, w - 12, bottom - UI_STATUS_H - y);
	}
}

void ui_panel_frame(struct ui_dl *dl, struct ui_panel *p, const struct ui_view *v,
		    const struct ui_metrics *m)
{
	struct ui_geom g;
	ui_geom_compute(v, &g);
	if (!g.panel_w)
		return;
	static const char *const names[UI_TAB_COUNT_] = {"Regions", "Sync",    "Blocking", "Heap",
							 "Flame",   "Threads", "Path"};
	int x = g.panel_x, w = g.panel_w, y = UI_HEADER_H;
	int bottom = v->height;
	ui_dl_rect(dl, x, y, w, bottom - y, ui_theme[UI_C_PANEL]);
	ui_dl_rect(dl, x, y, 1, bottom - y, ui_theme[UI_C_GRID]);
	/* tabs, their padding shrunk until all seven fit */
	int tx = x + 8, textw = 0, pad;
	for (int t = 0; t < UI_TAB_COUNT_; t++)
		textw += ui_text_width(m, UI_FONT_BOLD, names[t], strlen(names[t]));
	pad = (w - 16 - textw) / UI_TAB_COUNT_ - 2;
	pad = pad > 18 ? 18 : pad < 4 ? 4 : pad;
	for (int t = 0; t < UI_TAB_COUNT_; t++) {
		int tw = ui_text_width(m, UI_FONT_BOLD, names[t], strlen(names[t])) + pad;
		bool on = v->tab == (enum ui_tab)t;
		struct ui_dl_item *it = ui_dl_rect(
		    dl, tx, y + 4, tw, 22, on ? ui_theme[UI_C_HEADER] : ui_theme[UI_C_PANEL]);
		it->hit = UI_HIT_TAB;
		it->ref = t;
		if (on)
			ui_dl_rect(dl, tx, y + 24, tw, 2, ui_theme[UI_C_ACCENT]);
		ui_dl_text(dl, tx + pad / 2, y + 8, 0,
			   on ? ui_theme[UI_C_TEXT] : ui_theme[UI_C_TEXT_DIM],
			   on ? UI_FONT_BOLD : UI_FONT_NORMAL, "%s", names[t]);
		tx += tw + 2;
	}
	y += 30;
	ui_dl_rect(dl, x + 1, y - 2, w - 1, 1, ui_theme[UI_C_GRID]);
	char a[64], b[64];
	ui_format_time(a, sizeof(a), (double)p->from_ns, 1000);
	ui_format_time(b, sizeof(b), (double)p->to_ns, 1000);
	ui_dl_text(dl, x + 10, y + 2, w - 20, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, "%s %s .. %s",
		   v->range_on ? "selected range" : "visible range", a, b);
	y += 20;
	if (!p->valid[v->tab]) {
		ui_dl_text(dl, x + 10, y + 4, 0, ui_theme[UI_C_TEXT_DIM], UI_FONT_NORMAL,
			   "computing\u2026");
		return;
	}
	if (v->tab == UI_TAB_REGIONS)
		regions_table(dl, p, v, m, x, y, w, bottom);
	else if (UI_TAB_WIDE(v->tab))
		wide_tab(dl, p, v, m, x, y, w, bottom);
	else
		top_table(dl, p, v, m, x, y, w, bottom);
}
