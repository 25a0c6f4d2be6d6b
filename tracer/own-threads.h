/*
 * The threads that tracing adds to a traced process: lttng-ust's two
 * listener threads, libcprof-trace's flusher, the preload library's control
 * and refresher threads. glibc counts them among the process's threads (it
 * runs each set*id call on every one of them, and aborts when their results
 * differ from the caller's), the program does not know they exist: the
 * preload library's set*id hooks (preload/setxid.c) tell them apart by
 * these ids.
 *
 * Inside libcprof-trace (the flusher lives there; the preload library and
 * programs built with the API both load it). Lock-free, no allocation.
 */
#ifndef CPROF_OWN_THREADS_H
#define CPROF_OWN_THREADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The calling thread is tracing's own, until it ends (call
 * cprof_own_thread_end_ from its cleanup) or the process executes another
 * program. A fork child inherits none: entries name their process. */
void cprof_own_thread_begin_(void);
void cprof_own_thread_end_(void);

/* Whether thread `tid` of this process is tracing's own. */
bool cprof_own_thread_is_(int32_t tid);

/* This process's threads of tracing's own, at most `max` of them into
 * `tids`; how many. */
size_t cprof_own_threads_(int32_t *tids, size_t max);

/*
 * Waits for a thread of tracing's own that was asked to end, until
 * CLOCK_MONOTONIC `deadline_ns`: its id is read from `*tid` (0 until the
 * thread published it). Done when the kernel no longer has a thread of
 * that id (glibc's thread exit makes calls of its own after the thread's
 * function returns) or, with `parked`, when that says the thread will make
 * no call again. Whether it was done in time. Raw system calls only: a
 * seccomp filter is about to go in.
 */
bool cprof_own_thread_wait_end_(const int32_t *tid, uint64_t deadline_ns,
				bool (*parked)(int32_t tid));

#endif
