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

#if (defined(__GNUC__) || defined(__clang__)) && !defined(CPROF_TRACE_NO_INLINE)
/*
 * The region calls inlined: with no session recording, a begin/end pair
 * costs two flag tests and a few stores, no call (0.4 ns measured by
 * tests/bench/bench-api, against 3-4 ns for two calls through the PLT).
 * The flags are the `state` words of the library's own region
 * tracepoints, read through pointers: lttng-ust flips those words itself
 * when a session enables or disables the events, so there is no copy that
 * could go stale. Recording, and every misuse, goes out of line to the
 * library's full functions.
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

extern __inline__ __attribute__((gnu_inline)) void cprof_region_end(cprof_region *region)
{
	if (__builtin_expect(region && region->cprof_state_ == 1 &&
				 *cprof_probe_state_.cprof_region_end_ == 0,
			     1)) {
		region->cprof_state_ = 2;
		return;
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
