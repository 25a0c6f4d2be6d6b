#!/bin/sh
# A program killed with SIGKILL while three threads emit regions: record
# ends (status 137) without hanging, and stats, stats --json, pprof (read
# back by go tool pprof) and the viewer read the trace, exit 0 and say what
# is missing: the kill, the threads' unflushed records, the open regions.
# Env: CPROF_TRACE, SAMPLES_DIR (test-diagnose-lib.sh), KILL_APP.
. "$(dirname "$0")/test-diagnose-lib.sh"
tmp=$WORK
rec=""
trap 'stop_pids; cleanup' EXIT

ensure_sessiond

"$CPROF_TRACE" record --no-auto -o "$tmp/trace" -- "$KILL_APP" 2>"$tmp/record.err" &
rec=$!
PIDS=$rec
app=""
for _ in $(seq 200); do
	app=$(pgrep -P "$rec" -f "^$KILL_APP\$" || true)
	[ -n "$app" ] && break
	sleep 0.1
done
[ -n "$app" ] || fail "the program never started: $(cat "$tmp/record.err")"
sleep 1.5
kill -KILL "$app"
# record must come back on its own (the LTTng daemon may never confirm the
# session's end after such a kill: record waits 10 s at most).
for _ in $(seq 600); do
	kill -0 "$rec" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$rec" 2>/dev/null && fail "record hangs after the program was killed"
set +e
wait "$rec"
rc=$?
set -e
PIDS=""
cat "$tmp/record.err" >&2
[ "$rc" -eq 137 ] || fail "record exited with $rc, want 137 (128 + SIGKILL)"
grep -q '"signal": 9' "$tmp/trace/cprof-record.json" || fail "cprof-record.json lacks the signal"

# Every command: exit 0, and the note that says what is missing.
expect_note() { # FILE WHAT
	grep -q "warning: the program (pid $app) was killed by SIGKILL" "$1" ||
		fail "$2 does not say the program was killed: $(cat "$1")"
	grep -q "records its threads had not flushed yet" "$1" ||
		fail "$2 does not say unflushed records are missing"
	grep -Eq "[0-9]+ regions? (was|were) still open" "$1" ||
		fail "$2 does not count the open regions"
}
"$CPROF_TRACE" stats "$tmp/trace" >"$tmp/stats.txt" 2>"$tmp/stats.err" ||
	fail "stats failed: $(cat "$tmp/stats.err")"
expect_note "$tmp/stats.err" stats
grep -q "main-wait .*(+1 not ended)" "$tmp/stats.txt" || fail "stats: main-wait not shown open"
"$CPROF_TRACE" stats --json "$tmp/trace" >"$tmp/stats.json" 2>"$tmp/json.err" ||
	fail "stats --json failed: $(cat "$tmp/json.err")"
expect_note "$tmp/json.err" "stats --json"
python3 - "$tmp/stats.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
names = sorted(t["name"] for t in s["threads"])
spins = [t for t in s["threads"] if t["name"].startswith("spin-")]
if len(spins) != 3 or any(t["events"] < 1000 for t in spins):
    sys.exit("FAIL: want 3 spin threads with records, got %r" % names)
PY
"$CPROF_TRACE" pprof -t region -o "$tmp/region.pb.gz" "$tmp/trace" 2>"$tmp/pprof.err" ||
	fail "pprof failed: $(cat "$tmp/pprof.err")"
expect_note "$tmp/pprof.err" pprof
go tool pprof -top "$tmp/region.pb.gz" >"$tmp/top.txt" 2>&1 || fail "go tool pprof: $(cat "$tmp/top.txt")"
grep -q " inner$" "$tmp/top.txt" || fail "the region profile lacks 'inner': $(cat "$tmp/top.txt")"

if "$CPROF_TRACE" view --help >/dev/null 2>&1; then
	SDL_VIDEODRIVER=offscreen "$CPROF_TRACE" view --screenshot "$tmp/shot.png" --size 800x500 \
		"$tmp/trace" 2>"$tmp/view.err" || fail "view --screenshot failed: $(cat "$tmp/view.err")"
	[ -s "$tmp/shot.png" ] || fail "no screenshot"
	expect_note "$tmp/view.err" view
fi
echo "ok: killed program's trace read by stats, pprof and view"
