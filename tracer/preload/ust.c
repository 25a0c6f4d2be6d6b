/*
 * lttng-ust's own calls, made on the program's threads, are not the
 * program's: at exit liblttng-ust-dl's dlclose wrapper walks every loaded
 * object and reads its ELF file (build-id, debug link), a fork child
 * registers with the session daemon over a socket, the first event of a
 * thread registers it with urcu under a mutex. Each of these reaches our
 * hooks at nesting depth 0 and, when it blocks long enough, would be
 * recorded as the program's blocking call, wait or allocation.
 *
 * The hooks cannot afford a test on their fast path, and they do not need
 * one: only when an event is about to be recorded is the hook's return
 * address compared with the executable segments of the liblttng-ust*
 * objects. The table is filled at start (every lttng-ust library is loaded
 * by then: preloaded, or needed by libcprof-trace); an lttng-ust object
 * loaded later is added when one of its addresses is first looked up
 * (below).
 *
 * The table only grows, and its length is published after its entries, so
 * readers never lock. A library unloaded later leaves a stale range; none
 * of lttng-ust's is ever unloaded while the process traces.
 *
 * Only the constructor walks the objects with dl_iterate_phdr. After it,
 * an address outside the table is looked up with _dl_find_object, which
 * takes no lock: dl_iterate_phdr holds ld.so's lock while it runs its
 * callbacks, and a program whose callback waits for a mutex held by a
 * thread that is inside one of our hooks (recording a slow call, a wait,
 * a release) would deadlock if the hook asked for that lock too.
 */
#include "linker.h"
#include "own-threads.h"
#include "preload.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#define RANGES_MAX 32

struct range {
	uintptr_t lo, hi;
};

static struct range ranges[RANGES_MAX];
static unsigned ranges_count;
static unsigned long long seen_adds = ~0ull, seen_subs = ~0ull;
static int refreshing;

struct generation {
	unsigned long long adds, subs;
};

static int read_generation(struct dl_phdr_info *info, size_t size, void *data)
{
	struct generation *g = data;

	if (size < offsetof(struct dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs))
		return 1;
	g->adds = info->dlpi_adds;
	g->subs = info->dlpi_subs;
	return 1;
}

static bool is_lttng_ust(const char *path)
{
	const char *base = path ? strrchr(path, '/') : NULL;

	base = base ? base + 1 : path;
	return base && strncmp(base, "liblttng-ust", 12) == 0;
}

static int collect(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	if (!is_lttng_ust(info->dlpi_name))
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
		unsigned n = __atomic_load_n(&ranges_count, __ATOMIC_RELAXED);
		bool known = false;

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		for (unsigned k = 0; k < n && !known; k++)
			known = ranges[k].lo == lo && ranges[k].hi == hi;
		if (known || n == RANGES_MAX)
			continue;
		ranges[n].lo = lo;
		ranges[n].hi = hi;
		__atomic_store_n(&ranges_count, n + 1, __ATOMIC_RELEASE);
	}
	return 0;
}

void cprof_ust_refresh(void)
{
	struct generation g = {0, 0};

	dl_iterate_phdr(read_generation, &g);
	if (g.adds == __atomic_load_n(&seen_adds, __ATOMIC_ACQUIRE) &&
	    g.subs == __atomic_load_n(&seen_subs, __ATOMIC_RELAXED))
		return;
	/* One thread fills the table; the others use it as it is. */
	if (__atomic_exchange_n(&refreshing, 1, __ATOMIC_ACQUIRE))
		return;
	dl_iterate_phdr(collect, NULL);
	__atomic_store_n(&seen_subs, g.subs, __ATOMIC_RELAXED);
	__atomic_store_n(&seen_adds, g.adds, __ATOMIC_RELEASE);
	__atomic_store_n(&refreshing, 0, __ATOMIC_RELEASE);
}

/* ip is in no known range: whether it is in an lttng-ust object loaded
 * since the table was filled (and then remember that object). */
static bool find_late(const void *ip)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
	struct dl_find_object obj;
	unsigned n;

	if (_dl_find_object((void *)ip, &obj) != 0 || !obj.dlfo_link_map ||
	    !is_lttng_ust(obj.dlfo_link_map->l_name))
		return false;
	if (__atomic_exchange_n(&refreshing, 1, __ATOMIC_ACQUIRE))
		return true;
	n = __atomic_load_n(&ranges_count, __ATOMIC_RELAXED);
	if (n < RANGES_MAX) {
		ranges[n].lo = (uintptr_t)obj.dlfo_map_start;
		ranges[n].hi = (uintptr_t)obj.dlfo_map_end;
		__atomic_store_n(&ranges_count, n + 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&refreshing, 0, __ATOMIC_RELEASE);
	return true;
#else
	(void)ip;
	return false;
#endif
}

bool cprof_ust_is_caller(const void *ip, bool refresh)
{
	uintptr_t a = (uintptr_t)ip;
	unsigned n;

	n = __atomic_load_n(&ranges_count, __ATOMIC_ACQUIRE);
	for (unsigned i = 0; i < n; i++)
		if (a >= ranges[i].lo && a < ranges[i].hi)
			return true;
	return refresh && find_late(ip);
}

/* --- lttng-ust's listener threads ----------------------------------------- */

/*
 * lttng-ust starts two listener threads (the global and the per-user
 * session daemon's) in its constructor, and again in a fork child; each
 * waits for the daemon's commands in recvmsg and answers them (sendmsg,
 * mmap, close, ...). A seccomp filter on every thread
 * (SECCOMP_FILTER_FLAG_TSYNC) covers them: one that denies those calls
 * killed the process at the daemon's next command (another capture of
 * `serve`, the end of a recording). They are remembered here when
 * created (the handle, and the kernel's id, which the thread publishes
 * first), so that seccomp.c can stop them before such a filter goes in.
 */
#define UST_THREADS_MAX 4
static struct ust_thread {
	void *(*routine)(void *);
	void *arg;
	pthread_t handle;
	int32_t tid;
	bool used, stopped;
	bool heap; /* none of the table was free: not remembered, freed at start */
} ust_threads[UST_THREADS_MAX];

static void ust_thread_end(void *unused)
{
	(void)unused;
	cprof_own_thread_end_();
}

/* The thread is tracing's own (own-threads.h) until it ends: lttng-ust's
 * exit cancels it. */
static void *ust_thread_start(void *p)
{
	struct ust_thread *u = p;
	void *(*routine)(void *) = u->routine;
	void *arg = u->arg, *ret;

	if (u->heap)
		cprof_real.free(u);
	else
		__atomic_store_n(&u->tid, cprof_gettid(), __ATOMIC_RELEASE);
	cprof_own_thread_begin_();
	pthread_cleanup_push(ust_thread_end, NULL);
	ret = routine(arg);
	pthread_cleanup_pop(1);
	return ret;
}

int cprof_ust_thread_create(int (*create)(pthread_t *, const pthread_attr_t *, void *(*)(void *),
					  void *),
			    pthread_t *thread, const pthread_attr_t *attr, void *(*routine)(void *),
			    void *arg)
{
	struct ust_thread *u = NULL;
	bool heap;
	int ret;

	for (unsigned i = 0; i < UST_THREADS_MAX && !u; i++)
		if (!__atomic_exchange_n(&ust_threads[i].used, true, __ATOMIC_ACQ_REL))
			u = &ust_threads[i];
	if (!u) {
		u = cprof_real.malloc ? cprof_real.malloc(sizeof(*u)) : NULL;
		if (!u)
			return create(thread, attr, routine, arg);
		*u = (struct ust_thread){.heap = true};
	}
	heap = u->heap;
	u->routine = routine;
	u->arg = arg;
	u->tid = 0;
	u->stopped = false;
	/* a heap one is the new thread's from here */
	ret = create(thread, attr, ust_thread_start, u);
	if (ret != 0 && heap)
		cprof_real.free(u);
	else if (ret != 0)
		__atomic_store_n(&u->used, false, __ATOMIC_RELEASE);
	else if (!heap)
		u->handle = *thread;
	return ret;
}

/* Only the forking thread lives on in the child. */
void cprof_ust_threads_after_fork_child(void)
{
	memset(ust_threads, 0, sizeof(ust_threads));
}

bool cprof_ust_thread_stopped(pthread_t thread)
{
	for (unsigned i = 0; i < UST_THREADS_MAX; i++)
		if (__atomic_load_n(&ust_threads[i].used, __ATOMIC_ACQUIRE) &&
		    ust_threads[i].stopped && pthread_equal(ust_threads[i].handle, thread))
			return true;
	return false;
}

/* The /proc file `name` of this process's thread `tid`, NUL-terminated in
 * buf (raw system calls: a seccomp filter may be about to go in); its
 * length, or -1. */
static ssize_t task_file_read(int32_t tid, const char *name, char *buf, size_t size)
{
	char path[64];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/%s", (int)tid, name);
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = syscall(SYS_read, fd, buf, size - 1);
	syscall(SYS_close, fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* A thread parked in a futex wait: the per-user listener waiting for a
 * session daemon of its user that does not run. The cancel takes effect
 * at its next cancellation point, should one ever start. */
static bool in_futex_wait(int32_t tid)
{
	char buf[32];

	return task_file_read(tid, "syscall", buf, sizeof(buf)) > 0 &&
	       strncmp(buf, CPROF_STR(SYS_futex) " ", strlen(CPROF_STR(SYS_futex) " ")) == 0;
}

/* glibc's cancel signal (SIGCANCEL, not in its headers) */
#define CANCEL_SIGNAL 32

/*
 * The cancel's signal has reached the thread's handler, or will not wait
 * for anyone: it is neither pending on the thread nor held by a tracer
 * (a debugger's signal-delivery stop, state t, until it lets the signal
 * through), or the thread waits parked. A status that cannot be read
 * says yes.
 */
static bool cancel_delivered(int32_t tid)
{
	char buf[2048], *st, *pnd;

	if (in_futex_wait(tid) || task_file_read(tid, "status", buf, sizeof(buf)) < 0)
		return true;
	st = strstr(buf, "\nState:\t");
	pnd = strstr(buf, "\nSigPnd:\t");
	if (st && (st[8] == 't' || st[8] == 'T'))
		return false;
	return !pnd || !(strtoull(pnd + 9, NULL, 16) & (1ull << (CANCEL_SIGNAL - 1)));
}

/* The session daemon's end of a socket is its apps socket,
 * `.../lttng-ust-sock-N`: both the command and the notify sockets. */
static void shut_ust_socket(int fd, void *data)
{
	struct sockaddr_un peer;
	socklen_t len = sizeof(peer);
	const char *base;

	(void)data;
	memset(&peer, 0, sizeof(peer));
	if (getpeername(fd, (struct sockaddr *)&peer, &len) != 0 || peer.sun_family != AF_UNIX ||
	    len <= offsetof(struct sockaddr_un, sun_path) || !peer.sun_path[0])
		return;
	peer.sun_path[sizeof(peer.sun_path) - 1] = '\0';
	base = strrchr(peer.sun_path, '/');
	base = base ? base + 1 : peer.sun_path;
	if (strncmp(base, "lttng-ust-sock-", 15) == 0)
		shutdown(fd, SHUT_RDWR);
}

/*
 * Cancelled while blocked in recvmsg (a cancellation point; lttng-ust
 * disables cancellation while it holds its lock, so a command being
 * handled completes first), each thread ends, and the filter may go in
 * once the kernel has no thread of its id left. The sockets are then shut
 * down (not closed: lttng-ust still owns the numbers, and closes them at
 * exit), so that the session daemon sees the process leave at once
 * instead of waiting for answers to its next commands.
 */
static bool stop_threads(int (*cancel)(pthread_t), bool spare_parked)
{
	uint64_t deadline = cprof_now_ns() + 1000000000u;
	bool all = true, now[UST_THREADS_MAX] = {false};

	for (unsigned i = 0; i < UST_THREADS_MAX; i++) {
		struct ust_thread *u = &ust_threads[i];
		int32_t tid;

		if (!__atomic_load_n(&u->used, __ATOMIC_ACQUIRE) || u->stopped)
			continue;
		tid = __atomic_load_n(&u->tid, __ATOMIC_ACQUIRE);
		if ((spare_parked && tid != 0 && in_futex_wait(tid)) || cancel(u->handle) == 0)
			u->stopped = now[i] = true;
	}
	/* (those stopped by an earlier call were waited for then) */
	for (unsigned i = 0; i < UST_THREADS_MAX; i++)
		if (now[i] &&
		    !cprof_own_thread_wait_end_(&ust_threads[i].tid, deadline,
						spare_parked ? cancel_delivered : in_futex_wait))
			all = false;
	return all;
}

bool cprof_ust_stop_threads(int (*cancel)(pthread_t))
{
	bool all = stop_threads(cancel, false);

	cprof_fd_each(shut_ust_socket, NULL);
	return all;
}

/*
 * lttng-ust's exit cancels its listeners and does not wait for them: the
 * process ends with the cancel's signal on its way. A debugger sees a
 * thread stop for that signal, then vanish before it can be resumed:
 * gdb's `run` of a traced program failed with "Couldn't read debug
 * register: No such process" (5 runs of 5; 2 of 6 with liblttng-ust
 * preloaded alone), the program left running under it. Our exit (a
 * destructor, before lttng-ust's) cancels those blocked in recvmsg and
 * waits until the signal has reached each (cancel_delivered), not for
 * the end: a cancelled thread's unwinding loads libgcc_s first, 2-4 ms
 * that every process's exit would have waited. One parked in a futex
 * wait (for a session daemon of its user that does not run), which no
 * cancel would end, is sent nothing and ends with the process. Either
 * way lttng-ust's cancel then finds it stopped (thread.c).
 */
void cprof_ust_end_threads(int (*cancel)(pthread_t))
{
	stop_threads(cancel, true);
}
