/*
 * What a process run for `cprof-trace serve` keeps while no session
 * records (CPROF_SERVE=1 in its environment), so that a session started
 * later begins with the process's state at that instant: the threads
 * alive (names, creation stacks), what each is blocked in and since when,
 * their stacks now, and the sampled live heap with its stacks (as Go's
 * runtime and tcmalloc keep their sampled live set).
 *
 * A session asks for that state through a datagram to the abstract Unix
 * socket "@cprof-trace/PID" (see tracer/session/served.h), answered by a
 * thread of ours that emits cprof:state_begin .. cprof:state_end.
 *
 * Stacks of threads blocked in one of our hooks come from a context saved
 * at the hook's entry, unwound by the dumping thread while the blocked
 * thread is held at the hook's exit (so its frames cannot change under the
 * unwinder); running threads are asked with a queued SIGPROF and unwind
 * their own interrupted context, as the CPU sampler does. No blocked
 * thread is ever interrupted: a sleep or poll never returns EINTR for us.
 */
#ifndef CPROF_PRELOAD_STATE_H
#define CPROF_PRELOAD_STATE_H

#include "preload.h"

#define UNW_LOCAL_ONLY
#include <libunwind.h>

/* si_value of the queued SIGPROF that asks a thread for its stack. */
#define CPROF_STATE_SIGVAL 0x63707266

/* One thread of the program, in a static table the dumper reads. */
struct cprof_state_slot {
	int32_t tid; /* 0: free */
	int32_t parent_tid;
	uint64_t start_routine;
	uint64_t create_stack;
	/* what it is blocked in, valid while `blocked` */
	uint8_t wait_kind;
	uint8_t call;
	uint64_t wait_obj;
	uint64_t since_ns;
	int blocked;
	int hold;	   /* the dumper is unwinding: stay in the hook */
	int wait_reported; /* a state dump reported the wait: emit its end */
	uint64_t asked;	   /* request whose stack the dumper waits for */
	uint64_t answered; /* request the stack below answers */
	uint64_t stack_now;
	unw_context_t ctx; /* at the hook's entry, valid while `blocked` */
};

extern bool cprof_state_on CPROF_HIDDEN;

/* Constructor: starts the state keeper when CPROF_SERVE=1. */
CPROF_HIDDEN void cprof_state_init(void);
/* In a fork child (normal context, after fork returned). */
CPROF_HIDDEN void cprof_state_after_fork_child(void);
/* The calling thread is one of the program's, created by parent_tid. */
CPROF_HIDDEN void cprof_state_thread_begin(int32_t parent_tid, uint64_t routine, uint64_t stack);
CPROF_HIDDEN void cprof_state_thread_end(void);
/* From the SIGPROF handler, for a queued stack request. */
CPROF_HIDDEN void cprof_state_on_signal(void *ucontext);
CPROF_HIDDEN void cprof_state_wait_hold(struct cprof_state_slot *slot);
/* The live sampled blocks, as cprof:state_alloc (alloc.c). */
CPROF_HIDDEN uint32_t cprof_alloc_emit_live(void);
/* The process's heap in use, as cprof:heap (alloc.c). */
CPROF_HIDDEN void cprof_alloc_emit_heap(void);
/* Every stack interned so far, as cprof:stack (stack.c). */
CPROF_HIDDEN void cprof_stacks_redefine(void);
/* Stacks defined again at their first use after a few ms, as under a
 * flight recorder (stack.c; flight-env.h). */
CPROF_HIDDEN void cprof_stacks_set_redefine(bool on);
CPROF_HIDDEN uint64_t cprof_stack_of_unw_context(unw_context_t *ctx);
CPROF_HIDDEN bool cprof_sigprof_ours(void);

/*
 * Inlined into the hook itself, whose frame lives as long as the blocking
 * call: the saved context then unwinds to the hook's caller for as long as
 * `blocked` is set. seq_cst on `blocked` and `hold` on both sides: either
 * the dumper sees the thread blocked and the thread, once back, sees the
 * hold and waits, or the dumper sees it running and signals it instead.
 */
static inline __attribute__((always_inline)) void cprof_state_block(struct cprof_tls *t,
								    uint8_t wait_kind, uint64_t obj,
								    uint8_t call, uint64_t since)
{
	struct cprof_state_slot *s = t->state;

	if (likely(!s))
		return;
	s->wait_kind = wait_kind;
	s->wait_obj = obj;
	s->call = call;
	s->since_ns = since;
	unw_getcontext(&s->ctx);
	__atomic_store_n(&s->blocked, 1, __ATOMIC_SEQ_CST);
}

/* Back from the call: true when a state dump reported this wait. */
static inline __attribute__((always_inline)) bool cprof_state_unblock(struct cprof_tls *t)
{
	struct cprof_state_slot *s = t->state;
	bool reported;

	if (likely(!s))
		return false;
	__atomic_store_n(&s->blocked, 0, __ATOMIC_SEQ_CST);
	if (unlikely(__atomic_load_n(&s->hold, __ATOMIC_SEQ_CST)))
		cprof_state_wait_hold(s);
	reported = s->wait_reported;
	s->wait_reported = 0;
	s->wait_kind = 0;
	s->call = 0;
	return reported;
}

#endif /* CPROF_PRELOAD_STATE_H */
