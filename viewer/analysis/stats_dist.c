/*
 * Distributions of the model's items by key (see stats_dist.h), exact
 * nearest-rank percentiles without sorting, or copying, every duration.
 *
 * The first pass groups the items by key (a direct table for small keys,
 * which types, categories and kinds are; a hash for the rest) and sums
 * each group's count, total, max and a fine histogram: one bucket per
 * nanosecond below 2 * SUB ns, SUB buckets per power of two above. Walking
 * the histogram finds the bucket that holds each rank and how many items
 * lie below it. A bucket one nanosecond wide is the percentile; for the
 * others a second pass keeps only the durations falling in those buckets
 * (a few percent of them) and the exact value is selected among them.
 * Copying every duration instead wrote 200 MB for 50M regions, in fresh
 * memory that this hypervisor faults in page by page, and selected in all
 * of it. With many items both passes are split over the CPUs: each thread
 * groups its part of the items, the groups are merged, and in the second
 * pass each thread writes its part of a bucket's durations at its own
 * offset (the model is only read).
 */
#include "stats_dist.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SUB_BITS 6
#define SUB (1u << SUB_BITS)
#define NFINE ((65 - SUB_BITS) * SUB)
#define NOCT (NFINE / SUB) /* bucket b is in "octave" b / SUB (two for the 1 ns ones) */
#define DIRECT 4096	   /* keys below: a direct table */
#define MAX_THREADS 8

size_t cprof_stats_split_min = (size_t)1 << 20;
unsigned cprof_stats_max_threads;

/* Bucket of `ns`: ns itself below 2 * SUB, else SUB per power of two
 * (the bucket of ns is below that of any larger value). */
static inline unsigned fine_bucket(uint64_t ns)
{
	unsigned e = ns ? 63 - (unsigned)__builtin_clzll(ns) : 0;
	unsigned shift = e > SUB_BITS ? e - SUB_BITS : 0;
	return shift * SUB + (unsigned)(ns >> shift);
}

/* log2 of the width of bucket b, and its lowest value. */
static unsigned fine_shift(unsigned b)
{
	return b < 2 * SUB ? 0 : b / SUB - 1;
}

static uint64_t fine_low(unsigned b)
{
	unsigned s = fine_shift(b);
	return (uint64_t)(b - s * SUB) << s;
}

static unsigned hist_bucket(uint64_t ns)
{
	int k = ns ? 63 - __builtin_clzll(ns) - 4 : 0;
	return k < 0 ? 0 : k >= CPROF_STATS_HIST ? CPROF_STATS_HIST - 1 : (unsigned)k;
}

struct group {
	struct cprof_stats_dist d;
	/* NFINE counts of the ended durations (distributions only), SUB by SUB
	 * as they are met: a trace of thousands of types of region would
	 * otherwise take 30 KB each, mostly zeros */
	uint64_t **fine;
	/* The second pass: the distinct buckets of the ranks that are not
	 * exact, and where the durations falling in them go. */
	unsigned ntb, tb[3];
	uint64_t *cand[3];
	size_t ncand[3];
	/* p50, p90, p99 still to select: index in tb (3: known), rank there */
	unsigned want[3];
	uint64_t rank[3];
};

/* One thread's groups of items by key. */
struct acc {
	CPROF_VEC(struct group) groups;
	uint32_t direct[DIRECT]; /* key < DIRECT: group index + 1, 0: none */
	uint32_t *slots;	 /* other keys: open addressing, group index + 1 */
	size_t mask;
	uint32_t last_key;
	size_t last; /* group of last_key (a hashed key), SIZE_MAX: none */
	bool fine;   /* groups keep fine histograms */
	bool placing;
	/* Regions: the first and past the last taken by the first pass, all
	 * the second looks at (a window's regions are a run of the array). */
	size_t first, past;
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
		if (a->groups.v[g].d.key < DIRECT)
			continue;
		size_t i = key_hash(a->groups.v[g].d.key) & a->mask;
		while (slots[i])
			i = (i + 1) & a->mask;
		slots[i] = (uint32_t)g + 1;
	}
	return 0;
}

/* The group of `key`, or NULL; *at: the free slot where it would go. */
static inline struct group *acc_find(struct acc *a, uint32_t key, size_t *at)
{
	size_t i;

	if (key < DIRECT)
		return a->direct[key] ? &a->groups.v[a->direct[key] - 1] : NULL;
	if (a->last != SIZE_MAX && a->last_key == key)
		return &a->groups.v[a->last];
	if (!a->slots && acc_rehash(a, 64))
		return NULL;
	for (i = key_hash(key) & a->mask; a->slots[i]; i = (i + 1) & a->mask)
		if (a->groups.v[a->slots[i] - 1].d.key == key) {
			a->last_key = key;
			a->last = a->slots[i] - 1;
			return &a->groups.v[a->last];
		}
	*at = i;
	return NULL;
}

/* A new group for `key` (acc_find() gave `i`); NULL: out of memory. */
static struct group *acc_insert(struct acc *a, uint32_t key, size_t i)
{
	struct group *g;
	uint64_t **fine = NULL;

	if (key >= DIRECT) {
		if (!a->slots)
			return NULL;
		/* At most half full, so that probes stay short. */
		if ((a->groups.n + 1) * 2 > a->mask + 1) {
			if (acc_rehash(a, (a->mask + 1) * 2))
				return NULL;
			for (i = key_hash(key) & a->mask; a->slots[i]; i = (i + 1) & a->mask)
				;
		}
	}
	if (a->fine && !(fine = calloc(NOCT, sizeof(*fine))))
		return NULL;
	if (!(g = cprof_vec_push(&a->groups))) {
		free(fine);
		return NULL;
	}
	g->d.key = key;
	g->fine = fine;
	if (key < DIRECT)
		a->direct[key] = (uint32_t)a->groups.n;
	else
		a->slots[i] = (uint32_t)a->groups.n;
	return g;
}

/* The group of `key`, created when new; NULL: out of memory. */
static inline struct group *acc_group(struct acc *a, uint32_t key)
{
	size_t i = 0;
	struct group *g = acc_find(a, key, &i);

	return g ? g : acc_insert(a, key, i);
}

static inline uint64_t fine_count(const struct group *g, unsigned b)
{
	const uint64_t *o = g->fine[b / SUB];
	return o ? o[b % SUB] : 0;
}

/* The counter of bucket b; NULL: out of memory. */
static inline uint64_t *fine_slot(struct group *g, unsigned b)
{
	uint64_t **o = &g->fine[b / SUB];

	if (!*o && !(*o = calloc(SUB, sizeof(**o))))
		return NULL;
	return *o + b % SUB;
}

/* One item: counted in the first pass, its duration kept in the second
 * when it falls in a bucket of a rank. */
static inline int acc_item(struct acc *a, uint32_t key, uint64_t ns)
{
	struct group *g = acc_group(a, key);

	if (!g)
		return -1;
	if (a->placing) {
		if (ns != SD_UNENDED && g->ntb) {
			unsigned b = fine_bucket(ns);
			for (unsigned j = 0; j < g->ntb; j++)
				if (b == g->tb[j]) {
					g->cand[j][g->ncand[j]++] = ns;
					break;
				}
		}
		return 0;
	}
	if (ns == SD_UNENDED) {
		g->d.unended++;
		return 0;
	}
	g->d.count++;
	g->d.total_ns += ns;
	if (ns > g->d.max_ns)
		g->d.max_ns = ns;
	if (g->fine) {
		uint64_t *c = fine_slot(g, fine_bucket(ns));
		if (!c)
			return -1;
		(*c)++;
	}
	return 0;
}

/* Whether the caller gave up on `s` (read every STOP_EVERY items: a
 * relaxed load there costs nothing measurable, and a region is a few
 * nanoseconds, so that a stop takes effect within a millisecond). */
#define STOP_EVERY 65536

static inline bool stopped(const struct sd_src *s)
{
	return s->stop && atomic_load_explicit(s->stop, memory_order_relaxed);
}

/* Regions [lo, hi) beginning in [from, to) (relative ns); a `to` at or
 * past the trace's end takes its last instant too. */
static int feed_regions(const struct sd_src *s, struct acc *a, size_t lo, size_t hi)
{
	const struct cprof_model *m = s->m;
	const struct cprof_region *v = m->regions.v;
	uint64_t span = m->end_ns > m->begin_ns ? m->end_ns - m->begin_ns : 1;
	bool none = true;

	if (a->placing) {
		lo = a->first;
		hi = a->past;
	} else {
		a->first = a->past = lo;
	}
	if (!s->win && !s->from && s->to == UINT64_MAX) {
		/* all of them: the common case, without the tests */
		for (size_t i = lo; i < hi; i++) {
			uint64_t b = v[i].begin_ns, e = v[i].end_ns;
			if ((i % STOP_EVERY == 0 && stopped(s)) || acc_item(a, v[i].type,
									    !e	    ? SD_UNENDED
									    : e > b ? e - b
										    : 0))
				return -1;
		}
		a->past = hi;
		return 0;
	}
	for (size_t i = lo; i < hi; i++) {
		uint64_t d = sd_dur_in(s->win, v[i].begin_ns, v[i].end_ns);
		if (i % STOP_EVERY == 0 && stopped(s))
			return -1;
		uint64_t b = (v[i].begin_ns < s->win ? s->win : v[i].begin_ns) - m->begin_ns;
		if (d == SD_BEFORE_WINDOW || b < s->from ||
		    (b > s->to || (b == s->to && s->to < span)))
			continue;
		if (!a->placing) {
			if (none)
				a->first = i;
			none = false;
			a->past = i + 1;
		}
		if (acc_item(a, v[i].type, d))
			return -1;
	}
	return 0;
}

/* Items [lo, hi) of `s` through acc_item(). */
static int feed(const struct sd_src *s, struct acc *a, size_t lo, size_t hi)
{
	const struct cprof_model *m = s->m;
	bool by_stack = s->kind == SD_WAIT_STACKS || s->kind == SD_CALL_STACKS;
	uint64_t d;
	int rc = 0;

	switch (s->kind) {
	case SD_TASKS:
		for (size_t i = lo; i < hi && !rc; i++) {
			const struct cprof_task *t = &m->tasks.v[i];
			if ((d = sd_dur_in(s->win, t->begin_ns, t->end_ns)) != SD_BEFORE_WINDOW)
				rc = acc_item(a, t->type, d);
		}
		break;
	case SD_REGIONS:
		rc = feed_regions(s, a, lo, hi);
		break;
	case SD_LOGS:
		for (size_t i = lo; i < hi && !rc; i++)
			if (m->logs.v[i].ns >= s->win)
				rc = acc_item(a, m->logs.v[i].category, 0);
		break;
	case SD_WAIT_KINDS:
	case SD_WAIT_STACKS:
		for (size_t i = lo; i < hi && !rc; i++) {
			const struct cprof_wait *w = &m->waits.v[i];
			if ((d = sd_dur_in(s->win, w->begin_ns, w->end_ns)) != SD_BEFORE_WINDOW)
				rc = acc_item(a, by_stack ? w->stack : w->kind, d);
		}
		break;
	case SD_CALLS:
	case SD_CALL_STACKS:
		for (size_t i = lo; i < hi && !rc; i++) {
			const struct cprof_syscall *c = &m->syscalls.v[i];
			if ((d = sd_dur_in(s->win, c->begin_ns, c->end_ns)) != SD_BEFORE_WINDOW)
				rc = acc_item(a, by_stack ? c->stack : c->call, d);
		}
		break;
	}
	return rc;
}

static size_t src_len(const struct sd_src *s)
{
	switch (s->kind) {
	case SD_TASKS:
		return s->m->tasks.n;
	case SD_REGIONS:
		return s->m->regions.n;
	case SD_LOGS:
		return s->m->logs.n;
	case SD_WAIT_KINDS:
	case SD_WAIT_STACKS:
		return s->m->waits.n;
	default:
		return s->m->syscalls.n;
	}
}

/* The threads of one distribution: job t feeds items [lo, hi) into its
 * own accs[t]; after the first pass accs[0] holds every group. */
struct job {
	const struct sd_src *s;
	struct acc *a;
	size_t lo, hi;
	int rc;
};

struct run {
	struct job jobs[MAX_THREADS];
	struct acc *accs;
	unsigned n;
};

static void *run_job(void *arg)
{
	struct job *j = arg;

	j->rc = feed(j->s, j->a, j->lo, j->hi);
	return NULL;
}

/* Every job, all but the first in threads of their own (in this one when
 * a thread cannot be started). */
static int run_jobs(struct run *r)
{
	pthread_t th[MAX_THREADS];
	bool started[MAX_THREADS] = {false};
	int rc = 0;

	for (unsigned t = 1; t < r->n; t++)
		started[t] = !pthread_create(&th[t], NULL, run_job, &r->jobs[t]);
	for (unsigned t = 0; t < r->n; t++)
		if (!started[t])
			run_job(&r->jobs[t]);
	for (unsigned t = 0; t < r->n; t++) {
		if (started[t])
			pthread_join(th[t], NULL);
		rc |= r->jobs[t].rc;
	}
	return rc ? -1 : 0;
}

static unsigned split_count(size_t n)
{
	long cpus =
	    cprof_stats_max_threads ? (long)cprof_stats_max_threads : sysconf(_SC_NPROCESSORS_ONLN);
	size_t t = cprof_stats_split_min ? n / cprof_stats_split_min : 1;

	if (cpus < 1)
		cpus = 1;
	if (t > (size_t)cpus)
		t = (size_t)cpus;
	return t < 1 ? 1 : t > MAX_THREADS ? MAX_THREADS : (unsigned)t;
}

static void run_fini(struct run *r)
{
	for (unsigned t = 0; r->accs && t < r->n; t++) {
		struct acc *a = &r->accs[t];
		for (size_t g = 0; g < a->groups.n; g++) {
			for (unsigned o = 0; a->groups.v[g].fine && o < NOCT; o++)
				free(a->groups.v[g].fine[o]);
			free(a->groups.v[g].fine);
			/* the others' point into the first's */
			for (unsigned j = 0; !t && j < a->groups.v[g].ntb; j++)
				free(a->groups.v[g].cand[j]);
		}
		cprof_vec_free(&a->groups);
		free(a->slots);
	}
	free(r->accs);
}

/* `from`'s groups added to `into`'s. */
static int acc_merge(struct acc *into, const struct acc *from)
{
	for (size_t i = 0; i < from->groups.n; i++) {
		const struct group *h = &from->groups.v[i];
		struct group *g = acc_group(into, h->d.key);
		if (!g)
			return -1;
		g->d.count += h->d.count;
		g->d.unended += h->d.unended;
		g->d.total_ns += h->d.total_ns;
		if (h->d.max_ns > g->d.max_ns)
			g->d.max_ns = h->d.max_ns;
		for (unsigned b = 0; g->fine && b < NFINE; b++) {
			uint64_t c = fine_count(h, b), *at;
			if (!c)
				continue;
			if (!(at = fine_slot(g, b)))
				return -1;
			*at += c;
		}
	}
	return 0;
}

/* The first pass, split over threads, merged into r->accs[0]; the caller
 * releases `r` with run_fini() either way. */
static int pass_count(struct run *r, const struct sd_src *s, bool fine)
{
	size_t len = src_len(s);

	r->n = split_count(len);
	if (!(r->accs = calloc(r->n, sizeof(*r->accs))))
		return -1;
	for (unsigned t = 0; t < r->n; t++) {
		r->accs[t].last = SIZE_MAX;
		r->accs[t].fine = fine;
		r->jobs[t] = (struct job){s, &r->accs[t], len * t / r->n, len * (t + 1) / r->n, 0};
	}
	if (run_jobs(r))
		return -1;
	for (unsigned t = 1; t < r->n; t++)
		if (acc_merge(&r->accs[0], &r->accs[t]))
			return -1;
	return 0;
}

/* Index of the nearest rank: the smallest value with at least p% of
 * values at or below it. */
static uint64_t rank_index(uint64_t n, unsigned p)
{
	uint64_t rank = (n * p + 99) / 100;
	return rank < 1 ? 0 : rank - 1;
}

/*
 * The coarse histogram of group g, and the fine buckets of its p50, p90
 * and p99: a bucket one nanosecond wide gives the percentile, the others
 * go to g->tb (each once) with the rank to select there, and room for
 * their durations. Returns 1 when a second pass is needed, -1 when out
 * of memory.
 */
static int find_ranks(struct group *g)
{
	static const unsigned pct[3] = {50, 90, 99};
	uint64_t *p[3] = {&g->d.p50_ns, &g->d.p90_ns, &g->d.p99_ns}, k[3], below = 0;
	unsigned j = 0;

	for (unsigned i = 0; i < 3; i++) {
		k[i] = rank_index(g->d.count, pct[i]);
		g->want[i] = 3;
	}
	for (unsigned b = 0; b < NFINE && g->d.count; b++) {
		uint64_t c = fine_count(g, b);
		if (!g->fine[b / SUB])
			b |= SUB - 1; /* none in its octave */
		if (!c)
			continue;
		g->d.hist[hist_bucket(fine_low(b))] += (uint32_t)c;
		for (; j < 3 && k[j] < below + c; j++) {
			if (!fine_shift(b)) {
				*p[j] = b;
				continue;
			}
			if (!g->ntb || g->tb[g->ntb - 1] != b) {
				if (!(g->cand[g->ntb] = malloc(c * sizeof(uint64_t))))
					return -1;
				g->tb[g->ntb++] = b;
			}
			g->want[j] = g->ntb - 1;
			g->rank[j] = k[j] - below;
		}
		below += c;
	}
	return g->ntb > 0;
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

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * The value of rank k (from 0) of v[0, n), moved to v[k], those at or
 * below it before, those at or above after: Hoare's FIND, which splits
 * runs of equal values evenly (so duplicates cost no more than distinct
 * values), with a median of three random elements as pivot: O(n)
 * expected. Past a generous number of rounds the rest is sorted, so that
 * no input makes it quadratic.
 */
static uint64_t select_rank(uint64_t *v, size_t n, size_t k, uint64_t *seed)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;
	unsigned rounds = 0, most = n ? 4 * (64 - __builtin_clzll(n)) + 16 : 0;

	while (lo < hi) {
		size_t len = (size_t)(hi - lo + 1);
		if (len < 16 || ++rounds > most) {
			qsort(v + lo, len, sizeof(*v), u64_cmp);
			break;
		}
		uint64_t pivot = median3(v[lo + (ptrdiff_t)(rand_next(seed) % len)],
					 v[lo + (ptrdiff_t)(rand_next(seed) % len)],
					 v[lo + (ptrdiff_t)(rand_next(seed) % len)]);
		ptrdiff_t i = lo, j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				uint64_t t = v[i];
				v[i++] = v[j];
				v[j--] = t;
			}
		}
		if (kk <= j)
			hi = j;
		else if (kk >= i)
			lo = i;
		else
			break;
	}
	return v[k];
}

/* Each other thread's groups write the durations of the ranks' buckets
 * after those of the threads before it (the first's, at the start). */
static void share_room(struct run *r)
{
	struct acc *a = &r->accs[0];

	for (size_t i = 0; i < a->groups.n; i++) {
		struct group *g = &a->groups.v[i];
		uint64_t off[3];
		for (unsigned j = 0; j < g->ntb; j++)
			off[j] = fine_count(g, g->tb[j]);
		for (unsigned t = r->n; t-- > 1;) {
			size_t at = 0;
			struct group *h = acc_find(&r->accs[t], g->d.key, &at);
			if (!h)
				continue;
			h->ntb = g->ntb;
			for (unsigned j = 0; j < g->ntb; j++) {
				h->tb[j] = g->tb[j];
				off[j] -= fine_count(h, g->tb[j]);
				h->cand[j] = g->cand[j] + off[j];
			}
		}
	}
}

/* The percentiles still to select, after the second pass. */
static void select_ranks(struct group *g, uint64_t *seed)
{
	uint64_t *p[3] = {&g->d.p50_ns, &g->d.p90_ns, &g->d.p99_ns};

	for (unsigned j = 0; j < 3; j++)
		if (g->want[j] < 3) {
			unsigned t = g->want[j];
			*p[j] = select_rank(g->cand[t], fine_count(g, g->tb[t]), g->rank[j], seed);
		}
}

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

int sd_dists(const struct sd_src *s, bool by_name, struct cprof_stats_dist **out, size_t *n)
{
	struct run r = {.accs = NULL};
	uint64_t seed = 0x2545F4914F6CDD1Dull;
	struct acc *a;
	bool place = false;
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (pass_count(&r, s, true))
		goto end;
	a = &r.accs[0];
	for (size_t g = 0; g < a->groups.n; g++) {
		int need = find_ranks(&a->groups.v[g]);
		if (need < 0)
			goto end;
		place |= need;
	}
	if (place) {
		share_room(&r);
		for (unsigned t = 0; t < r.n; t++)
			r.accs[t].placing = true;
		if (run_jobs(&r))
			goto end;
	}
	if (a->groups.n && !(*out = malloc(a->groups.n * sizeof(**out))))
		goto end;
	for (size_t g = 0; g < a->groups.n; g++) {
		select_ranks(&a->groups.v[g], &seed);
		(*out)[g] = a->groups.v[g].d;
	}
	if (*out) {
		qsort(*out, a->groups.n, sizeof(**out), key_cmp);
		if (by_name)
			qsort_r(*out, a->groups.n, sizeof(**out), name_cmp, (void *)s->m);
	}
	*n = a->groups.n;
	rc = 0;
end:
	run_fini(&r);
	return rc;
}

/* The first pass of `s` without histograms, and room for a result of
 * `size` bytes per group in *out (NULL when no group); NULL when out of
 * memory (*out freed). The caller releases `r` with run_fini(). */
static struct acc *groups_into(struct run *r, const struct sd_src *s, size_t size, void **out)
{
	*out = NULL;
	if (pass_count(r, s, false))
		return NULL;
	if (r->accs[0].groups.n && !(*out = malloc(r->accs[0].groups.n * size)))
		return NULL;
	return &r->accs[0];
}

int sd_counts(const struct sd_src *s, struct cprof_stats_count **out, size_t *n)
{
	struct run r = {.accs = NULL};
	struct acc *a = groups_into(&r, s, sizeof(**out), (void **)out);

	*n = a ? a->groups.n : 0;
	for (size_t g = 0; g < *n; g++)
		(*out)[g] =
		    (struct cprof_stats_count){a->groups.v[g].d.key, a->groups.v[g].d.count};
	if (*n) {
		qsort(*out, *n, sizeof(**out), key_cmp);
		qsort_r(*out, *n, sizeof(**out), name_cmp, (void *)s->m);
	}
	run_fini(&r);
	return a ? 0 : -1;
}

static int stack_delay_cmp(const void *a, const void *b)
{
	const struct cprof_stats_stack *x = a, *y = b;
	if (x->delay_ns != y->delay_ns)
		return x->delay_ns > y->delay_ns ? -1 : 1;
	return x->stack < y->stack ? -1 : x->stack > y->stack;
}

/* Stacks are interned per process: the same code path in processes of one
 * executable forked from one another (postgres's backends, nginx's
 * workers) has the same addresses under as many stack ids. Ordered by
 * process name, then frames, so that those are neighbours. */
static int stack_code_cmp(const void *a, const void *b, void *arg)
{
	const struct cprof_model *m = arg;
	const struct cprof_stats_stack *x = a, *y = b;
	const struct cprof_stack *sx, *sy;
	cprof_str px, py;

	bool kx = x->stack && x->stack < m->stacks.n, ky = y->stack && y->stack < m->stacks.n;

	if (!kx || !ky) {
		/* the empty stack first, then stacks the model has (below),
		 * then ids it has none for (the analyses take any ids) */
		int rx = !x->stack ? 0 : kx ? 1 : 2, ry = !y->stack ? 0 : ky ? 1 : 2;

		if (rx != ry)
			return rx < ry ? -1 : 1;
		return x->stack < y->stack ? -1 : x->stack > y->stack;
	}
	sx = &m->stacks.v[x->stack];
	sy = &m->stacks.v[y->stack];
	px = m->processes.v[sx->process].name;
	py = m->processes.v[sy->process].name;
	if (sx->depth != sy->depth)
		return sx->depth < sy->depth ? -1 : 1;
	if (px != py)
		return px < py ? -1 : 1;
	for (uint16_t k = 0; k < sx->depth; k++) {
		uint64_t fx = m->frames.v[sx->first + k], fy = m->frames.v[sy->first + k];
		if (fx != fy)
			return fx < fy ? -1 : 1;
	}
	return 0;
}

/* One entry per code path: stacks of processes of one name with the same
 * frames add up (the top listed four backends' commit wait four times,
 * each with a quarter of the delay). */
static size_t merge_same_code(const struct cprof_model *m, struct cprof_stats_stack *v, size_t n)
{
	size_t k = 0;

	qsort_r(v, n, sizeof(*v), stack_code_cmp, (void *)m);
	for (size_t i = 0; i < n; i++) {
		if (k && stack_code_cmp(&v[k - 1], &v[i], (void *)m) == 0) {
			v[k - 1].count += v[i].count;
			v[k - 1].delay_ns += v[i].delay_ns;
			if (v[i].stack < v[k - 1].stack)
				v[k - 1].stack = v[i].stack;
			continue;
		}
		v[k++] = v[i];
	}
	return k;
}

int sd_stacks(const struct sd_src *s, struct cprof_stats_stack **out, size_t *n)
{
	struct run r = {.accs = NULL};
	struct acc *a = groups_into(&r, s, sizeof(**out), (void **)out);

	*n = a ? a->groups.n : 0;
	for (size_t g = 0; g < *n; g++) {
		const struct cprof_stats_dist *d = &a->groups.v[g].d;
		(*out)[g] = (struct cprof_stats_stack){d->key, d->count, d->total_ns};
	}
	if (*n)
		*n = merge_same_code(s->m, *out, *n);
	if (*n)
		qsort(*out, *n, sizeof(**out), stack_delay_cmp);
	run_fini(&r);
	return a ? 0 : -1;
}
