/*
 * `cprof-trace view OLD NEW`: the two traces one above the other on aligned
 * time axes (each from its own start: the same offsets and zoom in both),
 * beside the compare panel (panel_compare.h). Each trace is a whole
 * struct app (model, index, view, selection, details) that builds its
 * frame into its own display list as a single trace would; this file lays
 * the two out in one window, sends each event to the trace under the
 * mouse, keeps their time ranges together and runs the panel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "panel_compare.h"
#include "pngio.h"

struct pair {
	const struct cprof_ui_options *o;
	struct cprof_ui_options side_o[2];
	struct app side[2]; /* old above, new below */
	SDL_Window *win;
	SDL_Renderer *ren;
	SDL_Surface *surface; /* screenshot target */
	struct ui_render *R;
	struct ui_dl dl;
	struct ui_compare_panel panel;
	int width, height;
	int active;	  /* the side under the mouse, or holding the button */
	bool grabbed;	  /* a button went down on the active side */
	bool panel_press; /* ... or on the panel */
	bool range_on;	  /* the range the panel was computed over */
	double r0, r1;
	uint32_t range_at; /* when the range last changed (ticks) */
};

static const char *const labels[2] = {"old", "new"};

/* The panel takes the wide tabs' width, none in a narrow window. */
static int panel_w(const struct pair *p)
{
	if (p->width < 900)
		return 0;
	return p->width * 2 / 5 < UI_PANEL_WIDE_W ? p->width * 2 / 5 : UI_PANEL_WIDE_W;
}

static int side_y(const struct pair *p, int i)
{
	return i ? p->height / 2 : 0;
}

static int side_h(const struct pair *p, int i)
{
	return i ? p->height - p->height / 2 : p->height / 2;
}

static void layout(struct pair *p)
{
	for (int i = 0; i < 2; i++) {
		p->side[i].view.width = p->width - panel_w(p);
		p->side[i].view.height = side_h(p, i);
	}
}

/* The other side shows the same time range (and range selection). */
static void sync_from(struct pair *p, int i)
{
	const struct ui_view *a = &p->side[i].view;
	struct ui_view *b = &p->side[!i].view;
	b->t0 = a->t0;
	b->t1 = a->t1;
	b->range_on = a->range_on;
	b->r0 = a->r0;
	b->r1 = a->r1;
}

/* Highlights the region or task type `name` in both traces (NULL: none). */
static void highlight_type(struct pair *p, const char *name)
{
	for (int i = 0; i < 2; i++) {
		struct app *a = &p->side[i];
		const struct cprof_model *m = a->model;
		cprof_str k = 0;
		for (size_t s = 1; name && s < m->strings.n && !k; s++)
			if (!strcmp(m->strings.v[s], name))
				k = (cprof_str)s;
		a->view.hl_type = k;
		if (k)
			a->view.sel_task = CPROF_NONE;
		ui_index_set_highlight(a->ix, &a->view);
		if (name)
			snprintf(a->view.status, sizeof(a->view.status),
				 "highlighting %u regions of type %s",
				 a->ix->hl_active ? a->ix->hl.n : 0, name);
		else
			a->view.status[0] = 0;
	}
}

/* ---- frames ---- */

static void build_frame(struct pair *p, bool tooltip)
{
	const struct ui_metrics *m = ui_render_metrics(p->R);
	int pw = panel_w(p), tw = p->width - pw;

	ui_dl_clear(&p->dl);
	for (int i = 0; i < 2; i++) {
		ui_app_build_frame(&p->side[i], tooltip && i == p->active);
		ui_dl_append(&p->dl, &p->side[i].dl, 0, side_y(p, i), tw, side_h(p, i));
	}
	ui_dl_rect(&p->dl, 0, side_y(p, 1) - 1, tw, 2, ui_theme[UI_C_ACCENT]);
	if (pw)
		ui_compare_panel_frame(&p->dl, &p->panel, m, tw, 0, pw, p->height);
}

static void draw(struct pair *p, bool tooltip)
{
	build_frame(p, tooltip);
	SDL_SetRenderDrawColor(p->ren, 0, 0, 0, 255);
	SDL_RenderClear(p->ren);
	ui_render_dl(p->R, &p->dl);
}

static void draw_loading(struct pair *p)
{
	ui_dl_clear(&p->dl);
	for (int i = 0; i < 2; i++) {
		struct app *a = &p->side[i];
		ui_dl_clear(&a->dl);
		ui_frame_loading(&a->dl, p->width, side_h(p, i), a->o->trace,
				 SDL_AtomicGet(&a->progress) / 10000.0);
		ui_dl_append(&p->dl, &a->dl, 0, side_y(p, i), p->width, side_h(p, i));
	}
	SDL_RenderClear(p->ren);
	ui_render_dl(p->R, &p->dl);
}

/* ---- the panel ---- */

/* Recomputes the comparison over the selected range, or the whole traces. */
static void panel_compute(struct pair *p)
{
	const struct ui_view *v = &p->side[0].view;
	struct cprof_profile_filter f = {0}, *range = NULL;

	p->range_on = v->range_on;
	p->r0 = v->r0;
	p->r1 = v->r1;
	if (v->range_on) {
		double a = v->r0 < v->r1 ? v->r0 : v->r1, b = v->r0 < v->r1 ? v->r1 : v->r0;
		f.has_from = f.has_to = true;
		f.from_ns = a > 0 ? (uint64_t)a : 0;
		f.to_ns = b > 0 ? (uint64_t)b : 0;
		range = &f;
	}
	ui_compare_panel_compute(&p->panel, p->side[0].model, p->side[0].sym, p->side[1].model,
				 p->side[1].sym, range);
}

/* Whether the range selection moved since the panel was computed. */
static bool range_changed(const struct pair *p)
{
	const struct ui_view *v = &p->side[0].view;
	if (v->range_on != p->range_on)
		return true;
	return v->range_on && (v->r0 != p->r0 || v->r1 != p->r1);
}

static void panel_click(struct pair *p, int x, int y)
{
	const struct ui_dl_item *it = ui_dl_hit(&p->dl, x, y);
	if (!it || it->hit != UI_HIT_ROW)
		return;
	p->panel.row = p->panel.row == (int)it->ref ? -1 : (int)it->ref;
	highlight_type(p, ui_compare_panel_row_type(&p->panel, p->panel.row));
}

/* ---- input ---- */

/* The event's position, when it has one. */
static bool event_xy(const SDL_Event *e, int *x, int *y)
{
	switch (e->type) {
	case SDL_MOUSEMOTION:
		*x = e->motion.x, *y = e->motion.y;
		return true;
	case SDL_MOUSEBUTTONDOWN:
	case SDL_MOUSEBUTTONUP:
		*x = e->button.x, *y = e->button.y;
		return true;
	default:
		return false;
	}
}

static void to_side(SDL_Event *e, int dy)
{
	if (e->type == SDL_MOUSEMOTION)
		e->motion.y -= dy;
	else
		e->button.y -= dy;
}

/* A mouse event on the panel: the wheel scrolls its rows, a click picks one. */
static void panel_mouse(struct pair *p, const SDL_Event *e, int x, int y)
{
	if (e->type == SDL_MOUSEWHEEL) {
		p->panel.scroll -= e->wheel.y * 3;
		if (p->panel.scroll < 0)
			p->panel.scroll = 0;
		if (p->panel.valid && (size_t)p->panel.scroll >= p->panel.cmp.rows.n)
			p->panel.scroll = p->panel.cmp.rows.n ? (int)p->panel.cmp.rows.n - 1 : 0;
	} else if (e->type == SDL_MOUSEBUTTONDOWN && e->button.button == SDL_BUTTON_LEFT) {
		p->panel_press = true;
	} else if (e->type == SDL_MOUSEBUTTONUP && p->panel_press) {
		p->panel_press = false;
		panel_click(p, x, y);
	}
}

static void handle(void *ctx, const SDL_Event *e, bool *quit)
{
	struct pair *p = ctx;
	SDL_Event ev = *e;
	int x, y;

	if (e->type == SDL_WINDOWEVENT && e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
		p->width = e->window.data1;
		p->height = e->window.data2;
		layout(p);
		return;
	}
	if (e->type == SDL_KEYDOWN && e->key.keysym.sym == SDLK_p)
		return; /* the side panels stay off: the compare panel replaces them */
	bool has_xy = event_xy(e, &x, &y);
	if (e->type == SDL_MOUSEWHEEL)
		has_xy = true, x = p->side[p->active].view.hover_x,
		y = p->side[p->active].view.hover_y + side_y(p, p->active);
	if (has_xy && !p->grabbed && (p->panel_press || x >= p->width - panel_w(p))) {
		panel_mouse(p, e, x, y);
		return;
	}
	if (has_xy && !p->grabbed && e->type != SDL_MOUSEWHEEL) {
		int i = y >= side_y(p, 1);
		if (i != p->active)
			p->side[p->active].view.hover_on = false;
		p->active = i;
	}
	if (has_xy && e->type != SDL_MOUSEWHEEL)
		to_side(&ev, side_y(p, p->active));
	if (e->type == SDL_MOUSEBUTTONDOWN)
		p->grabbed = true;
	else if (e->type == SDL_MOUSEBUTTONUP)
		p->grabbed = false;
	/* both indexes span the longer trace (start()), so that zooming,
	 * panning and fitting on either side keep the axes aligned */
	ui_app_handle(&p->side[p->active], &ev, quit);
	sync_from(p, p->active);
}

/* ---- loading ---- */

static int load_side(void *data)
{
	return ui_app_load(data);
}

/* Loads both traces at once (one thread each); false with the error
 * printed (and shown when a window is up). */
static bool load(struct pair *p, bool *quit)
{
	SDL_Thread *thr[2];
	for (int i = 0; i < 2; i++)
		thr[i] = SDL_CreateThread(load_side, "cprof-load", &p->side[i]);
	while (p->win && (!SDL_AtomicGet(&p->side[0].done) || !SDL_AtomicGet(&p->side[1].done))) {
		SDL_Event e;
		while (SDL_PollEvent(&e))
			if (e.type == SDL_QUIT ||
			    (e.type == SDL_KEYDOWN && e.key.keysym.sym == SDLK_ESCAPE)) {
				SDL_AtomicSet(&p->side[0].cancel, 1);
				SDL_AtomicSet(&p->side[1].cancel, 1);
				*quit = true;
			} else if (e.type == SDL_WINDOWEVENT &&
				   e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
				p->width = e.window.data1;
				p->height = e.window.data2;
			}
		draw_loading(p);
		SDL_RenderPresent(p->ren);
		SDL_Delay(30);
	}
	for (int i = 0; i < 2; i++) {
		if (thr[i])
			SDL_WaitThread(thr[i], NULL);
		else
			ui_app_load(&p->side[i]);
	}
	if (*quit)
		return false;
	for (int i = 0; i < 2; i++)
		if (!p->side[i].ix) {
			ui_app_report_error(&p->side[i], p->side[i].err);
			return false;
		}
	return true;
}

/* Views fitted to the longer trace, --from/--to and --select applied to
 * both (a --select must name something in at least one); 0 or the exit
 * status. */
static int start(struct pair *p)
{
	uint64_t span =
	    p->side[0].ix->span > p->side[1].ix->span ? p->side[0].ix->span : p->side[1].ix->span;
	char err[512];
	int selected = -1;

	for (int i = 0; i < 2; i++) {
		struct app *a = &p->side[i];
		ui_panel_destroy(a->panel); /* the compare panel replaces it */
		a->panel = NULL;
		a->ix->span = span;
		ui_app_view_init(a, p->width - panel_w(p), side_h(p, i));
		a->view.show_panel = false;
		a->view.label = labels[i];
		snprintf(a->view.status, sizeof(a->view.status),
			 "the %s trace: shift-drag compares a range of both, a row of the panel "
			 "highlights its type in both",
			 labels[i]);
	}
	for (int i = 0; i < 2; i++)
		if (!ui_app_apply_from_to(&p->side[i], err, sizeof(err))) {
			ui_app_report_error(&p->side[i], err);
			return 2;
		}
	for (int i = 1; i >= 0; i--) {
		struct app *a = &p->side[i];
		if (ui_app_apply_selects(a, err, sizeof(err)))
			selected = i;
		else
			a->view.sel.hit = UI_HIT_NONE;
	}
	if (selected < 0) {
		ui_app_report_error(&p->side[0], err);
		return 2;
	}
	sync_from(p, selected);
	panel_compute(p);
	return 0;
}

/* ---- modes ---- */

static void print_state(void *ctx)
{
	struct pair *p = ctx;
	for (int i = 0; i < 2; i++) {
		printf(i ? ", \"%s\": " : "{\"%s\": ", labels[i]);
		ui_app_print_state(&p->side[i]);
	}
	printf(", \"panel_row\": %d, \"panel_ranged\": %s}", p->panel.row,
	       p->panel.ranged ? "true" : "false");
}

static void script_draw(void *ctx)
{
	draw(ctx, true);
}

static void settle(void *ctx)
{
	struct pair *p = ctx;
	if (range_changed(p))
		panel_compute(p);
}

static void size(void *ctx, int *w, int *h)
{
	struct pair *p = ctx;
	*w = p->width;
	*h = p->height;
}

static int screenshot(struct pair *p)
{
	const struct cprof_ui_options *o = p->o;
	char err[512];
	bool quit = false;
	int status;

	p->surface =
	    SDL_CreateRGBSurfaceWithFormat(0, o->width, o->height, 32, SDL_PIXELFORMAT_RGBA32);
	if (!p->surface || !(p->ren = SDL_CreateSoftwareRenderer(p->surface))) {
		fprintf(stderr, "cprof-trace: cannot create a %dx%d software renderer: %s\n",
			o->width, o->height, SDL_GetError());
		return 1;
	}
	if (!(p->R = ui_render_create(p->ren, err, sizeof(err)))) {
		fprintf(stderr, "cprof-trace: %s\n", err);
		return 1;
	}
	p->side[0].R = p->side[1].R = p->R;
	if (!load(p, &quit))
		return 1;
	if ((status = start(p)))
		return status;
	if (o->hover) {
		SDL_Event e = {.type = SDL_MOUSEMOTION};
		e.motion.x = o->hover_x;
		e.motion.y = o->hover_y;
		handle(p, &e, &quit);
	}
	if (o->print_panel &&
	    !ui_compare_panel_print_json(&p->panel, o->trace, o->trace_new, stdout)) {
		fprintf(stderr, "cprof-trace: cannot print the compare panel\n");
		return 1;
	}
	draw(p, true);
	SDL_RenderFlush(p->ren);
	SDL_LockSurface(p->surface);
	bool ok =
	    ui_png_write(o->screenshot, p->surface->pixels, o->width, o->height, p->surface->pitch);
	SDL_UnlockSurface(p->surface);
	if (!ok)
		fprintf(stderr, "cprof-trace: %s: %s\n", o->screenshot, strerror(errno));
	return ok ? 0 : 1;
}

/* The window: redraw on input; the panel follows the range selection once
 * it settles (150 ms). */
static int event_loop(struct pair *p)
{
	bool quit = false, dirty = true;

	while (!quit) {
		SDL_Event e;
		if (SDL_WaitEventTimeout(&e, dirty ? 1 : 120)) {
			do {
				handle(p, &e, &quit);
				dirty = true;
			} while (SDL_PollEvent(&e));
		}
		if (range_changed(p) && !p->grabbed) {
			if (!p->range_at)
				p->range_at = SDL_GetTicks();
			else if (SDL_GetTicks() - p->range_at > 150) {
				panel_compute(p);
				p->range_at = 0;
				dirty = true;
			}
		}
		for (int i = 0; i < 2; i++)
			ui_app_clamp_scroll(&p->side[i]);
		if (dirty) {
			draw(p, true);
			SDL_RenderPresent(p->ren);
			dirty = false;
		}
	}
	return 0;
}

static int window(struct pair *p)
{
	const struct cprof_ui_options *o = p->o;
	bool quit = false;
	int status = ui_app_open_window(&p->side[0], o->script != NULL, p->width, p->height);

	p->win = p->side[0].win;
	p->ren = p->side[0].ren;
	p->R = p->side[0].R;
	p->side[1].win = p->win;
	p->side[1].ren = p->ren;
	p->side[1].R = p->R;
	if (status)
		return status;
	SDL_GetWindowSize(p->win, &p->width, &p->height);
	if (!load(p, &quit))
		return quit ? 0 : 1;
	if ((status = start(p)))
		return status;
	if (o->script) {
		const struct ui_script_host host = {
		    .ctx = p,
		    .ren = p->ren,
		    .handle = handle,
		    .draw = script_draw,
		    .settle = settle,
		    .print = print_state,
		    .size = size,
		};
		return ui_script_run(&host, o->script);
	}
	return event_loop(p);
}

int ui_compare_run(const struct cprof_ui_options *o)
{
	struct pair *p = calloc(1, sizeof(*p));
	int status;

	if (!p) {
		fprintf(stderr, "cprof-trace: out of memory\n");
		return 1;
	}
	p->o = o;
	p->width = o->width > 0 ? o->width : 1440;
	p->height = o->height > 0 ? o->height : 900;
	ui_dl_init(&p->dl);
	ui_compare_panel_init(&p->panel);
	for (int i = 0; i < 2; i++) {
		p->side_o[i] = *o;
		p->side_o[i].trace = i ? o->trace_new : o->trace;
		p->side_o[i].trace_new = NULL;
		p->side_o[i].model = NULL;
		p->side[i].o = &p->side_o[i];
		ui_dl_init(&p->side[i].dl);
	}
	status = o->screenshot ? screenshot(p) : window(p);
	ui_compare_panel_fini(&p->panel);
	for (int i = 0; i < 2; i++)
		ui_app_fini(&p->side[i]);
	ui_dl_free(&p->dl);
	ui_render_destroy(p->R);
	if (p->ren)
		SDL_DestroyRenderer(p->ren);
	if (p->surface)
		SDL_FreeSurface(p->surface);
	if (p->win)
		SDL_DestroyWindow(p->win);
	SDL_Quit();
	free(p);
	return status;
}
