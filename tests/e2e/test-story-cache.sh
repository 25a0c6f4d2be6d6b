#!/bin/sh
# cache: where the time of a request goes. stats --critical-path request
# must add up to the requests' own total (stats), follow the lock waits to
# the thread that held the lock in cache_evict, and its lock time must be
# the mutex profile's total delay (go tool pprof) for the same trace.
. "$(dirname "$0")/test-diagnose-lib.sh"

record scan cache --seconds 3 --threads 4
"$CPROF_TRACE" stats --json "$WORK/scan" >"$WORK/stats.json" || fail "stats --json failed"
"$CPROF_TRACE" stats --critical-path request --json "$WORK/scan" >"$WORK/cp.json" ||
	fail "stats --critical-path request --json failed"
"$CPROF_TRACE" stats --critical-path request "$WORK/scan" | head -20
mutex=$(profile scan mutex)
mutex_ms=$(pprof_top "$mutex" -sample_index=delay -unit=ms | total_of)

python3 - "$WORK/stats.json" "$WORK/cp.json" "$mutex_ms" <<'PY' || fail "critical path check failed"
import json, sys
stats = json.load(open(sys.argv[1]))
cp = json.load(open(sys.argv[2]))
mutex_ms = float(sys.argv[3])
req = stats["tasks"]["request"]
assert cp["type"] == "request", cp["type"]
assert cp["tasks"] == req["count"], (cp["tasks"], req["count"])
assert cp["total_ns"] == req["total_ns"], (cp["total_ns"], req["total_ns"])
segs = cp["segments"]
total = sum(s["ns"] for s in segs)
assert total == cp["total_ns"], ("segments sum", total, cp["total_ns"])
for s in segs:
    assert set(s) == {"what", "thread", "function", "ns"}, s
    assert s["what"] in ("run", "lock", "cond", "syscall", "join", "queue"), s
lock = [s for s in segs if s["what"] == "lock"]
evict = sum(s["ns"] for s in lock if s["function"] == "cache_evict")
lock_ns = sum(s["ns"] for s in lock)
print("lock %.1f ms (cache_evict %.1f ms), mutex profile %.1f ms, total %.1f ms"
      % (lock_ns / 1e6, evict / 1e6, mutex_ms, total / 1e6))
# waits for the lock: held by an evicting thread most of the time
assert evict > lock_ns / 2, "cache_evict holds the lock for less than half of the lock time"
top_lock = max(lock, key=lambda s: s["ns"])
assert top_lock["function"] == "cache_evict", top_lock
assert top_lock["thread"].startswith("gateway-"), top_lock
# every request's lock wait is a wait of the mutex profile (all request
# threads' waits are inside requests): the same total, to rounding
assert abs(lock_ns / 1e6 - mutex_ms) <= max(1.0, 0.01 * mutex_ms), (lock_ns / 1e6, mutex_ms)
PY

# The viewer's tabs on the same trace, with the figures pprof and stats give.
if [ -n "${VIEW:-1}" ] && "$CPROF_TRACE" view --help >/dev/null 2>&1; then
	export SDL_VIDEODRIVER=dummy
	"$CPROF_TRACE" view --screenshot "$WORK/flame.png" --size 1920x1080 --tab flame \
		--profile mutex --print-panel "$WORK/scan" >"$WORK/flame.json" || fail "view --tab flame failed"
	"$CPROF_TRACE" view --screenshot "$WORK/threads.png" --size 1920x1080 --tab threads \
		--print-panel "$WORK/scan" >"$WORK/threads.json" || fail "view --tab threads failed"
	# the slowest request's critical path
	slow=$("$CPROF_TRACE" dump "$WORK/scan" | awk '
		/cprof:task_begin/ { match($0, /id = [0-9]+/); b[substr($0, RSTART + 5, RLENGTH - 5)] = $1 }
		/cprof:task_end/ { match($0, /id = [0-9]+/); i = substr($0, RSTART + 5, RLENGTH - 5)
			if ((i in b) && $1 - b[i] > best) { best = $1 - b[i]; id = i } }
		END { print id }')
	"$CPROF_TRACE" view --screenshot "$WORK/path.png" --size 1920x1080 --tab path \
		--select "task:$slow" --print-panel "$WORK/scan" >"$WORK/path.json" ||
		fail "view --tab path failed"
	"$CPROF_TRACE" pprof -t mutex --no-inline -o "$WORK/mutex-noinline.pb.gz" "$WORK/scan" \
		>/dev/null 2>&1 || fail "pprof -t mutex --no-inline failed"
	go tool pprof -top -nodecount=200 -nodefraction=0 -sample_index=delay -unit=ns \
		"$WORK/mutex-noinline.pb.gz" >"$WORK/mutex.top" 2>&1 || fail "go tool pprof failed"
	[ -z "${KEEP_SHOTS:-}" ] || cp "$WORK"/flame.png "$WORK"/threads.png "$WORK"/path.png "$KEEP_SHOTS"
	python3 - "$WORK/flame.json" "$WORK/mutex.top" "$WORK/threads.json" "$WORK/stats.json" \
		"$WORK/path.json" <<'PY' || fail "viewer panel checks failed"
import json, re, sys
flame = json.load(open(sys.argv[1]))
top = {}
rows = False
for line in open(sys.argv[2]):
    if re.match(r"\s*flat\s+flat%", line):
        rows = True
        continue
    f = line.split()
    if rows and len(f) >= 6:
        top[" ".join(f[5:])] = (float(f[0].rstrip("ns")), float(f[3].rstrip("ns")))
assert flame["profile"] == "mutex", flame["profile"]
assert flame["top"][0]["name"] == "cache_evict", flame["top"][:3]
# every row of the flame tab is pprof's own figure for that function
for r in flame["top"]:
    flat, cum = top[r["name"]]
    assert abs(flat - r["flat"]) <= 1 and abs(cum - r["cum"]) <= 1, (r, flat, cum)
print("flame tab: %d rows equal to go tool pprof -top (mutex, delay)" % len(flame["top"]))
threads = json.load(open(sys.argv[3]))
stats = json.load(open(sys.argv[4]))
assert threads["tab"] == "threads"
gw = [t for t in threads["threads"] if t["name"].startswith("gateway-")]
assert len(gw) == 4, gw
for t in gw:
    assert set(t) >= {"tid", "name", "running_ns", "cpu_ns", "lock_ns", "cond_ns",
                      "syscall_ns", "join_ns"}, t
    assert t["lock_ns"] > t["cond_ns"] + t["syscall_ns"] + t["join_ns"], t
# every lock wait is a gateway's: their lock time is stats' mutex total
lock = sum(t["lock_ns"] for t in threads["threads"])
assert lock == stats["sync"]["kinds"]["mutex"]["total_ns"], (lock, stats["sync"]["kinds"])
print("threads tab: lock time %.1f ms = stats mutex total" % (lock / 1e6))
path = json.load(open(sys.argv[5]))
assert path["of"] == "task" and path["total_ns"] > 0, path
assert sum(r["ns"] for r in path["rows"]) == path["total_ns"]
own = [r["thread"] for r in path["rows"] if r["what"] == "run"]
cross = [r for r in path["rows"] if r["what"] == "lock" and r["function"] == "cache_evict"
         and r["thread"] not in own]
assert cross, path["rows"][:5]
print("path tab: the slowest request waited %.1f ms for cache_evict on another thread"
      % (sum(r["ns"] for r in cross) / 1e6))
PY
fi

# a type with no task is an error naming the trace
if "$CPROF_TRACE" stats --critical-path nosuch "$WORK/scan" >/dev/null 2>"$WORK/err"; then
	fail "--critical-path of an unknown type succeeded"
fi
grep -q "scan: no task of that type" "$WORK/err" || fail "error: $(cat "$WORK/err")"
echo "PASS: $TEST_NAME"
