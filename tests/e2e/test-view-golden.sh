#!/bin/sh
# Golden screenshots of a small recorded trace (tests/goldens/
# workers-small.tar.gz: the workers sample, 40 jobs, 3 workers, recorded
# with cprof-trace record): the whole trace; a zoom with a task selected
# (arrow from the producer, details panel) and a tooltip; a type
# highlighted with a range selected (side panel of the range, latency
# histogram); the flame, threads and path tabs. Compared with a tolerance (anti-aliasing may move by a few
# levels across SDL or FreeType builds). GOLDEN_UPDATE=1 rewrites them.
# Env: CPROF_TRACE, PNGDIFF, GOLDENS.
set -eu
: "${CPROF_TRACE:?}" "${PNGDIFF:?}" "${GOLDENS:?}"
work=$(mktemp -d /tmp/cprof-test-view-golden.XXXXXX)
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xzf "$GOLDENS/workers-small.tar.gz"
T="$work/small.trace"
status=0
shot() { # NAME ARGS...
	name=$1
	shift
	SDL_VIDEODRIVER=dummy "$CPROF_TRACE" view --screenshot "$work/$name.png" --size 960x600 "$@" "$T"
	if [ "${GOLDEN_UPDATE:-0}" = 1 ]; then
		cp "$work/$name.png" "$GOLDENS/view-$name.png"
		echo "updated $GOLDENS/view-$name.png"
	elif ! "$PNGDIFF" "$GOLDENS/view-$name.png" "$work/$name.png"; then
		echo "FAIL: view-$name.png differs" >&2
		status=1
	fi
}
shot full
shot task --from 8.9ms --to 12.4ms --select "task:3" --hover 500,203
shot range --from 20ms --to 45ms --select "type:compute;range:25ms,38ms"
# The wide tabs: the flame graph of the region profile with a frame hovered,
# the thread breakdown, and a task's critical path drawn across the lanes.
shot flame --tab flame --profile region --hover 700,183
shot threads --tab threads
shot path --from 8.9ms --to 12.4ms --select "task:3" --tab path
# A different frame must not pass as the golden: the comparison can fail.
SDL_VIDEODRIVER=dummy "$CPROF_TRACE" view --screenshot "$work/other.png" --size 960x600 \
	--from 30ms --to 60ms "$T"
if "$PNGDIFF" "$GOLDENS/view-full.png" "$work/other.png" >/dev/null; then
	echo "FAIL: a zoomed frame compares equal to the full view" >&2
	status=1
fi
exit $status
