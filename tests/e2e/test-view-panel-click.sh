#!/bin/sh
# Clicking a row of the side panel's Sync, Blocking calls or Heap tab
# highlights the waits, blocking calls or allocations whose stack holds
# that function. Over about 4M records (bench-view-tabs-gen under the
# preload: 800k waits, 1.6M blocking calls, 800k allocations) finding them
# symbolizes every stack then scans millions of items: computed on the UI
# thread (as before), the window drew nothing for the whole of it (one
# gap of 70-300 ms on a loaded machine). The script clicks the first row
# of each tab and settles, drawing frames until the highlight is there
# (`timing`: the click's work, the longest gap between two frames, the
# frames drawn); several frames come and the longest gap stays well under
# the work. The items highlighted (hl_state_n) are as many as go tool
# pprof counts with -focus on the row's function (contentions, or
# alloc_objects) in `cprof-trace pprof --no-inline` of the whole trace.
# Once there, they are drawn across the whole timeline (white boxes over
# at least 80% of its columns at fit-all zoom: a budget of 6000 items
# drawn one by one left all but the first pixels bare), the frame's
# display list a few hundred items longer at most (12000 before: the
# frame's cost follows the pixels, not the 800k allocations), 40 frames
# then cost the UI thread little more than 40 frames before the click
# (CPU time, 1.25x + 1.5 ms a frame: Heap's cost 3.0-3.4 ms more before,
# -0.1-0.4 now) and their longest gap stays near theirs.
# Then a row of the Regions tab over 20M events of bench-read-gen (5.7M
# regions of two types): its type's regions, found in one pass over them
# all (105-190 ms on the UI thread before), the same way, as many as
# `cprof-trace stats` counts of that type (ended or not), there within
# 0.5 s of the click (0.6-2.3 s when the job ran at nice +5 on a loaded
# machine) and drawn in the panel's colour for that type over at least
# half of the timeline's columns.
# Env: CPROF_TRACE, SAMPLES_DIR, CPROF_PRELOAD_LIB, TABS_GEN, BENCH_GEN.
. "$(dirname "$0")/test-diagnose-lib.sh"
work=$WORK
T="$work/trace"
record_tabs_gen
# (the first open writes the model cache: not during the clicks)
SDL_VIDEODRIVER=offscreen "$CPROF_TRACE" view --screenshot "$work/first.png" --size 1000x600 \
	"$T" >/dev/null 2>"$work/first.err" || fail "view failed: $(cat "$work/first.err")"
# go tool pprof's count of type $1, sample $2, of stacks holding $3
pprof_count() {
	"$CPROF_TRACE" pprof -t "$1" --no-inline -o "$work/$1.pb.gz" --force "$T" \
		>/dev/null 2>"$work/$1.pprof.err" ||
		fail "pprof -t $1 failed: $(cat "$work/$1.pprof.err")"
	go tool pprof -top -sample_index="$2" -focus="^$3\$" -nodefraction=0 \
		"$work/$1.pb.gz" 2>&1 | sed -n 's/.*accounting for \([0-9]*\),.*/\1/p'
}
# the click script $1 run over trace $2: its output in $work/$1.out
click_run() {
	SDL_VIDEODRIVER=offscreen "$CPROF_TRACE" view --size 1000x600 \
		--script "$work/$1.script" "$2" >"$work/$1.out" 2>"$work/$1.err" ||
		fail "view --script ($1) failed: $(cat "$work/$1.err")"
}
# tab $1's click: function $3's items highlighted, as many as pprof's $4,
# drawn across the timeline; the frames then
check_tab() {
	E2E_DIR=$(dirname "$0") python3 - "$work/$1.out" "$1" "$3" "$4" "$work/$1.png" <<-'PY'
	import json, os, sys
	sys.path.insert(0, os.environ["E2E_DIR"])
	from pngpix import pixels
	lines = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()]
	tab, fn, want = sys.argv[2], sys.argv[3], int(sys.argv[4])
	base, before, t, hl, state = lines
	def fail(what):
	    sys.exit("FAIL: test-view-panel-click: %s: %s" % (tab, what))
	# frames: mean CPU time of the UI thread a frame
	cpu0, cpu1 = (x["cpu_ms"] / x["frames"] for x in (base, hl))
	print("%s: click on %s: %.0f ms of work, %d frames drawn meanwhile, longest gap "
	      "%.1f ms; %d highlighted (pprof: %d)" % (tab, fn, t["work_ms"], t["frames"],
	      t["gap_ms"], state["hl_state_n"], want))
	print("%s: 40 frames before the click: %.1f ms of CPU a frame, longest gap %.1f ms, "
	      "%d items; highlighted: %.1f ms, %.1f ms, %d items" % (tab, cpu0,
	      base["gap_ms"], before["dl_items"], cpu1, hl["gap_ms"], state["dl_items"]))
	if fn not in state["status"] or state["hl_state_n"] != want:
	    fail("%d highlighted (status '%s'), go tool pprof counts %d with %s" %
	         (state["hl_state_n"], state["status"], want, fn))
	# The highlight's white boxes (their outline is the only pure white
	# of the lanes) in the data area's columns (x 176-620 of 1000, the
	# side panel after), between the axis and the status line.
	w, rows = pixels(sys.argv[5])
	x0, x1 = 176, 620
	cols = sum(any(rows[y][4 * x:4 * x + 3] == b"\xff\xff\xff" for y in range(50, 575))
	           for x in range(x0, x1))
	print("%s: highlight in %d of %d columns" % (tab, cols, x1 - x0))
	if cols < 0.8 * (x1 - x0):
	    fail("the highlight covers %d of the timeline's %d columns" % (cols, x1 - x0))
	if state["dl_items"] > before["dl_items"] + 2 * (x1 - x0):
	    fail("the highlight drew %d items (%d before the click)" % (state["dl_items"],
	         before["dl_items"]))
	if t["frames"] < 3 or t["gap_ms"] > 0.5 * t["work_ms"]:
	    sys.exit(3)
	if cpu1 > 1.25 * cpu0 + 1.5 or hl["gap_ms"] > max(2 * base["gap_ms"], base["gap_ms"] + 10):
	    sys.exit(3)
	PY
}
# a row of each tab: its function, and pprof's count for it. The row is
# found in the panel: wait_turn's total and main's (in pthread_join for
# as long) are a few percent apart, either may come first.
set -- 2:sync:contentions:wait_turn:sync 3:syscall:contentions:pipe_step:blocking \
	4:heap:alloc_objects:alloc_some:heap
for spec in "$@"; do
	IFS=: read -r key type sample fn tab <<-E
	$spec
	E
	want=$(pprof_count "$type" "$sample" "$fn")
	[ -n "$want" ] || fail "go tool pprof gave no count for $fn ($type)"
	SDL_VIDEODRIVER=offscreen "$CPROF_TRACE" view --size 1000x600 --bench-frames 1 \
		--tab "$tab" --print-panel "$T" >"$work/$type.panel" 2>&1 ||
		fail "view --print-panel ($tab) failed: $(cat "$work/$type.panel")"
	row=$(tail -n 1 "$work/$type.panel" | python3 -c 'import json, sys
top = [r["name"] for r in json.load(sys.stdin)["top"]][:5]
print(top.index(sys.argv[1]) if sys.argv[1] in top else -1)' "$fn")
	[ "$row" -ge 0 ] || fail "$fn is not among the first rows of the $tab tab"
	cat >"$work/$type.script" <<-E
	key $key
	settle
	frames 40
	timing
	print
	click 700 $((137 + 18 * row))
	settle
	timing
	frames 40
	timing
	shot $work/$type.png
	print
	E
	timing_tries "the $type row's click computed or its highlight showed" click_run check_tab \
		"$type" "$T" "$fn" "$want"
done
# the regions of the Regions tab's first row's type
: "${BENCH_GEN:?BENCH_GEN must name bench-read-gen}"
R="$work/regions"
"$CPROF_TRACE" record --no-auto --no-count --blocking-timeout=inf -o "$R" -- \
	"$BENCH_GEN" 20000000 2 >/dev/null 2>"$work/record-regions.err" ||
	fail "record failed: $(cat "$work/record-regions.err")"
SDL_VIDEODRIVER=offscreen "$CPROF_TRACE" view --screenshot "$work/first-regions.png" \
	--size 1000x600 "$R" >/dev/null 2>"$work/first.err" || fail "view failed: $(cat "$work/first.err")"
"$CPROF_TRACE" stats --json "$R" >"$work/stats.json" 2>"$work/stats.err" ||
	fail "stats failed: $(cat "$work/stats.err")"
cat >"$work/regions.script" <<-E
key 1
settle
click 700 101
settle
timing
shot $work/regions.png
print
E
# the Regions tab's click: its type's regions, as many as stats counts
check_regions() {
	E2E_DIR=$(dirname "$0") python3 - "$work/regions.out" "$work/stats.json" \
		"$work/regions.png" <<-'PY'
	import json, os, sys
	sys.path.insert(0, os.environ["E2E_DIR"])
	from pngpix import pixels
	lines = open(sys.argv[1]).read().splitlines()
	t, state = json.loads(lines[0]), json.loads(lines[1])
	stats = json.load(open(sys.argv[2]))["regions"].get(state["hl_type"])
	want = stats["count"] + stats["unended"] if stats else -1
	print("regions: click on type %s: %.0f ms of work, %d frames drawn meanwhile, longest "
	      "gap %.1f ms; %d highlighted (stats: %d)" % (state["hl_type"], t["work_ms"],
	      t["frames"], t["gap_ms"], state["hl_n"], want))
	if state["hl_n"] != want or state["hl_type"] not in state["status"]:
	    sys.exit("FAIL: test-view-panel-click: regions of type '%s': %d highlighted "
	             "(status '%s'), stats counts %d" % (state["hl_type"], state["hl_n"],
	             state["status"], want))
	# The type's colour: the panel's swatch before its name (row 1, x 628-637),
	# at full strength on the timeline only where the highlight is (the rest
	# is dimmed).
	w, rows = pixels(sys.argv[3])
	swatch = rows[101][4 * 632:4 * 632 + 3]
	x0, x1 = 176, 620
	cols = sum(any(rows[y][4 * x:4 * x + 3] == swatch for y in range(50, 575))
	           for x in range(x0, x1))
	print("regions: highlight (#%s) in %d of %d columns" % (swatch.hex(), cols, x1 - x0))
	if cols < 0.5 * (x1 - x0):
	    sys.exit("FAIL: test-view-panel-click: regions: the highlight covers %d of the "
	             "timeline's %d columns" % (cols, x1 - x0))
	if t["frames"] < 3 or t["gap_ms"] > 0.5 * t["work_ms"] or t["work_ms"] > 500:
	    sys.exit(3)
	PY
}
timing_tries "the regions row's click computed (or its highlight came after 0.5 s)" click_run check_regions regions "$R"
echo "ok: the window drew while the clicked rows' occurrences were found; as many as pprof and stats count"
