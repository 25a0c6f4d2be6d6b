/*
 * A program for test-wait-begin.sh, recorded with no cprof code in it:
 * a holder makes a waiter block ROUNDS times on each of a mutex, a
 * rwlock, a semaphore and a condition variable, and lets go HOLD_US after
 * it saw the waiter asleep in the kernel. The waits are short and made
 * DEPTH frames down (recorded with --stack-depth=256), so that the time
 * a hook spends before it can write the wait's event, unwinding the
 * stack, is a visible part of each. The waiter measures each wait around the call and
 * prints its thread id, per kind the number of waits, their total and
 * their median, and each wait's start (CLOCK_MONOTONIC, just before the
 * call) in order:
 *   waiter TID
 *   mutex N TOTAL_NS MEDIAN_NS (and rwlock, sem, cond)
 *   t0 NS (KINDS * ROUNDS lines)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "test-blocked.h"

#define ROUNDS 150
#define HOLD_US 50
#define DEPTH 250

enum kind { MUTEX, RWLOCK, SEM, COND, KINDS };

static const char *const names[KINDS] = {"mutex", "rwlock", "sem", "cond"};

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rwlock = PTHREAD_RWLOCK_INITIALIZER;
static sem_t sem;
static pthread_mutex_t cond_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int signalled;

/* What the waiter sleeps on, in futex(), for each kind. */
static const struct {
	const void *p;
	size_t size;
} objs[KINDS] = {
    {&mutex, sizeof(mutex)}, {&rwlock, sizeof(rwlock)}, {&sem, sizeof(sem)}, {&cond, sizeof(cond)}};

static atomic_int go, done;
static atomic_int waiter_tid;
static uint64_t starts[KINDS * ROUNDS], lengths[KINDS * ROUNDS];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void spin_ns(uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end)
		;
}

/* Until the waiter sleeps in futex() on obj: polled without a pause, the
 * waits are a fraction of a millisecond. */
static void until_asleep(const void *obj, size_t size)
{
	pid_t tid = (pid_t)atomic_load(&waiter_tid);

	while (!test_in_syscall(tid, SYS_futex, (uintptr_t)obj, (uintptr_t)obj + size))
		sched_yield();
}

/* Round r (of kind k) on the waiter's side: the call blocks, as the holder
 * keeps what it waits for. */
static void wait_once(int r, enum kind k)
{
	uint64_t t = now_ns();

	starts[r - 1] = t;
	switch (k) {
	case MUTEX:
		pthread_mutex_lock(&mutex);
		lengths[r - 1] = now_ns() - t;
		pthread_mutex_unlock(&mutex);
		break;
	case RWLOCK:
		pthread_rwlock_rdlock(&rwlock);
		lengths[r - 1] = now_ns() - t;
		pthread_rwlock_unlock(&rwlock);
		break;
	case SEM:
		while (sem_wait(&sem) != 0)
			;
		lengths[r - 1] = now_ns() - t;
		break;
	case COND:
		/* cond_mutex is held since before the round began */
		while (!signalled)
			pthread_cond_wait(&cond, &cond_mutex);
		lengths[r - 1] = now_ns() - t;
		signalled = 0;
		pthread_mutex_unlock(&cond_mutex);
		break;
	default:
		break;
	}
}

/* Round r, DEPTH frames down; noinline and the barrier after the call (no
 * tail call) keep every frame. */
__attribute__((noinline)) static void deep(int depth, int r, enum kind k)
{
	if (depth > 0)
		deep(depth - 1, r, k);
	else
		wait_once(r, k);
	__asm__ volatile("" ::: "memory");
}

static void *waiter(void *arg)
{
	atomic_store(&waiter_tid, (int)gettid());
	for (int r = 1; r <= KINDS * ROUNDS; r++) {
		enum kind k = (enum kind)((r - 1) / ROUNDS);

		if (k == COND)
			pthread_mutex_lock(&cond_mutex);
		atomic_store(&go, r);
		while (atomic_load(&go) != -r)
			sched_yield();
		deep(DEPTH, r, k);
		atomic_store(&done, r);
	}
	return arg;
}

/* The holder's side of round r: take what the waiter will wait for (the
 * condition variable needs nothing), let it go, and give it back HOLD_US
 * after the waiter fell asleep on it. */
static void hold_once(int r, enum kind k)
{
	while (atomic_load(&go) != r)
		sched_yield();
	if (k == MUTEX)
		pthread_mutex_lock(&mutex);
	else if (k == RWLOCK)
		pthread_rwlock_wrlock(&rwlock);
	atomic_store(&go, -r);
	until_asleep(objs[k].p, objs[k].size);
	spin_ns(HOLD_US * 1000u);
	switch (k) {
	case MUTEX:
		pthread_mutex_unlock(&mutex);
		break;
	case RWLOCK:
		pthread_rwlock_unlock(&rwlock);
		break;
	case SEM:
		sem_post(&sem);
		break;
	case COND:
		pthread_mutex_lock(&cond_mutex);
		signalled = 1;
		pthread_cond_signal(&cond);
		pthread_mutex_unlock(&cond_mutex);
		break;
	default:
		break;
	}
	while (atomic_load(&done) != r)
		sched_yield();
}

static int by_value(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

int main(void)
{
	pthread_t t;

	sem_init(&sem, 0, 0);
	if (pthread_create(&t, NULL, waiter, NULL))
		return 1;
	for (int r = 1; r <= KINDS * ROUNDS; r++)
		hold_once(r, (enum kind)((r - 1) / ROUNDS));
	pthread_join(t, NULL);
	printf("waiter %d\n", atomic_load(&waiter_tid));
	for (int k = 0; k < KINDS; k++) {
		uint64_t *l = lengths + k * ROUNDS, total = 0;

		for (int i = 0; i < ROUNDS; i++)
			total += l[i];
		/* the median as stats computes it: the nearest rank */
		qsort(l, ROUNDS, sizeof(*l), by_value);
		printf("%s %d %llu %llu\n", names[k], ROUNDS, (unsigned long long)total,
		       (unsigned long long)l[(ROUNDS * 50 + 99) / 100 - 1]);
	}
	for (int r = 0; r < KINDS * ROUNDS; r++)
		printf("t0 %llu\n", (unsigned long long)starts[r]);
	return 0;
}
