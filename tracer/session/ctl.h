/*
 * The one lock of this process around liblttng-ctl.
 *
 * liblttng-ctl is not thread-safe: every command to the session daemon
 * opens a connection, keeps it in one global variable (`sessiond_socket`
 * in lttng-ctl.c) for the exchange, then closes it. Two threads talking
 * at once overwrite each other's socket: one gets "No session daemon is
 * available", the other another command's reply. `record` talks from its
 * main thread, the tracker's thread (tracker.c) and the flight
 * recorder's (flight.c), `serve` from a thread per capture: every call
 * that reaches the daemon goes through CPROF_CTL.
 *
 * Not locked (nothing global is touched): building and reading objects
 * (handles, channels, events, triggers, snapshot outputs, session
 * descriptors), lttng_strerror, the notification channel (a socket and a
 * lock of its own, channel.c) and a destruction handle's wait (the
 * socket lttng_destroy_session_ext handed it).
 *
 * The lock is held for one call at a time, never while sleeping or
 * waiting for anything else, and no other lock is taken while it is
 * held: a thread holding another lock (the tracker's) may take it.
 */
#ifndef CPROF_SESSION_CTL_H
#define CPROF_SESSION_CTL_H

#include <stdbool.h>

void cprof_ctl_lock(void);
void cprof_ctl_unlock(void);

/*
 * A daemon that never answers. liblttng-ctl waits for each reply without
 * a timeout: when lttng-consumerd hung at a session's teardown (spinning
 * in consumer_timer_monitor_stop, an LTTng 2.13 bug), lttng-sessiond's
 * client thread waited on it, and `record` (and every `lttng` command)
 * waited for ever. A watchdog thread, started with the first call, times
 * each call made through CPROF_CTL: one that has waited CPROF_CTL_TIMEOUT_S
 * seconds (the environment's CPROF_LTTNG_TIMEOUT, in seconds, overrides
 * it) has its connection to the daemon shut down, so that liblttng-ctl
 * returns an error; the watchdog prints one line naming the daemon, and
 * from then on cuts every call at once. A snapshot of a large ring buffer
 * takes seconds: the bound is far above what a working daemon takes.
 */
#define CPROF_CTL_TIMEOUT_S 60
#define CPROF_CTL_TIMEOUT_ENV "CPROF_LTTNG_TIMEOUT"

/* The watchdog gave up on the daemon (then the line is printed already). */
bool cprof_ctl_gave_up(void);

/* The value of `call`, a liblttng-ctl call made holding the lock. */
#define CPROF_CTL(call)                                                                            \
	({                                                                                         \
		cprof_ctl_lock();                                                                  \
		__typeof__(call) cprof_ctl_ret_ = (call);                                          \
		cprof_ctl_unlock();                                                                \
		cprof_ctl_ret_;                                                                    \
	})

/*
 * Waits until the consumer has written what `name` recorded before its
 * stop (lttng_data_pending() asked after 1 ms, then every few ms, where
 * liblttng-ctl's own stop sleeps 200 ms between asks), at most
 * `timeout_ms`: a consumer that never finishes must not hang us. True
 * when nothing is pending.
 */
bool cprof_ctl_wait_drained(const char *name, int timeout_ms);

/* cprof_ctl_destroy_session's result when the daemon did not confirm the
 * destruction in time (not an lttng_error_code). */
#define CPROF_CTL_TIMEOUT 1

/*
 * lttng_destroy_session(): stops `name` (waiting for its data), destroys
 * it and waits for the destruction to complete, each wait `timeout_ms` at
 * most; the lock is held only for each command, not while waiting. 0, a
 * negative lttng_error_code or CPROF_CTL_TIMEOUT.
 */
int cprof_ctl_destroy_session(const char *name, int timeout_ms);

#endif /* CPROF_SESSION_CTL_H */
