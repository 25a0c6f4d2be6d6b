/*
 * A side panel computation on a thread of its own: over tens of millions
 * of records a pass over the regions, the waits, the blocking calls or the
 * allocations took seconds on a loaded machine, during which a window
 * computing it itself drew nothing and answered nothing. The tabs that
 * summarize a range (Regions: panel_regions.h; Sync, Blocking calls,
 * Heap: panel_top.h) each give a job their computation; the job runs it
 * for one key (a range, and what of it: a tab) at a time. A computation
 * whose key is no longer wanted is told to stop (the computations read
 * their stop flag every 64K items: within a millisecond) and the next
 * key's is started.
 *
 * Pure: no SDL (pthreads). `wake` (may be NULL), called on the computing
 * thread when a computation ends, lets a window waiting for input redraw.
 *
 * Ownership: ui_job_create() borrows `ctx`, which must outlive the job;
 * ui_job_destroy() stops and joins the thread and frees (free_result)
 * what it computed. A result handed out by ui_job_poll() is the caller's.
 */
#ifndef CPROF_UI_PANEL_JOB_H
#define CPROF_UI_PANEL_JOB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ui_job;

/* What a job computes: `what` over [from, to) (relative ns). */
struct ui_job_key {
	uint64_t from, to;
	int what;
};

/* The computation, on the job's thread: *result (NULL when none) is
 * freed with free_result if nobody takes it; false when it failed (out
 * of memory) or stopped. */
typedef bool (*ui_job_fn)(void *ctx, const struct ui_job_key *key, const atomic_bool *stop,
			  void **result);

enum ui_job_state {
	UI_JOB_COMPUTING,
	UI_JOB_READY,
	UI_JOB_FAILED, /* out of memory, or no thread to compute on */
};

struct ui_job *ui_job_create(ui_job_fn fn, void (*free_result)(void *result), void *ctx,
			     void (*wake)(void *wake_ctx), void *wake_ctx);
void ui_job_destroy(struct ui_job *job);

/*
 * How far behind the UI thread a job's computations run (nice value added
 * to its, default 5), for computations started after this call. A tab's
 * numbers run behind the window's drawing where cores are few: on two
 * loaded cores, a computation's two threads (the threads it starts have
 * its priority) at the UI thread's priority once kept it from drawing for
 * 300 ms. What a click asks for (a row's occurrences on the timelines:
 * one thread, a few hundred milliseconds) runs at 0: at +5 it came after
 * the tabs' preparation and any other program of the machine, 0.75-0.9 s
 * after the click on a loaded machine.
 */
void ui_job_set_nice(struct ui_job *job, int nice);

/*
 * The result for `key`. READY: in *out (the caller's, NULL when none);
 * COMPUTING: started, or still going (a computation of another key is
 * told to stop, and this one starts once it has). Never waits unless
 * `wait` (the modes without a person): then READY or FAILED.
 */
enum ui_job_state ui_job_poll(struct ui_job *job, const struct ui_job_key *key, bool wait,
			      void **out);

/* Stops a computation of another key than `key` (NULL: any) without
 * waiting for it (the view moved on: its cores go to drawing). */
void ui_job_follow(struct ui_job *job, const struct ui_job_key *key);

/*
 * The symbolizer the computing threads share, one computation at a time:
 * a symbolizer's lookups are not to be shared between threads (the
 * window's own keeps answering tooltips), and one per job would load the
 * same debug information again. Made at first use (same options as the
 * window's, quiet: the window says its notes). A job whose computation
 * follows another's waits for it to stop, a millisecond or so.
 *
 * Ownership: ui_job_sym_create() borrows the model; destroy it once every
 * job using it is destroyed.
 */
struct ui_job_sym;
struct cprof_symbolizer;
struct cprof_model;

struct ui_job_sym *ui_job_sym_create(const struct cprof_model *model);
void ui_job_sym_destroy(struct ui_job_sym *js);
/* The symbolizer, held until ui_job_sym_unlock(); NULL (and not held)
 * when out of memory. */
struct cprof_symbolizer *ui_job_sym_lock(struct ui_job_sym *js);
void ui_job_sym_unlock(struct ui_job_sym *js);

/*
 * A computation that symbolizes: called with the computing threads'
 * symbolizer, held for it, and `result`, `result_size` zeroed bytes made
 * for it (freed with free_result whatever it returns); false as
 * ui_job_fn's.
 */
typedef bool (*ui_job_sym_fn)(void *ctx, struct cprof_symbolizer *sym, const struct ui_job_key *key,
			      const atomic_bool *stop, void *result);

/* ui_job_create() for such a computation: the job makes its result, takes
 * `js`'s symbolizer, calls `fn`, and lets the symbolizer go (`js` is
 * borrowed: it must outlive the job). */
struct ui_job *ui_job_create_sym(struct ui_job_sym *js, ui_job_sym_fn fn, size_t result_size,
				 void (*free_result)(void *result), void *ctx,
				 void (*wake)(void *wake_ctx), void *wake_ctx);

#endif /* CPROF_UI_PANEL_JOB_H */
