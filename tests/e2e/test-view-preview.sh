#!/bin/sh
# The viewer draws what is loaded while the rest loads: a program of 4
# named threads whose regions spread evenly over its run is recorded, then
# opened with the model cache off (--no-cache) and its loading frame taken
# while loading is paused at its first progress report past 50%
# (CPROF_VIEW_SHOT_LOADING). In that frame, at the full view's fit-all
# zoom: the 4 threads' lanes (and the main thread's, blocked in join) hold
# activity over most of the part left of the loaded edge, none right of
# it, no sixth lane has any, and the progress bar says the fraction
# printed. Before the preview, the
# loading frame was a progress bar alone.
# Env: CPROF_TRACE, PREVIEW_APP; KEEP=1 keeps the work directory.
set -eu
: "${CPROF_TRACE:?}" "${PREVIEW_APP:?}"
work=$(mktemp -d /tmp/cprof-test-view-preview.XXXXXX)
trap '[ "${KEEP:-0}" = 1 ] && echo "kept: $work" || rm -rf "$work"' EXIT
fail() {
	echo "FAIL: view-preview: $*" >&2
	exit 1
}
pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize

"$CPROF_TRACE" record -o "$work/t" -- "$PREVIEW_APP" 4 150000 1 >"$work/rec.out" 2>&1 ||
	fail "record failed: $(cat "$work/rec.out")"
CPROF_VIEW_SHOT_LOADING=0.5 SDL_VIDEODRIVER=dummy "$CPROF_TRACE" --no-cache view \
	--screenshot "$work/load.png" --size 1280x800 "$work/t" >"$work/load.out" 2>&1 ||
	fail "loading screenshot failed: $(cat "$work/load.out")"
frac=$(sed -n 's/^loading frame at //p' "$work/load.out")
[ -n "$frac" ] || fail "no loading fraction printed: $(cat "$work/load.out")"
[ ! -e "$work/t/.cprof-cache/model" ] || fail "--no-cache wrote the model cache"

python3 - "$work/load.png" "$frac" "$(dirname "$0")" <<'PY' || fail "the loading frame does not show what is loaded"
import sys
sys.path.insert(0, sys.argv[3])
from pngpix import pixels
w, rows = pixels(sys.argv[1])
f = float(sys.argv[2])
assert 0.5 <= f < 0.9, "paused at %.3f: not half-way (too few progress reports?)" % f
# Geometry at 1280x800 (viewer/ui/tl.h): the data area from x = 176, 724 px
# wide (the side panel takes 380), lanes from y = 50, 27 px each, their
# region row the first 17.
X0, TW, Y0, LANE = 176, 724, 50, 27
ACCENT = bytes((0x5e, 0xa8, 0xff))
def px(x, y):
    return rows[y][4 * x:4 * x + 3]
def active(x, y):
    # what the lanes draw is coloured; their bands, grid lines and the
    # shading of what is not loaded are grey
    p = px(x, y)
    return max(p) - min(p) >= 40 and p != ACCENT
# The loaded edge: a line in the accent colour, seen below the lanes.
edge = [x for x in range(X0, X0 + TW) if px(x, Y0 + 7 * LANE + 10) == ACCENT]
assert len(edge) == 1, "no single loaded-edge line: %s" % edge[:10]
edge = edge[0]
pos = (edge - X0) / TW
assert 0.3 < pos < 0.95, "loaded edge at %.2f of the data area for %.2f loaded" % (pos, f)
# Lanes: the main thread (blocked in pthread_join) and lane-0..3, in the
# order of their first event; a sixth has nothing to show.
busy = 0
for k in range(7):
    ys = (Y0 + k * LANE + 8, Y0 + k * LANE + 20)  # region row, state row
    left = range(X0 + 8, edge - 2)
    loaded = sum(any(active(x, y) for y in ys) for x in left)
    unloaded = sum(active(x, y) for y in ys for x in range(edge + 3, X0 + TW))
    print("lane %d: activity in %d of %d loaded columns, %d pixels past the loaded edge" %
          (k, loaded, len(left), unloaded))
    busy += loaded >= 0.7 * len(left)
    if k >= 5:
        assert loaded == 0, "lane %d has activity: there are 5 threads" % k
    assert unloaded == 0, "lane %d: activity where nothing is loaded yet" % k
assert busy >= 4, "only %d lanes show activity over the loaded part" % busy
# The progress bar in the side panel's place: from x = 916, 348 px, y = 90.
filled = sum(1 for x in range(916, 916 + 348) if px(x, 93) == ACCENT)
assert abs(filled - int(348 * f)) <= 1, (filled, f)
print("loaded edge at %.2f of the width, progress %.1f%% (bar %d px)" % (pos, f * 100, filled))
PY
echo "PASS: view-preview"
