/*
 * A comparison in words: values with their units, row labels ("request
 * p99", "mutex wait in cache_evict"), changes, the summary line and which
 * test decided. `compare` prints them and the viewer's compare panel draws
 * them, so the two always say the same thing.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/compare.h"
#include "analysis/stattest.h"
#include "common/text.h"

const char *cprof_compare_format_value(const char *metric, double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (!strcmp(metric, "count"))
		snprintf(buf, len, "%.0f", v);
	else if (!strcmp(metric, "alloc_bytes"))
		snprintf(buf, len,
			 v < 1e3   ? "%.0fB"
			 : v < 1e6 ? "%.1fkB"
				   : "%.1fMB",
			 v < 1e3   ? v
			 : v < 1e6 ? v / 1e3
				   : v / 1e6);
	else
		cprof_format_duration_as(v, CPROF_DURATION_COMPACT, buf, len);
	return buf;
}

const char *cprof_compare_short_metric(const char *metric)
{
	if (!strcmp(metric, "total_ns"))
		return "total";
	if (!strncmp(metric, "p5", 2) || !strncmp(metric, "p9", 2))
		return metric[2] == '0' ? (metric[1] == '5' ? "p50" : "p90") : "p99";
	return metric;
}

const char *cprof_compare_row_label(const struct cprof_compare_row *r, char *buf, size_t len)
{
	const char *metric = cprof_compare_short_metric(r->metric);

	switch (r->kind) {
	case CPROF_CMP_REGION:
	case CPROF_CMP_TASK:
		snprintf(buf, len, "%s %s", r->name, metric);
		break;
	case CPROF_CMP_CALL:
		snprintf(buf, len, "%s call %s", r->name, metric);
		break;
	case CPROF_CMP_WAIT:
		snprintf(buf, len, "%s wait %s", r->name, metric);
		break;
	case CPROF_CMP_CPU:
		snprintf(buf, len, "cpu in %s", r->name);
		break;
	case CPROF_CMP_SYNC:
		snprintf(buf, len, "wait in %s", r->name);
		break;
	case CPROF_CMP_MUTEX:
		snprintf(buf, len, "mutex wait in %s", r->name);
		break;
	case CPROF_CMP_HEAP:
		snprintf(buf, len, "allocations in %s", r->name);
		break;
	default:
		snprintf(buf, len, "%s", r->name);
	}
	return buf;
}

const char *cprof_compare_format_delta(const struct cprof_compare_row *r, char *buf, size_t len)
{
	if (isnan(r->delta_pct))
		snprintf(buf, len, "new");
	else if (r->new == 0 && r->old > 0)
		snprintf(buf, len, "gone");
	else
		snprintf(buf, len, fabs(r->delta_pct) < 1000 ? "%+.1f%%" : "%+.0f%%", r->delta_pct);
	return buf;
}

/*
 * The most significant row of up to three kinds, tasks first (what users
 * wait for), then regions, then the profiles' culprits.
 */
void cprof_compare_summary(const struct cprof_compare *c, char *buf, size_t len)
{
	static const enum cprof_compare_kind order[] = {
	    CPROF_CMP_TASK, CPROF_CMP_REGION, CPROF_CMP_MUTEX, CPROF_CMP_SYNC,
	    CPROF_CMP_CPU,  CPROF_CMP_HEAP,   CPROF_CMP_WAIT,  CPROF_CMP_CALL,
	};
	const struct cprof_compare_row *first[CPROF_CMP_KINDS] = {0};
	size_t used = 0, shown = 0;
	char label[256], d[32];

	/* rows come sorted by significance, then p, then size */
	for (size_t i = 0; i < c->rows.n && c->rows.v[i].significant; i++)
		if (!first[c->rows.v[i].kind])
			first[c->rows.v[i].kind] = &c->rows.v[i];
	buf[0] = 0;
	for (size_t k = 0; k < CPROF_CMP_KINDS && shown < 3; k++) {
		const struct cprof_compare_row *r = first[order[k]];
		if (!r)
			continue;
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0,
					 "%s%s %s (p=%.2g)", shown++ ? "; " : "",
					 cprof_compare_row_label(r, label, sizeof(label)),
					 cprof_compare_format_delta(r, d, sizeof(d)), r->p);
	}
	if (!shown)
		snprintf(buf, len, "no significant change at alpha %g (%zu tests, Holm-corrected)",
			 c->alpha, c->tests);
}

const char *cprof_compare_test_name(enum cprof_compare_test t)
{
	switch (t) {
	case CPROF_CMP_TEST_RUNS:
		return "runs";
	case CPROF_CMP_TEST_SLICES:
		return "slices";
	default:
		return "none";
	}
}

void cprof_compare_test_note(const struct cprof_compare *c, char *buf, size_t len)
{
	if (c->across_runs)
		snprintf(buf, len,
			 "Mann-Whitney U across runs (%zu+%zu per-run values), Holm-corrected "
			 "over %zu tests",
			 c->runs_old, c->runs_new, c->tests);
	else if (c->runs_old == 1 && c->runs_new == 1)
		snprintf(buf, len,
			 "1 run per side: no across-run test, nothing marked significant (record "
			 "2 or more runs a side); the p-values (Mann-Whitney U within runs, 10 "
			 "time slices each, Holm-corrected over %zu tests) say whether these two "
			 "runs differ, not the programs",
			 c->tests);
	else
		snprintf(buf, len,
			 "%zu+%zu runs: too few for an across-run test (its smallest p, %.2g, "
			 "cannot reach alpha %g over %zu tests); Mann-Whitney U within runs (10 "
			 "time slices each, pooled over runs), Holm-corrected",
			 c->runs_old, c->runs_new, cprof_utest_min_p(c->runs_old, c->runs_new),
			 c->alpha, c->tests);
}

/* ---- JSON (jansson) ---- */

static json_t *num(double v)
{
	if (isnan(v) || isinf(v))
		return json_null();
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		return json_integer((json_int_t)v);
	return json_real(v);
}

/* A string as JSON; bytes that are not UTF-8 (names come from the traced
 * program) become '?' rather than failing the whole output. */
static json_t *pair(double lo, double hi)
{
	return isnan(lo) || isnan(hi) ? json_null() : json_pack("[oo]", num(lo), num(hi));
}

json_t *cprof_compare_row_json(const struct cprof_compare_row *r)
{
	return json_pack("{ss so ss so so so so so so so sb ss ss sI sI so so so}", "kind",
			 cprof_compare_kind_name(r->kind), "name", cprof_json_text(r->name),
			 "metric", r->metric, "old", num(r->old), "new", num(r->new), "delta_pct",
			 num(r->delta_pct), "p", num(r->p), "p_raw", num(r->p_raw), "p_runs",
			 num(r->p_runs), "p_items", num(r->p_items), "significant", r->significant,
			 "test", cprof_compare_test_name(r->test), "presence", r->presence, "n_old",
			 (json_int_t)r->n_old, "n_new", (json_int_t)r->n_new, "old_ci",
			 pair(r->old_lo, r->old_hi), "new_ci", pair(r->new_lo, r->new_hi),
			 "delta_ci_pct", pair(r->delta_lo, r->delta_hi));
}
