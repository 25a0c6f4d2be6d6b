/*
 * The critical path of the selected task or region (analysis/critpath.h):
 * listed in the side panel, its segments summed by what, thread, function
 * and object, largest first ("62% waiting for mutex 0x... held by
 * cache_evict on gateway-3"), and drawn over the timeline as a bar on the
 * lane of the thread where the time went, with an arrow each time the path
 * moves to another thread.
 *
 * Pure: no SDL. Ownership: ui_path_create() returns a state the caller
 * frees with ui_path_destroy(); it borrows the model and symbolizer given
 * to ui_path_update().
 */
#ifndef CPROF_UI_PANEL_PATH_H
#define CPROF_UI_PANEL_PATH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analysis/critpath.h"
#include "tl.h"

struct ui_path_row {
	uint8_t what;  /* enum cprof_cp_what */
	uint8_t depth; /* 0: on the task's own thread */
	uint32_t thread;
	uint64_t obj;
	uint64_t ns;
	char function[128];
};

struct ui_path {
	bool valid;	 /* a path is shown */
	uint8_t sel_hit; /* UI_HIT_TASK or UI_HIT_REGION it was computed for */
	uint32_t sel_ref;
	struct cprof_critpath *cp; /* built at the first path */
	const struct cprof_model *model;
	struct cprof_cp_path path;
	CPROF_VEC(struct ui_path_row) rows;
	uint64_t total_ns;
	char note[200];
};

struct ui_path *ui_path_create(void);
void ui_path_destroy(struct ui_path *path);

/* Computes the path of task or region `ref` (hit UI_HIT_TASK or
 * UI_HIT_REGION); any other hit clears it. True when it changed. */
bool ui_path_update(struct ui_path *path, const struct cprof_model *model,
		    struct cprof_symbolizer *sym, uint8_t hit, uint32_t ref);

/* One row as a sentence: "waiting for mutex 0x5612 held by cache_evict on
 * gateway-3". */
void ui_path_row_text(const struct ui_path *path, const struct ui_path_row *row, char *buf,
		      size_t len);

void ui_path_frame(struct ui_dl *dl, const struct ui_path *path, const struct ui_metrics *m, int x,
		   int y, int w, int h);

/* The overlay: lane_y(ctx, thread) gives the top of the thread's lane in
 * pixels, or -1 when it is not on screen. */
void ui_path_overlay(struct ui_dl *dl, const struct ui_path *path, const struct ui_view *view,
		     const struct ui_geom *g, int (*lane_y)(void *ctx, uint32_t thread), void *ctx);

/* {"tab": "path", "of": "task"|"region"|"", "ref", "total_ns", "rows":
 *  [{"what", "thread", "function", "obj", "ns", "text"}], "segments": N}. */
void ui_path_print_json(const struct ui_path *path, FILE *out);

#endif /* CPROF_UI_PANEL_PATH_H */
