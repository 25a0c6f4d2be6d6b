/*
 * Event generator for bench-read.sh and bench-batch.sh: about N cprof
 * events on T threads, 7 per iteration (a task, two nested regions, a
 * log), or with MODE "regions" two nested regions only (4 per iteration).
 *
 *   bench-read-gen [N [T [MODE]]]
 */
#include <cprof/trace.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include <string.h>

static long iterations;

static void *regions_only(void *arg)
{
	(void)arg;
	for (long i = 0; i < iterations; i++) {
		TRACE_REGION (NULL, "parse") {
			TRACE_REGION (NULL, "decode") {
				__asm__ volatile("" ::: "memory");
			}
		}
	}
	return NULL;
}

static void *work(void *arg)
{
	(void)arg;
	for (long i = 0; i < iterations; i++) {
		cprof_task *t = cprof_task_begin(NULL, "request");
		TRACE_REGION (t, "parse") {
			TRACE_REGION (t, "decode") {
				cprof_logf(t, "status", "item %ld", i);
			}
		}
		cprof_task_end(t);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long events = argc > 1 ? atol(argv[1]) : 3000000;
	int threads = argc > 2 ? atoi(argv[2]) : 2;
	bool regions = argc > 3 && !strcmp(argv[3], "regions");
	pthread_t tids[64];

	if (threads < 1 || threads > 64)
		return 2;
	iterations = events / (regions ? 4 : 7) / threads;
	for (int i = 0; i < threads; i++)
		pthread_create(&tids[i], NULL, regions ? regions_only : work, NULL);
	for (int i = 0; i < threads; i++)
		pthread_join(tids[i], NULL);
	return 0;
}
