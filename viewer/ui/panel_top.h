/*
 * The Sync, Blocking calls and Heap tabs' tables: the top entries (flat,
 * cum) of the matching pprof profile (analysis/profiles.h) for a range,
 * as `pprof` builds it, computed on a thread of their own (panel_job.h):
 * over 8M blocking calls the profile took 1.9 s, during which a window
 * building it itself drew nothing. A computation of a range or a tab no
 * longer shown is stopped and the shown one's started.
 *
 * The computing thread symbolizes with the computing threads' symbolizer
 * (ui_job_sym, panel_job.h), not the window's.
 *
 * Pure: no SDL (pthreads). Ownership: ui_tops_create() borrows the model
 * and the symbolizer, which must outlive them; ui_tops_destroy() stops and joins the thread and
 * frees what it owns. A table handed out is freed with ui_top_table_free().
 */
#ifndef CPROF_UI_PANEL_TOP_H
#define CPROF_UI_PANEL_TOP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/model.h"
#include "panel_job.h"
#include "tl.h"

struct cprof_symbolizer;
struct cprof_profile;

struct ui_top_row {
	char name[160];
	int64_t flat, cum;
};

/* One tab's table. */
struct ui_top_table {
	struct ui_top_row *rows; /* the first 200 at most, by flat */
	uint32_t n;
	int64_t total;
	const char *unit; /* "ns", "bytes"; NULL: no profile */
	char note[520];	  /* "312 of 1200 waits", or why empty */
};

/* The first `max` entries of cprof_profile_top(prof, vi) as rows into
 * *rows (malloc'ed) and *n; false when out of memory. */
bool ui_top_rows(const struct cprof_profile *prof, size_t vi, size_t max, struct ui_top_row **rows,
		 uint32_t *n);

/* The table of `tab` (UI_TAB_SYNC, _BLOCKING or _HEAP) for [from, to)
 * (relative ns; the heap: in use at `to`), computed here and now; false
 * when out of memory or stopped (`stop` may be NULL). */
bool ui_top_compute(const struct cprof_model *model, struct cprof_symbolizer *sym, enum ui_tab tab,
		    uint64_t from, uint64_t to, const atomic_bool *stop, struct ui_top_table *out);
void ui_top_table_free(struct ui_top_table *table);

struct ui_tops;

/* `sym`: the computing threads' symbolizer (panel_job.h), borrowed. */
struct ui_tops *ui_tops_create(const struct cprof_model *model, struct ui_job_sym *sym,
			       void (*wake)(void *ctx), void *ctx);
void ui_tops_destroy(struct ui_tops *tops);

/* ui_job_poll() for the table of `tab` over [from, to): READY with *out. */
enum ui_job_state ui_tops_poll(struct ui_tops *tops, enum ui_tab tab, uint64_t from, uint64_t to,
			       bool wait, struct ui_top_table **out);
/* Stops a computation of another tab or range without waiting for it. */
void ui_tops_follow(struct ui_tops *tops, enum ui_tab tab, uint64_t from, uint64_t to);

#endif /* CPROF_UI_PANEL_TOP_H */
