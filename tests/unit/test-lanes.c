/*
 * What a thread's state strip and a process's counter track show at
 * fit-all zoom, on hand-built models: a merged block of waits takes the
 * colour of the state the thread spent most of its time in, a counter
 * track of a process that exited stops at its exit, and a flight-recorder
 * snapshot's lanes are veiled before its window, whose edge is labelled,
 * with what lies there described as left out of the analyses; and the
 * rows of regions the index builds while a trace loads.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui-synth.h"
#include "ui/tl_draw.h"

#include "ui-check.h"

static void frame(struct cprof_model *m, struct ui_index **ix, struct ui_view *v, struct ui_dl *dl)
{
	struct ui_metrics mt = synth_metrics();

	*ix = ui_index_create(m);
	memset(v, 0, sizeof(*v));
	v->width = 1280;
	v->height = 800;
	v->sel_task = CPROF_NONE;
	v->search_hit = CPROF_NONE;
	v->panel_row = -1;
	ui_view_fit(v, *ix);
	ui_dl_clear(dl);
	ui_frame_timeline(dl, *ix, v, &mt);
}

/* One thread alive for 100 ms that waits on a mutex for `wait_us` out of
 * every 50 us: sub-pixel waits at fit-all zoom. */
static struct cprof_model *waits_model(uint64_t wait_us)
{
	struct cprof_model *m = cprof_model_create();
	const uint64_t T0 = 1000000, T1 = T0 + 100000000;

	m->path = synth_str(m, "waits");
	struct cprof_process *p = cprof_vec_push(&m->processes);
	p->pid = 10;
	p->name = synth_str(m, "app");
	struct cprof_thread *t = cprof_vec_push(&m->threads);
	t->tid = 10;
	t->name = synth_str(m, "worker");
	t->first_ns = T0;
	t->last_ns = T1;
	m->stacks.n = 0;
	cprof_vec_push(&m->stacks);
	for (uint64_t ns = T0; ns + 50000 <= T1; ns += 50000) {
		struct cprof_wait *w = cprof_vec_push(&m->waits);
		w->thread = 0;
		w->kind = CPROF_TP_WAIT_MUTEX;
		w->begin_ns = ns;
		w->end_ns = ns + wait_us * 1000;
	}
	m->begin_ns = T0;
	m->end_ns = T1;
	return m;
}

/* The full-height merged state blocks: how many, and how many painted with
 * `color`. */
static void state_blocks(const struct ui_dl *dl, uint32_t color, size_t *n, size_t *with)
{
	*n = *with = 0;
	for (size_t i = 0; i < dl->n; i++) {
		if (dl->v[i].hit != UI_HIT_STATES || dl->v[i].h != UI_STATE_H)
			continue;
		(*n)++;
		*with += dl->v[i].color == color;
	}
}

static void test_dominant_state(void)
{
	uint32_t running = mix(ui_theme[UI_C_RUNNING], UI_RGB(255, 255, 255), 60);
	uint32_t lock = mix(ui_wait_color(CPROF_TP_WAIT_MUTEX), UI_RGB(255, 255, 255), 60);
	struct {
		uint64_t wait_us;
		uint32_t want;
		const char *what;
	} cases[] = {
	    {10, running, "blocked 20%: running"},
	    {40, lock, "blocked 80%: lock"},
	};
	struct ui_dl dl;

	ui_dl_init(&dl);
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct cprof_model *m = waits_model(cases[k].wait_us);
		struct ui_index *ix;
		struct ui_view v;
		size_t n, with;
		frame(m, &ix, &v, &dl);
		state_blocks(&dl, cases[k].want, &n, &with);
		CHECK(n > 0 && with == n, "%s: %zu of %zu merged blocks in the dominant colour",
		      cases[k].what, with, n);
		printf("%s: %zu of %zu merged blocks\n", cases[k].what, with, n);
		ui_index_destroy(ix);
		cprof_model_destroy(m);
	}
	ui_dl_free(&dl);
}

/* Two processes: the first exits at 30 ms (its heap track must stop
 * there), the second runs to 100 ms. */
static void test_counter_ends_at_exit(void)
{
	struct cprof_model *m = cprof_model_create();
	const uint64_t T0 = 1000000;
	struct ui_dl dl;
	struct ui_index *ix;
	struct ui_view v;

	m->path = synth_str(m, "exit");
	for (int i = 0; i < 2; i++) {
		struct cprof_process *p = cprof_vec_push(&m->processes);
		p->pid = 10 + i;
		p->name = synth_str(m, i ? "server" : "child");
		struct cprof_thread *t = cprof_vec_push(&m->threads);
		t->tid = 10 + i;
		t->process = (uint32_t)i;
		t->name = p->name;
		t->first_ns = T0;
		t->last_ns = T0 + (i ? 100000000 : 30000000);
		struct cprof_counter *c = cprof_vec_push(&m->counters);
		c->name = synth_str(m, "heap in use");
		c->process = (uint32_t)i;
		struct cprof_counter_point *pt = cprof_vec_push(&c->points);
		pt->ns = T0 + 1000000;
		pt->value = 4096;
	}
	m->processes.v[0].end_ns = T0 + 30000000;
	cprof_vec_push(&m->stacks);
	m->begin_ns = T0;
	m->end_ns = T0 + 100000000;
	ui_dl_init(&dl);
	frame(m, &ix, &v, &dl);
	int right[2] = {0, 0};
	for (size_t i = 0; i < dl.n; i++)
		if (dl.v[i].hit == UI_HIT_COUNTER && dl.v[i].ref < 2 &&
		    dl.v[i].x + dl.v[i].w > right[dl.v[i].ref])
			right[dl.v[i].ref] = dl.v[i].x + dl.v[i].w;
	printf("heap tracks end at x %d (exited at 30 ms) and %d (ran to 100 ms)\n", right[0],
	       right[1]);
	CHECK(right[1] > 0 && right[0] > 0, "no counter drawn");
	/* the exited process's track covers about 29% of the running one's */
	CHECK(right[0] < right[1] - (right[1] - right[0]) / 2 && right[0] * 10 < right[1] * 6,
	      "the exited process's track runs to x %d, the live one's to %d", right[0], right[1]);
	ui_index_destroy(ix);
	cprof_model_destroy(m);
	ui_dl_free(&dl);
}

/* What the frame holds of a snapshot's window: the veil (a rectangle over
 * every lane from the timeline's left to the window's start, nothing to
 * hit) and the label. */
static void veil_of(const struct ui_dl *dl, const struct ui_dl_item **veil, bool *label)
{
	*veil = NULL;
	*label = false;
	for (size_t i = 0; i < dl->n; i++) {
		const struct ui_dl_item *it = &dl->v[i];
		if (it->kind == UI_DL_RECT && it->color == UI_RGBA(0, 0, 0, 0x70))
			*veil = it;
		if (it->kind == UI_DL_TEXT &&
		    !strncmp(ui_dl_item_text(dl, it), "overwritten before here", it->len))
			*label = true;
	}
}

/* The line of a wait's details that speaks of the window, "" when none. */
static const char *window_said(struct ui_index *ix, const struct ui_view *v, uint32_t wait)
{
	static struct ui_desc d;
	struct ui_sel sel = {UI_HIT_WAIT, wait, 1};

	ui_describe(ix, v, UI_DESC_DETAILS, &sel, &d);
	for (int i = 0; i < d.n; i++)
		if (strstr(d.line[i].text, "snapshot's window"))
			return d.line[i].text;
	return "";
}

static void test_snapshot_window(void)
{
	struct cprof_model *m = waits_model(10);
	const struct ui_dl_item *veil;
	struct ui_index *ix;
	struct ui_view v;
	struct ui_geom g;
	struct ui_dl dl;
	bool label;

	ui_dl_init(&dl);
	frame(m, &ix, &v, &dl);
	veil_of(&dl, &veil, &label);
	CHECK(!veil && !label, "a veil over a trace that is no snapshot");
	ui_index_destroy(ix);

	/* 5 us into the wait of 40 ms (it lasts 10 us) */
	m->window_ns = m->begin_ns + 40005000;
	frame(m, &ix, &v, &dl);
	ui_geom_compute(&v, &g);
	veil_of(&dl, &veil, &label);
	double xe = ui_x_of(&v, &g, 40005000.0);
	CHECK(veil && label, "no veil (%d) or no label (%d) before the window", veil != NULL,
	      label);
	if (veil) {
		CHECK(veil->x == g.tl_x && fabs(veil->x + veil->w - xe) <= 1 && veil->y == g.tl_y &&
			  veil->y + veil->h == g.details_y && veil->hit == UI_HIT_NONE,
		      "the veil covers x %d..%d, y %d..%d; want x %d..%.0f, y %d..%d", veil->x,
		      veil->x + veil->w, veil->y, veil->y + veil->h, g.tl_x, xe, g.tl_y,
		      g.details_y);
		printf("veil over x %d..%d (window at x %.1f), y %d..%d\n", veil->x,
		       veil->x + veil->w, xe, veil->y, veil->y + veil->h);
	}
	CHECK(strstr(window_said(ix, &v, 0), "left out of stats and profiles"), "wait 0: '%s'",
	      window_said(ix, &v, 0));
	CHECK(strstr(window_said(ix, &v, 800), "count it from 40.005"), "wait 800: '%s'",
	      window_said(ix, &v, 800));
	CHECK(!*window_said(ix, &v, 801), "wait 801: '%s'", window_said(ix, &v, 801));
	ui_index_destroy(ix);
	cprof_model_destroy(m);
	ui_dl_free(&dl);
}

/* A region on `thread` at `depth`; end 0: open at the trace's end. */
static void add_region(struct cprof_model *m, uint32_t thread, uint16_t depth, uint64_t b,
		       uint64_t e)
{
	struct cprof_region *r = cprof_vec_push(&m->regions);
	*r = (struct cprof_region){.begin_ns = b,
				   .end_ns = e,
				   .thread = thread,
				   .task = CPROF_NONE,
				   .type = synth_str(m, "r"),
				   .depth = depth};
}

/*
 * A thread's rows as the frames must see them, by hand: its regions of
 * each depth sorted by begin (then index), their times from the trace's
 * start, an open one up to the end, the running max of ends.
 */
static void check_rows(const struct cprof_model *m, const struct ui_index *ix, const char *how)
{
	uint64_t o = m->begin_ns;
	for (uint32_t t = 0; t < m->threads.n; t++) {
		unsigned depths = 0;
		for (size_t i = 0; i < m->regions.n; i++)
			if (m->regions.v[i].thread == t && m->regions.v[i].depth + 1u > depths)
				depths = m->regions.v[i].depth + 1u;
		const struct ui_thread_index *ti = &ix->threads[t];
		CHECK(ti->depths == depths, "%s: thread %u: %u depths, want %u", how, t, ti->depths,
		      depths);
		for (unsigned d = 0; d < depths && d < ti->depths; d++) {
			const struct ui_row *row = &ti->rows[d];
			uint32_t k = 0, last = UINT32_MAX;
			uint64_t lastb = 0, mx = 0;
			for (;;) { /* the next region of (t, d) by (begin, index) */
				uint32_t pick = UINT32_MAX;
				for (uint32_t i = 0; i < m->regions.n; i++) {
					const struct cprof_region *r = &m->regions.v[i];
					if (r->thread != t || r->depth != d ||
					    (last != UINT32_MAX &&
					     (r->begin_ns < lastb ||
					      (r->begin_ns == lastb && i <= last))))
						continue;
					if (pick == UINT32_MAX ||
					    r->begin_ns < m->regions.v[pick].begin_ns)
						pick = i;
				}
				if (pick == UINT32_MAX)
					break;
				const struct cprof_region *r = &m->regions.v[pick];
				uint64_t e = r->end_ns ? r->end_ns : m->end_ns;
				e = (e < r->begin_ns ? r->begin_ns : e) - o;
				mx = e > mx ? e : mx;
				CHECK(k < row->n && row->idx[k] == pick &&
					  ui_row_begin(row, k) == r->begin_ns - o &&
					  ui_row_end(row, k) == e && ui_row_maxend(row, k) == mx,
				      "%s: thread %u depth %u entry %u: region %u [%" PRIu64
				      ", %" PRIu64 ") max %" PRIu64 ", want %u [%" PRIu64
				      ", %" PRIu64 ") max %" PRIu64,
				      how, t, d, k, k < row->n ? row->idx[k] : 0,
				      k < row->n ? ui_row_begin(row, k) : 0,
				      k < row->n ? ui_row_end(row, k) : 0,
				      k < row->n ? ui_row_maxend(row, k) : 0, pick, r->begin_ns - o,
				      e, mx);
				last = pick;
				lastb = r->begin_ns;
				k++;
			}
			CHECK(row->n == k, "%s: thread %u depth %u: %u entries, want %u", how, t, d,
			      row->n, k);
		}
	}
}

/*
 * The region rows fed while the trace loads (the reader's partial model at
 * each report: the regions read so far, those that end later still open)
 * are the rows of the whole model: on a synthetic server's trace, and on
 * rows the feed must copy and sort (begins out of order, a same-depth
 * region inside another, an open region followed by another) or may keep
 * (an open region last).
 */
static void test_fed_rows(void)
{
	struct cprof_model *m = synth_model(3000, 5, 7);
	uint32_t odd = (uint32_t)m->threads.n;
	struct cprof_thread *th = cprof_vec_push(&m->threads);
	const uint64_t T = m->begin_ns ? m->begin_ns : 1000000000000ull;

	*th = (struct cprof_thread){.tid = 99, .name = synth_str(m, "odd"), .first_ns = T};
	add_region(m, odd, 0, T + 5000, T + 6000); /* depth 0: begins out of order */
	add_region(m, odd, 0, T + 1000, T + 2000);
	add_region(m, odd, 1, T + 1000, T + 9000); /* depth 1: one inside another */
	add_region(m, odd, 1, T + 2000, T + 3000);
	add_region(m, odd, 2, T + 1000, 0); /* depth 2: open, then another */
	add_region(m, odd, 2, T + 4000, T + 4500);
	add_region(m, odd, 3, T + 1000, T + 1500); /* depth 3: open last */
	add_region(m, odd, 3, T + 2000, 0);
	if (!m->begin_ns)
		m->begin_ns = T;
	if (m->end_ns < T + 20000)
		m->end_ns = T + 20000;

	struct ui_index *whole = ui_index_create(m);
	CHECK(whole != NULL, "index of the whole model");
	if (whole)
		check_rows(m, whole, "whole");
	ui_index_destroy(whole);

	/* fed in steps of a few hundred regions, each region open until the
	 * reading reaches its end (the latest begin read so far) */
	struct ui_index_feed *feed = ui_index_feed_create();
	struct cprof_region *seen = malloc(m->regions.n * sizeof(*seen));
	struct cprof_model part = *m;
	uint64_t at = 0;
	part.regions.v = seen;
	for (size_t n = 0; n < m->regions.n;) {
		size_t to = n + 1 + (n * 7919) % 400;
		to = to > m->regions.n ? m->regions.n : to;
		for (size_t i = 0; i < to; i++) {
			seen[i] = m->regions.v[i];
			at = seen[i].begin_ns > at ? seen[i].begin_ns : at;
		}
		for (size_t i = 0; i < to; i++)
			if (seen[i].end_ns > at)
				seen[i].end_ns = 0;
		part.regions.n = to;
		ui_index_feed(feed, &part);
		n = to;
	}
	free(seen);
	struct ui_index *fed = ui_index_create_fed(m, feed);
	CHECK(fed != NULL, "index of the fed model");
	if (fed) {
		check_rows(m, fed, "fed");
		CHECK(fed->threads[odd].rows[0].begin && fed->threads[odd].rows[1].maxend &&
			  fed->threads[odd].rows[2].maxend && !fed->threads[odd].rows[3].begin,
		      "rows copied: %d %d %d %d, want 1 1 1 0", !!fed->threads[odd].rows[0].begin,
		      !!fed->threads[odd].rows[1].begin, !!fed->threads[odd].rows[2].begin,
		      !!fed->threads[odd].rows[3].begin);
	}
	ui_index_destroy(fed);
	cprof_model_destroy(m);
}

int main(void)
{
	test_dominant_state();
	test_counter_ends_at_exit();
	test_snapshot_window();
	test_fed_rows();
	if (failures) {
		fprintf(stderr, "%d failures\n", failures);
		return 1;
	}
	printf("test-lanes: ok\n");
	return 0;
}
