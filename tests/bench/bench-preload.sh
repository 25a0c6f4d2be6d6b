#!/bin/bash
# Cost of libcprof-trace-preload on its two hot paths (uncontended
# lock/unlock pair, malloc(64)/free pair), ratios from one run:
#   - under `cprof-trace record` with default options (an active session),
#     each round times the hooked pairs and, interleaved, libc's own
#     functions in the same process (bench-preload.c says why): the
#     "in-process" ratio, which is the one checked against the issue's
#     1.5x bound;
#   - the same hooked figures against separate untraced runs (interleaved
#     with the recorded ones: untraced, recorded, untraced, recorded);
#   - LTTng's own liblttng-ust-pthread-wrapper / liblttng-ust-libc-wrapper
#     with a session enabling their events, measured the same way;
#   - the preload library loaded with no session (dormant: compiled in,
#     as under `serve` before a capture), in-process ratios.
# A third pair, a 1-byte read of /dev/zero, shows a blocking-call hook on
# a call too fast to record; the same read with a threshold of 0, at the
# bottom of 30 frames, what recording a blocking call with its stack costs.
# Figures are medians over all rounds, in ns per pair.
#
# usage: bench-preload.sh CPROF_TRACE BENCH_PROG PRELOAD_LIB
set -euo pipefail

cprof=$1
prog=$2
export CPROF_PRELOAD_LIB=$3
ustlib=$(dirname "$(readlink -f /usr/lib/x86_64-linux-gnu/liblttng-ust.so.1)")
rounds=${BENCH_ROUNDS:-9}
runs=${BENCH_RUNS:-2}

if ! pgrep -x lttng-sessiond >/dev/null; then
	lttng-sessiond --daemonize
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/cprof-bench-preload.XXXXXX")
session="bench-preload-$$"
trap 'lttng destroy "$session" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

for ((i = 0; i < runs; i++)); do
	"$prog" st "$rounds" >>"$work/untraced-1thread"
	"$prog" mt "$rounds" >>"$work/untraced"
	rm -rf "$work/trace-cprof"
	"$cprof" record -o "$work/trace-cprof" -- "$prog" mt "$rounds" >>"$work/cprof" \
		2>"$work/cprof.err" || { cat "$work/cprof.err" >&2; exit 1; }
	LD_PRELOAD="$CPROF_PRELOAD_LIB" "$prog" mt "$rounds" >>"$work/dormant"
done

# every read recorded with its 30-frame stack
rm -rf "$work/trace-deep"
"$cprof" record --io-threshold=0 -o "$work/trace-deep" -- "$prog" deep 5 20000 \
	>"$work/deep" 2>"$work/deep.err" || { cat "$work/deep.err" >&2; exit 1; }

lttng create "$session" --output="$work/trace-lttng" >/dev/null
lttng enable-event -u -s "$session" 'lttng_ust_pthread:*' >/dev/null
lttng enable-event -u -s "$session" 'lttng_ust_libc:*' >/dev/null
lttng add-context -u -s "$session" -t vtid -t vpid >/dev/null
lttng start "$session" >/dev/null
# Each wrapped pair writes events: fewer pairs keep the trace small.
LD_PRELOAD="$ustlib/liblttng-ust-pthread-wrapper.so.1:$ustlib/liblttng-ust-libc-wrapper.so.1" \
	"$prog" mt 5 200000 >"$work/lttng"
lttng stop "$session" >/dev/null
lttng destroy "$session" >/dev/null

# median KIND COLUMN FILE  (column 3 = hooked, 4 = direct)
median() {
	awk -v k="$1" -v c="$2" '$1 == k { print $c }' "$3" | sort -g |
		awk '{ v[NR] = $1 } END { if (NR == 0) exit 1;
			print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "ns per pair, medians of $runs x $rounds rounds of 2M pairs (LTTng wrappers: 5 of 200k)"
echo "libc = libc's own functions called in the same process, interleaved with the hooked ones"
echo "untraced = separate runs, 2 threads (1-thread shown for reference)"
printf '%-7s %9s %9s | %9s %9s %8s %8s | %9s %9s %8s\n' pair "1-thread" untraced \
	cprof libc "x libc" "x untr" lttng libc "x libc"
status=0
for k in lock malloc read; do
	u1=$(median $k 3 "$work/untraced-1thread")
	u=$(median $k 3 "$work/untraced")
	c=$(median $k 3 "$work/cprof")
	cd=$(median $k 4 "$work/cprof")
	l=$(median $k 3 "$work/lttng")
	ld=$(median $k 4 "$work/lttng")
	awk -v k="$k" -v u1="$u1" -v u="$u" -v c="$c" -v cd="$cd" -v l="$l" -v ld="$ld" 'BEGIN {
		printf "%-7s %9.2f %9.2f | %9.2f %9.2f %7.2fx %7.2fx | %9.2f %9.2f %7.2fx\n",
			k, u1, u, c, cd, c / cd, c / u, l, ld, l / ld }'
	[ "$k" = read ] && continue
	awk -v c="$c" -v cd="$cd" 'BEGIN { exit !(c / cd <= 1.5) }' || {
		echo "bench-preload: $k pair costs more than 1.5x libc's own under record" >&2
		status=1
	}
done
awk -v h="$(median deepread 3 "$work/deep")" -v d="$(median deepread 4 "$work/deep")" 'BEGIN {
	printf "a recorded blocking call (a 1-byte read, threshold 0) with its 30-frame stack: %.2f us, libc'"'"'s read %.2f us (%.1fx)\n",
		h / 1000, d / 1000, h / d }'
echo
echo "dormant (preload library loaded, no session): ns per pair, in-process ratio to libc"
for k in lock malloc read; do
	h=$(median $k 3 "$work/dormant")
	d=$(median $k 4 "$work/dormant")
	awk -v k="$k" -v h="$h" -v d="$d" 'BEGIN { printf "%-7s %9.2f %9.2f %7.2fx\n", k, h, d, h / d }'
done
exit $status
