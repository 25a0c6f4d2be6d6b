/*
 * fixture-app MODE: the programs recorded once into the fixture traces
 * beside this file (record.sh), whose exact contents the daemon-free tests
 * check.
 *
 *   annotated  (record --no-auto) main "fixture-app" and two threads named
 *              worker-0 and worker-1 before their first event. Tasks: job 1
 *              (main), request 6 (3 per worker), one NULL type ("(null)",
 *              a warning). Regions: parse 6 with decode 6 inside, sleep 1
 *              (5 ms, main), outer 1 and inner 1 ended out of order (inner
 *              ends after outer: one warning), left-open 1 never ended (one
 *              warning). Logs: status 6, "worker N item K". Counter
 *              "queue depth": 3, 2, 1 from each worker (6 values).
 *   auto       (record, preload) two threads taking one mutex in turns
 *              while holding it 2 ms (waits), 64 allocations of 1 KiB kept
 *              to the end, a 3 ms nanosleep, 40 ms of CPU spin.
 *   burst FIFO (lttng, tiny discard-mode buffers) once FIFO is written to,
 *              3000 logs as fast as possible from one thread: the tracer
 *              loses some.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <cprof/trace.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void *worker(void *arg)
{
	int n = (int)(long)arg;
	char name[16];

	snprintf(name, sizeof(name), "worker-%d", n);
	pthread_setname_np(pthread_self(), name);
	for (int k = 0; k < 3; k++) {
		cprof_task *t = cprof_task_begin(NULL, "request");
		TRACE_REGION (t, "parse") {
			TRACE_REGION (t, "decode") {
				cprof_logf(t, "status", "worker %d item %d", n, k);
				cprof_counter("queue depth", 3 - k);
			}
		}
		cprof_task_end(t);
	}
	return NULL;
}

static int annotated(void)
{
	pthread_t th[2];
	cprof_task *job = cprof_task_begin(NULL, "job");
	cprof_task *null_type = cprof_task_begin(NULL, NULL);
	cprof_region outer, inner, open;

	for (long i = 0; i < 2; i++)
		if (pthread_create(&th[i], NULL, worker, (void *)i))
			return 1;
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	TRACE_REGION (job, "sleep") {
		sleep_ms(5);
	}
	outer = cprof_region_begin(job, "outer");
	inner = cprof_region_begin(job, "inner");
	cprof_region_end(&outer);
	cprof_region_end(&inner);
	open = cprof_region_begin(job, "left-open");
	(void)open;
	cprof_task_end(null_type);
	cprof_task_end(job);
	return 0;
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *locker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 5; i++) {
		pthread_mutex_lock(&mu);
		sleep_ms(2);
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

static int automatic(void)
{
	static void *kept[64];
	pthread_t th[2];
	volatile unsigned long spin = 0;
	struct timespec t0, t1;

	for (long i = 0; i < 2; i++)
		if (pthread_create(&th[i], NULL, locker, NULL))
			return 1;
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 64; i++) {
		kept[i] = malloc(1024);
		memset(kept[i], i, 1024);
	}
	sleep_ms(3);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 100000; i++)
			spin += (unsigned long)i;
		clock_gettime(CLOCK_MONOTONIC, &t1);
	} while ((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) < 40000000L);
	return kept[63] && spin ? 0 : 1;
}

static int burst(const char *fifo)
{
	char go[8];
	FILE *f = fopen(fifo, "r");

	/* wait for the session to track this process and start */
	if (!f || !fgets(go, sizeof(go), f))
		return 1;
	fclose(f);
	for (int i = 0; i < 3000; i++)
		cprof_logf(NULL, "burst", "item %d", i);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "annotated"))
		return annotated();
	if (!strcmp(mode, "auto"))
		return automatic();
	if (!strcmp(mode, "burst") && argc > 2)
		return burst(argv[2]);
	fprintf(stderr, "usage: fixture-app annotated|auto|burst FIFO\n");
	return 2;
}
