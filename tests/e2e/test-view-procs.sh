#!/bin/sh
# The viewer's heap counter tracks in a trace of several processes: a
# program that forks 3 children, each allocating, recorded with
# --alloc=all. Each process's "heap in use" track is drawn inside its own
# process group, right below the group's header and above its threads
# (view --script's print: the lanes in the order drawn, and the gutter
# labels the frame drew); collapsing a child's group (a click on its
# header) hides its track with its threads and moves the next group up by
# their height; two runs give the same lanes. A trace of the program alone
# (no child) keeps its heap track above its process, as before. Before,
# the four heap tracks sat above every process group.
# Env: CPROF_TRACE, PROCS_APP; KEEP=1 keeps the work directory.
set -eu
: "${CPROF_TRACE:?}" "${PROCS_APP:?}"
work=$(mktemp -d /tmp/cprof-test-view-procs.XXXXXX)
trap '[ "${KEEP:-0}" = 1 ] && echo "kept: $work" || rm -rf "$work"' EXIT
fail() {
	echo "FAIL: view-procs: $*" >&2
	exit 1
}
pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize
W=1280
H=1000

# view_print TRACE OUT [ACTION...]: one frame, the actions, then print
view_print() {
	t=$1
	out=$2
	shift 2
	{
		echo "frames 1"
		for a in "$@"; do echo "$a"; done
		echo print
	} >"$work/script"
	SDL_VIDEODRIVER=offscreen "$CPROF_TRACE" view --script "$work/script" --size ${W}x$H "$t" \
		>"$out" 2>"$work/view.err" || fail "view --script $t failed: $(cat "$work/view.err")"
}

"$CPROF_TRACE" record --alloc=all -o "$work/t" -- "$PROCS_APP" 3 >"$work/rec.out" 2>&1 ||
	fail "record failed: $(cat "$work/rec.out")"
view_print "$work/t" "$work/a.json"
view_print "$work/t" "$work/b.json"

# the lanes, each heap track in its process's group
python3 - "$work/a.json" "$work/b.json" >"$work/lanes.txt" <<'PY' || fail "heap tracks: $(cat "$work/lanes.txt")"
import json, sys
a = json.loads(open(sys.argv[1]).read())
b = json.loads(open(sys.argv[2]).read())
lanes = a["lanes"]
for l in lanes:
    print(l["kind"], l["pid"], "in", l["in"], "y", l["y"], l["name"])
assert lanes == b["lanes"], "two runs drew different lanes"
heads = [l for l in lanes if l["kind"] == "process"]
assert len(heads) == 4, "%d process groups, not the program and its 3 children" % len(heads)
heap = [l for l in lanes if l["kind"] == "counter" and l["name"] == "heap in use"]
assert sorted(l["pid"] for l in heap) == sorted(h["pid"] for h in heads), \
    "not one heap track per process: %s" % [l["pid"] for l in heap]
for i, h in enumerate(heads):
    end = heads[i + 1]["y"] if i + 1 < len(heads) else 1 << 30
    mine = [l for l in heap if l["pid"] == h["pid"]][0]
    assert mine["in"] == h["pid"] and h["y"] < mine["y"] < end, \
        "process %d's heap track at y %d, its group spans %d..%d" % (h["pid"], mine["y"], h["y"], end)
    # at the top of the group: right below the header, above its threads
    first = lanes[lanes.index(h) + 1]
    assert first["kind"] == "counter" and first["pid"] == h["pid"], \
        "process %d's group opens with %s" % (h["pid"], first)
    assert all(l["in"] == h["pid"] for l in lanes if l["pid"] == h["pid"]), \
        "process %d has lanes outside its group" % h["pid"]
# as drawn: each header's label, then its heap track's
g = [s for s in a["gutter"] if "pid " in s]
print("gutter:", g)
for h in heads:
    at = [k for k, s in enumerate(g) if s.startswith("\u25be ") and "pid %d " % h["pid"] in s]
    assert at and g[at[0] + 1] == "heap in use - pid %d" % h["pid"], \
        "the gutter does not show process %d's heap track below its header" % h["pid"]
print("ok: each heap track at the top of its process's group")
PY
cat "$work/lanes.txt"

# collapse the second child's group: its track goes with its threads
click=$(python3 - "$work/a.json" <<'PY'
import json, sys
a = json.loads(open(sys.argv[1]).read())
h = [l for l in a["lanes"] if l["kind"] == "process"][2]
print(40, a["lanes_top"] + h["y"] + h["h"] // 2, h["pid"])
PY
)
set -- $click
view_print "$work/t" "$work/c.json" "click $1 $2"
python3 - "$work/a.json" "$work/c.json" "$3" >"$work/fold.txt" <<'PY' || fail "collapsing: $(cat "$work/fold.txt")"
import json, sys
a = json.loads(open(sys.argv[1]).read())["lanes"]
c = json.loads(open(sys.argv[2]).read())
pid = int(sys.argv[3])
assert c["collapsed"] == 1, "the click collapsed %d groups" % c["collapsed"]
folded = [l for l in c["lanes"] if l["pid"] == pid]
assert [l["kind"] for l in folded] == ["process"], "process %d collapsed still shows %s" % (pid, folded)
assert not [s for s in c["gutter"] if s == "heap in use - pid %d" % pid], "its heap track is still drawn"
gone = sum(l["h"] for l in a if l["pid"] == pid and l["kind"] != "process")
ha = [l for l in a if l["kind"] == "process"]
hc = [l for l in c["lanes"] if l["kind"] == "process"]
assert hc[3]["y"] == ha[3]["y"] - gone, "the next group moved from %d to %d, not up by %d" % (
    ha[3]["y"], hc[3]["y"], gone)
others = [l["pid"] for l in c["lanes"] if l["kind"] == "counter" and l["name"] == "heap in use"]
assert len(others) == 3 and pid not in others, others
print("ok: process %d collapsed with its heap track (%d px)" % (pid, gone))
PY
cat "$work/fold.txt"

# one process: its heap track stays above it
"$CPROF_TRACE" record --alloc=all -o "$work/one" -- "$PROCS_APP" 0 >"$work/rec1.out" 2>&1 ||
	fail "record of one process failed: $(cat "$work/rec1.out")"
view_print "$work/one" "$work/one.json"
python3 - "$work/one.json" >"$work/one.txt" <<'PY' || fail "one process: $(cat "$work/one.txt")"
import json, sys
lanes = json.loads(open(sys.argv[1]).read())["lanes"]
print([(l["kind"], l["name"]) for l in lanes])
assert lanes[0]["kind"] == "counter" and lanes[0]["name"] == "heap in use" and lanes[0]["in"] is None, \
    "the heap track is not the first lane"
assert [l["kind"] for l in lanes].count("process") == 1
print("ok: one process keeps its heap track on top")
PY
cat "$work/one.txt"
echo "ok: view-procs"
