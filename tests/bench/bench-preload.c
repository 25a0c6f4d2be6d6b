/*
 * The two hot paths the preload library must keep cheap: an uncontended
 * pthread_mutex_lock/unlock pair and a malloc(64)/free pair; and a fast
 * blocking-call hook, a 1-byte read of /dev/zero (well under the 10 us
 * threshold: never recorded).
 *
 * Each round times PAIRS pairs through the ordinary symbols (which a
 * preload library interposes) and, right after, PAIRS pairs through
 * libc's own functions looked up in libc.so.6 itself (which no preload
 * library can interpose). Interleaving the two in one process gives a
 * baseline measured under the same conditions as the hooked calls (same
 * CPU, same neighbours' load, same threads): on a shared machine two
 * separate runs can differ by more than what is measured. The script also
 * runs the program untraced, for the baseline of a separate process.
 *
 * Prints one line per round and kind: `KIND ROUND hooked_ns direct_ns`.
 *
 * With argument "mt" a second, idle thread exists while measuring. glibc
 * drops the lock prefix of its mutex fast path while a process has one
 * thread; any process traced by LTTng-UST has its listener threads, so the
 * fair untraced baseline for "what tracing adds" is a multi-threaded one
 * (as a program that uses mutexes is).
 *
 * With argument "deep", only 1-byte reads at the bottom of 30 frames,
 * hooked and direct: run with a threshold of 0, every hooked one is
 * recorded with its stack, and the difference is what unwinding costs.
 *
 * usage: bench-preload [mt|st|deep] [ROUNDS] [PAIRS]
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;

/* Through volatile pointers, so the compiler cannot elide the pairs, and
 * so both variants pay the same indirect call. */
static void *(*volatile hooked_malloc)(size_t) = malloc;
static void (*volatile hooked_free)(void *) = free;
static int (*volatile hooked_lock)(pthread_mutex_t *) = pthread_mutex_lock;
static int (*volatile hooked_unlock)(pthread_mutex_t *) = pthread_mutex_unlock;
static void *(*volatile direct_malloc)(size_t);
static void (*volatile direct_free)(void *);
static int (*volatile direct_lock)(pthread_mutex_t *);
static int (*volatile direct_unlock)(pthread_mutex_t *);
static ssize_t (*volatile hooked_read)(int, void *, size_t) = read;
static ssize_t (*volatile direct_read)(int, void *, size_t);
static int zero_fd;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double time_lock(int (*lock)(pthread_mutex_t *), int (*unlock)(pthread_mutex_t *),
			long pairs)
{
	uint64_t t0 = now_ns();

	for (long i = 0; i < pairs; i++) {
		lock(&mutex);
		unlock(&mutex);
	}
	return (double)(now_ns() - t0) / (double)pairs;
}

static double time_malloc(void *(*m)(size_t), void (*f)(void *), long pairs)
{
	uint64_t t0 = now_ns();

	for (long i = 0; i < pairs; i++)
		f(m(64));
	return (double)(now_ns() - t0) / (double)pairs;
}

static double time_read(ssize_t (*rd)(int, void *, size_t), long calls)
{
	uint64_t t0 = now_ns();
	char c;

	for (long i = 0; i < calls; i++)
		if (rd(zero_fd, &c, 1) != 1)
			exit(1);
	return (double)(now_ns() - t0) / (double)calls;
}

/* time_read at the bottom of `depth` frames (no tail calls). */
static __attribute__((noinline)) double deep_read(ssize_t (*rd)(int, void *, size_t), long calls,
						  int depth)
{
	double ns;

	if (depth == 0)
		return time_read(rd, calls);
	ns = deep_read(rd, calls, depth - 1);
	__asm__ volatile("" : "+x"(ns));
	return ns;
}

static void *idle(void *arg)
{
	pause();
	return arg;
}

static void *libc_sym(void *libc, const char *name)
{
	void *fn = dlsym(libc, name);

	if (!fn) {
		fprintf(stderr, "bench-preload: %s not found in libc.so.6\n", name);
		exit(1);
	}
	return fn;
}

int main(int argc, char **argv)
{
	int rounds = argc > 2 ? atoi(argv[2]) : 9;
	long pairs = argc > 3 ? atol(argv[3]) : 2000000;
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	pthread_t t;

	if (!libc) {
		fprintf(stderr, "bench-preload: libc.so.6 not loaded?\n");
		return 1;
	}
	direct_malloc = (void *(*)(size_t))libc_sym(libc, "malloc");
	direct_free = (void (*)(void *))libc_sym(libc, "free");
	direct_lock = (int (*)(pthread_mutex_t *))libc_sym(libc, "pthread_mutex_lock");
	direct_unlock = (int (*)(pthread_mutex_t *))libc_sym(libc, "pthread_mutex_unlock");
	direct_read = (ssize_t(*)(int, void *, size_t))libc_sym(libc, "read");
	zero_fd = open("/dev/zero", O_RDONLY);
	if (zero_fd < 0)
		return 1;
	if (argc > 1 && strcmp(argv[1], "deep") == 0) {
		/* recorded blocking calls (a threshold of 0 set by the script),
		 * each unwound through 30 frames */
		for (int r = 0; r < rounds; r++) {
			double h = deep_read(hooked_read, pairs, 30);
			double d = deep_read(direct_read, pairs, 30);
			printf("deepread %d %.3f %.3f\n", r, h, d);
		}
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "mt") == 0)
		pthread_create(&t, NULL, idle, NULL);
	/* Warm up both paths (first calls resolve, fill tcache). */
	time_malloc(hooked_malloc, hooked_free, pairs / 10);
	time_malloc(direct_malloc, direct_free, pairs / 10);
	for (int r = 0; r < rounds; r++) {
		double h, d;

		/* Alternate which goes first, so neither always follows the
		 * other's cache state. */
		if (r & 1) {
			d = time_lock(direct_lock, direct_unlock, pairs);
			h = time_lock(hooked_lock, hooked_unlock, pairs);
		} else {
			h = time_lock(hooked_lock, hooked_unlock, pairs);
			d = time_lock(direct_lock, direct_unlock, pairs);
		}
		printf("lock %d %.3f %.3f\n", r, h, d);
		if (r & 1) {
			d = time_malloc(direct_malloc, direct_free, pairs);
			h = time_malloc(hooked_malloc, hooked_free, pairs);
		} else {
			h = time_malloc(hooked_malloc, hooked_free, pairs);
			d = time_malloc(direct_malloc, direct_free, pairs);
		}
		printf("malloc %d %.3f %.3f\n", r, h, d);
		/* a system call each: a tenth as many */
		if (r & 1) {
			d = time_read(direct_read, pairs / 10);
			h = time_read(hooked_read, pairs / 10);
		} else {
			h = time_read(hooked_read, pairs / 10);
			d = time_read(direct_read, pairs / 10);
		}
		printf("read %d %.3f %.3f\n", r, h, d);
		fflush(stdout);
	}
	return 0;
}
