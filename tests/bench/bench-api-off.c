/*
 * The same region loop as bench-api.c, compiled out (-DCPROF_TRACE_DISABLE):
 * what a build without tracing pays, measured in the same run.
 */
#define BENCH_LOOP bench_region_pairs_off
#include "bench-api-loop.h"
