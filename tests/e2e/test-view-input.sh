#!/bin/sh
# The viewer's interaction, driven through its real event handler by
# `cprof-trace view --script` (SDL events from a file) on the golden trace:
# wheel zoom keeps the time under the cursor, W/S, drag pans by the dragged
# pixels, F fits, shift-drag selects a range, click selects a region and
# collapses a process, a panel row highlights its regions, / searches log
# text and n moves on, Tab/2 switch tabs, E exports a profile go tool pprof
# reads; and a window's first frame equals the --screenshot of the same view.
# Env: CPROF_TRACE, PNGDIFF, GOLDENS.
set -eu
: "${CPROF_TRACE:?}" "${PNGDIFF:?}" "${GOLDENS:?}"
work=$(mktemp -d /tmp/cprof-test-view-input.XXXXXX)
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" GOCACHE="$work/gocache"
mkdir -p "$HOME" "$GOCACHE"
tar -C "$work" -xzf "$GOLDENS/workers-small.tar.gz"
T="$work/small.trace"
cd "$work"
fail() {
	echo "FAIL: test-view-input: $*" >&2
	exit 1
}
# 960x600: the data area spans x 176..580 (gutter 176, panel 380).
cat >"$work/script" <<'S'
settle
shot first.png
print
move 378 300
wheel 3
print
key W
key S
print
drag 378 300 278 300
print
key F
print
shiftdrag 250 300 400 300
settle
print
key Escape
key /
text handoff
key Return
print
key N
print
key Escape
key 2
settle
print
key E
print
S
SDL_VIDEODRIVER=offscreen "$CPROF_TRACE" view --script "$work/script" --size 960x600 "$T" \
	>"$work/out" || fail "script run failed"
cat "$work/out"
SDL_VIDEODRIVER=dummy "$CPROF_TRACE" view --screenshot "$work/shot.png" --size 960x600 "$T" ||
	fail "screenshot failed"
"$PNGDIFF" "$work/shot.png" "$work/first.png" 0 0 ||
	fail "the window's first frame differs from --screenshot"

python3 - "$work/out" <<'PY' || fail "interaction checks failed"
import json, os, sys
lines = [l for l in open(sys.argv[1]) if l.startswith("{")]
s = [json.loads(l) for l in lines]
X0, W = 176, 404
def t_at(v, x):
    return v["t0"] + (x - X0) * (v["t1"] - v["t0"]) / W
def close(a, b, what):
    assert abs(a - b) <= 1e-6 * max(1, abs(a)) + 2, (what, a, b)
full, zoom, ws, drag, fit, rng, srch, nxt, tab, exp = s
span = lambda v: v["t1"] - v["t0"]
close(t_at(full, 378), t_at(zoom, 378), "time under the cursor moved")
close(span(zoom), span(full) * 0.8 ** 3, "wheel 3 is not 0.8^3")
close(span(ws), span(zoom), "W then S changed the span")
close(drag["t0"] - ws["t0"], 100 * span(ws) / W, "drag did not pan by 100 px")
close(fit["t0"], full["t0"], "F did not fit")
close(fit["t1"], full["t1"], "F did not fit")
assert rng["range_on"] == 1, "shift-drag made no range"
close(rng["r0"], t_at(fit, 250), "range start")
close(rng["r1"], t_at(fit, 400), "range end")
assert srch["sel_hit"] == 9 and "storer" in srch["sel_text"], srch  # category "handoff"
assert nxt["sel_hit"] == 9 and nxt["sel_ref"] != srch["sel_ref"], nxt
assert tab["tab"] == 1, tab
assert "exported sync profile" in exp["status"], exp["status"]
print("interaction ok: zoom at cursor, W/S, drag, F, range, search, n, tabs, export")
PY
[ -f cprof-sync-1.pb.gz ] || fail "E wrote no cprof-sync-1.pb.gz"
if command -v go >/dev/null 2>&1; then
	go tool pprof -top cprof-sync-1.pb.gz >"$work/top" 2>&1 || fail "go tool pprof: $(cat "$work/top")"
	grep -q "queue_pop" "$work/top" || fail "exported sync profile lacks queue_pop: $(cat "$work/top")"
fi

# click: a region, a process header (collapse), a panel row (highlight)
cat >"$work/script2" <<'S'
click 500 203
print
settle
click 700 119
# (a row's regions or waits are found on a thread of their own: settle)
settle
print
click 100 124
print
key 2
settle
click 700 142
settle
print
S
SDL_VIDEODRIVER=offscreen "$CPROF_TRACE" view --script "$work/script2" --size 960x600 \
	--from 8.9ms --to 12.4ms "$T" >"$work/out2" || fail "script2 run failed"
cat "$work/out2"
python3 - "$work/out2" <<'PY' || fail "click checks failed"
import json, sys
reg, row, col, sync = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
assert reg["sel_hit"] == 1 and reg["sel_text"] == "compute", reg
assert row["hl_type"] != "" and row["hl_n"] > 0 and row["panel_row"] >= 0, row
assert col["collapsed"] == 1, col
assert sync["tab"] == 1 and sync["panel_row"] == 0, sync
assert "waits with queue_pop on their stack" in sync["status"], sync["status"]
print("clicks ok: region", reg["sel_ref"], "type", row["hl_type"], row["hl_n"], "regions")
PY
echo "PASS: test-view-input"
