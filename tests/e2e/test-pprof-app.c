/*
 * A program for the pprof e2e test, built -O2 -g by the test itself and
 * recorded with no code change besides its annotations. It measures what
 * each profile must show and prints it:
 *   lock_wait_ns   time threads waited in lock_it() for a contended mutex
 *   cond_wait_ns   time waiter() waited on a condition variable
 *   read_wait_ns   time reader() was blocked reading a slow pipe
 *   leak_bytes     bytes allocated by leak_it() and never freed
 *   phase1_ns, phase2_ns  wall time around the regions phase1 and phase2
 *   phase1_in_ns, phase2_in_ns  and inside them (the region lasts from
 *                  one to the other)
 * and burns CPU in work1() and work2() in a 1:2 ratio inside regions; it
 * logs "waiting" (category waiter) once the waiter waits. The
 * regions' truth is measured around them, not taken from the 200 and 400
 * ms the spins aim at: a spin preempted just before its deadline ends
 * late, by milliseconds on a loaded machine.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <cprof/trace.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t cmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t acc = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ready, waiting, pipefd[2];
static double lock_wait_ns, cond_wait_ns, read_wait_ns, phase1_ns, phase2_ns;
static double phase1_in_ns, phase2_in_ns;
static void *leaked[200];
static volatile unsigned long sink;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static void spin(double ns)
{
	double end = now() + ns;
	while (now() < end)
		;
}

__attribute__((noinline)) static void lock_it(void)
{
	double t = now();
	pthread_mutex_lock(&mu);
	double w = now() - t;
	pthread_mutex_lock(&acc);
	lock_wait_ns += w;
	pthread_mutex_unlock(&acc);
}

__attribute__((noinline)) static void *worker(void *arg)
{
	for (int i = 0; i < 60; i++) {
		lock_it();
		spin(2e6);
		pthread_mutex_unlock(&mu);
		spin(1e5);
	}
	return arg;
}

__attribute__((noinline)) static void *waiter(void *arg)
{
	double t = now();
	pthread_setname_np(pthread_self(), "waiter");
	pthread_mutex_lock(&cmu);
	__atomic_store_n(&waiting, 1, __ATOMIC_RELEASE);
	while (!ready)
		pthread_cond_wait(&cv, &cmu);
	pthread_mutex_unlock(&cmu);
	cond_wait_ns = now() - t;
	return arg;
}

/* Set by reader() just before its first read: main writes the first byte
 * 50 ms after that, not 50 ms after creating it (a loaded machine started
 * the reader after all four writes: no read blocked, nothing to profile). */
static volatile int reader_started;

__attribute__((noinline)) static void *reader(void *arg)
{
	char buf[16];
	__atomic_store_n(&reader_started, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 4; i++) {
		double t = now();
		if (read(pipefd[0], buf, 1) != 1)
			break;
		read_wait_ns += now() - t;
	}
	return arg;
}

__attribute__((noinline)) static void leak_it(int i)
{
	leaked[i] = malloc(10000);
	((volatile char *)leaked[i])[0] = 1;
}

__attribute__((noinline)) static void work1(double ns)
{
	double end = now() + ns;
	while (now() < end)
		sink++;
}

__attribute__((noinline)) static void work2(double ns)
{
	double end = now() + ns;
	while (now() < end)
		sink += 2;
}

int main(void)
{
	pthread_t t[4];
	cprof_task *task;

	if (pipe(pipefd))
		return 1;
	pthread_create(&t[2], NULL, waiter, NULL);
	pthread_create(&t[3], NULL, reader, NULL);
	pthread_create(&t[0], NULL, worker, NULL);
	pthread_create(&t[1], NULL, worker, NULL);
	while (!__atomic_load_n(&reader_started, __ATOMIC_ACQUIRE))
		usleep(1000);
	/* The waiter holds cmu until pthread_cond_wait releases it: once it
	 * said so and cmu is free, it waits, until the end. The log says when,
	 * in the trace, for the test's time window inside that wait (a fixed
	 * time after the trace's start may come before it on a loaded
	 * machine). trylock: main's own checks must not wait on cmu. */
	while (!__atomic_load_n(&waiting, __ATOMIC_ACQUIRE) || pthread_mutex_trylock(&cmu) != 0)
		usleep(1000);
	pthread_mutex_unlock(&cmu);
	cprof_log(NULL, "waiter", "waiting");
	for (int i = 0; i < 4; i++) {
		usleep(50000);
		if (write(pipefd[1], "x", 1) != 1)
			return 1;
	}
	task = cprof_task_begin(NULL, "compute");
	phase1_ns = now();
	TRACE_REGION (task, "phase1") {
		phase1_in_ns = now();
		work1(200e6);
		phase1_in_ns = now() - phase1_in_ns;
	}
	phase1_ns = now() - phase1_ns;
	phase2_ns = now();
	TRACE_REGION (task, "phase2") {
		phase2_in_ns = now();
		work2(400e6);
		phase2_in_ns = now() - phase2_in_ns;
	}
	phase2_ns = now() - phase2_ns;
	cprof_task_end(task);
	for (int i = 0; i < 200; i++)
		leak_it(i);
	for (int i = 100; i < 200; i++)
		free(leaked[i]);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	pthread_join(t[3], NULL);
	pthread_mutex_lock(&cmu);
	ready = 1;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&cmu);
	pthread_join(t[2], NULL);
	printf("lock_wait_ns %.0f\ncond_wait_ns %.0f\nread_wait_ns %.0f\nleak_bytes %d\n"
	       "phase1_ns %.0f\nphase2_ns %.0f\nphase1_in_ns %.0f\nphase2_in_ns %.0f\n",
	       lock_wait_ns, cond_wait_ns, read_wait_ns, 100 * 10000, phase1_ns, phase2_ns,
	       phase1_in_ns, phase2_in_ns);
	return 0;
}
