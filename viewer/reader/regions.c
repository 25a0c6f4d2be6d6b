/*
 * Regions: begin pushes on the thread's stack of open regions, end pops
 * the innermost open region of its type. Ends that do not match (out of
 * order, forgotten, on another thread) are repaired here and each gets a
 * warning, so that the durations in stats and profiles are the ones the
 * program measured.
 */
#include "state.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool end_on_other_thread(struct rd_state *st, uint32_t proc, uint32_t thread, uint64_t ns,
				cprof_str type, uint64_t task_id);

/*
 * Ends read before their region's begin (another thread's batch went out
 * first), applied once the beginning thread's records have reached the
 * end's time (`ns`; UINT64_MAX at the end of the trace): as if read in
 * order, with the same repairs and warnings.
 */
static void apply_region_ends(struct rd_state *st, uint32_t proc, uint64_t ns)
{
	for (size_t i = 0; st->region_ends_open && i < st->region_ends.n; i++) {
		struct rd_region_end *e = &st->region_ends.v[i];

		if (e->done || (ns != UINT64_MAX && (e->proc != proc || e->ns > ns)))
			continue;
		if (end_on_other_thread(st, e->proc, e->thread, e->ns, e->type, e->task_id)) {
			e->done = true;
			st->region_ends_open--;
		}
	}
}

/* The regions, full in memory their vector may not grow, to the heap. */
static bool regions_unfix(struct rd_state *st)
{
	struct cprof_model *m = st->model;

	if (!cprof_model_own_regions(m, m->regions.cap ? m->regions.cap * 2 : 64))
		return false;
	st->regions_fixed = false;
	return true;
}

/* Inlined into rd_fast_regions, the bulk of a trace's records. */
static inline __attribute__((always_inline)) void region_begin(struct rd_state *st, uint32_t proc,
							       uint32_t thread, uint64_t ns,
							       uint64_t task_id, cprof_str type)
{
	struct cprof_model *m = st->model;
	struct rd_thread *ts;
	struct cprof_region *reg;
	uint32_t *slot;

	if (st->region_ends_open)
		apply_region_ends(st, proc, ns);
	ts = &st->tstates.v[thread];
	if (st->regions_fixed && m->regions.n == m->regions.cap && !regions_unfix(st)) {
		st->out_of_memory = true;
		return;
	}
	reg = cprof_vec_push(&m->regions);
	slot = reg ? cprof_vec_push(&ts->open) : NULL;

	if (!slot) {
		st->out_of_memory = true;
		return;
	}
	reg->thread = thread;
	reg->task = rd_thread_task_ref(st, proc, thread, task_id);
	if (reg->task == CPROF_NONE && task_id)
		rd_pending_add(st, RD_PENDING_REGION, proc, task_id, (uint32_t)(m->regions.n - 1),
			       0);
	reg->type = type;
	reg->depth = (uint16_t)(ts->open.n - 1 > UINT16_MAX ? UINT16_MAX : ts->open.n - 1);
	reg->begin_ns = ns;
	*slot = (uint32_t)(m->regions.n - 1);
}

void rd_region_begin(struct rd_state *st, uint32_t proc, uint32_t thread, uint64_t ns,
		     uint64_t task_id, cprof_str type)
{
	region_begin(st, proc, thread, ns, task_id, type);
}

void rd_on_region_begin(struct rd_state *st, struct rd_event *ev)
{
	rd_region_begin(st, ev->proc, ev->thread, ev->ns, ev->f[0].u,
			rd_intern_cached(st, ev->f[1].s, ev->f[1].n));
}

static void region_close(struct rd_state *st, uint32_t region, uint64_t ns)
{
	st->model->regions.v[region].end_ns = ns ? ns : 1;
}

/*
 * Ends region open[k] of thread `owner` at `ns`. Regions nest per thread
 * (Go's rule), so the regions begun inside it and still open are misuse of
 * one of two kinds, which only a later event tells apart: their end was
 * forgotten (an early return), or they end later, out of order (begin A,
 * begin B, end A, end B). They are closed here with their enclosing region,
 * the best guess for a forgotten end, and remembered: if their own end comes
 * later on their thread, it moves their end there (end_cut), so that
 * every duration in stats and profiles is the one the program measured and
 * none is cut short. Either way each gets one warning, rewritten to say
 * which kind it was.
 */
static void close_open(struct rd_state *st, uint32_t owner, size_t k, uint64_t ns)
{
	struct rd_thread *ts = &st->tstates.v[owner];
	const struct cprof_region *regions = st->model->regions.v;
	cprof_str type = regions[ts->open.v[k]].type;
	char a[96];

	for (size_t j = k + 1; j < ts->open.n; j++) {
		uint32_t inner = ts->open.v[j];
		struct rd_cut_region *cut = cprof_vec_push(&ts->cut);
		uint32_t w = rd_warn(
		    st, ns, owner,
		    "region '%s' on thread %s was not ended before its enclosing region '%s'",
		    cprof_model_str(st->model, regions[inner].type),
		    rd_thread_label(st, owner, a, sizeof(a)), cprof_model_str(st->model, type));
		region_close(st, inner, ns);
		if (!cut) {
			st->out_of_memory = true;
			continue;
		}
		cut->region = inner;
		cut->warning = w;
		cut->enclosing = type;
	}
	region_close(st, ts->open.v[k], ns);
	ts->open.n = k;
}

/* The region of `type` (and task) closed early by close_open on `thread`
 * whose own end comes now: it ends here, out of order. */
static bool end_cut(struct rd_state *st, uint32_t proc, uint32_t thread, uint64_t ns,
		    cprof_str type, uint64_t task_id)
{
	struct rd_thread *ts = &st->tstates.v[thread];
	uint32_t task = rd_task_ref(st, proc, task_id);
	char a[96];

	for (size_t k = ts->cut.n; k-- > 0;) {
		struct rd_cut_region cut = ts->cut.v[k];
		struct cprof_region *reg = &st->model->regions.v[cut.region];
		if (reg->type != type || reg->task != task)
			continue;
		reg->end_ns = ns;
		memmove(&ts->cut.v[k], &ts->cut.v[k + 1], (ts->cut.n - k - 1) * sizeof(*ts->cut.v));
		ts->cut.n--;
		if (cut.warning != CPROF_NONE) {
			char buf[512];
			int n =
			    snprintf(buf, sizeof(buf),
				     "region '%s' on thread %s ended after its enclosing region "
				     "'%s' (regions must nest)",
				     cprof_model_str(st->model, type),
				     rd_thread_label(st, thread, a, sizeof(a)),
				     cprof_model_str(st->model, cut.enclosing));
			if (n > 0)
				st->model->warnings.v[cut.warning].text = cprof_model_intern(
				    st->model, buf,
				    (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
		}
		return true;
	}
	return false;
}

/* Not open on this thread: did another thread of the process begin it?
 * It ends there as if ended on its own thread, with the regions begun
 * inside it, so that no region outlives the one it began in unless
 * its own end says so. */
static bool end_on_other_thread(struct rd_state *st, uint32_t proc, uint32_t thread, uint64_t ns,
				cprof_str type, uint64_t task_id)
{
	struct cprof_region *regions = st->model->regions.v;
	char a[96], b[96];

	for (size_t t = 0; t < st->tstates.n; t++) {
		struct rd_thread *os = &st->tstates.v[t];
		if (t == thread || st->model->threads.v[t].process != proc)
			continue;
		for (size_t k = os->open.n; k-- > 0;) {
			struct cprof_region *reg = &regions[os->open.v[k]];
			uint32_t task = rd_task_ref(st, proc, task_id);
			if (reg->type != type || reg->task != task)
				continue;
			rd_warn(st, ns, thread,
				"region '%s' began on thread %s and ended on thread %s",
				cprof_model_str(st->model, type),
				rd_thread_label(st, (uint32_t)t, a, sizeof(a)),
				rd_thread_label(st, thread, b, sizeof(b)));
			close_open(st, (uint32_t)t, k, ns);
			return true;
		}
	}
	return false;
}

static inline __attribute__((always_inline)) void region_end(struct rd_state *st, uint32_t proc,
							     uint32_t thread, uint64_t ns,
							     uint64_t task_id, cprof_str type)
{
	struct rd_thread *ts = &st->tstates.v[thread];
	struct cprof_region *regions;
	struct rd_region_end *e;

	if (st->region_ends_open)
		apply_region_ends(st, proc, ns);
	regions = st->model->regions.v;

	/* the innermost: nothing to close with it (close_open's common case) */
	if (ts->open.n && regions[ts->open.v[ts->open.n - 1]].type == type) {
		region_close(st, ts->open.v[--ts->open.n], ns);
		return;
	}
	for (size_t k = ts->open.n; k-- > 0;) {
		if (regions[ts->open.v[k]].type != type)
			continue;
		close_open(st, thread, k, ns);
		return;
	}
	if (ts->cut.n && end_cut(st, proc, thread, ns, type, task_id))
		return;
	/* Its begin was most likely in a lost batch of this thread (the loss
	 * is reported): taking another thread's open region of the type
	 * would end that one early, with a warning that it moved. */
	if (ts->lost) {
		ts->lost_begins++;
		return;
	}
	if (end_on_other_thread(st, proc, thread, ns, type, task_id))
		return;
	e = cprof_vec_push(&st->region_ends);
	if (!e) {
		st->out_of_memory = true;
		return;
	}
	*e = (struct rd_region_end){proc, thread, ns, type, task_id, false};
	st->region_ends_open++;
}

void rd_region_end(struct rd_state *st, uint32_t proc, uint32_t thread, uint64_t ns,
		   uint64_t task_id, cprof_str type)
{
	region_end(st, proc, thread, ns, task_id, type);
}

void rd_fast_regions(struct rd_state *st, const struct rd_fast *f, const struct rd_fast_rec *recs,
		     size_t n)
{
	struct rd_proc *p = f->p;
	struct cprof_thread *t = &st->model->threads.v[f->thread];
	uint64_t first = recs[0].ns, last = recs[n - 1].ns;

	/* what rd_feed and on_cprof_event count for each event, for the run:
	 * its times never decrease (a batch's deltas are unsigned) */
	p->events += n;
	if (!p->first_ns || first < p->first_ns)
		p->first_ns = first;
	if (last > p->last_ns)
		p->last_ns = last;
	t->events += n;
	t->last_ns = last;
	if (st->tstates.v[f->thread].wait != CPROF_NONE)
		rd_wait_end_lost(st, f->thread, first);
	for (size_t i = 0; i < n; i++) {
		const struct rd_fast_rec *r = &recs[i];

		if (r->begin)
			region_begin(st, f->proc, f->thread, r->ns, r->task_id, r->type);
		else
			region_end(st, f->proc, f->thread, r->ns, r->task_id, r->type);
	}
}

void rd_on_region_end(struct rd_state *st, struct rd_event *ev)
{
	rd_region_end(st, ev->proc, ev->thread, ev->ns, ev->f[0].u,
		      rd_intern_cached(st, ev->f[1].s, ev->f[1].n));
}

/*
 * A thread's records were lost (LTTng discarded its batches): the ends of
 * the regions it had open may be among them. Left open, each would take
 * the end of a later region of its type (a 40 ns region lasting the whole
 * gap), or stay open to the end of the trace, and every region after it
 * would nest one level too deep. They are cut where the thread's records
 * stop, the last time they are known to be open. An end after the gap
 * cannot tell whether it is theirs or that of a region begun in the gap,
 * so none is taken as theirs: a region longer than the gap is cut short,
 * which the thread's warning says, rather than every short one stretched.
 */
void rd_regions_lost(struct rd_state *st, uint32_t thread)
{
	struct rd_thread *ts = &st->tstates.v[thread];

	ts->lost = true;
	if (st->gap_overwritten) {
		if (!ts->over_gaps++)
			ts->over_first_ns = st->gap_begin_ns;
		ts->over_last_ns = st->gap_end_ns;
		ts->over_records += st->gap_records;
	} else {
		if (!ts->lost_gaps++)
			ts->lost_first_ns = st->gap_begin_ns;
		ts->lost_last_ns = st->gap_end_ns;
		ts->lost_records += st->gap_records;
	}
	for (size_t k = 0; k < ts->open.n; k++)
		region_close(st, ts->open.v[k], st->gap_begin_ns);
	ts->lost_cut += ts->open.n;
	ts->open.n = 0;
}

/* "; 2 regions open at a gap were cut ...; 1 region end whose begin was
 * lost was left out": what a thread's gaps did to its regions. */
static void gaps_said(const struct rd_thread *ts, const char *lost, char *buf, size_t len)
{
	int n = 0;

	buf[0] = '\0';
	if (ts->lost_cut)
		n = snprintf(buf, len,
			     "; %" PRIu64 " region%s open at a gap %s cut at the thread's last "
			     "record before the gap "
			     "(%s end is unknown)",
			     ts->lost_cut, ts->lost_cut == 1 ? "" : "s",
			     ts->lost_cut == 1 ? "was" : "were",
			     ts->lost_cut == 1 ? "its" : "their");
	if (ts->lost_begins && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n,
			 "; %" PRIu64 " region end%s whose begin was %s %s left out",
			 ts->lost_begins, ts->lost_begins == 1 ? "" : "s", lost,
			 ts->lost_begins == 1 ? "was" : "were");
}

/*
 * A thread's records overwritten before a snapshot's window (the note
 * counts them, cprof_model_describe_overwritten): said per thread only
 * when it cut regions or left region ends out, as a loss would.
 */
static void warn_overwritten(struct rd_state *st, uint32_t t, const char *said)
{
	const struct rd_thread *ts = &st->tstates.v[t];
	char a[96];

	if (!ts->lost_cut && !ts->lost_begins)
		return;
	rd_warn(st, ts->over_first_ns, t,
		"thread %s: %" PRIu64 " records overwritten before the snapshot's window "
		"(%" PRIu64 " gap%s between %.6f s and %.6f s)%s",
		rd_thread_label(st, t, a, sizeof(a)), ts->over_records, ts->over_gaps,
		ts->over_gaps == 1 ? "" : "s",
		(double)(ts->over_first_ns - st->model->begin_ns) / 1e9,
		(double)(ts->over_last_ns - st->model->begin_ns) / 1e9, said);
}

/* One sentence per thread: its loss and what it did to its regions. */
void rd_regions_lost_finish(struct rd_state *st)
{
	char a[96], said[400];

	for (size_t t = 0; t < st->tstates.n; t++) {
		const struct rd_thread *ts = &st->tstates.v[t];

		if (!ts->lost_gaps && !ts->over_gaps && ts->lost_begins) {
			rd_warn(st, st->model->begin_ns, (uint32_t)t,
				"thread %s: its records in the trace begin after its first "
				"(%s): %" PRIu64
				" region end%s whose begin came before %s left out",
				rd_thread_label(st, (uint32_t)t, a, sizeof(a)),
				st->window_ns ? "overwritten in the snapshot's ring buffers, or "
						"recorded from a later start"
					      : "recorded from a later start, or lost",
				ts->lost_begins, ts->lost_begins == 1 ? "" : "s",
				ts->lost_begins == 1 ? "was" : "were");
			continue;
		}
		if (!ts->lost_gaps) {
			gaps_said(ts, "overwritten", said, sizeof(said));
			if (ts->over_gaps)
				warn_overwritten(st, (uint32_t)t, said);
			continue;
		}
		gaps_said(ts, "lost", said, sizeof(said));
		rd_warn(st, ts->lost_first_ns, (uint32_t)t,
			"thread %s: %" PRIu64 " records lost by LTTng (buffers full, %" PRIu64
			" gap%s between %.6f s and %.6f s)%s%s",
			rd_thread_label(st, (uint32_t)t, a, sizeof(a)), ts->lost_records,
			ts->lost_gaps, ts->lost_gaps == 1 ? "" : "s",
			(double)(ts->lost_first_ns - st->model->begin_ns) / 1e9,
			(double)(ts->lost_last_ns - st->model->begin_ns) / 1e9,
			ts->over_gaps ? "; more were overwritten before the snapshot's window" : "",
			said);
	}
}

void rd_region_ends_finish(struct rd_state *st)
{
	char a[96];

	apply_region_ends(st, 0, UINT64_MAX);
	for (size_t i = 0; st->region_ends_open && i < st->region_ends.n; i++) {
		const struct rd_region_end *e = &st->region_ends.v[i];

		if (e->done)
			continue;
		rd_warn(st, e->ns, e->thread,
			"region '%s' ended on thread %s with no open region of that type",
			cprof_model_str(st->model, e->type),
			rd_thread_label(st, e->thread, a, sizeof(a)));
	}
}
