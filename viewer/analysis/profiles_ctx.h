/*
 * Private to the profile builder (profiles*.c): the state of one
 * cprof_profile_build() call and the helpers every profile family uses.
 * Nothing here is exported.
 */
#ifndef CPROF_PROFILES_CTX_H
#define CPROF_PROFILES_CTX_H

#include <stdatomic.h>

#include "analysis/snapwin.h"
#include "profiles.h"

struct loc_entry {
	uint32_t process;
	uint32_t module; /* the one mapped at the address then */
	bool is_return;
	uint64_t address;
	uint64_t id;
};

struct prof_ctx {
	const struct cprof_model *m;
	struct cprof_symbolizer *sym;
	const struct cprof_profile_filter *f;
	struct cprof_profile *p;
	enum cprof_profile_type type;
	uint64_t win_from, win_to; /* absolute ns */
	bool failed;		   /* out of memory somewhere, or stopped */
	const atomic_bool *stop;   /* NULL: never stops */
	bool stopped;		   /* *stop was seen set */
	/* A snapshot's window that starts after the --from the caller asked
	 * for (snapwin.h): its start (win_from, then; 0: none), the caller's
	 * from, and what it left out of the caller's range or clipped. */
	uint64_t snap_from, user_from;
	struct cprof_snapwin_cut snap;

	/* regions: per-thread order by begin, parents; borrowed from the
	 * model's kept nesting when `nesting_borrowed` */
	uint32_t *reg_order, *thread_first, *thread_nreg, *parent;
	bool nesting_borrowed;

	/* filters */
	bool *thread_ok;
	cprof_str task_type, region_type; /* CPROF_NONE: not in the trace */

	/* strings: model string -> profile string (-1 unmapped) */
	int64_t *str_map;
	int64_t *thread_name; /* per thread */
	int64_t k_thread, k_tid, k_task, k_region, k_extra;

	/* stacks and locations */
	bool frame0_exact;
	uint32_t *stack_first, *stack_n; /* stack_n UINT32_MAX: not yet built */
	CPROF_VEC(uint64_t) stack_locs;
	uint64_t *module_mapping;
	CPROF_VEC(struct loc_entry) locs;
	struct cprof_hidx loc_index;
	CPROF_VEC(uint64_t) scratch;
};

/* Whether the item loop at item `i` should end because the caller told
 * it to stop (looked at every 64K items: a millisecond or so); sets
 * `failed` then. */
static inline bool prof_stopped(struct prof_ctx *c, size_t i)
{
	if ((i & 0xffff) || !c->stop || !atomic_load_explicit(c->stop, memory_order_relaxed))
		return false;
	c->failed = c->stopped = true;
	return true;
}

/* The annotation context and the filters (profiles_ctx.c).
 * prof_build_regions: false when out of memory or stopped (c->stopped,
 * prof_stopped). */
bool prof_build_regions(struct prof_ctx *c);
uint32_t prof_innermost(const struct prof_ctx *c, uint32_t thread, uint64_t t);
uint32_t prof_task_of_chain(const struct prof_ctx *c, uint32_t r);
bool prof_chain_matches(const struct prof_ctx *c, uint32_t r);
int64_t prof_pstr(struct prof_ctx *c, cprof_str s);
int64_t prof_cstr(struct prof_ctx *c, const char *s);
size_t prof_labels(struct prof_ctx *c, uint32_t thread, uint32_t region, int64_t extra,
		   struct cprof_profile_label *l);
/* Stacks and mappings (profiles_stacks.c). */
/* `address` of `process` as mapped at `ns` (a stack's time, see
 * cprof_symbolizer_lookup_at). */
uint64_t prof_location(struct prof_ctx *c, uint32_t process, uint64_t ns, uint64_t address,
		       bool is_return);
const uint64_t *prof_stack_locations(struct prof_ctx *c, uint32_t stack, size_t *n);
void prof_add(struct prof_ctx *c, const uint64_t *locs, size_t nlocs, const int64_t *values,
	      const struct cprof_profile_label *labels, size_t nlabels);
void prof_map_executable_first(struct prof_ctx *c);
/* Filters (profiles_ctx.c). */
bool prof_thread_ok(const struct prof_ctx *c, uint32_t thread);
/* The part of an item in the window, or whether it happened in it;
 * both count in c->snap what a snapshot's window did to the item.
 * prof_overlap() is prof_clip() counting nothing, for an item's second
 * look. */
bool prof_clip(struct prof_ctx *c, uint64_t b, uint64_t e, uint64_t *len);
bool prof_overlap(const struct prof_ctx *c, uint64_t b, uint64_t e, uint64_t *len);
bool prof_in_window(struct prof_ctx *c, uint64_t t);
/* One per profile family (profiles_<family>.c). */
void prof_waits(struct prof_ctx *c, struct cprof_profiles_report *rep);
void prof_syscalls(struct prof_ctx *c, struct cprof_profiles_report *rep);
void prof_cpu(struct prof_ctx *c, struct cprof_profiles_report *rep);
void prof_heap(struct prof_ctx *c, struct cprof_profiles_report *rep);
void prof_regions(struct prof_ctx *c, struct cprof_profiles_report *rep);
void prof_threads(struct prof_ctx *c, struct cprof_profiles_report *rep);
void prof_goroutines(struct prof_ctx *c, struct cprof_profiles_report *rep);

#endif /* CPROF_PROFILES_CTX_H */
