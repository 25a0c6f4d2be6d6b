#!/bin/bash
# test-spawn.sh: what a new process costs under `record --join-late`.
#   - A shell loop of 50 `/bin/true` under record: the processes that never
#     record anything are never set up for the session (no cprof:config of
#     theirs in the trace: only the shell's, and seq's when its writes to
#     the pipe took over 10 us), and each costs at most
#     BOUND ms more than untraced, measured in the same test (the best of
#     3 tries: the machine is shared; record's fixed cost, `record --
#     /bin/true`, taken out). The structural check is the one that failed
#     before processes joined late (every /bin/true was set up); the time
#     bound keeps gross regressions out on a loaded machine.
#   - A child that does record (a 50 ms sleep) is still recorded: its
#     blocking call is in the trace under its own pid, also while
#     another session records every process of the user.
# Env: CPROF_TRACE, CPROF_PRELOAD_LIB; SPAWN_BOUND_MS (default 60, plus
# four times an untraced /bin/true: on the loaded 2-core machine where
# this was written one took 20-40 ms, and cost 120-250 ms more under
# record; 200-540 ms more before processes joined late).
set -euo pipefail

cprof=${CPROF_TRACE:?}
n=50
bound=${SPAWN_BOUND_MS:-60}
work=$(mktemp -d /tmp/cprof-test-spawn.XXXXXX)
trap 'rm -rf "$work"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize
loop="for i in \$(seq $n); do /bin/true; done"

us() {
	local t0
	t0=$(date +%s%N)
	"$@" >/dev/null 2>"$work/err" || fail "$*: $(cat "$work/err")"
	echo $((($(date +%s%N) - t0) / 1000))
}
rec() { rm -rf "$work/t"; "$cprof" record --join-late --no-count -o "$work/t" -- "$@"; }

# Who was set up: the processes with a cprof:config in the trace.
rec sh -c "$loop" 2>"$work/err" || fail "record: $(cat "$work/err")"
setup=$(babeltrace2 "$work/t" | grep "cprof:config" |
	grep -o "vpid = [0-9]*" | sort -u | wc -l)
echo "processes set up for the session: $setup of $((n + 1))"
[ "$setup" -le 3 ] || fail "$setup processes set up for the session, expected the shell (and seq, whose pipe writes may be slow) only"

best=
for try in 1 2 3; do
	plain=$(us sh -c "$loop")
	fixed=$(us rec /bin/true)
	traced=$(us rec sh -c "$loop")
	extra=$(((traced - fixed - plain) / n / 1000))
	allowed=$((bound + 4 * plain / n / 1000))
	echo "try $try: untraced loop $((plain / 1000)) ms, record /bin/true $((fixed / 1000)) ms," \
		"record loop $((traced / 1000)) ms: $extra ms more per process (allowed $allowed)"
	if [ "$extra" -le "$allowed" ]; then
		best=$extra
		break
	fi
done
[ -n "$best" ] || fail "each /bin/true costs more than the bound under record"

# A child that records joins the session: its 50 ms sleep is recorded.
child_recorded() {
	rm -rf "$work/t"
	"$cprof" record --join-late -o "$work/t" -- sh -c 'sleep 0.05; echo $$ >'"$work/sh" \
		>/dev/null 2>"$work/err" || fail "record: $(cat "$work/err")"
	babeltrace2 "$work/t" >"$work/events"
	sh_pid=$(cat "$work/sh")
	grep "cprof:syscall" "$work/events" | grep -v "vpid = $sh_pid," | grep -qE "call = 2[23]," ||
		fail "the child's nanosleep is not in the trace$1"
	grep "cprof:config" "$work/events" | grep -qv "vpid = $sh_pid," ||
		fail "the child's cprof:config is not in the trace$1"
}
child_recorded ""
# Again while another session records every process of the user (a flight
# recorder, a user's own lttng session): its probes are enabled in the
# child before the child joins, which must join all the same. Before the
# fix the child took the probes for its own session's and never joined,
# every time with such a session (1 run in 20 under the other helpers'
# load, whose sessions did that by chance).
other=cprof-test-spawn-$$
lttng create "$other" --snapshot >/dev/null && lttng enable-event -u -s "$other" 'cprof:*' >/dev/null &&
	lttng start "$other" >/dev/null || fail "cannot start a session of the user's"
trap 'lttng destroy "$other" >/dev/null 2>&1; rm -rf "$work"' EXIT
child_recorded " (with another session recording every process)"
echo "ok"
