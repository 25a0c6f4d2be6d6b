/*
 * A program for test-wait-short.sh, recorded with no cprof code in it:
 * round after round, a holder takes a mutex and a waiter, DEPTH frames down,
 * finds it taken with its own pthread_mutex_trylock, says so, and calls
 * pthread_mutex_lock; the holder lets go HOLD_NS after it saw that, before
 * a hook could have unwound those frames (about 3 us). A lock call made
 * while the holder still held the mutex is a wait the program suffered:
 * it returned only once the holder let go. The rounds go on until SHORT
 * of them were short waits (the call began 1 to 2.5 us before the
 * release), or for ROUNDS_MAX rounds: on a loaded machine the two
 * threads often do not run at once, and the holder lets go much later.
 *
 * Prints the waiter's thread id, then per round where the waiter's
 * trylock failed when the lock call began, when the holder let go (read
 * just before its unlock) and when the lock call returned
 * (CLOCK_MONOTONIC):
 *   waiter TID
 *   round CALL_NS RELEASE_NS RETURN_NS
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS_MAX 3000
#define SHORT 150
#define HOLD_NS 1500
#define DEPTH 250

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static atomic_int held, trying, done;
static atomic_int waiter_tid;
/* per round: the lock call's begin and return (0: the trylock took the
 * mutex), the holder's release */
static uint64_t calls[ROUNDS_MAX + 1], returns[ROUNDS_MAX + 1], releases[ROUNDS_MAX + 1];
static atomic_int last; /* the last round */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Round r on the waiter's side. */
static void wait_once(int r)
{
	if (pthread_mutex_trylock(&mutex) != 0) {
		atomic_store(&trying, r);
		calls[r] = now_ns();
		pthread_mutex_lock(&mutex);
		returns[r] = now_ns();
	}
	pthread_mutex_unlock(&mutex);
}

/* Round r, DEPTH frames down; noinline and the barrier after the call (no
 * tail call) keep every frame. */
__attribute__((noinline)) static void deep(int depth, int r)
{
	if (depth > 0)
		deep(depth - 1, r);
	else
		wait_once(r);
	__asm__ volatile("" ::: "memory");
}

static void *waiter(void *arg)
{
	atomic_store(&waiter_tid, (int)gettid());
	for (int r = 1; r <= atomic_load(&last); r++) {
		while (atomic_load(&held) != r)
			sched_yield();
		deep(DEPTH, r);
		atomic_store(&done, r);
	}
	return arg;
}

/* Round r on the holder's side: hold the mutex until the waiter found it
 * taken (or gave up looking after 10 ms), then HOLD_NS more. */
static void hold_once(int r)
{
	uint64_t end;

	pthread_mutex_lock(&mutex);
	atomic_store(&held, r);
	end = now_ns() + 10000000u;
	while (atomic_load(&trying) != r && now_ns() < end)
		;
	end = now_ns() + HOLD_NS;
	while (now_ns() < end)
		;
	releases[r] = now_ns();
	pthread_mutex_unlock(&mutex);
	while (atomic_load(&done) != r)
		sched_yield();
}

int main(void)
{
	pthread_t t;
	int shorts = 0, r;

	atomic_store(&last, ROUNDS_MAX);
	if (pthread_create(&t, NULL, waiter, NULL))
		return 1;
	for (r = 1; r <= ROUNDS_MAX; r++) {
		uint64_t ahead;

		/* the waiter reads `last` before it waits for the round */
		if (shorts == SHORT || r == ROUNDS_MAX)
			atomic_store(&last, r);
		hold_once(r);
		ahead = releases[r] - calls[r];
		if (calls[r] && calls[r] < releases[r] && ahead >= 1000 && ahead <= 2500)
			shorts++;
		if (atomic_load(&last) == r)
			break;
	}
	pthread_join(t, NULL);
	printf("waiter %d\n", atomic_load(&waiter_tid));
	for (r = 1; r <= atomic_load(&last); r++)
		if (calls[r])
			printf("round %llu %llu %llu\n", (unsigned long long)calls[r],
			       (unsigned long long)releases[r], (unsigned long long)returns[r]);
	return 0;
}
