/*
 * A hash map from a pair of integers (a, b) to a uint32_t, for the many
 * "(process, id) -> item index" lookups of the reader: open addressing with
 * linear probing and tombstones, capacity a power of two, at most 3/4 full.
 *
 * The lookup is inline: it runs several times per event on the reader's hot
 * path, where a call into another object file would cost more than the
 * probe itself.
 *
 * Ownership: a zeroed struct cprof_pairmap is an empty map; the owner
 * releases it with cprof_pairmap_fini(). A pointer from cprof_pairmap_find()
 * is borrowed and valid until the next put or delete.
 */
#ifndef CPROF_COMMON_PAIRMAP_H
#define CPROF_COMMON_PAIRMAP_H

#include <stddef.h>
#include <stdint.h>

struct cprof_pairmap_slot {
	uint64_t a, b;
	uint32_t v;
	uint32_t state; /* 0 empty, 1 full, 2 deleted */
};

struct cprof_pairmap {
	struct cprof_pairmap_slot *s;
	size_t cap, used; /* used counts full and deleted slots */
};

static inline uint64_t cprof_pairmap_hash(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull);
	h ^= h >> 31;
	h *= 0xBF58476D1CE4E5B9ull;
	h ^= h >> 29;
	return h;
}

/* The value stored for (a, b), NULL when there is none. */
static inline uint32_t *cprof_pairmap_find(const struct cprof_pairmap *m, uint64_t a, uint64_t b)
{
	if (!m->cap)
		return NULL;
	for (size_t j = cprof_pairmap_hash(a, b) & (m->cap - 1);; j = (j + 1) & (m->cap - 1)) {
		struct cprof_pairmap_slot *s = &m->s[j];
		if (s->state == 0)
			return NULL;
		if (s->state == 1 && s->a == a && s->b == b)
			return &s->v;
	}
}

/* Inserts or replaces; returns 0, or -1 when out of memory (map unchanged). */
int cprof_pairmap_put(struct cprof_pairmap *m, uint64_t a, uint64_t b, uint32_t v);
void cprof_pairmap_del(struct cprof_pairmap *m, uint64_t a, uint64_t b);
void cprof_pairmap_fini(struct cprof_pairmap *m);

#endif /* CPROF_COMMON_PAIRMAP_H */
