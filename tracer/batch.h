/*
 * Inside libcprof-trace: per-thread batches of compact records (batch.c)
 * and the clock that stamps them (batch-clock.c).
 *
 * One LTTng-UST event costs about 200 ns (a clock read, the contexts, the
 * ring buffer's reservation); a record appended to a thread's own buffer
 * costs a TSC read and a few stores. The records of a thread go out as one
 * cprof:batch event carrying a few hundred of them: when the buffer fills,
 * before any other event of the thread (so that a thread's events stay in
 * order in the trace), when the thread blocks in one of the preload
 * library's hooks, at thread exit, at process exit, before a snapshot
 * request and, for a thread that stays quiet, from a flusher thread that
 * visits every buffer every CPROF_BATCH_PERIOD_NS.
 *
 * The record format is in cprof-tp-enums.h (enum cprof_tp_record).
 * Nothing here allocates through malloc, takes a lock a signal handler
 * could wait on forever, or can fail in a way the program sees: a record
 * that cannot be buffered goes out alone.
 */
#ifndef CPROF_BATCH_H
#define CPROF_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How far behind a quiet thread's records may be (the flusher's period). */
#define CPROF_BATCH_PERIOD_NS 50000000u

/* Longest string interned (types, categories, counter names). */
#define CPROF_BATCH_STR_MAX 255u

/* ---- the clock (batch-clock.c) ------------------------------------------ */

/* CLOCK_MONOTONIC nanoseconds, the clock LTTng-UST stamps events with. */
uint64_t cprof_clock_mono_ns_(void);
/* cprof_clock_now_ before the TSC is calibrated, or without a TSC. */
uint64_t cprof_clock_slow_(void);

/* The TSC's anchor, published under `seq` (odd while written). */
struct cprof_clock_anchor_ {
	uint32_t seq;
	int use_tsc; /* 0 not decided yet, 1 the TSC, -1 clock_gettime */
	uint64_t tsc, ns;
	uint64_t mult; /* nanoseconds per tick, times 2^32 */
};
extern struct cprof_clock_anchor_ cprof_clock_anchor_;

#if defined(__x86_64__)
#include <x86intrin.h>

/* The same clock from the TSC when it is usable (constant, invariant),
 * else from clock_gettime. Inlined: it is half the cost of a record. */
static inline uint64_t cprof_clock_now_(void)
{
	const struct cprof_clock_anchor_ *a = &cprof_clock_anchor_;
	uint32_t seq;
	uint64_t tsc, ns, mult, t;

	if (__builtin_expect(__atomic_load_n(&a->use_tsc, __ATOMIC_ACQUIRE) != 1, 0))
		return cprof_clock_slow_();
	do {
		seq = __atomic_load_n(&a->seq, __ATOMIC_ACQUIRE);
		tsc = __atomic_load_n(&a->tsc, __ATOMIC_RELAXED);
		ns = __atomic_load_n(&a->ns, __ATOMIC_RELAXED);
		mult = __atomic_load_n(&a->mult, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while (
	    __builtin_expect((seq & 1) || seq != __atomic_load_n(&a->seq, __ATOMIC_RELAXED), 0));
	t = __rdtsc();
	/* A TSC read before the anchor (a racing re-anchor): the anchor's
	 * time, never a wrapped difference. */
	if (__builtin_expect(t < tsc, 0))
		return ns;
	return ns + (uint64_t)(((unsigned __int128)(t - tsc) * mult) >> 32);
}
#else
static inline uint64_t cprof_clock_now_(void)
{
	return cprof_clock_slow_();
}
#endif
/* Re-anchors the TSC to CLOCK_MONOTONIC and refines its rate (flusher). */
void cprof_clock_refresh_(void);
/* Whether cprof_clock_now_ reads the TSC. */
bool cprof_clock_uses_tsc_(void);

/* ---- strings ------------------------------------------------------------- */

/* The id of `s` (1..), interned at its first use; 0 when the table is
 * full. Callers pass non-NULL strings. */
uint32_t cprof_batch_intern_(const char *s);

/* ---- records -------------------------------------------------------------- */

void cprof_batch_region_(uint8_t kind, uint64_t task, uint32_t type);
void cprof_batch_task_begin_(uint64_t id, uint64_t parent, uint32_t type);
void cprof_batch_task_end_(uint64_t id);
void cprof_batch_counter_(uint32_t name, int64_t value);
/* Exported for the preload library (CPROF_TP_REC_MEM). */
void cprof_batch_alloc_(uint64_t ptr, uint64_t size, uint64_t stack);
void cprof_batch_free_(uint64_t ptr);
/* false: too long for a batch, the caller emits cprof:log itself (after
 * cprof_batch_flush_self_). */
bool cprof_batch_log_(uint64_t task, uint32_t category, const char *message, uint32_t recorded,
		      uint64_t length);

/* Emits this thread's buffered records now (before another event of the
 * thread). Exported for the preload library's blocking hooks. */
void cprof_batch_flush_self_(void);
/* Emits every thread's buffered records (snapshot requests, exit). */
void cprof_batch_flush_all_(void);

/* Starts the flusher thread now rather than at the first record. */
void cprof_batch_start_flusher_(void);

/* Fork handlers (api.c runs them). */
void cprof_batch_before_fork_(void);
void cprof_batch_after_fork_child_(void);

#endif /* CPROF_BATCH_H */
