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
#include "session.h"
#include "tracker.h"

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
 * The tree's processes that know the tracker (told, or forked by one that
 * knew: they ask it themselves, track.c), and those found by polling
 * /proc after they started, whose first events are missing.
 */
#define TREE_MAX 256
#define TELL_TRIES 20 /* polls: 2 s for a new program to open its socket */
struct tree {
	struct cprof_tracker *tracker;
	uint64_t request;
	int32_t told[TREE_MAX];
	size_t n_told;
	int32_t trying[TREE_MAX]; /* not answered yet, and how often */
	int tries[TREE_MAX];
	size_t n_trying;
	size_t late;
};

static bool told(const struct tree *t, int32_t pid)
{
	for (size_t i = 0; i < t->n_told; i++)
		if (t->told[i] == pid)
			return true;
	return false;
}

/* One process told the tracker's name: false when it did not answer. */
static bool tell(struct tree *t, int32_t pid)
{
	const char *name = cprof_tracker_borrow_name(t->tracker);

	if (!cprof_served_follow_tracker(&pid, 1, ++t->request, name, true, 100))
		return false;
	if (t->n_told < TREE_MAX)
		t->told[t->n_told++] = pid;
	return true;
}

/*
 * The tree now: a process record does not know yet is tracked (found
 * here, it ran untracked: counted late, and asked for its state) and told
 * the tracker's name, so that its children ask to be tracked before they
 * record. A process that execs loses the name; its new program is told
 * at the next poll (its children forked before then are found late).
 */
static void follow_tree(struct tree *t, int32_t root)
{
	int32_t now[TREE_MAX];
	size_t n = cprof_served_tree(root, now, TREE_MAX);

	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		if (told(t, now[i]))
			continue;
		if (cprof_tracker_add(t->tracker, now[i])) {
			t->late++;
			cprof_served_request_state(&now[i], 1, ++t->request, 0, 500);
		}
		while (k < t->n_trying && t->trying[k] != now[i])
			k++;
		if (k == t->n_trying) {
			if (k == TREE_MAX)
				continue;
			t->trying[t->n_trying] = now[i];
			t->tries[t->n_trying++] = 0;
		}
		if (t->tries[k] >= TELL_TRIES)
			continue;
		t->tries[k]++;
		if (tell(t, now[i])) {
			t->trying[k] = t->trying[--t->n_trying];
			t->tries[k] = t->tries[t->n_trying];
		}
	}
}

static void forget_tree(struct tree *t)
{
	cprof_served_follow_tracker(t->told, t->n_told, ++t->request,
				    cprof_tracker_borrow_name(t->tracker), false, 500);
	if (t->late)
		fprintf(stderr,
			"cprof-trace: warning: %zu process%s of the tree started untracked (a "
			"program that had just executed another): found within 0.1 s, %s first "
			"events are missing from the trace\n",
			t->late, t->late == 1 ? "" : "es", t->late == 1 ? "its" : "their");
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
	static struct tree tree; /* big: not on the stack */
	uint64_t end = duration_ns ? monotonic_ns() + duration_ns : UINT64_MAX;
	uint64_t request = (uint64_t)getpid() << 32 | 1;
	size_t answered;

	tree = (struct tree){.tracker = tracker, .request = request + 1};
	/* before the state: a child forked from now on is tracked */
	if (tracker)
		follow_tree(&tree, pid);
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
		if (tracker)
			follow_tree(&tree, pid);
	}
	if (tracker)
		forget_tree(&tree);
	return 0;
}
