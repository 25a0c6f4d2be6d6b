/*
 * The flame graph tab (see panel_flame.h).
 */
#include "panel_flame.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/snapwin.h"
#include "common/text.h"
#include "panel.h"
#include "panel_job.h"
#include "ui.h"

#define FLAME_ROW_H 17
#define FLAME_MIN_TEXT_W 28
#define FLAME_TOP_ROWS 200

static const struct {
	const char *name;
	enum cprof_profile_type type;
	const char *value; /* sample type shown */
} kinds[UI_FLAME_KIND_COUNT_] = {
    [UI_FLAME_CPU] = {"cpu", CPROF_PROFILE_CPU, "cpu"},
    [UI_FLAME_SYNC] = {"sync", CPROF_PROFILE_SYNC, "delay"},
    [UI_FLAME_MUTEX] = {"mutex", CPROF_PROFILE_MUTEX, "delay"},
    [UI_FLAME_SYSCALL] = {"syscall", CPROF_PROFILE_SYSCALL, "delay"},
    [UI_FLAME_HEAP] = {"heap", CPROF_PROFILE_HEAP, "inuse_space"},
    [UI_FLAME_ALLOC] = {"alloc", CPROF_PROFILE_HEAP, "alloc_space"},
    [UI_FLAME_REGION] = {"region", CPROF_PROFILE_REGION, "duration"},
    [UI_FLAME_THREADS] = {"threads", CPROF_PROFILE_THREADS, "threads"},
};

bool ui_flame_kind_parse(const char *name, enum ui_flame_kind *kind)
{
	for (int k = 0; k < UI_FLAME_KIND_COUNT_; k++)
		if (!strcmp(name, kinds[k].name)) {
			*kind = (enum ui_flame_kind)k;
			return true;
		}
	return false;
}

bool cprof_ui_profile_known(const char *name)
{
	enum ui_flame_kind kind;

	return ui_flame_kind_parse(name, &kind);
}

const char *ui_flame_kind_name(enum ui_flame_kind kind)
{
	return (unsigned)kind < UI_FLAME_KIND_COUNT_ ? kinds[kind].name : "?";
}

struct ui_flame *ui_flame_create(void)
{
	struct ui_flame *f = calloc(1, sizeof(*f));
	if (f)
		f->zoom = 0;
	return f;
}

/* What one computation gives (moved into a ui_flame once wanted). */
struct flame_result {
	struct cprof_flame *tree;
	struct ui_top_row *top;
	uint32_t ntop;
	const char *unit;
	int64_t total;
	char note[520];
	double compute_ms;
};

static void free_result(void *result)
{
	struct flame_result *r = result;

	if (!r)
		return;
	cprof_flame_destroy(r->tree);
	free(r->top);
	free(r);
}

static void clear(struct ui_flame *f)
{
	cprof_flame_destroy(f->tree);
	f->tree = NULL;
	free(f->top);
	f->top = NULL;
	f->ntop = 0;
	f->total = 0;
	f->zoom = 0;
	f->note[0] = 0;
}

void ui_flame_destroy(struct ui_flame *f)
{
	if (!f)
		return;
	ui_job_destroy(f->job); /* joined: its source is free to go */
	cprof_flame_source_destroy(f->job_src);
	clear(f);
	cprof_vec_free(&f->boxes);
	cprof_flame_source_destroy(f->src);
	free(f);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* A graph from the model and its top rows into r. */
static void keep_graph(struct flame_result *r, struct cprof_flame *tree,
		       struct cprof_flame_top *top, size_t n)
{
	size_t keep = n < FLAME_TOP_ROWS ? n : FLAME_TOP_ROWS;

	r->tree = tree;
	r->unit = "ns";
	r->total = tree->nodes.v[0].total;
	r->top = calloc(keep ? keep : 1, sizeof(*r->top));
	for (size_t k = 0; r->top && k < keep; k++) {
		snprintf(r->top[k].name, sizeof(r->top[k].name), "%s", top[k].name);
		r->top[k].flat = top[k].flat;
		r->top[k].cum = top[k].cum;
	}
	r->ntop = r->top ? (uint32_t)keep : 0;
	cprof_flame_top_free(top, n);
}

/* CPU, sync and blocking calls: one pass over the model's items of that
 * kind, not a whole profile (a few ms where a profile takes a second on a
 * 20M-event trace). The same figures as the profile's. False when out of
 * memory or stopped. */
static bool fast_path(struct flame_result *r, enum ui_flame_kind kind, const struct cprof_model *m,
		      struct cprof_flame_source *src, uint64_t from, uint64_t to,
		      const atomic_bool *stop)
{
	enum cprof_flame_items items = kind == UI_FLAME_CPU    ? CPROF_FLAME_CPU_SAMPLES
				       : kind == UI_FLAME_SYNC ? CPROF_FLAME_WAITS
							       : CPROF_FLAME_CALLS;
	struct cprof_flame_top *top = NULL;
	struct cprof_flame *tree;
	size_t n = 0;

	tree = cprof_flame_from_model(src, items, m->begin_ns + from, m->begin_ns + to, stop, &top,
				      &n);
	if (!tree)
		return false;
	keep_graph(r, tree, top, n);
	if (!r->total)
		snprintf(r->note, sizeof(r->note), "no %s in this range",
			 kind == UI_FLAME_CPU	 ? "CPU samples"
			 : kind == UI_FLAME_SYNC ? "waits"
						 : "blocking calls");
	return true;
}

/* Regions: the region profile's graph summed per chain of region types
 * (analysis/flame_model.h), with the profile's report as its note. */
static bool region_path(struct flame_result *r, const struct cprof_model *m,
			struct cprof_flame_source *src, uint64_t from, uint64_t to,
			const atomic_bool *stop)
{
	struct cprof_flame_top *top = NULL;
	struct cprof_flame *tree;
	uint64_t matched;
	size_t n = 0;

	tree = cprof_flame_regions(src, m->begin_ns + from, m->begin_ns + to, stop, &top, &n,
				   &matched);
	if (!tree)
		return false;
	if (!m->regions.n || !matched) {
		cprof_flame_destroy(tree);
		cprof_flame_top_free(top, n);
		if (!m->regions.n)
			snprintf(r->note, sizeof(r->note), "the trace holds no regions");
		else
			snprintf(r->note, sizeof(r->note),
				 "none of %zu regions matched: from %.9gs to %.9gs", m->regions.n,
				 (double)from / 1e9, (double)to / 1e9);
		return true;
	}
	keep_graph(r, tree, top, n);
	snprintf(r->note, sizeof(r->note), "%" PRIu64 " of %zu regions from %.9gs to %.9gs",
		 matched, m->regions.n, (double)from / 1e9, (double)to / 1e9);
	return true;
}

/* The graph of `kind` over [from, to) into r; *src (made here at first
 * use, with `sym`) is kept for the next. False when stopped (r->note
 * says when out of memory). */
static bool compute(struct flame_result *r, enum ui_flame_kind kind, const struct cprof_model *m,
		    struct cprof_symbolizer *sym, struct cprof_flame_source **src, uint64_t from,
		    uint64_t to, const atomic_bool *stop)
{
	struct cprof_profile_filter filt = {
	    .has_from = true, .has_to = true, .from_ns = from, .to_ns = to};
	struct cprof_profiles_report rep = {0};
	struct cprof_profile *prof = NULL;
	double t0 = now_ms();
	uint64_t wfrom = from;
	enum cprof_profiles_status st;
	int vi;

	/* the graphs drawn from the model start at a snapshot's window, as
	 * the profiles (cprof_profile_build) and stats do: items that ended
	 * before it left out, those begun before it clipped there */
	if (cprof_snapwin_from(m) && from < cprof_snapwin_from(m) - m->begin_ns)
		wfrom = cprof_snapwin_from(m) - m->begin_ns;
	if (kind == UI_FLAME_CPU || kind == UI_FLAME_SYNC || kind == UI_FLAME_SYSCALL ||
	    kind == UI_FLAME_REGION) {
		if (!*src)
			*src = cprof_flame_source_create(m, sym);
		if (*src &&
		    (kind == UI_FLAME_REGION ? region_path(r, m, *src, wfrom, to, stop)
					     : fast_path(r, kind, m, *src, wfrom, to, stop)))
			goto end;
		if (stop && atomic_load(stop))
			return false;
		snprintf(r->note, sizeof(r->note), "out of memory");
		goto end;
	}
	if (kind == UI_FLAME_HEAP) {
		/* in use at the end of the range, whenever it was allocated */
		filt.has_from = false;
		filt.has_at = true;
		filt.at_ns = to;
	}
	st = cprof_profile_build_until(m, sym, kinds[kind].type, &filt, stop, &prof, &rep);
	if (st == CPROF_PROFILES_STOPPED)
		return false;
	snprintf(r->note, sizeof(r->note), "%s", rep.text);
	if (st != CPROF_PROFILES_OK || !prof)
		goto end;
	vi = cprof_profile_sample_type_index(prof, kinds[kind].value);
	if (vi < 0)
		vi = 0;
	r->unit = cprof_profile_str(prof, prof->sample_types.v[vi].unit);
	r->unit = !strcmp(r->unit, "bytes") ? "bytes" : !strcmp(r->unit, "count") ? "count" : "ns";
	r->total = cprof_profile_total(prof, (size_t)vi);
	r->tree = cprof_flame_create(prof, (size_t)vi);
	ui_top_rows(prof, (size_t)vi, FLAME_TOP_ROWS, &r->top, &r->ntop);
	cprof_profile_destroy(prof);
end:
	r->compute_ms = now_ms() - t0;
	return true;
}

/* r's graph becomes f's, for `kind` over [from, to). */
static void install(struct ui_flame *f, struct flame_result *r, enum ui_flame_kind kind,
		    uint64_t from, uint64_t to)
{
	clear(f);
	f->valid = true;
	f->from_ns = from;
	f->to_ns = to;
	f->computed_kind = kind;
	f->tree = r->tree;
	f->top = r->top;
	f->ntop = r->ntop;
	f->unit = r->unit;
	f->total = r->total;
	snprintf(f->note, sizeof(f->note), "%s", r->note);
	f->compute_ms = r->compute_ms;
	r->tree = NULL;
	r->top = NULL;
}

bool ui_flame_ready(const struct ui_flame *f, uint64_t from, uint64_t to)
{
	return f->valid && f->from_ns == from && f->to_ns == to && f->computed_kind == f->kind;
}

bool ui_flame_update(struct ui_flame *f, const struct cprof_model *m, struct cprof_symbolizer *sym,
		     uint64_t from, uint64_t to)
{
	struct flame_result r = {0};

	if (ui_flame_ready(f, from, to))
		return false;
	compute(&r, f->kind, m, sym, &f->src, from, to, NULL);
	install(f, &r, f->kind, from, to);
	return true;
}

/* On the job's thread: with the computing threads' symbolizer, held. */
static bool job_compute(void *ctx, struct cprof_symbolizer *sym, const struct ui_job_key *key,
			const atomic_bool *stop, void *result)
{
	struct ui_flame *f = ctx;

	return compute(result, (enum ui_flame_kind)key->what, f->job_model, sym, &f->job_src,
		       key->from, key->to, stop);
}

bool ui_flame_use_job(struct ui_flame *f, const struct cprof_model *m, struct ui_job_sym *sym,
		      void (*wake)(void *ctx), void *ctx)
{
	f->job_model = m;
	f->job = ui_job_create_sym(sym, job_compute, sizeof(struct flame_result), free_result, f,
				   wake, ctx);
	return f->job != NULL;
}

bool ui_flame_poll(struct ui_flame *f, uint64_t from, uint64_t to, bool wait)
{
	struct ui_job_key key = {from, to, (int)f->kind};
	void *got = NULL;

	if (ui_flame_ready(f, from, to))
		return false;
	switch (ui_job_poll(f->job, &key, wait, &got)) {
	case UI_JOB_COMPUTING:
		return false;
	case UI_JOB_READY:
		install(f, got, f->kind, from, to);
		free_result(got);
		return true;
	case UI_JOB_FAILED:
		break;
	}
	struct flame_result none = {.note = "out of memory"};
	install(f, &none, f->kind, from, to);
	return true;
}

void ui_flame_follow(struct ui_flame *f, bool shown, uint64_t from, uint64_t to)
{
	if (f->job)
		ui_job_follow(f->job, shown ? &(struct ui_job_key){from, to, (int)f->kind} : NULL);
}

/* ---- drawing ------------------------------------------------------------ */

uint32_t ui_flame_color(uint8_t module, const char *name)
{
	/* [module][light/dark] */
	static const uint8_t base[4][2][3] = {
	    {{0xf2, 0xa3, 0x4f}, {0xd9, 0x5b, 0x3a}}, /* program: orange .. red */
	    {{0x7d, 0xb0, 0xee}, {0x43, 0x73, 0xc4}}, /* libc: blue */
	    {{0x8f, 0xce, 0x7c}, {0x45, 0x97, 0x5c}}, /* other libraries: green */
	    {{0xbd, 0xa4, 0xea}, {0x85, 0x66, 0xc6}}, /* annotations: purple */
	};
	uint32_t h = 2166136261u;
	unsigned t;

	if (module > 3)
		module = 3;
	for (; *name; name++) {
		h ^= (unsigned char)*name;
		h *= 16777619u;
	}
	t = (h >> 8) % 256;
#define CH(i) (base[module][0][i] + ((int)base[module][1][i] - base[module][0][i]) * (int)t / 255)
	return UI_RGB(CH(0), CH(1), CH(2));
#undef CH
}

static void fmt_value(char *buf, size_t size, const char *unit, int64_t v)
{
	if (!strcmp(unit, "ns")) {
		ui_format_dur(buf, size, (double)v);
	} else if (!strcmp(unit, "bytes")) {
		double a = (double)v;
		if (a >= 1 << 30)
			snprintf(buf, size, "%.1f GiB", a / (1 << 30));
		else if (a >= 1 << 20)
			snprintf(buf, size, "%.1f MiB", a / (1 << 20));
		else if (a >= 1 << 10)
			snprintf(buf, size, "%.1f KiB", a / (1 << 10));
		else
			snprintf(buf, size, "%" PRId64 " B", v);
	} else {
		snprintf(buf, size, "%" PRId64, v);
	}
}

struct draw {
	struct ui_dl *dl;
	struct ui_flame *f;
	const struct ui_metrics *m;
	const char *search;
	int x0, y0, bottom;
};

static bool matches(const struct draw *d, const char *name)
{
	return d->search && *d->search && strstr(name, d->search);
}

static void box(struct draw *d, uint32_t node, int x, int w, bool dim)
{
	const struct cprof_flame *t = d->f->tree;
	const struct cprof_flame_node *n = &t->nodes.v[node];
	const char *name = cprof_flame_str(t, n->name);
	int y = d->y0 + (int)n->depth * FLAME_ROW_H;
	uint32_t col = ui_flame_color(n->module, name);
	struct ui_flame_box *b;

	if (y + FLAME_ROW_H > d->bottom)
		return;
	if (dim)
		col = UI_RGB(0x4a, 0x50, 0x5c);
	ui_dl_rect(d->dl, x, y, w > 1 ? w - 1 : 1, FLAME_ROW_H - 1, col);
	if (matches(d, name))
		ui_dl_outline(d->dl, x, y, w > 1 ? w - 1 : 1, FLAME_ROW_H - 1,
			      ui_theme[UI_C_SEARCH]);
	if (w >= FLAME_MIN_TEXT_W)
		ui_dl_text(d->dl, x + 3, y + 2, w - 6, ui_theme[UI_C_TEXT_DARK], UI_FONT_SMALL,
			   "%s", name);
	b = cprof_vec_push(&d->f->boxes);
	if (b)
		*b = (struct ui_flame_box){x, y, w, FLAME_ROW_H, node};
}

/* A node and its descendants across [x, x + w); narrower than a pixel:
 * left out (its parent's box covers it). */
static void subtree(struct draw *d, uint32_t node, double x, double w)
{
	const struct cprof_flame *t = d->f->tree;
	const struct cprof_flame_node *n = &t->nodes.v[node];
	double cx = x;

	if (w < 1 || d->y0 + (int)n->depth * FLAME_ROW_H + FLAME_ROW_H > d->bottom)
		return;
	box(d, node, (int)x, (int)(x + w) - (int)x, false);
	for (uint32_t c = n->first_child; c != CPROF_FLAME_NONE; c = t->nodes.v[c].next_sibling) {
		double cw = n->total ? w * (double)t->nodes.v[c].total / (double)n->total : 0;
		if (cw < 1)
			break; /* children are sorted by total: the rest are narrower */
		subtree(d, c, cx, cw);
		cx += cw;
	}
}

static void tooltip(struct draw *d, uint32_t node, int hx, int hy)
{
	const struct cprof_flame *t = d->f->tree;
	const struct cprof_flame_node *n = &t->nodes.v[node];
	const struct cprof_flame_node *z = &t->nodes.v[d->f->zoom];
	char v[48], lines[3][240];
	int w = 0, lh = d->m->height[UI_FONT_SMALL] + 3, x, y;

	fmt_value(v, sizeof(v), d->f->unit, n->total);
	snprintf(lines[0], sizeof(lines[0]), "%s", cprof_flame_str(t, n->name));
	if (*cprof_flame_str(t, n->file) && n->line)
		snprintf(lines[1], sizeof(lines[1]), "%s:%d", cprof_flame_str(t, n->file), n->line);
	else
		snprintf(lines[1], sizeof(lines[1]), "%s",
			 *cprof_flame_str(t, n->file) ? cprof_flame_str(t, n->file) : "(no file)");
	snprintf(lines[2], sizeof(lines[2]), "%s, %.1f%% of all, %.1f%% of the zoomed frame", v,
		 t->nodes.v[0].total ? 100.0 * (double)n->total / (double)t->nodes.v[0].total : 0,
		 z->total ? 100.0 * (double)n->total / (double)z->total : 0);
	for (int i = 0; i < 3; i++) {
		int lw = ui_text_width(d->m, UI_FONT_SMALL, lines[i], strlen(lines[i]));
		if (lw > w)
			w = lw;
	}
	w += 12;
	x = hx + 12;
	y = hy + 14;
	if (x + w > d->x0 + d->f->area_w)
		x = d->x0 + d->f->area_w - w;
	if (x < d->x0)
		x = d->x0;
	if (y + 3 * lh + 8 > d->f->area_y + d->f->area_h)
		y = hy - 3 * lh - 12;
	ui_dl_rect(d->dl, x, y, w, 3 * lh + 8, ui_theme[UI_C_HEADER]);
	ui_dl_outline(d->dl, x, y, w, 3 * lh + 8, ui_theme[UI_C_GRID]);
	for (int i = 0; i < 3; i++)
		ui_dl_text(d->dl, x + 6, y + 4 + i * lh, 0,
			   i ? ui_theme[UI_C_TEXT_DIM] : ui_theme[UI_C_TEXT],
			   i ? UI_FONT_SMALL : UI_FONT_BOLD, "%s", lines[i]);
}

static void table(struct draw *d, int x, int y, int w, int h)
{
	const struct ui_flame *f = d->f;
	int rh = d->m->height[UI_FONT_SMALL] + 5, right = x + w - 6;
	char a[48];

	ui_dl_text(d->dl, x + 4, y, 0, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, "name");
	ui_dl_text(d->dl, right - 150, y, 0, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, "flat");
	ui_dl_text(d->dl, right - 60, y, 0, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, "cum");
	y += rh;
	for (uint32_t i = 0; i < f->ntop && y + rh <= d->bottom && y < y + h; i++, y += rh) {
		ui_dl_text(d->dl, x + 4, y, right - 160 - x, ui_theme[UI_C_TEXT], UI_FONT_SMALL,
			   "%s", f->top[i].name);
		fmt_value(a, sizeof(a), f->unit, f->top[i].flat);
		ui_dl_text(d->dl, right - 150, y, 0, ui_theme[UI_C_TEXT], UI_FONT_SMALL, "%s", a);
		fmt_value(a, sizeof(a), f->unit, f->top[i].cum);
		ui_dl_text(d->dl, right - 60, y, 0, ui_theme[UI_C_TEXT], UI_FONT_SMALL, "%s", a);
	}
}

void ui_flame_frame(struct ui_dl *dl, struct ui_flame *f, const struct ui_metrics *m, int x, int y,
		    int w, int h, const char *search, bool hover_on, int hover_x, int hover_y)
{
	struct draw d = {dl, f, m, search, x, y, y + h};
	uint32_t hover;

	f->boxes.n = 0;
	f->area_x = x;
	f->area_y = y;
	f->area_w = w;
	f->area_h = h;
	if (!f->tree || !f->tree->nodes.v[0].total) {
		ui_dl_text(dl, x + 4, y + 4, w - 8, ui_theme[UI_C_TEXT_DIM], UI_FONT_NORMAL, "%s",
			   f->note[0] ? f->note : "nothing to show in this range");
		return;
	}
	if (f->table) {
		table(&d, x, y, w, h);
		return;
	}
	/* the zoomed frame's ancestors, full width and dimmed: click to go back */
	for (uint32_t a = f->tree->nodes.v[f->zoom].parent; a != CPROF_FLAME_NONE;
	     a = f->tree->nodes.v[a].parent)
		box(&d, a, x, w, true);
	subtree(&d, f->zoom, x, w);
	hover = hover_on ? ui_flame_hit(f, hover_x, hover_y) : CPROF_FLAME_NONE;
	if (hover != CPROF_FLAME_NONE) {
		const struct ui_flame_box *b = NULL;
		for (size_t i = 0; i < f->boxes.n && !b; i++)
			if (f->boxes.v[i].node == hover)
				b = &f->boxes.v[i];
		if (b)
			ui_dl_outline(dl, b->x, b->y, b->w > 1 ? b->w - 1 : 1, b->h - 1,
				      ui_theme[UI_C_SELECT]);
		tooltip(&d, hover, hover_x, hover_y);
	}
}

uint32_t ui_flame_hit(const struct ui_flame *f, int x, int y)
{
	for (size_t i = f->boxes.n; i-- > 0;) {
		const struct ui_flame_box *b = &f->boxes.v[i];
		if (x >= b->x && x < b->x + b->w && y >= b->y && y < b->y + b->h)
			return b->node;
	}
	return CPROF_FLAME_NONE;
}

bool ui_flame_click(struct ui_flame *f, int x, int y)
{
	uint32_t node = ui_flame_hit(f, x, y);

	if (node == CPROF_FLAME_NONE || f->table)
		return false;
	if (node == f->zoom)
		node = f->tree->nodes.v[node].parent == CPROF_FLAME_NONE
			   ? 0
			   : f->tree->nodes.v[node].parent;
	if (node == f->zoom)
		return false;
	f->zoom = node;
	return true;
}

void ui_flame_print_json(const struct ui_flame *f, FILE *out)
{
	fprintf(out,
		"{\"tab\": \"flame\", \"from_ns\": %" PRIu64 ", \"to_ns\": %" PRIu64
		", \"profile\": \"%s\", \"total\": %" PRId64 ", \"unit\": \"%s\", \"note\": ",
		f->from_ns, f->to_ns, ui_flame_kind_name(f->kind), f->total,
		f->unit ? f->unit : "");
	cprof_json_write_string(out, f->note);
	fputs(", \"zoom\": ", out);
	cprof_json_write_string(
	    out, f->tree ? cprof_flame_str(f->tree, f->tree->nodes.v[f->zoom].name) : "");
	fputs(", \"top\": [", out);
	for (uint32_t i = 0; i < f->ntop; i++) {
		fprintf(out, "%s{\"name\": ", i ? ", " : "");
		cprof_json_write_string(out, f->top[i].name);
		fprintf(out, ", \"flat\": %" PRId64 ", \"cum\": %" PRId64 "}", f->top[i].flat,
			f->top[i].cum);
	}
	fputs("]}\n", out);
}
