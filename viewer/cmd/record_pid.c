/*
 * `record --pid`: a running process, started with `cprof-trace env`'s
 * environment (see tracer/session/served.h), recorded from now on.
 */
#include "record_pid.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "follow.h"
#include "session.h"

/* --pid: the running process and its descendants, and its command line
 * for cprof-record.json; false (said why) when it cannot be recorded. */
bool record_pid_find(int32_t pid, int32_t *pids, size_t *npids, char ***cmdline)
{
	char err[512];

	if (!cprof_served_check(pid, err, sizeof(err))) {
		fprintf(stderr, "cprof-trace: %s\n", err);
		return false;
	}
	*npids = cprof_served_tree(pid, pids, 256);
	*cmdline = cprof_served_cmdline(pid);
	if (!*cmdline)
		fprintf(stderr, "cprof-trace: out of memory\n");
	return *cmdline != NULL;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * --pid, once the session records: asks the processes for their state at
 * this instant (served.h), which the trace then begins with, and records
 * until --duration, a signal (SIGINT, SIGTERM, ...: the process is not
 * sent it) or the process's exit. With a tracker, the tree's new
 * processes are recorded too. Returns record's exit status.
 */
int record_pid_wait(int32_t pid, uint64_t duration_ns, const int32_t *pids, size_t npids,
		    struct cprof_tracker *tracker)
{
	struct cprof_follow *follow = NULL;
	uint64_t end = duration_ns ? monotonic_ns() + duration_ns : UINT64_MAX;
	uint64_t request = (uint64_t)getpid() << 32 | 1;
	size_t answered, late;

	/* before the state: a child forked from now on is tracked */
	if (tracker && !(follow = cprof_follow_start(tracker, pid)))
		fprintf(stderr,
			"cprof-trace: warning: out of memory: the processes %ld starts "
			"from now on are not recorded\n",
			(long)pid);
	answered = cprof_served_request_state(pids, npids, request, 0, 2000);
	if (answered < npids)
		fprintf(stderr,
			"cprof-trace: warning: %zu of %zu processes did not give their state: "
			"their threads, waits and heap before now are missing\n",
			npids - answered, npids);
	fprintf(stderr, "cprof-trace: recording process %ld", (long)pid);
	if (duration_ns)
		fprintf(stderr, " for %.3g s", (double)duration_ns / 1e9);
	fprintf(stderr, " (Ctrl-C stops)\n");
	while (!cprof_child_pending_signal()) {
		uint64_t now = monotonic_ns();
		struct timespec step = {0, 100000000};

		if (now >= end)
			break;
		if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
			fprintf(stderr, "cprof-trace: process %ld exited\n", (long)pid);
			break;
		}
		if (end - now < 100000000u)
			step.tv_nsec = (long)(end - now);
		nanosleep(&step, NULL);
		cprof_follow_poll(follow);
	}
	late = cprof_follow_stop(follow);
	if (late)
		fprintf(stderr,
			"cprof-trace: warning: %zu process%s of the tree ran untracked until found "
			"in /proc (started before its parent knew the recording): %s first events "
			"are missing from the trace\n",
			late, late == 1 ? "" : "es", late == 1 ? "its" : "their");
	return 0;
}
