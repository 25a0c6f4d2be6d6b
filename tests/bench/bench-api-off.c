/*
 * The same region loop as bench-api.c, compiled out (-DCPROF_TRACE_DISABLE):
 * what a build without tracing pays, measured in the same run.
 */
#include <cprof/trace.h>

#include <time.h>

double bench_region_pairs_off(cprof_task *task, long n);

double bench_region_pairs_off(cprof_task *task, long n)
{
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		cprof_region r = cprof_region_begin(task, "parse");
		cprof_region_end(&r);
		__asm__ volatile("" ::: "memory");
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n;
}
