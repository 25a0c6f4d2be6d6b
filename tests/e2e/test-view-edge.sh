#!/bin/sh
# The viewer on odd but legal input (helper "review-ui"): UTF-8 names and
# log text draw their letters; --from past the end and a range outside the
# trace are refused with a clear message instead of a broken view.
# Env: CPROF_TRACE, EDGE_APP, GOLDENS.
set -eu
: "${CPROF_TRACE:?}" "${EDGE_APP:?}" "${GOLDENS:?}"
work=$(mktemp -d /tmp/cprof-test-view-edge.XXXXXX)
trap 'rm -rf "$work"' EXIT
export SDL_VIDEODRIVER=offscreen
fail() {
	echo "FAIL: test-view-edge: $*" >&2
	exit 1
}
tar -C "$work" -xzf "$GOLDENS/workers-small.tar.gz"
G="$work/small.trace"

# --from after the end: refused with the trace's length, in both modes
# (the window used to open with t0 > t1)
"$CPROF_TRACE" view --screenshot "$work/a.png" --from 100s "$G" 2>"$work/err" &&
	fail "--from past the end succeeded"
grep -q "^cprof-trace: .*small.trace: --from is after the end of the trace (it lasts " \
	"$work/err" || fail "bad --from message: $(cat "$work/err")"
printf 'settle\nprint\n' >"$work/s0"
"$CPROF_TRACE" view --script "$work/s0" --from 100s "$G" >"$work/out" 2>"$work/err" &&
	fail "window with --from past the end succeeded: $(cat "$work/out")"
grep -q "after the end of the trace" "$work/err" || fail "bad message: $(cat "$work/err")"
"$CPROF_TRACE" view --screenshot "$work/a.png" --force --from 5ms --to 2ms "$G" 2>"$work/err" &&
	fail "--from after --to succeeded"
grep -q "from must be before --to" "$work/err" || fail "bad message: $(cat "$work/err")"
# a range wholly after the trace is not something in the trace
"$CPROF_TRACE" view --screenshot "$work/a.png" --force --select "range:100s,200s" "$G" \
	2>"$work/err" && fail "--select of a range after the trace succeeded"
grep -q "select range:100s,200s" "$work/err" || fail "bad message: $(cat "$work/err")"
# a range running past the end is clamped to the trace, not emptied
"$CPROF_TRACE" view --screenshot "$work/a.png" --force --print-panel --select "range:1ms,100s" \
	"$G" >"$work/panel.json" || fail "range past the end failed"
python3 - "$work/panel.json" <<'PY' || fail "range past the end: wrong panel"
import json, sys
p = json.load(open(sys.argv[1]))
assert p["from_ns"] == 1000000 and p["to_ns"] > p["from_ns"], p
assert sum(v["count"] for v in p["regions"].values()) > 0, p
PY
# a bad --select or --tab in window mode: refused like --screenshot refuses
# it (they used to be ignored). A malformed one before any window opens
# (here SDL has no display, which would otherwise be the complaint); one
# naming nothing in the trace once it is loaded.
for bad in "bogus:1" "region:x" "range:1ms" "region:1;wait:"; do
	"$CPROF_TRACE" view --select "$bad" "$G" >"$work/out" 2>"$work/err" && st=0 || st=$?
	[ "$st" -eq 2 ] || fail "window --select $bad: exit $st"
	[ "$(wc -l <"$work/err")" -eq 1 ] && grep -q "^cprof-trace: --select .*: expected region:N" \
		"$work/err" || fail "window --select $bad: $(cat "$work/err")"
done
"$CPROF_TRACE" view --tab nope "$G" 2>"$work/err" && fail "window --tab nope succeeded"
grep -q "^cprof-trace: --tab nope: expected" "$work/err" || fail "bad --tab message: $(cat "$work/err")"
for bad in "region:99999999" "region:3;type:no such type" "task:424242"; do
	"$CPROF_TRACE" view --script "$work/s0" --select "$bad" "$G" >"$work/out" 2>"$work/err" &&
		st=0 || st=$?
	[ "$st" -eq 2 ] && [ ! -s "$work/out" ] || fail "window --select $bad: exit $st, $(cat "$work/out")"
	grep -q "^cprof-trace: --select [^;]*: expected region:N.*naming something in the trace" \
		"$work/err" || fail "window --select $bad: $(cat "$work/err")"
done
"$CPROF_TRACE" view --script "$work/s0" --select "region:3;type:decode" "$G" >"$work/out" ||
	fail "window with a good --select failed"
grep -q '"sel_hit": 1, "sel_ref": 3,.*"hl_type": "decode"' "$work/out" ||
	fail "window --select not applied: $(cat "$work/out")"
# --script's print is JSON however the search is typed: quotes,
# backslashes and a tab in the search and in the status that repeats it
printf 'key /\ntext a"b\\c\tz\nkey Return\nprint\n' >"$work/s3"
"$CPROF_TRACE" view --script "$work/s3" "$G" >"$work/out3" || fail "quoted search failed"
python3 - "$work/out3" <<'PY' || fail "print is not JSON: $(cat "$work/out3")"
import json, sys
p = json.loads(open(sys.argv[1]).read())
assert p["search"] == 'a"b\\c\tz', p["search"]
assert p["status"] == 'no match for "a"b\\c\tz"', p["status"]
PY

# UTF-8: a recorded --no-auto trace with accented, Greek, Cyrillic names
if ! pgrep -x lttng-sessiond >/dev/null 2>&1; then
	lttng-sessiond --daemonize || fail "cannot start lttng-sessiond"
fi
"$CPROF_TRACE" record --no-auto -o "$work/edge" -- "$EDGE_APP" >"$work/rec.out" 2>&1 ||
	fail "record failed: $(cat "$work/rec.out")"
"$CPROF_TRACE" view --screenshot "$work/u.png" --size 960x600 --print-panel "$work/edge" \
	>"$work/upanel.json" || fail "screenshot of the UTF-8 trace failed"
python3 - "$work/upanel.json" <<'PY' || fail "UTF-8 panel wrong"
import json, sys
p = json.load(open(sys.argv[1]))["regions"]
assert "région ünïcode — Ωμέγα Жук" in p, sorted(p)
PY
# search typed in UTF-8: Backspace takes a character, not a byte
printf 'key /\ntext ré\nkey Backspace\nprint\ntext égion\nkey Return\nprint\n' >"$work/s2"
"$CPROF_TRACE" view --script "$work/s2" --size 960x600 "$work/edge" >"$work/out2" ||
	fail "search script failed"
python3 - "$work/out2" <<'PY' || fail "UTF-8 search wrong: $(cat "$work/out2")"
import json, sys
lines = [l for l in open(sys.argv[1], "rb").read().decode("utf-8").splitlines() if l.startswith("{")]
bs, found = [json.loads(l) for l in lines]
assert bs["search"] == "r", bs["search"]
assert found["search"] == "région" and found["sel_hit"] == 1, found
assert found["sel_text"].startswith("région ünïcode"), found["sel_text"]
PY
echo "PASS: test-view-edge"
