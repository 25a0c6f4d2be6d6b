#!/bin/sh
# The side panel's Regions tab over a trace of 3M regions (--no-cache: no
# region summary to take them from) is computed while the window keeps
# drawing: `view --bench-frames` asks the panel each frame for the fitted
# view, as the window does once the view settles. While it computes, the
# window draws several frames and the longest time between two of them
# stays well under the time the panel took (computed on the UI thread,
# one gap as long as the whole computation); once there, the panel's
# numbers per region type are those of `cprof-trace stats --json`.
# Env: CPROF_TRACE, SAMPLES_DIR, BENCH_GEN.
. "$(dirname "$0")/test-diagnose-lib.sh"
: "${BENCH_GEN:?BENCH_GEN must name bench-read-gen}"
ensure_sessiond
work=$WORK
T="$work/trace"
"$CPROF_TRACE" record --no-auto --no-count --blocking-timeout=inf -o "$T" -- \
	"$BENCH_GEN" 6000000 2 regions >/dev/null 2>"$work/record.err" ||
	fail "record failed: $(cat "$work/record.err")"
"$CPROF_TRACE" --no-cache stats --json "$T" >"$work/stats.json" || fail "stats failed"
# one run; the line and the panel's JSON in $work/bench.out
bench() {
	SDL_VIDEODRIVER=offscreen "$CPROF_TRACE" --no-cache view --bench-frames 400 \
		--size 640x400 --print-panel "$T" >"$work/bench.out" 2>"$work/bench.err" ||
		fail "view --bench-frames failed: $(cat "$work/bench.err")"
	head -1 "$work/bench.out"
}
check() {
	python3 - "$work/bench.out" "$work/stats.json" <<'PY'
import json, re, sys
lines = open(sys.argv[1]).read().splitlines()
f = dict(re.findall(r"(\w+)=([0-9.]+)", lines[0]))
need = ("full_view_s", "panel_s", "panel_gap_ms", "panel_frames")
if any(k not in f for k in need):
    sys.exit("FAIL: test-view-panel-thread: no %s in the bench line: %s" % (need, lines[0]))
took = (float(f["panel_s"]) - float(f["full_view_s"])) * 1000
gap, frames = float(f["panel_gap_ms"]), int(f["panel_frames"])
print("panel computed in %.0f ms, %d frames drawn meanwhile, longest gap %.1f ms"
      % (took, frames, gap))
panel = json.loads(lines[1])["regions"]
stats = json.load(open(sys.argv[2]))["regions"]
if not stats or set(panel) != set(stats):
    sys.exit("FAIL: test-view-panel-thread: types differ: %s vs %s"
             % (sorted(panel), sorted(stats)))
for t, p in panel.items():
    for k, v in p.items():
        if stats[t][k] != v:
            sys.exit("FAIL: test-view-panel-thread: %s %s: panel %s, stats %s"
                     % (t, k, v, stats[t][k]))
# On the UI thread, one gap lasts the whole computation.
if frames < 3 or gap > 0.7 * took:
    print("the window stopped drawing while the panel computed (%d frames in %.0f ms, "
          "a gap of %.1f ms)" % (frames, took, gap))
    sys.exit(3)
PY
}
timing_tries "the panel computed" bench check
echo "ok: the window drew while the Regions panel computed; its numbers are stats'"
