/*
 * A trace for the viewer's loading preview (tests/e2e/test-view-preview.sh):
 * THREADS named threads (lane-0, lane-1, ...) each beginning and ending
 * ITERATIONS short regions, paced so that every thread's records spread
 * evenly over SECONDS however loaded the machine is: what is loaded by any
 * point of the trace holds activity on every lane.
 *
 *   test-view-preview-app [THREADS [ITERATIONS [SECONDS]]]
 */
#include <cprof/trace.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long iterations = 150000;
static double seconds = 1.0;
static struct timespec start;

static double since_start(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9;
}

static void *lane(void *arg)
{
	char name[16];
	volatile unsigned sink = 0;
	snprintf(name, sizeof(name), "lane-%ld", (long)arg);
	pthread_setname_np(pthread_self(), name);
	for (long i = 0; i < iterations; i++) {
		TRACE_REGION (NULL, "step") {
			for (int k = 0; k < 20; k++)
				sink += k;
		}
		/* every 500 regions, wait for the schedule: records spread over
		 * the run instead of bunching at its start */
		if (i % 500 == 499) {
			double due = seconds * (double)(i + 1) / (double)iterations;
			double left = due - since_start();
			if (left > 0) {
				struct timespec ts = {(time_t)left,
						      (long)((left - (time_t)left) * 1e9)};
				nanosleep(&ts, NULL);
			}
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long threads = argc > 1 ? atol(argv[1]) : 4;
	pthread_t tids[64];
	if (argc > 2)
		iterations = atol(argv[2]);
	if (argc > 3)
		seconds = atof(argv[3]);
	if (threads < 1 || threads > 64 || iterations < 1 || !(seconds > 0)) {
		fprintf(stderr, "usage: test-view-preview-app [THREADS [ITERATIONS [SECONDS]]]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long t = 0; t < threads; t++)
		if (pthread_create(&tids[t], NULL, lane, (void *)t)) {
			fprintf(stderr, "test-view-preview-app: cannot create a thread\n");
			return 1;
		}
	for (long t = 0; t < threads; t++)
		pthread_join(tids[t], NULL);
	return 0;
}
