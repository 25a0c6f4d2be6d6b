/* The public header compiles alone as strict C11 (-pedantic -Werror). */
#include <cprof/trace.h>
#include <stddef.h>

int cprof_header_check(void);
int cprof_header_check(void)
{
	cprof_task *t = cprof_task_begin(NULL, "t");
	int n = 0;
	TRACE_REGION(t, "r") {
		n++;
	}
	cprof_logf(t, "c", "%d", n);
	cprof_counter("n", n);
	cprof_task_end(t);
	cprof_trace_snapshot("check");
	return n + (int)cprof_trace_enabled();
}
