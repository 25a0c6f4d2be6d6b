/*
 * Comparing runs (see compare.h): extraction of one run's series, then one
 * row per (kind, name, metric) with its test.
 */
#include "compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/profiles.h"
#include "analysis/stattest.h"
#include "symbols/hidx.h"

#define SLICES CPROF_COMPARE_SLICES

/* [from, to), absolute ns */
struct window {
	uint64_t from, to;
};

struct item {
	double v;
	uint32_t slice;
};

/* One type or function of one run. */
struct series {
	enum cprof_compare_kind kind;
	char *name;
	CPROF_VEC(struct item) items; /* durations, by slice then value */
	double *sorted;		      /* the same values, sorted */
	size_t first[SLICES + 1];     /* slice k: items.v[first[k] .. first[k+1]) */
	double count[SLICES], total[SLICES];
	double run_count, run_total;
};

struct cprof_compare_run {
	char *program;
	uint64_t duration_ns;
	struct window profiles, items; /* cut in SLICES */
	CPROF_VEC(struct series) series;
	struct cprof_hidx index;
};

static const char *const kind_names[CPROF_CMP_KINDS] = {
    "region", "task", "call", "wait", "cpu", "sync", "mutex", "heap",
};

const char *cprof_compare_kind_name(enum cprof_compare_kind kind)
{
	return kind < CPROF_CMP_KINDS ? kind_names[kind] : "?";
}

static bool is_profile_kind(enum cprof_compare_kind kind)
{
	return kind >= CPROF_CMP_CPU;
}

void cprof_compare_default_options(struct cprof_compare_options *o)
{
	o->alpha = 0.05;
	o->min_change_pct = 5;
	o->top_functions = 10;
	o->confidence = 0.95;
}

static uint64_t key_hash(enum cprof_compare_kind kind, const char *name)
{
	return cprof_hash_mix(cprof_hash_str(name), (uint64_t)kind);
}

struct key_query {
	const struct series *v;
	enum cprof_compare_kind kind;
	const char *name;
};

static bool series_eq(const void *ctx, uint32_t item)
{
	const struct key_query *q = ctx;
	return q->v[item].kind == q->kind && !strcmp(q->v[item].name, q->name);
}

static struct series *run_find(const struct cprof_compare_run *run, enum cprof_compare_kind kind,
			       const char *name)
{
	struct key_query q = {run->series.v, kind, name};
	uint32_t i = cprof_hidx_find(&run->index, key_hash(kind, name), series_eq, &q);
	return i == UINT32_MAX ? NULL : &run->series.v[i];
}

static struct series *run_get(struct cprof_compare_run *run, enum cprof_compare_kind kind,
			      const char *name)
{
	struct series *s = run_find(run, kind, name);

	if (s)
		return s;
	s = cprof_vec_push(&run->series);
	if (!s)
		return NULL;
	s->kind = kind;
	s->name = strdup(name);
	if (!s->name ||
	    cprof_hidx_insert(&run->index, key_hash(kind, name), (uint32_t)(run->series.n - 1))) {
		free(s->name);
		run->series.n--;
		return NULL;
	}
	return s;
}

/* The slice of the window holding `ns`, SLICES when outside. */
static uint32_t slice_of(const struct window *w, uint64_t ns)
{
	if (ns < w->from || ns >= w->to)
		return SLICES;
	return (uint32_t)((double)(ns - w->from) * SLICES / (double)(w->to - w->from));
}

/* Where an item [b, e) counts: at its begin, or of a snapshot, from its
 * window's start when it began before it; UINT64_MAX (no slice) when it
 * ended before it (snapwin.h), as stats and the profiles count it. */
static uint64_t item_begin(const struct cprof_model *m, uint64_t b, uint64_t e)
{
	uint64_t w = cprof_snapwin_from(m);

	switch (cprof_snapwin_cut(w, b, e)) {
	case CPROF_SNAPWIN_IN:
		return b;
	case CPROF_SNAPWIN_CLIPPED:
		return w;
	case CPROF_SNAPWIN_BEFORE:
		break;
	}
	return UINT64_MAX;
}

/*
 * The items' window: from the first to the last item begun in the user's
 * window. A run's start-up and shutdown (a cache filled before the first
 * request) would otherwise be slices of nothing on both sides, ties that
 * hide a change of rate.
 */
static void item_window(const struct cprof_model *m, struct cprof_compare_run *run)
{
	struct window all = run->profiles, w = {UINT64_MAX, 0};

#define SEE(b)                                                                                     \
	do {                                                                                       \
		if ((b) >= all.from && (b) < all.to) {                                             \
			w.from = (b) < w.from ? (b) : w.from;                                      \
			w.to = (b) + 1 > w.to ? (b) + 1 : w.to;                                    \
		}                                                                                  \
	} while (0)
	for (size_t i = 0; i < m->regions.n; i++)
		SEE(item_begin(m, m->regions.v[i].begin_ns, m->regions.v[i].end_ns));
	for (size_t i = 0; i < m->tasks.n; i++)
		SEE(item_begin(m, m->tasks.v[i].begin_ns, m->tasks.v[i].end_ns));
	for (size_t i = 0; i < m->syscalls.n; i++)
		SEE(item_begin(m, m->syscalls.v[i].begin_ns, m->syscalls.v[i].end_ns));
	for (size_t i = 0; i < m->waits.n; i++)
		SEE(item_begin(m, m->waits.v[i].begin_ns, m->waits.v[i].end_ns));
#undef SEE
	run->items = w.to > w.from ? w : all;
}

/* Adds an item of `kind` named `name` worth `value`, in `slice`; its value
 * is kept for the percentiles when `keep_item`. */
static int add_item(struct cprof_compare_run *run, enum cprof_compare_kind kind, const char *name,
		    uint32_t slice, double value, bool keep_item)
{
	struct series *s;

	if (slice >= SLICES)
		return 0;
	s = run_get(run, kind, name);
	if (!s)
		return -1;
	if (keep_item) {
		struct item *it = cprof_vec_push(&s->items);
		if (!it)
			return -1;
		*it = (struct item){value, slice};
	}
	s->count[slice]++;
	s->total[slice] += value;
	s->run_count++;
	s->run_total += value;
	return 0;
}

/* An ended item [b, e) in the slice where it began (item_begin), as
 * pprof's --from/--to select them, worth its duration from there. */
static int add_span(struct cprof_compare_run *run, const struct cprof_model *m,
		    enum cprof_compare_kind kind, const char *name, uint64_t b, uint64_t e)
{
	uint64_t from = item_begin(m, b, e);

	if (!e || from == UINT64_MAX)
		return 0;
	return add_item(run, kind, name, slice_of(&run->items, from),
			(double)(e > from ? e - from : 0), true);
}

static int extract_types(struct cprof_compare_run *run, const struct cprof_model *m)
{
	for (size_t i = 0; i < m->regions.n; i++) {
		const struct cprof_region *r = &m->regions.v[i];
		if (add_span(run, m, CPROF_CMP_REGION, cprof_model_str(m, r->type), r->begin_ns,
			     r->end_ns))
			return -1;
	}
	for (size_t i = 0; i < m->tasks.n; i++) {
		const struct cprof_task *t = &m->tasks.v[i];
		if (add_span(run, m, CPROF_CMP_TASK, cprof_model_str(m, t->type), t->begin_ns,
			     t->end_ns))
			return -1;
	}
	for (size_t i = 0; i < m->syscalls.n; i++) {
		const struct cprof_syscall *c = &m->syscalls.v[i];
		if (add_span(run, m, CPROF_CMP_CALL, cprof_call_name(c->call), c->begin_ns,
			     c->end_ns))
			return -1;
	}
	for (size_t i = 0; i < m->waits.n; i++) {
		const struct cprof_wait *w = &m->waits.v[i];
		if (add_span(run, m, CPROF_CMP_WAIT, cprof_wait_kind_name(w->kind), w->begin_ns,
			     w->end_ns))
			return -1;
	}
	return 0;
}

/*
 * Frames that are the mechanism rather than the culprit: the lock and
 * allocator entry points, libc's sleeps and our own wrappers. A profile
 * row goes to the first frame from the leaf that is none of these, as Go's
 * profiles start at the user's frame (and as the walkthroughs read pprof
 * with -hide).
 */
static bool is_plumbing(const char *f)
{
	static const char *const prefixes[] = {
	    "pthread_",		 "__pthread", "___pthread", "__lll_", "lll_",
	    "__futex",		 "futex_",    "sem_",	    "cprof_", "__GI_",
	    "__clock_nanosleep",
	};
	static const char *const names[] = {
	    "malloc",	      "calloc",	       "realloc",     "reallocarray",	 "free",
	    "posix_memalign", "aligned_alloc", "memalign",    "valloc",		 "strdup",
	    "__strdup",	      "nanosleep",     "__nanosleep", "clock_nanosleep", "(no stack)",
	};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++)
		if (!strncmp(f, prefixes[i], strlen(prefixes[i])))
			return true;
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (!strcmp(f, names[i]))
			return true;
	return strstr(f, "cprof-trace-preload") || strstr(f, "cprof_preload");
}

/* The name of the first non-plumbing frame of a sample (the leaf's when
 * every frame is plumbing). */
static const char *culprit(const struct cprof_profile *p, const struct cprof_profile_sample *s)
{
	const char *leaf = NULL;

	for (uint32_t i = 0; i < s->nlocs; i++) {
		const struct cprof_profile_location *loc =
		    &p->locations.v[p->sample_locs.v[s->first_loc + i] - 1];
		for (uint32_t k = 0; k < loc->nlines; k++) {
			const struct cprof_profile_line *ln = &p->lines.v[loc->first_line + k];
			const char *f = cprof_profile_str(p, p->functions.v[ln->function - 1].name);
			if (!leaf)
				leaf = f;
			if (!is_plumbing(f))
				return f;
		}
	}
	return leaf ? leaf : "(no stack)";
}

static const struct {
	enum cprof_profile_type type;
	const char *value;
} profile_of[] = {
    [CPROF_CMP_CPU] = {CPROF_PROFILE_CPU, "cpu"},
    [CPROF_CMP_SYNC] = {CPROF_PROFILE_SYNC, "delay"},
    [CPROF_CMP_MUTEX] = {CPROF_PROFILE_MUTEX, "delay"},
    [CPROF_CMP_HEAP] = {CPROF_PROFILE_HEAP, "alloc_space"},
};

/* One slice of one profile kind: the profile of that window, each
 * sample's value to its culprit function. */
static int extract_profile(struct cprof_compare_run *run, const struct cprof_model *m,
			   struct cprof_symbolizer *sym, const struct cprof_profile_filter *user,
			   enum cprof_compare_kind kind, uint32_t slice)
{
	struct cprof_profile_filter f = user ? *user : (struct cprof_profile_filter){0};
	struct cprof_profile *p = NULL;
	struct cprof_profiles_report rep;
	enum cprof_profiles_status ps;
	uint64_t span = run->profiles.to - run->profiles.from;
	int vi, rc = 0;

	f.has_from = f.has_to = true;
	f.from_ns = run->profiles.from - m->begin_ns + span * slice / SLICES;
	f.to_ns = run->profiles.from - m->begin_ns + span * (slice + 1) / SLICES;
	ps = cprof_profile_build(m, sym, profile_of[kind].type, &f, &p, &rep);
	if (ps == CPROF_PROFILES_NOMEM)
		return -1;
	if (ps != CPROF_PROFILES_OK)
		return 0; /* nothing of that kind then */
	vi = cprof_profile_sample_type_index(p, profile_of[kind].value);
	for (size_t i = 0; vi >= 0 && i < p->samples.n && !rc; i++) {
		int64_t v = cprof_profile_sample_values(p, i)[vi];
		if (v)
			rc = add_item(run, kind, culprit(p, &p->samples.v[i]), slice, (double)v,
				      false);
	}
	cprof_profile_destroy(p);
	return rc;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	if (x->slice != y->slice)
		return x->slice < y->slice ? -1 : 1;
	return x->v < y->v ? -1 : x->v > y->v;
}

/* Sorts a series' items by slice then value, and a copy by value. */
static int finish_series(struct series *s)
{
	size_t n = s->items.n, k = 0;

	qsort(s->items.v, n, sizeof(*s->items.v), item_cmp);
	s->sorted = malloc((n ? n : 1) * sizeof(*s->sorted));
	if (!s->sorted)
		return -1;
	for (uint32_t sl = 0; sl <= SLICES; sl++) {
		s->first[sl] = k;
		while (sl < SLICES && k < n && s->items.v[k].slice == sl)
			k++;
	}
	for (size_t i = 0; i < n; i++)
		s->sorted[i] = s->items.v[i].v;
	qsort(s->sorted, n, sizeof(*s->sorted), dbl_cmp);
	return 0;
}

enum cprof_compare_status cprof_compare_run_create(const struct cprof_model *m,
						   struct cprof_symbolizer *sym,
						   const struct cprof_profile_filter *f,
						   struct cprof_compare_run **out)
{
	struct cprof_compare_run *run = calloc(1, sizeof(*run));

	*out = NULL;
	if (!run)
		return CPROF_COMPARE_NOMEM;
	run->duration_ns = m->end_ns > m->begin_ns ? m->end_ns - m->begin_ns : 0;
	run->program = strdup(m->processes.n ? cprof_model_str(m, m->processes.v[0].name) : "");
	if (!run->program)
		goto error;
	run->profiles.from = m->begin_ns + (f && f->has_from ? f->from_ns : 0);
	/* of a snapshot, its window (snapwin.h), as stats and the profiles */
	if (cprof_snapwin_from(m) > run->profiles.from)
		run->profiles.from = cprof_snapwin_from(m);
	run->profiles.to = f && f->has_to && m->begin_ns + f->to_ns < m->end_ns
			       ? m->begin_ns + f->to_ns
			       : m->end_ns + 1;
	if (run->profiles.to <= run->profiles.from)
		run->profiles.to = run->profiles.from + 1;
	item_window(m, run);
	if (extract_types(run, m))
		goto error;
	for (int k = CPROF_CMP_CPU; k < CPROF_CMP_KINDS; k++)
		for (uint32_t sl = 0; sl < SLICES; sl++)
			if (extract_profile(run, m, sym, f, (enum cprof_compare_kind)k, sl))
				goto error;
	for (size_t i = 0; i < run->series.n; i++)
		if (finish_series(&run->series.v[i]))
			goto error;
	*out = run;
	return CPROF_COMPARE_OK;
error:
	cprof_compare_run_destroy(run);
	return CPROF_COMPARE_NOMEM;
}

void cprof_compare_run_destroy(struct cprof_compare_run *run)
{
	if (!run)
		return;
	for (size_t i = 0; i < run->series.n; i++) {
		free(run->series.v[i].name);
		free(run->series.v[i].sorted);
		cprof_vec_free(&run->series.v[i].items);
	}
	cprof_vec_free(&run->series);
	cprof_hidx_free(&run->index);
	free(run->program);
	free(run);
}

const char *cprof_compare_run_program(const struct cprof_compare_run *run)
{
	return run->program;
}

uint64_t cprof_compare_run_duration(const struct cprof_compare_run *run)
{
	return run->duration_ns;
}

/* ---- comparison ---- */

enum metric { M_COUNT, M_TOTAL, M_P50, M_P90, M_P99, M_VALUE };

static const char *metric_name(enum cprof_compare_kind kind, enum metric m)
{
	static const char *const names[] = {"count", "total_ns", "p50_ns", "p90_ns", "p99_ns"};

	if (m != M_VALUE)
		return names[m];
	return kind == CPROF_CMP_CPU	? "cpu_ns"
	       : kind == CPROF_CMP_HEAP ? "alloc_bytes"
					: "delay_ns";
}

static bool is_quantile(enum metric m)
{
	return m == M_P50 || m == M_P90 || m == M_P99;
}

static double quantile_of(enum metric m)
{
	return m == M_P50 ? 0.5 : m == M_P90 ? 0.9 : 0.99;
}

/* The nearest rank (1-based) of a percentile among n values, as `stats`
 * computes its percentiles. */
static size_t rank_of(size_t n, enum metric m)
{
	size_t rank = (n * (m == M_P50 ? 50 : m == M_P90 ? 90 : 99) + 99) / 100;
	return rank ? rank : 1;
}

static double nearest_rank(const double *sorted, size_t n, enum metric m)
{
	return n ? sorted[rank_of(n, m) - 1] : NAN;
}

/* A run's value of a metric; NaN when it has none (no item: no percentile). */
static double run_value(const struct series *s, enum metric m)
{
	if (is_quantile(m))
		return s ? nearest_rank(s->sorted, s->items.n, m) : NAN;
	if (!s)
		return 0;
	return m == M_COUNT ? s->run_count : s->run_total;
}

/* A slice's value; NaN when it has none. */
static double slice_value(const struct series *s, uint32_t sl, enum metric m)
{
	if (is_quantile(m)) {
		size_t n = s ? s->first[sl + 1] - s->first[sl] : 0;
		/* items are sorted by value within their slice */
		return n ? s->items.v[s->first[sl] + rank_of(n, m) - 1].v : NAN;
	}
	if (!s)
		return 0;
	return m == M_COUNT ? s->count[sl] : s->total[sl];
}

struct side {
	struct cprof_compare_run *const *runs;
	size_t n;
};

/* Everything a row's test needs from one side, each array sorted. */
struct sample {
	double *runs; /* per-run values */
	size_t nruns;
	double *slices; /* per-slice values of every run */
	size_t nslices;
	double *items; /* p50/p90/p99: every item's duration, pooled */
	size_t nitems;
	bool present;
};

static void sample_free(struct sample *s)
{
	free(s->runs);
	free(s->slices);
	free(s->items);
	memset(s, 0, sizeof(*s));
}

static int gather(const struct side *side, enum cprof_compare_kind kind, const char *name,
		  enum metric m, struct sample *out)
{
	size_t nitems = 0;

	memset(out, 0, sizeof(*out));
	for (size_t r = 0; r < side->n; r++) {
		const struct series *s = run_find(side->runs[r], kind, name);
		out->present |= s != NULL;
		nitems += is_quantile(m) && s ? s->items.n : 0;
	}
	out->runs = malloc((side->n ? side->n : 1) * sizeof(double));
	out->slices = malloc((side->n ? side->n : 1) * SLICES * sizeof(double));
	out->items = malloc((nitems ? nitems : 1) * sizeof(double));
	if (!out->runs || !out->slices || !out->items)
		return -1;
	for (size_t r = 0; r < side->n; r++) {
		const struct series *s = run_find(side->runs[r], kind, name);
		double v = run_value(s, m);
		if (!isnan(v))
			out->runs[out->nruns++] = v;
		for (uint32_t sl = 0; sl < SLICES; sl++) {
			v = slice_value(s, sl, m);
			if (!isnan(v))
				out->slices[out->nslices++] = v;
		}
		if (is_quantile(m) && s && s->items.n) {
			memcpy(out->items + out->nitems, s->sorted, s->items.n * sizeof(double));
			out->nitems += s->items.n;
		}
	}
	qsort(out->runs, out->nruns, sizeof(double), dbl_cmp);
	qsort(out->slices, out->nslices, sizeof(double), dbl_cmp);
	qsort(out->items, out->nitems, sizeof(double), dbl_cmp);
	return 0;
}

static double median(const double *sorted, size_t n)
{
	if (!n)
		return NAN;
	return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/* The order-statistic interval of the q-quantile of a sorted sample. */
static void interval(const double *sorted, size_t n, double q, double conf, double *lo, double *hi)
{
	struct cprof_quantile_ci ci;

	*lo = *hi = NAN;
	if (!n)
		return;
	cprof_quantile_ci(n, q, conf, &ci);
	if (ci.lo >= 1 && ci.hi <= n) {
		*lo = sorted[ci.lo - 1];
		*hi = sorted[ci.hi - 1];
	}
}

static double pct_change(double old, double new)
{
	if (isnan(old) || isnan(new))
		return NAN;
	if (old == 0)
		return new == 0 ? 0 : NAN;
	return (new - old) / old * 100;
}

/* p of one test, NaN when there is none (a side without values). */
static double test_p(const double *x, size_t nx, const double *y, size_t ny, bool *nomem)
{
	struct cprof_utest_result r;
	enum cprof_utest_status st = cprof_utest(x, nx, y, ny, &r);

	if (st == CPROF_UTEST_NOMEM)
		*nomem = true;
	return st == CPROF_UTEST_OK || st == CPROF_UTEST_ALL_EQUAL ? r.p : NAN;
}

static int fill_row(const struct side *old, const struct side *new, enum cprof_compare_kind kind,
		    const char *name, enum metric m, bool across,
		    const struct cprof_compare_options *o, struct cprof_compare_row *row)
{
	struct sample a = {0}, b = {0};
	bool nomem = false;
	double q = is_quantile(m) ? quantile_of(m) : 0.5;
	/* each side at sqrt(confidence): the change's interval, from both,
	 * then covers at least `confidence` (independent sides) */
	double conf = sqrt(o->confidence);

	memset(row, 0, sizeof(*row));
	row->kind = kind;
	row->metric = metric_name(kind, m);
	row->name = strdup(name);
	row->p = row->p_raw = row->p_runs = row->p_items = NAN;
	row->old_lo = row->old_hi = row->new_lo = row->new_hi = row->delta_lo = row->delta_hi = NAN;
	if (!row->name || gather(old, kind, name, m, &a) || gather(new, kind, name, m, &b)) {
		sample_free(&a);
		sample_free(&b);
		return -1;
	}
	row->presence = a.present && b.present ? "both" : a.present ? "gone" : "new";
	row->old = median(a.runs, a.nruns);
	row->new = median(b.runs, b.nruns);
	if (a.nruns >= 2 && b.nruns >= 2)
		row->p_runs = test_p(a.runs, a.nruns, b.runs, b.nruns, &nomem);
	/* A type or function on one side only is listed as new or gone; its
	 * count, total or time is 0 on the other side and still tested, its
	 * percentiles are not. */
	if ((!a.present || !b.present) && is_quantile(m)) {
		row->old = a.present ? row->old : NAN;
		row->new = b.present ? row->new : NAN;
	} else if (across) {
		row->test = CPROF_CMP_TEST_RUNS;
		row->p_raw = row->p_runs;
		row->n_old = a.nruns;
		row->n_new = b.nruns;
		interval(a.runs, a.nruns, 0.5, conf, &row->old_lo, &row->old_hi);
		interval(b.runs, b.nruns, 0.5, conf, &row->new_lo, &row->new_hi);
	} else {
		row->test = CPROF_CMP_TEST_SLICES;
		row->p_raw = test_p(a.slices, a.nslices, b.slices, b.nslices, &nomem);
		row->n_old = a.nslices;
		row->n_new = b.nslices;
	}
	if (a.present && b.present && is_quantile(m)) {
		/* every item, pooled: the value is the pooled percentile, its
		 * interval from order statistics */
		row->p_items = test_p(a.items, a.nitems, b.items, b.nitems, &nomem);
		if (!across) {
			row->old = nearest_rank(a.items, a.nitems, m);
			row->new = nearest_rank(b.items, b.nitems, m);
			interval(a.items, a.nitems, q, conf, &row->old_lo, &row->old_hi);
			interval(b.items, b.nitems, q, conf, &row->new_lo, &row->new_hi);
		}
	}
	row->delta_pct = pct_change(row->old, row->new);
	if (!isnan(row->old_lo) && !isnan(row->new_lo) && row->old_lo > 0) {
		row->delta_lo = (row->new_lo / row->old_hi - 1) * 100;
		row->delta_hi = (row->new_hi / row->old_lo - 1) * 100;
	}
	sample_free(&a);
	sample_free(&b);
	return nomem ? -1 : 0;
}

/* A (kind, name) seen in any run; `score` ranks profile functions. */
struct key {
	enum cprof_compare_kind kind;
	const char *name; /* borrowed from a run */
	double score;
	bool keep;
};

struct key_set {
	CPROF_VEC(struct key) v;
	struct cprof_hidx index;
};

struct key_lookup {
	const struct key *v;
	enum cprof_compare_kind kind;
	const char *name;
};

static bool key_eq(const void *ctx, uint32_t item)
{
	const struct key_lookup *q = ctx;
	return q->v[item].kind == q->kind && !strcmp(q->v[item].name, q->name);
}

static int collect_keys(const struct side *side, struct key_set *keys)
{
	for (size_t r = 0; r < side->n; r++) {
		const struct cprof_compare_run *run = side->runs[r];
		for (size_t i = 0; i < run->series.n; i++) {
			const struct series *s = &run->series.v[i];
			struct key_lookup q = {keys->v.v, s->kind, s->name};
			uint64_t h = key_hash(s->kind, s->name);
			struct key *k;
			if (cprof_hidx_find(&keys->index, h, key_eq, &q) != UINT32_MAX)
				continue;
			k = cprof_vec_push(&keys->v);
			if (!k || cprof_hidx_insert(&keys->index, h, (uint32_t)(keys->v.n - 1)))
				return -1;
			k->kind = s->kind;
			k->name = s->name;
			k->keep = !is_profile_kind(s->kind);
		}
	}
	return 0;
}

/* Mean per run of a function's value on one side (absent runs count 0). */
static double side_mean(const struct side *side, const struct key *k)
{
	double sum = 0;

	for (size_t r = 0; r < side->n; r++) {
		const struct series *s = run_find(side->runs[r], k->kind, k->name);
		sum += s ? s->run_total : 0;
	}
	return side->n ? sum / (double)side->n : 0;
}

static int key_rank_cmp(const void *a, const void *b)
{
	const struct key *x = *(const struct key *const *)a, *y = *(const struct key *const *)b;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return strcmp(x->name, y->name);
}

/*
 * Keeps the top functions of each profile kind, by the larger side, if
 * they hold at least PICK_MIN of that side's total: below, a function
 * is a sample or two (a CPU profile's 0-vs-1-sample rows are noise).
 */
#define PICK_MIN 0.02

static int pick_functions(const struct side *old, const struct side *new, struct key_set *keys,
			  size_t top)
{
	struct key **order = malloc((keys->v.n ? keys->v.n : 1) * sizeof(*order));
	double sum[CPROF_CMP_KINDS][2] = {{0}};
	size_t rank = 0;

	if (!order)
		return -1;
	for (size_t i = 0; i < keys->v.n; i++) {
		struct key *k = &keys->v.v[i];
		double a = side_mean(old, k), b = side_mean(new, k);
		k->score = a > b ? a : b;
		sum[k->kind][0] += a;
		sum[k->kind][1] += b;
		order[i] = k;
	}
	qsort(order, keys->v.n, sizeof(*order), key_rank_cmp);
	for (size_t i = 0; i < keys->v.n; i++) {
		struct key *k = order[i];
		double most = sum[k->kind][0] > sum[k->kind][1] ? sum[k->kind][0] : sum[k->kind][1];
		if (i && k->kind != order[i - 1]->kind)
			rank = 0;
		if (is_profile_kind(k->kind))
			k->keep = rank++ < top && k->score >= PICK_MIN * most;
	}
	free(order);
	return 0;
}

/* Significant rows first, then by p (untested last), then by size. */
static int row_cmp(const void *a, const void *b)
{
	const struct cprof_compare_row *x = a, *y = b;
	double px = isnan(x->p) ? 2 : x->p, py = isnan(y->p) ? 2 : y->p;
	double dx = isnan(x->delta_pct) ? HUGE_VAL : fabs(x->delta_pct);
	double dy = isnan(y->delta_pct) ? HUGE_VAL : fabs(y->delta_pct);

	if (x->significant != y->significant)
		return x->significant ? -1 : 1;
	if (px != py)
		return px < py ? -1 : 1;
	if (dx != dy)
		return dx > dy ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (strcmp(x->name, y->name))
		return strcmp(x->name, y->name);
	return strcmp(x->metric, y->metric);
}

/* Holm over every tested row, then the significance rule of compare.h. */
static int decide(struct cprof_compare *cmp, const struct cprof_compare_options *o)
{
	size_t n = cmp->rows.n;
	double *p = malloc((n ? n : 1) * sizeof(*p));
	/* One run a side holds nothing of the run-to-run variation a change
	 * must stand out from: report, never conclude (see compare.h). */
	bool replicated = cmp->runs_old >= 2 && cmp->runs_new >= 2;

	if (!p)
		return -1;
	for (size_t i = 0; i < n; i++) {
		p[i] = cmp->rows.v[i].p_raw;
		cmp->tests += !isnan(p[i]);
	}
	if (!cprof_holm(p, n)) {
		free(p);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct cprof_compare_row *r = &cmp->rows.v[i];
		bool ci_ok = isnan(r->delta_lo) || r->delta_lo > 0 || r->delta_hi < 0;
		/* from 0 to something: an infinite change */
		bool big = isnan(r->delta_pct) ? r->old == 0 && r->new > 0
					       : fabs(r->delta_pct) >= o->min_change_pct;
		r->p = p[i];
		r->significant = replicated && !isnan(r->p) && r->p < o->alpha && big && ci_ok;
	}
	free(p);
	qsort(cmp->rows.v, n, sizeof(*cmp->rows.v), row_cmp);
	return 0;
}

static void free_rows(struct cprof_compare *cmp)
{
	for (size_t i = 0; i < cmp->rows.n; i++)
		free(cmp->rows.v[i].name);
	cmp->rows.n = 0;
}

static int build_rows(const struct side *a, const struct side *b, const struct key_set *keys,
		      const struct cprof_compare_options *o, struct cprof_compare *cmp)
{
	free_rows(cmp);
	for (size_t i = 0; i < keys->v.n; i++) {
		const struct key *k = &keys->v.v[i];
		bool fn = is_profile_kind(k->kind);
		if (!k->keep)
			continue;
		for (int m = fn ? M_VALUE : M_COUNT; m <= (fn ? M_VALUE : M_P99); m++) {
			struct cprof_compare_row *row = cprof_vec_push(&cmp->rows);
			if (!row)
				return -1;
			if (fill_row(a, b, k->kind, k->name, (enum metric)m, cmp->across_runs, o,
				     row)) {
				free(row->name);
				cmp->rows.n--;
				return -1;
			}
		}
	}
	return 0;
}

static size_t count_tests(const struct cprof_compare *cmp)
{
	size_t n = 0;

	for (size_t i = 0; i < cmp->rows.n; i++)
		n += !isnan(cmp->rows.v[i].p_raw);
	return n;
}

enum cprof_compare_status cprof_compare_compute(struct cprof_compare_run *const *old, size_t nold,
						struct cprof_compare_run *const *new, size_t nnew,
						const struct cprof_compare_options *o,
						struct cprof_compare *cmp)
{
	const struct side a = {old, nold}, b = {new, nnew};
	struct key_set keys = {0};

	memset(cmp, 0, sizeof(*cmp));
	cmp->runs_old = nold;
	cmp->runs_new = nnew;
	cmp->alpha = o->alpha;
	cmp->min_change_pct = o->min_change_pct;
	if (collect_keys(&a, &keys) || collect_keys(&b, &keys) ||
	    pick_functions(&a, &b, &keys, o->top_functions) || build_rows(&a, &b, &keys, o, cmp))
		goto error;
	/*
	 * benchstat's test across runs, when it can reach alpha at all once
	 * corrected for the number of tests: its smallest p, 2 / C(n+m, n),
	 * is 0.029 for 4+4 runs, so with 50 rows it takes 7+7.
	 */
	if (nold >= 2 && nnew >= 2 &&
	    cprof_utest_min_p(nold, nnew) * (double)count_tests(cmp) <= o->alpha) {
		cmp->across_runs = true;
		if (build_rows(&a, &b, &keys, o, cmp))
			goto error;
	}
	if (decide(cmp, o))
		goto error;
	cprof_vec_free(&keys.v);
	cprof_hidx_free(&keys.index);
	return CPROF_COMPARE_OK;
error:
	cprof_vec_free(&keys.v);
	cprof_hidx_free(&keys.index);
	cprof_compare_fini(cmp);
	return CPROF_COMPARE_NOMEM;
}

void cprof_compare_fini(struct cprof_compare *cmp)
{
	free_rows(cmp);
	cprof_vec_free(&cmp->rows);
}
