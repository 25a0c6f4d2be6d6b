#!/bin/sh
# test-title.sh: processes of one executable that set their titles as
# nginx and postgres do (test-title-app: "title-app: master", "title-app:
# worker 1", "title-app: worker 2"), recorded from launch: stats lists
# each under its title (the flusher of libcprof-trace sees the argument
# area change), in text and in --json, and pprof's comments name them.
# Without titles, all three were "test-title-app".
# Env: CPROF_TRACE (the cprof-trace binary), TITLE_APP (test-title-app).
set -eu

tmp=$(mktemp -d /tmp/cprof-test-title.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize

"$CPROF_TRACE" record -o "$tmp/trace" -- "$TITLE_APP" 2>"$tmp/record.err" ||
	fail "record: $(cat "$tmp/record.err")"
"$CPROF_TRACE" stats "$tmp/trace" >"$tmp/stats.txt" 2>&1 || fail "stats: $(cat "$tmp/stats.txt")"
sed -n '/^processes/,/^$/p' "$tmp/stats.txt"
root=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$tmp/trace/cprof-record.json")
grep -q "^  $root  *test-title-app  \"title-app: master\"" "$tmp/stats.txt" ||
	fail "stats does not list the master $root under its title"
[ "$(grep -c '^  [0-9]*  *test-title-app  "title-app: worker [12]"' "$tmp/stats.txt")" = 2 ] ||
	fail "stats does not list both workers under their titles"
"$CPROF_TRACE" stats --json "$tmp/trace" >"$tmp/stats.json" || fail "stats --json failed"
python3 - "$tmp/stats.json" <<'PY' || fail "stats --json: wrong titles"
import json, sys
procs = json.load(open(sys.argv[1]))["processes"]
titles = sorted(p.get("title", "") for p in procs)
print("titles:", titles)
sys.exit(0 if titles == ["title-app: master", "title-app: worker 1", "title-app: worker 2"] else 1)
PY
"$CPROF_TRACE" pprof -o "$tmp/syscall.pb.gz" --type syscall "$tmp/trace" 2>"$tmp/pprof.err" ||
	fail "pprof: $(cat "$tmp/pprof.err")"
if command -v go >/dev/null; then
	HOME="$tmp" GOCACHE="$tmp/gocache" go tool pprof -comments "$tmp/syscall.pb.gz" >"$tmp/comments.txt" 2>&1 ||
		fail "go tool pprof -comments: $(cat "$tmp/comments.txt")"
	grep -q "^process $root: title-app: master$" "$tmp/comments.txt" ||
		fail "pprof's comments lack the master's title: $(cat "$tmp/comments.txt")"
fi
echo "PASS: test-title: the master and both workers under their titles"
