#!/bin/sh
# cprof-trace view on a recorded sample: screenshots render headless and
# identically under the offscreen and dummy video drivers (and Xvfb when
# present); the side panel's numbers equal `cprof-trace stats --json` and
# the exported pprof profiles read back by go tool pprof; bad input gives
# the usual one-line errors; no display and no --screenshot says what to do.
. "$(dirname "$0")/test-diagnose-lib.sh"

record workers workers --jobs 120 --rate 400 --workers 3 --handoff 3 --seconds 30
T="$WORK/workers"

note "screenshots"
SDL_VIDEODRIVER=offscreen "$CPROF_TRACE" view --screenshot "$WORK/a.png" --size 1280x800 "$T" ||
	fail "screenshot (offscreen) failed"
SDL_VIDEODRIVER=dummy "$CPROF_TRACE" view --screenshot "$WORK/b.png" --size 1280x800 "$T" ||
	fail "screenshot (dummy) failed"
cmp -s "$WORK/a.png" "$WORK/b.png" || fail "offscreen and dummy screenshots differ"
if command -v xvfb-run >/dev/null 2>&1; then
	xvfb-run -a "$CPROF_TRACE" view --screenshot "$WORK/c.png" --size 1280x800 "$T" ||
		fail "screenshot under xvfb-run failed"
	cmp -s "$WORK/a.png" "$WORK/c.png" || fail "xvfb and offscreen screenshots differ"
fi
python3 - "$WORK/a.png" <<'PY' || fail "screenshot is not a 1280x800 PNG"
import struct, sys, zlib
d = open(sys.argv[1], "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n"
w, h = struct.unpack(">II", d[16:24])
assert (w, h) == (1280, 800), (w, h)
PY
"$CPROF_TRACE" view --screenshot "$WORK/a.png" "$T" 2>"$WORK/err" &&
	fail "overwrote a screenshot without --force"
grep -q "a.png: file exists" "$WORK/err" || fail "no 'file exists' message: $(cat "$WORK/err")"
# selections, tabs and hover render too
for sel in "task:7" "type:compute" "search:handoff" "range:100ms,200ms" "region:3"; do
	"$CPROF_TRACE" view --screenshot "$WORK/s.png" --force --size 900x600 --select "$sel" \
		--hover 400,200 "$T" || fail "screenshot with --select $sel failed"
done
for tab in sync blocking heap; do
	"$CPROF_TRACE" view --screenshot "$WORK/s.png" --force --tab $tab "$T" ||
		fail "screenshot of tab $tab failed"
done

note "side panel = stats"
"$CPROF_TRACE" stats --json "$T" >"$WORK/stats.json" || fail "stats --json failed"
"$CPROF_TRACE" view --screenshot "$WORK/p.png" --force --print-panel "$T" >"$WORK/panel.json" ||
	fail "--print-panel failed"
python3 - "$WORK/stats.json" "$WORK/panel.json" <<'PY' || fail "panel regions differ from stats"
import json, sys
stats = json.load(open(sys.argv[1]))["regions"]
panel = json.load(open(sys.argv[2]))["regions"]
assert set(stats) == set(panel), (sorted(stats), sorted(panel))
for t, s in stats.items():
    for k in ("count", "total_ns", "p50_ns", "p99_ns", "max_ns", "unended"):
        assert s[k] == panel[t][k], (t, k, s[k], panel[t][k])
print("panel regions == stats:", ", ".join("%s %d" % (t, s["count"]) for t, s in stats.items()))
PY
[ "$(json_get "$WORK/panel.json" tab)" = regions ] || fail "an annotated trace opens on $(json_get "$WORK/panel.json" tab), not regions"
# A program recorded without annotations opens on its CPU flame graph, not
# on an empty regions tab.
"$CPROF_TRACE" record -o "$WORK/plain" -- sh -c 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done' \
	>/dev/null 2>&1 || fail "record of a shell loop failed"
"$CPROF_TRACE" view --screenshot "$WORK/p.png" --force --print-panel "$WORK/plain" \
	>"$WORK/panel-plain.json" 2>/dev/null || fail "--print-panel of the shell loop failed"
[ "$(json_get "$WORK/panel-plain.json" tab)" = flame ] && [ "$(json_get "$WORK/panel-plain.json" profile)" = cpu ] ||
	fail "an unannotated trace opens on $(json_get "$WORK/panel-plain.json" tab), not the cpu flame graph"
# A range summarizes fewer regions: the trace's first half (a fixed
# span can hold none on a loaded machine, where the jobs start late).
"$CPROF_TRACE" stats --json "$T" >"$WORK/stats-range.json" || fail "stats --json failed"
half=$(($(json_get "$WORK/stats-range.json" duration_ns) / 2))
"$CPROF_TRACE" view --screenshot "$WORK/p.png" --force --print-panel --select "range:0,${half}ns" \
	"$T" >"$WORK/panel-range.json" || fail "--print-panel with a range failed"
python3 - "$WORK/panel.json" "$WORK/panel-range.json" <<'PY' || fail "range panel wrong"
import json, sys
a = json.load(open(sys.argv[1]))["regions"]
b = json.load(open(sys.argv[2]))["regions"]
ca = sum(v["count"] for v in a.values())
cb = sum(v["count"] for v in b.values())
assert 0 < cb < ca, (cb, ca)
PY

note "side panel = pprof exports"
for tab in sync:sync blocking:syscall; do
	t=${tab%%:*}
	p=${tab##*:}
	"$CPROF_TRACE" view --screenshot "$WORK/p.png" --force --print-panel --tab "$t" "$T" \
		>"$WORK/panel-$t.json" || fail "--print-panel --tab $t failed"
	total=$(json_get "$WORK/panel-$t.json" total)
	prof=$(profile workers "$p")
	go tool pprof -top -unit=ns -nodecount=1 "$prof" >"$WORK/$p.top" 2>&1 ||
		fail "go tool pprof on $p failed: $(cat "$WORK/$p.top")"
	want=$(sed -n 's/.* of \([0-9]*\)ns total.*/\1/p' "$WORK/$p.top")
	if [ -z "$want" ]; then
		grep -q "Total samples = 0" "$WORK/$p.top" && want=0
	fi
	[ "$total" = "$want" ] || fail "panel $t total $total, go tool pprof says $want"
	top=$(json_get "$WORK/panel-$t.json" top 0 name)
	echo "panel $t total $total ns = pprof; top entry $top"
done

note "heap tab = pprof -t heap --at"
# --alloc=all: a 2 s run allocates about 2 MB, a handful of samples at the
# default rate (sometimes none in use at 1.5 s).
ensure_sessiond
"$CPROF_TRACE" record --alloc=all -o "$WORK/allprof" -- "$SAMPLES_DIR/allprof" --seconds 2 \
	--threads 50 >"$WORK/allprof.stdout" 2>"$WORK/allprof.stderr" ||
	fail "record of allprof failed: $(cat "$WORK/allprof.stderr")"
"$CPROF_TRACE" view --screenshot "$WORK/p.png" --force --print-panel --tab heap --from 0 \
	--to 1500ms "$WORK/allprof" >"$WORK/panel-heap.json" || fail "--print-panel --tab heap failed"
total=$(json_get "$WORK/panel-heap.json" total)
prof=$(PROFILE_OUT=heap-at profile allprof heap --at 1.5s)
go tool pprof -top -unit=B -nodecount=1 "$prof" >"$WORK/heap.top" 2>&1 ||
	fail "go tool pprof on heap failed: $(cat "$WORK/heap.top")"
want=$(sed -n 's/.* of \([0-9]*\)B total.*/\1/p' "$WORK/heap.top")
[ -n "$want" ] || want=0
[ "$total" = "$want" ] || fail "panel heap at 1.5s: $total bytes, go tool pprof says $want"
gt "$total" 0 || fail "no heap in use at 1.5s in allprof"
echo "panel heap total $total bytes = pprof at 1.5s"

note "CPU samples and allocations on the lanes"
# Selected and hovered, zoomed on the item: the frame shows the sample
# ticks' and allocation markers' colours and the details panel.
for sel in sample:0 alloc:0; do
	"$CPROF_TRACE" view --screenshot "$WORK/$sel.png" --force --size 1280x800 --select "$sel" \
		"$WORK/allprof" || fail "screenshot with --select $sel failed"
done
"$CPROF_TRACE" view --screenshot "$WORK/marks.png" --force --size 1280x800 "$WORK/allprof" ||
	fail "screenshot of allprof failed"
# The loading frame, captured with the reader paused at its first progress
# report (one every 65536 messages) past 30% of the trace's time. allprof's
# event count follows the CPU it gets (~90k, under 65536 on a loaded
# machine: no report before the end); leak --alloc=all makes a fixed
# 200k allocations in batches spread over its run.
"$CPROF_TRACE" record --alloc=all -o "$WORK/leak" -- "$SAMPLES_DIR/leak" --seconds 1 \
	--items 200000 --batch 10000 --pause-ms 20 >"$WORK/leak.stdout" 2>"$WORK/leak.stderr" ||
	fail "record of leak failed: $(cat "$WORK/leak.stderr")"
CPROF_VIEW_SHOT_LOADING=0.3 "$CPROF_TRACE" view --screenshot "$WORK/load.png" --size 960x600 \
	"$WORK/leak" >"$WORK/load.out" || fail "loading screenshot failed"
frac=$(sed -n 's/^loading frame at //p' "$WORK/load.out")
[ -n "$frac" ] || fail "no loading fraction printed: $(cat "$WORK/load.out")"
E2E_DIR=$(dirname "$0") python3 - "$WORK/marks.png" "$WORK/sample:0.png" "$WORK/alloc:0.png" "$WORK/load.png" "$frac" <<'PY' || fail "no sample ticks, allocation markers or progress bar drawn"
import os, sys
sys.path.insert(0, os.environ["E2E_DIR"])
from pngpix import pixels
def count(path, rgb):
    w, rows = pixels(path)
    # the timeline's data area only (gutter 176 px, side panel 380 px)
    return sum(1 for r in rows for x in range(176, w - 380) if r[4 * x:4 * x + 3] == rgb)
SAMPLE, ALLOC, LANE = (0x9f, 0xd8, 0xc8), (0xf0, 0x7c, 0xc0), (0x1b, 0x1e, 0x24)
FREED = tuple((p * 186 + q * 70) >> 8 for p, q in zip(ALLOC, LANE))  # freed: dimmer
n = count(sys.argv[1], bytes(SAMPLE))
assert n > 50, "only %d sample-tick pixels in the full view" % n
s = count(sys.argv[2], bytes(SAMPLE))
a = count(sys.argv[3], bytes(ALLOC)) + count(sys.argv[3], bytes(FREED))
assert s > 0 and a > 0, (s, a)
print("sample-tick pixels: full view %d, zoomed on sample 0: %d; allocation pixels zoomed on alloc 0: %d" % (n, s, a))
# progress bar: drawn with what is loaded so far, in the side panel's place
# (at 960x600: y = 90, from x = 596, 348 px long), filled to the fraction
f = float(sys.argv[5])
assert 0.3 <= f < 1, f
w, rows = pixels(sys.argv[4])
ACCENT = bytes((0x5e, 0xa8, 0xff))
filled = sum(1 for x in range(596, 596 + 348) if rows[93][4 * x:4 * x + 3] == ACCENT)
assert abs(filled - int(348 * f)) <= 1, (filled, f)
print("loading frame: bar filled %d of 348 px at %.1f%%" % (filled, f * 100))
PY

note "errors"
env -u DISPLAY -u WAYLAND_DISPLAY "$CPROF_TRACE" view "$WORK/nope" 2>"$WORK/err" && fail "view of a missing trace succeeded"
grep -q "^cprof-trace: $WORK/nope: " "$WORK/err" || fail "bad message: $(cat "$WORK/err")"
mkdir "$WORK/empty"
"$CPROF_TRACE" view --screenshot "$WORK/e.png" "$WORK/empty" 2>"$WORK/err" &&
	fail "view of an empty directory succeeded"
grep -q "^cprof-trace: .*empty" "$WORK/err" || fail "bad message: $(cat "$WORK/err")"
env -u DISPLAY -u WAYLAND_DISPLAY SDL_VIDEODRIVER= "$CPROF_TRACE" view "$T" 2>"$WORK/err" &&
	fail "view without a display succeeded"
grep -q "xvfb-run.*--screenshot" "$WORK/err" || fail "no hint without a display: $(cat "$WORK/err")"
"$CPROF_TRACE" view --screenshot "$WORK/x.png" --select "task:999999" "$T" 2>"$WORK/err" &&
	fail "--select of a missing task succeeded"
echo "PASS: $TEST_NAME"
