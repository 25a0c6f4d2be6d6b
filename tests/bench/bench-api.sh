#!/bin/sh
# Region begin/end cost, with and without a recording session (issue 2).
set -eu
bin=$1
# The session daemon is shared: another user's session recording cprof:*
# turns our tracepoints on. Wait up to a minute for a quiet moment.
off_done=0
for _ in $(seq 30); do
	if "$bin" off 2>/dev/null; then
		off_done=1
		break
	fi
	sleep 2
done
[ "$off_done" = 1 ] || echo "no session: not measured (another session records cprof events)" >&2
pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize
session="cprof-bench-api-$$"
out=$(mktemp -d)
trap 'lttng destroy "$session" >/dev/null 2>&1 || true; rm -rf "$out"' EXIT
lttng create "$session" -o "$out/trace" >/dev/null
lttng enable-channel -u -s "$session" --subbuf-size=4M --num-subbuf=8 bench >/dev/null
lttng enable-event -u -s "$session" -c bench 'cprof:*' >/dev/null
lttng enable-event -u -s "$session" -c bench 'cprof_bench:*' >/dev/null
# The contexts record adds to its channel (tracer/session/session.c): a
# raw tracepoint pays for them as a cprof batch does once per batch.
lttng add-context -u -s "$session" -c bench -t vtid -t vpid -t procname >/dev/null
lttng start "$session" >/dev/null
# The buffer size record gives the programs it starts on a channel of
# 64 KiB sub-buffers and more (cprof_record_batch_bytes, cprof-record.h).
CPROF_BATCH_BYTES=8192 LTTNG_UST_REGISTER_TIMEOUT=3000 "$bin" on
# The same pair with 2 KiB buffers, as a program recorded by a user's own
# `lttng` session has them (their events fit 4 KiB sub-buffers).
CPROF_BATCH_BYTES=2048 LTTNG_UST_REGISTER_TIMEOUT=3000 "$bin" on |
	sed -n 's/^session: region pair \([0-9.]* ns\).*/session, 2 KiB buffers (a user'"'"'s own lttng session): region pair \1/p'
lttng stop "$session" >/dev/null
[ "$off_done" = 1 ] || exit 77
