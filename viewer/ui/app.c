/*
 * The viewer application: window or offscreen surface, loading thread with
 * a progress bar, the event loop and its input handling, screenshots and
 * the frame benchmark. Everything drawn goes through the display list built
 * by tl_frame.c and panel.c.
 */
#include <SDL.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analysis/profiles.h"
#include "export/pprof.h"
#include "panel.h"
#include "png.h"
#include "render.h"
#include "symbols/symbols.h"
#include "tl.h"
#include "ui.h"

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
	SDL_atomic_t cancel;
	/* CPROF_VIEW_SHOT_LOADING=F with --screenshot: the loader pauses at
	 * the first progress report >= F so that the frame it shows can be
	 * captured (tests look at the progress bar this way). */
	double shot_at;
	bool shot_paused;
	SDL_sem *paused, *resume;
	char err[512];
	double load_s;

	/* input */
	bool dragging, ranging, moved, shift;
	int press_x, press_y, last_x;
	uint32_t last_change;
	bool dirty;
	int exports;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *symbolize(void *ctx, uint32_t process, uint64_t ip, bool is_return, char *buf,
			     size_t size)
{
	struct cprof_symbol_loc loc;
	if (!ctx || !cprof_symbolizer_lookup(ctx, process, ip, is_return, &loc) || !loc.nframes)
		return NULL;
	const struct cprof_symbol *s = &loc.frames[0];
	if (s->file[0]) {
		const char *base = strrchr(s->file, '/');
		snprintf(buf, size, "%s  %s:%d", s->function, base ? base + 1 : s->file, s->line);
	} else {
		snprintf(buf, size, "%s", s->function);
	}
	return buf;
}

/* ---- loading ---- */

static bool on_progress(double f, void *data)
{
	struct app *a = data;
	SDL_AtomicSet(&a->progress, (int)(f * 10000));
	if (a->shot_at > 0 && f >= a->shot_at && !a->shot_paused) {
		a->shot_paused = true;
		SDL_SemPost(a->paused);
		SDL_SemWait(a->resume);
	}
	return !SDL_AtomicGet(&a->cancel);
}

static int load_thread(void *data)
{
	struct app *a = data;
	double t0 = now_s();
	if (!a->model) {
		a->model = a->o->load(a->o->trace, on_progress, a, a->err, sizeof(a->err));
		a->own_model = true;
	}
	if (a->model) {
		a->ix = ui_index_create(a->model);
		if (!a->ix)
			snprintf(a->err, sizeof(a->err),
				 "out of memory building the timeline index");
	}
	if (a->ix) {
		/* Symbolizing is lazy (per looked-up address); creating it only
		 * records the module list. */
		a->sym = cprof_symbolizer_create(a->model, NULL);
		a->ix->symbolize = symbolize;
		a->ix->sym_ctx = a->sym;
		a->panel = ui_panel_create(a->ix, a->sym);
	}
	a->load_s = now_s() - t0;
	SDL_AtomicSet(&a->done, 1);
	return 0;
}

/* ---- view setup ---- */

static void view_init(struct app *a, int w, int h)
{
	struct ui_view *v = &a->view;
	memset(v, 0, sizeof(*v));
	v->width = w;
	v->height = h;
	v->sel_task = CPROF_NONE;
	v->search_hit = CPROF_NONE;
	v->panel_row = -1;
	v->show_panel = true;
	ui_view_fit(v, a->ix);
}

static void select_item(struct app *a, uint8_t hit, uint32_t ref, uint32_t count)
{
	struct ui_view *v = &a->view;
	v->sel.hit = hit;
	v->sel.ref = ref;
	v->sel.count = count;
	uint32_t task = CPROF_NONE;
	if (hit == UI_HIT_TASK)
		task = ref;
	if (task != v->sel_task) {
		v->sel_task = task;
		if (task != CPROF_NONE)
			v->hl_type = 0;
		ui_index_set_highlight(a->ix, v);
	}
}

/* Centers the view on an item's time, keeping the zoom unless it is wider. */
static void focus_on(struct app *a, uint64_t b_abs, uint64_t e_abs)
{
	struct ui_view *v = &a->view;
	const struct cprof_model *m = a->model;
	double b = (double)(b_abs - m->begin_ns),
	       e = (double)((e_abs ? e_abs : m->end_ns) - m->begin_ns);
	double span = v->t1 - v->t0;
	if (e - b > span * 0.8)
		span = (e - b) / 0.6;
	double c = (b + e) / 2;
	v->t0 = c - span / 2;
	v->t1 = c + span / 2;
	ui_view_zoom(v, a->ix, -1, 1.0); /* clamps */
}

/* An item's time span as the model has it (end 0: still open at the end);
 * false for hits that are no single item. */
static bool hit_span(const struct cprof_model *m, uint8_t hit, uint32_t ref, uint64_t *b,
		     uint64_t *e)
{
	switch (hit) {
	case UI_HIT_REGION:
		*b = m->regions.v[ref].begin_ns, *e = m->regions.v[ref].end_ns;
		return true;
	case UI_HIT_LOG:
		*b = *e = m->logs.v[ref].ns;
		return true;
	case UI_HIT_TASK:
		*b = m->tasks.v[ref].begin_ns, *e = m->tasks.v[ref].end_ns;
		return true;
	case UI_HIT_WAIT:
		*b = m->waits.v[ref].begin_ns, *e = m->waits.v[ref].end_ns;
		return true;
	case UI_HIT_SYSCALL:
		*b = m->syscalls.v[ref].begin_ns, *e = m->syscalls.v[ref].end_ns;
		return true;
	case UI_HIT_SAMPLE:
		*b = *e = m->samples.v[ref].ns;
		return true;
	case UI_HIT_ALLOC:
		*b = *e = m->allocs.v[ref].ns;
		return true;
	default:
		return false;
	}
}

static void focus_hit(struct app *a, uint8_t hit, uint32_t ref)
{
	uint64_t b, e;

	if (hit_span(a->model, hit, ref, &b, &e))
		focus_on(a, b, e);
}

/* Keeps some lanes on screen however far the wheel or keys scroll. */
static void clamp_scroll(struct app *a)
{
	struct ui_geom g;
	ui_geom_compute(&a->view, &g);
	int max = ui_lanes_height(a->ix) - g.tl_h + 40;
	if (a->view.scroll_y > max)
		a->view.scroll_y = max;
	if (a->view.scroll_y < 0)
		a->view.scroll_y = 0;
}

/* Scrolls so that the selected item's thread lane is in view. */
static void scroll_to_selection(struct app *a)
{
	const struct cprof_model *m = a->model;
	const struct ui_sel *s = &a->view.sel;
	uint32_t t = CPROF_NONE;
	if (s->hit == UI_HIT_REGION)
		t = m->regions.v[s->ref].thread;
	else if (s->hit == UI_HIT_WAIT)
		t = m->waits.v[s->ref].thread;
	else if (s->hit == UI_HIT_SYSCALL)
		t = m->syscalls.v[s->ref].thread;
	else if (s->hit == UI_HIT_LOG)
		t = m->logs.v[s->ref].thread;
	else if (s->hit == UI_HIT_SAMPLE)
		t = m->samples.v[s->ref].thread;
	else if (s->hit == UI_HIT_ALLOC)
		t = m->allocs.v[s->ref].thread;
	if (t == CPROF_NONE)
		return;
	int off = ui_thread_offset(a->ix, t);
	struct ui_geom g;
	ui_geom_compute(&a->view, &g);
	if (off < 0)
		return;
	if (off < a->view.scroll_y || off + 60 > a->view.scroll_y + g.tl_h)
		a->view.scroll_y = off > g.tl_h / 3 ? off - g.tl_h / 3 : 0;
}

static bool apply_select(struct app *a, const char *sel)
{
	const struct cprof_model *m = a->model;
	struct ui_view *v = &a->view;
	const char *colon = strchr(sel, ':');
	if (!colon)
		return false;
	size_t kl = colon - sel;
	const char *val = colon + 1;
	char *end;
	unsigned long long n = strtoull(val, &end, 10);
	bool num = *val && !*end;
#define KEY(s) (kl == strlen(s) && !strncmp(sel, s, kl))
	if (KEY("region") && num && n < m->regions.n)
		select_item(a, UI_HIT_REGION, n, 1);
	else if (KEY("log") && num && n < m->logs.n)
		select_item(a, UI_HIT_LOG, n, 1);
	else if (KEY("wait") && num && n < m->waits.n)
		select_item(a, UI_HIT_WAIT, n, 1);
	else if (KEY("syscall") && num && n < m->syscalls.n)
		select_item(a, UI_HIT_SYSCALL, n, 1);
	else if (KEY("sample") && num && n < m->samples.n)
		select_item(a, UI_HIT_SAMPLE, n, 1);
	else if (KEY("alloc") && num && n < m->allocs.n)
		select_item(a, UI_HIT_ALLOC, n, 1);
	else if (KEY("task") && num) {
		size_t t;
		for (t = 0; t < m->tasks.n; t++)
			if (m->tasks.v[t].id == n)
				break;
		if (t == m->tasks.n)
			return false;
		select_item(a, UI_HIT_TASK, t, 1);
	} else if (KEY("slow") && *val) {
		/* slow:TASK:TYPE, a flight recorder snapshot's trigger: the
		 * longest region of TYPE in task TASK. */
		const char *type = strchr(val, ':');
		uint64_t task = strtoull(val, NULL, 10), best = 0;
		size_t r, pick = m->regions.n;
		for (r = 0; type && r < m->regions.n; r++) {
			const struct cprof_region *g = &m->regions.v[r];
			uint64_t d = g->end_ns > g->begin_ns ? g->end_ns - g->begin_ns : 0;
			if (g->task != CPROF_NONE && m->tasks.v[g->task].id == task && d >= best &&
			    !strcmp(cprof_model_str(m, g->type), type + 1)) {
				best = d;
				pick = r;
			}
		}
		if (pick == m->regions.n)
			return false;
		select_item(a, UI_HIT_REGION, pick, 1);
	} else if (KEY("type")) {
		size_t s;
		for (s = 1; s < m->strings.n; s++)
			if (!strcmp(m->strings.v[s], val))
				break;
		if (s == m->strings.n)
			return false;
		v->hl_type = s;
		ui_index_set_highlight(a->ix, v);
	} else if (KEY("search")) {
		snprintf(v->search, sizeof(v->search), "%s", val);
		ui_index_set_highlight(a->ix, v);
	} else if (KEY("range")) {
		char buf[128];
		snprintf(buf, sizeof(buf), "%s", val);
		char *comma = strchr(buf, ',');
		uint64_t r0, r1;
		if (!comma)
			return false;
		*comma = 0;
		if (!cprof_parse_duration(buf, &r0) || !cprof_parse_duration(comma + 1, &r1))
			return false;
		/* a range wholly after the trace would summarize nothing and
		 * show a clamped, empty range */
		if ((r0 < r1 ? r0 : r1) >= a->ix->span)
			return false;
		v->range_on = true;
		v->r0 = r0;
		v->r1 = r1;
	} else {
		return false;
	}
#undef KEY
	return true;
}

/*
 * What apply_select() checks without a trace: the key and the shape of its
 * value. The window opens before the trace loads (to show progress), so a
 * malformed --select is refused here, before any window, as the screenshot
 * path refuses it; whether it names something in the trace is known only
 * after loading.
 */
static bool select_syntax_ok(const char *sel)
{
	static const char *const numeric[] = {"region", "log",	 "wait", "syscall",
					      "sample", "alloc", "task"};
	const char *colon = strchr(sel, ':');
	if (!colon)
		return false;
	size_t kl = colon - sel;
	const char *val = colon + 1;
	for (size_t k = 0; k < sizeof(numeric) / sizeof(numeric[0]); k++)
		if (kl == strlen(numeric[k]) && !strncmp(sel, numeric[k], kl))
			return *val && strspn(val, "0123456789") == strlen(val);
	if ((kl == 4 && !strncmp(sel, "type", 4)) || (kl == 6 && !strncmp(sel, "search", 6)))
		return true;
	if (kl == 5 && !strncmp(sel, "range", 5)) {
		char buf[128];
		uint64_t r0, r1;
		snprintf(buf, sizeof(buf), "%s", val);
		char *comma = strchr(buf, ',');
		if (!comma)
			return false;
		*comma = 0;
		return cprof_parse_duration(buf, &r0) && cprof_parse_duration(comma + 1, &r1);
	}
	return false;
}

static void select_error(char *err, size_t errlen, const char *sel)
{
	snprintf(err, errlen,
		 "--select %s: expected region:N, task:ID, log:N, wait:N, syscall:N, sample:N, "
		 "alloc:N, type:NAME, search:TEXT or range:T0,T1 naming something in the trace",
		 sel);
}

/* Checks every ';'-separated part of a --select with select_syntax_ok(). */
static bool selects_syntax_ok(const char *select, char *err, size_t errlen)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", select);
	for (char *s = strtok(buf, ";"); s; s = strtok(NULL, ";"))
		if (!select_syntax_ok(s)) {
			select_error(err, errlen, s);
			return false;
		}
	return true;
}

static bool parse_tab(const char *s, enum ui_tab *tab)
{
	static const char *const names[UI_TAB_COUNT_] = {"regions", "sync", "blocking", "heap"};
	for (int t = 0; t < UI_TAB_COUNT_; t++)
		if (!strcmp(s, names[t])) {
			*tab = t;
			return true;
		}
	return false;
}

/* ---- frames ---- */

static void build_frame(struct app *a, bool tooltip)
{
	ui_dl_clear(&a->dl);
	const struct ui_metrics *m = ui_render_metrics(a->R);
	ui_frame_timeline(&a->dl, a->ix, &a->view, m);
	if (a->panel)
		ui_panel_frame(&a->dl, a->panel, &a->view, m);
	if (tooltip && a->view.hover_on && !a->dragging && !a->ranging) {
		const struct ui_dl_item *it = ui_dl_hit(&a->dl, a->view.hover_x, a->view.hover_y);
		if (it) {
			struct ui_dl_item copy = *it;
			ui_frame_tooltip(&a->dl, a->ix, &a->view, m, &copy);
		}
	}
}

static void draw(struct app *a, bool tooltip)
{
	build_frame(a, tooltip);
	SDL_SetRenderDrawColor(a->ren, 0, 0, 0, 255);
	SDL_RenderClear(a->ren);
	ui_render_dl(a->R, &a->dl);
}

static void draw_loading(struct app *a, int w, int h)
{
	ui_dl_clear(&a->dl);
	ui_frame_loading(&a->dl, w, h, a->o->trace, SDL_AtomicGet(&a->progress) / 10000.0);
	SDL_RenderClear(a->ren);
	ui_render_dl(a->R, &a->dl);
}

/* ---- export ---- */

static void export_profile(struct app *a)
{
	static const enum cprof_profile_type types[UI_TAB_COUNT_] = {
	    CPROF_PROFILE_REGION, CPROF_PROFILE_SYNC, CPROF_PROFILE_SYSCALL, CPROF_PROFILE_HEAP};
	static const char *const names[UI_TAB_COUNT_] = {"region", "sync", "syscall", "heap"};
	struct ui_view *v = &a->view;
	struct cprof_profile_filter f = {0};
	uint64_t from, to;
	ui_panel_range(a->ix, v, &from, &to);
	f.has_from = f.has_to = true;
	f.from_ns = from;
	f.to_ns = to;
	if (v->tab == UI_TAB_HEAP) {
		/* in use at the end of the range, whenever allocated */
		f.has_from = false;
		f.has_at = true;
		f.at_ns = to;
	}
	if (v->hl_type)
		f.region = cprof_model_str(a->model, v->hl_type);
	if (v->sel_task != CPROF_NONE)
		f.task = cprof_model_str(a->model, a->model->tasks.v[v->sel_task].type);
	struct cprof_profile *p = NULL;
	struct cprof_profiles_report rep = {0};
	enum cprof_profiles_status st =
	    cprof_profile_build(a->model, a->sym, types[v->tab], &f, &p, &rep);
	if (st != CPROF_PROFILES_OK || !p) {
		snprintf(v->status, sizeof(v->status), "export: %s",
			 rep.text[0] ? rep.text : "nothing to export");
		return;
	}
	char path[256];
	struct stat sb;
	for (int k = 1; k < 1000; k++) {
		snprintf(path, sizeof(path), "cprof-%s-%d.pb.gz", names[v->tab], k);
		if (stat(path, &sb) != 0)
			break;
	}
	enum cprof_pprof_status ws = cprof_pprof_write(p, path, false);
	if (ws == CPROF_PPROF_OK) {
		char cwd[200];
		if (!getcwd(cwd, sizeof(cwd)))
			snprintf(cwd, sizeof(cwd), ".");
		snprintf(
		    v->status, sizeof(v->status),
		    "exported %s profile (%.300s) to %.200s/%.250s  -  go tool pprof -top %.250s",
		    names[v->tab], rep.text, cwd, path, path);
		printf("cprof-trace: exported %s profile to %s/%s\n", names[v->tab], cwd, path);
		fflush(stdout);
	} else {
		snprintf(v->status, sizeof(v->status), "export: %s: %s", path,
			 ws == CPROF_PPROF_IO ? strerror(errno) : cprof_pprof_status_string(ws));
	}
	cprof_profile_destroy(p);
}

/* ---- input ---- */

static void search_next(struct app *a)
{
	struct ui_view *v = &a->view;
	uint8_t hit;
	uint32_t ref;
	uint64_t after = a->model->begin_ns + (uint64_t)(v->t0 > 0 ? v->t0 : 0);
	if (v->sel.hit == UI_HIT_REGION && v->search_hit == v->sel.ref)
		after = a->model->regions.v[v->sel.ref].begin_ns;
	else if (v->sel.hit == UI_HIT_LOG)
		after = a->model->logs.v[v->sel.ref].ns;
	else if (v->sel.hit == UI_HIT_TASK)
		after = a->model->tasks.v[v->sel.ref].begin_ns;
	else if (after > 0)
		after--;
	if (!ui_search_next(a->ix, v->search, &hit, &ref, after)) {
		snprintf(v->status, sizeof(v->status), "no match for \"%s\"", v->search);
		return;
	}
	v->search_hit = hit == UI_HIT_REGION ? ref : CPROF_NONE;
	uint32_t keep_task = v->sel_task;
	select_item(a, hit, ref, 1);
	if (hit != UI_HIT_TASK && keep_task != CPROF_NONE) {
		v->sel_task = CPROF_NONE;
		ui_index_set_highlight(a->ix, v);
	}
	focus_hit(a, hit, ref);
	scroll_to_selection(a);
}

static void clicked(struct app *a, int x, int y)
{
	struct ui_view *v = &a->view;
	build_frame(a, false);
	const struct ui_dl_item *it = ui_dl_hit(&a->dl, x, y);
	if (!it) {
		select_item(a, UI_HIT_NONE, 0, 0);
		return;
	}
	switch (it->hit) {
	case UI_HIT_PROCESS:
		a->ix->procs[it->ref].collapsed = !a->ix->procs[it->ref].collapsed;
		break;
	case UI_HIT_THREAD:
		a->ix->threads[it->ref].collapsed = !a->ix->threads[it->ref].collapsed;
		break;
	case UI_HIT_TASK_TRACK:
		a->ix->tasks_collapsed = !a->ix->tasks_collapsed;
		break;
	case UI_HIT_TAB: {
		cprof_str unused;
		v->tab = it->ref;
		v->panel_row = -1;
		ui_panel_row_occurrences(a->panel, v, -1, &unused);
		break;
	}
	case UI_HIT_ROW: {
		v->panel_row = v->panel_row == (int)it->ref ? -1 : (int)it->ref;
		cprof_str t = ui_panel_row_type(a->panel, v, v->panel_row);
		if (v->tab != UI_TAB_REGIONS) {
			uint32_t n = ui_panel_row_occurrences(a->panel, v, v->panel_row, &t);
			if (v->panel_row >= 0 && !t)
				snprintf(v->status, sizeof(v->status),
					 "highlighting %u %s with %s on their stack", n,
					 v->tab == UI_TAB_SYNC	     ? "waits"
					 : v->tab == UI_TAB_BLOCKING ? "blocking calls"
								     : "allocations",
					 a->panel->top[v->tab][v->panel_row].name);
		}
		v->hl_type = t;
		if (t)
			v->sel_task = CPROF_NONE;
		ui_index_set_highlight(a->ix, v);
		if (t)
			snprintf(v->status, sizeof(v->status), "highlighting %u regions of type %s",
				 a->ix->hl.n, cprof_model_str(a->model, t));
		break;
	}
	case UI_HIT_AXIS:
		break;
	default:
		select_item(a, it->hit, it->ref, it->count);
		break;
	}
}

static void key(struct app *a, SDL_Keycode k, Uint16 mod, bool *quit)
{
	struct ui_view *v = &a->view;
	struct ui_geom g;
	ui_geom_compute(v, &g);
	double cx = v->hover_on ? v->hover_x : g.tl_x + g.tl_w / 2.0;
	if (v->search_active) {
		if (k == SDLK_ESCAPE) {
			v->search_active = false;
			v->search[0] = 0;
			SDL_StopTextInput();
			ui_index_set_highlight(a->ix, v);
		} else if (k == SDLK_RETURN || k == SDLK_KP_ENTER) {
			v->search_active = false;
			SDL_StopTextInput();
			ui_index_set_highlight(a->ix, v);
			if (v->search[0])
				search_next(a);
		} else if (k == SDLK_BACKSPACE) {
			/* one character, not one byte: a UTF-8 tail left behind
			 * draws as U+FFFD and matches nothing */
			size_t n = strlen(v->search);
			while (n && ((unsigned char)v->search[n - 1] & 0xc0) == 0x80)
				n--;
			if (n)
				n--;
			v->search[n] = 0;
		}
		return;
	}
	v->status[0] = 0;
	switch (k) {
	case SDLK_w:
		ui_view_zoom(v, a->ix, cx, 0.8);
		break;
	case SDLK_s:
		ui_view_zoom(v, a->ix, cx, 1.25);
		break;
	case SDLK_a:
	case SDLK_LEFT:
		ui_view_pan(v, a->ix, -g.tl_w * 0.1);
		break;
	case SDLK_d:
	case SDLK_RIGHT:
		ui_view_pan(v, a->ix, g.tl_w * 0.1);
		break;
	case SDLK_UP:
		v->scroll_y = v->scroll_y > 40 ? v->scroll_y - 40 : 0;
		break;
	case SDLK_DOWN:
		v->scroll_y += 40;
		break;
	case SDLK_PAGEUP:
		v->scroll_y = v->scroll_y > g.tl_h ? v->scroll_y - g.tl_h : 0;
		break;
	case SDLK_PAGEDOWN:
		v->scroll_y += g.tl_h;
		break;
	case SDLK_f:
		ui_view_fit(v, a->ix);
		break;
	case SDLK_0:
		ui_view_fit(v, a->ix);
		v->scroll_y = 0;
		v->range_on = false;
		v->hl_type = 0;
		v->search[0] = 0;
		v->panel_row = -1;
		if (a->panel) {
			cprof_str unused;
			ui_panel_row_occurrences(a->panel, v, -1, &unused);
		}
		select_item(a, UI_HIT_NONE, 0, 0);
		for (uint32_t p = 0; p < a->ix->nprocs; p++)
			a->ix->procs[p].collapsed = false;
		for (size_t t = 0; t < a->model->threads.n; t++)
			a->ix->threads[t].collapsed = false;
		a->ix->tasks_collapsed = false;
		ui_index_set_highlight(a->ix, v);
		break;
	case SDLK_SLASH:
		v->search_active = true;
		v->search[0] = 0;
		SDL_StartTextInput();
		break;
	case SDLK_n:
		if (v->search[0])
			search_next(a);
		break;
	case SDLK_e:
		export_profile(a);
		break;
	case SDLK_TAB:
		v->tab = (v->tab + ((mod & KMOD_SHIFT) ? UI_TAB_COUNT_ - 1 : 1)) % UI_TAB_COUNT_;
		v->panel_row = -1;
		break;
	case SDLK_1:
	case SDLK_2:
	case SDLK_3:
	case SDLK_4:
		v->tab = k - SDLK_1;
		v->panel_row = -1;
		break;
	case SDLK_p:
		v->show_panel = !v->show_panel;
		break;
	case SDLK_ESCAPE:
		if (v->sel.hit != UI_HIT_NONE || v->range_on || v->hl_type || v->search[0]) {
			v->range_on = false;
			v->hl_type = 0;
			v->search[0] = 0;
			v->panel_row = -1;
			if (a->panel) {
				cprof_str unused;
				ui_panel_row_occurrences(a->panel, v, -1, &unused);
			}
			select_item(a, UI_HIT_NONE, 0, 0);
			ui_index_set_highlight(a->ix, v);
		}
		break;
	case SDLK_q:
		*quit = true;
		break;
	default:
		break;
	}
}

static void handle(struct app *a, const SDL_Event *e, bool *quit)
{
	struct ui_view *v = &a->view;
	struct ui_geom g;
	ui_geom_compute(v, &g);
	switch (e->type) {
	case SDL_QUIT:
		*quit = true;
		break;
	case SDL_WINDOWEVENT:
		if (e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
			v->width = e->window.data1;
			v->height = e->window.data2;
		} else if (e->window.event == SDL_WINDOWEVENT_LEAVE) {
			v->hover_on = false;
		}
		break;
	case SDL_MOUSEWHEEL: {
		int mx = v->hover_x, my = v->hover_y;
		if (!v->hover_on)
			SDL_GetMouseState(&mx, &my);
		if (mx < g.tl_x || (g.panel_w && mx >= g.panel_x)) {
			v->scroll_y -= e->wheel.y * 40;
			if (v->scroll_y < 0)
				v->scroll_y = 0;
		} else {
			ui_view_zoom(v, a->ix, mx, pow(0.8, e->wheel.y));
		}
		if (e->wheel.x)
			ui_view_pan(v, a->ix, e->wheel.x * 40);
		break;
	}
	case SDL_MOUSEBUTTONDOWN:
		if (e->button.button != SDL_BUTTON_LEFT)
			break;
		a->press_x = a->last_x = e->button.x;
		a->press_y = e->button.y;
		a->moved = false;
		if (e->button.x >= g.tl_x && e->button.x < g.tl_x + g.tl_w &&
		    e->button.y >= g.tl_y && e->button.y < g.details_y &&
		    (a->shift || (SDL_GetModState() & KMOD_SHIFT))) {
			a->ranging = true;
			v->range_on = true;
			v->r0 = v->r1 = ui_t_of(v, &g, e->button.x);
		} else {
			a->dragging = true;
		}
		break;
	case SDL_MOUSEMOTION:
		v->hover_on = true;
		v->hover_x = e->motion.x;
		v->hover_y = e->motion.y;
		if (a->ranging) {
			v->r1 = ui_t_of(v, &g, e->motion.x);
			a->moved = true;
		} else if (a->dragging) {
			int dx = e->motion.x - a->last_x;
			if (abs(e->motion.x - a->press_x) > 3 || abs(e->motion.y - a->press_y) > 3)
				a->moved = true;
			if (a->moved && a->press_x >= g.tl_x &&
			    (!g.panel_w || a->press_x < g.panel_x)) {
				ui_view_pan(v, a->ix, -dx);
				v->scroll_y -= e->motion.yrel;
				if (v->scroll_y < 0)
					v->scroll_y = 0;
			}
			a->last_x = e->motion.x;
		}
		break;
	case SDL_MOUSEBUTTONUP:
		if (e->button.button != SDL_BUTTON_LEFT)
			break;
		if (a->ranging) {
			a->ranging = false;
			if (!a->moved || fabs(v->r1 - v->r0) * g.tl_w / (v->t1 - v->t0) < 3)
				v->range_on = false;
		} else if (a->dragging) {
			a->dragging = false;
			if (!a->moved)
				clicked(a, e->button.x, e->button.y);
		}
		break;
	case SDL_TEXTINPUT:
		if (v->search_active) {
			/* whole characters only: a cut UTF-8 sequence matches nothing */
			size_t n = strlen(v->search), add = strlen(e->text.text);
			if (n + add < sizeof(v->search))
				memcpy(v->search + n, e->text.text, add + 1);
		}
		break;
	case SDL_KEYDOWN:
		if (e->key.keysym.sym == SDLK_LSHIFT || e->key.keysym.sym == SDLK_RSHIFT)
			a->shift = true;
		else
			key(a, e->key.keysym.sym, e->key.keysym.mod, quit);
		break;
	case SDL_KEYUP:
		if (e->key.keysym.sym == SDLK_LSHIFT || e->key.keysym.sym == SDLK_RSHIFT)
			a->shift = false;
		break;
	default:
		break;
	}
}

/* ---- modes ---- */

static void report_error(struct app *a, const char *msg)
{
	fprintf(stderr, "cprof-trace: %s\n", msg);
	if (a->win)
		SDL_ShowSimpleMessageBox(SDL_MESSAGEBOX_ERROR, "cprof-trace", msg, a->win);
}

/*
 * --from/--to over the fitted view. A --from past the trace's end would
 * leave t0 > t1 when --to is not given (the window then drew a negative
 * span), so it is refused with the trace's length, as pprof does.
 */
static bool apply_from_to(struct app *a, char *err, size_t errlen)
{
	const struct cprof_ui_options *o = a->o;
	char len[64];
	if (o->has_from && o->from_ns >= a->ix->span) {
		ui_format_dur(len, sizeof(len), (double)a->ix->span);
		snprintf(err, errlen, "%s: --from is after the end of the trace (it lasts %s)",
			 o->trace, len);
		return false;
	}
	if (o->has_from)
		a->view.t0 = (double)o->from_ns;
	if (o->has_to)
		a->view.t1 = (double)o->to_ns;
	if (a->view.t1 <= a->view.t0) {
		snprintf(err, errlen, "--from must be before --to");
		return false;
	}
	return true;
}

/*
 * --select (several separated by ';') over the loaded trace, for the
 * screenshot and the window alike. Without --from/--to, the selected item
 * is shown at a zoom where it is a tenth of the width.
 */
static bool apply_selects(struct app *a, char *err, size_t errlen)
{
	const struct cprof_ui_options *o = a->o;
	char buf[512];
	/* The default selection (a snapshot's slow region) is dropped
	 * silently if it names nothing. */
	if (!o->select && (!o->default_select || !apply_select(a, o->default_select)))
		return true;
	snprintf(buf, sizeof(buf), "%s", o->select ? o->select : "");
	for (char *s = strtok(buf, ";"); o->select && s; s = strtok(NULL, ";"))
		if (!apply_select(a, s)) {
			select_error(err, errlen, s);
			return false;
		}
	/* Without --from/--to, show the selected item at a zoom where
	 * it is a tenth of the width. */
	if (!o->has_from && !o->has_to && a->view.sel.hit != UI_HIT_NONE) {
		const struct cprof_model *m = a->model;
		uint64_t b = 0, e = 0;
		hit_span(m, a->view.sel.hit, a->view.sel.ref, &b, &e);
		if (!e)
			e = m->end_ns;
		double mid = (double)(b + e) / 2 - (double)m->begin_ns;
		double span = (double)(e - b) * 10;
		if (span < 2000)
			span = 2000;
		a->view.t0 = mid - span / 2;
		a->view.t1 = mid + span / 2;
		ui_view_zoom(&a->view, a->ix, -1, 1.0);
		scroll_to_selection(a);
		clamp_scroll(a);
	}
	return true;
}

static bool write_surface(struct app *a)
{
	SDL_RenderFlush(a->ren);
	SDL_LockSurface(a->surface);
	bool ok = ui_png_write(a->o->screenshot, a->surface->pixels, a->o->width, a->o->height,
			       a->surface->pitch);
	SDL_UnlockSurface(a->surface);
	if (!ok)
		fprintf(stderr, "cprof-trace: %s: %s\n", a->o->screenshot, strerror(errno));
	return ok;
}

/* The loading frame, captured while the real loader is paused at its first
 * progress report at or past `at`; then loading is canceled. Prints the
 * fraction the frame shows. */
static int run_loading_shot(struct app *a, double at)
{
	int status = 1;
	a->shot_at = at > 0 ? at : 1e-9;
	a->paused = SDL_CreateSemaphore(0);
	a->resume = SDL_CreateSemaphore(0);
	if (!a->paused || !a->resume) {
		fprintf(stderr, "cprof-trace: cannot create semaphores: %s\n", SDL_GetError());
		goto end;
	}
	SDL_Thread *thr = SDL_CreateThread(load_thread, "cprof-load", a);
	if (!thr) {
		fprintf(stderr, "cprof-trace: cannot start the loading thread\n");
		goto end;
	}
	bool paused = false;
	while (!paused && !SDL_AtomicGet(&a->done))
		paused = SDL_SemWaitTimeout(a->paused, 20) == 0;
	if (paused) {
		draw_loading(a, a->o->width, a->o->height);
		if (write_surface(a)) {
			printf("loading frame at %.4f\n", SDL_AtomicGet(&a->progress) / 10000.0);
			fflush(stdout);
			status = 0;
		}
		SDL_AtomicSet(&a->cancel, 1);
		SDL_SemPost(a->resume);
	} else {
		fprintf(stderr,
			"cprof-trace: %s: loading ended before reporting %.0f%% (the reader "
			"reports every 65536 events)\n",
			a->o->trace, at * 100);
	}
	SDL_WaitThread(thr, NULL);
end:
	if (a->paused)
		SDL_DestroySemaphore(a->paused);
	if (a->resume)
		SDL_DestroySemaphore(a->resume);
	return status;
}

static int run_screenshot(struct app *a)
{
	const struct cprof_ui_options *o = a->o;
	struct stat sb;
	char err[512];
	if (!o->force && stat(o->screenshot, &sb) == 0) {
		fprintf(stderr, "cprof-trace: %s: file exists (use --force to overwrite)\n",
			o->screenshot);
		return 1;
	}
	/* A software renderer on a surface: no display needed, and the same
	 * pixels the software renderer puts in a window. */
	a->surface =
	    SDL_CreateRGBSurfaceWithFormat(0, o->width, o->height, 32, SDL_PIXELFORMAT_RGBA32);
	if (!a->surface || !(a->ren = SDL_CreateSoftwareRenderer(a->surface))) {
		fprintf(stderr, "cprof-trace: cannot create a %dx%d software renderer: %s\n",
			o->width, o->height, SDL_GetError());
		return 1;
	}
	a->R = ui_render_create(a->ren, err, sizeof(err));
	if (!a->R) {
		fprintf(stderr, "cprof-trace: %s\n", err);
		return 1;
	}
	const char *at = getenv("CPROF_VIEW_SHOT_LOADING");
	if (at && at[0])
		return run_loading_shot(a, atof(at));
	load_thread(a);
	if (!a->ix) {
		fprintf(stderr, "cprof-trace: %s\n", a->err);
		return 1;
	}
	view_init(a, o->width, o->height);
	if (!apply_from_to(a, err, sizeof(err))) {
		fprintf(stderr, "cprof-trace: %s\n", err);
		return 2;
	}
	if (o->tab && !parse_tab(o->tab, &a->view.tab)) {
		fprintf(stderr, "cprof-trace: --tab %s: expected regions, sync, blocking or heap\n",
			o->tab);
		return 2;
	}
	if ((o->select || o->default_select) && !apply_selects(a, err, sizeof(err))) {
		fprintf(stderr, "cprof-trace: %s\n", err);
		return 2;
	}
	if (o->hover) {
		a->view.hover_on = true;
		a->view.hover_x = o->hover_x;
		a->view.hover_y = o->hover_y;
	}
	if (a->panel)
		ui_panel_update(a->panel, &a->view);
	/* A highlighted type also selects its panel row (its histogram). */
	if (a->panel && a->view.hl_type && a->view.tab == UI_TAB_REGIONS)
		for (uint32_t i = 0; i < a->panel->nregions; i++)
			if (a->panel->regions[i].type == a->view.hl_type)
				a->view.panel_row = i;
	if (o->print_panel && a->panel)
		ui_panel_print_json(a->panel, &a->view, stdout);
	draw(a, true);
	return write_surface(a) ? 0 : 1;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

static long rss_mb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb / 1024;
}

/* A fixed script: zoom in towards several points, pan both ways, zoom out
 * and fit again, so that frames cover every zoom level from the whole
 * trace to a few microseconds. */
static void bench_step(struct app *a, int i)
{
	struct ui_view *v = &a->view;
	struct ui_geom g;
	ui_geom_compute(v, &g);
	int phase = i % 120;
	double fx = g.tl_x + g.tl_w * (0.3 + 0.4 * ((i / 120) % 3) / 2.0);
	if (phase == 0)
		ui_view_fit(v, a->ix);
	else if (phase < 40)
		ui_view_zoom(v, a->ix, fx, 0.8);
	else if (phase < 60)
		ui_view_pan(v, a->ix, g.tl_w * 0.05);
	else if (phase < 80)
		ui_view_pan(v, a->ix, -g.tl_w * 0.07);
	else
		ui_view_zoom(v, a->ix, fx, 1.25);
	v->hover_on = true;
	v->hover_x = g.tl_x + (i * 37) % g.tl_w;
	v->hover_y = g.tl_y + (i * 23) % (g.tl_h > 1 ? g.tl_h : 1);
}

/*
 * --script FILE: feeds the same event handler real SDL events read from a
 * file, one action a line, so that tests drive zoom, pan, selection,
 * search and export without a person at the keyboard:
 *   move X Y | wheel N | click X Y | drag X0 Y0 X1 Y1 | shiftdrag X0 Y0 X1 Y1
 *   key NAME (SDL key names: W, S, A, D, F, 0, /, N, E, Tab, Escape, Return)
 *   text STRING | settle | print | shot FILE.png
 * `print` writes the view state as one line of JSON on stdout.
 */
static void script_event(struct app *a, SDL_Event *e, bool *quit)
{
	handle(a, e, quit);
}

static void script_mouse(struct app *a, Uint32 type, int x, int y, bool *quit)
{
	SDL_Event e = {0};
	e.type = type;
	if (type == SDL_MOUSEMOTION) {
		e.motion.xrel = x - a->view.hover_x;
		e.motion.yrel = y - a->view.hover_y;
		e.motion.x = x;
		e.motion.y = y;
	} else {
		e.button.button = SDL_BUTTON_LEFT;
		e.button.x = x;
		e.button.y = y;
	}
	script_event(a, &e, quit);
}

static void script_key(struct app *a, SDL_Keycode k, Uint32 type, bool *quit)
{
	SDL_Event e = {0};
	e.type = type;
	e.key.keysym.sym = k;
	e.key.keysym.mod = a->shift ? KMOD_LSHIFT : 0;
	script_event(a, &e, quit);
}

static void script_drag(struct app *a, int x0, int y0, int x1, int y1, bool *quit)
{
	script_mouse(a, SDL_MOUSEMOTION, x0, y0, quit);
	script_mouse(a, SDL_MOUSEBUTTONDOWN, x0, y0, quit);
	for (int s = 1; s <= 8; s++)
		script_mouse(a, SDL_MOUSEMOTION, x0 + (x1 - x0) * s / 8, y0 + (y1 - y0) * s / 8,
			     quit);
	script_mouse(a, SDL_MOUSEBUTTONUP, x1, y1, quit);
}

static void script_print(struct app *a)
{
	const struct ui_view *v = &a->view;
	printf("{\"t0\": %.1f, \"t1\": %.1f, \"sel_hit\": %u, \"sel_ref\": %u, \"sel_task\": %d, "
	       "\"range_on\": %d, \"r0\": %.1f, \"r1\": %.1f, \"tab\": %d, \"panel_row\": %d, "
	       "\"hl_type\": ",
	       v->t0, v->t1, v->sel.hit, v->sel.ref,
	       v->sel_task == CPROF_NONE ? -1 : (int)v->sel_task, v->range_on, v->r0, v->r1,
	       (int)v->tab, v->panel_row);
	ui_json_str(stdout, cprof_model_str(a->model, v->hl_type));
	printf(", \"hl_n\": %u, \"search\": ", a->ix->hl_active ? a->ix->hl.n : 0);
	ui_json_str(stdout, v->search);
	printf(", \"scroll_y\": %d, ", v->scroll_y);
	const char *text = "";
	const struct cprof_model *m = a->model;
	if (v->sel.hit == UI_HIT_REGION)
		text = cprof_model_str(m, m->regions.v[v->sel.ref].type);
	else if (v->sel.hit == UI_HIT_LOG)
		text = cprof_model_str(m, m->logs.v[v->sel.ref].message);
	else if (v->sel.hit == UI_HIT_TASK)
		text = cprof_model_str(m, m->tasks.v[v->sel.ref].type);
	int collapsed = 0;
	for (uint32_t p = 0; p < a->ix->nprocs; p++)
		collapsed += a->ix->procs[p].collapsed;
	for (size_t t = 0; t < m->threads.n; t++)
		collapsed += a->ix->threads[t].collapsed;
	collapsed += a->ix->tasks_collapsed;
	printf("\"sel_text\": ");
	ui_json_str(stdout, text);
	printf(", \"collapsed\": %d, \"status\": ", collapsed);
	ui_json_str(stdout, v->status);
	printf("}\n");
	fflush(stdout);
}

static bool script_shot(struct app *a, const char *path)
{
	int w = a->view.width, h = a->view.height;
	uint8_t *px = malloc((size_t)w * h * 4);
	bool ok = false;
	if (!px)
		return false;
	draw(a, true);
	if (SDL_RenderReadPixels(a->ren, NULL, SDL_PIXELFORMAT_RGBA32, px, w * 4) == 0)
		ok = ui_png_write(path, px, w, h, w * 4);
	SDL_RenderPresent(a->ren);
	free(px);
	return ok;
}

static int run_script(struct app *a, const char *file)
{
	FILE *f = fopen(file, "r");
	char line[512];
	bool quit = false;
	int lineno = 0;
	if (!f) {
		fprintf(stderr, "cprof-trace: %s: %s\n", file, strerror(errno));
		return 1;
	}
	while (!quit && fgets(line, sizeof(line), f)) {
		int x0, y0, x1, y1, n;
		char arg[400];
		lineno++;
		line[strcspn(line, "\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		if (sscanf(line, "move %d %d", &x0, &y0) == 2) {
			script_mouse(a, SDL_MOUSEMOTION, x0, y0, &quit);
		} else if (sscanf(line, "wheel %d", &n) == 1) {
			SDL_Event e = {0};
			e.type = SDL_MOUSEWHEEL;
			e.wheel.y = n;
			script_event(a, &e, &quit);
		} else if (sscanf(line, "click %d %d", &x0, &y0) == 2) {
			script_mouse(a, SDL_MOUSEMOTION, x0, y0, &quit);
			script_mouse(a, SDL_MOUSEBUTTONDOWN, x0, y0, &quit);
			script_mouse(a, SDL_MOUSEBUTTONUP, x0, y0, &quit);
		} else if (sscanf(line, "shiftdrag %d %d %d %d", &x0, &y0, &x1, &y1) == 4) {
			script_key(a, SDLK_LSHIFT, SDL_KEYDOWN, &quit);
			script_drag(a, x0, y0, x1, y1, &quit);
			script_key(a, SDLK_LSHIFT, SDL_KEYUP, &quit);
		} else if (sscanf(line, "drag %d %d %d %d", &x0, &y0, &x1, &y1) == 4) {
			script_drag(a, x0, y0, x1, y1, &quit);
		} else if (sscanf(line, "key %399s", arg) == 1) {
			SDL_Keycode k = SDL_GetKeyFromName(arg);
			if (k == SDLK_UNKNOWN)
				goto bad;
			script_key(a, k, SDL_KEYDOWN, &quit);
			script_key(a, k, SDL_KEYUP, &quit);
		} else if (!strncmp(line, "text ", 5)) {
			SDL_Event e = {0};
			e.type = SDL_TEXTINPUT;
			snprintf(e.text.text, sizeof(e.text.text), "%.31s", line + 5);
			script_event(a, &e, &quit);
		} else if (!strcmp(line, "settle")) {
			if (a->panel)
				ui_panel_update(a->panel, &a->view);
		} else if (!strcmp(line, "print")) {
			script_print(a);
		} else if (sscanf(line, "shot %399s", arg) == 1) {
			if (!script_shot(a, arg)) {
				fprintf(stderr, "cprof-trace: %s: cannot write the screenshot\n",
					arg);
				fclose(f);
				return 1;
			}
		} else {
			goto bad;
		}
		draw(a, true);
		SDL_RenderPresent(a->ren);
		continue;
	bad:
		fprintf(stderr, "cprof-trace: %s:%d: unknown action '%s'\n", file, lineno, line);
		fclose(f);
		return 2;
	}
	fclose(f);
	return 0;
}

static int run_window(struct app *a)
{
	const struct cprof_ui_options *o = a->o;
	char err[512];
	int w = o->width > 0 ? o->width : 1440, h = o->height > 0 ? o->height : 900;
	bool bench = o->bench_frames > 0 || o->script;
	int status = 0;

	enum ui_tab tab;
	if (o->tab && !parse_tab(o->tab, &tab)) {
		fprintf(stderr, "cprof-trace: --tab %s: expected regions, sync, blocking or heap\n",
			o->tab);
		return 2;
	}
	if (o->select && !selects_syntax_ok(o->select, err, sizeof(err))) {
		fprintf(stderr, "cprof-trace: %s\n", err);
		return 2;
	}
	if (SDL_Init(SDL_INIT_VIDEO) != 0) {
		fprintf(stderr,
			"cprof-trace: cannot open a window (%s): run it under a display or "
			"xvfb-run, or use --screenshot FILE.png\n",
			SDL_GetError());
		return 1;
	}
	/* SDL falls back to its offscreen driver when there is no display: an
	 * interactive window there would be invisible. */
	const char *drv = SDL_GetCurrentVideoDriver();
	if (!bench && drv && (!strcmp(drv, "offscreen") || !strcmp(drv, "dummy"))) {
		fprintf(stderr,
			"cprof-trace: no display to open a window on (SDL video driver '%s'): run "
			"it under a desktop session or xvfb-run, or use --screenshot FILE.png\n",
			drv);
		return 1;
	}
	if (bench) {
		SDL_SetHint(SDL_HINT_RENDER_VSYNC, "0");
		/* The software renderer presents through the window's own
		 * framebuffer (XShm), not through a GL texture (llvmpipe). */
		SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
	}
	a->win = SDL_CreateWindow("cprof-trace", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
				  w, h, SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
	if (!a->win) {
		fprintf(stderr,
			"cprof-trace: cannot open a window (%s): run it under a display or "
			"xvfb-run, or use --screenshot FILE.png\n",
			SDL_GetError());
		return 1;
	}
	a->ren = SDL_CreateRenderer(a->win, -1, bench ? SDL_RENDERER_SOFTWARE : 0);
	if (!a->ren)
		a->ren = SDL_CreateRenderer(a->win, -1, SDL_RENDERER_SOFTWARE);
	if (!a->ren) {
		report_error(a, "cannot create a renderer");
		return 1;
	}
	a->R = ui_render_create(a->ren, err, sizeof(err));
	if (!a->R) {
		report_error(a, err);
		return 1;
	}
	SDL_GetWindowSize(a->win, &w, &h);
	/* Load in the background; the window stays responsive and shows progress. */
	SDL_Thread *thr = SDL_CreateThread(load_thread, "cprof-load", a);
	if (!thr) {
		report_error(a, "cannot start the loading thread");
		return 1;
	}
	bool quit = false;
	while (!SDL_AtomicGet(&a->done)) {
		SDL_Event e;
		while (SDL_PollEvent(&e))
			if (e.type == SDL_QUIT ||
			    (e.type == SDL_KEYDOWN && e.key.keysym.sym == SDLK_ESCAPE)) {
				SDL_AtomicSet(&a->cancel, 1);
				quit = true;
			} else if (e.type == SDL_WINDOWEVENT &&
				   e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
				w = e.window.data1;
				h = e.window.data2;
			}
		draw_loading(a, w, h);
		SDL_RenderPresent(a->ren);
		SDL_Delay(30);
	}
	SDL_WaitThread(thr, NULL);
	if (quit)
		return 0;
	if (!a->ix) {
		char msg[700];
		snprintf(msg, sizeof(msg), "%s", a->err);
		report_error(a, msg);
		return 1;
	}
	view_init(a, w, h);
	if (!apply_from_to(a, a->err, sizeof(a->err))) {
		report_error(a, a->err);
		return 2;
	}
	if ((o->select || o->default_select) && !apply_selects(a, err, sizeof(err))) {
		report_error(a, err);
		return 2;
	}
	if (o->tab)
		parse_tab(o->tab, &a->view.tab);

	if (o->script)
		return run_script(a, o->script);
	if (bench) {
		int n = o->bench_frames;
		double *ms = malloc(n * sizeof(double));
		if (!ms)
			return 1;
		for (int i = 0; i < n; i++) {
			SDL_Event e;
			while (SDL_PollEvent(&e))
				;
			bench_step(a, i);
			double t0 = now_s();
			draw(a, true);
			SDL_RenderPresent(a->ren);
			ms[i] = (now_s() - t0) * 1000;
		}
		qsort(ms, n, sizeof(double), cmp_double);
		int p99 = (int)ceil(0.99 * n) - 1;
		printf("frames=%d median_ms=%.2f p99_ms=%.2f load_s=%.2f rss_mb=%ld\n", n,
		       ms[n / 2], ms[p99 < 0 ? 0 : p99], a->load_s, rss_mb());
		free(ms);
		return 0;
	}

	a->dirty = true;
	uint32_t changed_at = SDL_GetTicks();
	uint64_t pf = UINT64_MAX, pt = UINT64_MAX;
	int ptab = -1;
	while (!quit) {
		SDL_Event e;
		if (SDL_WaitEventTimeout(&e, a->dirty ? 1 : 120)) {
			do {
				handle(a, &e, &quit);
				a->dirty = true;
			} while (SDL_PollEvent(&e));
		}
		/* The panel follows the view once it settles (150 ms), never
		 * while a pan or zoom is in flight. */
		uint64_t f, t;
		ui_panel_range(a->ix, &a->view, &f, &t);
		if (f != pf || t != pt || (int)a->view.tab != ptab) {
			pf = f;
			pt = t;
			ptab = a->view.tab;
			changed_at = SDL_GetTicks();
		} else if (SDL_GetTicks() - changed_at > 150 && a->panel &&
			   ui_panel_update(a->panel, &a->view)) {
			a->dirty = true;
		}
		clamp_scroll(a);
		if (a->dirty) {
			draw(a, true);
			SDL_RenderPresent(a->ren);
			a->dirty = false;
		}
	}
	return status;
}

void cprof_ui_show_error(const char *msg)
{
	if (SDL_Init(SDL_INIT_VIDEO) != 0)
		return;
	const char *drv = SDL_GetCurrentVideoDriver();
	if (drv && strcmp(drv, "offscreen") && strcmp(drv, "dummy"))
		SDL_ShowSimpleMessageBox(SDL_MESSAGEBOX_ERROR, "cprof-trace", msg, NULL);
	SDL_Quit();
}

int cprof_ui_run(const struct cprof_ui_options *o)
{
	struct app a = {.o = o, .model = o->model};
	int status;
	ui_dl_init(&a.dl);
	if (o->screenshot)
		status = run_screenshot(&a);
	else
		status = run_window(&a);
	ui_panel_destroy(a.panel);
	if (a.sym)
		cprof_symbolizer_destroy(a.sym);
	ui_index_destroy(a.ix);
	if (a.own_model)
		cprof_model_destroy(a.model);
	ui_dl_free(&a.dl);
	ui_render_destroy(a.R);
	if (a.ren)
		SDL_DestroyRenderer(a.ren);
	if (a.surface)
		SDL_FreeSurface(a.surface);
	if (a.win)
		SDL_DestroyWindow(a.win);
	SDL_Quit();
	return status;
}
