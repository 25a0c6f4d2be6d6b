/*
 * test-batch-clock: the TSC clock of batched records (tracer/batch-clock.c)
 * against clock_gettime(CLOCK_MONOTONIC), the clock LTTng-UST stamps its
 * events with. For two seconds, re-anchored every 50 ms as the flusher
 * does, each reading is taken between two clock_gettime calls; its error
 * is its distance from that interval. Readings whose interval was longer
 * than 2 us (the thread was preempted) say nothing and are skipped.
 *
 * First, a calibration asked for without a record (as the lock hooks
 * do) happens once due.
 *
 * Bound: 1 us (a region of 1 us is then within 0.1% of its true length
 * after a second of calibration; the figure measured here is printed).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "batch-clock.h"
#include "batch.h"

int main(void)
{
	uint64_t start = cprof_clock_mono_ns_(), next_anchor = 0, worst = 0, n = 0, skipped = 0;
	uint64_t first;

	/* A caller that makes no record of its own (the preload library's
	 * lock hooks, converting their TSC readings) has the TSC calibrated
	 * once 2 ms have passed since the library was loaded. */
	while (cprof_clock_mono_ns_() - start < 2000000u)
		;
	cprof_clock_calibrate_due_(cprof_clock_mono_ns_());
	if (!__atomic_load_n(&cprof_clock_anchor_.use_tsc, __ATOMIC_ACQUIRE)) {
		fprintf(stderr, "the TSC was not calibrated when due\n");
		return 1;
	}
	first = cprof_clock_now_();
	(void)first;
	if (!cprof_clock_uses_tsc_()) {
		printf("no invariant TSC here: records read clock_gettime, no error to measure\n");
		return 77;
	}
	while (cprof_clock_mono_ns_() - start < 2000000000u) {
		uint64_t a = cprof_clock_mono_ns_(), t = cprof_clock_now_(),
			 b = cprof_clock_mono_ns_();
		uint64_t err = t < a ? a - t : t > b ? t - b : 0;

		if (b >= next_anchor) {
			cprof_clock_refresh_();
			next_anchor = b + CPROF_BATCH_PERIOD_NS;
		}
		if (b - a > 2000) {
			skipped++;
			continue;
		}
		n++;
		if (err > worst)
			worst = err;
	}
	printf("TSC clock vs CLOCK_MONOTONIC: worst error %" PRIu64 " ns over %" PRIu64
	       " readings (%" PRIu64 " skipped), bound 1000 ns\n",
	       worst, n, skipped);
	if (n < 1000) {
		fprintf(stderr, "too few readings\n");
		return 1;
	}
	return worst <= 1000 ? 0 : 1;
}
