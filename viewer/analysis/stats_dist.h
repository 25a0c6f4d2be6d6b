/*
 * Distributions of the model's items by key, private to stats*.c: the
 * engine behind cprof_stats_compute() and cprof_stats_regions() (see
 * stats_dist.c for how). Results are malloc'ed arrays the caller frees.
 */
#ifndef CPROF_STATS_DIST_H
#define CPROF_STATS_DIST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/snapwin.h"
#include "analysis/stats.h"

#define SD_UNENDED UINT64_MAX
#define SD_BEFORE_WINDOW (UINT64_MAX - 1)

/* The duration of [b, e) (e 0: not ended: SD_UNENDED) from a snapshot's
 * window at `win` on (0: none), cut as snapwin.h cuts every item: clipped
 * to begin there, or SD_BEFORE_WINDOW when it ended before it. */
static inline uint64_t sd_dur_in(uint64_t win, uint64_t b, uint64_t e)
{
	switch (cprof_snapwin_cut(win, b, e)) {
	case CPROF_SNAPWIN_BEFORE:
		return SD_BEFORE_WINDOW;
	case CPROF_SNAPWIN_CLIPPED:
		b = win;
		break;
	case CPROF_SNAPWIN_IN:
		break;
	}
	return !e ? SD_UNENDED : e > b ? e - b : 0;
}

/* Which items, and which key: each gives a key and a duration
 * (SD_UNENDED: none). */
enum sd_kind {
	SD_TASKS,	/* by type */
	SD_REGIONS,	/* by type, those beginning in [from, to] */
	SD_LOGS,	/* by category, all of duration 0 */
	SD_WAIT_KINDS,	/* by enum cprof_tp_wait_kind */
	SD_WAIT_STACKS, /* by stack */
	SD_CALLS,	/* by enum cprof_tp_call */
	SD_CALL_STACKS, /* by stack */
};

struct sd_src {
	const struct cprof_model *m;
	enum sd_kind kind;
	uint64_t from, to; /* SD_REGIONS, relative ns (to UINT64_MAX: all) */
	uint64_t win;	   /* the snapshot's window, absolute ns (0: none) */
	/* SD_REGIONS: true makes the passes give up (fail) soon (NULL: never) */
	const atomic_bool *stop;
};

/* Distributions of the items of `s` in key order, or in name order when
 * `by_name` (from key order, so that equal names keep it). */
int sd_dists(const struct sd_src *s, bool by_name, struct cprof_stats_dist **out, size_t *n);

/* Counts of the items of `s` by key, in name order (logs). */
int sd_counts(const struct sd_src *s, struct cprof_stats_count **out, size_t *n);

/* Every stack of the items of `s`, the most delay first; the same frames
 * in processes of one name are one entry. */
int sd_stacks(const struct sd_src *s, struct cprof_stats_stack **out, size_t *n);

#endif /* CPROF_STATS_DIST_H */
