#!/bin/bash
# record's channel under load (issue 2): a program emitting 1M events/s for
# 10 s under `cprof-trace record` must lose no event. For comparison, the
# same load on LTTng's default UST channel geometry without blocking
# (4 x 512 KiB, discard mode), measured in the same run.
#
# usage: bench-record.sh CPROF_TRACE TEST_RECORD_PROG [RATE [SECONDS]]
set -euo pipefail

cprof=$1
prog=$2
rate=${3:-1000000}
secs=${4:-10}

pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize
work=$(mktemp -d "${TMPDIR:-/tmp}/cprof-bench-record.XXXXXX")
trap 'rm -rf "$work"' EXIT

# run NAME RECORD-OPTIONS... : prints one line of figures, sets $lost
run() {
	local name=$1
	shift
	local t0 t1 pid emitted recorded discarded
	t0=$(date +%s.%N)
	"$cprof" record --no-count -o "$work/$name" "$@" -- "$prog" rate "$rate" "$secs" \
		2>"$work/$name.err"
	t1=$(date +%s.%N)
	emitted=$(sed -nE 's/^test-record-prog: emitted ([0-9]+) events.*/\1/p' "$work/$name.err")
	pid=$(sed -E 's/.*"pid": ([0-9]+).*/\1/' "$work/$name/cprof-record.json")
	discarded=$(sed -E 's/.*"discarded_events": ([0-9]+).*/\1/' "$work/$name/cprof-record.json")
	# The program's own records only (the per-UID buffers also hold other
	# processes' events): the regions travel in cprof:batch events, whose
	# `count` says how many records each carries.
	recorded=$(babeltrace2 "$work/$name" 2>"$work/$name.bt" |
		grep "cprof:batch.*vpid = $pid," |
		sed -nE 's/.* count = ([0-9]+),.*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
	lost=$((emitted - recorded))
	printf '%-28s emitted %9d  recorded %9d  lost %8d (%.4f%%)  LTTng discarded %8d  wall %5.1f s  %s MiB\n' \
		"$name" "$emitted" "$recorded" "$lost" "$(awk -v l="$lost" -v e="$emitted" 'BEGIN { print 100 * l / e }')" \
		"$discarded" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$(du -sm "$work/$name" | cut -f1)"
	grep -E "late|warning" "$work/$name.err" | sed 's/^/    /' || true
	printf '    babeltrace2: %d discarded-events warnings\n' \
		"$(grep -c 'Tracer discarded' "$work/$name.bt" || true)"
	rm -rf "${work:?}/$name"
}

echo "bench-record: $rate events/s for $secs s, $(nproc) CPUs"
run "record-default"
default_lost=$lost
run "lttng-default-discard" --subbuf-size=512k --num-subbuf=4 --blocking-timeout=0
if [ "$default_lost" -ne 0 ]; then
	echo "FAIL: record's default channel lost $default_lost events" >&2
	exit 1
fi
echo "ok: record's default channel (8 x 512 KiB per CPU, blocking 1 s) lost no event"
