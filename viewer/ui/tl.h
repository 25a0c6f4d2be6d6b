/*
 * The timeline's pure half: no SDL here, so that level of detail, layout and
 * hit-testing are unit-testable. A frame is built as a display list of
 * rectangles, lines and text runs (struct ui_dl); the renderer (render.c)
 * only paints it, and hit-testing looks up the same list, so what is under
 * the mouse is exactly what was drawn.
 *
 * Scale: the index keeps, per thread and per nesting depth, the regions
 * sorted by start time. Same-depth regions of one thread never overlap, so
 * ends are sorted too and a frame binary-searches its way across each row:
 * items narrower than a pixel are merged into one summary block per run of
 * touching pixels, which costs O(pixels * depth * log n) per frame instead of
 * O(events).
 *
 * Ownership: ui_index_create() borrows the model (which must outlive the
 * index); ui_index_destroy() frees what the index owns. A ui_dl owns its
 * items and text arena; strings of the model are borrowed.
 */
#ifndef CPROF_UI_TL_H
#define CPROF_UI_TL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

struct ui_view;

/* Colours are 0xRRGGBBAA. */
#define UI_RGB(r, g, b)                                                                            \
	(((uint32_t)(r) << 24) | ((uint32_t)(g) << 16) | ((uint32_t)(b) << 8) | 0xffu)
#define UI_RGBA(r, g, b, a)                                                                        \
	(((uint32_t)(r) << 24) | ((uint32_t)(g) << 16) | ((uint32_t)(b) << 8) | (uint32_t)(a))

enum ui_theme_color {
	UI_C_BG,
	UI_C_PANEL,
	UI_C_HEADER,
	UI_C_LANE_A,
	UI_C_LANE_B,
	UI_C_GRID,
	UI_C_TEXT,
	UI_C_TEXT_DIM,
	UI_C_TEXT_DARK,
	UI_C_ACCENT,
	UI_C_RUNNING,
	UI_C_LOCK,
	UI_C_COND,
	UI_C_OTHER_WAIT,
	UI_C_SYSCALL,
	UI_C_LOG,
	UI_C_LOST,
	UI_C_MERGED,
	UI_C_SELECT,
	UI_C_RANGE,
	UI_C_TASK,
	UI_C_ARROW,
	UI_C_COUNTER,
	UI_C_SEARCH,
	UI_C_SAMPLE,
	UI_C_ALLOC,
	UI_C_COUNT_
};
extern const uint32_t ui_theme[UI_C_COUNT_];

/* What a display-list item stands for, for hit-testing and selection. */
enum ui_hit {
	UI_HIT_NONE,
	UI_HIT_REGION,	/* ref: region index */
	UI_HIT_REGIONS, /* merged: ref first region index, count */
	UI_HIT_WAIT,	/* ref: wait index */
	UI_HIT_SYSCALL, /* ref: syscall index */
	UI_HIT_STATES,	/* merged waits/syscalls: ref thread, count */
	UI_HIT_RUNNING, /* ref: thread */
	UI_HIT_TASK,	/* ref: task index */
	UI_HIT_TASKS,	/* merged: ref first task, count */
	UI_HIT_LOG,	/* ref: log index */
	UI_HIT_LOGS,	/* merged: ref first log, count */
	UI_HIT_LOST,	/* ref: lost index */
	UI_HIT_COUNTER, /* ref: model counter index */
	UI_HIT_PROCESS, /* ref: process index (click collapses) */
	UI_HIT_THREAD,	/* ref: thread index (click collapses) */
	UI_HIT_TAB,	/* ref: enum ui_tab */
	UI_HIT_ROW,	/* ref: panel row */
	UI_HIT_AXIS,
	UI_HIT_SAMPLE,	   /* ref: CPU sample index */
	UI_HIT_SAMPLES,	   /* merged: ref first sample, count */
	UI_HIT_ALLOC,	   /* ref: allocation index */
	UI_HIT_ALLOCS,	   /* merged: ref first allocation, count */
	UI_HIT_TASK_TRACK, /* the task track's gutter (click collapses) */
	UI_HIT_FLAME_KIND, /* ref: enum ui_flame_kind (the Flame tab's chooser) */
	UI_HIT_FLAME_MODE, /* the Flame tab's graph/table switch */
};

enum ui_dl_kind {
	UI_DL_RECT,
	UI_DL_OUTLINE,
	UI_DL_LINE, /* from (x, y) to (x + w, y + h) */
	UI_DL_TEXT, /* at (x, y) top-left, clipped to w pixels when w > 0 */
	UI_DL_CLIP, /* sets the clip rectangle; w == 0 clears it */
};

enum ui_font { UI_FONT_SMALL, UI_FONT_NORMAL, UI_FONT_BOLD, UI_FONT_COUNT_ };

struct ui_dl_item {
	int32_t x, y, w, h;
	uint32_t color;
	uint8_t kind;
	uint8_t hit;
	uint8_t font;
	uint32_t ref;
	uint32_t count;
	uint32_t text; /* offset in the arena, or for model strings see text_ptr */
	uint32_t len;
	const char *text_ptr; /* NULL: text lives in the arena at `text` */
};

struct ui_dl {
	struct ui_dl_item *v;
	size_t n, cap;
	char *arena;
	size_t arena_n, arena_cap;
	/* statistics of the last frame, for tests and the bench */
	size_t rects, merged, texts;
};

/*
 * Non-ASCII glyphs: the UI's own symbols (µ · … ▸ ▾ ↔, U+FFFD for
 * anything the atlas lacks, ≥), then the blocks DejaVu Sans covers that
 * region names and log text are written in (Latin-1, Latin Extended-A,
 * Greek, Cyrillic, the dashes and quotes of General Punctuation). CJK and emoji are not in DejaVu
 * Sans: they draw as U+FFFD rather than an ASCII '?' that reads as part of the name.
 */
#define UI_NEXTRA 8
#define UI_GLYPH_REPLACEMENT (128 + 6)
#define UI_NRANGE_LATIN (0x180 - 0xa0)
#define UI_NRANGE_GRCY (0x500 - 0x370)
#define UI_NRANGE_PUNCT (0x2028 - 0x2010)
#define UI_NGLYPH_X (UI_NEXTRA + UI_NRANGE_LATIN + UI_NRANGE_GRCY + UI_NRANGE_PUNCT)
extern const uint32_t ui_extra_glyphs[UI_NEXTRA];
/* The code point drawn in glyph slot g (0..128 + UI_NGLYPH_X - 1). */
uint32_t ui_glyph_cp(int g);

/* Glyph advances of each font: ASCII, then the UI_NGLYPH_X slots above. */
struct ui_metrics {
	uint8_t adv[UI_FONT_COUNT_][128];
	uint8_t adv_x[UI_FONT_COUNT_][UI_NGLYPH_X];
	int height[UI_FONT_COUNT_];
};

/* Decodes one UTF-8 character at s[*i], advancing *i; returns the glyph slot:
 * 0..127 ASCII, 128 + k non-ASCII slot k (UI_GLYPH_REPLACEMENT when none). */
int ui_glyph_next(const char *s, size_t len, size_t *i);

enum ui_tab {
	UI_TAB_REGIONS,
	UI_TAB_SYNC,
	UI_TAB_BLOCKING,
	UI_TAB_HEAP,
	UI_TAB_FLAME,	/* flame graph of any profile (panel_flame.h) */
	UI_TAB_THREADS, /* per-thread time breakdown (panel_threads.h) */
	UI_TAB_PATH,	/* critical path of the selection (panel_path.h) */
	UI_TAB_COUNT_
};
/* The wide tabs take more of the window than the tables. */
#define UI_TAB_WIDE(tab) ((tab) >= UI_TAB_FLAME)

/*
 * A per-lane sorted row of [begin, end) items with a lookup of their index.
 * A thread's region row at one depth holds only the indices (`regions` set,
 * begin, end and maxend NULL): its times are read from the model, as those
 * rows hold most of a trace's items and copies of their times (28 bytes a
 * region) cost more to build than reading the trace did; such a row is
 * sorted by begin and its ends never decrease (else it is copied). Read
 * rows through ui_row_begin(), ui_row_end() and ui_row_maxend().
 */
struct ui_row {
	uint32_t *idx;	       /* indices into a model array, sorted by begin */
	uint64_t *begin, *end; /* relative to model->begin_ns, parallel to idx */
	uint64_t *maxend;      /* running max of end: tolerate rows that overlap */
	uint32_t n;
	const struct cprof_model *regions; /* a region row of this model's regions */
	size_t mapped;			   /* idx is a mapping of that many bytes */
};

static inline uint64_t ui_row_begin(const struct ui_row *row, uint32_t i)
{
	if (row->begin)
		return row->begin[i];
	uint64_t b = row->regions->regions.v[row->idx[i]].begin_ns, o = row->regions->begin_ns;
	return b > o ? b - o : 0;
}

/* Still open at the end of the trace: up to the end (as the index has it). */
static inline uint64_t ui_row_end(const struct ui_row *row, uint32_t i)
{
	if (row->end)
		return row->end[i];
	const struct cprof_model *m = row->regions;
	uint64_t b = m->regions.v[row->idx[i]].begin_ns, e = m->regions.v[row->idx[i]].end_ns;
	if (!e)
		e = m->end_ns;
	if (e < b)
		e = b;
	return e > m->begin_ns ? e - m->begin_ns : 0;
}

static inline uint64_t ui_row_maxend(const struct ui_row *row, uint32_t i)
{
	return row->maxend ? row->maxend[i] : ui_row_end(row, i);
}

struct ui_thread_index {
	uint32_t thread;
	uint16_t depths;       /* rows of regions */
	struct ui_row *rows;   /* [depths] */
	struct ui_row state;   /* waits and syscalls, idx: wait i or syscalls | 1<<31 */
	struct ui_row logs;    /* begin == end == log time */
	struct ui_row samples; /* CPU samples, begin == end */
	struct ui_row allocs;  /* allocations, begin == end == allocation time */
	bool collapsed;
};

struct ui_process_index {
	uint32_t process;
	uint32_t *threads; /* thread index entries of this process, by first event */
	uint32_t n;
	/* Its counter tracks (heap in use, ...), drawn at the top of its
	 * group: ui_index.counters[counter0 .. counter0 + ncounters). None
	 * in a trace of one process, whose tracks stay above the groups. */
	uint32_t counter0, ncounters;
	bool collapsed;
};

/* Range-max levels over a counter's points for O(log n) per pixel column. */
struct ui_counter_index {
	uint32_t counter;
	uint64_t *ns; /* relative */
	int64_t *val;
	uint32_t n;
	int64_t *lvl[8]; /* lvl[k][i] = max of val over block i of 16^(k+1) */
	uint32_t lvl_n[8];
	int nlvl;
	int64_t vmax;
};

struct ui_path;

/*
 * Highlighted items split by the lane row they are drawn on, each row in
 * begin order (tl_index_hl.c): a frame draws them with ui_row_lod, a block
 * per run of touching pixels, at a cost bounded by the pixels however many
 * there are. Regions: a thread's row at one depth (`depth`); waits and
 * blocking calls: its thread-state strip; allocations: its allocation row.
 */
enum ui_hl_kind { UI_HL_REGIONS, UI_HL_STATE, UI_HL_ALLOCS };

struct ui_hl_lane {
	uint32_t thread;
	uint16_t depth;
	uint8_t kind; /* enum ui_hl_kind */
	struct ui_row row;
};

struct ui_hl {
	struct ui_hl_lane *lanes;
	uint32_t nlanes;
	uint32_t n; /* items highlighted (those of no lane row too) */
};

struct ui_index {
	const struct cprof_model *model;
	/* end_ns - begin_ns, at least 1: how far the view may go. `view OLD
	 * NEW` sets both to the longer trace's, so that their axes align. */
	uint64_t span;
	struct ui_thread_index *threads; /* [model->threads.n], by thread index */
	struct ui_process_index *procs;
	uint32_t nprocs;
	bool multi_host;	  /* processes of several hosts (a relay's tree): lanes say which */
	struct ui_row *task_rows; /* tasks packed into non-overlapping rows */
	uint32_t ntask_rows;
	/* Every task in one row (the collapsed track), and the tasks of rows
	 * UI_TASK_MAX_ROWS - 1 and beyond (the "+N more" row of a tall track);
	 * both overlap, which row_lod tolerates through the running max. */
	struct ui_row task_all, task_more;
	bool tasks_collapsed;
	/* In the order they are drawn: the ntop_counters above the task
	 * track first (every one in a trace of one process, else those of no
	 * process's group), then each group's (ui_process_index.counter0). */
	struct ui_counter_index *counters;
	uint32_t ncounters, ntop_counters;
	/* CSR: regions of each task, sorted by begin */
	uint32_t *task_region_first; /* [tasks.n + 1] */
	uint32_t *task_regions;
	uint32_t *type_colors; /* per string, 0 = not computed */
	size_t ntype_colors;
	/* Regions highlighted by the selected task, type or search
	 * (ui_index_set_highlight); n == 0 when nothing is. */
	struct ui_hl hl;
	bool hl_active;
	/* Waits, blocking calls or allocations highlighted from a side-panel
	 * row of the Sync, Blocking or Heap tab. */
	struct ui_hl hl_state;
	uint8_t *str_match; /* per string: matches the search */
	/* Symbolizer for stacks in the details panel; NULL prints addresses.
	 * is_return: ip is a return address (every frame but a CPU sample's
	 * interrupted instruction); ns: when the stack was taken (the
	 * objects mapped then, cprof_stack.ns). */
	const char *(*symbolize)(void *ctx, uint32_t process, uint64_t ns, uint64_t ip,
				 bool is_return, char *buf, size_t size);
	void *sym_ctx;
	/* The critical path drawn over the lanes (the Path tab's), NULL none;
	 * owned by the panel. */
	const struct ui_path *path;
};

/* Recomputes ix->hl from the view's selected task, highlighted type and search. */
void ui_index_set_highlight(struct ui_index *index, const struct ui_view *view);
/* The same, but a highlighted type's regions (a pass over them all: 105-190
 * ms of 5.7M) are left to ui_index_highlight_rows() on another thread:
 * ix->hl is active and empty meanwhile. */
void ui_index_set_highlight_later(struct ui_index *index, const struct ui_view *view);
/* The regions `view` highlights into *out; false (*out empty) when
 * `stop` (may be NULL) was set or out of memory. Reads only the model and
 * the index's rows and task lists (a view with a search reads
 * index->str_match). */
bool ui_index_highlight_rows(const struct ui_index *index, const struct ui_view *view,
			     const atomic_bool *stop, struct ui_hl *out);

/* Building a struct ui_hl: items added in any order (in begin order per lane is
 * cheapest), then finished into *out (false: out of memory, *out empty);
 * finish and discard free the builder. */
struct ui_hl_build;
struct ui_hl_build *ui_hl_build_create(const struct ui_index *index);
void ui_hl_add_region(struct ui_hl_build *b, uint32_t region);
/* A wait (idx), a blocking call (idx | 1 << 31) or, `alloc`, an
 * allocation (idx | 1 << 30) of `thread`, over [begin, end) relative. */
void ui_hl_add_state(struct ui_hl_build *b, uint32_t thread, bool alloc, uint32_t idx,
		     uint64_t begin, uint64_t end);
bool ui_hl_build_finish(struct ui_hl_build *b, struct ui_hl *out);
void ui_hl_build_discard(struct ui_hl_build *b);
void ui_hl_free(struct ui_hl *hl);

struct ui_index *ui_index_create(const struct cprof_model *model);
void ui_index_destroy(struct ui_index *index);

/*
 * The region rows built while the trace loads: fed the reader's partial
 * model at each of its reports (the regions added since the last, still
 * in the cache), so that the full view is not kept waiting for a pass over
 * millions of regions once the reading ends. ui_index_create_fed() takes
 * in the rest and frees the feed, whatever it returns.
 */
struct ui_index_feed;
struct ui_index_feed *ui_index_feed_create(void);
void ui_index_feed(struct ui_index_feed *feed, const struct cprof_model *partial);
void ui_index_feed_destroy(struct ui_index_feed *feed);
struct ui_index *ui_index_create_fed(const struct cprof_model *model, struct ui_index_feed *feed);
/* Between tl_index.c and tl_index_regions.c: the fed rows moved into the
 * index's threads ([model->threads.n]); sorting a row of copied times
 * and its running max of ends. */
bool ui_index_take_region_rows(struct ui_index_feed *feed, const struct cprof_model *model,
			       struct ui_thread_index *threads);
bool ui_row_finish(struct ui_row *row);

/* First item of the row whose end (running max) is >= t; row->n if none. */
uint32_t ui_row_first_ending_after(const struct ui_row *row, uint64_t t);
/* First of the sorted v[from..n) that is >= t (n when none). */
uint32_t ui_first_at_or_after(const uint64_t *v, uint32_t from, uint32_t n, uint64_t t);
/* First item at or after `from` whose begin is >= t. */
uint32_t ui_row_first_beginning_at(const struct ui_row *row, uint32_t from, uint64_t t);

uint32_t ui_type_color(struct ui_index *index, cprof_str type);
uint32_t ui_wait_color(uint8_t kind);

/* Where the view is and what is selected; owned by the app, read by frames. */
struct ui_sel {
	uint8_t hit; /* enum ui_hit, UI_HIT_NONE: nothing */
	uint32_t ref;
	uint32_t count;
};

struct ui_view {
	int width, height;
	double t0, t1; /* visible time range, ns relative to model->begin_ns */
	int scroll_y;
	struct ui_sel sel;
	uint32_t sel_task; /* task index highlighted everywhere, CPROF_NONE */
	cprof_str hl_type; /* region type highlighted, 0: none */
	bool range_on;
	double r0, r1; /* selected time range (shift-drag) */
	char search[64];
	bool search_active;  /* typing a search */
	uint32_t search_hit; /* current match: region index, CPROF_NONE */
	enum ui_tab tab;
	int panel_row; /* selected row of the panel, -1 none */
	int hover_x, hover_y;
	bool hover_on;
	char status[1200]; /* one-line message at the bottom ("exported to ...") */
	bool show_panel;
	const char *label; /* shown before the title ("old", "new"), NULL none */
};

/* Fixed geometry; the panel is dropped on narrow windows. */
#define UI_HEADER_H 26
#define UI_AXIS_H 24
#define UI_GUTTER_W 176
#define UI_PANEL_W 380
#define UI_PANEL_WIDE_W 620 /* the flame, threads and path tabs, room permitting */
#define UI_ROW_H 17
#define UI_STATE_H 7
#define UI_COUNTER_H 38
#define UI_PROCESS_H 22 /* a process group's header */
#define UI_TASK_ROW_H 9
#define UI_TASK_MAX_ROWS 16 /* past this, the last row says "+N more" */
#define UI_SAMPLE_H 5	    /* CPU sample ticks */
#define UI_ALLOC_H 7	    /* allocation markers (size-scaled) */
#define UI_DETAILS_H 132
#define UI_STATUS_H 20
#define UI_MAX_DEPTH 16

struct ui_geom {
	int tl_x, tl_w; /* the timeline's data area */
	int tl_y, tl_h; /* below the axis, above details */
	int panel_x, panel_w;
	int details_y, details_h; /* details panel: at most half of what is below the axis */
};
void ui_geom_compute(const struct ui_view *view, struct ui_geom *g);

/* Time (relative ns) <-> x pixel in the data area. */
double ui_x_of(const struct ui_view *view, const struct ui_geom *g, double t);
double ui_t_of(const struct ui_view *view, const struct ui_geom *g, double x);

/* Zoom by `factor` (< 1 zooms in) keeping time under x fixed; clamps. */
void ui_view_zoom(struct ui_view *view, const struct ui_index *index, double x, double factor);
void ui_view_pan(struct ui_view *view, const struct ui_index *index, double dx_pixels);
void ui_view_fit(struct ui_view *view, const struct ui_index *index);

/* Axis ticks: step (ns) and decimals for labels so that labels of `label_w`
 * pixels do not collide. */
double ui_tick_step(double span_ns, int width_px, int min_gap_px);
/* Formats `ns` for a step: "1.250 ms", "12.345678901 s", "320 ns". */
void ui_format_time(char *buf, size_t size, double ns, double step);
/* Formats a duration with 3-4 significant digits: "1.23 ms". */
void ui_format_dur(char *buf, size_t size, double ns);
/* The same for an item still open at the trace's end, whose duration is
 * measured to the end: "≥ 1.23 ms (open)", so that it does not read as a
 * finished one. */
void ui_format_dur_open(char *buf, size_t size, double ns, bool open);

/* Display list. */
void ui_dl_init(struct ui_dl *dl);
void ui_dl_clear(struct ui_dl *dl);
void ui_dl_free(struct ui_dl *dl);
struct ui_dl_item *ui_dl_rect(struct ui_dl *dl, int x, int y, int w, int h, uint32_t color);
struct ui_dl_item *ui_dl_outline(struct ui_dl *dl, int x, int y, int w, int h, uint32_t color);
void ui_dl_line(struct ui_dl *dl, int x0, int y0, int x1, int y1, uint32_t color);
struct ui_dl_item *ui_dl_text(struct ui_dl *dl, int x, int y, int clip_w, uint32_t color,
			      enum ui_font font, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
struct ui_dl_item *ui_dl_str(struct ui_dl *dl, int x, int y, int clip_w, uint32_t color,
			     enum ui_font font, const char *s, size_t len);
/* The same with `len` bytes of `s` copied into the list (s may be a temporary). */
struct ui_dl_item *ui_dl_strcpy(struct ui_dl *dl, int x, int y, int clip_w, uint32_t color,
				enum ui_font font, const char *s, size_t len);
void ui_dl_clip(struct ui_dl *dl, int x, int y, int w, int h);
/* Appends `src` moved by (dx, dy) and clipped to its w x h pane there (the
 * clip rectangles of `src` are narrowed to the pane); the clip is cleared
 * after. For windows that show two frames, as `view OLD NEW` does. */
void ui_dl_append(struct ui_dl *dl, const struct ui_dl *src, int dx, int dy, int w, int h);
const char *ui_dl_item_text(const struct ui_dl *dl, const struct ui_dl_item *it);

int ui_text_width(const struct ui_metrics *m, enum ui_font font, const char *s, size_t len);
/* Bytes of `s` that fit in `w` pixels. */
size_t ui_text_fit(const struct ui_metrics *m, enum ui_font font, const char *s, size_t len, int w);

/*
 * What an item is, in lines: one function words every kind of item for
 * both the tooltip (short, at the mouse) and the details panel of the
 * selection (longer, with the stack in a second column), so that the two
 * never drift apart. The tooltip shows the first line bold and the rest
 * dim; the details panel uses each line's colour and font.
 */
enum ui_desc_use { UI_DESC_TOOLTIP, UI_DESC_DETAILS };

#define UI_DESC_MAX 24

struct ui_desc_line {
	uint32_t color;
	uint8_t font; /* enum ui_font */
	bool column;  /* a stack begins here: the details panel's second column */
	char text[512];
};

struct ui_desc {
	int n;
	bool split; /* a stack follows: the first column keeps to half the width */
	struct ui_desc_line line[UI_DESC_MAX];
};

/* Fills `out` for the item `what` (hit kind, ref, count); n == 0 for hits
 * that are no item (tabs, gutters, the axis). The view gives the mouse
 * position a counter's tooltip reads its value at. */
void ui_describe(struct ui_index *index, const struct ui_view *view, enum ui_desc_use use,
		 const struct ui_sel *what, struct ui_desc *out);

/* Appends a tooltip for `item` at the hover position. */
void ui_frame_tooltip(struct ui_dl *dl, struct ui_index *index, const struct ui_view *view,
		      const struct ui_metrics *m, const struct ui_dl_item *item);

/* The frame shown while a trace loads: its name, a bar filled to
 * `fraction` (0..1) of half the width, the percentage and how to cancel. */
void ui_frame_loading(struct ui_dl *dl, int width, int height, const char *trace, double fraction);

/* Builds the timeline part of a frame (header, axis, tracks, lanes, details). */
void ui_frame_timeline(struct ui_dl *dl, struct ui_index *index, const struct ui_view *view,
		       const struct ui_metrics *m);

/*
 * The lanes in the order they are drawn, top to bottom: counter tracks, the
 * task track, then per process its header and, unless it is collapsed, its
 * counter tracks and its threads' lanes (as Perfetto puts a process's
 * counter tracks in its track group). In a trace of one process its
 * counter tracks stay first, above the task track. The frame, the
 * scrolling and the tests all walk this one order:
 *   struct ui_lane_iter it = {0}; struct ui_lane l;
 *   while (ui_lanes_next(index, &it, &l)) ...
 */
enum ui_lane_kind { UI_LANE_COUNTER, UI_LANE_TASKS, UI_LANE_PROCESS, UI_LANE_THREAD };

struct ui_lane {
	uint8_t kind;	/* enum ui_lane_kind */
	uint32_t ref;	/* counter: index in index->counters; process: in index->procs;
			 * thread: model thread index */
	uint32_t group; /* the process group (index->procs) it is in, CPROF_NONE above them */
	int y, h;	/* below the axis at scroll 0 */
};

struct ui_lane_iter {
	uint32_t step, p, k;
	int y;
};
bool ui_lanes_next(const struct ui_index *index, struct ui_lane_iter *it, struct ui_lane *lane);

/* Where a thread's lane starts below the axis at scroll 0 (the scroll that
 * brings it to the top), -1 when hidden in a collapsed process. */
int ui_thread_offset(const struct ui_index *index, uint32_t thread);
/* Height of all tracks and lanes at scroll 0. */
int ui_lanes_height(const struct ui_index *index);

/* The topmost item with a hit kind under (x, y), or NULL. */
const struct ui_dl_item *ui_dl_hit(const struct ui_dl *dl, int x, int y);

/* Search: next region/log/task after `after` matching view->search. Returns
 * true and sets *hit and *ref. */
bool ui_search_next(const struct ui_index *index, const char *needle, uint8_t *hit, uint32_t *ref,
		    uint64_t after_ns);
bool ui_str_match(const char *hay, const char *needle);

/* Whether a region matches the highlight state (selected task, type, search). */
bool ui_region_highlighted(const struct ui_index *index, const struct ui_view *view, uint32_t r);

#endif /* CPROF_UI_TL_H */
