/*
 * The Regions tab's statistics (panel_regions.h), computed by a job of
 * their own (panel_job.h).
 */
#include "panel_regions.h"

#include <stdlib.h>

#include "panel_job.h"

struct ui_regions {
	const struct cprof_model *model;
	struct ui_job *job;
};

struct regions_result {
	struct cprof_stats_dist *dist;
	size_t n;
};

static int total_cmp(const void *a, const void *b)
{
	const struct cprof_stats_dist *x = a, *y = b;
	if (x->total_ns != y->total_ns)
		return x->total_ns > y->total_ns ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

enum cprof_stats_status ui_regions_compute(const struct cprof_model *m, uint64_t from, uint64_t to,
					   const atomic_bool *stop, struct cprof_stats_dist **out,
					   size_t *n)
{
	enum cprof_stats_status st = cprof_stats_regions_until(m, from, to, stop, out, n);

	if (st == CPROF_STATS_OK && *n)
		qsort(*out, *n, sizeof(**out), total_cmp);
	return st;
}

static void free_result(void *result)
{
	struct regions_result *r = result;

	free(r->dist);
	free(r);
}

static bool compute(void *ctx, const struct ui_job_key *key, const atomic_bool *stop, void **result)
{
	const struct ui_regions *r = ctx;
	struct regions_result *res = calloc(1, sizeof(*res));

	*result = res;
	return res && ui_regions_compute(r->model, key->from, key->to, stop, &res->dist, &res->n) ==
			  CPROF_STATS_OK;
}

struct ui_regions *ui_regions_create(const struct cprof_model *model, void (*wake)(void *ctx),
				     void *ctx)
{
	struct ui_regions *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->model = model;
	r->job = ui_job_create(compute, free_result, r, wake, ctx);
	if (!r->job) {
		free(r);
		return NULL;
	}
	return r;
}

void ui_regions_destroy(struct ui_regions *r)
{
	if (!r)
		return;
	ui_job_destroy(r->job);
	free(r);
}

void ui_regions_follow(struct ui_regions *r, bool shown, uint64_t from, uint64_t to)
{
	ui_job_follow(r->job, shown ? &(struct ui_job_key){from, to, 0} : NULL);
}

enum ui_regions_state ui_regions_poll(struct ui_regions *r, uint64_t from, uint64_t to, bool wait,
				      struct cprof_stats_dist **out, uint32_t *n)
{
	void *got = NULL;
	struct regions_result *res;

	switch (ui_job_poll(r->job, &(struct ui_job_key){from, to, 0}, wait, &got)) {
	case UI_JOB_COMPUTING:
		return UI_REGIONS_COMPUTING;
	case UI_JOB_FAILED:
		return UI_REGIONS_FAILED;
	case UI_JOB_READY:
		break;
	}
	res = got;
	*out = res->dist;
	*n = (uint32_t)res->n;
	free(res);
	return UI_REGIONS_READY;
}
