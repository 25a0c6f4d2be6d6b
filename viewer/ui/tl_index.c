/*
 * The timeline index: per-thread rows of regions sorted by start time, the
 * thread-state row (waits and blocking calls), log rows, packed task rows and
 * range-max levels over counters. Built once after loading so that a frame
 * never walks the model's flat arrays.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/text.h"
#include "cprof-tp-enums.h"
#include "tl.h"

const uint32_t ui_theme[UI_C_COUNT_] = {
    [UI_C_BG] = UI_RGB(0x17, 0x19, 0x1e),	   [UI_C_PANEL] = UI_RGB(0x1f, 0x22, 0x29),
    [UI_C_HEADER] = UI_RGB(0x25, 0x29, 0x32),	   [UI_C_LANE_A] = UI_RGB(0x1b, 0x1e, 0x24),
    [UI_C_LANE_B] = UI_RGB(0x1e, 0x21, 0x28),	   [UI_C_GRID] = UI_RGB(0x2c, 0x31, 0x3b),
    [UI_C_TEXT] = UI_RGB(0xe4, 0xe7, 0xec),	   [UI_C_TEXT_DIM] = UI_RGB(0x8d, 0x95, 0xa3),
    [UI_C_TEXT_DARK] = UI_RGB(0x12, 0x14, 0x18),   [UI_C_ACCENT] = UI_RGB(0x5e, 0xa8, 0xff),
    [UI_C_RUNNING] = UI_RGB(0x3f, 0x9c, 0x5a),	   [UI_C_LOCK] = UI_RGB(0xe0, 0x52, 0x4c),
    [UI_C_COND] = UI_RGB(0xe3, 0xa9, 0x2b),	   [UI_C_OTHER_WAIT] = UI_RGB(0xb0, 0x6c, 0xd8),
    [UI_C_SYSCALL] = UI_RGB(0x4a, 0x86, 0xe8),	   [UI_C_LOG] = UI_RGB(0xf5, 0xf0, 0x8a),
    [UI_C_LOST] = UI_RGBA(0xff, 0x3b, 0x3b, 0x50), [UI_C_MERGED] = UI_RGB(0x6b, 0x74, 0x85),
    [UI_C_SELECT] = UI_RGB(0xff, 0xff, 0xff),	   [UI_C_RANGE] = UI_RGBA(0x5e, 0xa8, 0xff, 0x30),
    [UI_C_TASK] = UI_RGB(0x3c, 0xb3, 0xa8),	   [UI_C_ARROW] = UI_RGB(0xff, 0xd4, 0x4f),
    [UI_C_COUNTER] = UI_RGB(0x5e, 0xa8, 0xff),	   [UI_C_SEARCH] = UI_RGB(0xff, 0x8c, 0x1a),
    [UI_C_SAMPLE] = UI_RGB(0x9f, 0xd8, 0xc8),	   [UI_C_ALLOC] = UI_RGB(0xf0, 0x7c, 0xc0),
};

static void row_free(struct ui_row *row)
{
	if (row->mapped)
		munmap(row->idx, row->mapped);
	else
		free(row->idx);
	free(row->begin);
	free(row->end);
	free(row->maxend);
	memset(row, 0, sizeof(*row));
}

static bool row_alloc(struct ui_row *row, uint32_t n)
{
	row->n = 0;
	if (!n)
		return true;
	row->idx = malloc(n * sizeof(*row->idx));
	row->begin = malloc(n * sizeof(*row->begin));
	row->end = malloc(n * sizeof(*row->end));
	row->maxend = malloc(n * sizeof(*row->maxend));
	return row->idx && row->begin && row->end && row->maxend;
}

static void row_add(struct ui_row *row, uint32_t idx, uint64_t b, uint64_t e)
{
	uint32_t i = row->n++;
	row->idx[i] = idx;
	row->begin[i] = b;
	row->end[i] = e < b ? b : e;
}

struct sort_ent {
	uint64_t b, e;
	uint32_t idx;
};

static int sort_ent_cmp(const void *a, const void *b)
{
	const struct sort_ent *x = a, *y = b;
	if (x->b != y->b)
		return x->b < y->b ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Sorts a filled row by begin (the reader emits in time order, so this is
 * usually a no-op check) and computes the running max of ends. */
bool ui_row_finish(struct ui_row *row)
{
	bool sorted = true;
	for (uint32_t i = 1; i < row->n && sorted; i++)
		sorted = row->begin[i - 1] <= row->begin[i];
	if (!sorted) {
		struct sort_ent *tmp = malloc(row->n * sizeof(*tmp));
		if (!tmp)
			return false;
		for (uint32_t i = 0; i < row->n; i++)
			tmp[i] = (struct sort_ent){row->begin[i], row->end[i], row->idx[i]};
		qsort(tmp, row->n, sizeof(*tmp), sort_ent_cmp);
		for (uint32_t i = 0; i < row->n; i++) {
			row->begin[i] = tmp[i].b;
			row->end[i] = tmp[i].e;
			row->idx[i] = tmp[i].idx;
		}
		free(tmp);
	}
	uint64_t m = 0;
	for (uint32_t i = 0; i < row->n; i++) {
		if (row->end[i] > m)
			m = row->end[i];
		row->maxend[i] = m;
	}
	return true;
}

/* The first of row entries [from, n) whose key is >= t, the keys sorted;
 * inlined with each key function. */
static inline uint32_t row_search(const struct ui_row *row, uint32_t from, uint64_t t,
				  uint64_t (*key)(const struct ui_row *, uint32_t))
{
	uint32_t lo = from, hi = row->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (key(row, mid) < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint32_t ui_row_first_ending_after(const struct ui_row *row, uint64_t t)
{
	return row_search(row, 0, t, ui_row_maxend);
}

uint32_t ui_first_at_or_after(const uint64_t *v, uint32_t from, uint32_t n, uint64_t t)
{
	/* a row of nothing but begins */
	const struct ui_row row = {.begin = (uint64_t *)v, .n = n};
	return row_search(&row, from, t, ui_row_begin);
}

uint32_t ui_row_first_beginning_at(const struct ui_row *row, uint32_t from, uint64_t t)
{
	return row_search(row, from, t, ui_row_begin);
}

static uint64_t rel(const struct cprof_model *m, uint64_t ns)
{
	return ns > m->begin_ns ? ns - m->begin_ns : 0;
}

static uint64_t rel_end(const struct cprof_model *m, uint64_t begin, uint64_t end)
{
	/* Still open at the end of the trace: draw up to the end. */
	if (!end)
		return rel(m, m->end_ns);
	return rel(m, end < begin ? begin : end);
}

static int thread_first_cmp(const void *a, const void *b, void *model)
{
	const struct cprof_model *m = model;
	const struct cprof_thread *x = &m->threads.v[*(const uint32_t *)a];
	const struct cprof_thread *y = &m->threads.v[*(const uint32_t *)b];
	if (x->first_ns != y->first_ns)
		return x->first_ns < y->first_ns ? -1 : 1;
	return x->tid - y->tid;
}

/* Every row but the regions' (tl_index_regions.c). */
static bool build_threads(struct ui_index *ix, struct ui_index_feed *feed)
{
	const struct cprof_model *m = ix->model;
	size_t nt = m->threads.n;
	uint32_t *scnt = NULL, *lcnt = NULL, *ccnt = NULL, *acnt = NULL;
	bool ok = false;

	ix->threads = calloc(nt ? nt : 1, sizeof(*ix->threads));
	scnt = calloc(nt ? nt : 1, sizeof(*scnt));
	lcnt = calloc(nt ? nt : 1, sizeof(*lcnt));
	ccnt = calloc(nt ? nt : 1, sizeof(*ccnt));
	acnt = calloc(nt ? nt : 1, sizeof(*acnt));
	if (!ix->threads || !scnt || !lcnt || !ccnt || !acnt ||
	    !ui_index_take_region_rows(feed, m, ix->threads))
		goto end;
	for (size_t i = 0; i < m->waits.n; i++)
		if (m->waits.v[i].thread < nt)
			scnt[m->waits.v[i].thread]++;
	for (size_t i = 0; i < m->syscalls.n; i++)
		if (m->syscalls.v[i].thread < nt)
			scnt[m->syscalls.v[i].thread]++;
	for (size_t i = 0; i < m->logs.n; i++)
		if (m->logs.v[i].thread < nt)
			lcnt[m->logs.v[i].thread]++;
	for (size_t i = 0; i < m->samples.n; i++)
		if (m->samples.v[i].thread < nt)
			ccnt[m->samples.v[i].thread]++;
	for (size_t i = 0; i < m->allocs.n; i++)
		if (m->allocs.v[i].thread < nt)
			acnt[m->allocs.v[i].thread]++;
	for (size_t t = 0; t < nt; t++) {
		struct ui_thread_index *ti = &ix->threads[t];
		ti->thread = t;
		if (!row_alloc(&ti->state, scnt[t]) || !row_alloc(&ti->logs, lcnt[t]) ||
		    !row_alloc(&ti->samples, ccnt[t]) || !row_alloc(&ti->allocs, acnt[t]))
			goto end;
	}
	for (size_t i = 0; i < m->waits.n; i++) {
		const struct cprof_wait *w = &m->waits.v[i];
		if (w->thread < nt)
			row_add(&ix->threads[w->thread].state, i, rel(m, w->begin_ns),
				rel_end(m, w->begin_ns, w->end_ns));
	}
	for (size_t i = 0; i < m->syscalls.n; i++) {
		const struct cprof_syscall *s = &m->syscalls.v[i];
		if (s->thread < nt)
			row_add(&ix->threads[s->thread].state, i | 0x80000000u, rel(m, s->begin_ns),
				rel_end(m, s->begin_ns, s->end_ns));
	}
	for (size_t i = 0; i < m->logs.n; i++) {
		const struct cprof_log *l = &m->logs.v[i];
		if (l->thread < nt)
			row_add(&ix->threads[l->thread].logs, i, rel(m, l->ns), rel(m, l->ns));
	}
	for (size_t i = 0; i < m->samples.n; i++) {
		const struct cprof_sample *sp = &m->samples.v[i];
		if (sp->thread < nt)
			row_add(&ix->threads[sp->thread].samples, i, rel(m, sp->ns),
				rel(m, sp->ns));
	}
	for (size_t i = 0; i < m->allocs.n; i++) {
		const struct cprof_alloc *al = &m->allocs.v[i];
		if (al->thread < nt)
			row_add(&ix->threads[al->thread].allocs, i, rel(m, al->ns), rel(m, al->ns));
	}
	for (size_t t = 0; t < nt; t++) {
		struct ui_thread_index *ti = &ix->threads[t];
		if (!ui_row_finish(&ti->state) || !ui_row_finish(&ti->logs) ||
		    !ui_row_finish(&ti->samples) || !ui_row_finish(&ti->allocs))
			goto end;
	}
	ok = true;
end:
	free(scnt);
	free(lcnt);
	free(ccnt);
	free(acnt);
	return ok;
}

static bool build_procs(struct ui_index *ix)
{
	const struct cprof_model *m = ix->model;
	size_t nt = m->threads.n, np = m->processes.n;
	uint32_t *order = malloc((nt ? nt : 1) * sizeof(*order));
	uint32_t *porder = NULL;
	bool ok = false;

	if (!order)
		goto end;
	for (size_t i = 0; i < nt; i++)
		order[i] = i;
	qsort_r(order, nt, sizeof(*order), thread_first_cmp, (void *)m);
	/* Processes appear in the order of their first thread. */
	porder = malloc((np + 1) * sizeof(*porder));
	ix->procs = calloc(np + 1, sizeof(*ix->procs));
	if (!porder || !ix->procs)
		goto end;
	for (size_t p = 0; p < np + 1; p++)
		porder[p] = CPROF_NONE;
	uint32_t nprocs = 0;
	for (size_t k = 0; k < nt; k++) {
		uint32_t p = m->threads.v[order[k]].process;
		if (p >= np)
			p = np; /* threads without a process share a last group */
		if (porder[p] == CPROF_NONE) {
			porder[p] = nprocs;
			ix->procs[nprocs].process = p < np ? p : CPROF_NONE;
			ix->procs[nprocs].threads = malloc(nt * sizeof(uint32_t));
			if (!ix->procs[nprocs].threads)
				goto end;
			nprocs++;
		}
		struct ui_process_index *pi = &ix->procs[porder[p]];
		pi->threads[pi->n++] = order[k];
	}
	ix->nprocs = nprocs;
	for (size_t p = 1; p < np; p++)
		if (m->processes.v[p].host_known && m->processes.v[0].host_known &&
		    m->processes.v[p].host != m->processes.v[0].host)
			ix->multi_host = true;
	ok = true;
end:
	free(order);
	free(porder);
	return ok;
}

/* A min-heap of rows keyed by the end of their last task. */
struct row_heap {
	uint64_t *end;
	uint32_t *row;
	uint32_t n;
};

static void heap_sift_down(struct row_heap *h, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < h->n &&
		    (h->end[l] < h->end[m] || (h->end[l] == h->end[m] && h->row[l] < h->row[m])))
			m = l;
		if (r < h->n &&
		    (h->end[r] < h->end[m] || (h->end[r] == h->end[m] && h->row[r] < h->row[m])))
			m = r;
		if (m == i)
			return;
		uint64_t te = h->end[i];
		uint32_t tr = h->row[i];
		h->end[i] = h->end[m], h->row[i] = h->row[m];
		h->end[m] = te, h->row[m] = tr;
		i = m;
	}
}

static void heap_push(struct row_heap *h, uint64_t end, uint32_t row)
{
	uint32_t i = h->n++;
	h->end[i] = end;
	h->row[i] = row;
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (h->end[p] < h->end[i] || (h->end[p] == h->end[i] && h->row[p] < h->row[i]))
			break;
		uint64_t te = h->end[i];
		uint32_t tr = h->row[i];
		h->end[i] = h->end[p], h->row[i] = h->row[p];
		h->end[p] = te, h->row[p] = tr;
		i = p;
	}
}

/* Regions of each task, in time order, for highlighting and arrows (CSR:
 * task_region_first, task_regions). */
static bool build_task_regions(struct ui_index *ix)
{
	const struct cprof_model *m = ix->model;
	size_t n = m->tasks.n;

	ix->task_region_first = calloc(n + 1, sizeof(uint32_t));
	if (!ix->task_region_first)
		return false;
	if (!n)
		return true; /* no pass over the regions for nothing */
	size_t tot = 0;
	for (size_t i = 0; i < m->regions.n; i++)
		if (m->regions.v[i].task < n) {
			ix->task_region_first[m->regions.v[i].task + 1]++;
			tot++;
		}
	for (size_t t = 0; t < n; t++)
		ix->task_region_first[t + 1] += ix->task_region_first[t];
	ix->task_regions = malloc((tot ? tot : 1) * sizeof(uint32_t));
	uint32_t *fill = calloc(n ? n : 1, sizeof(uint32_t));
	if (!ix->task_regions || !fill) {
		free(fill);
		return false;
	}
	for (size_t i = 0; i < m->regions.n; i++) {
		uint32_t t = m->regions.v[i].task;
		if (t < n)
			ix->task_regions[ix->task_region_first[t] + fill[t]++] = i;
	}
	free(fill);
	/* Regions were appended in the order the reader met their ends or
	 * begins; arrows want begin order. */
	for (size_t t = 0; t < n; t++) {
		uint32_t *a = ix->task_regions + ix->task_region_first[t];
		uint32_t k = ix->task_region_first[t + 1] - ix->task_region_first[t];
		for (uint32_t i = 1; i < k; i++) {
			uint32_t v = a[i];
			uint64_t b = m->regions.v[v].begin_ns;
			uint32_t j = i;
			while (j > 0 && m->regions.v[a[j - 1]].begin_ns > b) {
				a[j] = a[j - 1];
				j--;
			}
			a[j] = v;
		}
	}
	return true;
}

static bool build_tasks(struct ui_index *ix)
{
	const struct cprof_model *m = ix->model;
	size_t n = m->tasks.n;
	struct sort_ent *ents = malloc((n ? n : 1) * sizeof(*ents));
	uint32_t *cnt = calloc(n ? n : 1, sizeof(*cnt));
	uint32_t *rowof = malloc((n ? n : 1) * sizeof(*rowof));
	struct row_heap heap = {malloc((n ? n : 1) * sizeof(uint64_t)),
				malloc((n ? n : 1) * sizeof(uint32_t)), 0};
	struct row_heap freeh = {malloc((n ? n : 1) * sizeof(uint64_t)),
				 malloc((n ? n : 1) * sizeof(uint32_t)), 0};
	bool ok = false;

	if (!ents || !cnt || !rowof || !heap.end || !heap.row || !freeh.end || !freeh.row)
		goto end;
	for (size_t i = 0; i < n; i++) {
		const struct cprof_task *t = &m->tasks.v[i];
		ents[i] = (struct sort_ent){rel(m, t->begin_ns), rel_end(m, t->begin_ns, t->end_ns),
					    (uint32_t)i};
	}
	qsort(ents, n, sizeof(*ents), sort_ent_cmp);
	/* Greedy interval partitioning in start order: rows whose last task
	 * ended by the task's start move from the busy heap (by end) to the
	 * free heap (by row number), and the task takes the topmost free row,
	 * else a new one. That uses as many rows as tasks are ever open at once
	 * (the fewest possible), keeps tasks near the top, in O(n log rows). */
	uint32_t nrows = 0;
	for (size_t k = 0; k < n; k++) {
		uint32_t r;
		while (heap.n && heap.end[0] <= ents[k].b) {
			uint32_t fr = heap.row[0];
			heap.end[0] = heap.end[heap.n - 1];
			heap.row[0] = heap.row[heap.n - 1];
			heap.n--;
			heap_sift_down(&heap, 0);
			heap_push(&freeh, fr, fr);
		}
		if (freeh.n) {
			r = freeh.row[0];
			freeh.end[0] = freeh.end[freeh.n - 1];
			freeh.row[0] = freeh.row[freeh.n - 1];
			freeh.n--;
			heap_sift_down(&freeh, 0);
		} else {
			r = nrows++;
		}
		heap_push(&heap, ents[k].e > ents[k].b ? ents[k].e : ents[k].b + 1, r);
		cnt[r]++;
		rowof[k] = r;
	}
	ix->ntask_rows = nrows;
	ix->task_rows = calloc(nrows ? nrows : 1, sizeof(*ix->task_rows));
	if (!ix->task_rows)
		goto end;
	for (uint32_t j = 0; j < nrows; j++)
		if (!row_alloc(&ix->task_rows[j], cnt[j]))
			goto end;
	/* The "+N more" row holds rows UI_TASK_MAX_ROWS - 1 and beyond. */
	uint32_t more = 0;
	if (nrows > UI_TASK_MAX_ROWS)
		for (uint32_t j = UI_TASK_MAX_ROWS - 1; j < nrows; j++)
			more += cnt[j];
	if (!row_alloc(&ix->task_all, n) || !row_alloc(&ix->task_more, more))
		goto end;
	for (size_t k = 0; k < n; k++) {
		row_add(&ix->task_rows[rowof[k]], ents[k].idx, ents[k].b, ents[k].e);
		row_add(&ix->task_all, ents[k].idx, ents[k].b, ents[k].e);
		if (more && rowof[k] >= UI_TASK_MAX_ROWS - 1)
			row_add(&ix->task_more, ents[k].idx, ents[k].b, ents[k].e);
	}
	for (uint32_t j = 0; j < nrows; j++)
		ui_row_finish(&ix->task_rows[j]);
	ui_row_finish(&ix->task_all);
	ui_row_finish(&ix->task_more);

	ok = build_task_regions(ix);
end:
	free(ents);
	free(cnt);
	free(rowof);
	free(heap.end);
	free(heap.row);
	free(freeh.end);
	free(freeh.row);
	return ok;
}

/* Counter lanes: those above the groups first, by process; then each
 * group's, in the groups' order; in each process the program's own first,
 * then by name: the same order in two traces of one program (view OLD
 * NEW), whatever order each trace first met them in. */
struct counter_order {
	const struct cprof_model *m;
	const uint32_t *group; /* [processes.n]: the group its tracks are drawn in, CPROF_NONE */
};

static uint64_t counter_lane_key(const struct counter_order *o, const struct cprof_counter *c)
{
	if (c->process >= o->m->processes.n)
		return UINT32_MAX;
	if (o->group[c->process] == CPROF_NONE)
		return c->process;
	return ((uint64_t)1 << 32) + o->group[c->process];
}

static int counter_lane_cmp(const void *a, const void *b, void *order)
{
	const struct counter_order *o = order;
	const struct cprof_model *m = o->m;
	const struct cprof_counter *x =
	    &m->counters.v[((const struct ui_counter_index *)a)->counter];
	const struct cprof_counter *y =
	    &m->counters.v[((const struct ui_counter_index *)b)->counter];
	uint64_t kx = counter_lane_key(o, x), ky = counter_lane_key(o, y);
	int c;

	if (kx != ky)
		return kx < ky ? -1 : 1;
	if (x->user != y->user)
		return x->user ? -1 : 1;
	c = strcmp(cprof_model_str(m, x->name), cprof_model_str(m, y->name));
	return c ? c : (x < y ? -1 : x > y);
}

/*
 * Several processes: each one's counter tracks go at the top of its group,
 * near its threads and folded with them, rather than all of them above the
 * first group (17 heap tracks of postgres filled the first screen). One
 * process keeps them above everything, where they have always been.
 */
static bool order_counters(struct ui_index *ix)
{
	const struct cprof_model *m = ix->model;
	struct counter_order o = {m, NULL};
	uint32_t *group = malloc((m->processes.n ? m->processes.n : 1) * sizeof(*group));

	if (!group)
		return false;
	for (size_t p = 0; p < m->processes.n; p++)
		group[p] = CPROF_NONE;
	if (ix->nprocs > 1)
		for (uint32_t g = 0; g < ix->nprocs; g++)
			if (ix->procs[g].process != CPROF_NONE)
				group[ix->procs[g].process] = g;
	o.group = group;
	qsort_r(ix->counters, ix->ncounters, sizeof(*ix->counters), counter_lane_cmp, &o);
	ix->ntop_counters = 0;
	for (uint32_t k = 0; k < ix->ncounters; k++) {
		uint32_t p = m->counters.v[ix->counters[k].counter].process;
		struct ui_process_index *pi;

		if (p >= m->processes.n || group[p] == CPROF_NONE) {
			ix->ntop_counters = k + 1; /* they sort first */
			continue;
		}
		pi = &ix->procs[group[p]];
		if (!pi->ncounters)
			pi->counter0 = k;
		pi->ncounters++;
	}
	free(group);
	return true;
}

static bool build_counters(struct ui_index *ix)
{
	const struct cprof_model *m = ix->model;
	ix->ncounters = m->counters.n;
	ix->counters = calloc(m->counters.n ? m->counters.n : 1, sizeof(*ix->counters));
	if (!ix->counters)
		return false;
	for (size_t c = 0; c < m->counters.n; c++) {
		const struct cprof_counter *mc = &m->counters.v[c];
		struct ui_counter_index *ci = &ix->counters[c];
		uint32_t n = mc->points.n;
		ci->counter = c;
		ci->n = n;
		ci->ns = malloc((n ? n : 1) * sizeof(*ci->ns));
		ci->val = malloc((n ? n : 1) * sizeof(*ci->val));
		if (!ci->ns || !ci->val)
			return false;
		ci->vmax = 0;
		for (uint32_t i = 0; i < n; i++) {
			ci->ns[i] = rel(m, mc->points.v[i].ns);
			ci->val[i] = mc->points.v[i].value;
			if (ci->val[i] > ci->vmax)
				ci->vmax = ci->val[i];
		}
		const int64_t *prev = ci->val;
		uint32_t pn = n;
		for (int k = 0; k < 8 && pn > 16; k++) {
			uint32_t ln = (pn + 15) / 16;
			int64_t *l = malloc(ln * sizeof(*l));
			if (!l)
				return false;
			for (uint32_t i = 0; i < ln; i++) {
				int64_t mx = INT64_MIN;
				for (uint32_t j = i * 16; j < pn && j < i * 16 + 16; j++)
					if (prev[j] > mx)
						mx = prev[j];
				l[i] = mx;
			}
			ci->lvl[k] = l;
			ci->lvl_n[k] = ln;
			ci->nlvl = k + 1;
			prev = l;
			pn = ln;
		}
	}
	return order_counters(ix);
}

struct ui_index *ui_index_create_fed(const struct cprof_model *model, struct ui_index_feed *feed)
{
	struct ui_index *ix = calloc(1, sizeof(*ix));
	if (!feed)
		feed = ui_index_feed_create();
	if (!ix || !feed)
		goto error;
	ix->model = model;
	ix->span = model->end_ns > model->begin_ns ? model->end_ns - model->begin_ns : 1;
	ix->ntype_colors = model->strings.n;
	ix->type_colors = calloc(model->strings.n ? model->strings.n : 1, sizeof(uint32_t));
	if (!ix->type_colors || !build_threads(ix, feed) || !build_procs(ix) || !build_tasks(ix) ||
	    !build_counters(ix))
		goto error;
	ui_index_feed_destroy(feed);
	return ix;
error:
	ui_index_feed_destroy(feed);
	ui_index_destroy(ix);
	return NULL;
}

struct ui_index *ui_index_create(const struct cprof_model *model)
{
	return ui_index_create_fed(model, NULL);
}

void ui_index_destroy(struct ui_index *ix)
{
	if (!ix)
		return;
	if (ix->threads) {
		for (size_t t = 0; t < ix->model->threads.n; t++) {
			struct ui_thread_index *ti = &ix->threads[t];
			if (ti->rows)
				for (unsigned d = 0; d < ti->depths; d++)
					row_free(&ti->rows[d]);
			free(ti->rows);
			row_free(&ti->state);
			row_free(&ti->logs);
			row_free(&ti->samples);
			row_free(&ti->allocs);
		}
	}
	free(ix->threads);
	if (ix->procs)
		for (uint32_t p = 0; p <= ix->model->processes.n; p++)
			free(ix->procs[p].threads);
	free(ix->procs);
	if (ix->task_rows)
		for (uint32_t j = 0; j < ix->ntask_rows; j++)
			row_free(&ix->task_rows[j]);
	free(ix->task_rows);
	row_free(&ix->task_all);
	row_free(&ix->task_more);
	if (ix->counters)
		for (uint32_t c = 0; c < ix->ncounters; c++) {
			free(ix->counters[c].ns);
			free(ix->counters[c].val);
			for (int k = 0; k < ix->counters[c].nlvl; k++)
				free(ix->counters[c].lvl[k]);
		}
	free(ix->counters);
	ui_hl_free(&ix->hl);
	ui_hl_free(&ix->hl_state);
	free(ix->task_region_first);
	free(ix->task_regions);
	free(ix->type_colors);
	free(ix);
}

/* Stable colour per region type: a hash of the string (not of its index,
 * which depends on load order) picks a hue; saturation and lightness are
 * fixed so that dark text stays readable on every colour. */
static uint32_t hsl(double h, double s, double l)
{
	double c = (1 - fabs(2 * l - 1)) * s;
	double hp = fmod(h, 360.0) / 60.0;
	double x = c * (1 - fabs(fmod(hp, 2) - 1));
	double r = 0, g = 0, b = 0;
	if (hp < 1)
		r = c, g = x;
	else if (hp < 2)
		r = x, g = c;
	else if (hp < 3)
		g = c, b = x;
	else if (hp < 4)
		g = x, b = c;
	else if (hp < 5)
		r = x, b = c;
	else
		r = c, b = x;
	double mm = l - c / 2;
	return UI_RGB((int)lround((r + mm) * 255), (int)lround((g + mm) * 255),
		      (int)lround((b + mm) * 255));
}

uint32_t ui_type_color(struct ui_index *ix, cprof_str type)
{
	if (type < ix->ntype_colors && ix->type_colors[type])
		return ix->type_colors[type];
	const char *s = cprof_model_str(ix->model, type);
	uint32_t h = 2166136261u;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	double hue = (h % 360);
	double sat = 0.50 + 0.15 * ((h >> 9) % 3) / 2.0;
	double lig = 0.58 + 0.06 * ((h >> 11) % 3) / 2.0;
	uint32_t c = hsl(hue, sat, lig);
	if (type < ix->ntype_colors)
		ix->type_colors[type] = c;
	return c;
}

uint32_t ui_wait_color(uint8_t kind)
{
	switch (kind) {
	case CPROF_TP_WAIT_MUTEX:
	case CPROF_TP_WAIT_RWLOCK_READ:
	case CPROF_TP_WAIT_RWLOCK_WRITE:
	case CPROF_TP_WAIT_SPIN:
		return ui_theme[UI_C_LOCK];
	case CPROF_TP_WAIT_COND:
	case CPROF_TP_WAIT_SEM:
	case CPROF_TP_WAIT_BARRIER:
		return ui_theme[UI_C_COND];
	default:
		return ui_theme[UI_C_OTHER_WAIT];
	}
}

/* ---- time formatting and view arithmetic ---- */

double ui_tick_step(double span_ns, int width_px, int min_gap_px)
{
	if (width_px <= 0 || span_ns <= 0)
		return 1;
	double per_px = span_ns / width_px;
	double want = per_px * min_gap_px;
	double step = 1;
	while (step < want) {
		if (step * 2 >= want)
			return step * 2;
		if (step * 5 >= want)
			return step * 5;
		step *= 10;
	}
	return step;
}

static int decimals_for(double step, double unit)
{
	int d = 0;
	double s = step / unit;
	while (s < 0.999 && d < 9) {
		s *= 10;
		d++;
	}
	return d;
}

void ui_format_time(char *buf, size_t size, double ns, double step)
{
	const char *u;
	double unit;
	double mag = fabs(ns) > step ? fabs(ns) : step;
	if (mag >= 1e9)
		unit = 1e9, u = "s";
	else if (mag >= 1e6)
		unit = 1e6, u = "ms";
	else if (mag >= 1e3)
		unit = 1e3, u = "\u00b5s";
	else
		unit = 1, u = "ns";
	int dec = decimals_for(step, unit);
	double v = ns / unit;
	if (fabs(v) < 0.5 * pow(10, -dec))
		v = 0; /* no "-0" */
	snprintf(buf, size, "%.*f %s", dec, v, u);
}

void ui_format_dur(char *buf, size_t size, double ns)
{
	cprof_format_duration_as(ns, CPROF_DURATION_SHORT, buf, size);
}

void ui_format_dur_open(char *buf, size_t size, double ns, bool open)
{
	char d[48];
	ui_format_dur(d, sizeof(d), ns);
	snprintf(buf, size, open ? "\u2265 %s (open)" : "%s", d);
}

void ui_geom_compute(const struct ui_view *view, struct ui_geom *g)
{
	int pw = view->show_panel ? UI_PANEL_W : 0;
	/* a flame graph or a list of sentences needs width: the wide tabs
	 * take up to 40% of a window wide enough for it */
	if (view->show_panel && UI_TAB_WIDE(view->tab) && view->width * 2 / 5 > UI_PANEL_W)
		pw = view->width * 2 / 5 < UI_PANEL_WIDE_W ? view->width * 2 / 5 : UI_PANEL_WIDE_W;
	if (view->width < 900)
		pw = 0;
	g->panel_w = pw;
	g->panel_x = view->width - pw;
	g->tl_x = UI_GUTTER_W;
	g->tl_w = view->width - pw - UI_GUTTER_W;
	if (g->tl_w < 50)
		g->tl_w = 50;
	g->tl_y = UI_HEADER_H + UI_AXIS_H;
	/* In a small window a full-height details panel would cover every
	 * lane (at 200x150 it started above the axis): it gets at most half
	 * of the room below the axis, and cuts its lines to fit. */
	int below = view->height - UI_STATUS_H - g->tl_y;
	g->details_h = 0;
	if (view->sel.hit != UI_HIT_NONE || view->range_on)
		g->details_h = UI_DETAILS_H < below / 2 ? UI_DETAILS_H : below > 0 ? below / 2 : 0;
	g->details_y = view->height - UI_STATUS_H - g->details_h;
	g->tl_h = g->details_y - g->tl_y;
}

double ui_x_of(const struct ui_view *view, const struct ui_geom *g, double t)
{
	return g->tl_x + (t - view->t0) * g->tl_w / (view->t1 - view->t0);
}

double ui_t_of(const struct ui_view *view, const struct ui_geom *g, double x)
{
	return view->t0 + (x - g->tl_x) * (view->t1 - view->t0) / g->tl_w;
}

#define UI_MIN_SPAN 20.0 /* ns: 1000 px across 20 ns is as deep as it gets */

static void clamp_view(struct ui_view *v, const struct ui_index *ix)
{
	double span = v->t1 - v->t0;
	double full = (double)ix->span;
	double margin = full * 0.05;
	if (span < UI_MIN_SPAN) {
		double c = (v->t0 + v->t1) / 2;
		span = UI_MIN_SPAN;
		v->t0 = c - span / 2;
		v->t1 = c + span / 2;
	}
	if (span > full + 2 * margin) {
		span = full + 2 * margin;
		v->t0 = -margin;
		v->t1 = v->t0 + span;
	}
	if (v->t0 < -margin) {
		v->t0 = -margin;
		v->t1 = v->t0 + span;
	}
	if (v->t1 > full + margin) {
		v->t1 = full + margin;
		v->t0 = v->t1 - span;
	}
}

void ui_view_zoom(struct ui_view *v, const struct ui_index *ix, double x, double factor)
{
	struct ui_geom g;
	ui_geom_compute(v, &g);
	if (x < g.tl_x || x > g.tl_x + g.tl_w)
		x = g.tl_x + g.tl_w / 2.0;
	double t = ui_t_of(v, &g, x);
	v->t0 = t - (t - v->t0) * factor;
	v->t1 = t + (v->t1 - t) * factor;
	clamp_view(v, ix);
}

void ui_view_pan(struct ui_view *v, const struct ui_index *ix, double dx)
{
	struct ui_geom g;
	ui_geom_compute(v, &g);
	double dt = dx * (v->t1 - v->t0) / g.tl_w;
	v->t0 += dt;
	v->t1 += dt;
	clamp_view(v, ix);
}

void ui_view_fit(struct ui_view *v, const struct ui_index *ix)
{
	double full = (double)ix->span;
	v->t0 = -full * 0.01;
	v->t1 = full * 1.01;
	clamp_view(v, ix);
}

/* ---- search ---- */

bool ui_str_match(const char *hay, const char *needle)
{
	return needle[0] && strcasestr(hay, needle) != NULL;
}

bool ui_search_next(const struct ui_index *ix, const char *needle, uint8_t *hit, uint32_t *ref,
		    uint64_t after_ns)
{
	const struct cprof_model *m = ix->model;
	uint64_t best = UINT64_MAX, first = UINT64_MAX;
	uint8_t bh = 0, fh = 0;
	uint32_t br = 0, fr = 0;
	if (!needle[0])
		return false;
	/* Match each string once, then walk items (cheap compared to strcasestr
	 * on millions of items). */
	uint8_t *match = calloc(m->strings.n ? m->strings.n : 1, 1);
	if (!match)
		return false;
	for (size_t s = 1; s < m->strings.n; s++)
		match[s] = ui_str_match(m->strings.v[s], needle);
	for (size_t i = 0; i < m->regions.n; i++) {
		const struct cprof_region *r = &m->regions.v[i];
		bool ok =
		    match[r->type] || (r->task < m->tasks.n && match[m->tasks.v[r->task].type]);
		if (!ok)
			continue;
		if (r->begin_ns > after_ns && r->begin_ns < best)
			best = r->begin_ns, bh = UI_HIT_REGION, br = i;
		if (r->begin_ns < first)
			first = r->begin_ns, fh = UI_HIT_REGION, fr = i;
	}
	for (size_t i = 0; i < m->logs.n; i++) {
		const struct cprof_log *l = &m->logs.v[i];
		if (!match[l->message] && !match[l->category])
			continue;
		if (l->ns > after_ns && l->ns < best)
			best = l->ns, bh = UI_HIT_LOG, br = i;
		if (l->ns < first)
			first = l->ns, fh = UI_HIT_LOG, fr = i;
	}
	for (size_t i = 0; i < m->tasks.n; i++) {
		const struct cprof_task *t = &m->tasks.v[i];
		if (!match[t->type])
			continue;
		if (t->begin_ns > after_ns && t->begin_ns < best)
			best = t->begin_ns, bh = UI_HIT_TASK, br = i;
		if (t->begin_ns < first)
			first = t->begin_ns, fh = UI_HIT_TASK, fr = i;
	}
	free(match);
	if (best != UINT64_MAX) {
		*hit = bh;
		*ref = br;
		return true;
	}
	if (first != UINT64_MAX) { /* wrap around */
		*hit = fh;
		*ref = fr;
		return true;
	}
	return false;
}
