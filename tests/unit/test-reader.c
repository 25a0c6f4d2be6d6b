/*
 * test-reader FIXTURES: the reader without a session daemon.
 *
 * First its event handlers, fed decoded events directly (no babeltrace2:
 * reader/state.h), each case checking what the model holds after a short
 * sequence. Then cprof_read_trace() and cprof_stats_compute() on the
 * recorded traces in FIXTURES (tests/data/traces, see fixture-app.c for
 * what each holds), good and damaged.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/stats.h"
#include "cprof-tp-enums.h"
#include "cprof-varint.h"
#include "reader/reader.h"
#include "reader/state.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			failures++;                                                                \
			fprintf(stderr, "FAIL %s:%d: %s: ", __func__, __LINE__, #cond);            \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
		}                                                                                  \
	} while (0)

/* ---- handlers, fed decoded events ------------------------------------------ */

struct fixture {
	struct cprof_model *m;
	struct rd_state st;
	int64_t clock_offset; /* of the events fed: origin ns - clock value */
};

static void setup(struct fixture *f, int32_t root_pid)
{
	f->m = cprof_model_create();
	f->clock_offset = 0;
	rd_state_init(&f->st, f->m);
	f->st.root_pid = root_pid;
}

static void teardown(struct fixture *f)
{
	rd_state_fini(&f->st);
	cprof_model_destroy(f->m);
}

/*
 * One event of class `name` at `ns` (ms) from pid/tid; `spec` gives the
 * payload values in the table's order: 'u' an integer, 's' a string, '-'
 * an absent member. Returns what rd_feed returned.
 */
static bool feed(struct fixture *f, const char *name, uint64_t ms, int32_t pid, int32_t tid,
		 const char *spec, ...)
{
	struct rd_event ev = {0};
	va_list ap;

	ev.kind = rd_kind_find(name);
	ev.ns = ms * 1000000u;
	ev.clock_offset = f->clock_offset;
	ev.pid = pid;
	ev.tid = tid;
	ev.procname = "app";
	ev.procname_len = 3;
	va_start(ap, spec);
	for (int i = 0; spec[i]; i++) {
		ev.f[i].s = "";
		if (spec[i] == '-')
			continue;
		ev.present |= 1u << i;
		if (spec[i] == 'u') {
			ev.f[i].u = va_arg(ap, uint64_t);
		} else if (spec[i] == 's') {
			ev.f[i].s = va_arg(ap, const char *);
			ev.f[i].n = strlen(ev.f[i].s);
		} else if (spec[i] == 'a') {
			ev.f[i].a = va_arg(ap, const uint64_t *);
			ev.f[i].n = va_arg(ap, size_t);
		}
	}
	va_end(ap);
	return rd_feed(&f->st, &ev);
}

static const char *warning(struct fixture *f, size_t i)
{
	return i < f->m->warnings.n ? cprof_model_str(f->m, f->m->warnings.v[i].text) : "";
}

static const char *str(struct fixture *f, cprof_str s)
{
	return cprof_model_str(f->m, s);
}

static void test_task_region_log(void)
{
	struct fixture f;

	setup(&f, 0);
	feed(&f, "cprof:task_begin", 1, 10, 10, "uus", (uint64_t)7, (uint64_t)0, "request");
	feed(&f, "cprof:region_begin", 2, 10, 10, "us", (uint64_t)7, "parse");
	feed(&f, "cprof:log", 3, 10, 10, "ussu", (uint64_t)7, "status", "ok", (uint64_t)2);
	feed(&f, "cprof:region_end", 4, 10, 10, "us", (uint64_t)7, "parse");
	feed(&f, "cprof:task_end", 5, 10, 11, "u", (uint64_t)7);
	rd_finish(&f.st);
	CHECK(f.m->processes.n == 1 && f.m->threads.n == 2, "%zu processes, %zu threads",
	      f.m->processes.n, f.m->threads.n);
	CHECK(!strcmp(str(&f, f.m->threads.v[0].name), "app"), "thread named after procname");
	CHECK(f.m->tasks.n == 1 && !strcmp(str(&f, f.m->tasks.v[0].type), "request"), "task");
	CHECK(f.m->tasks.v[0].begin_ns == 1000000 && f.m->tasks.v[0].end_ns == 5000000,
	      "task %" PRIu64 "..%" PRIu64, f.m->tasks.v[0].begin_ns, f.m->tasks.v[0].end_ns);
	CHECK(f.m->tasks.v[0].end_thread == 1, "ended on the second thread");
	CHECK(f.m->regions.n == 1 && f.m->regions.v[0].task == 0, "region in the task");
	CHECK(f.m->regions.v[0].end_ns == 4000000, "region end %" PRIu64, f.m->regions.v[0].end_ns);
	CHECK(f.m->logs.n == 1 && f.m->logs.v[0].task == 0 && f.m->logs.v[0].length == 2, "log");
	CHECK(!strcmp(str(&f, f.m->logs.v[0].message), "ok"), "log message");
	CHECK(f.m->events == 5 && f.m->begin_ns == 1000000 && f.m->end_ns == 5000000,
	      "events %" PRIu64, f.m->events);
	CHECK(f.m->warnings.n == 0, "warning: %s", warning(&f, 0));
	teardown(&f);
}

/* begin A, begin B, end A, end B: B keeps its true end, one warning says so. */
static void test_region_out_of_order(void)
{
	struct fixture f;

	setup(&f, 0);
	feed(&f, "cprof:region_begin", 1, 10, 10, "us", (uint64_t)0, "a");
	feed(&f, "cprof:region_begin", 2, 10, 10, "us", (uint64_t)0, "b");
	feed(&f, "cprof:region_end", 3, 10, 10, "us", (uint64_t)0, "a");
	feed(&f, "cprof:region_end", 9, 10, 10, "us", (uint64_t)0, "b");
	rd_finish(&f.st);
	CHECK(f.m->regions.v[0].end_ns == 3000000, "a ends at 3 ms");
	CHECK(f.m->regions.v[1].end_ns == 9000000, "b ends at 9 ms, not %" PRIu64,
	      f.m->regions.v[1].end_ns);
	CHECK(f.m->warnings.n == 1 && strstr(warning(&f, 0), "'b'") &&
		  strstr(warning(&f, 0), "ended after its enclosing region 'a'"),
	      "warning: %s", warning(&f, 0));
	teardown(&f);
}

/* begin A, begin B, end A, nothing more: B closed with A, and said so. */
static void test_region_forgotten_and_open(void)
{
	struct fixture f;

	setup(&f, 0);
	feed(&f, "cprof:region_begin", 1, 10, 10, "us", (uint64_t)0, "a");
	feed(&f, "cprof:region_begin", 2, 10, 10, "us", (uint64_t)0, "b");
	feed(&f, "cprof:region_end", 3, 10, 10, "us", (uint64_t)0, "a");
	feed(&f, "cprof:region_begin", 4, 10, 10, "us", (uint64_t)0, "c");
	feed(&f, "cprof:region_end", 5, 10, 10, "us", (uint64_t)0, "nosuch");
	feed(&f, "cprof:log", 6, 10, 10, "ussu", (uint64_t)0, "x", "y", (uint64_t)1);
	rd_finish(&f.st);
	CHECK(f.m->regions.v[1].end_ns == 3000000, "b closed with a");
	CHECK(f.m->regions.v[2].end_ns == 0, "c still open");
	CHECK(f.m->warnings.n == 3, "%zu warnings", f.m->warnings.n);
	CHECK(strstr(warning(&f, 0), "'b' on thread 10 (app) was not ended before its enclosing "
				     "region 'a'"),
	      "%s", warning(&f, 0));
	CHECK(strstr(warning(&f, 1), "'nosuch' ended on thread 10 (app) with no open region"), "%s",
	      warning(&f, 1));
	CHECK(strstr(warning(&f, 2), "'c' on thread 10 (app) still open at the end"), "%s",
	      warning(&f, 2));
	teardown(&f);
}

static void test_region_other_thread(void)
{
	struct fixture f;

	setup(&f, 0);
	feed(&f, "cprof:region_begin", 1, 10, 10, "us", (uint64_t)0, "e");
	feed(&f, "cprof:region_end", 4, 10, 11, "us", (uint64_t)0, "e");
	rd_finish(&f.st);
	CHECK(f.m->regions.n == 1 && f.m->regions.v[0].end_ns == 4000000, "e ended by thread 11");
	CHECK(f.m->warnings.n == 1 && strstr(warning(&f, 0), "began on thread 10 (app) and ended "
							     "on thread 11 (app)"),
	      "%s", warning(&f, 0));
	teardown(&f);
}

/* A wait whose end was lost ends at the thread's next own event; the
 * allocator's events during the wait do not end it. */
static void test_wait_end_lost(void)
{
	struct fixture f;

	setup(&f, 0);
	feed(&f, "cprof:wait_begin", 1, 10, 10, "uuu", (uint64_t)0xab,
	     (uint64_t)CPROF_TP_WAIT_MUTEX, (uint64_t)0);
	feed(&f, "cprof:alloc", 2, 10, 10, "uuu", (uint64_t)0x1000, (uint64_t)64, (uint64_t)0);
	CHECK(f.m->waits.v[0].end_ns == 0, "an alloc does not end the wait");
	feed(&f, "cprof:region_begin", 5, 10, 10, "us", (uint64_t)0, "r");
	CHECK(f.m->waits.v[0].end_ns == 5000000, "wait ends at 5 ms, not %" PRIu64,
	      f.m->waits.v[0].end_ns);
	CHECK(f.m->warnings.n == 1 && strstr(warning(&f, 0), "mutex wait on 0xab by thread 10 "
							     "(app): its end was not recorded"),
	      "%s", warning(&f, 0));
	feed(&f, "cprof:wait_begin", 6, 10, 10, "uuu", (uint64_t)0xcd, (uint64_t)CPROF_TP_WAIT_COND,
	     (uint64_t)0);
	feed(&f, "cprof:wait_end", 8, 10, 10, "uuu", (uint64_t)0xcd, (uint64_t)CPROF_TP_WAIT_COND,
	     (uint64_t)-1);
	CHECK(f.m->waits.v[1].end_ns == 8000000 && f.m->waits.v[1].result == -1, "wait_end");
	teardown(&f);
}

/*
 * A wait begins at its begin_ns (the hook's clock, before it flushed and
 * unwound), converted like the event's stamp, never after the stamp;
 * without it (older traces) or 0, at the stamp. The process and thread
 * were there from that begin on.
 */
static void test_wait_begin_ns(void)
{
	struct fixture f;
	const struct cprof_wait *w;

	setup(&f, 0);
	/* the trace's times are the clock's value plus 1 s */
	f.clock_offset = 1000000000;
	feed(&f, "cprof:wait_begin", 1010, 10, 10, "uuuu", (uint64_t)0xab,
	     (uint64_t)CPROF_TP_WAIT_MUTEX, (uint64_t)0, (uint64_t)7500000);
	feed(&f, "cprof:wait_end", 1012, 10, 10, "uuu", (uint64_t)0xab,
	     (uint64_t)CPROF_TP_WAIT_MUTEX, (uint64_t)0);
	feed(&f, "cprof:wait_begin", 1020, 10, 10, "uuu", (uint64_t)0xcd,
	     (uint64_t)CPROF_TP_WAIT_COND, (uint64_t)0);
	feed(&f, "cprof:wait_end", 1021, 10, 10, "uuu", (uint64_t)0xcd,
	     (uint64_t)CPROF_TP_WAIT_COND, (uint64_t)0);
	feed(&f, "cprof:wait_begin", 1030, 10, 10, "uuuu", (uint64_t)0xef,
	     (uint64_t)CPROF_TP_WAIT_SEM, (uint64_t)0, (uint64_t)0);
	feed(&f, "cprof:wait_end", 1031, 10, 10, "uuu", (uint64_t)0xef, (uint64_t)CPROF_TP_WAIT_SEM,
	     (uint64_t)0);
	/* a begin after the event's own stamp cannot be: the stamp */
	feed(&f, "cprof:wait_begin", 1040, 10, 10, "uuuu", (uint64_t)0xab,
	     (uint64_t)CPROF_TP_WAIT_MUTEX, (uint64_t)0, (uint64_t)45000000);
	feed(&f, "cprof:wait_end", 1050, 10, 10, "uuu", (uint64_t)0xab,
	     (uint64_t)CPROF_TP_WAIT_MUTEX, (uint64_t)0);
	rd_finish(&f.st);
	CHECK(f.m->waits.n == 4, "%zu waits", f.m->waits.n);
	w = f.m->waits.v;
	CHECK(w[0].begin_ns == 1007500000 && w[0].end_ns == 1012000000,
	      "begin_ns: %" PRIu64 "..%" PRIu64, w[0].begin_ns, w[0].end_ns);
	CHECK(w[1].begin_ns == 1020000000, "no begin_ns: %" PRIu64, w[1].begin_ns);
	CHECK(w[2].begin_ns == 1030000000, "begin_ns 0: %" PRIu64, w[2].begin_ns);
	CHECK(w[3].begin_ns == 1040000000, "begin_ns after the stamp: %" PRIu64, w[3].begin_ns);
	CHECK(f.m->begin_ns == 1007500000 && f.m->threads.v[0].first_ns == 1007500000,
	      "trace from %" PRIu64 ", thread from %" PRIu64, f.m->begin_ns,
	      f.m->threads.v[0].first_ns);
	teardown(&f);
}

static void test_allocs(void)
{
	struct fixture f;

	setup(&f, 0);
	feed(&f, "cprof:alloc", 1, 10, 10, "uuu", (uint64_t)0x1000, (uint64_t)64, (uint64_t)0);
	feed(&f, "cprof:free", 2, 10, 10, "u", (uint64_t)0x1000);
	feed(&f, "cprof:alloc", 3, 10, 10, "uuu", (uint64_t)0x1000, (uint64_t)32, (uint64_t)0);
	/* the same address again, its free lost: the block was freed by now */
	feed(&f, "cprof:alloc", 4, 10, 10, "uuu", (uint64_t)0x1000, (uint64_t)16, (uint64_t)0);
	feed(&f, "cprof:free", 5, 10, 10, "u", (uint64_t)0x9999);
	CHECK(f.m->allocs.n == 3, "%zu allocs", f.m->allocs.n);
	CHECK(f.m->allocs.v[0].free_ns == 2000000, "first freed at 2 ms");
	CHECK(f.m->allocs.v[1].free_ns == 4000000, "second freed when its address came back");
	CHECK(f.m->allocs.v[2].free_ns == 0 && f.m->allocs.v[2].size == 16, "third in use");
	teardown(&f);
}

static void test_stacks_and_threads(void)
{
	static const uint64_t ips[] = {0x401000, 0x402000, 0x403000};
	struct fixture f;
	const struct cprof_stack *s;

	setup(&f, 0);
	feed(&f, "cprof:stack", 1, 10, 10, "ua", (uint64_t)5, ips, (size_t)3);
	feed(&f, "cprof:cpu_sample", 2, 10, 10, "u", (uint64_t)5);
	feed(&f, "cprof:cpu_sample", 3, 10, 10, "u", (uint64_t)6); /* unknown stack: none */
	feed(&f, "cprof:thread_start", 4, 10, 11, "uuu", (uint64_t)10, (uint64_t)0x4000,
	     (uint64_t)5);
	feed(&f, "cprof:thread_name", 5, 10, 10, "us", (uint64_t)11, "worker");
	feed(&f, "cprof:thread_exit", 6, 10, 11, "-");
	CHECK(f.m->samples.n == 2 && f.m->samples.v[1].stack == 0, "samples");
	s = &f.m->stacks.v[f.m->samples.v[0].stack];
	CHECK(f.m->samples.v[0].stack && s->depth == 3 && f.m->frames.v[s->first + 2] == 0x403000,
	      "sample stack");
	CHECK(f.m->threads.n == 2 && !strcmp(str(&f, f.m->threads.v[1].name), "worker"),
	      "thread 11 renamed by thread 10");
	CHECK(f.m->threads.v[1].parent_tid == 10 && f.m->threads.v[1].start_routine == 0x4000 &&
		  f.m->threads.v[1].create_stack == f.m->samples.v[0].stack &&
		  f.m->threads.v[1].end_ns == 6000000,
	      "thread start and exit");
	CHECK(f.m->counters.n == 1 && f.m->counters.v[0].points.n == 2 &&
		  f.m->counters.v[0].points.v[0].value == 2 &&
		  f.m->counters.v[0].points.v[1].value == 1,
	      "threads alive 2 then 1");
	teardown(&f);
}

/*
 * A state dump (thread 12, the preload's) naming thread 11 and a live
 * block; whole, or, as a snapshot whose ring buffer overwrote its
 * beginning leaves it, without its state_begin: the rest of it is the
 * dumping thread's all the same, and the model the same.
 */
static void feed_dump(struct fixture *f, bool whole)
{
	feed(f, "cprof:cpu_sample", 1, 10, 10, "u", (uint64_t)0);
	feed(f, "cprof:cpu_sample", 2, 10, 11, "u", (uint64_t)0);
	if (whole)
		feed(f, "cprof:state_begin", 3, 10, 12, "u", (uint64_t)1);
	feed(f, "cprof:thread_state", 4, 10, 12, "usuuuuuuuu", (uint64_t)11, "worker-1",
	     (uint64_t)0, (uint64_t)0, (uint64_t)10, (uint64_t)0x4000, (uint64_t)0, (uint64_t)0,
	     (uint64_t)0, (uint64_t)0);
	feed(f, "cprof:state_alloc", 5, 10, 12, "uuuu", (uint64_t)11, (uint64_t)0x1000,
	     (uint64_t)4096, (uint64_t)0);
	feed(f, "cprof:state_end", 6, 10, 12, "u", (uint64_t)1);
	feed(f, "cprof:cpu_sample", 7, 10, 11, "u", (uint64_t)0);
}

static void test_state_dump_partial(void)
{
	for (int whole = 1; whole >= 0; whole--) {
		struct fixture f;

		setup(&f, 0);
		feed_dump(&f, whole);
		CHECK(f.m->threads.n == 2 && f.m->threads.v[0].tid == 10 &&
			  f.m->threads.v[1].tid == 11,
		      "%s dump: %zu threads (the dumping one among them?)",
		      whole ? "whole" : "partial", f.m->threads.n);
		CHECK(f.m->threads.n > 1 && !strcmp(str(&f, f.m->threads.v[1].name), "worker-1"),
		      "%s dump: thread 11 named '%s'", whole ? "whole" : "partial",
		      f.m->threads.n > 1 ? str(&f, f.m->threads.v[1].name) : "");
		CHECK(f.m->thread_states.n == 1 && f.m->allocs.n == 1 &&
			  f.m->allocs.v[0].size == 4096 &&
			  f.m->threads.v[1].start_routine == 0x4000,
		      "%s dump: %zu thread states, %zu allocs", whole ? "whole" : "partial",
		      f.m->thread_states.n, f.m->allocs.n);
		CHECK(f.m->state_end_ns == 6000000 &&
			  f.m->state_begin_ns == (whole ? 3000000u : 0u),
		      "%s dump: begin %" PRIu64 " end %" PRIu64, whole ? "whole" : "partial",
		      f.m->state_begin_ns, f.m->state_end_ns);
		teardown(&f);
	}
}

/* With a root pid, only the tree rooted there is kept: a child names its
 * parent in cprof:process (or cprof:config); unrelated processes go. */
static void test_process_tree(void)
{
	struct fixture f;

	setup(&f, 100);
	CHECK(feed(&f, "cprof:process", 1, 100, 100, "u", (uint64_t)1), "root kept");
	CHECK(feed(&f, "cprof:process", 2, 200, 200, "u", (uint64_t)100), "child kept");
	CHECK(!feed(&f, "cprof:process", 3, 300, 300, "u", (uint64_t)999), "stranger left out");
	CHECK(!feed(&f, "cprof:log", 4, 300, 300, "ussu", (uint64_t)0, "x", "y", (uint64_t)1),
	      "stranger's events left out");
	CHECK(feed(&f, "cprof:config", 5, 400, 400, "uuuuuuu", (uint64_t)CPROF_TP_ALLOC_SAMPLE,
		   (uint64_t)4096, (uint64_t)100, (uint64_t)10000, (uint64_t)32, (uint64_t)0,
		   (uint64_t)200),
	      "grandchild kept through cprof:config");
	rd_finish(&f.st);
	CHECK(f.m->processes.n == 3 && f.m->events == 3, "%zu processes, %" PRIu64 " events",
	      f.m->processes.n, f.m->events);
	CHECK(f.m->processes.v[1].ppid == 100 && f.m->processes.v[2].ppid == 200, "ppids");
	CHECK(f.m->processes.v[2].has_config && f.m->processes.v[2].alloc_rate == 4096 &&
		  f.m->processes.v[2].cpu_rate == 100,
	      "config");
	teardown(&f);
}

/*
 * cprof:module (the preload library's, from memory) and lttng-ust's
 * statedump in one trace (a session of the user's own): one module per
 * object while it is loaded, what the first report lacked filled in from
 * the second; a dlclose ends it and a new load at the same base is new.
 * The loader's names are resolved as lttng-ust's realpath resolved them.
 */
static void test_modules_both_sources(void)
{
	struct fixture f;
	char *real = realpath("/usr/bin/..", NULL);

	setup(&f, 0);
	feed(&f, "lttng_ust_statedump:bin_info", 1, 10, 10, "uusu", (uint64_t)0x7000,
	     (uint64_t)0x1000, "/lib/x.so", (uint64_t)1);
	feed(&f, "cprof:module", 2, 10, 10, "uusus", (uint64_t)0x7000, (uint64_t)0x1000,
	     "/lib/x.so", (uint64_t)1, "abcd");
	feed(&f, "lttng_ust_statedump:build_id", 3, 10, 10, "us", (uint64_t)0x7000, "abcd");
	feed(&f, "cprof:module", 4, 10, 10, "uusus", (uint64_t)0x9000, (uint64_t)0x2000,
	     "/usr/bin/..", (uint64_t)1, "");
	feed(&f, "cprof:module", 5, 10, 10, "uusus", (uint64_t)0x9000, (uint64_t)0x2000,
	     "/usr/bin/..", (uint64_t)1, "");
	feed(&f, "cprof:module_unload", 6, 10, 10, "u", (uint64_t)0x9000);
	feed(&f, "cprof:module", 7, 10, 10, "uusus", (uint64_t)0x9000, (uint64_t)0x3000,
	     "/lib/z.so", (uint64_t)1, "ef01");
	feed(&f, "cprof:process", 8, 10, 10, "u", (uint64_t)1);
	rd_finish(&f.st);
	CHECK(f.m->modules.n == 3, "%zu modules, want x, the one unloaded, z", f.m->modules.n);
	if (f.m->modules.n == 3) {
		const struct cprof_module *x = &f.m->modules.v[0], *gone = &f.m->modules.v[1],
					  *z = &f.m->modules.v[2];

		CHECK(x->base == 0x7000 && !strcmp(str(&f, x->build_id), "abcd") &&
			  !strcmp(str(&f, x->path), "/lib/x.so"),
		      "x once, with the build-id only cprof:module gave");
		CHECK(gone->unload_ns == 6000000 && real && !strcmp(str(&f, gone->path), real),
		      "unloaded at 6 ms, its path resolved: %s", str(&f, gone->path));
		CHECK(z->base == 0x9000 && z->load_ns == 7000000 && !z->unload_ns &&
			  z->size == 0x3000 && !strcmp(str(&f, z->build_id), "ef01"),
		      "z loaded at the same base after");
	}
	free(real);
	teardown(&f);
}

static void test_modules_and_unknown(void)
{
	struct fixture f;

	setup(&f, 0);
	feed(&f, "lttng_ust_statedump:bin_info", 1, 10, 10, "uusu", (uint64_t)0x7000,
	     (uint64_t)0x1000, "/lib/x.so", (uint64_t)1);
	feed(&f, "lttng_ust_statedump:build_id", 1, 10, 10, "us", (uint64_t)0x7000, "abcd");
	feed(&f, "lttng_ust_statedump:bin_info", 1, 20, 20, "uusu", (uint64_t)0x8000,
	     (uint64_t)0x1000, "/lib/y.so", (uint64_t)1);
	feed(&f, "cprof:not_known_yet", 2, 10, 10, "");
	feed(&f, "other:event", 3, 10, 10, "");
	rd_finish(&f.st);
	/* pid 20 emitted no cprof event: its module goes */
	CHECK(f.m->modules.n == 1 && f.m->modules.v[0].process == 0 &&
		  !strcmp(str(&f, f.m->modules.v[0].build_id), "abcd"),
	      "%zu modules", f.m->modules.n);
	CHECK(f.m->threads.n == 1 && f.m->threads.v[0].events == 1, "unknown cprof event counted");
	CHECK(f.m->events == 4, "%" PRIu64 " events of kept processes", f.m->events);
	feed(&f, "cprof:counter", 4, 10, 10, "su", "depth", (uint64_t)5);
	feed(&f, "cprof:counter", 5, 10, 10, "su", "depth", (uint64_t)2);
	feed(&f, "cprof:counter", 6, 10, 10, "su", "other", (uint64_t)9);
	CHECK(f.m->counters.n == 2 && f.m->counters.v[0].user && f.m->counters.v[0].points.n == 2 &&
		  f.m->counters.v[0].points.v[1].value == 2 &&
		  !strcmp(str(&f, f.m->counters.v[1].name), "other"),
	      "user counters: one track per name");
	teardown(&f);
}

static void test_warning_event(void)
{
	struct fixture f;

	setup(&f, 0);
	feed(&f, "cprof:warning", 1, 10, 10, "us", (uint64_t)CPROF_TP_WARN_NULL_TYPE, "NULL type");
	feed(&f, "cprof:task_end", 2, 10, 10, "u", (uint64_t)42);
	/* an end with no begin is reported at the end of the trace: the begin
	 * may be in another thread's batch, read later */
	CHECK(f.m->warnings.n == 1, "%zu warnings before the end", f.m->warnings.n);
	rd_finish(&f.st);
	CHECK(!strcmp(warning(&f, 0), "NULL task or region type on thread 10 (app): NULL type"),
	      "%s", warning(&f, 0));
	CHECK(!strcmp(warning(&f, 1), "task 42 ended on thread 10 (app) but never began in the "
				      "trace"),
	      "%s", warning(&f, 1));
	teardown(&f);
}

/* ---- recorded traces --------------------------------------------------------- */

static const char *fixtures;

static enum cprof_read_status read_fixture(const char *name, const struct cprof_read_options *o,
					   struct cprof_model **m, char *err, size_t errlen)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", fixtures, name);
	return cprof_read_trace(path, o, m, err, errlen);
}

static const struct cprof_stats_dist *
dist(const struct cprof_model *m, const struct cprof_stats_dist *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(cprof_model_str(m, v[i].key), name))
			return &v[i];
	return NULL;
}

/* ---- cprof:batch (tracer/batch.c's format, cprof-tp-enums.h) ------------- */

struct bytes {
	uint8_t v[512];
	size_t n;
};

/* Batches as traces of before hold them: plain LEB128 varints in integer
 * arrays (the reader is told by the field's type: RD_BYTES' u is 0). */
static bool legacy;

static void put(struct bytes *b, uint64_t v)
{
	if (legacy) {
		while (v >= 0x80) {
			b->v[b->n++] = (uint8_t)(v | 0x80);
			v >>= 7;
		}
		b->v[b->n++] = (uint8_t)v;
		return;
	}
	b->n = (size_t)(cprof_varint_put(b->v + b->n, v) - b->v);
}

static void put_str(struct bytes *b, uint64_t id, const char *s)
{
	put(b, id);
	put(b, strlen(s));
	memcpy(b->v + b->n, s, strlen(s));
	b->n += strlen(s);
}

/* A record: its time in ms after the previous one, its kind, its varints. */
static void put_rec(struct bytes *b, uint64_t ms, unsigned kind, int n, ...)
{
	va_list ap;

	put(b, ms * 1000000u << CPROF_TP_REC_KIND_BITS | kind);
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		put(b, va_arg(ap, uint64_t));
	va_end(ap);
}

static unsigned records_seen;

static void count_record(void *data, struct rd_event *ev)
{
	(void)data;
	(void)ev;
	records_seen++;
}

/* count_record, or NULL: the reader's own (no dump), which lets the
 * batch's region records skip rd_feed (rd_fast_take) */
static rd_record_fn batch_kept = count_record;

static void feed_batch(struct fixture *f, int32_t tid, uint64_t base_ms, uint64_t first,
		       const struct bytes *strings, const struct bytes *records)
{
	struct rd_event ev = {0};

	ev.kind = rd_kind_find("cprof:batch");
	ev.ns = base_ms * 1000000u + 50000000u; /* emitted later */
	ev.pid = 10;
	ev.tid = 99; /* the flusher thread emitted it */
	ev.procname = "app";
	ev.procname_len = 3;
	ev.present = 0x3f;
	ev.f[0].u = (uint64_t)tid;
	ev.f[1].u = base_ms * 1000000u;
	ev.f[2].u = first;
	ev.f[4].s = (const char *)strings->v;
	ev.f[4].n = strings->n;
	ev.f[4].u = !legacy;
	ev.f[5].s = (const char *)records->v;
	ev.f[5].n = records->n;
	ev.f[5].u = !legacy;
	CHECK(legacy || (!memchr(strings->v, 0, strings->n) && !memchr(records->v, 0, records->n)),
	      "a zero byte in a batch's strings or records");
	rd_batch_unpack(&f->st, &ev, batch_kept, NULL);
}

/*
 * Two threads' batches read in the order they were emitted, not in the
 * order of their records: the worker's batch (a region of task 5, the
 * task's end) comes before the main thread's (the task's begin). Then a
 * gap in the main thread's sequence: its records are lost records.
 */
static void test_batch(void)
{
	struct fixture f;
	struct bytes s1 = {0}, r1 = {0}, s2 = {0}, r2 = {0}, r3 = {0};
	const struct cprof_region *reg;
	const struct cprof_task *task;

	records_seen = 0;
	setup(&f, 0);
	feed(&f, "cprof:process", 1, 10, 10, "u", (uint64_t)1);
	put_str(&s1, 7, "parse");
	put_rec(&r1, 20, CPROF_TP_REC_REGION_BEGIN, 2, (uint64_t)5, (uint64_t)7);
	put_rec(&r1, 1, CPROF_TP_REC_REGION_END, 2, (uint64_t)5, (uint64_t)7);
	put_rec(&r1, 1, CPROF_TP_REC_TASK_END, 1, (uint64_t)5);
	put_rec(&r1, 1, CPROF_TP_REC_COUNTER, 2, (uint64_t)7, (uint64_t)5); /* zigzag -3 */
	feed_batch(&f, 11, 0, 0, &s1, &r1);
	put_str(&s2, 3, "request");
	put_rec(&r2, 10, CPROF_TP_REC_TASK_BEGIN, 3, (uint64_t)5, (uint64_t)0, (uint64_t)3);
	put_rec(&r2, 1, CPROF_TP_REC_REGION_BEGIN, 2, (uint64_t)0, (uint64_t)3);
	feed_batch(&f, 10, 0, 0, &s2, &r2);
	/* records 2..4 of the main thread were lost; 5 ends its region */
	put_rec(&r3, 30, CPROF_TP_REC_REGION_END, 2, (uint64_t)0, (uint64_t)3);
	feed_batch(&f, 10, 40, 5, &s2, &r3);
	rd_finish(&f.st);

	CHECK(records_seen == 7, "%u records", records_seen);
	CHECK(f.m->events == 8, "%" PRIu64 " events (7 records and cprof:process)", f.m->events);
	CHECK(f.m->tasks.n == 1, "%zu tasks", f.m->tasks.n);
	task = &f.m->tasks.v[0];
	CHECK(task->begin_ns == 10000000u && task->end_ns == 22000000u,
	      "task %" PRIu64 "..%" PRIu64, task->begin_ns, task->end_ns);
	CHECK(task->end_thread != CPROF_NONE && f.m->threads.v[task->end_thread].tid == 11,
	      "task ended on the worker");
	CHECK(f.m->regions.n == 2, "%zu regions", f.m->regions.n);
	reg = &f.m->regions.v[0];
	CHECK(reg->task == 0 && !strcmp(str(&f, reg->type), "parse") &&
		  reg->begin_ns == 20000000u && reg->end_ns == 21000000u,
	      "worker's region: task %u type %s", reg->task, str(&f, reg->type));
	reg = &f.m->regions.v[1];
	/* its end after the gap cannot be told from that of a region begun
	 * in the gap: cut at the thread's last record before it */
	CHECK(reg->end_ns == 11000000u && !strcmp(str(&f, reg->type), "request"),
	      "main thread's region cut at the gap: %" PRIu64, reg->end_ns);
	CHECK(f.m->counters.n == 1 && f.m->counters.v[0].points.v[0].value == -3, "counter value");
	CHECK(f.m->warnings.n == 1 &&
		  strstr(warning(&f, 0), "thread 10 (app): 3 records lost by LTTng") &&
		  strstr(warning(&f, 0), "1 region open at a gap was cut") &&
		  strstr(warning(&f, 0), "1 region end whose begin was lost was left out"),
	      "warning: %s", warning(&f, 0));
	CHECK(f.m->lost.n == 1 && f.m->lost.v[0].count == 3 && f.m->lost_records == 3 &&
		  f.m->lost_events == 0 && f.m->lost.v[0].tid == 10 &&
		  f.m->lost.v[0].begin_ns == 11000000u && f.m->lost.v[0].end_ns == 40000000u,
	      "lost: %zu ranges, %" PRIu64 " records", f.m->lost.n, f.m->lost_records);
	CHECK(f.m->threads.n == 2 && f.m->threads.v[1].tid == 11 &&
		  !strcmp(str(&f, f.m->threads.v[1].name), ""),
	      "the worker is not named after the emitting thread's procname");
	teardown(&f);
}

/* Varints written NUL-free read back, the edges included. */
static void test_varint(void)
{
	static const uint64_t vals[] = {0,	   1, 126, 127, 128, 16383, 16384, UINT64_MAX - 1,
					UINT64_MAX};

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		uint8_t buf[16];
		uint8_t *end = cprof_varint_put(buf, vals[i]);
		uint64_t v = 42;
		const uint8_t *p = cprof_varint_get(buf, end, &v);

		CHECK(p == end && v == vals[i], "varint %" PRIu64 " read as %" PRIu64, vals[i], v);
		CHECK(!memchr(buf, 0, (size_t)(end - buf)), "varint %" PRIu64 " has a zero byte",
		      vals[i]);
	}
}

/*
 * Region records after a batch's first go straight to the region
 * handlers (no dump), into regions the reader placed in memory their
 * vector may not grow (the cache file): once full, they move to the
 * heap. Nesting, types, times and the thread's counts as through rd_feed.
 */
static void test_batch_fast_fixed(void)
{
	struct fixture f;
	struct bytes s = {0}, r = {0};
	static struct cprof_region room[2];
	const struct cprof_region *reg;

	setup(&f, 0);
	feed(&f, "cprof:process", 1, 10, 10, "u", (uint64_t)1);
	free(f.m->regions.v);
	f.m->regions.v = room;
	f.m->regions.cap = 2;
	f.st.regions_fixed = true;
	put_str(&s, 1, "outer");
	put_str(&s, 2, "inner");
	put_rec(&r, 10, CPROF_TP_REC_REGION_BEGIN, 2, (uint64_t)0, (uint64_t)1);
	put_rec(&r, 1, CPROF_TP_REC_REGION_BEGIN, 2, (uint64_t)0, (uint64_t)2);
	put_rec(&r, 1, CPROF_TP_REC_REGION_END, 2, (uint64_t)0, (uint64_t)2);
	put_rec(&r, 1, CPROF_TP_REC_REGION_BEGIN, 2, (uint64_t)0, (uint64_t)2);
	put_rec(&r, 1, CPROF_TP_REC_REGION_END, 2, (uint64_t)0, (uint64_t)2);
	put_rec(&r, 1, CPROF_TP_REC_REGION_END, 2, (uint64_t)0, (uint64_t)1);
	batch_kept = NULL;
	feed_batch(&f, 10, 0, 0, &s, &r);
	batch_kept = count_record;
	rd_finish(&f.st);

	CHECK(f.m->regions.v != room && !f.st.regions_fixed, "the regions did not move");
	CHECK(f.m->regions.n == 3, "%zu regions", f.m->regions.n);
	reg = &f.m->regions.v[0];
	CHECK(!strcmp(str(&f, reg->type), "outer") && reg->depth == 0 &&
		  reg->begin_ns == 10000000u && reg->end_ns == 15000000u,
	      "outer: %s depth %u %" PRIu64 "..%" PRIu64, str(&f, reg->type), reg->depth,
	      (uint64_t)reg->begin_ns, (uint64_t)reg->end_ns);
	for (int i = 1; i < 3; i++) {
		reg = &f.m->regions.v[i];
		CHECK(!strcmp(str(&f, reg->type), "inner") && reg->depth == 1 &&
			  reg->end_ns == reg->begin_ns + 1000000u && reg->task == CPROF_NONE,
		      "inner %d: %s depth %u", i, str(&f, reg->type), reg->depth);
	}
	CHECK(f.m->events == 7, "%" PRIu64 " events (6 records and cprof:process)", f.m->events);
	CHECK(f.m->threads.n == 1 && f.m->threads.v[0].events == 7 &&
		  f.m->threads.v[0].last_ns == 15000000u,
	      "thread: %" PRIu64 " events, last %" PRIu64, f.m->threads.v[0].events,
	      f.m->threads.v[0].last_ns);
	CHECK(f.m->warnings.n == 0, "warning: %s", warning(&f, 0));
	teardown(&f);
}

/*
 * A lost batch took a region's begin: its end, read later on the same
 * thread, must not end the region of that type another thread has open
 * (with a warning that it moved between threads), which then ends on its
 * own thread as recorded.
 */
static void test_batch_lost_begin(void)
{
	struct fixture f;
	struct bytes s = {0}, a = {0}, c = {0}, w1 = {0}, w2 = {0};
	const struct cprof_region *reg;

	setup(&f, 0);
	feed(&f, "cprof:process", 1, 10, 10, "u", (uint64_t)1);
	put_str(&s, 1, "parse");
	/* thread 11 begins parse at 5 ms */
	put_rec(&w1, 5, CPROF_TP_REC_REGION_BEGIN, 2, (uint64_t)0, (uint64_t)1);
	feed_batch(&f, 11, 0, 0, &s, &w1);
	/* thread 10: parse 10..11 ms; its next batch (parse begins at 12 ms)
	 * is lost; the one after ends parse at 20 ms */
	put_rec(&a, 10, CPROF_TP_REC_REGION_BEGIN, 2, (uint64_t)0, (uint64_t)1);
	put_rec(&a, 1, CPROF_TP_REC_REGION_END, 2, (uint64_t)0, (uint64_t)1);
	feed_batch(&f, 10, 0, 0, &s, &a);
	put_rec(&c, 8, CPROF_TP_REC_REGION_END, 2, (uint64_t)0, (uint64_t)1);
	feed_batch(&f, 10, 12, 3, &s, &c);
	/* thread 11 ends its parse at 30 ms */
	put_rec(&w2, 25, CPROF_TP_REC_REGION_END, 2, (uint64_t)0, (uint64_t)1);
	feed_batch(&f, 11, 5, 1, &s, &w2);
	rd_finish(&f.st);

	CHECK(f.m->lost_records == 1, "%" PRIu64 " records lost", f.m->lost_records);
	CHECK(f.m->regions.n == 2, "%zu regions", f.m->regions.n);
	reg = &f.m->regions.v[0];
	CHECK(f.m->threads.v[reg->thread].tid == 11 && reg->begin_ns == 5000000u &&
		  reg->end_ns == 30000000u,
	      "thread 11's parse: %" PRIu64 "..%" PRIu64, (uint64_t)reg->begin_ns,
	      (uint64_t)reg->end_ns);
	CHECK(f.m->warnings.n == 1 &&
		  strstr(warning(&f, 0), "1 region end whose begin was lost was left out"),
	      "%zu warnings: %s", f.m->warnings.n, warning(&f, 0));
	teardown(&f);
}

/*
 * A snapshot of overwrite-mode ring buffers whose window common to every
 * CPU starts at 40 ms: thread 10's gap at 10..20 ms opens before it (its
 * batches went to a CPU whose buffer overwrote them: not lost), its gap at
 * 50..60 ms inside it (lost, as without a window). A parse open at the
 * first gap is cut there, as at a loss, and the thread's warnings say
 * which gap is which.
 */
static void test_batch_window(void)
{
	struct fixture f;
	struct bytes s = {0}, a = {0}, b = {0}, c = {0};

	setup(&f, 0);
	f.st.window_ns = f.m->window_ns = 40000000u;
	feed(&f, "cprof:process", 1, 10, 10, "u", (uint64_t)1);
	put_str(&s, 1, "parse");
	put_rec(&a, 10, CPROF_TP_REC_REGION_BEGIN, 2, (uint64_t)0, (uint64_t)1);
	feed_batch(&f, 10, 0, 0, &s, &a);
	/* records 1..4 overwritten; records 5 and 6: parse 20..50 ms */
	put_rec(&b, 20, CPROF_TP_REC_REGION_BEGIN, 2, (uint64_t)0, (uint64_t)1);
	put_rec(&b, 30, CPROF_TP_REC_REGION_END, 2, (uint64_t)0, (uint64_t)1);
	feed_batch(&f, 10, 0, 5, &s, &b);
	/* records 7..8 lost inside the window; record 9 at 60 ms */
	put_rec(&c, 0, CPROF_TP_REC_REGION_BEGIN, 2, (uint64_t)0, (uint64_t)1);
	feed_batch(&f, 10, 60, 9, &s, &c);
	rd_finish(&f.st);

	CHECK(f.m->lost_records == 2 && f.m->overwritten_records == 4 &&
		  f.m->overwritten_threads == 1,
	      "lost %" PRIu64 ", overwritten %" PRIu64 " of %" PRIu64 " threads", f.m->lost_records,
	      f.m->overwritten_records, f.m->overwritten_threads);
	CHECK(f.m->lost.n == 1 && f.m->lost.v[0].begin_ns == 50000000u &&
		  f.m->lost.v[0].end_ns == 60000000u,
	      "%zu lost ranges", f.m->lost.n);
	CHECK(f.m->regions.n == 3 && f.m->regions.v[0].end_ns == 10000000u,
	      "%zu regions, the first cut at %" PRIu64, f.m->regions.n,
	      f.m->regions.n ? (uint64_t)f.m->regions.v[0].end_ns : 0);
	CHECK(f.m->warnings.n >= 1 && strstr(warning(&f, 0), "2 records lost by LTTng") &&
		  strstr(warning(&f, 0), "more were overwritten before the snapshot's window"),
	      "%zu warnings: %s", f.m->warnings.n, f.m->warnings.n ? warning(&f, 0) : "");
	teardown(&f);
}

/*
 * A signal handler's region emitted alone (its thread was appending) is
 * read before its thread's batch around it: it goes in by its time, not
 * into the region the thread had open at its previous batch's end. One
 * later than all its thread's records goes in at the end of the trace.
 */
static void test_batch_alone(void)
{
	struct fixture f;
	struct bytes s = {0}, a = {0}, h1 = {0}, h2 = {0}, b = {0}, h3 = {0};
	const struct cprof_region *reg;

	setup(&f, 0);
	feed(&f, "cprof:process", 1, 10, 10, "u", (uint64_t)1);
	put_str(&s, 1, "outer");
	put_str(&s, 2, "handler");
	batch_kept = NULL;
	put_rec(&a, 10, CPROF_TP_REC_REGION_BEGIN, 2, (uint64_t)0, (uint64_t)1);
	feed_batch(&f, 10, 0, 0, &s, &a);
	/* the handler's region, 13..14 ms, while the thread appended */
	put_rec(&h1, 13, CPROF_TP_REC_REGION_BEGIN, 2, (uint64_t)0, (uint64_t)2);
	feed_batch(&f, 10, 0, CPROF_TP_BATCH_ALONE, &s, &h1);
	put_rec(&h2, 14, CPROF_TP_REC_REGION_END, 2, (uint64_t)0, (uint64_t)2);
	feed_batch(&f, 10, 0, CPROF_TP_BATCH_ALONE, &s, &h2);
	/* outer ended at 12 ms, before it; another outer 15..16 ms */
	put_rec(&b, 2, CPROF_TP_REC_REGION_END, 2, (uint64_t)0, (uint64_t)1);
	put_rec(&b, 3, CPROF_TP_REC_REGION_BEGIN, 2, (uint64_t)0, (uint64_t)1);
	put_rec(&b, 1, CPROF_TP_REC_REGION_END, 2, (uint64_t)0, (uint64_t)1);
	feed_batch(&f, 10, 10, 1, &s, &b);
	/* a handler's region after the thread's last record */
	put_rec(&h3, 20, CPROF_TP_REC_REGION_BEGIN, 2, (uint64_t)0, (uint64_t)2);
	put_rec(&h3, 1, CPROF_TP_REC_REGION_END, 2, (uint64_t)0, (uint64_t)2);
	feed_batch(&f, 10, 0, CPROF_TP_BATCH_ALONE, &s, &h3);
	batch_kept = count_record;
	rd_finish(&f.st);

	CHECK(f.m->regions.n == 4, "%zu regions", f.m->regions.n);
	for (size_t i = 0; i < f.m->regions.n; i++) {
		reg = &f.m->regions.v[i];
		CHECK(reg->depth == 0 && reg->end_ns > reg->begin_ns,
		      "region %zu %s: depth %u, %" PRIu64 "..%" PRIu64, i, str(&f, reg->type),
		      reg->depth, (uint64_t)reg->begin_ns, (uint64_t)reg->end_ns);
	}
	reg = &f.m->regions.v[0];
	CHECK(!strcmp(str(&f, reg->type), "outer") && reg->end_ns == 12000000u,
	      "outer: %s ends at %" PRIu64, str(&f, reg->type), (uint64_t)reg->end_ns);
	CHECK(f.m->warnings.n == 0, "warning: %s", warning(&f, 0));
	CHECK(f.m->lost_records == 0, "%" PRIu64 " records lost", f.m->lost_records);
	teardown(&f);
}

/* A region begun on one thread and ended on another, the end read first
 * (its thread's batch went out first): it still ends there. */
static void test_region_end_read_first(void)
{
	struct fixture f;

	setup(&f, 0);
	feed(&f, "cprof:process", 1, 10, 10, "u", (uint64_t)1);
	feed(&f, "cprof:region_end", 30, 10, 11, "us", (uint64_t)0, "g");
	feed(&f, "cprof:region_begin", 20, 10, 10, "us", (uint64_t)0, "g");
	rd_finish(&f.st);
	CHECK(f.m->regions.n == 1 && f.m->regions.v[0].begin_ns == 20000000u &&
		  f.m->regions.v[0].end_ns == 30000000u,
	      "region g: %zu regions", f.m->regions.n);
	CHECK(f.m->warnings.n == 1 &&
		  !strcmp(warning(&f, 0), "region 'g' began on thread 10 (app) and ended on thread "
					  "11 (app)"),
	      "%s", warning(&f, 0));
	teardown(&f);
}

static void test_fixture_annotated(void)
{
	struct cprof_model *m = NULL;
	struct cprof_stats s;
	const struct cprof_stats_dist *d;
	char err[8192];
	enum cprof_read_status st = read_fixture("annotated", NULL, &m, err, sizeof(err));

	CHECK(st == CPROF_READ_OK, "%s", err);
	if (st != CPROF_READ_OK)
		return;
	CHECK(m->events == 87 && m->lost_events == 0, "%" PRIu64 " events", m->events);
	CHECK(m->processes.n == 1 &&
		  !strcmp(cprof_model_str(m, m->processes.v[0].name), "fixture-app"),
	      "process");
	CHECK(m->threads.n == 3 && !strcmp(cprof_model_str(m, m->threads.v[1].name), "worker-0") &&
		  !strcmp(cprof_model_str(m, m->threads.v[2].name), "worker-1"),
	      "threads");
	CHECK(m->threads.v[1].events == 24 && m->threads.v[2].events == 24, "worker events");
	CHECK(m->counters.n == 1 && m->counters.v[0].user && m->counters.v[0].points.n == 6 &&
		  !strcmp(cprof_model_str(m, m->counters.v[0].name), "queue depth") &&
		  m->counters.v[0].points.v[0].value == 3,
	      "the program's counter");
	CHECK(m->tasks.n == 8 && m->regions.n == 16 && m->logs.n == 6, "%zu %zu %zu", m->tasks.n,
	      m->regions.n, m->logs.n);
	CHECK(m->modules.n == 9, "%zu modules from the statedump", m->modules.n);
	CHECK(m->warnings.n == 3, "%zu warnings", m->warnings.n);
	CHECK(cprof_stats_compute(m, &s) == CPROF_STATS_OK, "stats");
	d = dist(m, s.tasks.v, s.tasks.n, "request");
	CHECK(d && d->count == 6 && d->unended == 0, "request tasks");
	d = dist(m, s.regions.v, s.regions.n, "left-open");
	CHECK(d && d->count == 0 && d->unended == 1, "left-open region");
	d = dist(m, s.regions.v, s.regions.n, "sleep");
	CHECK(d && d->count == 1 && d->total_ns >= 5000000, "sleep region >= 5 ms");
	d = dist(m, s.regions.v, s.regions.n, "decode");
	CHECK(d && d->count == 6 && d->p50_ns <= d->p90_ns && d->p90_ns <= d->max_ns, "decode");
	CHECK(s.logs.n == 1 && s.logs.v[0].count == 6, "status logs");
	CHECK(s.sync_contentions == 0 && s.syscall_count == 0 && !s.heap_known, "no auto events");
	cprof_stats_fini(&s);
	cprof_model_destroy(m);
}

static void test_fixture_auto(void)
{
	struct cprof_read_options all = {.keep_all_processes = true};
	struct cprof_read_options count = {.count_only = true};
	struct cprof_model *m = NULL;
	struct cprof_stats s;
	char err[8192];

	CHECK(read_fixture("auto", NULL, &m, err, sizeof(err)) == CPROF_READ_OK, "%s", err);
	if (!m)
		return;
	CHECK(m->events == 109 && m->processes.n == 1 && m->threads.n == 3, "%" PRIu64 " events",
	      m->events);
	CHECK(m->processes.v[0].has_config && m->processes.v[0].cpu_rate == 500 &&
		  m->processes.v[0].alloc_rate == 4096 &&
		  m->processes.v[0].alloc_mode == CPROF_TP_ALLOC_SAMPLE,
	      "config of the preload");
	CHECK(cprof_stats_compute(m, &s) == CPROF_STATS_OK, "stats");
	CHECK(s.sync_contentions == 7 && s.allocs == 11 && s.alloc_bytes == 11264 &&
		  s.threads_started == 2 && s.threads_exited == 2,
	      "%" PRIu64 " waits, %" PRIu64 " allocs", s.sync_contentions, s.allocs);
	CHECK(m->samples.n == 4 && m->syscalls.n > 0 && m->stacks.n > 1, "samples, calls, stacks");
	cprof_stats_fini(&s);
	cprof_model_destroy(m);

	/* per-UID buffers also caught other processes: the recorded tree is one */
	CHECK(read_fixture("auto", &all, &m, err, sizeof(err)) == CPROF_READ_OK, "%s", err);
	CHECK(m && m->processes.n == 3, "--all-processes: %zu", m ? m->processes.n : 0);
	cprof_model_destroy(m);
	CHECK(read_fixture("auto", &count, &m, err, sizeof(err)) == CPROF_READ_OK, "%s", err);
	CHECK(m && m->events == 109 && m->threads.n == 0, "count only");
	cprof_model_destroy(m);
}

static void test_fixture_lost(void)
{
	struct cprof_model *m = NULL;
	char err[8192];

	CHECK(read_fixture("lost", NULL, &m, err, sizeof(err)) == CPROF_READ_OK, "%s", err);
	if (!m)
		return;
	CHECK(m->lost_events == 2815 && m->lost.n > 0, "%" PRIu64 " lost", m->lost_events);
	CHECK(m->events == 186 && m->logs.n == 185, "%" PRIu64 " events, %zu logs", m->events,
	      m->logs.n);
	cprof_model_destroy(m);
}

static void expect_error(const char *name, enum cprof_read_status want, const char *text)
{
	struct cprof_model *m = NULL;
	char err[8192];
	enum cprof_read_status st = read_fixture(name, NULL, &m, err, sizeof(err));

	CHECK(st == want && !m, "%s: status %d, want %d", name, (int)st, (int)want);
	CHECK(strstr(err, text) && !strchr(err, '\n'), "%s: '%s' lacks '%s'", name, err, text);
	cprof_model_destroy(m);
}

static void test_fixture_errors(void)
{
	expect_error("no-cprof", CPROF_READ_NO_CPROF_EVENTS,
		     "the trace holds no cprof events (were cprof:* events enabled?)");
	expect_error("truncated-stream", CPROF_READ_BAD_STREAM,
		     "truncated or corrupt stream file ");
	expect_error("truncated-metadata", CPROF_READ_BAD_METADATA, "is cut short (packet at byte");
	expect_error("truncated-metadata-text", CPROF_READ_BAD_METADATA,
		     "is cut short (its text ends inside a declaration)");
	expect_error("nothing-here", CPROF_READ_NOT_FOUND, "No such file or directory");
	expect_error("fixture-app.c", CPROF_READ_NOT_CTF,
		     "not a trace directory nor a tar archive");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test-reader FIXTURES-DIR\n");
		return 2;
	}
	fixtures = argv[1];
	test_task_region_log();
	test_region_out_of_order();
	test_region_forgotten_and_open();
	test_region_other_thread();
	test_wait_end_lost();
	test_wait_begin_ns();
	test_allocs();
	test_stacks_and_threads();
	test_state_dump_partial();
	test_process_tree();
	test_modules_and_unknown();
	test_modules_both_sources();
	test_warning_event();
	test_batch();
	legacy = true;
	test_batch();
	legacy = false;
	test_varint();
	test_batch_fast_fixed();
	test_batch_lost_begin();
	test_batch_window();
	test_batch_alone();
	test_region_end_read_first();
	test_fixture_annotated();
	test_fixture_auto();
	test_fixture_lost();
	test_fixture_errors();
	if (failures)
		fprintf(stderr, "%d failures\n", failures);
	else
		printf("all reader checks passed\n");
	return failures ? 1 : 0;
}
