/*
 * --bench-frames N: a fixed script of zooms and pans drawn as fast as the
 * renderer goes (no vsync), with one line of timings: median and p99 frame
 * time, load time (wall and the loading thread's CPU), resident memory, and
 * the seconds from the start to the first loading frame that showed lanes
 * (0: none did), to the full view's first frame presented (fitted to the
 * whole trace, as the window first shows it: the side panel not computed
 * yet) and to the side panel's numbers for it (panel_s); the loading
 * thread's time in updating the preview (lock included); and where the
 * time to the full view went: seconds from the start to the window open
 * (renderer and glyph atlas made), to the model read and to the timeline
 * index built. Then the longest time between two frames presented
 * (max_gap_ms) and, while the side panel computed its numbers (on a
 * thread of its own for the Regions tab), the longest such gap and the
 * frames drawn (panel_gap_ms, panel_frames): on the UI thread, one frame
 * lasted the whole computation. --print-panel prints the panel's JSON
 * after the line.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

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

int ui_app_bench(struct app *a)
{
	int n = a->o->bench_frames;
	double *ms = malloc(n * sizeof(double));
	double panel_s = 0, busy_ms = 0, max_ms = 0, prev;
	int busy = 0;
	if (!ms)
		return 1;
	/* the full view's first frame as the window shows it (the side panel
	 * not computed yet); then the frames, the panel asked each time for
	 * the fitted view, as the window asks once the view settled (the
	 * flame graph of --tab flame), until it is there */
	struct ui_view settled = a->view;
	ui_app_draw(a, false);
	SDL_RenderPresent(a->ren);
	prev = ui_app_now();
	a->full_view_s = prev - a->t_start;
	for (int i = 0; i < n; i++) {
		SDL_Event e;
		bool computing = a->panel && !panel_s;
		while (SDL_PollEvent(&e))
			;
		if (computing &&
		    (ui_panel_update(a->panel, &settled), ui_panel_ready(a->panel, &settled)))
			panel_s = ui_app_now() - a->t_start;
		bench_step(a, i);
		double t0 = ui_app_now();
		ui_app_draw(a, true);
		SDL_RenderPresent(a->ren);
		double t1 = ui_app_now();
		ms[i] = (t1 - t0) * 1000;
		/* from one frame presented to the next: what a person sees */
		double gap = (t1 - prev) * 1000;
		prev = t1;
		if (gap > max_ms)
			max_ms = gap;
		if (computing) {
			busy++;
			if (gap > busy_ms)
				busy_ms = gap;
		}
	}
	if (a->panel && !panel_s) {
		ui_panel_wait(a->panel, &settled);
		panel_s = ui_app_now() - a->t_start;
	}
	qsort(ms, n, sizeof(double), cmp_double);
	int p99 = (int)ceil(0.99 * n) - 1;
	printf("frames=%d median_ms=%.2f p99_ms=%.2f load_s=%.2f rss_mb=%ld first_lanes_s=%.3f "
	       "full_view_s=%.3f load_cpu_s=%.3f preview_update_s=%.3f window_s=%.3f read_s=%.3f "
	       "index_s=%.3f panel_s=%.3f max_gap_ms=%.2f panel_gap_ms=%.2f panel_frames=%d\n",
	       n, ms[n / 2], ms[p99 < 0 ? 0 : p99], a->load_s, rss_mb(), a->first_lanes_s,
	       a->full_view_s, a->load_cpu_s, a->preview_s, a->window_s, a->read_s, a->index_s,
	       panel_s, max_ms, busy_ms, busy);
	if (a->o->print_panel && a->panel)
		ui_panel_print_json(a->panel, &settled, stdout);
	free(ms);
	return 0;
}
