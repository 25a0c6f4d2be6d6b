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
