/*
 * Following a running process tree while a session records it (`record
 * --pid`, serve's captures): the processes it starts meanwhile are
 * recorded too. Each process of the tree is told the name of the
 * session's tracker (tracker.h) through its state keeper's socket
 * (served.h), and its fork children then ask that tracker to track them
 * before they record, as a launched program's do, and a program it
 * executes gets the name in its environment (tracer/preload/preload.c).
 * /proc is polled for the others (forked before their parent was told, a
 * program without the preload library): tracked when found, asked for
 * their state, counted late (their first events are missing).
 *
 * Ownership: cprof_follow_start() returns a follower the caller ends with
 * cprof_follow_stop(), before the tracker is stopped.
 */
#ifndef CPROF_SESSION_FOLLOW_H
#define CPROF_SESSION_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tracker.h"

struct cprof_follow;

/* Tracks the tree of `root` (at most 256 processes) and tells its
 * processes the tracker's name; NULL: out of memory. */
struct cprof_follow *cprof_follow_start(struct cprof_tracker *tracker, int32_t root);

/* One poll of /proc (every 0.1 s or so): the tree's processes not known
 * yet are tracked and told. */
void cprof_follow_poll(struct cprof_follow *follow);

/* Tells the processes (those told, and the tree's now) to forget the
 * tracker, frees the follower: the count of processes found late by the
 * polls. */
size_t cprof_follow_stop(struct cprof_follow *follow);

/*
 * The children of process `pid`, from each of its threads' list
 * (/proc/PID/task/TID/children, CONFIG_PROC_CHILDREN): `fn` is called for
 * each until it returns false. False when no list could be read (a
 * kernel without them, or the process is gone).
 */
bool cprof_proc_children(int32_t pid, bool (*fn)(int32_t child, void *data), void *data);

#endif /* CPROF_SESSION_FOLLOW_H */
