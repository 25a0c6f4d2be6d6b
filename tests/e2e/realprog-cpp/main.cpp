// A small C++ program that tests/e2e/test-realprog.sh builds with make -j2
// under cprof-trace record, then runs traced: threads, a contended mutex,
// exceptions thrown and caught (one in a thread), templates, iostream.
#include "parts.h"
#include <iostream>
#include <thread>
int main()
{
	auto p = primes_upto(100000);
	std::cout << "primes " << p.size() << " sum " << sum_of(p) << "\n";
	for (int i = 0; i < 4; i++)
		std::cout << describe(i) << "\n";
	std::cout << "parallel " << parallel_sum(4, 200000) << "\n";
	std::cout << "caught " << caught_errors(20000) << "\n";
	std::cout << "matrix " << matrix_trace(3) << "\n";
	std::thread t([] {
		try {
			throw std::string("from a thread");
		} catch (const std::string &s) {
			std::cout << "thread caught " << s << "\n";
		}
	});
	t.join();
	return 0;
}
