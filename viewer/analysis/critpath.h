/*
 * The critical path of a task or a region: for each moment between its
 * begin and its end, what it was waiting for, from userspace events only.
 *
 * The task is carried by the thread of its latest event (begin, a region
 * begin or end, a log). While that thread runs, the time is the task's own
 * work ("run", named by the innermost region then open). While it blocks:
 * - on a lock: the lock's releases by other threads during the wait
 *   (cprof:lock_release) say who held it when; each holder's time is
 *   followed on the holder's thread, recursively (a holder blocked on
 *   another lock is followed to that lock's holder), and named by the
 *   function that released the lock. What remains after the last release
 *   is the waiter's wake-up, on its own thread. This is the split the
 *   mutex profile charges holders with.
 * - on a condition, a join or a blocking call: the time stays on the
 *   waiting thread ("cond", "join", "syscall"); nothing in a userspace
 *   trace says which thread signalled.
 * Between an event on one thread and the task's next event on another, the
 * task was handed over ("queue"): the time goes to what the receiving
 * thread was doing meanwhile.
 *
 * The segments of a path partition [begin, end) exactly: their durations
 * sum to the task's.
 *
 * Of a flight-recorder snapshot, paths cover its window (snapwin.h), as
 * stats do: a task or region begun before it is followed from the
 * window's start (before it, a thread's events survive only on some
 * CPUs), and one that ended before it has no path.
 *
 * Ownership: a cprof_critpath is created against a model it borrows (which
 * must outlive it) and released with cprof_critpath_destroy(). Paths and
 * aggregates are caller-provided structs released with their _fini().
 */
#ifndef CPROF_CRITPATH_H
#define CPROF_CRITPATH_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/snapwin.h"
#include "model/model.h"
#include "symbols/symbols.h"

enum cprof_cp_what {
	CPROF_CP_RUN = 0,
	CPROF_CP_LOCK,
	CPROF_CP_COND,
	CPROF_CP_SYSCALL,
	CPROF_CP_JOIN,
	CPROF_CP_QUEUE,
	CPROF_CP_WHAT_COUNT_
};

/* What names a segment's activity. */
enum cprof_cp_label {
	CPROF_CP_LABEL_NONE = 0,
	CPROF_CP_LABEL_REGION, /* label: cprof_str, the innermost region's type */
	CPROF_CP_LABEL_TASK,   /* label: cprof_str, the task's type (no region open) */
	CPROF_CP_LABEL_STACK,  /* label: model stack index: its innermost function */
	CPROF_CP_LABEL_CALL,   /* label: enum cprof_tp_call */
};

struct cprof_cp_segment {
	uint64_t begin_ns, end_ns;
	uint8_t what;	    /* enum cprof_cp_what */
	uint8_t depth;	    /* 0: on the task's own thread; n: n holders away */
	uint8_t label_kind; /* enum cprof_cp_label */
	uint32_t label;
	uint32_t thread;      /* model thread where the time went */
	uint32_t from_thread; /* the thread that waited (== thread at depth 0) */
	uint64_t obj;	      /* the lock or condition waited for (for a holder's time:
			       * the lock it held), 0 none */
};

struct cprof_cp_path {
	uint64_t begin_ns, end_ns;		     /* begin_ns: the window's start when clipped */
	bool clipped;				     /* began before a snapshot's window */
	CPROF_VEC(struct cprof_cp_segment) segments; /* in time order */
};

/* One row of an aggregate: summed over tasks by what, thread name and
 * function. Strings are owned by the aggregate. */
struct cprof_cp_row {
	uint8_t what;
	char *thread;
	char *function;
	uint64_t ns;
};

struct cprof_cp_aggregate {
	uint64_t tasks;			     /* ended tasks of the type (in a snapshot's window) */
	uint64_t total_ns;		     /* their summed durations (== the rows' sum), from the
					      * window's start for those begun before it */
	struct cprof_snapwin_cut window;     /* ended tasks of the type it left out
					      * and clipped */
	CPROF_VEC(struct cprof_cp_row) rows; /* by ns, largest first */
};

enum cprof_critpath_status {
	CPROF_CRITPATH_OK = 0,
	CPROF_CRITPATH_NO_MEMORY,
	CPROF_CRITPATH_NOT_ENDED,     /* the task or region has no end in the trace */
	CPROF_CRITPATH_NO_TASKS,      /* no task of that type */
	CPROF_CRITPATH_BEFORE_WINDOW, /* it ended before the snapshot's window */
};

struct cprof_critpath;

struct cprof_critpath *cprof_critpath_create(const struct cprof_model *model);
void cprof_critpath_destroy(struct cprof_critpath *cp);

enum cprof_critpath_status cprof_critpath_task(struct cprof_critpath *cp, uint32_t task,
					       struct cprof_cp_path *out);
enum cprof_critpath_status cprof_critpath_region(struct cprof_critpath *cp, uint32_t region,
						 struct cprof_cp_path *out);
void cprof_cp_path_fini(struct cprof_cp_path *path);

/* Every ended task of type `type`; `sym` names functions (NULL: addresses). */
enum cprof_critpath_status cprof_critpath_aggregate(struct cprof_critpath *cp,
						    struct cprof_symbolizer *sym, const char *type,
						    struct cprof_cp_aggregate *out);
void cprof_cp_aggregate_fini(struct cprof_cp_aggregate *agg);

/* "run", "lock", "cond", "syscall", "join", "queue". */
const char *cprof_cp_what_name(unsigned what);

/* A segment's activity as text: a region or task type, the function of a
 * stack ("cache_evict"), a call name ("read"), or "". */
const char *cprof_cp_function(const struct cprof_model *model, struct cprof_symbolizer *sym,
			      const struct cprof_cp_segment *s, char *buf, size_t len);

/* A thread's name, or its tid when unnamed. */
const char *cprof_cp_thread_name(const struct cprof_model *model, uint32_t thread, char *buf,
				 size_t len);

#endif /* CPROF_CRITPATH_H */
