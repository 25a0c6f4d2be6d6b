/*
 * Where each thread's time went over a range, as Go's goroutine analysis
 * tells it: blocked on a lock (mutex, rwlock, spinlock), on a condition
 * (condition variable, semaphore, barrier), in a blocking call over the
 * recording threshold, in a join; "running" is the rest of the time it was
 * alive, and "cpu" what the CPU samples account for (samples x period),
 * which running exceeds by the time spent runnable, in short calls, or
 * off-CPU in ways the tracer does not record.
 *
 * A thread is alive from its cprof:thread_start (else its first event) to
 * its cprof:thread_exit (else its last event, or the trace's end while one
 * of its waits is still open).
 *
 * Groups gather threads whose names differ only by their digits
 * ("conn-1", "conn-12" -> "conn-*").
 *
 * Ownership: cprof_threads_compute() fills a caller-provided struct that
 * cprof_threads_fini() releases.
 */
#ifndef CPROF_THREADS_H
#define CPROF_THREADS_H

#include <stdatomic.h>
#include <stdint.h>

#include "model/model.h"

struct cprof_thread_times {
	uint64_t alive_ns, running_ns, cpu_ns;
	uint64_t lock_ns, cond_ns, syscall_ns, join_ns;
	uint64_t cpu_samples;
};

struct cprof_thread_row {
	uint32_t thread; /* model index */
	struct cprof_thread_times t;
};

struct cprof_thread_group {
	char pattern[64]; /* "gateway-*", or the name itself */
	uint32_t threads; /* how many */
	uint32_t first;	  /* model index of its first thread */
	struct cprof_thread_times t;
};

enum cprof_threads_status {
	CPROF_THREADS_OK = 0,
	CPROF_THREADS_NO_MEMORY,
	CPROF_THREADS_STOPPED, /* cprof_threads_compute_until() was told to stop */
};

struct cprof_thread_breakdown {
	uint64_t from_ns, to_ns;
	CPROF_VEC(struct cprof_thread_row) rows;     /* threads alive in the range, model order */
	CPROF_VEC(struct cprof_thread_group) groups; /* by first appearance */
};

/* Absolute times, [from_ns, to_ns). */
enum cprof_threads_status cprof_threads_compute(const struct cprof_model *model, uint64_t from_ns,
						uint64_t to_ns, struct cprof_thread_breakdown *out);
/* cprof_threads_compute(), given up (nothing in *out) once *stop is set
 * (read every 64K items: within a millisecond; NULL: never), as a viewer's
 * panel computing on a thread of its own does when its range or tab is
 * left. */
enum cprof_threads_status cprof_threads_compute_until(const struct cprof_model *model,
						      uint64_t from_ns, uint64_t to_ns,
						      const atomic_bool *stop,
						      struct cprof_thread_breakdown *out);
void cprof_threads_fini(struct cprof_thread_breakdown *breakdown);

/* A thread name with each run of digits replaced by '*' ("gateway-3" ->
 * "gateway-*"); "" stays "". */
void cprof_thread_pattern(const char *name, char *buf, size_t len);

#endif /* CPROF_THREADS_H */
