#include "parts.h"
std::vector<long> primes_upto(long n)
{
	std::vector<bool> comp(n + 1);
	std::vector<long> p;
	for (long i = 2; i <= n; i++) {
		if (comp[i])
			continue;
		p.push_back(i);
		for (long j = i * i; j <= n; j += i)
			comp[j] = true;
	}
	return p;
}
