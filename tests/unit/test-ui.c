/*
 * The viewer's pure half: level of detail, hit-testing, axis ticks, view
 * arithmetic, side-panel statistics (against analysis/stats.h) and the PNG
 * writer. No SDL window: frames are display lists measured with fixed
 * glyph advances.
 */
#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/stats.h"
#include "ui-synth.h"
#include "ui/panel.h"
#include "ui/pngio.h"
#include "ui/tl.h"

#include "ui-check.h"

static void view_for(struct ui_view *v, const struct ui_index *ix, int w, int h)
{
	memset(v, 0, sizeof(*v));
	v->width = w;
	v->height = h;
	v->sel_task = CPROF_NONE;
	v->search_hit = CPROF_NONE;
	v->panel_row = -1;
	v->show_panel = true;
	ui_view_fit(v, ix);
}

/* One thread with `n` regions of 10 ns every 20 ns, plus one long region
 * far to the right: at full zoom the short ones must merge into one block
 * that counts all of them, and the frame must stay small. */
static struct cprof_model *dense_model(uint32_t n)
{
	struct cprof_model *m = cprof_model_create();
	const uint64_t T0 = 5000000;
	m->path = synth_str(m, "dense");
	struct cprof_process *p = cprof_vec_push(&m->processes);
	p->pid = 10;
	p->name = synth_str(m, "dense");
	struct cprof_thread *t = cprof_vec_push(&m->threads);
	t->tid = 10;
	t->name = synth_str(m, "main");
	cprof_str tiny = synth_str(m, "tiny"), big = synth_str(m, "big");
	for (uint32_t i = 0; i < n; i++) {
		struct cprof_region *r = cprof_vec_push(&m->regions);
		r->thread = 0;
		r->task = CPROF_NONE;
		r->type = tiny;
		r->begin_ns = T0 + i * 20ull;
		r->end_ns = r->begin_ns + 10;
	}
	struct cprof_region *r = cprof_vec_push(&m->regions);
	r->thread = 0;
	r->task = CPROF_NONE;
	r->type = big;
	r->begin_ns = T0 + n * 20ull + n * 20ull;
	r->end_ns = r->begin_ns + n * 10ull;
	m->begin_ns = T0;
	m->end_ns = r->end_ns;
	t->first_ns = T0;
	t->last_ns = m->end_ns;
	return m;
}

static void test_lod_merge(void)
{
	struct ui_metrics mt = synth_metrics();
	struct cprof_model *m = dense_model(200000);
	struct ui_index *ix = ui_index_create(m);
	struct ui_view v;
	struct ui_dl dl;
	ui_dl_init(&dl);
	view_for(&v, ix, 1280, 800);
	ui_dl_clear(&dl);
	ui_frame_timeline(&dl, ix, &v, &mt);
	uint64_t merged_count = 0;
	size_t merged_blocks = 0, wide_tiny = 0, big = 0;
	for (size_t i = 0; i < dl.n; i++) {
		if (dl.v[i].hit == UI_HIT_REGIONS) {
			merged_blocks++;
			merged_count += dl.v[i].count;
		} else if (dl.v[i].hit == UI_HIT_REGION) {
			if (m->regions.v[dl.v[i].ref].type == m->regions.v[0].type)
				wide_tiny++;
			else
				big++;
		}
	}
	CHECK(merged_count == 200000, "merged blocks cover %" PRIu64 " of 200000 regions",
	      merged_count);
	CHECK(merged_blocks >= 1 && merged_blocks <= 3, "%zu merged blocks (touching: expect one)",
	      merged_blocks);
	CHECK(wide_tiny == 0, "%zu sub-pixel regions drawn alone", wide_tiny);
	CHECK(big == 1, "the long region drawn %zu times", big);
	CHECK(dl.rects < 400, "%zu rectangles for 200001 regions", dl.rects);

	/* Zoomed in to 2 us: regions are 10 ns = about 5 px: all drawn one by one. */
	v.t0 = 1000;
	v.t1 = 3000;
	ui_dl_clear(&dl);
	ui_frame_timeline(&dl, ix, &v, &mt);
	size_t single = 0, merged = 0;
	for (size_t i = 0; i < dl.n; i++) {
		single += dl.v[i].hit == UI_HIT_REGION;
		merged += dl.v[i].hit == UI_HIT_REGIONS;
	}
	CHECK(merged == 0, "%zu merged blocks at 2 us", merged);
	CHECK(single >= 99 && single <= 102, "%zu single regions in 2 us (expect ~100)", single);

	/* Big synthetic trace: bounded rectangles at every zoom level. */
	struct cprof_model *big_m = synth_model(100000, 8, 3);
	struct ui_index *bix = ui_index_create(big_m);
	view_for(&v, bix, 1280, 800);
	size_t worst = 0;
	for (int z = 0; z < 30; z++) {
		ui_dl_clear(&dl);
		ui_frame_timeline(&dl, bix, &v, &mt);
		if (dl.rects > worst)
			worst = dl.rects;
		ui_view_zoom(&v, bix, 700, 0.6);
	}
	CHECK(worst < 12000, "a frame drew %zu rectangles", worst);
	printf("lod: 200000 dense regions -> %zu blocks; synthetic %zu regions: worst frame %zu "
	       "rects\n",
	       merged_blocks, big_m->regions.n, worst);
	ui_index_destroy(bix);
	cprof_model_destroy(big_m);
	ui_dl_free(&dl);
	ui_index_destroy(ix);
	cprof_model_destroy(m);
}

/* One thread with `n` CPU samples every 10 us and an allocation every
 * 40 us (sizes 16 B .. 1 MiB): at full zoom both rows merge into density
 * blocks that account for every item; zoomed in, each sample and each
 * allocation is a marker of its own under its pixel, with a tooltip and a
 * details panel naming it. */
static struct cprof_model *marks_model(uint32_t n)
{
	struct cprof_model *m = cprof_model_create();
	const uint64_t T0 = 7000000;
	m->path = synth_str(m, "marks");
	struct cprof_process *p = cprof_vec_push(&m->processes);
	p->pid = 20;
	p->name = synth_str(m, "marks");
	p->cpu_rate = 100000;
	p->alloc_mode = CPROF_TP_ALLOC_ALL;
	struct cprof_thread *t = cprof_vec_push(&m->threads);
	t->tid = 20;
	t->name = synth_str(m, "main");
	/* the model starts with stacks.v[0], the empty stack */
	uint32_t sid = m->stacks.n;
	struct cprof_stack *st = cprof_vec_push(&m->stacks);
	st->process = 0;
	st->first = m->frames.n;
	st->depth = 2;
	*(uint64_t *)cprof_vec_push(&m->frames) = 0x401000;
	*(uint64_t *)cprof_vec_push(&m->frames) = 0x402000;
	for (uint32_t i = 0; i < n; i++) {
		struct cprof_sample *s = cprof_vec_push(&m->samples);
		s->thread = 0;
		s->stack = sid;
		s->ns = T0 + i * 10000ull;
		if (i % 4 == 0) {
			struct cprof_alloc *a = cprof_vec_push(&m->allocs);
			a->thread = 0;
			a->stack = sid;
			a->size = 16ull << (i / 4 % 17);
			a->ptr = 0x10000 + i;
			a->ns = T0 + i * 10000ull + 3000;
			a->free_ns = i % 8 ? a->ns + 5000 : 0;
		}
	}
	m->begin_ns = T0;
	m->end_ns = T0 + n * 10000ull;
	t->first_ns = T0;
	t->last_ns = m->end_ns;
	return m;
}

static const char *fake_symbolize(void *ctx, uint32_t process, uint64_t ns, uint64_t ip,
				  bool is_return, char *buf, size_t size)
{
	(void)ctx;
	(void)process;
	(void)ns;
	snprintf(buf, size, "%s%s  f.c:1", ip == 0x401000 ? "leaf_fn" : "caller_fn",
		 is_return ? "" : "_ip");
	return buf;
}

static bool dl_has_text(const struct ui_dl *dl, size_t from, const char *needle)
{
	for (size_t i = from; i < dl->n; i++)
		if (dl->v[i].kind == UI_DL_TEXT && strstr(ui_dl_item_text(dl, &dl->v[i]), needle))
			return true;
	return false;
}

static void test_marks(void)
{
	struct ui_metrics mt = synth_metrics();
	const uint32_t n = 200000;
	struct cprof_model *m = marks_model(n);
	struct ui_index *ix = ui_index_create(m);
	struct ui_view v;
	struct ui_dl dl;
	struct ui_geom g;
	ui_dl_init(&dl);
	ix->symbolize = fake_symbolize;
	view_for(&v, ix, 1280, 800);
	ui_dl_clear(&dl);
	ui_frame_timeline(&dl, ix, &v, &mt);
	uint64_t sc = 0, ac = 0;
	size_t sblocks = 0, ablocks = 0, single = 0;
	for (size_t i = 0; i < dl.n; i++) {
		const struct ui_dl_item *it = &dl.v[i];
		if (it->hit == UI_HIT_SAMPLES)
			sc += it->count, sblocks++;
		else if (it->hit == UI_HIT_ALLOCS)
			ac += it->count, ablocks++;
		else if (it->hit == UI_HIT_SAMPLE || it->hit == UI_HIT_ALLOC)
			single++;
	}
	CHECK(sc == n && ac == m->allocs.n, "merged samples %" PRIu64 "/%u, allocs %" PRIu64 "/%zu",
	      sc, n, ac, m->allocs.n);
	CHECK(sblocks >= 1 && sblocks <= 3 && ablocks >= 1 && ablocks <= 3 && single == 0,
	      "%zu sample blocks, %zu alloc blocks, %zu singles at full zoom", sblocks, ablocks,
	      single);
	CHECK(dl.rects < 300, "%zu rectangles for %u samples", dl.rects, n);

	/* 200 us across the data area: samples 10 us apart are single ticks. */
	v.t0 = 1000000;
	v.t1 = 1200000;
	ui_geom_compute(&v, &g);
	ui_dl_clear(&dl);
	ui_frame_timeline(&dl, ix, &v, &mt);
	size_t ticks = 0, marks = 0;
	for (size_t i = 0; i < dl.n; i++) {
		ticks += dl.v[i].hit == UI_HIT_SAMPLE;
		marks += dl.v[i].hit == UI_HIT_ALLOC;
		CHECK(dl.v[i].hit != UI_HIT_SAMPLES && dl.v[i].hit != UI_HIT_ALLOCS,
		      "merged marks at 200 us");
	}
	CHECK(ticks >= 19 && ticks <= 21, "%zu sample ticks in 200 us (expect 20)", ticks);
	CHECK(marks >= 4 && marks <= 6, "%zu allocation markers in 200 us (expect 5)", marks);
	/* Sample 110 is at 1.1 ms: a column through its x hits it, and the
	 * allocation 3 us later is hit at its own x (both scanned top to bottom). */
	uint32_t want_s = 110, want_a = 110 / 4 + 1; /* allocation of sample 112 */
	int xs = (int)ui_x_of(&v, &g, (double)(m->samples.v[want_s].ns - m->begin_ns));
	int xa = (int)ui_x_of(&v, &g, (double)(m->allocs.v[want_a].ns - m->begin_ns));
	const struct ui_dl_item *hs = NULL, *ha = NULL;
	int ys = 0;
	for (int y = g.tl_y; y < g.details_y; y++) {
		const struct ui_dl_item *it = ui_dl_hit(&dl, xs, y);
		if (it && it->hit == UI_HIT_SAMPLE && !hs)
			hs = it, ys = y;
		it = ui_dl_hit(&dl, xa, y);
		if (it && it->hit == UI_HIT_ALLOC && !ha)
			ha = it;
	}
	CHECK(hs && hs->ref == want_s, "sample hit %u (want %u)", hs ? hs->ref : 0, want_s);
	CHECK(ha && ha->ref == want_a, "allocation hit %u (want %u)", ha ? ha->ref : 0, want_a);
	/* Tooltips name the top frame (a sample's as an instruction pointer). */
	if (hs && ha) {
		struct ui_dl_item copy = *hs;
		size_t mark = dl.n;
		v.hover_on = true;
		v.hover_x = xs;
		v.hover_y = ys;
		ui_frame_tooltip(&dl, ix, &v, &mt, &copy);
		CHECK(dl_has_text(&dl, mark, "CPU sample in leaf_fn_ip"), "sample tooltip");
		CHECK(dl_has_text(&dl, mark, "thread main 20"), "sample tooltip thread");
		copy = *ha;
		mark = dl.n;
		ui_frame_tooltip(&dl, ix, &v, &mt, &copy);
		char want[64];
		snprintf(want, sizeof(want), "%" PRIu64 " B", m->allocs.v[want_a].size);
		CHECK(dl_has_text(&dl, mark, want) && dl_has_text(&dl, mark, "in leaf_fn"),
		      "allocation tooltip lacks '%s'", want);
	}
	/* Selected: the details panel holds the symbolized stack. */
	v.sel.hit = UI_HIT_ALLOC;
	v.sel.ref = want_a;
	ui_dl_clear(&dl);
	ui_frame_timeline(&dl, ix, &v, &mt);
	CHECK(dl_has_text(&dl, 0, "Allocation") && dl_has_text(&dl, 0, "caller_fn  f.c:1"),
	      "allocation details without its stack");
	v.sel.hit = UI_HIT_SAMPLE;
	v.sel.ref = want_s;
	ui_dl_clear(&dl);
	ui_frame_timeline(&dl, ix, &v, &mt);
	CHECK(dl_has_text(&dl, 0, "CPU sample") && dl_has_text(&dl, 0, "leaf_fn_ip  f.c:1") &&
		  dl_has_text(&dl, 0, "caller_fn  f.c:1"),
	      "sample details without its stack");
	printf("marks: %u samples + %zu allocations -> %zu + %zu blocks at full zoom; %zu ticks, "
	       "%zu markers in 200 us\n",
	       n, m->allocs.n, sblocks, ablocks, ticks, marks);
	ui_dl_free(&dl);
	ui_index_destroy(ix);
	cprof_model_destroy(m);
}

/* Two threads taking turns, as bench-view-tabs-gen's workers do: every
 * 10 ns a region of 8 ns on one then the other (type "hot" one turn in
 * two), and an allocation; one "hot" region of thread 0 comes last in the
 * model though it begins first (its lane is sorted). */
static struct cprof_model *turns_model(uint32_t n)
{
	struct cprof_model *m = cprof_model_create();
	const uint64_t T0 = 9000000;
	m->path = synth_str(m, "turns");
	struct cprof_process *p = cprof_vec_push(&m->processes);
	p->pid = 30;
	p->name = synth_str(m, "turns");
	p->alloc_mode = CPROF_TP_ALLOC_ALL;
	cprof_str hot = synth_str(m, "hot"), cold = synth_str(m, "cold");
	for (uint32_t t = 0; t < 2; t++) {
		struct cprof_thread *th = cprof_vec_push(&m->threads);
		th->tid = 31 + t;
		th->process = 0;
		th->name = synth_str(m, "worker");
		th->first_ns = T0;
		th->last_ns = T0 + 10ull * n + 100;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct cprof_region *r = cprof_vec_push(&m->regions);
		r->thread = i % 2;
		r->task = CPROF_NONE;
		r->type = i / 2 % 2 ? cold : hot;
		r->begin_ns = T0 + 100 + i * 10ull;
		r->end_ns = r->begin_ns + 8;
		struct cprof_alloc *a = cprof_vec_push(&m->allocs);
		a->thread = i % 2;
		a->size = 64;
		a->ptr = 0x10000 + 64ull * i;
		a->ns = r->begin_ns + 3;
	}
	struct cprof_region *r = cprof_vec_push(&m->regions);
	r->thread = 0;
	r->task = CPROF_NONE;
	r->type = hot;
	r->begin_ns = T0 + 10;
	r->end_ns = T0 + 20;
	m->begin_ns = T0;
	m->end_ns = T0 + 10ull * n + 100;
	return m;
}

/* The x extent covered by rectangles of `color`, as a fraction of the
 * data area, and how many there are. */
static double covered(const struct ui_dl *dl, const struct ui_geom *g, uint32_t color,
		      size_t *nrects)
{
	uint8_t *col = calloc(g->tl_w, 1);
	size_t on = 0;
	*nrects = 0;
	for (size_t i = 0; i < dl->n && col; i++) {
		const struct ui_dl_item *it = &dl->v[i];
		if (it->kind != UI_DL_RECT || it->color != color || it->x < g->tl_x)
			continue;
		(*nrects)++;
		for (int x = it->x; x < it->x + it->w && x < g->tl_x + g->tl_w; x++)
			col[x - g->tl_x] = 1;
	}
	for (int x = 0; x < g->tl_w && col; x++)
		on += col[x];
	free(col);
	return (double)on / g->tl_w;
}

/* Highlighted regions (a type) and allocations (a Heap row's) of two
 * threads taking turns: at full zoom they cover the whole timeline in a
 * few blocks per lane (drawn one by one from one row of them all, a
 * budget of 6000 stopped at the first pixels); zoomed in, each is drawn
 * and hit on its own. */
static void test_highlight_lod(void)
{
	struct ui_metrics mt = synth_metrics();
	const uint32_t n = 400000;
	struct cprof_model *m = turns_model(n);
	struct ui_index *ix = ui_index_create(m);
	struct ui_view v;
	struct ui_dl dl;
	struct ui_geom g;
	size_t nrects, hot_n = 0;
	const uint32_t white = UI_RGBA(255, 255, 255, 0x60);

	ui_dl_init(&dl);
	view_for(&v, ix, 1280, 800);
	ui_geom_compute(&v, &g);
	v.hl_type = m->regions.v[0].type;
	for (size_t i = 0; i < m->regions.n; i++)
		hot_n += m->regions.v[i].type == v.hl_type;
	ui_index_set_highlight(ix, &v);
	CHECK(ix->hl.n == hot_n, "%u regions highlighted, %zu hot", ix->hl.n, hot_n);
	CHECK(ix->hl.nlanes == 2, "%u lanes of highlighted regions", ix->hl.nlanes);
	for (uint32_t l = 0; l < ix->hl.nlanes; l++) {
		const struct ui_row *row = &ix->hl.lanes[l].row;
		for (uint32_t i = 1; i < row->n; i++)
			CHECK(ui_row_begin(row, i - 1) <= ui_row_begin(row, i),
			      "lane %u out of order at %u", l, i);
	}
	struct ui_hl_build *b = ui_hl_build_create(ix);
	CHECK(b != NULL, "builder");
	for (uint32_t i = 0; b && i < m->allocs.n; i++) {
		uint64_t t = m->allocs.v[i].ns - m->begin_ns;
		ui_hl_add_state(b, m->allocs.v[i].thread, true, i | 0x40000000u, t, t);
	}
	CHECK(b && ui_hl_build_finish(b, &ix->hl_state), "allocations highlighted");
	CHECK(ix->hl_state.n == n && ix->hl_state.nlanes == 2, "%u allocations in %u lanes",
	      ix->hl_state.n, ix->hl_state.nlanes);

	ui_dl_clear(&dl);
	ui_frame_timeline(&dl, ix, &v, &mt);
	double hot_cov = covered(&dl, &g, ui_type_color(ix, v.hl_type), &nrects);
	CHECK(hot_cov > 0.9, "highlighted regions cover %.0f%% of the timeline", hot_cov * 100);
	CHECK(nrects < 20, "%zu rectangles for %zu highlighted regions", nrects, hot_n);
	size_t arects;
	double alloc_cov = covered(&dl, &g, white, &arects);
	CHECK(alloc_cov > 0.9, "highlighted allocations cover %.0f%% of the timeline",
	      alloc_cov * 100);
	CHECK(arects < 20, "%zu rectangles for %u highlighted allocations", arects, n);
	CHECK(dl.rects < 400, "%zu rectangles in the frame", dl.rects);
	printf("highlight: %zu regions, %u allocations at full zoom -> %zu + %zu rectangles, "
	       "%.0f%% and %.0f%% of the timeline\n",
	       hot_n, n, nrects, arects, hot_cov * 100, alloc_cov * 100);

	/* 400 ns across the data area: regions 8 ns = about 5 px, each its
	 * own (the hot ones of both lanes: 20), each allocation a marker */
	v.t0 = 2000;
	v.t1 = 2400;
	ui_dl_clear(&dl);
	ui_frame_timeline(&dl, ix, &v, &mt);
	size_t hot_single = 0, alloc_single = 0;
	for (size_t i = 0; i < dl.n; i++) {
		const struct ui_dl_item *it = &dl.v[i];
		if (it->kind == UI_DL_RECT && it->hit == UI_HIT_REGION &&
		    it->color == ui_type_color(ix, v.hl_type))
			hot_single++;
		if (it->kind == UI_DL_RECT && it->hit == UI_HIT_ALLOC && it->color == white)
			alloc_single++;
	}
	CHECK(hot_single >= 19 && hot_single <= 21, "%zu highlighted regions in 400 ns (want 20)",
	      hot_single);
	CHECK(alloc_single >= 39 && alloc_single <= 41,
	      "%zu highlighted allocations in 400 ns (want 40)", alloc_single);
	ui_dl_free(&dl);
	ui_index_destroy(ix);
	cprof_model_destroy(m);
}

/* `n` tasks of 50 us starting every 1 us: 50 are open at once, so the
 * track needs exactly 50 rows, none holding two tasks that overlap; past
 * UI_TASK_MAX_ROWS the last row shown says "+N more"; collapsed, one row;
 * at full zoom tasks merge and the frame stays small. */
static void test_task_rows(void)
{
	struct ui_metrics mt = synth_metrics();
	const uint32_t n = 20000;
	struct cprof_model *m = cprof_model_create();
	const uint64_t T0 = 9000000;
	m->path = synth_str(m, "tasks");
	struct cprof_process *p = cprof_vec_push(&m->processes);
	p->pid = 30;
	p->name = synth_str(m, "tasks");
	struct cprof_thread *th = cprof_vec_push(&m->threads);
	th->tid = 30;
	th->name = synth_str(m, "main");
	cprof_str ty = synth_str(m, "job");
	for (uint32_t i = 0; i < n; i++) {
		struct cprof_task *t = cprof_vec_push(&m->tasks);
		t->id = i + 1;
		t->parent = CPROF_NONE;
		t->type = ty;
		t->begin_ns = T0 + i * 1000ull;
		t->end_ns = t->begin_ns + 50000;
		t->begin_thread = t->end_thread = 0;
	}
	m->begin_ns = T0;
	m->end_ns = T0 + n * 1000ull + 50000;
	th->first_ns = m->begin_ns;
	th->last_ns = m->end_ns;
	struct ui_index *ix = ui_index_create(m);
	CHECK(ix->ntask_rows == 50, "%u task rows for 50 open at once", ix->ntask_rows);
	uint64_t placed = 0;
	for (uint32_t r = 0; r < ix->ntask_rows; r++) {
		const struct ui_row *row = &ix->task_rows[r];
		placed += row->n;
		for (uint32_t i = 1; i < row->n; i++)
			CHECK(row->begin[i] >= row->end[i - 1], "row %u: task %u overlaps", r, i);
	}
	CHECK(placed == n, "%" PRIu64 " of %u tasks placed", placed, n);
	uint32_t more = 0;
	for (uint32_t r = UI_TASK_MAX_ROWS - 1; r < ix->ntask_rows; r++)
		more += ix->task_rows[r].n;
	CHECK(ix->task_more.n == more && ix->task_all.n == n, "more row %u (want %u), all %u",
	      ix->task_more.n, more, ix->task_all.n);

	struct ui_view v;
	struct ui_dl dl;
	ui_dl_init(&dl);
	view_for(&v, ix, 1280, 800);
	v.t0 = 100000;
	v.t1 = 300000; /* 200 us: tasks are ~300 px wide */
	ui_dl_clear(&dl);
	ui_frame_timeline(&dl, ix, &v, &mt);
	char want[64];
	snprintf(want, sizeof(want), "+%u more", more);
	CHECK(dl_has_text(&dl, 0, want), "no '%s' row", want);
	int ys[64], ny = 0;
	for (size_t i = 0; i < dl.n; i++)
		if (dl.v[i].hit == UI_HIT_TASK) {
			bool seen = false;
			for (int k = 0; k < ny; k++)
				seen |= ys[k] == dl.v[i].y;
			if (!seen && ny < 64)
				ys[ny++] = dl.v[i].y;
		}
	CHECK(ny == UI_TASK_MAX_ROWS, "tasks drawn on %d rows (want %d)", ny, UI_TASK_MAX_ROWS);
	int tall = ui_lanes_height(ix);
	ix->tasks_collapsed = true;
	ui_dl_clear(&dl);
	ui_frame_timeline(&dl, ix, &v, &mt);
	ny = 0;
	for (size_t i = 0; i < dl.n; i++)
		if (dl.v[i].hit == UI_HIT_TASK || dl.v[i].hit == UI_HIT_TASKS) {
			bool seen = false;
			for (int k = 0; k < ny; k++)
				seen |= ys[k] == dl.v[i].y;
			if (!seen && ny < 64)
				ys[ny++] = dl.v[i].y;
		}
	CHECK(ny == 1, "collapsed track drew %d rows", ny);
	CHECK(ui_lanes_height(ix) < tall, "collapsing did not shrink the track");
	ix->tasks_collapsed = false;
	/* Whole trace: 20 ms on ~700 px, 50 us tasks are ~1.7 px: bounded. */
	ui_view_fit(&v, ix);
	ui_dl_clear(&dl);
	ui_frame_timeline(&dl, ix, &v, &mt);
	CHECK(dl.rects < 20000, "%zu rectangles for %u tasks", dl.rects, n);
	printf("tasks: %u tasks -> %u rows, %u in the +more row; full view %zu rects, %zu "
	       "merged\n",
	       n, ix->ntask_rows, more, dl.rects, dl.merged);
	ui_dl_free(&dl);
	ui_index_destroy(ix);
	cprof_model_destroy(m);
}

/* The loading frame: the bar's filled part follows the fraction, clamped. */
static void test_loading(void)
{
	struct ui_dl dl;
	ui_dl_init(&dl);
	const double fr[] = {0, 0.25, 0.5, 0.999, 1, 1.7, -1};
	for (size_t k = 0; k < sizeof(fr) / sizeof(fr[0]); k++) {
		ui_dl_clear(&dl);
		ui_frame_loading(&dl, 1000, 600, "trace.out", fr[k]);
		int filled = 0, track = 0;
		for (size_t i = 0; i < dl.n; i++) {
			if (dl.v[i].kind != UI_DL_RECT || dl.v[i].y != 300)
				continue;
			if (dl.v[i].color == ui_theme[UI_C_ACCENT])
				filled = dl.v[i].w;
			else if (dl.v[i].color == ui_theme[UI_C_GRID])
				track = dl.v[i].w;
		}
		double f = fr[k] < 0 ? 0 : fr[k] > 1 ? 1 : fr[k];
		char pct[16];
		snprintf(pct, sizeof(pct), "%.0f%%", f * 100);
		CHECK(track == 500 && filled == (int)(500 * f), "fraction %g: bar %d of %d", fr[k],
		      filled, track);
		CHECK(dl_has_text(&dl, 0, pct) && dl_has_text(&dl, 0, "Loading trace.out"),
		      "fraction %g: no '%s'", fr[k], pct);
	}
	ui_dl_free(&dl);
}

static void test_hit(void)
{
	struct ui_metrics mt = synth_metrics();
	struct cprof_model *m = synth_model(200, 3, 5);
	struct ui_index *ix = ui_index_create(m);
	struct ui_view v;
	struct ui_dl dl;
	struct ui_geom g;
	ui_dl_init(&dl);
	view_for(&v, ix, 1200, 900);
	/* Zoom on region 40's task so that its regions are wide. */
	const struct cprof_region *r = &m->regions.v[40];
	v.t0 = (double)(r->begin_ns - m->begin_ns) - 2000;
	v.t1 = (double)(r->end_ns - m->begin_ns) + 2000;
	ui_geom_compute(&v, &g);
	ui_dl_clear(&dl);
	ui_frame_timeline(&dl, ix, &v, &mt);
	double mid = ((double)(r->begin_ns - m->begin_ns) + (double)(r->end_ns - m->begin_ns)) / 2;
	int x = (int)ui_x_of(&v, &g, mid);
	int found = 0;
	/* Scan the column: the region must be under some pixel of its lane at
	 * its depth, and nothing else of that thread's regions. */
	for (int y = g.tl_y; y < g.details_y; y++) {
		const struct ui_dl_item *it = ui_dl_hit(&dl, x, y);
		if (it && it->hit == UI_HIT_REGION && it->ref == 40)
			found++;
	}
	CHECK(found >= UI_ROW_H - 3 && found <= UI_ROW_H, "region 40 under %d pixels of its column",
	      found);
	/* Just left of its start, on the same row, region 40 is not hit. */
	int x0 = (int)ui_x_of(&v, &g, (double)(r->begin_ns - m->begin_ns)) - 3;
	for (int y = g.tl_y; y < g.details_y; y++) {
		const struct ui_dl_item *it = ui_dl_hit(&dl, x0, y);
		CHECK(!(it && it->hit == UI_HIT_REGION && it->ref == 40),
		      "hit left of start at y=%d", y);
	}
	/* The axis and the gutter. */
	const struct ui_dl_item *it = ui_dl_hit(&dl, g.tl_x + 10, UI_HEADER_H + 5);
	CHECK(it && it->hit == UI_HIT_AXIS, "axis not hit");
	/* The state strip of each thread says running where no wait is. */
	int states = 0;
	for (int y = g.tl_y; y < g.details_y; y++) {
		it = ui_dl_hit(&dl, g.tl_x + g.tl_w / 2, y);
		states += it && (it->hit == UI_HIT_RUNNING || it->hit == UI_HIT_WAIT ||
				 it->hit == UI_HIT_SYSCALL);
	}
	CHECK(states >= 3 * UI_STATE_H, "%d pixels of thread state in a column", states);
	ui_dl_free(&dl);
	ui_index_destroy(ix);
	cprof_model_destroy(m);
}

static void test_ticks(void)
{
	char a[64], b[64];
	/* At every zoom from 100 s to 20 ns, neighbouring tick labels differ. */
	for (double span = 1e11; span >= 20; span /= 3.7) {
		double step = ui_tick_step(span, 1000, 90);
		CHECK(step > 0 && span / step <= 1000 / 90.0 + 1, "span %g step %g", span, step);
		double base = 1234567891.0;
		double t = ceil(base / step) * step;
		ui_format_time(a, sizeof(a), t, step);
		ui_format_time(b, sizeof(b), t + step, step);
		CHECK(strcmp(a, b) != 0, "span %g: '%s' == '%s'", span, a, b);
	}
	ui_format_time(a, sizeof(a), 1.25e6, 5e4);
	CHECK(!strcmp(a, "1.25 ms"), "'%s'", a);
	ui_format_time(a, sizeof(a), -0.0001, 1000);
	CHECK(a[0] != '-', "'%s'", a);
	ui_format_dur(a, sizeof(a), 1530);
	CHECK(!strcmp(a, "1.530 \u00b5s"), "'%s'", a);
}

static void test_view(void)
{
	struct cprof_model *m = synth_model(100, 2, 9);
	struct ui_index *ix = ui_index_create(m);
	struct ui_view v;
	struct ui_geom g;
	view_for(&v, ix, 1000, 700);
	ui_geom_compute(&v, &g);
	double x = g.tl_x + 200;
	double t = ui_t_of(&v, &g, x);
	ui_view_zoom(&v, ix, x, 0.5);
	CHECK(fabs(ui_t_of(&v, &g, x) - t) < 1, "zoom moved the time under the cursor");
	for (int i = 0; i < 80; i++)
		ui_view_zoom(&v, ix, x, 0.5);
	CHECK(v.t1 - v.t0 >= 19.9, "zoomed below the floor: %g ns", v.t1 - v.t0);
	for (int i = 0; i < 200; i++)
		ui_view_zoom(&v, ix, x, 2);
	CHECK(v.t1 - v.t0 <= ix->span * 1.11, "zoomed out past the trace");
	ui_index_destroy(ix);
	cprof_model_destroy(m);
}

static void test_panel_stats(void)
{
	struct cprof_model *m = synth_model(3000, 4, 11);
	struct ui_index *ix = ui_index_create(m);
	struct cprof_stats_dist *st = NULL;
	uint32_t n = 0;
	CHECK(ui_panel_region_stats(ix, 0, UINT64_MAX, &st, &n), "region stats failed");
	/* Independent check of one type by brute force. */
	uint64_t cnt = 0, tot = 0, mx = 0;
	for (size_t i = 0; i < m->regions.n; i++)
		if (m->regions.v[i].type == st[0].key && m->regions.v[i].end_ns) {
			uint64_t d = m->regions.v[i].end_ns - m->regions.v[i].begin_ns;
			cnt++;
			tot += d;
			mx = d > mx ? d : mx;
		}
	CHECK(cnt == st[0].count && tot == st[0].total_ns && mx == st[0].max_ns,
	      "brute force %" PRIu64 "/%" PRIu64 "/%" PRIu64, cnt, tot, mx);
	{
		struct cprof_stats s;
		memset(&s, 0, sizeof(s));
		CHECK(cprof_stats_compute(m, &s) == CPROF_STATS_OK, "stats failed");
		CHECK(s.regions.n == n, "stats has %zu region types, panel %u", s.regions.n, n);
		for (size_t k = 0; k < s.regions.n; k++) {
			const struct cprof_stats_dist *d = &s.regions.v[k];
			const struct cprof_stats_dist *p = NULL;
			for (uint32_t j = 0; j < n; j++)
				if (st[j].key == d->key)
					p = &st[j];
			CHECK(p, "type %s missing from the panel", cprof_model_str(m, d->key));
			if (!p)
				continue;
			CHECK(p->count == d->count && p->total_ns == d->total_ns &&
				  p->p50_ns == d->p50_ns && p->p99_ns == d->p99_ns &&
				  p->max_ns == d->max_ns && p->unended == d->unended,
			      "%s: panel %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
			      ", stats %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64,
			      cprof_model_str(m, d->key), p->count, p->total_ns, p->p50_ns,
			      p->p99_ns, p->max_ns, d->count, d->total_ns, d->p50_ns, d->p99_ns,
			      d->max_ns);
		}
		cprof_stats_fini(&s);
		printf("panel: %u region types equal to cprof_stats_compute\n", n);
	}
	/* A range holds fewer regions than the whole trace. */
	struct cprof_stats_dist *st2 = NULL;
	uint32_t n2 = 0;
	ui_panel_region_stats(ix, 0, ix->span / 2, &st2, &n2);
	uint64_t all = 0, half = 0;
	for (uint32_t j = 0; j < n; j++)
		all += st[j].count;
	for (uint32_t j = 0; j < n2; j++)
		half += st2[j].count;
	CHECK(half > all / 3 && half < all * 2 / 3, "half range: %" PRIu64 " of %" PRIu64, half,
	      all);
	free(st);
	free(st2);
	ui_index_destroy(ix);
	cprof_model_destroy(m);
}

/* Regions still open at the end of the trace: one begun by the trace's
 * last event is in the whole-trace panel (stats counts it), and a type with
 * no ended region shows "0+1" and no durations, not "0" and "0 ns". */
static void test_panel_open_regions(void)
{
	struct ui_metrics mt = synth_metrics();
	struct cprof_model *m = dense_model(10);
	cprof_str open = synth_str(m, "still-open");
	struct cprof_region *r = cprof_vec_push(&m->regions);
	r->thread = 0;
	r->task = CPROF_NONE;
	r->type = open;
	r->depth = 1;
	r->begin_ns = m->end_ns; /* the trace's last event */
	r->end_ns = 0;
	struct ui_index *ix = ui_index_create(m);
	struct ui_view v;
	view_for(&v, ix, 1280, 800);
	uint64_t from, to;
	ui_panel_range(ix, &v, &from, &to);
	struct cprof_stats_dist *st = NULL;
	uint32_t n = 0;
	CHECK(ui_panel_region_stats(ix, from, to, &st, &n), "region stats failed");
	const struct cprof_stats_dist *so = NULL;
	for (uint32_t j = 0; j < n; j++)
		if (st[j].key == open)
			so = &st[j];
	CHECK(so && so->unended == 1 && so->count == 0,
	      "region begun at the trace's end missing from the whole-trace panel (%u types)", n);
	struct ui_panel *p = ui_panel_create(ix, NULL);
	struct ui_dl dl;
	ui_dl_init(&dl);
	ui_panel_wait(p, &v);
	ui_panel_frame(&dl, p, &v, &mt);
	CHECK(dl_has_text(&dl, 0, "0+1"), "no '0+1' count for the open region");
	ui_dl_clear(&dl);
	bool found = false;
	for (int row = 0; row < 3; row++) {
		if (ui_panel_row_type(p, &v, row) != open)
			continue;
		found = true;
		v.panel_row = row;
		ui_panel_wait(p, &v);
		ui_panel_frame(&dl, p, &v, &mt);
		CHECK(dl_has_text(&dl, 0, "1 still open at the end"), "histogram caption");
	}
	CHECK(found, "no panel row for the open region");
	ui_dl_free(&dl);
	ui_panel_destroy(p);
	free(st);
	ui_index_destroy(ix);
	cprof_model_destroy(m);
}

static void test_png(void)
{
	char path[] = "/tmp/cprof-test-ui-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	uint8_t img[7 * 5 * 4];
	for (size_t i = 0; i < sizeof(img); i++)
		img[i] = (uint8_t)(i * 37 + 11);
	CHECK(ui_png_write(path, img, 7, 5, 28), "png write");
	uint8_t *back = NULL;
	int w = 0, h = 0;
	CHECK(ui_png_read(path, &back, &w, &h), "png read");
	CHECK(w == 7 && h == 5 && back && !memcmp(back, img, sizeof(img)), "png round trip");
	free(back);
	unlink(path);
}

static void test_search(void)
{
	struct cprof_model *m = synth_model(50, 2, 13);
	struct ui_index *ix = ui_index_create(m);
	uint8_t hit;
	uint32_t ref;
	CHECK(ui_search_next(ix, "503 BUSY", &hit, &ref, 0), "log text not found");
	CHECK(hit == UI_HIT_LOG && strstr(cprof_model_str(m, m->logs.v[ref].message), "503"),
	      "wrong match");
	uint64_t first = m->logs.v[ref].ns;
	CHECK(ui_search_next(ix, "503 busy", &hit, &ref, first) && m->logs.v[ref].ns > first,
	      "n does not move on");
	CHECK(!ui_search_next(ix, "no-such-thing", &hit, &ref, 0), "found nothing as something");
	ui_index_destroy(ix);
	cprof_model_destroy(m);
}

/* Region names and log text in UTF-8 draw their letters, not '?': é, ü, ê,
 * Greek, Cyrillic and dashes have slots that map back to their code points;
 * CJK/emoji (not in DejaVu Sans) and broken bytes give U+FFFD, one slot per
 * character, never an ASCII letter. */
static void test_utf8_glyphs(void)
{
	const char *s =
	    "r\xc3\xa9gion \xce\xbb \xd0\x96 \xe2\x80\x94 \xe6\x97\xa5\xf0\x9f\x9a\x80\xff!";
	const uint32_t want[] = {'r',	0xe9, 'g',    'i', 'o',	   'n',	   ' ',	   0x3bb, ' ',
				 0x416, ' ',  0x2014, ' ', 0xfffd, 0xfffd, 0xfffd, '!'};
	size_t len = strlen(s), i = 0, k = 0;
	while (i < len && k < sizeof(want) / sizeof(want[0])) {
		int g = ui_glyph_next(s, len, &i);
		CHECK(g >= 0 && g < 128 + UI_NGLYPH_X, "slot %d out of range", g);
		CHECK(ui_glyph_cp(g) == want[k], "char %zu: U+%04X, want U+%04X", k,
		      (unsigned)ui_glyph_cp(g), (unsigned)want[k]);
		k++;
	}
	CHECK(i == len && k == sizeof(want) / sizeof(want[0]), "decoded %zu chars, %zu bytes", k,
	      i);
	for (int g = 0; g < 128 + UI_NGLYPH_X; g++) {
		size_t j = 0;
		char buf[8];
		uint32_t cp = ui_glyph_cp(g);
		if (cp < 32 || cp == 127)
			continue;
		int n = cp < 0x80    ? (buf[0] = (char)cp, 1)
			: cp < 0x800 ? (buf[0] = (char)(0xc0 | cp >> 6),
					buf[1] = (char)(0x80 | (cp & 63)), 2)
				     : (buf[0] = (char)(0xe0 | cp >> 12),
					buf[1] = (char)(0x80 | ((cp >> 6) & 63)),
					buf[2] = (char)(0x80 | (cp & 63)), 3);
		int back = ui_glyph_next(buf, (size_t)n, &j);
		CHECK(ui_glyph_cp(back) == cp, "slot %d (U+%04X) reads back as U+%04X", g,
		      (unsigned)cp, (unsigned)ui_glyph_cp(back));
	}
}

/* A region still open at the end is drawn to the end of the trace; its
 * lane label and tooltip say the duration is a lower bound, a finished
 * region's do not. */
static void test_open_region_label(void)
{
	struct ui_metrics mt = synth_metrics();
	struct cprof_model *m = dense_model(10);
	struct cprof_region *r = cprof_vec_push(&m->regions);
	r->thread = 0;
	r->task = CPROF_NONE;
	r->type = synth_str(m, "op");
	r->depth = 1;
	r->begin_ns = m->end_ns - 200;
	r->end_ns = 0;
	uint32_t open = (uint32_t)(m->regions.n - 1), big = open - 1;
	struct ui_index *ix = ui_index_create(m);
	struct ui_view v;
	struct ui_dl dl;
	ui_dl_init(&dl);
	view_for(&v, ix, 1280, 800);
	ui_frame_timeline(&dl, ix, &v, &mt);
	CHECK(dl_has_text(&dl, 0, "op  \u2265 200 ns (open)"), "open region's lane label");
	CHECK(dl_has_text(&dl, 0, "big  100 ns") && !dl_has_text(&dl, 0, "big  \u2265"),
	      "finished region's lane label");
	const struct ui_dl_item *hit[2] = {NULL, NULL};
	for (size_t i = 0; i < dl.n; i++)
		if (dl.v[i].hit == UI_HIT_REGION && (dl.v[i].ref == open || dl.v[i].ref == big))
			hit[dl.v[i].ref == open] = &dl.v[i];
	CHECK(hit[0] && hit[1], "regions not drawn");
	for (int k = 0; k < 2 && hit[0] && hit[1]; k++) {
		struct ui_dl_item copy = *hit[k];
		size_t mark = dl.n;
		ui_frame_tooltip(&dl, ix, &v, &mt, &copy);
		CHECK(dl_has_text(&dl, mark,
				  k ? "duration \u2265 200 ns (open)" : "duration 100 ns") &&
			  (k || !dl_has_text(&dl, mark, "(open)")),
		      "tooltip of the %s region", k ? "open" : "finished");
	}
	ui_dl_free(&dl);
	ui_index_destroy(ix);
	cprof_model_destroy(m);
}

/* The axis labels every tick it can: at whatever zoom and offset, the
 * rightmost tick keeps a label (shifted left from the edge when centring
 * would cross it), and labels stay inside the data area without touching. */
static void test_axis_last_label(void)
{
	struct ui_metrics mt = synth_metrics();
	struct cprof_model *m = synth_model(100, 2, 9);
	struct ui_index *ix = ui_index_create(m);
	struct ui_view v;
	struct ui_geom g;
	struct ui_dl dl;
	ui_dl_init(&dl);
	int views = 0, bad = 0;
	for (int w = 0; w < 2; w++) {
		view_for(&v, ix, w ? 1280 : 700, 600);
		ui_geom_compute(&v, &g);
		int right = g.tl_x + g.tl_w;
		for (double span = 3e3; span < ix->span; span *= 2.3) {
			for (int k = 0; k < 40; k++) {
				v.t0 = span * 0.37 + k * span / 97;
				v.t1 = v.t0 + span;
				ui_dl_clear(&dl);
				ui_frame_timeline(&dl, ix, &v, &mt);
				int last_tick = INT32_MIN, ticks = 0;
				int lx[64], lw[64], nl = 0;
				for (size_t i = 0; i < dl.n; i++) {
					const struct ui_dl_item *it = &dl.v[i];
					if (it->kind == UI_DL_RECT && it->w == 1 && it->h == 6 &&
					    it->y == UI_HEADER_H + UI_AXIS_H - 7) {
						ticks++;
						if (it->x > last_tick)
							last_tick = it->x;
					} else if (it->kind == UI_DL_TEXT &&
						   it->y == UI_HEADER_H + 3 && it->x >= g.tl_x &&
						   nl < 64) {
						const char *t = ui_dl_item_text(&dl, it);
						lx[nl] = it->x;
						lw[nl++] =
						    ui_text_width(&mt, UI_FONT_SMALL, t, strlen(t));
					}
				}
				views++;
				bool ok = ticks > 0 && nl > 0;
				bool covered = false;
				for (int j = 0; j < nl; j++) {
					ok = ok && lx[j] >= g.tl_x && lx[j] + lw[j] <= right &&
					     (j == 0 || lx[j] >= lx[j - 1] + lw[j - 1] + 8);
					/* a label shifted from the edge ends 2 px left of it */
					covered |= lx[j] - 3 <= last_tick &&
						   last_tick <= lx[j] + lw[j] + 3;
				}
				if (!(ok && covered) && bad++ < 5)
					CHECK(false,
					      "width %d, %g..%g: %d ticks, %d labels, last tick "
					      "x=%d %s",
					      v.width, v.t0, v.t1, ticks, nl, last_tick,
					      ok ? "unlabelled" : "labels overlap or overflow");
			}
		}
	}
	CHECK(bad == 0, "%d of %d views with an unlabelled last tick or bad labels", bad, views);
	ui_dl_free(&dl);
	ui_index_destroy(ix);
	cprof_model_destroy(m);
}

/* The details panel of a selection takes at most half of the room below
 * the axis: at the smallest size it used to cover every lane and start
 * above the axis. Its text stays inside it. */
static void test_details_small_window(void)
{
	struct ui_metrics mt = synth_metrics();
	struct cprof_model *m = synth_model(20, 2, 3);
	struct ui_index *ix = ui_index_create(m);
	struct ui_view v;
	struct ui_geom g;
	struct ui_dl dl;
	ui_dl_init(&dl);
	static const int sizes[][2] = {{200, 150}, {320, 200}, {640, 300}, {1440, 900}};
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		view_for(&v, ix, sizes[k][0], sizes[k][1]);
		v.sel.hit = UI_HIT_REGION;
		v.sel.ref = 0;
		v.sel.count = 1;
		ui_geom_compute(&v, &g);
		int below = v.height - UI_STATUS_H - g.tl_y;
		CHECK(g.details_h > 0 && g.details_h <= below / 2 && g.tl_h >= below / 2,
		      "%dx%d: details %d px, timeline %d px of %d", v.width, v.height, g.details_h,
		      g.tl_h, below);
		CHECK(g.details_y == g.tl_y + g.tl_h &&
			  g.details_y + g.details_h == v.height - UI_STATUS_H,
		      "%dx%d: details at %d+%d", v.width, v.height, g.details_y, g.details_h);
		if (v.height >= 900)
			CHECK(g.details_h == UI_DETAILS_H, "full-size details %d px", g.details_h);
		ui_dl_clear(&dl);
		ui_frame_timeline(&dl, ix, &v, &mt);
		bool region_line = false;
		for (size_t i = 0; i < dl.n; i++) {
			const struct ui_dl_item *it = &dl.v[i];
			if (it->kind != UI_DL_TEXT || it->y < g.details_y ||
			    it->y >= g.details_y + g.details_h)
				continue;
			region_line |= !strncmp(ui_dl_item_text(&dl, it), "Region", 6);
			CHECK(it->y + mt.height[it->font] <= g.details_y + g.details_h,
			      "%dx%d: details text '%s' at y %d runs out of the panel", v.width,
			      v.height, ui_dl_item_text(&dl, it), it->y);
		}
		CHECK(region_line, "%dx%d: no 'Region' line in the details", v.width, v.height);
		/* a second column never writes over the first's lines */
		for (size_t i = 0; i < dl.n; i++)
			for (size_t j = i + 1; j < dl.n; j++) {
				const struct ui_dl_item *p = &dl.v[i], *q = &dl.v[j];
				if (p->kind != UI_DL_TEXT || q->kind != UI_DL_TEXT ||
				    p->y < g.details_y || q->y < g.details_y ||
				    p->y >= g.details_y + g.details_h ||
				    q->y >= g.details_y + g.details_h)
					continue;
				const char *ps = ui_dl_item_text(&dl, p),
					   *qs = ui_dl_item_text(&dl, q);
				int pw = ui_text_width(&mt, p->font, ps, strlen(ps)),
				    qw = ui_text_width(&mt, q->font, qs, strlen(qs));
				bool rows = p->y < q->y + mt.height[q->font] &&
					    q->y < p->y + mt.height[p->font];
				bool cols = p->x < q->x + qw && q->x < p->x + pw;
				CHECK(!(rows && cols), "%dx%d: details '%s' and '%s' overlap",
				      v.width, v.height, ps, qs);
			}
	}
	ui_dl_free(&dl);
	ui_index_destroy(ix);
	cprof_model_destroy(m);
}

/* One ui_describe() words every item drawn, for the tooltip and for the
 * details panel: both say something for each kind a frame holds, and the
 * two name the same thread for a single item on a thread's lane (a merged
 * block's details only say how many it holds). */
static void check_described(struct ui_index *ix, struct ui_view *v, const struct ui_dl *dl,
			    bool *kinds)
{
	static struct ui_desc tip, det;
	for (size_t i = 0; i < dl->n; i++) {
		const struct ui_dl_item *it = &dl->v[i];
		if (it->hit == UI_HIT_NONE || it->hit == UI_HIT_PROCESS ||
		    it->hit == UI_HIT_THREAD || it->hit == UI_HIT_TAB || it->hit == UI_HIT_ROW ||
		    it->hit == UI_HIT_AXIS || it->hit == UI_HIT_TASK_TRACK || kinds[it->hit])
			continue;
		kinds[it->hit] = true;
		struct ui_sel what = {.hit = it->hit, .ref = it->ref, .count = it->count};
		ui_describe(ix, v, UI_DESC_TOOLTIP, &what, &tip);
		ui_describe(ix, v, UI_DESC_DETAILS, &what, &det);
		CHECK(tip.n > 0 && tip.n <= 5 && det.n > 0, "hit %u: %d tooltip, %d details lines",
		      it->hit, tip.n, det.n);
		bool single = it->hit == UI_HIT_REGION || it->hit == UI_HIT_WAIT ||
			      it->hit == UI_HIT_SYSCALL || it->hit == UI_HIT_SAMPLE ||
			      it->hit == UI_HIT_ALLOC;
		for (int k = 0; single && k < tip.n; k++) {
			if (strncmp(tip.line[k].text, "thread ", 7))
				continue;
			bool same = false;
			for (int j = 0; j < det.n; j++)
				same |= strstr(det.line[j].text, tip.line[k].text + 7) != NULL;
			CHECK(same, "hit %u: tooltip '%s' not in the details", it->hit,
			      tip.line[k].text);
		}
	}
}

/* Which host a process ran on: in its header's tooltip, and in the header
 * itself when the trace holds processes of several hosts (a relay's tree). */
static void test_process_hosts(void)
{
	struct ui_metrics mt = synth_metrics();
	struct cprof_model *m = synth_model(20, 2, 3);
	struct ui_dl dl;
	struct ui_view v;
	static struct ui_desc tip;
	bool described = false, labelled = false;

	CHECK(m, "model");
	m->processes.v[0].host = synth_str(m, "alpha");
	m->processes.v[0].host_known = true;
	struct cprof_process *p = cprof_vec_push(&m->processes);
	*p = (struct cprof_process){.pid = 77, .name = synth_str(m, "remote")};
	p->host = synth_str(m, "beta");
	p->host_known = true;
	m->threads.v[m->threads.n - 1].process = 1;
	struct ui_index *ix = ui_index_create(m);
	CHECK(ix && ix->multi_host, "two hosts seen");
	ui_dl_init(&dl);
	view_for(&v, ix, 1280, 800);
	ui_frame_timeline(&dl, ix, &v, &mt);
	for (size_t i = 0; i < dl.n; i++) {
		const struct ui_dl_item *it = &dl.v[i];
		if (it->kind == UI_DL_TEXT && strstr(ui_dl_item_text(&dl, it), "pid 77  on beta"))
			labelled = true;
		if (it->hit != UI_HIT_PROCESS || described)
			continue;
		struct ui_sel what = {.hit = it->hit, .ref = it->ref, .count = 1};
		ui_describe(ix, &v, UI_DESC_TOOLTIP, &what, &tip);
		for (int k = 0; k < tip.n; k++)
			described |= !strcmp(tip.line[k].text, "on host alpha") ||
				     !strcmp(tip.line[k].text, "on host beta");
	}
	CHECK(labelled, "no header says 'pid 77  on beta'");
	CHECK(described, "the process tooltip names no host");
	ui_dl_free(&dl);
	ui_index_destroy(ix);
	cprof_model_destroy(m);
}

static void test_describe(void)
{
	struct ui_metrics mt = synth_metrics();
	struct cprof_model *models[] = {synth_model(200, 3, 5), marks_model(20000)};
	bool kinds[UI_HIT_TASK_TRACK + 1] = {false};
	struct ui_dl dl;
	ui_dl_init(&dl);
	for (size_t k = 0; k < 2; k++) {
		struct ui_index *ix = ui_index_create(models[k]);
		struct ui_view v;
		ix->symbolize = fake_symbolize;
		view_for(&v, ix, 1280, 800);
		for (int zoom = 0; zoom < 4; zoom++) {
			ui_dl_clear(&dl);
			ui_frame_timeline(&dl, ix, &v, &mt);
			check_described(ix, &v, &dl, kinds);
			double mid = (v.t0 + v.t1) / 2, half = (v.t1 - v.t0) / 40;
			v.t0 = mid - half;
			v.t1 = mid + half;
		}
		ui_index_destroy(ix);
		cprof_model_destroy(models[k]);
	}
	static const uint8_t want[] = {UI_HIT_REGION, UI_HIT_REGIONS, UI_HIT_RUNNING,
				       UI_HIT_TASK,   UI_HIT_SAMPLE,  UI_HIT_SAMPLES,
				       UI_HIT_ALLOC,  UI_HIT_ALLOCS};
	for (size_t k = 0; k < sizeof(want); k++)
		CHECK(kinds[want[k]], "no item of hit kind %u drawn to describe", want[k]);
	ui_dl_free(&dl);
}

int main(void)
{
	test_lod_merge();
	test_hit();
	test_marks();
	test_highlight_lod();
	test_task_rows();
	test_loading();
	test_ticks();
	test_view();
	test_panel_stats();
	test_png();
	test_search();
	test_utf8_glyphs();
	test_panel_open_regions();
	test_open_region_label();
	test_axis_last_label();
	test_details_small_window();
	test_describe();
	test_process_hosts();
	if (failures) {
		fprintf(stderr, "%d failures\n", failures);
		return 1;
	}
	printf("test-ui: ok\n");
	return 0;
}
