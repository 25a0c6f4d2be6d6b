#!/bin/bash
# What a new process costs under `cprof-trace record`, measured in one run
# against its own baselines (median of RUNS each):
#   - `record -- /bin/true` against `heaptrack /bin/true` (goal: ratio <= 1)
#     and against a plain `lttng create; enable-event; start; stop;
#     destroy` (what any LTTng recording costs here)
#   - each fork+exec of /bin/true in a shell loop of N, traced minus
#     untraced, with record's fixed cost (`record -- /bin/true`) taken out
#     (goal: <= 5 ms)
# usage: bench-spawn.sh CPROF_TRACE PRELOAD_LIB   (env RUNS, N)
set -euo pipefail

cprof=$1
export CPROF_PRELOAD_LIB=$2
runs=${RUNS:-5}
n=${N:-100}

if ! pgrep -x lttng-sessiond >/dev/null; then
	lttng-sessiond --daemonize
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/cprof-bench-spawn.XXXXXX")
trap 'lttng destroy "bench-spawn-$$" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

loop="for i in \$(seq $n); do /bin/true; done"

# seconds COMMAND...: wall time of one run
seconds() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1 || true
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000))
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

rec() { rm -rf "$work/t"; "$cprof" record --no-count -o "$work/t" -- "$@"; }

# the same steps as record's, through the lttng command
plain_lttng() {
	local s=bench-spawn-$$
	rm -rf "$work/l"
	lttng create "$s" -o "$work/l" && lttng enable-event -u -s "$s" 'cprof:*' &&
		lttng start "$s" && lttng stop "$s" && lttng destroy "$s"
}

: >"$work/plain_true" >"$work/plain_loop" >"$work/rec_true" >"$work/rec_loop" >"$work/heaptrack"
: >"$work/lttng"
for _ in $(seq "$runs"); do
	# interleaved, so that a change of load hits every figure alike
	seconds /bin/true >>"$work/plain_true"
	seconds sh -c "$loop" >>"$work/plain_loop"
	seconds rec /bin/true >>"$work/rec_true"
	seconds rec sh -c "$loop" >>"$work/rec_loop"
	seconds plain_lttng >>"$work/lttng"
	if command -v heaptrack >/dev/null; then
		seconds heaptrack -o "$work/ht" /bin/true >>"$work/heaptrack"
		rm -f "$work"/ht*
	fi
done
pt=$(median <"$work/plain_true")
pl=$(median <"$work/plain_loop")
rt=$(median <"$work/rec_true")
rl=$(median <"$work/rec_loop")
echo "untraced: /bin/true $((pt / 1000)) ms, loop of $n $((pl / 1000)) ms"
echo "record: /bin/true $((rt / 1000)) ms, loop of $n $((rl / 1000)) ms"
awk -v pt="$pt" -v pl="$pl" -v rt="$rt" -v rl="$rl" -v n="$n" 'BEGIN {
	extra = ((rl - rt) - (pl - pt)) / n / 1000
	printf "per fork+exec under record: %.1f ms more than untraced (goal 5 ms: ratio %.2f)\n", extra, extra / 5 }'
lt=$(median <"$work/lttng")
awk -v rt="$rt" -v lt="$lt" 'BEGIN {
	printf "record -- /bin/true %.0f ms, plain lttng create/enable-event/start/stop/destroy %.0f ms: ratio %.2f\n", rt / 1000, lt / 1000, rt / lt }'
if [ -s "$work/heaptrack" ]; then
	ht=$(median <"$work/heaptrack")
	awk -v rt="$rt" -v ht="$ht" 'BEGIN {
		printf "record -- /bin/true %.0f ms, heaptrack /bin/true %.0f ms: ratio %.2f (goal <= 1)\n", rt / 1000, ht / 1000, rt / ht }'
fi
