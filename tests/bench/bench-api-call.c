/*
 * The same region loop as bench-api.c, compiled against the header's
 * out-of-line API (CPROF_TRACE_NO_INLINE): every begin and end is a call
 * into libcprof-trace, as before the inline fast path. bench-api measures
 * both in the same run so the inline path's gain is a ratio, not a figure
 * from another day on a shared machine.
 */
#define CPROF_TRACE_NO_INLINE
#define BENCH_LOOP bench_region_pairs_call
#include "bench-api-loop.h"
