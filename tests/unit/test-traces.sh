#!/bin/sh
# test-traces.sh [--update]: cprof-trace stats, stats --json, dump and pprof
# on the fixture traces of tests/data/traces, without a session daemon.
#
# 1. What a user checks: counts, names, lost events, one-line errors with a
#    non-zero exit on damaged traces.
# 2. Goldens: every output of the commands below on the fixtures whose
#    output names no symbol (annotated, lost) must stay byte-identical to
#    tests/data/traces/goldens/FIXTURE.txt (profiles compared as
#    `go tool pprof -raw` text and by the hash of their gunzipped bytes). `auto` is left out
#    of the goldens: its frames name libc functions, which depend on the
#    machine's libc and debug packages.
#    --update rewrites the goldens (after a deliberate change of output).
# Env: CPROF_TRACE, FIXTURES (tests/data/traces).
set -eu
update=${1:-}
tmp=$(mktemp -d /tmp/cprof-test-traces.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
export TZ=UTC
cd "$FIXTURES"
T=$CPROF_TRACE

# ---- 1. what a user checks ----------------------------------------------------

"$T" stats --json annotated >"$tmp/a.json" || fail "stats --json annotated"
python3 - "$tmp/a.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
def eq(what, got, want):
    if got != want:
        sys.exit("FAIL: %s = %r, want %r" % (what, got, want))
eq("events", s["events"], 87)
eq("lost", s["lost_events"], 0)
eq("threads", sorted(t["name"] for t in s["threads"]), ["fixture-app", "worker-0", "worker-1"])
eq("tasks", {k: (v["count"], v["unended"]) for k, v in s["tasks"].items()},
   {"job": (1, 0), "request": (6, 0), "(null)": (1, 0)})
eq("regions", {k: (v["count"], v["unended"]) for k, v in s["regions"].items()},
   {"parse": (6, 0), "decode": (6, 0), "sleep": (1, 0), "outer": (1, 0), "inner": (1, 0),
    "left-open": (0, 1)})
eq("logs", s["logs"], {"status": 6})
eq("counters", {k: (v["samples"], v["min"], v["max"]) for k, v in s["counters"].items()},
   {"queue depth": (6, 1, 3)})
if s["regions"]["sleep"]["total_ns"] < 5000000:
    sys.exit("FAIL: sleep region shorter than 5 ms")
eq("warnings", len(s["warnings"]), 3)
PY
"$T" stats annotated >"$tmp/a.txt" || fail "stats annotated"
grep -q '^  request  *6 ' "$tmp/a.txt" || fail "text stats lack the request line"
grep -q "region 'inner' on thread [0-9]* (fixture-app) ended after its enclosing region 'outer'" \
	"$tmp/a.txt" || fail "text stats lack the out-of-order warning"

"$T" dump annotated >"$tmp/a.dump" || fail "dump annotated"
[ "$(grep -c ' cprof:' "$tmp/a.dump")" -eq 61 ] || fail "dump: $(grep -c ' cprof:' "$tmp/a.dump") cprof events, want 61"
grep -q 'cprof:log task = [0-9]*, category = "status", _message_length = 15, message = "worker 1 item 2", length = 15$' \
	"$tmp/a.dump" || fail "dump lacks worker 1's last log"

"$T" stats --json auto >"$tmp/auto.json" || fail "stats --json auto"
"$T" stats --json --all-processes auto >"$tmp/auto-all.json" || fail "stats --all-processes auto"
python3 - "$tmp/auto.json" "$tmp/auto-all.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
a = json.load(open(sys.argv[2]))
def eq(what, got, want):
    if got != want:
        sys.exit("FAIL: %s = %r, want %r" % (what, got, want))
eq("events", s["events"], 109)
eq("processes", [p["name"] for p in s["processes"]], ["fixture-app"])
eq("all processes", len(a["processes"]), 3)
eq("waits", {k: v["count"] for k, v in s["sync"]["kinds"].items()}, {"mutex": 5, "join": 2})
eq("allocs", (s["heap"]["allocs"], s["heap"]["alloc_bytes"]), (11, 11264))
# the program's own frames: its binary is gone, so they stay offsets
frames = s["sync"]["top_stacks"][0]["frames"]
if not any(f.startswith("fixture-app+0x") for f in frames):
    sys.exit("FAIL: no fixture-app+0x frame in %r" % frames)
PY

# pprof: every type on auto, read back by go tool pprof
for t in sync mutex cpu heap syscall threads; do
	"$T" pprof -t $t -o "$tmp/auto-$t.pb.gz" auto 2>"$tmp/auto-$t.err" ||
		fail "pprof -t $t auto: $(cat "$tmp/auto-$t.err")"
	go tool pprof -raw "$tmp/auto-$t.pb.gz" >"$tmp/auto-$t.raw" 2>&1 || fail "go tool pprof -raw ($t)"
done
grep -q '^cprof-trace: mutex profile: 5 of 5 lock waits' "$tmp/auto-mutex.err" ||
	fail "mutex report: $(cat "$tmp/auto-mutex.err")"
grep -q '^cprof-trace: heap profile: 11 of 11 allocations' "$tmp/auto-heap.err" ||
	fail "heap report: $(cat "$tmp/auto-heap.err")"
grep -q '^contentions/count delay/nanoseconds\[dflt\]' "$tmp/auto-sync.raw" || fail "sync sample types"
[ "$(grep -c 'thread:\[fixture-app\]' "$tmp/auto-cpu.raw")" -ge 1 ] || fail "cpu labels"
grep -q 'alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes\[dflt\]' \
	"$tmp/auto-heap.raw" || fail "heap sample types"
"$T" pprof -t region -o "$tmp/none.pb.gz" auto 2>"$tmp/err" && fail "region profile of a trace without regions"
[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "region profile: the trace holds no regions" "$tmp/err" ||
	fail "no-regions error: $(cat "$tmp/err")"
[ ! -e "$tmp/none.pb.gz" ] || fail "a profile was written for nothing"

"$T" stats --json lost >"$tmp/lost.json" 2>"$tmp/err" || fail "stats lost"
grep -q 'warning: 2815 events lost by the tracer' "$tmp/err" || fail "no lost warning: $(cat "$tmp/err")"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(0 if (s["lost_events"], s["logs"]) == (2815, {"burst": 185}) else "FAIL: lost %r" % s["lost_events"])' "$tmp/lost.json"

# fork-early-lost: `record --alloc=all` of a program whose fork child
# executes /bin/true, by cprof-trace 3d87666 (the preload then flushed the
# child's first batch before the session daemon registered the child, so
# LTTng never saw it; fixed in 06337da, so record.sh cannot make it again).
# Its 16 records are counted lost over a range that is not reversed: the
# batch went out before the child's first event in the trace ("between
# 0.026 s and 0.012 s" before).
"$T" stats --json fork-early-lost >"$tmp/fel.json" 2>"$tmp/err" || fail "stats fork-early-lost"
grep -q 'warning: 16 records lost by the tracer' "$tmp/err" || fail "no lost warning: $(cat "$tmp/err")"
python3 - "$tmp/fel.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
lost = s["lost"]
if s["lost_records"] != 16 or len(lost) != 1 or lost[0]["count"] != 16:
    sys.exit("FAIL: fork-early-lost: lost %r" % lost)
if lost[0]["begin_ns"] > lost[0]["end_ns"]:
    sys.exit("FAIL: fork-early-lost: reversed range %r" % lost)
w = [x for x in s["warnings"] if "16 records lost" in x]
if len(w) != 1:
    sys.exit("FAIL: fork-early-lost: warnings %r" % s["warnings"])
a, b = (float(x) for x in w[0].split("between ")[1].rstrip(")").replace(" s", "").split(" and "))
if a > b:
    sys.exit("FAIL: fork-early-lost: the warning's range is reversed: %s" % w[0])
PY

# damaged traces: one line naming the problem, exit 1
bad() {
	name=$1 want=$2
	for cmd in "stats" "stats --json" "dump" "pprof -t sync -o $tmp/bad.pb.gz"; do
		# shellcheck disable=SC2086
		if timeout 30 "$T" $cmd "$name" >"$tmp/out" 2>"$tmp/err"; then
			fail "$cmd $name succeeded"
		else
			rc=$?
		fi
		[ "$rc" -eq 1 ] || fail "$cmd $name: exit $rc, want 1"
		[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$cmd $name: $(cat "$tmp/err")"
		grep -q "^cprof-trace: $name: .*$want" "$tmp/err" || fail "$cmd $name: want '$want' in $(cat "$tmp/err")"
	done
}
bad no-cprof "the trace holds no cprof events"
bad truncated-stream "truncated or corrupt stream file truncated-stream/ust/uid/0/64-bit/cprof_"
bad truncated-metadata "is cut short (packet at byte"
bad truncated-metadata-text "is cut short (its text ends inside a declaration)"

# ---- 2. goldens -------------------------------------------------------------------

out="$tmp/goldens"
mkdir -p "$out"
run() { # FIXTURE COMMAND...: appends the command's outputs to FIXTURE's golden
	g="$out/$1.txt"
	shift
	rm -f "$tmp/p.pb.gz"
	set +e
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
	# the profile's file name is the test's, not part of the output
	sed -i "s|$tmp/p.pb.gz|PROFILE|g" "$tmp/err"
	{
		echo "==== $(echo "${*#"$T "}" | sed "s|$tmp/p.pb.gz|PROFILE|") (exit $rc)"
		cat "$tmp/out"
		echo "---- stderr"
		cat "$tmp/err"
		if [ -f "$tmp/p.pb.gz" ]; then
			echo "---- gunzipped profile: $(gunzip -c "$tmp/p.pb.gz" | sha256sum | cut -d' ' -f1)"
			go tool pprof -raw "$tmp/p.pb.gz" 2>&1
		fi
	} >>"$g"
}
for tr in annotated lost; do
	run $tr "$T" stats $tr
	run $tr "$T" stats --json $tr
	run $tr "$T" dump $tr
	for t in sync mutex cpu heap syscall region threads; do
		run $tr "$T" pprof -t $t -o "$tmp/p.pb.gz" $tr
	done
done
run annotated "$T" pprof -t region --thread worker-1 --region decode -o "$tmp/p.pb.gz" annotated
run annotated "$T" pprof -t region --from 1ms --to 500ms --task request -o "$tmp/p.pb.gz" annotated

goldens="$FIXTURES/goldens"
if [ "$update" = --update ]; then
	rm -rf "$goldens"
	cp -r "$out" "$goldens"
	echo "goldens updated: $(ls "$goldens")"
	exit 0
fi
diff -r "$goldens" "$out" >"$tmp/diff" || fail "outputs differ from the goldens:
$(head -40 "$tmp/diff")"
echo "all fixture checks passed; goldens identical: $(ls "$goldens" | tr '\n' ' ')"
