/*
 * The loading preview's binning (viewer/ui/preview.c) on a model built by
 * hand in two steps, as the reader's partial hook shows it: closed items
 * add the time they cover to each bucket, an open region counts as open
 * until a later update finds it ended and adds its time then (once), a
 * nested region counts as an item but adds no time, lanes are named, the
 * loaded edge follows the threads' last events, and the range starts at
 * the first event kept rather than at the first packet.
 */
#include <math.h>
#include <string.h>

#include "model/model.h"
#include "ui-check.h"
#include "ui/preview.h"

#define T0 1000000000000ull
#define MS 1000000ull

static struct cprof_thread *thread(struct cprof_model *m, const char *name, int tid)
{
	struct cprof_thread *t = cprof_vec_push(&m->threads);
	t->tid = tid;
	t->name = cprof_model_intern(m, name, strlen(name));
	t->first_ns = t->last_ns = T0;
	return t;
}

static struct cprof_region *region(struct cprof_model *m, uint32_t th, int depth, uint64_t b,
				   uint64_t e)
{
	struct cprof_region *r = cprof_vec_push(&m->regions);
	*r = (struct cprof_region){
	    .thread = th, .task = CPROF_NONE, .depth = depth, .begin_ns = b, .end_ns = e};
	return r;
}

static const struct ui_preview_cell *cell(const struct ui_preview *pv, uint32_t lane, int b)
{
	return &pv->cells[lane * UI_PREVIEW_BUCKETS + b];
}

static bool near(double a, double b)
{
	return fabs(a - b) < 1e3; /* within a microsecond of float rounding */
}

int main(void)
{
	struct cprof_model *m = cprof_model_create();
	struct ui_preview *pv = ui_preview_create();
	/* 1024 ms: a bucket is a millisecond */
	const uint64_t end = T0 + UI_PREVIEW_BUCKETS * MS;

	CHECK(m && pv, "out of memory");
	if (!m || !pv)
		return 1;
	ui_preview_update(pv, m, T0, end);
	CHECK(!ui_preview_ready(pv), "ready without threads");

	/* step 1 */
	thread(m, "alpha", 10)->last_ns = T0 + 30 * MS;
	thread(m, "beta", 11);
	region(m, 0, 0, T0 + MS / 2, T0 + 5 * MS / 2);
	region(m, 1, 0, T0 + 10 * MS, 0); /* open */
	struct cprof_wait *w = cprof_vec_push(&m->waits);
	*w = (struct cprof_wait){.thread = 1, .begin_ns = T0 + 20 * MS, .end_ns = T0 + 21 * MS};
	ui_preview_update(pv, m, T0, end);
	CHECK(ui_preview_ready(pv), "not ready");
	CHECK(pv->begin_ns == T0 && pv->end_ns == end, "range %llu..%llu",
	      (unsigned long long)pv->begin_ns, (unsigned long long)pv->end_ns);
	CHECK(pv->nthreads == 2, "%u threads", pv->nthreads);
	CHECK(!strcmp(pv->lanes[0].label, "alpha 10"), "label '%s'", pv->lanes[0].label);
	CHECK(pv->loaded_ns == T0 + 30 * MS, "loaded to %llu", (unsigned long long)pv->loaded_ns);
	CHECK(near(cell(pv, 0, 0)->busy, MS / 2) && near(cell(pv, 0, 1)->busy, MS) &&
		  near(cell(pv, 0, 2)->busy, MS / 2) && cell(pv, 0, 3)->busy == 0,
	      "busy %g %g %g %g", cell(pv, 0, 0)->busy, cell(pv, 0, 1)->busy, cell(pv, 0, 2)->busy,
	      cell(pv, 0, 3)->busy);
	CHECK(cell(pv, 0, 0)->records == 1 && cell(pv, 0, 1)->records == 0, "records %u %u",
	      cell(pv, 0, 0)->records, cell(pv, 0, 1)->records);
	CHECK(near(cell(pv, 1, 20)->blocked, MS), "blocked %g", cell(pv, 1, 20)->blocked);
	CHECK(pv->lanes[1].open_busy == T0 + 10 * MS, "open since %llu",
	      (unsigned long long)pv->lanes[1].open_busy);
	CHECK(cell(pv, 1, 12)->busy == 0, "an open region added time");

	/* step 2: the open region ended; a nested one and a new thread */
	m->regions.v[1].end_ns = T0 + 31 * MS / 2;
	region(m, 1, 1, T0 + 11 * MS, T0 + 12 * MS);
	thread(m, "gamma", 12)->last_ns = T0 + 40 * MS;
	ui_preview_update(pv, m, T0, end);
	CHECK(pv->lanes[1].open_busy == 0, "still open");
	for (int b = 10; b < 15; b++)
		CHECK(near(cell(pv, 1, b)->busy, MS), "bucket %d busy %g", b, cell(pv, 1, b)->busy);
	CHECK(near(cell(pv, 1, 15)->busy, MS / 2), "bucket 15 busy %g", cell(pv, 1, 15)->busy);
	CHECK(cell(pv, 1, 11)->records == 1, "nested region not counted once");
	CHECK(pv->records == 4, "%llu items", (unsigned long long)pv->records);
	CHECK(pv->loaded_ns == T0 + 40 * MS && pv->nthreads == 3, "not followed");
	/* nothing counted twice by a third update with nothing new */
	ui_preview_update(pv, m, T0, end);
	CHECK(pv->records == 4 && near(cell(pv, 1, 12)->busy, MS), "counted twice");
	ui_preview_destroy(pv);

	/* the range starts at the first event kept, not at the first packet */
	pv = ui_preview_create();
	m->threads.v[0].first_ns = m->threads.v[1].first_ns = m->threads.v[2].first_ns =
	    T0 + 100 * MS;
	ui_preview_update(pv, m, T0, end);
	CHECK(pv && pv->begin_ns == T0 + 100 * MS, "begins at %llu",
	      pv ? (unsigned long long)pv->begin_ns : 0ull);
	ui_preview_destroy(pv);
	cprof_model_destroy(m);
	return failures ? 1 : 0;
}
