/*
 * Every profile type and filter on a small hand-built model whose truth is
 * known, then the pprof files read back by `go tool pprof -raw/-top`.
 * Stacks are made of addresses inside this program's own functions, so
 * the symbolizer must find their names and this file.
 *
 * Timeline (ms from the trace start; the trace lasts 100 ms):
 *   main   (tid 100): region parse [5,10) background; cond wait [40,50);
 *                     releases lock A at 25
 *   worker (tid 101, created by main at 1 from prof_spawn_site, start
 *           routine prof_worker_entry): task "request" [10,60); region
 *           handle [10,60) > parse [20,30); mutex A wait [22,25);
 *           releases lock A at 80.2 (stamped just after the waiter woke)
 *   worker (tid 102, created at 2, exits at 90): mutex A wait [70,80)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis/profiles.h"
#include "cprof-tp-enums.h"
#include "export/pprof.h"
#include "test-profile-model.h"

#define MS 1000000ull
#define T0 1000000000000ull

static volatile int sink;
#define BODY                                                                                       \
	for (int i = 0; i < n; i++)                                                                \
		sink += i * n;                                                                     \
	return sink
__attribute__((noinline)) static int prof_lock_site(int n)
{
	BODY;
}
__attribute__((noinline)) static int prof_holder_site(int n)
{
	BODY;
}
__attribute__((noinline)) static int prof_main_loop(int n)
{
	BODY;
}
__attribute__((noinline)) static int prof_worker_entry(int n)
{
	BODY;
}
__attribute__((noinline)) static int prof_spawn_site(int n)
{
	BODY;
}
__attribute__((noinline)) static int prof_alloc_site(int n)
{
	BODY;
}
__attribute__((noinline)) static int prof_read_site(int n)
{
	BODY;
}
__attribute__((noinline)) static int prof_cpu_site(int n)
{
	BODY;
}

#define A(f) ((uint64_t)(uintptr_t)&f + 8)

static char dir[] = "/tmp/test-profile-XXXXXX";

static struct cprof_model *make_model(void)
{
	struct cprof_model *m = cprof_model_create();
	struct cprof_process *p;
	struct cprof_thread *t;
	struct cprof_task *task;
	struct cprof_region *r;
	struct cprof_wait *w;
	struct cprof_release *rel;
	struct cprof_alloc *a;
	struct cprof_syscall *sc;
	struct cprof_sample *s;
	uint32_t s_lock, s_hold, s_hold2, s_spawn, s_alloc, s_read, s_cpu;

	CHECK(m);
	m->begin_ns = T0;
	m->end_ns = T0 + 100 * MS;
	p = cprof_vec_push(&m->processes);
	p->pid = 100;
	p->cpu_rate = 100;
	p->alloc_mode = CPROF_TP_ALLOC_SAMPLE;
	p->alloc_rate = 1024;
	test_add_self_modules(m);
	CHECK(m->modules.n >= 2);

	s_lock = test_add_stack(m, 0, (uint64_t[]){A(prof_lock_site), A(prof_worker_entry)}, 2);
	s_hold = test_add_stack(m, 0, (uint64_t[]){A(prof_holder_site), A(prof_main_loop)}, 2);
	s_hold2 = test_add_stack(m, 0, (uint64_t[]){A(prof_holder_site), A(prof_worker_entry)}, 2);
	s_spawn = test_add_stack(m, 0, (uint64_t[]){A(prof_spawn_site), A(prof_main_loop)}, 2);
	s_alloc = test_add_stack(m, 0, (uint64_t[]){A(prof_alloc_site), A(prof_main_loop)}, 2);
	s_read = test_add_stack(m, 0, (uint64_t[]){A(prof_read_site), A(prof_worker_entry)}, 2);
	s_cpu = test_add_stack(m, 0, (uint64_t[]){A(prof_cpu_site), A(prof_worker_entry)}, 2);

	t = cprof_vec_push(&m->threads);
	*t = (struct cprof_thread){.tid = 100, .name = test_str(m, "main"), .first_ns = T0};
	t = cprof_vec_push(&m->threads);
	*t = (struct cprof_thread){.tid = 101,
				   .name = test_str(m, "worker"),
				   .start_ns = T0 + 1 * MS,
				   .parent_tid = 100,
				   .start_routine = (uintptr_t)&prof_worker_entry,
				   .create_stack = s_spawn};
	t = cprof_vec_push(&m->threads);
	*t = (struct cprof_thread){.tid = 102,
				   .name = test_str(m, "worker"),
				   .start_ns = T0 + 2 * MS,
				   .end_ns = T0 + 90 * MS,
				   .parent_tid = 100,
				   .start_routine = (uintptr_t)&prof_worker_entry,
				   .create_stack = s_spawn};

	task = cprof_vec_push(&m->tasks);
	*task = (struct cprof_task){.id = 1,
				    .parent = CPROF_NONE,
				    .type = test_str(m, "request"),
				    .begin_ns = T0 + 10 * MS,
				    .end_ns = T0 + 60 * MS,
				    .begin_thread = 1,
				    .end_thread = 1};
	r = cprof_vec_push(&m->regions);
	*r = (struct cprof_region){.thread = 0,
				   .task = CPROF_NONE,
				   .type = test_str(m, "parse"),
				   .begin_ns = T0 + 5 * MS,
				   .end_ns = T0 + 10 * MS};
	r = cprof_vec_push(&m->regions);
	*r = (struct cprof_region){.thread = 1,
				   .task = 0,
				   .type = test_str(m, "handle"),
				   .begin_ns = T0 + 10 * MS,
				   .end_ns = T0 + 60 * MS};
	r = cprof_vec_push(&m->regions);
	*r = (struct cprof_region){.thread = 1,
				   .task = 0,
				   .type = test_str(m, "parse"),
				   .depth = 1,
				   .begin_ns = T0 + 20 * MS,
				   .end_ns = T0 + 30 * MS};

	w = cprof_vec_push(&m->waits);
	*w = (struct cprof_wait){.thread = 1,
				 .stack = s_lock,
				 .kind = CPROF_TP_WAIT_MUTEX,
				 .obj = 0xA,
				 .begin_ns = T0 + 22 * MS,
				 .end_ns = T0 + 25 * MS};
	w = cprof_vec_push(&m->waits);
	*w = (struct cprof_wait){.thread = 0,
				 .stack = s_hold,
				 .kind = CPROF_TP_WAIT_COND,
				 .obj = 0xC,
				 .begin_ns = T0 + 40 * MS,
				 .end_ns = T0 + 50 * MS};
	w = cprof_vec_push(&m->waits);
	*w = (struct cprof_wait){.thread = 2,
				 .stack = s_lock,
				 .kind = CPROF_TP_WAIT_MUTEX,
				 .obj = 0xA,
				 .begin_ns = T0 + 70 * MS,
				 .end_ns = T0 + 80 * MS};
	rel = cprof_vec_push(&m->releases);
	*rel = (struct cprof_release){.thread = 0,
				      .stack = s_hold,
				      .kind = CPROF_TP_WAIT_MUTEX,
				      .obj = 0xA,
				      .ns = T0 + 25 * MS};
	rel = cprof_vec_push(&m->releases);
	*rel = (struct cprof_release){.thread = 1,
				      .stack = s_hold2,
				      .kind = CPROF_TP_WAIT_MUTEX,
				      .obj = 0xA,
				      .ns = T0 + 80 * MS + 200000};

	/* 1024-byte blocks at rate 1024: each stands for 1/(1-e^-1) blocks */
	a = cprof_vec_push(&m->allocs);
	*a = (struct cprof_alloc){.thread = 0, .stack = s_alloc, .size = 1024, .ns = T0 + 3 * MS};
	a = cprof_vec_push(&m->allocs);
	*a = (struct cprof_alloc){.thread = 0,
				  .stack = s_alloc,
				  .size = 1024,
				  .ns = T0 + 4 * MS,
				  .free_ns = T0 + 70 * MS};
	a = cprof_vec_push(&m->allocs);
	*a = (struct cprof_alloc){.thread = 1, .stack = s_alloc, .size = 1024, .ns = T0 + 25 * MS};

	sc = cprof_vec_push(&m->syscalls);
	*sc = (struct cprof_syscall){.thread = 1,
				     .stack = s_read,
				     .call = CPROF_TP_CALL_READ,
				     .begin_ns = T0 + 30 * MS,
				     .end_ns = T0 + 35 * MS};

	for (int i = 0; i < 6; i++) {
		s = cprof_vec_push(&m->samples);
		*s = (struct cprof_sample){
		    .thread = 1, .stack = s_cpu, .ns = T0 + (11 + i * 10) * MS};
	}
	return m;
}

static int64_t total(const struct cprof_profile *p, const char *type)
{
	int i = cprof_profile_sample_type_index(p, type);
	CHECK(i >= 0);
	return cprof_profile_total(p, (size_t)i);
}

static struct cprof_profile *build(struct cprof_model *m, struct cprof_symbolizer *sym,
				   enum cprof_profile_type type,
				   const struct cprof_profile_filter *f, uint64_t matched)
{
	struct cprof_profile *p = NULL;
	struct cprof_profiles_report rep;
	enum cprof_profiles_status st = cprof_profile_build(m, sym, type, f, &p, &rep);

	printf("%s: %s\n", cprof_profile_type_name(type), rep.text);
	CHECK(st == CPROF_PROFILES_OK);
	CHECK(rep.matched == matched);
	return p;
}

/* flat and cum of one function name by cprof_profile_top */
static void top_of(const struct cprof_profile *p, const char *type, const char *fn, int64_t *flat,
		   int64_t *cum)
{
	struct cprof_profile_top_entry *e;
	size_t n;

	*flat = *cum = -1;
	CHECK(cprof_profile_top(p, (size_t)cprof_profile_sample_type_index(p, type), &e, &n) == 0);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(e[i].name, fn)) {
			*flat = e[i].flat;
			*cum = e[i].cum;
		}
	free(e);
}

static char *run(const char *cmd)
{
	static char out[1 << 16];
	FILE *f = popen(cmd, "r");
	size_t n;

	CHECK(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = 0;
	CHECK(pclose(f) == 0);
	return out;
}

/* Writes the profile and has `go tool pprof` read it back. */
static char *pprof_read(const struct cprof_profile *p, const char *name, const char *args)
{
	static int calls;
	char path[256], cmd[1024];

	snprintf(path, sizeof(path), "%s/%s-%d.pb.gz", dir, name, ++calls);
	{
		enum cprof_pprof_status ws = cprof_pprof_write(p, path, false);
		if (ws)
			perror(cprof_pprof_status_string(ws));
		CHECK(ws == CPROF_PPROF_OK);
	}
	CHECK(cprof_pprof_write(p, path, false) == CPROF_PPROF_EXISTS);
	CHECK(cprof_pprof_write(p, path, true) == CPROF_PPROF_OK);
	snprintf(cmd, sizeof(cmd), "go tool pprof %s %s 2>&1", args, path);
	return run(cmd);
}

int main(void)
{
	struct cprof_model *m;
	struct cprof_symbolizer *sym;
	struct cprof_profile *p;
	struct cprof_profiles_report rep;
	struct cprof_profile_filter f;
	int64_t flat, cum;
	char *out, env[512];

	CHECK(mkdtemp(dir));
	snprintf(env, sizeof(env), "%s", dir);
	setenv("HOME", env, 1);
	snprintf(env, sizeof(env), "%s/gocache", dir);
	setenv("GOCACHE", env, 1);
	setenv("PPROF_TMPDIR", dir, 1);
	m = make_model();
	sym = cprof_symbolizer_create(m, &(struct cprof_symbolizer_options){.inline_frames = true});
	CHECK(sym);

	/* sync: every wait at the waiter's stack */
	p = build(m, sym, CPROF_PROFILE_SYNC, NULL, 3);
	CHECK(total(p, "contentions") == 3);
	CHECK(total(p, "delay") == 23 * (int64_t)MS);
	top_of(p, "delay", "prof_lock_site", &flat, &cum);
	CHECK(flat == 13 * (int64_t)MS && cum == 13 * (int64_t)MS);
	top_of(p, "delay", "prof_worker_entry", &flat, &cum);
	CHECK(flat == 0 && cum == 13 * (int64_t)MS);
	out = pprof_read(p, "sync", "-raw");
	CHECK(strstr(out, "prof_lock_site"));
	CHECK(strstr(out, "test-profile.c"));
	CHECK(strstr(out, "contentions/count delay/nanoseconds"));
	out = pprof_read(p, "sync", "-top -sample_index=delay");
	CHECK(strstr(out, "prof_lock_site"));
	out = pprof_read(p, "sync", "-traces -tagfocus=task=request");
	CHECK(strstr(out, "prof_lock_site") && strstr(out, "3ms"));
	cprof_profile_destroy(p);

	/* filters */
	f = (struct cprof_profile_filter){.task = "request"};
	p = build(m, sym, CPROF_PROFILE_SYNC, &f, 1);
	CHECK(total(p, "delay") == 3 * (int64_t)MS);
	cprof_profile_destroy(p);
	f = (struct cprof_profile_filter){.region = "parse"};
	p = build(m, sym, CPROF_PROFILE_SYNC, &f, 1);
	CHECK(total(p, "delay") == 3 * (int64_t)MS);
	cprof_profile_destroy(p);
	f = (struct cprof_profile_filter){.thread = "worker"};
	p = build(m, sym, CPROF_PROFILE_SYNC, &f, 2);
	CHECK(total(p, "delay") == 13 * (int64_t)MS);
	cprof_profile_destroy(p);
	f = (struct cprof_profile_filter){.thread = "102"};
	p = build(m, sym, CPROF_PROFILE_SYNC, &f, 1);
	CHECK(total(p, "delay") == 10 * (int64_t)MS);
	cprof_profile_destroy(p);
	f = (struct cprof_profile_filter){
	    .has_from = true, .from_ns = 45 * MS, .has_to = true, .to_ns = 75 * MS};
	p = build(m, sym, CPROF_PROFILE_SYNC, &f, 2);
	CHECK(total(p, "delay") == 10 * (int64_t)MS); /* 5 of the cond wait, 5 of the mutex */
	cprof_profile_destroy(p);
	f = (struct cprof_profile_filter){.task = "nosuch"};
	CHECK(cprof_profile_build(m, sym, CPROF_PROFILE_SYNC, &f, &p, &rep) ==
	      CPROF_PROFILES_NO_MATCH);
	CHECK(!p);
	printf("empty match: %s\n", rep.text);
	f = (struct cprof_profile_filter){
	    .has_from = true, .from_ns = 50 * MS, .has_to = true, .to_ns = 40 * MS};
	CHECK(cprof_profile_build(m, sym, CPROF_PROFILE_SYNC, &f, &p, &rep) ==
	      CPROF_PROFILES_INVALID);

	/* mutex: charged to the holder at the release that let the waiter in */
	p = build(m, sym, CPROF_PROFILE_MUTEX, NULL, 2);
	CHECK(total(p, "delay") == 13 * (int64_t)MS);
	top_of(p, "delay", "prof_holder_site", &flat, &cum);
	CHECK(flat == 13 * (int64_t)MS);
	top_of(p, "delay", "prof_main_loop", &flat, &cum);
	CHECK(cum == 3 * (int64_t)MS);
	top_of(p, "delay", "prof_worker_entry", &flat, &cum);
	CHECK(cum == 10 * (int64_t)MS);
	out = pprof_read(p, "mutex", "-top -sample_index=delay");
	CHECK(strstr(out, "prof_holder_site"));
	cprof_profile_destroy(p);

	/* cpu: 6 samples at 100 Hz */
	p = build(m, sym, CPROF_PROFILE_CPU, NULL, 6);
	CHECK(total(p, "samples") == 6 && total(p, "cpu") == 60 * (int64_t)MS);
	CHECK(p->period == 10 * (int64_t)MS);
	out = pprof_read(p, "cpu", "-top");
	CHECK(strstr(out, "prof_cpu_site") && strstr(out, "60ms"));
	cprof_profile_destroy(p);
	f = (struct cprof_profile_filter){.region = "handle"};
	p = build(m, sym, CPROF_PROFILE_CPU, &f, 5); /* samples at 11..51 ms */
	cprof_profile_destroy(p);

	/* heap: sampled, scaled as pprof does; in use at the end or at --at */
	{
		double scale = 1.0 / (1.0 - exp(-1.0));
		p = build(m, sym, CPROF_PROFILE_HEAP, NULL, 3);
		/* estimates rounded once per sample: thread 0's two blocks
		 * share one (3.16 -> 3), thread 1's is alone (1.58 -> 2) */
		CHECK(total(p, "alloc_objects") == llround(2 * scale) + llround(scale));
		CHECK(total(p, "inuse_space") == 2 * llround(scale * 1024));
		out = pprof_read(p, "heap", "-top");
		CHECK(strstr(out, "prof_alloc_site"));
		CHECK(!strcmp(cprof_profile_str(p, p->default_sample_type), "inuse_space"));
		cprof_profile_destroy(p);
		f = (struct cprof_profile_filter){.has_at = true, .at_ns = 50 * MS};
		p = build(m, sym, CPROF_PROFILE_HEAP, &f, 3);
		CHECK(total(p, "inuse_objects") == llround(2 * scale) + llround(scale));
		cprof_profile_destroy(p);
		m->processes.v[0].alloc_mode = CPROF_TP_ALLOC_ALL;
		p = build(m, sym, CPROF_PROFILE_HEAP, NULL, 3);
		CHECK(total(p, "inuse_space") == 2048 && total(p, "alloc_objects") == 3);
		cprof_profile_destroy(p);
	}

	/* syscall */
	p = build(m, sym, CPROF_PROFILE_SYSCALL, NULL, 1);
	CHECK(total(p, "delay") == 5 * (int64_t)MS);
	out = pprof_read(p, "syscall", "-raw");
	CHECK(strstr(out, "prof_read_site"));
	cprof_profile_destroy(p);

	/* region: self time, task first then outermost region first */
	p = build(m, sym, CPROF_PROFILE_REGION, NULL, 3);
	CHECK(total(p, "duration") == 55 * (int64_t)MS);
	top_of(p, "duration", "handle", &flat, &cum);
	CHECK(flat == 40 * (int64_t)MS && cum == 50 * (int64_t)MS);
	top_of(p, "duration", "parse", &flat, &cum);
	CHECK(flat == 15 * (int64_t)MS && cum == 15 * (int64_t)MS);
	top_of(p, "duration", "request", &flat, &cum);
	CHECK(flat == 0 && cum == 50 * (int64_t)MS);
	out = pprof_read(p, "region", "-traces");
	/* pprof prints leaf first: parse, then handle, then request */
	{
		char *a = strstr(out, "parse\n"), *b = a ? strstr(a, "handle") : NULL;
		CHECK(a && b && strstr(b, "request"));
	}
	cprof_profile_destroy(p);
	f = (struct cprof_profile_filter){.region = "parse"};
	p = build(m, sym, CPROF_PROFILE_REGION, &f, 2);
	CHECK(total(p, "duration") == 15 * (int64_t)MS);
	cprof_profile_destroy(p);

	/* threads: creation stacks, alive at the end */
	p = build(m, sym, CPROF_PROFILE_THREADS, NULL, 3);
	CHECK(total(p, "threads") == 3 && total(p, "alive") == 2);
	top_of(p, "threads", "prof_spawn_site", &flat, &cum);
	CHECK(cum == 2);
	top_of(p, "threads", "prof_worker_entry", &flat, &cum);
	CHECK(flat == 2);
	out = pprof_read(p, "threads", "-raw");
	CHECK(strstr(out, "prof_spawn_site") && strstr(out, "alive/count"));
	cprof_profile_destroy(p);

	cprof_symbolizer_destroy(sym);
	cprof_model_destroy(m);
	snprintf(env, sizeof(env), "rm -rf %s", dir);
	CHECK(system(env) == 0);
	printf("ok\n");
	return 0;
}
