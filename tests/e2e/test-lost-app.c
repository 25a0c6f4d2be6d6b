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
 */
/* as the preload library does: the probes are libcprof-trace's */
#define LTTNG_UST_TRACEPOINT_DEFINE
#define LTTNG_UST_TRACEPOINT_PROBE_DYNAMIC_LINKAGE
#include "cprof-tp-enums.h"
#include "cprof-tp.h"

#include <cprof/trace.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	uint64_t ips[2] = {(uint64_t)(uintptr_t)main + 16, (uint64_t)(uintptr_t)sleep_ms + 16};

	if (argc != 2 || (strcmp(argv[1], "wait") && strcmp(argv[1], "alloc"))) {
		fprintf(stderr, "usage: %s wait|alloc\n", argv[0]);
		return 2;
	}
	/* a reference to libcprof-trace, which registers the probes */
	if (!cprof_trace_enabled())
		fprintf(stderr, "test-lost-app: no session\n");
	lttng_ust_tracepoint(cprof, config, CPROF_TP_ALLOC_ALL, 0, 0, 10000, 32, 0, 0);
	lttng_ust_tracepoint(cprof, stack, 1, ips, 2);
	if (!strcmp(argv[1], "wait")) {
		lttng_ust_tracepoint(cprof, wait_begin, 0x1000, CPROF_TP_WAIT_MUTEX, 1);
		sleep_ms(50); /* its wait_end is "lost" */
		lttng_ust_tracepoint(cprof, wait_begin, 0x2000, CPROF_TP_WAIT_MUTEX, 1);
		sleep_ms(1);
		lttng_ust_tracepoint(cprof, wait_end, 0x2000, CPROF_TP_WAIT_MUTEX, 0);
		sleep_ms(300);
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
