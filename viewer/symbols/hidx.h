/*
 * A hash index: maps a 64-bit hash to item indices kept in the caller's own
 * arrays, the caller deciding equality. Items are never removed, so a
 * linear-probing table with no tombstones is enough. Header-only: shared by
 * the symbolizer and the profile builder.
 */
#ifndef CPROF_HIDX_H
#define CPROF_HIDX_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

struct cprof_hidx {
	uint64_t *hashes;
	uint32_t *items; /* UINT32_MAX: empty slot */
	size_t cap;	 /* power of two */
	size_t n;
};

static inline uint64_t cprof_hash_mix(uint64_t h, uint64_t v)
{
	/* splitmix64's finalizer over a running combination */
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h;
}

static inline uint64_t cprof_hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

typedef bool (*cprof_hidx_eq_fn)(const void *ctx, uint32_t item);

static inline uint32_t cprof_hidx_find(const struct cprof_hidx *h, uint64_t hash,
				       cprof_hidx_eq_fn eq, const void *ctx)
{
	if (!h->cap)
		return UINT32_MAX;
	for (size_t i = hash & (h->cap - 1);; i = (i + 1) & (h->cap - 1)) {
		if (h->items[i] == UINT32_MAX)
			return UINT32_MAX;
		if (h->hashes[i] == hash && eq(ctx, h->items[i]))
			return h->items[i];
	}
}

static inline void cprof_hidx_put_(uint64_t *hashes, uint32_t *items, size_t cap, uint64_t hash,
				   uint32_t item)
{
	size_t i = hash & (cap - 1);
	while (items[i] != UINT32_MAX)
		i = (i + 1) & (cap - 1);
	hashes[i] = hash;
	items[i] = item;
}

/* Returns 0, or -1 when out of memory (the index is left as it was). */
static inline int cprof_hidx_insert(struct cprof_hidx *h, uint64_t hash, uint32_t item)
{
	if ((h->n + 1) * 2 > h->cap) {
		size_t ncap = h->cap ? h->cap * 2 : 256;
		uint64_t *nh = malloc(ncap * sizeof(*nh));
		uint32_t *ni = malloc(ncap * sizeof(*ni));
		if (!nh || !ni) {
			free(nh);
			free(ni);
			return -1;
		}
		for (size_t i = 0; i < ncap; i++)
			ni[i] = UINT32_MAX;
		for (size_t i = 0; i < h->cap; i++)
			if (h->items[i] != UINT32_MAX)
				cprof_hidx_put_(nh, ni, ncap, h->hashes[i], h->items[i]);
		free(h->hashes);
		free(h->items);
		h->hashes = nh;
		h->items = ni;
		h->cap = ncap;
	}
	cprof_hidx_put_(h->hashes, h->items, h->cap, hash, item);
	h->n++;
	return 0;
}

static inline void cprof_hidx_free(struct cprof_hidx *h)
{
	free(h->hashes);
	free(h->items);
	h->hashes = NULL;
	h->items = NULL;
	h->cap = h->n = 0;
}

#endif /* CPROF_HIDX_H */
