/*
 * lttng-ust's descriptors are not the program's to close.
 *
 * lttng-ust keeps sockets to the session daemon, shared-memory and wakeup
 * descriptors open in every traced process, and remembers them in its fd
 * tracker. A program that closes the descriptors it inherited (the daemon
 * idiom: close_range, closefrom, a close() loop up to the limit, Python's
 * os.closerange) closes those too; the kernel then hands the same numbers
 * to the next open(), and lttng-ust, which still marks them as its own,
 * aborts in lttng_ust_add_fd_to_tracker the next time it opens a file
 * (liblttng-ust-dl reading an ELF file at the next dlopen or dlclose, the
 * tracepoint destructors' dlclose at exit, a listener thread reconnecting).
 *
 * liblttng-ust-fd is lttng-ust's answer for close() and fclose(); the
 * 2.13.5 in Debian 12 has no close_range or closefrom wrapper, and glibc's
 * closefrom calls close_range inside libc, where no preload can see it. So
 * the three are wrapped here, the way liblttng-ust-fd does it: each
 * descriptor goes through lttng_ust_safe_close_fd, which closes it unless
 * lttng-ust owns it (then it fails with EBADF, as for a descriptor that
 * was never open). lttng-ust's own closes hold its tracker lock and go
 * straight through. Tracing then goes on after the program closed
 * everything.
 *
 * libunwind has descriptors of its own on our behalf: the pipe through
 * which it checks that an address is readable while it unwinds from a
 * signal frame. When the program closes it and the number is reused,
 * libunwind reads a byte from the program's descriptor, finds it is not
 * its pipe and closes it (the program's descriptor, then) to make a new
 * pipe. Those are found once, as the descriptors that appear while the
 * constructor sets libunwind up (a pipe pair, non-blocking and
 * close-on-exec, as libunwind makes it), and closing them fails with EBADF
 * too.
 *
 * close_range over a large range is done per open descriptor, read from
 * /proc/self/fd with getdents64 into a stack buffer (no allocation: a fork
 * child about to exec calls it), not per number up to RLIMIT_NOFILE.
 */
#include "preload.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* liblttng-ust-common's fd tracker (lttng/ust-fd.h in later releases). */
int lttng_ust_safe_close_fd(int fd, int (*close_cb)(int fd));

static int (*real_close)(int);
static int own_fds[8];
static unsigned own_count;
static int (*real_close_range)(unsigned int, unsigned int, int);

void cprof_fd_resolve(void) CPROF_HIDDEN;
void cprof_fd_resolve(void)
{
	real_close = cprof_dlsym("close");
	real_close_range = cprof_dlsym("close_range");
}

static int sys_close(int fd)
{
	return real_close ? real_close(fd) : (int)syscall(SYS_close, fd);
}

static int sys_close_range(unsigned int first, unsigned int last, unsigned int flags)
{
	return (int)syscall(SYS_close_range, first, last, flags);
}

/* Callbacks of lttng_ust_safe_close_fd for one descriptor of a range. */
static int close_cloexec(int fd)
{
	return sys_close_range((unsigned)fd, (unsigned)fd, CLOSE_RANGE_CLOEXEC);
}

static bool is_own(int fd)
{
	for (unsigned i = 0; i < own_count; i++)
		if (own_fds[i] == fd)
			return true;
	return false;
}

/* A descriptor of ours the program must not close (state.c's control
 * socket), or no longer (-1 for fd: forget `old`). Single-threaded: the
 * constructor, or a fork child before it returns to the program. */
void cprof_fd_keep(int fd, int old)
{
	for (unsigned i = 0; i < own_count; i++)
		if (own_fds[i] == old) {
			own_fds[i] = own_fds[--own_count];
			break;
		}
	if (fd >= 0 && own_count < sizeof(own_fds) / sizeof(own_fds[0]))
		own_fds[own_count++] = fd;
}

/* One descriptor of the program's: ours and lttng-ust's stay open. */
static int safe_close(int fd, int (*cb)(int))
{
	if (unlikely(own_count) && is_own(fd)) {
		errno = EBADF;
		return -1;
	}
	return lttng_ust_safe_close_fd(fd, cb);
}

CPROF_EXPORT int close(int fd)
{
	if (unlikely(!real_close))
		cprof_resolve_all();
	/* lttng-ust's destructor closes its sockets and buffers at exit: a
	 * seccomp filter that denies close would kill the process there. The
	 * descriptor is left to the process's end (seccomp.c). */
	if (unlikely(cprof_seccomp_denies(CPROF_DENIES_CLOSE)) &&
	    cprof_ust_is_caller(__builtin_return_address(0), true))
		return 0;
	return safe_close(fd, sys_close);
}

/* Calls fn for each open descriptor in [first, last] (not the one it
 * reads the list with). false when /proc/self/fd cannot be read. */
static bool each_open_fd(unsigned int first, unsigned int last, void (*fn)(int, void *), void *data)
{
	_Alignas(8) char buf[4096];
	int dir =
	    (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long n;

	if (dir < 0)
		return false;
	while ((n = syscall(SYS_getdents64, dir, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);
			unsigned long fd = 0;
			const char *p = d->d_name;

			off += d->d_reclen;
			if (*p < '0' || *p > '9')
				continue;
			while (*p >= '0' && *p <= '9')
				fd = fd * 10 + (unsigned long)(*p++ - '0');
			if (fd < first || fd > last || fd == (unsigned long)dir || fd > INT_MAX)
				continue;
			fn((int)fd, data);
		}
	}
	sys_close(dir);
	return true;
}

/* Every open descriptor: from /proc/self/fd, or (no /proc: a chroot, a
 * sandbox) every number up to the descriptor limit, at most 65536. */
void cprof_fd_each(void (*fn)(int, void *), void *data)
{
	struct rlimit rl;
	int top = 65536;

	if (each_open_fd(0, INT_MAX, fn, data))
		return;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (rlim_t)top)
		top = (int)rl.rlim_cur;
	for (int fd = 0; fd < top; fd++)
		if (syscall(SYS_fcntl, fd, F_GETFD) >= 0)
			fn(fd, data);
}

static void close_cb_fd(int fd, void *cb)
{
	(void)safe_close(fd, (int (*)(int))cb);
}

/* --- the descriptors libunwind opens for us ------------------------------ */

#define SEEN_MAX 1024
static uint64_t seen[SEEN_MAX / 64];

static void mark_seen(int fd, void *data)
{
	(void)data;
	if (fd < SEEN_MAX)
		seen[fd / 64] |= UINT64_C(1) << (fd % 64);
}

struct candidates {
	int fd[8];
	ino_t ino[8];
	unsigned n;
};

static void note_new(int fd, void *data)
{
	struct candidates *c = data;
	int fl, fdfl;
	struct stat st;

	if (fd >= SEEN_MAX || (seen[fd / 64] & (UINT64_C(1) << (fd % 64))) || c->n == 8)
		return;
	fl = (int)syscall(SYS_fcntl, fd, F_GETFL);
	fdfl = (int)syscall(SYS_fcntl, fd, F_GETFD);
	if (fl < 0 || !(fl & O_NONBLOCK) || fdfl < 0 || !(fdfl & FD_CLOEXEC) ||
	    fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode))
		return;
	c->fd[c->n] = fd;
	c->ino[c->n++] = st.st_ino;
}

void cprof_fd_own_begin(void)
{
	memset(seen, 0, sizeof(seen));
	(void)each_open_fd(0, SEEN_MAX - 1, mark_seen, NULL);
}

/* Both ends of one pipe: a descriptor lttng-ust received (a wakeup
 * pipe's end) in the meantime is never a pair. */
void cprof_fd_own_end(void)
{
	struct candidates c = {.n = 0};

	(void)each_open_fd(0, SEEN_MAX - 1, note_new, &c);
	for (unsigned i = 0; i < c.n; i++)
		for (unsigned j = 0; j < c.n; j++)
			if (i != j && c.ino[i] == c.ino[j] &&
			    own_count < sizeof(own_fds) / sizeof(own_fds[0]))
				own_fds[own_count++] = c.fd[i];
}

/* No /proc: every number up to the descriptor limit, then the rest at
 * once (lttng-ust opens nothing above the limit it started with). */
static void close_numbers(unsigned int first, unsigned int last, unsigned int flags, int (*cb)(int))
{
	struct rlimit rl;
	unsigned int top = 65536;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY && rl.rlim_max < top)
		top = (unsigned int)rl.rlim_max;
	for (unsigned int fd = first; fd <= last && fd < top; fd++)
		(void)safe_close((int)fd, cb);
	if (last >= top)
		(void)sys_close_range(first > top ? first : top, last, flags);
}

CPROF_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	unsigned int f = (unsigned int)flags;
	int (*cb)(int) = (f & CLOSE_RANGE_CLOEXEC) ? close_cloexec : sys_close;
	int saved;

	if (unlikely(!real_close))
		cprof_resolve_all();
	/* What the kernel refuses, it refuses as it would. */
	if (first > last || (f & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)))
		return real_close_range ? real_close_range(first, last, flags)
					: sys_close_range(first, last, f);
	if ((f & CLOSE_RANGE_UNSHARE) && syscall(SYS_unshare, CLONE_FILES) != 0)
		return -1;
	saved = errno;
	if (!each_open_fd(first, last, close_cb_fd, (void *)cb))
		close_numbers(first, last, f & ~CLOSE_RANGE_UNSHARE, cb);
	errno = saved;
	return 0;
}

CPROF_EXPORT void closefrom(int lowfd)
{
	if (lowfd < 0)
		lowfd = 0;
	(void)close_range((unsigned int)lowfd, ~0u, 0);
}
