/* The region profile: a flame graph of the annotations, self time per
 * region under its enclosing regions and task. */
#include "profiles_ctx.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof-tp-enums.h"

/*
 * The frame of a region or task type: cached per model string and kind
 * (loc[2 * s + task]), since looking it up by name hashes two strings and
 * a trace has millions of regions of a few types. 0 when out of memory.
 */
static uint64_t type_frame(struct prof_ctx *c, uint64_t *loc, cprof_str s, bool task)
{
	uint64_t *slot = &loc[2 * (size_t)s + task];
	if (!*slot)
		*slot = cprof_profile_synthetic_location(c->p, cprof_model_str(c->m, s),
							 task ? "task" : "region");
	return *slot;
}

void prof_regions(struct prof_ctx *c, struct cprof_profiles_report *rep)
{
	const struct cprof_model *m = c->m;
	uint64_t *child = calloc(m->regions.n + 1, sizeof(*child));
	uint64_t *loc = calloc(2 * (m->strings.n + 1), sizeof(*loc));
	CPROF_VEC(uint64_t) locs = {0};

	if (!child || !loc) {
		free(child);
		free(loc);
		c->failed = true;
		return;
	}
	/* time of each region spent in its children, within the window */
	for (size_t i = 0; i < m->regions.n; i++) {
		const struct cprof_region *r = &m->regions.v[i];
		uint64_t len;
		if (c->parent[i] != CPROF_NONE && prof_overlap(c, r->begin_ns, r->end_ns, &len))
			child[c->parent[i]] += len;
	}
	for (size_t i = 0; i < m->regions.n && !c->failed && !prof_stopped(c, i); i++) {
		const struct cprof_region *r = &m->regions.v[i];
		struct cprof_profile_label labels[8];
		uint64_t len, self;
		uint32_t task;
		size_t nl;
		int64_t values[2];

		rep->total++;
		if (!prof_clip(c, r->begin_ns, r->end_ns, &len) || !prof_thread_ok(c, r->thread))
			continue;
		if (!prof_chain_matches(c, (uint32_t)i))
			continue;
		rep->matched++;
		self = len > child[i] ? len - child[i] : 0;
		locs.n = 0;
		for (uint32_t k = (uint32_t)i; k != CPROF_NONE; k = c->parent[k]) {
			uint64_t *slot = cprof_vec_push(&locs);
			if (!slot || !(*slot = type_frame(c, loc, m->regions.v[k].type, false))) {
				c->failed = true;
				break;
			}
		}
		task = prof_task_of_chain(c, (uint32_t)i);
		if (task != CPROF_NONE && task < m->tasks.n) {
			uint64_t *slot = cprof_vec_push(&locs);
			if (!slot || !(*slot = type_frame(c, loc, m->tasks.v[task].type, true)))
				c->failed = true;
		}
		if (c->failed)
			break;
		values[0] = 1;
		values[1] = (int64_t)self;
		nl = prof_labels(c, r->thread, (uint32_t)i, 0, labels);
		prof_add(c, locs.v, locs.n, values, labels, nl);
	}
	cprof_vec_free(&locs);
	free(child);
	free(loc);
}
