#!/bin/sh
# test-misuse.sh: regions ended out of order and on another thread
# (test-misuse-app.c says how and the true durations): stats gives every
# region its true duration, one warning per misuse, and the region profile
# agrees (no child outliving its parent, no parent self time lost).
# Env: CPROF_TRACE, MISUSE_APP.
set -eu

tmp=$(mktemp -d /tmp/cprof-test-misuse.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp" GOCACHE="$tmp/gocache" PPROF_TMPDIR="$tmp"
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize

"$CPROF_TRACE" record --no-auto -o "$tmp/trace" -- "$MISUSE_APP" >"$tmp/app.out" 2>"$tmp/record.err" ||
	fail "record: $(cat "$tmp/record.err")"
"$CPROF_TRACE" stats --json "$tmp/trace" >"$tmp/stats.json" 2>/dev/null || fail "stats"
"$CPROF_TRACE" stats "$tmp/trace" >"$tmp/stats.txt" 2>/dev/null || fail "stats"

# field TYPE KEY: a region type's value in stats --json
field() {
	grep -o "\"$1\": {\"count\": [^}]*" "$tmp/stats.json" |
		grep -o "\"$2\": [0-9]*" | head -n 1 | awk '{ print $2 }'
}
# dur TYPE: one ended region of TYPE, as long as the program saw it be:
# within the span it printed (LO..HI ns: its clock read around the begin
# and end calls), give or take 0.1 ms for the records' clock (within 1 us
# of CLOCK_MONOTONIC, tests/unit/test-batch-clock). The sleeps set the
# regions apart by 10 ms or more: b closed when a ended would be 30 ms
# short, h left open until the end of the trace 100 ms long.
dur() {
	n=$(field "$1" count)
	t=$(field "$1" total_ns)
	span=$(awk -v r="$1" '$1 == "span" && $2 == r { print $3, $4 }' "$tmp/app.out")
	echo "region $1: count $n, total $t ns, the program saw ${span% *}..${span#* } ns"
	[ -n "$span" ] || fail "region $1: the program printed no span"
	[ "$n" = 1 ] || fail "region $1: count '$n', expected 1 ended"
	awk -v t="$t" -v lo="${span% *}" -v hi="${span#* }" 'BEGIN { exit !(t >= lo - 1e5 && t <= hi + 1e5) }' ||
		fail "region $1: $t ns, the program saw ${span% *}..${span#* } ns"
}
dur a       # 40 ms
dur b       # 50 ms (was 20: closed when a ended)
dur outer   # 70 ms
dur d       # 10 ms
dur e       # 20 ms
dur f       # 40 ms
dur g       # 20 ms
dur h       # 20 ms (was open until the end of the trace, +100 ms)
grep -q "not ended)" "$tmp/stats.txt" && fail "a region left open: $(grep "not ended)" "$tmp/stats.txt")"

# one warning per misuse, none saying b's end had no open region
warns() { grep -c "$1" "$tmp/stats.txt" || true; }
[ "$(warns "region 'b' .*ended after its enclosing region 'a'")" = 1 ] || fail "warning for b: $(grep "'b'" "$tmp/stats.txt")"
[ "$(warns "region 'b'")" = 1 ] || fail "b warned more than once: $(grep "'b'" "$tmp/stats.txt")"
[ "$(warns "region 'd' .*not ended before its enclosing region 'c'")" = 1 ] || fail "warning for d"
[ "$(warns "region 'f' .*ended after its enclosing region 'e'")" = 1 ] || fail "warning for f: $(grep "'f'" "$tmp/stats.txt")"
[ "$(warns "region 'h' .*not ended before its enclosing region 'g'")" = 1 ] || fail "warning for h"
[ "$(warns "region 'h'")" = 1 ] || fail "h warned more than once: $(grep "'h'" "$tmp/stats.txt")"
[ "$(warns "region 'e' began on thread")" = 1 ] || fail "warning for e"

# the region profile: cumulative = stats total for each type, and the
# parents of regions ended out of order keep their self time
"$CPROF_TRACE" pprof -t region -o "$tmp/region.pb.gz" "$tmp/trace" 2>"$tmp/pprof.err" ||
	fail "pprof: $(cat "$tmp/pprof.err")"
go tool pprof -top -nodecount=100000 -unit=ns "$tmp/region.pb.gz" 2>/dev/null >"$tmp/top"
val() { # TYPE COLUMN
	awk -v fn="$1" -v col="$2" '$NF == fn { v = $col; sub(/[a-zA-Z]+$/, "", v); print v; exit }' "$tmp/top"
}
# (not outer: a and b overlap inside it, so its cumulative counts the
# overlap twice; splitting b at a's end is not done yet)
for t in a b d e f g h; do
	cum=$(val $t 4)
	total=$(field $t total_ns)
	awk -v a="$cum" -v e="$total" 'BEGIN { d = a - e; if (d < 0) d = -d; exit !(a != "" && d <= e / 100) }' ||
		fail "profile: $t cumulative '$cum' ns, stats total $total ns"
done
for t in a e; do
	self=$(val $t 1)
	awk -v s="$self" 'BEGIN { exit !(s >= 15e6) }' ||
		fail "profile: $t self time '$self' ns, expected >= 15 ms (its out-of-order child is not inside it)"
done
echo PASS
