/*
 * Flame graphs straight from the model, for a viewer that recomputes one
 * at every change of range: CPU samples, synchronization waits and
 * blocking calls in a window, summed per stack id first, so the cost is
 * one pass over the items of that kind plus one walk per distinct stack.
 * Stacks are symbolized once per source (the first graph pays for it).
 * The figures and names are those of the pprof profile of the same kind
 * and window (analysis/profiles.h) built with the same symbolizer: a stack
 * of CPU samples counts 1e9/rate ns per sample, a wait or blocking call
 * its duration clipped to the window, a missing stack "(no stack)".
 *
 * Ownership: cprof_flame_source_create() borrows the model and the
 * symbolizer (may be NULL), which must outlive the source; graphs and
 * top lists it returns belong to the caller (cprof_flame_destroy, free).
 */
#ifndef CPROF_FLAME_MODEL_H
#define CPROF_FLAME_MODEL_H

#include <stdatomic.h>

#include "analysis/flame.h"
#include "model/model.h"
#include "symbols/symbols.h"

enum cprof_flame_items {
	CPROF_FLAME_CPU_SAMPLES,
	CPROF_FLAME_WAITS,
	CPROF_FLAME_CALLS,
};

/* As cprof_profile_top() orders them: flat, then cum, descending. */
struct cprof_flame_top {
	char *name; /* owned by the array: cprof_flame_top_free() */
	int64_t flat, cum;
};

struct cprof_flame_source;

struct cprof_flame_source *cprof_flame_source_create(const struct cprof_model *model,
						     struct cprof_symbolizer *sym);
void cprof_flame_source_destroy(struct cprof_flame_source *src);

/* The graph of `items` in [from_ns, to_ns] (absolute, both included as the
 * profiles' windows are); *top gets the top list when top is not NULL.
 * NULL when out of memory, or once *stop is set (looked at every few
 * thousand items: within a millisecond; `stop` NULL: never). A graph
 * stopped keeps the stacks it symbolized in the source for the next. */
struct cprof_flame *cprof_flame_from_model(struct cprof_flame_source *src,
					   enum cprof_flame_items items, uint64_t from_ns,
					   uint64_t to_ns, const atomic_bool *stop,
					   struct cprof_flame_top **top, size_t *ntop);
void cprof_flame_top_free(struct cprof_flame_top *top, size_t n);

/* The region profile's graph (self time of each region in the window under
 * its enclosing regions, the task at the root; flame_regions.c) in [from_ns,
 * to_ns] (absolute); *matched counts the regions that overlap the window.
 * The first call nests the model's regions once. NULL when out of memory
 * or told to stop, as cprof_flame_from_model() (a first call stopped
 * leaves the nesting to the next). */
struct cprof_flame *cprof_flame_regions(struct cprof_flame_source *src, uint64_t from_ns,
					uint64_t to_ns, const atomic_bool *stop,
					struct cprof_flame_top **top, size_t *ntop,
					uint64_t *matched);

#endif /* CPROF_FLAME_MODEL_H */
