/*
 * The contract between `cprof-trace serve` (or `record --pid`) and a
 * process run with CPROF_SERVE=1 (libcprof-trace-preload's state keeper):
 * after starting a session that records the process, the client sends one
 * datagram "dump SEQ FLAGS" to the abstract Unix socket named
 * CPROF_SERVED_SOCKET_FMT (with the process's pid); the process emits its
 * state (cprof:state_begin .. cprof:state_end) into the session and
 * answers "done SEQ THREADS" to the sender's (autobound) address.
 * "flight SEQ TOKEN SIGNO\0REGIONS\0TASKS\0" hands it the flight
 * recorder's contract (flight-env.h) at run time, answered "done SEQ 1".
 * "track SEQ NAME" (and "untrack SEQ NAME") names a recording's tracker
 * (tracker.h, CPROF_TRACK_ENV) that the process's fork children from then
 * on ask to track them before they record, answered "done SEQ 1".
 * Only senders of the process's own uid, or root, are answered.
 */
#ifndef CPROF_SERVED_H
#define CPROF_SERVED_H

/* printf format of the abstract name (after its leading NUL byte). */
#define CPROF_SERVED_SOCKET_FMT "cprof-trace/%ld"
/* FLAGS: also take the stack of every running thread (goroutine). */
#define CPROF_SERVED_ALL_STACKS 1u
/* The environment variable that turns the state keeper on. */
#define CPROF_SERVED_ENV "CPROF_SERVE"

#endif /* CPROF_SERVED_H */
