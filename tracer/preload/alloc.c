/*
 * Allocator hooks.
 *
 * `sample` mode is tcmalloc's and Go's scheme: each thread counts down the
 * bytes it allocates from a distance drawn from an exponential
 * distribution of mean CPROF_ALLOC_RATE; the allocation that crosses zero
 * is recorded (ptr, requested size, stack) and the next distance drawn,
 * so that an allocation of n bytes is picked with probability
 * 1 - exp(-n / rate), which the reader scales back as pprof does.
 *
 * Frees must find out cheaply whether the block was sampled: sampled
 * pointers go into a lock-free open-addressing set (bounded probing, with
 * tombstones reused by later inserts), fronted by a small counting filter
 * indexed by the same hash. A free of an ordinary block reads one counter
 * of the filter, which stays in cache, and stops there.
 *
 * The heap-in-use counter adds the size of glibc's chunk (read in its
 * header) on every allocation and subtracts it on every free, in a
 * per-thread delta flushed to a global counter every 64 KiB; cprof:heap is
 * emitted whenever the global value moved 1 MiB from the last one emitted.
 *
 * In `sample` mode on glibc, malloc and free take a fast path of about
 * twenty instructions each (see fast_malloc below); everything else goes
 * through the generic path.
 *
 * Nothing here allocates or logs. Events are emitted before the real free
 * (and before realloc moves a block), so that another thread reusing the
 * address cannot have its alloc event precede our free event.
 */
#include "tp.h"

#include "preload.h"
#include "state.h"

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FLUSH_BYTES (64 * 1024)
#define HEAP_EVENT_BYTES (1024 * 1024)

static int64_t heap_in_use;
static int64_t heap_last_emitted;
static int64_t heap_peak_emitted;

#define SET_BITS 16
#define SET_SIZE (1u << SET_BITS)
#define SET_PROBES 32
#define TOMBSTONE ((uintptr_t)1)
#define FILTER_SIZE 8192u

static uintptr_t sampled[SET_SIZE];
static uint16_t filter[FILTER_SIZE];

/* What a served process keeps of each sampled block (state.h), written
 * after the block's slot is claimed, read by state dumps. */
static struct {
	uint64_t size;
	uint64_t stack;
	int32_t tid;
} sampled_meta[SET_SIZE];

static inline uint64_t ptr_hash(const void *p)
{
	return ((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15u;
}

static inline uint16_t *filter_of(uint64_t h)
{
	return &filter[(uint32_t)(h >> 51) & (FILTER_SIZE - 1)];
}

/* Returns the slot taken, or -1 when the set has no room near p. */
static int32_t set_insert(void *p)
{
	uint64_t h = ptr_hash(p);
	uint32_t i = (uint32_t)(h >> (64 - SET_BITS));
	uint16_t *f = filter_of(h);
	/* A saturated counter (or a pinned one, see pin_filter) stays so: it
	 * only sends more frees to the slow path. */
	bool counted = __atomic_load_n(f, __ATOMIC_RELAXED) != UINT16_MAX;

	if (counted)
		__atomic_fetch_add(f, 1, __ATOMIC_RELAXED);
	for (int n = 0; n < SET_PROBES; n++, i = (i + 1) & (SET_SIZE - 1)) {
		uintptr_t cur = __atomic_load_n(&sampled[i], __ATOMIC_RELAXED);

		while (cur == 0 || cur == TOMBSTONE) {
			if (__atomic_compare_exchange_n(&sampled[i], &cur, (uintptr_t)p, false,
							__ATOMIC_RELEASE, __ATOMIC_RELAXED))
				return (int32_t)i;
		}
	}
	if (counted)
		__atomic_fetch_sub(f, 1, __ATOMIC_RELAXED);
	return -1;
}

/* The heap in use now, as the state dump's first heap point: a session
 * started mid-run begins from the process's heap, not from zero. */
void cprof_alloc_emit_heap(void)
{
	int64_t now = __atomic_load_n(&heap_in_use, __ATOMIC_RELAXED);

	if (cprof_cfg.alloc_mode != CPROF_TP_ALLOC_OFF)
		lttng_ust_tracepoint(cprof, heap, (uint64_t)(now > 0 ? now : 0));
}

uint32_t cprof_alloc_emit_live(void)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < SET_SIZE; i++) {
		uintptr_t p = __atomic_load_n(&sampled[i], __ATOMIC_ACQUIRE);

		if (p == 0 || p == TOMBSTONE || !sampled_meta[i].size)
			continue;
		lttng_ust_tracepoint(cprof, state_alloc, sampled_meta[i].tid, (uint64_t)p,
				     sampled_meta[i].size, sampled_meta[i].stack);
		n++;
	}
	return n;
}

/* Removes p if it is a sampled block; tells whether it was. */
static inline __attribute__((always_inline)) bool set_remove(void *p)
{
	uint64_t h = ptr_hash(p);
	uint16_t *f = filter_of(h);
	uint32_t i;

	if (likely(__atomic_load_n(f, __ATOMIC_RELAXED) == 0))
		return false;
	i = (uint32_t)(h >> (64 - SET_BITS));
	for (int n = 0; n < SET_PROBES; n++, i = (i + 1) & (SET_SIZE - 1)) {
		uintptr_t cur = __atomic_load_n(&sampled[i], __ATOMIC_ACQUIRE);

		if (cur == (uintptr_t)p) {
			if (!__atomic_compare_exchange_n(&sampled[i], &cur, TOMBSTONE, false,
							 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
				return false;
			sampled_meta[i].size = 0;
			if (__atomic_load_n(f, __ATOMIC_RELAXED) != UINT16_MAX)
				__atomic_fetch_sub(f, 1, __ATOMIC_RELAXED);
			return true;
		}
	}
	return false;
}

/*
 * Pointers the fast free must send to the slow path although they were
 * never sampled: NULL (free(NULL) must not read a chunk header) and the
 * blocks of the bootstrap allocator (not glibc's). Their filter counters
 * are pinned at the saturated value, so free tests nothing else first.
 * Bootstrap blocks are few (dlsym's error state); they are remembered to
 * pin them again after fork, and if there are too many to remember the
 * fast free is turned off in a fork child.
 */
#define PINNED_MAX 32
static void *pinned[PINNED_MAX];
static unsigned pinned_count;
static bool pinned_overflow;

static void pin_filter(const void *p)
{
	__atomic_store_n(filter_of(ptr_hash(p)), UINT16_MAX, __ATOMIC_RELAXED);
}

void cprof_alloc_pin_bootstrap(void *p)
{
	unsigned i = __atomic_fetch_add(&pinned_count, 1, __ATOMIC_RELAXED);

	pin_filter(p);
	if (i < PINNED_MAX)
		pinned[i] = p;
	else
		pinned_overflow = true;
}

static void (*fast_free)(void *);

void cprof_alloc_after_fork_child(void)
{
	/* The child's trace starts empty: its inherited blocks were recorded
	 * in the parent's. */
	cprof_zero_static(sampled, sizeof(sampled));
	cprof_zero_static(filter, sizeof(filter));
	pin_filter(NULL);
	for (unsigned i = 0; i < PINNED_MAX && i < pinned_count; i++)
		pin_filter(pinned[i]);
	if (pinned_overflow)
		fast_free = NULL;
}

/* --- heap counter ------------------------------------------------------ */

/*
 * Bytes a block occupies, as the heap counter counts them. When the real
 * allocator is glibc's, the size of its chunk is read in place (the word
 * before the block, less the flag bits): one load and one mask, where
 * malloc_usable_size is a call with checks. It counts the chunk's header
 * word too, which is heap the program uses. Any other allocator gets its
 * own malloc_usable_size.
 */
static bool glibc_chunks;

static inline size_t chunk_bytes(const void *p)
{
	return ((const size_t *)p)[-1] & ~(size_t)7;
}

static inline size_t usable_size(void *p)
{
	if (likely(glibc_chunks))
		return chunk_bytes(p);
	return cprof_real.malloc_usable_size(p);
}

static void heap_flush(struct cprof_tls *t)
{
	int64_t now = __atomic_add_fetch(&heap_in_use, t->heap_delta, __ATOMIC_RELAXED);
	int64_t last = __atomic_load_n(&heap_last_emitted, __ATOMIC_RELAXED);

	int64_t peak = __atomic_load_n(&heap_peak_emitted, __ATOMIC_RELAXED);
	int64_t step = last / 8;

	/*
	 * A new peak is worth an event every 64 KiB, so that the peak is known
	 * within 64 KiB (a fixed MiB step showed a heap that stays under a MiB
	 * as 0 bytes); other changes, an eighth of the heap, between 64 KiB and
	 * a MiB, so that a big heap costs no more events than before.
	 */
	step = step < FLUSH_BYTES ? FLUSH_BYTES : step > HEAP_EVENT_BYTES ? HEAP_EVENT_BYTES : step;
	t->heap_delta = 0;
	if (now - peak < FLUSH_BYTES && now - last < step && last - now < step)
		return;
	if (!cprof_may_record(t) ||
	    !__atomic_compare_exchange_n(&heap_last_emitted, &last, now, false, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED))
		return;
	if (now > peak)
		__atomic_compare_exchange_n(&heap_peak_emitted, &peak, now, false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED);
	t->depth++;
	cprof_config_check();
	lttng_ust_tracepoint(cprof, heap, (uint64_t)(now > 0 ? now : 0));
	t->depth--;
}

static inline void heap_add(struct cprof_tls *t, int64_t bytes)
{
	t->heap_delta += bytes;
	if (unlikely(t->heap_delta >= FLUSH_BYTES || t->heap_delta <= -FLUSH_BYTES))
		heap_flush(t);
}

void cprof_alloc_thread_exit(void)
{
	struct cprof_tls *t = &cprof_tls;

	if (t->heap_delta)
		heap_flush(t);
}

/* --- sampling ---------------------------------------------------------- */

static uint64_t rng_next(struct cprof_tls *t)
{
	/* xorshift64*: plenty for picking sample distances. */
	uint64_t x = t->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	t->rng = x;
	return x * 0x2545f4914f6cdd1du;
}

static int64_t next_distance(struct cprof_tls *t)
{
	/* Uniform in (0, 1], 53 bits. */
	double u = (double)((rng_next(t) >> 11) + 1) * (1.0 / 9007199254740992.0);
	double d = -log(u) * (double)cprof_cfg.alloc_rate;

	if (d < 1)
		return 1;
	if (d > (double)(INT64_C(1) << 50))
		return INT64_C(1) << 50;
	return (int64_t)d;
}

/* caller: the hook's return address. lttng-ust's own blocks are not the
 * program's (see ust.c); the table is not refreshed here, on a path that
 * `all` mode takes for every allocation. */
static inline bool ust_caller(const void *caller)
{
	return cprof_ust_is_caller(caller, false);
}

/*
 * Allocations and frees go into the thread's batch of records
 * (tracer/batch.c) when the session records batches: an LTTng-UST event
 * per allocation cost more than the rest of the hook together (its
 * clock read, its contexts, 40 bytes on disk), and `--alloc=all` emits
 * one per malloc and per free. A session that enables cprof:alloc alone
 * still gets them as events of their own.
 */
static inline bool alloc_wanted(void)
{
	return lttng_ust_tracepoint_enabled(cprof, alloc);
}

static inline void emit_alloc(void *p, size_t size, uint64_t stack)
{
	if (lttng_ust_tracepoint_enabled(cprof, batch))
		cprof_batch_alloc_((uint64_t)(uintptr_t)p, (uint64_t)size, stack);
	else
		lttng_ust_do_tracepoint(cprof, alloc, (uint64_t)(uintptr_t)p, (uint64_t)size,
					stack);
}

static void record_alloc(struct cprof_tls *t, void *p, size_t size, const void *caller)
{
	if (ust_caller(caller))
		return;
	t->depth++;
	if (alloc_wanted())
		emit_alloc(p, size, cprof_stack_here());
	t->depth--;
}

static void record_free(struct cprof_tls *t, void *p)
{
	t->depth++;
	cprof_config_check();
	if (lttng_ust_tracepoint_enabled(cprof, free)) {
		if (lttng_ust_tracepoint_enabled(cprof, batch))
			cprof_batch_free_((uint64_t)(uintptr_t)p);
		else
			lttng_ust_do_tracepoint(cprof, free, (uint64_t)(uintptr_t)p);
	}
	t->depth--;
}

/* A served process keeps every sampled block, recording or not. */
static void keep_sampled(struct cprof_tls *t, void *p, size_t size)
{
	int32_t i = set_insert(p);
	uint64_t stack;

	if (i < 0)
		return;
	t->depth++;
	stack = cprof_stack_here();
	sampled_meta[i].size = size;
	sampled_meta[i].stack = stack;
	sampled_meta[i].tid = cprof_gettid();
	if (alloc_wanted())
		emit_alloc(p, size, stack);
	t->depth--;
}

__attribute__((noinline)) static void sample_slow(struct cprof_tls *t, void *p, size_t size,
						  const void *caller)
{
	if (!t->alloc_init) {
		t->alloc_init = true;
		t->rng = (uint64_t)cprof_gettid() * 0x9e3779b97f4a7c15u ^ cprof_now_ns();
		if (!t->rng)
			t->rng = 1;
		t->alloc_countdown += next_distance(t);
		if (t->alloc_countdown > 0)
			return;
	}
	while (t->alloc_countdown <= 0)
		t->alloc_countdown += next_distance(t);
	if (!cprof_may_record(t) || ust_caller(caller))
		return;
	if (cprof_state_on) {
		keep_sampled(t, p, size);
		return;
	}
	if (!CPROF_ON(alloc, NULL))
		return;
	if (set_insert(p) >= 0)
		record_alloc(t, p, size, NULL);
}

/* After a successful allocation of `size` bytes at p. */
static inline __attribute__((always_inline)) void on_alloc(void *p, size_t size, const void *caller)
{
	struct cprof_tls *t = &cprof_tls;
	uint32_t mode = cprof_cfg.alloc_mode;

	if (mode == CPROF_TP_ALLOC_OFF || !p)
		return;
	heap_add(t, (int64_t)usable_size(p));
	if (likely(mode == CPROF_TP_ALLOC_SAMPLE)) {
		t->alloc_countdown -= (int64_t)size;
		if (unlikely(t->alloc_countdown <= 0))
			sample_slow(t, p, size, caller);
	} else if (cprof_may_record(t)) {
		record_alloc(t, p, size, caller);
	}
}

/* Before the real free (or realloc) of p. caller: the hook's return
 * address. In `all` mode lttng-ust's own frees are not recorded, as its
 * allocations are not: they are not the program's, and in a fork child
 * lttng-ust frees the parent's state before the session daemon registered
 * the child, where a full batch went out unseen (the child's first
 * records then showed as lost, 197 of them for every child). */
static inline __attribute__((always_inline)) void on_free(void *p, const void *caller)
{
	struct cprof_tls *t = &cprof_tls;
	uint32_t mode = cprof_cfg.alloc_mode;

	if (mode == CPROF_TP_ALLOC_OFF)
		return;
	heap_add(t, -(int64_t)usable_size(p));
	if (likely(mode == CPROF_TP_ALLOC_SAMPLE)) {
		if (unlikely(set_remove(p)) && cprof_may_record(t))
			record_free(t, p);
	} else if (cprof_may_record(t) && !ust_caller(caller)) {
		record_free(t, p);
	}
}

/* --- the hooks --------------------------------------------------------- */

/*
 * The fast paths of malloc and free, taken in the default `sample` mode on
 * glibc's allocator (they are set once the configuration is published, and
 * stay NULL otherwise, which sends every call to the generic path). They
 * are what a malloc(64)/free pair pays, so they are written for the
 * compiler to emit no prologue: malloc subtracts the size from the
 * thread's countdown before calling the real malloc (the call that
 * crosses zero goes to the slow path, which allocates and records), then
 * adds the block's bytes to the thread's heap delta; free adds to the
 * delta, reads one counter of the sampled-set filter and tail-calls the
 * real free. Anything rarer (a delta to flush, a possibly sampled block, a
 * bootstrap block) is one branch to a function out of line.
 */
static void *(*fast_malloc)(size_t);

void cprof_alloc_init(void)
{
	Dl_info info;

	glibc_chunks = cprof_real.malloc && dladdr((void *)cprof_real.malloc, &info) &&
		       info.dli_fname && strstr(info.dli_fname, "/libc.so.6") != NULL;
	pin_filter(NULL);
	if (glibc_chunks && cprof_cfg.alloc_mode == CPROF_TP_ALLOC_SAMPLE && cprof_real.free) {
		__atomic_store_n(&fast_free, cprof_real.free, __ATOMIC_RELAXED);
		__atomic_store_n(&fast_malloc, cprof_real.malloc, __ATOMIC_RELEASE);
	}
}

static inline bool resolve_alloc(void)
{
	if (likely(cprof_real.malloc != NULL))
		return true;
	if (cprof_resolving)
		return false;
	cprof_resolve_all();
	return cprof_real.malloc != NULL;
}

__attribute__((noinline)) static void *malloc_generic(size_t size, const void *caller)
{
	void *p;

	if (unlikely(!resolve_alloc()))
		return cprof_bootstrap_alloc(size, 16);
	p = cprof_real.malloc(size);
	on_alloc(p, size, caller);
	return p;
}

/* The countdown crossed zero: this allocation is the sampled one. */
__attribute__((noinline)) static void *malloc_sampled(size_t size, const void *caller)
{
	struct cprof_tls *t = &cprof_tls;
	void *p = cprof_real.malloc(size);

	if (unlikely(!p)) {
		t->alloc_countdown += (int64_t)size;
		return NULL;
	}
	heap_add(t, (int64_t)usable_size(p));
	sample_slow(t, p, size, caller);
	return p;
}

__attribute__((noinline)) static void *malloc_flush(struct cprof_tls *t, void *p)
{
	heap_flush(t);
	return p;
}

CPROF_EXPORT void *malloc(size_t size)
{
	void *(*real)(size_t) = fast_malloc;
	struct cprof_tls *t;
	void *p;

	if (unlikely(!real))
		return malloc_generic(size, CPROF_CALLER());
	t = &cprof_tls;
	t->alloc_countdown -= (int64_t)size;
	if (unlikely(t->alloc_countdown <= 0))
		return malloc_sampled(size, CPROF_CALLER());
	p = real(size);
	if (unlikely(!p))
		return p;
	t->heap_delta += (int64_t)chunk_bytes(p);
	if (unlikely(t->heap_delta >= FLUSH_BYTES))
		return malloc_flush(t, p);
	return p;
}

__attribute__((noinline)) static void free_generic(void *p, const void *caller)
{
	if (unlikely(!p))
		return;
	if (unlikely(cprof_is_bootstrap(p)))
		return;
	if (unlikely(!resolve_alloc()))
		return;
	on_free(p, caller);
	cprof_real.free(p);
}

/* p may be a sampled block (or NULL, or a bootstrap block: see
 * pin_filter), or the delta is due for a flush. */
__attribute__((noinline)) static void free_slow(void *p)
{
	struct cprof_tls *t = &cprof_tls;

	if (unlikely(!p || cprof_is_bootstrap(p)))
		return;
	t->heap_delta -= (int64_t)chunk_bytes(p);
	if (t->heap_delta <= -FLUSH_BYTES)
		heap_flush(t);
	if (set_remove(p) && cprof_may_record(t))
		record_free(t, p);
	cprof_real.free(p);
}

__attribute__((noinline)) static void free_flush(struct cprof_tls *t, void *p)
{
	heap_flush(t);
	cprof_real.free(p);
}

CPROF_EXPORT void free(void *p)
{
	void (*real)(void *) = fast_free;
	struct cprof_tls *t;

	if (unlikely(!real))
		return free_generic(p, CPROF_CALLER());
	if (unlikely(*filter_of(ptr_hash(p)) != 0))
		return free_slow(p);
	t = &cprof_tls;
	t->heap_delta -= (int64_t)chunk_bytes(p);
	if (unlikely(t->heap_delta <= -FLUSH_BYTES))
		return free_flush(t, p);
	real(p);
}

CPROF_EXPORT void *calloc(size_t n, size_t size)
{
	void *p;

	if (unlikely(!resolve_alloc())) {
		size_t total;

		if (__builtin_mul_overflow(n, size, &total))
			return NULL;
		/* The pool is static, hence already zero. */
		return cprof_bootstrap_alloc(total, 16);
	}
	p = cprof_real.calloc(n, size);
	on_alloc(p, n * size, CPROF_CALLER());
	return p;
}

CPROF_EXPORT void *realloc(void *old, size_t size)
{
	void *p;

	if (unlikely(old && cprof_is_bootstrap(old))) {
		size_t keep = cprof_bootstrap_size(old);

		p = malloc(size);
		if (p)
			memcpy(p, old, keep < size ? keep : size);
		return p;
	}
	if (unlikely(!resolve_alloc()))
		return cprof_bootstrap_alloc(size, 16);
	if (!old)
		return malloc(size);
	if (cprof_cfg.alloc_mode == CPROF_TP_ALLOC_OFF)
		return cprof_real.realloc(old, size);
	{
		size_t old_usable = usable_size(old);

		on_free(old, CPROF_CALLER());
		p = cprof_real.realloc(old, size);
		if (!p && size != 0) {
			/* Failed: the old block lives on; count it back. Its
			 * sampled mark, if any, is lost (its free was already
			 * recorded), which the reader sees as a freed block. */
			heap_add(&cprof_tls, (int64_t)old_usable);
			return NULL;
		}
		on_alloc(p, size, CPROF_CALLER());
	}
	return p;
}

CPROF_EXPORT void *reallocarray(void *old, size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(old, total);
}

CPROF_EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
	int r;

	if (unlikely(!resolve_alloc())) {
		*out = cprof_bootstrap_alloc(size, align);
		return *out ? 0 : ENOMEM;
	}
	r = cprof_real.posix_memalign(out, align, size);
	if (r == 0)
		on_alloc(*out, size, CPROF_CALLER());
	return r;
}

CPROF_EXPORT void *aligned_alloc(size_t align, size_t size)
{
	void *p;

	if (unlikely(!resolve_alloc()))
		return cprof_bootstrap_alloc(size, align);
	p = cprof_real.aligned_alloc(align, size);
	on_alloc(p, size, CPROF_CALLER());
	return p;
}

CPROF_EXPORT void *memalign(size_t align, size_t size)
{
	void *p;

	if (unlikely(!resolve_alloc()))
		return cprof_bootstrap_alloc(size, align);
	p = cprof_real.memalign(align, size);
	on_alloc(p, size, CPROF_CALLER());
	return p;
}

CPROF_EXPORT void *valloc(size_t size)
{
	void *p;

	if (unlikely(!resolve_alloc()))
		return cprof_bootstrap_alloc(size, 4096);
	p = cprof_real.valloc(size);
	on_alloc(p, size, CPROF_CALLER());
	return p;
}

CPROF_EXPORT void *pvalloc(size_t size)
{
	void *p;

	if (unlikely(!resolve_alloc()))
		return cprof_bootstrap_alloc(size, 4096);
	p = cprof_real.pvalloc(size);
	on_alloc(p, size, CPROF_CALLER());
	return p;
}
