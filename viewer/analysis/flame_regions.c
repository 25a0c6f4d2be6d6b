/*
 * The region flame graph straight from the model (see flame_model.h): the
 * region profile's figures (each region's self time in the window, under
 * its enclosing regions and, at the root, the task of the innermost region
 * that has one) without building a profile, so that the viewer can switch
 * to it on a trace of millions of regions in tens of milliseconds.
 *
 * Once per source, each region gets its chain: a trie node for the frame
 * list from the root down to it, so that regions with the same chain share
 * one node (a trace has millions of regions and a few dozen chains). Each
 * graph then sums self times per chain and walks each chain once.
 */
#include <stdlib.h>
#include <string.h>

#include "flame_model_int.h"
#include "profiles_ctx.h"

void flame_regions_fini(struct cprof_flame_source *src)
{
	if (src->parent_owned)
		free(src->region_parent);
	free(src->region_chain);
	free(src->region_child);
	src->region_child = NULL;
	cprof_vec_free(&src->chains);
	cprof_pairmap_fini(&src->chain_index);
	src->region_parent = src->region_chain = NULL;
}

/* The chain of `parent` extended by a frame; CPROF_NONE when out of memory. */
static uint32_t chain_node(struct cprof_flame_source *src, uint32_t parent, uint32_t name,
			   uint32_t file, bool task)
{
	uint64_t a = parent == CPROF_NONE ? 0 : (uint64_t)parent + 1;
	uint64_t b = (uint64_t)name << 1 | task;
	uint32_t *found = cprof_pairmap_find(&src->chain_index, a, b);
	struct region_chain *c;

	if (found)
		return *found;
	if (!(c = cprof_vec_push(&src->chains)))
		return CPROF_NONE;
	*c = (struct region_chain){parent, {name, file, 0, CPROF_FLAME_ANNOTATION}};
	if (cprof_pairmap_put(&src->chain_index, a, b, (uint32_t)(src->chains.n - 1))) {
		src->chains.n--;
		return CPROF_NONE;
	}
	return (uint32_t)(src->chains.n - 1);
}

struct chain_build {
	struct cprof_flame_source *src;
	uint32_t *name_of; /* model string -> source name id + 1 */
	uint32_t *task_of; /* region -> its chain's task, CPROF_NONE */
	uint32_t region_file, task_file;
	CPROF_VEC(uint32_t) up; /* scratch: a region's ancestors */
};

static uint32_t type_name(struct chain_build *b, cprof_str s)
{
	if (!b->name_of[s]) {
		uint32_t id = flame_src_intern(b->src, cprof_model_str(b->src->m, s));
		if (id == CPROF_FLAME_NONE)
			return CPROF_FLAME_NONE;
		b->name_of[s] = id + 1;
	}
	return b->name_of[s] - 1;
}

/* The task type at the root of region i's chain, 0 for none. */
static cprof_str task_type(const struct chain_build *b, uint32_t i)
{
	const struct cprof_model *m = b->src->m;
	uint32_t t = b->task_of[i];
	return t < m->tasks.n ? m->tasks.v[t].type : 0;
}

/* Region i's chain from the root: its task, then its ancestors outermost
 * first, then itself. For a region whose task is its parent's (nearly all),
 * the parent's chain plus one frame. */
static uint32_t chain_of(struct chain_build *b, uint32_t i)
{
	struct cprof_flame_source *src = b->src;
	const struct cprof_model *m = src->m;
	uint32_t p = src->region_parent[i], base = CPROF_NONE, name;
	cprof_str tt = task_type(b, i);

	if (p != CPROF_NONE && task_type(b, p) == tt) {
		base = src->region_chain[p];
	} else {
		if (tt) {
			if ((name = type_name(b, tt)) == CPROF_FLAME_NONE)
				return CPROF_NONE;
			base = chain_node(src, CPROF_NONE, name, b->task_file, true);
		}
		b->up.n = 0;
		for (uint32_t a = p; a != CPROF_NONE; a = src->region_parent[a]) {
			uint32_t *slot = cprof_vec_push(&b->up);
			if (!slot)
				return CPROF_NONE;
			*slot = a;
		}
		for (size_t k = b->up.n; k-- > 0 && (tt == 0 || base != CPROF_NONE);) {
			name = type_name(b, m->regions.v[b->up.v[k]].type);
			if (name == CPROF_FLAME_NONE)
				return CPROF_NONE;
			base = chain_node(src, base, name, b->region_file, false);
			if (base == CPROF_NONE)
				return CPROF_NONE;
		}
		if (tt && base == CPROF_NONE)
			return CPROF_NONE;
	}
	if ((name = type_name(b, m->regions.v[i].type)) == CPROF_FLAME_NONE)
		return CPROF_NONE;
	return chain_node(src, base, name, b->region_file, false);
}

/* Parents (as the profiles nest regions) and chains of every region;
 * false when out of memory or told to stop (then none kept). */
static bool build_chains(struct cprof_flame_source *src, const atomic_bool *stop)
{
	const struct cprof_model *m = src->m;
	size_t n = m->regions.n;
	struct prof_ctx c = {.m = m};
	struct chain_build b = {src, NULL, NULL, 0, 0, {0}};
	bool ok = prof_build_regions(&c);

	/* the model keeps the nesting (c borrows it) unless it could not */
	src->region_parent = c.parent;
	src->parent_owned = !c.nesting_borrowed;
	src->region_chain = malloc((n + 1) * sizeof(*src->region_chain));
	b.name_of = calloc(m->strings.n + 1, sizeof(*b.name_of));
	b.task_of = malloc((n + 1) * sizeof(*b.task_of));
	b.region_file = flame_src_intern(src, "region");
	b.task_file = flame_src_intern(src, "task");
	ok = ok && src->region_chain && b.name_of && b.task_of &&
	     b.region_file != CPROF_FLAME_NONE && b.task_file != CPROF_FLAME_NONE;
	/* parents before children: by thread, begin, depth */
	for (size_t k = 0; ok && k < n; k++) {
		uint32_t i = c.reg_order[k], p = src->region_parent[i];
		if (flame_stopped(stop, k, FLAME_STOP_ITEMS)) {
			ok = false;
			break;
		}
		uint32_t t = m->regions.v[i].task;
		b.task_of[i] = t != CPROF_NONE ? t : p != CPROF_NONE ? b.task_of[p] : CPROF_NONE;
		ok = (src->region_chain[i] = chain_of(&b, i)) != CPROF_NONE;
	}
	if (!c.nesting_borrowed) {
		free(c.reg_order);
		free(c.thread_first);
		free(c.thread_nreg);
	}
	free(b.name_of);
	free(b.task_of);
	cprof_vec_free(&b.up);
	if (!ok)
		flame_regions_fini(src);
	return ok;
}

/* Adds each chain's value along its frames, innermost first. */
static bool add_chains(struct flame_walk *w, const int64_t *val)
{
	struct cprof_flame_source *src = w->src;
	CPROF_VEC(struct src_frame) fr = {0};
	bool ok = true;

	for (size_t c = 0; c < src->chains.n && ok; c++) {
		if (!val[c])
			continue;
		fr.n = 0;
		for (uint32_t k = (uint32_t)c; k != CPROF_NONE && ok; k = src->chains.v[k].parent) {
			struct src_frame *f = cprof_vec_push(&fr);
			if (!(ok = f != NULL))
				break;
			*f = src->chains.v[k].frame;
		}
		ok = ok && flame_walk_add(w, fr.v, (uint32_t)fr.n, (uint32_t)c + 1, val[c]);
	}
	cprof_vec_free(&fr);
	return ok;
}

struct cprof_flame *cprof_flame_regions(struct cprof_flame_source *src, uint64_t from, uint64_t to,
					const atomic_bool *stop, struct cprof_flame_top **top,
					size_t *ntop, uint64_t *matched)
{
	const struct cprof_model *m = src->m;
	size_t n = m->regions.n;
	int64_t *child = NULL, *val = NULL;
	struct flame_walk w;
	uint64_t len;
	bool ok;

	if (top)
		*top = NULL;
	if (ntop)
		*ntop = 0;
	*matched = 0;
	if (!src->region_chain && !build_chains(src, stop))
		return NULL;
	/* kept between graphs: a fresh calloc of millions of entries costs
	 * its page faults at every change of range */
	if (!src->region_child)
		src->region_child = malloc((n + 1) * sizeof(*src->region_child));
	child = src->region_child;
	if (child)
		memset(child, 0, (n + 1) * sizeof(*child));
	val = calloc(src->chains.n + 1, sizeof(*val));
	ok = child && val;
	/* time of each region spent in its children, within the window */
	for (size_t i = 0; ok && i < n; i++) {
		const struct cprof_region *r = &m->regions.v[i];
		uint32_t p = src->region_parent[i];
		if (flame_stopped(stop, i, FLAME_STOP_ITEMS)) {
			ok = false;
			break;
		}
		if (p != CPROF_NONE && flame_clip(m, r->begin_ns, r->end_ns, from, to, &len))
			child[p] += (int64_t)len;
	}
	for (size_t i = 0; ok && i < n; i++) {
		const struct cprof_region *r = &m->regions.v[i];
		if (flame_stopped(stop, i, FLAME_STOP_ITEMS)) {
			ok = false;
			break;
		}
		if (!flame_clip(m, r->begin_ns, r->end_ns, from, to, &len))
			continue;
		(*matched)++;
		if ((int64_t)len > child[i])
			val[src->region_chain[i]] += (int64_t)len - child[i];
	}
	ok = flame_walk_init(&w, src) && ok;
	ok = ok && add_chains(&w, val);
	free(val);
	return flame_walk_finish(&w, ok, top, ntop);
}
