/*
 * The side panel: summaries of the visible or selected time range, in tabs.
 * Regions: count, total, p50, p99, max per region type, as go tool trace's
 * user-defined regions page, computed by analysis/stats.h as `stats` does
 * (cprof_stats_regions), and a latency histogram of the selected type.
 * Sync, Blocking calls, Heap: the top entries (flat, cum) of the matching
 * pprof profiles (analysis/profiles.h) for the range.
 *
 * Pure: no SDL. ui_panel_update() recomputes when the range changed (the
 * app calls it once the view settles, never per frame while panning);
 * the Regions, Sync, Blocking and Heap tabs' numbers are computed on a
 * thread of their own (panel_regions.h, panel_top.h), the tab saying
 * "computing..." meanwhile.
 * ui_panel_frame() appends the panel to a display list.
 *
 * Ownership: ui_panel_create() borrows the index (and its model) and the
 * symbolizer (may be NULL); ui_panel_destroy() frees the rest.
 */
#ifndef CPROF_UI_PANEL_H
#define CPROF_UI_PANEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analysis/stats.h"
#include "panel_top.h"
#include "tl.h"

struct cprof_symbolizer;
struct ui_flame;
struct ui_threads;
struct ui_path;
struct ui_regions;
struct ui_job_sym;
struct ui_job;
struct ui_occ_req;

/* "regions", "sync", "blocking", "heap", "flame", "threads", "path". */
const char *ui_tab_name(enum ui_tab tab);
bool ui_tab_parse(const char *name, enum ui_tab *tab);

struct ui_panel {
	struct ui_index *ix;
	struct cprof_symbolizer *sym;
	/* the range the tables describe (relative ns) */
	uint64_t from_ns, to_ns;
	bool valid[UI_TAB_COUNT_];
	struct cprof_stats_dist *regions; /* key: the region type; by total, longest first */
	uint32_t nregions;
	struct ui_top_row *top[UI_TAB_COUNT_];
	uint32_t ntop[UI_TAB_COUNT_];
	int64_t total[UI_TAB_COUNT_];
	char note[UI_TAB_COUNT_][520]; /* "312 of 1200 waits", or why empty */
	const char *unit[UI_TAB_COUNT_];
	int scroll;
	struct ui_flame *flame;		/* the Flame tab */
	struct ui_threads *threads;	/* the Threads tab */
	struct ui_path *path;		/* the Path tab (and the timeline's overlay) */
	struct ui_regions *regions_job; /* computes `regions` */
	struct ui_tops *tops_job;	/* computes `top` */
	struct ui_job_sym *job_sym;	/* what the computing threads symbolize with */
	/* computes the occurrences of a clicked row (ui_panel_occ_request):
	 * the one of generation occ_gen, for row occ_row of tab occ_tab,
	 * while occ_pending */
	struct ui_job *occ_job;
	struct ui_occ_req *occ_req;
	int occ_gen, occ_row;
	enum ui_tab occ_tab;
	bool occ_pending;
	/* computes the regions of a type clicked in the Regions tab
	 * (ui_panel_type_request): of type_pending, 0 none */
	struct ui_job *type_job;
	cprof_str type_pending;
	/* called (on another thread) when a tab's numbers computed on a
	 * thread of their own are there, so that a window waiting for input
	 * redraws (NULL: none) */
	void (*wake)(void *ctx);
	void *wake_ctx;
};

struct ui_panel *ui_panel_create(struct ui_index *index, struct cprof_symbolizer *sym);
void ui_panel_destroy(struct ui_panel *panel);

/* The range a view summarizes: the shift-drag selection, else what is visible. */
void ui_panel_range(const struct ui_index *index, const struct ui_view *view, uint64_t *from,
		    uint64_t *to);
/* Recomputes the current tab for [from, to) if anything changed; returns
 * true when it did (the Regions, Sync, Blocking and Heap tabs: when their
 * numbers, computed on another thread, came; false while they are
 * computed). */
bool ui_panel_update(struct ui_panel *panel, const struct ui_view *view);
/* Whether the current tab shows its numbers for the view's range. */
bool ui_panel_ready(const struct ui_panel *panel, const struct ui_view *view);
/* ui_panel_update(), returning once the current tab's numbers are there
 * (the modes without a person: screenshots, scripts, benchmarks). */
void ui_panel_wait(struct ui_panel *panel, const struct ui_view *view);
/* The view moved: a computation of another range or tab than the view's
 * stops now (the next update starts the new one). Never waits. */
void ui_panel_follow(struct ui_panel *panel, const struct ui_view *view);
/* Region statistics over regions beginning in [from, to) (relative ns),
 * longest total first, computed here and now; *out is malloc'ed. */
bool ui_panel_region_stats(const struct ui_index *index, uint64_t from, uint64_t to,
			   struct cprof_stats_dist **out, uint32_t *n);

/* The current tab's numbers as one JSON object (for tests and scripts):
 * {"tab":..., "from_ns":..., "to_ns":..., "regions": {TYPE: {count, ...}}}
 * or {..., "total":N, "unit":U, "top":[{"name","flat","cum"}, ...]}. */
void ui_panel_print_json(const struct ui_panel *panel, const struct ui_view *view, FILE *out);

void ui_panel_frame(struct ui_dl *dl, struct ui_panel *panel, const struct ui_view *view,
		    const struct ui_metrics *m);

/* The region type / name of panel row `row` of the current tab, for
 * highlighting: returns the region type (cprof_str) or 0. */
cprof_str ui_panel_row_type(const struct ui_panel *panel, const struct ui_view *view, int row);

/*
 * For a row of the Sync, Blocking or Heap tab: the waits, blocking calls or
 * allocations whose stack holds that function (by lane, by time), or the
 * region type a row naming one names. Computed on a thread of its own (a
 * pass symbolizing every stack then over millions of items: 130-200 ms of
 * the UI thread on a 20M-record trace): ui_panel_occ_request() starts it
 * (false: nothing to compute), a newer request or ui_panel_occ_cancel()
 * stops the one before; each clears index->hl_state.
 * ui_panel_occ_poll(): COMPUTING meanwhile; READY once there, the
 * occurrences in index->hl_state (*n of them) or the type in
 * *region_type; FAILED when out of memory or nothing was asked.
 */
bool ui_panel_occ_request(struct ui_panel *panel, const struct ui_view *view, int row);
void ui_panel_occ_cancel(struct ui_panel *panel);
/* The function or region name of the last request ("" none). */
const char *ui_panel_occ_name(const struct ui_panel *panel);
enum ui_job_state ui_panel_occ_poll(struct ui_panel *panel, bool wait, uint32_t *n,
				    cprof_str *region_type);

/* The regions of `type` for index->hl (ui_index_highlight_rows), computed
 * on a thread of its own; a newer request stops the one before. poll: as
 * ui_panel_occ_poll, the rows (*hl, freed with ui_panel_hl_free) once
 * READY. */
void ui_panel_type_request(struct ui_panel *panel, cprof_str type);
enum ui_job_state ui_panel_type_poll(struct ui_panel *panel, bool wait, struct ui_hl **hl);
void ui_panel_hl_free(struct ui_hl *hl);
/* Stops it (the highlight changed), without waiting. */
void ui_panel_type_cancel(struct ui_panel *panel);

#endif /* CPROF_UI_PANEL_H */
