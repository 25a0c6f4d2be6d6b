#!/bin/sh
# bench-pprof.sh: exporting profiles from ~4M-event traces vs babeltrace2's
# dummy sink on the same trace (issue 4: at most 1.5x each), and the
# model's bytes per event.
#
# Two traces:
#  - `region`: bench-read-gen's tasks, nested regions and logs on 2 threads
#    (no stacks);
#  - `stacks`: a program compiled here (-O2 -g, source below) recorded under
#    the preload with --alloc=all and --cpu-rate=10000: 4 threads doing many
#    small allocations from a few dozen distinct stacks, with a contended
#    lock and regions, so that nearly every event carries a stack to count,
#    symbolize and aggregate. Exported as sync, mutex, cpu, heap and region.
# Each export is the whole `cprof-trace pprof -t TYPE` run (read, build,
# symbolize, gzip). Best of RUNS each.
# Env: CPROF_TRACE, BENCH_GEN, BENCH_READ, CPROF_PRELOAD_LIB, CPROF_INCLUDE,
# CPROF_LIBDIR; BENCH_EVENTS, BENCH_RUNS.
set -eu
events=${BENCH_EVENTS:-4000000}
runs=${BENCH_RUNS:-3}
tmp=$(mktemp -d /tmp/cprof-bench-pprof.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
status=0

pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize

best() { # best wall time of RUNS runs of a command, in seconds
	b=""
	i=0
	while [ $i -lt "$runs" ]; do
		s=$(date +%s.%N)
		"$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
		e=$(date +%s.%N)
		t=$(echo "$e - $s" | bc)
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" -eq 1 ]; then b=$t; fi
		i=$((i + 1))
	done
	echo "$b"
}

bench() { # TRACE-NAME TYPE...: ratio of each export to the dummy sink
	tr="$tmp/$1"
	shift
	"$BENCH_READ" "$tr" 1 >"$tmp/read" || exit 1
	echo "$(basename "$tr") trace: $(cat "$tmp/read")"
	bt=$(best babeltrace2 "$tr" -c sink.utils.dummy)
	echo "  babeltrace2 -c sink.utils.dummy: $bt s (best of $runs)"
	for ty in "$@"; do
		ex=$(best "$CPROF_TRACE" pprof -t "$ty" --force -o "$tmp/$ty.pb.gz" "$tr")
		ratio=$(echo "scale=3; $ex / $bt" | bc)
		"$CPROF_TRACE" pprof -t "$ty" --force -o "$tmp/$ty.pb.gz" "$tr" 2>&1 | head -1
		printf '  pprof -t %-8s %s s, ratio export/dummy %s (bound 1.5)\n' "$ty" "$ex" "$ratio"
		if [ "$(echo "$ratio > 1.5" | bc)" -eq 1 ]; then
			echo "FAIL: pprof -t $ty over 1.5x" >&2
			status=1
		fi
	done
}

# --- trace 1: regions, no stacks ---------------------------------------------
"$CPROF_TRACE" record --no-auto --no-count --blocking-timeout=inf -o "$tmp/region" -- \
	"$BENCH_GEN" "$events" 2 2>"$tmp/record.err" || { cat "$tmp/record.err" >&2; exit 1; }
cat "$tmp/record.err"; echo

# --- trace 2: stacks on nearly every event ------------------------------------
cat >"$tmp/stacks.c" <<'EOF'
#include <pthread.h>
#include <stdlib.h>

#include <cprof/trace.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static volatile unsigned long sink;
static long iters;

/* Distinct stacks: a leaf chosen among four at a recursion depth of 1-8. */
#define LEAF(name, k)                                                          \
	__attribute__((noinline)) static void name(unsigned n)                 \
	{                                                                      \
		char *p = malloc(16 + (n * k) % 200);                          \
		p[0] = (char)n;                                                \
		sink += (unsigned char)p[0];                                   \
		free(p);                                                       \
	}
LEAF(leaf_a, 3)
LEAF(leaf_b, 5)
LEAF(leaf_c, 7)
LEAF(leaf_d, 11)

__attribute__((noinline)) static void descend(unsigned depth, unsigned n)
{
	if (depth) {
		descend(depth - 1, n);
		__asm__ volatile("" ::: "memory"); /* no tail call */
		return;
	}
	switch (n & 3) {
	case 0: leaf_a(n); break;
	case 1: leaf_b(n); break;
	case 2: leaf_c(n); break;
	default: leaf_d(n); break;
	}
}

static void *worker(void *arg)
{
	unsigned seed = (unsigned)(unsigned long)arg;
	cprof_task *t = cprof_task_begin(NULL, "batch");

	for (long i = 0; i < iters; i++) {
		seed = seed * 1103515245u + 12345u;
		descend((seed >> 16) % 8, seed >> 8);
		if (i % 2 == 0) {
			/* Half the allocations under a lock: it is held about half
			 * the time, so that the other threads wait for it often. */
			cprof_region r = cprof_region_begin(t, "locked");
			pthread_mutex_lock(&mu);
			descend(seed % 3, seed >> 4);
			pthread_mutex_unlock(&mu);
			cprof_region_end(&r);
		}
	}
	cprof_task_end(t);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[4];

	iters = argc > 1 ? atol(argv[1]) / 4 / 4 : 100000;
	for (long i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, worker, (void *)(i + 1));
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	return 0;
}
EOF
cc -O2 -g -pthread -I"$CPROF_INCLUDE" "$tmp/stacks.c" -o "$tmp/stacks-app" \
	-L"$CPROF_LIBDIR" -lcprof-trace -Wl,-rpath,"$CPROF_LIBDIR"
# about four events per iteration: alloc and free (1.5 a time), a region
# every other one, plus waits and CPU samples
"$CPROF_TRACE" record --alloc=all --cpu-rate=10000 --no-count --blocking-timeout=inf \
	-o "$tmp/stacks" -- "$tmp/stacks-app" "$events" 2>"$tmp/record.err" ||
	{ cat "$tmp/record.err" >&2; exit 1; }
cat "$tmp/record.err"; echo

bench region region
bench stacks sync mutex cpu heap region
exit $status
