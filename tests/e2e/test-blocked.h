/*
 * For the e2e test programs: wait until a thread sleeps in a given system
 * call, on a given object. A holder that must make another thread wait
 * (a lock held, a signal sent late, a pipe written late) lets go only
 * once that thread waits: a sleep of fixed length is not enough on a
 * loaded machine, where the waiter may run after the holder let go, and
 * then nothing blocks and nothing is recorded.
 *
 * /proc/TID/syscall names the call a sleeping thread is in and its
 * arguments: futex on an address inside the lock, read on a descriptor.
 */
#ifndef CPROF_TEST_BLOCKED_H
#define CPROF_TEST_BLOCKED_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/* Whether thread tid is in system call nr with its first argument in
 * [lo, hi). */
static inline bool test_in_syscall(pid_t tid, long nr, uintptr_t lo, uintptr_t hi)
{
	char path[64];
	long got = -1;
	unsigned long long arg = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fscanf(f, "%ld %llx", &got, &arg) != 2)
		got = -1;
	fclose(f);
	return got == nr && arg >= lo && arg < hi;
}

/* Until tid sleeps in futex() on the object [obj, obj + size) (4 s at
 * most: the tests' timed waits give up after 5). */
static inline void test_wait_futex(pid_t tid, const void *obj, size_t size)
{
	for (int i = 0;
	     i < 4000 && !test_in_syscall(tid, SYS_futex, (uintptr_t)obj, (uintptr_t)obj + size);
	     i++)
		usleep(1000);
}

/* Until tid sleeps in read() on descriptor fd (4 s at most). */
static inline void test_wait_read(pid_t tid, int fd)
{
	for (int i = 0;
	     i < 4000 && !test_in_syscall(tid, SYS_read, (uintptr_t)fd, (uintptr_t)fd + 1); i++)
		usleep(1000);
}

#endif
