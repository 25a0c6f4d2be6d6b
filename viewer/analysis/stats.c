/*
 * Trace statistics from the model (see stats.h). The distributions
 * (tasks, regions, waits, blocking calls by key) come from stats_dist.c.
 */
#include "stats.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cprof-tp-enums.h"
#include "stats_dist.h"

/* Log counts by category, in name order. */
static int count_logs(const struct cprof_model *m, struct cprof_stats *st)
{
	struct sd_src s = {m, SD_LOGS, 0, 0, cprof_snapwin_from(m)};

	if (sd_counts(&s, &st->logs.v, &st->logs.n))
		return -1;
	st->logs.cap = st->logs.n;
	return 0;
}

/* Distributions of `s` into a stats vector. */
#define build_dists(src, out, by_name)                                                             \
	(sd_dists((src), (by_name), &(out)->v, &(out)->n) ? -1 : ((out)->cap = (out)->n, 0))

/* The CPROF_STATS_TOP stacks of the items of `s` with the most delay. */
#define build_top(src, out)                                                                        \
	(sd_stacks((src), &(out)->v, &(out)->cap)                                                  \
	     ? -1                                                                                  \
	     : ((out)->n = (out)->cap > CPROF_STATS_TOP ? CPROF_STATS_TOP : (out)->cap, 0))

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

/* Allocations, frees, the allocation rate (those of a snapshot's window)
 * and the heap counter's peak (a level, which a thinned-out past does
 * not skew). */
static int heap_stats(const struct cprof_model *m, struct cprof_stats *s, uint64_t win)
{
	uint64_t span =
	    m->end_ns > (win ? win : m->begin_ns) ? m->end_ns - (win ? win : m->begin_ns) : 0;
	double estimate = 0;
	bool found;

	if (sum_counters(m, "heap in use", &s->heap_peak_bytes, &s->heap_final_bytes, &found))
		return -1;
	s->heap_known = found || m->allocs.n;
	for (size_t i = 0; i < m->allocs.n; i++) {
		const struct cprof_alloc *a = &m->allocs.v[i];
		const struct cprof_process *p = &m->processes.v[m->threads.v[a->thread].process];
		if (a->ns < win)
			continue;
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
	if (span)
		s->allocs_per_s = estimate * 1e9 / (double)span;
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

/* What a snapshot's window leaves out of the items stats count, and
 * clips (snapwin.h). */
static void count_window(const struct cprof_model *m, uint64_t w, struct cprof_snapwin_cut *cut)
{
	if (!w)
		return;
	for (size_t i = 0; i < m->tasks.n; i++)
		cprof_snapwin_count(cut, w, m->tasks.v[i].begin_ns, m->tasks.v[i].end_ns);
	for (size_t i = 0; i < m->regions.n; i++)
		cprof_snapwin_count(cut, w, m->regions.v[i].begin_ns, m->regions.v[i].end_ns);
	for (size_t i = 0; i < m->waits.n; i++)
		cprof_snapwin_count(cut, w, m->waits.v[i].begin_ns, m->waits.v[i].end_ns);
	for (size_t i = 0; i < m->syscalls.n; i++)
		cprof_snapwin_count(cut, w, m->syscalls.v[i].begin_ns, m->syscalls.v[i].end_ns);
	for (size_t i = 0; i < m->logs.n; i++)
		cut->left_out += m->logs.v[i].ns < w;
	for (size_t i = 0; i < m->allocs.n; i++)
		cut->left_out += m->allocs.v[i].ns < w;
}

/*
 * The region summary kept with the model in its cache (model.h): the
 * region distributions of cprof_stats_compute(), of the whole trace from
 * the snapshot's window on (the query, written in it), so that a second
 * `stats` of a trace of 50M regions does not pass over them again. Read
 * from a file: checked before use, and ignored when it does not fit.
 */
static const char summary_magic[8] = "CPSREG01";

struct summary_head {
	char magic[8];
	uint64_t win, n, dist_size;
};

void cprof_stats_summarize(struct cprof_model *m)
{
	struct sd_src s = {m, SD_REGIONS, 0, UINT64_MAX, cprof_snapwin_from(m)};
	struct summary_head h = {.win = s.win, .dist_size = sizeof(struct cprof_stats_dist)};
	struct cprof_stats_dist *v;
	size_t n;
	char *blob;

	if (__atomic_load_n(&m->summary, __ATOMIC_ACQUIRE) || sd_dists(&s, true, &v, &n))
		return;
	h.n = n;
	memcpy(h.magic, summary_magic, sizeof(h.magic));
	if ((blob = malloc(sizeof(h) + n * sizeof(*v)))) {
		memcpy(blob, &h, sizeof(h));
		if (n)
			memcpy(blob + sizeof(h), v, n * sizeof(*v));
		m->summary_len = sizeof(h) + n * sizeof(*v);
		m->summary_owned = true;
		/* last: a viewer's Regions panel may be reading the model (its
		 * cache written once the model is shown, reader.h) */
		__atomic_store_n(&m->summary, (const void *)blob, __ATOMIC_RELEASE);
	}
	free(v);
}

/* The regions' distributions from the model's summary into *out (NULL
 * when none) and *nout: 1, 0 when there is none fit for this query, -1
 * when out of memory. */
static int summary_regions(const struct cprof_model *m, struct cprof_stats_dist **out, size_t *nout)
{
	const size_t size = sizeof(struct cprof_stats_dist);
	struct cprof_stats_dist *v = NULL;
	struct summary_head h;
	const char *sum = __atomic_load_n(&m->summary, __ATOMIC_ACQUIRE);

	size_t len = sum ? m->summary_len : 0; /* set before summary */

	if (!sum || len < sizeof(h))
		return 0;
	memcpy(&h, sum, sizeof(h));
	if (memcmp(h.magic, summary_magic, sizeof(h.magic)) || h.win != cprof_snapwin_from(m) ||
	    h.dist_size != size || h.n > (len - sizeof(h)) / size || len != sizeof(h) + h.n * size)
		return 0;
	if (h.n && !(v = malloc(h.n * size)))
		return -1;
	if (h.n)
		memcpy(v, sum + sizeof(h), h.n * size);
	for (size_t i = 0; i < h.n; i++)
		if (v[i].key >= m->strings.n) {
			free(v);
			return 0;
		}
	*out = v;
	*nout = h.n;
	return 1;
}

enum cprof_stats_status cprof_stats_regions_until(const struct cprof_model *m, uint64_t from_ns,
						  uint64_t to_ns, const atomic_bool *stop,
						  struct cprof_stats_dist **out, size_t *nout)
{
	struct sd_src s = {m, SD_REGIONS, from_ns, to_ns, cprof_snapwin_from(m), stop};
	uint64_t span = m->end_ns > m->begin_ns ? m->end_ns - m->begin_ns : 1;

	*out = NULL;
	*nout = 0;
	/* The whole trace (a range to its end takes its last instant) is
	 * what the summary holds. */
	if (!from_ns && to_ns >= span) {
		/* a viewer's cache being written computes it (model.h) */
		while (__atomic_load_n(&m->summary_pending, __ATOMIC_ACQUIRE) &&
		       !__atomic_load_n(&m->summary, __ATOMIC_ACQUIRE) &&
		       !(stop && atomic_load(stop))) {
			struct timespec ts = {0, 2000000};
			nanosleep(&ts, NULL);
		}
		switch (summary_regions(m, out, nout)) {
		case 1:
			return CPROF_STATS_OK;
		case 0:
			break;
		default:
			return CPROF_STATS_NO_MEMORY;
		}
	}
	if (!sd_dists(&s, true, out, nout))
		return CPROF_STATS_OK;
	return stop && atomic_load(stop) ? CPROF_STATS_STOPPED : CPROF_STATS_NO_MEMORY;
}

enum cprof_stats_status cprof_stats_regions(const struct cprof_model *m, uint64_t from_ns,
					    uint64_t to_ns, struct cprof_stats_dist **out,
					    size_t *nout)
{
	return cprof_stats_regions_until(m, from_ns, to_ns, NULL, out, nout);
}

enum cprof_stats_status cprof_stats_compute(const struct cprof_model *m, struct cprof_stats *s)
{
	uint64_t w = cprof_snapwin_from(m);
	struct sd_src tasks = {m, SD_TASKS, 0, 0, w}, regions = {m, SD_REGIONS, 0, UINT64_MAX, w},
		      wait_kinds = {m, SD_WAIT_KINDS, 0, 0, w},
		      wait_stacks = {m, SD_WAIT_STACKS, 0, 0, w}, calls = {m, SD_CALLS, 0, 0, w},
		      call_stacks = {m, SD_CALL_STACKS, 0, 0, w};

	memset(s, 0, sizeof(*s));
	s->duration_ns = m->end_ns > m->begin_ns ? m->end_ns - m->begin_ns : 0;
	s->window_ns = w;
	count_window(m, w, &s->window);
	if (build_dists(&tasks, &s->tasks, true) || count_logs(m, s))
		goto error;
	switch (summary_regions(m, &s->regions.v, &s->regions.n)) {
	case 1:
		s->regions.cap = s->regions.n;
		break;
	case 0:
		if (!build_dists(&regions, &s->regions, true))
			break;
		/* fall through */
	default:
		goto error;
	}

	for (size_t i = 0; i < m->waits.n; i++) {
		const struct cprof_wait *wt = &m->waits.v[i];
		uint64_t d = sd_dur_in(w, wt->begin_ns, wt->end_ns);
		if (d != SD_UNENDED && d != SD_BEFORE_WINDOW) {
			s->sync_contentions++;
			s->sync_delay_ns += d;
		}
	}
	if (build_dists(&wait_kinds, &s->sync_kinds, false) ||
	    build_top(&wait_stacks, &s->sync_top))
		goto error;

	for (size_t i = 0; i < m->syscalls.n; i++) {
		uint64_t d = sd_dur_in(w, m->syscalls.v[i].begin_ns, m->syscalls.v[i].end_ns);
		if (d == SD_BEFORE_WINDOW)
			continue;
		s->syscall_count++;
		s->syscall_ns += d == SD_UNENDED ? 0 : d;
	}
	if (build_dists(&calls, &s->syscalls, false) || build_top(&call_stacks, &s->syscall_top))
		goto error;

	if (heap_stats(m, s, w) || thread_stats(m, s))
		goto error;
	return CPROF_STATS_OK;
error:
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
