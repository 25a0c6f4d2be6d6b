/*
 * The program the record tests run under `cprof-trace record`:
 *   test-record-prog exit N          emits a few events, exits with N
 *   test-record-prog signal NAME     emits a few events, dies of SEGV|ABRT|KILL
 *   test-record-prog regions N       N region begin/end pairs, exits 0
 *   test-record-prog rate R SECONDS  R events/s (region pairs: 2 events) for
 *                                    SECONDS, paced; prints what it emitted
 *   test-record-prog sleep SECONDS   emits, says "sleeping" on stderr, sleeps,
 *                                    emits (for signal tests)
 *   test-record-prog deep N          allocates at the bottom of N nested calls
 *                                    (for --stack-depth)
 */
#include <cprof/trace.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void emit_some(void)
{
	cprof_task *task = cprof_task_begin(NULL, "record-test");

	TRACE_REGION (task, "step") {
		cprof_log(task, "record", "hello");
	}
	cprof_task_end(task);
}

/* Paced in 1 ms slices so the rate holds over the whole run rather than
 * bursting then idling. Returns the number of events emitted. */
static uint64_t emit_rate(uint64_t rate, double seconds)
{
	const uint64_t slice_ns = 1000000;
	uint64_t start = now_ns();
	uint64_t end = start + (uint64_t)(seconds * 1e9);
	uint64_t pairs = 0;
	uint64_t behind = 0;

	for (uint64_t slice = 0;; slice++) {
		uint64_t t0 = start + slice * slice_ns;
		uint64_t t;

		if (t0 >= end)
			break;
		/* Pairs due by the end of this slice: exact for any rate. */
		for (uint64_t due = (slice + 1) * rate / 2000; pairs < due; pairs++) {
			cprof_region r = cprof_region_begin(NULL, "tick");

			cprof_region_end(&r);
		}
		t = now_ns();
		if (t < t0 + slice_ns) {
			struct timespec ts = {0, (long)(t0 + slice_ns - t)};

			nanosleep(&ts, NULL);
		} else {
			behind++;
		}
	}
	fprintf(stderr, "test-record-prog: emitted %llu events in %.3f s (%llu slices late)\n",
		(unsigned long long)(2 * pairs), (double)(now_ns() - start) / 1e9,
		(unsigned long long)behind);
	return 2 * pairs;
}

/*
 * One allocation N calls deep. The volatile sum after the call keeps the
 * compiler from turning the recursion into a loop or a tail call, so that
 * every level is a frame of its own.
 */
__attribute__((noinline)) static int deep(int n)
{
	volatile int sum = n;

	if (n > 0) {
		sum += deep(n - 1);
	} else {
		char *volatile p = malloc(64);

		free(p);
	}
	return sum;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: test-record-prog exit N | signal NAME | regions N | "
				"rate R SECONDS | sleep SECONDS | deep N\n");
		return 2;
	}
	if (!strcmp(argv[1], "exit")) {
		emit_some();
		return atoi(argv[2]);
	}
	if (!strcmp(argv[1], "signal")) {
		/* No core file: the test only wants the signal. */
		struct rlimit none = {0, 0};

		setrlimit(RLIMIT_CORE, &none);
		emit_some();
		if (!strcmp(argv[2], "SEGV")) {
			volatile int *p = NULL;

			*p = 1;
		} else if (!strcmp(argv[2], "ABRT")) {
			abort();
		} else if (!strcmp(argv[2], "KILL")) {
			raise(SIGKILL);
		}
		return 2;
	}
	if (!strcmp(argv[1], "regions")) {
		long n = atol(argv[2]);

		for (long i = 0; i < n; i++) {
			cprof_region r = cprof_region_begin(NULL, "tick");

			cprof_region_end(&r);
		}
		return 0;
	}
	if (!strcmp(argv[1], "rate") && argc >= 4) {
		emit_rate(strtoull(argv[2], NULL, 10), atof(argv[3]));
		return 0;
	}
	if (!strcmp(argv[1], "deep")) {
		emit_some();
		return deep(atoi(argv[2])) > 0 ? 0 : 1;
	}
	if (!strcmp(argv[1], "sleep")) {
		emit_some();
		/* for the test: the first events are written, signal now */
		fprintf(stderr, "test-record-prog: sleeping\n");
		sleep((unsigned)atoi(argv[2]));
		emit_some();
		return 0;
	}
	fprintf(stderr, "test-record-prog: unknown mode %s\n", argv[1]);
	return 2;
}
