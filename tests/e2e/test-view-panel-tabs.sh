#!/bin/sh
# The side panel's Sync, Blocking calls and Heap tabs, and the Flame tab's
# heap graph (a whole profile, as Heap), over a trace of about
# 4M records (bench-view-tabs-gen under the preload: 400k waits, 1.6M
# blocking calls, 800k allocations and frees) are computed while the
# window keeps drawing: `view --bench-frames` asks the panel each frame for
# the fitted view, as the window does once the view settles. While a tab
# computes, the window draws several frames and the longest time between
# two of them stays well under the time the tab took (computed on the UI
# thread: one gap as long as the whole computation); once there, every row
# of the tab (function, flat, cum) and its total are what go tool pprof
# -top says of `cprof-trace pprof --no-inline` over the same range.
# Env: CPROF_TRACE, SAMPLES_DIR, CPROF_PRELOAD_LIB, TABS_GEN.
. "$(dirname "$0")/test-diagnose-lib.sh"
work=$WORK
T="$work/trace"
record_tabs_gen
# one run of tab $1; the line and the panel's JSON in $work/$1.out
bench() {
	case $1 in
	flame-*) which="--tab flame --profile ${1#flame-}" ;;
	*) which="--tab $1" ;;
	esac
	# shellcheck disable=SC2086
	SDL_VIDEODRIVER=offscreen "$CPROF_TRACE" view $which --bench-frames 400 \
		--size 640x400 --print-panel "$T" >"$work/$1.out" 2>"$work/$1.err" ||
		fail "view --tab $1 --bench-frames failed: $(cat "$work/$1.err")"
	head -1 "$work/$1.out"
}
# pprof's top of type $2 over the panel's range of tab $1, into $work/$1.top
pprof_top() {
	range=$(sed -n 2p "$work/$1.out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("--at %dns" % d["to_ns"] if sys.argv[1] == "heap"
      else "--from %dns --to %dns" % (d["from_ns"], d["to_ns"]))' "$2")
	# (the viewer's symbolizer names the functions that hold the addresses,
	# not those inlined into them)
	# shellcheck disable=SC2086
	"$CPROF_TRACE" pprof -t "$2" --no-inline $range -o "$work/$1.pb.gz" --force "$T" \
		>/dev/null 2>"$work/$1.pprof.err" ||
		fail "pprof -t $2 $range failed: $(cat "$work/$1.pprof.err")"
	unit=ns
	[ "$2" = heap ] && unit=B
	go tool pprof -top -unit=$unit -nodecount=100000 -nodefraction=0 "$work/$1.pb.gz" >"$work/$1.top" \
		2>&1 || fail "go tool pprof on $2 failed: $(cat "$work/$1.top")"
	top_rows <"$work/$1.top" >"$work/$1.rows"
}
check() {
	python3 - "$work/$1.out" "$work/$1.top" "$1" "$work/$1.rows" <<'PY'
import json, re, sys
lines = open(sys.argv[1]).read().splitlines()
tab = sys.argv[3]
f = dict(re.findall(r"(\w+)=([0-9.]+)", lines[0]))
need = ("full_view_s", "panel_s", "panel_gap_ms", "panel_frames")
if any(k not in f for k in need):
    sys.exit("FAIL: test-view-panel-tabs: %s: no %s in the bench line: %s"
             % (tab, need, lines[0]))
took = (float(f["panel_s"]) - float(f["full_view_s"])) * 1000
gap, frames = float(f["panel_gap_ms"]), int(f["panel_frames"])
print("%s: computed in %.0f ms, %d frames drawn meanwhile, longest gap %.1f ms"
      % (tab, took, frames, gap))
panel = json.loads(lines[1])
# (go tool pprof leaves out functions of no value: the heap's allocated
# and freed since)
rows = {r["name"]: (r["flat"], r["cum"]) for r in panel["top"] if r["cum"]}
top = open(sys.argv[2]).read()
m = re.search(r" of (\d+)(?:ns|B) total", top)
want_total = int(m.group(1)) if m else 0
if panel["total"] != want_total or not want_total:
    sys.exit("FAIL: test-view-panel-tabs: %s total %d, go tool pprof says %d"
             % (tab, panel["total"], want_total))
# (top_rows: FLAT CUM NAME; a tiny share prints as 8.1e-05%, which a
# regular expression of the percentages missed)
pp = {}
for l in open(sys.argv[4]).read().splitlines():
    flat, cum, name = l.split(" ", 2)
    pp[name] = (int(flat), int(cum))
if not rows or (len(pp) <= 200 and set(rows) != set(pp)):
    sys.exit("FAIL: test-view-panel-tabs: %s: functions differ: panel %s, pprof %s"
             % (tab, sorted(rows), sorted(pp)))
for name, v in rows.items():
    if pp.get(name) != v:
        sys.exit("FAIL: test-view-panel-tabs: %s %s: panel (flat, cum) %s, pprof %s"
                 % (tab, name, v, pp.get(name)))
print("%s: total %d and %d rows = go tool pprof -top" % (tab, want_total, len(rows)))
# On the UI thread, one gap lasts the whole computation.
if frames < 3 or gap > 0.7 * took:
    print("%s: the window stopped drawing while the tab computed (%d frames in %.0f ms, "
          "a gap of %.1f ms)" % (tab, frames, took, gap))
    sys.exit(3)
PY
}
# tab $1's run and pprof's top of type $2 over its range
run_tab() {
	bench "$1"
	pprof_top "$1" "$2"
}
for tab in sync:sync blocking:syscall heap:heap flame-heap:heap; do
	t=${tab%%:*}
	timing_tries "$t computed" run_tab check "$t" "${tab##*:}"
done
echo "ok: the window drew while the Sync, Blocking, Heap and Flame (heap) tabs computed; their rows are pprof's"
