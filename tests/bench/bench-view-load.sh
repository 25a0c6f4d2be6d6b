#!/bin/sh
# bench-view-load.sh: how soon `cprof-trace view` shows a big trace while it
# loads. A trace of R compact records (default 20M: bench-read-gen's
# regions on 4 threads, batched) is opened with the model cache off
# (--no-cache, a first open) in a window (Xvfb when there is no display,
# 1280x800, --bench-frames): seconds from the start to the first loading
# frame that shows the thread lanes, and to the full view, as a ratio; the
# bound is 1 s to the first frame with lanes. And what keeping the preview
# costs the loading: the loading thread's CPU and wall time with and
# without it (CPROF_VIEW_NO_PREVIEW=1), runs alternated, the best of RUNS
# each, and its time in updating the preview (lock included).
# Env: CPROF_TRACE, BENCH_GEN; BENCH_RECORDS, BENCH_RUNS (default 3).
set -eu
records=${BENCH_RECORDS:-20000000}
runs=${BENCH_RUNS:-3}
tmp=$(mktemp -d /tmp/cprof-bench-view-load.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize

"$CPROF_TRACE" record --no-auto --no-count --blocking-timeout=inf -o "$tmp/trace" -- \
	"$BENCH_GEN" "$records" 4 regions 2>"$tmp/record.err" || { cat "$tmp/record.err" >&2; exit 1; }

view() { # one bench line; Xvfb when there is no display
	if [ -n "${DISPLAY:-}" ]; then
		"$CPROF_TRACE" --no-cache view --bench-frames 10 --size 1280x800 "$tmp/trace"
	else
		xvfb-run -a -s "-screen 0 1400x900x24" \
			"$CPROF_TRACE" --no-cache view --bench-frames 10 --size 1280x800 "$tmp/trace"
	fi
}
i=0
while [ $i -lt "$runs" ]; do
	view >>"$tmp/with"
	CPROF_VIEW_NO_PREVIEW=1 view >>"$tmp/without"
	i=$((i + 1))
done
[ -e "$tmp/trace/.cprof-cache/model" ] && { echo "FAIL: --no-cache wrote the cache" >&2; exit 1; }
# best of the runs of one field of a file
best() { sed -n "s/.*$2=\([0-9.]*\).*/\1/p" "$1" | sort -g | head -1; }
first=$(best "$tmp/with" first_lanes_s)
full=$(best "$tmp/with" full_view_s)
cw=$(best "$tmp/with" load_cpu_s)
cn=$(best "$tmp/without" load_cpu_s)
lw=$(best "$tmp/with" load_s)
ln=$(best "$tmp/without" load_s)
echo "with preview:"
sed 's/^/  /' "$tmp/with"
echo "without:"
sed 's/^/  /' "$tmp/without"
printf '%d records, first open: first frame with lanes after %.3f s, full view after %.3f s (ratio 1/%.1f); bound 1 s\n' \
	"$records" "$first" "$full" "$(echo "scale=3; $full / $first" | bc)"
pu=$(best "$tmp/with" preview_update_s)
printf 'loading with the preview: %.3f s CPU, %.2f s wall; without: %.3f s CPU, %.2f s wall (CPU ratio %.3f)\n' \
	"$cw" "$lw" "$cn" "$ln" "$(echo "scale=4; $cw / $cn" | bc)"
printf 'the loading thread in preview updates: %.3f s, %.2f%% of its CPU time\n' \
	"$pu" "$(echo "scale=4; $pu * 100 / $cw" | bc)"
[ "$(echo "$first > 0 && $first <= 1" | bc)" -eq 1 ] ||
	{ echo "FAIL: first frame with lanes after $first s (0: none)" >&2; exit 1; }
