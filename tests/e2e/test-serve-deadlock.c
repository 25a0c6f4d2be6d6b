/*
 * Two threads that take two locks in opposite orders and deadlock for
 * good ("lock-ab" holds a and waits for b, "lock-ba" holds b and waits
 * for a), plus a main thread that sleeps: for serve's thread dump.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t both;

static void *lock_ab(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "lock-ab");
	pthread_mutex_lock(&a);
	pthread_barrier_wait(&both);
	pthread_mutex_lock(&b); /* never returns */
	return NULL;
}

static void *lock_ba(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "lock-ba");
	pthread_mutex_lock(&b);
	pthread_barrier_wait(&both);
	pthread_mutex_lock(&a); /* never returns */
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t1, t2;
	unsigned seconds = argc > 1 ? (unsigned)atoi(argv[1]) : 60;

	pthread_barrier_init(&both, NULL, 2);
	pthread_create(&t1, NULL, lock_ab, NULL);
	pthread_create(&t2, NULL, lock_ba, NULL);
	printf("deadlocked\n");
	fflush(stdout);
	sleep(seconds);
	return 0;
}
