/*
 * Synchronization: record what blocks.
 *
 * Every lock is tried first (trylock, sem_trywait, pthread_tryjoin_np);
 * only when that fails does the hook read the clock, unwind, emit
 * cprof:wait_begin, block in the real call and emit cprof:wait_end. The
 * uncontended path is the real trylock plus a thread-local load and a
 * branch.
 *
 * LTTng stamps an event when it is written, and wait_begin is written
 * only after the thread's batch went out and its stack was unwound:
 * microseconds, or a whole time slice when the thread is preempted there
 * on a loaded machine, all of it time the program waited. So the event
 * carries the time the hook saw that the call waits (begin_ns), which the
 * reader takes as the wait's begin. That moment is a TSC read (see
 * wait_seen), taken before the try when a look at the lock says it is
 * held: the try's atomic takes the lock's line from the holder's CPU, and
 * a thread that comes back to a lock after others ran on its CPU finds
 * the try's code and the clock's page cold too; read after the try, with
 * clock_gettime, the begin came 0.3 us later in the slow spells of a
 * loaded machine.
 *
 * Condition variables and barriers have no try form and always block
 * until another thread acts, so every wait on them is recorded: begin
 * before the real call, end after it.
 *
 * The clock variants of glibc 2.30 (pthread_cond_clockwait,
 * pthread_mutex_clocklock, pthread_rwlock_clock{rd,wr}lock, sem_clockwait),
 * which libstdc++ calls for every steady-clock wait, are hooked as their
 * timed siblings, with glibc's own checks of the clock and time kept
 * ahead of the try.
 *
 * Releases that ended someone's wait (cprof:lock_release, with the
 * holder's stack, for the mutex profile): a waiter counts itself in a
 * small table of counters indexed by the lock's address while it blocks;
 * unlock reads its counter (one load of a shared, rarely written line) and
 * only when it is non-zero unwinds and emits the release, before the real
 * unlock so that the release precedes the waiter's wait_end in time. A
 * collision between two locks costs a spurious release event, never a
 * missed one.
 */
#include "tp.h"

#include "preload.h"
#include "state.h"

#include <cprof/trace.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <time.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

static struct {
	int (*mutex_lock)(pthread_mutex_t *);
	int (*mutex_trylock)(pthread_mutex_t *);
	int (*mutex_timedlock)(pthread_mutex_t *, const struct timespec *);
	int (*mutex_clocklock)(pthread_mutex_t *, clockid_t, const struct timespec *);
	int (*mutex_unlock)(pthread_mutex_t *);
	int (*rwlock_rdlock)(pthread_rwlock_t *);
	int (*rwlock_tryrdlock)(pthread_rwlock_t *);
	int (*rwlock_timedrdlock)(pthread_rwlock_t *, const struct timespec *);
	int (*rwlock_clockrdlock)(pthread_rwlock_t *, clockid_t, const struct timespec *);
	int (*rwlock_wrlock)(pthread_rwlock_t *);
	int (*rwlock_trywrlock)(pthread_rwlock_t *);
	int (*rwlock_timedwrlock)(pthread_rwlock_t *, const struct timespec *);
	int (*rwlock_clockwrlock)(pthread_rwlock_t *, clockid_t, const struct timespec *);
	int (*rwlock_unlock)(pthread_rwlock_t *);
	int (*spin_lock)(pthread_spinlock_t *);
	int (*spin_trylock)(pthread_spinlock_t *);
	int (*spin_unlock)(pthread_spinlock_t *);
	int (*cond_wait)(pthread_cond_t *, pthread_mutex_t *);
	int (*cond_timedwait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
	int (*cond_clockwait)(pthread_cond_t *, pthread_mutex_t *, clockid_t,
			      const struct timespec *);
	int (*sem_wait)(sem_t *);
	int (*sem_trywait)(sem_t *);
	int (*sem_timedwait)(sem_t *, const struct timespec *);
	int (*sem_clockwait)(sem_t *, clockid_t, const struct timespec *);
	int (*barrier_wait)(pthread_barrier_t *);
	int (*join)(pthread_t, void **);
	int (*tryjoin)(pthread_t, void **);
	int (*timedjoin)(pthread_t, void **, const struct timespec *);
} real;

/*
 * When a hook saw that the call waits. rdtsc costs about 15 ns here (a
 * microcoded instruction, under a hypervisor), twice an uncontended
 * pthread_mutex_lock, so it is read only on the way to a wait: after a
 * look at the lock says it is held, or after the try failed where there
 * is nothing to look at. A TSC read is one instruction that touches no
 * memory: clock_gettime would first fetch the vDSO's code and the
 * kvm-clock page, cold in the cases that matter.
 *
 * The reading becomes CLOCK_MONOTONIC (LTTng's clock) once the wait is
 * certain: the clock now, less the ticks since at libcprof-trace's rate
 * (the batch clock's anchor, cprof_clock_anchor_: measured over at least
 * 2 ms, then over the whole run, and refined by its flusher), so that
 * one calibration serves the records and the waits. The TSC is read
 * before the clock, so a late clock reading makes the begin later, never
 * earlier; the begin is never later than now, and never before the
 * anchor when the look came after it. Without a usable TSC, or before
 * the batch clock is calibrated (mult 0: within 2 ms of the library's
 * load, or before anything asked for it), the begin is the clock now:
 * late by the time since the look, never early. A wait asks for the
 * calibration itself (without waiting for it), as a program that only
 * waits on locks makes no record that would.
 */
static inline uint64_t tsc_now(void)
{
#if defined(__x86_64__)
	return __rdtsc();
#else
	return 0;
#endif
}

static inline uint64_t wait_seen(void)
{
	return tsc_now();
}

/* After a failed try: the moment seen before it, else now. */
static inline uint64_t wait_seen_by(uint64_t seen)
{
	return seen ? seen : wait_seen();
}

/* How many times a reader tries the anchor while the flusher rewrites it
 * (a few stores), before it takes the clock now. */
#define ANCHOR_TRIES 4

/* The batch clock's anchor read under its sequence counter: false when
 * it has no rate (not calibrated, no usable TSC) or kept changing. */
static bool anchor_read(uint64_t *tsc, uint64_t *ns, uint64_t *mult)
{
	for (int i = 0; i < ANCHOR_TRIES; i++)
		if (cprof_anchor_read_(tsc, ns, mult))
			return true;
	return false;
}

static uint64_t seen_ns(uint64_t seen)
{
	uint64_t tsc, now, mult = 0, a_tsc = 0, a_ns = 0, back;
	bool rated = anchor_read(&a_tsc, &a_ns, &mult);
	__extension__ typedef unsigned __int128 u128;

	if (!rated && seen) {
		cprof_clock_calibrate_due_(cprof_now_ns());
		rated = anchor_read(&a_tsc, &a_ns, &mult);
	}
	tsc = tsc_now();
	now = cprof_now_ns();
	if (!rated || !seen || tsc <= seen)
		return now;
	back = (uint64_t)(((u128)(tsc - seen) * mult) >> 32);
	if (back >= now)
		return now;
	/* the look came after the anchor was read: not before its time */
	if (seen >= a_tsc && now - back < a_ns)
		return a_ns < now ? a_ns : now;
	return now - back;
}

void cprof_sync_resolve(void) CPROF_HIDDEN;
void cprof_sync_resolve(void)
{
	real.mutex_lock = cprof_dlsym("pthread_mutex_lock");
	real.mutex_trylock = cprof_dlsym("pthread_mutex_trylock");
	real.mutex_timedlock = cprof_dlsym("pthread_mutex_timedlock");
	real.mutex_clocklock = cprof_dlsym("pthread_mutex_clocklock");
	real.mutex_unlock = cprof_dlsym("pthread_mutex_unlock");
	real.rwlock_rdlock = cprof_dlsym("pthread_rwlock_rdlock");
	real.rwlock_tryrdlock = cprof_dlsym("pthread_rwlock_tryrdlock");
	real.rwlock_timedrdlock = cprof_dlsym("pthread_rwlock_timedrdlock");
	real.rwlock_clockrdlock = cprof_dlsym("pthread_rwlock_clockrdlock");
	real.rwlock_wrlock = cprof_dlsym("pthread_rwlock_wrlock");
	real.rwlock_trywrlock = cprof_dlsym("pthread_rwlock_trywrlock");
	real.rwlock_timedwrlock = cprof_dlsym("pthread_rwlock_timedwrlock");
	real.rwlock_clockwrlock = cprof_dlsym("pthread_rwlock_clockwrlock");
	real.rwlock_unlock = cprof_dlsym("pthread_rwlock_unlock");
	real.spin_lock = cprof_dlsym("pthread_spin_lock");
	real.spin_trylock = cprof_dlsym("pthread_spin_trylock");
	real.spin_unlock = cprof_dlsym("pthread_spin_unlock");
	/* The condition variables of glibc >= 2.3.2, not the compat ones an
	 * unversioned lookup could return. */
	real.cond_wait = cprof_dlvsym("pthread_cond_wait", "GLIBC_2.3.2");
	real.cond_timedwait = cprof_dlvsym("pthread_cond_timedwait", "GLIBC_2.3.2");
	real.cond_clockwait = cprof_dlsym("pthread_cond_clockwait");
	real.sem_wait = cprof_dlsym("sem_wait");
	real.sem_trywait = cprof_dlsym("sem_trywait");
	real.sem_timedwait = cprof_dlsym("sem_timedwait");
	real.sem_clockwait = cprof_dlsym("sem_clockwait");
	real.barrier_wait = cprof_dlsym("pthread_barrier_wait");
	real.join = cprof_dlsym("pthread_join");
	real.tryjoin = cprof_dlsym("pthread_tryjoin_np");
	real.timedjoin = cprof_dlsym("pthread_timedjoin_np");
}

#define RESOLVED(fn)                                                                               \
	do {                                                                                       \
		if (unlikely(!real.fn))                                                            \
			cprof_resolve_all();                                                       \
	} while (0)

#define WAITERS_SIZE 4096u
static uint32_t waiters[WAITERS_SIZE];

static inline uint32_t *waiters_of(const void *obj)
{
	uintptr_t a = (uintptr_t)obj;

	return &waiters[(uint32_t)((a >> 3) * 0x9e3779b97f4a7c15u >> 52) & (WAITERS_SIZE - 1)];
}

static inline bool locks_on(void)
{
	return cprof_cfg.locks && cprof_may_record(&cprof_tls);
}

/* What glibc accepts in a timed or clock wait (valid_nanoseconds and
 * futex_abstimed_supported_clockid in its sources); it answers EINVAL
 * otherwise. */
static inline bool time_valid(const struct timespec *abstime)
{
	return abstime->tv_nsec >= 0 && abstime->tv_nsec < 1000000000L;
}

static inline bool clock_valid(clockid_t clock)
{
	return clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC;
}

struct wait {
	const void *obj;
	uint8_t kind;
	bool recorded;
	bool counted;
	bool ust; /* lttng-ust's own wait */
};

static bool mark_waiter(pthread_mutex_t *m);

/*
 * Whether the wait is recorded, decided before the stack is unwound, and
 * (true) whether the mutex was taken after all.
 *
 * caller: the hook's return address; lttng-ust's own waits are not the
 * program's (see ust.c).
 *
 * m: the mutex waited for, when it is one of glibc's plain kinds. Its
 * holder emits the release only when its unlock wakes a sleeper (futex
 * word 2, see unlock_wakes), and unwinding our stack takes microseconds:
 * a holder that unlocked meanwhile, before this thread set the word to 2
 * in the real lock, would see no waiter and emit nothing, and the wait
 * would have no holder to blame. So the waiter, once counted, marks the
 * mutex itself as soon as its try failed, before anything else (the
 * holder may let go any time): it sets the word from 1 (locked, no
 * waiter) to 2, as glibc's lock does before it sleeps, which costs the
 * holder a futex wake nobody may need, and from then on the holder's
 * unlock emits the release (unwinding its own stack), stamped after the
 * wait's begin (the holder reads the word after the mark, which comes
 * after the begin was seen); the reader matches releases to waits by
 * `begin`. A holder that
 * lets go while we unwind so makes a short wait, which the program did
 * suffer (its try failed, and the lock call returns only after the
 * unwinding): it is recorded, ended when the real lock takes the mutex,
 * and blamed on that holder. Only a mutex found free at the mark,
 * nanoseconds after the failed try, is taken there with trylock as no
 * wait (true is returned, the caller owns the mutex).
 *
 * The stack is unwound before the real lock, not after it (it cannot
 * change meanwhile either way): unwinding with the mutex taken would hold
 * it those microseconds longer, stretching every contended critical
 * section and the waits queued behind it, and the wait's end, stamped
 * after the unwinding, would include them all the same.
 */
static bool wait_begin_prepare(struct wait *w, const void *obj, uint8_t kind, bool count,
			       const void *caller, pthread_mutex_t *m)
{
	struct cprof_tls *t = &cprof_tls;
	int saved = errno;
	bool taken = false;

	w->obj = obj;
	w->kind = kind;
	w->recorded = false;
	w->counted = count;
	w->ust = false;
	t->depth++;
	if (count)
		__atomic_fetch_add(waiters_of(obj), 1, __ATOMIC_RELAXED);
	if (m && !mark_waiter(m)) {
		taken = real.mutex_trylock(m) == 0;
		if (!taken)
			mark_waiter(m);
	}
	if (!taken)
		w->ust = cprof_ust_is_caller(caller, true);
	if (taken || w->ust) {
		if (count)
			__atomic_fetch_sub(waiters_of(obj), 1, __ATOMIC_RELAXED);
		w->counted = false;
	} else {
		w->recorded = CPROF_ON(wait_begin, NULL);
	}
	t->depth--;
	errno = saved;
	return taken;
}

/* Unwinds and emits the wait's begin (begin: see the top of the file). */
static void wait_begin_record(struct wait *w, uint64_t begin)
{
	struct cprof_tls *t = &cprof_tls;
	int saved = errno;

	t->depth++;
	lttng_ust_do_tracepoint(cprof, wait_begin, (uint64_t)(uintptr_t)w->obj, w->kind,
				cprof_stack_here(), begin);
	t->depth--;
	errno = saved;
}

/*
 * Inlined into each hook, whose frame outlives the wait: see state.h.
 * seen: the TSC read when the hook saw the call must wait (wait_seen).
 * The thread's batch goes out before it blocks, where no holder of the
 * lock waits for it; not before a wait of lttng-ust's own: in a fork
 * child lttng-ust waits (sem_timedwait) for the session daemon to
 * register the process, and a batch emitted before that is dropped,
 * with no count of it (tar's and every shell's children then showed 16
 * records lost under --alloc=all).
 */
static inline __attribute__((always_inline)) bool wait_begin(struct wait *w, const void *obj,
							     uint8_t kind, bool count,
							     const void *caller, pthread_mutex_t *m,
							     uint64_t seen)
{
	struct cprof_tls *t = &cprof_tls;
	uint64_t begin;

	if (wait_begin_prepare(w, obj, kind, count, caller, m))
		return true;
	begin = seen_ns(seen);
	if (!w->ust)
		cprof_flush_thread_();
	if (w->recorded)
		wait_begin_record(w, begin);
	if (unlikely(t->state != NULL))
		cprof_state_block(t, kind, (uint64_t)(uintptr_t)obj, 0, begin);
	return false;
}

static void wait_end(struct wait *w, int result)
{
	struct cprof_tls *t = &cprof_tls;
	int saved = errno;
	bool reported = cprof_state_unblock(t);

	if (w->counted)
		__atomic_fetch_sub(waiters_of(w->obj), 1, __ATOMIC_RELAXED);
	if (w->recorded || reported) {
		t->depth++;
		cprof_config_check();
		lttng_ust_tracepoint(cprof, wait_end, (uint64_t)(uintptr_t)w->obj, w->kind,
				     (int32_t)result);
		t->depth--;
	}
	errno = saved;
}

__attribute__((noinline)) static void release(const void *obj, uint8_t kind, const void *caller)
{
	struct cprof_tls *t = &cprof_tls;
	int saved = errno;

	t->depth++;
	if (CPROF_ON(lock_release, caller) && !cprof_ust_is_caller(caller, true))
		lttng_ust_do_tracepoint(cprof, lock_release, (uint64_t)(uintptr_t)obj, kind,
					cprof_stack_here());
	t->depth--;
	errno = saved;
}

static inline bool has_waiters(const void *obj)
{
	return unlikely(__atomic_load_n(waiters_of(obj), __ATOMIC_RELAXED) != 0) && locks_on();
}

/* Which of glibc's lock or wait calls a hook stands for. */
enum bound {
	UNTIMED, /* lock, wait */
	TIMED,	 /* timedlock, timedwait: CLOCK_REALTIME */
	CLOCKED, /* clocklock, clockwait (glibc 2.30) */
};

/* --- mutexes ----------------------------------------------------------- */

/*
 * glibc's pthread_mutex_trylock costs about three times its
 * pthread_mutex_lock (20 ns against 7 ns here), too much for the
 * uncontended path. For the plain kinds (normal, recursive,
 * error-checking, adaptive: no robust, PI or PP bit) the futex word is 0
 * when the mutex is free: then the real lock is called directly, and only
 * a mutex seen taken goes through trylock and, if that fails, is recorded.
 * A mutex taken in the few nanoseconds between the look and the real lock
 * is a wait missed, never a wait invented.
 */
static inline bool plain(const pthread_mutex_t *m)
{
	return (m->__data.__kind & 0x70) == 0;
}

static inline bool looks_free(const pthread_mutex_t *m)
{
	return plain(m) && __atomic_load_n(&m->__data.__lock, __ATOMIC_RELAXED) == 0;
}

/* Before the try of a mutex not seen free: the moment, if it looks held;
 * robust, PI and PP mutexes are not looked at (their word is not 0 or 1). */
static inline uint64_t mutex_seen(const pthread_mutex_t *m)
{
	return plain(m) && __atomic_load_n(&m->__data.__lock, __ATOMIC_RELAXED) != 0 ? wait_seen()
										     : 0;
}

/* Marks a plain mutex as waited for (see wait_begin); false when it is
 * free. */
static bool mark_waiter(pthread_mutex_t *m)
{
	int expected = 1;

	if (__atomic_compare_exchange_n(&m->__data.__lock, &expected, 2, false, __ATOMIC_RELAXED,
					__ATOMIC_RELAXED))
		return true;
	return expected != 0;
}

/*
 * Whether this unlock hands the mutex to a sleeping waiter, read from
 * glibc's futex word: 2 for the plain kinds (normal, recursive,
 * error-checking, adaptive) when a waiter sleeps, FUTEX_WAITERS for robust
 * and priority-inheritance ones. Without it every unlock made while some
 * thread waits would count, although glibc's mutex lets the unlocker
 * (or a newcomer) take it again many times before the sleeper runs.
 */
static bool unlock_wakes(const pthread_mutex_t *m)
{
	int kind = m->__data.__kind;
	unsigned lock = (unsigned)__atomic_load_n(&m->__data.__lock, __ATOMIC_RELAXED);

	if ((kind & 3) == PTHREAD_MUTEX_RECURSIVE_NP && m->__data.__count > 1)
		return false; /* still held after this unlock */
	if (kind & (16 | 32)) /* robust, priority inheritance */
		return (lock & 0x80000000u) != 0;
	if (kind & 64) /* priority protection: the word is not a waiter count */
		return true;
	return lock == 2;
}

static inline int mutex_real(pthread_mutex_t *m, enum bound bound, clockid_t clock,
			     const struct timespec *abstime)
{
	switch (bound) {
	case TIMED:
		return real.mutex_timedlock(m, abstime);
	case CLOCKED:
		return real.mutex_clocklock(m, clock, abstime);
	default:
		return real.mutex_lock(m);
	}
}

/*
 * A hook's way once it records and the mutex was not seen free: try,
 * and record the wait if the try failed. Inlined in each hook (bound is a
 * constant there), after the hook's own tests. CPROF_CALLER() in it is
 * the hook's caller, as GCC documents __builtin_return_address(0) in an
 * inlined function; read here, only once the try failed, instead of
 * passed in, it is not kept in a register across the try, whose prologue
 * push and pop every uncontended lock would pay.
 */
static inline __attribute__((always_inline)) int
mutex_wait(pthread_mutex_t *m, enum bound bound, clockid_t clock, const struct timespec *abstime)
{
	struct wait w;
	uint64_t seen;
	int r;

	seen = mutex_seen(m);
	r = real.mutex_trylock(m);
	if (likely(r != EBUSY))
		return r;
	if (wait_begin(&w, m, CPROF_TP_WAIT_MUTEX, true, CPROF_CALLER(), plain(m) ? m : NULL,
		       wait_seen_by(seen)))
		return 0;
	r = mutex_real(m, bound, clock, abstime);
	wait_end(&w, r);
	return r;
}

CPROF_EXPORT int pthread_mutex_lock(pthread_mutex_t *m)
{
	RESOLVED(mutex_lock);
	if (likely(!locks_on()) || likely(looks_free(m)))
		return real.mutex_lock(m);
	return mutex_wait(m, UNTIMED, CLOCK_REALTIME, NULL);
}

CPROF_EXPORT int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abstime)
{
	RESOLVED(mutex_timedlock);
	if (likely(!locks_on()))
		return real.mutex_timedlock(m, abstime);
	return mutex_wait(m, TIMED, CLOCK_REALTIME, abstime);
}

/* glibc refuses an unsupported clock before it looks at the mutex; the
 * time, as in timedlock, only once it must sleep. */
CPROF_EXPORT int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clock,
					 const struct timespec *abstime)
{
	RESOLVED(mutex_clocklock);
	if (likely(!locks_on()) || !clock_valid(clock))
		return real.mutex_clocklock(m, clock, abstime);
	return mutex_wait(m, CLOCKED, clock, abstime);
}

CPROF_EXPORT int pthread_mutex_unlock(pthread_mutex_t *m)
{
	RESOLVED(mutex_unlock);
	if (has_waiters(m) && unlock_wakes(m))
		release(m, CPROF_TP_WAIT_MUTEX, CPROF_CALLER());
	return real.mutex_unlock(m);
}

/* --- rwlocks ----------------------------------------------------------- */

/* glibc's __readers word (pthread_rwlock_common.c): a writer holds the
 * lock, or (for a writer) readers do. */
#define RWLOCK_WRLOCKED 2u
#define RWLOCK_READER_SHIFT 3

static inline uint64_t rwlock_seen(const pthread_rwlock_t *l, bool write)
{
	unsigned r = __atomic_load_n(&l->__data.__readers, __ATOMIC_RELAXED);

	return (r & RWLOCK_WRLOCKED) || (write && r >> RWLOCK_READER_SHIFT) ? wait_seen() : 0;
}

static inline int rwlock_real(pthread_rwlock_t *l, enum bound bound, clockid_t clock,
			      const struct timespec *abstime, bool write)
{
	switch (bound) {
	case TIMED:
		return write ? real.rwlock_timedwrlock(l, abstime)
			     : real.rwlock_timedrdlock(l, abstime);
	case CLOCKED:
		return write ? real.rwlock_clockwrlock(l, clock, abstime)
			     : real.rwlock_clockrdlock(l, clock, abstime);
	default:
		return write ? real.rwlock_wrlock(l) : real.rwlock_rdlock(l);
	}
}

/* Inlined in each hook: bound and write are constants there, and the
 * untimed locks keep a fast path with no test of them. */
static inline __attribute__((always_inline)) int rwlock_wait(pthread_rwlock_t *l, enum bound bound,
							     clockid_t clock,
							     const struct timespec *abstime,
							     bool write, const void *caller)
{
	int (*try)(pthread_rwlock_t *) = write ? real.rwlock_trywrlock : real.rwlock_tryrdlock;
	struct wait w;
	uint64_t seen;
	int r;

	/* glibc rejects an invalid time (and, for the clock forms, clock)
	 * before it looks at the lock; the trylock would take a free one. */
	if (likely(!locks_on()) ||
	    (bound != UNTIMED && abstime &&
	     (!time_valid(abstime) || (bound == CLOCKED && !clock_valid(clock)))))
		return rwlock_real(l, bound, clock, abstime, write);
	seen = rwlock_seen(l, write);
	r = try(l);
	if (likely(r != EBUSY))
		return r;
	wait_begin(&w, l, write ? CPROF_TP_WAIT_RWLOCK_WRITE : CPROF_TP_WAIT_RWLOCK_READ, true,
		   caller, NULL, wait_seen_by(seen));
	r = rwlock_real(l, bound, clock, abstime, write);
	wait_end(&w, r);
	return r;
}

CPROF_EXPORT int pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
	RESOLVED(rwlock_rdlock);
	return rwlock_wait(l, UNTIMED, CLOCK_REALTIME, NULL, false, CPROF_CALLER());
}

CPROF_EXPORT int pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
	RESOLVED(rwlock_wrlock);
	return rwlock_wait(l, UNTIMED, CLOCK_REALTIME, NULL, true, CPROF_CALLER());
}

CPROF_EXPORT int pthread_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *abstime)
{
	RESOLVED(rwlock_timedrdlock);
	return rwlock_wait(l, TIMED, CLOCK_REALTIME, abstime, false, CPROF_CALLER());
}

CPROF_EXPORT int pthread_rwlock_timedwrlock(pthread_rwlock_t *l, const struct timespec *abstime)
{
	RESOLVED(rwlock_timedwrlock);
	return rwlock_wait(l, TIMED, CLOCK_REALTIME, abstime, true, CPROF_CALLER());
}

CPROF_EXPORT int pthread_rwlock_clockrdlock(pthread_rwlock_t *l, clockid_t clock,
					    const struct timespec *abstime)
{
	RESOLVED(rwlock_clockrdlock);
	return rwlock_wait(l, CLOCKED, clock, abstime, false, CPROF_CALLER());
}

CPROF_EXPORT int pthread_rwlock_clockwrlock(pthread_rwlock_t *l, clockid_t clock,
					    const struct timespec *abstime)
{
	RESOLVED(rwlock_clockwrlock);
	return rwlock_wait(l, CLOCKED, clock, abstime, true, CPROF_CALLER());
}

CPROF_EXPORT int pthread_rwlock_unlock(pthread_rwlock_t *l)
{
	RESOLVED(rwlock_unlock);
	if (has_waiters(l))
		release(l,
			l->__data.__cur_writer == cprof_gettid() ? CPROF_TP_WAIT_RWLOCK_WRITE
								 : CPROF_TP_WAIT_RWLOCK_READ,
			CPROF_CALLER());
	return real.rwlock_unlock(l);
}

/* --- spin locks -------------------------------------------------------- */

CPROF_EXPORT int pthread_spin_lock(pthread_spinlock_t *l)
{
	struct wait w;
	uint64_t seen;
	int r;

	RESOLVED(spin_lock);
	if (likely(!locks_on()))
		return real.spin_lock(l);
	/* glibc's spin lock: 0 when free */
	seen = *l ? wait_seen() : 0;
	r = real.spin_trylock(l);
	if (likely(r != EBUSY))
		return r;
	wait_begin(&w, (const void *)l, CPROF_TP_WAIT_SPIN, true, CPROF_CALLER(), NULL,
		   wait_seen_by(seen));
	r = real.spin_lock(l);
	wait_end(&w, r);
	return r;
}

CPROF_EXPORT int pthread_spin_unlock(pthread_spinlock_t *l)
{
	RESOLVED(spin_unlock);
	if (has_waiters((const void *)l))
		release((const void *)l, CPROF_TP_WAIT_SPIN, CPROF_CALLER());
	return real.spin_unlock(l);
}

/* --- condition variables ------------------------------------------------ */

/* The real wait unlocks the mutex internally: a thread waiting for that
 * mutex is released by this call, so it is charged here. */
static void cond_releases(pthread_mutex_t *m, const void *caller)
{
	if (has_waiters(m))
		release(m, CPROF_TP_WAIT_MUTEX, caller);
}

CPROF_EXPORT int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	struct wait w;
	uint64_t seen;
	int r;

	RESOLVED(cond_wait);
	if (likely(!locks_on()))
		return real.cond_wait(c, m);
	seen = wait_seen();
	cond_releases(m, CPROF_CALLER());
	wait_begin(&w, c, CPROF_TP_WAIT_COND, false, CPROF_CALLER(), NULL, seen);
	r = real.cond_wait(c, m);
	wait_end(&w, r);
	return r;
}

CPROF_EXPORT int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
					const struct timespec *abstime)
{
	struct wait w;
	uint64_t seen;
	int r;

	RESOLVED(cond_timedwait);
	if (likely(!locks_on()))
		return real.cond_timedwait(c, m, abstime);
	seen = wait_seen();
	cond_releases(m, CPROF_CALLER());
	wait_begin(&w, c, CPROF_TP_WAIT_COND, false, CPROF_CALLER(), NULL, seen);
	r = real.cond_timedwait(c, m, abstime);
	wait_end(&w, r);
	return r;
}

/* An invalid time or clock fails at once, the mutex kept: no wait, and no
 * release of the mutex, to record. */
CPROF_EXPORT int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock,
					const struct timespec *abstime)
{
	struct wait w;
	uint64_t seen;
	int r;

	RESOLVED(cond_clockwait);
	if (likely(!locks_on()) || !time_valid(abstime) || !clock_valid(clock))
		return real.cond_clockwait(c, m, clock, abstime);
	seen = wait_seen();
	cond_releases(m, CPROF_CALLER());
	wait_begin(&w, c, CPROF_TP_WAIT_COND, false, CPROF_CALLER(), NULL, seen);
	r = real.cond_clockwait(c, m, clock, abstime);
	wait_end(&w, r);
	return r;
}

/* --- semaphores -------------------------------------------------------- */

/* glibc's semaphore (struct new_sem, 64-bit atomics): its value is the
 * low half of its first word; 0 makes sem_wait sleep. */
typedef uint32_t __attribute__((may_alias)) sem_word;

static inline uint64_t sem_seen(const sem_t *s)
{
	return __atomic_load_n((const sem_word *)s, __ATOMIC_RELAXED) == 0 ? wait_seen() : 0;
}

static inline int sem_real(sem_t *s, enum bound bound, clockid_t clock,
			   const struct timespec *abstime)
{
	switch (bound) {
	case TIMED:
		return real.sem_timedwait(s, abstime);
	case CLOCKED:
		return real.sem_clockwait(s, clock, abstime);
	default:
		return real.sem_wait(s);
	}
}

/*
 * Before they look at the semaphore, glibc's sem_timedwait rejects an
 * invalid time and sem_clockwait an invalid clock or time (EINVAL, even
 * with a cancellation pending); then sem_wait and sem_timedwait act on a
 * pending cancellation, which sem_clockwait (glibc 2.36) does only if it
 * sleeps. sem_trywait does none of this, so it all comes first here.
 */
static inline __attribute__((always_inline)) int sem_wait_common(sem_t *s, enum bound bound,
								 clockid_t clock,
								 const struct timespec *abstime,
								 const void *caller)
{
	struct wait w;
	uint64_t seen;
	int saved = errno, r;

	if (likely(!locks_on()))
		goto plain;
	if (bound != UNTIMED && !time_valid(abstime))
		goto plain;
	if (bound == CLOCKED && !clock_valid(clock))
		goto plain;
	seen = sem_seen(s);
	if (bound != CLOCKED)
		pthread_testcancel();
	if (real.sem_trywait(s) == 0)
		return 0;
	if (errno != EAGAIN) {
		errno = saved;
		goto plain;
	}
	errno = saved;
	wait_begin(&w, s, CPROF_TP_WAIT_SEM, false, caller, NULL, wait_seen_by(seen));
	r = sem_real(s, bound, clock, abstime);
	wait_end(&w, r == 0 ? 0 : errno);
	return r;
plain:
	return sem_real(s, bound, clock, abstime);
}

CPROF_EXPORT int sem_wait(sem_t *s)
{
	RESOLVED(sem_wait);
	return sem_wait_common(s, UNTIMED, CLOCK_REALTIME, NULL, CPROF_CALLER());
}

CPROF_EXPORT int sem_timedwait(sem_t *s, const struct timespec *abstime)
{
	RESOLVED(sem_timedwait);
	return sem_wait_common(s, TIMED, CLOCK_REALTIME, abstime, CPROF_CALLER());
}

CPROF_EXPORT int sem_clockwait(sem_t *s, clockid_t clock, const struct timespec *abstime)
{
	RESOLVED(sem_clockwait);
	return sem_wait_common(s, CLOCKED, clock, abstime, CPROF_CALLER());
}

/* --- barriers and joins ------------------------------------------------ */

CPROF_EXPORT int pthread_barrier_wait(pthread_barrier_t *b)
{
	struct wait w;
	int r;

	RESOLVED(barrier_wait);
	if (likely(!locks_on()))
		return real.barrier_wait(b);
	wait_begin(&w, b, CPROF_TP_WAIT_BARRIER, false, CPROF_CALLER(), NULL, wait_seen());
	r = real.barrier_wait(b);
	wait_end(&w, r);
	return r;
}

static int join_common(pthread_t thread, void **ret, const struct timespec *abstime, bool timed,
		       const void *caller)
{
	struct wait w;
	int r;

	if (likely(!locks_on()) || !real.tryjoin)
		goto plain;
	r = real.tryjoin(thread, ret);
	if (r != EBUSY)
		return r;
	wait_begin(&w, (const void *)thread, CPROF_TP_WAIT_JOIN, false, caller, NULL, wait_seen());
	r = timed ? real.timedjoin(thread, ret, abstime) : real.join(thread, ret);
	wait_end(&w, r);
	return r;
plain:
	return timed ? real.timedjoin(thread, ret, abstime) : real.join(thread, ret);
}

CPROF_EXPORT int pthread_join(pthread_t thread, void **ret)
{
	RESOLVED(join);
	return join_common(thread, ret, NULL, false, CPROF_CALLER());
}

CPROF_EXPORT int pthread_timedjoin_np(pthread_t thread, void **ret, const struct timespec *abstime)
{
	RESOLVED(timedjoin);
	return join_common(thread, ret, abstime, true, CPROF_CALLER());
}
