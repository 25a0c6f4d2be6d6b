/*
 * The flight recorder's test program.
 *
 *   stall SECONDS   two threads serve requests (a task and a region
 *                   `request` each, a short lookup under `table_lock`);
 *                   a maintenance thread calls rebuild_index() once per
 *                   ~2000 requests (and at least once a second), which
 *                   holds `table_lock` for 150 ms,
 *                   so about 1 request in 2000 stalls behind it. Prints
 *                   "slow request task=ID ms=MS" for each request slower
 *                   than 100 ms.
 *   api             works 0.6 s, calls cprof_trace_snapshot("checkpoint")
 *                   and prints "requested at NS" (CLOCK_MONOTONIC), works
 *                   0.6 s more.
 *   signal [FILE]   prints "ready", raises SIGUSR2 at itself after 0.3 s,
 *                   works until 2 s have passed and FILE exists (the test
 *                   signals record meanwhile).
 *   lost [AFTER]    logs a message larger than a 4 KiB sub-buffer once,
 *                   amid small events: 0.8 s before it, AFTER s (1.7)
 *                   after it.
 *   fill SECONDS    regions as fast as it can for SECONDS (the ring
 *                   buffers fill), then cprof_trace_snapshot("full").
 *   storm SECONDS   regions as fast as it can for SECONDS, with a
 *                   cprof_trace_snapshot("storm") after every 200 (each
 *                   flushes this thread's batch into lttng-ust while the
 *                   write hook may flush it too), then prints "done".
 *   migrate SECONDS two threads go back and forth between CPUs 0 and 1:
 *                   3000 regions `busy` on CPU 0 (about ten batches),
 *                   100 regions `calm` on CPU 1 and a 2 ms sleep (one
 *                   batch), so that CPU 0's ring buffer overwrites its
 *                   oldest batches long before CPU 1's does; a task
 *                   `round` from each move to CPU 1 to the end of the
 *                   next `busy` regions (begun where the past survives,
 *                   ended where it does not); then
 *                   cprof_trace_snapshot("migrate") and "cycles N".
 *   forks SECONDS   forks a child every 10 ms, each living about 150 ms
 *                   (regions `child` meanwhile), so record keeps adding
 *                   pids to the session's tracker, and calls
 *                   cprof_trace_snapshot("forks") every 100 ms; then
 *                   reaps the children and prints "forked N asked M".
 *   children SECONDS  a region `start`, then forks a child every 10 ms,
 *                   each living about 30 ms (3 regions `child`: shorter
 *                   than the 100 ms between two looks at /proc), and
 *                   asks for a snapshot "during" every 100 ms (each
 *                   snapshot closes a sub-buffer of every CPU's ring:
 *                   more of them than a ring has sub-buffers overwrote
 *                   its oldest events); once every
 *                   child is reaped, asks for "final" and prints "forked
 *                   N", then "child PID MS" per child, MS from its fork to
 *                   its first instruction of its own (how long lttng-ust
 *                   waited for the session daemon to register it).
 *   snapcost        prints what a cprof_trace_snapshot() call costs, in ns,
 *                   the least of 20 rounds of 10000 calls (0.3 with
 *                   nothing listening; a call with the snapshot trigger
 *                   of a flight recorder registered)
 *   other SECONDS   regions `other` for SECONDS: a traced program of the
 *                   same user, unrelated to the recorded one.
 */
#include <cprof/trace.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_long served;
static atomic_int stop;
static volatile unsigned long sink;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void spin_us(unsigned us)
{
	double end = now_s() + us / 1e6;

	while (now_s() < end)
		sink++;
}

/* Rarely called, and slow while holding the lock every request needs. */
static __attribute__((noinline)) void rebuild_index(void)
{
	pthread_mutex_lock(&table_lock);
	usleep(150 * 1000);
	pthread_mutex_unlock(&table_lock);
	sink++; /* no tail call: the unlock's stack shows this function */
}

static __attribute__((noinline)) void lookup(void)
{
	pthread_mutex_lock(&table_lock);
	sink++;
	pthread_mutex_unlock(&table_lock);
}

static void *serve(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		cprof_task *t = cprof_task_begin(NULL, "request");
		double t0 = now_s(), ms;

		TRACE_REGION (t, "request") {
			lookup();
			spin_us(20);
			usleep(150);
		}
		ms = (now_s() - t0) * 1e3;
		if (ms > 100)
			printf("slow request task=%llu ms=%.1f\n",
			       (unsigned long long)cprof_task_id(t), ms);
		cprof_task_end(t);
		atomic_fetch_add(&served, 1);
	}
	return NULL;
}

/* Once per ~2000 requests, and at least once a second: a loaded machine
 * may serve far fewer than 2000 requests a second, and the test needs a
 * stall. */
static void *maintain(void *arg)
{
	long next = 1000;
	double last = now_s();

	(void)arg;
	while (!atomic_load(&stop)) {
		usleep(1000);
		if (atomic_load(&served) >= next || now_s() - last >= 1.0) {
			rebuild_index();
			next = atomic_load(&served) + 2000;
			last = now_s();
		}
	}
	return NULL;
}

static int stall(double seconds)
{
	pthread_t th[3];
	double end = now_s() + seconds;

	pthread_create(&th[0], NULL, serve, NULL);
	pthread_create(&th[1], NULL, serve, NULL);
	pthread_create(&th[2], NULL, maintain, NULL);
	while (now_s() < end)
		usleep(10000);
	atomic_store(&stop, 1);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	printf("served %ld requests\n", atomic_load(&served));
	return 0;
}

static void work(double seconds)
{
	double end = now_s() + seconds;

	while (now_s() < end) {
		TRACE_REGION (NULL, "tick") {
			spin_us(200);
			usleep(800);
		}
	}
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *migrate_worker(void *arg)
{
	long *cycles = arg;
	cprof_task *t = NULL;

	while (!atomic_load(&stop)) {
		pin(0);
		for (int i = 0; i < 3000; i++)
			TRACE_REGION (NULL, "busy") {
				sink++;
			}
		cprof_task_end(t);
		pin(1);
		t = cprof_task_begin(NULL, "round");
		for (int i = 0; i < 100; i++)
			TRACE_REGION (NULL, "calm") {
				sink++;
			}
		usleep(2000);
		++*cycles;
	}
	cprof_task_end(t);
	return NULL;
}

static int migrate(double seconds)
{
	pthread_t th[2];
	long cycles[2] = {0, 0};
	double end = now_s() + seconds;

	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, migrate_worker, &cycles[i]);
	while (now_s() < end)
		usleep(10000);
	atomic_store(&stop, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	cprof_trace_snapshot("migrate");
	printf("cycles %ld\n", cycles[0] + cycles[1]);
	work(0.3);
	return 0;
}

static void fork_child(void)
{
	for (int i = 0; i < 15; i++)
		TRACE_REGION (NULL, "child") {
			usleep(10000);
		}
	exit(0);
}

static int forks(double seconds)
{
	double end = now_s() + seconds, next_ask = 0;
	long forked = 0, asked = 0;

	while (now_s() < end) {
		pid_t pid = fork();

		if (pid == 0)
			fork_child();
		forked += pid > 0;
		if (now_s() >= next_ask) {
			cprof_trace_snapshot("forks");
			asked++;
			next_ask = now_s() + 0.1;
		}
		usleep(10000);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
	while (wait(NULL) > 0)
		;
	printf("forked %ld asked %ld\n", forked, asked);
	return 0;
}

static void short_child(double forked_at)
{
	/* the delay goes back through the exit status, in 100 ms units */
	double waited = (now_s() - forked_at) * 10;

	for (int i = 0; i < 3; i++)
		TRACE_REGION (NULL, "child") {
			usleep(10000);
		}
	exit(waited > 255 ? 255 : (int)waited);
}

struct child {
	pid_t pid;
	int start_ms; /* -1: not reaped yet */
};

static void reaped(struct child *c, long n, pid_t pid, int status)
{
	for (long i = 0; i < n; i++)
		if (c[i].pid == pid)
			c[i].start_ms = WIFEXITED(status) ? WEXITSTATUS(status) * 100 : 99999;
}

static int children(double seconds)
{
	double end = now_s() + seconds, next_ask = now_s() + 0.1;
	static struct child c[4096];
	long forked = 0;
	int status;
	pid_t pid;

	TRACE_REGION (NULL, "start") {
		usleep(1000);
	}
	while (now_s() < end && forked < 4096) {
		double at = now_s();

		pid = fork();
		if (pid == 0)
			short_child(at);
		if (pid > 0)
			c[forked++] = (struct child){pid, -1};
		if (now_s() >= next_ask) {
			cprof_trace_snapshot("during");
			next_ask = now_s() + 0.1;
		}
		usleep(10000);
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			reaped(c, forked, pid, status);
	}
	while ((pid = wait(&status)) > 0)
		reaped(c, forked, pid, status);
	cprof_trace_snapshot("final");
	printf("forked %ld\n", forked);
	for (long i = 0; i < forked; i++)
		printf("child %d %d\n", (int)c[i].pid, c[i].start_ms);
	work(0.5);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 3 && !strcmp(argv[1], "stall"))
		return stall(atof(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "children"))
		return children(atof(argv[2]));
	if (argc >= 2 && !strcmp(argv[1], "snapcost")) {
		/* the least of 20 rounds: a round the scheduler interrupted
		 * (1 ms in a 20 us round on a loaded machine) says nothing */
		double best = 1e9;

		for (int r = 0; r < 20; r++) {
			double t0 = now_s(), ns;

			for (int i = 0; i < 10000; i++)
				cprof_trace_snapshot("cost");
			ns = (now_s() - t0) * 1e9 / 10000;
			if (ns < best)
				best = ns;
		}
		printf("%.2f\n", best);
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "other")) {
		double end = now_s() + atof(argv[2]);

		while (now_s() < end)
			TRACE_REGION (NULL, "other") {
				usleep(1000);
			}
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "api")) {
		struct timespec ts;

		work(0.6);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		cprof_trace_snapshot("checkpoint");
		printf("requested at %lld\n", (long long)ts.tv_sec * 1000000000 + ts.tv_nsec);
		work(0.6);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "signal")) {
		printf("ready\n");
		work(0.3);
		raise(SIGUSR2);
		work(1.7);
		/* until the test has signalled record too (60 s at most) */
		for (int i = 0; argc >= 3 && access(argv[2], F_OK) != 0 && i < 600; i++)
			work(0.1);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "lost")) {
		static char big[6000];

		memset(big, 'x', sizeof(big) - 1);
		work(0.8);
		cprof_log(NULL, "big", big);
		work(argc >= 3 ? atof(argv[2]) : 1.7);
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "fill")) {
		/* Fills the ring buffers, then asks (the snapshot's worst case). */
		double end = now_s() + atof(argv[2]);
		unsigned long n = 0;

		while (now_s() < end)
			for (int i = 0; i < 1000; i++, n++)
				TRACE_REGION (NULL, "fill") {
					sink++;
				}
		cprof_trace_snapshot("full");
		printf("%lu regions, then asked\n", n);
		work(1.0);
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "storm")) {
		double end = now_s() + atof(argv[2]);

		while (now_s() < end) {
			for (int i = 0; i < 200; i++)
				TRACE_REGION (NULL, "storm") {
					sink++;
				}
			cprof_trace_snapshot("storm");
		}
		printf("done\n");
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "migrate"))
		return migrate(atof(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "forks"))
		return forks(atof(argv[2]));
	fprintf(stderr,
		"usage: test-flight-app stall SECONDS | api | signal [FILE] | lost [AFTER] | "
		"fill SECONDS | storm SECONDS | migrate SECONDS | forks SECONDS\n");
	return 2;
}
