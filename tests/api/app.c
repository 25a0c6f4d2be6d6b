/* A program written against the installed header and pkg-config file. */
#include <cprof/trace.h>

int main(void)
{
	cprof_task *t = cprof_task_begin(NULL, "install-check");
	TRACE_REGION(t, "work") {
		cprof_log(t, "status", "ok");
	}
	cprof_task_end(t);
	return 0;
}
