#include "parts.h"
#include <atomic>
#include <mutex>
#include <thread>
long parallel_sum(int nthreads, long n)
{
	std::mutex m;
	long total = 0;
	std::vector<std::thread> ts;
	for (int t = 0; t < nthreads; t++)
		ts.emplace_back([&, t] {
			for (long i = t; i < n; i += nthreads) {
				std::lock_guard<std::mutex> g(m);
				total += i;
			}
		});
	for (auto &t : ts)
		t.join();
	return total;
}
