/*
 * The registry of tracing's own threads (see own-threads.h): a fixed table
 * of (pid, tid) pairs, one 64-bit word each, claimed and released with
 * compare-and-swap. An entry whose pid is not the caller's is a fork
 * parent's and free: a fork child starts with none of its own, and
 * lttng-ust's listeners, re-created in the child, register again there.
 */
#include "own-threads.h"

#include "batch-clock.h"

#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CPROF_EXPORT __attribute__((visibility("default")))

/* lttng-ust's 2 listeners and our 3 threads, with room for a fork child's
 * listeners starting while the parent's entries are still there. */
#define OWN_MAX 32

static uint64_t own[OWN_MAX];

static uint64_t entry(int32_t pid, int32_t tid)
{
	return (uint64_t)(uint32_t)pid << 32 | (uint32_t)tid;
}

CPROF_EXPORT void cprof_own_thread_begin_(void)
{
	int32_t pid = (int32_t)getpid(), tid = (int32_t)syscall(SYS_gettid);

	for (int i = 0; i < OWN_MAX; i++) {
		uint64_t old = __atomic_load_n(&own[i], __ATOMIC_RELAXED);

		if ((old == 0 || (int32_t)(old >> 32) != pid) &&
		    __atomic_compare_exchange_n(&own[i], &old, entry(pid, tid), false,
						__ATOMIC_RELEASE, __ATOMIC_RELAXED))
			return;
	}
}

CPROF_EXPORT void cprof_own_thread_end_(void)
{
	uint64_t e = entry((int32_t)getpid(), (int32_t)syscall(SYS_gettid));

	for (int i = 0; i < OWN_MAX; i++) {
		uint64_t want = e;

		if (__atomic_compare_exchange_n(&own[i], &want, 0, false, __ATOMIC_RELEASE,
						__ATOMIC_RELAXED))
			return;
	}
}

CPROF_EXPORT bool cprof_own_thread_is_(int32_t tid)
{
	uint64_t e = entry((int32_t)getpid(), tid);

	for (int i = 0; i < OWN_MAX; i++)
		if (__atomic_load_n(&own[i], __ATOMIC_ACQUIRE) == e)
			return true;
	return false;
}

CPROF_EXPORT size_t cprof_own_threads_(int32_t *tids, size_t max)
{
	int32_t pid = (int32_t)getpid();
	size_t n = 0;

	for (int i = 0; i < OWN_MAX && n < max; i++) {
		uint64_t e = __atomic_load_n(&own[i], __ATOMIC_ACQUIRE);

		if (e && (int32_t)(e >> 32) == pid)
			tids[n++] = (int32_t)(uint32_t)e;
	}
	return n;
}

CPROF_EXPORT bool cprof_own_thread_wait_end_(const int32_t *tid, uint64_t deadline_ns,
					     bool (*parked)(int32_t tid))
{
	const struct timespec pause = {0, 100000};
	int32_t pid = (int32_t)getpid();

	for (;;) {
		int32_t t = __atomic_load_n(tid, __ATOMIC_ACQUIRE);

		if (t != 0 && syscall(SYS_tgkill, pid, t, 0) != 0 && errno == ESRCH)
			return true;
		if (t != 0 && parked && parked(t))
			return true;
		if (cprof_clock_mono_ns_() >= deadline_ns)
			return false;
		syscall(SYS_nanosleep, &pause, NULL);
	}
}
