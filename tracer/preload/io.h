/*
 * What every blocking-call hook shares (io.c, io-more.c, stdio.c): time
 * the real call with CLOCK_MONOTONIC and, when it took at least the
 * threshold, emit cprof:syscall with the caller's stack (see io.c).
 */
#ifndef CPROF_PRELOAD_IO_H
#define CPROF_PRELOAD_IO_H

#include "preload.h"
#include "state.h"
#include "tp.h"

#include <errno.h>

CPROF_HIDDEN void cprof_io_slow(uint8_t call, uint64_t duration, int64_t result,
				const void *caller);

/* Inlined into the hook, whose frame outlives the call: in a served
 * process it saves the context a state dump unwinds (state.h). `call`: the
 * enum cprof_tp_call a dump reports, 0 unknown. */
static inline __attribute__((always_inline)) bool io_begin_call(uint64_t *t0, uint8_t call)
{
	struct cprof_tls *t = &cprof_tls;
	bool recorded;

	if (!cprof_cfg.io || !cprof_may_record(t) || t->in_io)
		return false;
	/* No session records blocking calls: nothing to time, unless a
	 * served process's state keeper needs the call's start. */
	recorded = lttng_ust_tracepoint_enabled(cprof, syscall) || CPROF_JOINING();
	if (!recorded && likely(t->state == NULL))
		return false;
	t->in_io = true;
	cprof_flush_thread_();
	*t0 = cprof_now_ns();
	if (unlikely(t->state != NULL))
		cprof_state_block(t, 0, 0, call, *t0);
	if (!recorded)
		*t0 = 0;
	return true;
}

static inline void io_end(uint8_t call, uint64_t t0, int64_t result, const void *caller)
{
	struct cprof_tls *t = &cprof_tls;
	int saved = errno;
	uint64_t d = t0 ? cprof_now_ns() - t0 : 0;

	/* a fork child of a signal handler that ran inside this call, back
	 * in it: the call began in its parent (see after_fork_child) */
	if (unlikely(!t->in_io))
		return;
	cprof_state_unblock(t);
	t->in_io = false;
	if (t0 && d >= cprof_cfg.io_threshold_ns)
		cprof_io_slow(call, d, result, caller);
	errno = saved;
}

/*
 * One hook: `ret name(params)`, calling real.name(args) (a `real` struct
 * of the including file); `result` turns its return value `r` into the
 * recorded result; the call is not timed when `untimed` holds (stdio.c:
 * the FILE's buffer serves it). The declaration serves the glibc entry
 * points that no header declares (__read_chk, __uflow, ...).
 */
#define IO_HOOK_UNLESS(ret, name, CALL, result, untimed, params, args)                             \
	CPROF_EXPORT ret name params;                                                              \
	CPROF_EXPORT ret name params                                                               \
	{                                                                                          \
		uint64_t t0;                                                                       \
		ret r;                                                                             \
		if (unlikely(!real.name))                                                          \
			cprof_resolve_all();                                                       \
		if ((untimed) || likely(!io_begin_call(&t0, CALL)))                                \
			return real.name args;                                                     \
		r = real.name args;                                                                \
		io_end(CALL, t0, result, CPROF_CALLER());                                          \
		return r;                                                                          \
	}
#define IO_HOOK(ret, name, CALL, result, params, args)                                             \
	IO_HOOK_UNLESS(ret, name, CALL, result, false, params, args)

#define NEG (r < 0 ? -(int64_t)errno : (int64_t)r)
/* clock_nanosleep and friends return the error number itself. */
#define ERRNUM (-(int64_t)r)
#define PLAIN ((int64_t)r)

#endif /* CPROF_PRELOAD_IO_H */
