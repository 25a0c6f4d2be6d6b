/*
 * Which of many [start, end) intervals sorted by start may hold a point:
 * the binary search behind the symbolizer's symbol and module lookups,
 * the perf map's ranges and the innermost region of a thread at a time
 * (the analyses' and the critical path's).
 *
 * cprof_interval_first_after() gives the first interval that starts after
 * the point (n when none does): only the ones before it can hold the
 * point. Intervals may nest or overlap (aliased symbols, a library mapped
 * again, nested regions), so each caller then looks back over a bounded
 * few of those with its own rule (the first that still covers the point,
 * the latest mapped, the innermost open).
 *
 * Inline, the key function too: it runs per frame and per sample, where a
 * call per probe would cost more than the probe. `start(ctx, i)` is the
 * start of interval i; starts must not decrease with i.
 */
#ifndef CPROF_COMMON_INTERVAL_H
#define CPROF_COMMON_INTERVAL_H

#include <stddef.h>
#include <stdint.h>

typedef uint64_t cprof_interval_start_fn(const void *ctx, size_t i);

static inline __attribute__((always_inline)) size_t
cprof_interval_first_after(const void *ctx, size_t n, uint64_t point,
			   cprof_interval_start_fn *start)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (start(ctx, mid) <= point)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

#endif
