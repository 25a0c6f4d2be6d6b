/*
 * cprof-trace compare [options] OLD... -- NEW...
 *
 * Did a change help, and is the difference real? Reads each trace, boils
 * it down (analysis/compare.h), and prints one row per type, metric and
 * top function with the change and its significance, benchstat's way: `~`
 * when the difference is not significant. --json gives the same rows to
 * scripts (the shape is a contract: keys are added, never removed).
 */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare.h"
#include "analysis/stattest.h"
#include "cmds.h"
#include "common/cli.h"
#include "common/text.h"
#include "reader/reader.h"
#include "symbols/symbols.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cprof-trace compare [options] OLD... -- NEW...\n"
		"       cprof-trace compare [options] OLD NEW\n"
		"\n"
		"Compare runs before (OLD) and after (NEW) a change: for every region, task,\n"
		"blocking-call and wait type its count, total, p50, p90 and p99, and the top\n"
		"functions of the cpu, sync, mutex and heap profiles; the change in percent,\n"
		"a p-value, and '~' where the difference is not significant.\n"
		"\n"
		"Tests (benchstat's): Mann-Whitney U, exact up to 50 values a side. Across\n"
		"runs, over the per-run values (one per trace), when there are enough runs\n"
		"for that test to reach alpha after the correction (its smallest p is 0.1 for\n"
		"3+3 runs, 0.029 for 4+4; with 50 rows it takes 7+7). Otherwise the test is\n"
		"within runs: each run is cut into 10 time slices and each slice's\n"
		"value (its count, total, p50, p90, p99, function time) is one observation.\n"
		"Slices, not single items: items close in time share the machine's state, and\n"
		"a test over thousands of items finds every wobble between two runs\n"
		"significant. With one run a side it tells whether these two runs differ, not\n"
		"the programs. p-values are Holm-corrected over all rows. A row is significant\n"
		"when p < alpha, the change is at least --min-change, and for p50/p90/p99 the\n"
		"confidence interval of the change (order statistics of every item) excludes\n"
		"0. Old and new values are medians over runs (p50/p90/p99 with fewer than 4\n"
		"runs a side: the percentile of every item pooled). A type or function on one\n"
		"side only is marked new or gone.\n"
		"\n"
		"  --json             machine-readable output\n"
		"  --alpha A          significance level (default 0.05)\n"
		"  --min-change PCT   smaller changes are never significant (default 5)\n"
		"  --top N            functions per profile (default 10)\n"
		"  --from TIME --to TIME  only what began in that window of each trace\n"
		"                     (from its start, with a unit: 1.5s 20ms 300us 1000ns)\n"
		"  --all-processes    keep every process, not only the recorded tree\n");
}

struct opts {
	bool json;
	struct cprof_compare_options cmp;
	struct cprof_profile_filter filter;
	struct cprof_read_options read;
};

static int parse_number(const char *opt, const char *arg, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(arg, &end);

	if (end == arg || *end || !(v >= lo && v <= hi)) {
		fprintf(stderr, "cprof-trace: compare: %s: '%s' is not a number in [%g, %g]\n", opt,
			arg, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

/* Options first; returns -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct opts *o)
{
	enum { OPT_ALPHA = 256, OPT_MIN, OPT_TOP, OPT_FROM, OPT_TO, OPT_ALL };
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"alpha", required_argument, NULL, OPT_ALPHA},
	    {"min-change", required_argument, NULL, OPT_MIN},
	    {"top", required_argument, NULL, OPT_TOP},
	    {"from", required_argument, NULL, OPT_FROM},
	    {"to", required_argument, NULL, OPT_TO},
	    {"all-processes", no_argument, NULL, OPT_ALL},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	/* Options end at the first trace, so that "--" is ours to find. */
	static const struct cprof_cli cli = {
	    "compare", "jh", longopts, usage, true, 1, -1, "expected OLD... [--] NEW..."};
	struct cprof_profile_filter *f = &o->filter;
	double top;
	int c, status;

	optind = 1;
	while ((c = cprof_cli_next(&cli, argc, argv, &status)) != -1) {
		int bad = 0;
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case OPT_ALPHA:
			bad = parse_number("--alpha", optarg, 1e-12, 0.5, &o->cmp.alpha);
			break;
		case OPT_MIN:
			bad = parse_number("--min-change", optarg, 0, 1e9, &o->cmp.min_change_pct);
			break;
		case OPT_TOP:
			bad = parse_number("--top", optarg, 0, 10000, &top);
			o->cmp.top_functions = (size_t)top;
			break;
		case OPT_FROM:
			bad = !(f->has_from =
				    cprof_cli_duration(&cli, "--from", optarg, &f->from_ns));
			break;
		case OPT_TO:
			bad = !(f->has_to = cprof_cli_duration(&cli, "--to", optarg, &f->to_ns));
			break;
		case OPT_ALL:
			o->read.keep_all_processes = true;
			break;
		}
		if (bad)
			return 2;
	}
	return status;
}

/* Reads one trace and boils it down; the model is freed at once. */
static int load(const char *path, const struct opts *o, struct cprof_compare_run **run)
{
	struct cprof_model *model = NULL;
	struct cprof_symbolizer *sym = NULL;
	char err[8192];
	int rc = -1;

	if (cprof_read_trace(path, &o->read, &model, err, sizeof(err)) != CPROF_READ_OK) {
		fprintf(stderr, "cprof-trace: %s\n", err);
		return -1;
	}
	cprof_read_print_warnings(stderr, path, model);
	sym = cprof_symbolizer_create(model, NULL);
	if (!sym || cprof_compare_run_create(model, sym, &o->filter, run) != CPROF_COMPARE_OK)
		fprintf(stderr, "cprof-trace: %s: out of memory\n", path);
	else
		rc = 0;
	cprof_symbolizer_destroy(sym);
	cprof_model_destroy(model);
	return rc;
}

/* ---- text ---- */

static void print_text(const struct cprof_compare *c)
{
	char a[32], b[32], d[64], line[1024];

	cprof_compare_test_note(c, line, sizeof(line));
	printf("test: %s; alpha %g; changes under %g%% are ~\n\n", line, c->alpha,
	       c->min_change_pct);
	printf("%-7s %-28s %-8s %11s %11s %9s  %s\n", "kind", "name", "metric", "old", "new",
	       "delta", "p");
	for (size_t i = 0; i < c->rows.n; i++) {
		const struct cprof_compare_row *r = &c->rows.v[i];
		if (r->significant)
			cprof_compare_format_delta(r, d, sizeof(d));
		else if (strcmp(r->presence, "both"))
			snprintf(d, sizeof(d), "%s ~", r->presence);
		else
			snprintf(d, sizeof(d), "~");
		printf("%-7s %-28.60s %-8s %11s %11s %9s", cprof_compare_kind_name(r->kind),
		       r->name, cprof_compare_short_metric(r->metric),
		       cprof_compare_format_value(r->metric, r->old, a, 32),
		       cprof_compare_format_value(r->metric, r->new, b, 32), d);
		if (!isnan(r->p))
			printf("  (p=%.3f n=%zu+%zu %s)", r->p, r->n_old, r->n_new,
			       cprof_compare_test_name(r->test));
		if (!isnan(r->delta_lo))
			printf("  95%% CI %+.1f%% .. %+.1f%%", r->delta_lo, r->delta_hi);
		putchar('\n');
	}
	cprof_compare_summary(c, line, sizeof(line));
	printf("\nsummary: %s\n", line);
}

/* ---- JSON (jansson) ---- */

static json_t *paths(char **v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, cprof_json_text(v[i]));
	return a;
}

static int print_json(const struct cprof_compare *c, char **old, size_t nold, char **new,
		      size_t nnew, json_t *warnings)
{
	char note[1024], sum[1024];
	json_t *rows = json_array(), *root;
	int rc;

	cprof_compare_test_note(c, note, sizeof(note));
	cprof_compare_summary(c, sum, sizeof(sum));
	for (size_t i = 0; rows && i < c->rows.n; i++)
		if (json_array_append_new(rows, cprof_compare_row_json(&c->rows.v[i])))
			return -1;
	root = json_pack("{so so sI sI ss ss sf sf sI sb so so so}", "old", paths(old, nold), "new",
			 paths(new, nnew), "runs_old", (json_int_t)c->runs_old, "runs_new",
			 (json_int_t)c->runs_new, "test", note, "correction", "holm", "alpha",
			 c->alpha, "min_change_pct", c->min_change_pct, "tests",
			 (json_int_t)c->tests, "across_runs", c->across_runs, "warnings",
			 json_incref(warnings), "summary", cprof_json_text(sum), "rows", rows);
	if (!root)
		return -1;
	rc = json_dumpf(root, stdout, JSON_REAL_PRECISION(10));
	putchar('\n');
	json_decref(root);
	return rc;
}

/* ---- checks on the inputs ---- */

static void warn(json_t *warnings, const char *fmt, const char *a, const char *b)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), fmt, a, b);
	fprintf(stderr, "cprof-trace: compare: warning: %s\n", buf);
	json_array_append_new(warnings, cprof_json_text(buf));
}

static double mean_seconds(struct cprof_compare_run **runs, size_t n)
{
	double sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += (double)cprof_compare_run_duration(runs[i]) / 1e9;
	return n ? sum / (double)n : 0;
}

static void check_inputs(struct cprof_compare_run **old, size_t nold,
			 struct cprof_compare_run **new, size_t nnew, json_t *warnings)
{
	const char *prog = cprof_compare_run_program(old[0]);
	double a = mean_seconds(old, nold), b = mean_seconds(new, nnew);
	char sa[32], sb[32];

	for (size_t i = 0; i < nold + nnew; i++) {
		const char *p = cprof_compare_run_program(i < nold ? old[i] : new[i - nold]);
		if (strcmp(p, prog)) {
			warn(warnings,
			     "traces of different programs ('%s' and '%s'): compared anyway", prog,
			     p);
			break;
		}
	}
	if (a > 0 && b > 0 && (a / b > 1.1 || b / a > 1.1)) {
		snprintf(sa, sizeof(sa), "%.2f s", a);
		snprintf(sb, sizeof(sb), "%.2f s", b);
		warn(warnings,
		     "runs last %s (OLD) and %s (NEW) on average: counts, totals and function "
		     "times are per run, not per second",
		     sa, sb);
	}
}

/* Splits the operands (from argv[first]) at "--"; without one, exactly
 * OLD NEW, as benchstat takes old.txt new.txt. */
static int split_operands(int argc, char **argv, int first, char ***old, size_t *nold, char ***new,
			  size_t *nnew)
{
	int sep = -1;

	if (first > 1 && !strcmp(argv[first - 1], "--")) {
		fprintf(stderr, "cprof-trace: compare: no OLD traces before '--'\n");
		return -1;
	}
	for (int i = first; i < argc && sep < 0; i++)
		if (!strcmp(argv[i], "--"))
			sep = i;
	*old = argv + first;
	if (sep < 0) {
		if (argc - first != 2) {
			fprintf(
			    stderr,
			    "cprof-trace: compare: give OLD... -- NEW... (or exactly OLD NEW)\n");
			return -1;
		}
		*nold = *nnew = 1;
		*new = argv + first + 1;
		return 0;
	}
	*nold = (size_t)(sep - first);
	*new = argv + sep + 1;
	*nnew = (size_t)(argc - sep - 1);
	if (!*nold || !*nnew) {
		fprintf(stderr, "cprof-trace: compare: no %s traces (OLD... -- NEW...)\n",
			*nold ? "NEW" : "OLD");
		return -1;
	}
	return 0;
}

int cprof_cmd_compare(int argc, char **argv)
{
	struct opts o = {0};
	struct cprof_compare_run **runs = NULL;
	struct cprof_compare cmp = {0};
	char **old, **new;
	size_t nold, nnew, loaded = 0;
	json_t *warnings = json_array();
	int rc;

	cprof_compare_default_options(&o.cmp);
	rc = parse_options(argc, argv, &o);
	if (rc >= 0)
		goto end;
	rc = 2;
	if (split_operands(argc, argv, optind, &old, &nold, &new, &nnew)) {
		usage(stderr);
		goto end;
	}
	rc = 1;
	runs = calloc(nold + nnew, sizeof(*runs));
	if (!runs || !warnings)
		goto end;
	for (; loaded < nold + nnew; loaded++)
		if (load(loaded < nold ? old[loaded] : new[loaded - nold], &o, &runs[loaded]))
			goto end;
	check_inputs(runs, nold, runs + nold, nnew, warnings);
	if (cprof_compare_compute(runs, nold, runs + nold, nnew, &o.cmp, &cmp) !=
	    CPROF_COMPARE_OK) {
		fprintf(stderr, "cprof-trace: compare: out of memory\n");
		goto end;
	}
	if (!o.json) {
		print_text(&cmp);
	} else if (print_json(&cmp, old, nold, new, nnew, warnings)) {
		fprintf(stderr, "cprof-trace: compare: out of memory\n");
		goto end;
	}
	rc = fflush(stdout) == 0 ? 0 : 1;
end:
	cprof_compare_fini(&cmp);
	for (size_t i = 0; runs && i < loaded; i++)
		cprof_compare_run_destroy(runs[i]);
	free(runs);
	json_decref(warnings);
	return rc;
}
