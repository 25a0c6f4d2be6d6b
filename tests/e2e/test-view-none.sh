#!/bin/sh
# A build without the viewer (-Dviewer=disabled): `cprof-trace view` says so
# in one line and fails, whatever its arguments; the other commands are
# there. Env: CPROF_TRACE.
set -eu
: "${CPROF_TRACE:?}"
err=$(mktemp /tmp/cprof-test-view-none.XXXXXX)
trap 'rm -f "$err"' EXIT
for args in "" "--help" "--screenshot /tmp/x.png /nonexistent"; do
	# shellcheck disable=SC2086
	if "$CPROF_TRACE" view $args 2>"$err" >/dev/null; then
		echo "FAIL: view $args succeeded in a build without the viewer" >&2
		exit 1
	fi
	[ "$(wc -l <"$err")" -eq 1 ] || { echo "FAIL: view $args: not one line: $(cat "$err")" >&2; exit 1; }
	grep -q "^cprof-trace: view: this cprof-trace was built without the viewer" "$err" ||
		{ echo "FAIL: view $args: $(cat "$err")" >&2; exit 1; }
done
"$CPROF_TRACE" stats --help >/dev/null || { echo "FAIL: stats missing" >&2; exit 1; }
"$CPROF_TRACE" pprof --help >/dev/null || { echo "FAIL: pprof missing" >&2; exit 1; }
echo "PASS: view says it was built without the viewer: $(cat "$err")"
