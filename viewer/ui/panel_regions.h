/*
 * The Regions tab's statistics, computed on a thread of their own
 * (panel_job.h: over 100M records a pass over every region took seconds).
 * The numbers are cprof_stats_regions_until()'s (analysis/stats.h, as
 * `stats`); a computation whose range is no longer wanted is stopped
 * (within a millisecond) and the next range's started.
 *
 * Pure: no SDL (pthreads). `wake` (may be NULL), called on the computing
 * thread when a computation ends, lets a window waiting for input redraw.
 *
 * Ownership: ui_regions_create() borrows the model, which must outlive
 * it; ui_regions_destroy() stops and joins the thread and frees what it
 * computed. A result handed out by ui_regions_poll() is the caller's.
 */
#ifndef CPROF_UI_PANEL_REGIONS_H
#define CPROF_UI_PANEL_REGIONS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "analysis/stats.h"

struct ui_regions;

/* The statistics over regions beginning in [from, to) (relative ns), by
 * total, the longest first, as cprof_stats_regions_until() gives them
 * (*out malloc'ed). */
enum cprof_stats_status ui_regions_compute(const struct cprof_model *model, uint64_t from,
					   uint64_t to, const atomic_bool *stop,
					   struct cprof_stats_dist **out, size_t *n);

enum ui_regions_state {
	UI_REGIONS_COMPUTING,
	UI_REGIONS_READY,
	UI_REGIONS_FAILED, /* out of memory, or no thread to compute on */
};

struct ui_regions *ui_regions_create(const struct cprof_model *model, void (*wake)(void *ctx),
				     void *ctx);
void ui_regions_destroy(struct ui_regions *r);

/*
 * The statistics over regions beginning in [from, to) (relative ns),
 * longest total first. READY: in *out (malloc'ed, NULL when none) and *n;
 * COMPUTING: started, or still going (a computation of another range is
 * told to stop, and this one starts once it has). Never waits unless
 * `wait` (the modes without a person): then READY or FAILED.
 */
enum ui_regions_state ui_regions_poll(struct ui_regions *r, uint64_t from, uint64_t to, bool wait,
				      struct cprof_stats_dist **out, uint32_t *n);

/* Stops a computation of another range than [from, to) (not `shown`, the
 * view on another tab: any) without waiting for it (the view moved on:
 * its cores go to drawing). */
void ui_regions_follow(struct ui_regions *r, bool shown, uint64_t from, uint64_t to);

#endif /* CPROF_UI_PANEL_REGIONS_H */
