/*
 * How the preload library includes the `cprof` provider: its tracepoint call
 * sites stay hidden inside this library, and the probes are found at run
 * time in libcprof-trace (linked, but exporting only cprof_*), hence the
 * dynamic-linkage form with no reference to the provider's symbol.
 */
#ifndef CPROF_PRELOAD_TP_H
#define CPROF_PRELOAD_TP_H

#define LTTNG_UST_TRACEPOINT_HIDDEN_DEFINITION
#define LTTNG_UST_TRACEPOINT_PROBE_DYNAMIC_LINKAGE
#include "cprof-tp-enums.h"
#include "cprof-tp.h"

#endif /* CPROF_PRELOAD_TP_H */
