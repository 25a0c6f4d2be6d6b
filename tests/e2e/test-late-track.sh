#!/bin/sh
# test-late-track.sh: a fork child waits at most 3 s for record to have it
# tracked, then goes on untracked until the session daemon sets it up: its
# first events are then missing, and no LTTng count says so. record is
# stopped (SIGSTOP) while the program forks, so that it answers too late:
# it must say so on stderr. Recorded again without the stop, it must not.
# Env: CPROF_TRACE (the cprof-trace binary).
set -eu

tmp=$(mktemp -d /tmp/cprof-test-late-track.XXXXXX)
trap 'kill -CONT "$rec" 2>/dev/null || true; rm -rf "$tmp"' EXIT
rec=

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize

# the shell forks `sleep 0.2` 1.5 s in: by then record is stopped
run() { # NAME STOP(0|1)
	"$CPROF_TRACE" record -o "$tmp/$1" -- /bin/sh -c 'sleep 1.5; sleep 0.2; echo done' \
		>"$tmp/$1.out" 2>"$tmp/$1.err" &
	rec=$!
	if [ "$2" = 1 ]; then
		sleep 1
		kill -STOP "$rec"
		sleep 4.5
		kill -CONT "$rec"
	fi
	wait "$rec" || fail "record $1: $(cat "$tmp/$1.err")"
	rec=
	grep -q '^done$' "$tmp/$1.out" || fail "the program did not run to its end ($1)"
}

run plain 0
if grep -q "stopped waiting" "$tmp/plain.err"; then
	fail "record warned of a late answer with nothing stopped: $(cat "$tmp/plain.err")"
fi
run stopped 1
cat "$tmp/stopped.err"
grep -q "warning: [0-9]* process.* stopped waiting to be set up for recording" "$tmp/stopped.err" ||
	fail "record answered a fork child after its wait and said nothing"
echo "ok"
