/*
 * Built with -DCPROF_TRACE_DISABLE and not linked against libcprof-trace:
 * every call compiles to nothing, TRACE_REGION's block still runs (with
 * the same break/continue meaning), the types are still defined.
 */
#include <cprof/trace.h>
#include <stdio.h>

int main(void)
{
	cprof_task *t = cprof_task_begin(NULL, "job");
	cprof_region r = cprof_region_begin(t, "manual");
	int runs = 0;

	for (int i = 0; i < 4; i++) {
		TRACE_REGION(t, "loop") {
			if (i == 2)
				break; /* leaves the region's block only */
			runs++;
		}
	}
	cprof_region_end(&r);
	cprof_counter("depth", runs);
	cprof_logf(t, "cat", "runs=%d", runs);
	cprof_task_end(t);
	cprof_trace_snapshot("never");
	if (runs != 3 || cprof_trace_enabled() || cprof_task_id(t) != 0) {
		fprintf(stderr, "disabled build misbehaves: runs=%d\n", runs);
		return 1;
	}
	return 0;
}
