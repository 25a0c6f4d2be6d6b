#!/bin/sh
# bench-batch.sh: bytes on disk per record of the instrumentation API's
# batches (tracer/batch.c) over an annotated workload of ~N records
# (default 20M): bench-read-gen's mix (tasks, two nested regions, a log)
# and regions only, both on 2 threads under `cprof-trace record --no-auto`.
# Bound: 8 bytes per region record (the regions run; the mix, whose logs
# carry their messages, is printed for comparison). Prints the record count from `stats` and the
# size of the stream files (metadata and indexes left out).
# Env: CPROF_TRACE, BENCH_GEN; BENCH_EVENTS.
set -eu
events=${BENCH_EVENTS:-20000000}
tmp=$(mktemp -d /tmp/cprof-bench-batch.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize
status=0
for mode in mix regions; do
	s=$(date +%s.%N)
	"$CPROF_TRACE" record --no-auto --no-count --blocking-timeout=inf -o "$tmp/$mode" -- \
		"$BENCH_GEN" "$events" 2 "$mode" 2>"$tmp/record.err" ||
		{ cat "$tmp/record.err" >&2; exit 1; }
	e=$(date +%s.%N)
	records=$("$CPROF_TRACE" stats "$tmp/$mode" | sed -n 's/^events: *\([0-9]*\).*/\1/p')
	lost=$("$CPROF_TRACE" stats "$tmp/$mode" | sed -n 's/^lost events: *\([0-9]*\).*/\1/p')
	bytes=$(find "$tmp/$mode" -type f ! -name metadata ! -name '*.idx' ! -name '*.json' \
		! -name '*.gz' -path '*/ust/*' -printf '%s\n' | awk '{ s += $1 } END { print s }')
	per=$(echo "scale=2; $bytes / $records" | bc)
	printf '%-8s %d records (%d lost), %d bytes of streams: %s bytes per record, recorded in %.1f s\n' \
		"$mode" "$records" "$lost" "$bytes" "$per" "$(echo "$e - $s" | bc)"
	if [ "$mode" = regions ]; then
		echo "regions: bound 8 bytes per record"
		[ "$(echo "$per <= 8" | bc)" -eq 1 ] || status=1
	fi
	rm -rf "${tmp:?}/$mode"
done
exit $status
