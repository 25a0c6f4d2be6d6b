/*
 * Input: SDL events (from the window or a --script) turned into changes of
 * the view, the selection and the panel.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

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
	ui_app_select_item(a, hit, ref, 1);
	if (hit != UI_HIT_TASK && keep_task != CPROF_NONE) {
		v->sel_task = CPROF_NONE;
		ui_index_set_highlight(a->ix, v);
	}
	ui_app_focus_hit(a, hit, ref);
	ui_app_scroll_to_selection(a);
}

/* A click in a wide tab's own drawing: a flame frame zooms in (or out),
 * a thread's row selects its lane. */
static bool panel_click(struct app *a, int x, int y)
{
	struct ui_view *v = &a->view;
	struct ui_geom g;
	uint32_t t;

	ui_geom_compute(v, &g);
	if (!a->panel || !g.panel_w || x < g.panel_x)
		return false;
	if (v->tab == UI_TAB_FLAME)
		return ui_flame_click(a->panel->flame, x, y);
	if (v->tab != UI_TAB_THREADS || (t = ui_threads_hit(a->panel->threads, x, y)) == CPROF_NONE)
		return false;
	ui_app_select_item(a, UI_HIT_RUNNING, t, 1);
	ui_app_scroll_to_selection(a);
	return true;
}

static const char *occ_what(enum ui_tab tab)
{
	return tab == UI_TAB_SYNC	? "waits"
	       : tab == UI_TAB_BLOCKING ? "blocking calls"
					: "allocations";
}

/* Regions of type t highlighted (0: none). */
static void highlight_type(struct app *a, cprof_str t)
{
	struct ui_view *v = &a->view;
	v->hl_type = t;
	if (t)
		v->sel_task = CPROF_NONE;
	ui_index_set_highlight(a->ix, v);
	if (t)
		snprintf(v->status, sizeof(v->status), "highlighting %u regions of type %s",
			 a->ix->hl.n, cprof_model_str(a->model, t));
}

/* A job not READY: false while it computes; it failed (out of memory). */
static bool job_ended(struct ui_view *v, enum ui_job_state st)
{
	if (st == UI_JOB_COMPUTING)
		return false;
	snprintf(v->status, sizeof(v->status), "out of memory");
	return true;
}

bool ui_app_poll_click(struct app *a, bool wait)
{
	struct ui_view *v = &a->view;
	struct ui_panel *p = a->panel;
	uint32_t n;
	cprof_str t;

	if (p && p->type_pending &&
	    (v->hl_type != p->type_pending || v->sel_task != CPROF_NONE || v->search[0])) {
		/* the highlight changed meanwhile: not wanted */
		ui_panel_type_cancel(p);
		if (!strncmp(v->status, "finding the regions", 19))
			v->status[0] = 0;
		return true;
	}
	if (p && p->type_pending) {
		struct ui_hl *hl;
		cprof_str want = p->type_pending;
		enum ui_job_state st = ui_panel_type_poll(p, wait, &hl);
		if (st != UI_JOB_READY)
			return job_ended(v, st);
		/* unless the highlight changed meanwhile */
		if (hl && v->hl_type == want && v->sel_task == CPROF_NONE && !v->search[0] &&
		    a->ix->hl_active && !a->ix->hl.n) {
			a->ix->hl = *hl;
			free(hl);
			snprintf(v->status, sizeof(v->status), "highlighting %u regions of type %s",
				 a->ix->hl.n, cprof_model_str(a->model, want));
		} else {
			ui_panel_hl_free(hl);
		}
		return true;
	}
	if (!p || !p->occ_pending)
		return false;
	/* the row left (another tab, the row unselected): not wanted */
	if (v->tab != p->occ_tab || v->panel_row != p->occ_row) {
		ui_panel_occ_cancel(p);
		return true;
	}
	enum ui_job_state st = ui_panel_occ_poll(p, wait, &n, &t);
	if (st != UI_JOB_READY)
		return job_ended(v, st);
	if (!t)
		snprintf(v->status, sizeof(v->status), "highlighting %u %s with %s on their stack",
			 n, occ_what(v->tab), ui_panel_occ_name(p));
	highlight_type(a, t);
	return true;
}

static void clicked(struct app *a, int x, int y)
{
	struct ui_view *v = &a->view;
	ui_app_build_frame(a, false);
	if (panel_click(a, x, y))
		return;
	const struct ui_dl_item *it = ui_dl_hit(&a->dl, x, y);
	if (!it) {
		ui_app_select_item(a, UI_HIT_NONE, 0, 0);
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
		v->tab = it->ref;
		v->panel_row = -1;
		ui_panel_occ_cancel(a->panel);
		break;
	}
	case UI_HIT_ROW: {
		v->panel_row = v->panel_row == (int)it->ref ? -1 : (int)it->ref;
		cprof_str t = ui_panel_row_type(a->panel, v, v->panel_row);
		/* a Sync, Blocking or Heap row: once computed (ui_app_poll_click) */
		if (v->tab != UI_TAB_REGIONS && ui_panel_occ_request(a->panel, v, v->panel_row)) {
			snprintf(v->status, sizeof(v->status), "finding the %s of %s\u2026",
				 occ_what(v->tab), a->panel->top[v->tab][v->panel_row].name);
			if (v->hl_type) {
				v->hl_type = 0;
				ui_index_set_highlight(a->ix, v);
			}
			break;
		}
		if (v->tab == UI_TAB_REGIONS && t && !v->search[0]) {
			/* its regions once found (ui_app_poll_click) */
			v->hl_type = t;
			v->sel_task = CPROF_NONE;
			ui_index_set_highlight_later(a->ix, v);
			ui_panel_type_request(a->panel, t);
			snprintf(v->status, sizeof(v->status),
				 "finding the regions of type %s\u2026",
				 cprof_model_str(a->model, t));
			break;
		}
		highlight_type(a, t);
		break;
	}
	case UI_HIT_AXIS:
		break;
	case UI_HIT_FLAME_KIND:
		a->panel->flame->kind = (enum ui_flame_kind)it->ref;
		break;
	case UI_HIT_FLAME_MODE:
		a->panel->flame->table = !a->panel->flame->table;
		break;
	default:
		ui_app_select_item(a, it->hit, it->ref, it->count);
		break;
	}
}

/* A key while a search is typed: Escape cancels, Enter finds. */
static void search_key(struct app *a, SDL_Keycode k)
{
	struct ui_view *v = &a->view;
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
}

/* The 0 key: the whole trace, nothing selected, every lane expanded. */
/* Nothing selected, highlighted, searched or ranged any more. */
static void clear_selection(struct app *a)
{
	struct ui_view *v = &a->view;
	v->range_on = false;
	v->hl_type = 0;
	v->search[0] = 0;
	v->panel_row = -1;
	if (a->panel)
		ui_panel_occ_cancel(a->panel);
	ui_app_select_item(a, UI_HIT_NONE, 0, 0);
}

static void reset_view(struct app *a)
{
	struct ui_view *v = &a->view;
	ui_view_fit(v, a->ix);
	v->scroll_y = 0;
	clear_selection(a);
	for (uint32_t p = 0; p < a->ix->nprocs; p++)
		a->ix->procs[p].collapsed = false;
	for (size_t t = 0; t < a->model->threads.n; t++)
		a->ix->threads[t].collapsed = false;
	a->ix->tasks_collapsed = false;
	ui_index_set_highlight(a->ix, v);
}

/* G: the flame graph's next profile type (shift: previous), T: table or
 * graph, Backspace: zoom out one frame. */
static void flame_key(struct app *a, SDL_Keycode k, Uint16 mod)
{
	struct ui_flame *f = a->panel ? a->panel->flame : NULL;

	if (!f)
		return;
	if (k == SDLK_g)
		f->kind = (enum ui_flame_kind)(
		    (f->kind + ((mod & KMOD_SHIFT) ? UI_FLAME_KIND_COUNT_ - 1 : 1)) %
		    UI_FLAME_KIND_COUNT_);
	else if (k == SDLK_t)
		f->table = !f->table;
	else if (a->view.tab == UI_TAB_FLAME && f->tree && f->zoom)
		f->zoom = f->tree->nodes.v[f->zoom].parent;
	a->view.tab = UI_TAB_FLAME;
}

static void key(struct app *a, SDL_Keycode k, Uint16 mod, bool *quit)
{
	struct ui_view *v = &a->view;
	struct ui_geom g;
	ui_geom_compute(v, &g);
	double cx = v->hover_on ? v->hover_x : g.tl_x + g.tl_w / 2.0;
	if (v->search_active) {
		search_key(a, k);
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
		reset_view(a);
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
		ui_app_export_profile(a);
		break;
	case SDLK_TAB:
		v->tab = (v->tab + ((mod & KMOD_SHIFT) ? UI_TAB_COUNT_ - 1 : 1)) % UI_TAB_COUNT_;
		v->panel_row = -1;
		break;
	case SDLK_1:
	case SDLK_2:
	case SDLK_3:
	case SDLK_4:
	case SDLK_5:
	case SDLK_6:
	case SDLK_7:
		v->tab = k - SDLK_1;
		v->panel_row = -1;
		break;
	case SDLK_g:
	case SDLK_t:
	case SDLK_BACKSPACE:
		flame_key(a, k, mod);
		break;
	case SDLK_c:
		v->tab = UI_TAB_PATH;
		if (v->sel.hit != UI_HIT_TASK && v->sel.hit != UI_HIT_REGION)
			snprintf(v->status, sizeof(v->status),
				 "select a task or a region: the Path tab shows its critical path");
		break;
	case SDLK_p:
		v->show_panel = !v->show_panel;
		break;
	case SDLK_ESCAPE:
		if (v->sel.hit != UI_HIT_NONE || v->range_on || v->hl_type || v->search[0]) {
			clear_selection(a);
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

void ui_app_handle(struct app *a, const SDL_Event *e, bool *quit)
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
