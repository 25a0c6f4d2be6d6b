/*
 * The clock of batched records: CLOCK_MONOTONIC nanoseconds, the clock
 * LTTng-UST stamps its events with, so that records and events share one
 * time line.
 *
 * clock_gettime costs about 45 ns on the virtual machines we run on (a
 * kvm-clock read), more than the whole budget of a region begin/end pair;
 * the TSC costs 10-20 ns. When the CPU says the TSC is invariant (constant
 * rate, runs in every C-state), a TSC reading is turned into nanoseconds
 * with an anchor (a TSC value and the CLOCK_MONOTONIC time read next to
 * it) and a rate. The rate is first measured over at least 2 ms since the
 * library's constructor, then over the whole run; the flusher re-anchors
 * every CPROF_BATCH_PERIOD_NS, so that NTP's slewing of CLOCK_MONOTONIC
 * cannot add up. tests/unit/test-batch-clock measures the error against
 * clock_gettime.
 *
 * The anchor is published under a sequence counter: readers retry while
 * the flusher writes, and never block.
 */
#include "batch-clock.h"

#include <time.h>
#if defined(__x86_64__)
#include <cpuid.h>
#include <x86intrin.h>
#define HAVE_TSC 1
#else
#define HAVE_TSC 0
#endif

/* Exported: the header's inline recording path reads it. */
__attribute__((visibility("default"))) struct cprof_clock_anchor_ cprof_clock_anchor_;
static uint64_t start_tsc, start_ns;
static int calibrating;

uint64_t cprof_clock_mono_ns_(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#if HAVE_TSC
static bool tsc_invariant(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000007u)
		return false;
	__get_cpuid(0x80000007u, &a, &b, &c, &d);
	return (d >> 8) & 1u;
}

/* A TSC value and the CLOCK_MONOTONIC time read between two TSC reads:
 * the tightest of a few tries. */
static void read_pair(uint64_t *tsc, uint64_t *ns)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 5; i++) {
		uint64_t t1 = __rdtsc(), m = cprof_clock_mono_ns_(), t2 = __rdtsc();

		if (t2 - t1 < best) {
			best = t2 - t1;
			*tsc = t1 + (t2 - t1) / 2;
			*ns = m;
		}
	}
}

static void publish(uint64_t tsc, uint64_t ns, uint64_t mult)
{
	struct cprof_clock_anchor_ *a = &cprof_clock_anchor_;

	__atomic_store_n(&a->seq, a->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&a->tsc, tsc, __ATOMIC_RELAXED);
	__atomic_store_n(&a->ns, ns, __ATOMIC_RELAXED);
	__atomic_store_n(&a->mult, mult, __ATOMIC_RELAXED);
	__atomic_store_n(&a->seq, a->seq + 1, __ATOMIC_RELEASE);
}

/* Rate from the start pair to a pair now, and an anchor at now. */
static void anchor_now(void)
{
	uint64_t tsc = 0, ns = 0;

	read_pair(&tsc, &ns);
	if (tsc <= start_tsc || ns <= start_ns)
		return;
	publish(tsc, ns,
		(uint64_t)(((unsigned __int128)(ns - start_ns) << 32) / (tsc - start_tsc)));
}

/* The shortest span the first rate is measured over. */
#define CALIBRATE_SPAN_NS 2000000u

/* First use: at least 2 ms of TSC against CLOCK_MONOTONIC for the rate
 * (waited for only when the library was loaded less than 2 ms ago). One
 * thread measures; the others read clock_gettime meanwhile. */
static __attribute__((noinline)) uint64_t calibrate(void)
{
	if (__atomic_exchange_n(&calibrating, 1, __ATOMIC_ACQUIRE))
		return cprof_clock_mono_ns_();
	while (cprof_clock_mono_ns_() - start_ns < CALIBRATE_SPAN_NS)
		;
	anchor_now();
	__atomic_store_n(&cprof_clock_anchor_.use_tsc, cprof_clock_anchor_.mult ? 1 : -1,
			 __ATOMIC_RELEASE);
	return cprof_clock_mono_ns_();
}

uint64_t cprof_clock_slow_(void)
{
	if (__atomic_load_n(&cprof_clock_anchor_.use_tsc, __ATOMIC_ACQUIRE) == 0)
		return calibrate();
	return cprof_clock_mono_ns_();
}

void cprof_clock_refresh_(void)
{
	if (__atomic_load_n(&cprof_clock_anchor_.use_tsc, __ATOMIC_ACQUIRE) == 1)
		anchor_now();
}

/* Exported: the preload library's lock hooks convert TSC readings with
 * the anchor but make no record of their own, and a program that only
 * waits on locks would otherwise never calibrate. */
__attribute__((visibility("default"))) void cprof_clock_calibrate_due_(uint64_t now)
{
	if (__atomic_load_n(&cprof_clock_anchor_.use_tsc, __ATOMIC_ACQUIRE) == 0 &&
	    now >= start_ns + CALIBRATE_SPAN_NS)
		calibrate();
}

bool cprof_clock_uses_tsc_(void)
{
	return __atomic_load_n(&cprof_clock_anchor_.use_tsc, __ATOMIC_ACQUIRE) == 1;
}

__attribute__((constructor)) static void clock_init(void)
{
	if (!tsc_invariant()) {
		cprof_clock_anchor_.use_tsc = -1;
		return;
	}
	read_pair(&start_tsc, &start_ns);
}
#else
uint64_t cprof_clock_slow_(void)
{
	return cprof_clock_mono_ns_();
}

void cprof_clock_refresh_(void) {}

__attribute__((visibility("default"))) void cprof_clock_calibrate_due_(uint64_t now)
{
	(void)now;
}

bool cprof_clock_uses_tsc_(void)
{
	return false;
}
#endif
