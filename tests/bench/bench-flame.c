/*
 * bench-flame TRACE: what switching the flame graph's profile type or range
 * costs in the viewer (issue: under 200 ms on a 20M-event trace). For each
 * profile type: the recomputation for the whole trace, then for its first
 * half (a new range), each the median of RUNS; then the median time to lay
 * the graph out into a display list at 1920x1080's panel size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reader/reader.h"
#include "symbols/symbols.h"
#include "ui/panel_flame.h"

#define RUNS 5

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return v[n / 2];
}

int main(int argc, char **argv)
{
	struct cprof_model *m = NULL;
	struct cprof_symbolizer *sym;
	struct ui_metrics mt;
	double worst = 0;
	char err[4096];
	uint64_t span;

	if (argc != 2) {
		fprintf(stderr, "usage: bench-flame TRACE\n");
		return 2;
	}
	if (cprof_read_trace(argv[1], NULL, &m, err, sizeof(err)) != CPROF_READ_OK) {
		fprintf(stderr, "bench-flame: %s\n", err);
		return 1;
	}
	span = m->end_ns - m->begin_ns;
	sym = cprof_symbolizer_create(m, NULL);
	memset(&mt, 7, sizeof(mt));
	for (int f = 0; f < UI_FONT_COUNT_; f++)
		mt.height[f] = 13;
	printf("%llu events, %zu samples, %zu waits, %zu regions, %zu allocations\n",
	       (unsigned long long)m->events, m->samples.n, m->waits.n, m->regions.n, m->allocs.n);
	for (int k = 0; k < UI_FLAME_KIND_COUNT_; k++) {
		struct ui_flame *f = ui_flame_create();
		double whole[RUNS], half[RUNS], draw[RUNS];
		struct ui_dl dl;

		ui_dl_init(&dl);
		f->kind = (enum ui_flame_kind)k;
		/* the first build symbolizes every stack once: not timed, as the
		 * viewer's first panel does the same */
		ui_flame_update(f, m, sym, 0, span);
		for (int r = 0; r < RUNS; r++) {
			f->valid = false;
			ui_flame_update(f, m, sym, 0, span);
			whole[r] = f->compute_ms;
			ui_flame_update(f, m, sym, 0, span / 2 + (uint64_t)r);
			half[r] = f->compute_ms;
			double t0 = now_ms();
			ui_dl_clear(&dl);
			ui_flame_frame(&dl, f, &mt, 1160, 60, 760, 1000, "a", true, 1400, 200);
			draw[r] = now_ms() - t0;
		}
		double w = median(whole, RUNS), h = median(half, RUNS);
		printf("%-8s recompute whole %.1f ms, half range %.1f ms, layout %.2f ms "
		       "(%zu frames drawn, total %lld %s)\n",
		       ui_flame_kind_name((enum ui_flame_kind)k), w, h, median(draw, RUNS),
		       f->boxes.n, (long long)f->total, f->unit ? f->unit : "");
		if (w > worst)
			worst = w;
		if (h > worst)
			worst = h;
		ui_dl_free(&dl);
		ui_flame_destroy(f);
	}
	printf("slowest recompute %.1f ms (bound 200 ms)\n", worst);
	cprof_symbolizer_destroy(sym);
	cprof_model_destroy(m);
	return worst <= 200 ? 0 : 1;
}
