/*
 * Blocking calls (the rest are in io-more.c and stdio.c): each hook reads CLOCK_MONOTONIC (vDSO)
 * around the real call and, when the call took at least CPROF_IO_THRESHOLD_NS, emits cprof:syscall
 * at its end with the duration, the result (the return value, or -errno when it failed) and the
 * caller's stack.
 *
 * `in_io` keeps a blocking call made inside another (a library's sleep
 * built on nanosleep through the PLT) from being counted twice; glibc's
 * own usleep and sleep call nanosleep internally, without the PLT, so
 * they are measured once as usleep or sleep.
 */
/* pread and pread64 are both hooked: keep their names apart. */
#undef _FILE_OFFSET_BITS
/* The hooks define the functions fortified builds inline. */
#undef _FORTIFY_SOURCE
#include "tp.h"

#include "io.h"
#include "preload.h"

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

typedef void (*jump_fn)(struct __jmp_buf_tag *, int) __attribute__((noreturn));

static struct {
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*readv)(int, const struct iovec *, int);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*pread)(int, void *, size_t, off_t);
	ssize_t (*pwrite)(int, const void *, size_t, off_t);
	ssize_t (*pread64)(int, void *, size_t, off64_t);
	ssize_t (*pwrite64)(int, const void *, size_t, off64_t);
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	int (*poll)(struct pollfd *, nfds_t, int);
	int (*ppoll)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
	int (*select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
	int (*pselect)(int, fd_set *, fd_set *, fd_set *, const struct timespec *,
		       const sigset_t *);
	int (*epoll_wait)(int, struct epoll_event *, int, int);
	int (*epoll_pwait)(int, struct epoll_event *, int, int, const sigset_t *);
	int (*nanosleep)(const struct timespec *, struct timespec *);
	int (*clock_nanosleep)(clockid_t, int, const struct timespec *, struct timespec *);
	int (*usleep)(useconds_t);
	unsigned int (*sleep)(unsigned int);
	int (*fsync)(int);
	/* -D_FORTIFY_SOURCE=2 builds (all of Debian's) call these instead. */
	ssize_t (*__read_chk)(int, void *, size_t, size_t);
	ssize_t (*__pread_chk)(int, void *, size_t, off_t, size_t);
	ssize_t (*__pread64_chk)(int, void *, size_t, off64_t, size_t);
	ssize_t (*__recv_chk)(int, void *, size_t, size_t, int);
	ssize_t (*__recvfrom_chk)(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);
	int (*__poll_chk)(struct pollfd *, nfds_t, int, size_t);
	int (*__ppoll_chk)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *,
			   size_t);
	jump_fn longjmp, _longjmp, siglongjmp, __longjmp_chk;
} real;

void cprof_io_resolve(void) CPROF_HIDDEN;
void cprof_io_resolve(void)
{
#define R(name) real.name = cprof_dlsym(#name)
	R(read);
	R(write);
	R(readv);
	R(writev);
	R(pread);
	R(pwrite);
	R(pread64);
	R(pwrite64);
	R(recv);
	R(recvfrom);
	R(recvmsg);
	R(send);
	R(sendto);
	R(sendmsg);
	R(accept);
	R(accept4);
	R(connect);
	R(poll);
	R(ppoll);
	R(select);
	R(pselect);
	R(epoll_wait);
	R(epoll_pwait);
	R(nanosleep);
	R(clock_nanosleep);
	R(usleep);
	R(sleep);
	R(fsync);
	R(__read_chk);
	R(__pread_chk);
	R(__pread64_chk);
	R(__recv_chk);
	R(__recvfrom_chk);
	R(__poll_chk);
	R(__ppoll_chk);
	R(longjmp);
	R(_longjmp);
	R(siglongjmp);
	R(__longjmp_chk);
#undef R
}

__attribute__((noinline)) void cprof_io_slow(uint8_t call, uint64_t duration, int64_t result,
					     const void *caller)
{
	struct cprof_tls *t = &cprof_tls;

	t->depth++;
	if (CPROF_ON(syscall, caller) && !cprof_ust_is_caller(caller, true))
		lttng_ust_do_tracepoint(cprof, syscall, call, duration, result,
					cprof_stack_here_async());
	t->depth--;
}

IO_HOOK(ssize_t, read, CPROF_TP_CALL_READ, NEG, (int fd, void *b, size_t n), (fd, b, n))
IO_HOOK(ssize_t, write, CPROF_TP_CALL_WRITE, NEG, (int fd, const void *b, size_t n), (fd, b, n))
IO_HOOK(ssize_t, readv, CPROF_TP_CALL_READV, NEG, (int fd, const struct iovec *v, int n),
	(fd, v, n))
IO_HOOK(ssize_t, writev, CPROF_TP_CALL_WRITEV, NEG, (int fd, const struct iovec *v, int n),
	(fd, v, n))
IO_HOOK(ssize_t, pread, CPROF_TP_CALL_PREAD, NEG, (int fd, void *b, size_t n, off_t o),
	(fd, b, n, o))
IO_HOOK(ssize_t, pwrite, CPROF_TP_CALL_PWRITE, NEG, (int fd, const void *b, size_t n, off_t o),
	(fd, b, n, o))
IO_HOOK(ssize_t, pread64, CPROF_TP_CALL_PREAD, NEG, (int fd, void *b, size_t n, off64_t o),
	(fd, b, n, o))
IO_HOOK(ssize_t, pwrite64, CPROF_TP_CALL_PWRITE, NEG, (int fd, const void *b, size_t n, off64_t o),
	(fd, b, n, o))
IO_HOOK(ssize_t, recv, CPROF_TP_CALL_RECV, NEG, (int fd, void *b, size_t n, int f), (fd, b, n, f))
IO_HOOK(ssize_t, recvfrom, CPROF_TP_CALL_RECVFROM, NEG,
	(int fd, void *b, size_t n, int f, struct sockaddr *a, socklen_t *l), (fd, b, n, f, a, l))
IO_HOOK(ssize_t, recvmsg, CPROF_TP_CALL_RECVMSG, NEG, (int fd, struct msghdr *m, int f), (fd, m, f))
IO_HOOK(ssize_t, send, CPROF_TP_CALL_SEND, NEG, (int fd, const void *b, size_t n, int f),
	(fd, b, n, f))
IO_HOOK(ssize_t, sendto, CPROF_TP_CALL_SENDTO, NEG,
	(int fd, const void *b, size_t n, int f, const struct sockaddr *a, socklen_t l),
	(fd, b, n, f, a, l))
IO_HOOK(ssize_t, sendmsg, CPROF_TP_CALL_SENDMSG, NEG, (int fd, const struct msghdr *m, int f),
	(fd, m, f))
IO_HOOK(int, accept, CPROF_TP_CALL_ACCEPT, NEG, (int fd, struct sockaddr *a, socklen_t *l),
	(fd, a, l))
IO_HOOK(int, accept4, CPROF_TP_CALL_ACCEPT4, NEG, (int fd, struct sockaddr *a, socklen_t *l, int f),
	(fd, a, l, f))
IO_HOOK(int, connect, CPROF_TP_CALL_CONNECT, NEG, (int fd, const struct sockaddr *a, socklen_t l),
	(fd, a, l))
IO_HOOK(int, poll, CPROF_TP_CALL_POLL, NEG, (struct pollfd * f, nfds_t n, int ms), (f, n, ms))
IO_HOOK(int, ppoll, CPROF_TP_CALL_PPOLL, NEG,
	(struct pollfd * f, nfds_t n, const struct timespec *ts, const sigset_t *m), (f, n, ts, m))
IO_HOOK(int, select, CPROF_TP_CALL_SELECT, NEG,
	(int n, fd_set *r_, fd_set *w, fd_set *e, struct timeval *tv), (n, r_, w, e, tv))
IO_HOOK(int, pselect, CPROF_TP_CALL_PSELECT, NEG,
	(int n, fd_set *r_, fd_set *w, fd_set *e, const struct timespec *ts, const sigset_t *m),
	(n, r_, w, e, ts, m))
IO_HOOK(int, epoll_wait, CPROF_TP_CALL_EPOLL_WAIT, NEG,
	(int fd, struct epoll_event *ev, int n, int ms), (fd, ev, n, ms))
IO_HOOK(int, epoll_pwait, CPROF_TP_CALL_EPOLL_PWAIT, NEG,
	(int fd, struct epoll_event *ev, int n, int ms, const sigset_t *m), (fd, ev, n, ms, m))
IO_HOOK(int, nanosleep, CPROF_TP_CALL_NANOSLEEP, NEG,
	(const struct timespec *req, struct timespec *rem), (req, rem))
IO_HOOK(int, clock_nanosleep, CPROF_TP_CALL_CLOCK_NANOSLEEP, ERRNUM,
	(clockid_t c, int f, const struct timespec *req, struct timespec *rem), (c, f, req, rem))
IO_HOOK(int, usleep, CPROF_TP_CALL_USLEEP, NEG, (useconds_t us), (us))
IO_HOOK(unsigned int, sleep, CPROF_TP_CALL_SLEEP, PLAIN, (unsigned int s), (s))
IO_HOOK(int, fsync, CPROF_TP_CALL_FSYNC, NEG, (int fd), (fd))

/* The fortified entry points check the buffer size, then do the call:
 * recorded as the plain call. */
IO_HOOK(ssize_t, __read_chk, CPROF_TP_CALL_READ, NEG, (int fd, void *b, size_t n, size_t bl),
	(fd, b, n, bl))
IO_HOOK(ssize_t, __pread_chk, CPROF_TP_CALL_PREAD, NEG,
	(int fd, void *b, size_t n, off_t o, size_t bl), (fd, b, n, o, bl))
IO_HOOK(ssize_t, __pread64_chk, CPROF_TP_CALL_PREAD, NEG,
	(int fd, void *b, size_t n, off64_t o, size_t bl), (fd, b, n, o, bl))
IO_HOOK(ssize_t, __recv_chk, CPROF_TP_CALL_RECV, NEG, (int fd, void *b, size_t n, size_t bl, int f),
	(fd, b, n, bl, f))
IO_HOOK(ssize_t, __recvfrom_chk, CPROF_TP_CALL_RECVFROM, NEG,
	(int fd, void *b, size_t n, size_t bl, int f, struct sockaddr *a, socklen_t *l),
	(fd, b, n, bl, f, a, l))
IO_HOOK(int, __poll_chk, CPROF_TP_CALL_POLL, NEG, (struct pollfd * f, nfds_t n, int ms, size_t fl),
	(f, n, ms, fl))
IO_HOOK(int, __ppoll_chk, CPROF_TP_CALL_PPOLL, NEG,
	(struct pollfd * f, nfds_t n, const struct timespec *ts, const sigset_t *m, size_t fl),
	(f, n, ts, m, fl))

/*
 * A signal handler that interrupted a blocking call may leave it with
 * longjmp or siglongjmp, the timeout of ping, telnet and many an old
 * network client (alarm, then a jump out of read or connect): the hook
 * never returns, and `in_io` stayed set, so every later blocking call of
 * the thread was taken for one made inside it and went unrecorded (and a
 * served process showed the thread blocked in it for ever). A jump made
 * while a hooked call is under way on the thread can only come from a
 * handler that ran inside it, and nearly always leaves it: the call is
 * over. A handler that jumps within itself and then blocks has its call
 * recorded besides the one it interrupted, which is then still timed.
 * Fortified builds (Debian's) call __longjmp_chk for both.
 */
static inline void io_jump(void)
{
	struct cprof_tls *t = &cprof_tls;

	if (unlikely(t->in_io)) {
		cprof_state_unblock(t);
		t->in_io = false;
	}
}

#define JUMP_HOOK(name)                                                                            \
	CPROF_EXPORT __attribute__((noreturn)) void name(struct __jmp_buf_tag env[1], int val);    \
	CPROF_EXPORT __attribute__((noreturn)) void name(struct __jmp_buf_tag env[1], int val)     \
	{                                                                                          \
		if (unlikely(!real.name))                                                          \
			cprof_resolve_all();                                                       \
		io_jump();                                                                         \
		real.name(env, val);                                                               \
	}
JUMP_HOOK(longjmp)
JUMP_HOOK(_longjmp)
JUMP_HOOK(siglongjmp)
JUMP_HOOK(__longjmp_chk)
