// A C++ program recorded by test-preload.sh: std::thread, std::mutex,
// std::condition_variable, operator new/delete and exceptions, all going
// through libcprof-trace-preload's hooks underneath libstdc++.
//
// With argument "timed": the steady-clock waits, which libstdc++ 12 makes
// with glibc's clock variants (pthread_cond_clockwait,
// pthread_mutex_clocklock, pthread_rwlock_clockrdlock/clockwrlock). Each
// blocks once for about 30 ms (from when the waiter sleeps on the object:
// test-blocked.h), and the program prints the addresses of the objects
// waited for ("obj NAME 0x...") for the checks.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "test-blocked.h"

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

static std::timed_mutex tm;
static std::shared_timed_mutex stm;
static const std::chrono::milliseconds hold(30);

// A thread that will wait, and says who it is.
static std::atomic<pid_t> waiter_tid;
static void started()
{
	waiter_tid = gettid();
}
// Holds `hold` once the thread that said so sleeps on obj.
template <typename T> static void hold_once_waited(const T &obj)
{
	while (!waiter_tid)
		std::this_thread::yield();
	test_wait_futex(waiter_tid, &obj, sizeof(obj));
	waiter_tid = 0;
	std::this_thread::sleep_for(hold);
}

static int run_timed()
{
	using namespace std::chrono_literals;
	int bad = 0;

	std::printf("obj timed_mutex %p\nobj cond %p\nobj shared_timed_mutex %p\n", (void *)&tm,
		    (void *)&cv, (void *)&stm);
	{
		// try_lock_for: pthread_mutex_clocklock(CLOCK_MONOTONIC).
		std::unique_lock<std::timed_mutex> g(tm);
		std::thread t([&bad] {
			started();
			if (!tm.try_lock_for(5s))
				bad = 1;
			else
				tm.unlock();
		});
		hold_once_waited(tm);
		g.unlock();
		t.join();
	}
	{
		// wait_for: pthread_cond_clockwait(CLOCK_MONOTONIC).
		waiter_tid = gettid();
		std::thread t([] {
			hold_once_waited(cv);
			std::lock_guard<std::mutex> g(m);
			go = true;
			cv.notify_all();
		});
		std::unique_lock<std::mutex> l(m);
		if (!cv.wait_for(l, 5s, [] { return go; }))
			bad = 1;
		l.unlock();
		t.join();
	}
	{
		// try_lock_shared_for / try_lock_for:
		// pthread_rwlock_clockrdlock / clockwrlock.
		std::unique_lock<std::shared_timed_mutex> w(stm);
		std::thread t([&bad] {
			started();
			if (!stm.try_lock_shared_for(5s))
				bad = 1;
			else
				stm.unlock_shared();
		});
		hold_once_waited(stm);
		w.unlock();
		t.join();
		std::shared_lock<std::shared_timed_mutex> r(stm);
		std::thread u([&bad] {
			started();
			if (!stm.try_lock_for(5s))
				bad = 1;
			else
				stm.unlock();
		});
		hold_once_waited(stm);
		r.unlock();
		u.join();
	}
	std::printf("timed %s\n", bad ? "failed" : "ok");
	return bad;
}

int main(int argc, char **argv)
{
	if (argc > 1 && std::strcmp(argv[1], "timed") == 0)
		return run_timed();
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
