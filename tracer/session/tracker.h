/*
 * Record's side of session tracking (tracer/track.h has the process side):
 * the session records only the processes added here, and a thread answers
 * the recorded tree's new processes on an abstract Unix socket whose name
 * goes into the program's environment (CPROF_TRACK_ENV).
 *
 * Ownership: cprof_tracker_start() returns a tracker the caller stops and
 * frees with cprof_tracker_stop(), before the session is destroyed.
 */
#ifndef CPROF_SESSION_TRACKER_H
#define CPROF_SESSION_TRACKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "track.h" /* CPROF_TRACK_ENV */

struct cprof_tracker;

/* Limits the session named `session` to tracked processes (none yet) and
 * starts listening. NULL with a sentence in `err` on failure. */
struct cprof_tracker *cprof_tracker_start(const char *session, char *err, size_t errlen);

/* The socket's name, for the environment's CPROF_TRACK_ENV. */
const char *cprof_tracker_borrow_name(const struct cprof_tracker *tracker);

/* Tracks `pid` (the program, between its fork and its exec; a running
 * process's tree): whether it was not tracked yet. */
bool cprof_tracker_add(struct cprof_tracker *tracker, pid_t pid);
/* Whether `pid` asked to be tracked itself (on the socket), before or
 * after record added it. */
bool cprof_tracker_asked(struct cprof_tracker *tracker, pid_t pid);
/* No more requests: the thread stopped, those queued answered (from the
 * caller's thread, which may then use liblttng-ctl alone). */
void cprof_tracker_quiesce(struct cprof_tracker *tracker);
/* Processes of the tree that stopped waiting for their answer before it
 * came (their first events are missing from the trace, not counted). */
size_t cprof_tracker_late(struct cprof_tracker *tracker);

/* The pids that processes of the tree in a PID namespace of their own saw
 * themselves as (their events carry those): their count, the list in
 * *pids, owned by the tracker (call once it is quiesced). */
size_t cprof_tracker_namespaced(struct cprof_tracker *tracker, const int32_t **pids);

/* The notices (track.h) the tree's processes sent, each said on stderr
 * once when it came: their count, and up to `max` of them in out[], owned
 * by the tracker. */
#define CPROF_TRACKER_NOTICES_MAX 16
size_t cprof_tracker_notices(struct cprof_tracker *tracker, const char *out[], size_t max);

void cprof_tracker_stop(struct cprof_tracker *tracker);

#endif /* CPROF_SESSION_TRACKER_H */
