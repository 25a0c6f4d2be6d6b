/*
 * The other blocking calls of glibc's list of cancellation points (the
 * calls POSIX says may block): waiting for children, opening (a FIFO
 * blocks until its other end opens), signals, System V and POSIX message
 * queues and semaphores, file locks, syncs, the vectored and batched
 * socket calls, and system(). Each is timed as in io.c and recorded only
 * when it took at least the threshold.
 *
 * fcntl is hooked for its two blocking commands only (F_SETLKW and
 * F_OFD_SETLKW); every other command goes straight to libc.
 */
/* The hooks define the functions fortified builds inline, and both the
 * plain and the 64-bit names. */
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS
#include "tp.h"

#include "io.h"

#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static struct {
	pid_t (*wait)(int *);
	pid_t (*waitpid)(pid_t, int *, int);
	pid_t (*wait3)(int *, int, struct rusage *);
	pid_t (*wait4)(pid_t, int *, int, struct rusage *);
	int (*waitid)(idtype_t, id_t, siginfo_t *, int);
	int (*open)(const char *, int, ...);
	int (*open64)(const char *, int, ...);
	int (*openat)(int, const char *, int, ...);
	int (*openat64)(int, const char *, int, ...);
	int (*creat)(const char *, mode_t);
	int (*creat64)(const char *, mode_t);
	int (*__open_2)(const char *, int);
	int (*__open64_2)(const char *, int);
	int (*__openat_2)(int, const char *, int);
	int (*__openat64_2)(int, const char *, int);
	int (*pause)(void);
	int (*sigsuspend)(const sigset_t *);
	int (*sigwait)(const sigset_t *, int *);
	int (*sigwaitinfo)(const sigset_t *, siginfo_t *);
	int (*sigtimedwait)(const sigset_t *, siginfo_t *, const struct timespec *);
	ssize_t (*msgrcv)(int, void *, size_t, long, int);
	int (*msgsnd)(int, const void *, size_t, int);
	int (*semop)(int, struct sembuf *, size_t);
	int (*semtimedop)(int, struct sembuf *, size_t, const struct timespec *);
	ssize_t (*mq_receive)(mqd_t, char *, size_t, unsigned *);
	ssize_t (*mq_timedreceive)(mqd_t, char *, size_t, unsigned *, const struct timespec *);
	int (*mq_send)(mqd_t, const char *, size_t, unsigned);
	int (*mq_timedsend)(mqd_t, const char *, size_t, unsigned, const struct timespec *);
	int (*fdatasync)(int);
	int (*msync)(void *, size_t, int);
	int (*tcdrain)(int);
	int (*lockf)(int, int, off_t);
	int (*lockf64)(int, int, off64_t);
	int (*flock)(int, int);
	int (*fcntl)(int, int, ...);
	int (*fcntl64)(int, int, ...);
	int (*recvmmsg)(int, struct mmsghdr *, unsigned, int, struct timespec *);
	int (*sendmmsg)(int, struct mmsghdr *, unsigned, int);
	ssize_t (*preadv)(int, const struct iovec *, int, off_t);
	ssize_t (*preadv64)(int, const struct iovec *, int, off64_t);
	ssize_t (*pwritev)(int, const struct iovec *, int, off_t);
	ssize_t (*pwritev64)(int, const struct iovec *, int, off64_t);
	ssize_t (*preadv2)(int, const struct iovec *, int, off_t, int);
	ssize_t (*pwritev2)(int, const struct iovec *, int, off_t, int);
	int (*epoll_pwait2)(int, struct epoll_event *, int, const struct timespec *,
			    const sigset_t *);
	int (*system)(const char *);
} real;

void cprof_io_more_resolve(void) CPROF_HIDDEN;
void cprof_io_more_resolve(void)
{
#define R(name) real.name = cprof_dlsym(#name)
	R(wait);
	R(waitpid);
	R(wait3);
	R(wait4);
	R(waitid);
	R(open);
	R(open64);
	R(openat);
	R(openat64);
	R(creat);
	R(creat64);
	R(__open_2);
	R(__open64_2);
	R(__openat_2);
	R(__openat64_2);
	R(pause);
	R(sigsuspend);
	R(sigwait);
	R(sigwaitinfo);
	R(sigtimedwait);
	R(msgrcv);
	R(msgsnd);
	R(semop);
	R(semtimedop);
	R(mq_receive);
	R(mq_timedreceive);
	R(mq_send);
	R(mq_timedsend);
	R(fdatasync);
	R(msync);
	R(tcdrain);
	R(lockf);
	R(lockf64);
	R(flock);
	R(fcntl);
	R(fcntl64);
	R(recvmmsg);
	R(sendmmsg);
	R(preadv);
	R(preadv64);
	R(pwritev);
	R(pwritev64);
	R(preadv2);
	R(pwritev2);
	R(epoll_pwait2);
	R(system);
#undef R
}

IO_HOOK(pid_t, wait, CPROF_TP_CALL_WAITPID, NEG, (int *st), (st))
IO_HOOK(pid_t, waitpid, CPROF_TP_CALL_WAITPID, NEG, (pid_t p, int *st, int o), (p, st, o))
IO_HOOK(pid_t, wait3, CPROF_TP_CALL_WAIT4, NEG, (int *st, int o, struct rusage *ru), (st, o, ru))
IO_HOOK(pid_t, wait4, CPROF_TP_CALL_WAIT4, NEG, (pid_t p, int *st, int o, struct rusage *ru),
	(p, st, o, ru))
IO_HOOK(int, waitid, CPROF_TP_CALL_WAITID, NEG, (idtype_t t, id_t id, siginfo_t *i, int o),
	(t, id, i, o))
IO_HOOK(int, creat, CPROF_TP_CALL_OPEN, NEG, (const char *p, mode_t m), (p, m))
IO_HOOK(int, creat64, CPROF_TP_CALL_OPEN, NEG, (const char *p, mode_t m), (p, m))
IO_HOOK(int, __open_2, CPROF_TP_CALL_OPEN, NEG, (const char *p, int f), (p, f))
IO_HOOK(int, __open64_2, CPROF_TP_CALL_OPEN, NEG, (const char *p, int f), (p, f))
IO_HOOK(int, __openat_2, CPROF_TP_CALL_OPEN, NEG, (int d, const char *p, int f), (d, p, f))
IO_HOOK(int, __openat64_2, CPROF_TP_CALL_OPEN, NEG, (int d, const char *p, int f), (d, p, f))
IO_HOOK(int, pause, CPROF_TP_CALL_PAUSE, NEG, (void), ())
IO_HOOK(int, sigsuspend, CPROF_TP_CALL_SIGSUSPEND, NEG, (const sigset_t *m), (m))
IO_HOOK(int, sigwait, CPROF_TP_CALL_SIGWAIT, ERRNUM, (const sigset_t *m, int *s), (m, s))
IO_HOOK(int, sigwaitinfo, CPROF_TP_CALL_SIGWAITINFO, NEG, (const sigset_t *m, siginfo_t *i), (m, i))
IO_HOOK(int, sigtimedwait, CPROF_TP_CALL_SIGTIMEDWAIT, NEG,
	(const sigset_t *m, siginfo_t *i, const struct timespec *ts), (m, i, ts))
IO_HOOK(ssize_t, msgrcv, CPROF_TP_CALL_MSGRCV, NEG, (int q, void *b, size_t n, long t, int f),
	(q, b, n, t, f))
IO_HOOK(int, msgsnd, CPROF_TP_CALL_MSGSND, NEG, (int q, const void *b, size_t n, int f),
	(q, b, n, f))
IO_HOOK(int, semop, CPROF_TP_CALL_SEMOP, NEG, (int s, struct sembuf *o, size_t n), (s, o, n))
IO_HOOK(int, semtimedop, CPROF_TP_CALL_SEMOP, NEG,
	(int s, struct sembuf *o, size_t n, const struct timespec *ts), (s, o, n, ts))
IO_HOOK(ssize_t, mq_receive, CPROF_TP_CALL_MQ_RECEIVE, NEG,
	(mqd_t q, char *b, size_t n, unsigned *p), (q, b, n, p))
IO_HOOK(ssize_t, mq_timedreceive, CPROF_TP_CALL_MQ_RECEIVE, NEG,
	(mqd_t q, char *b, size_t n, unsigned *p, const struct timespec *ts), (q, b, n, p, ts))
IO_HOOK(int, mq_send, CPROF_TP_CALL_MQ_SEND, NEG, (mqd_t q, const char *b, size_t n, unsigned p),
	(q, b, n, p))
IO_HOOK(int, mq_timedsend, CPROF_TP_CALL_MQ_SEND, NEG,
	(mqd_t q, const char *b, size_t n, unsigned p, const struct timespec *ts), (q, b, n, p, ts))
IO_HOOK(int, fdatasync, CPROF_TP_CALL_FDATASYNC, NEG, (int fd), (fd))
IO_HOOK(int, msync, CPROF_TP_CALL_MSYNC, NEG, (void *a, size_t n, int f), (a, n, f))
IO_HOOK(int, tcdrain, CPROF_TP_CALL_TCDRAIN, NEG, (int fd), (fd))
IO_HOOK(int, lockf, CPROF_TP_CALL_LOCKF, NEG, (int fd, int c, off_t n), (fd, c, n))
IO_HOOK(int, lockf64, CPROF_TP_CALL_LOCKF, NEG, (int fd, int c, off64_t n), (fd, c, n))
IO_HOOK(int, flock, CPROF_TP_CALL_FLOCK, NEG, (int fd, int op), (fd, op))
IO_HOOK(int, recvmmsg, CPROF_TP_CALL_RECVMMSG, NEG,
	(int fd, struct mmsghdr *v, unsigned n, int f, struct timespec *ts), (fd, v, n, f, ts))
IO_HOOK(int, sendmmsg, CPROF_TP_CALL_SENDMMSG, NEG, (int fd, struct mmsghdr *v, unsigned n, int f),
	(fd, v, n, f))
IO_HOOK(ssize_t, preadv, CPROF_TP_CALL_PREADV, NEG, (int fd, const struct iovec *v, int n, off_t o),
	(fd, v, n, o))
IO_HOOK(ssize_t, preadv64, CPROF_TP_CALL_PREADV, NEG,
	(int fd, const struct iovec *v, int n, off64_t o), (fd, v, n, o))
IO_HOOK(ssize_t, pwritev, CPROF_TP_CALL_PWRITEV, NEG,
	(int fd, const struct iovec *v, int n, off_t o), (fd, v, n, o))
IO_HOOK(ssize_t, pwritev64, CPROF_TP_CALL_PWRITEV, NEG,
	(int fd, const struct iovec *v, int n, off64_t o), (fd, v, n, o))
IO_HOOK(ssize_t, preadv2, CPROF_TP_CALL_PREADV, NEG,
	(int fd, const struct iovec *v, int n, off_t o, int f), (fd, v, n, o, f))
IO_HOOK(ssize_t, pwritev2, CPROF_TP_CALL_PWRITEV, NEG,
	(int fd, const struct iovec *v, int n, off_t o, int f), (fd, v, n, o, f))
IO_HOOK(int, epoll_pwait2, CPROF_TP_CALL_EPOLL_PWAIT2, NEG,
	(int fd, struct epoll_event *ev, int n, const struct timespec *ts, const sigset_t *m),
	(fd, ev, n, ts, m))
IO_HOOK(int, system, CPROF_TP_CALL_SYSTEM, PLAIN, (const char *cmd), (cmd))

/* open's mode is there only when O_CREAT or O_TMPFILE asks for it. */
#define OPEN_MODE(flags, last)                                                                     \
	mode_t mode = 0;                                                                           \
	if ((flags) & (O_CREAT | O_TMPFILE)) {                                                     \
		va_list ap;                                                                        \
		va_start(ap, last);                                                                \
		mode = (mode_t)va_arg(ap, int);                                                    \
		va_end(ap);                                                                        \
	}

#define OPEN_HOOK(name, params, args)                                                              \
	CPROF_EXPORT int name params                                                               \
	{                                                                                          \
		uint64_t t0;                                                                       \
		int r;                                                                             \
		OPEN_MODE(flags, flags)                                                            \
		if (unlikely(!real.name))                                                          \
			cprof_resolve_all();                                                       \
		if (likely(!io_begin_call(&t0, CPROF_TP_CALL_OPEN)))                               \
			return real.name args;                                                     \
		r = real.name args;                                                                \
		io_end(CPROF_TP_CALL_OPEN, t0, NEG, CPROF_CALLER());                               \
		return r;                                                                          \
	}

OPEN_HOOK(open, (const char *path, int flags, ...), (path, flags, mode))
OPEN_HOOK(open64, (const char *path, int flags, ...), (path, flags, mode))
OPEN_HOOK(openat, (int dir, const char *path, int flags, ...), (dir, path, flags, mode))
OPEN_HOOK(openat64, (int dir, const char *path, int flags, ...), (dir, path, flags, mode))

/* Every fcntl argument is an int or a pointer: passed on as a word. */
#define FCNTL_HOOK(name)                                                                           \
	CPROF_EXPORT int name(int fd, int cmd, ...)                                                \
	{                                                                                          \
		uint64_t t0;                                                                       \
		va_list ap;                                                                        \
		void *arg;                                                                         \
		int r;                                                                             \
		va_start(ap, cmd);                                                                 \
		arg = va_arg(ap, void *);                                                          \
		va_end(ap);                                                                        \
		if (unlikely(!real.name))                                                          \
			cprof_resolve_all();                                                       \
		if ((cmd != F_SETLKW && cmd != F_OFD_SETLKW) ||                                    \
		    likely(!io_begin_call(&t0, CPROF_TP_CALL_FCNTL)))                              \
			return real.name(fd, cmd, arg);                                            \
		r = real.name(fd, cmd, arg);                                                       \
		io_end(CPROF_TP_CALL_FCNTL, t0, NEG, CPROF_CALLER());                              \
		return r;                                                                          \
	}

FCNTL_HOOK(fcntl)
FCNTL_HOOK(fcntl64)
