# Sourced by bench-open.sh and bench-view-load.sh: the baseline their
# bounds are stated against. dummy_sink NAME sets bt_ns and bt_cpu_ns, the
# wall and CPU nanoseconds per event `babeltrace2 -c sink.utils.dummy`
# spends on a trace of $raw raw LTTng-UST events with two integers
# (bench-open-raw: $BENCH_RAW), recorded in $tmp/raw through a blocking
# channel (none lost) without contexts. The caller's EXIT trap destroys
# $session when it is set.
dummy_sink() {
	session=$1-$$
	lttng create "$session" --output="$tmp/raw" >/dev/null
	lttng enable-channel -u -s "$session" --subbuf-size=4M --num-subbuf=8 \
		--blocking-timeout=inf ch >/dev/null
	lttng enable-event -u -s "$session" -c ch 'cprof_bench_open:*' >/dev/null
	lttng start "$session" >/dev/null
	LTTNG_UST_ALLOW_BLOCKING=1 "$BENCH_RAW" "$raw"
	lttng stop "$session" >/dev/null
	lttng destroy "$session" >/dev/null
	session=""
	local s e
	s=$(date +%s.%N)
	/usr/bin/time -f '%U %S' -o "$tmp/bt.cpu" babeltrace2 "$tmp/raw" -c sink.utils.dummy
	e=$(date +%s.%N)
	bt_ns=$(echo "scale=1; ($e - $s) * 1000000000 / $raw" | bc)
	bt_cpu_ns=$(awk -v n="$raw" '{ printf "%.1f", ($1 + $2) * 1e9 / n }' "$tmp/bt.cpu")
	rm -rf "$tmp/raw"
}
