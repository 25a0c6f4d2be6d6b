#!/bin/sh
# bench-flame.sh: the flame graph tab's recomputation when its profile type
# or range changes (bound 200 ms) on a ~20M-event trace: bench-read-gen's
# tasks, regions and logs on 2 threads, recorded under the preload with
# CPU samples at 10 kHz (stacks to symbolize and sum).
# Env: CPROF_TRACE, BENCH_GEN, BENCH_FLAME; BENCH_EVENTS (default 20000000).
set -eu
events=${BENCH_EVENTS:-20000000}
tmp=$(mktemp -d /tmp/cprof-bench-flame.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize
"$CPROF_TRACE" record --no-count --no-symbols --cpu-rate=10000 --alloc=off \
	--blocking-timeout=inf -o "$tmp/t" -- "$BENCH_GEN" "$events" 2 2>"$tmp/record.err" ||
	{ cat "$tmp/record.err" >&2; exit 1; }
cat "$tmp/record.err"
"$BENCH_FLAME" "$tmp/t"
