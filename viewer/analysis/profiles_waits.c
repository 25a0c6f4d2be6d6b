/* The sync and mutex profiles: waits at the waiter's stack, or charged to
 * the holders that caused them. */
#include "profiles_ctx.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof-tp-enums.h"

static bool is_lock(uint8_t kind)
{
	return kind == CPROF_TP_WAIT_MUTEX || kind == CPROF_TP_WAIT_RWLOCK_READ ||
	       kind == CPROF_TP_WAIT_RWLOCK_WRITE || kind == CPROF_TP_WAIT_SPIN;
}

static int rel_cmp(const void *a, const void *b, void *model)
{
	const struct cprof_model *sort_model = model;
	const struct cprof_release *x = &sort_model->releases.v[*(const uint32_t *)a];
	const struct cprof_release *y = &sort_model->releases.v[*(const uint32_t *)b];
	if (x->obj != y->obj)
		return x->obj < y->obj ? -1 : 1;
	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	return 0;
}

/*
 * The release that let a waiter in: on the same object, by another thread,
 * the latest at or before the wait's end (and not before it began). The
 * holder's release event may be stamped just after the waiter's wake-up,
 * so failing that the first release within a millisecond after it counts.
 */
static uint32_t find_release(const struct prof_ctx *c, const uint32_t *order, size_t n,
			     const struct cprof_wait *w)
{
	const struct cprof_model *m = c->m;
	uint64_t end = w->end_ns ? w->end_ns : m->end_ns;
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct cprof_release *r = &m->releases.v[order[mid]];
		if (r->obj < w->obj || (r->obj == w->obj && r->ns <= end))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i-- > 0;) {
		const struct cprof_release *r = &m->releases.v[order[i]];
		if (r->obj != w->obj || r->ns < w->begin_ns)
			break;
		if (r->thread != w->thread)
			return order[i];
	}
	for (size_t i = lo; i < n; i++) {
		const struct cprof_release *r = &m->releases.v[order[i]];
		if (r->obj != w->obj || r->ns > end + 1000000)
			break;
		if (r->thread != w->thread)
			return order[i];
	}
	return CPROF_NONE;
}

/*
 * Mutex profile: the part of wait w that earlier holders caused. A waiter
 * queued behind a long critical section is usually let in by someone else:
 * a thread that barged in after the long holder released, or the one
 * served before it in a convoy. Charging the whole wait to that last
 * releaser would blame the short critical sections for the long one, so
 * each release by another thread during the wait takes the time since the
 * previous one (or the wait's start), scaled to the clipped length `len`;
 * the last releaser `last` keeps the rest and the contention count.
 * Returns what was charged.
 */
static uint64_t charge_earlier_holders(struct prof_ctx *c, const uint32_t *order, size_t n,
				       const struct cprof_wait *w, uint32_t last, uint64_t len)
{
	const struct cprof_model *m = c->m;
	uint64_t end = w->end_ns ? w->end_ns : m->end_ns;
	uint64_t whole = end > w->begin_ns ? end - w->begin_ns : 0, prev = w->begin_ns;
	uint64_t charged = 0;
	size_t lo = 0, hi = n;

	if (!whole)
		return 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct cprof_release *r = &m->releases.v[order[mid]];
		if (r->obj < w->obj || (r->obj == w->obj && r->ns <= w->begin_ns))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t k = lo; k < n && !c->failed; k++) {
		const struct cprof_release *r = &m->releases.v[order[k]];
		struct cprof_profile_label labels[8];
		const uint64_t *locs;
		int64_t values[2];
		uint64_t share;
		size_t nl, nlocs;

		if (r->obj != w->obj || r->ns > end || order[k] == last)
			break;
		if (r->thread == w->thread)
			continue;
		share = (uint64_t)((unsigned __int128)len * (r->ns - prev) / whole);
		prev = r->ns;
		if (!share || !(locs = prof_stack_locations(c, r->stack, &nlocs)) || !nlocs)
			continue;
		values[0] = 0;
		values[1] = (int64_t)share;
		nl = prof_labels(c, r->thread, prof_innermost(c, r->thread, r->ns),
				 prof_cstr(c, cprof_wait_kind_name(w->kind)), labels);
		prof_add(c, locs, nlocs, values, labels, nl);
		charged += share;
	}
	return charged;
}

void prof_waits(struct prof_ctx *c, struct cprof_profiles_report *rep)
{
	const struct cprof_model *m = c->m;
	bool mutex = c->type == CPROF_PROFILE_MUTEX;
	uint32_t *order = NULL;
	uint64_t unmatched = 0;
	uint64_t unknown_loc = 0;

	if (mutex) {
		order = malloc((m->releases.n + 1) * sizeof(*order));
		if (!order) {
			c->failed = true;
			return;
		}
		for (size_t i = 0; i < m->releases.n; i++)
			order[i] = (uint32_t)i;
		qsort_r(order, m->releases.n, sizeof(*order), rel_cmp, (void *)m);
	}
	for (size_t i = 0; i < m->waits.n && !c->failed && !prof_stopped(c, i); i++) {
		const struct cprof_wait *w = &m->waits.v[i];
		struct cprof_profile_label labels[8];
		uint64_t len;
		uint32_t region, thread = w->thread, stack = w->stack;
		size_t nl, nlocs;
		const uint64_t *locs;
		int64_t values[2];

		if (mutex && !is_lock(w->kind))
			continue;
		rep->total++;
		if (!prof_clip(c, w->begin_ns, w->end_ns, &len) || !prof_thread_ok(c, w->thread))
			continue;
		region = prof_innermost(c, w->thread, w->begin_ns);
		if (!prof_chain_matches(c, region))
			continue;
		rep->matched++;
		if (mutex) {
			uint32_t rel = find_release(c, order, m->releases.n, w);
			if (rel == CPROF_NONE) {
				unmatched++;
				stack = 0;
			} else {
				len -= charge_earlier_holders(c, order, m->releases.n, w, rel, len);
				/* labels describe the holder at its release */
				thread = m->releases.v[rel].thread;
				stack = m->releases.v[rel].stack;
				region = prof_innermost(c, thread, m->releases.v[rel].ns);
			}
		}
		values[0] = 1;
		values[1] = (int64_t)len;
		nl = prof_labels(c, thread, region, prof_cstr(c, cprof_wait_kind_name(w->kind)),
				 labels);
		locs = prof_stack_locations(c, stack, &nlocs);
		if (!nlocs) {
			uint64_t id = cprof_profile_synthetic_location(
			    c->p, mutex && stack == 0 ? "(holder unknown)" : "(no stack)", "");
			unknown_loc++;
			prof_add(c, &id, 1, values, labels, nl);
		} else {
			prof_add(c, locs, nlocs, values, labels, nl);
		}
	}
	free(order);
	if (mutex && unmatched)
		snprintf(rep->text + strlen(rep->text), sizeof(rep->text) - strlen(rep->text),
			 "; %" PRIu64 " waits with no matching release (holder unknown)",
			 unmatched);
	(void)unknown_loc;
}
