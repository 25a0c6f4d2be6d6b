/*
 * allprof: every kind of load at once, after the seeds' "comprehensive
 * example program" (cpu.IncreaseInt, memory.AllocMemory, block.PrintHello,
 * threadcreate.CreateGoroutine1000, mutex.Mutex01..03), so that each
 * cprof-trace profile has something to find:
 *
 *   cpu      increase2000 does twice the work of increase1000
 *   heap     alloc1000 keeps its 1000-byte blocks
 *   sync     print_hello/print_world fight over stdout_lock, mutex01..03
 *            over mu (and then stdout_lock)
 *   threads  create_threads creates thousands of short-lived threads
 *
 * Go's fmt.Printf takes the stdout lock; glibc's FILE lock is internal
 * (not a pthread mutex) and no preload can see it, so stdout writes here
 * go through an explicit pthread mutex, `stdout_lock`, as a C program that
 * keeps lines whole would do.
 *
 * Run it with stdout sent somewhere: `allprof --seconds 5 > /dev/null`.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cprof/trace.h>

#include "common.h"

static pthread_mutex_t stdout_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static long opt_threads = 10000;
static long opt_batch = 100;
static long opt_cpu_ms;
/* increase_int threads done: main polls it (see main) */
static int increase_done;

/* The seed's loops count to 1000 and 2000; volatile keeps -O2 from
 * folding the loop into a constant, so the 1:2 work ratio survives. */
static SAMPLE_FRAME int increase1000(int n)
{
	for (volatile int i = 0; i < 1000; i = i + 1)
		n = n + 1;
	return n;
}

static SAMPLE_FRAME int increase2000(int n)
{
	for (volatile int i = 0; i < 2000; i = i + 1)
		n = n + 1;
	return n;
}

static long thread_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Until the end, and (--cpu-ms) until this thread has used that much
 * CPU: a CPU profile needs samples, and a loaded machine gives few to a
 * thread that runs for a given time (a second Ctrl-C still exits). */
static SAMPLE_FRAME void *increase_int(void *arg)
{
	int i = 0;

	sample_name_thread("%s", (const char *)arg);
	while (sample_running() || thread_cpu_ms() < opt_cpu_ms) {
		/* a few ms between two reads of the CPU clock, a system call */
		for (int k = 0; k < 1000; k++) {
			i = increase1000(i);
			i = increase2000(i);
		}
	}
	__atomic_add_fetch(&increase_done, 1, __ATOMIC_RELEASE);
	return (void *)(intptr_t)i;
}

static SAMPLE_FRAME char *alloc1000(void)
{
	return malloc(1000);
}

/*
 * The seed allocates once and sleeps; a block a second keeps the heap
 * profile non-empty under sampling (one 1000-byte block alone would
 * rarely be picked at the default 512 KiB rate) while staying as small.
 */
static SAMPLE_FRAME void *alloc_memory(void *arg)
{
	char **kept = NULL;
	size_t n = 0, cap = 0;

	sample_name_thread("alloc_memory");
	while (sample_running()) {
		char *bytes1000 = alloc1000();

		if (bytes1000)
			bytes1000[0] = '0';
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			char **nk = realloc(kept, ncap * sizeof(*nk));

			if (!nk) {
				free(bytes1000);
				break;
			}
			kept = nk;
			cap = ncap;
		}
		kept[n++] = bytes1000;
		sample_sleep_ns(1000000);
	}
	for (size_t i = 0; i < n; i++)
		free(kept[i]);
	free(kept);
	return NULL;
}

static SAMPLE_FRAME void *print_hello(void *arg)
{
	sample_name_thread("print_hello");
	while (sample_running()) {
		pthread_mutex_lock(&stdout_lock);
		fputs("Hello\n", stdout);
		pthread_mutex_unlock(&stdout_lock);
	}
	return NULL;
}

static SAMPLE_FRAME void *print_world(void *arg)
{
	sample_name_thread("print_world");
	while (sample_running()) {
		pthread_mutex_lock(&stdout_lock);
		fputs("World\n", stdout);
		pthread_mutex_unlock(&stdout_lock);
	}
	return NULL;
}

/* Threads of create_threads still running; they are detached. */
static long threads_alive;

static SAMPLE_FRAME void *inner_func(void *arg)
{
	volatile long n = 0;

	/* Linux threads inherit their creator's name. */
	sample_name_thread("inner_func");
	for (long i = 0; i < 100000; i++)
		n = n + 1;
	__atomic_sub_fetch(&threads_alive, 1, __ATOMIC_RELAXED);
	return NULL;
}

/*
 * The seed fires 100,000 goroutines and never waits for them. Threads cost
 * far more than goroutines, so this starts --threads of them, detached,
 * with at most --batch running at once: it polls the count with short
 * sleeps rather than joining, so that, as in the seed, creating threads
 * adds nothing to the sync profile and everything to the threads profile.
 */
static SAMPLE_FRAME void *create_threads(void *arg)
{
	pthread_attr_t attr;
	long created = 0;

	sample_name_thread("create_threads");
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	while (sample_running() && created < opt_threads) {
		pthread_t th;

		if (__atomic_load_n(&threads_alive, __ATOMIC_RELAXED) >= opt_batch) {
			sample_sleep_ns(1000000);
			continue;
		}
		__atomic_add_fetch(&threads_alive, 1, __ATOMIC_RELAXED);
		if (pthread_create(&th, &attr, inner_func, NULL) != 0) {
			__atomic_sub_fetch(&threads_alive, 1, __ATOMIC_RELAXED);
			sample_sleep_ns(1000000);
			continue;
		}
		if (++created % 1000 == 0)
			cprof_logf(NULL, "threads", "created %ld", created);
	}
	pthread_attr_destroy(&attr);
	/* The last threads finish before the count is told, so that every
	 * thread counted has run (and a tracer saw it start) by then: how
	 * many get created depends on the machine's load, not the count. */
	while (__atomic_load_n(&threads_alive, __ATOMIC_RELAXED) > 0)
		sample_sleep_ns(1000000);
	fprintf(stderr, "allprof: create_threads created %ld threads\n", created);
	return NULL;
}

static SAMPLE_FRAME void *mutex01(void *arg)
{
	sample_name_thread("mutex01");
	while (sample_running()) {
		pthread_mutex_lock(&mu);
		pthread_mutex_lock(&stdout_lock);
		fputs("Mutex01\n", stdout);
		pthread_mutex_unlock(&stdout_lock);
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

static SAMPLE_FRAME void *mutex02(void *arg)
{
	sample_name_thread("mutex02");
	while (sample_running()) {
		pthread_mutex_lock(&mu);
		pthread_mutex_lock(&stdout_lock);
		fputs("Mutex02\n", stdout);
		pthread_mutex_unlock(&stdout_lock);
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

static SAMPLE_FRAME void *mutex03(void *arg)
{
	sample_name_thread("mutex03");
	while (sample_running()) {
		pthread_mutex_lock(&mu);
		pthread_mutex_lock(&stdout_lock);
		fputs("Mutex03\n", stdout);
		pthread_mutex_unlock(&stdout_lock);
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: allprof [--seconds N] [--threads N] [--batch N] [--cpu-ms N] > /dev/null\n"
		"\n"
		"Every kind of load at once, for every cprof-trace profile:\n"
		"  CPU        increase_int -> increase1000 / increase2000 (1:2 work)\n"
		"  memory     alloc_memory -> alloc1000 (kept 1000-byte blocks)\n"
		"  sync       print_hello, print_world contend on stdout_lock;\n"
		"             mutex01, mutex02, mutex03 contend on one mutex\n"
		"  threads    create_threads starts short-lived threads\n"
		"\n"
		"Options:\n"
		"  --seconds N   run for N seconds (default 10; 0: until SIGINT)\n"
		"  --threads N   threads create_threads starts in all (default 10000)\n"
		"  --batch N     most create_threads threads running at once (default 100)\n"
		"  --cpu-ms N    increase_int threads run on until each used N ms of CPU\n"
		"                (default 0; for a CPU profile on a loaded machine)\n"
		"  -h, --help    this text\n"
		"\n"
		"Example: cprof-trace record -o allprof.out -- allprof --seconds 5 > /dev/null\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"seconds", required_argument, NULL, 's'}, {"threads", required_argument, NULL, 't'},
	    {"batch", required_argument, NULL, 'b'},   {"cpu-ms", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},	       {NULL, 0, NULL, 0},
	};
	const struct sample_cli cli = {"allprof", opts, usage};
	void *(*const fns[])(void *) = {increase_int, increase_int, alloc_memory,
					print_hello,  print_world,  create_threads,
					mutex01,      mutex02,	    mutex03};
	const char *const args[] = {
	    "increase_int", "increase_int2", NULL, NULL, NULL, NULL, NULL, NULL, NULL};
	enum { NFN = sizeof(fns) / sizeof(fns[0]) };
	pthread_t th[NFN];
	double seconds = 10;
	int c;

	while ((c = sample_next_option(&cli, argc, argv)) != -1) {
		switch (c) {
		case 's':
			seconds = sample_parse_seconds("allprof", "seconds", optarg);
			break;
		case 't':
			opt_threads = sample_parse_long("allprof", "threads", optarg, 0, 10000000);
			break;
		case 'b':
			opt_batch = sample_parse_long("allprof", "batch", optarg, 1, 10000);
			break;
		case 'c':
			opt_cpu_ms = sample_parse_long("allprof", "cpu-ms", optarg, 0, 3600000);
			break;
		}
	}
	sample_install_signals();
	for (int i = 0; i < NFN; i++) {
		if (pthread_create(&th[i], NULL, fns[i], (void *)args[i]) != 0) {
			fprintf(stderr, "allprof: cannot create thread %d\n", i);
			return 1;
		}
	}
	sample_wait(seconds);
	/* With --cpu-ms the increase_int threads may run on: a join would
	 * then be main's wait in the sync profile, which the seed's program
	 * does not have; short sleeps are none. */
	while (__atomic_load_n(&increase_done, __ATOMIC_ACQUIRE) < 2)
		sample_sleep_ns(1000000);
	for (int i = 0; i < NFN; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_lock(&stdout_lock);
	fflush(stdout);
	pthread_mutex_unlock(&stdout_lock);
	return 0;
}
