#!/bin/bash
# Every command's command line, answered the same way, without a session
# daemon or a trace: --help on stdout (exit 0); an unknown option, a missing
# value or operand, a bad value: one line naming the command, exit 2.
# Durations need a unit everywhere (a bare 500 once meant 500 ns to record
# and 500 s to pprof and view); 0 needs none.
#
# usage: test-cli.sh    (env CPROF_TRACE)
set -euo pipefail

cprof=${CPROF_TRACE:?CPROF_TRACE must name the cprof-trace executable}
work=$(mktemp -d "${TMPDIR:-/tmp}/cprof-test-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# run EXPECTED_STATUS ARGS...: stderr in $work/err, stdout in $work/out
run() {
	local want=$1 rc
	shift
	set +e
	"$cprof" "$@" >"$work/out" 2>"$work/err"
	rc=$?
	set -e
	[ "$rc" -eq "$want" ] || fail "cprof-trace $*: exit $rc, expected $want: $(cat "$work/err")"
}

# one_line REGEX: stderr is exactly one line matching REGEX
one_line() {
	[ "$(wc -l <"$work/err")" -eq 1 ] || fail "expected one line on stderr, got: $(cat "$work/err")"
	grep -Eq -- "$1" "$work/err" || fail "expected '$1', got: $(cat "$work/err")"
}

viewer=true
"$cprof" view --help >/dev/null 2>&1 || viewer=false
if [ "${CPROF_HAVE_VIEWER:-}" = 1 ]; then
	$viewer || fail "view --help fails in a build with the viewer: $("$cprof" view --help 2>&1 | head -n 1)"
	# Only the viewer's own executable links SDL2: record, serve, stats
	# and pprof run where no SDL2, X11 or Wayland library is installed.
	# (ldd's output in a file: grep -q ending first would fail the
	# pipeline with ldd's SIGPIPE)
	ldd "$cprof" >"$work/ldd"
	! grep -E "libSDL2|libX11|libwayland|libpng" "$work/ldd" ||
		fail "cprof-trace links the viewer's libraries"
	ldd "$(dirname "$cprof")/cprof-trace-view" >"$work/ldd"
	grep -q libSDL2 "$work/ldd" || fail "cprof-trace-view does not link SDL2"
	# cprof-trace without its viewer beside it (nor installed): one line
	# naming what is missing
	mkdir "$work/alone"
	cp "$cprof" "$work/alone/"
	if [ ! -e "$CPROF_VIEWDIR/cprof-trace-view" ]; then
		cprof=$work/alone/cprof-trace run 1 view --help
		one_line "^cprof-trace: view: $CPROF_VIEWDIR/cprof-trace-view: No such file or directory \(the viewer is a separate executable\)$"
	fi
fi
cmds="record stats dump pprof symbolize compare"
$viewer && cmds="$cmds view"

missing=$work/no-such-trace
for cmd in $cmds; do
	run 0 "$cmd" --help
	grep -q "^usage: cprof-trace $cmd" "$work/out" || fail "$cmd --help: $(head -n 1 "$work/out")"
	run 2 "$cmd" --bogus "$missing"
	one_line "^cprof-trace $cmd: unknown option --bogus \(see cprof-trace $cmd --help\)$"
	run 2 "$cmd"
	one_line "^cprof-trace $cmd: (expected one TRACE directory|expected TRACE, or OLD NEW|no program to run|expected OLD\.\.\. \[--\] NEW\.\.\.) "
done
run 2 stats "$missing" "$missing"
one_line "^cprof-trace stats: expected one TRACE directory"
run 2 record -o
one_line "^cprof-trace record: missing value for -o "
run 2 pprof -t cpu "$missing" --from
one_line "^cprof-trace pprof: missing value for --from "
# serve's own options (before record's) go through the same parser
run 0 serve --help
grep -q "^usage: cprof-trace serve" "$work/out" || fail "serve --help: $(head -n 1 "$work/out")"
run 2 serve --listen
one_line "^cprof-trace serve: missing value for --listen \(see cprof-trace serve --help\)$"
run 2 serve --pid abc
one_line "^cprof-trace serve: --pid: 'abc': not a process id$"
run 2 serve --token= -- true
one_line "^cprof-trace serve: --token: '': empty$"
# record's options, given to serve and env, are answered in their names
for cmd in serve env; do
	run 2 "$cmd" --bogus
	one_line "^cprof-trace $cmd: unknown option --bogus \(see cprof-trace $cmd --help\)$"
done
run 2 serve --io-threshold=500 -- true
one_line "^cprof-trace serve: --io-threshold: '500': give a unit"
run 2 serve --no-locks
one_line "^cprof-trace serve: no program to run \(see cprof-trace serve --help\)$"

# Bare numbers: refused with the hint, by every command that takes a time.
bare=("record --io-threshold=500 -- true" "record --blocking-timeout 5 -- true"
	"record --flight --snapshot-interval 2 -- true"
	"pprof -t cpu --from 1000 $missing" "pprof -t heap --at 1.5 $missing"
	"compare --from 2 $missing -- $missing")
$viewer && bare+=("view --from 5 $missing" "view --to 2.5 $missing")
for args in "${bare[@]}"; do
	# shellcheck disable=SC2086
	run 2 $args
	one_line "^cprof-trace (record|pprof|view|compare): --[a-z-]+: '[0-9.]+': give a unit: [0-9.]+s or [0-9.]+ms$"
done
run 2 pprof -t cpu --from 2 "$missing"
one_line "^cprof-trace pprof: --from: '2': give a unit: 2s or 2000ms$"
run 2 pprof -t cpu --from 1x "$missing"
one_line "^cprof-trace pprof: --from: '1x': not a duration"
# With a unit (or 0) the option is taken: the command gets as far as the
# missing trace or the unwritable output directory.
run 1 pprof -t cpu --from 1.5s --to 2min --at 0 "$missing"
grep -q "no-such-trace" "$work/err" || fail "pprof with units: $(cat "$work/err")"
run 1 compare --from 0 --to 20ms "$missing" -- "$missing"
grep -q "no-such-trace" "$work/err" || fail "compare with units: $(cat "$work/err")"
if $viewer; then
	run 1 view --screenshot "$work/s.png" --from 0 --to 300us "$missing"
	grep -q "no-such-trace: no such trace directory" "$work/err" || fail "view with units: $(cat "$work/err")"
fi
run 1 record -o /dev/null/t --io-threshold=2.5us --blocking-timeout=inf -- true
one_line "^cprof-trace: /dev/null/t: "
run 1 record -o /dev/null/t --io-threshold=0 --blocking-timeout=0 -- true

# Values out of the preload library's limits are refused by record itself.
run 2 record --stack-depth=257 -- true
one_line "^cprof-trace record: --stack-depth: '257': expected 1 to 256 frames$"
run 1 record -o /dev/null/t --stack-depth=256 -- true
run 2 record --cpu-rate=10001 -- true
one_line "^cprof-trace record: --cpu-rate: '10001': expected 0 to 10000 per second$"
run 2 record --alloc=bogus -- true
one_line "^cprof-trace record: --alloc: 'bogus': expected off, sample or all$"

# The help says what a time is.
helps="record pprof compare"
$viewer && helps="$helps view"
for cmd in $helps; do
	"$cprof" "$cmd" --help >"$work/help"
	grep -q "unit" "$work/help" || fail "$cmd --help does not say times need a unit"
done
echo "ok"
