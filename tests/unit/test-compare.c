/*
 * compare's rules on models built here (no daemon): the across-run test
 * with 4+4 runs, the time-slice test within runs with 3+3, one run a side
 * concluding nothing, the --min-change threshold, types on one side only,
 * and rows sorted significant first.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare.h"
#include "model/model.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

#define ITEMS 400

static uint64_t rng = 88172645463325252ull;

/* xorshift64: the same "noise" every run of the test */
static double noise(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

static void add_region(struct cprof_model *m, const char *type, uint64_t begin, uint64_t ns)
{
	struct cprof_region *r = cprof_vec_push(&m->regions);

	CHECK(r);
	*r = (struct cprof_region){.thread = 0,
				   .task = CPROF_NONE,
				   .type = cprof_model_intern(m, type, strlen(type)),
				   .begin_ns = begin,
				   .end_ns = begin + ns};
}

/*
 * One run: ITEMS regions "work" spread over 1 s, each lasting about
 * `work_us` (+-20%), and the same number of "steady" ones of 10 us +-20%;
 * "extra" regions too when `extra`.
 */
static struct cprof_compare_run *run_of(double work_us, bool extra)
{
	struct cprof_model *m = cprof_model_create();
	struct cprof_process *p;
	struct cprof_thread *t;
	struct cprof_compare_run *run = NULL;

	CHECK(m);
	p = cprof_vec_push(&m->processes);
	t = cprof_vec_push(&m->threads);
	CHECK(p && t);
	*p = (struct cprof_process){.pid = 1, .name = cprof_model_intern(m, "prog", 4)};
	*t = (struct cprof_thread){.tid = 1, .process = 0};
	m->begin_ns = 1000000000;
	m->end_ns = m->begin_ns + 1000000000;
	for (int i = 0; i < ITEMS; i++) {
		uint64_t at = m->begin_ns + (uint64_t)i * 1000000000 / ITEMS;
		add_region(m, "work", at, (uint64_t)(work_us * 1000 * (0.8 + 0.4 * noise())));
		add_region(m, "steady", at + 100, (uint64_t)(10000 * (0.8 + 0.4 * noise())));
		if (extra && i % 4 == 0)
			add_region(m, "extra", at + 200, 5000);
	}
	CHECK(cprof_compare_run_create(m, NULL, NULL, &run) == CPROF_COMPARE_OK);
	cprof_model_destroy(m);
	return run;
}

static const struct cprof_compare_row *find(const struct cprof_compare *c, const char *name,
					    const char *metric)
{
	for (size_t i = 0; i < c->rows.n; i++)
		if (!strcmp(c->rows.v[i].name, name) && !strcmp(c->rows.v[i].metric, metric))
			return &c->rows.v[i];
	return NULL;
}

static void compare(size_t nold, double old_us, size_t nnew, double new_us, bool new_extra,
		    struct cprof_compare *c)
{
	struct cprof_compare_run *runs[16];
	struct cprof_compare_options o;

	cprof_compare_default_options(&o);
	for (size_t i = 0; i < nold + nnew; i++)
		runs[i] = i < nold ? run_of(old_us, false) : run_of(new_us, new_extra);
	CHECK(cprof_compare_compute(runs, nold, runs + nold, nnew, &o, c) == CPROF_COMPARE_OK);
	for (size_t i = 0; i < nold + nnew; i++)
		cprof_compare_run_destroy(runs[i]);
	/* significant rows come first */
	for (size_t i = 1; i < c->rows.n; i++)
		CHECK(c->rows.v[i - 1].significant || !c->rows.v[i].significant);
}

int main(void)
{
	struct cprof_compare c;
	const struct cprof_compare_row *r;

	/* 4+4 runs: the across-run test cannot go below 0.029, too weak once
	 * corrected for 10 rows: the slices decide */
	compare(4, 100, 4, 50, false, &c);
	CHECK(!c.across_runs && c.tests == 10);
	r = find(&c, "work", "p50_ns");
	CHECK(r && r->test == CPROF_CMP_TEST_SLICES && r->significant);
	CHECK(fabs(r->p_runs - 0.028571428571428577) < 1e-12); /* 4+4 fully apart */
	cprof_compare_fini(&c);

	/* 7+7 runs, work halved: benchstat's test across runs decides */
	compare(7, 100, 7, 50, false, &c);
	CHECK(c.across_runs);
	r = find(&c, "work", "p50_ns");
	CHECK(r && r->test == CPROF_CMP_TEST_RUNS && r->significant);
	CHECK(r->n_old == 7 && r->n_new == 7);
	CHECK(fabs(r->delta_pct + 50) < 5);
	CHECK(fabs(r->p_raw - 2.0 / 3432) < 1e-12); /* 7+7 fully apart: 2 / C(14, 7) */
	/* the median of 7 per-run values has a 95% interval (orders 1..7) */
	CHECK(!isnan(r->old_lo) && r->old_lo <= r->old && r->old <= r->old_hi);
	r = find(&c, "steady", "p50_ns");
	CHECK(r && !r->significant);
	r = find(&c, "work", "count");
	CHECK(r && !r->significant && r->delta_pct == 0);
	cprof_compare_fini(&c);

	/* 3+3: within runs, 10 slices a run; "extra" only in NEW */
	compare(3, 100, 3, 50, true, &c);
	CHECK(!c.across_runs);
	r = find(&c, "work", "p90_ns");
	CHECK(r && r->test == CPROF_CMP_TEST_SLICES && r->significant && r->delta_pct < -40);
	CHECK(r->n_old == 30 && r->n_new == 30);
	CHECK(!isnan(r->delta_lo) && r->delta_hi < 0); /* its interval excludes 0 */
	CHECK(!isnan(r->p_items) && r->p_items < r->p_raw);
	CHECK(!find(&c, "steady", "p50_ns")->significant);
	r = find(&c, "extra", "count");
	CHECK(r && !strcmp(r->presence, "new") && r->old == 0 && isnan(r->delta_pct));
	CHECK(r->significant); /* 0 -> 100 in every slice */
	r = find(&c, "extra", "p50_ns");
	CHECK(r && isnan(r->old) && isnan(r->p) && !r->significant);
	cprof_compare_fini(&c);

	/* 3+3, work 3% longer: p is tiny over 30+30 slices, but under 5% */
	compare(3, 100, 3, 103, false, &c);
	r = find(&c, "work", "total_ns");
	CHECK(r && !r->significant && fabs(r->delta_pct - 3) < 1.5);
	cprof_compare_fini(&c);

	/* 3+3 and 7+7 of the same program: nothing significant */
	compare(3, 100, 3, 100, false, &c);
	for (size_t i = 0; i < c.rows.n; i++)
		CHECK(!c.rows.v[i].significant);
	cprof_compare_fini(&c);
	compare(7, 100, 7, 100, false, &c);
	CHECK(c.across_runs);
	for (size_t i = 0; i < c.rows.n; i++)
		CHECK(!c.rows.v[i].significant);
	cprof_compare_fini(&c);

	/* 1+1: even a halving is reported, not concluded */
	compare(1, 100, 1, 50, false, &c);
	r = find(&c, "work", "p50_ns");
	CHECK(r && !r->significant && r->p < 0.05 && fabs(r->delta_pct + 50) < 5);
	for (size_t i = 0; i < c.rows.n; i++)
		CHECK(!c.rows.v[i].significant);
	cprof_compare_fini(&c);

	printf("compare: all checks passed\n");
	return 0;
}
