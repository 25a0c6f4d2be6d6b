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

/*
 * Building a tree by hand (flame_model.c): names are added once each
 * (names 0 and 1 are "all" and ""), cprof_flame_child() finds or adds the
 * child of a node for a name, the caller adds values to the nodes it
 * walks, then cprof_flame_link() orders the children. The builder owns
 * the tree until the caller takes b.f (and sets it NULL) before _fini().
 */
struct cprof_flame_builder {
	struct cprof_flame *f;
	uint64_t *keys; /* (parent, name) -> node, open addressing */
	uint32_t *vals;
	size_t cap, used;
};
bool cprof_flame_builder_init(struct cprof_flame_builder *b);
void cprof_flame_builder_fini(struct cprof_flame_builder *b);
uint32_t cprof_flame_add_name(struct cprof_flame *f, const char *s);
uint32_t cprof_flame_child(struct cprof_flame_builder *b, uint32_t parent, uint32_t name,
			   uint32_t file, int32_t line, uint8_t module);
bool cprof_flame_link(struct cprof_flame *f);

/* The module class of a mapping's file name (see enum cprof_flame_module). */
enum cprof_flame_module cprof_flame_module_of(const char *path);

#endif /* CPROF_FLAME_H */
