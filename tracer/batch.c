/*
 * Per-thread batches of records (see batch.h for why and when they go out).
 *
 * Each thread that records owns a buffer (mmap'ed, a few pages, never freed:
 * a thread's buffer is handed to a later thread when it exits). The owner
 * appends records at `head` and publishes `head` with a release store; it
 * takes no lock and no atomic read-modify-write on that path. Emitting
 * (consuming [tail, head)) is done under the buffer's lock, by the owner
 * when the buffer is full or before another event of the thread, or by
 * another thread (the flusher, a snapshot request, exit) for a thread that
 * went quiet: bytes below a published `head` never change until the owner
 * rewinds the buffer, which it does only under the lock.
 *
 * `busy` is set while the owner appends or emits: a signal handler that
 * interrupted its own thread there sees it and emits its record alone, as
 * a one-record batch outside the thread's sequence, instead of touching a
 * half-written buffer.
 *
 * Emitting parses the records once: for the time of the last one (the next
 * batch's base), their count, and the string ids they use, whose
 * definitions (from the string table below) go into the same event, so
 * that every batch reads on its own.
 */
#include "batch.h"
#include "batch-clock.h"
#include "batch-str.h"
#include "linker.h"
#include "title.h"

#include <dlfcn.h>
#include <errno.h>
#include <linux/futex.h>
#include <lttng/tracepoint-types.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cprof-record.h"
#include "cprof-tp-enums.h"
#include "cprof-tp.h"
#include "cprof-varint.h"
#include "own-threads.h"

#define CPROF_EXPORT __attribute__((visibility("default")))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* A thread's buffer: a few hundred region records (CPROF_BATCH_BYTES_MIN,
 * or what record chose for its channel, the same for every buffer of the
 * process: read once, at start). */
static uint32_t buf_bytes = CPROF_BATCH_BYTES_MIN;
/* Largest record but a log's message: a header varint and five varints. */
#define REC_MAX 64u
/* Messages up to this length go into the batch; longer ones alone. */
#define LOG_INLINE_MAX 512u
/* The definitions of one event: beyond, the batch is cut in two. */
#define DICT_MAX 1536u
#define DICT_IDS 512u /* slots of the per-emit id set, a power of two */
/* Distinct string ids a buffer's owner keeps track of (see struct buf). */
#define OWN_IDS 8u

/* The definitions going into one event: a set of ids (open addressing,
 * 0 free) and their bytes. A buffer has its own, used under its lock; a
 * record emitted alone has a small one on the stack (signal handlers may
 * run on a small alternate stack). */
struct dict {
	uint32_t *ids;
	uint32_t ids_cap; /* a power of two */
	uint32_t cap;
	uint32_t n, len;
	uint8_t *bytes;
	uint8_t *text; /* the records as the event carries them: a string */
	uint64_t last; /* the id added last: records repeat their types */
};

struct buf {
	/* the owner's, where the header's inline path appends too: head
	 * (published with release), busy, last_ns, and the summary of the
	 * records appended since the buffer was last rewound (their count and
	 * the string ids they use) */
	struct cprof_thread_buf_ pub;
	/* string ids >= 64 of that summary appended by the library (up to
	 * OWN_IDS; beyond, bit 0 of pub's ids) */
	uint32_t own_nids;
	uint32_t own_ids[OWN_IDS];
	/* the consumers', under `lock` */
	int lock;
	uint32_t tail;
	uint64_t base_ns; /* time of the record before `tail` */
	uint64_t emitted; /* records of the sequence emitted so far */
	int32_t tid;
	int in_use;
	struct buf *next; /* the registry: only grows */
	struct {
		const char *ptr;
		uint32_t id;
	} cache[32]; /* the owner's: string pointer -> id */
	uint32_t dict_ids[DICT_IDS];
	uint8_t dict_bytes[DICT_MAX];
	/* buf_bytes each, after the struct in its mapping (buf_size()); data
	 * has a byte more: the owner ends its records with a NUL in place */
	uint8_t *data;
	uint8_t *text;
};

static __thread struct buf *self __attribute__((tls_model("initial-exec")));
/* &self->pub when the header's inline path may append (see trace.h). */
CPROF_EXPORT __thread struct cprof_thread_buf_ *cprof_thread_records_
    __attribute__((tls_model("initial-exec")));
/* The same for programs built with the header of before records were
 * written NUL-free (cprof-varint.h): always NULL, so that they record
 * through calls, whose records the library writes, instead of appending
 * records a batch cannot carry. */
CPROF_EXPORT __thread struct cprof_thread_buf_ *cprof_thread_buf_
    __attribute__((tls_model("initial-exec")));
static struct buf *registry;
static pthread_key_t exit_key;
static int flusher_started;
/*
 * Process exit. exit_group ends the flusher wherever it is: between
 * reserving its event in the shared per-UID buffer and committing it, the
 * whole sub-buffer can never be read, and the session daemon never sees
 * the stream drained: every event of every process on that CPU went
 * missing from the trace, with none counted lost (a fork test lost a
 * child's and a grandchild's regions so, under load). The exit path sets
 * `exiting`, waits for a pass of the flusher under way (`flusher_pass`)
 * and for the buffers other threads are emitting, at most EXIT_WAIT_NS.
 */
static int exiting, flusher_pass;
/* A seccomp filter would deny the exit path's calls (cprof_batch_sandboxed_). */
static int sandboxed;
#define EXIT_WAIT_NS 1000000000u
/* Set while this thread emits (holds a buffer's lock): a signal handler
 * that exits meanwhile must not wait for a lock its own thread holds. */
static __thread int emitting __attribute__((tls_model("initial-exec")));
static pid_t batch_pid; /* getpid() of this process, for _exit */
static int (*real_pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

/* ---- strings --------------------------------------------------------------- */

/* The table itself is in batch-str.c. */
uint32_t cprof_batch_intern_(const char *s)
{
	struct buf *b = self;
	uintptr_t k = ((uintptr_t)s >> 3) & 31u;
	uint32_t id;

	/* The same pointer usually holds the same string (a literal); the
	 * compare keeps a reused buffer with new contents right. */
	/* The id read once, and returned only if its string is s: a signal
	 * handler that interns meanwhile may rewrite the slot. */
	if (likely(b && __atomic_load_n(&b->cache[k].ptr, __ATOMIC_RELAXED) == s)) {
		uint32_t cid = __atomic_load_n(&b->cache[k].id, __ATOMIC_RELAXED);
		const struct cprof_batch_str *e = &cprof_batch_strs_[cid];
		uint32_t i = 0;

		/* inline: a call to memcmp would cost as much as the rest */
		while (i < e->len && e->s[i] == s[i])
			i++;
		if (likely(cid && i == e->len && !s[i]))
			return cid;
	}
	id = cprof_batch_str_add_(s);
	if (b && id && cprof_batch_strs_[id].len < CPROF_BATCH_STR_MAX) {
		b->cache[k].ptr = s;
		b->cache[k].id = id;
	}
	return id;
}

/* ---- emitting ------------------------------------------------------------------ */

/* Adds the definition of `id` unless there; false when it does not fit. */
static bool dict_add(struct dict *d, uint64_t id)
{
	const struct cprof_batch_str *e;
	uint32_t i;

	if (id == d->last || !id || id >= CPROF_BATCH_STR_IDS || !cprof_batch_strs_)
		return true;
	for (i = (uint32_t)(id * 2654435761u) & (d->ids_cap - 1); d->ids[i];
	     i = (i + 1) & (d->ids_cap - 1))
		if (d->ids[i] == id) {
			d->last = id;
			return true;
		}
	e = &cprof_batch_strs_[id];
	if (d->n >= d->ids_cap / 2 || d->len + 21 + e->len > d->cap)
		return false;
	d->ids[i] = (uint32_t)id;
	d->last = id;
	d->n++;
	d->len = (uint32_t)(cprof_varint_put(cprof_varint_put(d->bytes + d->len, id), e->len) -
			    d->bytes);
	memcpy(d->bytes + d->len, e->s, e->len);
	d->len += e->len;
	return true;
}

/* How many string ids each record kind carries after its header, and at
 * which of its varints (bit i: varint i is a string id). */
static const uint8_t rec_varints[8] = {0, 2, 2, 3, 1, 2, 4, 0};
static const uint8_t rec_strings[8] = {0, 2, 2, 4, 0, 1, 2, 0};

/* One cprof:batch event: the records [recs, recs + len) as a string (no
 * byte of a record is zero, cprof-varint.h); d->text holds len + 1 bytes
 * (it may be `recs` itself), d->bytes d->len + 1. */
static void emit_event(const struct dict *d, int32_t tid, uint64_t base, uint64_t first, uint32_t n,
		       const uint8_t *recs, size_t len)
{
	if (d->text != recs)
		memcpy(d->text, recs, len);
	d->text[len] = '\0';
	d->bytes[d->len] = '\0';
	lttng_ust_tracepoint(cprof, batch, tid, base, first, n, (const char *)d->bytes,
			     (const char *)d->text);
}

/*
 * Emits the records in [p, end) of thread `tid`, `base` being the time the
 * first delta counts from, as one or more cprof:batch events. Returns the
 * time of the last record; *count gets the number of records.
 */
static uint64_t emit(struct dict *dp, int32_t tid, uint64_t base, uint64_t first, const uint8_t *p,
		     const uint8_t *end, uint64_t *count)
{
	struct dict d = *dp;
	const uint8_t *start = p;
	uint64_t t = base, chunk_base = base;
	uint32_t n = 0;

	*count = 0;
	memset(d.ids, 0, d.ids_cap * sizeof(*d.ids));
	d.n = d.len = 0;
	d.last = 0;
	while (p < end) {
		const uint8_t *rec = p;
		uint64_t head, v = 0, rt, kind;
		bool fits = true;

		p = cprof_varint_get(p, end, &head);
		kind = head & ((1u << CPROF_TP_REC_KIND_BITS) - 1);
		rt = t + (head >> CPROF_TP_REC_KIND_BITS);
		for (unsigned i = 0; i < rec_varints[kind]; i++) {
			p = cprof_varint_get(p, end, &v);
			if ((rec_strings[kind] >> i) & 1u)
				fits = fits && dict_add(&d, v);
		}
		if (kind == CPROF_TP_REC_LOG)
			p = v <= (uint64_t)(end - p) ? p + v : end;
		if (kind == CPROF_TP_REC_MEM) {
			p = cprof_varint_get(p, end, &v);
			for (unsigned i = 0; !(v & 1u) && i < 2; i++)
				p = cprof_varint_get(p, end, &(uint64_t){0});
		}
		if (!fits && n) {
			/* full: what came before goes out, this record starts
			 * the next event */
			emit_event(&d, tid, chunk_base, first, n, start, (size_t)(rec - start));
			if (first != CPROF_TP_BATCH_ALONE)
				first += n;
			*count += n;
			memset(d.ids, 0, d.ids_cap * sizeof(*d.ids));
			d.n = d.len = 0;
			d.last = 0;
			start = p = rec;
			chunk_base = t;
			n = 0;
			continue;
		}
		t = rt;
		n++;
	}
	if (n)
		emit_event(&d, tid, chunk_base, first, n, start, (size_t)(end - start));
	*count += n;
	return t;
}

static int32_t gettid_now(void)
{
	return (int32_t)syscall(SYS_gettid);
}

/* Under b->lock: emits [tail, upto). */
static void consume(struct buf *b, uint32_t upto)
{
	struct dict d = {b->dict_ids, DICT_IDS, DICT_MAX, 0, 0, b->dict_bytes, b->text};
	uint64_t count;

	if (b->tail >= upto)
		return;
	b->base_ns =
	    emit(&d, b->tid, b->base_ns, b->emitted, b->data + b->tail, b->data + upto, &count);
	b->emitted += count;
	b->tail = upto;
}

/* The definition of `id` (distinct from those already in d) appended to
 * d's bytes; false when it does not fit. */
static bool dict_define(struct dict *d, uint32_t id)
{
	const struct cprof_batch_str *e;

	if (!cprof_batch_strs_ || id >= CPROF_BATCH_STR_IDS)
		return false;
	e = &cprof_batch_strs_[id];
	if (d->len + 21 + e->len > d->cap)
		return false;
	d->len = (uint32_t)(cprof_varint_put(cprof_varint_put(d->bytes + d->len, id), e->len) -
			    d->bytes);
	memcpy(d->bytes + d->len, e->s, e->len);
	d->len += e->len;
	return true;
}

/*
 * Under b->lock, by the owner: its records as one event from the summary
 * kept while appending, without parsing them. false when another thread
 * consumed part of them, the ids were too many, or their definitions do
 * not fit one event: consume() parses them then.
 */
static bool emit_own(struct buf *b)
{
	struct dict d = {b->dict_ids, DICT_IDS, DICT_MAX, 0, 0, b->dict_bytes, b->data, 0};
	uint64_t ids = b->pub.cprof_ids_;

	if (b->tail != 0 || (ids & 1u) || !b->pub.cprof_head_)
		return b->tail == b->pub.cprof_head_;
	for (ids &= ~(uint64_t)1; ids; ids &= ids - 1)
		if (!dict_define(&d, (uint32_t)__builtin_ctzll(ids)))
			return false;
	for (uint32_t i = 0; i < b->own_nids; i++)
		if (!dict_define(&d, b->own_ids[i]))
			return false;
	emit_event(&d, b->tid, b->base_ns, b->emitted, b->pub.cprof_count_, b->data,
		   b->pub.cprof_head_);
	b->emitted += b->pub.cprof_count_;
	b->base_ns = b->pub.cprof_last_ns_;
	b->tail = b->pub.cprof_head_;
	return true;
}

/*
 * The owner marks its buffer busy while it appends or emits: a signal
 * handler that records meanwhile, on this thread, sees the mark and emits
 * its record alone. Compiler fences only: the handler runs on this thread.
 * Returns the mark as it was, for busy_unmark.
 */
static inline int busy_mark(struct buf *b)
{
	int was = __atomic_load_n(&b->pub.cprof_busy_, __ATOMIC_RELAXED);

	__atomic_store_n(&b->pub.cprof_busy_, 1, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return was;
}

static inline void busy_unmark(struct buf *b, int was)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&b->pub.cprof_busy_, was, __ATOMIC_RELAXED);
}

/*
 * Around every emission under a buffer's lock: no cancellation. lttng-ust
 * waits for room in a full blocking channel with poll(), a cancellation
 * point; a thread cancelled there kept the lock, and its exit handler's
 * flush of the same buffer spun on it forever.
 */
static inline int emit_enter(void)
{
	int old = PTHREAD_CANCEL_ENABLE;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	emitting++;
	return old;
}

static inline void emit_leave(int old)
{
	emitting--;
	if (old != PTHREAD_CANCEL_DISABLE)
		pthread_setcancelstate(old, NULL);
}

/* The owner: everything out, and the buffer rewound. */
static void flush_own(struct buf *b)
{
	int was = busy_mark(b);
	int cancel = emit_enter();

	cprof_spin_lock_(&b->lock);
	if (!emit_own(b))
		consume(b, b->pub.cprof_head_);
	b->pub.cprof_head_ = b->tail = 0;
	b->pub.cprof_count_ = b->own_nids = 0;
	b->pub.cprof_ids_ = 0;
	cprof_spin_unlock_(&b->lock);
	emit_leave(cancel);
	busy_unmark(b, was);
}

/* Another thread's records (or ours, from outside an append): what is
 * published goes out; a buffer being emitted already is left alone.
 * Our own buffer is marked busy meanwhile, as flush_own does: emitting
 * enters lttng-ust, which writes to its wakeup pipe through the preload's
 * write hook, whose flush of this thread would otherwise spin on the lock
 * held here (a traced program hung so, in a flight recording). */
static void flush_locked(struct buf *b)
{
	bool mine = b == self;
	int was = 0;

	if (mine)
		was = busy_mark(b);
	if (__atomic_load_n(&b->in_use, __ATOMIC_ACQUIRE))
		consume(b, __atomic_load_n(&b->pub.cprof_head_, __ATOMIC_ACQUIRE));
	if (mine)
		busy_unmark(b, was);
	cprof_spin_unlock_(&b->lock);
}

static void flush_other(struct buf *b)
{
	int cancel = emit_enter();

	if (!__atomic_exchange_n(&b->lock, 1, __ATOMIC_ACQUIRE))
		flush_locked(b);
	emit_leave(cancel);
}

void cprof_batch_flush_self_(void)
{
	struct buf *b = self;

	if (!b || __atomic_load_n(&b->pub.cprof_busy_, __ATOMIC_RELAXED) ||
	    __atomic_load_n(&b->tail, __ATOMIC_RELAXED) == b->pub.cprof_head_)
		return;
	flush_own(b);
}

void cprof_batch_flush_all_(void)
{
	for (struct buf *b = __atomic_load_n(&registry, __ATOMIC_ACQUIRE); b; b = b->next) {
		if (b == self) {
			if (!__atomic_load_n(&b->pub.cprof_busy_, __ATOMIC_RELAXED))
				flush_other(b);
		} else if (__atomic_load_n(&b->in_use, __ATOMIC_ACQUIRE)) {
			flush_other(b);
		}
	}
}

/* ---- the flusher ------------------------------------------------------------------ */

/*
 * The flusher sleeps on a futex word rather than in clock_nanosleep, so
 * that it can be stopped at once: before a seccomp filter that covers
 * every thread (SECCOMP_FILTER_FLAG_TSYNC) and would deny its calls, the
 * preload library asks for a last pass and for its end, and the filter
 * goes in only once the thread is gone (cprof_batch_stop_).
 */
static int flusher_stop;    /* futex word: 1 = end now */
static int flusher_stopped; /* for good in this process (and its fork children) */
static int32_t flusher_tid;

static void flusher_sleep(void)
{
	struct timespec until;
	uint64_t t = cprof_clock_mono_ns_() + CPROF_BATCH_PERIOD_NS;

	until.tv_sec = (time_t)(t / 1000000000u);
	until.tv_nsec = (long)(t % 1000000000u);
	/* FUTEX_WAIT_BITSET: an absolute CLOCK_MONOTONIC time, so that a
	 * spurious wakeup or EINTR does not shorten the period */
	while (!__atomic_load_n(&flusher_stop, __ATOMIC_ACQUIRE) &&
	       syscall(SYS_futex, &flusher_stop, FUTEX_WAIT_BITSET_PRIVATE, 0, &until, NULL,
		       FUTEX_BITSET_MATCH_ANY) != 0 &&
	       errno != ETIMEDOUT)
		;
}

static void *flusher(void *arg)
{
	(void)arg;
	cprof_own_thread_begin_();
	__atomic_store_n(&flusher_tid, gettid_now(), __ATOMIC_RELEASE);
	for (;;) {
		flusher_sleep();
		if (__atomic_load_n(&flusher_stop, __ATOMIC_ACQUIRE))
			break;
		/* Sequentially consistent, paired with exit_flush_wait(): either
		 * the exit sees this pass or this pass sees the exit. */
		__atomic_store_n(&flusher_pass, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&exiting, __ATOMIC_SEQ_CST)) {
			__atomic_store_n(&flusher_pass, 0, __ATOMIC_SEQ_CST);
			continue;
		}
		cprof_clock_refresh_();
		cprof_title_check_(false);
		for (struct buf *b = __atomic_load_n(&registry, __ATOMIC_ACQUIRE); b; b = b->next)
			if (__atomic_load_n(&b->in_use, __ATOMIC_ACQUIRE) &&
			    __atomic_load_n(&b->tail, __ATOMIC_RELAXED) !=
				__atomic_load_n(&b->pub.cprof_head_, __ATOMIC_ACQUIRE))
				flush_other(b);
		__atomic_store_n(&flusher_pass, 0, __ATOMIC_SEQ_CST);
	}
	cprof_own_thread_end_();
	return NULL;
}

/* Our own thread, created past any pthread_create wrapper (the preload
 * library's would count it as the program's), with every signal blocked. */
static void start_flusher(void)
{
	pthread_attr_t attr;
	pthread_t thread;
	sigset_t all, old;

	if (!real_pthread_create || __atomic_load_n(&flusher_stopped, __ATOMIC_ACQUIRE) ||
	    __atomic_exchange_n(&flusher_started, 1, __ATOMIC_ACQ_REL))
		return;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (real_pthread_create(&thread, &attr, flusher, NULL) != 0)
		__atomic_store_n(&flusher_started, 0, __ATOMIC_RELEASE);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
}

/* The preload library starts the flusher from its constructor, before its
 * heap counter counts: the new thread's TLS block is allocated by the
 * creating thread, through malloc, and from a hook it would count as the
 * program's memory. */
CPROF_EXPORT void cprof_batch_start_flusher_(void)
{
	start_flusher();
}

/* ---- buffers ----------------------------------------------------------------------- */

static void on_thread_exit(void *arg)
{
	struct buf *b = arg;

	/* A thread that ends from a signal handler (pthread_exit) which
	 * interrupted its own emission holds a buffer's lock for good:
	 * flushing would spin on it. Its buffer stays taken. */
	if (!b || b != self || emitting)
		return;
	/* first: the buffer may go to another thread below */
	cprof_thread_records_ = NULL;
	flush_own(b);
	self = NULL;
	cprof_spin_lock_(&b->lock);
	b->tid = 0;
	__atomic_store_n(&b->in_use, 0, __ATOMIC_RELEASE);
	cprof_spin_unlock_(&b->lock);
}

static void buf_reset(struct buf *b)
{
	b->pub = (struct cprof_thread_buf_){
	    .cprof_data_ = b->data,
	    /* room for the largest region record (3 varints) the header
	     * appends, as for any record of the library's (REC_MAX) */
	    .cprof_limit_ = buf_bytes - REC_MAX,
	};
	b->tail = 0;
	b->base_ns = 0;
	b->emitted = 0;
	b->own_nids = 0;
	memset(b->cache, 0, sizeof(b->cache));
}

/* A buffer's mapping: the struct, its data and text. */
static size_t buf_size(void)
{
	return sizeof(struct buf) + 2 * (size_t)buf_bytes + 9;
}

/* The calling thread's buffer: a free one, else a new page. NULL when
 * none can be had (the record goes out alone). */
static struct buf *buf_claim_locked(void)
{
	struct buf *b;

	for (b = __atomic_load_n(&registry, __ATOMIC_ACQUIRE); b; b = b->next) {
		int expected = 0;

		if (!__atomic_load_n(&b->in_use, __ATOMIC_RELAXED) &&
		    __atomic_compare_exchange_n(&b->in_use, &expected, 1, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			break;
	}
	if (!b) {
		b = cprof_batch_map_(buf_size());
		if (!b)
			return NULL;
		b->data = (uint8_t *)(b + 1);
		b->text = b->data + buf_bytes + 8;
		b->in_use = 1;
		b->next = __atomic_load_n(&registry, __ATOMIC_RELAXED);
		while (!__atomic_compare_exchange_n(&registry, &b->next, b, true, __ATOMIC_ACQ_REL,
						    __ATOMIC_RELAXED))
			;
	}
	cprof_spin_lock_(&b->lock);
	buf_reset(b);
	b->tid = gettid_now();
	cprof_spin_unlock_(&b->lock);
	self = b;
	pthread_setspecific(exit_key, b);
	start_flusher();
	return b;
}

/* With every signal blocked: a handler that recorded in the middle would
 * claim a second buffer for the thread, whose records would then go out
 * as a second sequence of the same thread. */
static __attribute__((noinline)) struct buf *buf_claim(void)
{
	sigset_t all, old;
	struct buf *b;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	b = self ? self : buf_claim_locked();
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return b;
}

/* A record that cannot go into the thread's buffer goes out alone; it is
 * ended with a NUL in place (`rec` has room for a byte more). */
static __attribute__((noinline)) void emit_alone(uint8_t *rec, size_t len)
{
	uint32_t ids[4];
	uint8_t bytes[CPROF_BATCH_STR_MAX + 24];
	struct dict d = {ids, 4, sizeof(bytes), 0, 0, bytes, rec};
	uint64_t count;

	emit(&d, gettid_now(), 0, CPROF_TP_BATCH_ALONE, (const uint8_t *)rec,
	     (const uint8_t *)rec + len, &count);
}

/*
 * Room for `need` bytes in the thread's buffer, or NULL: then the caller
 * writes the record to a scratch buffer and emits it alone. The returned
 * buffer is marked busy; append_done() publishes the record.
 */
static inline struct buf *append_begin(size_t need)
{
	struct buf *b = self;

	if (unlikely(!b)) {
		b = buf_claim();
		if (!b)
			return NULL;
	}
	if (unlikely(__atomic_load_n(&b->pub.cprof_busy_, __ATOMIC_RELAXED)))
		return NULL;
	if (unlikely(b->pub.cprof_head_ + need > buf_bytes))
		flush_own(b);
	busy_mark(b);
	return b;
}

/* The owner's summary (struct buf): one more record, using string `id`
 * (0: none). Records of a run mostly repeat the last id. */
static inline void own_note(struct buf *b, uint32_t id)
{
	b->pub.cprof_count_++;
	if (id < 64) {
		b->pub.cprof_ids_ |= (uint64_t)1 << id & ~(uint64_t)1;
		return;
	}
	for (uint32_t i = 0; i < b->own_nids; i++)
		if (b->own_ids[i] == id)
			return;
	if (b->own_nids < OWN_IDS)
		b->own_ids[b->own_nids++] = id;
	else
		b->pub.cprof_ids_ |= 1u; /* too many: parsed when emitted */
}

static inline void append_done(struct buf *b, const uint8_t *end, uint64_t now, uint32_t id)
{
	own_note(b, id);
	if (now > b->pub.cprof_last_ns_)
		b->pub.cprof_last_ns_ = now;
	__atomic_store_n(&b->pub.cprof_head_, (uint32_t)(end - b->data), __ATOMIC_RELEASE);
	busy_unmark(b, 0);
}

/* The record header: the delta from the thread's previous record (never
 * negative: a re-anchored clock may step back by a few nanoseconds). */
static inline uint8_t *put_head(uint8_t *p, uint64_t now, uint64_t last, uint8_t kind)
{
	uint64_t d = now > last ? now - last : 0;

	return cprof_varint_put(p, d << CPROF_TP_REC_KIND_BITS | kind);
}

static void append(uint8_t kind, const uint64_t *v, unsigned nv, uint32_t id, const char *msg,
		   uint32_t msglen)
{
	uint64_t now = cprof_clock_now_();
	struct buf *b = append_begin(REC_MAX + msglen);
	uint64_t scratch[(REC_MAX + LOG_INLINE_MAX) / 8 + 1];
	uint8_t *p = b ? b->data + b->pub.cprof_head_ : (uint8_t *)scratch;

	p = put_head(p, now, b ? b->pub.cprof_last_ns_ : 0, kind);
	for (unsigned i = 0; i < nv; i++)
		p = cprof_varint_put(p, v[i]);
	if (msglen) {
		memcpy(p, msg, msglen);
		p += msglen;
	}
	if (b)
		append_done(b, p, now, id);
	else
		emit_alone((uint8_t *)scratch, (size_t)(p - (uint8_t *)scratch));
}

void cprof_batch_region_(uint8_t kind, uint64_t task, uint32_t type)
{
	uint64_t now = cprof_clock_now_();
	struct buf *b = append_begin(REC_MAX);
	uint8_t *p;

	if (unlikely(!b)) {
		uint64_t v[2] = {task, type};

		append(kind, v, 2, type, NULL, 0);
		return;
	}
	p = put_head(b->data + b->pub.cprof_head_, now, b->pub.cprof_last_ns_, kind);
	p = cprof_varint_put(p, task);
	p = cprof_varint_put(p, type);
	append_done(b, p, now, type);
}

void cprof_batch_task_begin_(uint64_t id, uint64_t parent, uint32_t type)
{
	uint64_t v[3] = {id, parent, type};

	append(CPROF_TP_REC_TASK_BEGIN, v, 3, type, NULL, 0);
}

void cprof_batch_task_end_(uint64_t id)
{
	append(CPROF_TP_REC_TASK_END, &id, 1, 0, NULL, 0);
}

void cprof_batch_counter_(uint32_t name, int64_t value)
{
	uint64_t v[2] = {name, ((uint64_t)value << 1) ^ (uint64_t)(value >> 63)};

	append(CPROF_TP_REC_COUNTER, v, 2, name, NULL, 0);
}

/* The header's inline path appends to this thread's buffer from now on
 * (the caller announced the process). */
void cprof_batch_inline_on_(void)
{
	if (self && !cprof_thread_records_)
		cprof_thread_records_ = &self->pub;
}

/* The preload library's allocation hooks: no string ids, and the most
 * frequent records of all with --alloc=all (a stack id instead of the
 * stack: the stacks are interned by the preload library, cprof:stack). */
CPROF_EXPORT void cprof_batch_alloc_(uint64_t ptr, uint64_t size, uint64_t stack)
{
	uint64_t now = cprof_clock_now_();
	struct buf *b = append_begin(REC_MAX);
	uint8_t *p;

	if (unlikely(!b)) {
		uint64_t v[3] = {ptr << 1, size, stack};

		append(CPROF_TP_REC_MEM, v, 3, 0, NULL, 0);
		return;
	}
	p = put_head(b->data + b->pub.cprof_head_, now, b->pub.cprof_last_ns_, CPROF_TP_REC_MEM);
	p = cprof_varint_put(p, ptr << 1);
	p = cprof_varint_put(p, size);
	p = cprof_varint_put(p, stack);
	append_done(b, p, now, 0);
}

CPROF_EXPORT void cprof_batch_free_(uint64_t ptr)
{
	uint64_t now = cprof_clock_now_();
	struct buf *b = append_begin(REC_MAX);
	uint8_t *p;

	if (unlikely(!b)) {
		uint64_t v = ptr << 1 | 1u;

		append(CPROF_TP_REC_MEM, &v, 1, 0, NULL, 0);
		return;
	}
	p = put_head(b->data + b->pub.cprof_head_, now, b->pub.cprof_last_ns_, CPROF_TP_REC_MEM);
	p = cprof_varint_put(p, ptr << 1 | 1u);
	append_done(b, p, now, 0);
}

bool cprof_batch_log_(uint64_t task, uint32_t category, const char *message, uint32_t recorded,
		      uint64_t length)
{
	uint64_t v[4] = {task, category, length, recorded};

	if (recorded > LOG_INLINE_MAX)
		return false;
	append(CPROF_TP_REC_LOG, v, 4, category, message, recorded);
	return true;
}

/* ---- fork, exit ---------------------------------------------------------------------- */

void cprof_batch_before_fork_(void)
{
	cprof_batch_flush_self_();
}

/* Only the forking thread lives on in the child, with a new tid and pid:
 * the other buffers are free, and locks another thread held are dropped.
 * The child's records start a new sequence. */
void cprof_batch_after_fork_child_(void)
{
	for (struct buf *b = __atomic_load_n(&registry, __ATOMIC_ACQUIRE); b; b = b->next) {
		b->lock = 0;
		buf_reset(b);
		if (b != self) {
			b->tid = 0;
			b->in_use = 0;
		} else {
			b->tid = gettid_now();
		}
	}
	cprof_batch_str_after_fork_();
	cprof_title_after_fork_child_();
	flusher_started = 0;
	flusher_tid = 0;
	exiting = flusher_pass = 0;
	/* out of line until the child announced itself (api.c) */
	cprof_thread_records_ = NULL;
	batch_pid = getpid();
	if (self)
		start_flusher();
}

static void pause_briefly(void)
{
	const struct timespec t = {0, 50000};

	nanosleep(&t, NULL);
}

/*
 * Every buffer out before the process ends (see `exiting`): the flusher's
 * pass under way is waited for, then each buffer's lock, for what another
 * thread is emitting, all within EXIT_WAIT_NS: a holder stopped for good
 * (a signal handler that never returns) costs the exit that much, never a
 * hang. Our own thread's buffer, when this interrupted its append or
 * emission, is left alone (its lock may be ours).
 */
static void exit_flush_wait(void)
{
	uint64_t deadline = cprof_clock_mono_ns_() + EXIT_WAIT_NS;
	bool wait = !emitting;
	int cancel = emit_enter();

	__atomic_store_n(&exiting, 1, __ATOMIC_SEQ_CST);
	/* a title set less than a pass of the flusher ago */
	if (wait)
		cprof_title_check_(false);
	while (wait && __atomic_load_n(&flusher_pass, __ATOMIC_SEQ_CST) &&
	       cprof_clock_mono_ns_() < deadline)
		pause_briefly();
	for (struct buf *b = __atomic_load_n(&registry, __ATOMIC_ACQUIRE); b; b = b->next) {
		if (!__atomic_load_n(&b->in_use, __ATOMIC_ACQUIRE) ||
		    (b == self && __atomic_load_n(&b->pub.cprof_busy_, __ATOMIC_RELAXED)))
			continue;
		while (__atomic_exchange_n(&b->lock, 1, __ATOMIC_ACQUIRE)) {
			if (!wait || cprof_clock_mono_ns_() >= deadline)
				goto next;
			pause_briefly();
		}
		flush_locked(b);
	next:;
	}
	emit_leave(cancel);
}

/* Process exit: called from the provider's destructor (provider.c), which
 * runs before the probes unregister. */
void cprof_batch_exit_(void);
void cprof_batch_exit_(void)
{
	exit_flush_wait();
}

/*
 * A seccomp filter is about to deny the calls the exit and exec flushes
 * make (nanosleep, getpid): the preload library's seccomp.c says so
 * before the filter goes in. This thread's records go out now; at exit
 * and exec nothing is waited for, the flusher's last pass (at most a
 * period) is what the trace gets of the other threads.
 */
CPROF_EXPORT void cprof_batch_sandboxed_(void);
CPROF_EXPORT void cprof_batch_sandboxed_(void)
{
	int saved = errno;

	cprof_batch_flush_self_();
	__atomic_store_n(&sandboxed, 1, __ATOMIC_RELEASE);
	errno = saved;
}

/*
 * The process stops recording for good: a seccomp filter on every thread
 * is about to deny calls that our threads or lttng-ust's make (the
 * preload library's seccomp.c). Every thread's records go out now, the
 * flusher makes its last pass and ends (the filter would kill the process
 * at its next call), and libcprof-trace's tracepoints are switched off in
 * this process, so that an API call or a thread that was inside a hook
 * when the filter went in writes nothing more. Returns whether the flusher
 * is gone (it was never started, or it ended within a second).
 */
CPROF_EXPORT bool cprof_batch_stop_(void);
CPROF_EXPORT bool cprof_batch_stop_(void)
{
	int saved = errno;
	bool gone = true;

	cprof_batch_flush_all_();
	__atomic_store_n(&sandboxed, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&flusher_stopped, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&flusher_stop, 1, __ATOMIC_RELEASE);
	syscall(SYS_futex, &flusher_stop, FUTEX_WAKE_PRIVATE, 1);
	/* its id is published first thing in the thread */
	if (__atomic_load_n(&flusher_started, __ATOMIC_ACQUIRE))
		gone = cprof_own_thread_wait_end_(&flusher_tid, cprof_clock_mono_ns_() + EXIT_WAIT_NS,
						  NULL);
	cprof_tracepoints_off_(); /* ours: cprof:batch and the API's */
	errno = saved;
	return gone;
}

/* The preload library's _exit and blocking hooks reach these. */
CPROF_EXPORT void cprof_flush_thread_(void);
CPROF_EXPORT void cprof_flush_thread_(void)
{
	int saved = errno;

	cprof_batch_flush_self_();
	errno = saved;
}

/*
 * _exit and _Exit skip atexit handlers and destructors: the records the
 * program's threads buffered would be lost (a fork child that does its
 * work and calls _exit loses all of them). libcprof-trace is linked by the
 * program, so these come before libc's in the lookup order. Not in a
 * vfork child (no fork handler ran: its pid is not ours), which shares
 * its parent's memory and must touch nothing.
 */
/* Whether the process's buffers go out at its end (exit, exec): some
 * exist, no seccomp filter forbids the calls, and this is their process
 * (not a vfork child, whose pid is its own). */
static bool flush_at_end(void)
{
	return __atomic_load_n(&registry, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&sandboxed, __ATOMIC_ACQUIRE) && getpid() == batch_pid;
}

static void exit_flush(void)
{
	if (flush_at_end())
		exit_flush_wait();
}

/* The preload library's _exit, which comes before this one (see
 * tracer/preload/preload.c), flushes through this. */
CPROF_EXPORT void cprof_exit_flush_(void);
CPROF_EXPORT void cprof_exit_flush_(void)
{
	exit_flush();
}

/*
 * exec replaces the process image with no destructor run, and the kernel
 * ends the other threads: what the threads buffered goes out first (the
 * preload library's exec hooks call this). Not as at exit: the flusher
 * keeps running, for an exec that fails (execvp trying a name that is
 * not found).
 */
CPROF_EXPORT void cprof_exec_flush_(void);
CPROF_EXPORT void cprof_exec_flush_(void)
{
	int saved = errno;

	if (flush_at_end())
		cprof_batch_flush_all_();
	errno = saved;
}

CPROF_EXPORT void _exit(int status)
{
	static void (*real)(int);

	exit_flush();
	if (!real)
		real = (void (*)(int))dlsym(RTLD_NEXT, "_exit");
	if (real)
		real(status);
	syscall(SYS_exit_group, status);
	__builtin_unreachable();
}

CPROF_EXPORT void _Exit(int status)
{
	_exit(status);
}

/*
 * libc's pthread_create, never a wrapper's: under LD_PRELOAD this library
 * is loaded as the preload library's dependency, after libc, so
 * RTLD_NEXT finds nothing and the plain symbol binds to the preload's
 * wrapper, which would start the flusher as one of the program's threads
 * (in a fork child, from inside the atfork handler, before lttng-ust knows
 * the child: its events then went out as the parent's).
 */
static void resolve_pthread_create(void)
{
	real_pthread_create = dlsym(RTLD_NEXT, "pthread_create");
	if (!real_pthread_create)
		real_pthread_create = cprof_libc_symbol_("pthread_create");
	if (!real_pthread_create)
		real_pthread_create = pthread_create;
}

/* CPROF_ENV_BATCH_BYTES: a power of two within the limits, or the minimum. */
static void read_buf_bytes(void)
{
	const char *v = getenv(CPROF_ENV_BATCH_BYTES);
	char *end;
	unsigned long n;

	if (!v || !*v)
		return;
	n = strtoul(v, &end, 10);
	if (!*end && n >= CPROF_BATCH_BYTES_MIN && n <= CPROF_BATCH_BYTES_MAX && !(n & (n - 1)))
		buf_bytes = (uint32_t)n;
}

__attribute__((constructor)) static void batch_init(void)
{
	batch_pid = getpid();
	read_buf_bytes();
	pthread_key_create(&exit_key, on_thread_exit);
	resolve_pthread_create();
}
