/*
 * What the viewer draws while a trace loads: a small fixed-size summary of
 * the model read so far, per thread and per time bucket over the trace's
 * whole time range (known up front from the packet indexes), so that the
 * first frame shows the trace at fit-all zoom long before the model is
 * whole.
 *
 * Threads: the loading thread calls ui_preview_update() with the partial
 * model (the reader's `partial` hook, at each progress report); it only
 * looks at the items added since its last call (and at the few still
 * open), so its cost is a small fraction of decoding them. The preview
 * keeps no pointer into the model. The UI thread draws it
 * (ui_frame_preview). The preview has no lock of its own: its owner holds
 * one around both (app.c).
 *
 * Ownership: ui_preview_create() returns a preview the caller frees with
 * ui_preview_destroy().
 */
#ifndef CPROF_UI_PREVIEW_H
#define CPROF_UI_PREVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "tl.h"

#define UI_PREVIEW_BUCKETS 1024 /* about a pixel each at fit-all zoom */
#define UI_PREVIEW_LANES 128	/* threads past these are counted, not drawn */
#define UI_PREVIEW_PENDING 4096 /* open items followed until they end */

/* One thread over one bucket: time covered (ns) by its outermost regions,
 * by waits and by blocking calls; items begun and CPU samples taken. */
struct ui_preview_cell {
	float busy, blocked, syscall;
	uint32_t records, samples;
};

struct ui_preview_lane {
	char label[64]; /* "name tid" */
	/* earliest begin of an outermost region / a wait still open at the
	 * last update, 0 none: drawn up to what is loaded */
	uint64_t open_busy, open_blocked;
};

struct ui_preview {
	uint64_t begin_ns, end_ns; /* the trace's range; 0, 0: nothing to draw yet */
	double per_ns;		   /* buckets per ns */
	uint64_t loaded_ns;	   /* the latest event read */
	uint64_t records;	   /* items read */
	uint32_t nthreads;	   /* lanes = min(nthreads, UI_PREVIEW_LANES) */
	struct ui_preview_lane lanes[UI_PREVIEW_LANES];
	struct ui_preview_cell *cells; /* [lane * UI_PREVIEW_BUCKETS + bucket] */

	/* the loading thread's: where its last update stopped */
	size_t seen_regions, seen_waits, seen_syscalls, seen_samples, seen_logs, seen_allocs;
	struct {
		uint32_t index;
		bool wait; /* a wait, else an outermost region */
	} pending[UI_PREVIEW_PENDING];
	uint32_t npending;
};

struct ui_preview *ui_preview_create(void);
void ui_preview_destroy(struct ui_preview *pv);

/* Takes in what `m` (the partial model) holds since the last call; begin
 * and end: the trace's time range (0, 0 unknown: nothing is drawn). */
void ui_preview_update(struct ui_preview *pv, const struct cprof_model *m, uint64_t begin_ns,
		       uint64_t end_ns);

/* Whether there is something to draw (a range and at least one thread). */
bool ui_preview_ready(const struct ui_preview *pv);

/* The loading frame drawn from the preview: the time axis over the whole
 * trace as the full view fits it, a lane per thread with what is loaded,
 * what is not yet shaded, and the progress `f` (0..1) in the side panel
 * (the panel's width as for tab `tab`). */
void ui_frame_preview(struct ui_dl *dl, const struct ui_preview *pv, int w, int h, int tab,
		      const struct ui_metrics *mt, const char *trace, double f);

#endif /* CPROF_UI_PREVIEW_H */
