/*
 * The symbolizer on this very process: its modules are described the way
 * lttng_ust_statedump:bin_info describes them (base = dlpi_addr + first
 * PT_LOAD p_vaddr, size = the PT_LOAD span), then addresses of known
 * functions and return addresses must come back with names, files, lines.
 */
#include <assert.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "model/model.h"
#include "symbols/perfmap.h"
#include "symbols/symbols.h"
#include "test-profile-model.h"

int test_symbols_leaf(int x);
__attribute__((noinline)) int test_symbols_leaf(int x)
{
	__asm__ volatile("" ::: "memory");
	return x * 3 + 1;
}

static uintptr_t return_address;
static int call_line;

__attribute__((noinline)) static int test_symbols_caller(int x)
{
	int r;
	call_line = __LINE__ + 1;
	r = test_symbols_leaf(x);
	__asm__ volatile("" ::: "memory");
	return r + 1;
}

__attribute__((noinline)) static void grab(void)
{
	return_address = (uintptr_t)__builtin_return_address(0);
}

__attribute__((noinline)) static void test_symbols_grabber(void)
{
	call_line = __LINE__ + 1;
	grab();
	__asm__ volatile("" ::: "memory");
}

/* where the second process has the same objects, relative to the first */
#define ELSEWHERE 0x1000000000ull

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * A JIT's perf map (/tmp/perf-PID.map, of a pid no process here has):
 * the latest of overlapping lines wins, malformed lines are skipped, a
 * map older than the process or written long after it is not its own;
 * the symbolizer names an address outside every module from it.
 */
static void test_perfmap(void)
{
	int32_t pid = 4190000 + getpid() % 4000;
	char path[64];
	FILE *f;
	struct cprof_perfmap *map;
	uint64_t now = wall_ns();

	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)pid);
	f = fopen(path, "w");
	CHECK(f);
	fprintf(f, "7f0000001000 100 old\n"
		   "not a line\n"
		   "7f0000001000 100 LazyCompile:*parse app.js:10:3\n"
		   "0x7f0000002000 0x1000 Interpreter\n"
		   "7f0000002100 10 void Hash.run()\n"
		   "7f0000004000 0 empty\n");
	fclose(f);
	CHECK((map = cprof_perfmap_load(pid, now - 1000000000ull, now)));
	CHECK(
	    !strcmp(cprof_perfmap_find(map, 0x7f0000001010ull), "LazyCompile:*parse app.js:10:3"));
	CHECK(!cprof_perfmap_find(map, 0x7f0000001100ull));
	CHECK(!strcmp(cprof_perfmap_find(map, 0x7f0000002108ull), "void Hash.run()"));
	CHECK(!strcmp(cprof_perfmap_find(map, 0x7f0000002200ull), "Interpreter"));
	CHECK(!cprof_perfmap_find(map, 0x7f0000004000ull));
	CHECK(!cprof_perfmap_find(map, 0x7f0000000fffull));
	CHECK(!strcmp(cprof_perfmap_path(map), path));
	cprof_perfmap_destroy(map);
	/* another process of that pid: one that began a minute after the
	 * file was written, or ended an hour before */
	CHECK(!cprof_perfmap_load(pid, now + 60000000000ull, 0));
	CHECK(!cprof_perfmap_load(pid, now - 7200000000000ull, now - 3600000000000ull));

	struct cprof_model *m = cprof_model_create();
	struct cprof_process *proc = cprof_vec_push(&m->processes);
	struct cprof_thread *t = cprof_vec_push(&m->threads);
	struct cprof_symbolizer_options opts = {.no_store = true, .quiet = true};
	struct cprof_symbolizer *s;
	struct cprof_symbol_loc loc;

	CHECK(m && proc && t);
	proc->pid = pid;
	t->tid = pid;
	t->first_ns = now - 1000000000ull;
	t->last_ns = now;
	CHECK((s = cprof_symbolizer_create(m, &opts)));
	CHECK(cprof_symbolizer_lookup(s, 0, 0x7f0000002109ull, true, &loc));
	CHECK(loc.module == CPROF_NONE && loc.frames[0].resolved);
	CHECK(!strcmp(loc.frames[0].function, "void Hash.run()"));
	CHECK(cprof_symbolizer_lookup(s, 0, 0x7f0000003000ull, false, &loc));
	CHECK(!loc.frames[0].resolved && !strcmp(loc.frames[0].function, "0x7f0000003000"));
	cprof_symbolizer_destroy(s);
	cprof_model_destroy(m);
	unlink(path);
	printf("perf map: JIT names found, a stale map refused\n");
}

int main(void)
{
	struct cprof_model *m = cprof_model_create();
	struct cprof_symbolizer *s;
	struct cprof_symbol_loc loc;
	struct cprof_process *proc;

	CHECK(m);
	proc = cprof_vec_push(&m->processes);
	CHECK(proc);
	proc->pid = getpid();
	test_add_self_modules(m);
	/* a module whose file is gone: names must still come out */
	struct cprof_module *gone = cprof_vec_push(&m->modules);
	gone->base = 0x7e0000000000ull;
	gone->size = 0x10000;
	gone->path = cprof_model_intern(m, "/nonexistent/libgone.so", 23);
	gone->is_pic = true;
	gone->load_ns = 1000;
	gone->unload_ns = 1500;
	/* dlclosed, then another library loaded where it was */
	struct cprof_module *next = cprof_vec_push(&m->modules);
	*next = m->modules.v[m->modules.n - 2];
	next->path = cprof_model_intern(m, "/nonexistent/libnext.so", 23);
	next->load_ns = 2000;
	next->unload_ns = 0;
	/* a second process with the same files mapped elsewhere (ASLR) */
	proc = cprof_vec_push(&m->processes);
	CHECK(proc);
	proc->pid = getpid() + 1;
	for (size_t i = 0, n = m->modules.n; i < n; i++) {
		struct cprof_module *copy = cprof_vec_push(&m->modules);
		CHECK(copy);
		*copy = m->modules.v[i];
		copy->process = 1;
		copy->base += ELSEWHERE;
	}

	s = cprof_symbolizer_create(m, &(struct cprof_symbolizer_options){.inline_frames = true});
	CHECK(s);

	/* a function's own entry (not a return address) */
	CHECK(cprof_symbolizer_lookup(s, 0, (uintptr_t)&test_symbols_leaf, false, &loc));
	CHECK(loc.module != CPROF_NONE);
	CHECK(!strcmp(loc.frames[loc.nframes - 1].function, "test_symbols_leaf"));
	CHECK(strstr(loc.frames[0].file, "test-symbols.c"));
	CHECK(loc.frames[0].line > 0);

	/* a return address: the line is the call's */
	(void)test_symbols_caller(1);
	test_symbols_grabber();
	CHECK(cprof_symbolizer_lookup(s, 0, return_address, true, &loc));
	printf("return address -> %s %s:%d (%zu frames)\n", loc.frames[0].function,
	       loc.frames[0].file, loc.frames[0].line, loc.nframes);
	CHECK(!strcmp(loc.frames[loc.nframes - 1].function, "test_symbols_grabber"));
	CHECK(loc.frames[0].line == call_line);

	/* libc: names from its symbol table, even without debug info */
	CHECK(cprof_symbolizer_lookup(s, 0, (uintptr_t)&qsort + 4, false, &loc));
	printf("qsort+4 -> %s\n", loc.frames[loc.nframes - 1].function);
	CHECK(loc.frames[0].resolved);
	CHECK(strstr(loc.frames[loc.nframes - 1].function, "qsort"));

	/* a module that cannot be opened, and an address outside everything */
	CHECK(cprof_symbolizer_lookup(s, 0, 0x7e0000000123ull, true, &loc));
	CHECK(!strcmp(loc.frames[0].function, "libgone.so+0x123"));
	CHECK(!loc.frames[0].resolved);
	CHECK(cprof_symbolizer_lookup(s, 0, 0x10, false, &loc));
	CHECK(loc.module == CPROF_NONE);
	CHECK(!strcmp(loc.frames[0].function, "0x10"));

	/* the cache answers the same again */
	struct cprof_symbolizer_stats st;
	CHECK(cprof_symbolizer_lookup(s, 0, return_address, true, &loc));
	cprof_symbolizer_get_stats(s, &st);
	CHECK(st.cache_hits == 1);
	CHECK(st.modules_loaded >= 2);

	/* The second process: the same names and lines at its own addresses,
	 * and no file opened again for it (each was read once per process,
	 * libc's compressed debug file inflated each time). */
	uint32_t loaded = st.modules_loaded;
	int line = loc.frames[0].line;
	const char *function = loc.frames[loc.nframes - 1].function;
	CHECK(cprof_symbolizer_lookup(s, 1, return_address + ELSEWHERE, true, &loc));
	CHECK(!strcmp(loc.frames[loc.nframes - 1].function, function));
	CHECK(loc.frames[0].line == line);
	CHECK(cprof_symbolizer_lookup(s, 1, (uintptr_t)&qsort + 4 + ELSEWHERE, false, &loc));
	CHECK(strstr(loc.frames[loc.nframes - 1].function, "qsort"));
	CHECK(cprof_symbolizer_lookup(s, 1, 0x7e0000000123ull + ELSEWHERE, true, &loc));
	CHECK(!strcmp(loc.frames[0].function, "libgone.so+0x123"));
	cprof_symbolizer_get_stats(s, &st);
	printf("modules opened: %u for the first process, %u for both\n", loaded,
	       st.modules_loaded);
	CHECK(st.modules_loaded == loaded);

	/* An address resolves in the library mapped there when its stack was
	 * taken; without a time, in the first. */
	CHECK(cprof_symbolizer_lookup_at(s, 0, 1200, 0x7e0000000123ull, true, &loc));
	CHECK(!strcmp(loc.frames[0].function, "libgone.so+0x123"));
	CHECK(cprof_symbolizer_lookup_at(s, 0, 2500, 0x7e0000000123ull, true, &loc));
	CHECK(!strcmp(loc.frames[0].function, "libnext.so+0x123"));
	CHECK(cprof_symbolizer_module(s, 0, 2500, 0x7e0000000123ull, true) == m->modules.n / 2 - 1);
	CHECK(cprof_symbolizer_lookup_at(s, 0, 1200, 0x7e0000000123ull, true, &loc));
	CHECK(!strcmp(loc.frames[0].function, "libgone.so+0x123"));

	cprof_symbolizer_destroy(s);

	/* Opened ahead (record, while the rest of the trace is read): from a
	 * model whose one stack holds the return address and one in libc, the
	 * objects they are in are open before any lookup, on the prepared
	 * symbolizer's thread, and it answers as the one made afterwards. */
	struct cprof_stack *stk = cprof_vec_push(&m->stacks);
	CHECK(stk);
	*stk = (struct cprof_stack){.process = 0, .first = (uint32_t)m->frames.n, .depth = 2};
	uint64_t *fr = cprof_vec_push(&m->frames);
	CHECK(fr);
	*fr = return_address;
	CHECK((fr = cprof_vec_push(&m->frames)));
	*fr = (uintptr_t)&qsort + 5;
	s = cprof_symbolizer_prepare(
	    m, &(struct cprof_symbolizer_options){.inline_frames = true, .no_store = true});
	CHECK(s);
	s = cprof_symbolizer_create_prepared(s, m);
	CHECK(s);
	cprof_symbolizer_get_stats(s, &st);
	printf("modules opened ahead: %u\n", st.modules_loaded);
	CHECK(st.modules_loaded == 2);
	CHECK(cprof_symbolizer_lookup(s, 0, return_address, true, &loc));
	CHECK(!strcmp(loc.frames[loc.nframes - 1].function, "test_symbols_grabber"));
	CHECK(loc.frames[0].line == line);
	CHECK(cprof_symbolizer_lookup(s, 1, (uintptr_t)&qsort + 4 + ELSEWHERE, false, &loc));
	CHECK(strstr(loc.frames[loc.nframes - 1].function, "qsort"));
	cprof_symbolizer_destroy(s);
	/* a prepared symbolizer never made the model's is destroyed as is */
	cprof_symbolizer_destroy(cprof_symbolizer_prepare(m, NULL));

	cprof_model_destroy(m);
	test_perfmap();
	printf("ok\n");
	return 0;
}
