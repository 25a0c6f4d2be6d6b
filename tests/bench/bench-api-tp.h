/* A raw LTTng-UST tracepoint with an integer and a short string: the
 * baseline that a cprof region begin/end pair is measured against. */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER cprof_bench

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "bench-api-tp.h"

#if !defined(BENCH_API_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define BENCH_API_TP_H

#include <lttng/tracepoint.h>
#include <stdint.h>

LTTNG_UST_TRACEPOINT_EVENT(cprof_bench, raw,
	LTTNG_UST_TP_ARGS(uint64_t, value, const char *, text),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, value, value)
		lttng_ust_field_string(text, text)))

#endif

#include <lttng/tracepoint-event.h>
