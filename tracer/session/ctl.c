/*
 * The lock around liblttng-ctl (see ctl.h).
 */
#include "ctl.h"

#include <dirent.h>
#include <lttng/lttng.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t ctl_lock = PTHREAD_MUTEX_INITIALIZER;

/* The watchdog (ctl.h): when the call in progress began (CLOCK_MONOTONIC
 * ns, 0 when none), the bound, and whether it gave up. */
static uint64_t call_began;
static uint64_t timeout_ns;
static int gave_up;
static pthread_once_t watchdog_once = PTHREAD_ONCE_INIT;
/* every socket of liblttng-ctl's commands ends so (lttng-tools' defaults:
 * /var/run/lttng/... as root, $LTTNG_HOME/.lttng/... otherwise) */
#define CLIENT_SOCKET "/client-lttng-sessiond"
#define WATCH_TICK_NS (50 * 1000 * 1000)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Shuts down this process's connections to the daemon's client socket:
 * the call waiting on one returns an error. Whether one was found. */
static bool cut_connections(void)
{
	DIR *dir = opendir("/proc/self/fd");
	size_t suffix = strlen(CLIENT_SOCKET);
	struct dirent *e;
	bool cut = false;

	if (!dir)
		return false;
	while ((e = readdir(dir))) {
		struct sockaddr_un peer = {0};
		socklen_t len = sizeof(peer);
		struct stat st;
		int fd = atoi(e->d_name);
		size_t n;

		if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd == dirfd(dir) ||
		    fstat(fd, &st) || !S_ISSOCK(st.st_mode) ||
		    getpeername(fd, (struct sockaddr *)&peer, &len) || peer.sun_family != AF_UNIX)
			continue;
		n = strnlen(peer.sun_path, sizeof(peer.sun_path));
		if (n >= suffix && !strcmp(peer.sun_path + n - suffix, CLIENT_SOCKET)) {
			shutdown(fd, SHUT_RDWR);
			cut = true;
		}
	}
	closedir(dir);
	return cut;
}

/*
 * Only atomics and sleeps until a call overstays: `record` forks its
 * program while this thread runs, and the child must find no lock taken.
 */
static void *watchdog(void *arg)
{
	const struct timespec tick = {0, WATCH_TICK_NS};

	(void)arg;
	for (;;) {
		uint64_t began = __atomic_load_n(&call_began, __ATOMIC_ACQUIRE);
		bool dead = __atomic_load_n(&gave_up, __ATOMIC_ACQUIRE);

		nanosleep(&tick, NULL);
		if (!began || began != __atomic_load_n(&call_began, __ATOMIC_ACQUIRE) ||
		    now_ns() - began < (dead ? WATCH_TICK_NS : timeout_ns))
			continue;
		/* given up before the cut: the failing call's caller, told
		 * so, prints nothing of its own (session.h) */
		if (!dead) {
			__atomic_store_n(&gave_up, 1, __ATOMIC_RELEASE);
			fprintf(stderr,
				"cprof-trace: the LTTng session daemon (lttng-sessiond) has not "
				"answered for %.0f s: giving up on it (hung? `lttng list` would "
				"wait too; restart lttng-sessiond, whose lttng-consumerd may be "
				"stuck)\n",
				(double)timeout_ns / 1e9);
		}
		cut_connections();
	}
	return NULL;
}

static void watchdog_start(void)
{
	const char *env = getenv(CPROF_CTL_TIMEOUT_ENV);
	double s = env && *env ? strtod(env, NULL) : 0;
	pthread_attr_t attr;
	pthread_t thread;

	timeout_ns = (uint64_t)((s > 0 ? s : CPROF_CTL_TIMEOUT_S) * 1e9);
	if (pthread_attr_init(&attr))
		return;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_create(&thread, &attr, watchdog, NULL);
	pthread_attr_destroy(&attr);
}

void cprof_ctl_lock(void)
{
	pthread_once(&watchdog_once, watchdog_start);
	pthread_mutex_lock(&ctl_lock);
	__atomic_store_n(&call_began, now_ns(), __ATOMIC_RELEASE);
}

void cprof_ctl_unlock(void)
{
	__atomic_store_n(&call_began, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&ctl_lock);
}

bool cprof_ctl_gave_up(void)
{
	return __atomic_load_n(&gave_up, __ATOMIC_ACQUIRE);
}

bool cprof_ctl_wait_drained(const char *name, int timeout_ms)
{
	struct timespec pause = {0, 1000 * 1000};
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		int pending = CPROF_CTL(lttng_data_pending(name));

		if (pending <= 0)
			return pending == 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 >=
		    timeout_ms)
			return false;
		nanosleep(&pause, NULL);
		if (pause.tv_nsec < 16 * 1000 * 1000)
			pause.tv_nsec *= 2;
	}
}

/*
 * What lttng_destroy_session() does in lttng-tools 2.13, with the waits
 * outside the lock and bounded: its stop waits for the data by asking
 * lttng_data_pending() every 200 ms, and its destruction waits for the
 * daemon's confirmation (half a second or more) on the destruction
 * handle's own socket, for ever when a program killed between reserving
 * and committing an event left a buffer that never completes.
 */
int cprof_ctl_destroy_session(const char *name, int timeout_ms)
{
	struct lttng_destruction_handle *handle = NULL;
	enum lttng_destruction_handle_status wait;
	enum lttng_error_code code;
	int ret = CPROF_CTL(lttng_stop_tracing_no_wait(name));

	if (ret < 0 && ret != -LTTNG_ERR_TRACE_ALREADY_STOPPED)
		goto end;
	cprof_ctl_wait_drained(name, timeout_ms);
	/* no destruction to wait for from a daemon given up on */
	if (cprof_ctl_gave_up()) {
		ret = -LTTNG_ERR_NO_SESSIOND;
		goto end;
	}
	code = CPROF_CTL(lttng_destroy_session_ext(name, &handle));
	if (code != LTTNG_OK) {
		ret = -(int)code;
		goto end;
	}
	wait = lttng_destruction_handle_wait_for_completion(handle, timeout_ms);
	if (wait == LTTNG_DESTRUCTION_HANDLE_STATUS_TIMEOUT)
		ret = CPROF_CTL_TIMEOUT;
	else if (wait != LTTNG_DESTRUCTION_HANDLE_STATUS_COMPLETED ||
		 lttng_destruction_handle_get_result(handle, &code) !=
		     LTTNG_DESTRUCTION_HANDLE_STATUS_OK)
		ret = -LTTNG_ERR_UNK;
	else
		ret = code == LTTNG_OK ? 0 : -(int)code;
end:
	lttng_destruction_handle_destroy(handle);
	return ret;
}
