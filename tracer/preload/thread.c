/*
 * Threads (CPU samples are in sampler.c).
 *
 * pthread_create starts the new thread in a trampoline that carries the
 * creator's tid, the start routine and the creation stack: the new thread
 * emits cprof:thread_start and its name, arms its CPU-time timer, runs the
 * routine, and on return, pthread_exit or cancellation (a cleanup handler
 * covers the last two) emits cprof:thread_exit and deletes its timer.
 */
#include "tp.h"

#include "preload.h"
#include "state.h"

#include "own-threads.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static int (*real_pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
static int (*real_pthread_setname_np)(pthread_t, const char *);
static int (*real_pthread_cancel)(pthread_t);
static int (*real_prctl)(int, unsigned long, unsigned long, unsigned long, unsigned long);

void cprof_thread_resolve(void) CPROF_HIDDEN;
void cprof_thread_resolve(void)
{
	real_pthread_create = cprof_dlsym("pthread_create");
	real_pthread_setname_np = cprof_dlsym("pthread_setname_np");
	real_pthread_cancel = cprof_dlsym("pthread_cancel");
	real_prctl = cprof_dlsym("prctl");
}

/* --- pthread_t -> tid, for pthread_setname_np on another thread ------- */

#define TIDS_SIZE 4096u
struct tid_slot {
	uintptr_t self; /* pthread_t, 0 = free */
	int32_t tid;
};
static struct tid_slot tids[TIDS_SIZE];

static uint32_t tid_hash(uintptr_t self)
{
	return (uint32_t)((self >> 6) * 0x9e3779b97f4a7c15u >> 52) & (TIDS_SIZE - 1);
}

void cprof_threads_register(int32_t tid)
{
	uintptr_t self = (uintptr_t)pthread_self();
	uint32_t i = tid_hash(self);

	for (uint32_t n = 0; n < 64; n++, i = (i + 1) & (TIDS_SIZE - 1)) {
		uintptr_t cur = __atomic_load_n(&tids[i].self, __ATOMIC_ACQUIRE);

		/* A reused pthread_t (after a fork, or an exited thread's
		 * descriptor) overwrites the stale entry. */
		if (cur == self ||
		    (cur == 0 && __atomic_compare_exchange_n(&tids[i].self, &cur, self, false,
							     __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))) {
			__atomic_store_n(&tids[i].tid, tid, __ATOMIC_RELEASE);
			return;
		}
	}
}

void cprof_threads_unregister(void)
{
	uintptr_t self = (uintptr_t)pthread_self();
	uint32_t i = tid_hash(self);

	for (uint32_t n = 0; n < 64; n++, i = (i + 1) & (TIDS_SIZE - 1)) {
		if (__atomic_load_n(&tids[i].self, __ATOMIC_ACQUIRE) == self) {
			__atomic_store_n(&tids[i].tid, 0, __ATOMIC_RELAXED);
			__atomic_store_n(&tids[i].self, 0, __ATOMIC_RELEASE);
			return;
		}
	}
}

static int32_t tid_of(pthread_t thread)
{
	uintptr_t self = (uintptr_t)thread;
	uint32_t i = tid_hash(self);

	if (pthread_equal(thread, pthread_self()))
		return cprof_gettid();
	for (uint32_t n = 0; n < 64; n++, i = (i + 1) & (TIDS_SIZE - 1)) {
		uintptr_t cur = __atomic_load_n(&tids[i].self, __ATOMIC_ACQUIRE);

		if (cur == self)
			return __atomic_load_n(&tids[i].tid, __ATOMIC_ACQUIRE);
		if (cur == 0)
			break;
	}
	return 0;
}

/* --- thread lifetime --------------------------------------------------- */

struct start {
	void *(*routine)(void *);
	void *arg;
	int32_t parent_tid;
	uint64_t stack;
	bool prof_blocked; /* the creator's SIGPROF block (sigprof.c) */
};

static void thread_end(void *unused)
{
	struct cprof_tls *t = &cprof_tls;

	cprof_sampler_disarm_thread();
	cprof_alloc_thread_exit();
	cprof_flush_thread_();
	if (cprof_cfg.threads && t->depth == 0) {
		t->depth++;
		cprof_config_check();
		lttng_ust_tracepoint(cprof, thread_exit, 0);
		t->depth--;
	}
	cprof_threads_unregister();
	cprof_state_thread_end();
	cprof_aside_thread_exit();
	t->known = false;
}

static void *trampoline(void *p)
{
	struct start s = *(struct start *)p;
	struct cprof_tls *t = &cprof_tls;
	char name[17] = {0};
	void *ret;

	cprof_real.free(p);
	if (unlikely(__atomic_load_n(&cprof_quiet_all, __ATOMIC_ACQUIRE))) {
		/* a seccomp filter came meanwhile (seccomp.c): not one call */
		t->quiet = true;
		t->depth++;
		return s.routine(s.arg);
	}
	t->known = true;
	cprof_threads_register(cprof_gettid());
	cprof_state_thread_begin(s.parent_tid, (uint64_t)(uintptr_t)s.routine, s.stack);
	t->depth++;
	if (cprof_cfg.threads) {
		cprof_config_check();
		lttng_ust_tracepoint(cprof, thread_start, (uint64_t)s.parent_tid,
				     (uint64_t)(uintptr_t)s.routine, s.stack);
		if (lttng_ust_tracepoint_enabled(cprof, thread_name) &&
		    prctl(PR_GET_NAME, name) == 0 && name[0])
			lttng_ust_do_tracepoint(cprof, thread_name, (uint64_t)cprof_gettid(), name);
	}
	t->depth--;
	cprof_sampler_arm_new_thread(s.prof_blocked);
	pthread_cleanup_push(thread_end, NULL);
	ret = s.routine(s.arg);
	pthread_cleanup_pop(1);
	return ret;
}

/* lttng-ust's own threads (listeners, re-created in a fork child) are not
 * the program's: they get no trampoline and record nothing (ust.c keeps
 * their handles, for seccomp.c). Not dladdr,
 * which takes ld.so's lock: a thread inside dlopen (a constructor) may be
 * waiting for a mutex this caller holds. */
static bool is_lttng_thread(void *(*routine)(void *))
{
	return cprof_ust_is_caller((const void *)routine, true);
}

CPROF_EXPORT int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
				void *(*routine)(void *), void *arg)
{
	struct cprof_tls *t = &cprof_tls;
	struct start *s;
	sigset_t mask;
	int ret;

	if (unlikely(!real_pthread_create))
		cprof_resolve_all();
	if (is_lttng_thread(routine))
		return cprof_ust_thread_create(real_pthread_create, thread, attr, routine, arg);
	if (!cprof_cfg.ready || !cprof_may_record(t))
		return real_pthread_create(thread, attr, routine, arg);
	s = cprof_real.malloc(sizeof(*s));
	if (!s)
		return real_pthread_create(thread, attr, routine, arg);
	s->routine = routine;
	s->arg = arg;
	s->parent_tid = cprof_gettid();
	s->stack = 0;
	/* A mask set in the attributes is the new thread's, real. */
	s->prof_blocked =
	    t->prof_blocked && !(attr && pthread_attr_getsigmask_np(attr, &mask) == 0);
	if (cprof_cfg.threads && (CPROF_ON(thread_start, CPROF_CALLER()) || cprof_state_on)) {
		t->depth++;
		s->stack = cprof_stack_here();
		t->depth--;
	}
	ret = real_pthread_create(thread, attr, trampoline, s);
	if (ret != 0)
		cprof_real.free(s);
	return ret;
}

/*
 * lttng-ust starts its two listener threads in its constructor and
 * cancels them in its destructor whether or not they were created: a
 * program whose address space is capped (RLIMIT_AS, `ulimit -v`: a
 * sandbox) leaves no room for their 8 MiB stacks, their pthread_create
 * fails, and at exit lttng-ust cancels the handle it never got, 0: a
 * segmentation fault after main returned (`ulimit -v 40000; echo hi`
 * printed hi, then died of SIGSEGV). No thread has the handle 0, so
 * refusing it as ESRCH changes nothing for a program that cancels real
 * threads.
 */
CPROF_EXPORT int pthread_cancel(pthread_t thread)
{
	if (unlikely(!real_pthread_cancel))
		cprof_resolve_all();
	if (thread == 0)
		return ESRCH;
	/* lttng-ust's exit cancels its listener threads (and does not join
	 * them); under a seccomp filter that denies the signal, that killed
	 * OpenSSH's pre-authentication child: the threads are left to the
	 * process's end, as lttng-ust does when a cancel fails. */
	if (unlikely(cprof_seccomp_denies(CPROF_DENIES_CANCEL)) &&
	    cprof_ust_is_caller(__builtin_return_address(0), false))
		return ESRCH;
	/* a listener seccomp.c stopped before a filter on every thread:
	 * gone, its handle maybe another thread's by now */
	if (cprof_ust_thread_stopped(thread))
		return 0;
	return real_pthread_cancel(thread);
}

void cprof_thread_end_ust_listeners(void)
{
	if (real_pthread_cancel)
		cprof_ust_end_threads(real_pthread_cancel);
}

static void emit_name(int32_t tid, const char *name)
{
	struct cprof_tls *t = &cprof_tls;
	int saved = errno;

	if (!cprof_cfg.ready || !cprof_cfg.threads || !cprof_may_record(t))
		return;
	t->depth++;
	cprof_config_check();
	lttng_ust_tracepoint(cprof, thread_name, (uint64_t)tid, name);
	t->depth--;
	errno = saved;
}

CPROF_EXPORT int pthread_setname_np(pthread_t thread, const char *name)
{
	int ret;

	if (unlikely(!real_pthread_setname_np))
		cprof_resolve_all();
	ret = real_pthread_setname_np(thread, name);
	/*
	 * A thread named by its creator before it has run (memcached names
	 * its workers so) has no tid here yet: the name is the kernel's
	 * already, and the thread reads it back and emits it itself once it
	 * has registered (see trampoline). Emitting it now would name tid 0,
	 * which the reader takes for the emitting thread, the creator.
	 */
	if (ret == 0) {
		int32_t tid = tid_of(thread);

		if (tid)
			emit_name(tid, name);
	}
	return ret;
}

CPROF_EXPORT int prctl(int option, ...)
{
	unsigned long a2, a3, a4, a5;
	va_list ap;
	int ret;

	va_start(ap, option);
	a2 = va_arg(ap, unsigned long);
	a3 = va_arg(ap, unsigned long);
	a4 = va_arg(ap, unsigned long);
	a5 = va_arg(ap, unsigned long);
	va_end(ap);
	if (unlikely(!real_prctl))
		cprof_resolve_all();
	if (option == PR_SET_SECCOMP)
		cprof_seccomp_prctl(a2, a3);
	ret = real_prctl(option, a2, a3, a4, a5);
	if (ret == 0 && option == PR_SET_NAME && a2)
		cprof_thread_renamed();
	return ret;
}

/* After prctl(PR_SET_NAME) succeeded on this thread (the prctl hook, or
 * the system call through syscall(): seccomp.c). */
void cprof_thread_renamed(void)
{
	char name[17] = {0};
	int saved = errno;

	if (unlikely(!real_prctl))
		cprof_resolve_all();
	/* The kernel keeps 15 bytes: report what it kept. */
	if (real_prctl && real_prctl(PR_GET_NAME, (unsigned long)name, 0, 0, 0) == 0)
		emit_name(cprof_gettid(), name);
	errno = saved;
}
