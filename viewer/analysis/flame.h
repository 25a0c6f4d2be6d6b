/*
 * A flame graph's tree from a profile (analysis/profile.h): one node per
 * call path, root first, as pprof's and Brendan Gregg's flame graphs merge
 * stacks. A node's `total` is the value of the samples whose stack passes
 * through it, `self` of those whose stack ends there; children are sorted
 * by total, largest first. Inlined calls are nodes of their own.
 *
 * Each node knows its function's module class (the program, the C
 * library, another library, or an annotation frame such as a region type)
 * so a viewer can colour frames consistently.
 *
 * Ownership: cprof_flame_create() borrows the profile only while it runs;
 * the tree's strings are copies it owns. cprof_flame_destroy() frees all.
 */
#ifndef CPROF_FLAME_H
#define CPROF_FLAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/profile.h"

enum cprof_flame_module {
	CPROF_FLAME_PROGRAM = 0,
	CPROF_FLAME_LIBC,
	CPROF_FLAME_LIBRARY,
	CPROF_FLAME_ANNOTATION, /* a task or region frame, "(no stack)" */
};

struct cprof_flame_node {
	uint32_t parent;      /* CPROF_FLAME_NONE for the root */
	uint32_t first_child; /* children in order of total, largest first */
	uint32_t next_sibling;
	uint32_t name;	/* index into names */
	uint32_t file;	/* index into names ("" unknown) */
	int32_t line;	/* of the function's first line met, 0 unknown */
	uint16_t depth; /* root 0 */
	uint8_t module; /* enum cprof_flame_module */
	int64_t self, total;
};

#define CPROF_FLAME_NONE UINT32_MAX

struct cprof_flame {
	CPROF_VEC(struct cprof_flame_node) nodes; /* nodes.v[0]: the root ("all") */
	CPROF_VEC(char *) names;		  /* owned */
	uint16_t max_depth;
};

/* The tree of sample value `value_index`. NULL when out of memory. */
struct cprof_flame *cprof_flame_create(const struct cprof_profile *profile, size_t value_index);
void cprof_flame_destroy(struct cprof_flame *flame);

static inline const char *cprof_flame_str(const struct cprof_flame *f, uint32_t s)
{
	return f->names.v[s];
}

/* The module class of a mapping's file name (see enum cprof_flame_module). */
enum cprof_flame_module cprof_flame_module_of(const char *path);

#endif /* CPROF_FLAME_H */
