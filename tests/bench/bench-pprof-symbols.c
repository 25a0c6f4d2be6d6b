/*
 * Symbolization speed (issue 3: 100k distinct addresses in under 5 s).
 * The addresses are spread evenly over the executable segments of every
 * object this program has loaded (libc, libdw, libelf, libz, itself), as
 * return addresses, and resolved cold, with inline frames, through the
 * same symbolizer `cprof-trace pprof` uses. Prints the time and the rate.
 *
 * Then the symbols a trace carries (symbols/store.h): the same addresses,
 * as one-frame stacks of the model, are stored as `record` stores them,
 * and read back by a symbolizer that finds them in the trace directory.
 * Prints the store's time and size, and the read-back's time against the
 * ELF lookups' (the ratio); every address must give the same frames.
 */
#include <inttypes.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../unit/test-profile-model.h"
#include "symbols/symbols.h"

struct range {
	uint64_t lo, hi;
};
static struct range ranges[64];
static size_t nranges;

static int text_ranges(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	if (!info->dlpi_name || (info->dlpi_name[0] && info->dlpi_name[0] != '/'))
		return 0;
	for (int j = 0; j < info->dlpi_phnum && nranges < 64; j++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[j];
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X))
			ranges[nranges++] =
			    (struct range){info->dlpi_addr + ph->p_vaddr,
					   info->dlpi_addr + ph->p_vaddr + ph->p_memsz};
	}
	return 0;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Stores the symbols of every stack address, then reads them back. */
static void bench_store(struct cprof_model *m, struct cprof_symbolizer *elf, size_t want,
			double elf_s)
{
	char dir[] = "/tmp/cprof-bench-symstore.XXXXXX", path[256];
	struct cprof_symbolizer *s;
	struct cprof_symbol_loc a, b;
	struct stat st;
	size_t stored = 0;
	double t0, t1, t2;

	CHECK(mkdtemp(dir));
	m->path = test_str(m, dir);
	snprintf(path, sizeof(path), "%s/%s", dir, CPROF_SYMBOL_STORE_FILE);
	t0 = now();
	s = cprof_symbolizer_create(m, &(struct cprof_symbolizer_options){
					   .inline_frames = true, .no_store = true, .quiet = true});
	CHECK(s && cprof_symbolizer_save(s, path, &stored) == 0);
	cprof_symbolizer_destroy(s);
	t1 = now();
	CHECK(stat(path, &st) == 0);
	s = cprof_symbolizer_create(
	    m, &(struct cprof_symbolizer_options){.inline_frames = true, .quiet = true});
	CHECK(s);
	for (size_t i = 1; i < m->stacks.n; i++) {
		uint64_t ip = m->frames.v[m->stacks.v[i].first];
		CHECK(cprof_symbolizer_lookup(s, 0, ip, true, &a));
		CHECK(cprof_symbolizer_lookup(elf, 0, ip, true, &b));
		CHECK(a.nframes == b.nframes &&
		      !strcmp(a.frames[0].function, b.frames[0].function));
		CHECK(a.frames[0].line == b.frames[0].line);
	}
	t2 = now();
	printf("stored the symbols of %zu of %zu addresses in %.3f s, %.2f MiB (%.1f bytes each); "
	       "read back in %.3f s: %.2fx the ELF lookups' time, same frames\n",
	       stored, want, t1 - t0, (double)st.st_size / 1048576.0,
	       (double)st.st_size / (double)(stored ? stored : 1), t2 - t1, (t2 - t1) / elf_s);
	cprof_symbolizer_destroy(s);
	unlink(path);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	size_t want = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	struct cprof_model *m = cprof_model_create();
	struct cprof_symbolizer *s;
	struct cprof_symbol_loc loc;
	uint64_t total = 0, resolved = 0, with_line = 0;
	double t0, t1;

	CHECK(m && cprof_vec_push(&m->processes));
	test_add_self_modules(m);
	dl_iterate_phdr(text_ranges, NULL);
	for (size_t i = 0; i < nranges; i++)
		total += ranges[i].hi - ranges[i].lo;
	CHECK(total > want);
	s = cprof_symbolizer_create(
	    m, &(struct cprof_symbolizer_options){.inline_frames = getenv("NO_INLINE") == NULL});
	CHECK(s);
	t0 = now();
	for (size_t k = 0; k < want; k++) {
		/* the k-th of `want` evenly spaced offsets over all text */
		uint64_t off = (uint64_t)((double)k * (double)total / (double)want) + 1;
		size_t i = 0;
		while (off >= ranges[i].hi - ranges[i].lo) {
			off -= ranges[i].hi - ranges[i].lo;
			i++;
		}
		CHECK(cprof_symbolizer_lookup(s, 0, ranges[i].lo + off, true, &loc));
		test_add_stack(m, 0, &(uint64_t){ranges[i].lo + off}, 1);
		resolved += loc.frames[loc.nframes - 1].resolved;
		with_line += loc.frames[0].line > 0;
	}
	t1 = now();
	if (getenv("NO_INLINE") == NULL)
		bench_store(m, s, want, t1 - t0);
	printf("symbolized %zu distinct addresses over %zu modules (%.1f MiB of text) in %.3f s "
	       "(%.0f/s); %" PRIu64 " named, %" PRIu64 " with a line (bound 5 s)\n",
	       want, m->modules.n, (double)total / 1048576.0, t1 - t0, (double)want / (t1 - t0),
	       resolved, with_line);
	cprof_symbolizer_destroy(s);
	cprof_model_destroy(m);
	if (t1 - t0 >= 5.0) {
		fprintf(stderr, "FAIL: over 5 s\n");
		return 1;
	}
	return 0;
}
