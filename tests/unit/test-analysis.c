/*
 * The thread breakdown, the critical path and the counter summaries on a
 * small hand-built model whose truth is worked out below by hand.
 *
 * Timeline (ms from the trace start; the trace lasts 100 ms), process 0 at
 * 1000 Hz CPU sampling:
 *   gateway-0 (thread 0): task "request" [10,60): region lookup [10,30),
 *             encode [40,60); mutex A wait [15,25); read() [32,38);
 *             CPU samples at 41, 42, 43; task "job" begins at 62
 *   gateway-1 (thread 1): releases A at 20 (in ana_holder_a); mutex B
 *             wait [16,18); region idle [62,66) of no task, region work
 *             [66,75) of "job", which ends here at 75; CPU sample at 17
 *   evictor   (thread 2): releases B at 18 (ana_holder_b), A at 24
 *             (ana_evict); cond wait [50,70); join wait [80,90)
 * Counter "queue": 2 at 10, 4 at 20, 0 at 30 (process 0), 10 at 50
 * (process 1); "heap in use" (not a user counter) is left out.
 *
 * The request's path: run lookup [10,15); A held by gateway-1 [15,20),
 * which itself waited [16,18) for B held by the evictor; A held by the
 * evictor [20,24); wake-up [24,25); run lookup [25,30); run request
 * [30,32) and [38,40); read [32,38); run encode [40,60).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/counters.h"
#include "analysis/critpath.h"
#include "analysis/flame.h"
#include "analysis/flame_model.h"
#include "analysis/profiles.h"
#include "analysis/threads.h"
#include "cprof-tp-enums.h"
#include "test-profile-model.h"

#define MS 1000000ull
#define T0 1000000000000ull
#define AT(ms) (T0 + (uint64_t)((ms) * (double)MS))

static volatile int sink;
#define BODY                                                                                       \
	for (int i = 0; i < n; i++)                                                                \
		sink += i * n;                                                                     \
	return sink
__attribute__((noinline)) static int ana_holder_a(int n)
{
	BODY;
}
__attribute__((noinline)) static int ana_holder_b(int n)
{
	BODY;
}
__attribute__((noinline)) static int ana_evict(int n)
{
	BODY;
}
__attribute__((noinline)) static int ana_lock_site(int n)
{
	BODY;
}

#define A(f) ((uint64_t)(uintptr_t)&f + 8)

static void add_region(struct cprof_model *m, uint32_t thread, uint32_t task, const char *type,
		       double b, double e)
{
	struct cprof_region *r = cprof_vec_push(&m->regions);
	CHECK(r);
	*r = (struct cprof_region){.thread = thread,
				   .task = task,
				   .type = test_str(m, type),
				   .begin_ns = AT(b),
				   .end_ns = AT(e)};
}

static void add_wait(struct cprof_model *m, uint32_t thread, uint8_t kind, uint64_t obj,
		     uint32_t stack, double b, double e)
{
	struct cprof_wait *w = cprof_vec_push(&m->waits);
	CHECK(w);
	*w = (struct cprof_wait){.thread = thread,
				 .stack = stack,
				 .kind = kind,
				 .obj = obj,
				 .begin_ns = AT(b),
				 .end_ns = AT(e)};
}

static void add_release(struct cprof_model *m, uint32_t thread, uint64_t obj, uint32_t stack,
			double at)
{
	struct cprof_release *r = cprof_vec_push(&m->releases);
	CHECK(r);
	*r = (struct cprof_release){.thread = thread,
				    .stack = stack,
				    .kind = CPROF_TP_WAIT_MUTEX,
				    .obj = obj,
				    .ns = AT(at)};
}

static void add_counter(struct cprof_model *m, const char *name, uint32_t process, bool user,
			const double *ms, const int64_t *v, size_t n)
{
	struct cprof_counter *c = cprof_vec_push(&m->counters);
	CHECK(c);
	c->name = test_str(m, name);
	c->process = process;
	c->user = user;
	for (size_t i = 0; i < n; i++) {
		struct cprof_counter_point *p = cprof_vec_push(&c->points);
		CHECK(p);
		*p = (struct cprof_counter_point){AT(ms[i]), v[i]};
	}
}

static struct cprof_model *make_model(void)
{
	struct cprof_model *m = cprof_model_create();
	const char *names[] = {"gateway-0", "gateway-1", "evictor"};
	uint32_t s_wait, s_a, s_b, s_ev;
	struct cprof_process *p;
	struct cprof_task *task;
	struct cprof_syscall *sc;

	CHECK(m);
	m->begin_ns = T0;
	m->end_ns = AT(100);
	p = cprof_vec_push(&m->processes);
	p->pid = 100;
	p->cpu_rate = 1000;
	p = cprof_vec_push(&m->processes);
	p->pid = 101;
	test_add_self_modules(m);
	s_wait = test_add_stack(m, 0, (uint64_t[]){A(ana_lock_site)}, 1);
	s_a = test_add_stack(m, 0, (uint64_t[]){A(ana_holder_a)}, 1);
	s_b = test_add_stack(m, 0, (uint64_t[]){A(ana_holder_b)}, 1);
	s_ev = test_add_stack(m, 0, (uint64_t[]){A(ana_evict)}, 1);
	for (int i = 0; i < 3; i++) {
		struct cprof_thread *t = cprof_vec_push(&m->threads);
		CHECK(t);
		*t = (struct cprof_thread){.tid = 10 + i,
					   .name = test_str(m, names[i]),
					   .first_ns = T0,
					   .last_ns = AT(99),
					   .start_ns = T0,
					   .end_ns = AT(100)};
	}
	task = cprof_vec_push(&m->tasks);
	*task = (struct cprof_task){.id = 1,
				    .parent = CPROF_NONE,
				    .type = test_str(m, "request"),
				    .begin_ns = AT(10),
				    .end_ns = AT(60),
				    .begin_thread = 0,
				    .end_thread = 0};
	task = cprof_vec_push(&m->tasks);
	*task = (struct cprof_task){.id = 2,
				    .parent = CPROF_NONE,
				    .type = test_str(m, "job"),
				    .begin_ns = AT(62),
				    .end_ns = AT(75),
				    .begin_thread = 0,
				    .end_thread = 1};
	task = cprof_vec_push(&m->tasks); /* never ended: left out */
	*task = (struct cprof_task){.id = 3,
				    .parent = CPROF_NONE,
				    .type = test_str(m, "request"),
				    .begin_ns = AT(95),
				    .begin_thread = 0,
				    .end_thread = CPROF_NONE};
	add_region(m, 0, 0, "lookup", 10, 30);
	add_wait(m, 0, CPROF_TP_WAIT_MUTEX, 0xA, s_wait, 15, 25);
	add_wait(m, 1, CPROF_TP_WAIT_MUTEX, 0xB, 0, 16, 18);
	add_release(m, 1, 0xA, s_a, 20);
	add_release(m, 2, 0xB, s_b, 18);
	add_release(m, 2, 0xA, s_ev, 24);
	sc = cprof_vec_push(&m->syscalls);
	*sc = (struct cprof_syscall){
	    .thread = 0, .call = CPROF_TP_CALL_READ, .begin_ns = AT(32), .end_ns = AT(38)};
	add_region(m, 0, 0, "encode", 40, 60);
	add_wait(m, 2, CPROF_TP_WAIT_COND, 0xC, 0, 50, 70);
	add_region(m, 1, CPROF_NONE, "idle", 62, 66);
	add_region(m, 1, 1, "work", 66, 75);
	add_wait(m, 2, CPROF_TP_WAIT_JOIN, 0xD, 0, 80, 90);
	for (int i = 0; i < 4; i++) {
		struct cprof_sample *s = cprof_vec_push(&m->samples);
		*s = (struct cprof_sample){.thread = i < 3 ? 0 : 1, .ns = AT(i < 3 ? 41 + i : 17)};
	}
	add_counter(m, "queue", 0, true, (double[]){10, 20, 30}, (int64_t[]){2, 4, 0}, 3);
	add_counter(m, "heap in use", 0, false, (double[]){5}, (int64_t[]){1000}, 1);
	add_counter(m, "queue", 1, true, (double[]){50}, (int64_t[]){10}, 1);
	return m;
}

static const struct cprof_thread_row *row_of(const struct cprof_thread_breakdown *b, uint32_t t)
{
	for (size_t i = 0; i < b->rows.n; i++)
		if (b->rows.v[i].thread == t)
			return &b->rows.v[i];
	return NULL;
}

static void test_threads(const struct cprof_model *m)
{
	struct cprof_thread_breakdown b;
	const struct cprof_thread_row *r;
	char pat[64];

	CHECK(cprof_threads_compute(m, T0, AT(100), &b) == CPROF_THREADS_OK);
	CHECK(b.rows.n == 3);
	r = row_of(&b, 0);
	CHECK(r->t.alive_ns == 100 * MS && r->t.lock_ns == 10 * MS && r->t.syscall_ns == 6 * MS);
	CHECK(r->t.running_ns == 84 * MS && r->t.cpu_ns == 3 * MS && r->t.cpu_samples == 3);
	r = row_of(&b, 1);
	CHECK(r->t.lock_ns == 2 * MS && r->t.running_ns == 98 * MS && r->t.cpu_ns == 1 * MS);
	r = row_of(&b, 2);
	CHECK(r->t.cond_ns == 20 * MS && r->t.join_ns == 10 * MS && r->t.running_ns == 70 * MS);
	CHECK(b.groups.n == 2 && !strcmp(b.groups.v[0].pattern, "gateway-*"));
	CHECK(b.groups.v[0].threads == 2 && b.groups.v[0].t.lock_ns == 12 * MS);
	CHECK(!strcmp(b.groups.v[1].pattern, "evictor") && b.groups.v[1].threads == 1);
	cprof_threads_fini(&b);

	/* a range clips every interval */
	CHECK(cprof_threads_compute(m, AT(15), AT(55), &b) == CPROF_THREADS_OK);
	r = row_of(&b, 0);
	CHECK(r->t.alive_ns == 40 * MS && r->t.lock_ns == 10 * MS && r->t.syscall_ns == 6 * MS);
	CHECK(r->t.running_ns == 24 * MS && r->t.cpu_samples == 3);
	r = row_of(&b, 2);
	CHECK(r->t.cond_ns == 5 * MS && r->t.running_ns == 35 * MS);
	cprof_threads_fini(&b);

	cprof_thread_pattern("conn-12-x7", pat, sizeof(pat));
	CHECK(!strcmp(pat, "conn-*-x*"));
	cprof_thread_pattern("", pat, sizeof(pat));
	CHECK(!strcmp(pat, ""));
}

struct want {
	const char *what, *thread, *function;
	double ms;
};

static void check_rows(const struct cprof_cp_aggregate *agg, const struct want *w, size_t n)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < agg->rows.n; i++)
		fprintf(stderr, "  %s %s %s %" PRIu64 "\n", cprof_cp_what_name(agg->rows.v[i].what),
			agg->rows.v[i].thread, agg->rows.v[i].function, agg->rows.v[i].ns);
	CHECK(agg->rows.n == n);
	for (size_t i = 0; i < n; i++) {
		bool found = false;
		for (size_t k = 0; k < agg->rows.n && !found; k++) {
			const struct cprof_cp_row *r = &agg->rows.v[k];
			found = !strcmp(cprof_cp_what_name(r->what), w[i].what) &&
				!strcmp(r->thread, w[i].thread) &&
				!strcmp(r->function, w[i].function) &&
				r->ns == (uint64_t)(w[i].ms * (double)MS);
		}
		if (!found)
			fprintf(stderr, "missing row %s %s %s %.1f ms\n", w[i].what, w[i].thread,
				w[i].function, w[i].ms);
		CHECK(found);
	}
	for (size_t k = 0; k < agg->rows.n; k++) {
		sum += agg->rows.v[k].ns;
		CHECK(!k || agg->rows.v[k - 1].ns >= agg->rows.v[k].ns);
	}
	CHECK(sum == agg->total_ns);
}

static void test_critpath(const struct cprof_model *m)
{
	struct cprof_symbolizer *sym = cprof_symbolizer_create(m, NULL);
	struct cprof_critpath *cp = cprof_critpath_create(m);
	struct cprof_cp_aggregate agg;
	struct cprof_cp_path path;
	uint64_t sum = 0;
	static const struct want request[] = {
	    {"run", "gateway-0", "lookup", 10},	       {"lock", "gateway-1", "ana_holder_a", 3},
	    {"lock", "evictor", "ana_holder_b", 2},    {"lock", "evictor", "ana_evict", 4},
	    {"lock", "gateway-0", "ana_lock_site", 1}, {"run", "gateway-0", "request", 4},
	    {"syscall", "gateway-0", "read", 6},       {"run", "gateway-0", "encode", 20},
	};
	static const struct want job[] = {
	    {"queue", "gateway-1", "idle", 4},
	    {"run", "gateway-1", "work", 9},
	};

	CHECK(sym && cp);
	CHECK(cprof_critpath_aggregate(cp, sym, "request", &agg) == CPROF_CRITPATH_OK);
	CHECK(agg.tasks == 1 && agg.total_ns == 50 * MS);
	check_rows(&agg, request, sizeof(request) / sizeof(request[0]));
	cprof_cp_aggregate_fini(&agg);

	/* handed from gateway-0 to gateway-1, busy in region idle meanwhile */
	CHECK(cprof_critpath_aggregate(cp, sym, "job", &agg) == CPROF_CRITPATH_OK);
	CHECK(agg.tasks == 1 && agg.total_ns == 13 * MS);
	check_rows(&agg, job, sizeof(job) / sizeof(job[0]));
	cprof_cp_aggregate_fini(&agg);

	CHECK(cprof_critpath_aggregate(cp, sym, "nosuch", &agg) == CPROF_CRITPATH_NO_TASKS);
	CHECK(cprof_critpath_task(cp, 2, &path) == CPROF_CRITPATH_NOT_ENDED);

	/* one path: time order, contiguous, depth of the followed holders */
	CHECK(cprof_critpath_task(cp, 0, &path) == CPROF_CRITPATH_OK);
	for (size_t i = 0; i < path.segments.n; i++) {
		const struct cprof_cp_segment *s = &path.segments.v[i];
		CHECK(s->begin_ns == (i ? path.segments.v[i - 1].end_ns : AT(10)));
		sum += s->end_ns - s->begin_ns;
		if (s->begin_ns == AT(16)) /* B held by the evictor, for gateway-1 */
			CHECK(s->depth == 2 && s->thread == 2 && s->from_thread == 1);
	}
	CHECK(sum == 50 * MS && path.segments.v[path.segments.n - 1].end_ns == AT(60));
	cprof_cp_path_fini(&path);

	/* a region's path: lookup [10,30) */
	CHECK(cprof_critpath_region(cp, 0, &path) == CPROF_CRITPATH_OK);
	sum = 0;
	for (size_t i = 0; i < path.segments.n; i++)
		sum += path.segments.v[i].end_ns - path.segments.v[i].begin_ns;
	CHECK(sum == 20 * MS && path.segments.v[0].what == CPROF_CP_RUN);
	cprof_cp_path_fini(&path);

	cprof_critpath_destroy(cp);
	cprof_symbolizer_destroy(sym);
}

static void test_counters(const struct cprof_model *m)
{
	struct cprof_counters cs;
	const struct cprof_counter_summary *c;
	struct cprof_counter_summary one;

	CHECK(cprof_counters_summarize(m, T0, AT(100), &cs) == CPROF_COUNTERS_OK);
	CHECK(cs.v.n == 1); /* "heap in use" is no user counter */
	c = &cs.v.v[0];
	CHECK(!strcmp(cprof_model_str(m, c->name), "queue"));
	CHECK(c->samples == 4 && c->min == 0 && c->max == 10 && c->last == 10);
	/* (2*10 + 4*10 + 0*70) over 90 ms, and 10 over 50 ms: 560 / 140 */
	CHECK(fabs(c->mean - 4.0) < 1e-9);
	cprof_counters_fini(&cs);

	/* [15, 25]: 2 holds at 15, 4 from 20 */
	CHECK(cprof_counter_summarize_one(m, &m->counters.v[0], AT(15), AT(25), &one));
	CHECK(one.samples == 1 && one.min == 2 && one.max == 4 && one.last == 4);
	CHECK(fabs(one.mean - 3.0) < 1e-9);
	/* a range starting on a sample counts it */
	CHECK(cprof_counter_summarize_one(m, &m->counters.v[0], AT(10), AT(20), &one));
	CHECK(one.samples == 2 && one.min == 2 && fabs(one.mean - 2.0) < 1e-9);
	/* before the first value: nothing */
	CHECK(!cprof_counter_summarize_one(m, &m->counters.v[0], AT(1), AT(5), &one));
}

/* Stacks (leaf first) main<-a<-b x3, main<-a x2, main<-b<-write (libc) x5:
 * all 10 > main 10 > a 5 (self 2) > b 3; main > b 5 > write 5. */
static void test_flame(void)
{
	struct cprof_profile *p = cprof_profile_create();
	struct cprof_profile_mapping app = {.start = 0x1000, .limit = 0x9000};
	struct cprof_profile_mapping libc = {.start = 0x10000, .limit = 0x90000};
	const char *fns[] = {"main", "a", "b", "write"};
	uint64_t loc[4], m_app, m_libc;
	const struct cprof_flame_node *n, *main_n, *a, *b;
	struct cprof_flame *f;

	CHECK(p && cprof_profile_add_sample_type(p, "samples", "count") == CPROF_PROFILE_OK);
	app.file = cprof_profile_string(p, "/usr/bin/app");
	libc.file = cprof_profile_string(p, "/lib/x86_64-linux-gnu/libc.so.6");
	m_app = cprof_profile_add_mapping(p, &app);
	m_libc = cprof_profile_add_mapping(p, &libc);
	for (int i = 0; i < 4; i++) {
		struct cprof_profile_line ln = {
		    cprof_profile_add_function(p, fns[i], NULL, i == 3 ? "io.c" : "app.c", 1),
		    10 + i};
		loc[i] = cprof_profile_add_location(p, i == 3 ? m_libc : m_app, 0x1000u * (i + 2),
						    &ln, 1);
	}
	CHECK(cprof_profile_add_sample(p, (uint64_t[]){loc[2], loc[1], loc[0]}, 3, (int64_t[]){3},
				       NULL, 0) == CPROF_PROFILE_OK);
	CHECK(cprof_profile_add_sample(p, (uint64_t[]){loc[1], loc[0]}, 2, (int64_t[]){2}, NULL,
				       0) == CPROF_PROFILE_OK);
	CHECK(cprof_profile_add_sample(p, (uint64_t[]){loc[3], loc[2], loc[0]}, 3, (int64_t[]){5},
				       NULL, 0) == CPROF_PROFILE_OK);
	f = cprof_flame_create(p, 0);
	CHECK(f && f->nodes.n == 6 && f->max_depth == 3);
	n = &f->nodes.v[0];
	CHECK(n->total == 10 && n->self == 0 && !strcmp(cprof_flame_str(f, n->name), "all"));
	main_n = &f->nodes.v[n->first_child];
	CHECK(!strcmp(cprof_flame_str(f, main_n->name), "main") && main_n->total == 10);
	CHECK(main_n->next_sibling == CPROF_FLAME_NONE && main_n->module == CPROF_FLAME_PROGRAM);
	a = &f->nodes.v[main_n->first_child]; /* a and b tie at 5: by name */
	b = &f->nodes.v[a->next_sibling];
	CHECK(!strcmp(cprof_flame_str(f, a->name), "a") && a->total == 5 && a->self == 2);
	CHECK(!strcmp(cprof_flame_str(f, b->name), "b") && b->total == 5 && b->self == 0);
	n = &f->nodes.v[a->first_child];
	CHECK(!strcmp(cprof_flame_str(f, n->name), "b") && n->total == 3 && n->self == 3);
	n = &f->nodes.v[b->first_child];
	CHECK(!strcmp(cprof_flame_str(f, n->name), "write") && n->self == 5 && n->depth == 3);
	CHECK(n->module == CPROF_FLAME_LIBC && !strcmp(cprof_flame_str(f, n->file), "io.c"));
	CHECK(n->line == 13);
	cprof_flame_destroy(f);
	CHECK(cprof_flame_module_of("/usr/lib/x86_64-linux-gnu/libz.so.1") == CPROF_FLAME_LIBRARY);
	CHECK(cprof_flame_module_of("") == CPROF_FLAME_ANNOTATION);
	cprof_profile_destroy(p);
}

/* The graph from the model has the figures and names of the pprof profile
 * of the same kind and window (its `top`, flat and cum by name). */
static void test_flame_model(const struct cprof_model *m)
{
	static const struct {
		enum cprof_flame_items items;
		enum cprof_profile_type type;
		double from, to;
	} cases[] = {
	    {CPROF_FLAME_CPU_SAMPLES, CPROF_PROFILE_CPU, 0, 100},
	    {CPROF_FLAME_CPU_SAMPLES, CPROF_PROFILE_CPU, 41.5, 43},
	    {CPROF_FLAME_WAITS, CPROF_PROFILE_SYNC, 0, 100},
	    {CPROF_FLAME_WAITS, CPROF_PROFILE_SYNC, 17, 55},
	    {CPROF_FLAME_CALLS, CPROF_PROFILE_SYSCALL, 35, 100},
	};
	struct cprof_symbolizer *sym = cprof_symbolizer_create(m, NULL);
	struct cprof_flame_source *src = cprof_flame_source_create(m, sym);

	CHECK(sym && src);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct cprof_profile_filter f = {.has_from = true,
						 .has_to = true,
						 .from_ns = (uint64_t)(cases[c].from * MS),
						 .to_ns = (uint64_t)(cases[c].to * MS)};
		struct cprof_profiles_report rep;
		struct cprof_profile *p = NULL;
		struct cprof_profile_top_entry *e = NULL;
		struct cprof_flame_top *top = NULL;
		struct cprof_flame *fl;
		size_t ne = 0, nt = 0;

		fl = cprof_flame_from_model(src, cases[c].items, AT(cases[c].from), AT(cases[c].to),
					    NULL, &top, &nt);
		CHECK(fl);
		CHECK(cprof_profile_build(m, sym, cases[c].type, &f, &p, &rep) ==
		      CPROF_PROFILES_OK);
		CHECK(cprof_profile_top(p, 1, &e, &ne) == CPROF_PROFILE_OK);
		CHECK(fl->nodes.v[0].total == cprof_profile_total(p, 1));
		CHECK(nt == ne);
		for (size_t i = 0; i < ne; i++) {
			bool found = false;
			for (size_t k = 0; k < nt && !found; k++)
				found = !strcmp(top[k].name, e[i].name) &&
					top[k].flat == e[i].flat && top[k].cum == e[i].cum;
			if (!found)
				fprintf(stderr, "case %zu: %s %lld %lld not in the graph's top\n",
					c, e[i].name, (long long)e[i].flat, (long long)e[i].cum);
			CHECK(found);
		}
		free(e);
		cprof_profile_destroy(p);
		cprof_flame_top_free(top, nt);
		cprof_flame_destroy(fl);
	}
	/* told to stop (a viewer's view left the graph): no graph */
	atomic_bool stop;
	atomic_init(&stop, true);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		CHECK(!cprof_flame_from_model(src, cases[c].items, AT(cases[c].from),
					      AT(cases[c].to), &stop, NULL, NULL));
	cprof_flame_source_destroy(src);
	cprof_symbolizer_destroy(sym);
}

/* Node (depth, name, file, total, self) of a tree, for comparing two. */
static int node_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The tree as sorted lines "path total self", one per node. */
static char **tree_lines(const struct cprof_flame *f, size_t *n)
{
	char **v = calloc(f->nodes.n + 1, sizeof(*v));
	char(*path)[512] = calloc(f->nodes.n + 1, sizeof(*path));

	CHECK(v && path);
	for (size_t i = 0; i < f->nodes.n; i++) {
		const struct cprof_flame_node *nd = &f->nodes.v[i];
		if (i == 0)
			snprintf(path[i], sizeof(path[i]), "all");
		else
			snprintf(path[i], sizeof(path[i]), "%.200s/%.100s@%.50s", path[nd->parent],
				 cprof_flame_str(f, nd->name), cprof_flame_str(f, nd->file));
		CHECK(asprintf(&v[i], "%s %lld %lld", path[i], (long long)nd->total,
			       (long long)nd->self) > 0);
	}
	qsort(v, f->nodes.n, sizeof(*v), node_cmp);
	free(path);
	*n = f->nodes.n;
	return v;
}

/* The region graph from the model is the region profile's tree: nested
 * regions, a task at the root taken from the innermost region that has
 * one (a child in a task under a parent in none), a region still open,
 * windows that cut regions. */
static void test_flame_regions(void)
{
	struct cprof_model *m = cprof_model_create();
	static const double windows[][2] = {{0, 100}, {12, 33}, {50, 100}, {90, 95}};
	struct cprof_task *task;

	CHECK(m);
	m->begin_ns = T0;
	m->end_ns = AT(100);
	CHECK(cprof_vec_push(&m->processes));
	for (int i = 0; i < 2; i++) {
		struct cprof_thread *t = cprof_vec_push(&m->threads);
		CHECK(t);
		*t = (struct cprof_thread){
		    .tid = 20 + i, .name = test_str(m, "w"), .end_ns = AT(100)};
	}
	task = cprof_vec_push(&m->tasks);
	*task = (struct cprof_task){
	    .id = 1, .parent = CPROF_NONE, .type = test_str(m, "request"), .begin_ns = AT(10)};
	add_region(m, 0, CPROF_NONE, "serve", 5, 60);
	add_region(m, 0, 0, "parse", 10, 20);
	m->regions.v[m->regions.n - 1].depth = 1;
	add_region(m, 0, 0, "lookup", 12, 18);
	m->regions.v[m->regions.n - 1].depth = 2;
	add_region(m, 0, CPROF_NONE, "parse", 25, 30);
	m->regions.v[m->regions.n - 1].depth = 1;
	add_region(m, 1, CPROF_NONE, "serve", 8, 40);
	add_region(m, 1, CPROF_NONE, "parse", 8, 15);
	m->regions.v[m->regions.n - 1].depth = 1;
	add_region(m, 0, CPROF_NONE, "tail", 70, 0); /* open at the end */

	struct cprof_flame_source *src = cprof_flame_source_create(m, NULL);
	uint64_t none;
	atomic_bool stop;
	CHECK(src);
	/* told to stop while nesting the regions: no graph, and the graphs
	 * after it whole (below) */
	atomic_init(&stop, true);
	CHECK(!cprof_flame_regions(src, AT(0), AT(100), &stop, NULL, NULL, &none));
	for (size_t w = 0; w < sizeof(windows) / sizeof(windows[0]); w++) {
		struct cprof_profile_filter f = {.has_from = true,
						 .has_to = true,
						 .from_ns = (uint64_t)(windows[w][0] * MS),
						 .to_ns = (uint64_t)(windows[w][1] * MS)};
		struct cprof_profiles_report rep;
		struct cprof_profile *p = NULL;
		struct cprof_flame *a, *b;
		uint64_t matched;
		size_t na, nb;

		CHECK(cprof_profile_build(m, NULL, CPROF_PROFILE_REGION, &f, &p, &rep) ==
		      CPROF_PROFILES_OK);
		a = cprof_flame_create(p, (size_t)cprof_profile_sample_type_index(p, "duration"));
		b = cprof_flame_regions(src, AT(windows[w][0]), AT(windows[w][1]), NULL, NULL, NULL,
					&matched);
		CHECK(a && b && matched == rep.matched);
		char **la = tree_lines(a, &na), **lb = tree_lines(b, &nb);
		CHECK(na == nb);
		for (size_t i = 0; i < na; i++) {
			if (strcmp(la[i], lb[i]))
				fprintf(stderr, "window %zu: profile %s, model %s\n", w, la[i],
					lb[i]);
			CHECK(!strcmp(la[i], lb[i]));
			free(la[i]);
			free(lb[i]);
		}
		free(la);
		free(lb);
		cprof_flame_destroy(a);
		cprof_flame_destroy(b);
		cprof_profile_destroy(p);
	}
	cprof_flame_source_destroy(src);
	cprof_model_destroy(m);
}

int main(void)
{
	struct cprof_model *m = make_model();

	test_threads(m);
	test_critpath(m);
	test_counters(m);
	test_flame();
	test_flame_model(m);
	test_flame_regions();
	cprof_model_destroy(m);
	printf("analysis: OK\n");
	return 0;
}
