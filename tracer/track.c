/*
 * The process side of session tracking (see track.h).
 */
#include "track.h"

#include "cprof-tp-enums.h"
#include "cprof-tp.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define CPROF_EXPORT __attribute__((visibility("default")))

/*
 * The tracker the environment named (CPROF_TRACK_ENV) at start. sun_path[0]
 * stays NUL: the abstract namespace (no file to clean up). track_len
 * drops to 0, for good, once that tracker is known to be gone: record
 * said so (cprof_track_follow_), or a connection was refused (no socket
 * has the name any more, and none will: the name holds record's pid and
 * start time). From then on the process and the programs it executes
 * behave as untraced ones: no connection attempted, no wait for a join,
 * no CPROF_TRACK_ENV passed on (track_env, cprof_track_env_entry_).
 */
static struct sockaddr_un track_addr;
static socklen_t track_len;
static char track_env[sizeof(CPROF_TRACK_ENV) + sizeof(((struct sockaddr_un *)0)->sun_path)];

/*
 * Trackers a served process was told of while it runs (track.h): `record
 * --pid` and serve's captures. Written by the state keeper's thread only;
 * a fork child reads a slot's length (0: free) before its name.
 */
#define FOLLOWED_MAX 4
static struct {
	struct sockaddr_un addr;
	socklen_t len;
	char env[sizeof(CPROF_TRACK_ENV) + sizeof(((struct sockaddr_un *)0)->sun_path)];
} followed[FOLLOWED_MAX];
static unsigned followed_next;
static unsigned followed_latest;

/* Lazy joining (track.h): on for this recording; the join's state. */
static bool lazy;
enum { JOIN_NONE, JOIN_PENDING, JOIN_RUNNING };
CPROF_EXPORT int cprof_join_pending_;
static int join_state;
static int join_asked;

void cprof_track_init_(void)
{
	const char *name = getenv(CPROF_TRACK_ENV);
	const char *join = getenv(CPROF_JOIN_ENV);
	size_t n = name ? strlen(name) : 0;

	if (!n || n + 1 > sizeof(track_addr.sun_path))
		return;
	track_addr.sun_family = AF_UNIX;
	memcpy(track_addr.sun_path + 1, name, n);
	snprintf(track_env, sizeof(track_env), CPROF_TRACK_ENV "=%s", name);
	lazy = join && strcmp(join, "1") == 0;
	__atomic_store_n(&track_len, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n),
			 __ATOMIC_RELEASE);
}

/* The tracker at `*len` (track_len or a followed slot's) refused a
 * connection: forgotten, unless the slot was given another name meanwhile. */
static void forget(socklen_t *len, socklen_t was)
{
	__atomic_compare_exchange_n(len, &was, 0, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* A connection to `addr` failed: whether its tracker is gone (no socket
 * listens on the name; a full backlog gives EAGAIN or waits instead). */
static bool gone(int err)
{
	return err == ECONNREFUSED || err == ENOENT;
}

/*
 * Only system calls (a fork child of a threaded program may run nothing
 * else), made with syscall(): the preload library wraps read, poll, close
 * and friends, and this exchange is not the program's. Record answers once
 * the session daemon tracks the pid; TRACK_WAIT_MS without an answer
 * (record gone, stopped) and the process goes on untracked rather than
 * hang. A process that goes on before the answer registers with the
 * session daemon untracked and is set up later, while it runs: its events
 * until then are dropped, none counted (a loaded machine answered fork
 * children in up to a second, and 1 s here lost a child's and its
 * grandchild's every event, one fork test in ten). lttng-ust's own wait
 * for the daemon, LTTNG_UST_REGISTER_TIMEOUT, is longer under record (10 s).
 */
#define TRACK_WAIT_MS 3000
/* 1: record took the request; 0: it did not; -1: its tracker is gone. */
static int track_at(const struct sockaddr_un *addr, socklen_t len, int32_t pid, bool wait)
{
	int fd, took = 0;
	struct pollfd p;
	char ack;

	fd = (int)syscall(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	/* negative: no wait (record counts a waiting one it answers too late) */
	if (!wait)
		pid = -pid;
	if (syscall(SYS_connect, fd, addr, len) != 0)
		took = gone(errno) ? -1 : 0;
	else if (syscall(SYS_write, fd, &pid, sizeof(pid)) == (long)sizeof(pid)) {
		took = 1;
		p = (struct pollfd){.fd = fd, .events = POLLIN};
		if (wait && syscall(SYS_poll, &p, 1, TRACK_WAIT_MS) == 1)
			(void)syscall(SYS_read, fd, &ack, 1);
	}
	syscall(SYS_close, fd);
	return took;
}

/* Asks every tracker known: whether one took the request. */
static bool track(bool wait)
{
	int saved = errno;
	int32_t pid = (int32_t)syscall(SYS_getpid);
	socklen_t len = __atomic_load_n(&track_len, __ATOMIC_ACQUIRE);
	bool took = false;
	int r;

	if (len && (r = track_at(&track_addr, len, pid, wait)) != 0) {
		took = r > 0;
		if (r < 0)
			forget(&track_len, len);
	}
	for (unsigned i = 0; i < FOLLOWED_MAX; i++) {
		struct sockaddr_un addr;

		len = __atomic_load_n(&followed[i].len, __ATOMIC_ACQUIRE);
		if (!len)
			continue;
		memcpy(&addr, &followed[i].addr, sizeof(addr));
		/* renamed meanwhile: the new name's tracker has not seen us */
		if (__atomic_load_n(&followed[i].len, __ATOMIC_ACQUIRE) != len)
			continue;
		r = track_at(&addr, len, pid, wait);
		took = took || r > 0;
		if (r < 0)
			forget(&followed[i].len, len);
	}
	errno = saved;
	return took;
}

/* Whether `name` is the environment's tracker, still followed. */
static bool env_tracker_is(const char *name, size_t n)
{
	return __atomic_load_n(&track_len, __ATOMIC_ACQUIRE) ==
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n) &&
	       !memcmp(track_addr.sun_path + 1, name, n);
}

CPROF_EXPORT void cprof_track_follow_(const char *name, bool on)
{
	size_t n = strlen(name);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	unsigned slot = FOLLOWED_MAX;

	if (!n || n + 1 > sizeof(track_addr.sun_path))
		return;
	/* the environment's: asked already (or no more, once record ends) */
	if (env_tracker_is(name, n)) {
		if (!on)
			__atomic_store_n(&track_len, 0, __ATOMIC_RELEASE);
		return;
	}
	for (unsigned i = 0; i < FOLLOWED_MAX; i++)
		if (followed[i].len == len && !memcmp(followed[i].addr.sun_path + 1, name, n)) {
			if (!on)
				__atomic_store_n(&followed[i].len, 0, __ATOMIC_RELEASE);
			return;
		}
	if (!on)
		return;
	for (unsigned i = 0; i < FOLLOWED_MAX && slot == FOLLOWED_MAX; i++)
		if (!followed[i].len)
			slot = i;
	/* all taken (records killed before they said goodbye): the oldest */
	if (slot == FOLLOWED_MAX)
		slot = followed_next++ % FOLLOWED_MAX;
	__atomic_store_n(&followed[slot].len, 0, __ATOMIC_RELEASE);
	memset(&followed[slot].addr, 0, sizeof(followed[slot].addr));
	followed[slot].addr.sun_family = AF_UNIX;
	memcpy(followed[slot].addr.sun_path + 1, name, n);
	snprintf(followed[slot].env, sizeof(followed[slot].env), CPROF_TRACK_ENV "=%s", name);
	__atomic_store_n(&followed[slot].len, len, __ATOMIC_RELEASE);
	__atomic_store_n(&followed_latest, slot, __ATOMIC_RELEASE);
}

CPROF_EXPORT const char *cprof_track_env_entry_(void)
{
	unsigned latest = __atomic_load_n(&followed_latest, __ATOMIC_ACQUIRE);

	for (unsigned i = 0; i < FOLLOWED_MAX; i++) {
		unsigned k = (latest + FOLLOWED_MAX - i) % FOLLOWED_MAX;

		if (__atomic_load_n(&followed[k].len, __ATOMIC_ACQUIRE))
			return followed[k].env;
	}
	return __atomic_load_n(&track_len, __ATOMIC_ACQUIRE) ? track_env : NULL;
}

CPROF_EXPORT void cprof_track_followed_self_(void)
{
	for (unsigned i = 0; i < FOLLOWED_MAX; i++)
		if (__atomic_load_n(&followed[i].len, __ATOMIC_ACQUIRE)) {
			track(true);
			return;
		}
}

void cprof_track_self_(void)
{
	track(true);
}

CPROF_EXPORT bool cprof_track_active_(void)
{
	return __atomic_load_n(&track_len, __ATOMIC_ACQUIRE) != 0;
}

CPROF_EXPORT bool cprof_track_notice_(const char *text)
{
	int saved = errno, fd;
	bool sent = false;
	struct {
		int32_t pid;
		uint16_t len;
		char text[CPROF_TRACK_NOTICE_MAX];
	} __attribute__((packed)) msg = {0, 0, {0}};
	size_t n = strnlen(text, sizeof(msg.text));
	socklen_t len = __atomic_load_n(&track_len, __ATOMIC_ACQUIRE);

	if (!len)
		return false;
	memcpy(msg.text, text, n);
	msg.len = (uint16_t)n;
	fd = (int)syscall(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto end;
	if (syscall(SYS_connect, fd, &track_addr, len) == 0)
		sent = syscall(SYS_write, fd, &msg, offsetof(__typeof__(msg), text) + n) ==
		       (long)(offsetof(__typeof__(msg), text) + n);
	else if (gone(errno))
		forget(&track_len, len);
	syscall(SYS_close, fd);
end:
	errno = saved;
	return sent;
}

bool cprof_join_start_(void)
{
	int pending = lazy && cprof_track_active_() ? JOIN_PENDING : JOIN_NONE;

	__atomic_store_n(&join_state, pending, __ATOMIC_RELAXED);
	__atomic_store_n(&join_asked, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&cprof_join_pending_, pending != JOIN_NONE, __ATOMIC_RELEASE);
	return pending != JOIN_NONE;
}

CPROF_EXPORT void cprof_join_ask_(void);
CPROF_EXPORT void cprof_join_ask_(void)
{
	if (__atomic_load_n(&cprof_join_pending_, __ATOMIC_ACQUIRE) &&
	    !__atomic_exchange_n(&join_asked, 1, __ATOMIC_ACQ_REL))
		track(false);
}

/*
 * The session daemon sets the process up while record adds it to the
 * tracker (the answer comes after), but a process still registering is
 * set up later: its events are then polled for, every millisecond, for up
 * to 3 s (lttng-ust's own registration timeout). Only system calls, made
 * with syscall(): this runs inside the preload's hooks.
 *
 * Record is asked even when the probes are enabled already: the enabled
 * test is per process, not per session, and another session may have set
 * this process up (a flight recorder's or a user's own, which record every
 * process of the user, or a tracker still holding this pid from an earlier
 * process). Taken for joined, the process went on unknown to this
 * recording, and its events reached only the other session: under a
 * concurrent recording, record-spawn's child was missing 1 run in 3.
 * Another thread of the process waits for the one that joins.
 */
#define JOIN_POLLS 3000
CPROF_EXPORT bool cprof_join_(void);
CPROF_EXPORT bool cprof_join_(void)
{
	const struct timespec ms = {0, 1000 * 1000};
	int saved = errno;
	int expected = JOIN_PENDING;
	bool mine = __atomic_compare_exchange_n(&join_state, &expected, JOIN_RUNNING, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);

	if (!mine && expected == JOIN_NONE)
		goto end;
	if (!mine) {
		/* the joining thread's answer, then its polls */
		for (int i = 0; i < TRACK_WAIT_MS + JOIN_POLLS &&
				__atomic_load_n(&join_state, __ATOMIC_ACQUIRE) != JOIN_NONE;
		     i++)
			syscall(SYS_nanosleep, &ms, NULL);
		goto end;
	}
	/* no tracker took it (the recording ended): nothing to wait for */
	if (track(true))
		for (int i = 0; i < JOIN_POLLS && !lttng_ust_tracepoint_enabled(cprof, process);
		     i++)
			syscall(SYS_nanosleep, &ms, NULL);
	__atomic_store_n(&join_state, JOIN_NONE, __ATOMIC_RELEASE);
	__atomic_store_n(&cprof_join_pending_, 0, __ATOMIC_RELEASE);
end:
	errno = saved;
	return lttng_ust_tracepoint_enabled(cprof, process);
}
