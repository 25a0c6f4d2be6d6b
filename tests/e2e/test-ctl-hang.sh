#!/bin/bash
# test-ctl-hang.sh: `record` against a session daemon that stops answering
# (lttng-sessiond waiting for ever on a hung lttng-consumerd, as LTTng 2.13
# did at a channel's teardown). liblttng-ctl waits for every reply without
# a timeout; record gives up after CPROF_LTTNG_TIMEOUT seconds (2, 10 here):
#   none   a daemon that accepts and never answers: record fails within
#          the bound, with one line naming lttng-sessiond, and runs nothing
#   late   the real daemon until record reads the channels' counters after
#          the stop (LTTNG_LIST_CHANNELS, command 10 in lttng-tools 2.13),
#          then nothing: record ends within the bound with that one line,
#          a failure status, and the trace written so far read back whole
#          (the program's regions are in it)
# Without the watchdog, both hang until `timeout` kills record.
# The fake daemon is ctl-hang-proxy.py, bind-mounted over the daemon's
# client socket in a private mount namespace (unshare -m: root only).
# Env: CPROF_TRACE, CPROF_PRELOAD_LIB, FLIGHT_APP; CTL_HANG_KILL_S (60).
set -euo pipefail

cprof=${CPROF_TRACE:?}
: "${FLIGHT_APP:?}"
sock=/var/run/lttng/client-lttng-sessiond
kill_s=${CTL_HANG_KILL_S:-60} # record is killed after this
work=$(mktemp -d /tmp/cprof-test-ctl-hang.XXXXXX)
proxy_pid=
cleanup() {
	[ -z "$proxy_pid" ] || kill "$proxy_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null ||
	{ echo "SKIP: needs root and unshare -m (a private mount namespace)"; exit 77; }
pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize
[ -S "$sock" ] || { echo "SKIP: no session daemon socket at $sock"; exit 77; }

# hang REAL FREEZE_CMD NAME TIMEOUT -- ARGS: record ARGS with the proxy in
# front of the daemon, giving up after TIMEOUT s; its status in
# $work/NAME.rc, stderr in $work/NAME.err, the time it took (ms) in
# $work/NAME.ms
hang() {
	local real=$1 freeze=$2 name=$3 limit=$4 fake=$work/$3/client-lttng-sessiond t0
	shift 5
	mkdir -p "$work/$name"
	python3 "$(dirname "$0")/ctl-hang-proxy.py" "$fake" "$real" "$freeze" </dev/null >/dev/null 2>&1 &
	proxy_pid=$!
	for _ in $(seq 100); do
		[ -e "$fake.ready" ] && break
		sleep 0.05
	done
	[ -e "$fake.ready" ] || fail "the fake daemon did not start"
	t0=$(date +%s%N)
	set +e
	unshare -m sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh "$fake" "$sock" \
		env CPROF_LTTNG_TIMEOUT="$limit" timeout -s KILL "$kill_s" "$cprof" record "$@" \
		>"$work/$name.out" 2>"$work/$name.err"
	echo $? >"$work/$name.rc"
	set -e
	echo $((($(date +%s%N) - t0) / 1000000)) >"$work/$name.ms"
	kill "$proxy_pid" 2>/dev/null || true
	wait "$proxy_pid" 2>/dev/null || true
	proxy_pid=
	echo "$name: exit $(cat "$work/$name.rc") after $(cat "$work/$name.ms") ms:"
	cat "$work/$name.err"
}

gave_up() { echo "^cprof-trace: the LTTng session daemon (lttng-sessiond) has not answered for $1 s: giving up on it"; }

hang none 0 none 2 -- -o "$work/none.t" -- touch "$work/ran"
[ "$(cat "$work/none.rc")" != 137 ] || fail "record hung on a daemon that never answers (killed after $kill_s s)"
[ "$(cat "$work/none.rc")" != 0 ] || fail "record succeeded without a daemon"
[ "$(cat "$work/none.ms")" -lt 20000 ] || fail "record took $(cat "$work/none.ms") ms to give up"
[ "$(wc -l <"$work/none.err")" = 1 ] || fail "want one line, got: $(cat "$work/none.err")"
grep -q "$(gave_up 2)" "$work/none.err" || fail "the line does not name the daemon: $(cat "$work/none.err")"
[ ! -e "$work/ran" ] || fail "the program ran without a session"

# the real daemon answers the set-up: 10 s, since a busy one (another
# test's snapshots) has taken more than 2
hang "$sock" 10 late 10 -- -o "$work/late.t" -- "$FLIGHT_APP" other 0.3
rc=$(cat "$work/late.rc")
[ "$rc" != 137 ] || fail "record hung when the daemon stopped answering (killed after $kill_s s)"
[ "$rc" != 0 ] || fail "record succeeded although the daemon stopped answering"
[ "$(cat "$work/late.ms")" -lt 40000 ] || fail "record took $(cat "$work/late.ms") ms to give up"
grep -q "$(gave_up 10)" "$work/late.err" || fail "no line naming the daemon: $(cat "$work/late.err")"
[ "$(grep -vc '^cprof-trace: recorded ' "$work/late.err")" = 1 ] ||
	fail "want one error line besides the report: $(cat "$work/late.err")"
# the session the real daemon still holds (stopped, never destroyed)
session=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["session"])' "$work/late.t/cprof-record.json") ||
	fail "no cprof-record.json in the trace"
lttng destroy "$session" >/dev/null 2>&1 || true
"$cprof" --no-cache stats "$work/late.t" >"$work/stats" 2>"$work/stats.err" ||
	fail "stats of the trace written before the daemon hung: $(cat "$work/stats.err")"
grep -qE '^ *other ' "$work/stats" || fail "the program's regions are not in the trace: $(cat "$work/stats")"
echo "ok"
