#!/bin/sh
# bench-view.sh: frame times of `cprof-trace view --bench-frames` (a fixed
# script of zooms and pans, no vsync, software renderer, 1280x800 under
# Xvfb) on a ~4M-event trace, against the same script on a ~40k-event trace
# recorded the same way in the same run: level of detail makes a frame cost
# pixels, not events, so the ratio stays near 1. Issue 5: median <= 16 ms.
# Env: CPROF_TRACE, BENCH_GEN; BENCH_EVENTS (default 4000000), BENCH_FRAMES.
set -eu
events=${BENCH_EVENTS:-4000000}
frames=${BENCH_FRAMES:-300}
tmp=$(mktemp -d /tmp/cprof-bench-view.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize
for n in 40000 "$events"; do
	"$CPROF_TRACE" record --no-auto --no-count --blocking-timeout=inf -o "$tmp/t$n" -- \
		"$BENCH_GEN" "$n" 2 2>"$tmp/record.err" || { cat "$tmp/record.err" >&2; exit 1; }
done

run() { # one bench line for a trace; Xvfb when there is no display
	if [ -n "${DISPLAY:-}" ]; then
		"$CPROF_TRACE" view --bench-frames "$frames" --size 1280x800 "$1"
	else
		xvfb-run -a -s "-screen 0 1400x900x24" \
			"$CPROF_TRACE" view --bench-frames "$frames" --size 1280x800 "$1"
	fi
}
small=$(run "$tmp/t40000")
big=$(run "$tmp/t$events")
echo "40k events: $small"
echo "$events events: $big"
med() { echo "$1" | sed -n 's/.*median_ms=\([0-9.]*\).*/\1/p'; }
ms=$(med "$small")
mb=$(med "$big")
ratio=$(echo "scale=2; $mb / $ms" | bc)
echo "ratio median frame ${events}/40k events: $ratio"
[ "$(echo "$mb <= 16" | bc)" -eq 1 ] || { echo "FAIL: median frame $mb ms > 16 ms" >&2; exit 1; }
