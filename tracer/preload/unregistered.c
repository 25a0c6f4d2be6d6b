/*
 * A process that lttng-ust could not register with the session daemon has
 * no events at all, and the trace alone cannot say why. The usual cause:
 * lttng-ust's listener threads could not start (a tight RLIMIT_NPROC,
 * `ulimit -u`, counts every thread of the user; an address-space limit
 * leaves no room for their stacks). lttng-ust then says nothing (unless
 * LTTNG_UST_DEBUG) and its constructor waits LTTNG_UST_REGISTER_TIMEOUT
 * (10 s under record) for a registration that cannot come. Or the daemon
 * did not answer within that time (lttng-ust's threads short of address
 * space, `ulimit -v`, fail so: the limit is named then).
 *
 * The preload library's constructor runs after lttng-ust's (a dependency):
 * a process record tracked from its start (not one joining late) whose
 * probes are not enabled by then was not registered. When the cause is
 * one of the above, record is told in one line (track.h), which it says
 * and keeps in cprof-record.json. Other cases (a tracker answer that came
 * late, which record counts itself) say nothing.
 */
#include "preload.h"
#include "tp.h"

#include "track.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Whether the thread `tid` is one of lttng-ust's: they name themselves
 * after the process, with "-ust" at the end. */
static bool is_ust_thread(const char *tid)
{
	char path[64], comm[32];
	long n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%.20s/comm", tid);
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = syscall(SYS_read, fd, comm, sizeof(comm) - 1);
	syscall(SYS_close, fd);
	while (n > 0 && comm[n - 1] == '\n')
		n--;
	return n >= 4 && !memcmp(comm + n - 4, "-ust", 4);
}

/* lttng-ust's threads in this process (raw system calls: open and read
 * are hooked), -1 when unknown. */
static int ust_threads(void)
{
	char buf[4096];
	int n = 0;
	long got;
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/task",
			      O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((got = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		for (long off = 0; off < got;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);

			n += d->d_name[0] != '.' && is_ust_thread(d->d_name);
			off += d->d_reclen;
		}
	syscall(SYS_close, fd);
	return n;
}

/* Seconds since this process started (its fork), -1 when unknown. */
static double age_s(void)
{
	char buf[1024];
	const char *p;
	unsigned long long start = 0;
	struct timespec now;
	long n, tick = sysconf(_SC_CLK_TCK);
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/stat", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = syscall(SYS_read, fd, buf, sizeof(buf) - 1);
	syscall(SYS_close, fd);
	if (n <= 0 || tick <= 0 || clock_gettime(CLOCK_BOOTTIME, &now) != 0)
		return -1;
	buf[n] = '\0';
	/* after the command's closing parenthesis: state is field 3,
	 * starttime field 22 */
	p = strrchr(buf, ')');
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &start) != 1)
		return -1;
	return (double)now.tv_sec + now.tv_nsec / 1e9 - (double)start / (double)tick;
}

/* The threads of the processes whose real user is this one's (what
 * RLIMIT_NPROC counts), from /proc/PID/status; -1 when unknown. */
static long user_threads(void)
{
	char dents[4096], path[64], st[2048];
	const char *u, *t;
	unsigned long ruid;
	long threads = 0, got, n;
	int dir = (int)syscall(SYS_openat, AT_FDCWD, "/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dir < 0)
		return -1;
	while ((got = syscall(SYS_getdents64, dir, dents, sizeof(dents))) > 0)
		for (long off = 0; off < got;) {
			struct dirent64 *d = (struct dirent64 *)(dents + off);
			int fd;

			off += d->d_reclen;
			if (d->d_name[0] < '1' || d->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%.20s/status", d->d_name);
			fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			n = syscall(SYS_read, fd, st, sizeof(st) - 1);
			syscall(SYS_close, fd);
			if (n <= 0)
				continue;
			st[n] = '\0';
			u = strstr(st, "\nUid:");
			t = strstr(st, "\nThreads:");
			if (u && t && sscanf(u + 5, "%lu", &ruid) == 1 && ruid == getuid())
				threads += atol(t + 9);
		}
	syscall(SYS_close, dir);
	return threads;
}

/* Why threads could not start, as " (...)": the limit that stopped them. */
static void thread_limit(char *out, size_t len)
{
	struct rlimit rl;
	long threads;

	if (getrlimit(RLIMIT_NPROC, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (threads = user_threads()) >= 0 && (rlim_t)threads + 2 > rl.rlim_cur)
		snprintf(out, len, " (ulimit -u is %llu)", (unsigned long long)rl.rlim_cur);
	else if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		snprintf(out, len, " (ulimit -v is %llu kB)",
			 (unsigned long long)(rl.rlim_cur / 1024));
	else
		snprintf(out, len, " (out of memory?)");
}

/* LTTNG_UST_REGISTER_TIMEOUT in seconds (lttng-ust's default: 3 s; -1
 * and 0 mean never and not at all). */
static double register_timeout_s(void)
{
	const char *v = getenv("LTTNG_UST_REGISTER_TIMEOUT");

	return v && *v ? atof(v) / 1000 : 3;
}

void cprof_check_registered(void)
{
	char exe[PATH_MAX], line[CPROF_TRACK_NOTICE_MAX];
	char limit[64];
	double timeout = register_timeout_s(), age;
	ssize_t n;

	if (!cprof_track_active_() || __atomic_load_n(&cprof_join_pending_, __ATOMIC_ACQUIRE) ||
	    lttng_ust_tracepoint_enabled(cprof, config))
		return;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	/* lttng-ust's listener threads, had they started, would be here */
	if (ust_threads() == 0) {
		thread_limit(limit, sizeof(limit));
		snprintf(
		    line, sizeof(line),
		    "%.200s (pid %d) is not traced: lttng-ust could not start its threads%s, so "
		    "the session daemon never registered it (it waited %.0f s for that)",
		    n > 0 ? exe : "a process", (int)getpid(), limit, timeout);
	} else if (timeout > 0 && (age = age_s()) >= timeout * 0.95) {
		struct rlimit rl;

		/* an address-space limit leaves lttng-ust's threads without room
		 * for the buffers they map to register */
		limit[0] = '\0';
		if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
			snprintf(limit, sizeof(limit), " (ulimit -v is %llu kB)",
				 (unsigned long long)(rl.rlim_cur / 1024));
		snprintf(line, sizeof(line),
			 "%.200s (pid %d) is not traced: the session daemon did not register it "
			 "within LTTNG_UST_REGISTER_TIMEOUT (%.0f s)%s",
			 n > 0 ? exe : "a process", (int)getpid(), timeout, limit);
	} else {
		return;
	}
	cprof_track_notice_(line);
}
