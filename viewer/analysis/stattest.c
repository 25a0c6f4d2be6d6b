/*
 * Mann-Whitney U, quantile confidence intervals and Holm's correction
 * (see stattest.h).
 */
#include "stattest.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct tagged {
	double v;
	int from_x;
};

static int tagged_cmp(const void *a, const void *b)
{
	const struct tagged *x = a, *y = b;
	return x->v < y->v ? -1 : x->v > y->v;
}

double cprof_utest_min_p(size_t n, size_t m)
{
	double c = 1; /* C(n+m, n), grown factor by factor */

	for (size_t i = 1; i <= n; i++)
		c = c * (double)(m + i) / (double)i;
	return c > 2 ? 2 / c : 1;
}

/*
 * Exact two-sided p-value of a rank sum. r2 holds the doubled midranks of
 * all N values (integers, so sums compare exactly), k the size of the
 * sample whose doubled rank sum is s2. Counts, for every subset of k
 * positions, its rank sum (a knapsack over the N ranks), then sums the
 * subsets at least as far from the mean k(N+1) as the observed one.
 */
static enum cprof_utest_status exact_p(const uint32_t *r2, size_t N, size_t k, uint64_t s2,
				       double *p)
{
	size_t max_s = 2 * N * k + 1, width = max_s + 1;
	double *dp = calloc((k + 1) * width, sizeof(*dp));
	double tail = 0, all = 0;
	int64_t mean2 = (int64_t)(k * (N + 1)), dev_obs = llabs((int64_t)s2 - mean2);

	if (!dp)
		return CPROF_UTEST_NOMEM;
	dp[0] = 1;
	for (size_t i = 0; i < N; i++) {
		size_t r = r2[i], top = i + 1 < k ? i + 1 : k;
		for (size_t j = top; j >= 1; j--) {
			double *row = dp + j * width;
			const double *prev = dp + (j - 1) * width;
			for (size_t s = max_s; s >= r; s--)
				row[s] += prev[s - r];
		}
	}
	for (size_t s = 0; s <= max_s; s++) {
		double c = dp[k * width + s];
		all += c;
		if (llabs((int64_t)s - mean2) >= dev_obs)
			tail += c;
	}
	free(dp);
	*p = all > 0 ? tail / all : 1;
	if (*p > 1)
		*p = 1;
	return CPROF_UTEST_OK;
}

enum cprof_utest_status cprof_utest(const double *x, size_t nx, const double *y, size_t ny,
				    struct cprof_utest_result *res)
{
	size_t N = nx + ny;
	struct tagged *all = NULL;
	uint32_t *r2 = NULL;
	double rank_x = 0, ties3 = 0;
	uint64_t s2_small = 0;
	enum cprof_utest_status status = CPROF_UTEST_OK;
	bool x_small = nx <= ny;

	memset(res, 0, sizeof(*res));
	res->p = 1;
	if (!nx || !ny)
		return CPROF_UTEST_EMPTY;
	all = malloc(N * sizeof(*all));
	r2 = malloc(N * sizeof(*r2));
	if (!all || !r2) {
		status = CPROF_UTEST_NOMEM;
		goto end;
	}
	for (size_t i = 0; i < nx; i++)
		all[i] = (struct tagged){x[i], 1};
	for (size_t i = 0; i < ny; i++)
		all[nx + i] = (struct tagged){y[i], 0};
	qsort(all, N, sizeof(*all), tagged_cmp);

	/* Midranks: a run of equal values at 1-based ranks f..l gets (f+l)/2
	 * each; doubled, f+l, an integer. */
	for (size_t i = 0; i < N;) {
		size_t j = i;
		while (j < N && all[j].v == all[i].v)
			j++;
		uint32_t d = (uint32_t)(i + 1 + j);
		double t = (double)(j - i);
		for (size_t k = i; k < j; k++) {
			r2[k] = d;
			if (all[k].from_x)
				rank_x += d / 2.0;
			if ((all[k].from_x != 0) == x_small)
				s2_small += d;
		}
		ties3 += t * t * t - t;
		if (j - i > 1)
			res->ties = true;
		i = j;
	}
	res->u = rank_x - (double)nx * (double)(nx + 1) / 2;
	if (ties3 == (double)N * N * N - (double)N) {
		status = CPROF_UTEST_ALL_EQUAL;
		goto end;
	}
	if (nx <= CPROF_UTEST_EXACT_LIMIT && ny <= CPROF_UTEST_EXACT_LIMIT) {
		res->method = CPROF_UTEST_EXACT;
		status = exact_p(r2, N, x_small ? nx : ny, s2_small, &res->p);
	} else {
		double n = (double)N, mu = (double)nx * (double)ny / 2;
		double sigma =
		    sqrt((double)nx * (double)ny / 12 * ((n + 1) - ties3 / (n * (n - 1))));
		double d = res->u - mu;
		double z = (d - (d > 0 ? 0.5 : d < 0 ? -0.5 : 0)) / sigma;

		res->method = CPROF_UTEST_NORMAL;
		res->p = erfc(fabs(z) / sqrt(2));
		if (res->p > 1)
			res->p = 1;
	}
end:
	free(all);
	free(r2);
	return status;
}

/* Standard normal upper tail, and its inverse by bisection (called a few
 * times per comparison: speed does not matter, being right does). */
static double norm_sf(double z)
{
	return 0.5 * erfc(z / sqrt(2));
}

static double norm_isf(double a)
{
	double lo = -40, hi = 40;

	for (int i = 0; i < 200; i++) {
		double mid = (lo + hi) / 2;
		if (norm_sf(mid) > a)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

#define QUANTILE_EXACT_LIMIT 100000

void cprof_quantile_ci(size_t n, double q, double confidence, struct cprof_quantile_ci *ci)
{
	double tail = (1 - confidence) / 2;

	ci->lo = 0;
	ci->hi = n + 1;
	ci->confidence = 1;
	if (!n || q <= 0 || q >= 1 || confidence >= 1)
		return;
	if (n <= QUANTILE_EXACT_LIMIT) {
		/* cdf[k] = P(B <= k), from log pmfs (lgamma) so large n
		 * neither overflows nor underflows the coefficients. */
		double *cdf = malloc((n + 1) * sizeof(*cdf)), acc = 0;
		if (!cdf)
			return;
		for (size_t k = 0; k <= n; k++) {
			double lp = lgamma((double)n + 1) - lgamma((double)k + 1) -
				    lgamma((double)(n - k) + 1) + (double)k * log(q) +
				    (double)(n - k) * log1p(-q);
			acc += exp(lp);
			cdf[k] = acc;
		}
		/* lo: the largest order with P(B <= lo - 1) <= tail. */
		while (ci->lo < n && cdf[ci->lo] <= tail)
			ci->lo++;
		/* hi: the smallest order with P(B >= hi) <= tail. */
		while (ci->hi > 1 && 1 - cdf[ci->hi - 2] <= tail)
			ci->hi--;
		ci->confidence = (ci->hi >= 1 ? cdf[ci->hi - 1 > n ? n : ci->hi - 1] : 0) -
				 (ci->lo >= 1 ? cdf[ci->lo - 1] : 0);
		free(cdf);
	} else {
		double mu = (double)n * q, sd = sqrt((double)n * q * (1 - q));
		double z = norm_isf(tail);
		double lo = floor(mu - z * sd), hi = ceil(mu + 1 + z * sd);

		ci->lo = lo < 0 ? 0 : (size_t)lo;
		ci->hi = hi > (double)n + 1 ? n + 1 : (size_t)hi;
		ci->confidence = 1 - norm_sf(((double)ci->hi - 0.5 - mu) / sd) -
				 norm_sf((mu - ((double)ci->lo - 0.5)) / sd);
	}
}

struct pidx {
	double p;
	size_t i;
};

static int pidx_cmp(const void *a, const void *b)
{
	const struct pidx *x = a, *y = b;
	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

bool cprof_holm(double *p, size_t n)
{
	struct pidx *v = malloc((n ? n : 1) * sizeof(*v));
	size_t m = 0;
	double run = 0;

	if (!v)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isnan(p[i]))
			v[m++] = (struct pidx){p[i], i};
	qsort(v, m, sizeof(*v), pidx_cmp);
	for (size_t j = 0; j < m; j++) {
		double adj = (double)(m - j) * v[j].p;
		if (adj > 1)
			adj = 1;
		if (adj > run)
			run = adj;
		p[v[j].i] = run;
	}
	free(v);
	return true;
}
