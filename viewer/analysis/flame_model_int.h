/*
 * What the flame graphs from the model share between their files
 * (flame_model.c: stacks of CPU samples, waits and calls; flame_regions.c:
 * chains of regions): the source's tables and the walk that adds a frame
 * list's value to a tree. Not used outside viewer/analysis.
 */
#ifndef CPROF_FLAME_MODEL_INT_H
#define CPROF_FLAME_MODEL_INT_H

#include <stdatomic.h>

#include "common/pairmap.h"
#include "flame_model.h"

struct src_frame {
	uint32_t name, file; /* source name ids */
	int32_t line;
	uint8_t module;
};

/* A region chain: the frames from the root (the task, if any) down to a
 * region, one trie node per distinct chain (flame_regions.c). */
struct region_chain {
	uint32_t parent; /* CPROF_NONE: a root frame */
	struct src_frame frame;
};

struct cprof_flame_source {
	const struct cprof_model *m;
	struct cprof_symbolizer *sym;
	uint32_t *first[2], *count[2]; /* per stack; count UINT32_MAX: not built */
	CPROF_VEC(struct src_frame) frames;
	CPROF_VEC(char *) names;
	uint32_t *slots; /* open addressing: name id + 1, 0 empty */
	size_t cap;
	uint8_t *module_class; /* per model module */

	/* regions, built on the first region graph */
	uint32_t *region_parent; /* per region, CPROF_NONE for the outermost */
	bool parent_owned;	 /* else the model's kept nesting */
	uint32_t *region_chain;	 /* per region: its chain */
	int64_t *region_child;	 /* per region: time in its children (a graph's scratch) */
	CPROF_VEC(struct region_chain) chains;
	struct cprof_pairmap chain_index; /* (parent + 1, name << 1 | task) -> chain */
};

/* Whether a graph's pass, at item `i`, should end because its caller
 * told it to stop (a viewer whose view left the graph's range or tab):
 * looked at when `i & mask` is 0, every 4096 items of a pass over the
 * model (some 10-50 us), every 64 stacks where each may be symbolized. */
#define FLAME_STOP_ITEMS 4095u
#define FLAME_STOP_STACKS 63u
static inline bool flame_stopped(const atomic_bool *stop, size_t i, size_t mask)
{
	return !(i & mask) && stop && atomic_load_explicit(stop, memory_order_relaxed);
}

/* The id of name `s` in the source's table (added once); CPROF_FLAME_NONE
 * when out of memory. */
uint32_t flame_src_intern(struct cprof_flame_source *src, const char *s);
void flame_regions_fini(struct cprof_flame_source *src);
/* Window overlap *len of [b, e) (e 0: open to the trace's end) with
 * [from, to], as the profiles clip; false when they do not meet. */
bool flame_clip(const struct cprof_model *m, uint64_t b, uint64_t e, uint64_t from, uint64_t to,
		uint64_t *len);

struct flame_walk {
	struct cprof_flame_source *src;
	struct cprof_flame_builder fb;
	uint32_t *name_map; /* source name id -> flame name id + 1 */
	int64_t *flat, *cum;
	uint32_t *seen; /* per source name: last stack that counted it in cum */
};

/* Once the source's names are final for this graph; false when out of
 * memory (then finish with ok false). */
bool flame_walk_init(struct flame_walk *w, struct cprof_flame_source *src);
/* Adds `v` along fr[0..n) (innermost first); `stamp` tells this frame
 * list from the others for the cum column. */
bool flame_walk_add(struct flame_walk *w, const struct src_frame *fr, uint32_t n, uint32_t stamp,
		    int64_t v);
bool flame_walk_top(struct flame_walk *w, struct cprof_flame_top **top, size_t *ntop);
/* The tree (and top list) when ok, else NULL; frees the walk. */
struct cprof_flame *flame_walk_finish(struct flame_walk *w, bool ok, struct cprof_flame_top **top,
				      size_t *ntop);

#endif /* CPROF_FLAME_MODEL_INT_H */
