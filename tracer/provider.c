/*
 * The one translation unit that instantiates the `cprof` LTTng-UST probes
 * (and defines the tracepoint call sites used by libcprof-trace). The
 * preload library defines its own call sites and finds these probes
 * through its link against libcprof-trace.
 */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "cprof-tp.h"
