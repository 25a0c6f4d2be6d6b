/*
 * test-lost-app: emits cprof events by hand the way a trace that lost some
 * of them looks (discarded events, a cancelled thread), so the reader's
 * handling of the gaps can be checked against known truth:
 *
 *   wait    a mutex wait whose wait_end is missing, then ~50 ms later the
 *           same thread's next wait (1 ms, ended), then 300 ms of nothing:
 *           the first wait ended before the thread's next event, not at
 *           the end of the trace.
 *   alloc   a block of 1000 bytes at P whose free is missing, then a block
 *           of 2000 bytes at the same P (so the first was freed): in use
 *           at the end is 2000 bytes in 1 object, not 3000 in 2.
 *   order   allocation records in batches read out of time order: a block
 *           of 1000 bytes at P made by one thread and freed by another,
 *           then a block of 2000 bytes at P made by the first, whose batch
 *           holding both allocations is read before the batch holding the
 *           free: in use at the end is 2000 bytes in 1 object (the free
 *           closes the first block, not the second).
 */
/* as the preload library does: the probes are libcprof-trace's */
#define LTTNG_UST_TRACEPOINT_DEFINE
#define LTTNG_UST_TRACEPOINT_PROBE_DYNAMIC_LINKAGE
#include "cprof-tp-enums.h"
#include "cprof-tp.h"

#include <cprof/trace.h>

#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cprof-varint.h"

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A MEM record (cprof-tp-enums.h) `delta` ns after the previous one. */
static uint8_t *mem_record(uint8_t *p, uint64_t delta, uint64_t ptr, bool is_free, uint64_t size)
{
	p = cprof_varint_put(p, delta << CPROF_TP_REC_KIND_BITS | CPROF_TP_REC_MEM);
	p = cprof_varint_put(p, ptr << 1 | (is_free ? 1u : 0u));
	if (!is_free) {
		p = cprof_varint_put(p, size);
		p = cprof_varint_put(p, 1);
	}
	return p;
}

static void emit_out_of_order(void)
{
	int32_t maker = (int32_t)syscall(SYS_gettid), freer = maker + 1;
	uint64_t t0 = mono_ns();
	/* records as strings: no byte is zero (cprof-varint.h) */
	uint8_t a[64] = {0}, f[32] = {0};
	uint8_t *p = a;

	/* the maker: 1000 bytes at t0 + 1 ms, 2000 bytes at t0 + 3 ms */
	p = mem_record(p, 1000000, 0x5000, false, 1000);
	p = mem_record(p, 2000000, 0x5000, false, 2000);
	*p = '\0';
	sleep_ms(5);
	lttng_ust_tracepoint(cprof, batch, maker, t0, CPROF_TP_BATCH_ALONE, 2, "", (const char *)a);
	/* the freer, read after: the free at t0 + 2 ms */
	p = mem_record(f, 2000000, 0x5000, true, 0);
	*p = '\0';
	lttng_ust_tracepoint(cprof, batch, freer, t0, CPROF_TP_BATCH_ALONE, 1, "", (const char *)f);
	sleep_ms(5);
}

int main(int argc, char **argv)
{
	uint64_t ips[2] = {(uint64_t)(uintptr_t)main + 16, (uint64_t)(uintptr_t)sleep_ms + 16};

	if (argc != 2 ||
	    (strcmp(argv[1], "wait") && strcmp(argv[1], "alloc") && strcmp(argv[1], "order"))) {
		fprintf(stderr, "usage: %s wait|alloc|order\n", argv[0]);
		return 2;
	}
	/* a reference to libcprof-trace, which registers the probes */
	if (!cprof_trace_enabled())
		fprintf(stderr, "test-lost-app: no session\n");
	lttng_ust_tracepoint(cprof, config, CPROF_TP_ALLOC_ALL, 0, 0, 10000, 32, 0, 0, "");
	lttng_ust_tracepoint(cprof, stack, 1, ips, 2);
	if (!strcmp(argv[1], "wait")) {
		lttng_ust_tracepoint(cprof, wait_begin, 0x1000, CPROF_TP_WAIT_MUTEX, 1, 0);
		sleep_ms(50); /* its wait_end is "lost" */
		lttng_ust_tracepoint(cprof, wait_begin, 0x2000, CPROF_TP_WAIT_MUTEX, 1, 0);
		sleep_ms(1);
		lttng_ust_tracepoint(cprof, wait_end, 0x2000, CPROF_TP_WAIT_MUTEX, 0);
		sleep_ms(300);
	} else if (!strcmp(argv[1], "order")) {
		emit_out_of_order();
	} else {
		lttng_ust_tracepoint(cprof, alloc, 0x5000, 1000, 1);
		sleep_ms(5); /* its free is "lost" */
		lttng_ust_tracepoint(cprof, alloc, 0x5000, 2000, 1);
		sleep_ms(5);
	}
	lttng_ust_tracepoint(cprof, task_begin, 1, 0, "end");
	lttng_ust_tracepoint(cprof, task_end, 1);
	return 0;
}
