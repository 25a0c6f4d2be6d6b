/*
 * The timeline index's region rows (tl.h: ui_index_feed): per thread and
 * depth, the indices of its regions in begin order, built while the trace
 * loads.
 *
 * Why during the load, and why indices only: a trace of annotated code is
 * mostly regions, tens of millions of them. A pass over them after the
 * reading, copying their times into rows, cost more than the reading
 * itself, most of it in faulting in fresh memory (a few microseconds a
 * page on a virtual machine). Fed at each progress report, the feed meets
 * the regions the reader has just written, still in the cache, and writes
 * 4 bytes for each into rows grown in huge pages; the frames read the
 * times from the model.
 *
 * A row qualifies as long as its regions come in begin order and their
 * ends never decrease (what regions of one depth on one thread do, one
 * after the other): then the running max of ends is the end itself. The
 * ends are checked as they arrive (a region still open stops the check of
 * its row until it ends); a row that fails either is copied by tl_index.c
 * as other rows are, and sorted.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tl.h"

/* Past this many bytes a row lives in its own mapping, grown with
 * mremap (pages moved, not copied) and advised into huge pages. */
#define MAP_FROM ((size_t)2 << 20)

struct feed_row {
	uint32_t *idx;
	uint32_t n, cap;
	size_t mapped;	  /* bytes of idx's mapping, 0: malloc'd */
	uint32_t checked; /* entries whose end was checked */
	uint64_t last_begin, last_end;
	bool unordered; /* to be copied and sorted */
};

struct feed_thread {
	struct feed_row rows[UI_MAX_DEPTH];
	uint16_t depths;
};

struct ui_index_feed {
	struct feed_thread *threads;
	size_t nthreads;
	size_t seen; /* regions taken in */
	bool failed; /* out of memory: ui_index_create_fed() fails */
};

struct ui_index_feed *ui_index_feed_create(void)
{
	return calloc(1, sizeof(struct ui_index_feed));
}

static void row_release(struct feed_row *r)
{
	if (r->mapped)
		munmap(r->idx, r->mapped);
	else
		free(r->idx);
	memset(r, 0, sizeof(*r));
}

void ui_index_feed_destroy(struct ui_index_feed *f)
{
	if (!f)
		return;
	for (size_t t = 0; t < f->nthreads; t++)
		for (unsigned d = 0; d < UI_MAX_DEPTH; d++)
			row_release(&f->threads[t].rows[d]);
	free(f->threads);
	free(f);
}

static bool row_grow(struct feed_row *r)
{
	size_t cap = r->cap ? (size_t)r->cap * 2 : 256;
	size_t bytes = cap * sizeof(uint32_t);
	void *p;

	if (cap > UINT32_MAX)
		return false;
	if (bytes < MAP_FROM) {
		p = realloc(r->idx, bytes);
	} else {
		bytes = (bytes + MAP_FROM - 1) & ~(MAP_FROM - 1);
		if (r->mapped) {
			p = mremap(r->idx, r->mapped, bytes, MREMAP_MAYMOVE);
		} else {
			p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				 -1, 0);
			if (p != MAP_FAILED && r->n)
				memcpy(p, r->idx, r->n * sizeof(uint32_t));
			if (p != MAP_FAILED)
				free(r->idx);
		}
		if (p == MAP_FAILED)
			return false;
		/* a few microseconds a 4 KiB page to fault in here, against
		 * about a third of that per 4 KiB in a huge page */
		madvise(p, bytes, MADV_HUGEPAGE);
		r->mapped = bytes;
		cap = bytes / sizeof(uint32_t);
	}
	if (!p)
		return false;
	r->idx = p;
	r->cap = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
	return true;
}

static bool grow_threads(struct ui_index_feed *f, size_t n)
{
	if (n <= f->nthreads)
		return true;
	struct feed_thread *t = realloc(f->threads, n * sizeof(*t));
	if (!t)
		return false;
	memset(t + f->nthreads, 0, (n - f->nthreads) * sizeof(*t));
	f->threads = t;
	f->nthreads = n;
	return true;
}

/* Checks the ends of the row's entries up to the first still open (all of
 * them at the end: an open region is drawn to the trace's end, past every
 * other, so it may only be the row's last). */
static void check_ends(struct feed_row *r, const struct cprof_model *m, bool last)
{
	for (; r->checked < r->n; r->checked++) {
		const struct cprof_region *g = &m->regions.v[r->idx[r->checked]];
		uint64_t b = g->begin_ns, e = g->end_ns;
		if (!e) {
			if (!last)
				return;
			if (r->checked + 1 < r->n)
				r->unordered = true;
			continue;
		}
		e = e < b ? b : e;
		if (e < r->last_end)
			r->unordered = true;
		r->last_end = e;
	}
}

void ui_index_feed(struct ui_index_feed *f, const struct cprof_model *m)
{
	size_t nt = m->threads.n;

	if (f->failed || !grow_threads(f, nt)) {
		f->failed = true;
		return;
	}
	for (size_t i = f->seen; i < m->regions.n; i++) {
		const struct cprof_region *g = &m->regions.v[i];
		if (g->thread >= nt)
			continue;
		unsigned d = g->depth < UI_MAX_DEPTH ? g->depth : UI_MAX_DEPTH - 1;
		struct feed_thread *ft = &f->threads[g->thread];
		struct feed_row *r = &ft->rows[d];
		if (r->n == r->cap && !row_grow(r)) {
			f->failed = true;
			return;
		}
		uint64_t b = g->begin_ns, e = g->end_ns;
		if (b < r->last_begin)
			r->unordered = true;
		r->last_begin = b;
		/* ended, and none before it in the row still open: checked
		 * now, while in the cache */
		if (e && r->checked == r->n) {
			e = e < b ? b : e;
			if (e < r->last_end)
				r->unordered = true;
			r->last_end = e;
			r->checked++;
		}
		r->idx[r->n++] = (uint32_t)i;
		if (d >= ft->depths)
			ft->depths = (uint16_t)(d + 1);
	}
	f->seen = m->regions.n;
	for (size_t t = 0; t < nt; t++)
		for (unsigned d = 0; d < f->threads[t].depths; d++)
			check_ends(&f->threads[t].rows[d], m, false);
}

/* A row that failed the checks: its times copied, then sorted. */
static bool copy_row(struct ui_row *row)
{
	uint32_t n = row->n;
	uint64_t *b = malloc((n ? n : 1) * sizeof(*b)), *e = malloc((n ? n : 1) * sizeof(*e));
	uint64_t *mx = malloc((n ? n : 1) * sizeof(*mx));

	if (!b || !e || !mx) {
		free(b);
		free(e);
		free(mx);
		return false;
	}
	for (uint32_t i = 0; i < n; i++) {
		b[i] = ui_row_begin(row, i);
		e[i] = ui_row_end(row, i);
	}
	row->begin = b;
	row->end = e;
	row->maxend = mx;
	row->regions = NULL;
	return ui_row_finish(row);
}

bool ui_index_take_region_rows(struct ui_index_feed *f, const struct cprof_model *m,
			       struct ui_thread_index *threads)
{
	ui_index_feed(f, m);
	if (f->failed)
		return false;
	for (size_t t = 0; t < m->threads.n; t++) {
		struct ui_thread_index *ti = &threads[t];
		struct feed_thread *ft = t < f->nthreads ? &f->threads[t] : NULL;
		unsigned depths = ft ? ft->depths : 0;
		ti->depths = depths;
		ti->rows = calloc(depths ? depths : 1, sizeof(*ti->rows));
		if (!ti->rows)
			return false;
		for (unsigned d = 0; d < depths; d++) {
			struct feed_row *r = &ft->rows[d];
			check_ends(r, m, true);
			ti->rows[d] = (struct ui_row){
			    .idx = r->idx, .n = r->n, .regions = m, .mapped = r->mapped};
			bool unordered = r->unordered;
			memset(r, 0, sizeof(*r)); /* the index's now */
			if (unordered && !copy_row(&ti->rows[d]))
				return false;
		}
	}
	return true;
}
