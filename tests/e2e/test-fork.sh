#!/bin/sh
# test-fork.sh: a program annotated with the API only, recorded with
# `cprof-trace record --no-auto` (no preload, no liblttng-ust-fork), forks
# children that fork grandchildren; every process's regions are counted
# and every process is listed with its parent (libcprof-trace re-registers
# a fork child with lttng-ust and emits cprof:process {ppid}). Four
# children: on a loaded machine a child that went on before record tracked
# it, or one that exited while libcprof-trace's flusher thread was writing
# an event, lost records (the latter sometimes a whole CPU's stream, the
# session daemon then never confirming the session's end).
# Env: CPROF_TRACE (the cprof-trace binary), FORK_APP (test-fork-app).
set -eu

tmp=$(mktemp -d /tmp/cprof-test-fork.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize

children=4
"$CPROF_TRACE" record --no-auto -o "$tmp/trace" -- "$FORK_APP" "$children" \
	2>"$tmp/record.err" || fail "record: $(cat "$tmp/record.err")"
if grep -q "warning" "$tmp/record.err"; then
	fail "record warned: $(cat "$tmp/record.err")"
fi
"$CPROF_TRACE" stats --json "$tmp/trace" >"$tmp/stats.json" 2>"$tmp/stats.err" ||
	fail "stats: $(cat "$tmp/stats.err")"
python3 - "$tmp/stats.json" "$tmp/trace/cprof-record.json" "$children" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))
root = json.load(open(sys.argv[2]))["pid"]
n = int(sys.argv[3])
def eq(what, got, want):
    if got != want:
        sys.exit("FAIL: %s = %r, want %r" % (what, got, want))
eq("lost_events", s["lost_events"], 0)
eq("regions", {k: v["count"] for k, v in s["regions"].items()},
   {"parent": 3, "child": 5 * n, "grandchild": 2 * n})
eq("tasks", {k: v["count"] for k, v in s["tasks"].items()},
   {"parent": 1, "child": n, "grandchild": n})
procs = {p["pid"]: p["ppid"] for p in s["processes"]}
eq("processes", len(procs), 1 + 2 * n)
if root not in procs or procs[root] <= 0:
    sys.exit("FAIL: root %d not listed with its parent: %r" % (root, s["processes"]))
kids = [p for p, pp in procs.items() if pp == root]
eq("children of the root", len(kids), n)
for k in kids:
    eq("grandchildren of %d" % k, len([p for p, pp in procs.items() if pp == k]), 1)
# Each process's events are on its own thread, not on the parent's.
threads = {}
for t in s["threads"]:
    threads.setdefault(t["pid"], []).append(t)
for p in procs:
    ts = threads.get(p, [])
    eq("threads of %d" % p, [t["tid"] for t in ts], [p])
PYEOF
