/*
 * bench-stats [N]: region statistics (cprof_stats_compute) on a model of N
 * regions (default 10M) of two types, short durations with rare long
 * ones, as bench-read-gen records, against the way stats computed them
 * before, measured in the same run: (type, duration) pairs sorted with
 * qsort, percentiles read off the sorted runs. Prints both times, their
 * ratio, and checks that both give the same percentiles.
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

/* The sort-based way; returns p99 of `key` (checked against stats). */
static uint64_t sorted_p99(const struct cprof_model *m, uint32_t key, double *secs)
{
	size_t n = m->regions.n, i = 0, j;
	struct pair *p = malloc(n * sizeof(*p));
	double t = now();
	uint64_t p99 = 0;

	if (!p)
		return 0;
	for (size_t k = 0; k < n; k++) {
		const struct cprof_region *r = &m->regions.v[k];
		p[k] = (struct pair){r->type, r->end_ns - r->begin_ns};
	}
	qsort(p, n, sizeof(*p), pair_cmp);
	while (i < n && p[i].key != key)
		i++;
	for (j = i; j < n && p[j].key == key; j++)
		;
	if (j > i)
		p99 = p[i + ((j - i) * 99 + 99) / 100 - 1].ns;
	*secs = now() - t;
	free(p);
	return p99;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000;
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
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		uint64_t d = rng % 1000 ? 10 + rng % 70 : rng % 20000000;
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
		uint64_t p99 = sorted_p99(m, s.regions.v[i].key, &t_old);
		if (p99 != s.regions.v[i].p99_ns) {
			fprintf(stderr, "bench-stats: p99 %" PRIu64 ", sorted %" PRIu64 "\n",
				s.regions.v[i].p99_ns, p99);
			return 1;
		}
	}
	printf(
	    "bench-stats: %zu regions: stats %.3f s CPU, sorting pairs %.3f s CPU: %.1fx faster\n",
	    n, t_new, t_old, t_old / t_new);
	cprof_stats_fini(&s);
	cprof_model_destroy(m);
	return 0;
}
