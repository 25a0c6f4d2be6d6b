#!/bin/sh
# view OLD NEW: a run of the cache sample with the O(n) eviction under the
# lock (OLD) and one with --fixed (NEW), one above the other beside the
# compare panel. Checks what a user sees: the panel's rows are `cprof-trace
# compare --json`'s for the same traces (same values, changes, p-values);
# both traces are drawn, each with its label; zoom on either side moves
# both; a shift-drag selects the same range in both and the panel
# recomputes over it (fewer requests than the whole run); the counters
# are in the same lanes in both; clicking a
# region row of the panel highlights that type in both traces; bad input
# (three traces, a missing one) gets a one-line error.
. "$(dirname "$0")/test-diagnose-lib.sh"

ARGS="--seconds 1 --entries 30000 --keys 60000 --threads 4"
record scan cache $ARGS
record fixed cache --fixed $ARGS
OLD="$WORK/scan"
NEW="$WORK/fixed"
W=1200
H=800
export SDL_VIDEODRIVER=offscreen

note "view --screenshot --print-panel OLD NEW"
"$CPROF_TRACE" view --screenshot "$WORK/cmp.png" --size ${W}x$H --print-panel "$OLD" "$NEW" \
	>"$WORK/panel.json" || fail "view OLD NEW --screenshot failed"
"$CPROF_TRACE" compare --json "$OLD" "$NEW" >"$WORK/compare.json" 2>/dev/null ||
	fail "compare --json failed"
python3 - "$WORK/panel.json" "$WORK/compare.json" "$OLD" "$NEW" <<'PY' || fail "panel differs from compare --json"
import json, sys
panel = json.load(open(sys.argv[1]))
cmp = json.load(open(sys.argv[2]))
assert panel["tab"] == "compare" and not panel["ranged"], panel
assert panel["old"] == sys.argv[3] and panel["new"] == sys.argv[4], (panel["old"], panel["new"])
assert panel["summary"] == cmp["summary"], (panel["summary"], cmp["summary"])
keys = ("kind", "name", "metric", "old", "new", "delta_pct", "p", "significant", "presence")
a = [tuple(r[k] for k in keys) for r in panel["rows"]]
b = [tuple(r[k] for k in keys) for r in cmp["rows"]]
assert a == b, "rows differ: %d vs %d" % (len(a), len(b))
rows = {(r["kind"], r["name"], r["metric"]): r for r in panel["rows"]}
# the eviction's lock wait: much lower after the fix (one run a side: shown, not tested)
r = rows[("mutex", "cache_evict", "delay_ns")]
assert r["delta_pct"] < -50 and not r["significant"], r
assert "1 run per side" in panel["test"], panel["test"]
print("ok: %d rows as compare --json; mutex wait in cache_evict %+.1f%%" % (len(a), r["delta_pct"]))
PY

# Both halves drawn: the label badge (accent) at the top left of each, and
# lanes (many distinct colours) in each half's data area.
E2E_DIR=$(dirname "$0") python3 - "$WORK/cmp.png" $W $H <<'PY' || fail "screenshot: both traces are not drawn"
import os, sys
sys.path.insert(0, os.environ["E2E_DIR"])
from pngpix import pixels
w, h = int(sys.argv[2]), int(sys.argv[3])
width, rows = pixels(sys.argv[1])
assert width == w and len(rows) == h, (width, len(rows))
bpp = 4
def px(x, y): return tuple(rows[y][x * bpp:x * bpp + 3])
for half, y0 in (("old", 0), ("new", h // 2)):
    badge = px(6, y0 + 12)
    colours = {px(x, y) for y in range(y0 + 60, y0 + h // 2 - 40, 3) for x in range(200, 700, 3)}
    assert len(colours) > 8, (half, len(colours))
    print("ok: %s half: badge %s, %d colours in the lanes" % (half, badge, len(colours)))
assert px(6, 12) == px(6, h // 2 + 12), "the two labels differ in colour"
PY

note "view --script OLD NEW: zoom, range, a panel row"
# The panel starts at x = W - 480 (2/5 of 1200); the data area at x 176.
{
	echo "move 500 200"
	echo "wheel 3"
	echo "print"
	echo "move 500 600"
	echo "key S"
	echo "print"
	echo "shiftdrag 300 620 450 620"
	echo "settle"
	echo "print"
	echo "key Escape"
	echo "settle"
	y=60
	while [ $y -lt 400 ]; do
		echo "click 900 $y"
		echo "print"
		echo "click 900 $y"
		y=$((y + 6))
	done
} >"$WORK/script"
"$CPROF_TRACE" view --script "$WORK/script" --size ${W}x$H "$OLD" "$NEW" >"$WORK/states" ||
	fail "view --script OLD NEW failed"
python3 - "$WORK/states" "$WORK/panel.json" <<'PY' || fail "interaction"
import json, sys
states = [json.loads(l) for l in open(sys.argv[1])]
panel = json.load(open(sys.argv[2]))
zoom, key, rng = states[0], states[1], states[2]
for s in (zoom, key, rng):
    assert s["old"]["t0"] == s["new"]["t0"] and s["old"]["t1"] == s["new"]["t1"], s
assert key["old"]["t1"] - key["old"]["t0"] > zoom["old"]["t1"] - zoom["old"]["t0"], "S did not zoom out"
assert rng["old"]["range_on"] and rng["new"]["range_on"], rng
assert (rng["old"]["r0"], rng["old"]["r1"]) == (rng["new"]["r0"], rng["new"]["r1"]), rng
assert rng["panel_ranged"], "the panel was not recomputed over the range"
clicked = [s for s in states[3:] if s["panel_row"] >= 0]
assert clicked, "no click reached a panel row"
hit = None
for s in clicked:
    row = panel["rows"][s["panel_row"]]
    if row["kind"] in ("region", "task"):
        hit = (s, row)
        break
assert hit, "no region or task row clicked: %r" % [panel["rows"][s["panel_row"]]["kind"] for s in clicked]
s, row = hit
assert s["old"]["hl_type"] == row["name"] == s["new"]["hl_type"], (s, row)
assert s["old"]["hl_n"] > 0 and s["new"]["hl_n"] > 0, s
print("ok: zoom and range in both; row %d (%s %s) highlights %d and %d regions" %
      (s["panel_row"], row["kind"], row["name"], s["old"]["hl_n"], s["new"]["hl_n"]))
PY

# The same counters in the same lanes, one beside the other, whatever
# order each run first set them in: two runs of the workers sample, whose
# threads set its two queues' counters first in either order. The rule
# that makes it so: the program's own counters first, each kind by name.
record w1 workers --seconds 1
record w2 workers --seconds 1
echo print >"$WORK/print"
"$CPROF_TRACE" view --script "$WORK/print" --size ${W}x$H "$WORK/w1" "$WORK/w2" >"$WORK/wstate" ||
	fail "view --script w1 w2 failed"
python3 - "$WORK/wstate" <<'PY' || fail "counter lanes"
import json, sys
s = json.loads(open(sys.argv[1]).read())
co, cn = s["old"]["counters"], s["new"]["counters"]
derived = {"heap in use", "threads alive"}
want = sorted(c for c in co if c not in derived) + sorted(c for c in co if c in derived)
assert len(co) > len(derived & set(co)) >= 1, "no counter of the program's own: %s" % co
assert sorted(co) == sorted(cn), (co, cn)
assert co == cn == want, "counter lanes: old %s, new %s, want %s" % (co, cn, want)
print("ok: counter lanes in the same order: %s" % co)
PY

note "bad input"
if "$CPROF_TRACE" view --screenshot "$WORK/x.png" "$OLD" "$NEW" "$OLD" 2>"$WORK/err3"; then
	fail "three traces accepted"
fi
[ "$(wc -l <"$WORK/err3")" -eq 1 ] && grep -q "cprof-trace view: expected TRACE, or OLD NEW" "$WORK/err3" ||
	fail "three traces: $(cat "$WORK/err3")"
if "$CPROF_TRACE" view --screenshot "$WORK/y.png" "$OLD" "$WORK/missing" 2>"$WORK/errm"; then
	fail "a missing NEW trace accepted"
fi
[ "$(wc -l <"$WORK/errm")" -eq 1 ] && grep -q "$WORK/missing: no such trace directory" "$WORK/errm" ||
	fail "missing trace: $(cat "$WORK/errm")"
[ ! -e "$WORK/y.png" ] || fail "a screenshot was written for a missing trace"
echo "ok: test-view-compare"
