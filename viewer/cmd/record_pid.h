/*
 * `record --pid PID`: what differs from recording a program from launch.
 * The session itself is record's (cmd_record.c).
 */
#ifndef CPROF_RECORD_PID_H
#define CPROF_RECORD_PID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Whether `pid` can be recorded (it runs the preload library's state
 * keeper; else says on stderr how to start it): then its process tree
 * (at most 256) and its command line (a NULL-terminated argv the caller
 * frees with cprof_served_cmdline_free()).
 */
bool record_pid_find(int32_t pid, int32_t *pids, size_t *npids, char ***cmdline);

/*
 * Once the session records `pids`: asks them for their state at this
 * instant, which the trace then begins with (a flight recorder's ring
 * buffers overwrite it, but the waits it reported end with an event of
 * their own, and each snapshot ends with the state again), and records until
 * `duration_ns` (0: no limit), a signal to record (SIGINT, SIGTERM, ...:
 * the process is not sent it) or the process's exit. With `tracker`
 * (NULL: none, the flight recorder's), the processes the tree starts
 * meanwhile are recorded too: each process is told the tracker's name,
 * which its fork children ask to track them before they record, and /proc
 * is polled for the ones that did not (said on stderr). Returns record's
 * exit status.
 */
struct cprof_tracker;
int record_pid_wait(int32_t pid, uint64_t duration_ns, const int32_t *pids, size_t npids,
		    struct cprof_tracker *tracker);

#endif /* CPROF_RECORD_PID_H */
