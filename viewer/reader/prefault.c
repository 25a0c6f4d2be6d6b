/*
 * Faulting in the model's reserved regions (prefault.h) on a second
 * thread, a window ahead of the reader filling them.
 */
#include "prefault.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#define STEP ((size_t)2 << 20)	  /* one huge page a call */
#define WINDOW ((size_t)16 << 20) /* most faulted in ahead of the reader */

static void *run(void *arg)
{
	struct rd_prefault *pf = arg;
	uintptr_t at = ((uintptr_t)pf->base + STEP - 1) & ~(uintptr_t)(STEP - 1);
	uintptr_t end = ((uintptr_t)pf->base + pf->len) & ~(uintptr_t)(STEP - 1);

	while (at < end && !atomic_load_explicit(&pf->stop, memory_order_relaxed)) {
		uintptr_t filled =
		    (uintptr_t)pf->base + atomic_load_explicit(&pf->filled, memory_order_relaxed);
		if (at >= filled + WINDOW) {
			struct timespec ts = {0, 200000};
			nanosleep(&ts, NULL);
			continue;
		}
		/* MADV_POPULATE_WRITE (Linux 5.14) faults the pages in without
		 * writing to them: the reader may be writing there already */
		if (madvise((void *)at, STEP, MADV_POPULATE_WRITE) != 0)
			break;
		at += STEP;
	}
	return NULL;
}

void rd_prefault_start(struct rd_prefault *pf, void *base, size_t len)
{
	pf->base = base;
	pf->len = len;
	atomic_init(&pf->filled, 0);
	atomic_init(&pf->stop, false);
	pf->running = len >= 2 * STEP && pthread_create(&pf->thread, NULL, run, pf) == 0;
}

void rd_prefault_stop(struct rd_prefault *pf)
{
	if (!pf->running)
		return;
	atomic_store(&pf->stop, true);
	pthread_join(pf->thread, NULL);
	pf->running = false;
}
