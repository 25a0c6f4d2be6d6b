/*
 * cprof/trace.h: the cprof-trace instrumentation API.
 *
 * Tasks, regions and logs after Go's runtime/trace:
 *
 *     cprof_task *t = cprof_task_begin(NULL, "request");
 *     TRACE_REGION(t, "parse") {
 *             parse(req);
 *     }
 *     cprof_logf(t, "status", "%d", code);
 *     cprof_task_end(t);
 *
 * Counters after Tracy's plots: cprof_counter("queue depth", n) records a
 * value the viewer draws as a track and `stats` summarises.
 *
 * Compile with -DCPROF_TRACE_DISABLE and every call and macro compiles to
 * nothing (TRACE_REGION's block still runs), the types stay defined and
 * nothing needs to be linked.
 *
 * Ownership: a cprof_task is an opaque handle, not memory. Nothing returned
 * by this API needs to be freed; ending a task only records that it ended.
 * Misuse (a task or region ended twice, NULL strings) never crashes the
 * program: it is recorded in the trace and reported by the reader.
 */
#ifndef CPROF_TRACE_H
#define CPROF_TRACE_H

#include <stdbool.h>
#include <stddef.h> /* NULL: the background task */
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A task: an opaque handle whose value is the task id. NULL is the
 * background task. */
typedef struct cprof_task cprof_task;

/*
 * A region: a value the caller keeps on its stack between
 * cprof_region_begin() and cprof_region_end(). Its fields are private.
 */
typedef struct cprof_region {
	uint64_t cprof_task_id_;
	const char *cprof_type_;
	uint32_t cprof_state_; /* 0: inert, 1: open, 2: ended */
	uint32_t cprof_once_;  /* TRACE_REGION's loop guard */
} cprof_region;

#if defined(__GNUC__) || defined(__clang__)
#define CPROF_PRINTF_(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define CPROF_PRINTF_(fmt, args)
#endif

#define CPROF_CAT2_(a, b) a##b
#define CPROF_CAT_(a, b) CPROF_CAT2_(a, b)

#ifndef CPROF_TRACE_DISABLE

cprof_task *cprof_task_begin(cprof_task *parent, const char *type);
void cprof_task_end(cprof_task *task);
uint64_t cprof_task_id(const cprof_task *task);
cprof_region cprof_region_begin(cprof_task *task, const char *type);
void cprof_region_end(cprof_region *region);
void cprof_log(cprof_task *task, const char *category, const char *message);
void cprof_logf(cprof_task *task, const char *category, const char *fmt, ...) CPROF_PRINTF_(3, 4);
bool cprof_trace_enabled(void);
/* Records the current value of the counter `name` (a queue depth, a pool
 * size): the value holds until the next one. `name` is copied when a
 * session records; NULL is recorded as "(null)" with a warning. */
void cprof_counter(const char *name, int64_t value);

/*
 * Asks a flight recorder (`cprof-trace record --flight --snapshot-on api`)
 * to save the last seconds of the trace now, as DIR/snapshot-NNN-REASON/.
 * `reason` (NULL: "") names the snapshot. Returns at once: the snapshot is
 * taken by `record`, never by the program. With nothing recording it costs
 * about a nanosecond.
 */
void cprof_trace_snapshot(const char *reason);

/* Private to the inline fast paths below (see there). */
struct cprof_probe_state_ {
	const volatile int *cprof_region_begin_;
	const volatile int *cprof_region_end_;
	const volatile int *cprof_counter_;
	const volatile int *cprof_snapshot_;
};
extern const struct cprof_probe_state_ cprof_probe_state_;
cprof_region cprof_region_begin_slow_(cprof_task *task, const char *type);
void cprof_region_end_slow_(cprof_region *region);
void cprof_counter_slow_(const char *name, int64_t value);
void cprof_trace_snapshot_slow_(const char *reason);

#if defined(__GNUC__) || defined(__clang__)
/* Inlined wherever called, never emitted, so that the gnu_inline bodies
 * below may call them (and a C `inline` function may call those). */
#define CPROF_INLINE_ extern __inline__ __attribute__((gnu_inline, always_inline))

/*
 * Private to the inline recording path below and to the library
 * (tracer/batch.c); their layout is part of libcprof-trace.so.0's ABI.
 *
 * The thread's batch buffer as the inline path appends to it: records go
 * at data + head, head is published last (the library's flusher thread
 * reads what lies below it), and `busy` is set meanwhile, so that a signal
 * handler which interrupts the append and records too sees it and goes out
 * of line (its record is emitted alone) instead of writing over a
 * half-written record. `cprof_thread_records_` is NULL until the thread's
 * first record out of line, and again after a fork (the child announces
 * itself out of line first) and at thread exit.
 */
struct cprof_thread_buf_ {
	uint8_t *cprof_data_;
	uint32_t cprof_head_;
	uint32_t cprof_limit_; /* a head beyond this: full, go out of line */
	int cprof_busy_;
	uint32_t cprof_count_;	 /* records appended since the buffer was rewound */
	uint64_t cprof_last_ns_; /* time of the last one */
	uint64_t cprof_ids_;	 /* bit i: string id i (< 64) used; bit 0: one >= 64 */
};
extern __thread struct cprof_thread_buf_ *cprof_thread_records_;

/* The TSC's anchor to CLOCK_MONOTONIC (tracer/batch-clock.c), published
 * under `seq` (odd while written); mult 0: no TSC (yet). */
struct cprof_clock_anchor_ {
	uint32_t seq;
	int use_tsc; /* 0 not decided yet, 1 the TSC, -1 clock_gettime */
	uint64_t tsc, ns;
	uint64_t mult; /* nanoseconds per tick, times 2^32 */
};
extern struct cprof_clock_anchor_ cprof_clock_anchor_;

/* Where the flight recorder's region watch flag lives (api.c). */
struct cprof_fast_state_ {
	const volatile bool *cprof_watch_regions_;
};
extern const struct cprof_fast_state_ cprof_fast_state_;

/* Out of line: a region of a call site whose string id is *site (0: not
 * interned yet; the call interns it and fills *site). */
cprof_region cprof_region_begin_site_(cprof_task *task, const char *type, uint32_t *site);

/*
 * CLOCK_MONOTONIC nanoseconds (LTTng-UST's clock) from the TSC: false when
 * the TSC is not calibrated (yet) or not usable, or the anchor is being
 * rewritten; the caller reads the clock out of line then. rdtsc without a
 * fence: a record's time may move by the few instructions around it,
 * against 10-20 ns for the fence on the virtual machines we run on.
 */
/* One read of the anchor: false while it is being rewritten, or when the
 * TSC is not calibrated (yet) or not usable. */
CPROF_INLINE_ bool cprof_anchor_read_(uint64_t *tsc, uint64_t *ns, uint64_t *mult)
{
	const struct cprof_clock_anchor_ *a = &cprof_clock_anchor_;
	uint32_t seq = __atomic_load_n(&a->seq, __ATOMIC_ACQUIRE);

	*tsc = __atomic_load_n(&a->tsc, __ATOMIC_RELAXED);
	*ns = __atomic_load_n(&a->ns, __ATOMIC_RELAXED);
	*mult = __atomic_load_n(&a->mult, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return !(seq & 1) && *mult && seq == __atomic_load_n(&a->seq, __ATOMIC_RELAXED);
}

CPROF_INLINE_ bool cprof_tsc_ns_(uint64_t *now)
{
#if defined(__x86_64__)
	uint64_t tsc, ns, mult, t;

	if (__builtin_expect(!cprof_anchor_read_(&tsc, &ns, &mult), 0))
		return false;
	t = __builtin_ia32_rdtsc() - tsc;
	/* Ticks since the anchor and the rate both under 2^32 (the flusher
	 * re-anchors every 50 ms, 1.75 s of ticks at 2.45 GHz; a rate under
	 * 2^32 is a TSC faster than 1 GHz): their product fits 64 bits, and
	 * one imul does, where the 128-bit product took a mul and a shrd
	 * right after the rdtsc (0.3-0.9 ns of a region pair, bench-api).
	 * Otherwise the 128-bit product, or for a TSC read before the anchor
	 * (a racing re-anchor) the anchor's time, never a wrapped
	 * difference. */
	if (__builtin_expect(((t | mult) >> 32) == 0, 1)) {
		*now = ns + ((t * mult) >> 32);
	} else {
		__extension__ typedef unsigned __int128 cprof_u128_;
		*now = (int64_t)t >= 0 ? ns + (uint64_t)(((cprof_u128_)t * mult) >> 32) : ns;
	}
	return true;
#else
	(void)now;
	return false;
#endif
}

/* A varint as the records are written (tracer/cprof-varint.h): v + 1 in
 * base 64, 0x40 marking every byte but the last, so that no byte is zero
 * and all are ASCII. */
CPROF_INLINE_ uint8_t *cprof_put_varint_(uint8_t *p, uint64_t v)
{
	if (__builtin_expect(++v == 0, 0)) {
		for (int i = 0; i < 10; i++)
			*p++ = 0x40;
		*p++ = 0x10;
		return p;
	}
	while (v >= 0x40) {
		*p++ = (uint8_t)(0x40 | (v & 0x3f));
		v >>= 6;
	}
	*p++ = (uint8_t)v;
	return p;
}

/*
 * A region record (kind 1 begin, 2 end: cprof-tp-enums.h) appended to the
 * thread's buffer, or false: the caller goes out of line (thread not set
 * up, buffer full or busy, no calibrated TSC).
 */
CPROF_INLINE_ bool cprof_append_region_(unsigned kind, uint64_t task, uint32_t id)
{
	struct cprof_thread_buf_ *b = cprof_thread_records_;
	uint64_t now, last, delta;
	uint8_t *p;

	/* The clock first, outside the busy mark: a handler that records in
	 * between goes into the buffer before this record, whose time is
	 * then raised to the handler's last (below), and the window in which
	 * a handler's records must go out alone (out of the thread's order)
	 * stays a few stores long. */
	if (__builtin_expect(!b || !cprof_tsc_ns_(&now), 0))
		return false;
	if (__builtin_expect(__atomic_load_n(&b->cprof_busy_, __ATOMIC_RELAXED), 0))
		return false;
	__atomic_store_n(&b->cprof_busy_, 1, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (__builtin_expect(b->cprof_head_ > b->cprof_limit_, 0)) {
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		__atomic_store_n(&b->cprof_busy_, 0, __ATOMIC_RELAXED);
		return false;
	}
	last = b->cprof_last_ns_;
	/* never negative: a re-anchored clock may step back a few ns */
	delta = now > last ? now - last : 0;
	p = cprof_put_varint_(b->cprof_data_ + b->cprof_head_, delta << 3 | kind);
	p = cprof_put_varint_(p, task);
	p = cprof_put_varint_(p, id);
	b->cprof_last_ns_ = now > last ? now : last;
	b->cprof_count_++;
	b->cprof_ids_ |= id < 64 ? (uint64_t)1 << id : 1;
	__atomic_store_n(&b->cprof_head_, (uint32_t)(p - b->cprof_data_), __ATOMIC_RELEASE);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&b->cprof_busy_, 0, __ATOMIC_RELAXED);
	return true;
}
#endif

#if (defined(__GNUC__) || defined(__clang__)) && !defined(CPROF_TRACE_NO_INLINE)
/*
 * The region calls inlined. With no session recording, a begin/end pair
 * costs two flag tests and a few stores, no call (0.4 ns measured by
 * tests/bench/bench-api, against 3-4 ns for two calls through the PLT).
 * The flags are the `state` words of the library's own tracepoints, read
 * through pointers: lttng-ust flips those words itself when a session
 * enables or disables the events, so there is no copy that could go stale.
 *
 * With a session, a region whose type is a string literal is recorded
 * here too, as Tracy records a zone: the call site keeps the type's
 * string id in a static (cprof_region_begin is a macro for that), and a
 * begin or end is a TSC read and a few bytes appended to the thread's
 * buffer. Out of line: the site's first region, a full buffer, a thread
 * not set up yet, a region type the flight recorder watches, other
 * strings than literals (their contents may change at the same address)
 * and every misuse. Each batch the library emits carries the definitions
 * of the ids it uses, so an id needs no announcing in a new session or
 * snapshot.
 *
 * gnu_inline: these bodies are only for inlining and never emitted, so
 * the address of cprof_region_begin/cprof_region_end and any call the
 * compiler chooses not to inline (-O0) reach the library's exports.
 * Define CPROF_TRACE_NO_INLINE to always call the library.
 */
extern __inline__ __attribute__((gnu_inline)) cprof_region cprof_region_begin(cprof_task *task,
									      const char *type)
{
	cprof_region region = {(uint64_t)(uintptr_t)task, type, 1, 1};

	if (__builtin_expect(*cprof_probe_state_.cprof_region_begin_ != 0, 0))
		return cprof_region_begin_slow_(task, type);
	return region;
}

/* The site's id: a static of the call site (0: not interned yet). */
CPROF_INLINE_ cprof_region cprof_region_begin_at_(cprof_task *task, const char *type,
						  uint32_t *site)
{
	cprof_region region = {(uint64_t)(uintptr_t)task, type, 1, 1};
	uint32_t id;

	if (__builtin_expect(*cprof_probe_state_.cprof_region_begin_ == 0, 1))
		return region;
	id = __atomic_load_n(site, __ATOMIC_RELAXED);
	if (__builtin_expect(id == 0 || id >= (1u << 24) ||
				 *cprof_fast_state_.cprof_watch_regions_ ||
				 !cprof_append_region_(1, region.cprof_task_id_, id),
			     0))
		return cprof_region_begin_site_(task, type, site);
	region.cprof_state_ |= id << 8;
	return region;
}

#define cprof_region_begin(task, type)                                                             \
	(__builtin_constant_p(type) ? __extension__({                                              \
		static uint32_t cprof_site_id_;                                                    \
		cprof_region_begin_at_((task), (type), &cprof_site_id_);                           \
	})                                                                                         \
				    : cprof_region_begin((task), (type)))

/* The state of a region the header begun: 1 (open) and the id above bit
 * 8; the library's flags (a watched region) send its end out of line. */
extern __inline__ __attribute__((gnu_inline)) void cprof_region_end(cprof_region *region)
{
	uint32_t state;

	if (__builtin_expect(region && ((state = region->cprof_state_) & 0xffu) == 1, 1)) {
		if (__builtin_expect(*cprof_probe_state_.cprof_region_end_ == 0, 1)) {
			region->cprof_state_ = 2;
			return;
		}
		if (__builtin_expect(state >> 8 != 0 && cprof_append_region_(
							    2, region->cprof_task_id_, state >> 8),
				     1)) {
			region->cprof_state_ = 2;
			return;
		}
	}
	cprof_region_end_slow_(region);
}

extern __inline__ __attribute__((gnu_inline)) void cprof_counter(const char *name, int64_t value)
{
	if (__builtin_expect(*cprof_probe_state_.cprof_counter_ != 0, 0))
		cprof_counter_slow_(name, value);
}

extern __inline__ __attribute__((gnu_inline)) void cprof_trace_snapshot(const char *reason)
{
	if (__builtin_expect(*cprof_probe_state_.cprof_snapshot_ != 0, 0))
		cprof_trace_snapshot_slow_(reason);
}
#endif

/*
 * TRACE_REGION(task, type) { ... }: the region ends on every exit from the
 * block (falling off its end, return, break, goto) through the cleanup
 * attribute. A `break` or `continue` directly inside the block leaves the
 * region's block, as in a loop body.
 */
#define TRACE_REGION(task, type)                                                                   \
	for (cprof_region CPROF_CAT_(cprof_region_, __LINE__)                                      \
		 __attribute__((cleanup(cprof_region_end))) = cprof_region_begin((task), (type));  \
	     CPROF_CAT_(cprof_region_, __LINE__).cprof_once_;                                      \
	     CPROF_CAT_(cprof_region_, __LINE__).cprof_once_ = 0)

#else /* CPROF_TRACE_DISABLE */

static inline cprof_task *cprof_task_begin(cprof_task *parent, const char *type)
{
	(void)parent;
	(void)type;
	return (cprof_task *)0;
}
static inline void cprof_task_end(cprof_task *task)
{
	(void)task;
}
static inline uint64_t cprof_task_id(const cprof_task *task)
{
	(void)task;
	return 0;
}
static inline cprof_region cprof_region_begin(cprof_task *task, const char *type)
{
	cprof_region r = {0, 0, 0, 0};
	(void)task;
	(void)type;
	return r;
}
static inline void cprof_region_end(cprof_region *region)
{
	(void)region;
}
static inline void cprof_log(cprof_task *task, const char *category, const char *message)
{
	(void)task;
	(void)category;
	(void)message;
}
static inline void cprof_logf(cprof_task *task, const char *category, const char *fmt, ...)
    CPROF_PRINTF_(3, 4);
static inline void cprof_logf(cprof_task *task, const char *category, const char *fmt, ...)
{
	(void)task;
	(void)category;
	(void)fmt;
}
static inline bool cprof_trace_enabled(void)
{
	return false;
}
static inline void cprof_counter(const char *name, int64_t value)
{
	(void)name;
	(void)value;
}
static inline void cprof_trace_snapshot(const char *reason)
{
	(void)reason;
}

#define TRACE_REGION(task, type)                                                                   \
	for (int CPROF_CAT_(cprof_once_, __LINE__) = 1; CPROF_CAT_(cprof_once_, __LINE__);         \
	     CPROF_CAT_(cprof_once_, __LINE__) = 0)

#endif /* CPROF_TRACE_DISABLE */

#ifdef __cplusplus
}
#endif

#endif /* CPROF_TRACE_H */
