/*
 * CPU time for the programs of test-realprog.sh: a function that should
 * hold CPU samples of its own inlines spin_cpu, so that the samples land
 * in it (the flat column of go tool pprof).
 */
#ifndef REALPROG_CPU_H
#define REALPROG_CPU_H

#include <stdint.h>
#include <time.h>

static inline uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static volatile uint64_t sink;

/* ns of the calling thread's CPU time, most of it in the caller's own
 * code rather than in the clock's system call (a sample that cannot
 * unwind names only the instruction it interrupted) */
static inline __attribute__((always_inline)) void spin_cpu(uint64_t ns)
{
	for (uint64_t t0 = thread_cpu_ns(); thread_cpu_ns() - t0 < ns;)
		for (int i = 0; i < 100000; i++)
			sink += (uint64_t)i;
}

#endif
