/*
 * Programs recorded by test-preload.sh: each mode exercises one family of
 * hooks of libcprof-trace-preload, with no cprof code in it. Modes print
 * what they measured themselves ("waited NS") for the checks.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test-blocked.h"

#define HOLD_US 50000

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void deadline(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rwlock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_spinlock_t spin;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static sem_t sem;
static pthread_barrier_t barrier;
static atomic_int held, trying;
static int ready_flag;
static pid_t waiter_tid; /* the thread the holder or signaller makes wait */

/* --- one holder, one waiter -------------------------------------------- */

static const char *mode;

static void *holder(void *arg)
{
	if (strcmp(mode, "mutex") == 0 || strcmp(mode, "timedlock") == 0)
		pthread_mutex_lock(&mutex);
	else if (strcmp(mode, "rwlock-rd") == 0 || strcmp(mode, "rwlock-timedrd") == 0)
		pthread_rwlock_wrlock(&rwlock);
	else if (strcmp(mode, "rwlock-wr") == 0 || strcmp(mode, "rwlock-timedwr") == 0)
		pthread_rwlock_rdlock(&rwlock);
	else if (strcmp(mode, "spin") == 0)
		pthread_spin_lock(&spin);
	held = 1;
	/* let go HOLD_US after the waiter waits (a spinning one is not in
	 * the kernel: it said it tries) */
	if (strcmp(mode, "spin") == 0)
		while (!atomic_load(&trying))
			usleep(100);
	else if (strcmp(mode, "mutex") == 0 || strcmp(mode, "timedlock") == 0)
		test_wait_futex(waiter_tid, &mutex, sizeof(mutex));
	else
		test_wait_futex(waiter_tid, &rwlock, sizeof(rwlock));
	usleep(HOLD_US);
	if (strcmp(mode, "mutex") == 0 || strcmp(mode, "timedlock") == 0)
		pthread_mutex_unlock(&mutex);
	else if (strncmp(mode, "rwlock", 6) == 0)
		pthread_rwlock_unlock(&rwlock);
	else if (strcmp(mode, "spin") == 0)
		pthread_spin_unlock(&spin);
	return NULL;
}

static int run_lock(void)
{
	struct timespec ts;
	pthread_t t;
	uint64_t t0;
	int r = 0;

	pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
	waiter_tid = gettid();
	pthread_create(&t, NULL, holder, NULL);
	while (!held)
		usleep(100);
	t0 = now_ns();
	deadline(&ts, 5000);
	atomic_store(&trying, 1);
	if (strcmp(mode, "mutex") == 0)
		r = pthread_mutex_lock(&mutex) || pthread_mutex_unlock(&mutex);
	else if (strcmp(mode, "timedlock") == 0)
		r = pthread_mutex_timedlock(&mutex, &ts) || pthread_mutex_unlock(&mutex);
	else if (strcmp(mode, "rwlock-rd") == 0)
		r = pthread_rwlock_rdlock(&rwlock) || pthread_rwlock_unlock(&rwlock);
	else if (strcmp(mode, "rwlock-wr") == 0)
		r = pthread_rwlock_wrlock(&rwlock) || pthread_rwlock_unlock(&rwlock);
	else if (strcmp(mode, "rwlock-timedrd") == 0)
		r = pthread_rwlock_timedrdlock(&rwlock, &ts) || pthread_rwlock_unlock(&rwlock);
	else if (strcmp(mode, "rwlock-timedwr") == 0)
		r = pthread_rwlock_timedwrlock(&rwlock, &ts) || pthread_rwlock_unlock(&rwlock);
	else if (strcmp(mode, "spin") == 0)
		r = pthread_spin_lock(&spin) || pthread_spin_unlock(&spin);
	printf("waited %llu\n", (unsigned long long)(now_ns() - t0));
	pthread_join(t, NULL);
	return r;
}

static void *signaller(void *arg)
{
	/* HOLD_US after the waiter waits (join: on this thread's descriptor) */
	if (strcmp(mode, "cond") == 0)
		test_wait_futex(waiter_tid, &cond, sizeof(cond));
	else if (strcmp(mode, "sem") == 0)
		test_wait_futex(waiter_tid, &sem, sizeof(sem));
	else if (strcmp(mode, "barrier") == 0)
		test_wait_futex(waiter_tid, &barrier, sizeof(barrier));
	else
		test_wait_futex(waiter_tid, (void *)pthread_self(), 4096);
	usleep(HOLD_US);
	if (strcmp(mode, "cond") == 0) {
		pthread_mutex_lock(&mutex);
		ready_flag = 1;
		pthread_cond_signal(&cond);
		pthread_mutex_unlock(&mutex);
	} else if (strcmp(mode, "sem") == 0) {
		sem_post(&sem);
	} else if (strcmp(mode, "barrier") == 0) {
		pthread_barrier_wait(&barrier);
	}
	return NULL;
}

static int run_signalled(void)
{
	pthread_t t;
	uint64_t t0 = now_ns();

	sem_init(&sem, 0, 0);
	pthread_barrier_init(&barrier, NULL, 2);
	waiter_tid = gettid();
	pthread_create(&t, NULL, signaller, NULL);
	if (strcmp(mode, "cond") == 0) {
		pthread_mutex_lock(&mutex);
		while (!ready_flag)
			pthread_cond_wait(&cond, &mutex);
		pthread_mutex_unlock(&mutex);
	} else if (strcmp(mode, "sem") == 0) {
		while (sem_wait(&sem) != 0 && errno == EINTR)
			;
	} else if (strcmp(mode, "barrier") == 0) {
		pthread_barrier_wait(&barrier);
	} else if (strcmp(mode, "join") == 0) {
		/* The signaller sleeps HOLD_US: join blocks for it. */
	}
	if (strcmp(mode, "join") == 0 || 1)
		pthread_join(t, NULL);
	printf("waited %llu\n", (unsigned long long)(now_ns() - t0));
	return 0;
}

/* --- threads and names -------------------------------------------------- */

/* Set once main has renamed the first thread: that thread must still be
 * alive then, however late main runs. */
static atomic_int renamed;

static void *named(void *arg)
{
	prctl(PR_SET_NAME, "by-prctl");
	usleep(1000);
	while (!arg && !atomic_load(&renamed))
		usleep(1000);
	if (arg)
		pthread_exit(NULL);
	return NULL;
}

static int run_threads(void)
{
	pthread_t t1, t2;

	pthread_create(&t1, NULL, named, NULL);
	pthread_create(&t2, NULL, named, (void *)1);
	pthread_setname_np(t1, "by-setname");
	atomic_store(&renamed, 1);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	return 0;
}

/* --- many short threads ------------------------------------------------ */

/* One call site, its blocks of a size nothing else asks for: each
 * allocation here has the same stack, however it was unwound. The block
 * escapes (its thread's own), or the compiler drops the pair. */
static __thread void *volatile one_site_block;

__attribute__((noinline)) static void one_site(void)
{
	one_site_block = malloc(4242);
	free(one_site_block);
}

static pthread_mutex_t short_lock = PTHREAD_MUTEX_INITIALIZER;
static long short_total;

static void *short_thread(void *arg)
{
	one_site();
	pthread_mutex_lock(&short_lock);
	short_total += (long)arg;
	pthread_mutex_unlock(&short_lock);
	return NULL;
}

/* 40 rounds of 64 threads that each allocate once and lock once (a
 * thread per request or per task), then 200 allocations from one site
 * on the main thread. */
static int run_short_threads(void)
{
	for (int round = 0; round < 40; round++) {
		pthread_t t[64];
		for (long i = 0; i < 64; i++)
			if (pthread_create(&t[i], NULL, short_thread, (void *)i) != 0)
				return 1;
		for (int i = 0; i < 64; i++)
			pthread_join(t[i], NULL);
	}
	for (int i = 0; i < 200; i++)
		one_site();
	printf("total %ld\n", short_total);
	return 0;
}

/* --- threads meeting a new stack at once -------------------------------- */

/*
 * RACE_ROUNDS rounds: the threads wait at a spin barrier, the last to
 * arrive releases them all, and each then allocates through the round's
 * own path, RACE_LEVELS levels of recursion that each take one of two
 * call sites by a bit of the round: a stack no thread has met before, met
 * by all of them within the same microseconds. The asm statements keep the
 * two call sites apart (no tail call, no merged call).
 */
enum { RACE_THREADS = 8, RACE_LEVELS = 12, RACE_ROUNDS = 1 << RACE_LEVELS };
static atomic_uint race_arrived, race_released;
static __thread void *volatile race_block;

__attribute__((noinline)) static void race_path(int level, unsigned bits)
{
	if (level == 0) {
		race_block = malloc(4243);
		free(race_block);
	} else if (bits & 1) {
		__asm__ volatile("# left" ::: "memory");
		race_path(level - 1, bits >> 1);
		__asm__ volatile("# left" ::: "memory");
	} else {
		__asm__ volatile("# right" ::: "memory");
		race_path(level - 1, bits >> 1);
		__asm__ volatile("# right" ::: "memory");
	}
}

static void *race_thread(void *arg)
{
	cpu_set_t all, one;

	/* spread over the CPUs, however busy the machine: meeting at once
	 * needs threads running on two of them */
	if (sched_getaffinity(0, sizeof(all), &all) == 0 && CPU_COUNT(&all) > 1) {
		int k = (int)(long)arg % CPU_COUNT(&all);

		CPU_ZERO(&one);
		for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
			if (CPU_ISSET(cpu, &all) && k-- == 0) {
				CPU_SET(cpu, &one);
				break;
			}
		sched_setaffinity(0, sizeof(one), &one);
	}
	for (unsigned round = 0; round < RACE_ROUNDS; round++) {
		if (atomic_fetch_add(&race_arrived, 1) + 1 == (round + 1) * RACE_THREADS)
			atomic_store(&race_released, round + 1);
		else
			while (atomic_load(&race_released) <= round)
				sched_yield();
		race_path(RACE_LEVELS, round);
	}
	return NULL;
}

static int run_stack_race(void)
{
	pthread_t t[RACE_THREADS];

	for (int i = 0; i < RACE_THREADS; i++)
		if (pthread_create(&t[i], NULL, race_thread, (void *)(long)i) != 0)
			return 1;
	for (int i = 0; i < RACE_THREADS; i++)
		pthread_join(t[i], NULL);
	printf("%d threads met %d new stacks\n", RACE_THREADS, RACE_ROUNDS);
	return 0;
}

/* --- allocations ------------------------------------------------------- */

static int run_alloc(void)
{
	/* 2000 blocks of 64 KiB (125 MiB in all) kept, 1000 freed. */
	enum { N = 2000 };
	static void *blocks[N];

	for (int i = 0; i < N; i++) {
		blocks[i] = malloc(65536);
		memset(blocks[i], 1, 64);
	}
	for (int i = 0; i < N; i += 2)
		free(blocks[i]);
	for (int i = 0; i < 100; i++) {
		void *p = calloc(4, 256);
		p = realloc(p, 4096);
		free(p);
	}
	printf("kept %d bytes\n", N / 2 * 65536);
	return 0;
}

/* --- blocking calls ---------------------------------------------------- */

/* 2000 sleeps of 50 us (over the 10 us threshold: each is recorded with
 * its stack) at the bottom of 30 frames of recursion. */
static __attribute__((noinline)) int deep_sleeps(int depth)
{
	int rc = 0;

	if (depth > 0) {
		rc = deep_sleeps(depth - 1);
		__asm__ volatile("" : "+r"(rc)); /* no tail call: a frame each */
		return rc;
	}
	/* a signal (a CPU sample's among them) ends a sleep early: the
	 * rest is slept, as programs do */
	for (int i = 0; i < 2000; i++) {
		struct timespec ts = {0, 50000};
		while ((rc = nanosleep(&ts, &ts)) != 0 && errno == EINTR)
			;
		if (rc)
			return rc;
	}
	return rc;
}

static int run_deep_io(void)
{
	int rc = deep_sleeps(30);

	printf("deep sleeps %d\n", rc);
	return rc != 0;
}

static int run_io(void)
{
	int fds[2], devnull = open("/dev/null", O_WRONLY);
	char c = 'x';
	pid_t pid, reader;

	int slow = 0;

	/* Fast calls: below the threshold, not recorded. The program times
	 * them too, around the hook: a write the machine preempted for 10 us
	 * or more is one the tracer may rightly record, and no other. */
	for (int i = 0; i < 1000; i++) {
		struct timespec a, b;

		clock_gettime(CLOCK_MONOTONIC, &a);
		if (write(devnull, &c, 1) != 1)
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &b);
		slow += (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) >= 10000;
	}
	printf("slow_writes %d\n", slow);
	fflush(stdout);
	usleep(20000);
	if (pipe(fds) != 0)
		return 1;
	reader = getpid();
	pid = fork();
	if (pid == 0) {
		/* 30 ms after the parent blocks in its read */
		test_wait_read(reader, fds[0]);
		usleep(30000);
		if (write(fds[1], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	if (read(fds[0], &c, 1) != 1)
		return 1;
	waitpid(pid, NULL, 0);
	{
		struct timespec ts = {0, 15000000};

		nanosleep(&ts, NULL);
	}
	return 0;
}

/* --- fork, exec, dlopen ------------------------------------------------ */

static int run_dlopen(void)
{
	void *h = dlopen("libz.so.1", RTLD_NOW);
	const char *(*version)(void);

	if (!h) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 1;
	}
	version = (const char *(*)(void))dlsym(h, "zlibVersion");
	printf("zlib %s\n", version ? version() : "?");
	free(malloc(1000));
	dlclose(h);
	return 0;
}

static int run_fork(const char *self)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return 1;
	if (pid == 0) {
		/* The child: locks and mallocs, then becomes another program. */
		pthread_t t;

		mode = "mutex";
		run_lock();
		(void)t;
		execl(self, self, "dlopen", (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 1;
	mode = "mutex";
	return run_lock();
}

/* --- CPU samples: 1x and 2x work ---------------------------------------- */

static volatile double sink;

__attribute__((noinline)) static void work_one(long n)
{
	double x = 0;

	for (long i = 0; i < n; i++)
		x += (double)i * 1e-9;
	sink = x;
}

__attribute__((noinline)) static void work_two(long n)
{
	double x = 0;

	for (long i = 0; i < 2 * n; i++)
		x += (double)i * 1e-9;
	sink = x;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Alternates work_one and work_two until the thread used CPU_SECONDS of
 * CPU (not wall time: a loaded machine gives less CPU per second).
 *
 * The kernel samples at its tick, every 4 ms: a short fixed period of
 * work (it was 0.3 + 0.6 ms) locks in phase with it whenever the loop's
 * speed makes 4 ms near a multiple of it, and then most samples land in
 * the same function (a loaded machine gave ratios of 2.4 to 4.5 for a
 * true 2.0). Each turn here lasts about 10 ticks for work_one and 20 for
 * work_two, with a length drawn anew each turn (seeded, so the same on
 * every run): a turn then gets its share of samples give or take the
 * one at each end, whatever the phase.
 */
static void *cpu_thread(void *arg)
{
	const char *s = getenv("CPU_SECONDS");
	uint64_t limit = (uint64_t)((s ? atof(s) : 1.5) * 1e9);
	uint64_t t0 = thread_cpu_ns(), one = 0, two = 0;
	uint64_t rng = 0x9e3779b97f4a7c15u ^ (uint64_t)(uintptr_t)arg;

	while (thread_cpu_ns() - t0 < limit) {
		uint64_t t1 = thread_cpu_ns(), t2;
		/* 27M to 80M iterations (about 20 to 60 ms for work_one) */
		long n;

		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		n = 27000000 + (long)(rng % 53000000u);
		work_one(n);
		t2 = thread_cpu_ns();
		work_two(n);
		one += t2 - t1;
		two += thread_cpu_ns() - t2;
	}
	printf("cpu_one_ns %llu\ncpu_two_ns %llu\n", (unsigned long long)one,
	       (unsigned long long)two);
	return arg;
}

static int run_cpu(void)
{
	const char *s = getenv("CPU_THREADS");
	int n = s ? atoi(s) : 1;
	pthread_t t[8];

	if (n < 1 || n > 8)
		n = 1;
	for (int i = 1; i < n; i++)
		pthread_create(&t[i], NULL, cpu_thread, (void *)(uintptr_t)i);
	cpu_thread(NULL);
	for (int i = 1; i < n; i++)
		pthread_join(t[i], NULL);
	return 0;
}

/* --- a program that owns SIGPROF ------------------------------------------ */

static volatile sig_atomic_t ticks;

static void on_prof(int sig)
{
	ticks++;
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* 300 ms of CPU, not of wall time: on a loaded machine the latter gave
 * fewer than the 5 samples the test wants (100 per CPU second). */
static int run_sigprof(void)
{
	struct itimerval it = {{0, 10000}, {0, 10000}};
	uint64_t t0 = cpu_ns();

	signal(SIGPROF, on_prof);
	setitimer(ITIMER_PROF, &it, NULL);
	while (cpu_ns() - t0 < 300000000u)
		work_one(100000);
	printf("ticks %d\n", (int)ticks);
	return ticks > 0 ? 0 : 1;
}

/* --- 64 threads hammering locks and malloc -------------------------------- */

static pthread_mutex_t locks[8] = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
				   PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
				   PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
				   PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER};
static pthread_rwlock_t rwlocks[2] = {PTHREAD_RWLOCK_INITIALIZER, PTHREAD_RWLOCK_INITIALIZER};
static atomic_int stop;
static atomic_long ops;

static void *hammer(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg * 2654435761u;
	void *keep[16] = {0};
	long n = 0;

	while (!stop) {
		unsigned r = rand_r(&seed);
		void *p;

		pthread_mutex_lock(&locks[r % 8]);
		p = malloc(16 + r % 4000);
		pthread_mutex_unlock(&locks[r % 8]);
		free(keep[r % 16]);
		keep[r % 16] = p;
		if (r % 7 == 0) {
			pthread_rwlock_rdlock(&rwlocks[r % 2]);
			free(calloc(1, 100));
			pthread_rwlock_unlock(&rwlocks[r % 2]);
		} else if (r % 29 == 0) {
			pthread_rwlock_wrlock(&rwlocks[r % 2]);
			p = realloc(NULL, 200);
			p = realloc(p, 4000);
			pthread_rwlock_unlock(&rwlocks[r % 2]);
			free(p);
		}
		n++;
	}
	for (int i = 0; i < 16; i++)
		free(keep[i]);
	ops += n;
	return NULL;
}

static int run_hammer(void)
{
	const char *s = getenv("HAMMER_SECONDS");
	double seconds = s ? atof(s) : 10;
	pthread_t t[64];

	for (long i = 0; i < 64; i++)
		pthread_create(&t[i], NULL, hammer, (void *)(i + 1));
	usleep((useconds_t)(seconds * 1e6));
	stop = 1;
	for (int i = 0; i < 64; i++)
		pthread_join(t[i], NULL);
	printf("ops %ld\n", (long)ops);
	return ops > 0 ? 0 : 1;
}

/* --- a lock held for short times ---------------------------------------- */

/*
 * The holder takes the mutex, lets the waiter go for it, and unlocks after
 * 300 ns (every other round 1 ms and until the waiter waits): the short holds end while the waiter,
 * its trylock failed, is still unwinding its stack for wait_begin, which is
 * where a holder used to see no sleeper and emit no release.
 */
static pthread_mutex_t handoff_mutex = PTHREAD_MUTEX_INITIALIZER;
static atomic_int handoff_phase, handoff_done;
#define HANDOFF_ROUNDS 200

static void spin_ns(uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end)
		;
}

static void *handoff_waiter(void *arg)
{
	for (int i = 1; i <= HANDOFF_ROUNDS; i++) {
		while (atomic_load(&handoff_phase) != i)
			;
		pthread_mutex_lock(&handoff_mutex);
		pthread_mutex_unlock(&handoff_mutex);
		atomic_store(&handoff_done, i);
	}
	return arg;
}

static int run_handoff(void)
{
	pthread_t t;

	pthread_create(&t, NULL, handoff_waiter, NULL);
	for (int i = 1; i <= HANDOFF_ROUNDS; i++) {
		pthread_mutex_lock(&handoff_mutex);
		atomic_store(&handoff_phase, i);
		if (i % 2) {
			spin_ns(300);
		} else {
			/* Long rounds end once the waiter is in (glibc's futex
			 * word says so: 2), or after 100 ms: one wait each,
			 * however late the waiter is scheduled. */
			uint64_t end = now_ns() + 100000000;

			spin_ns(1000000);
			while (__atomic_load_n(&handoff_mutex.__data.__lock, __ATOMIC_RELAXED) !=
				   2 &&
			       now_ns() < end)
				;
		}
		pthread_mutex_unlock(&handoff_mutex);
		while (atomic_load(&handoff_done) != i)
			;
		/* Rounds 2 ms apart: the mutex profile matches a release
		 * stamped up to 1 ms after a wait's end, which must not be
		 * the next round's. */
		usleep(2000);
	}
	pthread_join(t, NULL);
	return 0;
}

/*
 * What glibc does with an available semaphore or a free rwlock, which the
 * hooks (they try first) must keep: sem_wait and sem_timedwait act on a
 * pending cancellation even when they need not wait, and a timed wait
 * given an invalid time fails with EINVAL before looking at the object.
 */
static sem_t cancel_sem;

static void *sem_cancelled(void *arg)
{
	struct timespec ts;

	pthread_cancel(pthread_self()); /* deferred: pending until a cancellation point */
	if (arg) {
		deadline(&ts, 1000);
		sem_timedwait(&cancel_sem, &ts);
	} else {
		sem_wait(&cancel_sem);
	}
	return NULL;
}

static int run_sem_cancel(void)
{
	int bad = 0;

	for (int timed = 0; timed < 2; timed++) {
		pthread_t t;
		void *ret = NULL;

		sem_init(&cancel_sem, 0, 1);
		pthread_create(&t, NULL, sem_cancelled, timed ? &cancel_sem : NULL);
		pthread_join(t, &ret);
		if (ret != PTHREAD_CANCELED) {
			printf("%s on an available semaphore ignored a pending cancel\n",
			       timed ? "sem_timedwait" : "sem_wait");
			bad = 1;
		}
		sem_destroy(&cancel_sem);
	}
	return bad;
}

static int run_timed_einval(void)
{
	const struct timespec bad_time = {0, 2000000000L};
	pthread_rwlock_t rd = PTHREAD_RWLOCK_INITIALIZER, wr = PTHREAD_RWLOCK_INITIALIZER;
	sem_t s;
	int r, bad = 0;

	sem_init(&s, 0, 1);
	r = sem_timedwait(&s, &bad_time);
	if (!(r == -1 && errno == EINVAL)) {
		printf("sem_timedwait: %d, expected EINVAL\n", r);
		bad = 1;
	}
	if ((r = pthread_rwlock_timedrdlock(&rd, &bad_time)) != EINVAL) {
		printf("pthread_rwlock_timedrdlock: %d, expected EINVAL\n", r);
		bad = 1;
	}
	if ((r = pthread_rwlock_timedwrlock(&wr, &bad_time)) != EINVAL) {
		printf("pthread_rwlock_timedwrlock: %d, expected EINVAL\n", r);
		bad = 1;
	}
	return bad;
}

/*
 * A dl_iterate_phdr callback that takes a mutex another thread holds
 * while it makes a slow call and waits for a lock: ld.so's lock that
 * dl_iterate_phdr holds must not be needed by the hooks of that other
 * thread (it deadlocked when they refreshed their table of lttng-ust's
 * code with dl_iterate_phdr).
 */
static pthread_mutex_t phdr_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t phdr_other = PTHREAD_MUTEX_INITIALIZER;
static atomic_int phdr_in;

static int phdr_callback(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)info;
	(void)size;
	(void)data;
	atomic_store(&phdr_in, 1);
	pthread_mutex_lock(&phdr_mutex);
	pthread_mutex_unlock(&phdr_mutex);
	return 1;
}

static void *phdr_iterate(void *arg)
{
	(void)arg;
	dl_iterate_phdr(phdr_callback, NULL);
	return NULL;
}

static void *phdr_hold_other(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&phdr_other);
	usleep(HOLD_US);
	pthread_mutex_unlock(&phdr_other);
	return NULL;
}

static int run_phdr_lock(void)
{
	pthread_t it, other;

	pthread_mutex_lock(&phdr_mutex);
	pthread_create(&it, NULL, phdr_iterate, NULL);
	while (!atomic_load(&phdr_in))
		usleep(1000);
	usleep(HOLD_US); /* the iterating thread now sleeps on phdr_mutex */
	usleep(HOLD_US); /* a blocking call above the threshold */
	pthread_create(&other, NULL, phdr_hold_other, NULL);
	usleep(HOLD_US / 5);
	pthread_mutex_lock(&phdr_other); /* a contended lock */
	pthread_mutex_unlock(&phdr_other);
	pthread_mutex_unlock(&phdr_mutex); /* releases a waiter */
	pthread_join(it, NULL);
	pthread_join(other, NULL);
	printf("phdr-lock done\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s MODE\n", argv[0]);
		return 2;
	}
	mode = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(mode, "cond") == 0 || strcmp(mode, "sem") == 0 || strcmp(mode, "barrier") == 0 ||
	    strcmp(mode, "join") == 0)
		return run_signalled();
	if (strcmp(mode, "threads") == 0)
		return run_threads();
	if (strcmp(mode, "alloc") == 0)
		return run_alloc();
	if (strcmp(mode, "short-threads") == 0)
		return run_short_threads();
	if (strcmp(mode, "stack-race") == 0)
		return run_stack_race();
	if (strcmp(mode, "io") == 0)
		return run_io();
	if (strcmp(mode, "deep-io") == 0)
		return run_deep_io();
	if (strcmp(mode, "dlopen") == 0)
		return run_dlopen();
	if (strcmp(mode, "fork") == 0)
		return run_fork(argv[0]);
	if (strcmp(mode, "cpu") == 0)
		return run_cpu();
	if (strcmp(mode, "sigprof") == 0)
		return run_sigprof();
	if (strcmp(mode, "hammer") == 0)
		return run_hammer();
	if (strcmp(mode, "handoff") == 0)
		return run_handoff();
	if (strcmp(mode, "sem-cancel") == 0)
		return run_sem_cancel();
	if (strcmp(mode, "timed-einval") == 0)
		return run_timed_einval();
	if (strcmp(mode, "phdr-lock") == 0)
		return run_phdr_lock();
	return run_lock();
}
