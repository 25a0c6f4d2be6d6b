/*
 * What the profiles share: the annotation context of a moment (the
 * regions holding it, their task), the profile strings and sample labels,
 * and the filters (window, thread).
 *
 * The annotation context of a thread at time t is found without scanning:
 * regions are sorted per thread by begin time and each knows its parent
 * (regions nest per thread). The last region begun at or before t either
 * holds t, and is then the innermost, or ended before t, and then every
 * region holding t encloses it, so walking its parents finds the innermost.
 */
#include "profiles_ctx.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof-tp-enums.h"

/* ---- regions and context ------------------------------------------------ */

static uint64_t region_end(const struct prof_ctx *c, const struct cprof_region *r)
{
	return r->end_ns ? r->end_ns : c->m->end_ns;
}

static int reg_cmp(const void *a, const void *b, void *model)
{
	const struct cprof_model *sort_model = model;
	const struct cprof_region *x = &sort_model->regions.v[*(const uint32_t *)a];
	const struct cprof_region *y = &sort_model->regions.v[*(const uint32_t *)b];
	if (x->thread != y->thread)
		return x->thread < y->thread ? -1 : 1;
	if (x->begin_ns != y->begin_ns)
		return x->begin_ns < y->begin_ns ? -1 : 1;
	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

/*
 * reg_cmp's order without a sort, in O(n): the reader appends a region when
 * it begins, so each thread's regions are already in begin order (a parent
 * before the child that begins at the same time), and a stable counting
 * sort by thread gives exactly what sorting by (thread, begin, depth,
 * index) gives. Every profile build starts here, so on a trace of millions
 * of regions this is most of what switching a flame graph's profile costs.
 * Checked as it goes: false (`order` unspecified) when some thread's
 * regions are not in that order, and the caller sorts. `count` has
 * threads.n + 1 zeroed entries, scratch.
 */
static bool order_by_thread(const struct cprof_model *m, uint32_t *order, uint32_t *count)
{
	size_t nr = m->regions.n, nt = m->threads.n;
	uint32_t at = 0, *last = malloc((nt + 1) * sizeof(*last));
	bool ok = last != NULL;

	for (size_t i = 0; ok && i < nr; i++)
		if (m->regions.v[i].thread < nt)
			count[m->regions.v[i].thread]++;
		else
			ok = false; /* a region of no known thread: let the sort decide */
	for (size_t t = 0; ok && t < nt; t++) {
		uint32_t n = count[t];
		count[t] = at;
		at += n;
		last[t] = CPROF_NONE;
	}
	for (size_t i = 0; ok && i < nr; i++) {
		const struct cprof_region *r = &m->regions.v[i];
		const struct cprof_region *p =
		    last[r->thread] != CPROF_NONE ? &m->regions.v[last[r->thread]] : NULL;
		if (p && (p->begin_ns > r->begin_ns ||
			  (p->begin_ns == r->begin_ns && p->depth > r->depth)))
			ok = false;
		last[r->thread] = (uint32_t)i;
		order[count[r->thread]++] = (uint32_t)i;
	}
	memset(count, 0, (nt + 1) * sizeof(*count));
	free(last);
	return ok;
}

/* What is kept with the model (its region_nesting). */
struct nesting {
	uint32_t *reg_order, *thread_first, *thread_nreg, *parent;
};

static void nesting_free(void *p)
{
	struct nesting *n = p;
	free(n->reg_order);
	free(n->thread_first);
	free(n->thread_nreg);
	free(n->parent);
	free(n);
}

/* Borrows the model's kept nesting; false when there is none yet. */
static bool borrow_nesting(struct prof_ctx *c)
{
	struct nesting *n = __atomic_load_n(&c->m->region_nesting, __ATOMIC_ACQUIRE);
	if (!n)
		return false;
	c->reg_order = n->reg_order;
	c->thread_first = n->thread_first;
	c->thread_nreg = n->thread_nreg;
	c->parent = n->parent;
	c->nesting_borrowed = true;
	return true;
}

/* Hands the nesting just built to the model (the model is logically const:
 * this only caches what it implies). Another build that published first
 * wins; this one keeps its own arrays. */
static void keep_nesting(struct prof_ctx *c)
{
	struct cprof_model *m = (struct cprof_model *)c->m;
	struct nesting *n = malloc(sizeof(*n)), *none = NULL;

	if (!n)
		return;
	*n = (struct nesting){c->reg_order, c->thread_first, c->thread_nreg, c->parent};
	m->region_nesting_free = nesting_free;
	if (__atomic_compare_exchange_n(&m->region_nesting, (void **)&none, n, false,
					__ATOMIC_RELEASE, __ATOMIC_RELAXED))
		c->nesting_borrowed = true;
	else
		free(n);
}

bool prof_build_regions(struct prof_ctx *c)
{
	const struct cprof_model *m = c->m;
	size_t nr = m->regions.n, nt = m->threads.n;
	uint32_t *stack = NULL;
	size_t depth = 0;

	if (borrow_nesting(c))
		return true;

	c->reg_order = malloc((nr + 1) * sizeof(*c->reg_order));
	c->parent = malloc((nr + 1) * sizeof(*c->parent));
	c->thread_first = calloc(nt + 1, sizeof(*c->thread_first));
	c->thread_nreg = calloc(nt + 1, sizeof(*c->thread_nreg));
	stack = malloc((nr + 1) * sizeof(*stack));
	if (!c->reg_order || !c->parent || !c->thread_first || !c->thread_nreg || !stack) {
		free(stack);
		return false;
	}
	if (!order_by_thread(m, c->reg_order, c->thread_first)) {
		for (size_t i = 0; i < nr; i++)
			c->reg_order[i] = (uint32_t)i;
		qsort_r(c->reg_order, nr, sizeof(*c->reg_order), reg_cmp, (void *)m);
	}
	for (size_t k = 0; k < nr; k++) {
		uint32_t i = c->reg_order[k];
		const struct cprof_region *r = &m->regions.v[i];
		if (prof_stopped(c, k)) {
			free(stack);
			return false; /* the arrays are c's: freed with it */
		}
		if (k == 0 || m->regions.v[c->reg_order[k - 1]].thread != r->thread) {
			depth = 0;
			if (r->thread < nt)
				c->thread_first[r->thread] = (uint32_t)k;
		}
		if (r->thread < nt)
			c->thread_nreg[r->thread]++;
		size_t p;
		while (depth && region_end(c, &m->regions.v[stack[depth - 1]]) <= r->begin_ns)
			depth--;
		/* A region ended after the region it began in (out of order,
		 * see the reader's close_open) is no child of it: its parent is
		 * the innermost region holding all of it. So no child outlives
		 * its parent, no self time is clamped, and each region type's
		 * cumulative time in the profile stays its stats total (the
		 * overlap counts in both, as both were open then). */
		for (p = depth; p && region_end(c, &m->regions.v[stack[p - 1]]) < region_end(c, r);)
			p--;
		c->parent[i] = p ? stack[p - 1] : CPROF_NONE;
		stack[depth++] = i;
	}
	free(stack);
	keep_nesting(c);
	return true;
}

/* The innermost region active on `thread` at `t`, CPROF_NONE if none. */
uint32_t prof_innermost(const struct prof_ctx *c, uint32_t thread, uint64_t t)
{
	const struct cprof_model *m = c->m;
	const uint32_t *order;
	size_t k;
	uint32_t r;

	if (thread >= m->threads.n || !c->thread_nreg[thread])
		return CPROF_NONE;
	order = c->reg_order + c->thread_first[thread];
	k = cprof_regions_first_after(m, order, c->thread_nreg[thread], t);
	if (!k)
		return CPROF_NONE;
	r = order[k - 1];
	while (r != CPROF_NONE && region_end(c, &m->regions.v[r]) <= t)
		r = c->parent[r];
	return r;
}

uint32_t prof_task_of_chain(const struct prof_ctx *c, uint32_t r)
{
	for (; r != CPROF_NONE; r = c->parent[r])
		if (c->m->regions.v[r].task != CPROF_NONE)
			return c->m->regions.v[r].task;
	return CPROF_NONE;
}

/* Task and region filters over the chain of regions holding the moment. */
bool prof_chain_matches(const struct prof_ctx *c, uint32_t r)
{
	const struct cprof_model *m = c->m;
	bool task_ok = !c->f->task, region_ok = !c->f->region;

	for (; r != CPROF_NONE && !(task_ok && region_ok); r = c->parent[r]) {
		const struct cprof_region *reg = &m->regions.v[r];
		if (!region_ok && reg->type == c->region_type)
			region_ok = true;
		if (!task_ok && reg->task != CPROF_NONE && reg->task < m->tasks.n &&
		    m->tasks.v[reg->task].type == c->task_type)
			task_ok = true;
	}
	return task_ok && region_ok;
}

/* ---- strings and labels ------------------------------------------------- */

int64_t prof_pstr(struct prof_ctx *c, cprof_str s)
{
	if (c->str_map[s] < 0) {
		c->str_map[s] = cprof_profile_string(c->p, cprof_model_str(c->m, s));
		if (c->str_map[s] < 0) {
			c->failed = true;
			return 0;
		}
	}
	return c->str_map[s];
}

int64_t prof_cstr(struct prof_ctx *c, const char *s)
{
	int64_t v = cprof_profile_string(c->p, s);
	if (v < 0) {
		c->failed = true;
		return 0;
	}
	return v;
}

/* Labels of a moment on a thread; `extra` (a string index) is a label
 * named by c->k_extra when non-zero. Returns the number of labels. */
size_t prof_labels(struct prof_ctx *c, uint32_t thread, uint32_t region, int64_t extra,
		   struct cprof_profile_label *l)
{
	const struct cprof_model *m = c->m;
	size_t n = 0;
	uint32_t task;

	if (thread < m->threads.n) {
		l[n++] =
		    (struct cprof_profile_label){.key = c->k_thread, .str = c->thread_name[thread]};
		l[n++] =
		    (struct cprof_profile_label){.key = c->k_tid, .num = m->threads.v[thread].tid};
	}
	task = prof_task_of_chain(c, region);
	if (task != CPROF_NONE && task < m->tasks.n)
		l[n++] = (struct cprof_profile_label){.key = c->k_task,
						      .str = prof_pstr(c, m->tasks.v[task].type)};
	if (region != CPROF_NONE)
		l[n++] = (struct cprof_profile_label){
		    .key = c->k_region, .str = prof_pstr(c, m->regions.v[region].type)};
	if (extra)
		l[n++] = (struct cprof_profile_label){.key = c->k_extra, .str = extra};
	return n;
}

/* ---- filters ------------------------------------------------------------ */

bool prof_thread_ok(const struct prof_ctx *c, uint32_t thread)
{
	return thread < c->m->threads.n ? c->thread_ok[thread] : !c->f->thread;
}

/* Overlap of [b, e) (e 0: still running at the end) with the window;
 * false when they do not meet. */
bool prof_overlap(const struct prof_ctx *c, uint64_t b, uint64_t e, uint64_t *len)
{
	if (!e || e < b)
		e = c->m->end_ns > b ? c->m->end_ns : b;
	if (b > c->win_to || e < c->win_from)
		return false;
	if (b < c->win_from)
		b = c->win_from;
	if (e > c->win_to)
		e = c->win_to;
	*len = e - b;
	return true;
}

bool prof_clip(struct prof_ctx *c, uint64_t b, uint64_t e, uint64_t *len)
{
	/* Only what the caller's range held: an item before its --from was
	 * not left out by the snapshot's window. */
	if (c->snap_from && b <= c->win_to && (e ? e : c->m->end_ns) >= c->user_from)
		cprof_snapwin_count(&c->snap, c->snap_from, b, e);
	return prof_overlap(c, b, e, len);
}

bool prof_in_window(struct prof_ctx *c, uint64_t t)
{
	if (c->snap_from && t < c->snap_from && t >= c->user_from)
		c->snap.left_out++;
	return t >= c->win_from && t <= c->win_to;
}
