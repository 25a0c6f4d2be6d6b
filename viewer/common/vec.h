/*
 * Growable arrays: CPROF_VEC(T) declares { T *v; size_t n, cap; }.
 * cprof_vec_push() returns a pointer to a new zeroed slot, or NULL when out
 * of memory (the vector is left as it was). The owner frees `v`.
 *
 * A borrowed vector (cap 0 with n items: `v` points into memory someone
 * else owns, a model cache's mapping) is never freed or reallocated: the
 * first push copies it to memory of its own.
 */
#ifndef CPROF_VEC_H
#define CPROF_VEC_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define CPROF_VEC(T)                                                                               \
	struct {                                                                                   \
		T *v;                                                                              \
		size_t n, cap;                                                                     \
	}

static inline void *cprof_vec_grow_(void **v, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return *v;
	size_t ncap = *cap ? *cap * 2 : n ? n * 2 : 64;
	void *nv = *cap || !n ? realloc(*v, ncap * elem) : malloc(ncap * elem);
	if (!nv)
		return NULL;
	if (!*cap && n)
		memcpy(nv, *v, n * elem);
	*v = nv;
	*cap = ncap;
	return nv;
}

#define cprof_vec_push(vec)                                                                        \
	(cprof_vec_grow_((void **)&(vec)->v, &(vec)->cap, (vec)->n, sizeof(*(vec)->v))             \
	     ? memset(&(vec)->v[(vec)->n++], 0, sizeof(*(vec)->v))                                 \
	     : NULL)

#define cprof_vec_free(vec)                                                                        \
	do {                                                                                       \
		if ((vec)->cap)                                                                    \
			free((vec)->v);                                                            \
		(vec)->v = NULL;                                                                   \
		(vec)->n = (vec)->cap = 0;                                                         \
	} while (0)

#endif /* CPROF_VEC_H */
