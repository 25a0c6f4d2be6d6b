/*
 * The same region loop as bench-api.c, compiled against the header's
 * out-of-line API (CPROF_TRACE_NO_INLINE): every begin and end is a call
 * into libcprof-trace, as before the inline fast path. bench-api measures
 * both in the same run so the inline path's gain is a ratio, not a figure
 * from another day on a shared machine.
 */
#define CPROF_TRACE_NO_INLINE
#include <cprof/trace.h>

#include <time.h>

double bench_region_pairs_call(cprof_task *task, long n);

double bench_region_pairs_call(cprof_task *task, long n)
{
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		cprof_region r = cprof_region_begin(task, "parse");
		cprof_region_end(&r);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n;
}
