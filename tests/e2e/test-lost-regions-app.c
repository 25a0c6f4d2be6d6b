/*
 * For test-lost.sh regions: four threads emit nested regions ("outer"
 * around "inner") as fast as they can, so that a recording on small
 * non-blocking buffers loses batches of each thread. Prints how many of
 * each it wrote: the reader may count fewer (lost), never more, and must
 * not pair a region of one thread with an end of another.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_setname_np; meson may already define it */
#endif
#include <cprof/trace.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 4

static long iterations = 200000;

static void *work(void *arg)
{
	char name[16];

	snprintf(name, sizeof(name), "work-%d", (int)(long)arg);
	pthread_setname_np(pthread_self(), name);
	for (long i = 0; i < iterations; i++) {
		TRACE_REGION (NULL, "outer") {
			TRACE_REGION (NULL, "inner") {
				for (volatile int k = 0; k < 20; k++)
					;
			}
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[THREADS];

	if (argc > 1)
		iterations = atol(argv[1]);
	for (long i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, work, (void *)i) != 0)
			return 1;
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	printf("wrote outer %ld inner %ld\n", THREADS * iterations, THREADS * iterations);
	return 0;
}
