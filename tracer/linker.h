/*
 * What the linkers give each of our libraries, for the two of them
 * (libcprof-trace and the preload library) alike: libc's own symbols past
 * every preloaded wrapper, and switching off the tracepoints of the
 * library that includes this (each has its own lttng-ust section).
 */
#ifndef CPROF_LINKER_H
#define CPROF_LINKER_H

#include <dlfcn.h>
#include <gnu/lib-names.h>
#include <lttng/tracepoint-types.h>
#include <stddef.h>

/* A number as a string, for assembly and /proc lines: CPROF_STR(SYS_futex). */
#define CPROF_STR2_(x) #x
#define CPROF_STR(x) CPROF_STR2_(x)

/* libc's own `name`, past the wrappers of every preloaded library (ours,
 * liblttng-ust-fork's): NULL when libc is not loaded or has none. */
static inline void *cprof_libc_symbol_(const char *name)
{
	void *libc = dlopen(LIBC_SO, RTLD_LAZY | RTLD_NOLOAD);
	void *fn = libc ? dlsym(libc, name) : NULL;

	if (libc)
		dlclose(libc);
	return fn;
}

/* lttng-ust's linker-made section of the including library's tracepoints
 * (as tracepoint.h declares them; hidden, so each library sees its own). */
extern struct lttng_ust_tracepoint *const __start_lttng_ust_tracepoints_ptrs[]
    __attribute__((weak, visibility("hidden")));
extern struct lttng_ust_tracepoint *const __stop_lttng_ust_tracepoints_ptrs[]
    __attribute__((weak, visibility("hidden")));

/* Every tracepoint of the including library off for good in this process,
 * whatever sessions want (their `state` words, which lttng-ust flips). */
static inline void cprof_tracepoints_off_(void)
{
	for (struct lttng_ust_tracepoint *const *p = __start_lttng_ust_tracepoints_ptrs;
	     p && p < __stop_lttng_ust_tracepoints_ptrs; p++)
		if (*p)
			__atomic_store_n(&(*p)->state, 0, __ATOMIC_RELEASE);
}

#endif
