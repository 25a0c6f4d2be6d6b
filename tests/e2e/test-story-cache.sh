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

# a type with no task is an error naming the trace
if "$CPROF_TRACE" stats --critical-path nosuch "$WORK/scan" >/dev/null 2>"$WORK/err"; then
	fail "--critical-path of an unknown type succeeded"
fi
grep -q "scan: no task of that type" "$WORK/err" || fail "error: $(cat "$WORK/err")"
echo "PASS: $TEST_NAME"
