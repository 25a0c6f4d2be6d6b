#!/bin/sh
# Region begin/end cost, with and without a recording session (issue 2).
set -eu
bin=$1
"$bin" off
pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize
session="cprof-bench-api-$$"
out=$(mktemp -d)
trap 'lttng destroy "$session" >/dev/null 2>&1 || true; rm -rf "$out"' EXIT
lttng create "$session" -o "$out/trace" >/dev/null
lttng enable-channel -u -s "$session" --subbuf-size=4M --num-subbuf=8 bench >/dev/null
lttng enable-event -u -s "$session" -c bench 'cprof:*' >/dev/null
lttng enable-event -u -s "$session" -c bench 'cprof_bench:*' >/dev/null
lttng add-context -u -s "$session" -c bench -t vtid -t vpid >/dev/null
lttng start "$session" >/dev/null
LTTNG_UST_REGISTER_TIMEOUT=3000 "$bin" on
lttng stop "$session" >/dev/null
