/*
 * Test helper: describes this process's loaded objects in the model the
 * way lttng_ust_statedump:bin_info does (base = dlpi_addr + the first
 * PT_LOAD's p_vaddr, size = the PT_LOAD span), so that addresses of the
 * test's own functions symbolize.
 */
#ifndef TEST_PROFILE_MODEL_H
#define TEST_PROFILE_MODEL_H

#include <link.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/model.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

static int test_add_module_(struct dl_phdr_info *info, size_t size, void *data)
{
	struct cprof_model *m = data;
	uint64_t lo = UINT64_MAX, hi = 0, first = 0;
	char exe[4096];
	const char *path = info->dlpi_name;
	bool found = false;
	struct cprof_module *mod;
	(void)size;

	for (int j = 0; j < info->dlpi_phnum; j++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[j];
		if (ph->p_type != PT_LOAD)
			continue;
		if (!found)
			first = info->dlpi_addr + ph->p_vaddr;
		found = true;
		if (ph->p_vaddr < lo)
			lo = ph->p_vaddr;
		if (ph->p_vaddr + ph->p_memsz > hi)
			hi = ph->p_vaddr + ph->p_memsz;
	}
	if (!found)
		return 0;
	if (!path || !*path) {
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n <= 0)
			return 0;
		exe[n] = 0;
		path = exe;
	}
	if (path[0] != '/')
		return 0; /* linux-vdso.so.1 */
	mod = cprof_vec_push(&m->modules);
	CHECK(mod);
	mod->process = 0;
	mod->base = first;
	mod->size = hi - lo;
	mod->path = cprof_model_intern(m, path, strlen(path));
	mod->is_pic = true;
	return 0;
}

static inline void test_add_self_modules(struct cprof_model *m)
{
	dl_iterate_phdr(test_add_module_, m);
}

/* Interns a stack of addresses (innermost first); returns its index. */
static inline uint32_t test_add_stack(struct cprof_model *m, uint32_t process, const uint64_t *ips,
				      uint16_t n)
{
	struct cprof_stack *st = cprof_vec_push(&m->stacks);
	CHECK(st);
	st->process = process;
	st->first = (uint32_t)m->frames.n;
	st->depth = n;
	for (uint16_t i = 0; i < n; i++) {
		uint64_t *f = cprof_vec_push(&m->frames);
		CHECK(f);
		*f = ips[i];
	}
	return (uint32_t)(m->stacks.n - 1);
}

static inline cprof_str test_str(struct cprof_model *m, const char *s)
{
	return cprof_model_intern(m, s, strlen(s));
}

#endif
