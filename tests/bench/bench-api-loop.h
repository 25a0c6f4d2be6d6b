/*
 * The region loop of bench-api, for the files that compile it against
 * another configuration of the header (bench-api-call.c: out of line,
 * bench-api-off.c: compiled out). BENCH_LOOP names the function.
 */
#include <cprof/trace.h>

#include <time.h>

double BENCH_LOOP(cprof_task *task, long n);

double BENCH_LOOP(cprof_task *task, long n)
{
	struct timespec t0, t1;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0); /* as bench-api.c */
	for (long i = 0; i < n; i++) {
		cprof_region r = cprof_region_begin(task, "parse");
		cprof_region_end(&r);
		/* compiled out, the loop would go too */
		__asm__ volatile("" ::: "memory");
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	return ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n;
}
