/*
 * Event generator for bench-read.sh: N iterations of 8 cprof events per
 * iteration (task, two nested regions, a log) on T threads.
 */
#include <cprof/trace.h>

#include <pthread.h>
#include <stdlib.h>

static long iterations;

static void *work(void *arg)
{
	(void)arg;
	for (long i = 0; i < iterations; i++) {
		cprof_task *t = cprof_task_begin(NULL, "request");
		TRACE_REGION(t, "parse") {
			TRACE_REGION(t, "decode") {
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
	pthread_t tids[64];

	if (threads < 1 || threads > 64)
		return 2;
	iterations = events / 7 / threads;
	for (int i = 0; i < threads; i++)
		pthread_create(&tids[i], NULL, work, NULL);
	for (int i = 0; i < threads; i++)
		pthread_join(tids[i], NULL);
	return 0;
}
