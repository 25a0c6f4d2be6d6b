/*
 * The one translation unit that instantiates the `cprof` LTTng-UST probes
 * (and defines the tracepoint call sites used by libcprof-trace). The
 * preload library defines its own call sites and finds these probes
 * through its link against libcprof-trace.
 */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "cprof-tp.h"

/*
 * At process exit every thread's buffered records go out. Destructors of
 * one object run in the reverse order of their definitions, and this one
 * follows the probes' own (defined by the include above): it runs while
 * the probes are still registered.
 */
void cprof_batch_exit_(void);

__attribute__((destructor)) static void cprof_provider_exit(void)
{
	cprof_batch_exit_();
}
