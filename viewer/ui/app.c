/*
 * The viewer application: the loading thread with its progress bar, the
 * view and the selection, frames, the export key and the window with its
 * event loop. Everything drawn goes through the display list built by the
 * tl_*.c files and panel.c; input is app_input.c's, and the modes without a
 * person have their own files (app_shot.c, app_script.c, app_bench.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analysis/profiles.h"
#include "app.h"
#include "export/export.h"
#include "symbols/symbols.h"

double ui_app_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *symbolize(void *ctx, uint32_t process, uint64_t ns, uint64_t ip, bool is_return,
			     char *buf, size_t size)
{
	struct cprof_symbol_loc loc;
	if (!ctx || !cprof_symbolizer_lookup_at(ctx, process, ns, ip, is_return, &loc) ||
	    !loc.nframes)
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

static void on_partial(const struct cprof_model *m, uint64_t begin_ns, uint64_t end_ns, void *data)
{
	struct app *a = data;
	if (a->feed)
		ui_index_feed(a->feed, m);
	if (!a->preview || !a->preview_lock)
		return;
	double t0 = ui_app_now();
	SDL_LockMutex(a->preview_lock);
	ui_preview_update(a->preview, m, begin_ns, end_ns);
	SDL_UnlockMutex(a->preview_lock);
	SDL_AtomicAdd(&a->preview_gen, 1);
	a->preview_s += ui_app_now() - t0;
}

int ui_app_load(void *data)
{
	struct app *a = data;
	double t0 = ui_app_now();
	struct timespec c0, c1;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	if (!a->model) {
		/* the timeline's region rows are built as the regions come in */
		a->feed = ui_index_feed_create();
		a->model =
		    a->o->load(a->o->trace, on_progress, on_partial, a,
			       a->defer && a->o->finish ? &a->later : NULL, a->err, sizeof(a->err));
		a->own_model = true;
	}
	a->read_s = ui_app_now() - a->t_start;
	if (a->model) {
		a->ix = ui_index_create_fed(a->model, a->feed);
		a->feed = NULL;
		a->index_s = ui_app_now() - a->t_start;
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
		if (a->panel && a->o->profile)
			ui_flame_kind_parse(a->o->profile, &a->panel->flame->kind);
	}
	ui_index_feed_destroy(a->feed);
	a->feed = NULL;
	a->load_s = ui_app_now() - t0;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	a->load_cpu_s = (c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) / 1e9;
	SDL_AtomicSet(&a->done, 1);
	if (a->loaded)
		SDL_SemPost(a->loaded);
	return 0;
}

/* What the load left for later (writing the model cache: its summary,
 * a pass over every region, and its checksum, which a first open of a
 * big trace made the full view wait for). */
static void finish_load(struct app *a)
{
	if (a->later)
		a->o->finish(a->later, a->model);
	a->later = NULL;
}

static int prepare_profiles(void *data)
{
	struct app *a = data;
	/* first, at the UI's priority: the Regions panel's numbers for the
	 * whole trace wait for the cache's summary (model.h) */
	finish_load(a);
	/* then behind the panel's jobs (panel_job.c), which the person
	 * waits for */
	errno = 0;
	int nice = getpriority(PRIO_PROCESS, 0);
	if (errno == 0)
		setpriority(PRIO_PROCESS, 0, nice + 10 > 19 ? 19 : nice + 10);
	cprof_profile_prepare(a->model, &a->prepare_stop);
	return 0;
}

void ui_app_prepare_later(struct app *a)
{
	if (a->model && !a->prepare)
		a->prepare = SDL_CreateThread(prepare_profiles, "cprof-prepare", a);
	if (!a->prepare)
		finish_load(a); /* no thread: now (the panel may wait for it) */
}

void ui_app_view_init(struct app *a, int w, int h)
{
	struct ui_view *v = &a->view;
	memset(v, 0, sizeof(*v));
	v->width = w;
	v->height = h;
	v->sel_task = CPROF_NONE;
	v->search_hit = CPROF_NONE;
	v->panel_row = -1;
	v->show_panel = true;
	v->tab = a->o->tab >= 0			    ? (enum ui_tab)a->o->tab
		 : a->model && !a->model->regions.n ? UI_TAB_FLAME
						    : UI_TAB_REGIONS;
	ui_view_fit(v, a->ix);
	/* what kept the trace from being read as recorded, until a key */
	if (a->model && a->model->notes.n)
		snprintf(v->status, sizeof(v->status), "%s%s",
			 cprof_model_str(a->model, a->model->notes.v[0]),
			 a->model->notes.n > 1 ? " (and more: see stderr)" : "");
	/* else why a snapshot's past thins out before its window */
	else if (a->model)
		cprof_model_describe_window(a->model, v->status, sizeof(v->status));
}

void ui_app_select_item(struct app *a, uint8_t hit, uint32_t ref, uint32_t count)
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

void ui_app_focus_hit(struct app *a, uint8_t hit, uint32_t ref)
{
	uint64_t b, e;

	if (hit_span(a->model, hit, ref, &b, &e))
		focus_on(a, b, e);
}

/* Keeps some lanes on screen however far the wheel or keys scroll. */
void ui_app_clamp_scroll(struct app *a)
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
void ui_app_scroll_to_selection(struct app *a)
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

/* A flight recorder snapshot's trigger: the longest region of the type in
 * the task. */
static bool select_slow(struct app *a, const struct cprof_ui_select *sel)
{
	const struct cprof_model *m = a->model;
	uint64_t best = 0;
	size_t r, pick = m->regions.n;
	for (r = 0; r < m->regions.n; r++) {
		const struct cprof_region *g = &m->regions.v[r];
		uint64_t d = g->end_ns > g->begin_ns ? g->end_ns - g->begin_ns : 0;
		if (g->task != CPROF_NONE && m->tasks.v[g->task].id == sel->n && d >= best &&
		    !strcmp(cprof_model_str(m, g->type), sel->text)) {
			best = d;
			pick = r;
		}
	}
	if (pick == m->regions.n)
		return false;
	ui_app_select_item(a, UI_HIT_REGION, pick, 1);
	return true;
}

/* Looks up one --select item in the loaded trace; false when it names
 * nothing there. */
static bool apply_select(struct app *a, const struct cprof_ui_select *sel)
{
	static const uint8_t hits[] = {
	    [CPROF_UI_SELECT_REGION] = UI_HIT_REGION, [CPROF_UI_SELECT_LOG] = UI_HIT_LOG,
	    [CPROF_UI_SELECT_WAIT] = UI_HIT_WAIT,     [CPROF_UI_SELECT_SYSCALL] = UI_HIT_SYSCALL,
	    [CPROF_UI_SELECT_SAMPLE] = UI_HIT_SAMPLE, [CPROF_UI_SELECT_ALLOC] = UI_HIT_ALLOC,
	};
	const struct cprof_model *m = a->model;
	struct ui_view *v = &a->view;
	const size_t counts[] = {
	    [CPROF_UI_SELECT_REGION] = m->regions.n, [CPROF_UI_SELECT_LOG] = m->logs.n,
	    [CPROF_UI_SELECT_WAIT] = m->waits.n,     [CPROF_UI_SELECT_SYSCALL] = m->syscalls.n,
	    [CPROF_UI_SELECT_SAMPLE] = m->samples.n, [CPROF_UI_SELECT_ALLOC] = m->allocs.n,
	};
	size_t k;

	switch (sel->kind) {
	case CPROF_UI_SELECT_TASK:
		for (k = 0; k < m->tasks.n; k++)
			if (m->tasks.v[k].id == sel->n)
				break;
		if (k == m->tasks.n)
			return false;
		ui_app_select_item(a, UI_HIT_TASK, k, 1);
		return true;
	case CPROF_UI_SELECT_TYPE:
		for (k = 1; k < m->strings.n; k++)
			if (!strcmp(m->strings.v[k], sel->text))
				break;
		if (k == m->strings.n)
			return false;
		v->hl_type = k;
		ui_index_set_highlight(a->ix, v);
		return true;
	case CPROF_UI_SELECT_SEARCH:
		snprintf(v->search, sizeof(v->search), "%s", sel->text);
		ui_index_set_highlight(a->ix, v);
		return true;
	case CPROF_UI_SELECT_SLOW:
		return select_slow(a, sel);
	case CPROF_UI_SELECT_RANGE:
		/* a range wholly after the trace would summarize nothing and
		 * show a clamped, empty range */
		if ((sel->r0 < sel->r1 ? sel->r0 : sel->r1) >= a->ix->span)
			return false;
		v->range_on = true;
		v->r0 = sel->r0;
		v->r1 = sel->r1;
		return true;
	default:
		if (sel->n >= counts[sel->kind])
			return false;
		ui_app_select_item(a, hits[sel->kind], sel->n, 1);
		return true;
	}
}

void ui_app_build_frame(struct app *a, bool tooltip)
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

void ui_app_draw(struct app *a, bool tooltip)
{
	ui_app_build_frame(a, tooltip);
	SDL_SetRenderDrawColor(a->ren, 0, 0, 0, 255);
	SDL_RenderClear(a->ren);
	ui_render_dl(a->R, &a->dl);
}

bool ui_app_draw_loading(struct app *a, int w, int h)
{
	double f = SDL_AtomicGet(&a->progress) / 10000.0;
	bool lanes = false;
	ui_dl_clear(&a->dl);
	/* the display list is built under the lock and drawn after it: the
	 * loader waits for a frame's building, never for its painting */
	if (a->preview && a->preview_lock) {
		SDL_LockMutex(a->preview_lock);
		lanes = ui_preview_ready(a->preview);
		if (lanes)
			ui_frame_preview(&a->dl, a->preview, w, h,
					 a->o->tab < 0 ? UI_TAB_REGIONS : a->o->tab,
					 ui_render_metrics(a->R), a->o->trace, f);
		SDL_UnlockMutex(a->preview_lock);
	}
	if (!lanes)
		ui_frame_loading(&a->dl, w, h, a->o->trace, f);
	SDL_RenderClear(a->ren);
	ui_render_dl(a->R, &a->dl);
	if (lanes && !a->first_lanes_s)
		a->first_lanes_s = ui_app_now() - a->t_start;
	return lanes;
}

void ui_app_export_profile(struct app *a)
{
	static const enum cprof_profile_type types[UI_TAB_COUNT_] = {
	    CPROF_PROFILE_REGION, CPROF_PROFILE_SYNC,	 CPROF_PROFILE_SYSCALL, CPROF_PROFILE_HEAP,
	    CPROF_PROFILE_CPU,	  CPROF_PROFILE_THREADS, CPROF_PROFILE_REGION};
	static const char *const names[UI_TAB_COUNT_] = {"region", "sync",    "syscall", "heap",
							 "cpu",	   "threads", "region"};
	struct ui_view *v = &a->view;
	struct cprof_profile_filter f = {0};
	enum cprof_profile_type type = types[v->tab];
	const char *name = names[v->tab];
	bool heap = v->tab == UI_TAB_HEAP;
	uint64_t from, to;
	if (v->tab == UI_TAB_FLAME && a->panel) {
		/* the flame graph's own type; "alloc" is the heap profile */
		name = ui_flame_kind_name(a->panel->flame->kind);
		heap = a->panel->flame->kind == UI_FLAME_HEAP;
		if (a->panel->flame->kind == UI_FLAME_ALLOC)
			name = "heap";
		cprof_profile_type_parse(name, &type);
	}
	ui_panel_range(a->ix, v, &from, &to);
	f.has_from = f.has_to = true;
	f.from_ns = from;
	f.to_ns = to;
	if (heap) {
		/* in use at the end of the range, whenever allocated */
		f.has_from = false;
		f.has_at = true;
		f.at_ns = to;
	}
	if (v->hl_type)
		f.region = cprof_model_str(a->model, v->hl_type);
	if (v->sel_task != CPROF_NONE)
		f.task = cprof_model_str(a->model, a->model->tasks.v[v->sel_task].type);
	char path[256];
	struct stat sb;
	for (int k = 1; k < 1000; k++) {
		snprintf(path, sizeof(path), "cprof-%s-%d.pb.gz", name, k);
		if (stat(path, &sb) != 0)
			break;
	}
	struct cprof_export_result res;
	enum cprof_export_status st =
	    cprof_export_pprof(a->model, a->sym, type, &f, path, false, &res);
	if (st == CPROF_EXPORT_PROFILE) {
		snprintf(v->status, sizeof(v->status), "export: %s",
			 res.report.text[0] ? res.report.text : "nothing to export");
		return;
	}
	if (st != CPROF_EXPORT_OK) {
		snprintf(v->status, sizeof(v->status), "export: %s: %s", path,
			 cprof_export_write_error(&res));
		return;
	}
	char cwd[200];
	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), ".");
	snprintf(v->status, sizeof(v->status),
		 "exported %s profile (%.300s) to %.200s/%.250s  -  go tool pprof -top %.250s",
		 names[v->tab], res.report.text, cwd, path, path);
	printf("cprof-trace: exported %s profile to %s/%s\n", names[v->tab], cwd, path);
	fflush(stdout);
}

void ui_app_report_error(struct app *a, const char *msg)
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
bool ui_app_apply_from_to(struct app *a, char *err, size_t errlen)
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
bool ui_app_apply_selects(struct app *a, char *err, size_t errlen)
{
	const struct cprof_ui_options *o = a->o;
	/* The default selection (a snapshot's slow region) is dropped
	 * silently if it names nothing. */
	if (!o->nselect && (!o->has_default_select || !apply_select(a, &o->default_select)))
		return true;
	for (int k = 0; k < o->nselect; k++)
		if (!apply_select(a, &o->select[k])) {
			snprintf(err, errlen,
				 "--select %s: expected " CPROF_UI_SELECT_FORMS
				 " naming something in the trace",
				 o->select[k].spec);
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
		ui_app_scroll_to_selection(a);
		ui_app_clamp_scroll(a);
	}
	return true;
}

/* Opens the window and its renderer (software for the scripted modes, so
 * that their frames are the screenshot's pixels); 0 or the exit status. */
int ui_app_open_window(struct app *a, bool scripted, int w, int h)
{
	char err[512];

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
	if (!scripted && drv && (!strcmp(drv, "offscreen") || !strcmp(drv, "dummy"))) {
		fprintf(stderr,
			"cprof-trace: no display to open a window on (SDL video driver '%s'): run "
			"it under a desktop session or xvfb-run, or use --screenshot FILE.png\n",
			drv);
		return 1;
	}
	if (scripted) {
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
	a->ren = SDL_CreateRenderer(a->win, -1, scripted ? SDL_RENDERER_SOFTWARE : 0);
	if (!a->ren)
		a->ren = SDL_CreateRenderer(a->win, -1, SDL_RENDERER_SOFTWARE);
	if (!a->ren) {
		ui_app_report_error(a, "cannot create a renderer");
		return 1;
	}
	a->R = ui_render_create(a->ren, err, sizeof(err));
	if (!a->R) {
		ui_app_report_error(a, err);
		return 1;
	}
	return 0;
}

/* Shows the loading `thr` does in the background while the window stays
 * responsive; *quit when the user closed it (Escape) meanwhile. */
static int load_in_window(struct app *a, SDL_Thread *thr, int *w, int *h, bool *quit)
{
	/* A frame costs the loader CPU where cores are few: one when
	 * something changed, at most 10 a second, but the first with lanes
	 * at once. */
	int drawn_gen = -1, drawn_progress = -1;
	double drawn_at = 0;
	bool redraw = true;
	while (!SDL_AtomicGet(&a->done)) {
		SDL_Event e;
		while (SDL_PollEvent(&e))
			if (e.type == SDL_QUIT ||
			    (e.type == SDL_KEYDOWN && e.key.keysym.sym == SDLK_ESCAPE)) {
				SDL_AtomicSet(&a->cancel, 1);
				*quit = true;
			} else if (e.type == SDL_WINDOWEVENT) {
				if (e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
					*w = e.window.data1;
					*h = e.window.data2;
				}
				redraw = true;
			}
		int gen = SDL_AtomicGet(&a->preview_gen), progress = SDL_AtomicGet(&a->progress);
		double now = ui_app_now();
		if (redraw || (gen && drawn_gen <= 0) ||
		    ((gen != drawn_gen || progress != drawn_progress) && now - drawn_at >= 0.1)) {
			ui_app_draw_loading(a, *w, *h);
			SDL_RenderPresent(a->ren);
			drawn_gen = gen;
			drawn_progress = progress;
			drawn_at = now;
			redraw = false;
		}
		/* wakes at once when the loading ends: the full view follows */
		SDL_SemWaitTimeout(a->loaded, 30);
	}
	SDL_WaitThread(thr, NULL);
	return 0;
}

/* The panel's numbers came (from its computing thread): an event, so that
 * the loop waiting for input wakes and shows them. */
static void wake_loop(void *ctx)
{
	SDL_Event e = {.type = SDL_USEREVENT};
	(void)ctx;
	SDL_PushEvent(&e);
}

/* The interactive loop: redraw on input; the panel follows the view once
 * it settles (150 ms), never while a pan or zoom is in flight, and a
 * computation for a range left behind stops at once. */
static int event_loop(struct app *a)
{
	bool quit = false;
	uint32_t changed_at = SDL_GetTicks();
	uint64_t pf = UINT64_MAX, pt = UINT64_MAX;
	int ptab = -1;

	a->dirty = true;
	if (a->panel) {
		a->panel->wake = wake_loop;
		a->panel->wake_ctx = a;
	}
	while (!quit) {
		SDL_Event e;
		if (SDL_WaitEventTimeout(&e, a->dirty ? 1 : 120)) {
			do {
				ui_app_handle(a, &e, &quit);
				a->dirty = true;
			} while (SDL_PollEvent(&e));
		}
		uint64_t f, t;
		ui_panel_range(a->ix, &a->view, &f, &t);
		if (f != pf || t != pt || (int)a->view.tab != ptab) {
			pf = f;
			pt = t;
			ptab = a->view.tab;
			changed_at = SDL_GetTicks();
			if (a->panel)
				ui_panel_follow(a->panel, &a->view);
		} else if (SDL_GetTicks() - changed_at > 150 && a->panel &&
			   ui_panel_update(a->panel, &a->view)) {
			a->dirty = true;
		}
		if (ui_app_poll_click(a, false))
			a->dirty = true;
		ui_app_clamp_scroll(a);
		if (a->dirty) {
			ui_app_draw(a, true);
			SDL_RenderPresent(a->ren);
			a->dirty = false;
		}
	}
	return 0;
}

static int run_window(struct app *a)
{
	const struct cprof_ui_options *o = a->o;
	int w = o->width > 0 ? o->width : 1440, h = o->height > 0 ? o->height : 900;
	bool quit = false;
	int status;
	SDL_Thread *thr;

	/* The window first, then the reading: started before it, the reading
	 * took the cores the window's opening (SDL, the display, the glyph
	 * atlas) needed, and the first frame came later (at 20M records
	 * under load: the window open after 1.2-2.7 s instead of 0.5-0.9 s),
	 * for a full view a few tenths of a second sooner. */
	a->defer = true;
	status = ui_app_open_window(a, o->bench_frames > 0 || o->script, w, h);
	a->window_s = ui_app_now() - a->t_start;
	if (status)
		return status;
	a->loaded = SDL_CreateSemaphore(0);
	if (!a->loaded || !(thr = SDL_CreateThread(ui_app_load, "cprof-load", a))) {
		ui_app_report_error(a, "cannot start the loading thread");
		return 1;
	}
	SDL_GetWindowSize(a->win, &w, &h);
	status = load_in_window(a, thr, &w, &h, &quit);
	if (status || quit)
		return status;
	if (!a->ix) {
		ui_app_report_error(a, a->err);
		return 1;
	}
	ui_app_view_init(a, w, h);
	if (!ui_app_apply_from_to(a, a->err, sizeof(a->err))) {
		ui_app_report_error(a, a->err);
		return 2;
	}
	if (!ui_app_apply_selects(a, a->err, sizeof(a->err))) {
		ui_app_report_error(a, a->err);
		return 2;
	}
	ui_app_prepare_later(a);
	if (o->script)
		return ui_app_script(a, o->script);
	if (o->bench_frames > 0)
		return ui_app_bench(a);
	return event_loop(a);
}

void ui_app_fini(struct app *a)
{
	atomic_store(&a->prepare_stop, true);
	if (a->prepare)
		SDL_WaitThread(a->prepare, NULL);
	a->prepare = NULL;
	finish_load(a); /* the window closed before the full view */
	ui_panel_destroy(a->panel);
	a->panel = NULL;
	if (a->sym)
		cprof_symbolizer_destroy(a->sym);
	a->sym = NULL;
	ui_index_destroy(a->ix);
	a->ix = NULL;
	ui_preview_destroy(a->preview);
	a->preview = NULL;
	if (a->preview_lock)
		SDL_DestroyMutex(a->preview_lock);
	a->preview_lock = NULL;
	if (a->loaded)
		SDL_DestroySemaphore(a->loaded);
	a->loaded = NULL;
	if (a->own_model)
		cprof_model_destroy(a->model);
	a->model = NULL;
	ui_dl_free(&a->dl);
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
	struct app a = {.o = o, .model = o->model, .t_start = ui_app_now()};
	int status;
	if (o->trace_new)
		return ui_compare_run(o);
	ui_dl_init(&a.dl);
	const char *no_preview = getenv("CPROF_VIEW_NO_PREVIEW");
	if (!a.model && !(no_preview && no_preview[0])) {
		/* without them, the progress bar alone (the environment
		 * variable is for measuring what the preview costs) */
		a.preview = ui_preview_create();
		a.preview_lock = SDL_CreateMutex();
	}
	if (o->screenshot)
		status = ui_app_screenshot(&a);
	else
		status = run_window(&a);
	ui_app_fini(&a);
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
