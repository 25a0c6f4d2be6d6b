/*
 * The statistics behind `cprof-trace compare`, the ones benchstat uses
 * (golang.org/x/perf/benchmath): the Mann-Whitney U test, which assumes no
 * distribution (durations are skewed and multi-modal), and confidence
 * intervals of a quantile from order statistics. Plus Holm's correction,
 * because a comparison runs dozens of tests at once.
 *
 * Pure functions over caller-owned arrays; nothing here allocates memory
 * that outlives a call.
 */
#ifndef CPROF_STATTEST_H
#define CPROF_STATTEST_H

#include <stdbool.h>
#include <stddef.h>

enum cprof_utest_status {
	CPROF_UTEST_OK = 0,
	CPROF_UTEST_EMPTY,     /* a sample has no value: no test */
	CPROF_UTEST_ALL_EQUAL, /* every value of both samples is equal: p = 1 */
	CPROF_UTEST_NOMEM,
};

enum cprof_utest_method {
	CPROF_UTEST_EXACT,  /* permutation distribution of the rank sum */
	CPROF_UTEST_NORMAL, /* normal approximation, tie and continuity corrected */
};

struct cprof_utest_result {
	double u; /* U of the first sample: pairs x > y, plus half the ties */
	double p; /* two-sided */
	enum cprof_utest_method method;
	bool ties;
};

/*
 * Samples up to this size each get the exact distribution, ties or not:
 * the rank sums' permutation distribution is counted with midranks, so the
 * p-value is exact given the ties (Klotz's conditional test). Above it the
 * normal approximation is within a few percent, as for R's wilcox.test.
 */
#define CPROF_UTEST_EXACT_LIMIT 50

/*
 * Two-sided Mann-Whitney U test of x (nx values) against y (ny values).
 * The arrays are not modified. Exact when both sizes are at most
 * CPROF_UTEST_EXACT_LIMIT, else the normal approximation with the tie
 * correction and the continuity correction.
 */
enum cprof_utest_status cprof_utest(const double *x, size_t nx, const double *y, size_t ny,
				    struct cprof_utest_result *res);

/* The smallest two-sided p-value the exact test can give for sizes n, m
 * (no ties): 2 / C(n+m, n), capped at 1. 3 and 3 give 0.1. */
double cprof_utest_min_p(size_t n, size_t m);

/*
 * Confidence interval of the q-quantile (0 < q < 1) of a population from a
 * sorted sample of n values: the order statistics x[lo-1] and x[hi-1]
 * (1-based orders) with P(lo <= B < hi) >= confidence, B ~ Binomial(n, q)
 * the number of values below the quantile, each tail at most
 * (1 - confidence) / 2. lo = 0 or hi = n + 1 mean the bound is infinite
 * (the sample is too small: a median needs 6 values at 95%). Exact binomial
 * sums up to 1000 values, the normal approximation above.
 */
struct cprof_quantile_ci {
	size_t lo, hi;
	double confidence; /* actual coverage, >= the one asked for */
};

void cprof_quantile_ci(size_t n, double q, double confidence, struct cprof_quantile_ci *ci);

/*
 * Holm's step-down correction of n p-values, in place: the i-th smallest
 * becomes max over j <= i of min(1, (n - j) * p_(j)) (0-based j). Controls
 * the chance of any false positive among the n tests, whatever their
 * dependence. Entries that are NaN (no test) are left alone and not counted.
 * Returns false when out of memory (p unchanged).
 */
bool cprof_holm(double *p, size_t n);

#endif /* CPROF_STATTEST_H */
