/*
 * Builds one frame of the timeline as a display list: header and legend,
 * time axis, counter tracks, the task track, one lane per thread (regions as
 * a flame chart, log markers, thread state), lost-event ranges, the selected
 * task's arrows, the range selection and the details panel.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof-tp-enums.h"
#include "tl.h"

const uint32_t ui_extra_glyphs[UI_NEXTRA] = {0xb5,   0xb7,   0x2026, 0x25b8,
					     0x25be, 0x2194, 0xfffd, 0x2265};

/* ---- display list ---- */

void ui_dl_init(struct ui_dl *dl)
{
	memset(dl, 0, sizeof(*dl));
}

void ui_dl_clear(struct ui_dl *dl)
{
	dl->n = 0;
	dl->arena_n = 0;
	dl->rects = dl->merged = dl->texts = 0;
}

void ui_dl_free(struct ui_dl *dl)
{
	free(dl->v);
	free(dl->arena);
	memset(dl, 0, sizeof(*dl));
}

static struct ui_dl_item *dl_push(struct ui_dl *dl)
{
	static struct ui_dl_item sink;
	if (dl->n == dl->cap) {
		size_t ncap = dl->cap ? dl->cap * 2 : 4096;
		struct ui_dl_item *nv = realloc(dl->v, ncap * sizeof(*nv));
		if (!nv) {
			memset(&sink, 0, sizeof(sink));
			return &sink; /* out of memory: draw less, never crash */
		}
		dl->v = nv;
		dl->cap = ncap;
	}
	struct ui_dl_item *it = &dl->v[dl->n++];
	memset(it, 0, sizeof(*it));
	return it;
}

struct ui_dl_item *ui_dl_rect(struct ui_dl *dl, int x, int y, int w, int h, uint32_t color)
{
	struct ui_dl_item *it = dl_push(dl);
	*it =
	    (struct ui_dl_item){.x = x, .y = y, .w = w, .h = h, .color = color, .kind = UI_DL_RECT};
	dl->rects++;
	return it;
}

struct ui_dl_item *ui_dl_outline(struct ui_dl *dl, int x, int y, int w, int h, uint32_t color)
{
	struct ui_dl_item *it = ui_dl_rect(dl, x, y, w, h, color);
	it->kind = UI_DL_OUTLINE;
	return it;
}

void ui_dl_line(struct ui_dl *dl, int x0, int y0, int x1, int y1, uint32_t color)
{
	struct ui_dl_item *it = dl_push(dl);
	*it = (struct ui_dl_item){
	    .x = x0, .y = y0, .w = x1 - x0, .h = y1 - y0, .color = color, .kind = UI_DL_LINE};
}

static uint32_t arena_put(struct ui_dl *dl, const char *s, size_t len)
{
	if (dl->arena_n + len + 1 > dl->arena_cap) {
		size_t ncap = dl->arena_cap ? dl->arena_cap * 2 : 65536;
		while (ncap < dl->arena_n + len + 1)
			ncap *= 2;
		char *na = realloc(dl->arena, ncap);
		if (!na)
			return UINT32_MAX;
		dl->arena = na;
		dl->arena_cap = ncap;
	}
	uint32_t off = dl->arena_n;
	memcpy(dl->arena + off, s, len);
	dl->arena[off + len] = 0;
	dl->arena_n += len + 1;
	return off;
}

struct ui_dl_item *ui_dl_str(struct ui_dl *dl, int x, int y, int clip_w, uint32_t color,
			     enum ui_font font, const char *s, size_t len)
{
	struct ui_dl_item *it = dl_push(dl);
	*it = (struct ui_dl_item){.x = x,
				  .y = y,
				  .w = clip_w,
				  .h = 0,
				  .color = color,
				  .kind = UI_DL_TEXT,
				  .font = font,
				  .len = len,
				  .text_ptr = s};
	dl->texts++;
	return it;
}

struct ui_dl_item *ui_dl_text(struct ui_dl *dl, int x, int y, int clip_w, uint32_t color,
			      enum ui_font font, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	uint32_t off = arena_put(dl, buf, n);
	struct ui_dl_item *it =
	    ui_dl_str(dl, x, y, clip_w, color, font, NULL, off == UINT32_MAX ? 0 : n);
	it->text = off == UINT32_MAX ? 0 : off;
	return it;
}

void ui_dl_clip(struct ui_dl *dl, int x, int y, int w, int h)
{
	struct ui_dl_item *it = dl_push(dl);
	*it = (struct ui_dl_item){.x = x, .y = y, .w = w, .h = h, .kind = UI_DL_CLIP};
}

const char *ui_dl_item_text(const struct ui_dl *dl, const struct ui_dl_item *it)
{
	if (it->text_ptr)
		return it->text_ptr;
	if (!dl->arena)
		return "";
	return dl->arena + it->text;
}

const struct ui_dl_item *ui_dl_hit(const struct ui_dl *dl, int x, int y)
{
	for (size_t i = dl->n; i-- > 0;) {
		const struct ui_dl_item *it = &dl->v[i];
		if (it->hit == UI_HIT_NONE || it->kind == UI_DL_LINE || it->kind == UI_DL_CLIP)
			continue;
		int w = it->w, h = it->h;
		if (it->kind == UI_DL_TEXT)
			continue;
		if (x >= it->x && x < it->x + (w < 1 ? 1 : w) && y >= it->y && y < it->y + h)
			return it;
	}
	return NULL;
}

int ui_glyph_next(const char *s, size_t len, size_t *i)
{
	unsigned char c = s[*i];
	if (c < 0x80) {
		(*i)++;
		return c;
	}
	uint32_t cp = 0;
	int extra = 0;
	if ((c & 0xe0) == 0xc0)
		cp = c & 0x1f, extra = 1;
	else if ((c & 0xf0) == 0xe0)
		cp = c & 0x0f, extra = 2;
	else if ((c & 0xf8) == 0xf0)
		cp = c & 0x07, extra = 3;
	(*i)++;
	for (int k = 0; k < extra && *i < len; k++, (*i)++)
		cp = (cp << 6) | (s[*i] & 0x3f);
	for (int k = 0; k < UI_NEXTRA; k++)
		if (ui_extra_glyphs[k] == cp)
			return 128 + k;
	if (cp >= 0xa0 && cp < 0x180)
		return 128 + UI_NEXTRA + (int)(cp - 0xa0);
	if (cp >= 0x370 && cp < 0x500)
		return 128 + UI_NEXTRA + UI_NRANGE_LATIN + (int)(cp - 0x370);
	if (cp >= 0x2010 && cp < 0x2028)
		return 128 + UI_NEXTRA + UI_NRANGE_LATIN + UI_NRANGE_GRCY + (int)(cp - 0x2010);
	return UI_GLYPH_REPLACEMENT;
}

uint32_t ui_glyph_cp(int g)
{
	if (g < 128)
		return (uint32_t)g;
	g -= 128;
	if (g < UI_NEXTRA)
		return ui_extra_glyphs[g];
	g -= UI_NEXTRA;
	if (g < UI_NRANGE_LATIN)
		return 0xa0 + (uint32_t)g;
	g -= UI_NRANGE_LATIN;
	if (g < UI_NRANGE_GRCY)
		return 0x370 + (uint32_t)g;
	return 0x2010 + (uint32_t)(g - UI_NRANGE_GRCY);
}

static int glyph_adv(const struct ui_metrics *m, enum ui_font f, int g)
{
	return g < 128 ? m->adv[f][g] : m->adv_x[f][g - 128];
}

int ui_text_width(const struct ui_metrics *m, enum ui_font font, const char *s, size_t len)
{
	int w = 0;
	size_t i = 0;
	while (i < len && s[i])
		w += glyph_adv(m, font, ui_glyph_next(s, len, &i));
	return w;
}

size_t ui_text_fit(const struct ui_metrics *m, enum ui_font font, const char *s, size_t len, int w)
{
	int acc = 0;
	size_t i = 0;
	while (i < len && s[i]) {
		size_t prev = i;
		acc += glyph_adv(m, font, ui_glyph_next(s, len, &i));
		if (acc > w)
			return prev;
	}
	return i;
}

/* ---- frame building ---- */

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

static double X(const struct fctx *c, double t)
{
	return c->g.tl_x + (t - c->v->t0) * c->scale;
}

static uint32_t mix(uint32_t a, uint32_t b, int wb /* 0..256 */)
{
	int wa = 256 - wb;
	uint32_t r = (((a >> 24) & 255) * wa + ((b >> 24) & 255) * wb) >> 8;
	uint32_t g = (((a >> 16) & 255) * wa + ((b >> 16) & 255) * wb) >> 8;
	uint32_t bl = (((a >> 8) & 255) * wa + ((b >> 8) & 255) * wb) >> 8;
	return UI_RGB(r, g, bl);
}

/* A rectangle clipped to the lane area; returns NULL when nothing is left. */
static struct ui_dl_item *crect(struct fctx *c, double x0, double x1, int y, int h, uint32_t color)
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

static void ctext(struct fctx *c, double x0, double x1, int y, uint32_t color, const char *s)
{
	int h = c->mt->height[UI_FONT_SMALL];
	if (y < c->clip_y0 || y + h > c->clip_y1)
		return;
	double a = x0 < c->clip_x0 ? c->clip_x0 : x0;
	double b = x1 > c->clip_x1 ? c->clip_x1 : x1;
	int w = (int)(b - a) - 6;
	if (w < 12)
		return;
	size_t len = strlen(s);
	size_t fit = ui_text_fit(c->mt, UI_FONT_SMALL, s, len, w);
	if (fit == 0)
		return;
	ui_dl_str(c->dl, (int)a + 3, y, w, color, UI_FONT_SMALL, s, fit);
}

/* A label with the duration after the name when both fit, else the name
 * (open: still open at the end, measured to it). */
static void ctext_dur(struct fctx *c, double x0, double x1, int y, uint32_t color, const char *s,
		      double dur_ns, bool open)
{
	double a = x0 < c->clip_x0 ? c->clip_x0 : x0;
	double b = x1 > c->clip_x1 ? c->clip_x1 : x1;
	int w = (int)(b - a) - 6;
	char d[64], buf[300];
	ui_format_dur_open(d, sizeof(d), dur_ns, open);
	int n = snprintf(buf, sizeof(buf), "%s  %s", s, d);
	if (n > 0 && (size_t)n < sizeof(buf) && ui_text_width(c->mt, UI_FONT_SMALL, buf, n) <= w &&
	    y >= c->clip_y0 && y + c->mt->height[UI_FONT_SMALL] <= c->clip_y1) {
		ui_dl_text(c->dl, (int)a + 3, y, w, color, UI_FONT_SMALL, "%s", buf);
		return;
	}
	ctext(c, x0, x1, y, color, s);
}

/*
 * The level-of-detail walk over one row: calls `wide` for items at least
 * UI_LOD_MIN_PX wide and `merged` for runs of narrower items that touch
 * (gaps under a pixel). Each step either emits an item wider than the
 * threshold or moves right by at least a pixel through a binary search, so
 * the cost is bounded by the pixels, not by the items.
 */
#define UI_LOD_MIN_PX 1.5

typedef void (*lod_fn)(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n, double x0,
		       double x1, void *arg);

static void row_lod(struct fctx *c, const struct ui_row *row, lod_fn wide, lod_fn merged, void *arg)
{
	const struct ui_view *v = c->v;
	double t0 = v->t0 < 0 ? 0 : v->t0;
	if (v->t1 < 0)
		return;
	uint64_t t1 = (uint64_t)v->t1 + 1;
	uint32_t i = ui_row_first_ending_after(row, (uint64_t)t0);
	double inv = 1.0 / c->scale;
	while (i < row->n && row->begin[i] <= t1) {
		double x0 = X(c, row->begin[i]), x1 = X(c, row->end[i]);
		if (x1 - x0 >= UI_LOD_MIN_PX) {
			wide(c, row, i, 1, x0, x1, arg);
			/* Rows that overlap (the task track's overflow row, waits
			 * inside blocking calls) would draw items hidden under this
			 * one: skip what begins before its last pixel. Rows without
			 * overlap have nothing there, so this costs one search. */
			double tb = v->t0 + (floor(x1) - c->g.tl_x) * inv;
			uint64_t tlim = tb <= 0 ? 0 : (uint64_t)ceil(tb);
			uint32_t k = i + 1;
			if (k < row->n && row->begin[k] < tlim)
				k = ui_row_first_beginning_at(row, k, tlim);
			i = k;
			continue;
		}
		uint32_t j = i + 1;
		double bx1 = x1;
		for (;;) {
			/* Everything starting before the next pixel boundary joins. */
			double tb = v->t0 + (floor(bx1) + 1 - c->g.tl_x) * inv;
			uint64_t tlim = tb <= 0 ? 0 : (uint64_t)ceil(tb);
			uint32_t k = ui_row_first_beginning_at(row, j, tlim);
			/* Same-depth items do not overlap, so of those starting in
			 * this pixel only the last can be wide: it stays alone. */
			if (k > j &&
			    X(c, row->end[k - 1]) - X(c, row->begin[k - 1]) >= UI_LOD_MIN_PX)
				k--;
			if (k > j) {
				double e = X(c, row->maxend[k - 1]);
				if (e > bx1)
					bx1 = e;
				j = k;
			}
			if (j >= row->n)
				break;
			double nx0 = X(c, row->begin[j]), nx1 = X(c, row->end[j]);
			if (nx0 - bx1 < 1.0 && nx1 - nx0 < UI_LOD_MIN_PX) {
				if (nx1 > bx1)
					bx1 = nx1;
				j++;
				continue;
			}
			break;
		}
		if (j - i == 1)
			wide(c, row, i, 1, x0, x1, arg);
		else
			merged(c, row, i, j - i, x0, bx1, arg);
		i = j;
	}
}

struct lane_arg {
	int y, h;
	uint32_t thread;
};

static void region_wide(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n, double x0,
			double x1, void *arg)
{
	struct lane_arg *a = arg;
	uint32_t r = row->idx[i];
	const struct cprof_region *reg = &c->m->regions.v[r];
	uint32_t col = ui_type_color(c->ix, reg->type);
	if (c->dim)
		col = mix(col, ui_theme[UI_C_BG], 170);
	struct ui_dl_item *it = crect(c, x0, x1 - (x1 - x0 > 4 ? 1 : 0), a->y, a->h, col);
	if (!it)
		return;
	it->hit = UI_HIT_REGION;
	it->ref = r;
	it->count = 1;
	if (x1 - x0 > 24 && !c->dim)
		ctext_dur(c, x0, x1, a->y + 2, ui_theme[UI_C_TEXT_DARK],
			  cprof_model_str(c->m, reg->type), (double)(row->end[i] - row->begin[i]),
			  reg->end_ns == 0);
}

static void region_merged(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n,
			  double x0, double x1, void *arg)
{
	struct lane_arg *a = arg;
	/* Half the first region's colour: merged blocks keep a hint of what
	 * they hold, and stay distinguishable from single regions. */
	uint32_t col = mix(ui_type_color(c->ix, c->m->regions.v[row->idx[i]].type),
			   ui_theme[UI_C_MERGED], 128);
	if (c->dim)
		col = mix(col, ui_theme[UI_C_BG], 150);
	struct ui_dl_item *it = crect(c, x0, x1, a->y, a->h, col);
	if (!it)
		return;
	it->hit = UI_HIT_REGIONS;
	it->ref = row->idx[i];
	it->count = n;
	c->dl->merged++;
}

static uint32_t state_color(const struct fctx *c, uint32_t idx)
{
	if (idx & 0x80000000u)
		return ui_theme[UI_C_SYSCALL];
	return ui_wait_color(c->m->waits.v[idx].kind);
}

static void state_wide(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n, double x0,
		       double x1, void *arg)
{
	struct lane_arg *a = arg;
	uint32_t idx = row->idx[i];
	struct ui_dl_item *it = crect(c, x0, x1, a->y, a->h, state_color(c, idx));
	if (!it)
		return;
	it->hit = idx & 0x80000000u ? UI_HIT_SYSCALL : UI_HIT_WAIT;
	it->ref = idx & 0x7fffffffu;
	it->count = 1;
}

static void state_merged(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n,
			 double x0, double x1, void *arg)
{
	struct lane_arg *a = arg;
	struct ui_dl_item *it = crect(c, x0, x1, a->y, a->h,
				      mix(state_color(c, row->idx[i]), UI_RGB(255, 255, 255), 60));
	if (!it)
		return;
	it->hit = UI_HIT_STATES;
	it->ref = a->thread;
	it->count = n;
	c->dl->merged++;
}

static void log_mark(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n, double x0,
		     double x1, void *arg)
{
	struct lane_arg *a = arg;
	uint32_t col = ui_theme[UI_C_LOG];
	if (c->ix->hl_active && c->ix->str_match && c->v->search[0]) {
		const struct cprof_log *l = &c->m->logs.v[row->idx[i]];
		if (c->ix->str_match[l->message] || c->ix->str_match[l->category])
			col = ui_theme[UI_C_SEARCH];
	}
	struct ui_dl_item *it = crect(c, x0 - 1, x0 + 2, a->y, a->h, col);
	if (!it)
		return;
	it->hit = n > 1 ? UI_HIT_LOGS : UI_HIT_LOG;
	it->ref = row->idx[i];
	it->count = n;
}

static void log_merged(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n, double x0,
		       double x1, void *arg)
{
	log_mark(c, row, i, n, x0, x1 < x0 + 1 ? x0 + 1 : x1, arg);
}

/* CPU samples: a 2 px tick each; a run closer than a pixel becomes one
 * block whose brightness is its density against the sampling rate, which
 * reads as the share of that stretch the thread spent on a CPU. */
static double sample_expected_per_px(const struct fctx *c, uint32_t thread)
{
	const struct cprof_thread *th = &c->m->threads.v[thread];
	uint32_t hz = th->process < c->m->processes.n ? c->m->processes.v[th->process].cpu_rate : 0;
	return hz ? hz * 1e-9 / c->scale : 0;
}

static void sample_tick(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n, double x0,
			double x1, void *arg)
{
	struct lane_arg *a = arg;
	struct ui_dl_item *it = crect(c, x0 - 0.5, x0 + 1.5, a->y, a->h, ui_theme[UI_C_SAMPLE]);
	if (!it)
		return;
	it->hit = UI_HIT_SAMPLE;
	it->ref = row->idx[i];
	it->count = 1;
}

static void sample_density(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n,
			   double x0, double x1, void *arg)
{
	struct lane_arg *a = arg;
	double w = x1 - x0 < 1 ? 1 : x1 - x0;
	double per_px = n / w, want = sample_expected_per_px(c, a->thread);
	double f = want > 0 ? per_px / want : 1;
	int wb = 70 + (int)(186 * (f > 1 ? 1 : f));
	struct ui_dl_item *it = crect(c, x0 - 0.5, x1 + 1.5, a->y, a->h,
				      mix(ui_theme[UI_C_LANE_A], ui_theme[UI_C_SAMPLE], wb));
	if (!it)
		return;
	it->hit = UI_HIT_SAMPLES;
	it->ref = row->idx[i];
	it->count = n;
	c->dl->merged++;
}

/* Allocations: a 3 px marker whose height grows with log2 of the size
 * (16 B: 3 px, 1 MiB and more: the full row); runs closer than a pixel
 * become a full-height block whose brightness is their count per pixel. */
static int alloc_marker_h(uint64_t size)
{
	int l2 = 0;
	while (l2 < 63 && (1ull << (l2 + 1)) <= size)
		l2++;
	int h = 3 + (l2 - 4) * (UI_ALLOC_H - 3) / 16;
	return h < 3 ? 3 : h > UI_ALLOC_H ? UI_ALLOC_H : h;
}

static void alloc_mark(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n, double x0,
		       double x1, void *arg)
{
	struct lane_arg *a = arg;
	const struct cprof_alloc *al = &c->m->allocs.v[row->idx[i]];
	int h = alloc_marker_h(al->size);
	uint32_t col = ui_theme[UI_C_ALLOC];
	if (al->free_ns)
		col = mix(col, ui_theme[UI_C_LANE_A], 70); /* freed: a little dimmer */
	struct ui_dl_item *it = crect(c, x0 - 1, x0 + 2, a->y + a->h - h, h, col);
	if (!it)
		return;
	it->hit = UI_HIT_ALLOC;
	it->ref = row->idx[i];
	it->count = 1;
}

static void alloc_density(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n,
			  double x0, double x1, void *arg)
{
	struct lane_arg *a = arg;
	double w = x1 - x0 < 1 ? 1 : x1 - x0;
	double f = n / w / 4.0; /* four or more per pixel: full colour */
	int wb = 80 + (int)(176 * (f > 1 ? 1 : f));
	struct ui_dl_item *it = crect(c, x0 - 1, x1 + 2, a->y, a->h,
				      mix(ui_theme[UI_C_LANE_A], ui_theme[UI_C_ALLOC], wb));
	if (!it)
		return;
	it->hit = UI_HIT_ALLOCS;
	it->ref = row->idx[i];
	it->count = n;
	c->dl->merged++;
}

static void task_wide(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n, double x0,
		      double x1, void *arg)
{
	struct lane_arg *a = arg;
	uint32_t t = row->idx[i];
	const struct cprof_task *task = &c->m->tasks.v[t];
	uint32_t col = mix(ui_type_color(c->ix, task->type), ui_theme[UI_C_BG], 60);
	if (c->v->sel_task != CPROF_NONE && c->v->sel_task != t)
		col = mix(col, ui_theme[UI_C_BG], 160);
	struct ui_dl_item *it = crect(c, x0, x1 - (x1 - x0 > 4 ? 1 : 0), a->y, a->h - 1, col);
	if (!it)
		return;
	it->hit = UI_HIT_TASK;
	it->ref = t;
	it->count = 1;
	if (c->v->sel_task == t)
		ui_dl_outline(c->dl, it->x - 1, it->y - 1, it->w + 2, it->h + 2,
			      ui_theme[UI_C_SELECT]);
}

static void task_merged(struct fctx *c, const struct ui_row *row, uint32_t i, uint32_t n, double x0,
			double x1, void *arg)
{
	struct lane_arg *a = arg;
	struct ui_dl_item *it =
	    crect(c, x0, x1, a->y, a->h - 1, mix(ui_theme[UI_C_TASK], ui_theme[UI_C_BG], 90));
	if (!it)
		return;
	it->hit = UI_HIT_TASKS;
	it->ref = row->idx[i];
	it->count = n;
	c->dl->merged++;
}

/* The CPU sample and allocation rows, present only when the thread has some. */
static int marks_h(const struct ui_thread_index *ti)
{
	return (ti->samples.n ? UI_SAMPLE_H + 1 : 0) + (ti->allocs.n ? UI_ALLOC_H + 1 : 0);
}

static int thread_lane_h(const struct ui_thread_index *ti)
{
	int rows = ti->collapsed ? (ti->depths ? 1 : 0) : ti->depths;
	return 3 + rows * UI_ROW_H + 6 + marks_h(ti) + UI_STATE_H + 4;
}

static const char *thread_label(const struct cprof_model *m, uint32_t t, char *buf, size_t size)
{
	const struct cprof_thread *th = &m->threads.v[t];
	const char *name = cprof_model_str(m, th->name);
	snprintf(buf, size, "%s %" PRId32, name[0] ? name : "thread", th->tid);
	return buf;
}

static void gutter_label_w(struct fctx *c, int y, int h, const char *s, uint32_t color,
			   enum ui_font font, int indent, int width)
{
	int fh = c->mt->height[font];
	int ty = y + (h - fh) / 2;
	if (ty < c->clip_y0 || ty + fh > c->clip_y1)
		return;
	int w = width - 10 - indent;
	size_t len = strlen(s);
	size_t fit = ui_text_fit(c->mt, font, s, len, w);
	struct ui_dl_item *it = ui_dl_str(c->dl, 6 + indent, ty, w, color, font, NULL, 0);
	uint32_t off = arena_put(c->dl, s, fit);
	it->text = off == UINT32_MAX ? 0 : off;
	it->len = off == UINT32_MAX ? 0 : fit;
}

static void gutter_label(struct fctx *c, int y, int h, const char *s, uint32_t color,
			 enum ui_font font, int indent)
{
	gutter_label_w(c, y, h, s, color, font, indent, UI_GUTTER_W);
}

static void draw_thread(struct fctx *c, uint32_t t, int y, int band)
{
	struct ui_thread_index *ti = &c->ix->threads[t];
	const struct cprof_thread *th = &c->m->threads.v[t];
	int h = thread_lane_h(ti);
	char buf[160];
	uint32_t bg = ui_theme[band ? UI_C_LANE_B : UI_C_LANE_A];

	/* The gutter row is the collapse toggle. */
	int gy0 = y < c->clip_y0 ? c->clip_y0 : y;
	int gy1 = y + h > c->clip_y1 ? c->clip_y1 : y + h;
	if (gy1 <= gy0)
		return;
	struct ui_dl_item *g = ui_dl_rect(c->dl, 0, gy0, UI_GUTTER_W - 1, gy1 - gy0, bg);
	g->hit = UI_HIT_THREAD;
	g->ref = t;
	ui_dl_rect(c->dl, c->g.tl_x, gy0, c->g.tl_w, gy1 - gy0, bg);
	char lab[200];
	snprintf(lab, sizeof(lab), "%s %s",
		 ti->depths > 1 ? (ti->collapsed ? "\u25b8" : "\u25be") : " ",
		 thread_label(c->m, t, buf, sizeof(buf)));
	gutter_label(c, y, UI_ROW_H + 4, lab, ui_theme[UI_C_TEXT], UI_FONT_NORMAL, 10);
	if (h >= 34) {
		char d[64];
		ui_format_dur(d, sizeof(d), (double)(th->last_ns - th->first_ns));
		snprintf(lab, sizeof(lab), "%" PRIu64 " events, %s", th->events, d);
		gutter_label(c, y + UI_ROW_H, 14, lab, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, 24);
	}

	struct lane_arg a = {.thread = t};
	int rows = ti->collapsed ? (ti->depths ? 1 : 0) : ti->depths;
	c->thread_y[t] = y + 3;
	c->thread_rows[t] = rows;
	for (int d = 0; d < rows; d++) {
		a.y = y + 3 + d * UI_ROW_H;
		a.h = UI_ROW_H - 1;
		if (a.y + a.h < c->clip_y0 || a.y > c->clip_y1)
			continue;
		row_lod(c, &ti->rows[d], region_wide, region_merged, &a);
	}
	int ly = y + 3 + rows * UI_ROW_H;
	a.y = ly;
	a.h = 5;
	if (ti->logs.n)
		row_lod(c, &ti->logs, log_mark, log_merged, &a);
	int my = ly + 6;
	if (ti->samples.n) {
		c->sample_y[t] = a.y = my;
		a.h = UI_SAMPLE_H;
		if (a.y + a.h > c->clip_y0 && a.y < c->clip_y1)
			row_lod(c, &ti->samples, sample_tick, sample_density, &a);
		my += UI_SAMPLE_H + 1;
	}
	if (ti->allocs.n) {
		c->alloc_y[t] = a.y = my;
		a.h = UI_ALLOC_H;
		if (a.y + a.h > c->clip_y0 && a.y < c->clip_y1)
			row_lod(c, &ti->allocs, alloc_mark, alloc_density, &a);
		my += UI_ALLOC_H + 1;
	}
	/* Thread state: alive and not blocked is "running"; waits and blocking
	 * calls are drawn over it. */
	int sy = my;
	c->state_y[t] = sy;
	uint64_t alive0 = th->first_ns > c->m->begin_ns ? th->first_ns - c->m->begin_ns : 0;
	uint64_t alive1 = th->last_ns > c->m->begin_ns ? th->last_ns - c->m->begin_ns : 0;
	if (th->start_ns && th->start_ns < th->first_ns)
		alive0 = th->start_ns - c->m->begin_ns;
	if (th->end_ns > th->last_ns)
		alive1 = th->end_ns - c->m->begin_ns;
	double rx0 = X(c, alive0), rx1 = X(c, alive1);
	if (rx1 > c->clip_x0 && rx0 < c->clip_x1) {
		struct ui_dl_item *it = crect(c, rx0, rx1, sy, UI_STATE_H, ui_theme[UI_C_RUNNING]);
		if (it) {
			it->hit = UI_HIT_RUNNING;
			it->ref = t;
		}
	}
	a.y = sy;
	a.h = UI_STATE_H;
	row_lod(c, &ti->state, state_wide, state_merged, &a);
}

static void draw_counter(struct fctx *c, uint32_t k, int y, int h, int band)
{
	const struct ui_counter_index *ci = &c->ix->counters[k];
	const struct cprof_counter *mc = &c->m->counters.v[ci->counter];
	uint32_t bg = ui_theme[band ? UI_C_LANE_B : UI_C_LANE_A];
	int gy0 = y < c->clip_y0 ? c->clip_y0 : y, gy1 = y + h > c->clip_y1 ? c->clip_y1 : y + h;
	if (gy1 <= gy0)
		return;
	ui_dl_rect(c->dl, 0, gy0, UI_GUTTER_W - 1, gy1 - gy0, bg);
	ui_dl_rect(c->dl, c->g.tl_x, gy0, c->g.tl_w, gy1 - gy0, bg);
	char lab[160];
	const char *pname = "";
	if (mc->process < c->m->processes.n)
		pname = cprof_model_str(c->m, c->m->processes.v[mc->process].name);
	snprintf(lab, sizeof(lab), "%s%s%s", cprof_model_str(c->m, mc->name), pname[0] ? " - " : "",
		 pname);
	gutter_label(c, y, 18, lab, ui_theme[UI_C_TEXT], UI_FONT_NORMAL, 10);
	bool bytes = strstr(cprof_model_str(c->m, mc->name), "heap") != NULL;
	if (bytes)
		snprintf(lab, sizeof(lab), "max %.1f MiB", ci->vmax / 1048576.0);
	else
		snprintf(lab, sizeof(lab), "max %" PRId64, ci->vmax);
	gutter_label(c, y + 16, 14, lab, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, 24);
	if (!ci->n)
		return;
	double vmax = ci->vmax > 0 ? (double)ci->vmax : 1;
	int base = y + h - 3, ph = h - 8;
	/* Per pixel column: the maximum of the points inside it, or the value
	 * carried from the last point before it (a step function). */
	int run_x = -1, run_h = -1;
	uint32_t colr = mix(ui_theme[UI_C_COUNTER], ui_theme[UI_C_BG], 90);
	uint32_t p = 0;
	for (int x = c->g.tl_x; x <= c->g.tl_x + c->g.tl_w; x++) {
		int hh = -1;
		if (x < c->g.tl_x + c->g.tl_w) {
			double ta = c->v->t0 + (x - c->g.tl_x) / c->scale;
			double tb = ta + 1 / c->scale;
			uint64_t ua = ta <= 0 ? 0 : (uint64_t)ta, ub = tb <= 0 ? 0 : (uint64_t)tb;
			/* first point >= ua */
			uint32_t lo = p, hi = ci->n;
			while (lo < hi) {
				uint32_t mid = lo + (hi - lo) / 2;
				if (ci->ns[mid] < ua)
					lo = mid + 1;
				else
					hi = mid;
			}
			uint32_t q = lo;
			lo = q, hi = ci->n;
			while (lo < hi) {
				uint32_t mid = lo + (hi - lo) / 2;
				if (ci->ns[mid] < ub)
					lo = mid + 1;
				else
					hi = mid;
			}
			uint32_t e = lo;
			p = q;
			int64_t val = INT64_MIN;
			if (q > 0 && (tb > 0) && ci->ns[q - 1] <= ua && ta < (double)c->ix->span)
				val = ci->val[q - 1];
			if (e > q) {
				/* range max over [q, e) through the block levels */
				uint32_t a0 = q, b0 = e;
				const int64_t *L = ci->val;
				int64_t best = INT64_MIN;
				for (int lv = 0;; lv++) {
					while (a0 < b0 && a0 % 16) {
						if (L[a0] > best)
							best = L[a0];
						a0++;
					}
					while (a0 < b0 && b0 % 16) {
						b0--;
						if (L[b0] > best)
							best = L[b0];
					}
					if (a0 >= b0)
						break;
					if (lv >= ci->nlvl) {
						for (uint32_t z = a0; z < b0; z++)
							if (L[z] > best)
								best = L[z];
						break;
					}
					L = ci->lvl[lv];
					a0 /= 16;
					b0 /= 16;
				}
				if (best > val)
					val = best;
			}
			if (val != INT64_MIN)
				hh = (int)lround((val < 0 ? 0 : val) * ph / vmax);
		}
		if (hh != run_h) {
			if (run_h >= 0 && run_x >= 0) {
				int yy = base - (run_h < 1 ? 1 : run_h);
				struct ui_dl_item *it = crect(c, run_x, x, yy, base - yy, colr);
				if (it) {
					it->hit = UI_HIT_COUNTER;
					it->ref = k;
				}
				crect(c, run_x, x, yy, 1, ui_theme[UI_C_COUNTER]);
			}
			run_x = x;
			run_h = hh;
		}
	}
}

static int counters_h(const struct fctx *c)
{
	return (int)c->ix->ncounters * UI_COUNTER_H;
}

static void lane_separator(struct fctx *c, int y)
{
	if (y >= c->clip_y0 && y < c->clip_y1)
		ui_dl_rect(c->dl, 0, y, c->g.tl_x + c->g.tl_w, 1, ui_theme[UI_C_GRID]);
}

/* Rows the task track shows: all of them, one when collapsed, or
 * UI_TASK_MAX_ROWS - 1 and a "+N more" row when there are more. */
static uint32_t task_rows_shown(const struct ui_index *ix)
{
	if (!ix->ntask_rows)
		return 0;
	if (ix->tasks_collapsed)
		return 1;
	return ix->ntask_rows > UI_TASK_MAX_ROWS ? UI_TASK_MAX_ROWS : ix->ntask_rows;
}

static int task_track_h(const struct ui_index *ix)
{
	if (!ix->ntask_rows)
		return 0;
	int h = 6 + (int)task_rows_shown(ix) * UI_TASK_ROW_H;
	return h < 22 ? 22 : h;
}

int ui_lanes_height(const struct ui_index *ix)
{
	int y = (int)ix->ncounters * UI_COUNTER_H + task_track_h(ix);
	for (uint32_t p = 0; p < ix->nprocs; p++) {
		const struct ui_process_index *pi = &ix->procs[p];
		y += 22;
		if (!pi->collapsed)
			for (uint32_t k = 0; k < pi->n; k++)
				y += thread_lane_h(&ix->threads[pi->threads[k]]);
	}
	return y;
}

int ui_thread_offset(const struct ui_index *ix, uint32_t thread)
{
	int y = (int)ix->ncounters * UI_COUNTER_H + task_track_h(ix);
	for (uint32_t p = 0; p < ix->nprocs; p++) {
		const struct ui_process_index *pi = &ix->procs[p];
		y += 22;
		if (pi->collapsed)
			continue;
		for (uint32_t k = 0; k < pi->n; k++) {
			if (pi->threads[k] == thread)
				return y;
			y += thread_lane_h(&ix->threads[pi->threads[k]]);
		}
	}
	return -1;
}

/*
 * The task track: tasks packed into as many rows as are ever open at once.
 * Collapsed, every task shares one row; past UI_TASK_MAX_ROWS rows, the
 * last one shows the rest overlapping, labelled "+N more". Overlapping rows
 * cost no more than the others: row_lod skips what a wide task hides and
 * merges what is narrower than a pixel.
 */
static void draw_task_track(struct fctx *c, int y, int h, int band)
{
	const struct ui_index *ix = c->ix;
	char lab[160];
	int gy0 = y < c->clip_y0 ? c->clip_y0 : y;
	int gy1 = y + h > c->clip_y1 ? c->clip_y1 : y + h;
	uint32_t bg = ui_theme[band ? UI_C_LANE_B : UI_C_LANE_A];
	struct ui_dl_item *g = ui_dl_rect(c->dl, 0, gy0, UI_GUTTER_W - 1, gy1 - gy0, bg);
	g->hit = UI_HIT_TASK_TRACK;
	ui_dl_rect(c->dl, c->g.tl_x, gy0, c->g.tl_w, gy1 - gy0, bg);
	snprintf(lab, sizeof(lab), "%s Tasks (%zu)",
		 ix->ntask_rows > 1 ? (ix->tasks_collapsed ? "\u25b8" : "\u25be") : " ",
		 c->m->tasks.n);
	gutter_label(c, y, 20, lab, ui_theme[UI_C_TEXT], UI_FONT_NORMAL, 0);
	if (h >= 34) {
		snprintf(lab, sizeof(lab), "%u rows", ix->ntask_rows);
		gutter_label(c, y + 16, 14, lab, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, 24);
	}
	uint32_t shown = task_rows_shown(ix);
	for (uint32_t r = 0; r < shown; r++) {
		struct lane_arg a = {.y = y + 3 + (int)r * UI_TASK_ROW_H, .h = UI_TASK_ROW_H};
		if (a.y + a.h <= c->clip_y0 || a.y >= c->clip_y1)
			continue;
		const struct ui_row *row = &ix->task_rows[r];
		if (ix->tasks_collapsed)
			row = &ix->task_all;
		else if (r == shown - 1 && ix->ntask_rows > shown) {
			row = &ix->task_more;
			snprintf(lab, sizeof(lab), "+%u more in %u rows", row->n,
				 ix->ntask_rows - (shown - 1));
			gutter_label(c, a.y, UI_TASK_ROW_H, lab, ui_theme[UI_C_TEXT_DIM],
				     UI_FONT_SMALL, 10);
		}
		row_lod(c, row, task_wide, task_merged, &a);
	}
}

static void draw_lanes(struct fctx *c)
{
	int y = c->g.tl_y - c->v->scroll_y;
	int band = 0;
	char lab[200];

	for (uint32_t k = 0; k < c->ix->ncounters; k++) {
		if (y + UI_COUNTER_H > c->clip_y0 && y < c->clip_y1)
			draw_counter(c, k, y, UI_COUNTER_H, band);
		y += UI_COUNTER_H;
		lane_separator(c, y - 1);
		band ^= 1;
	}
	(void)counters_h;
	if (c->ix->ntask_rows) {
		int h = task_track_h(c->ix);
		if (y + h > c->clip_y0 && y < c->clip_y1)
			draw_task_track(c, y, h, band);
		y += h;
		lane_separator(c, y - 1);
		band ^= 1;
	}
	for (uint32_t p = 0; p < c->ix->nprocs; p++) {
		struct ui_process_index *pi = &c->ix->procs[p];
		int h = 22;
		if (y + h > c->clip_y0 && y < c->clip_y1) {
			int gy0 = y < c->clip_y0 ? c->clip_y0 : y;
			int gy1 = y + h > c->clip_y1 ? c->clip_y1 : y + h;
			struct ui_dl_item *it = ui_dl_rect(c->dl, 0, gy0, c->g.tl_x + c->g.tl_w,
							   gy1 - gy0, ui_theme[UI_C_HEADER]);
			it->hit = UI_HIT_PROCESS;
			it->ref = p;
			const char *name = "(unknown process)";
			int32_t pid = 0;
			if (pi->process != CPROF_NONE) {
				name = cprof_model_str(c->m, c->m->processes.v[pi->process].name);
				pid = c->m->processes.v[pi->process].pid;
			}
			snprintf(lab, sizeof(lab), "%s %s   pid %" PRId32 "   \u00b7   %u thread%s",
				 pi->collapsed ? "\u25b8" : "\u25be", name, pid, pi->n,
				 pi->n == 1 ? "" : "s");
			gutter_label_w(c, y, h, lab, ui_theme[UI_C_TEXT], UI_FONT_BOLD, 0,
				       c->g.tl_x + c->g.tl_w);
		}
		y += h;
		if (pi->collapsed)
			continue;
		for (uint32_t k = 0; k < pi->n; k++) {
			uint32_t t = pi->threads[k];
			int lh = thread_lane_h(&c->ix->threads[t]);
			if (y + lh > c->clip_y0 && y < c->clip_y1)
				draw_thread(c, t, y, band);
			y += lh;
			lane_separator(c, y - 1);
			band ^= 1;
		}
	}
	if (y < c->clip_y1)
		ui_dl_rect(c->dl, 0, y < c->clip_y0 ? c->clip_y0 : y, c->g.tl_x + c->g.tl_w,
			   c->clip_y1 - (y < c->clip_y0 ? c->clip_y0 : y), ui_theme[UI_C_BG]);
}

/* Highlighted regions (selected task, panel type, search) drawn on top at
 * full colour, so that they stay visible inside merged blocks. */
static void draw_highlight(struct fctx *c)
{
	const struct ui_row *row = &c->ix->hl;
	if (!c->ix->hl_active || !row->n)
		return;
	double t0 = c->v->t0 < 0 ? 0 : c->v->t0;
	uint32_t i = ui_row_first_ending_after(row, (uint64_t)t0);
	int budget = 6000;
	int last_x = INT32_MIN;
	uint32_t last_t = CPROF_NONE;
	for (; i < row->n && row->begin[i] <= c->v->t1 && budget > 0; i++) {
		uint32_t r = row->idx[i];
		const struct cprof_region *reg = &c->m->regions.v[r];
		int ty = c->thread_y[reg->thread];
		if (ty == INT32_MIN)
			continue;
		int d = reg->depth;
		if (d >= c->thread_rows[reg->thread])
			continue; /* collapsed */
		double x0 = X(c, row->begin[i]), x1 = X(c, row->end[i]);
		if ((int)x0 == last_x && reg->thread == last_t && x1 - x0 < 1)
			continue;
		last_x = (int)x0;
		last_t = reg->thread;
		budget--;
		int y = ty + d * UI_ROW_H;
		struct ui_dl_item *it =
		    crect(c, x0, x1, y, UI_ROW_H - 1,
			  c->v->search[0] && !c->v->search_active && c->v->hl_type == 0 &&
				  c->v->sel_task == CPROF_NONE
			      ? ui_theme[UI_C_SEARCH]
			      : ui_type_color(c->ix, reg->type));
		if (!it)
			continue;
		it->hit = UI_HIT_REGION;
		it->ref = r;
		it->count = 1;
		if (x1 - x0 >= 3)
			ui_dl_outline(c->dl, it->x, it->y, it->w, it->h, ui_theme[UI_C_SELECT]);
		if (x1 - x0 > 24)
			ctext(c, x0, x1, y + 2, ui_theme[UI_C_TEXT_DARK],
			      cprof_model_str(c->m, reg->type));
	}
}

/* Waits, blocking calls and allocations picked from a side-panel row:
 * bright marks over the thread-state strip, so they stand out at any zoom. */
static void draw_state_highlight(struct fctx *c)
{
	const struct ui_row *row = &c->ix->hl_state;
	if (!row->n)
		return;
	double t0 = c->v->t0 < 0 ? 0 : c->v->t0;
	uint32_t i = ui_row_first_ending_after(row, (uint64_t)t0);
	int budget = 6000, last_x = INT32_MIN;
	uint32_t last_t = CPROF_NONE;
	for (; i < row->n && row->begin[i] <= c->v->t1 && budget > 0; i++) {
		uint32_t idx = row->idx[i], thread;
		uint8_t hit;
		if (idx & 0x80000000u) {
			thread = c->m->syscalls.v[idx & 0x3fffffffu].thread;
			hit = UI_HIT_SYSCALL;
		} else if (idx & 0x40000000u) {
			thread = c->m->allocs.v[idx & 0x3fffffffu].thread;
			hit = UI_HIT_NONE;
		} else {
			thread = c->m->waits.v[idx].thread;
			hit = UI_HIT_WAIT;
		}
		if (thread >= c->m->threads.n || c->state_y[thread] == INT32_MIN)
			continue;
		int y = c->state_y[thread], h = UI_STATE_H;
		if ((idx & 0x40000000u) && c->alloc_y[thread] != INT32_MIN) {
			y = c->alloc_y[thread];
			h = UI_ALLOC_H;
			hit = UI_HIT_ALLOC;
		}
		double x0 = X(c, row->begin[i]), x1 = X(c, row->end[i]);
		if ((int)x0 == last_x && thread == last_t && x1 - x0 < 1)
			continue;
		last_x = (int)x0;
		last_t = thread;
		budget--;
		if (x1 - x0 < 3) {
			x0 -= 1;
			x1 = x0 + 3;
		}
		/* White over the state's own colour: the kind stays readable. */
		struct ui_dl_item *it =
		    crect(c, x0, x1, y - 2, h + 4, UI_RGBA(255, 255, 255, 0x60));
		if (!it)
			continue;
		ui_dl_outline(c->dl, it->x, it->y, it->w, it->h, ui_theme[UI_C_SELECT]);
		if (hit != UI_HIT_NONE) {
			it->hit = hit;
			it->ref = idx & 0x3fffffffu;
			it->count = 1;
		}
	}
}

/* Arrows where the selected task moved from one thread to another: from
 * its begin to its first region, between consecutive top-level regions on
 * different threads, and from its last region to its end. */
static void arrow(struct fctx *c, uint32_t ta, uint64_t a_abs, uint32_t tb, uint64_t b_abs)
{
	if (ta >= c->m->threads.n || tb >= c->m->threads.n || ta == tb)
		return;
	int ya = c->thread_y[ta], yb = c->thread_y[tb];
	double xa = X(c, (double)(a_abs - c->m->begin_ns));
	double xb = X(c, (double)(b_abs - c->m->begin_ns));
	if (ya == INT32_MIN || yb == INT32_MIN || (xa < c->clip_x0 && xb < c->clip_x0) ||
	    (xa > c->clip_x1 && xb > c->clip_x1))
		return;
	int y0 = ya + UI_ROW_H / 2, y1 = yb + UI_ROW_H / 2;
	uint32_t col = ui_theme[UI_C_ARROW];
	ui_dl_line(c->dl, (int)xa, y0, (int)xb, y1, col);
	ui_dl_line(c->dl, (int)xa + 1, y0, (int)xb + 1, y1, col);
	ui_dl_rect(c->dl, (int)xa - 2, y0 - 2, 5, 5, col);
	double dx = xb - xa, dy = y1 - y0, len = sqrt(dx * dx + dy * dy);
	if (len > 1) {
		double ux = dx / len, uy = dy / len;
		for (int s = -1; s <= 1; s += 2) {
			double hx = xb - 9 * ux + s * 4.5 * -uy;
			double hy = y1 - 9 * uy + s * 4.5 * ux;
			ui_dl_line(c->dl, (int)xb, y1, (int)hx, (int)hy, col);
			ui_dl_line(c->dl, (int)xb + 1, y1, (int)hx + 1, (int)hy, col);
		}
	}
}

static void draw_task_arrows(struct fctx *c)
{
	uint32_t t = c->v->sel_task;
	if (t == CPROF_NONE || t >= c->m->tasks.n)
		return;
	const struct cprof_task *task = &c->m->tasks.v[t];
	uint32_t a = c->ix->task_region_first[t], b = c->ix->task_region_first[t + 1];
	uint32_t prev_thread = task->begin_thread;
	uint64_t prev_ns = task->begin_ns;
	int budget = 2000;
	for (uint32_t k = a; k < b && budget > 0; k++) {
		const struct cprof_region *reg = &c->m->regions.v[c->ix->task_regions[k]];
		if (reg->depth != 0)
			continue;
		if (reg->thread != prev_thread) {
			arrow(c, prev_thread, prev_ns, reg->thread, reg->begin_ns);
			budget--;
		}
		prev_thread = reg->thread;
		prev_ns = reg->end_ns ? reg->end_ns : c->m->end_ns;
	}
	if (task->end_ns && task->end_thread != CPROF_NONE && task->end_thread != prev_thread)
		arrow(c, prev_thread, prev_ns, task->end_thread, task->end_ns);
}

static void draw_lost(struct fctx *c)
{
	for (size_t i = 0; i < c->m->lost.n; i++) {
		const struct cprof_lost *l = &c->m->lost.v[i];
		double b =
		    (double)(l->begin_ns > c->m->begin_ns ? l->begin_ns - c->m->begin_ns : 0);
		double e = (double)(l->end_ns > c->m->begin_ns ? l->end_ns - c->m->begin_ns : 0);
		double x0 = X(c, b), x1 = X(c, e);
		if (x1 < c->clip_x0 || x0 > c->clip_x1)
			continue;
		if (x1 - x0 < 2) {
			x0 -= 1;
			x1 = x0 + 3; /* never hidden, however short */
		}
		struct ui_dl_item *it =
		    crect(c, x0, x1, c->clip_y0, c->clip_y1 - c->clip_y0, ui_theme[UI_C_LOST]);
		if (it) {
			it->hit = UI_HIT_LOST;
			it->ref = i;
		}
		/* a solid marker on the axis */
		int ax0 = (int)x0 < c->g.tl_x ? c->g.tl_x : (int)x0;
		int ax1 = (int)x1 > c->g.tl_x + c->g.tl_w ? c->g.tl_x + c->g.tl_w : (int)x1;
		if (ax1 > ax0) {
			struct ui_dl_item *m = ui_dl_rect(c->dl, ax0, UI_HEADER_H + UI_AXIS_H - 5,
							  ax1 - ax0, 5, UI_RGB(0xff, 0x3b, 0x3b));
			m->hit = UI_HIT_LOST;
			m->ref = i;
		}
	}
}

static void draw_axis(struct fctx *c)
{
	int y = UI_HEADER_H;
	ui_dl_rect(c->dl, 0, y, c->v->width - c->g.panel_w, UI_AXIS_H, ui_theme[UI_C_PANEL]);
	ui_dl_rect(c->dl, 0, y + UI_AXIS_H - 1, c->v->width - c->g.panel_w, 1, ui_theme[UI_C_GRID]);
	char buf[64];
	double span = c->v->t1 - c->v->t0;
	/* Label width depends on the digits needed: measure the widest label
	 * at this zoom and space ticks so that labels never touch. */
	double step = ui_tick_step(span, c->g.tl_w, 70);
	for (int iter = 0; iter < 4; iter++) {
		ui_format_time(buf, sizeof(buf), c->v->t1, step);
		int lw = ui_text_width(c->mt, UI_FONT_SMALL, buf, strlen(buf)) + 24;
		double want = ui_tick_step(span, c->g.tl_w, lw);
		if (want <= step)
			break;
		step = want;
	}
	double first = ceil(c->v->t0 / step) * step;
	struct ui_dl_item *ax =
	    ui_dl_rect(c->dl, c->g.tl_x, y, c->g.tl_w, UI_AXIS_H - 1, ui_theme[UI_C_PANEL]);
	ax->hit = UI_HIT_AXIS;
	/* Labels are placed first and emitted after: a label that would cross
	 * the data area's right edge is shifted left rather than dropped (the
	 * rightmost tick says where the view ends), and when that makes it
	 * touch its neighbour, the neighbour gives way. */
	struct {
		double t;
		int x, w;
	} lab[128];
	int nlab = 0, right = c->g.tl_x + c->g.tl_w;
	for (int k = 0; k < 4096; k++) {
		/* by index, not by accumulating step: no tick lost to rounding */
		double t = first + k * step;
		if (t > c->v->t1)
			break;
		double x = X(c, t);
		if (x < c->g.tl_x || x > right)
			continue;
		ui_dl_rect(c->dl, (int)x, y + UI_AXIS_H - 7, 1, 6, ui_theme[UI_C_TEXT_DIM]);
		/* grid line through the lanes */
		ui_dl_rect(c->dl, (int)x, c->clip_y0, 1, c->clip_y1 - c->clip_y0,
			   UI_RGBA(0x9a, 0xa4, 0xb5, 0x1c));
		ui_format_time(buf, sizeof(buf), t, step);
		int lw = ui_text_width(c->mt, UI_FONT_SMALL, buf, strlen(buf));
		int lx = (int)x - lw / 2;
		if (lx < c->g.tl_x + 2)
			lx = (int)x + 3;
		if (lx + lw > right - 2)
			lx = right - 2 - lw;
		if (lx < c->g.tl_x + 2)
			continue; /* wider than the data area */
		if (nlab > 0 && lx < lab[nlab - 1].x + lab[nlab - 1].w + 8) {
			/* only the edge-shifted last label can touch its neighbour */
			if (lx + lw < right - 2 || nlab < 2 ||
			    lx < lab[nlab - 2].x + lab[nlab - 2].w + 8)
				continue;
			nlab--;
		}
		if (nlab == (int)(sizeof(lab) / sizeof(lab[0])))
			break;
		lab[nlab].t = t;
		lab[nlab].x = lx;
		lab[nlab].w = lw;
		nlab++;
	}
	for (int k = 0; k < nlab; k++) {
		ui_format_time(buf, sizeof(buf), lab[k].t, step);
		ui_dl_text(c->dl, lab[k].x, y + 3, 0, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, "%s",
			   buf);
	}
	/* the visible span, in the gutter */
	char d[64];
	ui_format_dur(d, sizeof(d), span);
	ui_dl_text(c->dl, 8, y + 4, UI_GUTTER_W - 12, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL,
		   "\u2194 %s visible", d);
}

static void legend_item(struct fctx *c, int *x, int y, uint32_t col, const char *name)
{
	ui_dl_rect(c->dl, *x, y + 6, 10, 10, col);
	*x += 14;
	ui_dl_text(c->dl, *x, y + 4, 0, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, "%s", name);
	*x += ui_text_width(c->mt, UI_FONT_SMALL, name, strlen(name)) + 12;
}

static void draw_header(struct fctx *c)
{
	ui_dl_rect(c->dl, 0, 0, c->v->width, UI_HEADER_H, ui_theme[UI_C_HEADER]);
	const char *path = cprof_model_str(c->m, c->m->path);
	const char *base = strrchr(path, '/');
	base = base && base[1] ? base + 1 : path;
	char d[64];
	ui_format_dur(d, sizeof(d), (double)c->ix->span);
	char title[300];
	snprintf(title, sizeof(title), "cprof-trace  %s", base[0] ? base : "trace");
	ui_dl_text(c->dl, 8, 5, 0, ui_theme[UI_C_TEXT], UI_FONT_BOLD, "%s", title);
	int x = 16 + ui_text_width(c->mt, UI_FONT_BOLD, title, strlen(title));
	char info[256];
	if (c->m->lost_events)
		snprintf(info, sizeof(info),
			 "%s \u00b7 %" PRIu64
			 " events \u00b7 %zu threads \u00b7 %zu tasks \u00b7 %" PRIu64
			 " events lost",
			 d, c->m->events, c->m->threads.n, c->m->tasks.n, c->m->lost_events);
	else
		snprintf(info, sizeof(info),
			 "%s \u00b7 %" PRIu64 " events \u00b7 %zu threads \u00b7 %zu tasks", d,
			 c->m->events, c->m->threads.n, c->m->tasks.n);
	ui_dl_text(c->dl, x, 6, 0,
		   c->m->lost_events ? UI_RGB(0xff, 0x9a, 0x8a) : ui_theme[UI_C_TEXT_DIM],
		   UI_FONT_SMALL, "%s", info);
	/* legend, right-aligned; dropped when the window is too narrow */
	static const struct {
		int color;
		const char *name;
		bool optional; /* dropped first when the header is too narrow */
	} legend[] = {{UI_C_RUNNING, "running", false},
		      {UI_C_LOCK, "lock", false},
		      {UI_C_COND, "cond/sem", false},
		      {UI_C_OTHER_WAIT, "join", false},
		      {UI_C_SYSCALL, "blocking call", false},
		      {UI_C_LOG, "log", false},
		      {UI_C_SAMPLE, "CPU sample", true},
		      {UI_C_ALLOC, "allocation", true},
		      {-1, "lost events", false}};
	const size_t nleg = sizeof(legend) / sizeof(legend[0]);
	bool want_opt[2] = {c->m->samples.n > 0, c->m->allocs.n > 0};
	int info_end = x + ui_text_width(c->mt, UI_FONT_SMALL, info, strlen(info));
	int lx = 0;
	for (int pass = 0; pass < 2; pass++) {
		int lw = 0;
		for (size_t k = 0; k < nleg; k++)
			if (!legend[k].optional ||
			    (pass == 0 && want_opt[legend[k].color == UI_C_ALLOC]))
				lw += 26 + ui_text_width(c->mt, UI_FONT_SMALL, legend[k].name,
							 strlen(legend[k].name));
		lx = c->v->width - 8 - lw;
		if (lx >= info_end + 24) {
			if (pass == 1)
				want_opt[0] = want_opt[1] = false;
			break;
		}
		if (pass == 1)
			return;
	}
	for (size_t k = 0; k < nleg; k++)
		if (!legend[k].optional || want_opt[legend[k].color == UI_C_ALLOC])
			legend_item(c, &lx, 2,
				    legend[k].color < 0 ? UI_RGB(0xff, 0x3b, 0x3b)
							: ui_theme[legend[k].color],
				    legend[k].name);
}

/* The selected item's outline: two rings around [b_abs, e_abs) at least 4 px
 * wide, cut to the timeline's width (e_abs 0: still open at the end). */
static void outline_x(struct fctx *c, uint64_t b_abs, uint64_t e_abs, int y, int h)
{
	double x0 = X(c, (double)(b_abs - c->m->begin_ns));
	double x1 = X(c, (double)((e_abs ? e_abs : c->m->end_ns) - c->m->begin_ns));
	if (x1 < c->clip_x0 || x0 > c->clip_x1)
		return;
	if (x0 < c->clip_x0)
		x0 = c->clip_x0;
	if (x1 > c->clip_x1)
		x1 = c->clip_x1;
	if (x1 - x0 < 3) {
		double m = (x0 + x1) / 2;
		x0 = m - 2;
		x1 = m + 2;
	}
	ui_dl_outline(c->dl, (int)x0 - 1, y - 1, (int)(x1 - x0) + 2, h + 2, ui_theme[UI_C_SELECT]);
	ui_dl_outline(c->dl, (int)x0 - 2, y - 2, (int)(x1 - x0) + 4, h + 4, ui_theme[UI_C_SELECT]);
}

/* The same, drawn only when the whole row is in view (state rows). */
static void outline_span(struct fctx *c, uint64_t b_abs, uint64_t e_abs, int y, int h)
{
	if (y < c->clip_y0 || y + h > c->clip_y1)
		return;
	outline_x(c, b_abs, e_abs, y, h);
}

static void draw_selection_outline(struct fctx *c)
{
	const struct ui_sel *s = &c->v->sel;
	if (s->hit == UI_HIT_WAIT && s->ref < c->m->waits.n) {
		const struct cprof_wait *w = &c->m->waits.v[s->ref];
		if (w->thread < c->m->threads.n && c->state_y[w->thread] != INT32_MIN)
			outline_span(c, w->begin_ns, w->end_ns, c->state_y[w->thread], UI_STATE_H);
		return;
	}
	if (s->hit == UI_HIT_SYSCALL && s->ref < c->m->syscalls.n) {
		const struct cprof_syscall *w = &c->m->syscalls.v[s->ref];
		if (w->thread < c->m->threads.n && c->state_y[w->thread] != INT32_MIN)
			outline_span(c, w->begin_ns, w->end_ns ? w->end_ns : w->begin_ns + 1,
				     c->state_y[w->thread], UI_STATE_H);
		return;
	}
	if (s->hit == UI_HIT_SAMPLE && s->ref < c->m->samples.n) {
		const struct cprof_sample *sp = &c->m->samples.v[s->ref];
		if (sp->thread < c->m->threads.n && c->sample_y[sp->thread] != INT32_MIN)
			outline_span(c, sp->ns, sp->ns + 1, c->sample_y[sp->thread], UI_SAMPLE_H);
		return;
	}
	if (s->hit == UI_HIT_ALLOC && s->ref < c->m->allocs.n) {
		const struct cprof_alloc *al = &c->m->allocs.v[s->ref];
		if (al->thread < c->m->threads.n && c->alloc_y[al->thread] != INT32_MIN)
			outline_span(c, al->ns, al->ns + 1, c->alloc_y[al->thread], UI_ALLOC_H);
		return;
	}
	if (s->hit != UI_HIT_REGION || s->ref >= c->m->regions.n)
		return;
	const struct cprof_region *r = &c->m->regions.v[s->ref];
	int ty = c->thread_y[r->thread];
	if (ty == INT32_MIN || r->depth >= c->thread_rows[r->thread])
		return;
	/* UI_ROW_H - 1: a region bar leaves one pixel between rows. */
	outline_x(c, r->begin_ns, r->end_ns, ty + r->depth * UI_ROW_H, UI_ROW_H - 1);
}

static void draw_range(struct fctx *c)
{
	if (!c->v->range_on)
		return;
	double a = c->v->r0 < c->v->r1 ? c->v->r0 : c->v->r1;
	double b = c->v->r0 < c->v->r1 ? c->v->r1 : c->v->r0;
	double x0 = X(c, a), x1 = X(c, b);
	crect(c, x0, x1, c->clip_y0, c->clip_y1 - c->clip_y0, ui_theme[UI_C_RANGE]);
	crect(c, x0, x0 + 1, c->clip_y0, c->clip_y1 - c->clip_y0, ui_theme[UI_C_ACCENT]);
	crect(c, x1, x1 + 1, c->clip_y0, c->clip_y1 - c->clip_y0, ui_theme[UI_C_ACCENT]);
	if (x1 > c->g.tl_x && x0 < c->g.tl_x + c->g.tl_w) {
		char d[64];
		ui_format_dur(d, sizeof(d), b - a);
		int lx = (int)((x0 + x1) / 2) - 30;
		if (lx < c->g.tl_x)
			lx = c->g.tl_x + 2;
		ui_dl_rect(c->dl, lx - 4, c->clip_y0 + 2, 80, 16, ui_theme[UI_C_ACCENT]);
		ui_dl_text(c->dl, lx, c->clip_y0 + 3, 74, ui_theme[UI_C_TEXT_DARK], UI_FONT_SMALL,
			   "%s", d);
	}
}

/* ---- details panel ---- */

struct lines {
	struct fctx *c;
	int x, y, w, y0, y1, col; /* y0: where a column starts */
	int maxw;		  /* widest line drawn in the first column */
	bool split;		  /* a stack follows: keep the first column to half the width */
};

static void dline(struct lines *L, uint32_t color, enum ui_font f, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void dline(struct lines *L, uint32_t color, enum ui_font f, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	int lh = L->c->mt->height[f] + 2;
	if (L->y + lh > L->y1) {
		/* A second column only where it overlaps no line of the first
		 * (a short panel, in a small window, runs out of lines early). */
		if (L->col || L->maxw > L->w / 2 - 12)
			return;
		/* second column */
		L->col = 1;
		L->x += L->w / 2;
		L->y = L->y0;
	}
	int room = (L->split || L->col) ? L->w / 2 - 12 : L->w - 12;
	size_t fit = ui_text_fit(L->c->mt, f, buf, strlen(buf), room);
	buf[fit] = 0;
	ui_dl_text(L->c->dl, L->x, L->y, 0, color, f, "%s", buf);
	if (!L->col) {
		int tw = ui_text_width(L->c->mt, f, buf, fit);
		if (tw > L->maxw)
			L->maxw = tw;
	}
	L->y += lh;
}

static void fmt_at(struct fctx *c, char *buf, size_t size, uint64_t abs_ns)
{
	double r = (double)(abs_ns > c->m->begin_ns ? abs_ns - c->m->begin_ns : 0);
	ui_format_time(buf, size, r, 1);
}

static void task_desc(struct fctx *c, uint32_t t, char *buf, size_t size)
{
	if (t == CPROF_NONE || t >= c->m->tasks.n) {
		snprintf(buf, size, "background");
		return;
	}
	const struct cprof_task *k = &c->m->tasks.v[t];
	snprintf(buf, size, "%s #%" PRIu64, cprof_model_str(c->m, k->type), k->id);
}

static void thread_desc(struct fctx *c, uint32_t t, char *buf, size_t size)
{
	char b[128];
	if (t >= c->m->threads.n) {
		snprintf(buf, size, "?");
		return;
	}
	const struct cprof_thread *th = &c->m->threads.v[t];
	const char *pn = th->process < c->m->processes.n
			     ? cprof_model_str(c->m, c->m->processes.v[th->process].name)
			     : "?";
	snprintf(buf, size, "%s (%s)", thread_label(c->m, t, b, sizeof(b)), pn);
}

/* first_is_ip: frame 0 is an interrupted instruction (a CPU sample), not a
 * return address, so it is looked up as is rather than at address - 1. */
static void stack_lines(struct lines *L, uint32_t stack, bool first_is_ip)
{
	struct fctx *c = L->c;
	if (!stack || stack >= c->m->stacks.n) {
		dline(L, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, "(no stack recorded)");
		return;
	}
	const struct cprof_stack *s = &c->m->stacks.v[stack];
	if (!L->col) {
		L->col = 1;
		L->x += L->w / 2;
		L->y = L->y0;
	}
	dline(L, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, "stack (%u frames):", s->depth);
	for (unsigned k = 0; k < s->depth && k < 12; k++) {
		uint64_t ip = c->m->frames.v[s->first + k];
		char sym[256];
		const char *name = NULL;
		if (c->ix->symbolize)
			name = c->ix->symbolize(c->ix->sym_ctx, s->process, ip,
						!(first_is_ip && k == 0), sym, sizeof(sym));
		if (name)
			dline(L, ui_theme[UI_C_TEXT], UI_FONT_SMALL, "  %s", name);
		else
			dline(L, ui_theme[UI_C_TEXT], UI_FONT_SMALL, "  0x%" PRIx64, ip);
	}
}

static void fmt_size(char *buf, size_t size, uint64_t bytes)
{
	if (bytes >= 1048576)
		snprintf(buf, size, "%.2f MiB (%" PRIu64 " B)", bytes / 1048576.0, bytes);
	else if (bytes >= 1024)
		snprintf(buf, size, "%.2f KiB (%" PRIu64 " B)", bytes / 1024.0, bytes);
	else
		snprintf(buf, size, "%" PRIu64 " B", bytes);
}

/* Whether the allocation is one of all or a sample standing for more. */
static const char *alloc_mode_desc(struct fctx *c, uint32_t thread, char *buf, size_t size)
{
	const struct cprof_thread *th = &c->m->threads.v[thread];
	buf[0] = 0;
	if (th->process >= c->m->processes.n)
		return buf;
	const struct cprof_process *p = &c->m->processes.v[th->process];
	if (p->alloc_mode == CPROF_TP_ALLOC_SAMPLE)
		snprintf(buf, size, "sampled: one per ~%.0f KiB allocated", p->alloc_rate / 1024.0);
	else if (p->alloc_mode == CPROF_TP_ALLOC_ALL)
		snprintf(buf, size, "every allocation recorded");
	return buf;
}

/* The innermost frame's function, for tooltips ("" when no stack). */
static void top_function(struct fctx *c, uint32_t stack, bool is_ip, char *buf, size_t size)
{
	buf[0] = 0;
	if (!stack || stack >= c->m->stacks.n || !c->m->stacks.v[stack].depth)
		return;
	const struct cprof_stack *s = &c->m->stacks.v[stack];
	uint64_t ip = c->m->frames.v[s->first];
	const char *name = NULL;
	char sym[256];
	if (c->ix->symbolize)
		name = c->ix->symbolize(c->ix->sym_ctx, s->process, ip, !is_ip, sym, sizeof(sym));
	if (name) {
		snprintf(buf, size, "%s", name);
		char *cut = strstr(buf, "  "); /* drop "  file:line" */
		if (cut)
			*cut = 0;
	} else {
		snprintf(buf, size, "0x%" PRIx64, ip);
	}
}

static void draw_details(struct fctx *c)
{
	const struct ui_view *v = c->v;
	const struct cprof_model *m = c->m;
	if (v->sel.hit == UI_HIT_NONE && !v->range_on)
		return;
	int y = c->g.details_y;
	int w = c->g.tl_x + c->g.tl_w;
	ui_dl_rect(c->dl, 0, y, w, c->g.details_h, ui_theme[UI_C_PANEL]);
	ui_dl_rect(c->dl, 0, y, w, 1, ui_theme[UI_C_GRID]);
	struct lines L = {
	    .c = c, .x = 12, .y = y + 6, .w = w - 12, .y0 = y + 6, .y1 = y + c->g.details_h - 2};
	char a[128], b[128], d[64], e[128];
	const struct ui_sel *s = &v->sel;

	switch (s->hit) {
	case UI_HIT_REGION: {
		const struct cprof_region *r = &m->regions.v[s->ref];
		fmt_at(c, a, sizeof(a), r->begin_ns);
		ui_format_dur(d, sizeof(d),
			      (double)((r->end_ns ? r->end_ns : m->end_ns) - r->begin_ns));
		dline(&L, ui_type_color(c->ix, r->type), UI_FONT_BOLD, "Region  %s",
		      cprof_model_str(m, r->type));
		dline(&L, ui_theme[UI_C_TEXT], UI_FONT_NORMAL,
		      "start %s   duration %s%s%s   depth %u", a, r->end_ns ? "" : "\u2265 ", d,
		      r->end_ns ? "" : " (still open at the end)", r->depth);
		thread_desc(c, r->thread, b, sizeof(b));
		dline(&L, ui_theme[UI_C_TEXT], UI_FONT_NORMAL, "thread %s", b);
		task_desc(c, r->task, e, sizeof(e));
		if (r->task < m->tasks.n) {
			task_desc(c, m->tasks.v[r->task].parent, b, sizeof(b));
			dline(&L, ui_theme[UI_C_TEXT], UI_FONT_NORMAL, "task %s   parent task %s",
			      e, b);
		} else {
			dline(&L, ui_theme[UI_C_TEXT], UI_FONT_NORMAL, "task %s", e);
		}
		break;
	}
	case UI_HIT_SAMPLE: {
		const struct cprof_sample *sp = &m->samples.v[s->ref];
		L.split = sp->stack != 0;
		fmt_at(c, a, sizeof(a), sp->ns);
		dline(&L, ui_theme[UI_C_SAMPLE], UI_FONT_BOLD, "CPU sample");
		dline(&L, ui_theme[UI_C_TEXT], UI_FONT_NORMAL, "at %s   (on CPU, interrupted here)",
		      a);
		thread_desc(c, sp->thread, b, sizeof(b));
		dline(&L, ui_theme[UI_C_TEXT], UI_FONT_NORMAL, "thread %s", b);
		stack_lines(&L, sp->stack, true);
		break;
	}
	case UI_HIT_ALLOC: {
		const struct cprof_alloc *al = &m->allocs.v[s->ref];
		L.split = al->stack != 0;
		fmt_at(c, a, sizeof(a), al->ns);
		fmt_size(e, sizeof(e), al->size);
		dline(&L, ui_theme[UI_C_ALLOC], UI_FONT_BOLD, "Allocation  %s", e);
		if (al->free_ns) {
			ui_format_dur(d, sizeof(d), (double)(al->free_ns - al->ns));
			dline(&L, ui_theme[UI_C_TEXT], UI_FONT_NORMAL, "at %s   freed %s later", a,
			      d);
		} else {
			dline(&L, ui_theme[UI_C_TEXT], UI_FONT_NORMAL,
			      "at %s   not freed in the trace", a);
		}
		dline(&L, ui_theme[UI_C_TEXT], UI_FONT_NORMAL, "address 0x%" PRIx64 "   %s",
		      al->ptr, alloc_mode_desc(c, al->thread, b, sizeof(b)));
		thread_desc(c, al->thread, b, sizeof(b));
		dline(&L, ui_theme[UI_C_TEXT], UI_FONT_NORMAL, "thread %s", b);
		stack_lines(&L, al->stack, false);
		break;
	}
	case UI_HIT_SAMPLES:
	case UI_HIT_ALLOCS:
	case UI_HIT_REGIONS:
	case UI_HIT_STATES:
	case UI_HIT_TASKS:
	case UI_HIT_LOGS:
		dline(&L, ui_theme[UI_C_TEXT], UI_FONT_BOLD, "%u items merged at this zoom level",
		      s->count);
		dline(&L, ui_theme[UI_C_TEXT_DIM], UI_FONT_NORMAL,
		      "zoom in (wheel or W) to see them one by one");
		break;
	case UI_HIT_WAIT: {
		const struct cprof_wait *wt = &m->waits.v[s->ref];
		L.split = wt->stack != 0;
		fmt_at(c, a, sizeof(a), wt->begin_ns);
		ui_format_dur(d, sizeof(d),
			      (double)((wt->end_ns ? wt->end_ns : m->end_ns) - wt->begin_ns));
		dline(&L, ui_wait_color(wt->kind), UI_FONT_BOLD, "Blocked on %s",
		      ui_wait_kind_name(wt->kind));
		dline(&L, ui_theme[UI_C_TEXT], UI_FONT_NORMAL,
		      "start %s   duration %s   object 0x%" PRIx64 "   result %" PRId32, a, d,
		      wt->obj, wt->result);
		thread_desc(c, wt->thread, b, sizeof(b));
		dline(&L, ui_theme[UI_C_TEXT], UI_FONT_NORMAL, "thread %s", b);
		stack_lines(&L, wt->stack, false);
		break;
	}
	case UI_HIT_SYSCALL: {
		const struct cprof_syscall *sc = &m->syscalls.v[s->ref];
		L.split = sc->stack != 0;
		fmt_at(c, a, sizeof(a), sc->begin_ns);
		ui_format_dur(d, sizeof(d),
			      (double)(sc->end_ns > sc->begin_ns ? sc->end_ns - sc->begin_ns : 0));
		dline(&L, ui_theme[UI_C_SYSCALL], UI_FONT_BOLD, "Blocking call  %s()",
		      cprof_call_name(sc->call));
		dline(&L, ui_theme[UI_C_TEXT], UI_FONT_NORMAL,
		      "start %s   duration %s   result %" PRId64, a, d, sc->result);
		thread_desc(c, sc->thread, b, sizeof(b));
		dline(&L, ui_theme[UI_C_TEXT], UI_FONT_NORMAL, "thread %s", b);
		stack_lines(&L, sc->stack, false);
		break;
	}
	case UI_HIT_LOG: {
		const struct cprof_log *l = &m->logs.v[s->ref];
		fmt_at(c, a, sizeof(a), l->ns);
		dline(&L, ui_theme[UI_C_LOG], UI_FONT_BOLD, "Log  [%s]",
		      cprof_model_str(m, l->category));
		dline(&L, ui_theme[UI_C_TEXT], UI_FONT_NORMAL, "%s%s",
		      cprof_model_str(m, l->message),
		      l->length > strlen(cprof_model_str(m, l->message)) ? " (truncated)" : "");
		thread_desc(c, l->thread, b, sizeof(b));
		task_desc(c, l->task, e, sizeof(e));
		dline(&L, ui_theme[UI_C_TEXT], UI_FONT_NORMAL, "at %s   thread %s   task %s", a, b,
		      e);
		break;
	}
	case UI_HIT_TASK: {
		const struct cprof_task *t = &m->tasks.v[s->ref];
		fmt_at(c, a, sizeof(a), t->begin_ns);
		if (t->end_ns)
			ui_format_dur(d, sizeof(d), (double)(t->end_ns - t->begin_ns));
		else
			snprintf(d, sizeof(d), "never ended");
		task_desc(c, s->ref, e, sizeof(e));
		dline(&L, ui_type_color(c->ix, t->type), UI_FONT_BOLD, "Task  %s", e);
		task_desc(c, t->parent, b, sizeof(b));
		dline(&L, ui_theme[UI_C_TEXT], UI_FONT_NORMAL, "start %s   duration %s   parent %s",
		      a, d, b);
		thread_desc(c, t->begin_thread, b, sizeof(b));
		uint32_t nreg =
		    c->ix->task_region_first[s->ref + 1] - c->ix->task_region_first[s->ref];
		dline(&L, ui_theme[UI_C_TEXT], UI_FONT_NORMAL, "began on %s   %u regions", b, nreg);
		if (t->end_thread != CPROF_NONE) {
			thread_desc(c, t->end_thread, b, sizeof(b));
			dline(&L, ui_theme[UI_C_TEXT], UI_FONT_NORMAL, "ended on %s", b);
		}
		break;
	}
	case UI_HIT_LOST: {
		const struct cprof_lost *l = &m->lost.v[s->ref];
		fmt_at(c, a, sizeof(a), l->begin_ns);
		ui_format_dur(d, sizeof(d), (double)(l->end_ns - l->begin_ns));
		dline(&L, UI_RGB(0xff, 0x5b, 0x5b), UI_FONT_BOLD, "%" PRIu64 " events lost",
		      l->count);
		dline(&L, ui_theme[UI_C_TEXT], UI_FONT_NORMAL,
		      "between %s and %s later: the tracer's buffers were full", a, d);
		break;
	}
	case UI_HIT_RUNNING: {
		thread_desc(c, s->ref, b, sizeof(b));
		dline(&L, ui_theme[UI_C_RUNNING], UI_FONT_BOLD, "Thread %s", b);
		dline(&L, ui_theme[UI_C_TEXT], UI_FONT_NORMAL,
		      "running or runnable: not blocked in a traced wait or call");
		break;
	}
	case UI_HIT_COUNTER: {
		dline(&L, ui_theme[UI_C_COUNTER], UI_FONT_BOLD, "Counter %s",
		      cprof_model_str(m, m->counters.v[s->ref].name));
		break;
	}
	default:
		break;
	}
	if (v->range_on) {
		double r0 = v->r0 < v->r1 ? v->r0 : v->r1, r1 = v->r0 < v->r1 ? v->r1 : v->r0;
		ui_format_time(a, sizeof(a), r0, 1000);
		ui_format_time(b, sizeof(b), r1, 1000);
		ui_format_dur(d, sizeof(d), r1 - r0);
		if (s->hit != UI_HIT_NONE)
			dline(&L, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, " ");
		dline(&L, ui_theme[UI_C_ACCENT], UI_FONT_BOLD, "Range %s .. %s  (%s)", a, b, d);
		dline(&L, ui_theme[UI_C_TEXT_DIM], UI_FONT_NORMAL,
		      "the side panel summarizes this range; Esc clears it, E exports its profile");
	}
}

static void draw_status(struct fctx *c)
{
	int y = c->v->height - UI_STATUS_H;
	int w = c->g.tl_x + c->g.tl_w;
	ui_dl_rect(c->dl, 0, y, w, UI_STATUS_H, ui_theme[UI_C_HEADER]);
	if (c->v->search_active || c->v->search[0]) {
		ui_dl_text(c->dl, 8, y + 3, w - 16, ui_theme[UI_C_SEARCH], UI_FONT_SMALL,
			   "/%s%s   %s", c->v->search, c->v->search_active ? "_" : "",
			   c->v->search_active ? "(Enter: find, Esc: cancel)" : "(n: next match)");
		return;
	}
	if (c->v->status[0]) {
		ui_dl_text(c->dl, 8, y + 3, w - 16, ui_theme[UI_C_ACCENT], UI_FONT_SMALL, "%s",
			   c->v->status);
		return;
	}
	ui_dl_text(
	    c->dl, 8, y + 3, w - 16, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL,
	    "wheel/W/S zoom \u00b7 drag/A/D pan \u00b7 F fit \u00b7 0 reset \u00b7 click select "
	    "\u00b7 shift-drag range \u00b7 / search, n next \u00b7 E export profile \u00b7 Tab "
	    "panel");
}

void ui_frame_timeline(struct ui_dl *dl, struct ui_index *ix, const struct ui_view *v,
		       const struct ui_metrics *mt)
{
	struct fctx c = {.dl = dl, .ix = ix, .m = ix->model, .v = v, .mt = mt};
	size_t nt = ix->model->threads.n;
	ui_geom_compute(v, &c.g);
	c.scale = c.g.tl_w / (v->t1 - v->t0);
	c.clip_x0 = c.g.tl_x;
	c.clip_x1 = c.g.tl_x + c.g.tl_w;
	c.clip_y0 = c.g.tl_y;
	c.clip_y1 = c.g.details_y;
	c.thread_y = malloc((nt ? nt : 1) * sizeof(int));
	c.thread_rows = calloc(nt ? nt : 1, sizeof(int));
	c.state_y = malloc((nt ? nt : 1) * sizeof(int));
	c.sample_y = malloc((nt ? nt : 1) * sizeof(int));
	c.alloc_y = malloc((nt ? nt : 1) * sizeof(int));
	if (!c.thread_y || !c.thread_rows || !c.state_y || !c.sample_y || !c.alloc_y)
		goto end;
	for (size_t t = 0; t < nt; t++)
		c.thread_y[t] = c.state_y[t] = c.sample_y[t] = c.alloc_y[t] = INT32_MIN;
	c.dim = ix->hl_active;

	ui_dl_rect(dl, 0, 0, v->width, v->height, ui_theme[UI_C_BG]);
	draw_lanes(&c);
	draw_highlight(&c);
	draw_state_highlight(&c);
	draw_lost(&c);
	draw_range(&c);
	draw_selection_outline(&c);
	draw_task_arrows(&c);
	draw_axis(&c);
	draw_header(&c);
	draw_details(&c);
	draw_status(&c);
end:
	free(c.thread_y);
	free(c.thread_rows);
	free(c.state_y);
	free(c.sample_y);
	free(c.alloc_y);
}

void ui_frame_loading(struct ui_dl *dl, int w, int h, const char *trace, double f)
{
	if (!(f >= 0))
		f = 0; /* also NaN */
	if (f > 1)
		f = 1;
	ui_dl_rect(dl, 0, 0, w, h, ui_theme[UI_C_BG]);
	int bw = w / 2, bx = (w - bw) / 2, by = h / 2;
	ui_dl_text(dl, bx, by - 26, bw, ui_theme[UI_C_TEXT], UI_FONT_BOLD, "Loading %s", trace);
	ui_dl_rect(dl, bx, by, bw, 10, ui_theme[UI_C_GRID]);
	if ((int)(bw * f) > 0)
		ui_dl_rect(dl, bx, by, (int)(bw * f), 10, ui_theme[UI_C_ACCENT]);
	ui_dl_text(dl, bx, by + 16, 0, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL,
		   "%.0f%%   (Esc cancels)", f * 100);
}

/* ---- tooltip ---- */

/* The lines every item on a thread's lanes has: when, how long, where. */
static void tip_span(struct fctx *c, char (*lines)[256], int *n, uint64_t begin_ns, double dur_ns,
		     bool open, uint32_t thread)
{
	char a[64], d[64], b[160];

	fmt_at(c, a, sizeof(a), begin_ns);
	ui_format_dur_open(d, sizeof(d), dur_ns, open);
	snprintf(lines[(*n)++], 256, "start %s  duration %s", a, d);
	thread_desc(c, thread, b, sizeof(b));
	snprintf(lines[(*n)++], 256, "thread %s", b);
}

void ui_frame_tooltip(struct ui_dl *dl, struct ui_index *ix, const struct ui_view *v,
		      const struct ui_metrics *mt, const struct ui_dl_item *it)
{
	const struct cprof_model *m = ix->model;
	char lines[5][256];
	int n = 0;
	char a[64], d[64], b[160];
	struct fctx c = {.dl = dl, .ix = ix, .m = m, .v = v, .mt = mt};
	if (!it)
		return;
	switch (it->hit) {
	case UI_HIT_REGION: {
		const struct cprof_region *r = &m->regions.v[it->ref];
		snprintf(lines[n++], 256, "%s", cprof_model_str(m, r->type));
		tip_span(&c, lines, &n, r->begin_ns,
			 (double)((r->end_ns ? r->end_ns : m->end_ns) - r->begin_ns), !r->end_ns,
			 r->thread);
		task_desc(&c, r->task, b, sizeof(b));
		snprintf(lines[n++], 256, "task %s", b);
		break;
	}
	case UI_HIT_REGIONS: {
		const struct cprof_region *r = &m->regions.v[it->ref];
		snprintf(lines[n++], 256, "%u regions merged at this zoom", it->count);
		snprintf(lines[n++], 256, "first: %s", cprof_model_str(m, r->type));
		thread_desc(&c, r->thread, b, sizeof(b));
		snprintf(lines[n++], 256, "thread %s", b);
		snprintf(lines[n++], 256, "zoom in (wheel or W) to see each");
		break;
	}
	case UI_HIT_SAMPLE: {
		const struct cprof_sample *sp = &m->samples.v[it->ref];
		top_function(&c, sp->stack, true, b, sizeof(b));
		snprintf(lines[n++], 256, "CPU sample%s%s", b[0] ? " in " : "", b);
		fmt_at(&c, a, sizeof(a), sp->ns);
		snprintf(lines[n++], 256, "at %s", a);
		thread_desc(&c, sp->thread, b, sizeof(b));
		snprintf(lines[n++], 256, "thread %s", b);
		snprintf(lines[n++], 256, "click: its stack");
		break;
	}
	case UI_HIT_SAMPLES:
		snprintf(lines[n++], 256, "%u CPU samples merged at this zoom", it->count);
		snprintf(lines[n++], 256, "brighter: more of the time on a CPU");
		snprintf(lines[n++], 256, "zoom in (wheel or W) to see each");
		break;
	case UI_HIT_ALLOC: {
		const struct cprof_alloc *al = &m->allocs.v[it->ref];
		fmt_size(d, sizeof(d), al->size);
		top_function(&c, al->stack, false, b, sizeof(b));
		snprintf(lines[n++], 256, "allocation %s%s%s", d, b[0] ? " in " : "", b);
		fmt_at(&c, a, sizeof(a), al->ns);
		if (al->free_ns) {
			ui_format_dur(d, sizeof(d), (double)(al->free_ns - al->ns));
			snprintf(lines[n++], 256, "at %s  freed %s later", a, d);
		} else {
			snprintf(lines[n++], 256, "at %s  not freed in the trace", a);
		}
		thread_desc(&c, al->thread, b, sizeof(b));
		snprintf(lines[n++], 256, "thread %s", b);
		snprintf(lines[n++], 256, "click: its stack");
		break;
	}
	case UI_HIT_ALLOCS:
		snprintf(lines[n++], 256, "%u allocations merged at this zoom", it->count);
		snprintf(lines[n++], 256, "zoom in (wheel or W) to see each");
		break;
	case UI_HIT_STATES:
		snprintf(lines[n++], 256, "%u waits and blocking calls merged", it->count);
		snprintf(lines[n++], 256, "zoom in (wheel or W) to see each");
		break;
	case UI_HIT_TASKS:
		snprintf(lines[n++], 256, "%u tasks merged at this zoom", it->count);
		break;
	case UI_HIT_LOGS: {
		const struct cprof_log *l = &m->logs.v[it->ref];
		snprintf(lines[n++], 256, "%u logs", it->count);
		snprintf(lines[n++], 256, "first: [%s] %s", cprof_model_str(m, l->category),
			 cprof_model_str(m, l->message));
		break;
	}
	case UI_HIT_WAIT: {
		const struct cprof_wait *w = &m->waits.v[it->ref];
		snprintf(lines[n++], 256, "blocked on %s", ui_wait_kind_name(w->kind));
		tip_span(&c, lines, &n, w->begin_ns,
			 (double)((w->end_ns ? w->end_ns : m->end_ns) - w->begin_ns), !w->end_ns,
			 w->thread);
		break;
	}
	case UI_HIT_SYSCALL: {
		const struct cprof_syscall *s = &m->syscalls.v[it->ref];
		snprintf(lines[n++], 256, "%s()", cprof_call_name(s->call));
		tip_span(&c, lines, &n, s->begin_ns,
			 (double)(s->end_ns > s->begin_ns ? s->end_ns - s->begin_ns : 0), false,
			 s->thread);
		break;
	}
	case UI_HIT_LOG: {
		const struct cprof_log *l = &m->logs.v[it->ref];
		fmt_at(&c, a, sizeof(a), l->ns);
		snprintf(lines[n++], 256, "[%s] %s", cprof_model_str(m, l->category),
			 cprof_model_str(m, l->message));
		snprintf(lines[n++], 256, "at %s", a);
		task_desc(&c, l->task, b, sizeof(b));
		snprintf(lines[n++], 256, "task %s", b);
		break;
	}
	case UI_HIT_TASK: {
		const struct cprof_task *t = &m->tasks.v[it->ref];
		task_desc(&c, it->ref, b, sizeof(b));
		snprintf(lines[n++], 256, "task %s", b);
		fmt_at(&c, a, sizeof(a), t->begin_ns);
		if (t->end_ns)
			ui_format_dur(d, sizeof(d), (double)(t->end_ns - t->begin_ns));
		else
			snprintf(d, sizeof(d), "never ended");
		snprintf(lines[n++], 256, "start %s  duration %s", a, d);
		snprintf(lines[n++], 256, "click: highlight its regions");
		break;
	}
	case UI_HIT_LOST: {
		const struct cprof_lost *l = &m->lost.v[it->ref];
		snprintf(lines[n++], 256, "%" PRIu64 " events lost here", l->count);
		break;
	}
	case UI_HIT_RUNNING:
		thread_desc(&c, it->ref, b, sizeof(b));
		snprintf(lines[n++], 256, "%s: running", b);
		break;
	case UI_HIT_COUNTER: {
		struct ui_geom g;
		ui_geom_compute(v, &g);
		double t = ui_t_of(v, &g, v->hover_x);
		const struct cprof_counter *k = &m->counters.v[it->ref];
		int64_t val = 0;
		size_t lo = 0, hi = k->points.n; /* first point after t */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if ((double)(k->points.v[mid].ns - m->begin_ns) <= t)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo > 0)
			val = k->points.v[lo - 1].value;
		if (strstr(cprof_model_str(m, k->name), "heap"))
			snprintf(lines[n++], 256, "%s: %.2f MiB", cprof_model_str(m, k->name),
				 val / 1048576.0);
		else
			snprintf(lines[n++], 256, "%s: %" PRId64, cprof_model_str(m, k->name), val);
		break;
	}
	default:
		return;
	}
	int w = 0, lh = mt->height[UI_FONT_SMALL] + 3;
	for (int i = 0; i < n; i++) {
		int tw =
		    ui_text_width(mt, i ? UI_FONT_SMALL : UI_FONT_BOLD, lines[i], strlen(lines[i]));
		if (tw > w)
			w = tw;
	}
	if (w > 520)
		w = 520;
	int bw = w + 16, bh = n * lh + 10;
	int x = v->hover_x + 14, y = v->hover_y + 16;
	if (x + bw > v->width)
		x = v->hover_x - bw - 6;
	if (y + bh > v->height)
		y = v->hover_y - bh - 6;
	ui_dl_rect(dl, x + 2, y + 2, bw, bh, UI_RGBA(0, 0, 0, 0x70));
	ui_dl_rect(dl, x, y, bw, bh, UI_RGB(0x2b, 0x30, 0x3a));
	ui_dl_outline(dl, x, y, bw, bh, UI_RGB(0x4a, 0x52, 0x60));
	for (int i = 0; i < n; i++)
		ui_dl_text(dl, x + 8, y + 5 + i * lh, w,
			   i ? ui_theme[UI_C_TEXT_DIM] : ui_theme[UI_C_TEXT],
			   i ? UI_FONT_SMALL : UI_FONT_BOLD, "%s", lines[i]);
}

/* ---- highlight set ---- */

bool ui_region_highlighted(const struct ui_index *ix, const struct ui_view *v, uint32_t r)
{
	const struct cprof_model *m = ix->model;
	const struct cprof_region *reg = &m->regions.v[r];
	if (v->sel_task != CPROF_NONE)
		return reg->task == v->sel_task;
	if (v->hl_type)
		return reg->type == v->hl_type;
	if (v->search[0] && ix->str_match)
		return ix->str_match[reg->type] ||
		       (reg->task < m->tasks.n && ix->str_match[m->tasks.v[reg->task].type]);
	return false;
}

void ui_index_set_highlight(struct ui_index *ix, const struct ui_view *v)
{
	const struct cprof_model *m = ix->model;
	free(ix->hl.idx);
	free(ix->hl.begin);
	free(ix->hl.end);
	free(ix->hl.maxend);
	memset(&ix->hl, 0, sizeof(ix->hl));
	ix->hl_active = false;
	free(ix->str_match);
	ix->str_match = NULL;
	if (v->search[0]) {
		ix->str_match = calloc(m->strings.n ? m->strings.n : 1, 1);
		if (ix->str_match)
			for (size_t s = 1; s < m->strings.n; s++)
				ix->str_match[s] = ui_str_match(m->strings.v[s], v->search);
	}
	if (v->sel_task == CPROF_NONE && !v->hl_type && !(v->search[0] && ix->str_match))
		return;
	ix->hl_active = true;
	size_t n = 0;
	if (v->sel_task != CPROF_NONE && v->sel_task < m->tasks.n) {
		n = ix->task_region_first[v->sel_task + 1] - ix->task_region_first[v->sel_task];
	} else {
		for (size_t i = 0; i < m->regions.n; i++)
			n += ui_region_highlighted(ix, v, i);
	}
	if (!n)
		return;
	struct ui_row *row = &ix->hl;
	row->idx = malloc(n * sizeof(*row->idx));
	row->begin = malloc(n * sizeof(*row->begin));
	row->end = malloc(n * sizeof(*row->end));
	row->maxend = malloc(n * sizeof(*row->maxend));
	if (!row->idx || !row->begin || !row->end || !row->maxend)
		return;
	for (size_t i = 0; i < m->regions.n && row->n < n; i++) {
		if (!ui_region_highlighted(ix, v, i))
			continue;
		const struct cprof_region *r = &m->regions.v[i];
		uint64_t b = r->begin_ns - m->begin_ns;
		uint64_t e = (r->end_ns ? r->end_ns : m->end_ns) - m->begin_ns;
		row->idx[row->n] = i;
		row->begin[row->n] = b;
		row->end[row->n] = e;
		row->n++;
	}
	/* insertion order is model order; sort by begin */
	for (uint32_t i = 1; i < row->n; i++) {
		if (row->begin[i - 1] <= row->begin[i])
			continue;
		/* rare: fall back to a simple sort */
		for (uint32_t a = 1; a < row->n; a++) {
			uint32_t k = a;
			while (k > 0 && row->begin[k - 1] > row->begin[k]) {
				uint64_t tb = row->begin[k], te = row->end[k];
				uint32_t ti = row->idx[k];
				row->begin[k] = row->begin[k - 1];
				row->end[k] = row->end[k - 1];
				row->idx[k] = row->idx[k - 1];
				row->begin[k - 1] = tb;
				row->end[k - 1] = te;
				row->idx[k - 1] = ti;
				k--;
			}
		}
		break;
	}
	uint64_t mx = 0;
	for (uint32_t i = 0; i < row->n; i++) {
		if (row->end[i] > mx)
			mx = row->end[i];
		row->maxend[i] = mx;
	}
}
