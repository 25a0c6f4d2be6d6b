#!/bin/sh
# test-lost.sh wait|alloc|order: a trace whose events have gaps (test-lost-app.c
# says which and what the truth is); the profiles must not stretch what
# the gap hid to the end of the trace.
# Env: CPROF_TRACE (the cprof-trace binary), LOST_APP (test-lost-app).
set -eu

mode=$1
tmp=$(mktemp -d /tmp/cprof-test-lost.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize

"$CPROF_TRACE" record --no-auto -o "$tmp/trace" -- "$LOST_APP" "$mode" 2>"$tmp/record.err" ||
	fail "record: $(cat "$tmp/record.err")"

# sum_raw FILE COLUMN: the sum of one value column of `go tool pprof -raw`
sum_raw() {
	go tool pprof -raw "$1" 2>/dev/null |
		awk -v col="$2" '/^Samples:/ {s = 1; getline; next} /^[A-Z]/ {s = 0}
			s && /:/ {sub(/:.*/, ""); t += $col} END {print t + 0}'
}

case $mode in
wait)
	"$CPROF_TRACE" pprof -t sync -o "$tmp/sync.pb.gz" "$tmp/trace" 2>"$tmp/pprof.err" ||
		fail "pprof: $(cat "$tmp/pprof.err")"
	delay=$(sum_raw "$tmp/sync.pb.gz" 2)
	count=$(sum_raw "$tmp/sync.pb.gz" 1)
	echo "sync profile: $count waits, $delay ns"
	[ "$count" -eq 2 ] || fail "expected 2 waits, got $count"
	# truth: ~50 ms + ~1 ms; the end of the trace is 300 ms further
	[ "$delay" -ge 45000000 ] && [ "$delay" -le 150000000 ] ||
		fail "sync delay $delay ns: the wait whose end was lost should end at the thread's next event (~51 ms), not at the end of the trace (~350 ms)"
	"$CPROF_TRACE" stats --json "$tmp/trace" >"$tmp/stats.json" || fail "stats"
	grep -q '"sync": {"contentions": 2,' "$tmp/stats.json" ||
		fail "stats: $(grep -o '"sync": {[^}]*' "$tmp/stats.json")"
	;;
alloc | order)
	"$CPROF_TRACE" pprof -t heap -o "$tmp/heap.pb.gz" "$tmp/trace" 2>"$tmp/pprof.err" ||
		fail "pprof: $(cat "$tmp/pprof.err")"
	objects=$(sum_raw "$tmp/heap.pb.gz" 3)
	bytes=$(sum_raw "$tmp/heap.pb.gz" 4)
	echo "heap profile: in use $objects objects, $bytes bytes"
	[ "$objects" -eq 1 ] && [ "$bytes" -eq 2000 ] ||
		fail "in use at the end: $objects objects, $bytes bytes (truth: 1, 2000: a block allocated again at the same address was freed)"
	;;
*)
	fail "unknown mode $mode"
	;;
esac
echo PASS
