/*
 * Inside libcprof-trace: the string table of the batches (batch-str.c) and
 * the small helpers batch.c shares with it.
 *
 * Entries are written before their id is handed out and never change, so
 * readers look them up without a lock.
 */
#ifndef CPROF_BATCH_STR_H
#define CPROF_BATCH_STR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#define CPROF_BATCH_STR_IDS 65536u /* ids 1..CPROF_BATCH_STR_IDS-1 */

struct cprof_batch_str {
	const char *s;
	uint32_t len;
};

/* By id; NULL until the first string is added. */
extern struct cprof_batch_str *cprof_batch_strs_;

/* The id of `s` (up to CPROF_BATCH_STR_MAX bytes of it), added if new; 0
 * when the table is full. Blocks every signal while it adds. */
uint32_t cprof_batch_str_add_(const char *s);

/* In a fork child: a lock another thread held is dropped. */
void cprof_batch_str_after_fork_(void);

static inline void cprof_spin_lock_(int *lock)
{
	while (__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(lock, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

static inline void cprof_spin_unlock_(int *lock)
{
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

static inline void *cprof_batch_map_(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

#endif /* CPROF_BATCH_STR_H */
