/*
 * Inside libcprof-trace: per-thread batches of compact records (batch.c;
 * the clock that stamps them is in batch-clock.h).
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

/* The clock that stamps them: batch-clock.h (not here: the reader
 * includes this header). */

/* ---- strings ------------------------------------------------------------- */

/* The id of `s` (1..), interned at its first use; 0 when the table is
 * full. Callers pass non-NULL strings. */
uint32_t cprof_batch_intern_(const char *s);

/* ---- records -------------------------------------------------------------- */

void cprof_batch_region_(uint8_t kind, uint64_t task, uint32_t type);
void cprof_batch_task_begin_(uint64_t id, uint64_t parent, uint32_t type);
void cprof_batch_task_end_(uint64_t id);
void cprof_batch_counter_(uint32_t name, int64_t value);
/* Lets the header's inline path append to the calling thread's buffer
 * (it has one): the process is announced. */
void cprof_batch_inline_on_(void);
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
