#!/bin/sh
# record.sh BUILD_DIR [FIXTURE...]: records the fixture traces of this
# directory again (all of them, or the ones named; the damaged ones are
# copies of `annotated`)
# (needs a root lttng-sessiond; the tests that read them do not). Run it
# only when the trace format changes, then update the tests' expected
# values and regenerate the goldens (tests/unit/test-traces.sh --update).
#
# The program runs from a copy in a temporary directory deleted at the end,
# as does the preload library: the traces name binaries that exist nowhere,
# so their frames stay "module+0xoffset" on every machine instead of
# depending on what a build tree holds.
set -eu
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
trace="$build/viewer/cprof-trace"
tmp=$(mktemp -d /tmp/cprof-fixtures.XXXXXX)
session=""
cleanup() {
	[ -n "$session" ] && lttng destroy "$session" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

cc -O1 -g -pthread -I"$top/include" "$here/fixture-app.c" -o "$tmp/fixture-app" \
	-L"$build/tracer" -lcprof-trace -Wl,-rpath,"$build/tracer"
cp "$build/tracer/preload/libcprof-trace-preload.so" "$tmp/"
cd "$here"
shift
want=${*:-annotated auto lost no-cprof}
wanted() { case " $want " in *" $1 "*) return 0 ;; esac; return 1; }

if wanted annotated; then
	rm -rf annotated
	"$trace" record --no-auto -o annotated -- "$tmp/fixture-app" annotated
fi
if wanted auto; then
	rm -rf auto
	CPROF_PRELOAD_LIB="$tmp/libcprof-trace-preload.so" \
		"$trace" record --cpu-rate=500 --alloc-rate=4096 -o auto -- "$tmp/fixture-app" auto
fi

# lttng_session DIR EVENTS [CHANNEL-OPTIONS]: fixture-app burst under a
# session of its own that tracks only its pid.
lttng_session() {
	dir=$1 events=$2
	shift 2
	session=cprof-fixture-$$
	rm -f "$tmp/go"
	mkfifo "$tmp/go"
	lttng create "$session" --output="$here/$dir" >/dev/null
	lttng enable-channel -u -s "$session" "$@" ch >/dev/null
	for e in $events; do
		lttng enable-event -u -s "$session" -c ch "$e" >/dev/null
	done
	lttng add-context -u -s "$session" -c ch -t vtid -t vpid -t procname >/dev/null
	"$tmp/fixture-app" burst "$tmp/go" &
	pid=$!
	lttng track -u -s "$session" --vpid="$pid" >/dev/null
	lttng start "$session" >/dev/null
	echo go >"$tmp/go"
	wait "$pid"
	lttng stop "$session" >/dev/null
	lttng destroy "$session" >/dev/null
	session=""
}
if wanted lost; then
	rm -rf lost
	lttng_session lost "cprof:*" --subbuf-size=4096 --num-subbuf=2 --discard
fi
if wanted no-cprof; then
	rm -rf no-cprof
	lttng_session no-cprof "lttng_ust_statedump:*"
fi

# Damaged copies of `annotated`.
rm -rf truncated-stream truncated-metadata truncated-metadata-text
cp -r annotated truncated-stream
f=$(find truncated-stream -type f -name 'cprof_*' ! -name '*.idx' -size +1k | sort | head -n 1)
truncate -s $(($(stat -c %s "$f") / 2 + 100)) "$f"
cp -r annotated truncated-metadata
f=$(find truncated-metadata -name metadata)
truncate -s $(($(stat -c %s "$f") - 100)) "$f"
cp -r annotated truncated-metadata-text
f=$(find truncated-metadata-text -name metadata)
truncate -s 4096 "$f"
chmod -R a+rX,go-w .
du -sh "$here"
