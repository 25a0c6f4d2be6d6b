#!/bin/bash
# The processes of real programs, under `cprof-trace record` and a real
# lttng-sessiond.
#   redis   Debian's redis-server --daemonize yes (fork, the parent exits):
#           record follows the daemon until it shuts down, and the trace
#           holds the daemon's events. Skipped (77) without redis-server
#           and redis-tools.
#   exec    bash's children that exec ls and sleep are named ls and sleep
#           (not bash), and their exits are in the trace
#   isolation  two recordings at once: neither trace holds the other's
#           processes.
# usage: test-daemon.sh CASE   (env CPROF_TRACE, CPROF_PRELOAD_LIB)
set -euo pipefail

case_name=$1
cprof=${CPROF_TRACE:?CPROF_TRACE must name the cprof-trace executable}
: "${CPROF_PRELOAD_LIB:?CPROF_PRELOAD_LIB must name the preload library}"
export CPROF_PRELOAD_LIB

pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize

work=$(mktemp -d "${TMPDIR:-/tmp}/cprof-test-daemon.XXXXXX")
cleanup() {
	local p
	for p in $(cat "$work/pids" "$work/redis.pid" 2>/dev/null); do
		kill "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "FAIL ($case_name): $*" >&2
	exit 1
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

case $case_name in
redis)
	for p in redis-server redis-cli redis-benchmark; do
		command -v $p >/dev/null || { echo "SKIP: $p not installed (redis-server redis-tools)"; exit 77; }
	done
	port=$(free_port)
	"$cprof" record -o "$work/trace" -- redis-server --port "$port" --bind 127.0.0.1 \
		--daemonize yes --pidfile "$work/redis.pid" --dir "$work" --logfile "$work/redis.log" \
		--save '' --appendonly no 2>"$work/err" &
	rec=$!
	echo "$rec" >"$work/pids"
	for _ in $(seq 300); do
		[ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && break
		sleep 0.1
	done
	[ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] || fail "redis did not answer: $(cat "$work/err")"
	[ -s "$work/redis.pid" ] || fail "no pid file"
	daemon=$(cat "$work/redis.pid")
	redis-benchmark -p "$port" -n 3000 -c 4 -t set,get -q >"$work/bench" || fail "redis-benchmark"
	cat "$work/bench"
	# the program (redis-server's first process) exited long ago
	kill -0 "$rec" 2>/dev/null || fail "record returned while the daemon ran: $(cat "$work/err")"
	redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
	for _ in $(seq 300); do
		kill -0 "$rec" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$rec" 2>/dev/null && fail "record still runs 30 s after the daemon's shutdown"
	rc=0
	wait "$rec" || rc=$?
	cat "$work/err"
	[ "$rc" -eq 0 ] || fail "record exited with $rc"
	grep -q "^cprof-trace: redis-server exited; recording the processes it left running" \
		"$work/err" || fail "record did not say it followed the daemon"
	"$cprof" stats --json "$work/trace" >"$work/stats.json" 2>"$work/stats.err" ||
		fail "stats: $(cat "$work/stats.err")"
	python3 - "$work/stats.json" "$daemon" <<'PY' || fail "the daemon is missing from the trace"
import json, sys
s = json.load(open(sys.argv[1]))
daemon = int(sys.argv[2])
procs = {p["pid"]: p for p in s["processes"]}
print("processes:", sorted(procs), "daemon", daemon)
if daemon not in procs:
    sys.exit("FAIL: daemon pid %d not among %r" % (daemon, sorted(procs)))
ev = sum(t["events"] for t in s["threads"] if t["pid"] == daemon)
print("daemon events:", ev, "trace events:", s["events"])
if ev < 100:
    sys.exit("FAIL: the daemon has %d events: its 6000 requests are not in the trace" % ev)
PY
	;;
exec)
	"$cprof" record -o "$work/trace" -- bash -c 'ls / >/dev/null; sleep 0.3; exit 0' \
		2>"$work/err" || fail "record: $(cat "$work/err")"
	"$cprof" stats --json "$work/trace" >"$work/stats.json" 2>/dev/null || fail "stats"
	python3 - "$work/stats.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
procs = sorted((p["pid"], p["name"]) for p in s["processes"])
print("processes:", procs)
names = [n for _, n in procs]
if sorted(names) != ["bash", "ls", "sleep"]:
    sys.exit("FAIL: processes named %r, want bash, ls and sleep" % names)
ls = [p for p in s["processes"] if p["name"] == "ls"][0]
if not ls.get("end_ns"):
    sys.exit("FAIL: ls has no exit time: %r" % ls)
if not ls["end_ns"] - s["begin_ns"] < s["duration_ns"] - 200000000:
    sys.exit("FAIL: ls exits at %d ns of %d, not before the sleep" %
             (ls["end_ns"] - s["begin_ns"], s["duration_ns"]))
PY
	;;
isolation)
	# Two recordings at the same time, each of a shell starting 30 sleeps:
	# neither trace holds a process of the other, even with
	# --all-processes (the per-UID buffers are shared by both sessions).
	prog='i=0; while [ $i -lt 30 ]; do sleep 0.05; i=$((i+1)); done'
	"$cprof" record -o "$work/a" -- sh -c "$prog" 2>"$work/a.err" &
	a=$!
	"$cprof" record -o "$work/b" -- sh -c "$prog" 2>"$work/b.err" &
	b=$!
	echo "$a $b" >"$work/pids"
	wait "$a" || fail "record a: $(cat "$work/a.err")"
	wait "$b" || fail "record b: $(cat "$work/b.err")"
	for t in a b; do
		"$cprof" stats --json "$work/$t" >"$work/$t.json" 2>"$work/err" ||
			fail "stats $t: $(cat "$work/err")"
		"$cprof" dump --all-processes "$work/$t" 2>/dev/null | awk '{print $2}' | sort -u >"$work/$t.ids"
	done
	python3 - "$work/a" "$work/b" <<'PY'
import json, sys
def tree(t):
    s = json.load(open(t + ".json"))
    return {p["pid"] for p in s["processes"]} | {th["tid"] for th in s["threads"]}
def seen(t):
    return {int(x) for x in open(t + ".ids") if x.strip().isdigit()}
a, b = sys.argv[1:3]
for mine, other in ((a, b), (b, a)):
    n = len(json.load(open(mine + ".json"))["processes"])
    foreign = seen(mine) & tree(other)
    print("%s: %d processes of its tree, %d ids in all, %d of the other recording's" %
          (mine, n, len(seen(mine)), len(foreign)))
    if n < 25:
        sys.exit("FAIL: %s holds %d processes of its tree, not its 31" % (mine, n))
    if foreign:
        sys.exit("FAIL: %s holds events of the other recording's %r" % (mine, sorted(foreign)[:10]))
PY
	;;
*)
	fail "unknown case"
	;;
esac
echo "PASS ($case_name)"
