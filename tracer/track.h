/*
 * Keeping a recording to its own processes. `record` limits its session to
 * a list of processes (LTTng's process-ID tracker) and listens on an
 * abstract Unix socket named in the program's environment; a process
 * forked in the recorded tree sends its pid there and waits (up to a
 * second) for record to add it, before lttng-ust registers the child with
 * the session daemon. Processes of another recording, or of nobody's, never
 * reach this session's buffers.
 *
 * Hidden inside libcprof-trace (both the preload library and programs
 * built with the API load it).
 */
#ifndef CPROF_TRACK_H
#define CPROF_TRACK_H

/* The variable naming the socket (its name without the leading NUL). */
#define CPROF_TRACK_ENV "CPROF_TRACK_SOCKET"

/* Copies the socket's name from the environment (the constructor: a
 * program may overwrite its environment later). */
void cprof_track_init_(void);

/* In a fork child, before lttng-ust registers it: asks record to track
 * this process. Async-signal-safe; keeps errno. No-op when not recorded. */
void cprof_track_self_(void);

#endif /* CPROF_TRACK_H */
