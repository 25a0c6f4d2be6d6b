/*
 * Stacks: unwound with libunwind (DWARF CFI, so -O2 code without frame
 * pointers unwinds correctly) and interned per process, so that each
 * distinct stack is written once as cprof:stack and events carry its id.
 *
 * The intern table is a fixed, statically allocated open-addressing table
 * keyed by a 64-bit hash of the return addresses: no malloc, no lock, so it
 * can be used from the malloc hooks and from the SIGPROF handler. A slot
 * is claimed with a compare-and-swap on its key, and its id with one on
 * its id word (slot_id): one stack, one id per process, however many
 * threads meet it at once. An id is used only once a cprof:stack event
 * defining it was emitted (the reader resolves an event's stack when it
 * reads the event): a thread that finds the id still pending, its
 * definition not yet written (by another thread, or by the code its
 * signal handler interrupted), writes one itself under that same id rather
 * than wait, which in a signal handler could deadlock; the reader keeps
 * the first. Only a full table (MAX_PROBES slots taken) defines a stack
 * again under a fresh id.
 */
#include "tp.h"

#include "preload.h"
#include "state.h"

#include "config.h"
#include "cprof-record.h"
#include "flight-env.h"

#include <dlfcn.h>
#include <link.h>
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#if CPROF_HAVE_VALGRIND_H
#include <valgrind/valgrind.h>
#endif

/*
 * Under Valgrind's memcheck (a program's test suite run with valgrind
 * --error-exitcode under record): libunwind checks each stack page it
 * reads by writing a byte of it to a pipe, and memcheck reported every
 * such write below the stack pointer as an error of the program's ("points
 * to unaddressable byte(s)"), which then exited with valgrind's error
 * status. Error reporting is off for the thread while we unwind; natively
 * each request is a few instructions that do nothing.
 */
#if CPROF_HAVE_VALGRIND_H
#define QUIET_BEGIN() VALGRIND_DISABLE_ERROR_REPORTING
#define QUIET_END() VALGRIND_ENABLE_ERROR_REPORTING
#else
#define QUIET_BEGIN() ((void)0)
#define QUIET_END() ((void)0)
#endif

#define TABLE_BITS 16
#define TABLE_SIZE (1u << TABLE_BITS)
#define MAX_PROBES 64

struct slot {
	uint64_t key;
	uint64_t id;
};

static struct slot table[TABLE_SIZE];

/*
 * In a served process (state.h) every interned stack is also kept here,
 * so that a session started later gets the definitions of the ids that
 * events and the live heap refer to (cprof_stacks_redefine). Records are
 * [id, depth, ips...], appended lock-free; the depth word is written last
 * and marks the record complete. BSS: untouched pages cost nothing.
 */
#define STORE_WORDS (1u << 21)
static uint64_t store[STORE_WORDS];
static uint64_t store_used;

static uint64_t next_id = 1;

/*
 * Bumped when dlclose unmapped an object: the return addresses of a
 * stack interned before then may now lie in another library mapped at the
 * same place (the loader reuses the hole), whose stack must get an id and
 * a definition of its own, dated after that library was loaded, for the
 * reader to resolve its addresses in it rather than in the unloaded one.
 */
static uint64_t unmap_epoch;

/*
 * Flight recorder (see flight-env.h): a stack's definition is written
 * again, under the same id, at its first use after REDEFINE_MS. A snapshot
 * keeps the last part of an overwritten ring buffer, where a stack defined
 * once would long be gone: every stack used in a snapshot is defined in it
 * except, at worst, those used in its first REDEFINE_MS. Writing it at
 * every use cost netapp two more events of about 300 bytes per request;
 * the coarse clock costs a few nanoseconds. The reader keeps the first
 * definition of an id it sees.
 */
#define REDEFINE_MS 5
static bool redefine;
static uint32_t defined_ms[TABLE_SIZE]; /* coarse ms of the last definition */

static uint32_t coarse_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* Our own text: leading frames inside it are the hooks themselves. */
static uintptr_t self_lo, self_hi;

static int find_self(struct dl_phdr_info *info, size_t size, void *data)
{
	uintptr_t base = (uintptr_t)data;

	if (info->dlpi_addr != base)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
			self_lo = base + ph->p_vaddr;
			self_hi = self_lo + ph->p_memsz;
			return 1;
		}
	}
	return 0;
}

void cprof_stacks_init(void)
{
	Dl_info info;

	const char *intern_env = getenv(CPROF_FLIGHT_ENV_INTERN);

	redefine = intern_env && !strcmp(intern_env, "0");
	if (dladdr((void *)cprof_stacks_init, &info) && info.dli_fbase)
		dl_iterate_phdr(find_self, info.dli_fbase);
}

void cprof_stacks_set_redefine(bool on)
{
	__atomic_store_n(&redefine, on, __ATOMIC_RELAXED);
}

void cprof_stacks_reset(void)
{
	cprof_zero_static(table, sizeof(table));
	__atomic_store_n(&next_id, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&store_used, 0, __ATOMIC_RELAXED);
}

void cprof_stacks_unmapped(void)
{
	__atomic_fetch_add(&unmap_epoch, 1, __ATOMIC_RELAXED);
}

static uint64_t hash_ips(const uint64_t *ips, int n)
{
	uint64_t h = 0x9e3779b97f4a7c15u ^ (uint64_t)n ^
		     __atomic_load_n(&unmap_epoch, __ATOMIC_RELAXED) * 0xc2b2ae3d27d4eb4fu;

	for (int i = 0; i < n; i++) {
		h ^= ips[i];
		h *= 0xff51afd7ed558ccdu;
		h ^= h >> 32;
	}
	return h ? h : 1;
}

static void keep(uint64_t id, const uint64_t *ips, int n)
{
	uint64_t o = __atomic_fetch_add(&store_used, (uint64_t)n + 2, __ATOMIC_RELAXED);

	if (o + (uint64_t)n + 2 > STORE_WORDS)
		return;
	store[o] = id;
	memcpy(&store[o + 2], ips, (size_t)n * sizeof(*ips));
	__atomic_store_n(&store[o + 1], (uint64_t)n, __ATOMIC_RELEASE);
}

void cprof_stacks_redefine(void)
{
	uint64_t used = __atomic_load_n(&store_used, __ATOMIC_ACQUIRE);

	if (used > STORE_WORDS)
		used = STORE_WORDS;
	for (uint64_t o = 0; o + 2 <= used;) {
		uint64_t n = __atomic_load_n(&store[o + 1], __ATOMIC_ACQUIRE);

		if (n == 0 || o + 2 + n > used)
			break; /* still being written: its writer defines it */
		lttng_ust_tracepoint(cprof, stack, store[o], &store[o + 2], (uint16_t)n);
		o += n + 2;
	}
}

static uint64_t define_as(uint64_t id, const uint64_t *ips, int n)
{
	if (cprof_state_on)
		keep(id, ips, n);
	lttng_ust_tracepoint(cprof, stack, id, ips, (uint16_t)n);
	return id;
}

static uint64_t define(const uint64_t *ips, int n)
{
	return define_as(__atomic_fetch_add(&next_id, 1, __ATOMIC_RELAXED), ips, n);
}

/*
 * A slot's id word: 0 until an id is claimed for it, then the id with
 * PENDING set until a definition was emitted, then the id. It only moves
 * forward, and the id in it never changes once claimed.
 */
#define PENDING (UINT64_C(1) << 63)

/*
 * The id of slot i, whose key is the stack's and whose id word read v
 * (not yet a defined id): claims one if none is, defines it if that was
 * not done yet, by this thread or another, and marks it defined. Two
 * threads may both write the definition; both write the same id.
 */
static __attribute__((noinline)) uint64_t slot_id(uint32_t i, uint64_t v, const uint64_t *ips,
						  int n)
{
	struct slot *s = &table[i];

	if (v == 0) {
		uint64_t fresh = __atomic_fetch_add(&next_id, 1, __ATOMIC_RELAXED) | PENDING;

		/* lost to another thread's claim: fresh stays a gap in the ids */
		if (__atomic_compare_exchange_n(&s->id, &v, fresh, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			v = fresh;
		else if (!(v & PENDING))
			return v; /* and already defined */
	}
	if (redefine)
		__atomic_store_n(&defined_ms[i], coarse_ms(), __ATOMIC_RELAXED);
	define_as(v & ~PENDING, ips, n);
	__atomic_store_n(&s->id, v & ~PENDING, __ATOMIC_RELEASE);
	return v & ~PENDING;
}

/* Stacks are taken while a session records them, or always to keep them
 * for a later session in a served process. */
static inline bool stacks_wanted(void)
{
	return lttng_ust_tracepoint_enabled(cprof, stack) || cprof_state_on;
}

static uint64_t intern(const uint64_t *ips, int n)
{
	uint64_t h, id;
	uint32_t i;

	if (n <= 0 || !stacks_wanted())
		return 0;
	h = hash_ips(ips, n);
	i = (uint32_t)(h >> (64 - TABLE_BITS));
	for (int probe = 0; probe < MAX_PROBES; probe++, i = (i + 1) & (TABLE_SIZE - 1)) {
		struct slot *s = &table[i];
		uint64_t key = __atomic_load_n(&s->key, __ATOMIC_ACQUIRE);

		if (key == 0) {
			uint64_t expected = 0;

			/* claimed, or taken meanwhile: expected is then its key */
			if (__atomic_compare_exchange_n(&s->key, &expected, h, false,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				expected = h;
			key = expected;
		}
		if (key == h) {
			id = __atomic_load_n(&s->id, __ATOMIC_ACQUIRE);
			if (id == 0 || (id & PENDING))
				return slot_id(i, id, ips, n);
			if (redefine) {
				uint32_t now = coarse_ms();

				if (now - __atomic_load_n(&defined_ms[i], __ATOMIC_RELAXED) >=
				    REDEFINE_MS) {
					__atomic_store_n(&defined_ms[i], now, __ATOMIC_RELAXED);
					lttng_ust_tracepoint(cprof, stack, id, ips, (uint16_t)n);
				}
			}
			return id;
		}
	}
	return define(ips, n);
}

/*
 * Our frames are the mechanism, not the program: the hook a wait or an
 * allocation went through, and the trampoline at the bottom of every
 * thread we started. They are left out of every stack, wherever they are.
 */
static inline bool is_self(const void *ip)
{
	return (uintptr_t)ip >= self_lo && (uintptr_t)ip < self_hi;
}

/* Frames the unwinder may need beyond the depth: our own, left out. */
#define SELF_FRAMES 16

/*
 * The configured depth (read_config keeps it within the contract's
 * limit). The buffers below are sized by it, not by the limit: a hook or
 * the SIGPROF handler runs on the program's own thread stack, which may be
 * small, and the default depth should cost what it always did.
 */
static int max_depth(void)
{
	int d = (int)cprof_cfg.stack_depth;

	return d > 0 && d <= CPROF_STACK_DEPTH_MAX ? d : CPROF_DEFAULT_STACK_DEPTH;
}

static uint64_t from_context(unw_context_t *ctx, bool signal);

/*
 * A thread's first unwinds step frame by frame (unw_step, with the
 * per-thread cache of register rules in static TLS); from the
 * FAST_AFTER-th on, unw_backtrace, whose cache of frame shapes makes a
 * repeated stack several times cheaper but costs 256 KiB, mapped and
 * written, per thread that ever calls it. A program starting thousands
 * of short threads (one per request or per task) paid that for each:
 * 2,560 threads took 14 s instead of 1 s.
 * Setting that cache up may allocate (pthread_setspecific): never from
 * the hook of an async-signal-safe call (read, write, ...), which may run
 * in a signal handler that interrupted malloc.
 */
#define FAST_AFTER 64

static uint64_t stack_here(bool may_set_up)
{
	struct cprof_tls *t = &cprof_tls;
	int depth = max_depth(), n, skip = 0, out = 0;
	void *buf[depth + SELF_FRAMES];
	uint64_t ips[depth];

	cprof_config_check();
	/* never into libunwind again on a thread already inside it (phdr.c) */
	if (cprof_cfg.stack_depth == 0 || !stacks_wanted() || t->unwinding)
		return 0;
	if (!t->backtrace_ready) {
		unw_context_t ctx;

		if (t->unwinds < FAST_AFTER)
			t->unwinds++;
		if (!may_set_up || t->unwinds < FAST_AFTER)
			return unw_getcontext(&ctx) == 0 ? from_context(&ctx, false) : 0;
		t->backtrace_ready = true;
	}
	cprof_tls.unwinding++;
	QUIET_BEGIN();
	n = unw_backtrace(buf, depth + SELF_FRAMES);
	QUIET_END();
	cprof_tls.unwinding--;
	while (skip < n && is_self(buf[skip]))
		skip++;
	for (int i = skip; i < n && out < depth; i++)
		if (!is_self(buf[i]))
			ips[out++] = (uint64_t)(uintptr_t)buf[i];
	return intern(ips, out);
}

/* Not inlined: their frames and the hook's are the ones skipped. */
__attribute__((noinline)) uint64_t cprof_stack_here(void)
{
	return stack_here(true);
}

__attribute__((noinline)) uint64_t cprof_stack_here_async(void)
{
	return stack_here(false);
}

/*
 * From the SIGPROF handler: unw_init_local2 with UNW_INIT_SIGNAL_FRAME
 * starts from the interrupted context (on x86-64 unw_context_t is the
 * ucontext_t the kernel passed), so the handler's own frames never appear.
 * The local unwinder takes no lock with the per-thread caching policy set
 * in the constructor. The first address is the interrupted instruction,
 * not a return address: it is stored plus one, as Go does for its CPU
 * profile, so that readers that subtract one for return addresses land on
 * the right instruction.
 */
static uint64_t walk(unw_cursor_t *cursor, bool exact_first);

void cprof_stack_warmup(void)
{
	unw_context_t ctx;
	unw_cursor_t cursor;

	cprof_tls.unwinding++;
	QUIET_BEGIN();
	if (unw_getcontext(&ctx) == 0 && unw_init_local(&cursor, &ctx) == 0)
		(void)unw_step(&cursor);
	QUIET_END();
	cprof_tls.unwinding--;
}

/* signal: ctx is what the kernel gave a handler (the interrupted
 * instruction first), else a context saved by unw_getcontext. */
static uint64_t from_context(unw_context_t *ctx, bool signal)
{
	unw_cursor_t cursor;
	uint64_t id;

	cprof_config_check();
	if (cprof_cfg.stack_depth == 0 || !stacks_wanted() || cprof_tls.unwinding)
		return 0;
	cprof_tls.unwinding++;
	QUIET_BEGIN();
	if (unw_init_local2(&cursor, ctx, signal ? UNW_INIT_SIGNAL_FRAME : 0) < 0)
		id = 0;
	else
		id = walk(&cursor, signal);
	QUIET_END();
	cprof_tls.unwinding--;
	return id;
}

uint64_t cprof_stack_of_context(void *ucontext)
{
	return from_context((unw_context_t *)ucontext, true);
}

/*
 * Another thread's stack, from the context its hook saved (state.h): the
 * first address is a return address into the hook, which is ours and left
 * out like every frame of ours.
 */
uint64_t cprof_stack_of_unw_context(unw_context_t *ctx)
{
	return from_context(ctx, false);
}

static uint64_t walk(unw_cursor_t *cursor, bool exact_first)
{
	int depth = max_depth(), n = 0, steps = 0;
	uint64_t ips[depth];

	do {
		unw_word_t ip = 0;

		if (unw_get_reg(cursor, UNW_REG_IP, &ip) < 0 || ip == 0)
			break;
		/* The interrupted instruction stays even in our code: that
		 * CPU was used, by a hook. */
		if (n == 0 && exact_first)
			ips[n++] = (uint64_t)ip + 1;
		else if (!is_self((const void *)(uintptr_t)ip))
			ips[n++] = (uint64_t)ip;
	} while (n < depth && ++steps < depth + SELF_FRAMES && unw_step(cursor) > 0);
	return intern(ips, n);
}

/*
 * A signal that interrupted a handler running on the thread's alternate
 * signal stack (sigaltstack, SA_ONSTACK) is delivered on that same stack,
 * whatever its own flags: our handler then runs in what is left of a
 * stack the program sized for its own handler, often SIGSTKSZ (8 KiB),
 * two kernel signal frames of about 3 KiB each (AVX-512 state) already on
 * it, and usually carved out of the heap, with no guard page below. An
 * unwind takes up to 6 KiB of it (libunwind's cursor and DWARF state, the
 * addresses, the event); overflowing wrote into the heap block below and
 * the program crashed later, in free or at exit. The kernel says in the
 * ucontext where the alternate stack is and whether the interrupted code
 * is (uc_stack: its flags are those it was set with, never SS_ONSTACK, so
 * the handler's own frame tells whether it runs on it).
 */
size_t cprof_signal_stack_room(const void *ucontext)
{
	const ucontext_t *uc = ucontext;
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0), lo = (uintptr_t)uc->uc_stack.ss_sp;

	if ((uc->uc_stack.ss_flags & SS_DISABLE) || sp < lo || sp - lo >= uc->uc_stack.ss_size)
		return SIZE_MAX;
	return sp - lo;
}

uint64_t cprof_stack_of_signal(void *ucontext, size_t room)
{
	if (cprof_tls.depth != 1 || room < CPROF_ROOM_UNWIND)
		return cprof_stack_of_ip(ucontext);
	return cprof_stack_of_context(ucontext);
}

/* The interrupted instruction alone (plus one, as above), for a signal that
 * must not unwind. */
uint64_t cprof_stack_of_ip(void *ucontext)
{
	const ucontext_t *uc = ucontext;
	uint64_t ip;

	cprof_config_check();
	if (cprof_cfg.stack_depth == 0 || !stacks_wanted())
		return 0;
	ip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP] + 1;
	return intern(&ip, 1);
}
