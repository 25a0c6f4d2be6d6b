/*
 * record --pid's test program: a known workload in a window it announces,
 * after a state built up before any recording.
 *
 *   test-record-pid-app GO_FILE exit|wait|flight|fork|kid [TASKS]
 *
 * Before the window: names two worker threads ("worker-1", "worker-2"),
 * keeps 48 blocks of 1 MiB alive (allocated by keep_live_blocks()), and
 * has thread "waiter" block on a mutex that thread "holder" holds until
 * the window opens. Prints "ready" and waits for GO_FILE to exist (it
 * exists already: the window opens at once, as under `record` from
 * launch).
 *
 * The window: "holder" releases the mutex 100 ms in; each worker runs
 * TASKS (default 25) tasks `job` of 4 regions `step` (spinning 1 ms each); then prints
 * "window done" (the workers still alive) and exits (`exit`), or waits
 * until GO_FILE is gone (at most 60 s; `wait`, and `flight` after calling
 * cprof_trace_snapshot("window")).
 *
 * The main thread names itself "pid-app-main" first (as servers name
 * theirs): the process is still "test-record-pid", as ps shows it.
 *
 * `fork`: after the window, forks two children, the first of which forks
 * a grandchild; each runs KID_TASKS tasks `kid-job` of 4 regions
 * `kid-step` (spinning 1 ms, allocating 64 KiB in kid_allocs()) and
 * exits; then prints "kids done" and waits as `wait` does. `kid`: runs
 * what one child does, at once, and exits.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_setname_np */
#endif
#include <cprof/trace.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int tasks = 25;
#define STEPS 4
#define LIVE_BLOCKS 48

static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
static atomic_int go, holding, done, finish;
static volatile unsigned long sink;
static void *live[LIVE_BLOCKS];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void spin_ms(double ms)
{
	double end = now_s() + ms / 1e3;

	while (now_s() < end)
		sink++;
}

static void sleep_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000};

	nanosleep(&t, NULL);
}

static __attribute__((noinline)) void keep_live_blocks(void)
{
	for (int i = 0; i < LIVE_BLOCKS; i++) {
		live[i] = malloc(1 << 20);
		memset(live[i], i, 1 << 20);
	}
}

static void *holder(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "holder");
	pthread_mutex_lock(&gate);
	atomic_store(&holding, 1);
	while (!atomic_load(&go))
		sleep_ms(5);
	sleep_ms(100);
	pthread_mutex_unlock(&gate);
	return NULL;
}

static void *waiter(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "waiter");
	pthread_mutex_lock(&gate);
	pthread_mutex_unlock(&gate);
	return NULL;
}

static void *worker(void *arg)
{
	char name[16];

	snprintf(name, sizeof(name), "worker-%d", (int)(long)arg);
	pthread_setname_np(pthread_self(), name);
	while (!atomic_load(&go))
		sleep_ms(5);
	for (int t = 0; t < tasks; t++) {
		cprof_task *task = cprof_task_begin(NULL, "job");

		for (int s = 0; s < STEPS; s++) {
			cprof_region r = cprof_region_begin(task, "step");

			spin_ms(1);
			cprof_region_end(&r);
		}
		cprof_task_end(task);
	}
	/* alive until the end, as a server's threads: a state taken now
	 * names them */
	atomic_fetch_add(&done, 1);
	while (!atomic_load(&finish))
		sleep_ms(5);
	return NULL;
}

#define KID_TASKS 10

static __attribute__((noinline)) void *kid_allocs(void)
{
	void *p = malloc(64 << 10);

	if (p)
		memset(p, 1, 64 << 10);
	return p;
}

static void kid_work(void)
{
	for (int t = 0; t < KID_TASKS; t++) {
		cprof_task *task = cprof_task_begin(NULL, "kid-job");

		for (int s = 0; s < STEPS; s++) {
			cprof_region r = cprof_region_begin(task, "kid-step");

			free(kid_allocs());
			spin_ms(1);
			cprof_region_end(&r);
		}
		cprof_task_end(task);
	}
}

/* A child that works (and first forks `grandchildren` of its own). */
static pid_t spawn_kid(int grandchildren)
{
	pid_t pid = fork();

	if (pid == 0) {
		pid_t g = grandchildren ? spawn_kid(grandchildren - 1) : -1;

		kid_work();
		if (g > 0)
			waitpid(g, NULL, 0);
		exit(0);
	}
	return pid;
}

int main(int argc, char **argv)
{
	pthread_t h, w, workers[2];

	if (argc < 3) {
		fprintf(stderr,
			"usage: test-record-pid-app GO_FILE exit|wait|flight|fork|kid [TASKS]\n");
		return 2;
	}
	if (argc > 3)
		tasks = atoi(argv[3]);
	if (!strcmp(argv[2], "kid")) {
		kid_work();
		return 0;
	}
	pthread_setname_np(pthread_self(), "pid-app-main");
	keep_live_blocks();
	pthread_create(&h, NULL, holder, NULL);
	while (!atomic_load(&holding))
		sleep_ms(1);
	pthread_create(&w, NULL, waiter, NULL);
	for (long i = 0; i < 2; i++)
		pthread_create(&workers[i], NULL, worker, (void *)(i + 1));
	sleep_ms(50); /* the waiter blocks */
	printf("ready\n");
	fflush(stdout);
	while (access(argv[1], F_OK) != 0)
		sleep_ms(10);
	atomic_store(&go, 1);
	pthread_join(h, NULL);
	pthread_join(w, NULL);
	while (atomic_load(&done) < 2)
		sleep_ms(5);
	printf("window done\n");
	fflush(stdout);
	if (!strcmp(argv[2], "flight"))
		cprof_trace_snapshot("window");
	if (!strcmp(argv[2], "fork")) {
		pid_t kids[2] = {spawn_kid(1), spawn_kid(0)};

		for (int i = 0; i < 2; i++)
			if (kids[i] > 0)
				waitpid(kids[i], NULL, 0);
		printf("kids done\n");
		fflush(stdout);
	}
	for (int i = 0; strcmp(argv[2], "exit") && i < 600 && access(argv[1], F_OK) == 0; i++)
		sleep_ms(100);
	atomic_store(&finish, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(workers[i], NULL);
	for (int i = 0; i < LIVE_BLOCKS; i++)
		free(live[i]);
	return 0;
}
