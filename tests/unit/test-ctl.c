/*
 * liblttng-ctl from several threads at once, as record's main, tracker
 * and flight threads and serve's capture threads use it: each thread adds
 * pids of its own to one session's process tracker (three commands to the
 * session daemon per call). liblttng-ctl keeps the connection of the
 * command in progress in one global variable: unlocked, the threads got
 * "No session daemon is available" and each other's replies (ctl.h).
 * Needs a session daemon (started when none runs, as record does).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "session.h"

#define THREADS 3
#define CALLS 150

static struct cprof_session *session;

static void *add_pids(void *arg)
{
	long first = (long)(intptr_t)arg, failed = 0;

	for (long i = 0; i < CALLS; i++) {
		int32_t pid = (int32_t)(first + i);

		failed += cprof_session_track_pids(session, &pid, 1) != CPROF_SESSION_OK;
	}
	return (void *)(intptr_t)failed;
}

int main(void)
{
	const struct cprof_session_channel channel = {.subbuf_size = 4096, .num_subbuf = 2};
	char dir[] = "/tmp/cprof-test-ctl.XXXXXX";
	pthread_t th[THREADS];
	long failed = 0;
	bool started;

	if (!mkdtemp(dir) || cprof_session_create(dir, &session) != CPROF_SESSION_OK)
		return 1;
	if (cprof_session_ensure_daemon(session, &started) != CPROF_SESSION_OK ||
	    cprof_session_setup(session, &channel) != CPROF_SESSION_OK) {
		fprintf(stderr, "FAIL: %s\n", cprof_session_borrow_error(session));
		return 1;
	}
	/* pids no process has here (pid_max is at most 2^22) */
	for (long i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, add_pids, (void *)(intptr_t)(10000000 + i * CALLS));
	for (int i = 0; i < THREADS; i++) {
		void *n;

		pthread_join(th[i], &n);
		failed += (long)(intptr_t)n;
	}
	cprof_session_destroy(session);
	rmdir(dir);
	printf("%ld of %d tracker calls from %d threads failed\n", failed, THREADS * CALLS,
	       THREADS);
	return failed != 0;
}
