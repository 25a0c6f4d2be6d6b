/*
 * --script FILE: feeds the same event handler real SDL events read from a
 * file, one action a line, so that tests drive zoom, pan, selection,
 * search and export without a person at the keyboard (of one trace's
 * window, or of `view OLD NEW`'s: the host says whose):
 *   move X Y | wheel N | click X Y | drag X0 Y0 X1 Y1 | shiftdrag X0 Y0 X1 Y1
 *   key NAME (SDL key names: W, S, A, D, F, 0, /, N, E, Tab, Escape, Return)
 *   text STRING | settle | frames N | print | timing | shot FILE.png
 * `print` writes the view state as one line of JSON on stdout. `settle`
 * first draws frames while the host still computes what the last action
 * asked for (a clicked row's occurrences), as the window does; `timing`
 * then prints {"work_ms", "gap_ms", "frames", "cpu_ms"}: from the start of
 * the last action before the settle to its work done, the longest time
 * between two frames presented meanwhile (the action's own frame
 * included), the frames drawn, and the UI thread's CPU time over it (what
 * the frames cost, however loaded the machine). `frames N` draws N frames
 * of the view as it is (what a window does while the mouse moves), timed
 * as an action: work_ms is the time all N took. In `print`, hl_state_n:
 * the waits, blocking calls or allocations highlighted from a panel row;
 * dl_items: the items of the last frame's display list; gutter: the lane
 * labels it drew, cut to the gutter's width as they show; lanes: every
 * lane's kind, process and place (print_lanes).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "common/text.h"
#include "pngio.h"

struct script {
	const struct ui_script_host *host;
	int mouse_x, mouse_y;
	bool shift;
	/* the last action's start, its last frame presented, the longest gap;
	 * the UI thread's CPU time at the start and over the action */
	double act_t0, last_t, gap_ms, work_ms, act_cpu0, cpu_ms;
	int frames;
};

/* The calling thread's CPU time, in seconds. */
static double thread_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A frame presented (after an action, or while settling). */
static void script_present(struct script *s)
{
	double now;

	s->host->draw(s->host->ctx);
	SDL_RenderPresent(s->host->ren);
	now = ui_app_now();
	if ((now - s->last_t) * 1000 > s->gap_ms)
		s->gap_ms = (now - s->last_t) * 1000;
	s->last_t = now;
	s->frames++;
}

/* Frames drawn while the host computes; then what settles waits for. */
static void script_settle(struct script *s)
{
	const struct ui_script_host *h = s->host;

	while (h->step && h->step(h->ctx))
		script_present(s);
	s->work_ms = (ui_app_now() - s->act_t0) * 1000;
	s->cpu_ms = (thread_cpu() - s->act_cpu0) * 1000;
	h->settle(h->ctx);
}

static void script_mouse(struct script *s, Uint32 type, int x, int y, bool *quit)
{
	SDL_Event e = {0};
	e.type = type;
	if (type == SDL_MOUSEMOTION) {
		e.motion.xrel = x - s->mouse_x;
		e.motion.yrel = y - s->mouse_y;
		e.motion.x = x;
		e.motion.y = y;
		s->mouse_x = x;
		s->mouse_y = y;
	} else {
		e.button.button = SDL_BUTTON_LEFT;
		e.button.x = x;
		e.button.y = y;
	}
	s->host->handle(s->host->ctx, &e, quit);
}

static void script_key(struct script *s, SDL_Keycode k, Uint32 type, bool *quit)
{
	SDL_Event e = {0};
	e.type = type;
	e.key.keysym.sym = k;
	if (k == SDLK_LSHIFT)
		s->shift = type == SDL_KEYDOWN;
	e.key.keysym.mod = s->shift ? KMOD_LSHIFT : 0;
	s->host->handle(s->host->ctx, &e, quit);
}

static void script_drag(struct script *a, int x0, int y0, int x1, int y1, bool *quit)
{
	script_mouse(a, SDL_MOUSEMOTION, x0, y0, quit);
	script_mouse(a, SDL_MOUSEBUTTONDOWN, x0, y0, quit);
	for (int s = 1; s <= 8; s++)
		script_mouse(a, SDL_MOUSEMOTION, x0 + (x1 - x0) * s / 8, y0 + (y1 - y0) * s / 8,
			     quit);
	script_mouse(a, SDL_MOUSEBUTTONUP, x1, y1, quit);
}

/* The lanes in the order drawn (ui_lanes_next): what each is, whose (pid;
 * in: the pid of the process group it is drawn in, null above them) and
 * where, at scroll 0 (lanes_top: where that is in the window now). */
static void print_lanes(struct app *a)
{
	const struct cprof_model *m = a->model;
	static const char *const kinds[] = {"counter", "tasks", "process", "thread"};
	struct ui_lane_iter it = {0};
	struct ui_lane l;
	struct ui_geom g;
	bool first = true;

	ui_geom_compute(&a->view, &g);
	printf("], \"lanes_top\": %d, \"lanes\": [", g.tl_y - a->view.scroll_y);
	while (ui_lanes_next(a->ix, &it, &l)) {
		uint32_t proc = CPROF_NONE;
		const char *name = "";

		if (l.kind == UI_LANE_COUNTER) {
			const struct cprof_counter *c =
			    &m->counters.v[a->ix->counters[l.ref].counter];
			proc = c->process;
			name = cprof_model_str(m, c->name);
		} else if (l.kind == UI_LANE_PROCESS) {
			proc = a->ix->procs[l.ref].process;
		} else if (l.kind == UI_LANE_THREAD) {
			proc = m->threads.v[l.ref].process;
			name = cprof_model_str(m, m->threads.v[l.ref].name);
		}
		printf("%s{\"kind\": \"%s\", \"y\": %d, \"h\": %d, \"pid\": %d, \"in\": ",
		       first ? "" : ", ", kinds[l.kind], l.y, l.h,
		       proc < m->processes.n ? m->processes.v[proc].pid : -1);
		if (l.group != CPROF_NONE && a->ix->procs[l.group].process < m->processes.n)
			printf("%d", m->processes.v[a->ix->procs[l.group].process].pid);
		else
			printf("null");
		if (l.kind == UI_LANE_THREAD)
			printf(", \"tid\": %d", m->threads.v[l.ref].tid);
		printf(", \"name\": ");
		cprof_json_write_string(stdout, name);
		printf("}");
		first = false;
	}
}

void ui_app_print_state(struct app *a)
{
	const struct ui_view *v = &a->view;
	printf("{\"t0\": %.1f, \"t1\": %.1f, \"sel_hit\": %u, \"sel_ref\": %u, \"sel_task\": %d, "
	       "\"range_on\": %d, \"r0\": %.1f, \"r1\": %.1f, \"tab\": %d, \"panel_row\": %d, "
	       "\"hl_type\": ",
	       v->t0, v->t1, v->sel.hit, v->sel.ref,
	       v->sel_task == CPROF_NONE ? -1 : (int)v->sel_task, v->range_on, v->r0, v->r1,
	       (int)v->tab, v->panel_row);
	cprof_json_write_string(stdout, cprof_model_str(a->model, v->hl_type));
	printf(", \"hl_n\": %u, \"hl_state_n\": %u, \"search\": ",
	       a->ix->hl_active ? a->ix->hl.n : 0, a->ix->hl_state.n);
	cprof_json_write_string(stdout, v->search);
	/* the last frame's display list: what it cost to draw, in items */
	printf(", \"scroll_y\": %d, \"dl_items\": %zu, ", v->scroll_y, a->dl.n);
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
	cprof_json_write_string(stdout, text);
	printf(", \"collapsed\": %d, \"status\": ", collapsed);
	cprof_json_write_string(stdout, v->status);
	printf(", \"counters\": [");
	for (uint32_t k = 0; k < a->ix->ncounters; k++) {
		if (k)
			printf(", ");
		cprof_json_write_string(
		    stdout, cprof_model_str(m, m->counters.v[a->ix->counters[k].counter].name));
	}
	print_lanes(a);
	/* the lane labels of the last frame, as drawn (cut to the gutter) */
	printf("], \"gutter\": [");
	bool first = true;
	for (size_t i = 0; i < a->dl.n; i++) {
		const struct ui_dl_item *it = &a->dl.v[i];
		if (it->kind != UI_DL_TEXT || it->x >= UI_GUTTER_W)
			continue;
		printf("%s", first ? "" : ", ");
		first = false;
		char buf[256];
		size_t n = it->len < sizeof(buf) - 1 ? it->len : sizeof(buf) - 1;
		memcpy(buf, ui_dl_item_text(&a->dl, it), n);
		buf[n] = 0;
		cprof_json_write_string(stdout, buf);
	}
	printf("]}");
}

static bool script_shot(const struct ui_script_host *h, const char *path)
{
	int w, ht;
	h->size(h->ctx, &w, &ht);
	uint8_t *px = malloc((size_t)w * ht * 4);
	bool ok = false;
	if (!px)
		return false;
	h->draw(h->ctx);
	if (SDL_RenderReadPixels(h->ren, NULL, SDL_PIXELFORMAT_RGBA32, px, w * 4) == 0)
		ok = ui_png_write(path, px, w, ht, w * 4);
	SDL_RenderPresent(h->ren);
	free(px);
	return ok;
}

int ui_script_run(const struct ui_script_host *host, const char *file)
{
	struct script sc = {.host = host}, *a = &sc;
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
		bool timed = strcmp(line, "settle") && strcmp(line, "print") &&
			     strcmp(line, "timing") && strncmp(line, "shot ", 5);
		if (timed) {
			a->act_t0 = a->last_t = ui_app_now();
			a->act_cpu0 = thread_cpu();
			a->gap_ms = 0;
			a->frames = 0;
		}
		if (sscanf(line, "move %d %d", &x0, &y0) == 2) {
			script_mouse(a, SDL_MOUSEMOTION, x0, y0, &quit);
		} else if (sscanf(line, "wheel %d", &n) == 1) {
			SDL_Event e = {0};
			e.type = SDL_MOUSEWHEEL;
			e.wheel.y = n;
			host->handle(host->ctx, &e, &quit);
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
			host->handle(host->ctx, &e, &quit);
		} else if (sscanf(line, "frames %d", &n) == 1 && n > 0) {
			for (int k = 0; k < n; k++)
				script_present(a);
			a->work_ms = (ui_app_now() - a->act_t0) * 1000;
			a->cpu_ms = (thread_cpu() - a->act_cpu0) * 1000;
			continue;
		} else if (!strcmp(line, "settle")) {
			script_settle(a);
		} else if (!strcmp(line, "timing")) {
			printf("{\"work_ms\": %.2f, \"gap_ms\": %.2f, \"frames\": %d, "
			       "\"cpu_ms\": %.2f}\n",
			       a->work_ms, a->gap_ms, a->frames, a->cpu_ms);
			fflush(stdout);
			continue;
		} else if (!strcmp(line, "print")) {
			host->print(host->ctx);
			putchar('\n');
			fflush(stdout);
		} else if (sscanf(line, "shot %399s", arg) == 1) {
			if (!script_shot(host, arg)) {
				fprintf(stderr, "cprof-trace: %s: cannot write the screenshot\n",
					arg);
				fclose(f);
				return 1;
			}
		} else {
			goto bad;
		}
		if (timed) {
			script_present(a);
		} else {
			host->draw(host->ctx);
			SDL_RenderPresent(host->ren);
		}
		continue;
	bad:
		fprintf(stderr, "cprof-trace: %s:%d: unknown action '%s'\n", file, lineno, line);
		fclose(f);
		return 2;
	}
	fclose(f);
	return 0;
}

/* One trace's window as a script host. */
static void app_handle(void *ctx, const SDL_Event *e, bool *quit)
{
	ui_app_handle(ctx, e, quit);
}

static void app_draw(void *ctx)
{
	ui_app_draw(ctx, true);
}

static bool app_step(void *ctx)
{
	struct app *a = ctx;
	ui_app_poll_click(a, false);
	return a->panel && (a->panel->occ_pending || a->panel->type_pending);
}

static void app_settle(void *ctx)
{
	struct app *a = ctx;
	if (a->panel) {
		ui_app_poll_click(a, true);
		ui_panel_wait(a->panel, &a->view);
	}
}

static void app_print(void *ctx)
{
	ui_app_print_state(ctx);
}

static void app_size(void *ctx, int *w, int *h)
{
	struct app *a = ctx;
	*w = a->view.width;
	*h = a->view.height;
}

int ui_app_script(struct app *a, const char *file)
{
	const struct ui_script_host host = {
	    .ctx = a,
	    .ren = a->ren,
	    .handle = app_handle,
	    .draw = app_draw,
	    .step = app_step,
	    .settle = app_settle,
	    .print = app_print,
	    .size = app_size,
	};
	return ui_script_run(&host, file);
}
