/*
 * bench-open-raw N: N raw LTTng-UST events with two integers
 * (cprof_bench_open:pair) on two threads, for bench-open.sh's baseline.
 */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "bench-open-tp.h"

#include <pthread.h>
#include <stdlib.h>

static long per_thread;

static void *emit(void *arg)
{
	(void)arg;
	for (long i = 0; i < per_thread; i++)
		lttng_ust_tracepoint(cprof_bench_open, pair, (uint64_t)i, (uint64_t)i * 3);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[2];

	per_thread = (argc > 1 ? atol(argv[1]) : 1000000) / 2;
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, emit, NULL) != 0)
			return 1;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return 0;
}
