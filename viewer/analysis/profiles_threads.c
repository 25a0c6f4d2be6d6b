/* The threads profile: threads at their creation stacks, and those alive
 * at a moment. */
#include "profiles_ctx.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof-tp-enums.h"

static uint32_t thread_by_tid(const struct cprof_model *m, uint32_t process, int32_t tid)
{
	for (size_t i = 0; i < m->threads.n; i++)
		if (m->threads.v[i].tid == tid && m->threads.v[i].process == process)
			return (uint32_t)i;
	return CPROF_NONE;
}

void prof_threads(struct prof_ctx *c, struct cprof_profiles_report *rep)
{
	const struct cprof_model *m = c->m;
	uint64_t at = c->f->has_at ? m->begin_ns + c->f->at_ns : c->win_to;
	CPROF_VEC(uint64_t) locs = {0};

	for (size_t i = 0; i < m->threads.n && !c->failed; i++) {
		const struct cprof_thread *t = &m->threads.v[i];
		struct cprof_profile_label labels[8];
		uint64_t born = t->start_ns ? t->start_ns : t->first_ns;
		uint64_t died = t->end_ns; /* 0: no exit in the trace */
		uint32_t parent = CPROF_NONE, region = CPROF_NONE;
		size_t nl, nlocs;
		const uint64_t *stack;
		int64_t values[2];

		rep->total++;
		if (born > c->win_to || (died && died < c->win_from) || !c->thread_ok[i])
			continue;
		if (t->parent_tid)
			parent = thread_by_tid(m, t->process, t->parent_tid);
		if (parent != CPROF_NONE)
			region = prof_innermost(c, parent, born);
		if (!prof_chain_matches(c, region))
			continue;
		rep->matched++;
		locs.n = 0;
		if (t->start_routine) {
			uint64_t *slot = cprof_vec_push(&locs);
			if (!slot || !(*slot = prof_location(c, t->process, t->start_ns,
							     t->start_routine, false)))
				c->failed = true;
		}
		stack = prof_stack_locations(c, t->create_stack, &nlocs);
		for (size_t k = 0; k < nlocs; k++) {
			uint64_t *slot = cprof_vec_push(&locs);
			if (!slot) {
				c->failed = true;
				break;
			}
			*slot = stack[k];
		}
		if (!locs.n) {
			uint64_t *slot = cprof_vec_push(&locs);
			if (!slot || !(*slot = cprof_profile_synthetic_location(
					   c->p, "(created outside the trace)", "")))
				c->failed = true;
		}
		if (c->failed)
			break;
		values[0] = 1;
		values[1] = born <= at && (!died || died > at);
		/* labels: the new thread's name, the creator's annotations */
		nl = prof_labels(c, (uint32_t)i, region, 0, labels);
		prof_add(c, locs.v, locs.n, values, labels, nl);
	}
	cprof_vec_free(&locs);
}
