/* Go's goroutine profile: one sample per thread of the last state dump,
 * at its stack then, labelled with what it was blocked in. */
#include "profiles_ctx.h"

void prof_goroutines(struct prof_ctx *c, struct cprof_profiles_report *rep)
{
	const struct cprof_model *m = c->m;

	for (size_t i = 0; i < m->thread_states.n && !c->failed; i++) {
		const struct cprof_thread_state *ts = &m->thread_states.v[i];
		struct cprof_profile_label labels[8];
		int64_t one = 1, state;
		const uint64_t *locs;
		size_t nlocs, nl;

		if (!ts->current)
			continue;
		rep->total++;
		if (!prof_thread_ok(c, ts->thread))
			continue;
		rep->matched++;
		state = prof_cstr(c, ts->wait_kind ? cprof_wait_kind_name(ts->wait_kind)
				     : ts->call	   ? cprof_call_name(ts->call)
						   : "running");
		locs = prof_stack_locations(c, ts->stack, &nlocs);
		nl = prof_labels(c, ts->thread, CPROF_NONE, state, labels);
		if (!nlocs) {
			uint64_t unknown =
			    cprof_profile_synthetic_location(c->p, "(stack unknown)", "");
			prof_add(c, &unknown, 1, &one, labels, nl);
		} else {
			prof_add(c, locs, nlocs, &one, labels, nl);
		}
	}
}
