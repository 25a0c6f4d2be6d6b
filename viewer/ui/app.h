/*
 * The viewer application's state and what its files share (not used
 * outside viewer/ui). app.c owns loading, the view, selection and the
 * window loop; app_input.c turns SDL events into view changes; the modes
 * that run without a person have a file each: app_shot.c (--screenshot),
 * app_script.c (--script) and app_bench.c (--bench-frames).
 */
#ifndef CPROF_UI_APP_H
#define CPROF_UI_APP_H

#include <SDL.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "panel.h"
#include "panel_flame.h"
#include "panel_path.h"
#include "panel_threads.h"
#include "preview.h"
#include "render.h"
#include "tl.h"
#include "ui.h"

struct cprof_symbolizer;

struct app {
	const struct cprof_ui_options *o;
	SDL_Window *win;
	SDL_Renderer *ren;
	SDL_Surface *surface; /* screenshot target */
	struct ui_render *R;
	struct ui_dl dl;
	struct cprof_model *model;
	bool own_model;
	struct ui_index *ix;
	struct cprof_symbolizer *sym;
	struct ui_panel *panel;
	struct ui_view view;

	/* loading */
	SDL_atomic_t progress; /* fraction * 10000 */
	SDL_atomic_t done;
	SDL_sem *loaded; /* posted when done, NULL: nobody waits */
	SDL_atomic_t cancel;
	/* CPROF_VIEW_SHOT_LOADING=F with --screenshot: the loader pauses at
	 * the first progress report >= F so that the frame it shows can be
	 * captured (tests look at the progress bar this way). */
	double shot_at;
	bool shot_paused;
	SDL_sem *paused, *resume;
	char err[512];
	double load_s, load_cpu_s; /* the loading thread's wall and CPU time */
	/* seconds from cprof_ui_run to the window open (its renderer and
	 * glyph atlas made), to the model read and to the timeline index
	 * built (--bench-frames says where the time goes) */
	double window_s, read_s, index_s;
	/* What is loaded so far, drawn while the rest loads (one trace only;
	 * NULL: the progress bar alone). The loading thread updates it and
	 * the UI thread draws it, each holding preview_lock. */
	struct ui_preview *preview;
	SDL_mutex *preview_lock;
	SDL_atomic_t preview_gen;   /* updates so far */
	double preview_s;	    /* the loading thread's time in them */
	struct ui_index_feed *feed; /* the loading thread's (tl.h) */
	/* What the load left for once the model is shown (the window's
	 * loads only: `defer`), the options' finish does it. */
	bool defer;
	void *later;
	/* once the full view is up (ui_app_prepare_later): does `later`, then
	 * builds how the regions nest, for the profile tabs; told to stop
	 * and joined by ui_app_fini */
	SDL_Thread *prepare;
	atomic_bool prepare_stop;
	/* seconds from cprof_ui_run to the first loading frame with lanes
	 * (0 none) and to the first frame of the full view (--bench-frames) */
	double t_start, first_lanes_s, full_view_s;

	/* input */
	bool dragging, ranging, moved, shift;
	int press_x, press_y, last_x;
	bool dirty;
};

/* Monotonic seconds. */
double ui_app_now(void);

/* Loads the trace (unless a model was given), indexes it, creates the
 * symbolizer and the panel; an SDL thread function. */
int ui_app_load(void *app);
/* What every profile tab needs (how the regions nest: a pass over them
 * all, a second or more for 50M), built on a thread of its own so that
 * the full view does not wait for it: the tabs switch without building it
 * once it is there, and build it themselves before. */
void ui_app_prepare_later(struct app *a);
/* The view fitted to the trace in a w x h window. */
void ui_app_view_init(struct app *a, int w, int h);
/* --from/--to, then the --select items; false with a sentence in err. */
bool ui_app_apply_from_to(struct app *a, char *err, size_t errlen);
bool ui_app_apply_selects(struct app *a, char *err, size_t errlen);

void ui_app_select_item(struct app *a, uint8_t hit, uint32_t ref, uint32_t count);
/* Centers the view on an item; scrolls its thread's lane into view. */
void ui_app_focus_hit(struct app *a, uint8_t hit, uint32_t ref);
void ui_app_scroll_to_selection(struct app *a);
/* Keeps some lanes on screen however far the wheel or keys scroll. */
void ui_app_clamp_scroll(struct app *a);

/* Builds the frame into a->dl (with the tooltip at the mouse when asked). */
void ui_app_build_frame(struct app *a, bool tooltip);
/* Builds and renders it (not presented). */
void ui_app_draw(struct app *a, bool tooltip);
/* The loading frame: the preview once it has lanes to show (true), else
 * the progress bar. */
bool ui_app_draw_loading(struct app *a, int w, int h);

/* The E key: the profile of the panel's tab over its range. */
void ui_app_export_profile(struct app *a);

/* A clicked side-panel row's occurrences (ui_panel_occ_request), once
 * computed, highlighted; true when the view changed (they came, or the
 * row was left and they are no longer computed). `wait`: until they are
 * there (the modes without a person). */
bool ui_app_poll_click(struct app *a, bool wait);

/* One SDL event (real or scripted). */
void ui_app_handle(struct app *a, const SDL_Event *e, bool *quit);

/* Prints `msg` on stderr, and in a message box when a window is up. */
void ui_app_report_error(struct app *a, const char *msg);

/* Opens the window (software renderer when scripted) into a->win, a->ren
 * and a->R; 0 or the exit status. */
int ui_app_open_window(struct app *a, bool scripted, int w, int h);
/* Frees what the app owns (not the window: cprof_ui_run's). */
void ui_app_fini(struct app *a);

/* The modes: each returns the process exit status. */
int ui_app_screenshot(struct app *a);
int ui_app_script(struct app *a, const char *file);
int ui_app_bench(struct app *a);

/* `view OLD NEW` (app_compare.c): the two traces and the compare panel. */
int ui_compare_run(const struct cprof_ui_options *o);

/* What --script drives (app_script.c): one trace's window or the pair's. */
struct ui_script_host {
	void *ctx;
	SDL_Renderer *ren;
	void (*handle)(void *ctx, const SDL_Event *e, bool *quit);
	void (*draw)(void *ctx); /* builds and renders a frame, tooltip on */
	/* while the host computes what an action asked for: true while it
	 * still does (NULL: never) */
	bool (*step)(void *ctx);
	void (*settle)(void *ctx); /* what the window does once the view settles */
	void (*print)(void *ctx);  /* the state as one JSON object, no newline */
	void (*size)(void *ctx, int *w, int *h);
};
int ui_script_run(const struct ui_script_host *host, const char *file);
/* One trace's view state as a JSON object on stdout (script `print`). */
void ui_app_print_state(struct app *a);

#endif /* CPROF_UI_APP_H */
