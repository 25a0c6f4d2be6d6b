/*
 * The side panel's thread breakdown (analysis/threads.h) for the visible
 * or selected range: one stacked bar per thread, and one per group of
 * threads named alike ("gateway-*") above them, each normalised to the
 * time the thread (or group) was alive in the range: running (its CPU
 * samples darker), lock, condition, blocking call, join. A click on a
 * thread's row selects its lane.
 *
 * Computed here and now (ui_threads_update()), or, the side panel's way,
 * on a thread of its own (ui_threads_poll(), panel_job.h): over 20M
 * records the breakdown took 70-190 ms, during which a window computing
 * it itself drew nothing.
 *
 * Pure: no SDL (pthreads). Ownership: ui_threads_create() returns a state
 * the caller frees with ui_threads_destroy(); ui_threads_use_job()
 * borrows the model, which must outlive the state.
 */
#ifndef CPROF_UI_PANEL_THREADS_H
#define CPROF_UI_PANEL_THREADS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analysis/threads.h"
#include "panel_job.h"
#include "tl.h"

struct ui_threads_box {
	int32_t y, h;
	uint32_t thread; /* model thread, CPROF_NONE for a group row */
};

struct ui_threads {
	bool valid;
	uint64_t from_ns, to_ns; /* relative */
	struct cprof_thread_breakdown b;
	/* computed on a thread of its own (ui_threads_use_job) */
	struct ui_job *job;
	const struct cprof_model *job_model;
	CPROF_VEC(struct ui_threads_box) boxes; /* last frame's rows */
	int area_x, area_w;
};

struct ui_threads *ui_threads_create(void);
void ui_threads_destroy(struct ui_threads *threads);

/* Recomputes for [from, to) relative to the trace's first event when the
 * range changed; true when it did. */
bool ui_threads_update(struct ui_threads *threads, const struct cprof_model *model, uint64_t from,
		       uint64_t to);
/* Whether the breakdown shown is that of [from, to). */
bool ui_threads_ready(const struct ui_threads *threads, uint64_t from, uint64_t to);

/* The breakdown computed on a thread of its own; `wake` as
 * ui_job_create()'s. False when out of memory. */
bool ui_threads_use_job(struct ui_threads *threads, const struct cprof_model *model,
			void (*wake)(void *ctx), void *ctx);
/* ui_threads_update() on the job: true when the breakdown of [from, to)
 * came (false while computed); never waits unless `wait`. */
bool ui_threads_poll(struct ui_threads *threads, uint64_t from, uint64_t to, bool wait);
/* Stops a computation of another range (not `shown`: any). */
void ui_threads_follow(struct ui_threads *threads, bool shown, uint64_t from, uint64_t to);

void ui_threads_frame(struct ui_dl *dl, struct ui_threads *threads, const struct cprof_model *model,
		      const struct ui_metrics *m, int x, int y, int w, int h,
		      uint32_t selected_thread, bool hover_on, int hover_x, int hover_y);

/* The model thread of the row at (x, y) in the last frame, CPROF_NONE. */
uint32_t ui_threads_hit(const struct ui_threads *threads, int x, int y);

/* {"tab": "threads", "from_ns", "to_ns", "threads": [{"tid", "name",
 *  "running_ns", "cpu_ns", "lock_ns", "cond_ns", "syscall_ns", "join_ns"}],
 *  "groups": [{"pattern", "threads", ...the same times}]} on one line. */
void ui_threads_print_json(const struct ui_threads *threads, const struct cprof_model *model,
			   FILE *out);

#endif /* CPROF_UI_PANEL_THREADS_H */
