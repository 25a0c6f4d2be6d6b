#!/bin/sh
# bench-view-load.sh: how soon `cprof-trace view` shows a big trace, against
# babeltrace2. In one run:
#   - the baseline, as bench-open.sh measures it: a trace of N raw
#     LTTng-UST events with two integers (bench-open-raw, default 4M) read
#     by `babeltrace2 -c sink.utils.dummy`, in ns per event;
#   - a trace of R compact records (default 20M: bench-read-gen's regions
#     on 2 threads under `record --no-auto`, batched, as bench-open.sh
#     records it) opened for the first time in a window (Xvfb when there is
#     no display, 1280x800, --bench-frames), its model cache removed before
#     each run: seconds from the start to the first loading frame that
#     shows the thread lanes (bound 1 s), to the full view's first frame
#     (fitted to the whole trace, as the window first shows it), and to
#     that frame with the side panel's content; the full view in ns per
#     record, bound 1/10 of the dummy sink's ns per event; where the time
#     went (model read, timeline index);
#   - what keeping the preview costs the loading: the loading thread's CPU
#     and wall time with and without it (CPROF_VIEW_NO_PREVIEW=1), both
#     with --no-cache, runs alternated, and its time in preview updates.
# The best of RUNS runs each. Env: CPROF_TRACE, BENCH_GEN, BENCH_RAW;
# BENCH_RECORDS, BENCH_RAW_EVENTS, BENCH_RUNS (default 3).
set -eu
records=${BENCH_RECORDS:-20000000}
raw=${BENCH_RAW_EVENTS:-4000000}
runs=${BENCH_RUNS:-3}
tmp=$(mktemp -d /tmp/cprof-bench-view-load.XXXXXX)
session=""
cleanup() {
	[ -n "$session" ] && lttng destroy "$session" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize

# The baseline (bench-dummy-sink.sh)
. "$(dirname "$0")/bench-dummy-sink.sh"
dummy_sink cprof-bench-view-load

"$CPROF_TRACE" record --no-auto --no-count --blocking-timeout=inf -o "$tmp/trace" -- \
	"$BENCH_GEN" "$records" 2 regions 2>"$tmp/record.err" || { cat "$tmp/record.err" >&2; exit 1; }
# a trace written in the last second is not cached: this one is done
find "$tmp/trace" -type f -exec touch -d '-10 seconds' {} +

view() { # one bench line; Xvfb when there is no display
	if [ -n "${DISPLAY:-}" ]; then
		"$CPROF_TRACE" "$@" view --bench-frames 10 --size 1280x800 "$tmp/trace"
	else
		xvfb-run -a -s "-screen 0 1400x900x24" \
			"$CPROF_TRACE" "$@" view --bench-frames 10 --size 1280x800 "$tmp/trace"
	fi
}
i=0
while [ $i -lt "$runs" ]; do
	rm -rf "$tmp/trace/.cprof-cache"
	view >>"$tmp/first"
	[ -s "$tmp/trace/.cprof-cache/model" ] ||
		{ echo "FAIL: the first open wrote no model cache" >&2; exit 1; }
	rm -rf "$tmp/trace/.cprof-cache"
	view --no-cache >>"$tmp/with"
	CPROF_VIEW_NO_PREVIEW=1 view --no-cache >>"$tmp/without"
	i=$((i + 1))
done
[ -e "$tmp/trace/.cprof-cache/model" ] && { echo "FAIL: --no-cache wrote the cache" >&2; exit 1; }
# best of the runs of one field of a file
best() { sed -n "s/.*$2=\([0-9.]*\).*/\1/p" "$1" | sort -g | head -1; }
first=$(best "$tmp/first" first_lanes_s)
full=$(best "$tmp/first" full_view_s)
panel=$(best "$tmp/first" panel_s)
read_s=$(best "$tmp/first" read_s)
index_s=$(best "$tmp/first" index_s)
full_ns=$(echo "scale=1; $full * 1000000000 / $records" | bc)
cw=$(best "$tmp/with" load_cpu_s)
cn=$(best "$tmp/without" load_cpu_s)
lw=$(best "$tmp/with" load_s)
ln=$(best "$tmp/without" load_s)
echo "first open:"
sed 's/^/  /' "$tmp/first"
echo "--no-cache, with preview:"
sed 's/^/  /' "$tmp/with"
echo "--no-cache, without:"
sed 's/^/  /' "$tmp/without"
printf 'babeltrace2 -c sink.utils.dummy: %s ns/event wall (%d raw events, two integers)\n' \
	"$bt_ns" "$raw"
printf '%d records, first open: first frame with lanes after %.3f s (bound 1 s), full view after %.3f s, with the side panel after %.3f s\n' \
	"$records" "$first" "$full" "$panel"
printf 'full view: %s ns/record, ratio to the dummy sink 1/%.1f (bound 1/10); model read by %.3f s, index by %.3f s\n' \
	"$full_ns" "$(echo "scale=3; $bt_ns / $full_ns" | bc)" "$read_s" "$index_s"
pu=$(best "$tmp/with" preview_update_s)
printf 'loading with the preview: %.3f s CPU, %.2f s wall; without: %.3f s CPU, %.2f s wall (CPU ratio %.3f)\n' \
	"$cw" "$lw" "$cn" "$ln" "$(echo "scale=4; $cw / $cn" | bc)"
printf 'the loading thread in preview updates: %.3f s, %.2f%% of its CPU time\n' \
	"$pu" "$(echo "scale=4; $pu * 100 / $cw" | bc)"
status=0
[ "$(echo "$first > 0 && $first <= 1" | bc)" -eq 1 ] ||
	{ echo "FAIL: first frame with lanes after $first s (0: none)" >&2; status=1; }
[ "$(echo "$full_ns * 10 <= $bt_ns" | bc)" -eq 1 ] || { echo "over bound: full view"; status=1; }
exit $status
