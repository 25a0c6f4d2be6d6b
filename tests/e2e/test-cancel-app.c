/*
 * test-cancel-app: threads recording regions flat out are cancelled
 * (deferred cancellation, the default) while a full blocking channel makes
 * lttng-ust wait for room with poll(), a cancellation point. Each thread
 * is joined: the program must end, and every region the threads ended is
 * in the trace.
 *
 *   test-cancel-app [THREADS] [ROUNDS]    (default 4 and 5)
 *
 * Prints the number of regions ended by the threads (a cancelled thread
 * counts the regions it ended before its cancellation point).
 */
#include <cprof/trace.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long ended[64];

static void *worker(void *arg)
{
	long *n = arg;

	for (;;) {
		TRACE_REGION (NULL, "work") {
			__asm__ volatile("" ::: "memory");
		}
		(*n)++;
		pthread_testcancel();
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 4;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	long total = 0;

	if (threads < 1 || threads > 64)
		threads = 4;
	for (int r = 0; r < rounds; r++) {
		pthread_t t[64];
		const struct timespec run = {0, 20 * 1000 * 1000};

		for (int i = 0; i < threads; i++)
			pthread_create(&t[i], NULL, worker, &ended[i]);
		nanosleep(&run, NULL);
		for (int i = 0; i < threads; i++)
			pthread_cancel(t[i]);
		for (int i = 0; i < threads; i++)
			pthread_join(t[i], NULL);
		for (int i = 0; i < threads; i++) {
			total += ended[i];
			ended[i] = 0;
		}
	}
	printf("%ld\n", total);
	return 0;
}
