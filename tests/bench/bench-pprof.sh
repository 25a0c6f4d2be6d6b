#!/bin/sh
# bench-pprof.sh: exporting a profile from a ~4M-event trace vs babeltrace2's
# dummy sink on the same trace (issue 4: at most 1.5x). The trace comes from
# bench-read-gen (tasks, nested regions, logs on 2 threads); the export is
# the whole `cprof-trace pprof -t region` run: read, build, symbolize, gzip.
# Best of RUNS each. Env: CPROF_TRACE, BENCH_GEN; BENCH_EVENTS, BENCH_RUNS.
set -eu
events=${BENCH_EVENTS:-4000000}
runs=${BENCH_RUNS:-3}
tmp=$(mktemp -d /tmp/cprof-bench-pprof.XXXXXX)
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
		"$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
		e=$(date +%s.%N)
		t=$(echo "$e - $s" | bc)
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" -eq 1 ]; then b=$t; fi
		i=$((i + 1))
	done
	echo "$b"
}

bt=$(best babeltrace2 "$tmp/trace" -c sink.utils.dummy)
ex=$(best "$CPROF_TRACE" pprof -t region --force -o "$tmp/region.pb.gz" "$tmp/trace")
"$CPROF_TRACE" pprof -t region --force -o "$tmp/region.pb.gz" "$tmp/trace" 2>&1 | head -1
"$CPROF_TRACE" stats "$tmp/trace" 2>/dev/null | grep -i -m1 "events" || true
echo "babeltrace2 -c sink.utils.dummy: $bt s (best of $runs)"
echo "cprof-trace pprof -t region:     $ex s (best of $runs)"
ratio=$(echo "scale=3; $ex / $bt" | bc)
echo "ratio export/dummy: $ratio (bound 1.5)"
[ "$(echo "$ratio <= 1.5" | bc)" -eq 1 ] || { echo "FAIL: over 1.5x" >&2; exit 1; }
