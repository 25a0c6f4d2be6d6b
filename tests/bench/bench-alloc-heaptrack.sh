#!/bin/bash
# Every allocation recorded, against heaptrack (Debian's, which also records
# every allocation with its stack): wall time of sqlite3 importing ROWS rows
# (default 300,000: about 1.2M allocations) into an in-memory table,
# untraced, under `heaptrack` and under `cprof-trace record --alloc=all`
# (its defaults otherwise: the trace read back to count its events and
# store its symbols, as heaptrack writes and interprets its own), best of
# RUNS (default 3), the three interleaved so that a change of load hits
# them alike. Prints the three times and the ratio record/heaptrack
# (bound 1.0, exit 1 above).
# usage: bench-alloc-heaptrack.sh CPROF_TRACE PRELOAD_LIB   (env ROWS, RUNS)
set -euo pipefail

cprof=$1
export CPROF_PRELOAD_LIB=$2
rows=${ROWS:-300000}
runs=${RUNS:-3}

for tool in sqlite3 heaptrack; do
	command -v "$tool" >/dev/null || {
		echo "bench-alloc-heaptrack: $tool not installed" >&2
		exit 1
	}
done
pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize
work=$(mktemp -d "${TMPDIR:-/tmp}/cprof-bench-alloc.XXXXXX")
trap 'rm -rf "$work"' EXIT

seq 1 "$rows" | awk '{ printf "%d,name-%d\n", $1, $1 }' >"$work/rows.csv"
printf 'CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT);\n.mode csv\n.import %s t\n' \
	"$work/rows.csv" >"$work/import.sql"

# seconds COMMAND...: wall time of one run in ms, sqlite3 reading the script
seconds() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" <"$work/import.sql" >"$work/out" 2>&1 || {
		cat "$work/out" >&2
		exit 1
	}
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

best() { sort -n | head -1; }

: >"$work/plain" >"$work/heaptrack" >"$work/record"
for _ in $(seq "$runs"); do
	seconds sqlite3 :memory: >>"$work/plain"
	rm -f "$work"/ht.*
	seconds heaptrack -o "$work/ht" sqlite3 :memory: >>"$work/heaptrack"
	rm -rf "$work/trace"
	seconds "$cprof" record --alloc=all -o "$work/trace" -- sqlite3 :memory: >>"$work/record"
done
allocs=$("$cprof" stats "$work/trace" | sed -n 's/.* \([0-9]*\) allocations recorded.*/\1/p')
plain=$(best <"$work/plain")
ht=$(best <"$work/heaptrack")
rec=$(best <"$work/record")
echo "sqlite3 importing $rows rows ($allocs allocations recorded), best of $runs:"
echo "untraced $plain ms, heaptrack $ht ms, record --alloc=all $rec ms"
awk -v r="$rec" -v h="$ht" -v p="$plain" 'BEGIN {
	printf "record/heaptrack %.2f (bound 1.0); record/untraced %.1f, heaptrack/untraced %.1f\n",
		r / h, r / p, h / p
	exit !(r <= h) }'
