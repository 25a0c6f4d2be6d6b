/*
 * Following a running process tree (see follow.h).
 */
#include "follow.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "session.h"

#define TREE_MAX 256
#define TELL_TRIES 20 /* polls: 2 s for a new program to open its socket */

struct cprof_follow {
	struct cprof_tracker *tracker;
	int32_t root;
	uint64_t request;
	int32_t told[TREE_MAX]; /* know the name (or their fork parent did) */
	size_t n_told;
	int32_t trying[TREE_MAX]; /* not answered yet, and how often asked */
	int tries[TREE_MAX];
	size_t n_trying;
	/* added by a poll: late unless they ask the tracker themselves (one
	 * in its fork handler when the poll came) by the next poll */
	int32_t found[TREE_MAX];
	int found_polls[TREE_MAX];
	size_t n_found;
	size_t late;
	bool polled; /* once: the start's tree is not late */
};

static bool told(const struct cprof_follow *f, int32_t pid)
{
	for (size_t i = 0; i < f->n_told; i++)
		if (f->told[i] == pid)
			return true;
	return false;
}

/* One process told the tracker's name: false when it did not answer. */
static bool tell(struct cprof_follow *f, int32_t pid)
{
	const char *name = cprof_tracker_borrow_name(f->tracker);

	if (!cprof_served_follow_tracker(&pid, 1, ++f->request, name, true, 100))
		return false;
	if (f->n_told < TREE_MAX)
		f->told[f->n_told++] = pid;
	return true;
}

/* A process not told yet: asked again at the next polls, a few times (a
 * process without the state keeper never answers). */
static void tell_soon(struct cprof_follow *f, int32_t pid)
{
	size_t k = 0;

	while (k < f->n_trying && f->trying[k] != pid)
		k++;
	if (k == f->n_trying) {
		if (k == TREE_MAX)
			return;
		f->trying[f->n_trying] = pid;
		f->tries[f->n_trying++] = 0;
	}
	if (f->tries[k] >= TELL_TRIES)
		return;
	f->tries[k]++;
	if (tell(f, pid)) {
		f->trying[k] = f->trying[--f->n_trying];
		f->tries[k] = f->tries[f->n_trying];
	}
}

bool cprof_proc_children(int32_t pid, bool (*fn)(int32_t child, void *data), void *data)
{
	char path[64];
	struct dirent *e;
	bool more = true, any = false;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	while (more && d && (e = readdir(d))) {
		char file[96];
		long child;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "/proc/%d/task/%.16s/children", (int)pid, e->d_name);
		f = fopen(file, "r");
		any = any || f;
		while (more && f && fscanf(f, "%ld", &child) == 1)
			more = fn((int32_t)child, data);
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return any;
}

struct tree {
	int32_t *pids;
	size_t n, max;
};

static bool tree_add(int32_t child, void *data)
{
	struct tree *t = data;

	if (t->n == t->max)
		return false;
	t->pids[t->n++] = child;
	return true;
}

/*
 * The tree by each thread's list of children: a poll reads the tree's
 * threads, not every process of the machine as cprof_served_tree() does
 * (1.9 ms a poll with 74 processes, 10 polls a second). Without the
 * lists, that one.
 */
static size_t tree_by_children(int32_t root, int32_t *pids, size_t max)
{
	struct tree t = {pids, 1, max};

	pids[0] = root;
	if (!cprof_proc_children(root, tree_add, &t))
		return cprof_served_tree(root, pids, max);
	for (size_t i = 1; i < t.n; i++)
		cprof_proc_children(pids[i], tree_add, &t);
	return t.n;
}

/* The processes a poll added that asked since are not late; those that
 * did not by `polls` polls later are. */
static void settle_found(struct cprof_follow *f, int polls)
{
	for (size_t i = 0; i < f->n_found;) {
		bool asked = cprof_tracker_asked(f->tracker, f->found[i]);

		if (!asked && ++f->found_polls[i] < polls) {
			i++;
			continue;
		}
		f->late += !asked;
		f->found[i] = f->found[--f->n_found];
		f->found_polls[i] = f->found_polls[f->n_found];
	}
}

void cprof_follow_poll(struct cprof_follow *f)
{
	int32_t now[TREE_MAX];
	size_t n;

	if (!f)
		return;
	settle_found(f, 2);
	n = tree_by_children(f->root, now, TREE_MAX);
	for (size_t i = 0; i < n; i++) {
		if (told(f, now[i]))
			continue;
		/* maybe running untracked until now: its state, as at the start */
		if (cprof_tracker_add(f->tracker, now[i]) && f->polled && f->n_found < TREE_MAX) {
			f->found[f->n_found] = now[i];
			f->found_polls[f->n_found++] = 0;
			cprof_served_request_state(&now[i], 1, ++f->request, 0, 500);
		}
		tell_soon(f, now[i]);
	}
	f->polled = true;
}

struct cprof_follow *cprof_follow_start(struct cprof_tracker *tracker, int32_t root)
{
	struct cprof_follow *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->tracker = tracker;
	f->root = root;
	f->request = (uint64_t)getpid() << 32 | 1u << 31;
	cprof_follow_poll(f);
	return f;
}

/*
 * The end: every process told, and every one of the tree now (a program
 * executed since the last poll has the name from its environment, not
 * told yet), forgets the tracker (track.h), so that none of them, nor the
 * programs they execute from now on, asks a tracker that is gone or
 * carries its name in their environment. A process without the state
 * keeper refuses the datagram at once: no wait for it.
 */
size_t cprof_follow_stop(struct cprof_follow *f)
{
	int32_t now[TREE_MAX];
	size_t late, n;

	if (!f)
		return 0;
	settle_found(f, 0);
	n = tree_by_children(f->root, now, TREE_MAX);
	for (size_t i = 0; i < n && f->n_told < TREE_MAX; i++)
		if (!told(f, now[i]))
			f->told[f->n_told++] = now[i];
	cprof_served_follow_tracker(f->told, f->n_told, ++f->request,
				    cprof_tracker_borrow_name(f->tracker), false, 500);
	late = f->late;
	free(f);
	return late;
}
