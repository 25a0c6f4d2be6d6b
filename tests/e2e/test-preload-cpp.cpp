// A C++ program recorded by test-preload.sh: std::thread, std::mutex,
// std::condition_variable, operator new/delete and exceptions, all going
// through libcprof-trace-preload's hooks underneath libstdc++.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

static std::mutex m;
static std::condition_variable cv;
static bool go = false;
static long total = 0;

static void worker(int)
{
	std::vector<std::unique_ptr<std::string>> keep;
	for (int i = 0; i < 20000; i++) {
		keep.push_back(std::make_unique<std::string>(100 + i % 300, 'x'));
		if (keep.size() > 64)
			keep.erase(keep.begin());
		try {
			if (i % 1000 == 0)
				throw std::runtime_error("caught");
		} catch (const std::exception &) {
		}
		std::lock_guard<std::mutex> g(m);
		total += (long)keep.back()->size();
	}
}

int main()
{
	std::thread waiter([] {
		std::unique_lock<std::mutex> l(m);
		cv.wait(l, [] { return go; });
	});
	std::vector<std::thread> ts;
	{
		// Hold the lock while the workers start: they must wait.
		std::lock_guard<std::mutex> g(m);
		for (int i = 0; i < 4; i++)
			ts.emplace_back(worker, i);
		std::this_thread::sleep_for(std::chrono::milliseconds(30));
	}
	for (auto &t : ts)
		t.join();
	{
		std::lock_guard<std::mutex> g(m);
		go = true;
	}
	cv.notify_all();
	waiter.join();
	std::printf("total %ld\n", total);
	return total > 0 ? 0 : 1;
}
