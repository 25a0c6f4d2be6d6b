/*
 * Programs recorded by test-harden.sh: what real programs do that a
 * tracer must survive without changing their behaviour. Each mode prints
 * what it saw itself; the script compares with an untraced run.
 *
 *   closerange | closefrom | closeloop   close every inherited descriptor
 *       (the daemon idiom), then block on a pipe, dlopen/dlclose a
 *       library and exit 0 with buffered stdout
 *   sigprof-sigaction | sigprof-signal | sigprof-sigset |
 *   sigprof-bsd_signal | sigprof-raw     take SIGPROF with that call, run
 *       the program's own ITIMER_PROF at 100 Hz for 0.5 s of CPU and count
 *       the ticks its handler sees, with the CPU time and the time of the
 *       clock ITIMER_PROF counts
 *   setname-early   name new threads from their creator before they have
 *       run (memcached's way), print their tids
 *   rename   rename threads after they started, several times, each way:
 *       prctl(PR_SET_NAME) and pthread_setname_np on itself, the creator's
 *       pthread_setname_np, the raw system call through syscall(); the
 *       main thread renames itself last with it; print the tids
 *   title-fork      copy environ, overwrite the argv/environ block for a
 *       process title (setproctitle, as nginx and postgres do), fork two
 *       children that block on a pipe (100 ms once both read), wait for
 *       them
 *   plugin PATH     dlopen PATH and call its plugin_sleep (30 ms)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test-blocked.h"

extern char **environ;

/* --- close every descriptor -------------------------------------------- */

static void *write_later(void *arg)
{
	int fd = *(int *)arg;

	usleep(30000);
	if (write(fd, "x", 1) != 1)
		abort();
	return NULL;
}

/* What the program does after closing everything: its own descriptors
 * work, a blocking read, a dlopen/dlclose. */
static int after_close(void)
{
	pthread_t th;
	int p[2];
	char c;
	void *h;

	if (pipe(p) != 0)
		return 2;
	pthread_create(&th, NULL, write_later, &p[1]);
	if (read(p[0], &c, 1) != 1)
		return 3;
	pthread_join(th, NULL);
	h = dlopen("libz.so.1", RTLD_NOW);
	if (!h)
		return 4;
	dlclose(h);
	printf("after close: ok\n");
	return 0;
}

static int run_close(const char *how)
{
	printf("before close: buffered\n");
	if (strcmp(how, "closerange") == 0) {
		if (close_range(3, ~0u, 0) != 0)
			return 1;
	} else if (strcmp(how, "closefrom") == 0) {
		closefrom(3);
	} else {
		long max = sysconf(_SC_OPEN_MAX);

		for (long fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
			close((int)fd);
	}
	return after_close();
}

/* --- SIGPROF taken by the program -------------------------------------- */

static volatile sig_atomic_t ticks;

static void on_prof(int sig)
{
	(void)sig;
	ticks++;
}

typedef void (*handler_fn)(int);
handler_fn bsd_signal(int, handler_fn);

/* The kernel's struct sigaction for rt_sigaction(2). */
struct ksigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

static void restorer(void)
{
	syscall(SYS_rt_sigreturn);
}

static int take_sigprof(const char *how)
{
	if (strcmp(how, "sigaction") == 0) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_prof;
		sa.sa_flags = SA_RESTART;
		return sigaction(SIGPROF, &sa, NULL);
	}
	if (strcmp(how, "signal") == 0)
		return signal(SIGPROF, on_prof) == SIG_ERR ? -1 : 0;
	if (strcmp(how, "sigset") == 0)
		return sigset(SIGPROF, on_prof) == SIG_ERR ? -1 : 0;
	if (strcmp(how, "bsd_signal") == 0)
		return bsd_signal(SIGPROF, on_prof) == SIG_ERR ? -1 : 0;
	if (strcmp(how, "raw") == 0) {
		struct ksigaction k;

		memset(&k, 0, sizeof(k));
		k.handler = on_prof;
		/* SA_RESTORER: x86-64 signal frames return through it. */
		k.flags = SA_RESTART | 0x04000000;
		k.restorer = restorer;
		return (int)syscall(SYS_rt_sigaction, SIGPROF, &k, NULL, sizeof(k.mask));
	}
	return -1;
}

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	if (clock_gettime(clock, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t cpu_ns(void)
{
	return clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

/*
 * The clock ITIMER_PROF counts: the process's user + system time as the
 * scheduler tick charges it (MAKE_PROCESS_CPUCLOCK(0, CPUCLOCK_PROF) in
 * the kernel), in whole ticks to whichever task runs at the tick. On a
 * loaded machine it strays from the exact CPU time (432 to 644 ms for 500
 * ms of CPU here under two busy loops): the ticks are counted against it.
 */
#define PROF_CLOCK ((clockid_t)(~0u << 3))

static int run_sigprof(const char *how)
{
	struct itimerval it = {{0, 10000}, {0, 10000}};
	volatile uint64_t sink = 0;
	uint64_t t0, p0;

	/* Some CPU first: a tracer's timers have had time to tick. */
	for (t0 = cpu_ns(); cpu_ns() - t0 < 100000000u;)
		sink += t0;
	if (take_sigprof(how) != 0)
		return 1;
	t0 = cpu_ns();
	p0 = clock_ns(PROF_CLOCK);
	setitimer(ITIMER_PROF, &it, NULL);
	while (cpu_ns() - t0 < 500000000u)
		sink++;
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_PROF, &it, NULL);
	printf("ticks %d cpu_ms %d prof_ms %d\n", (int)ticks, (int)((cpu_ns() - t0) / 1000000u),
	       (int)((clock_ns(PROF_CLOCK) - p0) / 1000000u));
	return 0;
}

/* --- threads named by their creator before they run ------------------ */

#define EARLY_THREADS 8
static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;

static void *named(void *arg)
{
	pthread_mutex_lock(&gate);
	printf("named %s tid %ld\n", (const char *)arg, (long)syscall(SYS_gettid));
	pthread_mutex_unlock(&gate);
	return NULL;
}

/* On one CPU the creator goes on running after pthread_create (the
 * kernel does not run the child first): the names come before the
 * threads have run, as memcached's do. */
static int run_setname_early(void)
{
	static char names[EARLY_THREADS][16];
	pthread_t th[EARLY_THREADS];
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);
	printf("creator tid %ld\n", (long)syscall(SYS_gettid));
	pthread_mutex_lock(&gate);
	for (int i = 0; i < EARLY_THREADS; i++) {
		snprintf(names[i], sizeof(names[i]), "early-%d", i);
		if (pthread_create(&th[i], NULL, named, names[i]) != 0 ||
		    pthread_setname_np(th[i], names[i]) != 0)
			return 1;
	}
	pthread_mutex_unlock(&gate);
	for (int i = 0; i < EARLY_THREADS; i++)
		pthread_join(th[i], NULL);
	return 0;
}

/* --- threads renamed after they started -------------------------------- */

static void sleep_ms(long ms)
{
	struct timespec t = {0, ms * 1000000};

	nanosleep(&t, NULL);
}

static void *renames_itself(void *arg)
{
	(void)arg;
	printf("rn-a2 tid %ld\n", (long)syscall(SYS_gettid));
	pthread_setname_np(pthread_self(), "rn-a1");
	sleep_ms(20);
	prctl(PR_SET_NAME, "rn-a2");
	sleep_ms(20);
	return NULL;
}

static void *renamed(void *arg)
{
	(void)arg;
	printf("rn-b tid %ld\n", (long)syscall(SYS_gettid));
	sleep_ms(60);
	return NULL;
}

static int run_rename(void)
{
	pthread_t a, b;

	sleep_ms(20);
	prctl(PR_SET_NAME, "rn-main");
	if (pthread_create(&a, NULL, renames_itself, NULL) != 0 ||
	    pthread_create(&b, NULL, renamed, NULL) != 0)
		return 1;
	sleep_ms(10);
	pthread_setname_np(b, "rn-b");
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	/* the name the process ends with, as ps -o comm shows it */
	syscall(SYS_prctl, PR_SET_NAME, "rn-main-raw");
	printf("rn-main-raw tid %ld\n", (long)syscall(SYS_gettid));
	sleep_ms(10);
	return 0;
}

/* --- setproctitle and fork --------------------------------------------- */

static void set_title(int argc, char **argv, const char *title)
{
	char *end = argv[argc - 1] + strlen(argv[argc - 1]);
	size_t n = 0;
	char **copy;

	/* As setproctitle: environ moves to the heap, the block that held
	 * argv and environ is overwritten with the title. */
	for (char **e = environ; *e; e++, n++)
		if (*e == end + 1)
			end = *e + strlen(*e);
	copy = calloc(n + 1, sizeof(*copy));
	for (size_t i = 0; i < n; i++)
		copy[i] = strdup(environ[i]);
	environ = copy;
	memset(argv[0], 0, (size_t)(end - argv[0]));
	snprintf(argv[0], (size_t)(end - argv[0]), "%s", title);
	argv[1] = NULL;
}

static int run_title_fork(int argc, char **argv)
{
	int p[2];
	pid_t kids[2];

	set_title(argc, argv, "title: master process");
	if (pipe(p) != 0)
		return 1;
	for (int i = 0; i < 2; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			char c;

			close(p[1]);
			/* blocks until the parent closes its end */
			printf("worker %d read %zd\n", (int)getpid(), read(p[0], &c, 1));
			fflush(stdout);
			_exit(0);
		}
	}
	/* A child in its read has registered with the session daemon (a
	 * fork child of a traced program does that first): its read blocks
	 * from then on, as long as the parent keeps the pipe open. A fixed
	 * time is too short on a loaded machine, and too long on another. */
	for (int i = 0; i < 2; i++)
		test_wait_read(kids[i], p[0]);
	close(p[0]);
	usleep(100000);
	close(p[1]);
	for (int i = 0; i < 2; i++) {
		int st;

		if (waitpid(kids[i], &st, 0) != kids[i] || !WIFEXITED(st) || WEXITSTATUS(st))
			return 1;
	}
	printf("workers %d %d\n", (int)kids[0], (int)kids[1]);
	return 0;
}

/* --- a library loaded after the start ---------------------------------- */

static int run_plugin(const char *path)
{
	void *h = dlopen(path, RTLD_NOW);
	void (*fn)(void) = h ? (void (*)(void))dlsym(h, "plugin_sleep") : NULL;

	if (!fn) {
		fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
		return 1;
	}
	fn();
	dlclose(h);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (strncmp(mode, "close", 5) == 0)
		return run_close(mode);
	if (strncmp(mode, "sigprof-", 8) == 0)
		return run_sigprof(mode + 8);
	if (strcmp(mode, "setname-early") == 0)
		return run_setname_early();
	if (strcmp(mode, "rename") == 0)
		return run_rename();
	if (strcmp(mode, "title-fork") == 0)
		return run_title_fork(argc, argv);
	if (strcmp(mode, "plugin") == 0 && argc > 2)
		return run_plugin(argv[2]);
	fprintf(stderr, "usage: %s MODE (see the source)\n", argv[0]);
	return 2;
}
