#include "pairmap.h"

#include <stdlib.h>

static int rehash(struct cprof_pairmap *m, size_t ncap)
{
	struct cprof_pairmap_slot *ns = calloc(ncap, sizeof(*ns));
	size_t used = 0;

	if (!ns)
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		struct cprof_pairmap_slot *s = &m->s[i];
		size_t j;
		if (s->state != 1)
			continue;
		for (j = cprof_pairmap_hash(s->a, s->b) & (ncap - 1); ns[j].state;
		     j = (j + 1) & (ncap - 1))
			;
		ns[j] = *s;
		used++;
	}
	free(m->s);
	m->s = ns;
	m->cap = ncap;
	m->used = used;
	return 0;
}

int cprof_pairmap_put(struct cprof_pairmap *m, uint64_t a, uint64_t b, uint32_t v)
{
	uint32_t *old = cprof_pairmap_find(m, a, b);
	size_t j;

	if (old) {
		*old = v;
		return 0;
	}
	if ((m->used + 1) * 4 > m->cap * 3 && rehash(m, m->cap ? m->cap * 2 : 256))
		return -1;
	for (j = cprof_pairmap_hash(a, b) & (m->cap - 1); m->s[j].state == 1;
	     j = (j + 1) & (m->cap - 1))
		;
	if (m->s[j].state == 0)
		m->used++;
	m->s[j] = (struct cprof_pairmap_slot){a, b, v, 1};
	return 0;
}

void cprof_pairmap_del(struct cprof_pairmap *m, uint64_t a, uint64_t b)
{
	uint32_t *v = cprof_pairmap_find(m, a, b);
	if (v) {
		struct cprof_pairmap_slot *s =
		    (struct cprof_pairmap_slot *)((char *)v -
						  offsetof(struct cprof_pairmap_slot, v));
		s->state = 2;
	}
}

void cprof_pairmap_fini(struct cprof_pairmap *m)
{
	free(m->s);
	m->s = NULL;
	m->cap = m->used = 0;
}
