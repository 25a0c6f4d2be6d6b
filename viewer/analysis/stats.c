/*
 * Trace statistics from the model (see stats.h).
 *
 * Every distribution is built in two passes over the model's items without
 * sorting them: the first groups them by key (a small hash table; items of
 * one key mostly come in runs, hence the last-key cache) and sums count,
 * total, histogram and max; the second places each group's durations
 * side by side in one array (a counting sort by group). Exact nearest-rank
 * percentiles are then selected in each group's part. Sorting (key,
 * duration) pairs instead took most of the time of `stats` on a trace of
 * 50M regions, and twice their size in memory for the sort.
 */
#include "stats.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cprof-tp-enums.h"

#define UNENDED UINT64_MAX
#define BEFORE_WINDOW (UINT64_MAX - 1)

/* The duration of [b, e) (e 0: not ended: UNENDED) from a snapshot's
 * window at `win` on (0: none; snapwin.h): clipped to begin there, or
 * BEFORE_WINDOW when it ended before it. */
static inline uint64_t dur_in(uint64_t win, uint64_t b, uint64_t e)
{
	if (b < win) {
		if (e && e < win)
			return BEFORE_WINDOW;
		b = win;
	}
	return !e ? UNENDED : e > b ? e - b : 0;
}

/* Which items, and which key: each gives a key and a duration (UNENDED:
 * none). */
enum src_kind {
	SRC_TASKS,	 /* by type */
	SRC_REGIONS,	 /* by type, those beginning in [from, to] */
	SRC_LOGS,	 /* by category, all of duration 0 */
	SRC_WAIT_KINDS,	 /* by enum cprof_tp_wait_kind */
	SRC_WAIT_STACKS, /* by stack */
	SRC_CALLS,	 /* by enum cprof_tp_call */
	SRC_CALL_STACKS, /* by stack */
};

struct src {
	const struct cprof_model *m;
	enum src_kind kind;
	uint64_t from, to; /* SRC_REGIONS, relative ns (see feed_regions) */
	uint64_t win;	   /* the snapshot's window, absolute ns (0: none) */
};

struct group {
	struct cprof_stats_dist d;
	size_t fill; /* second pass: the group's next place in acc.durs* */
	bool narrow; /* its durations fit 32 bits: in durs32, else in durs64 */
};

/* Items grouped by key: an open-addressing hash of key -> group index. */
struct acc {
	CPROF_VEC(struct group) groups;
	uint32_t *slots; /* group index + 1, 0: free */
	size_t mask;
	uint32_t last_key;
	size_t last; /* group of last_key, SIZE_MAX: none yet */
	/* Regions: the first and past the last taken by the first pass, all
	 * the second looks at (a window's regions are a run of the array). */
	size_t first, past;
	/* Second pass: the ended durations by group. Most fit 32 bits (up to
	 * 4.3 s), which halves the memory and the time of the selections. */
	uint32_t *durs32;
	uint64_t *durs64;
	bool placing; /* second pass */
};

static size_t key_hash(uint32_t key)
{
	return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 32);
}

static int acc_rehash(struct acc *a, size_t nslots)
{
	uint32_t *slots = calloc(nslots, sizeof(*slots));

	if (!slots)
		return -1;
	free(a->slots);
	a->slots = slots;
	a->mask = nslots - 1;
	for (size_t g = 0; g < a->groups.n; g++) {
		size_t i = key_hash(a->groups.v[g].d.key) & a->mask;
		while (slots[i])
			i = (i + 1) & a->mask;
		slots[i] = (uint32_t)g + 1;
	}
	return 0;
}

static void acc_fini(struct acc *a)
{
	cprof_vec_free(&a->groups);
	free(a->slots);
	free(a->durs32);
	free(a->durs64);
}

/* A new group for `key`, whose probe ended at the free slot i. */
static struct group *acc_insert(struct acc *a, uint32_t key, size_t i)
{
	struct group *g;

	/* At most half full, so that probes stay short. */
	if ((a->groups.n + 1) * 2 > a->mask + 1) {
		if (acc_rehash(a, (a->mask + 1) * 2))
			return NULL;
		for (i = key_hash(key) & a->mask; a->slots[i]; i = (i + 1) & a->mask)
			;
	}
	g = cprof_vec_push(&a->groups);
	if (!g)
		return NULL;
	g->d.key = key;
	a->slots[i] = (uint32_t)a->groups.n;
	a->last_key = key;
	a->last = a->groups.n - 1;
	return g;
}

/* The group of `key`, created when new; NULL: out of memory. */
static inline struct group *acc_group(struct acc *a, uint32_t key)
{
	size_t i;

	if (a->last != SIZE_MAX && a->last_key == key)
		return &a->groups.v[a->last];
	for (i = key_hash(key) & a->mask; a->slots[i]; i = (i + 1) & a->mask)
		if (a->groups.v[a->slots[i] - 1].d.key == key) {
			a->last_key = key;
			a->last = a->slots[i] - 1;
			return &a->groups.v[a->last];
		}
	return acc_insert(a, key, i);
}

static unsigned hist_bucket(uint64_t ns)
{
	int k = ns ? 63 - __builtin_clzll(ns) - 4 : 0;
	return k < 0 ? 0 : k >= CPROF_STATS_HIST ? CPROF_STATS_HIST - 1 : (unsigned)k;
}

/* One item: counted in the first pass, its duration placed in the second. */
static inline int acc_item(struct acc *a, uint32_t key, uint64_t ns)
{
	struct group *g;

	if (a->placing) {
		if (ns == UNENDED)
			return 0;
		g = acc_group(a, key);
		if (g->narrow)
			a->durs32[g->fill++] = (uint32_t)ns;
		else
			a->durs64[g->fill++] = ns;
		return 0;
	}
	g = acc_group(a, key);
	if (!g)
		return -1;
	if (ns == UNENDED) {
		g->d.unended++;
		return 0;
	}
	g->d.count++;
	g->d.total_ns += ns;
	g->d.hist[hist_bucket(ns)]++;
	if (ns > g->d.max_ns)
		g->d.max_ns = ns;
	return 0;
}

/* Regions beginning in [from, to) (relative ns); a `to` at or past the
 * trace's end takes its last instant too. */
static int feed_regions(const struct src *s, struct acc *a)
{
	const struct cprof_model *m = s->m;
	uint64_t span = m->end_ns > m->begin_ns ? m->end_ns - m->begin_ns : 1;
	size_t i = 0, past = m->regions.n;

	if (a->placing) {
		i = a->first;
		past = a->past;
	} else {
		a->first = past; /* none taken yet */
	}
	for (; i < past; i++) {
		const struct cprof_region *r = &m->regions.v[i];
		uint64_t d = dur_in(s->win, r->begin_ns, r->end_ns);
		uint64_t b = (r->begin_ns < s->win ? s->win : r->begin_ns) - m->begin_ns;
		if (d == BEFORE_WINDOW || b < s->from ||
		    (b > s->to || (b == s->to && s->to < span)))
			continue;
		if (!a->placing) {
			if (a->first == m->regions.n)
				a->first = i;
			a->past = i + 1;
		}
		if (acc_item(a, r->type, d))
			return -1;
	}
	return 0;
}

/* Every item of `s` through acc_item(). */
static int feed(const struct src *s, struct acc *a)
{
	const struct cprof_model *m = s->m;
	bool by_stack = s->kind == SRC_WAIT_STACKS || s->kind == SRC_CALL_STACKS;
	uint64_t d;
	int rc = 0;

	switch (s->kind) {
	case SRC_TASKS:
		for (size_t i = 0; i < m->tasks.n && !rc; i++) {
			const struct cprof_task *t = &m->tasks.v[i];
			if ((d = dur_in(s->win, t->begin_ns, t->end_ns)) != BEFORE_WINDOW)
				rc = acc_item(a, t->type, d);
		}
		break;
	case SRC_REGIONS:
		rc = feed_regions(s, a);
		break;
	case SRC_LOGS:
		for (size_t i = 0; i < m->logs.n && !rc; i++)
			if (m->logs.v[i].ns >= s->win)
				rc = acc_item(a, m->logs.v[i].category, 0);
		break;
	case SRC_WAIT_KINDS:
	case SRC_WAIT_STACKS:
		for (size_t i = 0; i < m->waits.n && !rc; i++) {
			const struct cprof_wait *w = &m->waits.v[i];
			if ((d = dur_in(s->win, w->begin_ns, w->end_ns)) != BEFORE_WINDOW)
				rc = acc_item(a, by_stack ? w->stack : w->kind, d);
		}
		break;
	case SRC_CALLS:
	case SRC_CALL_STACKS:
		for (size_t i = 0; i < m->syscalls.n && !rc; i++) {
			const struct cprof_syscall *c = &m->syscalls.v[i];
			if ((d = dur_in(s->win, c->begin_ns, c->end_ns)) != BEFORE_WINDOW)
				rc = acc_item(a, by_stack ? c->stack : c->call, d);
		}
		break;
	}
	return rc;
}

/* The first pass: items of `s` grouped in `a`, which the caller releases
 * with acc_fini() either way. */
static int acc_count(struct acc *a, const struct src *s)
{
	memset(a, 0, sizeof(*a));
	a->last = SIZE_MAX;
	if (acc_rehash(a, 64))
		return -1;
	return feed(s, a);
}

/* The first pass, and room for a result of `size` bytes per group in *out
 * (NULL when no group); the caller frees *out, and `a` either way. */
static int acc_count_into(struct acc *a, const struct src *s, size_t size, void **out)
{
	*out = NULL;
	if (acc_count(a, s))
		return -1;
	if (a->groups.n && !(*out = malloc(a->groups.n * size)))
		return -1;
	return 0;
}

/*
 * Room for the durations: 200 MB for 50M regions, written once in the
 * second pass. In 4 KiB pages each first write is a fault (about 3 us
 * under this hypervisor: a third of the pass); advised for transparent
 * huge pages they fault 2 MiB at a time.
 */
static void *durations_alloc(size_t n, size_t size)
{
	const uintptr_t huge = (uintptr_t)2 << 20;
	size_t bytes = (n ? n : 1) * size;
	void *v = malloc(bytes);
	uintptr_t a = ((uintptr_t)v + huge - 1) & ~(huge - 1),
		  e = ((uintptr_t)v + bytes) & ~(huge - 1);

	if (v && e > a)
		madvise((void *)a, e - a, MADV_HUGEPAGE);
	return v;
}

/* The second pass: each group's ended durations side by side in
 * a->durs32 or durs64, the group's at [fill - count, fill). */
static int acc_place(struct acc *a, const struct src *s)
{
	size_t n32 = 0, n64 = 0;

	for (size_t g = 0; g < a->groups.n; g++) {
		struct group *gr = &a->groups.v[g];
		gr->narrow = gr->d.max_ns <= UINT32_MAX;
		gr->fill = gr->narrow ? n32 : n64;
		*(gr->narrow ? &n32 : &n64) += gr->d.count;
	}
	a->durs32 = durations_alloc(n32, sizeof(*a->durs32));
	a->durs64 = durations_alloc(n64, sizeof(*a->durs64));
	if (!a->durs32 || !a->durs64)
		return -1;
	a->placing = true;
	return feed(s, a);
}

static uint64_t rand_next(uint64_t *state)
{
	/* xorshift64: pivots need only be unpredictable to the data. */
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

static uint64_t median3(uint64_t a, uint64_t b, uint64_t c)
{
	if (a > b) {
		uint64_t t = a;
		a = b;
		b = t;
	}
	return c <= a ? a : c >= b ? b : c;
}

/* Index of the nearest rank: the smallest value with at least p% of
 * values at or below it. */
static size_t rank_index(uint64_t n, unsigned p)
{
	uint64_t rank = (n * p + 99) / 100;
	return rank < 1 ? 0 : (size_t)(rank - 1);
}

/*
 * select_T(v, n, k) moves the value of rank k (from 0) of v[0, n) to v[k],
 * those at or below it before, those at or above after: Hoare's FIND, which
 * splits runs of equal values evenly (so duplicates cost no more than
 * distinct values), with a median of three random elements as pivot: O(n)
 * expected. Past a generous number of rounds the rest is sorted, so that
 * no input makes it quadratic.
 *
 * percentiles_T() sets p50, p90 and p99 of the group's d->count durations
 * v[0, count), reordered. Each selection leaves the larger values to its
 * right, where the next, higher rank is: the median is selected on all,
 * p90 on the upper half, p99 on the upper tenth (about 5n comparisons,
 * against 8n from p99 down).
 */
#define DEFINE_SELECT(T)                                                                           \
	static int cmp_##T(const void *a, const void *b)                                           \
	{                                                                                          \
		T x = *(const T *)a, y = *(const T *)b;                                            \
		return x < y ? -1 : x > y;                                                         \
	}                                                                                          \
                                                                                                   \
	static void select_##T(T *v, size_t n, size_t k, uint64_t *seed)                           \
	{                                                                                          \
		ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;                        \
		unsigned rounds = 0, most = n ? 4 * (64 - __builtin_clzll(n)) + 16 : 0;            \
                                                                                                   \
		while (lo < hi) {                                                                  \
			size_t len = (size_t)(hi - lo + 1);                                        \
			if (len < 16 || ++rounds > most) {                                         \
				qsort(v + lo, len, sizeof(*v), cmp_##T);                           \
				return;                                                            \
			}                                                                          \
			T pivot = (T)median3(v[lo + (ptrdiff_t)(rand_next(seed) % len)],           \
					     v[lo + (ptrdiff_t)(rand_next(seed) % len)],           \
					     v[lo + (ptrdiff_t)(rand_next(seed) % len)]);          \
			ptrdiff_t i = lo, j = hi;                                                  \
			while (i <= j) {                                                           \
				while (v[i] < pivot)                                               \
					i++;                                                       \
				while (v[j] > pivot)                                               \
					j--;                                                       \
				if (i <= j) {                                                      \
					T t = v[i];                                                \
					v[i++] = v[j];                                             \
					v[j--] = t;                                                \
				}                                                                  \
			}                                                                          \
			if (kk <= j)                                                               \
				hi = j;                                                            \
			else if (kk >= i)                                                          \
				lo = i;                                                            \
			else                                                                       \
				return;                                                            \
		}                                                                                  \
	}                                                                                          \
                                                                                                   \
	static void percentiles_##T(T *v, struct cprof_stats_dist *d, uint64_t *seed)              \
	{                                                                                          \
		size_t n = d->count, k50 = rank_index(n, 50), k90 = rank_index(n, 90),             \
		       k99 = rank_index(n, 99);                                                    \
                                                                                                   \
		if (!n)                                                                            \
			return;                                                                    \
		select_##T(v, n, k50, seed);                                                       \
		select_##T(v + k50, n - k50, k90 - k50, seed);                                     \
		select_##T(v + k90, n - k90, k99 - k90, seed);                                     \
		d->p50_ns = v[k50];                                                                \
		d->p90_ns = v[k90];                                                                \
		d->p99_ns = v[k99];                                                                \
	}

DEFINE_SELECT(uint32_t)
DEFINE_SELECT(uint64_t)

/* Of distributions and of counts alike, which both begin with their key. */
_Static_assert(offsetof(struct cprof_stats_dist, key) == 0, "key first");
_Static_assert(offsetof(struct cprof_stats_count, key) == 0, "key first");

static int key_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int name_cmp(const void *a, const void *b, void *model)
{
	return strcmp(cprof_model_str(model, *(const uint32_t *)a),
		      cprof_model_str(model, *(const uint32_t *)b));
}

/* Distributions of the items of `s` by key, in key order, or in name order
 * when `by_name` (from key order, so that equal names keep it). */
#define build_dists(src, out, by_name)                                                             \
	build_dists_((src), (void **)&(out)->v, &(out)->n, &(out)->cap, (by_name))

static int build_dists_(const struct src *s, void **v, size_t *vn, size_t *vcap, bool by_name)
{
	struct cprof_stats_dist *out;
	uint64_t seed = 0x2545F4914F6CDD1Dull;
	struct acc a;

	if (acc_count_into(&a, s, sizeof(*out), (void **)&out) || acc_place(&a, s)) {
		acc_fini(&a);
		free(out);
		return -1;
	}
	for (size_t g = 0; g < a.groups.n; g++) {
		struct group *gr = &a.groups.v[g];
		if (gr->narrow)
			percentiles_uint32_t(a.durs32 + gr->fill - gr->d.count, &gr->d, &seed);
		else
			percentiles_uint64_t(a.durs64 + gr->fill - gr->d.count, &gr->d, &seed);
		out[g] = gr->d;
	}
	if (out) {
		qsort(out, a.groups.n, sizeof(*out), key_cmp);
		if (by_name)
			qsort_r(out, a.groups.n, sizeof(*out), name_cmp, (void *)s->m);
	}
	*v = out;
	*vn = *vcap = a.groups.n;
	acc_fini(&a);
	return 0;
}

/* Log counts by category, in name order. */
static int count_logs(const struct cprof_model *m, struct cprof_stats *st)
{
	struct src s = {m, SRC_LOGS, 0, 0, cprof_snapwin_from(m)};
	struct cprof_stats_count *out;
	struct acc a;

	if (acc_count_into(&a, &s, sizeof(*out), (void **)&out)) {
		acc_fini(&a);
		return -1;
	}
	for (size_t g = 0; g < a.groups.n; g++)
		out[g] = (struct cprof_stats_count){a.groups.v[g].d.key, a.groups.v[g].d.count};
	if (out) {
		qsort(out, a.groups.n, sizeof(*out), key_cmp);
		qsort_r(out, a.groups.n, sizeof(*out), name_cmp, (void *)m);
	}
	st->logs.v = out;
	st->logs.n = st->logs.cap = a.groups.n;
	acc_fini(&a);
	return 0;
}

static int stack_delay_cmp(const void *a, const void *b)
{
	const struct cprof_stats_stack *x = a, *y = b;
	if (x->delay_ns != y->delay_ns)
		return x->delay_ns > y->delay_ns ? -1 : 1;
	return x->stack < y->stack ? -1 : x->stack > y->stack;
}

/* The CPROF_STATS_TOP stacks of the items of `s` with the most delay. */
#define build_top(src, out) build_top_((src), (void **)&(out)->v, &(out)->n, &(out)->cap)

static int build_top_(const struct src *s, void **v, size_t *vn, size_t *vcap)
{
	struct cprof_stats_stack *out;
	struct acc a;

	if (acc_count_into(&a, s, sizeof(*out), (void **)&out)) {
		acc_fini(&a);
		return -1;
	}
	for (size_t g = 0; g < a.groups.n; g++) {
		const struct cprof_stats_dist *d = &a.groups.v[g].d;
		out[g] = (struct cprof_stats_stack){d->key, d->count, d->total_ns};
	}
	if (out)
		qsort(out, a.groups.n, sizeof(*out), stack_delay_cmp);
	*v = out;
	*vcap = a.groups.n;
	*vn = a.groups.n > CPROF_STATS_TOP ? CPROF_STATS_TOP : a.groups.n;
	acc_fini(&a);
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

enum cprof_stats_status cprof_stats_regions(const struct cprof_model *m, uint64_t from_ns,
					    uint64_t to_ns, struct cprof_stats_dist **out,
					    size_t *nout)
{
	struct src s = {m, SRC_REGIONS, from_ns, to_ns, cprof_snapwin_from(m)};
	struct {
		struct cprof_stats_dist *v;
		size_t n, cap;
	} dists = {NULL, 0, 0};

	if (build_dists(&s, &dists, true))
		return CPROF_STATS_NO_MEMORY;
	*out = dists.v;
	*nout = dists.n;
	return CPROF_STATS_OK;
}

enum cprof_stats_status cprof_stats_compute(const struct cprof_model *m, struct cprof_stats *s)
{
	uint64_t w = cprof_snapwin_from(m);
	struct src tasks = {m, SRC_TASKS, 0, 0, w}, regions = {m, SRC_REGIONS, 0, UINT64_MAX, w},
		   wait_kinds = {m, SRC_WAIT_KINDS, 0, 0, w},
		   wait_stacks = {m, SRC_WAIT_STACKS, 0, 0, w}, calls = {m, SRC_CALLS, 0, 0, w},
		   call_stacks = {m, SRC_CALL_STACKS, 0, 0, w};

	memset(s, 0, sizeof(*s));
	s->duration_ns = m->end_ns > m->begin_ns ? m->end_ns - m->begin_ns : 0;
	s->window_ns = w;
	count_window(m, w, &s->window);
	if (build_dists(&tasks, &s->tasks, true) || build_dists(&regions, &s->regions, true) ||
	    count_logs(m, s))
		goto error;

	for (size_t i = 0; i < m->waits.n; i++) {
		const struct cprof_wait *wt = &m->waits.v[i];
		uint64_t d = dur_in(w, wt->begin_ns, wt->end_ns);
		if (d != UNENDED && d != BEFORE_WINDOW) {
			s->sync_contentions++;
			s->sync_delay_ns += d;
		}
	}
	if (build_dists(&wait_kinds, &s->sync_kinds, false) ||
	    build_top(&wait_stacks, &s->sync_top))
		goto error;

	for (size_t i = 0; i < m->syscalls.n; i++) {
		uint64_t d = dur_in(w, m->syscalls.v[i].begin_ns, m->syscalls.v[i].end_ns);
		if (d == BEFORE_WINDOW)
			continue;
		s->syscall_count++;
		s->syscall_ns += d == UNENDED ? 0 : d;
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
