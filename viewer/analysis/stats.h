/*
 * Trace statistics: what `cprof-trace stats` prints, computed from the
 * model only. Durations are summarised as go tool trace's user-defined
 * tasks and regions pages do: count, total, p50, p90, p99, max, with
 * nearest-rank percentiles on the sorted durations. Tasks and regions that
 * never ended are left out of the durations and counted in `unended`.
 * Of a flight-recorder snapshot, only what its window holds is counted
 * (snapwin.h).
 *
 * Ownership: cprof_stats_compute() fills a caller-provided struct; release
 * what it holds with cprof_stats_fini(). Strings are the model's (cprof_str)
 * and live as long as the model.
 */
#ifndef CPROF_STATS_H
#define CPROF_STATS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/snapwin.h"
#include "model/model.h"

/* Log2 buckets of duration: bucket k holds [2^(k+4), 2^(k+5)) ns (the
 * first also everything shorter, the last everything longer). */
#define CPROF_STATS_HIST 24

struct cprof_stats_dist {
	uint32_t key;	/* cprof_str type, or a call / wait kind number */
	uint64_t count; /* ended items: those with a duration */
	uint64_t unended;
	uint64_t total_ns, p50_ns, p90_ns, p99_ns, max_ns;
	uint32_t hist[CPROF_STATS_HIST]; /* of the ended items */
};

struct cprof_stats_count {
	cprof_str key;
	uint64_t count;
};

/* A stack that waited, by total delay. */
struct cprof_stats_stack {
	uint32_t stack; /* model stack index (0: no stack) */
	uint64_t count, delay_ns;
};

enum cprof_stats_status {
	CPROF_STATS_OK = 0,
	CPROF_STATS_NO_MEMORY,
	CPROF_STATS_STOPPED, /* given up on, as asked (cprof_stats_regions_until) */
};

#define CPROF_STATS_TOP 5

struct cprof_stats {
	uint64_t duration_ns;
	CPROF_VEC(struct cprof_stats_dist) tasks;   /* by type name */
	CPROF_VEC(struct cprof_stats_dist) regions; /* by type name */
	CPROF_VEC(struct cprof_stats_count) logs;   /* by category name */

	/* Synchronization waits (cprof:wait_begin/end): ended waits. */
	uint64_t sync_contentions, sync_delay_ns;
	CPROF_VEC(struct cprof_stats_dist) sync_kinds; /* key: enum cprof_tp_wait_kind */
	CPROF_VEC(struct cprof_stats_stack) sync_top;  /* at most CPROF_STATS_TOP */

	/* Heap: from the "heap in use" counters (summed over processes) and
	 * the recorded allocations. */
	bool heap_known;
	uint64_t heap_peak_bytes, heap_final_bytes;
	uint64_t allocs, alloc_bytes, frees; /* recorded (sampled or all) */
	double allocs_per_s;

	/* Blocking calls (cprof:syscall), key: enum cprof_tp_call. */
	uint64_t syscall_count, syscall_ns;
	CPROF_VEC(struct cprof_stats_dist) syscalls;
	CPROF_VEC(struct cprof_stats_stack) syscall_top;

	/* Threads */
	uint64_t threads_started, threads_exited; /* cprof:thread_start/exit seen */
	uint64_t threads_alive_end, threads_peak; /* from the "threads alive" counters */

	/* A snapshot's window (snapwin.h): what the tasks, regions, logs,
	 * waits, blocking calls and allocations above are of; window_ns 0:
	 * the whole trace. `window` counts the records it left out and those
	 * it clipped. */
	uint64_t window_ns;
	struct cprof_snapwin_cut window;
};

enum cprof_stats_status cprof_stats_compute(const struct cprof_model *model,
					    struct cprof_stats *stats);
void cprof_stats_fini(struct cprof_stats *stats);

/*
 * Region durations by type, as in cprof_stats.regions, over the regions
 * that begin in [from_ns, to_ns) (relative to the trace's first event; a
 * range that runs to the trace's end includes its last instant, so that a
 * region begun by the last event counts; of a snapshot, a region begun
 * before its window begins at the window's start, one ended before it is
 * left out). The viewer's side panel
 * summarizes its range with this. *out is malloc'ed (free() it), sorted by
 * type name.
 */
enum cprof_stats_status cprof_stats_regions(const struct cprof_model *model, uint64_t from_ns,
					    uint64_t to_ns, struct cprof_stats_dist **out,
					    size_t *n);

/*
 * cprof_stats_regions(), given up as soon as *stop is true (read every
 * 64K regions, from another thread than the one that sets it):
 * CPROF_STATS_STOPPED, nothing in *out. The viewer's side panel computes
 * on a thread of its own and stops when its range changes. Over the
 * whole trace, both take the model's summary when it has one (a cached
 * model).
 */
enum cprof_stats_status cprof_stats_regions_until(const struct cprof_model *model, uint64_t from_ns,
						  uint64_t to_ns, const atomic_bool *stop,
						  struct cprof_stats_dist **out, size_t *n);

/*
 * The region distributions of cprof_stats_compute() kept with the model
 * (as its summary, model.h) when it is cached: cprof-trace sets
 * cprof_model_summarize to this for every command, and a `stats` (or the
 * viewer's Regions panel of the whole trace) after any command that wrote
 * the cache takes them from there instead of passing over every region.
 */
void cprof_stats_summarize(struct cprof_model *model);

/*
 * The distributions split their items over threads (at most
 * cprof_stats_max_threads, 0: one per CPU), each taking at least
 * cprof_stats_split_min of them (default 1M). Tests lower both to run the
 * threaded path on small models.
 */
extern size_t cprof_stats_split_min;
extern unsigned cprof_stats_max_threads;

#endif /* CPROF_STATS_H */
