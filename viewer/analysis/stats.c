/*
 * Trace statistics from the model (see stats.h).
 *
 * Every distribution is built the same way: (key, duration) pairs, sorted
 * once, then walked group by group, so percentiles are exact nearest-rank
 * values and the cost is one sort per kind of item.
 */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cprof-tp-enums.h"

#define UNENDED UINT64_MAX

struct pair {
	uint32_t key;
	uint64_t ns; /* UNENDED: no duration */
};

static int pair_cmp(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	return 0;
}

/* Nearest rank: the smallest value with at least p% of values at or below. */
static uint64_t nearest_rank(const struct pair *sorted, uint64_t n, unsigned p)
{
	uint64_t rank = (n * p + 99) / 100;

	if (rank < 1)
		rank = 1;
	return sorted[rank - 1].ns;
}

static int dist_name_cmp(const void *a, const void *b, void *model)
{
	const struct cprof_stats_dist *x = a, *y = b;
	return strcmp(cprof_model_str(model, x->key), cprof_model_str(model, y->key));
}

static int dist_key_cmp(const void *a, const void *b)
{
	const struct cprof_stats_dist *x = a, *y = b;
	return x->key < y->key ? -1 : x->key > y->key;
}

static unsigned hist_bucket(uint64_t ns)
{
	int k = ns ? 63 - __builtin_clzll(ns) - 4 : 0;
	return k < 0 ? 0 : k >= CPROF_STATS_HIST ? CPROF_STATS_HIST - 1 : (unsigned)k;
}

/* Groups sorted pairs into distributions; sorted by name when `model`. */
#define build_dists(pairs, n, out, model)                                                          \
	build_dists_((pairs), (n), (void **)&(out)->v, &(out)->n, &(out)->cap, (model))

static int build_dists_(struct pair *pairs, size_t n, void **v, size_t *vn, size_t *vcap,
			const struct cprof_model *model)
{
	struct {
		struct cprof_stats_dist *v;
		size_t n, cap;
	} out = {NULL, 0, 0};

	qsort(pairs, n, sizeof(*pairs), pair_cmp);
	for (size_t i = 0; i < n;) {
		size_t j = i, ended;
		struct cprof_stats_dist *d = cprof_vec_push(&out);
		if (!d) {
			free(out.v);
			return -1;
		}
		while (j < n && pairs[j].key == pairs[i].key)
			j++;
		for (ended = i; ended < j && pairs[ended].ns != UNENDED; ended++)
			d->total_ns += pairs[ended].ns;
		for (size_t k = i; k < ended; k++)
			d->hist[hist_bucket(pairs[k].ns)]++;
		d->key = pairs[i].key;
		d->count = ended - i;
		d->unended = j - ended;
		if (d->count) {
			d->p50_ns = nearest_rank(pairs + i, d->count, 50);
			d->p90_ns = nearest_rank(pairs + i, d->count, 90);
			d->p99_ns = nearest_rank(pairs + i, d->count, 99);
			d->max_ns = pairs[ended - 1].ns;
		}
		i = j;
	}
	if (model) {
		qsort_r(out.v, out.n, sizeof(*out.v), dist_name_cmp, (void *)model);
	} else {
		qsort(out.v, out.n, sizeof(*out.v), dist_key_cmp);
	}
	*v = out.v;
	*vn = out.n;
	*vcap = out.cap;
	return 0;
}

static int count_name_cmp(const void *a, const void *b, void *model)
{
	const struct cprof_stats_count *x = a, *y = b;
	return strcmp(cprof_model_str(model, x->key), cprof_model_str(model, y->key));
}

static int stack_delay_cmp(const void *a, const void *b)
{
	const struct cprof_stats_stack *x = a, *y = b;
	if (x->delay_ns != y->delay_ns)
		return x->delay_ns > y->delay_ns ? -1 : 1;
	return x->stack < y->stack ? -1 : x->stack > y->stack;
}

/* Top stacks by delay from (stack, delay) pairs; keeps CPROF_STATS_TOP. */
#define build_top(pairs, n, out)                                                                   \
	build_top_((pairs), (n), (void **)&(out)->v, &(out)->n, &(out)->cap)

static int build_top_(struct pair *pairs, size_t n, void **v, size_t *vn, size_t *vcap)
{
	struct {
		struct cprof_stats_stack *v;
		size_t n, cap;
	} out = {NULL, 0, 0};

	qsort(pairs, n, sizeof(*pairs), pair_cmp);
	for (size_t i = 0; i < n;) {
		struct cprof_stats_stack *s = cprof_vec_push(&out);
		if (!s) {
			free(out.v);
			return -1;
		}
		s->stack = pairs[i].key;
		for (; i < n && pairs[i].key == s->stack; i++) {
			if (pairs[i].ns == UNENDED)
				continue;
			s->count++;
			s->delay_ns += pairs[i].ns;
		}
	}
	qsort(out.v, out.n, sizeof(*out.v), stack_delay_cmp);
	if (out.n > CPROF_STATS_TOP)
		out.n = CPROF_STATS_TOP;
	*v = out.v;
	*vn = out.n;
	*vcap = out.cap;
	return 0;
}

struct point {
	uint64_t ns;
	uint32_t counter;
	int64_t value;
};

static int point_cmp(const void *a, const void *b)
{
	const struct point *x = a, *y = b;
	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	return x->counter < y->counter ? -1 : x->counter > y->counter;
}

/* Peak and final of the sum of every counter named `name` (one per
 * process). Returns false when there is no such counter. */
static int sum_counters(const struct cprof_model *m, const char *name, uint64_t *peak,
			uint64_t *final, bool *found)
{
	size_t n = 0, k = 0;
	struct point *pts;
	int64_t *cur, sum = 0, best = 0;

	*found = false;
	*peak = *final = 0;
	for (size_t i = 0; i < m->counters.n; i++)
		if (!strcmp(cprof_model_str(m, m->counters.v[i].name), name)) {
			n += m->counters.v[i].points.n;
			*found = true;
		}
	if (!*found || !n)
		return 0;
	pts = malloc(n * sizeof(*pts));
	cur = calloc(m->counters.n, sizeof(*cur));
	if (!pts || !cur) {
		free(pts);
		free(cur);
		return -1;
	}
	for (size_t i = 0; i < m->counters.n; i++) {
		const struct cprof_counter *c = &m->counters.v[i];
		if (strcmp(cprof_model_str(m, c->name), name))
			continue;
		for (size_t j = 0; j < c->points.n; j++)
			pts[k++] =
			    (struct point){c->points.v[j].ns, (uint32_t)i, c->points.v[j].value};
	}
	qsort(pts, n, sizeof(*pts), point_cmp);
	for (size_t i = 0; i < n; i++) {
		sum += pts[i].value - cur[pts[i].counter];
		cur[pts[i].counter] = pts[i].value;
		if (sum > best)
			best = sum;
	}
	*peak = best > 0 ? (uint64_t)best : 0;
	*final = sum > 0 ? (uint64_t)sum : 0;
	free(pts);
	free(cur);
	return 0;
}

/* Allocations, frees, the allocation rate and the heap counter's peak. */
static int heap_stats(const struct cprof_model *m, struct cprof_stats *s)
{
	double estimate = 0;
	bool found;

	if (sum_counters(m, "heap in use", &s->heap_peak_bytes, &s->heap_final_bytes, &found))
		return -1;
	s->heap_known = found || m->allocs.n;
	for (size_t i = 0; i < m->allocs.n; i++) {
		const struct cprof_alloc *a = &m->allocs.v[i];
		const struct cprof_process *p = &m->processes.v[m->threads.v[a->thread].process];
		s->allocs++;
		s->alloc_bytes += a->size;
		if (a->free_ns)
			s->frees++;
		/* A sampled allocation of size S stands for 1/(1-e^(-S/rate))
		 * allocations (Go's and pprof's scaling). */
		if (p->alloc_mode == CPROF_TP_ALLOC_SAMPLE && p->alloc_rate && a->size)
			estimate += 1.0 / (1.0 - exp(-(double)a->size / (double)p->alloc_rate));
		else
			estimate += 1.0;
	}
	if (s->duration_ns)
		s->allocs_per_s = estimate * 1e9 / (double)s->duration_ns;
	return 0;
}

/* Threads started, exited, alive at the peak and at the end: from the
 * "threads alive" counter, or else from the threads met. */
static int thread_stats(const struct cprof_model *m, struct cprof_stats *s)
{
	bool found;

	for (size_t i = 0; i < m->threads.n; i++) {
		if (m->threads.v[i].start_ns)
			s->threads_started++;
		if (m->threads.v[i].end_ns)
			s->threads_exited++;
	}
	if (sum_counters(m, "threads alive", &s->threads_peak, &s->threads_alive_end, &found))
		return -1;
	if (!found) {
		s->threads_peak = s->threads_alive_end = 0;
		for (size_t i = 0; i < m->threads.n; i++)
			if (!m->threads.v[i].end_ns)
				s->threads_alive_end++;
		s->threads_peak = m->threads.n;
	}
	return 0;
}

/* (type, duration) of the regions beginning in [from, to), relative ns;
 * to at or past the trace's end takes its last instant too. */
static size_t region_pairs(const struct cprof_model *m, uint64_t from, uint64_t to,
			   struct pair *pairs)
{
	uint64_t span = m->end_ns > m->begin_ns ? m->end_ns - m->begin_ns : 1;
	size_t n = 0;
	for (size_t i = 0; i < m->regions.n; i++) {
		const struct cprof_region *r = &m->regions.v[i];
		uint64_t b = r->begin_ns - m->begin_ns;
		if (b < from || (b > to || (b == to && to < span)))
			continue;
		pairs[n++] =
		    (struct pair){r->type, !r->end_ns		     ? UNENDED
					   : r->end_ns > r->begin_ns ? r->end_ns - r->begin_ns
								     : 0};
	}
	return n;
}

enum cprof_stats_status cprof_stats_regions(const struct cprof_model *m, uint64_t from_ns,
					    uint64_t to_ns, struct cprof_stats_dist **out,
					    size_t *nout)
{
	struct pair *pairs = malloc((m->regions.n ? m->regions.n : 1) * sizeof(*pairs));
	struct {
		struct cprof_stats_dist *v;
		size_t n, cap;
	} dists = {NULL, 0, 0};

	if (!pairs)
		return CPROF_STATS_NO_MEMORY;
	size_t n = region_pairs(m, from_ns, to_ns, pairs);
	int rc = build_dists(pairs, n, &dists, m);
	free(pairs);
	if (rc)
		return CPROF_STATS_NO_MEMORY;
	*out = dists.v;
	*nout = dists.n;
	return CPROF_STATS_OK;
}

enum cprof_stats_status cprof_stats_compute(const struct cprof_model *m, struct cprof_stats *s)
{
	size_t most = m->tasks.n;
	struct pair *pairs = NULL;
	size_t n;

	memset(s, 0, sizeof(*s));
	s->duration_ns = m->end_ns > m->begin_ns ? m->end_ns - m->begin_ns : 0;
	if (m->regions.n > most)
		most = m->regions.n;
	if (m->logs.n > most)
		most = m->logs.n;
	if (m->waits.n > most)
		most = m->waits.n;
	if (m->syscalls.n > most)
		most = m->syscalls.n;
	pairs = malloc((most ? most : 1) * sizeof(*pairs));
	if (!pairs)
		goto error;

	for (n = 0; n < m->tasks.n; n++) {
		const struct cprof_task *t = &m->tasks.v[n];
		pairs[n] = (struct pair){t->type, t->end_ns ? t->end_ns - t->begin_ns : UNENDED};
	}
	if (build_dists(pairs, n, &s->tasks, m))
		goto error;

	n = region_pairs(m, 0, UINT64_MAX, pairs);
	if (build_dists(pairs, n, &s->regions, m))
		goto error;

	for (n = 0; n < m->logs.n; n++)
		pairs[n] = (struct pair){m->logs.v[n].category, 0};
	qsort(pairs, n, sizeof(*pairs), pair_cmp);
	for (size_t i = 0; i < n;) {
		struct cprof_stats_count *c = cprof_vec_push(&s->logs);
		if (!c)
			goto error;
		c->key = pairs[i].key;
		for (; i < n && pairs[i].key == c->key; i++)
			c->count++;
	}
	qsort_r(s->logs.v, s->logs.n, sizeof(*s->logs.v), count_name_cmp, (void *)m);

	/* sync */
	for (n = 0; n < m->waits.n; n++) {
		const struct cprof_wait *w = &m->waits.v[n];
		uint64_t d = w->end_ns ? w->end_ns - w->begin_ns : UNENDED;
		pairs[n] = (struct pair){w->kind, d};
		if (d != UNENDED) {
			s->sync_contentions++;
			s->sync_delay_ns += d;
		}
	}
	if (build_dists(pairs, n, &s->sync_kinds, NULL))
		goto error;
	for (n = 0; n < m->waits.n; n++) {
		const struct cprof_wait *w = &m->waits.v[n];
		pairs[n] = (struct pair){w->stack, w->end_ns ? w->end_ns - w->begin_ns : UNENDED};
	}
	if (build_top(pairs, n, &s->sync_top))
		goto error;

	/* blocking calls */
	for (n = 0; n < m->syscalls.n; n++) {
		const struct cprof_syscall *c = &m->syscalls.v[n];
		pairs[n] = (struct pair){c->call, c->end_ns - c->begin_ns};
		s->syscall_count++;
		s->syscall_ns += c->end_ns - c->begin_ns;
	}
	if (build_dists(pairs, n, &s->syscalls, NULL))
		goto error;
	for (n = 0; n < m->syscalls.n; n++) {
		const struct cprof_syscall *c = &m->syscalls.v[n];
		pairs[n] = (struct pair){c->stack, c->end_ns - c->begin_ns};
	}
	if (build_top(pairs, n, &s->syscall_top))
		goto error;

	if (heap_stats(m, s) || thread_stats(m, s))
		goto error;

	free(pairs);
	return CPROF_STATS_OK;
error:
	free(pairs);
	cprof_stats_fini(s);
	return CPROF_STATS_NO_MEMORY;
}

void cprof_stats_fini(struct cprof_stats *s)
{
	cprof_vec_free(&s->tasks);
	cprof_vec_free(&s->regions);
	cprof_vec_free(&s->logs);
	cprof_vec_free(&s->sync_kinds);
	cprof_vec_free(&s->sync_top);
	cprof_vec_free(&s->syscalls);
	cprof_vec_free(&s->syscall_top);
}
