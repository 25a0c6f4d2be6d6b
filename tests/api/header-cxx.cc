// The public header is usable from C++ (extern "C", no C-only constructs).
#include <cprof/trace.h>

int cprof_header_check_cxx();
int cprof_header_check_cxx()
{
	cprof_task *t = cprof_task_begin(nullptr, "t");
	int n = 0;
	TRACE_REGION(t, "r") {
		n++;
	}
	cprof_log(t, "c", "m");
	cprof_counter("n", n);
	cprof_task_end(t);
	cprof_trace_snapshot(nullptr);
	return n;
}
