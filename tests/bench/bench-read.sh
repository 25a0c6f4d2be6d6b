#!/bin/sh
# bench-read.sh: reading a trace into the model vs babeltrace2's dummy sink
# on the same trace (issue 2: at most 1.5x). Records ~N cprof events
# (default 3M) with `cprof-trace record --no-auto`, then times both, best
# of RUNS each, and prints the ratio and the model's bytes per event.
# Env: CPROF_TRACE, BENCH_GEN, BENCH_READ; BENCH_EVENTS, BENCH_RUNS.
set -eu
events=${BENCH_EVENTS:-3000000}
runs=${BENCH_RUNS:-3}
tmp=$(mktemp -d /tmp/cprof-bench-read.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize
"$CPROF_TRACE" record --no-auto --no-count --blocking-timeout=inf -o "$tmp/trace" -- \
	"$BENCH_GEN" "$events" 2 2>"$tmp/record.err" || { cat "$tmp/record.err" >&2; exit 1; }
cat "$tmp/record.err"

best() { # best wall time of RUNS runs of a command, in seconds
	b=""
	i=0
	while [ $i -lt "$runs" ]; do
		s=$(date +%s.%N)
		"$@" >/dev/null
		e=$(date +%s.%N)
		t=$(echo "$e - $s" | bc)
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" -eq 1 ]; then b=$t; fi
		i=$((i + 1))
	done
	echo "$b"
}

bt=$(best babeltrace2 "$tmp/trace" -c sink.utils.dummy)
out=$("$BENCH_READ" "$tmp/trace" "$runs")
rd=$(echo "$out" | sed 's/^read \([0-9.]*\) s.*/\1/')
echo "babeltrace2 -c sink.utils.dummy: $bt s (best of $runs)"
echo "cprof reader into the model:     $out"
ratio=$(echo "scale=3; $rd / $bt" | bc)
echo "ratio reader/dummy: $ratio (bound 1.5)"
[ "$(echo "$ratio <= 1.5" | bc)" -eq 1 ] || { echo "FAIL: over 1.5x" >&2; exit 1; }
