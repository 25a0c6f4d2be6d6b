/*
 * The highlight's rows (tl.h: struct ui_hl): the highlighted regions, or
 * the waits, blocking calls or allocations of a side-panel row, split by
 * the lane row they are drawn on, each in begin order, so that a frame
 * draws them with the level-of-detail walk of the lanes themselves
 * (ui_row_lod): one block per run of touching pixels, a frame's cost
 * bounded by the pixels whatever the items. Drawn one by one from a single
 * row of them all, a frame walked every highlighted item in view (the 4M
 * allocations of a Heap row on a 20M-record trace) until a budget of
 * 6000 stopped it, which at fit-all zoom left all but the first few
 * pixels of the timeline unhighlighted.
 *
 * A lane of regions keeps their indices only, as the index's own region
 * rows do (tl_index_regions.c), when they come in begin order with ends
 * that never decrease (what one depth of one thread has): 4 bytes a
 * region instead of 28, on a click that highlights millions. Others get
 * copies of the times, sorted.
 */
#include <stdlib.h>
#include <string.h>

#include "tl.h"

/* Items of one lane as they come. */
struct hl_slot {
	uint32_t *idx;
	uint64_t *begin, *end; /* waits and blocking calls; allocations: begin */
	uint32_t n, cap;
	uint64_t last_b, last_e;
	bool copy; /* regions out of order: times copied at the end */
};

/* Lane slots: a thread's region rows from region_base[thread], then a
 * thread-state strip per thread, then an allocation row per thread. */
struct ui_hl_build {
	const struct ui_index *ix;
	uint32_t nthreads;
	uint32_t *region_base; /* [nthreads + 1] */
	struct hl_slot *slots;
	uint32_t n;
	bool failed;
};

struct ui_hl_build *ui_hl_build_create(const struct ui_index *ix)
{
	struct ui_hl_build *b = calloc(1, sizeof(*b));
	uint32_t nt = ix->model->threads.n, ns;

	if (!b)
		return NULL;
	b->ix = ix;
	b->nthreads = nt;
	b->region_base = malloc((nt + 1) * sizeof(*b->region_base));
	if (!b->region_base)
		goto error;
	b->region_base[0] = 0;
	for (uint32_t t = 0; t < nt; t++)
		b->region_base[t + 1] = b->region_base[t] + ix->threads[t].depths;
	ns = b->region_base[nt] + 2 * nt;
	b->slots = calloc(ns ? ns : 1, sizeof(*b->slots));
	if (!b->slots)
		goto error;
	return b;
error:
	free(b->region_base);
	free(b);
	return NULL;
}

static uint32_t nslots(const struct ui_hl_build *b)
{
	return b->region_base[b->nthreads] + 2 * b->nthreads;
}

static void slot_free(struct hl_slot *s)
{
	free(s->idx);
	free(s->begin);
	free(s->end);
}

static void build_free(struct ui_hl_build *b)
{
	for (uint32_t s = 0; s < nslots(b); s++)
		slot_free(&b->slots[s]);
	free(b->slots);
	free(b->region_base);
	free(b);
}

void ui_hl_build_discard(struct ui_hl_build *b)
{
	if (b)
		build_free(b);
}

/* Room for one more item in s (its begins too when `begins`, ends when
 * `ends`). */
static bool slot_grow(struct hl_slot *s, bool begins, bool ends)
{
	uint32_t cap = s->cap ? s->cap * 2 : 256;
	uint32_t *idx;
	uint64_t *bg, *en;

	if (s->n < s->cap)
		return true;
	if (!(idx = realloc(s->idx, cap * sizeof(*idx))))
		return false;
	s->idx = idx;
	if (begins) {
		if (!(bg = realloc(s->begin, cap * sizeof(*bg))))
			return false;
		s->begin = bg;
	}
	if (ends) {
		if (!(en = realloc(s->end, cap * sizeof(*en))))
			return false;
		s->end = en;
	}
	s->cap = cap;
	return true;
}

/* A region's begin and end as the index's rows have them (ui_row_end). */
static uint64_t region_begin(const struct cprof_model *m, const struct cprof_region *r)
{
	uint64_t b = r->begin_ns;
	return b > m->begin_ns ? b - m->begin_ns : 0;
}

static uint64_t region_end(const struct cprof_model *m, const struct cprof_region *r)
{
	uint64_t b = r->begin_ns, e = r->end_ns;
	if (!e)
		e = m->end_ns;
	if (e < b)
		e = b;
	return e > m->begin_ns ? e - m->begin_ns : 0;
}

void ui_hl_add_region(struct ui_hl_build *b, uint32_t r)
{
	const struct cprof_model *m = b->ix->model;
	const struct cprof_region *reg = &m->regions.v[r];
	uint32_t t = reg->thread;
	uint16_t d = reg->depth;
	struct hl_slot *s;

	b->n++;
	/* counted, but a region without a lane row is never drawn */
	if (t >= b->nthreads || d >= b->ix->threads[t].depths)
		return;
	s = &b->slots[b->region_base[t] + d];
	if (!slot_grow(s, false, false)) {
		b->failed = true;
		return;
	}
	uint64_t rb = region_begin(m, reg), re = region_end(m, reg);
	if (s->n && (rb < s->last_b || re < s->last_e))
		s->copy = true;
	s->last_b = rb;
	s->last_e = re;
	s->idx[s->n++] = r;
}

void ui_hl_add_state(struct ui_hl_build *b, uint32_t thread, bool alloc, uint32_t idx,
		     uint64_t begin, uint64_t end)
{
	struct hl_slot *s;

	b->n++;
	if (thread >= b->nthreads)
		return;
	s = &b->slots[b->region_base[b->nthreads] + (alloc ? b->nthreads : 0) + thread];
	if (!slot_grow(s, true, !alloc)) {
		b->failed = true;
		return;
	}
	s->idx[s->n] = idx;
	s->begin[s->n] = begin;
	if (!alloc)
		s->end[s->n] = end < begin ? begin : end;
	s->n++;
}

/* A row of copied times in begin order; the running max of ends only
 * when they ever decrease (ui_row_maxend reads the ends otherwise). */
static bool finish_copied(struct ui_row *row)
{
	bool sorted = true;

	for (uint32_t i = 1; i < row->n && sorted; i++)
		sorted = row->begin[i - 1] <= row->begin[i] && row->end[i - 1] <= row->end[i];
	if (sorted)
		return true;
	row->maxend = malloc(row->n * sizeof(*row->maxend));
	return row->maxend && ui_row_finish(row);
}

/* Slot s of b as a lane row (its arrays move into it). */
static bool take_slot(struct ui_hl_build *b, uint32_t k, struct ui_hl_lane *lane)
{
	const struct cprof_model *m = b->ix->model;
	struct hl_slot *s = &b->slots[k];
	uint32_t nregion = b->region_base[b->nthreads];
	struct ui_row *row = &lane->row;

	memset(lane, 0, sizeof(*lane));
	row->idx = s->idx;
	row->n = s->n;
	s->idx = NULL;
	if (k >= nregion) {
		lane->kind = k - nregion >= b->nthreads ? UI_HL_ALLOCS : UI_HL_STATE;
		lane->thread = (k - nregion) % b->nthreads;
		/* an allocation is an instant: its end is its begin, the
		 * same array (ui_row_finish's sort keeps them equal) */
		row->begin = s->begin;
		row->end = s->end ? s->end : s->begin;
		s->begin = s->end = NULL;
		return finish_copied(row);
	}
	lane->kind = UI_HL_REGIONS;
	/* the last thread whose rows begin at or before k */
	uint32_t lo = 0, hi = b->nthreads;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (b->region_base[mid] <= k)
			lo = mid;
		else
			hi = mid;
	}
	lane->thread = lo;
	lane->depth = k - b->region_base[lane->thread];
	if (!s->copy) {
		row->regions = m;
		return true;
	}
	row->begin = malloc(row->n * sizeof(*row->begin));
	row->end = malloc(row->n * sizeof(*row->end));
	if (!row->begin || !row->end)
		return false;
	for (uint32_t i = 0; i < row->n; i++) {
		const struct cprof_region *r = &m->regions.v[row->idx[i]];
		row->begin[i] = region_begin(m, r);
		row->end[i] = region_end(m, r);
	}
	return finish_copied(row);
}

bool ui_hl_build_finish(struct ui_hl_build *b, struct ui_hl *out)
{
	uint32_t nl = 0, ns = nslots(b);
	bool ok = !b->failed;

	memset(out, 0, sizeof(*out));
	out->n = b->n;
	for (uint32_t k = 0; k < ns; k++)
		nl += b->slots[k].n > 0;
	if (ok && nl && !(out->lanes = calloc(nl, sizeof(*out->lanes))))
		ok = false;
	for (uint32_t k = 0; ok && k < ns; k++) {
		if (!b->slots[k].n)
			continue;
		ok = take_slot(b, k, &out->lanes[out->nlanes++]);
	}
	build_free(b);
	if (!ok)
		ui_hl_free(out);
	return ok;
}

void ui_hl_free(struct ui_hl *hl)
{
	for (uint32_t l = 0; l < hl->nlanes; l++) {
		struct ui_row *row = &hl->lanes[l].row;
		free(row->idx);
		if (row->end != row->begin)
			free(row->end);
		free(row->begin);
		free(row->maxend);
	}
	free(hl->lanes);
	memset(hl, 0, sizeof(*hl));
}

bool ui_index_highlight_rows(const struct ui_index *ix, const struct ui_view *v,
			     const atomic_bool *stop, struct ui_hl *out)
{
	const struct cprof_model *m = ix->model;
	struct ui_hl_build *b = ui_hl_build_create(ix);

	memset(out, 0, sizeof(*out));
	if (!b)
		return false;
	if (v->sel_task != CPROF_NONE && v->sel_task < m->tasks.n) {
		/* the task's regions, in begin order */
		for (uint32_t k = ix->task_region_first[v->sel_task];
		     k < ix->task_region_first[v->sel_task + 1]; k++)
			ui_hl_add_region(b, ix->task_regions[k]);
	} else if (v->sel_task == CPROF_NONE) {
		for (size_t i = 0; i < m->regions.n; i++) {
			if ((i & 0xffff) == 0 && stop && atomic_load(stop)) {
				ui_hl_build_discard(b);
				return false;
			}
			/* a type (a Regions row's click) read directly */
			if (v->hl_type ? m->regions.v[i].type == v->hl_type
				       : ui_region_highlighted(ix, v, i))
				ui_hl_add_region(b, i);
		}
	}
	return ui_hl_build_finish(b, out);
}
