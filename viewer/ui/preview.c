/*
 * The loading preview's data (preview.h): items of the partial model binned
 * per thread and per time bucket, each item looked at once (plus the open
 * ones until they end), so that keeping the preview costs a small fraction
 * of decoding the trace.
 */
#include "preview.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ui_preview *ui_preview_create(void)
{
	struct ui_preview *pv = calloc(1, sizeof(*pv));
	if (!pv)
		return NULL;
	/* calloc: untouched pages of unused lanes cost nothing */
	pv->cells = calloc((size_t)UI_PREVIEW_LANES * UI_PREVIEW_BUCKETS, sizeof(*pv->cells));
	if (!pv->cells) {
		free(pv);
		return NULL;
	}
	return pv;
}

void ui_preview_destroy(struct ui_preview *pv)
{
	if (!pv)
		return;
	free(pv->cells);
	free(pv);
}

bool ui_preview_ready(const struct ui_preview *pv)
{
	return pv && pv->end_ns > pv->begin_ns && pv->nthreads;
}

static struct ui_preview_cell *lane_cells(struct ui_preview *pv, uint32_t thread)
{
	return thread < UI_PREVIEW_LANES ? pv->cells + (size_t)thread * UI_PREVIEW_BUCKETS : NULL;
}

static uint32_t bucket_of(const struct ui_preview *pv, uint64_t ns)
{
	if (ns <= pv->begin_ns)
		return 0;
	uint64_t b = (uint64_t)((double)(ns - pv->begin_ns) * pv->per_ns);
	return b < UI_PREVIEW_BUCKETS ? (uint32_t)b : UI_PREVIEW_BUCKETS - 1;
}

/* One item begun at ns on `thread`. */
static struct ui_preview_cell *point(struct ui_preview *pv, uint32_t thread, uint64_t ns)
{
	struct ui_preview_cell *c = lane_cells(pv, thread);
	pv->records++;
	if (!c)
		return NULL;
	c += bucket_of(pv, ns);
	c->records++;
	return c;
}

enum span_kind { SPAN_BUSY, SPAN_BLOCKED, SPAN_SYSCALL };

/* [b, e) covered on `thread`: the time it adds to each bucket. */
static void span(struct ui_preview *pv, uint32_t thread, uint64_t b, uint64_t e,
		 enum span_kind kind)
{
	struct ui_preview_cell *c = lane_cells(pv, thread);
	if (!c || e <= b)
		return;
	uint32_t b0 = bucket_of(pv, b), b1 = bucket_of(pv, e);
	if (b0 == b1) {
		/* most items: within one bucket */
		float add = (float)(e - b);
		if (kind == SPAN_BUSY)
			c[b0].busy += add;
		else if (kind == SPAN_BLOCKED)
			c[b0].blocked += add;
		else
			c[b0].syscall += add;
		return;
	}
	double width = (double)(pv->end_ns - pv->begin_ns) / UI_PREVIEW_BUCKETS;
	for (uint32_t k = b0; k <= b1; k++) {
		double lo = pv->begin_ns + k * width, hi = lo + width;
		double from = (double)b > lo ? (double)b : lo, to = (double)e < hi ? (double)e : hi;
		float add = to > from ? (float)(to - from) : 0;
		if (kind == SPAN_BUSY)
			c[k].busy += add;
		else if (kind == SPAN_BLOCKED)
			c[k].blocked += add;
		else
			c[k].syscall += add;
	}
}

static void follow(struct ui_preview *pv, uint32_t index, bool wait)
{
	if (pv->npending == UI_PREVIEW_PENDING)
		return; /* drawn as begun only */
	pv->pending[pv->npending].index = index;
	pv->pending[pv->npending++].wait = wait;
}

/* The open items seen before: those that ended since add their time; the
 * others say since when their thread is in them. */
static void update_pending(struct ui_preview *pv, const struct cprof_model *m)
{
	for (uint32_t l = 0; l < UI_PREVIEW_LANES; l++)
		pv->lanes[l].open_busy = pv->lanes[l].open_blocked = 0;
	for (uint32_t k = 0; k < pv->npending;) {
		uint32_t i = pv->pending[k].index;
		uint64_t b, e;
		uint32_t t;
		if (i >= (pv->pending[k].wait ? m->waits.n : m->regions.n)) {
			pv->pending[k] = pv->pending[--pv->npending];
			continue;
		}
		if (pv->pending[k].wait)
			b = m->waits.v[i].begin_ns, e = m->waits.v[i].end_ns,
			t = m->waits.v[i].thread;
		else
			b = m->regions.v[i].begin_ns, e = m->regions.v[i].end_ns,
			t = m->regions.v[i].thread;
		if (e) {
			span(pv, t, b, e, pv->pending[k].wait ? SPAN_BLOCKED : SPAN_BUSY);
			pv->pending[k] = pv->pending[--pv->npending];
			continue;
		}
		if (t < UI_PREVIEW_LANES) {
			uint64_t *since = pv->pending[k].wait ? &pv->lanes[t].open_blocked
							      : &pv->lanes[t].open_busy;
			if (!*since || b < *since)
				*since = b;
		}
		k++;
	}
}

static void update_items(struct ui_preview *pv, const struct cprof_model *m)
{
	for (; pv->seen_regions < m->regions.n; pv->seen_regions++) {
		const struct cprof_region *r = &m->regions.v[pv->seen_regions];
		point(pv, r->thread, r->begin_ns);
		if (r->depth)
			continue; /* inside an outermost region: no time of its own */
		if (r->end_ns)
			span(pv, r->thread, r->begin_ns, r->end_ns, SPAN_BUSY);
		else
			follow(pv, (uint32_t)pv->seen_regions, false);
	}
	for (; pv->seen_waits < m->waits.n; pv->seen_waits++) {
		const struct cprof_wait *w = &m->waits.v[pv->seen_waits];
		point(pv, w->thread, w->begin_ns);
		if (w->end_ns)
			span(pv, w->thread, w->begin_ns, w->end_ns, SPAN_BLOCKED);
		else
			follow(pv, (uint32_t)pv->seen_waits, true);
	}
	for (; pv->seen_syscalls < m->syscalls.n; pv->seen_syscalls++) {
		const struct cprof_syscall *s = &m->syscalls.v[pv->seen_syscalls];
		point(pv, s->thread, s->begin_ns);
		span(pv, s->thread, s->begin_ns, s->end_ns, SPAN_SYSCALL);
	}
	for (; pv->seen_samples < m->samples.n; pv->seen_samples++) {
		const struct cprof_sample *s = &m->samples.v[pv->seen_samples];
		struct ui_preview_cell *c = point(pv, s->thread, s->ns);
		if (c)
			c->samples++;
	}
	for (; pv->seen_logs < m->logs.n; pv->seen_logs++)
		point(pv, m->logs.v[pv->seen_logs].thread, m->logs.v[pv->seen_logs].ns);
	for (; pv->seen_allocs < m->allocs.n; pv->seen_allocs++)
		point(pv, m->allocs.v[pv->seen_allocs].thread, m->allocs.v[pv->seen_allocs].ns);
}

void ui_preview_update(struct ui_preview *pv, const struct cprof_model *m, uint64_t begin_ns,
		       uint64_t end_ns)
{
	if (end_ns <= begin_ns || !m->threads.n)
		return; /* no range to bin into: the progress bar alone */
	if (!pv->end_ns) {
		/* The full view starts at the first event kept, not at the
		 * first packet (the program's start, its registration with
		 * the session daemon): events are read in time order, so the
		 * first update knows it. */
		uint64_t first = UINT64_MAX;
		for (size_t t = 0; t < m->threads.n; t++)
			if (m->threads.v[t].first_ns < first)
				first = m->threads.v[t].first_ns;
		pv->begin_ns = first > begin_ns && first < end_ns ? first : begin_ns;
		pv->end_ns = end_ns;
		pv->per_ns = UI_PREVIEW_BUCKETS / (double)(end_ns - pv->begin_ns);
	}
	/* new items first: those still open then say since when at once */
	update_items(pv, m);
	update_pending(pv, m);
	pv->nthreads = (uint32_t)m->threads.n;
	for (uint32_t t = 0; t < pv->nthreads; t++) {
		const struct cprof_thread *th = &m->threads.v[t];
		if (th->last_ns > pv->loaded_ns)
			pv->loaded_ns = th->last_ns;
		if (t >= UI_PREVIEW_LANES)
			continue;
		/* names can change (a thread naming itself): copied each time */
		const char *name = cprof_model_str(m, th->name);
		snprintf(pv->lanes[t].label, sizeof(pv->lanes[t].label), "%s %" PRId32,
			 name[0] ? name : "thread", th->tid);
	}
}
