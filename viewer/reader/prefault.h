/*
 * The first read of a big trace spends much of its time in page faults:
 * every byte of the model is fresh memory, which the kernel (and under a
 * hypervisor, the host) must provide and zero as the reader first writes
 * it: about a third of reading a 20M-record trace here, alone on one core
 * with the decoding. A second thread faults the reserved regions in
 * (cprof_model_reserve_regions) a window ahead of the reader, so that on
 * a machine with two cores that work runs beside the decoding. At most
 * the window is faulted in past what the reader fills.
 *
 * Private to viewer/reader/. A zeroed struct is stopped; rd_prefault_stop()
 * joins the thread (also when it never started).
 */
#ifndef CPROF_READER_PREFAULT_H
#define CPROF_READER_PREFAULT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

struct rd_prefault {
	void *base;
	size_t len;
	_Atomic size_t filled; /* bytes from base the reader has written */
	atomic_bool stop;
	pthread_t thread;
	bool running;
};

void rd_prefault_start(struct rd_prefault *pf, void *base, size_t len);
/* The reader's progress: bytes from base written so far. */
static inline void rd_prefault_progress(struct rd_prefault *pf, size_t filled)
{
	if (pf->running)
		atomic_store_explicit(&pf->filled, filled, memory_order_relaxed);
}
void rd_prefault_stop(struct rd_prefault *pf);

#endif /* CPROF_READER_PREFAULT_H */
