/*
 * The statistics of `cprof-trace compare` against values known from
 * elsewhere: go-moremath's U-test cases (its large ones checked against
 * R's wilcox.test), scipy.stats.mannwhitneyu's documented example (exact
 * and asymptotic), p-values of samples with ties counted by enumerating
 * every split of the pooled values (a separate brute-force program, the
 * figures pasted here), benchstat's smallest p per sample size and its
 * median CI sizes, and R's p.adjust(method = "holm").
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/stattest.h"

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static int close_to(double got, double want, double rel)
{
	if (fabs(got - want) <= rel * fabs(want) + 1e-15)
		return 1;
	fprintf(stderr, "  got %.17g, want %.17g\n", got, want);
	return 0;
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void utest(const double *x, size_t nx, const double *y, size_t ny, double want_u,
		  double want_p, enum cprof_utest_method method, double rel)
{
	struct cprof_utest_result r;
	double u;

	CHECK(cprof_utest(x, nx, y, ny, &r) == CPROF_UTEST_OK);
	u = r.u < (double)(nx * ny) - r.u ? r.u : (double)(nx * ny) - r.u;
	CHECK(close_to(u, want_u, 1e-12));
	CHECK(close_to(r.p, want_p, rel));
	CHECK(r.method == method);
}

static void test_small_exact(void)
{
	static const double s1[] = {2, 1, 3, 5}, s2[] = {12, 11, 13, 15}, s3[] = {0, 4, 6, 7};
	static const double s4[] = {2, 2, 2, 2}, s5[] = {1, 1, 1, 1, 1};
	static const double males[] = {19, 22, 16, 29, 24}, females[] = {20, 11, 17, 12};
	static const double t1[] = {1, 2, 2, 3, 3, 3, 4}, t2[] = {3, 4, 4, 5, 5, 6, 7};
	static const double a[] = {1, 1, 1, 2, 3, 3, 8, 9}, b[] = {1, 2, 2, 2, 4, 5, 6, 7, 7};
	struct cprof_utest_result r;

	/* go-moremath: no ties */
	utest(s1, 4, s2, 4, 0, 0.028571428571428577, CPROF_UTEST_EXACT, 1e-12);
	utest(s2, 4, s1, 4, 0, 0.028571428571428577, CPROF_UTEST_EXACT, 1e-12);
	utest(s1, 4, s3, 4, 5, 0.48571428571428577, CPROF_UTEST_EXACT, 1e-12);
	utest(s1, 4, s1, 4, 8, 1, CPROF_UTEST_EXACT, 1e-12);
	/* scipy's documented example, method="exact" */
	utest(males, 5, females, 4, 3, 0.1111111111111111, CPROF_UTEST_EXACT, 1e-12);
	/* ties: enumerated */
	utest(s1, 4, s4, 4, 6, 0.7142857142857143, CPROF_UTEST_EXACT, 1e-12);
	utest(s1, 4, s5, 5, 2.5, 0.047619047619047616, CPROF_UTEST_EXACT, 1e-12);
	utest(t1, 7, t2, 7, 3.5, 0.007575757575757576, CPROF_UTEST_EXACT, 1e-12);
	utest(a, 8, b, 9, 30, 0.5897161661867544, CPROF_UTEST_EXACT, 1e-12);
	/* the U of the first sample counts its wins */
	CHECK(cprof_utest(s2, 4, s1, 4, &r) == CPROF_UTEST_OK && r.u == 16);
	CHECK(cprof_utest(s1, 4, s2, 4, &r) == CPROF_UTEST_OK && r.u == 0);
	/* nothing to test */
	CHECK(cprof_utest(s4, 4, s4, 4, &r) == CPROF_UTEST_ALL_EQUAL && r.p == 1);
	CHECK(cprof_utest(s4, 0, s4, 4, &r) == CPROF_UTEST_EMPTY && r.p == 1);
}

static void test_large_normal(void)
{
	double l1[500], l2[600], l3[600], big[60], big2[60];
	struct cprof_utest_result r;

	for (int i = 0; i < 500; i++)
		l1[i] = i * 2;
	for (int i = 0; i < 600; i++)
		l2[i] = l3[i] = i * 2 - 41;
	for (int i = 0; i < 30; i++)
		l3[i] = l1[i];
	/* go-moremath's figures, which match R's wilcox.test (correct = TRUE) */
	utest(l1, 500, l2, 600, 135250, 0.0049335360814172224, CPROF_UTEST_NORMAL, 1e-9);
	utest(l1, 500, l1, 500, 125000, 1, CPROF_UTEST_NORMAL, 1e-12);
	utest(l1, 500, l3, 600, 134845, 0.0038703814239617884, CPROF_UTEST_NORMAL, 1e-9);

	/* Past the exact limit the approximation takes over; close to the
	 * exact value at 50 + 50 (no ties: 2/C(100,50) would be 1e-29, but
	 * a shift of 7 gives p = 0.024). */
	for (int i = 0; i < 60; i++) {
		big[i] = i;
		big2[i] = i + 7;
	}
	CHECK(cprof_utest(big, 50, big2, 50, &r) == CPROF_UTEST_OK &&
	      r.method == CPROF_UTEST_EXACT);
	{
		double exact = r.p;
		CHECK(cprof_utest(big, 51, big2, 51, &r) == CPROF_UTEST_OK &&
		      r.method == CPROF_UTEST_NORMAL);
		/* 51 values move p a little; the two agree within 15% */
		CHECK(r.p > exact * 0.5 && r.p < exact * 1.5);
		CHECK(exact > 0.01 && exact < 0.05);
	}
}

static void test_min_p(void)
{
	/* benchstat's uTestMinP table */
	CHECK(close_to(cprof_utest_min_p(1, 1), 1, 1e-12));
	CHECK(close_to(cprof_utest_min_p(2, 2), 0.3333333333333333, 1e-12));
	CHECK(close_to(cprof_utest_min_p(3, 3), 0.1, 1e-12));
	CHECK(close_to(cprof_utest_min_p(4, 4), 0.02857142857142857, 1e-12));
	CHECK(close_to(cprof_utest_min_p(5, 5), 0.007936507936507936, 1e-12));
	CHECK(close_to(cprof_utest_min_p(9, 9), 4.113533525298231e-05, 1e-12));
}

static void test_quantile_ci(void)
{
	struct cprof_quantile_ci ci;

	/* benchstat: a median needs 6 values for a finite 95% interval,
	 * which is then the whole sample at 96.875% (1 - 2/64) */
	cprof_quantile_ci(5, 0.5, 0.95, &ci);
	CHECK(ci.lo == 0);
	cprof_quantile_ci(6, 0.5, 0.95, &ci);
	CHECK(ci.lo == 1 && ci.hi == 6);
	CHECK(close_to(ci.confidence, 0.96875, 1e-12));
	/* n = 20, median: the order statistics 6 and 15 (P = 0.9586,
	 * the textbook table of binomial sign-test intervals) */
	cprof_quantile_ci(20, 0.5, 0.95, &ci);
	CHECK(ci.lo == 6 && ci.hi == 15);
	CHECK(close_to(ci.confidence, 0.95861053466796875, 1e-9));
	/* a p99 of 100 values has no finite upper bound */
	cprof_quantile_ci(100, 0.99, 0.95, &ci);
	CHECK(ci.hi == 101 && ci.lo >= 90);
	/* the normal approximation (large n) brackets n*q symmetrically,
	 * and agrees with the exact sums just below the switch */
	{
		struct cprof_quantile_ci a, b;
		cprof_quantile_ci(100000, 0.9, 0.95, &a);
		cprof_quantile_ci(100001, 0.9, 0.95, &b);
		CHECK(a.lo < 90000 && a.hi > 90000 && a.confidence >= 0.95);
		CHECK(b.confidence >= 0.949);
		CHECK(labs((long)a.lo - (long)b.lo) <= 2 && labs((long)a.hi - (long)b.hi) <= 2);
	}
}

static void test_holm(void)
{
	/* R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") = 0.03 0.06 0.06 0.02 */
	double p[] = {0.01, 0.04, NAN, 0.03, 0.005};

	CHECK(cprof_holm(p, N_OF(p)));
	CHECK(close_to(p[0], 0.03, 1e-12));
	CHECK(close_to(p[1], 0.06, 1e-12));
	CHECK(isnan(p[2]));
	CHECK(close_to(p[3], 0.06, 1e-12));
	CHECK(close_to(p[4], 0.02, 1e-12));
	{
		double q[] = {0.5, 0.9};
		CHECK(cprof_holm(q, 2) && q[0] == 1 && q[1] == 1);
	}
}

int main(void)
{
	test_small_exact();
	test_large_normal();
	test_min_p();
	test_quantile_ci();
	test_holm();
	if (failures) {
		fprintf(stderr, "%d checks failed\n", failures);
		return 1;
	}
	printf("stattest: all checks passed\n");
	return 0;
}
