/*
 * The state keeper of a served process (see state.h): the table of the
 * program's threads, the thread that answers state requests, and the dump
 * itself. Costs nothing on the program's paths beyond a few stores in the
 * hooks that block (state.h) and, for sampled allocations and thread
 * creations, the unwind they would pay while recording.
 */
#include "tp.h"

#include "state.h"

#include "flight-watch.h"
#include "own-threads.h"
#include "served.h"
#include "track.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

bool cprof_state_on;

#define SLOTS 4096u
static struct cprof_state_slot slots[SLOTS];

static int control_fd = -1;

/* --- the thread table ---------------------------------------------------- */

void cprof_state_thread_begin(int32_t parent_tid, uint64_t routine, uint64_t stack)
{
	struct cprof_tls *t = &cprof_tls;
	int32_t tid = cprof_gettid();
	uint32_t i = ((uint32_t)tid * 2654435761u) & (SLOTS - 1);

	if (!cprof_state_on)
		return;
	for (uint32_t n = 0; n < SLOTS; n++, i = (i + 1) & (SLOTS - 1)) {
		int32_t expected = 0;
		struct cprof_state_slot *s = &slots[i];

		if (__atomic_load_n(&s->tid, __ATOMIC_RELAXED) != 0)
			continue;
		s->parent_tid = parent_tid;
		s->start_routine = routine;
		s->create_stack = stack;
		s->blocked = 0;
		s->wait_reported = 0;
		if (__atomic_compare_exchange_n(&s->tid, &expected, tid, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED)) {
			/* the fields above may have been written by a racer for
			 * another thread: write them again, now that it is ours */
			s->parent_tid = parent_tid;
			s->start_routine = routine;
			s->create_stack = stack;
			t->state = s;
			return;
		}
	}
}

void cprof_state_thread_end(void)
{
	struct cprof_tls *t = &cprof_tls;
	struct cprof_state_slot *s = t->state;

	if (!s)
		return;
	t->state = NULL;
	/* a dumper holding us is done with this slot before we leave it */
	while (__atomic_load_n(&s->hold, __ATOMIC_SEQ_CST))
		sched_yield();
	__atomic_store_n(&s->tid, 0, __ATOMIC_RELEASE);
}

void cprof_state_wait_hold(struct cprof_state_slot *slot)
{
	while (__atomic_load_n(&slot->hold, __ATOMIC_SEQ_CST))
		sched_yield();
}

static void stack_of_state(void *ucontext, size_t room, void *slot)
{
	((struct cprof_state_slot *)slot)->stack_now = cprof_stack_of_signal(ucontext, room);
}

void cprof_state_on_signal(void *ucontext)
{
	struct cprof_tls *t = &cprof_tls;
	struct cprof_state_slot *s = t->state;
	uint64_t asked;

	if (!s)
		return;
	asked = __atomic_load_n(&s->asked, __ATOMIC_ACQUIRE);
	t->depth++;
	s->stack_now = 0;
	cprof_with_room(ucontext, stack_of_state, s);
	t->depth--;
	__atomic_store_n(&s->answered, asked, __ATOMIC_RELEASE);
}

/* --- the dump ------------------------------------------------------------ */

static void thread_name(int32_t tid, char *name, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	name[0] = '\0';
	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, name, len - 1);
	close(fd);
	if (n <= 0)
		return;
	name[n] = '\0';
	if (name[n - 1] == '\n')
		name[n - 1] = '\0';
}

/* The lock's holder, from glibc's own bookkeeping (0 when unknown). */
static int32_t holder_of(uint8_t kind, uint64_t obj)
{
	if (!obj)
		return 0;
	if (kind == CPROF_TP_WAIT_MUTEX)
		return ((const pthread_mutex_t *)(uintptr_t)obj)->__data.__owner;
	if (kind == CPROF_TP_WAIT_RWLOCK_READ || kind == CPROF_TP_WAIT_RWLOCK_WRITE)
		return (int32_t)((const pthread_rwlock_t *)(uintptr_t)obj)->__data.__cur_writer;
	return 0;
}

static void emit_thread(struct cprof_state_slot *s, int32_t tid, uint64_t stack, bool blocked)
{
	char name[32];
	uint8_t kind = blocked ? s->wait_kind : 0;
	uint8_t call = blocked ? s->call : 0;

	thread_name(tid, name, sizeof(name));
	lttng_ust_tracepoint(cprof, thread_state, tid, name, stack, s->create_stack, s->parent_tid,
			     s->start_routine, (uint32_t)kind | (uint32_t)call << 8,
			     kind ? s->wait_obj : 0, kind ? holder_of(kind, s->wait_obj) : 0,
			     blocked ? cprof_now_ns() - s->since_ns : 0);
	if (kind)
		s->wait_reported = 1;
}

/*
 * Blocked threads first, each held at its hook's exit while its saved
 * context is unwound and its state emitted; running ones are then asked
 * for their stack with a queued SIGPROF when `all_stacks` (at most 200 ms
 * in all for their answers), else reported without one.
 */
static uint32_t dump_threads(uint64_t request, bool all_stacks)
{
	bool signals = all_stacks && cprof_sigprof_ours();
	uint32_t count = 0, waiting = 0;

	for (uint32_t i = 0; i < SLOTS; i++) {
		struct cprof_state_slot *s = &slots[i];
		int32_t tid = __atomic_load_n(&s->tid, __ATOMIC_ACQUIRE);

		if (!tid)
			continue;
		count++;
		__atomic_store_n(&s->hold, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&s->blocked, __ATOMIC_SEQ_CST) &&
		    __atomic_load_n(&s->tid, __ATOMIC_SEQ_CST) == tid) {
			emit_thread(s, tid, cprof_stack_of_unw_context(&s->ctx), true);
			__atomic_store_n(&s->hold, 0, __ATOMIC_SEQ_CST);
			continue;
		}
		__atomic_store_n(&s->hold, 0, __ATOMIC_SEQ_CST);
		if (signals) {
			siginfo_t info;

			__atomic_store_n(&s->asked, request, __ATOMIC_RELEASE);
			memset(&info, 0, sizeof(info));
			info.si_signo = SIGPROF;
			info.si_code = SI_QUEUE;
			info.si_pid = getpid();
			info.si_uid = getuid();
			info.si_value.sival_int = CPROF_STATE_SIGVAL;
			if (syscall(SYS_rt_tgsigqueueinfo, getpid(), tid, SIGPROF, &info) == 0) {
				waiting++;
				continue;
			}
		}
		emit_thread(s, tid, 0, false);
	}
	for (int tries = 0; waiting && tries < 200; tries++) {
		struct timespec ms = {0, 1000000};

		waiting = 0;
		for (uint32_t i = 0; i < SLOTS; i++)
			if (__atomic_load_n(&slots[i].tid, __ATOMIC_ACQUIRE) &&
			    __atomic_load_n(&slots[i].asked, __ATOMIC_ACQUIRE) == request &&
			    __atomic_load_n(&slots[i].answered, __ATOMIC_ACQUIRE) != request)
				waiting++;
		if (waiting)
			syscall(SYS_nanosleep, &ms, NULL);
	}
	for (uint32_t i = 0; signals && i < SLOTS; i++) {
		struct cprof_state_slot *s = &slots[i];
		int32_t tid = __atomic_load_n(&s->tid, __ATOMIC_ACQUIRE);

		if (!tid || __atomic_load_n(&s->asked, __ATOMIC_ACQUIRE) != request)
			continue;
		emit_thread(
		    s, tid,
		    __atomic_load_n(&s->answered, __ATOMIC_ACQUIRE) == request ? s->stack_now : 0,
		    false);
	}
	return count;
}

static uint32_t dump(uint64_t request, uint32_t flags)
{
	const struct cprof_config *c = &cprof_cfg;
	uint32_t cfg_flags = (c->locks ? CPROF_TP_CONFIG_LOCKS : 0) |
			     (c->io ? CPROF_TP_CONFIG_IO : 0) |
			     (c->threads ? CPROF_TP_CONFIG_THREADS : 0);
	uint32_t threads, blocks;

	lttng_ust_tracepoint(cprof, state_begin, request, flags);
	lttng_ust_tracepoint(cprof, config, c->alloc_mode, c->alloc_rate, c->cpu_rate,
			     c->io_threshold_ns, c->stack_depth, cfg_flags, cprof_parent_pid,
			     cprof_program_name);
	cprof_title_check_(true);
	cprof_modules_emit_all();
	cprof_stacks_redefine();
	threads = dump_threads(request, flags & CPROF_SERVED_ALL_STACKS);
	blocks = cprof_alloc_emit_live();
	cprof_alloc_emit_heap();
	lttng_ust_tracepoint(cprof, state_end, request, threads, blocks);
	return threads;
}

/* --- the request socket -------------------------------------------------- */

/*
 * "flight SEQ TOKEN SIGNO\0REGIONS\0TASKS\0" (served.h): the flight
 * recorder's contract for a process that started without it. Stacks are
 * then defined again as they are used, as under `record --flight`, so that
 * a snapshot of the ring buffers defines the stacks it refers to.
 */
static int arm_flight(const char *buf, size_t n)
{
	unsigned long long seq, token;
	int signo;
	const char *regions = memchr(buf, '\0', n);
	const char *tasks;

	if (sscanf(buf, "flight %llu %llu %d", &seq, &token, &signo) != 3 || !regions ||
	    !(tasks = memchr(regions + 1, '\0', n - (size_t)(regions + 1 - buf))))
		return 0;
	cprof_stacks_set_redefine(token != 0);
	cprof_watch_arm_((uint64_t)token, regions + 1, tasks + 1, signo);
	return 1;
}

static bool sender_allowed(struct msghdr *msg)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS) {
			struct ucred cred;

			memcpy(&cred, CMSG_DATA(cm), sizeof(cred));
			return cred.uid == 0 || cred.uid == getuid();
		}
	}
	return false;
}

/* The thread below, and its end asked for (cprof_state_stop). */
static int32_t control_tid;
static bool control_stop;

static void *control_loop(void *arg)
{
	struct cprof_tls *t = &cprof_tls;
	int fd = (int)(intptr_t)arg;

	/* not one of the program's threads: hooks pass through */
	t->known = false;
	cprof_own_thread_begin_();
	t->depth = 1;
	__atomic_store_n(&control_tid, cprof_gettid(), __ATOMIC_RELEASE);
	while (!__atomic_load_n(&control_stop, __ATOMIC_ACQUIRE)) {
		char buf[4096], reply[64], name[64];
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(struct ucred))];
		} control;
		struct sockaddr_un from;
		struct iovec iov = {buf, sizeof(buf) - 1};
		struct msghdr msg = {.msg_name = &from,
				     .msg_namelen = sizeof(from),
				     .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = control.buf,
				     .msg_controllen = sizeof(control.buf)};
		unsigned long long request;
		unsigned flags;
		ssize_t n = recvmsg(fd, &msg, 0);
		int len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			break; /* the program closed our descriptor */
		}
		if (n == 0 && __atomic_load_n(&control_stop, __ATOMIC_ACQUIRE))
			break;
		buf[n] = '\0';
		if (!sender_allowed(&msg))
			continue;
		if (sscanf(buf, "dump %llu %u", &request, &flags) == 2)
			len = snprintf(reply, sizeof(reply), "done %llu %u", request,
				       dump((uint64_t)request, flags));
		else if (sscanf(buf, "flight %llu", &request) == 1)
			len = snprintf(reply, sizeof(reply), "done %llu %d", request,
				       arm_flight(buf, (size_t)n));
		else if (sscanf(buf, "track %llu %63s", &request, name) == 2 ||
			 sscanf(buf, "untrack %llu %63s", &request, name) == 2) {
			cprof_track_follow_(name, buf[0] == 't');
			len = snprintf(reply, sizeof(reply), "done %llu 1", request);
		} else
			continue;
		sendto(fd, reply, (size_t)len, MSG_DONTWAIT, (struct sockaddr *)&from,
		       msg.msg_namelen);
	}
	cprof_own_thread_end_();
	return NULL;
}

static void start_control(void)
{
	int (*create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
	struct sockaddr_un addr;
	socklen_t len;
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t thread;
	int one = 1;
	int fd;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	len = (socklen_t)snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1,
				  CPROF_SERVED_SOCKET_FMT, (long)getpid());
	len += (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1);
	if (bind(fd, (struct sockaddr *)&addr, len) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) != 0) {
		close(fd);
		return;
	}
	/* our own thread, not wrapped by our pthread_create, with every
	 * signal blocked: none of the program's lands on it */
	create = cprof_dlsym("pthread_create");
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (!create || create(&thread, &attr, control_loop, (void *)(intptr_t)fd) != 0) {
		close(fd);
	} else {
		control_fd = fd;
		/* daemons close what they inherited (sshd's closefrom) */
		cprof_fd_keep(fd, -1);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
}

void cprof_state_init(void)
{
	const char *v = getenv(CPROF_SERVED_ENV);

	if (!v || strcmp(v, "1") != 0)
		return;
	cprof_state_on = true;
	cprof_state_thread_begin(0, 0, 0);
	start_control();
}

/*
 * A seccomp filter on every thread is about to deny calls the process's
 * recording makes (seccomp.c): the state keeper's thread, blocked in
 * recvmsg, would die of the next request (or kill the process). Its socket
 * is shut down (it stays open: the program may have its number in a list
 * of descriptors to keep) and the thread ends; `serve` then finds the
 * process no longer answering, as one that has exited.
 */
bool cprof_state_stop(void)
{
	if (control_fd < 0)
		return true;
	__atomic_store_n(&control_stop, true, __ATOMIC_RELEASE);
	shutdown(control_fd, SHUT_RDWR);
	return cprof_own_thread_wait_end_(&control_tid, cprof_now_ns() + 1000000000u, NULL);
}

void cprof_state_after_fork_child(void)
{
	struct cprof_tls *t = &cprof_tls;

	if (!cprof_state_on)
		return;
	/* only the forking thread lives on in the child */
	for (uint32_t i = 0; i < SLOTS; i++)
		if (&slots[i] != t->state)
			__atomic_store_n(&slots[i].tid, 0, __ATOMIC_RELAXED);
	if (t->state) {
		t->state->tid = cprof_gettid();
		t->state->blocked = 0;
		t->state->hold = 0;
	}
	if (control_fd >= 0) {
		cprof_fd_keep(-1, control_fd);
		close(control_fd);
	}
	control_fd = -1;
	control_tid = 0;
	if (!__atomic_load_n(&control_stop, __ATOMIC_ACQUIRE))
		start_control();
}
