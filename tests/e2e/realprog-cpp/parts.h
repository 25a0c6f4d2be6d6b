#pragma once
#include <string>
#include <vector>
template <typename T> T sum_of(const std::vector<T> &v)
{
	T s{};
	for (const T &x : v)
		s += x;
	return s;
}
std::vector<long> primes_upto(long n);
std::string describe(int i);
long parallel_sum(int nthreads, long n);
int caught_errors(int n);
std::string matrix_trace(int n);
