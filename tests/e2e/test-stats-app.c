/*
 * A program with exactly known tasks, regions, logs and misuse, for
 * test-stats.sh: the counts below are what `cprof-trace stats --json` must
 * report.
 *
 *   threads: main + 4 workers named worker-0..3 before their first event
 *   tasks:   job 1, request 4*WORK, handoff 1 (begun on main, ended by
 *            worker-0), twice 1 (ended twice), "(null)" 1 (NULL type),
 *            open 1 (never ended)
 *   regions: parse 4*WORK, decode 4*WORK (nested in parse), ret 1, brk 1,
 *            goto 1, sleep 3 (10 ms each), twice 1 (ended twice)
 *   logs:    status 4*WORK, big 1 (1 MiB message, truncated)
 *   warnings from misuse: region ended twice, task ended twice, NULL type,
 *            log truncated
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_setname_np; meson may already define it */
#endif
#include <cprof/trace.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WORKERS 4
#define WORK 250

static cprof_task *job;
static cprof_task *handoff;
static pthread_barrier_t handoff_ready;

static void *worker(void *arg)
{
	int n = (int)(long)arg;
	char name[16];

	snprintf(name, sizeof(name), "worker-%d", n);
	pthread_setname_np(pthread_self(), name);
	if (n == 0) {
		pthread_barrier_wait(&handoff_ready);
		cprof_task_end(handoff); /* a task ended on another thread */
	}
	for (int i = 0; i < WORK; i++) {
		cprof_task *req = cprof_task_begin(job, "request");
		TRACE_REGION (req, "parse") {
			TRACE_REGION (req, "decode") {
				cprof_logf(req, "status", "worker %d item %d", n, i);
			}
		}
		cprof_task_end(req);
	}
	return NULL;
}

static int left_by_return(void)
{
	TRACE_REGION (NULL, "ret") {
		return 7;
	}
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t threads[WORKERS];
	cprof_region twice;
	cprof_task *t;
	char *big;
	int reached = 0;	/* test-stats.sh may hold the program until its pid is tracked */
	if (argc > 1) {
		FILE *go = fopen(argv[1], "r");
		if (!go)
			return 1;
		fgetc(go);
		fclose(go);
	}
	pthread_barrier_init(&handoff_ready, NULL, 2);
	job = cprof_task_begin(NULL, "job");
	handoff = cprof_task_begin(job, "handoff");
	for (long i = 0; i < WORKERS; i++)
		pthread_create(&threads[i], NULL, worker, (void *)i);
	pthread_barrier_wait(&handoff_ready);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(threads[i], NULL);

	if (left_by_return() != 7)
		return 1;
	TRACE_REGION (NULL, "brk") {
		break;
		reached = 1;
	}
	TRACE_REGION (NULL, "goto") {
		goto out;
	}
	reached = 1;
out:
	for (int i = 0; i < 3; i++)
		TRACE_REGION (job, "sleep") {
			usleep(10000);
		}

	/* misuse */
	twice = cprof_region_begin(job, "twice");
	cprof_region_end(&twice);
	cprof_region_end(&twice);
	t = cprof_task_begin(job, "twice");
	cprof_task_end(t);
	cprof_task_end(t);
	cprof_task_end(cprof_task_begin(job, NULL));
	big = malloc(1 << 20);
	if (!big)
		return 1;
	memset(big, 'x', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	cprof_log(job, "big", big);
	free(big);
	cprof_task_begin(job, "open");

	cprof_task_end(job);
	return reached;
}
