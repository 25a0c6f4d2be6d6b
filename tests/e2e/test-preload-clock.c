/*
 * The clock variants of glibc 2.30 (pthread_cond_clockwait,
 * pthread_mutex_clocklock, pthread_rwlock_clockrdlock/clockwrlock,
 * sem_clockwait), recorded by test-preload.sh: libstdc++ calls them for
 * every steady-clock wait, so a C++ program's timed waits go through them.
 *
 * Modes clocklock, rwlock-clockrd, rwlock-clockwr, cond-clock and
 * sem-clock block once for about 50 ms. Mode semantics prints what glibc
 * returns for invalid clocks and times, pending cancellations and
 * timeouts, one line per call: the test runs it with and without the
 * preload library and the two outputs must be the same.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test-blocked.h"

#define HOLD_US 50000
#define BAD_CLOCK CLOCK_PROCESS_CPUTIME_ID

static const char *mode;
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rwlock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static sem_t sem;
static atomic_int held, release_now;
static int ready_flag;
static pid_t waiter_tid; /* the thread the holder or signaller makes wait */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void deadline(struct timespec *ts, clockid_t clock, int ms)
{
	clock_gettime(clock, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* --- one holder (or signaller), one waiter ------------------------------ */

static void *holder(void *arg)
{
	if (strcmp(mode, "clocklock") == 0)
		pthread_mutex_lock(&mutex);
	else if (strcmp(mode, "rwlock-clockrd") == 0)
		pthread_rwlock_wrlock(&rwlock);
	else if (strcmp(mode, "rwlock-clockwr") == 0)
		pthread_rwlock_rdlock(&rwlock);
	held = 1;
	/* let go HOLD_US after the waiter waits */
	if (strcmp(mode, "clocklock") == 0)
		test_wait_futex(waiter_tid, &mutex, sizeof(mutex));
	else
		test_wait_futex(waiter_tid, &rwlock, sizeof(rwlock));
	usleep(HOLD_US);
	if (strcmp(mode, "clocklock") == 0)
		pthread_mutex_unlock(&mutex);
	else if (strncmp(mode, "rwlock", 6) == 0)
		pthread_rwlock_unlock(&rwlock);
	return arg;
}

static void *signaller(void *arg)
{
	if (strcmp(mode, "cond-clock") == 0)
		test_wait_futex(waiter_tid, &cond, sizeof(cond));
	else
		test_wait_futex(waiter_tid, &sem, sizeof(sem));
	usleep(HOLD_US);
	if (strcmp(mode, "cond-clock") == 0) {
		pthread_mutex_lock(&mutex);
		ready_flag = 1;
		pthread_cond_signal(&cond);
		pthread_mutex_unlock(&mutex);
	} else {
		sem_post(&sem);
	}
	return arg;
}

static int run_wait(void)
{
	struct timespec ts;
	pthread_t t;
	uint64_t t0;
	int r = 0;
	bool signalled = strcmp(mode, "cond-clock") == 0 || strcmp(mode, "sem-clock") == 0;

	sem_init(&sem, 0, 0);
	waiter_tid = gettid();
	pthread_create(&t, NULL, signalled ? signaller : holder, NULL);
	while (!signalled && !held)
		usleep(100);
	t0 = now_ns();
	deadline(&ts, CLOCK_MONOTONIC, 5000);
	if (strcmp(mode, "clocklock") == 0) {
		r = pthread_mutex_clocklock(&mutex, CLOCK_MONOTONIC, &ts) ||
		    pthread_mutex_unlock(&mutex);
	} else if (strcmp(mode, "rwlock-clockrd") == 0) {
		r = pthread_rwlock_clockrdlock(&rwlock, CLOCK_MONOTONIC, &ts) ||
		    pthread_rwlock_unlock(&rwlock);
	} else if (strcmp(mode, "rwlock-clockwr") == 0) {
		r = pthread_rwlock_clockwrlock(&rwlock, CLOCK_MONOTONIC, &ts) ||
		    pthread_rwlock_unlock(&rwlock);
	} else if (strcmp(mode, "cond-clock") == 0) {
		pthread_mutex_lock(&mutex);
		while (!ready_flag && r == 0)
			r = pthread_cond_clockwait(&cond, &mutex, CLOCK_MONOTONIC, &ts);
		pthread_mutex_unlock(&mutex);
	} else if (strcmp(mode, "sem-clock") == 0) {
		while ((r = sem_clockwait(&sem, CLOCK_MONOTONIC, &ts)) != 0 && errno == EINTR)
			;
	}
	printf("waited %llu result %d\n", (unsigned long long)(now_ns() - t0), r);
	pthread_join(t, NULL);
	return r;
}

/* --- glibc's answers -------------------------------------------------- */

static const struct timespec bad_time = {0, 2000000000L};

static const char *errname(int e)
{
	switch (e) {
	case 0:
		return "0";
	case EINVAL:
		return "EINVAL";
	case ETIMEDOUT:
		return "ETIMEDOUT";
	case EBUSY:
		return "EBUSY";
	case EDEADLK:
		return "EDEADLK";
	default:
		return "other";
	}
}

/* A pthread_* result, or -1 and errno for sem_*. */
static void say(const char *what, int r)
{
	printf("%s: %s\n", what, r == -1 ? errname(errno) : errname(r));
	fflush(stdout);
}

/* Holds mutex and rwlock (for writing) until release_now. */
static void *long_holder(void *arg)
{
	pthread_mutex_lock(&mutex);
	pthread_rwlock_wrlock(&rwlock);
	held = 1;
	while (!release_now)
		usleep(1000);
	pthread_rwlock_unlock(&rwlock);
	pthread_mutex_unlock(&mutex);
	return arg;
}

/* With a cancellation pending, which of these acts on it. */
enum cancel_case { CANCEL_CLOCKWAIT, CANCEL_CLOCKWAIT_BAD_CLOCK, CANCEL_TIMEDWAIT_BAD_TIME };
static sem_t cancel_sem;
static int cancel_result;

static void *cancelled(void *arg)
{
	struct timespec ts;

	deadline(&ts, CLOCK_MONOTONIC, 1000);
	pthread_cancel(pthread_self()); /* deferred: pending until a cancellation point */
	switch ((enum cancel_case)(intptr_t)arg) {
	case CANCEL_CLOCKWAIT:
		cancel_result = sem_clockwait(&cancel_sem, CLOCK_MONOTONIC, &ts);
		break;
	case CANCEL_CLOCKWAIT_BAD_CLOCK:
		cancel_result = sem_clockwait(&cancel_sem, BAD_CLOCK, &ts);
		break;
	case CANCEL_TIMEDWAIT_BAD_TIME:
		cancel_result = sem_timedwait(&cancel_sem, &bad_time);
		break;
	}
	if (cancel_result == -1)
		cancel_result = -errno;
	return NULL;
}

static void cancel_check(const char *what, enum cancel_case c)
{
	pthread_t t;
	void *ret = NULL;
	int value = -1;

	sem_init(&cancel_sem, 0, 1);
	cancel_result = 1;
	pthread_create(&t, NULL, cancelled, (void *)(intptr_t)c);
	pthread_join(t, &ret);
	sem_getvalue(&cancel_sem, &value);
	if (ret == PTHREAD_CANCELED)
		printf("%s, cancel pending: cancelled, value %d\n", what, value);
	else
		printf("%s, cancel pending: %s, value %d\n", what,
		       cancel_result < 0 ? errname(-cancel_result) : errname(cancel_result), value);
	sem_destroy(&cancel_sem);
}

static int run_semantics(void)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_rwlock_t l = PTHREAD_RWLOCK_INITIALIZER;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	struct timespec ts;
	pthread_t t;
	sem_t s;
	int value;

	/* Free objects: an invalid clock (or time) must not take them. */
	deadline(&ts, CLOCK_MONOTONIC, 1000);
	say("mutex_clocklock free, bad clock", pthread_mutex_clocklock(&m, BAD_CLOCK, &ts));
	say(" then trylock", pthread_mutex_trylock(&m));
	pthread_mutex_unlock(&m);
	/* glibc checks the time only when it must sleep. */
	say("mutex_clocklock free, bad time",
	    pthread_mutex_clocklock(&m, CLOCK_MONOTONIC, &bad_time));
	pthread_mutex_unlock(&m);
	deadline(&ts, CLOCK_REALTIME, 1000);
	say("mutex_clocklock free, realtime", pthread_mutex_clocklock(&m, CLOCK_REALTIME, &ts));
	pthread_mutex_unlock(&m);

	deadline(&ts, CLOCK_MONOTONIC, 1000);
	say("rwlock_clockrdlock free, bad clock", pthread_rwlock_clockrdlock(&l, BAD_CLOCK, &ts));
	say("rwlock_clockrdlock free, bad time",
	    pthread_rwlock_clockrdlock(&l, CLOCK_MONOTONIC, &bad_time));
	say("rwlock_clockwrlock free, bad clock", pthread_rwlock_clockwrlock(&l, BAD_CLOCK, &ts));
	say("rwlock_clockwrlock free, bad time",
	    pthread_rwlock_clockwrlock(&l, CLOCK_MONOTONIC, &bad_time));
	say(" then trywrlock", pthread_rwlock_trywrlock(&l));
	pthread_rwlock_unlock(&l);

	sem_init(&s, 0, 1);
	say("sem_clockwait available, bad clock", sem_clockwait(&s, BAD_CLOCK, &ts));
	say("sem_clockwait available, bad time", sem_clockwait(&s, CLOCK_MONOTONIC, &bad_time));
	sem_getvalue(&s, &value);
	printf(" then value %d\n", value);
	say("sem_clockwait available", sem_clockwait(&s, CLOCK_MONOTONIC, &ts));
	sem_getvalue(&s, &value);
	printf(" then value %d\n", value);

	pthread_mutex_lock(&m);
	say("cond_clockwait bad clock", pthread_cond_clockwait(&c, &m, BAD_CLOCK, &ts));
	say("cond_clockwait bad time", pthread_cond_clockwait(&c, &m, CLOCK_MONOTONIC, &bad_time));
	say(" mutex still ours: trylock", pthread_mutex_trylock(&m));
	pthread_mutex_unlock(&m);

	cancel_check("sem_clockwait available", CANCEL_CLOCKWAIT);
	cancel_check("sem_clockwait available, bad clock", CANCEL_CLOCKWAIT_BAD_CLOCK);
	cancel_check("sem_timedwait available, bad time", CANCEL_TIMEDWAIT_BAD_TIME);

	/* Taken objects: a real wait that times out (recorded, result
	 * ETIMEDOUT). */
	pthread_create(&t, NULL, long_holder, NULL);
	while (!held)
		usleep(100);
	deadline(&ts, CLOCK_MONOTONIC, 20);
	say("mutex_clocklock taken, timeout",
	    pthread_mutex_clocklock(&mutex, CLOCK_MONOTONIC, &ts));
	deadline(&ts, CLOCK_MONOTONIC, 20);
	say("rwlock_clockrdlock taken, timeout",
	    pthread_rwlock_clockrdlock(&rwlock, CLOCK_MONOTONIC, &ts));
	deadline(&ts, CLOCK_REALTIME, 20);
	say("rwlock_clockwrlock taken, timeout",
	    pthread_rwlock_clockwrlock(&rwlock, CLOCK_REALTIME, &ts));
	release_now = 1;
	pthread_join(t, NULL);
	sem_init(&s, 0, 0);
	deadline(&ts, CLOCK_MONOTONIC, 20);
	say("sem_clockwait empty, timeout", sem_clockwait(&s, CLOCK_MONOTONIC, &ts));
	pthread_mutex_lock(&m);
	deadline(&ts, CLOCK_MONOTONIC, 20);
	say("cond_clockwait timeout", pthread_cond_clockwait(&c, &m, CLOCK_MONOTONIC, &ts));
	pthread_mutex_unlock(&m);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s MODE\n", argv[0]);
		return 2;
	}
	mode = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(mode, "semantics") == 0)
		return run_semantics();
	return run_wait();
}
