/*
 * cprof:batch: the records of one thread (format in tracer/cprof-tp-enums.h),
 * unpacked into the events they stand for (cprof:region_begin, ...), each
 * fed to rd_feed() as if it had been an event of its own: `dump` prints one
 * line per record and `stats` counts records.
 *
 * A thread's records come in order; records of different threads do not
 * (a thread's batch goes out when it fills, another's earlier), which the
 * handlers tolerate (a task may end before the batch that began it is
 * read: see rd_pending). A gap in a thread's sequence (`first`) is a lost
 * batch: its records are counted as lost, over the time between the
 * batches around it. In a snapshot of overwrite-mode ring buffers, a gap
 * that opens before the window every CPU's buffer covers (st->window_ns)
 * is batches its buffer overwrote, by design: counted apart, not as lost.
 */
#include "state.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof-tp-enums.h"
#include "cprof-varint.h"

struct dict_entry {
	uint64_t id;
	const char *s;
	size_t n;
	cprof_str str; /* interned, 0 not yet */
};

struct batch {
	const uint8_t *p, *end;
	/* read from strings (cprof-varint.h's varints), not from the integer
	 * arrays of traces of before (plain LEB128) */
	bool text;
	struct dict_entry dict[256];
	size_t ndict;
	char unknown[32];
	/* dict_str's answers for ids below 64, without the search */
	uint64_t known; /* bit i: small[i] is string id i's */
	cprof_str small[64];
};

static inline const uint8_t *get(const struct batch *b, const uint8_t *p, const uint8_t *end,
				 uint64_t *v)
{
	return b->text ? cprof_varint_get(p, end, v) : cprof_leb128_get(p, end, v);
}

static void dict_parse(struct batch *b, const uint8_t *p, const uint8_t *end)
{
	b->ndict = 0;
	b->known = 0;
	while (p < end && b->ndict < sizeof(b->dict) / sizeof(b->dict[0])) {
		struct dict_entry *e = &b->dict[b->ndict];
		uint64_t len;

		p = get(b, p, end, &e->id);
		p = get(b, p, end, &len);
		if (len > (uint64_t)(end - p))
			break;
		e->s = (const char *)p;
		e->n = (size_t)len;
		e->str = 0;
		p += len;
		b->ndict++;
	}
}

/* A string id's text; an id the batch does not define (damaged) reads as
 * "(string N)". */
static void dict_get(struct batch *b, uint64_t id, struct rd_value *v)
{
	for (size_t i = 0; i < b->ndict; i++) {
		if (b->dict[i].id == id) {
			v->s = b->dict[i].s;
			v->n = b->dict[i].n;
			return;
		}
	}
	v->n = (size_t)snprintf(b->unknown, sizeof(b->unknown), "(string %" PRIu64 ")", id);
	v->s = b->unknown;
}

/* A MEM record that is a free: read as its own kind, after the others. */
#define MEM_FREE 8u

/* Kinds of the records, found once. */
static const struct rd_kind *rec_kind(uint64_t kind)
{
	static const struct rd_kind *kinds[9];
	static const char *const names[9] = {NULL,
					     "cprof:region_begin",
					     "cprof:region_end",
					     "cprof:task_begin",
					     "cprof:task_end",
					     "cprof:counter",
					     "cprof:log",
					     "cprof:alloc",
					     "cprof:free"};

	if (kind >= 9 || !names[kind])
		return NULL;
	if (!kinds[kind])
		kinds[kind] = rd_kind_find(names[kind]);
	return kinds[kind];
}

/* The next record's values into `ev` (ev->ns advanced); false at the end
 * or on a record this reader does not know (the rest of the batch is
 * skipped: its layout is unknown). */
static bool next_record(struct batch *b, struct rd_event *ev)
{
	uint64_t head, v[4] = {0, 0, 0, 0}, kind;
	const struct rd_kind *k;

	if (b->p >= b->end)
		return false;
	b->p = get(b, b->p, b->end, &head);
	kind = head & ((1u << CPROF_TP_REC_KIND_BITS) - 1);
	if (kind == CPROF_TP_REC_MEM) {
		/* an allocation or a free, told by the low bit of its first varint */
		b->p = get(b, b->p, b->end, &v[0]);
		kind = v[0] & 1u ? MEM_FREE : CPROF_TP_REC_MEM;
	}
	k = rec_kind(kind);
	if (!k)
		return false;
	ev->kind = k;
	ev->ns += head >> CPROF_TP_REC_KIND_BITS;
	switch (kind) {
	case CPROF_TP_REC_REGION_BEGIN:
	case CPROF_TP_REC_REGION_END:
		b->p = get(b, get(b, b->p, b->end, &v[0]), b->end, &v[1]);
		ev->f[0].u = v[0];
		dict_get(b, v[1], &ev->f[1]);
		ev->present = 3u;
		break;
	case CPROF_TP_REC_TASK_BEGIN:
		for (int i = 0; i < 3; i++)
			b->p = get(b, b->p, b->end, &v[i]);
		ev->f[0].u = v[0];
		ev->f[1].u = v[1];
		dict_get(b, v[2], &ev->f[2]);
		ev->present = 7u;
		break;
	case CPROF_TP_REC_TASK_END:
		b->p = get(b, b->p, b->end, &v[0]);
		ev->f[0].u = v[0];
		ev->present = 1u;
		break;
	case CPROF_TP_REC_COUNTER:
		b->p = get(b, get(b, b->p, b->end, &v[0]), b->end, &v[1]);
		dict_get(b, v[0], &ev->f[0]);
		ev->f[1].u = (v[1] >> 1) ^ (uint64_t) - (int64_t)(v[1] & 1);
		ev->present = 3u;
		break;
	case CPROF_TP_REC_LOG:
		for (int i = 0; i < 4; i++)
			b->p = get(b, b->p, b->end, &v[i]);
		ev->f[0].u = v[0];
		dict_get(b, v[1], &ev->f[1]);
		ev->f[3].u = v[2];
		if (v[3] > (uint64_t)(b->end - b->p))
			v[3] = (uint64_t)(b->end - b->p);
		ev->f[2].s = (const char *)b->p;
		ev->f[2].n = (size_t)v[3];
		b->p += v[3];
		ev->present = 15u;
		break;
	case CPROF_TP_REC_MEM:
		b->p = get(b, get(b, b->p, b->end, &v[1]), b->end, &v[2]);
		ev->f[0].u = v[0] >> 1;
		ev->f[1].u = v[1];
		ev->f[2].u = v[2];
		ev->present = 7u;
		break;
	case MEM_FREE:
		ev->f[0].u = v[0] >> 1;
		ev->present = 1u;
		break;
	}
	return true;
}

/*
 * Whether the `first` records a thread emitted before its first batch in
 * the trace were lost: only in a program recorded from its start, whose
 * every record is in the trace or was lost, since the process's first
 * event. Otherwise the session began later (a snapshot, --pid, a session
 * of the user's) or LTTng lost them, which cannot be told apart: not
 * counted as lost. follows_gap and count_lost both ask.
 */
static bool leading_gap_lost(const struct rd_state *st, uint64_t first)
{
	return first > 0 && st->from_launch;
}

/* The time range of a thread's leading gap: from its process's first
 * event to the batch's base (the last lost record's time), never
 * reversed: the lost batches may have gone out before the process's
 * first event in the trace (a fork child's, before the session daemon
 * registered it: "between 0.026 s and 0.008 s"). */
static void leading_gap_range(struct rd_state *st, const struct rd_event *batch, uint64_t *begin,
			      uint64_t *end)
{
	uint64_t ns = batch->f[1].u + (uint64_t)batch->clock_offset;
	uint64_t first = rd_proc_first_ns(st, batch->pid, ns);

	*end = batch->f[1].u ? ns : first;
	*begin = first < *end ? first : *end;
}

/* Whether records of the thread were lost right before this batch
 * (count_lost counts them once it is unpacked). */
static bool follows_gap(struct rd_state *st, const struct rd_event *batch, int32_t tid,
			uint64_t first)
{
	uint64_t ns = batch->f[1].u + (uint64_t)batch->clock_offset;
	uint32_t *idx;

	if (first == CPROF_TP_BATCH_ALONE)
		return false;
	idx = cprof_pairmap_find(&st->batch_seqs, (uint32_t)batch->pid, (uint32_t)tid);
	if (!idx && leading_gap_lost(st, first)) {
		st->gap_records = first;
		leading_gap_range(st, batch, &st->gap_begin_ns, &st->gap_end_ns);
		st->gap_overwritten = false;
		return true;
	}
	/* The thread's first batch in the trace is not its first, and the
	 * ones before are not lost ones: its regions' begins may be among
	 * them all the same. */
	st->batch_starts_late = !idx && first > 0;
	if (!idx || first <= st->seqs.v[*idx].next)
		return false;
	st->gap_records = first - st->seqs.v[*idx].next;
	st->gap_begin_ns = st->seqs.v[*idx].last_ns;
	st->gap_end_ns = ns;
	st->gap_overwritten = st->gap_begin_ns < st->window_ns;
	return true;
}

/*
 * A gap that opens before the window: the missing batches went out between
 * the thread's records around it, and some CPU's buffer (the one whose
 * packets begin latest) overwrote what it was given before the window; a
 * gap that opens inside it has no such cause: LTTng discarded them.
 */
static void count_overwritten(struct rd_state *st, struct rd_batch_seq *seq, uint64_t count)
{
	st->model->overwritten_records += count;
	if (!seq->overwritten)
		st->model->overwritten_threads++;
	seq->overwritten = true;
}

/* `count` records of thread `tid` lost between `begin_ns` and `end_ns`. */
static void add_lost(struct rd_state *st, int32_t tid, uint64_t count, uint64_t begin_ns,
		     uint64_t end_ns)
{
	struct cprof_lost *l = cprof_vec_push(&st->model->lost);

	if (!l) {
		st->out_of_memory = true;
		return;
	}
	l->count = count;
	l->begin_ns = begin_ns;
	l->end_ns = end_ns < begin_ns ? begin_ns : end_ns;
	l->tid = tid;
	st->model->lost_records += count;
	st->lost_records += count;
}

/* Records missing between this batch and the thread's previous one (or,
 * as follows_gap decides, before its first). */
static void count_lost(struct rd_state *st, const struct rd_event *batch, int32_t tid,
		       uint64_t first, uint64_t count, uint64_t last_ns)
{
	uint32_t *idx = cprof_pairmap_find(&st->batch_seqs, (uint32_t)batch->pid, (uint32_t)tid);
	uint64_t ns = batch->f[1].u + (uint64_t)batch->clock_offset;
	struct rd_batch_seq *seq;

	if (first == CPROF_TP_BATCH_ALONE)
		return;
	if (!idx) {
		seq = cprof_vec_push(&st->seqs);
		if (!seq || cprof_pairmap_put(&st->batch_seqs, (uint32_t)batch->pid, (uint32_t)tid,
					      (uint32_t)(st->seqs.n - 1))) {
			st->out_of_memory = true;
			return;
		}
		if (leading_gap_lost(st, first) && rd_proc_kept(st, batch->pid)) {
			uint64_t begin, end;

			leading_gap_range(st, batch, &begin, &end);
			add_lost(st, tid, first, begin, end);
		}
	} else {
		seq = &st->seqs.v[*idx];
		if (first > seq->next && seq->last_ns < st->window_ns &&
		    rd_proc_kept(st, batch->pid))
			count_overwritten(st, seq, first - seq->next);
		else if (first > seq->next && rd_proc_kept(st, batch->pid))
			add_lost(st, tid, first - seq->next, seq->last_ns, ns);
	}
	if (first + count >= seq->next) {
		seq->next = first + count;
		seq->last_ns = last_ns;
	}
}

/* The interned text of string id `id`, for the fast path: once per batch
 * and string. */
static cprof_str dict_str_find(struct rd_state *st, struct batch *b, uint64_t id)
{
	struct rd_value v;

	for (size_t i = 0; i < b->ndict; i++) {
		struct dict_entry *e = &b->dict[i];
		if (e->id != id)
			continue;
		if (!e->str && e->n)
			e->str = rd_intern_cached(st, e->s, e->n);
		return e->str;
	}
	dict_get(b, id, &v);
	return rd_intern_cached(st, v.s, v.n);
}

static inline cprof_str dict_str(struct rd_state *st, struct batch *b, uint64_t id)
{
	cprof_str s;

	if (id < 64 && (b->known >> id & 1))
		return b->small[id];
	s = dict_str_find(st, b, id);
	if (id < 64) {
		b->small[id] = s;
		b->known |= (uint64_t)1 << id;
	}
	return s;
}

/*
 * Up to `most` region records taken on the fast path (state.h:
 * rd_fast_take), the bulk of an annotated program's records, as one run;
 * 0 when the next record is another kind, which then goes through rd_feed.
 */
static size_t fast_regions(struct rd_state *st, struct batch *b, const struct rd_fast *f,
			   struct rd_event *ev, size_t most)
{
	struct rd_fast_rec run[64];
	size_t n = 0;

	if (most > sizeof(run) / sizeof(run[0]))
		most = sizeof(run) / sizeof(run[0]);
	while (n < most && b->p < b->end) {
		const uint8_t *p = b->p;
		uint64_t head, task, id, kind;

		p = get(b, p, b->end, &head);
		kind = head & ((1u << CPROF_TP_REC_KIND_BITS) - 1);
		if (kind != CPROF_TP_REC_REGION_BEGIN && kind != CPROF_TP_REC_REGION_END)
			break;
		p = get(b, get(b, p, b->end, &task), b->end, &id);
		b->p = p;
		ev->ns += head >> CPROF_TP_REC_KIND_BITS;
		run[n++] = (struct rd_fast_rec){ev->ns, task, dict_str(st, b, id),
						kind == CPROF_TP_REC_REGION_BEGIN};
	}
	if (n)
		rd_fast_regions(st, f, run, n);
	return n;
}

/* The time of the record at b->p, the one after `ns`. */
static uint64_t next_ns(const struct batch *b, uint64_t ns)
{
	uint64_t head = 0;

	get(b, b->p, b->end, &head);
	return ns + (head >> CPROF_TP_REC_KIND_BITS);
}

static void unpack(struct rd_state *st, struct rd_event *batch, rd_record_fn kept, void *data);

/* The waiting batches of thread (pid, tid) emitted alone before `ns`
 * (any thread's when tid is 0), fed in the order read; true when any. */
static bool alone_release(struct rd_state *st, int32_t pid, int32_t tid, uint64_t ns)
{
	bool any = false;

	for (size_t i = 0; i < st->alone.n;) {
		struct rd_alone a = st->alone.v[i];

		if (tid && (a.ev.pid != pid || (int32_t)a.ev.f[0].u != tid || a.ns >= ns)) {
			i++;
			continue;
		}
		memmove(&st->alone.v[i], &st->alone.v[i + 1],
			(st->alone.n - i - 1) * sizeof(*st->alone.v));
		st->alone.n--;
		unpack(st, &a.ev, NULL, NULL);
		free(a.buf);
		any = true;
	}
	return any;
}

void rd_batch_finish(struct rd_state *st)
{
	alone_release(st, 0, 0, UINT64_MAX);
}

/* A batch emitted alone waits for its thread's records around it (see
 * struct rd_alone); false when it cannot (out of memory: read now). */
static bool alone_defer(struct rd_state *st, struct rd_event *batch)
{
	struct rd_alone *a = cprof_vec_push(&st->alone);
	struct batch b;

	if (!a)
		return false;
	memset(a, 0, sizeof(*a));
	if (!rd_event_copy(&a->ev, &a->buf, &a->cap, batch)) {
		st->alone.n--;
		return false;
	}
	b.text = batch->f[5].u != 0;
	b.p = (const uint8_t *)batch->f[5].s;
	b.end = b.p + batch->f[5].n;
	a->ns = next_ns(&b, batch->f[1].u + (uint64_t)batch->clock_offset);
	return true;
}

/*
 * A signal handler's batch emitted alone is read before the batch of its
 * thread around it in time: read then, its region would nest in one its
 * thread had ended already, or end it early. It waits, and goes in among
 * its thread's records by its time (at the end of the trace, if its
 * thread's records never reach it). `dump` (kept) prints batches as read.
 */
void rd_batch_unpack(struct rd_state *st, struct rd_event *batch, rd_record_fn kept, void *data)
{
	if (batch->fetch_fields) {
		batch->fetch_fields(batch);
		batch->fetch_fields = NULL;
	}
	if ((batch->present & 0x33u) != 0x33u)
		return; /* not the batch this reader knows */
	if (batch->f[2].u == CPROF_TP_BATCH_ALONE && !kept && alone_defer(st, batch))
		return;
	unpack(st, batch, kept, data);
}

static void unpack(struct rd_state *st, struct rd_event *batch, rd_record_fn kept, void *data)
{
	struct batch b;
	struct rd_event ev;
	struct rd_fast fast;
	bool fast_ok = false, alone = batch->f[2].u == CPROF_TP_BATCH_ALONE;
	int32_t tid;
	uint64_t n = 0;

	tid = (int32_t)batch->f[0].u;
	b.text = batch->f[5].u != 0;
	dict_parse(&b, (const uint8_t *)batch->f[4].s,
		   (const uint8_t *)batch->f[4].s + batch->f[4].n);
	b.p = (const uint8_t *)batch->f[5].s;
	b.end = b.p + batch->f[5].n;
	memset(&ev, 0, sizeof(ev));
	ev.ns = batch->f[1].u + (uint64_t)batch->clock_offset;
	/* one fed among its thread's records keeps the state of their batch */
	if (!alone)
		st->batch_after_gap = follows_gap(st, batch, tid, batch->f[2].u);
	for (;;) {
		size_t taken_n;
		bool taken;

		if (st->alone.n && !alone && b.p < b.end &&
		    alone_release(st, batch->pid, tid, next_ns(&b, ev.ns)))
			fast_ok = false;
		/* a batch emitted alone may be due before any record: one at
		 * a time then */
		if (fast_ok && b.p < b.end &&
		    (taken_n = fast_regions(st, &b, &fast, &ev, st->alone.n && !alone ? 1 : 64))) {
			n += taken_n;
			continue;
		}
		ev.pid = batch->pid;
		ev.tid = tid;
		ev.ppid = batch->ppid;
		/* the thread is in the payload */
		ev.missing_context = batch->missing_context & (uint8_t)~RD_NO_VTID;
		/* the procname context names the emitting thread: the flusher
		 * may have emitted another thread's records */
		ev.fetch_procname = tid == batch->tid ? batch->fetch_procname : NULL;
		ev.procname = tid == batch->tid ? batch->procname : "";
		ev.procname_len = tid == batch->tid ? batch->procname_len : 0;
		ev.fetch_host = batch->fetch_host;
		ev.host = batch->host;
		ev.source = batch->source;
		ev.fetch_fields = NULL;
		ev.p = NULL;
		if (!next_record(&b, &ev))
			break;
		n++;
		taken = rd_feed(st, &ev);
		if (taken && kept)
			kept(data, &ev);
		/* dump prints every record: only without it */
		if (taken && !kept && !fast_ok)
			fast_ok = rd_fast_take(st, &ev, &fast);
	}
	if (!alone)
		st->batch_after_gap = st->batch_starts_late = false;
	st->batch_records += n;
	count_lost(st, batch, tid, batch->f[2].u, n, ev.ns);
}
