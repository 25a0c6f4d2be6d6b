/* The heap profile: allocations and what is still in use, sampled
 * allocations scaled to unbiased estimates. */
#include "profiles_ctx.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof-tp-enums.h"

/*
 * Sampled allocations stand for more than themselves: an allocation of
 * `size` bytes was picked with probability 1 - exp(-size/rate), so it
 * counts 1/(1 - exp(-size/rate)) times (Go's scaleHeapSample).
 */
static double heap_scale(const struct cprof_process *proc, uint64_t size)
{
	if (!proc || proc->alloc_mode != CPROF_TP_ALLOC_SAMPLE || proc->alloc_rate <= 1 || !size)
		return 1.0;
	return 1.0 / (1.0 - exp(-(double)size / (double)proc->alloc_rate));
}

/* Adds a heap sample with zero values and the estimate `v` to its
 * accumulator in `acc` (four doubles per profile sample). */
static void add_heap(struct prof_ctx *c, const uint64_t *locs, size_t nlocs, const double *v,
		     const struct cprof_profile_label *labels, size_t nlabels, double **acc,
		     size_t *acc_n)
{
	static const int64_t zero[4];
	size_t index;

	if (cprof_profile_add_sample_at(c->p, locs, nlocs, zero, labels, nlabels, &index)) {
		c->failed = true;
		return;
	}
	if (index >= *acc_n) {
		size_t n = *acc_n ? *acc_n * 2 : 256;
		double *grown;
		while (n <= index)
			n *= 2;
		grown = realloc(*acc, n * 4 * sizeof(**acc));
		if (!grown) {
			c->failed = true;
			return;
		}
		memset(grown + *acc_n * 4, 0, (n - *acc_n) * 4 * sizeof(**acc));
		*acc = grown;
		*acc_n = n;
	}
	for (size_t k = 0; k < 4; k++)
		(*acc)[index * 4 + k] += v[k];
}

/*
 * Estimates are summed per profile sample and rounded once: rounding each
 * sampled block's 1/(1 - exp(-size/rate)) would count a block of twice
 * the rate (1.16 blocks) as 1 and bias every count down.
 */
void prof_heap(struct prof_ctx *c, struct cprof_profiles_report *rep)
{
	const struct cprof_model *m = c->m;
	uint64_t at = c->f->has_at ? m->begin_ns + c->f->at_ns : c->win_to;
	double *acc = NULL;
	size_t acc_n = 0;

	for (size_t i = 0; i < m->allocs.n && !c->failed && !prof_stopped(c, i); i++) {
		const struct cprof_alloc *a = &m->allocs.v[i];
		struct cprof_profile_label labels[8];
		uint32_t region, process;
		size_t nl, nlocs;
		const uint64_t *locs;
		double values[4];
		bool allocated, inuse;
		double scale;

		rep->total++;
		allocated = a->ns >= c->win_from && a->ns <= c->win_to;
		/* In use is a level at one moment, not a count of the past: a
		 * snapshot's window does not cut it (the blocks its state
		 * dump found live are placed at the trace's first instant). */
		inuse = a->ns <= at && a->ns >= (c->snap_from ? c->user_from : c->win_from) &&
			(!a->free_ns || a->free_ns > at);
		if (!allocated && !inuse)
			prof_in_window(c, a->ns); /* counts what the window left out */
		if (!(allocated || inuse) || !prof_thread_ok(c, a->thread))
			continue;
		region = prof_innermost(c, a->thread, a->ns);
		if (!prof_chain_matches(c, region))
			continue;
		rep->matched++;
		process = a->thread < m->threads.n ? m->threads.v[a->thread].process : CPROF_NONE;
		scale =
		    heap_scale(process < m->processes.n ? &m->processes.v[process] : NULL, a->size);
		values[0] = allocated ? scale : 0;
		values[1] = allocated ? scale * (double)a->size : 0;
		values[2] = inuse ? scale : 0;
		values[3] = inuse ? scale * (double)a->size : 0;
		nl = prof_labels(c, a->thread, region, 0, labels);
		locs = prof_stack_locations(c, a->stack, &nlocs);
		if (!nlocs) {
			uint64_t id = cprof_profile_synthetic_location(c->p, "(no stack)", "");
			add_heap(c, &id, 1, values, labels, nl, &acc, &acc_n);
		} else {
			add_heap(c, locs, nlocs, values, labels, nl, &acc, &acc_n);
		}
	}
	for (size_t i = 0; i < c->p->samples.n && !c->failed; i++) {
		int64_t *v = &c->p->values.v[i * 4];
		for (size_t k = 0; k < 4; k++)
			v[k] = llround(acc[i * 4 + k]);
	}
	free(acc);
}
