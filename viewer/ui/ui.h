/*
 * The viewer's entry point: `cprof-trace view` parses its options
 * (cmd/cmd_view.c) and hands them here. The UI reads a model only; how the
 * model is loaded is the caller's (a function pointer), so the UI does not
 * depend on the reader and tests can hand it a model built in memory.
 */
#ifndef CPROF_UI_H
#define CPROF_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

/* What a loader calls from the loading thread: progress(fraction, data),
 * which stops loading when it returns false; and, when not NULL, just
 * before each progress report, partial(model read so far, the trace's time
 * range or 0, 0, data), the model valid during the call only (see
 * struct cprof_read_options). */
typedef bool (*cprof_ui_progress_fn)(double fraction, void *data);
typedef void (*cprof_ui_partial_fn)(const struct cprof_model *partial, uint64_t begin_ns,
				    uint64_t end_ns, void *data);
/* Loads a model, calling the above; on failure returns NULL with a
 * sentence in err. `later` not NULL: what can wait until the model is
 * shown (writing its cache) may be left in *later (NULL: nothing), for
 * cprof_ui_finish_fn. */
typedef struct cprof_model *(*cprof_ui_load_fn)(const char *path, cprof_ui_progress_fn progress,
						cprof_ui_partial_fn partial, void *data,
						void **later, char *err, size_t errlen);
/* Does what a load left for later, with the model it loaded, and frees
 * `later`: on a thread of the viewer's once the model is shown, while
 * other threads read the model. */
typedef void (*cprof_ui_finish_fn)(void *later, struct cprof_model *model);

/* What --select can name (cmd_view.c parses it, the viewer looks it up). */
enum cprof_ui_select_kind {
	CPROF_UI_SELECT_REGION,
	CPROF_UI_SELECT_LOG,
	CPROF_UI_SELECT_WAIT,
	CPROF_UI_SELECT_SYSCALL,
	CPROF_UI_SELECT_SAMPLE,
	CPROF_UI_SELECT_ALLOC,
	CPROF_UI_SELECT_TASK,	/* n: the task's ID */
	CPROF_UI_SELECT_TYPE,	/* text: a region or task type */
	CPROF_UI_SELECT_SEARCH, /* text */
	CPROF_UI_SELECT_RANGE,	/* [r0, r1], relative to the trace's first event */
	CPROF_UI_SELECT_SLOW,	/* the longest region of type `text` in the task of ID n */
};

/* The forms --select takes, for messages. */
#define CPROF_UI_SELECT_FORMS                                                                      \
	"region:N, task:ID, log:N, wait:N, syscall:N, sample:N, alloc:N, type:NAME, search:TEXT "  \
	"or "                                                                                      \
	"range:T0,T1"

struct cprof_ui_select {
	enum cprof_ui_select_kind kind;
	const char *spec; /* as given ("region:3"), for messages */
	uint64_t n;	  /* index into the model's array, or a task ID */
	const char *text; /* in spec */
	uint64_t r0, r1;
};

#define CPROF_UI_MAX_SELECTS 64

struct cprof_ui_options {
	const char *trace;
	const char *trace_new; /* `view OLD NEW`: trace is the old one; NULL: one trace */
	cprof_ui_load_fn load;
	cprof_ui_finish_fn finish; /* NULL: load leaves nothing for later */
	struct cprof_model *model; /* already loaded (borrowed); load is then unused */

	const char *screenshot; /* PNG path: render one frame and exit */
	bool force;		/* overwrite the screenshot */
	int width, height;
	bool has_from, has_to;
	uint64_t from_ns, to_ns; /* relative to the trace's first event */
	/* --select, applied in order once the trace is loaded */
	struct cprof_ui_select select[CPROF_UI_MAX_SELECTS];
	int nselect;
	/* Without --select: selected if it names something (a flight recorder
	 * snapshot's slow region), else silently nothing. */
	bool has_default_select;
	struct cprof_ui_select default_select;
	/* the side panel's first tab (enum ui_tab: 0 regions ... 6 path); -1:
	 * regions, or the flame graph when the trace has no regions (a
	 * program recorded without annotations) */
	int tab;
	const char *profile; /* the flame tab's profile type ("cpu", "mutex", ...), NULL cpu */
	bool hover;	     /* screenshot: hover at hover_x, hover_y */
	int hover_x, hover_y;
	int bench_frames;   /* > 0: play a fixed script, print one line */
	const char *script; /* window mode driven by a file of actions (tests) */
	bool print_panel;   /* screenshot mode: also print the panel tab as JSON */
};

/* The side panel's tab named `name` ("regions", ... "path": enum ui_tab). */
bool cprof_ui_tab_parse(const char *name, int *tab);
/* Whether the flame tab knows the profile `name` ("cpu", "alloc", ...). */
bool cprof_ui_profile_known(const char *name);

/* Returns the process exit status; errors are printed as
 * "cprof-trace: PATH: problem" (and shown in a message box when a window is up). */
int cprof_ui_run(const struct cprof_ui_options *options);

/* Shows `msg` in an error message box when a display is available (the
 * caller prints it on stderr too). */
void cprof_ui_show_error(const char *msg);

#endif /* CPROF_UI_H */
