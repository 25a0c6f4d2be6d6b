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
# Then a row of the Regions tab over 20M events of bench-read-gen (5.7M
# regions of two types): its type's regions, found in one pass over them
# all (105-190 ms on the UI thread before), the same way, as many as
# `cprof-trace stats` counts of that type (ended or not).
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
# tab $1's click: function $3's items highlighted, as many as pprof's $4
check_tab() {
	python3 - "$work/$1.out" "$1" "$3" "$4" <<-'PY'
	import json, sys
	lines = open(sys.argv[1]).read().splitlines()
	tab, fn, want = sys.argv[2], sys.argv[3], int(sys.argv[4])
	t, state = json.loads(lines[0]), json.loads(lines[1])
	print("%s: click on %s: %.0f ms of work, %d frames drawn meanwhile, longest gap "
	      "%.1f ms; %d highlighted (pprof: %d)" % (tab, fn, t["work_ms"], t["frames"],
	      t["gap_ms"], state["hl_state_n"], want))
	if fn not in state["status"] or state["hl_state_n"] != want:
	    sys.exit("FAIL: test-view-panel-click: %s: %d highlighted (status '%s'), "
	             "go tool pprof counts %d with %s" % (tab, state["hl_state_n"],
	             state["status"], want, fn))
	if t["frames"] < 3 or t["gap_ms"] > 0.5 * t["work_ms"]:
	    sys.exit(3)
	PY
}
# the first row of each tab: its function, and pprof's count for it
set -- 2:sync:contentions:wait_turn 3:syscall:contentions:pipe_step \
	4:heap:alloc_objects:alloc_some
for spec in "$@"; do
	IFS=: read -r key type sample fn <<-E
	$spec
	E
	want=$(pprof_count "$type" "$sample" "$fn")
	[ -n "$want" ] || fail "go tool pprof gave no count for $fn ($type)"
	cat >"$work/$type.script" <<-E
	key $key
	settle
	click 700 137
	settle
	timing
	print
	E
	timing_tries "the $type row's click computed" click_run check_tab "$type" "$T" "$fn" "$want"
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
print
E
# the Regions tab's click: its type's regions, as many as stats counts
check_regions() {
	python3 - "$work/regions.out" "$work/stats.json" <<-'PY'
	import json, sys
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
	if t["frames"] < 3 or t["gap_ms"] > 0.5 * t["work_ms"]:
	    sys.exit(3)
	PY
}
timing_tries "the regions row's click computed" click_run check_regions regions "$R"
echo "ok: the window drew while the clicked rows' occurrences were found; as many as pprof and stats count"
