#!/bin/sh
# test-heap-small.sh: a heap that stays under a MiB shows its peak in
# stats (it showed "peak 0 bytes": the counter moved in 1 MiB steps).
# The program holds 12 blocks of 64 KiB at once: glibc's chunks are 16
# bytes more each; the counter moves every 64 KiB, so the peak must be
# within 64 KiB under the true 786,624 bytes, and never above it.
# Env: CPROF_TRACE, CPROF_PRELOAD_LIB.
set -eu

tmp=$(mktemp -d /tmp/cprof-test-heapsmall.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize

cat >"$tmp/app.c" <<'C'
#include <stdlib.h>
#include <string.h>
int main(void)
{
	void *p[12];
	for (int i = 0; i < 12; i++) {
		p[i] = malloc(64 * 1024);
		memset(p[i], 1, 64 * 1024);
	}
	for (int i = 0; i < 12; i++)
		free(p[i]);
	return 0;
}
C
cc -O0 "$tmp/app.c" -o "$tmp/app"
"$CPROF_TRACE" record -o "$tmp/trace" -- "$tmp/app" 2>"$tmp/record.err" ||
	fail "record: $(cat "$tmp/record.err")"
"$CPROF_TRACE" stats --json "$tmp/trace" >"$tmp/stats.json" || fail "stats --json"
python3 - "$tmp/stats.json" <<'PY' || fail "heap peak: $(grep -o '"heap": {[^}]*}' "$tmp/stats.json")"
import json, sys
h = json.load(open(sys.argv[1]))["heap"]
true_peak = 12 * (64 * 1024 + 16)
print("heap peak", h["peak_bytes"], "true", true_peak)
sys.exit(0 if h["known"] and true_peak - 65536 < h["peak_bytes"] <= true_peak else 1)
PY
echo "PASS: test-heap-small"
