/*
 * --bench-frames N: a fixed script of zooms and pans drawn as fast as the
 * renderer goes (no vsync), with one line of timings: median and p99 frame
 * time, load time (wall and the loading thread's CPU), resident memory, and
 * the seconds from the start to the first loading frame that showed lanes
 * (0: none did) and to the full view's first frame, and the loading
 * thread's time in updating the preview (lock included).
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
	if (!ms)
		return 1;
	/* the side panel as the window shows it once the view settles (the
	 * flame graph of --tab flame): computed once, drawn every frame */
	if (a->panel)
		ui_panel_update(a->panel, &a->view);
	for (int i = 0; i < n; i++) {
		SDL_Event e;
		while (SDL_PollEvent(&e))
			;
		bench_step(a, i);
		double t0 = ui_app_now();
		ui_app_draw(a, true);
		SDL_RenderPresent(a->ren);
		ms[i] = (ui_app_now() - t0) * 1000;
	}
	qsort(ms, n, sizeof(double), cmp_double);
	int p99 = (int)ceil(0.99 * n) - 1;
	printf("frames=%d median_ms=%.2f p99_ms=%.2f load_s=%.2f rss_mb=%ld first_lanes_s=%.3f "
	       "full_view_s=%.3f load_cpu_s=%.3f preview_update_s=%.3f\n",
	       n, ms[n / 2], ms[p99 < 0 ? 0 : p99], a->load_s, rss_mb(), a->first_lanes_s,
	       a->full_view_s, a->load_cpu_s, a->preview_s);
	free(ms);
	return 0;
}
