/*
 * Inside libcprof-trace: the clock of batched records (batch-clock.c),
 * CLOCK_MONOTONIC nanoseconds from the TSC where it is usable. The TSC's
 * anchor is in <cprof/trace.h>: the header's inline path reads it too.
 */
#ifndef CPROF_BATCH_CLOCK_H
#define CPROF_BATCH_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include <cprof/trace.h>

/* CLOCK_MONOTONIC nanoseconds, the clock LTTng-UST stamps events with. */
uint64_t cprof_clock_mono_ns_(void);
/* cprof_clock_now_ before the TSC is calibrated, or without a TSC. */
uint64_t cprof_clock_slow_(void);

/* The same clock from the TSC when it is usable (constant, invariant; the
 * anchor is in <cprof/trace.h>, for the header's inline path too), else
 * from clock_gettime. Inlined: it is half the cost of a record. */
static inline uint64_t cprof_clock_now_(void)
{
	uint64_t t;

	if (__builtin_expect(cprof_tsc_ns_(&t), 1))
		return t;
	return cprof_clock_slow_();
}
/* Re-anchors the TSC to CLOCK_MONOTONIC and refines its rate (flusher). */
void cprof_clock_refresh_(void);
/* Calibrates the TSC now, without waiting, when it is not yet and 2 ms
 * have passed since the library was loaded; `now` is CLOCK_MONOTONIC. */
void cprof_clock_calibrate_due_(uint64_t now);
/* Whether cprof_clock_now_ reads the TSC. */
bool cprof_clock_uses_tsc_(void);

#endif /* CPROF_BATCH_CLOCK_H */
