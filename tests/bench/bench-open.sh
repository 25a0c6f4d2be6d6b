#!/bin/sh
# bench-open.sh: opening a big annotated trace, against babeltrace2.
#   - a trace of N raw LTTng-UST events with two integers (bench-open-raw,
#     default 4M), read by `babeltrace2 -c sink.utils.dummy`: ns per event;
#   - a trace of R compact records (default 100M: bench-read-gen's regions
#     on 2 threads under `record --no-auto`, batched): its first open
#     (decoding, then writing the model cache) in ns per record, bound 1/10
#     of babeltrace2's ns per event; its second open (mapping the cache),
#     bound 1/5 of the first; the model's bytes per record (the vectors'
#     items), bound 16, and the first open's peak RSS.
# Ratios from one run of each. Env: CPROF_TRACE, BENCH_GEN, BENCH_READ,
# BENCH_RAW; BENCH_RECORDS, BENCH_RAW_EVENTS.
set -eu
records=${BENCH_RECORDS:-100000000}
raw=${BENCH_RAW_EVENTS:-4000000}
tmp=$(mktemp -d /tmp/cprof-bench-open.XXXXXX)
session=""
cleanup() {
	[ -n "$session" ] && lttng destroy "$session" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize

# The baseline: raw events, blocking channel (none lost), no contexts.
session=cprof-bench-open-$$
lttng create "$session" --output="$tmp/raw" >/dev/null
lttng enable-channel -u -s "$session" --subbuf-size=4M --num-subbuf=8 \
	--blocking-timeout=inf ch >/dev/null
lttng enable-event -u -s "$session" -c ch 'cprof_bench_open:*' >/dev/null
lttng start "$session" >/dev/null
LTTNG_UST_ALLOW_BLOCKING=1 "$BENCH_RAW" "$raw"
lttng stop "$session" >/dev/null
lttng destroy "$session" >/dev/null
session=""
s=$(date +%s.%N)
/usr/bin/time -f '%U %S' -o "$tmp/bt.cpu" babeltrace2 "$tmp/raw" -c sink.utils.dummy
e=$(date +%s.%N)
bt_ns=$(echo "scale=1; ($e - $s) * 1000000000 / $raw" | bc)
bt_cpu_ns=$(awk -v n="$raw" '{ printf "%.1f", ($1 + $2) * 1e9 / n }' "$tmp/bt.cpu")
rm -rf "$tmp/raw"

"$CPROF_TRACE" record --no-auto --no-count --blocking-timeout=inf -o "$tmp/trace" -- \
	"$BENCH_GEN" "$records" 2 regions 2>"$tmp/record.err" ||
	{ cat "$tmp/record.err" >&2; exit 1; }
# a trace written in the last second is not cached: this one is done
find "$tmp/trace" -type f -exec touch -d '-10 seconds' {} +
bytes=$(find "$tmp/trace" -type f -path '*/ust/*' ! -name metadata ! -name '*.idx' \
	-printf '%s\n' | awk '{ s += $1 } END { print s }')
"$BENCH_READ" --open "$tmp/trace" >"$tmp/open.txt"
val() { sed -n "s/^$1 //p" "$tmp/open.txt"; }
n=$(val records)
first=$(val first)
second=$(val second)
first_ns=$(echo "scale=1; $first * 1000000000 / $n" | bc)
first_cpu_ns=$(echo "scale=1; $(val first_cpu) * 1000000000 / $n" | bc)
cache=$(stat -c %s "$tmp/trace/.cprof-cache/model")

printf 'trace: %d records, %.2f bytes/record on disk, cache file %.2f bytes/record\n' \
	"$n" "$(echo "scale=3; $bytes / $n" | bc)" "$(echo "scale=3; $cache / $n" | bc)"
printf 'babeltrace2 -c sink.utils.dummy: %s ns/event wall, %s ns/event CPU (%d raw events, two integers)\n' \
	"$bt_ns" "$bt_cpu_ns" "$raw"
printf 'first open:  %.3f s wall, %s ns/record, ratio to the dummy sink 1/%.1f (bound 1/10)\n' \
	"$first" "$first_ns" "$(echo "scale=3; $bt_ns / $first_ns" | bc)"
printf '             %.3f s CPU,  %s ns/record, ratio to the dummy sink 1/%.1f\n' \
	"$(val first_cpu)" "$first_cpu_ns" "$(echo "scale=3; $bt_cpu_ns / $first_cpu_ns" | bc)"
printf 'second open: %.3f s wall, ratio to the first 1/%.1f (bound 1/5); %.3f s CPU, 1/%.1f\n' \
	"$second" "$(echo "scale=3; $first / $second" | bc)" "$(val second_cpu)" \
	"$(echo "scale=3; $(val first_cpu) / $(val second_cpu)" | bc)"
printf 'model: %.2f bytes/record in its vectors (bound 16), %.2f held with slack; peak RSS %.0f MiB (%.2f bytes/record)\n' \
	"$(echo "scale=3; $(val model_used) / $n" | bc)" "$(echo "scale=3; $(val model_held) / $n" | bc)" \
	"$(echo "scale=1; $(val maxrss_kib) / 1024" | bc)" "$(echo "scale=3; $(val maxrss_kib) * 1024 / $n" | bc)"
status=0
[ "$(echo "$first_ns * 10 <= $bt_ns" | bc)" -eq 1 ] || { echo "over bound: first open"; status=1; }
[ "$(echo "$second * 5 <= $first" | bc)" -eq 1 ] || { echo "over bound: second open"; status=1; }
[ "$(echo "$(val model_used) <= 16 * $n" | bc)" -eq 1 ] || { echo "over bound: model bytes"; status=1; }
exit $status
