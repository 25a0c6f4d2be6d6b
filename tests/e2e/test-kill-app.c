/*
 * For test-kill.sh: three threads emit nested regions flat out, forever,
 * and the main thread waits inside a region, until the test kills the
 * program with SIGKILL. Nothing flushes at the end: whatever the threads
 * still buffer is lost, as in a real kill.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_setname_np; meson may already define it */
#endif
#include <cprof/trace.h>

#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static void *spin(void *arg)
{
	char name[16];

	snprintf(name, sizeof(name), "spin-%d", (int)(long)arg);
	pthread_setname_np(pthread_self(), name);
	for (;;) {
		TRACE_REGION (NULL, "outer") {
			TRACE_REGION (NULL, "inner") {
				for (volatile int k = 0; k < 200; k++)
					;
			}
		}
	}
	return NULL;
}

int main(void)
{
	pthread_t t;

	for (long i = 0; i < 3; i++)
		if (pthread_create(&t, NULL, spin, (void *)i) != 0)
			return 1;
	TRACE_REGION (NULL, "main-wait") {
		for (;;)
			pause();
	}
	return 0;
}
