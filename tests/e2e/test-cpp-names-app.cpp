// C++ names for test-cpp-names.sh: a namespace, a class, a template, a lambda,
// std::mutex contention and CPU in a template method.
#include <mutex>
#include <thread>
#include <vector>
#include <cstdio>
namespace shop {
static volatile double sink;
template <typename T> struct Ledger {
	__attribute__((noinline)) void post(T v) { for (int i = 0; i < 3000000; i++) sink += v * i; }
};
class Inventory {
	std::mutex lock_;
	Ledger<double> ledger_;
public:
	__attribute__((noinline)) void restock(int n) {
		for (int k = 0; k < n; k++) { std::lock_guard<std::mutex> g(lock_); ledger_.post(1.5); }
	}
};
}
int main() {
	shop::Inventory inv;
	std::vector<std::thread> ts;
	for (int i = 0; i < 2; i++) ts.emplace_back([&] { inv.restock(15); });
	for (auto &t : ts) t.join();
	std::puts("done");
}
