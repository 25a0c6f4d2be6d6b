/*
 * Keeping a recording to its own processes. `record` limits its session to
 * a list of processes (LTTng's process-ID tracker) and listens on an
 * abstract Unix socket named in the program's environment; a process
 * forked in the recorded tree sends its pid there and waits (up to 3 s)
 * for record to add it, before lttng-ust registers the child with
 * the session daemon. Processes of another recording, or of nobody's, never
 * reach this session's buffers.
 *
 * Hidden inside libcprof-trace (both the preload library and programs
 * built with the API load it).
 */
#ifndef CPROF_TRACK_H
#define CPROF_TRACK_H

#include <stdbool.h>

/* The variable naming the socket (its name without the leading NUL). */
#define CPROF_TRACK_ENV "CPROF_TRACK_SOCKET"

/* Copies the socket's name from the environment (the constructor: a
 * program may overwrite its environment later). The process forgets it
 * once record says the recording ended (cprof_track_follow_) or a
 * connection to it is refused (record gone): from then on it asks no one
 * and passes the name on to no program it executes. */
void cprof_track_init_(void);

/* In a fork child, before lttng-ust registers it: asks record to track
 * this process. Async-signal-safe; keeps errno. No-op when not recorded. */
void cprof_track_self_(void);

/*
 * Tells record one line about this process that the trace cannot carry
 * (it, or the program it is about to execute, will have no events:
 * secure execution, lttng-ust unable to register): record prints it with
 * its "cprof-trace: " prefix and keeps it in cprof-record.json, where
 * every command reading the trace finds it. A request whose pid is 0,
 * then the text's length (uint16_t) and the text. Only system calls;
 * keeps errno. No-op when not recorded. At most CPROF_TRACK_NOTICE_MAX
 * bytes are sent. Whether record got it (the environment may name the
 * tracker of a recording that ended: track.h's cprof_track_follow_).
 */
#define CPROF_TRACK_NOTICE_MAX 400
bool cprof_track_notice_(const char *text);

/*
 * A served process (served.h) told at run time of a recording's tracker:
 * `name` as in CPROF_TRACK_ENV, followed (`on`) or no longer. Its fork
 * children then ask that tracker too, as a recorded program's do; up to 4
 * at once (the oldest is forgotten). No longer (the recording ended):
 * also the environment's, when it is that one. Called by the state
 * keeper's thread.
 */
void cprof_track_follow_(const char *name, bool on);
/* The environment entry (CPROF_TRACK_ENV=NAME) for a program this process
 * executes: the tracker followed last, else the environment's while it is
 * not forgotten; NULL when none is (then the program's environment should
 * name none: any CPROF_TRACK_ENV entry there is a recording's that ended). */
const char *cprof_track_env_entry_(void);
/* A vfork child about to execute a program: asks the followed trackers to
 * track it (it ran no fork handler), before the program registers. */
void cprof_track_followed_self_(void);

/* Whether record tracks this recording's processes (a notice reaches it). */
bool cprof_track_active_(void);

/*
 * Joining late. Set up for a session, a process costs the session daemon
 * and itself 10-100 ms (channels mapped, events enabled, every loaded
 * object's ELF file read for the statedump), and its exit waits for that
 * set-up to finish: most of what `record` cost per fork+exec. With the
 * preload library (which sets CPROF_JOIN_ENV), a process of the recorded
 * tree other than the program itself is not tracked when it starts or
 * forks: it is `pending`, and joins the session when it is first about to
 * record something (a blocking call, a lock wait, a sampled allocation, a
 * thread, a dlopen): the hook asks record to track it and waits until its
 * events are enabled, then records. A process that never gets there (a
 * shell's /bin/true, a compiler driver that only execs) costs nothing more
 * than the libraries' loading. What is lost: the instrumentation API's
 * events and CPU samples of a process before it joins (the sampler asks
 * record to track the process at its first tick, without waiting).
 */
#define CPROF_JOIN_ENV "CPROF_JOIN_LAZY"
/* The recorded program's pid, written by record's child before its exec
 * over the placeholder record puts (CPROF_JOIN_ROOT_PLACEHOLDER): the
 * program is tracked before it starts, its descendants are not. */
#define CPROF_JOIN_ROOT_ENV "CPROF_JOIN_ROOT"
#define CPROF_JOIN_ROOT_PLACEHOLDER "0000000000"

/* 1 while this process has not joined (read by the preload's hooks). */
extern int cprof_join_pending_;

/* Joins now (not from a signal handler): returns whether the session
 * records this process's events. Keeps errno. */
bool cprof_join_(void);

/* From a signal handler: asks record to track this process, without
 * waiting for the answer. */
void cprof_join_ask_(void);

/* The process starts or a fork child begins: pending when lazy. Returns
 * whether it is (then it is not tracked yet). */
bool cprof_join_start_(void);

#endif /* CPROF_TRACK_H */
