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

/* Loads a model; calls progress(fraction, data) from the loading thread and
 * stops when it returns false. On failure returns NULL with a sentence in err. */
typedef struct cprof_model *(*cprof_ui_load_fn)(const char *path,
						bool (*progress)(double fraction, void *data),
						void *data, char *err, size_t errlen);

struct cprof_ui_options {
	const char *trace;
	cprof_ui_load_fn load;
	struct cprof_model *model; /* already loaded (borrowed); load is then unused */

	const char *screenshot; /* PNG path: render one frame and exit */
	bool force;		/* overwrite the screenshot */
	int width, height;
	bool has_from, has_to;
	uint64_t from_ns, to_ns; /* relative to the trace's first event */
	const char *select;	 /* "region:N", "task:ID", "type:NAME", "search:TEXT", ... */
	const char *default_select; /* without --select: selected if it names something */
	const char *tab;	 /* "regions", "sync", "blocking", "heap" */
	bool hover;		 /* screenshot: hover at hover_x, hover_y */
	int hover_x, hover_y;
	int bench_frames;   /* > 0: play a fixed script, print one line */
	const char *script; /* window mode driven by a file of actions (tests) */
	bool print_panel;   /* screenshot mode: also print the panel tab as JSON */
};

/* Returns the process exit status; errors are printed as
 * "cprof-trace: PATH: problem" (and shown in a message box when a window is up). */
int cprof_ui_run(const struct cprof_ui_options *options);

/* Shows `msg` in an error message box when a display is available (the
 * caller prints it on stderr too). */
void cprof_ui_show_error(const char *msg);

#endif /* CPROF_UI_H */
