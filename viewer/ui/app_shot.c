/*
 * --screenshot FILE.png: one frame on a software renderer drawing into a
 * surface (no display needed: the same pixels the software renderer puts
 * in a window), with the selection, tab and hover of the options; or, with
 * CPROF_VIEW_SHOT_LOADING, the loading frame.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "pngio.h"

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
	SDL_Thread *thr = SDL_CreateThread(ui_app_load, "cprof-load", a);
	if (!thr) {
		fprintf(stderr, "cprof-trace: cannot start the loading thread\n");
		goto end;
	}
	bool paused = false;
	while (!paused && !SDL_AtomicGet(&a->done))
		paused = SDL_SemWaitTimeout(a->paused, 20) == 0;
	if (paused) {
		ui_app_draw_loading(a, a->o->width, a->o->height);
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

int ui_app_screenshot(struct app *a)
{
	const struct cprof_ui_options *o = a->o;
	char err[512];
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
	ui_app_load(a);
	if (!a->ix) {
		fprintf(stderr, "cprof-trace: %s\n", a->err);
		return 1;
	}
	ui_app_view_init(a, o->width, o->height);
	if (!ui_app_apply_from_to(a, err, sizeof(err))) {
		fprintf(stderr, "cprof-trace: %s\n", err);
		return 2;
	}
	if (!ui_app_apply_selects(a, err, sizeof(err))) {
		fprintf(stderr, "cprof-trace: %s\n", err);
		return 2;
	}
	if (o->hover) {
		a->view.hover_on = true;
		a->view.hover_x = o->hover_x;
		a->view.hover_y = o->hover_y;
	}
	if (a->panel)
		ui_panel_wait(a->panel, &a->view);
	/* A highlighted type also selects its panel row (its histogram). */
	if (a->panel && a->view.hl_type && a->view.tab == UI_TAB_REGIONS)
		for (uint32_t i = 0; i < a->panel->nregions; i++)
			if (a->panel->regions[i].key == a->view.hl_type)
				a->view.panel_row = i;
	if (o->print_panel && a->panel)
		ui_panel_print_json(a->panel, &a->view, stdout);
	ui_app_draw(a, true);
	return write_surface(a) ? 0 : 1;
}
