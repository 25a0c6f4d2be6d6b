/* The syscall profile: blocking calls at their stacks. */
#include "profiles_ctx.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof-tp-enums.h"

void prof_syscalls(struct prof_ctx *c, struct cprof_profiles_report *rep)
{
	const struct cprof_model *m = c->m;

	for (size_t i = 0; i < m->syscalls.n && !c->failed && !prof_stopped(c, i); i++) {
		const struct cprof_syscall *s = &m->syscalls.v[i];
		struct cprof_profile_label labels[8];
		uint64_t len;
		uint32_t region;
		size_t nl, nlocs;
		const uint64_t *locs;
		int64_t values[2];
		const char *call = cprof_call_name(s->call);

		rep->total++;
		if (!prof_clip(c, s->begin_ns, s->end_ns, &len) || !prof_thread_ok(c, s->thread))
			continue;
		region = prof_innermost(c, s->thread, s->begin_ns);
		if (!prof_chain_matches(c, region))
			continue;
		rep->matched++;
		values[0] = 1;
		values[1] = (int64_t)len;
		nl = prof_labels(c, s->thread, region, prof_cstr(c, call), labels);
		locs = prof_stack_locations(c, s->stack, &nlocs);
		if (!nlocs) {
			uint64_t id = cprof_profile_synthetic_location(c->p, call, "");
			prof_add(c, &id, 1, values, labels, nl);
		} else {
			prof_add(c, locs, nlocs, values, labels, nl);
		}
	}
}
