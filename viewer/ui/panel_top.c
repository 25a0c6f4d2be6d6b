/*
 * The Sync, Blocking calls and Heap tables (panel_top.h): a profile built
 * as `pprof` builds it, its top entries kept, on a job of their own.
 */
#include "panel_top.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/profiles.h"
#include "symbols/symbols.h"

struct ui_tops {
	const struct cprof_model *model;
	struct ui_job *job;
};

static const enum cprof_profile_type tab_profile[UI_TAB_COUNT_] = {
    [UI_TAB_SYNC] = CPROF_PROFILE_SYNC,
    [UI_TAB_BLOCKING] = CPROF_PROFILE_SYSCALL,
    [UI_TAB_HEAP] = CPROF_PROFILE_HEAP,
};

void ui_top_table_free(struct ui_top_table *t)
{
	if (!t)
		return;
	free(t->rows);
	free(t);
}

bool ui_top_rows(const struct cprof_profile *prof, size_t vi, size_t max, struct ui_top_row **rows,
		 uint32_t *n)
{
	struct cprof_profile_top_entry *e = NULL;
	size_t ne = 0, keep;

	*rows = NULL;
	*n = 0;
	if (cprof_profile_top(prof, vi, &e, &ne) != CPROF_PROFILE_OK)
		return false;
	keep = ne < max ? ne : max;
	*rows = calloc(keep ? keep : 1, sizeof(**rows));
	for (size_t k = 0; *rows && k < keep; k++) {
		snprintf((*rows)[k].name, sizeof((*rows)[k].name), "%s", e[k].name);
		(*rows)[k].flat = e[k].flat;
		(*rows)[k].cum = e[k].cum;
	}
	*n = *rows ? (uint32_t)keep : 0;
	free(e);
	return *rows != NULL;
}

/* The top entries of the value the profile shows by default (delay,
 * bytes in use); false when out of memory. */
static bool keep_top(const struct cprof_profile *prof, struct ui_top_table *out)
{
	size_t vi = prof->sample_types.n ? prof->sample_types.n - 1 : 0;

	if (prof->default_sample_type) {
		for (size_t k = 0; k < prof->sample_types.n; k++)
			if (prof->sample_types.v[k].type == prof->default_sample_type)
				vi = k;
	}
	if (prof->sample_types.n)
		out->unit = strcmp(cprof_profile_str(prof, prof->sample_types.v[vi].unit), "bytes")
				? "ns"
				: "bytes";
	out->total = cprof_profile_total(prof, vi);
	return ui_top_rows(prof, vi, 200, &out->rows, &out->n);
}

bool ui_top_compute(const struct cprof_model *m, struct cprof_symbolizer *sym, enum ui_tab tab,
		    uint64_t from, uint64_t to, const atomic_bool *stop, struct ui_top_table *out)
{
	struct cprof_profile *prof = NULL;
	struct cprof_profiles_report rep = {0};
	struct cprof_profile_filter f = {
	    .has_from = true, .has_to = true, .from_ns = from, .to_ns = to};
	bool ok;

	memset(out, 0, sizeof(*out));
	if (tab == UI_TAB_HEAP) {
		/* The heap is what is in use at the end of the range,
		 * whenever it was allocated. */
		f.has_from = false;
		f.has_at = true;
		f.at_ns = to;
	}
	enum cprof_profiles_status st =
	    cprof_profile_build_until(m, sym, tab_profile[tab], &f, stop, &prof, &rep);
	snprintf(out->note, sizeof(out->note), "%s", rep.text);
	if (st == CPROF_PROFILES_STOPPED || st == CPROF_PROFILES_NOMEM)
		return false;
	ok = !prof || keep_top(prof, out);
	cprof_profile_destroy(prof);
	return ok;
}

static void free_result(void *result)
{
	ui_top_table_free(result);
}

static bool compute(void *ctx, struct cprof_symbolizer *sym, const struct ui_job_key *key,
		    const atomic_bool *stop, void *result)
{
	const struct ui_tops *t = ctx;

	return ui_top_compute(t->model, sym, (enum ui_tab)key->what, key->from, key->to, stop,
			      result);
}

struct ui_tops *ui_tops_create(const struct cprof_model *model, struct ui_job_sym *sym,
			       void (*wake)(void *ctx), void *ctx)
{
	struct ui_tops *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->model = model;
	t->job =
	    ui_job_create_sym(sym, compute, sizeof(struct ui_top_table), free_result, t, wake, ctx);
	if (!t->job) {
		free(t);
		return NULL;
	}
	return t;
}

void ui_tops_destroy(struct ui_tops *t)
{
	if (!t)
		return;
	ui_job_destroy(t->job);
	free(t);
}

enum ui_job_state ui_tops_poll(struct ui_tops *t, enum ui_tab tab, uint64_t from, uint64_t to,
			       bool wait, struct ui_top_table **out)
{
	void *got = NULL;
	enum ui_job_state st =
	    ui_job_poll(t->job, &(struct ui_job_key){from, to, (int)tab}, wait, &got);

	*out = got;
	return st;
}

void ui_tops_follow(struct ui_tops *t, enum ui_tab tab, uint64_t from, uint64_t to)
{
	ui_job_follow(t->job, &(struct ui_job_key){from, to, (int)tab});
}
