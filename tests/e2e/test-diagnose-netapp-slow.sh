#!/bin/sh
# netapp under load on /slow, which sleeps 20..40 ms: the p50 of region
# `handle` in cprof-trace stats --json is within the configured range, and
# every request is one task `request` with one parse, handle and write.
. "$(dirname "$0")/test-diagnose-lib.sh"

record slow netapp --load 200 --conc 8 --path /slow --slow-min 20 --slow-max 40
grep -q '200 ok, 0 errors' "$WORK/slow.stderr" || fail "netapp's load did not get 200 answers"
"$CPROF_TRACE" stats --json "$WORK/slow" >"$WORK/stats.json" || fail "cprof-trace stats --json failed"
cat "$WORK/stats.json"
for r in parse handle write; do
	n=$(json_get "$WORK/stats.json" regions "$r" count)
	[ "$n" = 200 ] || fail "stats: $n regions '$r', not 200"
done
n=$(json_get "$WORK/stats.json" tasks request count)
[ "$n" = 200 ] || fail "stats: $n tasks 'request', not 200"
n=$(json_get "$WORK/stats.json" logs access)
[ "$n" = 200 ] || fail "stats: $n 'access' logs, not 200"
p50=$(json_get "$WORK/stats.json" regions handle p50_ns)
if ! { ge "$p50" 20000000 && ge 40000000 "$p50"; }; then
	fail "stats: region handle p50 is $p50 ns, outside the configured 20..40 ms"
fi
echo "PASS: $TEST_NAME: handle p50 $p50 ns within 20..40 ms"
