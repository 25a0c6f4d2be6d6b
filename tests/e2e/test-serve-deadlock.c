/*
 * Two threads that take two locks in opposite orders and deadlock for
 * good ("lock-ab" holds a and waits for b, "lock-ba" holds b and waits
 * for a), plus a main thread that sleeps: for serve's thread dump.
 *
 * "deadlocked" is printed once both threads sleep in the kernel on the
 * mutex they wait for (/proc/self/task/TID/syscall: futex on its
 * address), not when they were created: on a loaded machine they may
 * not have run yet.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t both;
static pid_t tid_ab, tid_ba;

static void *lock_ab(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "lock-ab");
	__atomic_store_n(&tid_ab, gettid(), __ATOMIC_RELEASE);
	pthread_mutex_lock(&a);
	pthread_barrier_wait(&both);
	pthread_mutex_lock(&b); /* never returns */
	return NULL;
}

static void *lock_ba(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "lock-ba");
	__atomic_store_n(&tid_ba, gettid(), __ATOMIC_RELEASE);
	pthread_mutex_lock(&b);
	pthread_barrier_wait(&both);
	pthread_mutex_lock(&a); /* never returns */
	return NULL;
}

/* Whether thread TID sleeps in futex() on MUTEX (its lock word is first). */
static int waits_on(pid_t tid, pthread_mutex_t *mutex)
{
	char path[64];
	long nr = -1;
	unsigned long long addr = 0;
	FILE *f;

	if (!tid)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%ld %llx", &nr, &addr) != 2)
		nr = -1;
	fclose(f);
	return nr == SYS_futex && addr == (uintptr_t)mutex;
}

int main(int argc, char **argv)
{
	pthread_t t1, t2;
	unsigned seconds = argc > 1 ? (unsigned)atoi(argv[1]) : 60;
	const struct timespec ms = {0, 1000000};

	pthread_barrier_init(&both, NULL, 2);
	pthread_create(&t1, NULL, lock_ab, NULL);
	pthread_create(&t2, NULL, lock_ba, NULL);
	while (!waits_on(__atomic_load_n(&tid_ab, __ATOMIC_ACQUIRE), &b) ||
	       !waits_on(__atomic_load_n(&tid_ba, __ATOMIC_ACQUIRE), &a))
		nanosleep(&ms, NULL);
	printf("deadlocked\n");
	fflush(stdout);
	sleep(seconds);
	return 0;
}
