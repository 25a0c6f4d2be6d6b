/*
 * The set*id calls of a program that is alone in its process but for
 * tracing's threads (own-threads.h).
 *
 * POSIX gives a process one set of user and group ids; Linux gives each
 * thread its own, and glibc makes up the difference: in a multi-threaded
 * process its setuid, setresgid, setgroups... signal every other thread
 * (SIGSETXID) to make the same system call, and abort() when one thread's
 * result differs from the caller's, the process's ids being split. Alone
 * in its process, a thread makes the call and nothing more.
 *
 * Capabilities and PR_SET_KEEPCAPS are per thread too, and programs that
 * drop privileges rely on being alone: util-linux's setpriv (--reuid
 * --regid, as container entrypoints run it) keeps its capabilities across
 * setresuid with PR_SET_KEEPCAPS and capset on its own thread, then calls
 * setresgid. lttng-ust's listener threads and ours had been through
 * setresuid too, without the capabilities: their setresgid failed (EPERM)
 * where setpriv's succeeded, and glibc aborted setpriv (SIGABRT, exit
 * 134) under record, even with lttng-ust alone preloaded.
 *
 * So when the caller is the only thread of the program and a thread of
 * ours no longer has the caller's capabilities, the call is made on the
 * calling thread only, as glibc does for a single-threaded process:
 * the program sees what it sees untraced. Our threads keep the ids they
 * had (they could not have taken the new ones). When every thread has the
 * caller's ids and capabilities (a daemon dropping root: sshd's
 * privilege-separated child), glibc's broadcast runs as before and our
 * threads drop them with the program. A program with threads of its own
 * goes to glibc as well, whatever happens there would happen untraced.
 *
 * The check is a capget per thread of ours; /proc/self/task is read only
 * when capabilities split. seteuid toggled by root (Samba, FTP servers)
 * took 50-140 us per call under the preload library with or without it on
 * the loaded test machine (glibc's signals to our threads), 1.4-5 us
 * untraced. Without /proc, in a vfork child, or once a seccomp filter may
 * deny our calls, glibc decides.
 */
#include "preload.h"

#include "own-threads.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static struct {
	int (*setuid)(uid_t);
	int (*setgid)(gid_t);
	int (*seteuid)(uid_t);
	int (*setegid)(gid_t);
	int (*setreuid)(uid_t, uid_t);
	int (*setregid)(gid_t, gid_t);
	int (*setresuid)(uid_t, uid_t, uid_t);
	int (*setresgid)(gid_t, gid_t, gid_t);
	int (*setgroups)(size_t, const gid_t *);
	int (*initgroups)(const char *, gid_t);
} real_id;

void cprof_setxid_resolve(void) CPROF_HIDDEN;
void cprof_setxid_resolve(void)
{
	real_id.setuid = cprof_dlsym("setuid");
	real_id.setgid = cprof_dlsym("setgid");
	real_id.seteuid = cprof_dlsym("seteuid");
	real_id.setegid = cprof_dlsym("setegid");
	real_id.setreuid = cprof_dlsym("setreuid");
	real_id.setregid = cprof_dlsym("setregid");
	real_id.setresuid = cprof_dlsym("setresuid");
	real_id.setresgid = cprof_dlsym("setresgid");
	real_id.setgroups = cprof_dlsym("setgroups");
	real_id.initgroups = cprof_dlsym("initgroups");
}

/*
 * Whether one of our threads `own` has other capabilities than the caller
 * (capget works on any thread). A thread that keeps its capabilities
 * across setresuid (PR_SET_KEEPCAPS), or takes them back (capset), splits
 * so from the others; ids split on their own only through a program's raw
 * per-thread system calls, which the capabilities then show too when it
 * changed user. A thread gone meanwhile counts for nothing.
 */
static bool caps_split(const int32_t *own, size_t n)
{
	struct __user_cap_header_struct head = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct mine[2], theirs[2];

	if (syscall(SYS_capget, &head, mine) != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		head = (struct __user_cap_header_struct){_LINUX_CAPABILITY_VERSION_3, own[i]};
		if (syscall(SYS_capget, &head, theirs) == 0 && memcmp(mine, theirs, sizeof(mine)))
			return true;
	}
	return false;
}

/* Whether every thread of the process but the caller is one of ours, by
 * /proc/self/task (raw system calls: open and read are hooked). False
 * without /proc. */
static bool alone(void)
{
	char buf[2048];
	int32_t self = (int32_t)syscall(SYS_gettid);
	bool only_ours = true;
	long got;
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/task",
			      O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return false;
	while (only_ours && (got = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		for (long off = 0; only_ours && off < got;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);
			int32_t tid = (int32_t)atoi(d->d_name);

			off += d->d_reclen;
			if (tid > 0 && tid != self && !cprof_own_thread_is_(tid))
				only_ours = false;
		}
	syscall(SYS_close, fd);
	return only_ours && got >= 0;
}

/* Whether the call must stay on the calling thread (see the top). A few
 * capget calls when nothing split (a root daemon toggling seteuid pays
 * about that), /proc only when something did. */
static bool caller_only(void)
{
	int32_t own[16];
	size_t n;

	if (cprof_in_vfork_child() || __atomic_load_n(&cprof_seccomp_seen, __ATOMIC_RELAXED))
		return false;
	n = cprof_own_threads_(own, sizeof(own) / sizeof(own[0]));
	return n && caps_split(own, n) && alone();
}

static void resolve(void)
{
	if (unlikely(!real_id.initgroups))
		cprof_resolve_all();
}

CPROF_EXPORT int setuid(uid_t uid)
{
	resolve();
	return caller_only() ? (int)syscall(SYS_setuid, uid) : real_id.setuid(uid);
}

CPROF_EXPORT int setgid(gid_t gid)
{
	resolve();
	return caller_only() ? (int)syscall(SYS_setgid, gid) : real_id.setgid(gid);
}

/* glibc's seteuid and setegid: setresuid/setresgid with the others kept. */
CPROF_EXPORT int seteuid(uid_t uid)
{
	resolve();
	if (uid == (uid_t)-1 || !caller_only())
		return real_id.seteuid(uid);
	return (int)syscall(SYS_setresuid, -1, uid, -1);
}

CPROF_EXPORT int setegid(gid_t gid)
{
	resolve();
	if (gid == (gid_t)-1 || !caller_only())
		return real_id.setegid(gid);
	return (int)syscall(SYS_setresgid, -1, gid, -1);
}

CPROF_EXPORT int setreuid(uid_t r, uid_t e)
{
	resolve();
	return caller_only() ? (int)syscall(SYS_setreuid, r, e) : real_id.setreuid(r, e);
}

CPROF_EXPORT int setregid(gid_t r, gid_t e)
{
	resolve();
	return caller_only() ? (int)syscall(SYS_setregid, r, e) : real_id.setregid(r, e);
}

CPROF_EXPORT int setresuid(uid_t r, uid_t e, uid_t s)
{
	resolve();
	return caller_only() ? (int)syscall(SYS_setresuid, r, e, s) : real_id.setresuid(r, e, s);
}

CPROF_EXPORT int setresgid(gid_t r, gid_t e, gid_t s)
{
	resolve();
	return caller_only() ? (int)syscall(SYS_setresgid, r, e, s) : real_id.setresgid(r, e, s);
}

CPROF_EXPORT int setgroups(size_t n, const gid_t *list)
{
	resolve();
	return caller_only() ? (int)syscall(SYS_setgroups, n, list) : real_id.setgroups(n, list);
}

/*
 * glibc's initgroups calls its setgroups inside libc, past the hook above:
 * on the calling thread only it is done here as glibc does it, the user's
 * groups (`group` first) up to NGROUPS_MAX, fewer while the kernel says
 * EINVAL. Our allocations are not the program's.
 */
CPROF_EXPORT int initgroups(const char *user, gid_t group)
{
	struct cprof_tls *t = &cprof_tls;
	long limit;
	int size, n, ret = -1;
	gid_t *groups = NULL;

	resolve();
	if (!caller_only())
		return real_id.initgroups(user, group);
	t->depth++;
	limit = sysconf(_SC_NGROUPS_MAX);
	size = limit > 0 && limit < 64 ? (int)limit : 64;
	for (;;) {
		gid_t *more = realloc(groups, (size_t)size * sizeof(*groups));

		if (!more) {
			errno = ENOMEM;
			goto end;
		}
		groups = more;
		n = size;
		if (getgrouplist(user, group, groups, &n) >= 0)
			break;
		if (n <= size)
			goto end;
		size = n;
	}
	if (limit > 0 && n > limit)
		n = (int)limit;
	do
		ret = (int)syscall(SYS_setgroups, (size_t)n, groups);
	while (ret == -1 && errno == EINVAL && --n > 0);
end:
	free(groups);
	t->depth--;
	return ret;
}
