/*
 * The two hot paths the preload library must keep cheap: an uncontended
 * pthread_mutex_lock/unlock pair and a malloc(64)/free pair. Prints the
 * best of several rounds in ns per pair; bench-preload.sh runs it
 * untraced, under our preload and under LTTng's own wrappers.
 *
 * With argument "mt" a second, idle thread exists while measuring. glibc
 * drops the lock prefix of its mutex fast path while a process has one
 * thread; any process traced by LTTng-UST has its listener threads, so the
 * fair untraced baseline for "what tracing adds" is a multi-threaded one
 * (as a program that uses mutexes is). Both baselines are printed.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 7
#define PAIRS 2000000

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
/* Through a volatile pointer, so the compiler cannot elide the pair. */
static void *(*volatile do_malloc)(size_t) = malloc;
static void (*volatile do_free)(void *) = free;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double best_lock(void)
{
	double best = 1e9;

	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t0 = now_ns();

		for (int i = 0; i < PAIRS; i++) {
			pthread_mutex_lock(&mutex);
			pthread_mutex_unlock(&mutex);
		}
		double ns = (double)(now_ns() - t0) / PAIRS;
		if (ns < best)
			best = ns;
	}
	return best;
}

static double best_malloc(void)
{
	double best = 1e9;

	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t0 = now_ns();

		for (int i = 0; i < PAIRS; i++)
			do_free(do_malloc(64));
		double ns = (double)(now_ns() - t0) / PAIRS;
		if (ns < best)
			best = ns;
	}
	return best;
}

static void *idle(void *arg)
{
	pause();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc > 1 && strcmp(argv[1], "mt") == 0)
		pthread_create(&t, NULL, idle, NULL);
	printf("lock %.2f\n", best_lock());
	printf("malloc %.2f\n", best_malloc());
	return 0;
}
