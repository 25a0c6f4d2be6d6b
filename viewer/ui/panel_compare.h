/*
 * The side panel of `cprof-trace view OLD NEW`: what `cprof-trace compare`
 * finds between the two traces (analysis/compare.h), one row per type,
 * metric and top function, old and new side by side with the change. A
 * change is coloured by direction (red: more time or bytes, green: less)
 * and bold when significant; `~` marks one that is not (with one run a
 * side nothing is, as compare says). Over the whole traces, or over the
 * same range of both (relative to each trace's start) once one is selected.
 *
 * Pure: no SDL. Ownership: the panel owns its comparison; the models and
 * symbolizers it is computed from are borrowed for the call only.
 */
#ifndef CPROF_UI_PANEL_COMPARE_H
#define CPROF_UI_PANEL_COMPARE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analysis/compare.h"
#include "tl.h"

struct ui_compare_panel {
	struct cprof_compare cmp;
	bool valid;
	char err[160];		 /* why there are no rows */
	bool ranged;		 /* over [from_ns, to_ns) of both, else the whole traces */
	uint64_t from_ns, to_ns; /* relative to each trace's first event */
	int scroll;		 /* first row shown */
	int row;		 /* selected row, -1 none */
};

void ui_compare_panel_init(struct ui_compare_panel *panel);
void ui_compare_panel_fini(struct ui_compare_panel *panel);

/* Compares the two models over `range` (NULL: the whole traces); false with
 * panel->err set when out of memory. */
bool ui_compare_panel_compute(struct ui_compare_panel *panel, const struct cprof_model *old,
			      struct cprof_symbolizer *old_sym, const struct cprof_model *new,
			      struct cprof_symbolizer *new_sym,
			      const struct cprof_profile_filter *range);

/* Appends the panel in the w x h box at (x, y); its rows hit UI_HIT_ROW
 * with the row's index as ref. */
void ui_compare_panel_frame(struct ui_dl *dl, const struct ui_compare_panel *panel,
			    const struct ui_metrics *m, int x, int y, int w, int h);

/* The row's region or task type, NULL for other kinds or no row. */
const char *ui_compare_panel_row_type(const struct ui_compare_panel *panel, int row);

/* The panel as one JSON object (tests and scripts): {"tab": "compare",
 * "old": PATH, "new": PATH, "ranged", "from_ns", "to_ns", "test",
 * "summary", "rows": [...]} with the rows exactly as `compare --json`
 * prints them; false when it could not be written. */
bool ui_compare_panel_print_json(const struct ui_compare_panel *panel, const char *old_path,
				 const char *new_path, FILE *out);

#endif /* CPROF_UI_PANEL_COMPARE_H */
