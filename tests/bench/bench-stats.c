/*
 * bench-stats [N]: region statistics (cprof_stats_compute) on models of N
 * regions (default 10M) of two types, against the way stats computed them
 * before, measured in the same run: (type, duration) pairs sorted with
 * qsort, percentiles read off the sorted runs. Two models: short
 * durations with rare long ones, as bench-read-gen records (10-80 ns: a
 * handful of values), and durations spread log-uniformly over 128 ns to
 * 16 ms (all distinct, as a clock finer than the work would give). Prints
 * the times, their ratio, and checks that both ways give the same p50,
 * p90 and p99.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/stats.h"

struct pair {
	uint32_t key;
	uint64_t ns;
};

static int pair_cmp(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->ns < y->ns ? -1 : x->ns > y->ns;
}

/* CPU time of the process: the machine is shared, and waiting for a CPU
 * is no cost of either way. */
static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The sort-based way; sets p50, p90 and p99 of `key` (checked against
 * stats). */
static void sorted_pcts(const struct cprof_model *m, uint32_t key, uint64_t pct[3], double *secs)
{
	static const unsigned pcts[3] = {50, 90, 99};
	size_t n = m->regions.n, i = 0, j;
	struct pair *p = malloc(n * sizeof(*p));
	double t = now();

	pct[0] = pct[1] = pct[2] = 0;
	if (!p)
		return;
	for (size_t k = 0; k < n; k++) {
		const struct cprof_region *r = &m->regions.v[k];
		p[k] = (struct pair){r->type, r->end_ns - r->begin_ns};
	}
	qsort(p, n, sizeof(*p), pair_cmp);
	while (i < n && p[i].key != key)
		i++;
	for (j = i; j < n && p[j].key == key; j++)
		;
	for (unsigned k = 0; k < 3 && j > i; k++)
		pct[k] = p[i + ((j - i) * pcts[k] + 99) / 100 - 1].ns;
	*secs += now() - t;
	free(p);
}

/* One model: stats against sorting; 0 when both agree. */
static int bench(size_t n, bool spread)
{
	struct cprof_model *m = cprof_model_create();
	uint64_t rng = 88172645463325252ull, at = 1000000000;
	struct cprof_stats s;
	cprof_str types[2];
	double t_new, t_old = 0;

	if (!m || !cprof_model_reserve_regions(m, n ? n : 1))
		return 1;
	types[0] = cprof_model_intern(m, "parse", 5);
	types[1] = cprof_model_intern(m, "decode", 6);
	m->begin_ns = at;
	for (size_t i = 0; i < n; i++) {
		struct cprof_region *r = cprof_vec_push(&m->regions);
		uint64_t d;
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		if (spread)
			d = (1ull << (7 + rng % 17)) + (rng >> 8) % (1ull << (7 + rng % 17));
		else
			d = rng % 1000 ? 10 + rng % 70 : rng % 20000000;
		r->type = types[i & 1];
		r->begin_ns = at;
		r->end_ns = at + d;
		at += 20;
	}
	m->end_ns = at;

	t_new = now();
	if (cprof_stats_compute(m, &s) != CPROF_STATS_OK)
		return 1;
	t_new = now() - t_new;
	for (size_t i = 0; i < s.regions.n; i++) {
		const struct cprof_stats_dist *d = &s.regions.v[i];
		uint64_t want[3];
		sorted_pcts(m, d->key, want, &t_old);
		if (want[0] != d->p50_ns || want[1] != d->p90_ns || want[2] != d->p99_ns) {
			fprintf(stderr,
				"bench-stats: p50/p90/p99 %" PRIu64 " %" PRIu64 " %" PRIu64
				", sorted %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
				d->p50_ns, d->p90_ns, d->p99_ns, want[0], want[1], want[2]);
			return 1;
		}
	}
	printf("bench-stats: %zu regions, %s: stats %.3f s CPU, sorting pairs %.3f s CPU: %.1fx "
	       "faster\n",
	       n, spread ? "spread 128 ns-16 ms" : "10-80 ns as bench-read-gen", t_new, t_old,
	       t_old / t_new);
	cprof_stats_fini(&s);
	cprof_model_destroy(m);
	return 0;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000;

	return bench(n, false) || bench(n, true);
}
