#!/bin/sh
# jsonserver under its own POST /sendjson load: every request is a task
# with parse, handle (build, encode inside) and write, counted exactly.
. "$(dirname "$0")/test-diagnose-lib.sh"

record json jsonserver --load 500 --conc 8
grep -q '500 ok, 0 errors' "$WORK/json.stderr" || fail "jsonserver's load did not get 500 answers"
"$CPROF_TRACE" stats --json "$WORK/json" >"$WORK/stats.json" || fail "cprof-trace stats --json failed"
cat "$WORK/stats.json"
for path in "tasks request" "regions parse" "regions handle" "regions build" \
	"regions encode" "regions write"; do
	# shellcheck disable=SC2086
	n=$(json_get "$WORK/stats.json" $path count)
	[ "$n" = 500 ] || fail "stats: $path count is $n, not 500"
done
n=$(json_get "$WORK/stats.json" logs access)
[ "$n" = 500 ] || fail "stats: $n access logs, not 500"
echo "PASS: $TEST_NAME: 500 requests, each with its regions"
