/*
 * What old C programs do with signals, for test-realprog.sh. It prints
 * what it saw; the script compares the output with an untraced run's and
 * looks in the trace for what it did after.
 *
 *   altstack [BYTES]  a SIGUSR1 handler on an alternate signal stack of
 *             BYTES (default 8192, SIGSTKSZ before glibc 2.34) carved out
 *             of the heap (sigaltstack, SA_ONSTACK), as crash handlers and
 *             old daemons set one up, computes 0.3 s of CPU
 *             (spin_on_altstack), twice; then the heap block below the
 *             stack is checked and everything freed.
 *   exec      in recursions 1 to 40 deep, a 1 ms usleep each (forty stacks
 *             of its own), 0.3 s of CPU in burn_before_exec, 100 blocks
 *             of 100,000 bytes allocated and kept; then it executes
 *             itself as `after-exec`: 0.3 s of CPU in burn_after_exec
 *             and a 40 ms usleep in sleep_after_exec.
 *   thread-exec  a thread blocked on a condition variable, one sleeping
 *             30 s, and a worker that computes 0.1 s
 *             (burn_in_exec_thread) and executes the program as
 *             `after-thread-exec` (POSIX: every other thread is destroyed,
 *             the caller takes the process's id) while main waits in
 *             pthread_join: the new image computes 0.3 s
 *             (burn_after_thread_exec).
 *   heap-exec  64 blocks of 1 MiB allocated and kept, then it executes
 *             itself as `after-heap-exec`, which keeps 4 KiB.
 *   dl-swap LIBA LIBB  0.3 s of CPU in spin_a of LIBA (dlopen), dlclose,
 *             then 0.3 s in spin_b of LIBB, which the loader maps where
 *             LIBA was (exit 77 when it did not).
 *   longjmp   a blocking read ended three times by siglongjmp from a
 *             SIGALRM handler (the timeout of ping, telnet and old
 *             network clients); then a read that another thread answers
 *             after 60 ms (read_after_jumps), and a 40 ms usleep
 *             (sleep_after_jumps).
 *   seccomp   as OpenSSH's pre-authentication child: a seccomp filter
 *             (prctl, the calling thread and those it starts) that allows
 *             only the calls the program makes from then on and kills the
 *             process on any other; then 0.4 s of CPU with allocations
 *             (work_under_filter) on the main thread and on a thread it
 *             starts, and exit(0).
 *   setxid [THREADS]  (root) THREADS threads (default 4) running, then
 *             setgroups, setresgid and
 *             setresuid to 65534, as a daemon drops root: whether every
 *             thread of the process (any a tracer added too) ended with
 *             those ids and no capability left.
 *   userns    as Chromium's check that its namespace sandbox works: a
 *             child made by clone() in a new user namespace
 *             (CLONE_NEWUSER) must be single-threaded (Chromium CHECKs
 *             it; the kernel refuses unshare(CLONE_NEWUSER) to a
 *             multithreaded process): the child prints its number of
 *             threads (/proc/self/status) and exits 1 unless it is one.
 *   seccomp-tsync [SECONDS [listeners]]  as a sandboxed browser's renderer: a filter
 *             on every thread of the process (the seccomp system call,
 *             SECCOMP_FILTER_FLAG_TSYNC), installed once a second thread
 *             waits for it (pthread_cond_wait), that allows only what
 *             the program makes from then on (not recvmsg, sendmsg, close
 *             or clock_nanosleep) and kills the process on any other call;
 *             then SECONDS (default 0.6) of CPU with allocations on both
 *             threads (work_under_filter), and exit(0). With `listeners`,
 *             the filter denies recvmsg and sendmsg only (lttng-ust's
 *             listeners make them, neither the program nor our hooks).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <link.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
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

#include "realprog-cpu.h"

/* --- altstack ------------------------------------------------------------ */

static volatile int handled;

static __attribute__((noinline)) void spin_on_altstack(uint64_t ns)
{
	spin_cpu(ns);
}

static void on_usr1(int sig)
{
	(void)sig;
	spin_on_altstack(300000000);
	handled++;
}

static int run_altstack(size_t size)
{
	/* The block below the stack, then the stack, from one allocation:
	 * what lies below an alternate stack is the program's heap. */
	unsigned char *block = malloc(4096 + size);
	struct sigaction sa;
	stack_t ss;
	int damaged = 0;

	if (!block)
		return 1;
	memset(block, 0x5a, 4096 + size);
	ss.ss_sp = block + 4096;
	ss.ss_size = size;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL) != 0)
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	raise(SIGUSR1);
	for (int i = 0; i < 4096; i++)
		damaged += block[i] != 0x5a;
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	free(block);
	printf("handler ran %d times on the alternate stack, %d bytes below it overwritten\n",
	       handled, damaged);
	return damaged ? 1 : 0;
}

/* --- exec ---------------------------------------------------------------- */

static __attribute__((noinline)) void burn_before_exec(void)
{
	spin_cpu(300000000);
}

static __attribute__((noinline)) void burn_after_exec(void)
{
	spin_cpu(300000000);
}

static __attribute__((noinline)) void sleep_after_exec(void)
{
	usleep(40000);
}

static __attribute__((noinline)) int nest(int depth)
{
	if (depth == 0)
		return usleep(1000);
	return nest(depth - 1) + depth;
}

static int run_exec(void)
{
	for (int d = 1; d <= 40; d++)
		nest(d);
	burn_before_exec();
	for (int i = 0; i < 100; i++)
		memset(malloc(100000), 1, 100000);
	printf("executing itself\n");
	fflush(stdout);
	execl("/proc/self/exe", "realprog-odd", "after-exec", (char *)NULL);
	return 1;
}

static int run_after_exec(void)
{
	burn_after_exec();
	sleep_after_exec();
	printf("after exec\n");
	return 0;
}

/* --- thread-exec -------------------------------------------------------- */

static pthread_mutex_t never_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never_cond = PTHREAD_COND_INITIALIZER;

/* Threads the exec destroys: one blocked on a condition nobody signals,
 * one sleeping far past the exec. */
static void *wait_forever(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&never_lock);
	for (;;)
		pthread_cond_wait(&never_cond, &never_lock);
	return NULL;
}

static void *sleep_long(void *arg)
{
	(void)arg;
	sleep(30);
	return NULL;
}

static __attribute__((noinline)) void burn_in_exec_thread(void)
{
	spin_cpu(100000000);
}

static void *exec_from_thread(void *arg)
{
	(void)arg;
	burn_in_exec_thread();
	printf("a worker thread executes the program\n");
	fflush(stdout);
	execl("/proc/self/exe", "realprog-odd", "after-thread-exec", (char *)NULL);
	return NULL;
}

static int run_thread_exec(void)
{
	pthread_t th[3];

	pthread_create(&th[0], NULL, wait_forever, NULL);
	pthread_create(&th[1], NULL, sleep_long, NULL);
	usleep(20000);
	pthread_create(&th[2], NULL, exec_from_thread, NULL);
	pthread_join(th[2], NULL);
	return 1;
}

static __attribute__((noinline)) void burn_after_thread_exec(void)
{
	spin_cpu(300000000);
}

static int run_after_thread_exec(void)
{
	burn_after_thread_exec();
	printf("the new image runs alone\n");
	return 0;
}

/* --- heap-exec ----------------------------------------------------------- */

/* 64 MiB in 64 blocks kept until exec discards them with the address
 * space; the new image allocates 4 KiB and keeps it. */
static int run_heap_exec(void)
{
	for (int i = 0; i < 64; i++)
		memset(malloc(1 << 20), 1, 1 << 20);
	printf("64 MiB in use, executing itself\n");
	fflush(stdout);
	execl("/proc/self/exe", "realprog-odd", "after-heap-exec", (char *)NULL);
	return 1;
}

static int run_after_heap_exec(void)
{
	char *small = malloc(4096);

	memset(small, 2, 4096);
	usleep(20000);
	printf("4 KiB in use after exec\n");
	return small[100] == 2 ? 0 : 1;
}

/* --- dl-swap ------------------------------------------------------------ */

/* `name` of `path` loaded, or NULL; its base in *base. */
static void *load_spin(const char *path, const char *name, void **handle, uintptr_t *base)
{
	struct link_map *map = NULL;
	void *fn;

	*handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!*handle || dlinfo(*handle, RTLD_DI_LINKMAP, &map) != 0) {
		fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
		return NULL;
	}
	*base = (uintptr_t)map->l_addr;
	fn = dlsym(*handle, name);
	if (!fn)
		fprintf(stderr, "dlsym %s: %s\n", name, dlerror());
	return fn;
}

/* Computes 0.3 s in spin_a of library A, unloads it, loads library B
 * (which the loader usually maps where A was) and computes 0.3 s in its
 * spin_b, from the same call site: the stacks of both have the same
 * addresses. Exits 77 when B did not land at A's base. */
static int run_dl_swap(const char *liba, const char *libb)
{
	const char *paths[2] = {liba, libb}, *names[2] = {"spin_a", "spin_b"};
	uintptr_t base[2];

	for (int i = 0; i < 2; i++) {
		void (*spin)(uint64_t);
		void *h;

		if (!(spin = (void (*)(uint64_t))load_spin(paths[i], names[i], &h, &base[i])))
			return 1;
		if (i && base[1] != base[0]) {
			printf("library A at 0x%lx, library B at 0x%lx\n", (unsigned long)base[0],
			       (unsigned long)base[1]);
			return 77;
		}
		spin(300000000);
		dlclose(h);
	}
	printf("libraries A and B at the same base\n");
	return 0;
}

/* --- longjmp ------------------------------------------------------------- */

static sigjmp_buf timeout_jump;

static void on_alarm(int sig)
{
	(void)sig;
	siglongjmp(timeout_jump, 1);
}

static void *answer_later(void *arg)
{
	usleep(60000);
	if (write(*(int *)arg, "y", 1) != 1)
		abort();
	return NULL;
}

static __attribute__((noinline)) ssize_t read_after_jumps(int fd, char *c)
{
	return read(fd, c, 1);
}

static __attribute__((noinline)) void sleep_after_jumps(void)
{
	usleep(40000);
}

static int run_longjmp(void)
{
	volatile int timeouts = 0;
	struct sigaction sa;
	pthread_t th;
	int p[2];
	char c;

	if (pipe(p) != 0)
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	for (volatile int i = 0; i < 3; i++) {
		if (sigsetjmp(timeout_jump, 1) == 0) {
			struct itimerval it = {{0, 0}, {0, 20000}};

			setitimer(ITIMER_REAL, &it, NULL);
			if (read(p[0], &c, 1) >= 0)
				printf("read returned\n");
		} else {
			timeouts++;
		}
	}
	pthread_create(&th, NULL, answer_later, &p[1]);
	if (read_after_jumps(p[0], &c) != 1)
		return 1;
	pthread_join(th, NULL);
	sleep_after_jumps();
	printf("%d reads ended by siglongjmp, then read '%c'\n", timeouts, c);
	return 0;
}

/* ---- seccomp --------------------------------------------------------- */

static __attribute__((noinline)) uint64_t work_under_filter(double seconds)
{
	struct timespec t0, t;
	uint64_t sum = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 1000; i++) {
			char *p = malloc(64 + (size_t)(i % 200));

			p[0] = (char)i;
			sum += (uint64_t)p[0] * 31 + (uint64_t)i;
			free(p);
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 < seconds);
	return sum;
}

static void *filtered_thread(void *arg)
{
	(void)arg;
	return (void *)(uintptr_t)work_under_filter(0.4);
}

#define ALLOW(nr)                                                                                  \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),                                           \
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

static int run_seccomp(void)
{
	struct sock_filter f[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    ALLOW(SYS_write),
	    ALLOW(SYS_exit),
	    ALLOW(SYS_exit_group),
	    ALLOW(SYS_brk),
	    ALLOW(SYS_mmap),
	    ALLOW(SYS_munmap),
	    ALLOW(SYS_madvise),
	    ALLOW(SYS_futex),
	    ALLOW(SYS_clock_gettime),
	    ALLOW(SYS_rt_sigprocmask),
	    ALLOW(SYS_newfstatat),
	    ALLOW(SYS_mprotect),
	    ALLOW(SYS_clone3),
	    ALLOW(SYS_clone),
	    ALLOW(SYS_set_robust_list),
	    ALLOW(SYS_rseq),
	    ALLOW(SYS_rt_sigaction),
	    ALLOW(SYS_close),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	struct sock_fprog prog = {(unsigned short)(sizeof(f) / sizeof(f[0])), f};
	pthread_t th;
	void *r;
	uint64_t sum;

	printf("filter of %u instructions\n", prog.len);
	fflush(stdout);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
		perror("seccomp");
		return 1;
	}
	if (pthread_create(&th, NULL, filtered_thread, NULL) != 0)
		return 1;
	sum = work_under_filter(0.4);
	pthread_join(th, &r);
	printf("work under the filter: %s\n", sum && r ? "done" : "nothing");
	fflush(stdout);
	exit(0);
}

static volatile int setxid_done;

static void *setxid_thread(void *arg)
{
	(void)arg;
	while (!setxid_done)
		usleep(1000);
	return NULL;
}

/* Threads of this process whose ids or capabilities are not those of
 * user and group 65534 without privileges, -1 when /proc cannot tell. */
static int threads_not_dropped(void)
{
	static const char *const want[] = {
	    "Uid:\t65534\t65534\t65534\t65534\n", "Gid:\t65534\t65534\t65534\t65534\n",
	    "Groups:\t65534 \n", "CapPrm:\t0000000000000000\n", "CapEff:\t0000000000000000\n"};
	DIR *dir = opendir("/proc/self/task");
	struct dirent *d;
	int bad = 0;

	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		char path[300], line[256];
		unsigned seen = 0;
		FILE *in;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/status", d->d_name);
		if (!(in = fopen(path, "r")))
			continue; /* ended meanwhile */
		while (fgets(line, sizeof(line), in))
			for (unsigned k = 0; k < sizeof(want) / sizeof(want[0]); k++)
				seen += strcmp(line, want[k]) == 0;
		fclose(in);
		bad += seen != sizeof(want) / sizeof(want[0]);
	}
	closedir(dir);
	return bad;
}

static int run_setxid(int threads)
{
	gid_t group = 65534;
	pthread_t th[8];
	int bad;

	if (threads < 0 || threads > 8)
		return 2;
	for (int i = 0; i < threads; i++)
		if (pthread_create(&th[i], NULL, setxid_thread, NULL) != 0)
			return 1;
	if (setgroups(1, &group) != 0 || setresgid(65534, 65534, 65534) != 0 ||
	    setresuid(65534, 65534, 65534) != 0) {
		perror("set*id");
		return 1;
	}
	bad = threads_not_dropped();
	setxid_done = 1;
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	if (bad)
		printf("%d threads kept other ids or capabilities\n", bad);
	else
		printf("every thread is user and group 65534 without capabilities\n");
	return bad != 0;
}

/* The second thread waits for the filter, then works under it. */
static pthread_mutex_t tsync_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t tsync_cond = PTHREAD_COND_INITIALIZER;
static int tsync_started, tsync_filtered;
static double tsync_seconds;

static void *tsync_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&tsync_lock);
	tsync_started = 1;
	pthread_cond_broadcast(&tsync_cond);
	while (!tsync_filtered)
		pthread_cond_wait(&tsync_cond, &tsync_lock);
	pthread_mutex_unlock(&tsync_lock);
	return (void *)(uintptr_t)work_under_filter(tsync_seconds);
}

static int run_seccomp_tsync(double seconds, bool listeners_only)
{
	/* listeners_only: what recording's hooks and threads make allowed too,
	 * only the session daemon's conversation (recvmsg, sendmsg) denied */
	struct sock_filter more[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_recvmsg, 1, 0),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sendmsg, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_filter f[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    ALLOW(SYS_write),
	    ALLOW(SYS_exit),
	    ALLOW(SYS_exit_group),
	    ALLOW(SYS_brk),
	    ALLOW(SYS_mmap),
	    ALLOW(SYS_munmap),
	    ALLOW(SYS_madvise),
	    ALLOW(SYS_futex),
	    ALLOW(SYS_clock_gettime),
	    ALLOW(SYS_rt_sigprocmask),
	    ALLOW(SYS_mprotect),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	struct sock_fprog prog = {(unsigned short)(sizeof(f) / sizeof(f[0])), f};
	pthread_t th;
	void *r;
	uint64_t sum;

	if (listeners_only) {
		prog.len = (unsigned short)(sizeof(more) / sizeof(more[0]));
		prog.filter = more;
	}
	tsync_seconds = seconds;
	if (pthread_create(&th, NULL, tsync_thread, NULL) != 0)
		return 1;
	/* a thread that starts makes calls of its own (rseq) */
	pthread_mutex_lock(&tsync_lock);
	while (!tsync_started)
		pthread_cond_wait(&tsync_cond, &tsync_lock);
	pthread_mutex_unlock(&tsync_lock);
	printf("filter of %u instructions on every thread\n", prog.len);
	fflush(stdout);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0) {
		perror("seccomp");
		return 1;
	}
	pthread_mutex_lock(&tsync_lock);
	tsync_filtered = 1;
	pthread_cond_broadcast(&tsync_cond);
	pthread_mutex_unlock(&tsync_lock);
	sum = work_under_filter(seconds);
	pthread_join(th, &r);
	printf("work under the filter: %s\n", sum && r ? "done" : "nothing");
	fflush(stdout);
	exit(0);
}

/* ---- userns --------------------------------------------------------- */

static int userns_child(void *arg)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	int threads = -1;

	(void)arg;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %d", &threads) == 1)
			break;
	if (f)
		fclose(f);
	printf("child: %d thread(s)\n", threads);
	fflush(stdout);
	return threads == 1 ? 0 : 1;
}

static int run_userns(void)
{
	static char stack[256 * 1024];
	int status;
	pid_t pid;

	fflush(stdout);
	pid = clone(userns_child, stack + sizeof(stack), CLONE_NEWUSER | SIGCHLD, NULL);
	if (pid < 0) {
		printf("clone(CLONE_NEWUSER): %s\n", strerror(errno));
		return 77;
	}
	if (waitpid(pid, &status, 0) != pid)
		return 1;
	printf("child exit status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (strcmp(mode, "altstack") == 0)
		return run_altstack(argc > 2 ? strtoul(argv[2], NULL, 0) : 8192);
	if (strcmp(mode, "exec") == 0)
		return run_exec();
	if (strcmp(mode, "after-exec") == 0)
		return run_after_exec();
	if (strcmp(mode, "longjmp") == 0)
		return run_longjmp();
	if (strcmp(mode, "thread-exec") == 0)
		return run_thread_exec();
	if (strcmp(mode, "after-thread-exec") == 0)
		return run_after_thread_exec();
	if (strcmp(mode, "heap-exec") == 0)
		return run_heap_exec();
	if (strcmp(mode, "after-heap-exec") == 0)
		return run_after_heap_exec();
	if (strcmp(mode, "seccomp") == 0)
		return run_seccomp();
	if (strcmp(mode, "setxid") == 0)
		return run_setxid(argc > 2 ? atoi(argv[2]) : 4);
	if (strcmp(mode, "userns") == 0)
		return run_userns();
	if (strcmp(mode, "seccomp-tsync") == 0)
		return run_seccomp_tsync(argc > 2 ? strtod(argv[2], NULL) : 0.6,
					 argc > 3 && strcmp(argv[3], "listeners") == 0);
	if (strcmp(mode, "dl-swap") == 0 && argc == 4)
		return run_dl_swap(argv[2], argv[3]);
	fprintf(stderr, "usage: realprog-odd altstack [BYTES] | exec | longjmp | thread-exec | "
			"heap-exec | dl-swap LIBA LIBB | seccomp | seccomp-tsync [SECONDS "
			"[listeners]] | userns | setxid [THREADS]\n");
	return 2;
}
