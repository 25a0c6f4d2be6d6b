/*
 * What the files that build a timeline frame share (not used outside
 * viewer/ui): the frame context, clipped drawing, the level-of-detail walk
 * over a row, gutter labels, and one entry point per part of the frame.
 * Each lane kind has its own file, as Tracy has one TimelineItem per kind:
 * tl_lane_thread.c, tl_lane_counter.c, tl_lane_task.c; the axis is
 * tl_axis.c, the details panel and the tooltip tl_details.c (both worded by
 * tl_describe.c), and tl_frame.c puts them together.
 */
#ifndef CPROF_UI_TL_DRAW_H
#define CPROF_UI_TL_DRAW_H

#include <math.h>

#include "tl.h"

struct fctx {
	struct ui_dl *dl;
	struct ui_index *ix;
	const struct cprof_model *m;
	const struct ui_view *v;
	const struct ui_metrics *mt;
	struct ui_geom g;
	double scale; /* px per ns */
	int clip_x0, clip_x1, clip_y0, clip_y1;
	int *thread_y; /* top of each thread's first region row, INT32_MIN hidden */
	int *thread_rows;
	int *state_y;		 /* top of each thread's state strip, INT32_MIN hidden */
	int *sample_y, *alloc_y; /* tops of the CPU sample and allocation rows */
	bool dim;		 /* something is highlighted: dim the rest */
};

static inline double X(const struct fctx *c, double t)
{
	return c->g.tl_x + (t - c->v->t0) * c->scale;
}

/* a blended towards b by wb/256. */
static inline uint32_t mix(uint32_t a, uint32_t b, int wb /* 0..256 */)
{
	int wa = 256 - wb;
	uint32_t r = (((a >> 24) & 255) * wa + ((b >> 24) & 255) * wb) >> 8;
	uint32_t g = (((a >> 16) & 255) * wa + ((b >> 16) & 255) * wb) >> 8;
	uint32_t bl = (((a >> 8) & 255) * wa + ((b >> 8) & 255) * wb) >> 8;
	return UI_RGB(r, g, bl);
}

/* A rectangle clipped to the lane area; returns NULL when nothing is left.
 * Inline: a frame draws thousands. */
static inline struct ui_dl_item *ui_fc_rect(struct fctx *c, double x0, double x1, int y, int h,
					    uint32_t color)
{
	int ix0 = (int)floor(x0), ix1 = (int)floor(x1);
	if (ix1 <= ix0)
		ix1 = ix0 + 1; /* everything visible is at least a pixel wide */
	if (ix0 < c->clip_x0)
		ix0 = c->clip_x0;
	if (ix1 > c->clip_x1)
		ix1 = c->clip_x1;
	int y0 = y, y1 = y + h;
	if (y0 < c->clip_y0)
		y0 = c->clip_y0;
	if (y1 > c->clip_y1)
		y1 = c->clip_y1;
	if (ix1 <= ix0 || y1 <= y0)
		return NULL;
	return ui_dl_rect(c->dl, ix0, y0, ix1 - ix0, y1 - y0, color);
}

/* Text in [x0, x1) of a lane, cut to what fits; nothing when too narrow. */
void ui_fc_text(struct fctx *c, double x0, double x1, int y, uint32_t color, const char *s);
/* A label with the duration after the name when both fit, else the name
 * (open: still open at the end, measured to it). */
void ui_fc_text_dur(struct fctx *c, double x0, double x1, int y, uint32_t color, const char *s,
		    double dur_ns, bool open);

/*
 * The level-of-detail walk over one row: calls `wide` for items at least
 * UI_LOD_MIN_PX wide and `merged` for runs of narrower items that touch
 * (gaps under a pixel). Each step either emits an item wider than the
 * threshold or moves right by at least a pixel through a binary search, so
 * the cost is bounded by the pixels, not by the items.
 */
#define UI_LOD_MIN_PX 1.5

typedef void (*ui_lod_fn)(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n,
			  double x0, double x1, void *arg);
void ui_row_lod(struct fctx *c, const struct ui_row *row, ui_lod_fn wide, ui_lod_fn merged,
		void *arg);

/* Where the items of one row of a lane go. */
struct lane_arg {
	int y, h;
	uint32_t thread;
};

/* A label in the gutter, centred in [y, y + h), `width` pixels wide. */
void ui_gutter_label_w(struct fctx *c, int y, int h, const char *s, uint32_t color,
		       enum ui_font font, int indent, int width);
void ui_gutter_label(struct fctx *c, int y, int h, const char *s, uint32_t color, enum ui_font font,
		     int indent);
/* The gutter's background band of a lane, clipped; NULL when hidden. */
struct ui_dl_item *ui_lane_band(struct fctx *c, int y, int h, int band);

/* "name tid" of a thread. */
const char *ui_thread_label(const struct cprof_model *m, uint32_t t, char *buf, size_t size);

/* Thread lanes (tl_lane_thread.c). */
int ui_thread_lane_h(const struct ui_thread_index *ti);
void ui_lane_thread_draw(struct fctx *c, uint32_t t, int y, int band);
void ui_lane_thread_highlight(struct fctx *c);
void ui_lane_thread_state_highlight(struct fctx *c);

/* Counter tracks (tl_lane_counter.c). */
void ui_lane_counter_draw(struct fctx *c, uint32_t k, int y, int h, int band);

/* The task track and the selected task's arrows (tl_lane_task.c). */
int ui_task_track_h(const struct ui_index *ix);
void ui_lane_task_draw(struct fctx *c, int y, int h, int band);
void ui_lane_task_arrows(struct fctx *c);

/* The time axis (tl_axis.c). */
void ui_axis_draw(struct fctx *c);

/* The details panel of the selection (tl_details.c). */
void ui_details_draw(struct fctx *c);

#endif /* CPROF_UI_TL_DRAW_H */
