/*
 * libcprof-trace: the instrumentation API of include/cprof/trace.h on top of
 * the `cprof` tracepoint provider. Regions, tasks, counters and short logs
 * are records in per-thread batches (batch.c), emitted as cprof:batch;
 * warnings, long logs and snapshot requests are events of their own, after
 * the thread's batch (so a thread's events stay in order).
 *
 * A task handle is its id cast to a pointer: no memory is allocated for a
 * task, so a task ended twice or used after its end cannot crash the
 * program; the reader sees the second cprof:task_end and warns.
 *
 * With no session recording, every call is one predictable branch on the
 * enabled state of cprof:batch (lttng_ust_tracepoint_enabled).
 */
/* The library defines the real functions the header's inline fast paths
 * stand in for. */
#define CPROF_TRACE_NO_INLINE
#include <cprof/trace.h>

#include <dlfcn.h>
#include <errno.h>
#include <lttng/ust-fork.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "cprof-tp-enums.h"
#include "cprof-tp.h"
#include "flight-watch.h"
#include "track.h"

#define CPROF_EXPORT __attribute__((visibility("default")))

/* Longest message recorded by cprof_log(); longer ones are truncated and
 * the event carries the full length. It keeps an event well inside one
 * sub-buffer. */
#define CPROF_LOG_MAX 4096

enum region_state { REGION_INERT = 0, REGION_OPEN = 1, REGION_ENDED = 2 };

/* Or'ed into an open region's state: the flight recorder watches its type
 * and keeps its begin time (flight-watch.c). The header's inline end sees
 * a state other than REGION_OPEN and calls the library. */
#define REGION_WATCHED 4u
#define REGION_STATE_MASK 3u
/* The type's string id, kept in an open region's state above the flags
 * for its end record (0: not interned, an inert region). */
#define REGION_ID_SHIFT 8

#define BATCH_ON() lttng_ust_tracepoint_enabled(cprof, batch)

static uint64_t next_task_id = 1;

static inline uint64_t task_id(const cprof_task *task)
{
	return (uint64_t)(uintptr_t)task;
}

/*
 * cprof:process goes before a process's first other event: the reader keeps
 * a child of the recorded program only if its first cprof event names its
 * parent, and without the preload nothing else does. Announced once per
 * process (again in a fork child), on the recording paths only.
 */
static int process_announced;
/* The parent when the process started or forked, not when it announces
 * itself: a daemon's parent may have exited by then (preload.c says more). */
static int32_t parent_pid, forking_pid;

void cprof_announce_process_(void);

static void announce_process(void)
{
	if (__atomic_load_n(&process_announced, __ATOMIC_RELAXED) ||
	    __atomic_exchange_n(&process_announced, 1, __ATOMIC_RELAXED))
		return;
	lttng_ust_tracepoint(cprof, process, parent_pid);
}

void cprof_announce_process_(void)
{
	announce_process();
}

static void warn(uint32_t code, const char *detail)
{
	announce_process();
	cprof_batch_flush_self_();
	lttng_ust_tracepoint(cprof, warning, code, detail ? detail : "");
}

static const char *checked_type(const char *type)
{
	if (type)
		return type;
	if (lttng_ust_tracepoint_enabled(cprof, warning))
		warn(CPROF_TP_WARN_NULL_TYPE, "NULL type");
	return "(null)";
}

CPROF_EXPORT cprof_task *cprof_task_begin(cprof_task *parent, const char *type)
{
	uint64_t id = __atomic_fetch_add(&next_task_id, 1, __ATOMIC_RELAXED);

	if (BATCH_ON()) {
		announce_process();
		cprof_batch_task_begin_(id, task_id(parent),
					cprof_batch_intern_(checked_type(type)));
		if (cprof_watch_tasks_ && type)
			cprof_watch_task_begin_(id, type);
	}
	return (cprof_task *)(uintptr_t)id;
}

CPROF_EXPORT void cprof_task_end(cprof_task *task)
{
	if (!task)
		return; /* the background task never ends */
	if (BATCH_ON()) {
		announce_process();
		cprof_batch_task_end_(task_id(task));
		if (cprof_watch_tasks_)
			cprof_watch_task_end_(task_id(task));
	}
}

CPROF_EXPORT uint64_t cprof_task_id(const cprof_task *task)
{
	return task_id(task);
}

/*
 * The region calls are the hot path: with no session they must cost about a
 * nanosecond each, so the fast path is a flag test with no stack frame and
 * everything else lives in noinline slow paths.
 */
static __attribute__((noinline)) cprof_region region_begin_slow(cprof_task *task, const char *type)
{
	cprof_region region = {task_id(task), checked_type(type), REGION_OPEN, 1};
	uint32_t id;

	announce_process();
	id = cprof_batch_intern_(region.cprof_type_);
	cprof_batch_region_(CPROF_TP_REC_REGION_BEGIN, region.cprof_task_id_, id);
	cprof_batch_inline_on_();
	if (id < (1u << (32 - REGION_ID_SHIFT)))
		region.cprof_state_ |= id << REGION_ID_SHIFT;
	if (cprof_watch_regions_ && type && cprof_watch_region_begin_(type))
		region.cprof_state_ |= REGION_WATCHED;
	return region;
}

CPROF_EXPORT cprof_region cprof_region_begin(cprof_task *task, const char *type)
{
	/* Built in the return slot: a copy through a stack temporary costs a
	 * store-forwarding stall, a third of the budget. */
	if (BATCH_ON())
		return region_begin_slow(task, type);
	return (cprof_region){task_id(task), type, REGION_OPEN, 1};
}

static __attribute__((noinline)) void region_end_misuse(const cprof_region *region)
{
	if (!lttng_ust_tracepoint_enabled(cprof, warning))
		return;
	if (region->cprof_state_ == REGION_ENDED)
		warn(CPROF_TP_WARN_REGION_ENDED_TWICE,
		     region->cprof_type_ ? region->cprof_type_ : "");
	else
		warn(CPROF_TP_WARN_REGION_NOT_BEGUN, "");
}

static __attribute__((noinline)) void region_end_slow(const cprof_region *region, uint32_t id)
{
	announce_process();
	if (!id)
		id = cprof_batch_intern_(region->cprof_type_ ? region->cprof_type_ : "(null)");
	cprof_batch_region_(CPROF_TP_REC_REGION_END, region->cprof_task_id_, id);
	cprof_batch_inline_on_();
}

CPROF_EXPORT void cprof_region_end(cprof_region *region)
{
	uint32_t watched, id;

	if (__builtin_expect(!region || (region->cprof_state_ & REGION_STATE_MASK) != REGION_OPEN,
			     0)) {
		if (region)
			region_end_misuse(region);
		return;
	}
	watched = region->cprof_state_ & REGION_WATCHED;
	id = region->cprof_state_ >> REGION_ID_SHIFT;
	region->cprof_state_ = REGION_ENDED;
	if (BATCH_ON())
		region_end_slow(region, id);
	if (__builtin_expect(watched, 0))
		cprof_watch_region_end_(region->cprof_type_, region->cprof_task_id_);
}

/*
 * For the header's inline fast paths: where lttng-ust keeps the region
 * tracepoints' enabled state, and the full functions under the names the
 * inline bodies call (the public names would be the inline bodies
 * themselves in a caller's translation unit).
 */
CPROF_EXPORT const struct cprof_probe_state_ cprof_probe_state_ = {
    &lttng_ust_tracepoint_cprof___batch.state,
    &lttng_ust_tracepoint_cprof___batch.state,
    &lttng_ust_tracepoint_cprof___batch.state,
    &lttng_ust_tracepoint_cprof___snapshot.state,
};

CPROF_EXPORT cprof_region cprof_region_begin_slow_(cprof_task *task, const char *type)
    __attribute__((alias("cprof_region_begin")));

CPROF_EXPORT const struct cprof_fast_state_ cprof_fast_state_ = {&cprof_watch_regions_};

/* A call site's region when the header could not record it inline: its
 * type (a string literal) interned into the site's id on the way. */
CPROF_EXPORT cprof_region cprof_region_begin_site_(cprof_task *task, const char *type,
						   uint32_t *site)
{
	cprof_region region;

	if (!BATCH_ON())
		return (cprof_region){task_id(task), type, REGION_OPEN, 1};
	region = region_begin_slow(task, type);
	if (type && site && region.cprof_state_ >> REGION_ID_SHIFT)
		__atomic_store_n(site, region.cprof_state_ >> REGION_ID_SHIFT, __ATOMIC_RELAXED);
	return region;
}
CPROF_EXPORT void cprof_region_end_slow_(cprof_region *region)
    __attribute__((alias("cprof_region_end")));

/* Counters sit in loops (every queue push and pop): like the regions, one
 * flag test when no session records. */
CPROF_EXPORT void cprof_counter(const char *name, int64_t value)
{
	if (!BATCH_ON())
		return;
	if (!name) {
		if (lttng_ust_tracepoint_enabled(cprof, warning))
			warn(CPROF_TP_WARN_NULL_TYPE, "NULL counter name");
		name = "(null)";
	}
	announce_process();
	cprof_batch_counter_(cprof_batch_intern_(name), value);
}

CPROF_EXPORT void cprof_counter_slow_(const char *name, int64_t value)
    __attribute__((alias("cprof_counter")));

static void log_n(cprof_task *task, const char *category, const char *message, size_t len)
{
	uint32_t recorded = len > CPROF_LOG_MAX ? CPROF_LOG_MAX : (uint32_t)len;

	if (!category) {
		warn(CPROF_TP_WARN_NULL_CATEGORY, "NULL log category");
		category = "(null)";
	}
	if (recorded < len)
		warn(CPROF_TP_WARN_LOG_TRUNCATED, category);
	announce_process();
	if (cprof_batch_log_(task_id(task), cprof_batch_intern_(category), message, recorded,
			     (uint64_t)len))
		return;
	cprof_batch_flush_self_();
	lttng_ust_tracepoint(cprof, log, task_id(task), category, message, recorded, (uint64_t)len);
}

CPROF_EXPORT void cprof_log(cprof_task *task, const char *category, const char *message)
{
	if (!BATCH_ON())
		return;
	if (!message) {
		warn(CPROF_TP_WARN_NULL_MESSAGE, "NULL log message");
		message = "";
	}
	log_n(task, category, message, strlen(message));
}

CPROF_EXPORT void cprof_logf(cprof_task *task, const char *category, const char *fmt, ...)
{
	char buf[CPROF_LOG_MAX + 1];
	va_list ap;
	int n;

	if (!BATCH_ON())
		return;
	if (!fmt) {
		warn(CPROF_TP_WARN_NULL_MESSAGE, "NULL log format");
		log_n(task, category, "", 0);
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	/* vsnprintf returns the full length: log_n truncates to what fits. */
	log_n(task, category, buf, (size_t)n);
}

CPROF_EXPORT bool cprof_trace_enabled(void)
{
	return BATCH_ON();
}

/*
 * Fork. lttng-ust sets a process up for tracing once, in its constructor:
 * a fork child keeps the parent's cached vpid and vtid and its session
 * daemon connection, so without liblttng-ust-fork.so in LD_PRELOAD (which
 * `record --no-auto` leaves out) the child's events land under the
 * parent's thread. lttng-ust exports the protocol that library runs around
 * fork(); here it runs from fork handlers, only when liblttng-ust-fork is
 * not loaded (both would take lttng-ust's fork mutex twice) and only when a
 * session records cprof events at that moment: setting the child up again
 * means registering with the session daemon, 10-20 ms in the child, which
 * untraced programs should not pay on every fork.
 *
 * The decision is per thread: the parent and child handlers run on the
 * thread that forked (in the child, its only copy), and two threads may
 * fork at once.
 */
static bool fork_wrapped;
static _Thread_local bool fork_protocol;
static _Thread_local sigset_t fork_sigset;

static bool any_api_event_enabled(void)
{
	return lttng_ust_tracepoint_enabled(cprof, process) || BATCH_ON() ||
	       lttng_ust_tracepoint_enabled(cprof, region_begin) ||
	       lttng_ust_tracepoint_enabled(cprof, region_end) ||
	       lttng_ust_tracepoint_enabled(cprof, task_begin) ||
	       lttng_ust_tracepoint_enabled(cprof, task_end) ||
	       lttng_ust_tracepoint_enabled(cprof, log) ||
	       lttng_ust_tracepoint_enabled(cprof, counter) ||
	       lttng_ust_tracepoint_enabled(cprof, warning);
}

static void fork_prepare(void)
{
	forking_pid = (int32_t)getpid();
	cprof_batch_before_fork_();
	fork_protocol = !fork_wrapped && any_api_event_enabled();
	if (fork_protocol)
		lttng_ust_before_fork(&fork_sigset);
}

static void fork_parent(void)
{
	if (fork_protocol)
		lttng_ust_after_fork_parent(&fork_sigset);
}

static void fork_child(void)
{
	int saved = errno;

	parent_pid = forking_pid;
	/* Tracked before lttng-ust registers the child (below, or after
	 * these handlers with liblttng-ust-fork): none of its events lost.
	 * Unless it joins late (track.h): then not before its first event. */
	if (!cprof_join_start_())
		cprof_track_self_();
	/* With liblttng-ust-fork the child is set up again after these
	 * handlers: its first API event, later, announces it. */
	__atomic_store_n(&process_announced, 0, __ATOMIC_RELAXED);
	cprof_batch_after_fork_child_();
	if (fork_protocol) {
		lttng_ust_after_fork_child(&fork_sigset);
		if (lttng_ust_tracepoint_enabled(cprof, process))
			announce_process();
	}
	errno = saved;
}

/*
 * liblttng-ust's constructor ran before this one (a dependency) and waited
 * for the session daemon (LTTNG_UST_REGISTER_TIMEOUT), so a session that
 * records from the start is enabled by now, if the probes registered
 * before us; otherwise the first API event announces the process.
 */
__attribute__((constructor)) static void cprof_api_init(void)
{
	int saved = errno;
	void *fork_lib = dlopen("liblttng-ust-fork.so.1", RTLD_LAZY | RTLD_NOLOAD);

	if (fork_lib) {
		fork_wrapped = true;
		dlclose(fork_lib);
	}
	parent_pid = (int32_t)getppid();
	cprof_track_init_();
	/* a process started without fork (posix_spawn, vfork): tracked from
	 * here, after lttng-ust registered it (its first moments are lost),
	 * or when it first records (track.h) */
	if (!cprof_join_start_())
		cprof_track_self_();
	pthread_atfork(fork_prepare, fork_parent, fork_child);
	cprof_watch_init_();
	if (lttng_ust_tracepoint_enabled(cprof, process))
		announce_process();
	errno = saved;
}
