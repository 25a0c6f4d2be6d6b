/*
 * Internal state shared by the files of libcprof-trace-preload: the
 * configuration read once at start, the per-thread state, the real libc
 * symbols and the helpers every hook uses. Nothing here is exported.
 */
#ifndef CPROF_PRELOAD_H
#define CPROF_PRELOAD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "track.h"

#define CPROF_EXPORT __attribute__((visibility("default")))
#define CPROF_HIDDEN __attribute__((visibility("hidden")))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

struct cprof_config {
	bool ready; /* constructor done: hooks may record */
	bool locks;
	bool io;
	bool threads;
	uint32_t alloc_mode; /* enum cprof_tp_alloc_mode */
	uint64_t alloc_rate;
	uint32_t cpu_rate;
	uint64_t io_threshold_ns;
	uint32_t stack_depth;
};

/*
 * Per-thread state. `depth` is the nesting guard: a hook records only when
 * it is 0 and raises it while it unwinds or emits, so that whatever
 * lttng-ust, libunwind or libc call underneath (malloc, mutexes, write)
 * goes straight to the real function. `known` is set for the main thread
 * and for threads started through our pthread_create trampoline: threads
 * started before us (lttng-ust's listener threads) record nothing.
 */
struct cprof_state_slot;

struct cprof_tls {
	int depth;
	int unwinding;	      /* inside libunwind for us: see phdr.c */
	uint32_t unwinds;     /* by cprof_stack_here, counted up to a threshold */
	bool backtrace_ready; /* libunwind's per-thread backtrace cache is set up */
	bool known;
	bool in_io;
	bool sampler_armed;
	bool prof_blocked; /* SIGPROF blocked for the program, not for real (sigprof.c) */
	bool quiet;	   /* under a seccomp filter that denies our calls (seccomp.c) */
	int32_t tid;
	int64_t alloc_countdown;
	bool alloc_init;
	uint64_t rng;
	int64_t heap_delta;
	timer_t timer;
	uint64_t sample_due;		/* thread CPU time of the next sample */
	struct cprof_state_slot *state; /* state.h: NULL unless served */
	void *aside;			/* aside.c: our handlers' own stack */
};

/*
 * initial-exec: the variable lives in the static TLS block reserved at
 * program start, so reading it is one %fs-relative load and never calls
 * __tls_get_addr, which may itself call malloc on first use in a thread and
 * recurse into our malloc hook. The library is only ever loaded at startup
 * through LD_PRELOAD, where initial-exec is valid.
 */
extern __thread struct cprof_tls cprof_tls __attribute__((tls_model("initial-exec"))) CPROF_HIDDEN;
extern struct cprof_config cprof_cfg CPROF_HIDDEN;

/* Real functions, resolved with dlsym(RTLD_NEXT) before threads exist. */
struct cprof_real {
	void *(*malloc)(size_t);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	void (*free)(void *);
	int (*posix_memalign)(void **, size_t, size_t);
	void *(*aligned_alloc)(size_t, size_t);
	void *(*memalign)(size_t, size_t);
	void *(*valloc)(size_t);
	void *(*pvalloc)(size_t);
	size_t (*malloc_usable_size)(void *);
};
extern struct cprof_real cprof_real CPROF_HIDDEN;

CPROF_HIDDEN void cprof_resolve_all(void);
CPROF_HIDDEN void *cprof_dlsym(const char *name);
CPROF_HIDDEN void *cprof_dlvsym(const char *name, const char *version);

/*
 * Zeroes `n` bytes of a zero-initialized static (.bss) at `p` without
 * writing its whole pages: they are dropped (MADV_DONTNEED) and read as
 * zeros again when touched. A fork child resetting its tables would
 * otherwise fault in every page (a copy or a fresh page each, about 1.5
 * MiB per fork) just before most such children exec.
 */
CPROF_HIDDEN void cprof_zero_static(void *p, size_t n);

/* The static bump allocator that serves dlsym's calloc while resolving. */
CPROF_HIDDEN void *cprof_bootstrap_alloc(size_t size, size_t align);
CPROF_HIDDEN size_t cprof_bootstrap_size(const void *ptr);
extern bool cprof_resolving CPROF_HIDDEN;
#define CPROF_BOOTSTRAP_SIZE (64 * 1024)
extern unsigned char cprof_bootstrap_pool[CPROF_BOOTSTRAP_SIZE] CPROF_HIDDEN;

static inline bool cprof_is_bootstrap(const void *ptr)
{
	/* One unsigned comparison: below the pool wraps to a huge value. */
	return (uintptr_t)ptr - (uintptr_t)cprof_bootstrap_pool < CPROF_BOOTSTRAP_SIZE;
}

/* Interned stack id of the caller of the hook (0 when stacks are off).
 * Call with depth raised. */
CPROF_HIDDEN uint64_t cprof_stack_here(void);
/* The same from a hook of an async-signal-safe call (read, write, ...),
 * which a signal handler may make: it never sets up what makes later
 * unwinds of the thread faster (that may allocate). */
CPROF_HIDDEN uint64_t cprof_stack_here_async(void);
/* Interned stack id of the context a signal interrupted. */
CPROF_HIDDEN uint64_t cprof_stack_of_context(void *ucontext);
/* Only the interrupted instruction: for a signal that must not unwind. */
CPROF_HIDDEN uint64_t cprof_stack_of_ip(void *ucontext);
/*
 * Bytes of stack left to a signal handler that runs on the thread's
 * alternate signal stack, SIZE_MAX when it does not (stack.c). Below
 * CPROF_ROOM_UNWIND a handler of ours takes the interrupted instruction
 * alone; below CPROF_ROOM_EMIT it emits nothing (measured: an unwind and
 * its event up to about 6 KiB, the instruction alone and its event about
 * 2.5 KiB).
 */
#define CPROF_ROOM_UNWIND (12 * 1024)
#define CPROF_ROOM_EMIT (4 * 1024)
/* Below this, not even the switch to a stack of ours (aside.c). */
#define CPROF_ROOM_ASIDE 512
/* For a handler of ours that interrupted `ucontext`: fn with the room it
 * has to unwind (cprof_stack_of_signal), on the signal's stack or, with
 * less than CPROF_ROOM_UNWIND there, on ours (room SIZE_MAX), which takes
 * CPROF_ROOM_ASIDE to reach; not called when there is room nowhere. */
CPROF_HIDDEN void cprof_with_room(void *ucontext,
				  void (*fn)(void *ucontext, size_t room, void *arg), void *arg);
CPROF_HIDDEN void cprof_aside_thread_exit(void);
CPROF_HIDDEN size_t cprof_signal_stack_room(const void *ucontext);
/* Of the context a signal interrupted: unwound at depth 1 when `room`
 * allows, else the interrupted instruction. Call with depth raised. */
CPROF_HIDDEN uint64_t cprof_stack_of_signal(void *ucontext, size_t room);
CPROF_HIDDEN void cprof_stacks_reset(void);
/* dlclose unmapped an object: stacks taken from now on get new ids. */
CPROF_HIDDEN void cprof_stacks_unmapped(void);
CPROF_HIDDEN void cprof_stacks_init(void);
/* libunwind's first unwind in the process sets its global state up (locks,
 * memory pools): from the constructor, never first in a signal handler. */
CPROF_HIDDEN void cprof_stack_warmup(void);

/* The copy of the loaded objects' program headers that our unwinds
 * iterate over instead of taking ld.so's lock (phdr.c). */
CPROF_HIDDEN void cprof_phdr_init(void);

CPROF_HIDDEN void cprof_sampler_arm_thread(void);
/* The same in a thread the program just started; `creator_blocked`: the
 * creating thread had SIGPROF blocked for the program (sigprof.c). */
CPROF_HIDDEN void cprof_sampler_arm_new_thread(bool creator_blocked);
CPROF_HIDDEN void cprof_sampler_disarm_thread(void);
/* fd.c: keep `fd` open against the program's closes (closefrom, a close
 * loop), and forget `old` (-1: none). */
CPROF_HIDDEN void cprof_fd_keep(int fd, int old);
/* Sampling off for good, every timer deleted (seccomp.c). */
CPROF_HIDDEN void cprof_sampler_stop(void);
/* seccomp.c: before prctl(PR_SET_SECCOMP, mode, arg) goes through. */
CPROF_HIDDEN void cprof_seccomp_prctl(unsigned long mode, unsigned long arg);
/* thread.c: this thread renamed itself (PR_SET_NAME): emit its name. */
CPROF_HIDDEN void cprof_thread_renamed(void);
/* A thread of this process has installed a seccomp filter (seccomp.c):
 * what our own system calls would meet is not known in every thread. */
extern bool cprof_seccomp_seen CPROF_HIDDEN;
/* Calls of lttng-ust's that this thread's seccomp filter (or one on
 * every thread) would not let through (seccomp.c): a membarrier, what
 * pthread_cancel makes, close. */
#define CPROF_DENIES_MEMBARRIER 1u
#define CPROF_DENIES_CANCEL 2u
#define CPROF_DENIES_CLOSE 4u
CPROF_HIDDEN bool cprof_seccomp_denies(unsigned call);
/* fd.c: fn for every open descriptor of the process. */
CPROF_HIDDEN void cprof_fd_each(void (*fn)(int fd, void *data), void *data);
/* ust.c: lttng-ust's own threads (its listeners), created through
 * `create`, are remembered, and stopped before a seccomp filter on every
 * thread that would deny their calls. */
CPROF_HIDDEN int cprof_ust_thread_create(int (*create)(pthread_t *, const pthread_attr_t *,
						       void *(*)(void *), void *),
					 pthread_t *thread, const pthread_attr_t *attr,
					 void *(*routine)(void *), void *arg);
CPROF_HIDDEN void cprof_ust_threads_after_fork_child(void);
/* Cancels them, waits at most a second for them to end, and shuts the
 * session daemon's sockets down; true when they ended. */
CPROF_HIDDEN bool cprof_ust_stop_threads(int (*cancel)(pthread_t));
/* At the process's exit, before lttng-ust's: those it can cancel are
 * cancelled and waited for (at most a second), the others left alone. */
CPROF_HIDDEN void cprof_ust_end_threads(int (*cancel)(pthread_t));
/* thread.c: the same with libc's pthread_cancel. */
CPROF_HIDDEN void cprof_thread_end_ust_listeners(void);
/* lttng-ust's exit cancels them again: a thread stopped already. */
CPROF_HIDDEN bool cprof_ust_thread_stopped(pthread_t thread);
/* The served process's state keeper thread ends (state.c); true when it
 * is gone (or never was). */
CPROF_HIDDEN bool cprof_state_stop(void);
/* The process is no longer recorded, for good: our tracepoints off. */
CPROF_HIDDEN void cprof_preload_tracepoints_off(void);
/* This thread (and the threads it starts) no longer records, its batch
 * flushed first; with all_threads, no thread of the process does. */
CPROF_HIDDEN void cprof_preload_quiet(bool all_threads);
CPROF_HIDDEN void cprof_sampler_init(void);
/* Stops sampling if SIGPROF's handler is no longer ours. */
CPROF_HIDDEN void cprof_sampler_check(void);

CPROF_HIDDEN void cprof_alloc_init(void);
/* In the constructor: a process lttng-ust did not register is named to
 * record, with why (unregistered.c). */
CPROF_HIDDEN void cprof_check_registered(void);
CPROF_HIDDEN void cprof_alloc_thread_exit(void);
CPROF_HIDDEN void cprof_alloc_after_fork_child(void);
CPROF_HIDDEN void cprof_alloc_pin_bootstrap(void *ptr);
CPROF_HIDDEN void cprof_threads_register(int32_t tid);
CPROF_HIDDEN void cprof_threads_unregister(void);

/*
 * Whether ip, a hook's return address, lies in lttng-ust's own code (see
 * ust.c). Only for a call about to be recorded: with `refresh`, an address
 * outside the table is also looked up among the objects loaded since
 * (_dl_find_object, lock-free: never dl_iterate_phdr, see ust.c).
 */
CPROF_HIDDEN bool cprof_ust_is_caller(const void *ip, bool refresh);
CPROF_HIDDEN void cprof_ust_refresh(void);
#define CPROF_CALLER() __builtin_return_address(0)

/* Around libunwind's set-up: the descriptors it opens then are ours, and the program's close calls
 * leave them open (fd.c). */
CPROF_HIDDEN void cprof_fd_own_begin(void);
CPROF_HIDDEN void cprof_fd_own_end(void);

CPROF_HIDDEN int32_t cprof_gettid(void);

/* libcprof-trace's batched records (tracer/batch.c): this thread's go out
 * before it blocks in a hook (libcprof-trace wraps _exit itself). */
void cprof_flush_thread_(void);
/* Every thread's records at _exit (tracer/batch.c). */
void cprof_exit_flush_(void);
/* Every thread's records before exec (tracer/batch.c). */
void cprof_exec_flush_(void);
/* This thread's records out, and no waiting at exit or exec: a seccomp
 * filter is coming (tracer/batch.c). */
void cprof_batch_sandboxed_(void);
/* Every thread's records out, the flusher ended, libcprof-trace's
 * tracepoints off: the process records no more (tracer/batch.c). */
bool cprof_batch_stop_(void);
/* Allocation records of this thread's batch (tracer/batch.c). */
void cprof_batch_alloc_(uint64_t ptr, uint64_t size, uint64_t stack);
void cprof_batch_free_(uint64_t ptr);
void cprof_batch_start_flusher_(void);
/* cprof:process_title when the program set a title (tracer/title.c). */
void cprof_title_check_(bool force);
/* The batch clock's first calibration, when due (tracer/batch-clock.c):
 * the lock hooks convert their TSC readings with its anchor. */
void cprof_clock_calibrate_due_(uint64_t now);
CPROF_HIDDEN void cprof_emit_config(void);
/* cprof:module for every loaded object (modules.c), and for what a dlopen
 * loaded and a dlclose unloaded since the last call. */
CPROF_HIDDEN void cprof_modules_emit_all(void);
CPROF_HIDDEN void cprof_modules_changed(void);
/* cprof:config could not be recorded yet (see preload.c). */
extern bool cprof_config_pending CPROF_HIDDEN;
CPROF_HIDDEN void cprof_config_flush(void);

/* The parent when the process started or forked (preload.c: why). */
extern int32_t cprof_parent_pid CPROF_HIDDEN;
/* Its comm then, NUL-terminated (cprof:config's `program`; preload.c). */
extern char cprof_program_name[17] CPROF_HIDDEN;

/* This process's pid, set by the constructor and the fork handler; 0
 * before the constructor. A vfork child runs no fork handler and shares
 * its parent's memory until it execs: what it does must change none of
 * the parent's state (Python's subprocess resets every signal handler
 * there, SIGPROF too). */
extern int32_t cprof_self_pid CPROF_HIDDEN;
static inline bool cprof_in_vfork_child(void)
{
	int32_t self = __atomic_load_n(&cprof_self_pid, __ATOMIC_RELAXED);

	return self != 0 && self != (int32_t)getpid();
}

/* Before any event but cprof:config: the pending cprof:config first (the
 * reader keeps a process by its first event, which must name its parent). */
static inline void cprof_config_check(void)
{
	if (unlikely(__atomic_load_n(&cprof_config_pending, __ATOMIC_RELAXED)))
		cprof_config_flush();
}

static inline uint64_t cprof_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A hook may record: the library is configured, this thread is one of the
 * program's, and we are not already inside one of our own hooks. */
static inline bool cprof_may_record(const struct cprof_tls *t)
{
	return t->known && t->depth == 0;
}

/* Set when a seccomp filter on every thread denies calls recording makes
 * (seccomp.c): the hooks' switches in cprof_cfg are off then too. */
extern bool cprof_quiet_all CPROF_HIDDEN;

/*
 * Whether the event `name` (of tp.h) is recorded, where a hook is about to
 * record it. A process of the recording that has not joined its session
 * yet (track.h) joins first and then records, unless lttng-ust's own code
 * is the caller (it may hold the lock its own set-up needs). It joins even
 * when the event is enabled already: another session's doing (track.c),
 * whose events would not reach this recording. With no session, one more
 * load than the enabled test alone.
 */
#define CPROF_JOINING() unlikely(__atomic_load_n(&cprof_join_pending_, __ATOMIC_RELAXED))
#define CPROF_ON(name, caller)                                                                     \
	((void)(CPROF_JOINING() && !cprof_ust_is_caller((caller), true) && cprof_join_now()),      \
	 lttng_ust_tracepoint_enabled(cprof, name))
/* Joins (track.h), lttng-ust's table of loaded objects filled first
 * (phdr.c). Not from a signal handler. */
CPROF_HIDDEN bool cprof_join_now(void);
/* lttng-ust's table is still empty: the process cannot join from a
 * signal handler. */
CPROF_HIDDEN bool cprof_join_unfilled(void);

#endif /* CPROF_PRELOAD_H */
