#!/bin/bash
# Cost of libcprof-trace-preload on its two hot paths (uncontended
# lock/unlock pair, malloc(64)/free pair), measured in one run:
#   untraced | cprof-trace record with default options (active session)
#   | LTTng's liblttng-ust-pthread-wrapper / liblttng-ust-libc-wrapper with
#   a session enabling their events.
# Prints ns per pair and ratios to untraced. The bound: 1.5x.
#
# usage: bench-preload.sh CPROF_TRACE BENCH_PROG PRELOAD_LIB
set -euo pipefail

cprof=$1
prog=$2
export CPROF_PRELOAD_LIB=$3
ustlib=$(dirname "$(readlink -f /usr/lib/x86_64-linux-gnu/liblttng-ust.so.1)")

if ! pgrep -x lttng-sessiond >/dev/null; then
	lttng-sessiond --daemonize
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/cprof-bench-preload.XXXXXX")
session="bench-preload-$$"
trap 'lttng destroy "$session" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

val() { sed -n "s/^$1 //p" "$2"; }

"$prog" >"$work/untraced-1thread"
"$prog" mt >"$work/untraced"

"$cprof" record -o "$work/trace-cprof" -- "$prog" mt >"$work/cprof" 2>"$work/cprof.err" ||
	{ cat "$work/cprof.err" >&2; exit 1; }

lttng create "$session" --output="$work/trace-lttng" >/dev/null
lttng enable-event -u -s "$session" 'lttng_ust_pthread:*' >/dev/null
lttng enable-event -u -s "$session" 'lttng_ust_libc:*' >/dev/null
lttng add-context -u -s "$session" -t vtid -t vpid >/dev/null
lttng start "$session" >/dev/null
LD_PRELOAD="$ustlib/liblttng-ust-pthread-wrapper.so.1:$ustlib/liblttng-ust-libc-wrapper.so.1" \
	"$prog" mt >"$work/lttng"
lttng stop "$session" >/dev/null
lttng destroy "$session" >/dev/null

echo "ns per pair, best of 7 rounds of 2M; untraced = multi-threaded baseline (see bench-preload.c)"
printf '%-8s %12s %12s %16s %16s %10s %10s\n' pair "1-thread ns" "untraced ns" "cprof-preload ns" \
	"lttng-wrapper ns" "cprof x" "lttng x"
status=0
for k in lock malloc; do
	u1=$(val $k "$work/untraced-1thread")
	u=$(val $k "$work/untraced")
	c=$(val $k "$work/cprof")
	l=$(val $k "$work/lttng")
	awk -v k="$k" -v u1="$u1" -v u="$u" -v c="$c" -v l="$l" 'BEGIN {
		printf "%-8s %12.2f %12.2f %16.2f %16.2f %9.2fx %9.2fx\n", k, u1, u, c, l, c / u, l / u }'
	awk -v u="$u" -v c="$c" 'BEGIN { exit !(c / u <= 1.5) }' || {
		echo "bench-preload: $k pair costs more than 1.5x untraced under record" >&2
		status=1
	}
done
exit $status
