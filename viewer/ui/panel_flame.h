/*
 * The side panel's flame graph: an icicle (root at the top, widths by
 * value) of any profile of the visible or selected range, built with
 * analysis/profiles.h and analysis/flame.h. Hover names a frame (function,
 * file:line, value, percent); a click zooms into it (a click on the bar
 * of the zoomed frame, or on an ancestor, zooms back out); frames whose
 * name holds the view's search text are outlined. A table mode lists the
 * same profile as `pprof -top` (flat, cum).
 *
 * Frames are coloured by module: the program warm, the C library blue,
 * other libraries green, annotations (task and region frames) purple, the
 * shade fixed by the function's name so that a function keeps its colour.
 *
 * Pure: no SDL. ui_flame_update() recomputes when the profile type or the
 * range changed (ui_flame_poll(): on a thread of its own); ui_flame_frame() appends the graph to a
 * display list and remembers where each frame went, for ui_flame_hit().
 *
 * Ownership: ui_flame_create() returns a state the caller frees with
 * ui_flame_destroy(); it borrows the model and symbolizer it is given.
 */
#ifndef CPROF_UI_PANEL_FLAME_H
#define CPROF_UI_PANEL_FLAME_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analysis/flame.h"
#include "analysis/flame_model.h"
#include "analysis/profiles.h"
#include "panel_job.h"
#include "panel_top.h"
#include "tl.h"

/* The profile types the panel offers, in the order `g` cycles them: those
 * of `pprof -t`, and "alloc" (the heap profile's allocated bytes). */
enum ui_flame_kind {
	UI_FLAME_CPU,
	UI_FLAME_SYNC,
	UI_FLAME_MUTEX,
	UI_FLAME_SYSCALL,
	UI_FLAME_HEAP,
	UI_FLAME_ALLOC,
	UI_FLAME_REGION,
	UI_FLAME_THREADS,
	UI_FLAME_KIND_COUNT_
};

struct ui_flame_box {
	int32_t x, y, w, h;
	uint32_t node;
};

struct ui_flame {
	enum ui_flame_kind kind;
	bool table; /* table mode instead of the graph */
	bool valid;
	uint64_t from_ns, to_ns; /* relative; what was computed */
	enum ui_flame_kind computed_kind;
	struct cprof_flame *tree;
	uint32_t zoom;	  /* node at full width */
	const char *unit; /* "ns", "bytes", "count" */
	int64_t total;
	char note[520];
	struct ui_top_row *top;
	uint32_t ntop;
	double compute_ms;		/* time of the last recomputation */
	struct cprof_flame_source *src; /* CPU, sync and blocking calls: straight
					 * from the model (built at first use) */
	/* computed on a thread of its own (ui_flame_use_job): the job, and
	 * what only its thread touches (its source made with the computing
	 * threads' symbolizer) */
	struct ui_job *job;
	const struct cprof_model *job_model;
	struct cprof_flame_source *job_src;
	/* last frame's layout */
	CPROF_VEC(struct ui_flame_box) boxes;
	int area_x, area_y, area_w, area_h;
};

struct ui_flame *ui_flame_create(void);
void ui_flame_destroy(struct ui_flame *flame);

/* "cpu", "sync", ..., "alloc" (as --profile takes them); false if unknown. */
bool ui_flame_kind_parse(const char *name, enum ui_flame_kind *kind);
const char *ui_flame_kind_name(enum ui_flame_kind kind);

/* Recomputes for [from, to) (ns relative to the trace's first event) when
 * the kind or the range changed, here and now; returns true when it did. */
bool ui_flame_update(struct ui_flame *flame, const struct cprof_model *model,
		     struct cprof_symbolizer *sym, uint64_t from, uint64_t to);
/* Whether the graph shown is the current kind's over [from, to). */
bool ui_flame_ready(const struct ui_flame *flame, uint64_t from, uint64_t to);

/* The side panel's way: the graph computed on a thread of its own (over
 * 4M allocations the heap graph took 5 s during which a window computing
 * it itself drew nothing), with `sym`, the computing threads' symbolizer
 * (panel_job.h); `wake` as ui_job_create()'s. False when out of memory. */
bool ui_flame_use_job(struct ui_flame *flame, const struct cprof_model *model,
		      struct ui_job_sym *sym, void (*wake)(void *ctx), void *ctx);
/* ui_flame_update() on the job: true when the graph for [from, to) came
 * (false while computed); never waits unless `wait`. */
bool ui_flame_poll(struct ui_flame *flame, uint64_t from, uint64_t to, bool wait);
/* Stops a computation of another range or kind (not `shown`: any). */
void ui_flame_follow(struct ui_flame *flame, bool shown, uint64_t from, uint64_t to);

/* Draws the graph (or the table) in the rectangle; `search` outlines
 * matching frames (may be "" or NULL); a hover inside adds its tooltip. */
void ui_flame_frame(struct ui_dl *dl, struct ui_flame *flame, const struct ui_metrics *m, int x,
		    int y, int w, int h, const char *search, bool hover_on, int hover_x,
		    int hover_y);

/* The frame under (x, y) in the last drawn graph, CPROF_FLAME_NONE if none. */
uint32_t ui_flame_hit(const struct ui_flame *flame, int x, int y);
/* A click at (x, y): zooms in or out; true when it changed the view. */
bool ui_flame_click(struct ui_flame *flame, int x, int y);

/* The frame's colour by module class and name. */
uint32_t ui_flame_color(uint8_t module, const char *name);

/* {"tab": "flame", "from_ns", "to_ns", "profile", "total", "unit", "note",
 *  "zoom", "top": [{"name", "flat", "cum"}]} on one line. */
void ui_flame_print_json(const struct ui_flame *flame, FILE *out);

#endif /* CPROF_UI_PANEL_FLAME_H */
