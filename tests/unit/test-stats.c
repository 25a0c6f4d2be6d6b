/*
 * The statistics of cprof-trace stats against a straightforward reference:
 * per key, the durations sorted, nearest-rank percentiles read off the
 * sorted array, the histogram counted bucket by bucket. Random models of
 * tasks, regions, waits, blocking calls and logs with many duplicate
 * durations, several keys, unended items, keys with no ended item, keys
 * of one item, keys of one repeated value, and durations past 32 bits;
 * then region statistics over random windows (cprof_stats_regions); then
 * the same models as flight-recorder snapshots with a window from a random
 * instant, against the items clipped by hand: one that ended before the
 * window gone, one begun before it begun at its start (snapwin.h); the
 * critical paths of their tasks and regions (critpath.h) likewise.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/critpath.h"
#include "analysis/stats.h"
#include "ui-check.h"

#define T0 1000000000000ull
#define NONE UINT64_MAX /* no duration: never ended */
#define NKEYS 8
#define NSTACKS 300	/* more than the first hash table holds */
#define FAR_KEYS 100000 /* stacks from here on: past a direct table's keys */

static void need(bool ok)
{
	if (!ok) {
		fprintf(stderr, "test-stats: out of memory\n");
		exit(1);
	}
}

static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(uint64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? rng % n : 0;
}

/* How the durations of one key are drawn. */
enum shape {
	FEW_VALUES, /* 0..19 ns: mostly duplicates */
	WIDE,	    /* up to 2^40 ns: past 32 bits */
	SAME,	    /* one value repeated */
	UNENDED,    /* none ended */
	MIXED,	    /* duplicates with rare huge outliers */
	CLUSTER,    /* many values, close together: in a few histogram buckets */
	NSHAPES,
};

static uint64_t draw(enum shape s, uint32_t key)
{
	switch (s) {
	case FEW_VALUES:
		return rnd(20);
	case WIDE:
		return rnd(1ull << 40);
	case SAME:
		return 1000 + key;
	case UNENDED:
		return NONE;
	case CLUSTER:
		return 100000 + rnd(3000);
	default:
		return rnd(100) ? 1000 + rnd(5) * 1000 : (1ull << 33) + rnd(3);
	}
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static unsigned bucket(uint64_t ns)
{
	unsigned k = 0;
	/* bucket k: [2^(k+4), 2^(k+5)); the first and the last are open */
	while (k + 1 < CPROF_STATS_HIST && ns >= (1ull << (k + 5)))
		k++;
	return k;
}

/* The smallest value with at least p% of the n sorted values at or below. */
static uint64_t nearest(const uint64_t *sorted, size_t n, unsigned p)
{
	size_t rank = 1;
	while (rank * 100 < n * p)
		rank++;
	return sorted[rank - 1];
}

/* The reference distribution of the items of `keys`/`ns` with key `key`. */
static struct cprof_stats_dist ref_dist(const uint32_t *keys, const uint64_t *ns, size_t n,
					uint32_t key)
{
	struct cprof_stats_dist d = {.key = key};
	uint64_t *v = malloc((n ? n : 1) * sizeof(*v));
	size_t k = 0;

	need(v);
	for (size_t i = 0; i < n; i++) {
		if (keys[i] != key)
			continue;
		if (ns[i] == NONE) {
			d.unended++;
			continue;
		}
		v[k++] = ns[i];
		d.total_ns += ns[i];
		d.hist[bucket(ns[i])]++;
	}
	qsort(v, k, sizeof(*v), u64_cmp);
	d.count = k;
	if (k) {
		d.p50_ns = nearest(v, k, 50);
		d.p90_ns = nearest(v, k, 90);
		d.p99_ns = nearest(v, k, 99);
		d.max_ns = v[k - 1];
	}
	free(v);
	return d;
}

static void check_dist(const char *what, const struct cprof_stats_dist *got,
		       const struct cprof_stats_dist *want)
{
	CHECK(got->count == want->count && got->unended == want->unended,
	      "%s key %u: count %" PRIu64 " unended %" PRIu64 ", want %" PRIu64 " %" PRIu64, what,
	      want->key, got->count, got->unended, want->count, want->unended);
	CHECK(got->total_ns == want->total_ns && got->max_ns == want->max_ns,
	      "%s key %u: total or max differ", what, want->key);
	CHECK(got->p50_ns == want->p50_ns && got->p90_ns == want->p90_ns &&
		  got->p99_ns == want->p99_ns,
	      "%s key %u (n %" PRIu64 "): p50/90/99 %" PRIu64 " %" PRIu64 " %" PRIu64
	      ", want %" PRIu64 " %" PRIu64 " %" PRIu64,
	      what, want->key, want->count, got->p50_ns, got->p90_ns, got->p99_ns, want->p50_ns,
	      want->p90_ns, want->p99_ns);
	CHECK(!memcmp(got->hist, want->hist, sizeof(got->hist)), "%s key %u: histogram", what,
	      want->key);
}

/*
 * got[0, ngot) against the reference for every key present among the
 * items, in name order (`m`) or key order (NULL).
 */
static void check_dists(const char *what, const struct cprof_model *m,
			const struct cprof_stats_dist *got, size_t ngot, const uint32_t *keys,
			const uint64_t *ns, size_t n)
{
	size_t present = 0;

	for (uint32_t key = 0; key < 64; key++) {
		size_t i, j;
		for (i = 0; i < n && keys[i] != key; i++)
			;
		if (i == n)
			continue;
		present++;
		for (j = 0; j < ngot && got[j].key != key; j++)
			;
		CHECK(j < ngot, "%s: key %u missing", what, key);
		if (j == ngot)
			continue;
		struct cprof_stats_dist want = ref_dist(keys, ns, n, key);
		check_dist(what, &got[j], &want);
	}
	CHECK(ngot == present, "%s: %zu groups, want %zu", what, ngot, present);
	for (size_t j = 1; j < ngot; j++)
		CHECK(m ? strcmp(cprof_model_str(m, got[j - 1].key),
				 cprof_model_str(m, got[j].key)) < 0
			: got[j - 1].key < got[j].key,
		      "%s: not in order at %zu", what, j);
}

/* The top stacks by delay of ended items: count and delay, ties by stack. */
static void check_top(const char *what, const struct cprof_stats_stack *got, size_t ngot,
		      const uint32_t *keys, const uint64_t *ns, size_t n)
{
	static struct cprof_stats_stack all[2 * NSTACKS];
	static bool seen[2 * NSTACKS];
	size_t nall = 0;

	memset(seen, 0, sizeof(seen));
	for (uint32_t r = 0; r < 2 * NSTACKS; r++)
		all[r] = (struct cprof_stats_stack){r < NSTACKS ? r : FAR_KEYS + r - NSTACKS, 0, 0};
	for (size_t i = 0; i < n; i++) {
		uint32_t r = keys[i] < NSTACKS ? keys[i] : NSTACKS + keys[i] - FAR_KEYS;
		seen[r] = true;
		if (ns[i] != NONE) {
			all[r].count++;
			all[r].delay_ns += ns[i];
		}
	}
	for (uint32_t r = 0; r < 2 * NSTACKS; r++)
		if (seen[r])
			all[nall++] = all[r];
	/* selection of the top by hand: delay down, stack up */
	for (size_t i = 0; i < nall; i++)
		for (size_t j = i + 1; j < nall; j++)
			if (all[j].delay_ns > all[i].delay_ns ||
			    (all[j].delay_ns == all[i].delay_ns && all[j].stack < all[i].stack)) {
				struct cprof_stats_stack t = all[i];
				all[i] = all[j];
				all[j] = t;
			}
	size_t want = nall < CPROF_STATS_TOP ? nall : CPROF_STATS_TOP;
	CHECK(ngot == want, "%s: %zu stacks, want %zu", what, ngot, want);
	for (size_t i = 0; i < want && i < ngot; i++)
		CHECK(got[i].stack == all[i].stack && got[i].count == all[i].count &&
			  got[i].delay_ns == all[i].delay_ns,
		      "%s: stack %zu is %u, want %u", what, i, got[i].stack, all[i].stack);
}

struct items {
	uint32_t *keys, *stacks;
	uint64_t *ns, *begin;
	size_t n;
};

/* n items over NKEYS keys of random shapes (each shape at least once when
 * there are enough keys), in runs of one key as a program makes them. */
static struct items make_items(size_t n, uint64_t span)
{
	enum shape shapes[NKEYS];
	struct items it = {malloc((n + 1) * 4), malloc((n + 1) * 4), malloc((n + 1) * 8),
			   malloc((n + 1) * 8), n};

	need(it.keys && it.stacks && it.ns && it.begin);
	for (unsigned k = 0; k < NKEYS; k++)
		shapes[k] = k < NSHAPES ? (enum shape)k : (enum shape)rnd(NSHAPES);
	for (size_t i = 0; i < n; i++) {
		uint32_t key = i && rnd(4) ? it.keys[i - 1] : (uint32_t)rnd(NKEYS);
		it.keys[i] = key;
		it.stacks[i] = (uint32_t)(rnd(3)   ? rnd(9)
					  : rnd(2) ? rnd(NSTACKS)
						   : FAR_KEYS + rnd(NSTACKS));
		it.ns[i] = draw(shapes[key], key);
		/* unended items among ended ones of every shape */
		if (!rnd(10))
			it.ns[i] = NONE;
		/* the last item begins at the trace's last instant */
		it.begin[i] = i + 1 == n ? span : rnd(span);
	}
	return it;
}

static void free_items(struct items *it)
{
	free(it->keys);
	free(it->stacks);
	free(it->ns);
	free(it->begin);
}

/* Type names interned in an order other than their names' order. */
static void intern_types(struct cprof_model *m, uint32_t *type)
{
	static const char *names[NKEYS] = {"zeta",  "alpha", "mu",    "beta",
					   "omega", "gamma", "kappa", "delta"};
	for (unsigned k = 0; k < NKEYS; k++)
		type[k] = cprof_model_intern(m, names[k], strlen(names[k]));
}

static struct cprof_model *make_model(const struct items *it, uint32_t *type, uint64_t span)
{
	struct cprof_model *m = cprof_model_create();

	need(m);
	intern_types(m, type);
	m->begin_ns = T0;
	m->end_ns = T0 + span;
	for (size_t i = 0; i < it->n; i++) {
		uint64_t b = T0 + it->begin[i], ns = it->ns[i];
		struct cprof_task *t = cprof_vec_push(&m->tasks);
		struct cprof_region *r = cprof_vec_push(&m->regions);
		struct cprof_wait *w = cprof_vec_push(&m->waits);
		struct cprof_log *l = cprof_vec_push(&m->logs);
		need(t && r && w && l);
		t->type = r->type = l->category = type[it->keys[i]];
		t->begin_ns = r->begin_ns = w->begin_ns = l->ns = b;
		/* a region ending before it begins lasts 0 */
		t->end_ns = r->end_ns = w->end_ns = ns == NONE ? 0 : b + ns;
		if (ns == 0 && rnd(2))
			r->end_ns = b - 1;
		w->kind = (uint8_t)it->keys[i];
		w->stack = it->stacks[i];
		if (ns == NONE)
			continue;
		struct cprof_syscall *c = cprof_vec_push(&m->syscalls);
		need(c);
		c->call = (uint8_t)it->keys[i];
		c->stack = it->stacks[i];
		c->begin_ns = b;
		c->end_ns = b + ns;
	}
	return m;
}

/* The items' keys mapped to type names (for name-keyed statistics). */
static uint32_t *typed(const struct items *it, const uint32_t *type)
{
	uint32_t *v = malloc((it->n + 1) * sizeof(*v));
	need(v);
	for (size_t i = 0; i < it->n; i++)
		v[i] = type[it->keys[i]];
	return v;
}

/* Regions begin in [from, to], the end included only when `to` is at or
 * past the trace's end. */
static void check_windows(struct cprof_model *m, const struct items *it, const uint32_t *types,
			  uint64_t span)
{
	uint32_t *keys = malloc((it->n + 1) * sizeof(*keys));
	uint64_t *ns = malloc((it->n + 1) * sizeof(*ns));

	need(keys && ns);
	for (int round = 0; round < 6; round++) {
		uint64_t from = round == 0 ? 0 : rnd(span), to = from + rnd(span - from + 1);
		struct cprof_stats_dist *got = NULL;
		size_t ngot = 0, n = 0;
		if (round == 1)
			to = span;
		if (round == 2)
			to = UINT64_MAX;
		if (round == 3)
			to = from;
		for (size_t i = 0; i < it->n; i++) {
			uint64_t b = it->begin[i];
			if (b < from || b > to || (b == to && to < span))
				continue;
			keys[n] = types[i];
			ns[n++] = it->ns[i];
		}
		bool ok = cprof_stats_regions(m, from, to, &got, &ngot) == CPROF_STATS_OK;
		CHECK(ok, "regions [%" PRIu64 ", %" PRIu64 "]", from, to);
		if (ok)
			check_dists("window", m, got, ngot, keys, ns, n);
		free(got);
	}
	free(keys);
	free(ns);
}

static void check_counts(const struct cprof_model *m, const struct cprof_stats *s,
			 const uint32_t *types, size_t n)
{
	size_t present = 0;

	for (size_t j = 0; j < s->logs.n; j++) {
		uint64_t count = 0;
		for (size_t i = 0; i < n; i++)
			count += types[i] == s->logs.v[j].key;
		CHECK(count && s->logs.v[j].count == count, "log category %u", s->logs.v[j].key);
		present += count;
		CHECK(!j || strcmp(cprof_model_str(m, s->logs.v[j - 1].key),
				   cprof_model_str(m, s->logs.v[j].key)) < 0,
		      "log categories not in name order");
	}
	CHECK(present == n, "logs: %zu counted, want %zu", present, n);
}

/*
 * The items as a snapshot's window from `w` (relative) keeps them: those
 * that ended before it dropped, those begun before it from its start; the
 * counts of both in *left_out and *clipped (each item is a task, a region,
 * a wait and a log, and when ended a blocking call).
 */
static struct items clip_items(const struct items *it, uint64_t w, uint64_t *left_out,
			       uint64_t *clipped)
{
	struct items c = {malloc((it->n + 1) * 4), malloc((it->n + 1) * 4), malloc((it->n + 1) * 8),
			  malloc((it->n + 1) * 8), 0};

	need(c.keys && c.stacks && c.ns && c.begin);
	*left_out = *clipped = 0;
	for (size_t i = 0; i < it->n; i++) {
		uint64_t b = it->begin[i], ns = it->ns[i];
		bool ended = ns != NONE;
		if (b < w) {
			*left_out += 1; /* the log */
			if (ended && b + ns < w) {
				*left_out += 4;
				continue;
			}
			*clipped += ended ? 4 : 3;
			ns = ended ? b + ns - w : NONE;
			b = w;
		}
		c.keys[c.n] = it->keys[i];
		c.stacks[c.n] = it->stacks[i];
		c.ns[c.n] = ns;
		c.begin[c.n++] = b;
	}
	return c;
}

/*
 * The items' tasks, each with one region, on one thread, as a snapshot
 * whose window starts at `w` (relative): the critical path of every type
 * covers the ended tasks the window keeps, from its start for those begun
 * before it, and says how many it left out and clipped; a region's path
 * the same.
 */
static void check_critpath(const struct items *it, uint64_t w, uint64_t span)
{
	struct cprof_model *m = cprof_model_create();
	uint32_t type[NKEYS];
	struct cprof_critpath *cp;
	struct cprof_thread *th;

	need(m && (th = cprof_vec_push(&m->threads)));
	th->tid = 1;
	intern_types(m, type);
	m->begin_ns = T0;
	m->end_ns = T0 + span;
	m->window_ns = T0 + w;
	for (size_t i = 0; i < it->n; i++) {
		struct cprof_task *t = cprof_vec_push(&m->tasks);
		struct cprof_region *r = cprof_vec_push(&m->regions);
		need(t && r);
		t->type = r->type = type[it->keys[i]];
		t->begin_ns = r->begin_ns = T0 + it->begin[i];
		t->end_ns = r->end_ns = it->ns[i] == NONE ? 0 : T0 + it->begin[i] + it->ns[i];
		t->end_thread = it->ns[i] == NONE ? CPROF_NONE : 0;
		r->task = (uint32_t)i;
	}
	need((cp = cprof_critpath_create(m)) != NULL);
	for (unsigned k = 0; k < NKEYS; k++) {
		const char *name = cprof_model_str(m, type[k]);
		struct cprof_cp_aggregate agg;
		uint64_t tasks = 0, total = 0, left_out = 0, clipped = 0, rows = 0;
		bool any = false;
		for (size_t i = 0; i < it->n; i++) {
			uint64_t b = it->begin[i], ns = it->ns[i];
			any |= it->keys[i] == k;
			if (it->keys[i] != k || ns == NONE)
				continue;
			if (b + ns < w) {
				left_out++;
				continue;
			}
			clipped += b < w;
			tasks++;
			total += b < w ? b + ns - w : ns;
		}
		enum cprof_critpath_status st = cprof_critpath_aggregate(cp, NULL, name, &agg);
		CHECK(st == (any ? CPROF_CRITPATH_OK : CPROF_CRITPATH_NO_TASKS),
		      "critical path of '%s': status %d", name, (int)st);
		if (st != CPROF_CRITPATH_OK)
			continue;
		for (size_t i = 0; i < agg.rows.n; i++)
			rows += agg.rows.v[i].ns;
		CHECK(agg.tasks == tasks && agg.total_ns == total && rows == total &&
			  agg.window.left_out == left_out && agg.window.clipped == clipped,
		      "critical path of '%s' from +%" PRIu64 ": %" PRIu64 " tasks, %" PRIu64
		      " ns (rows %" PRIu64 "), %" PRIu64 " left out, %" PRIu64
		      " clipped; want %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64,
		      name, w, agg.tasks, agg.total_ns, rows, agg.window.left_out,
		      agg.window.clipped, tasks, total, left_out, clipped);
		cprof_cp_aggregate_fini(&agg);
	}
	for (size_t i = 0; i < it->n && i < 200; i++) {
		uint64_t b = it->begin[i], ns = it->ns[i], sum = 0;
		struct cprof_cp_path path;
		enum cprof_critpath_status st = cprof_critpath_region(cp, (uint32_t)i, &path);
		enum cprof_critpath_status want = ns == NONE   ? CPROF_CRITPATH_NOT_ENDED
						  : b + ns < w ? CPROF_CRITPATH_BEFORE_WINDOW
							       : CPROF_CRITPATH_OK;
		CHECK(st == want, "region %zu: status %d, want %d", i, (int)st, (int)want);
		if (st != CPROF_CRITPATH_OK)
			continue;
		for (size_t k = 0; k < path.segments.n; k++)
			sum += path.segments.v[k].end_ns - path.segments.v[k].begin_ns;
		CHECK(path.begin_ns == T0 + (b < w ? w : b) && path.clipped == (b < w) &&
			  sum == path.end_ns - path.begin_ns,
		      "region %zu [+%" PRIu64 ", +%" PRIu64 "): path from +%" PRIu64 ", %" PRIu64
		      " ns of segments, window +%" PRIu64,
		      i, b, b + ns, (uint64_t)(path.begin_ns - T0), sum, w);
		cprof_cp_path_fini(&path);
	}
	cprof_critpath_destroy(cp);
	cprof_model_destroy(m);
}

/* The model as a snapshot whose window starts at a random instant. */
static void check_snapshot(struct cprof_model *m, const struct items *it, const uint32_t *type,
			   uint64_t span)
{
	uint64_t w = 1 + rnd(span), left_out, clipped;
	struct items c = clip_items(it, w, &left_out, &clipped);
	uint32_t *types = typed(&c, type);
	struct cprof_stats s;
	size_t nlogs = 0;

	m->window_ns = T0 + w;
	need(cprof_stats_compute(m, &s) == CPROF_STATS_OK);
	check_dists("snapshot tasks", m, s.tasks.v, s.tasks.n, types, c.ns, c.n);
	check_dists("snapshot regions", m, s.regions.v, s.regions.n, types, c.ns, c.n);
	check_dists("snapshot waits", NULL, s.sync_kinds.v, s.sync_kinds.n, c.keys, c.ns, c.n);
	for (size_t i = 0; i < s.logs.n; i++)
		nlogs += s.logs.v[i].count;
	for (size_t i = 0; i < it->n; i++)
		nlogs -= it->begin[i] >= w;
	CHECK(!nlogs, "snapshot: logs before the window counted");
	CHECK(s.window_ns == T0 + w && s.window.left_out == left_out && s.window.clipped == clipped,
	      "snapshot: %" PRIu64 " left out and %" PRIu64 " clipped, want %" PRIu64
	      " and %" PRIu64,
	      s.window.left_out, s.window.clipped, left_out, clipped);
	check_windows(m, &c, types, span);
	check_critpath(it, w, span);
	cprof_stats_fini(&s);
	m->window_ns = 0;
	free(types);
	free_items(&c);
}

/*
 * The region summary kept with a cached model: the same region statistics
 * as computed, and ignored (computed again) when it does not fit: another
 * format, a key past the strings. The caller's snapshot check then runs
 * with it still attached, for another window: ignored too.
 */
static void check_summary(struct cprof_model *m, const struct cprof_stats *want)
{
	struct cprof_stats got;
	struct cprof_stats_dist *d;
	char *copy;

	cprof_stats_summarize(m);
	need(m->summary && m->summary_owned);
	need(cprof_stats_compute(m, &got) == CPROF_STATS_OK);
	CHECK(got.regions.n == want->regions.n &&
		  !memcmp(got.regions.v, want->regions.v, want->regions.n * sizeof(*d)),
	      "regions from the summary differ from those computed");
	cprof_stats_fini(&got);
	/* taken as it is, not computed again */
	if (want->regions.n) {
		d = (struct cprof_stats_dist *)((char *)m->summary + m->summary_len) - 1;
		d->total_ns++;
		need(cprof_stats_compute(m, &got) == CPROF_STATS_OK);
		CHECK(got.regions.v[got.regions.n - 1].total_ns ==
			  want->regions.v[want->regions.n - 1].total_ns + 1,
		      "the summary was not used");
		cprof_stats_fini(&got);
		d->total_ns--;
	}
	copy = malloc(m->summary_len);
	need(copy != NULL);
	memcpy(copy, m->summary, m->summary_len);
	for (int damage = 0; damage < 2 && want->regions.n; damage++) {
		char *blob = (char *)m->summary;
		if (damage == 0)
			blob[0] ^= 1; /* its magic */
		else
			((struct cprof_stats_dist *)(blob + m->summary_len) - 1)->key = 1u << 30;
		need(cprof_stats_compute(m, &got) == CPROF_STATS_OK);
		CHECK(got.regions.n == want->regions.n &&
			  !memcmp(got.regions.v, want->regions.v, want->regions.n * sizeof(*d)),
		      "a damaged summary (%d) was used", damage);
		cprof_stats_fini(&got);
		memcpy(blob, copy, m->summary_len);
	}
	free(copy);
}

static void run(size_t n, uint64_t span)
{
	uint32_t type[NKEYS], *types, *ckeys, *cstacks;
	uint64_t *cns;
	struct items it = make_items(n, span);
	struct cprof_model *m = make_model(&it, type, span);
	struct cprof_stats s;
	size_t nc = 0;

	types = typed(&it, type);
	need(cprof_stats_compute(m, &s) == CPROF_STATS_OK);
	check_dists("tasks", m, s.tasks.v, s.tasks.n, types, it.ns, n);
	check_dists("regions", m, s.regions.v, s.regions.n, types, it.ns, n);
	check_dists("waits", NULL, s.sync_kinds.v, s.sync_kinds.n, it.keys, it.ns, n);
	check_top("wait stacks", s.sync_top.v, s.sync_top.n, it.stacks, it.ns, n);
	check_counts(m, &s, types, n);

	/* blocking calls always end */
	ckeys = malloc((n + 1) * 4);
	cstacks = malloc((n + 1) * 4);
	cns = malloc((n + 1) * 8);
	need(ckeys && cstacks && cns);
	for (size_t i = 0; i < n; i++)
		if (it.ns[i] != NONE) {
			ckeys[nc] = it.keys[i];
			cstacks[nc] = it.stacks[i];
			cns[nc++] = it.ns[i];
		}
	check_dists("calls", NULL, s.syscalls.v, s.syscalls.n, ckeys, cns, nc);
	check_top("call stacks", s.syscall_top.v, s.syscall_top.n, cstacks, cns, nc);
	CHECK(s.syscall_count == nc, "syscall count");

	check_summary(m, &s);
	check_windows(m, &it, types, span);
	check_snapshot(m, &it, type, span);
	cprof_stats_fini(&s);
	cprof_model_destroy(m);
	free(types);
	free(ckeys);
	free(cstacks);
	free(cns);
	free_items(&it);
}

int main(void)
{
	static const size_t sizes[] = {0, 1, 2, 3, 15, 16, 17, 100, 101, 1000, 4093, 100000};
	unsigned rounds = 0;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++)
		for (int rep = 0; rep < (sizes[i] < 1000 ? 40 : 4); rep++) {
			run(sizes[i], 1 + rnd(1000000));
			rounds++;
		}
	/* the same split over threads (3, whatever the CPUs), each at least 5
	 * items: groups merged, ranks' durations written at each one's offset */
	cprof_stats_split_min = 5;
	cprof_stats_max_threads = 3;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++)
		for (int rep = 0; rep < (sizes[i] < 1000 ? 6 : 1); rep++) {
			run(sizes[i], 1 + rnd(1000000));
			rounds++;
		}
	if (failures)
		return 1;
	printf("stats: %u random models agree with the sorted reference\n", rounds);
	return 0;
}
