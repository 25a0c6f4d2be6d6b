/* The CPU profile: one sample per CPU tick at the interrupted stack. */
#include "profiles_ctx.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof-tp-enums.h"

void prof_cpu(struct prof_ctx *c, struct cprof_profiles_report *rep)
{
	const struct cprof_model *m = c->m;

	for (size_t i = 0; i < m->samples.n && !c->failed && !prof_stopped(c, i); i++) {
		const struct cprof_sample *s = &m->samples.v[i];
		struct cprof_profile_label labels[8];
		uint32_t region, process, rate;
		size_t nl, nlocs;
		const uint64_t *locs;
		int64_t values[2];

		rep->total++;
		if (!prof_in_window(c, s->ns) || !prof_thread_ok(c, s->thread))
			continue;
		region = prof_innermost(c, s->thread, s->ns);
		if (!prof_chain_matches(c, region))
			continue;
		rep->matched++;
		process = s->thread < m->threads.n ? m->threads.v[s->thread].process : CPROF_NONE;
		rate = process < m->processes.n ? m->processes.v[process].cpu_rate : 0;
		values[0] = 1;
		values[1] = rate ? (int64_t)(1000000000ull / rate) : 0;
		nl = prof_labels(c, s->thread, region, 0, labels);
		locs = prof_stack_locations(c, s->stack, &nlocs);
		if (!nlocs) {
			uint64_t id = cprof_profile_synthetic_location(c->p, "(no stack)", "");
			prof_add(c, &id, 1, values, labels, nl);
		} else {
			prof_add(c, locs, nlocs, values, labels, nl);
		}
	}
}
