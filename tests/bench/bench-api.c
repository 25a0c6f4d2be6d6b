/*
 * bench-api: the cost of a region begin/end pair, and of a counter value
 * (cprof_counter) against one raw tracepoint of the same shape.
 *
 *   bench-api off     ns per pair with no session recording, through the
 *                     header's inline fast path and through calls into the
 *                     library (bench-api-call.c), interleaved in rounds,
 *                     and compiled out (bench-api-off.c)
 *   bench-api on      ns per pair and per two raw tracepoints (same int and
 *                     string), interleaved in rounds, while a session
 *                     records both providers; prints the ratio. The pair
 *                     is two records in the thread's batch (tracer/batch.c):
 *                     bounds 25 ns and 1/8 of the two tracepoints.
 *
 * Rounds alternate between the two loops and the medians are compared, so
 * both see the same machine noise. With a session, a round is long (1M
 * pairs, 100k raw pairs: 8 MB of each in the ring buffers), so that what
 * is measured is a hot loop's steady state: rounds of 20k pairs spent half
 * their time in the first writes to fresh ring-buffer pages (page faults,
 * cache misses), for both loops alike, and measured the page faults.
 */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "bench-api-tp.h"

#include <cprof/trace.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#define ROUNDS 15

/* The thread's CPU time: the machine is shared, and a round during which
 * the thread waited for a CPU would otherwise count the wait. */
static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* Two TSC reads per iteration, as a recorded pair takes (one per record):
 * the clock's share of the pair, measured in the same rounds. */
static double tsc_pairs(long n)
{
	uint64_t sum = 0;
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
#if defined(__x86_64__)
		sum += __rdtsc();
		sum += __rdtsc();
#endif
	}
	__asm__ volatile("" : : "r"(sum));
	return (now_ns() - t0) / (double)n;
}

static double region_pairs(cprof_task *task, long n)
{
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		cprof_region r = cprof_region_begin(task, "parse");
		cprof_region_end(&r);
	}
	return (now_ns() - t0) / n;
}

double bench_region_pairs_call(cprof_task *task, long n);
double bench_region_pairs_off(cprof_task *task, long n);

/* cprof_trace_snapshot() with no flight recorder listening. */
static double snapshot_calls(long n)
{
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		cprof_trace_snapshot("bench");
		__asm__ volatile("" ::: "memory");
	}
	return (now_ns() - t0) / n;
}

static double counter_values(long n)
{
	double t0 = now_ns();
	for (long i = 0; i < n; i++)
		cprof_counter("depth", i);
	return (now_ns() - t0) / n;
}

static double raw_one(long n)
{
	double t0 = now_ns();
	for (long i = 0; i < n; i++)
		lttng_ust_tracepoint(cprof_bench, raw, (uint64_t)i, "depth");
	return (now_ns() - t0) / n;
}

static double raw_pairs(uint64_t task, long n)
{
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		lttng_ust_tracepoint(cprof_bench, raw, task, "parse");
		lttng_ust_tracepoint(cprof_bench, raw, task, "parse");
	}
	return (now_ns() - t0) / n;
}

int main(int argc, char **argv)
{
	cprof_task *task = cprof_task_begin(NULL, "bench");
	double a[ROUNDS], b[ROUNDS], c[ROUNDS];

	if (argc < 2) {
		fprintf(stderr, "usage: bench-api off|on\n");
		return 2;
	}
	if (!strcmp(argv[1], "off")) {
		if (cprof_trace_enabled()) {
			fprintf(stderr, "bench-api off: a session is recording cprof events\n");
			return 1;
		}
		double d[ROUNDS];

		for (int r = 0; r < ROUNDS; r++) {
			a[r] = region_pairs(task, 5000000);
			b[r] = bench_region_pairs_call(task, 5000000);
			d[r] = bench_region_pairs_off(task, 5000000);
		}
		for (int r = 0; r < ROUNDS; r++)
			c[r] = snapshot_calls(5000000);
		double inl = median(a, ROUNDS), call = median(b, ROUNDS);
		printf("no session: region begin/end pair %.2f ns (bound 5 ns), "
		       "%.2f ns through calls into the library (%.1fx), "
		       "compiled out %.2f ns (an empty loop)\n",
		       inl, call, call / inl, median(d, ROUNDS));
		for (int r = 0; r < ROUNDS; r++)
			a[r] = counter_values(5000000);
		printf("no session: counter value %.2f ns (bound 2 ns)\n", median(a, ROUNDS));
		printf("no session: cprof_trace_snapshot() %.2f ns (nothing listening)\n",
		       median(c, ROUNDS));
		return 0;
	}
	if (!cprof_trace_enabled()) {
		fprintf(stderr, "bench-api on: no session records cprof events\n");
		return 1;
	}
	double tsc[ROUNDS];

	for (int r = 0; r < ROUNDS; r++) {
		a[r] = region_pairs(task, 1000000);
		b[r] = raw_pairs(cprof_task_id(task), 100000);
		c[r] = bench_region_pairs_call(task, 1000000);
		tsc[r] = tsc_pairs(1000000);
	}
	double region = median(a, ROUNDS), raw = median(b, ROUNDS), call = median(c, ROUNDS);
	printf("session: region pair %.1f ns (bound 25 ns), two raw tracepoints %.1f ns, "
	       "ratio %.3f = 1/%.1f (bound 1/8); through calls %.1f ns, ratio 1/%.1f\n",
	       region, raw, region / raw, raw / region, call, raw / call);
	printf("session: two TSC reads %.1f ns (the clock's share of a pair, %.0f%%)\n",
	       median(tsc, ROUNDS), 100.0 * median(tsc, ROUNDS) / region);
	for (int r = 0; r < ROUNDS; r++) {
		a[r] = counter_values(20000);
		b[r] = raw_one(20000);
	}
	region = median(a, ROUNDS), raw = median(b, ROUNDS);
	printf("session: counter value %.1f ns, one raw tracepoint %.1f ns, ratio %.2f\n", region,
	       raw, region / raw);
	cprof_task_end(task);
	return 0;
}
