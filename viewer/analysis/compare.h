/*
 * Comparing runs: what `cprof-trace compare` prints. Each trace is boiled
 * down to a cprof_compare_run (so its model can be freed before the next
 * one is read); the runs of the OLD and NEW sides are then compared row by
 * row, one row per (kind, name, metric): region, task, blocking-call and
 * wait types (count, total, p50, p90, p99 of their durations) and the top
 * functions of the cpu, sync, mutex and heap profiles (time or bytes).
 *
 * The statistics are benchstat's (stattest.h): Mann-Whitney U tests,
 * order-statistic confidence intervals, and Holm's correction over every
 * row tested. Two tests, chosen per comparison:
 *  - across runs: the per-run values (one value per trace), when both sides
 *    have enough runs for the exact test to reach alpha after the
 *    correction (its smallest p is 2 / C(n+m, n): 0.1 for 3+3, 0.029 for
 *    4+4; with 50 rows tested it takes 7+7); benchstat's test;
 *  - within runs, otherwise: each run's window is cut into
 *    CPROF_COMPARE_SLICES time slices and each slice's value (count, total,
 *    percentile, function time) is one observation, pooled over a side's
 *    runs. Slices rather than single items (batch means): items close in
 *    time share the machine's state, so a test over thousands of items calls
 *    any wobble between two runs significant (a 0.3% shift of a median gave
 *    p = 1e-60 between two runs of the same program). Pooled over two or
 *    more runs a side, a change must stand out from the slices' spread
 *    across runs too. With one run per side there is no such spread: two
 *    runs of the same program on a loaded machine differed by +89% in a
 *    CPU-bound region's median (slice test p = 0.03 after correction), so
 *    nothing is marked significant and the p-values only describe how these
 *    two runs differ.
 * Every item's duration still gives the p50/p90/p99 rows their values
 * (pooled percentiles) and confidence intervals (order statistics), and
 * p_items, the U test over them, for information.
 * A row is significant when each side has two or more runs, its
 * Holm-adjusted p is below alpha, the change
 * is at least min_change_pct (thousands of items make any shift
 * "significant"; this is the practical threshold), and for p50/p90/p99 the
 * confidence interval of the change excludes zero when it is known.
 *
 * Ownership: runs are created and destroyed by the caller; a cprof_compare
 * is filled by cprof_compare_compute() and released with
 * cprof_compare_fini(). Row names and paths are owned by the comparison.
 */
#ifndef CPROF_COMPARE_H
#define CPROF_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "analysis/profiles.h"
#include "common/vec.h"
#include "model/model.h"
#include "symbols/symbols.h"

enum cprof_compare_kind {
	CPROF_CMP_REGION,
	CPROF_CMP_TASK,
	CPROF_CMP_CALL,
	CPROF_CMP_WAIT,
	CPROF_CMP_CPU,
	CPROF_CMP_SYNC,
	CPROF_CMP_MUTEX,
	CPROF_CMP_HEAP,
	CPROF_CMP_KINDS,
};

enum cprof_compare_status {
	CPROF_COMPARE_OK = 0,
	CPROF_COMPARE_NOMEM,
};

/* Which test gave a row's p. */
enum cprof_compare_test {
	CPROF_CMP_TEST_NONE,   /* present on one side only, or nothing varies */
	CPROF_CMP_TEST_RUNS,   /* per-run values across runs */
	CPROF_CMP_TEST_SLICES, /* per-slice values within runs */
};

/* Within runs, each run's window is cut into this many slices of equal
 * length, each slice's value one observation. */
#define CPROF_COMPARE_SLICES 10

struct cprof_compare_run;

struct cprof_compare_options {
	double alpha;	       /* 0.05 */
	double min_change_pct; /* 5 */
	size_t top_functions;  /* per profile kind, 10 */
	double confidence;     /* of the intervals, 0.95 */
};

struct cprof_compare_row {
	enum cprof_compare_kind kind;
	char *name;
	const char *metric; /* "count", "total_ns", "p50_ns", ..., "cpu_ns" */
	double old, new;    /* NaN: absent on that side */
	double delta_pct;   /* NaN: old is 0 or absent */
	double p;	    /* Holm-adjusted; NaN: no test */
	double p_raw;	    /* of the test alone */
	double p_runs;	    /* the across-run test's raw p when computed, else NaN */
	double p_items;	    /* p50/p90/p99: raw p over every item's duration, else NaN */
	bool significant;
	enum cprof_compare_test test;
	const char *presence; /* "both", "new" (NEW only) or "gone" (OLD only) */
	size_t n_old, n_new;  /* values each side of the test */
	/* Confidence intervals of old and new (each at sqrt(confidence)), and
	 * of the change in percent (at least `confidence`); NaN where the
	 * sample is too small or the metric has none. */
	double old_lo, old_hi, new_lo, new_hi, delta_lo, delta_hi;
};

struct cprof_compare {
	size_t runs_old, runs_new;
	bool across_runs; /* the across-run test decided */
	size_t tests;	  /* rows with a test (Holm's n) */
	double alpha, min_change_pct;
	CPROF_VEC(struct cprof_compare_row) rows; /* sorted for printing */
};

/* Reads what a comparison needs from a model (and its profiles, built
 * with `symbolizer`, which may be NULL). Only the filter's --from/--to
 * window applies (NULL: none): items begun in it, profiles built with it.
 * The model may be freed after. */
enum cprof_compare_status cprof_compare_run_create(const struct cprof_model *model,
						   struct cprof_symbolizer *symbolizer,
						   const struct cprof_profile_filter *filter,
						   struct cprof_compare_run **out);
void cprof_compare_run_destroy(struct cprof_compare_run *run);
/* The first process's name ("" when unknown); the trace's length. */
const char *cprof_compare_run_program(const struct cprof_compare_run *run);
uint64_t cprof_compare_run_duration(const struct cprof_compare_run *run);

void cprof_compare_default_options(struct cprof_compare_options *opts);

enum cprof_compare_status cprof_compare_compute(struct cprof_compare_run *const *old, size_t nold,
						struct cprof_compare_run *const *new, size_t nnew,
						const struct cprof_compare_options *opts,
						struct cprof_compare *out);
void cprof_compare_fini(struct cprof_compare *cmp);

/* "region", "task", "call", "wait", "cpu", "sync", "mutex", "heap". */
const char *cprof_compare_kind_name(enum cprof_compare_kind kind);

/* In words (compare_text.c), for `compare` and the viewer alike. */
/* A metric's value with its unit ("12.3us", "4.1MB", "17"), "-" for NaN. */
const char *cprof_compare_format_value(const char *metric, double v, char *buf, size_t len);
/* "total", "p50", "p90", "p99", else the metric as it is. */
const char *cprof_compare_short_metric(const char *metric);
/* "request p99", "read call total", "mutex wait in cache_evict". */
const char *cprof_compare_row_label(const struct cprof_compare_row *r, char *buf, size_t len);
/* "+12.5%", "new" (absent before) or "gone" (zero after). */
const char *cprof_compare_format_delta(const struct cprof_compare_row *r, char *buf, size_t len);
/* The summary line: "request p99 -38% (p=0.002); ..." or why there is none. */
void cprof_compare_summary(const struct cprof_compare *c, char *buf, size_t len);
/* "runs", "slices" or "none". */
const char *cprof_compare_test_name(enum cprof_compare_test t);
/* One sentence on which test decided and why. */
void cprof_compare_test_note(const struct cprof_compare *c, char *buf, size_t len);
/* A row as `compare --json` prints it (a new reference, NULL when out of
 * memory); the traced program's strings go through cprof_json_text
 * (common/text.h), which repairs bytes that are not UTF-8. */
json_t *cprof_compare_row_json(const struct cprof_compare_row *r);

#endif /* CPROF_COMPARE_H */
