#!/bin/bash
# Processes record cannot trace are named, with why, in one line at record
# time and in every command reading the trace, instead of a trace silently
# empty or missing them; the program runs as it would untraced.
#   secure-suid   record -- a copy of echo, set-user-ID to nobody (root's
#                 exec of it is secure: the effective user changes): it
#                 prints what it would, record says it runs in
#                 secure-execution mode (set-user-ID), stats says so in
#                 its one-line error (the trace is empty).
#   secure-caps   record -- runuser -u nobody -- a copy of echo with
#                 cap_net_raw+ep (file capabilities for a non-root user):
#                 the preload library's exec hook in runuser's child tells
#                 record, which says it once; stats warns. Controls: root
#                 running the same copy (no secure execution for root),
#                 and runuser running /bin/echo as nobody, are traced and
#                 no such line appears.
#   secure-spawn  record -- /usr/bin/python3 starting two set-user-ID
#                 copies of echo with os.posix_spawn and os.posix_spawnp
#                 (PATH searched), then /bin/echo: glibc's posix_spawn
#                 executes past the exec hooks, the posix_spawn hooks tell
#                 record, which says each once; stats warns. Control:
#                 /bin/echo is traced and gets no line.
#   secure-flight record --flight -- sh -c 'echo-suid hello; ...': no record
#                 hears the exec hook there; the line travels in the trace
#                 (cprof:warning) and stats of the snapshot says it, as it
#                 would record's.
#   secure-pid    record --pid of a sh started with cprof-trace env's
#                 environment, which then executes the set-user-ID echo:
#                 stats of the trace says it.
#   static        record -- a statically linked program: it prints what it
#                 would, record says no dynamic loader runs in it (no
#                 LD_PRELOAD), stats says why the trace is empty. Then sh
#                 running it twice: record says it once (the exec hook told
#                 it), stats warns. Control: the same program linked
#                 dynamically is traced.
#   threads       record -- runuser -u nobody -- bash -c 'ulimit -u 1; exec
#                 echo': lttng-ust cannot start its threads (RLIMIT_NPROC
#                 counts every thread of the user; root is exempt), waits
#                 its 10 s, and echo has no events: the preload library
#                 tells record, which names echo and the limit; stats warns.
#
# usage: test-untraced.sh CASE    (env CPROF_TRACE, CPROF_PRELOAD_LIB)
set -euo pipefail

case_name=$1
cprof=${CPROF_TRACE:?CPROF_TRACE must name the cprof-trace executable}

if ! pgrep -x lttng-sessiond >/dev/null; then
	lttng-sessiond --daemonize
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/cprof-test-untraced.XXXXXX")
trap 'rm -rf "$work"' EXIT
# nobody runs programs from here
chmod 755 "$work"

fail() {
	echo "FAIL ($case_name): $*" >&2
	exit 1
}

# run NAME CMD... : stdout in $work/NAME.out, stderr in $work/NAME.err,
# status in $rc
run() {
	local name=$1
	shift
	set +e
	"$@" >"$work/$name.out" 2>"$work/$name.err"
	rc=$?
	set -e
	sed "s/^/[$name] /" "$work/$name.err" >&2
}

secure_line() { # PATH REASON
	echo "cprof-trace: $1 runs in secure-execution mode ($2): the dynamic loader ignores LD_PRELOAD, so it is not traced"
}

expect_once() { # FILE LINE
	[ "$(grep -cxF -- "$2" "$1")" -eq 1 ] || fail "expected once in $(basename "$1"): '$2'"
}

case $case_name in
secure-suid)
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (chown)"; exit 77; }
	cp /bin/echo "$work/echo-suid"
	chown nobody "$work/echo-suid"
	chmod 4755 "$work/echo-suid"
	run plain "$work/echo-suid" hello there
	run rec "$cprof" record -o "$work/t" -- "$work/echo-suid" hello there
	[ "$rc" -eq 0 ] || fail "record exited $rc"
	cmp -s "$work/plain.out" "$work/rec.out" || fail "the program's output changed"
	expect_once "$work/rec.err" "$(secure_line "$work/echo-suid" set-user-ID)"
	grep -q "babeltrace2 cannot read\|no LTTng-UST process registered" "$work/rec.err" &&
		fail "record adds a misleading warning"
	run stats "$cprof" stats "$work/t"
	[ "$rc" -eq 1 ] || fail "stats of an empty trace exited $rc"
	[ "$(wc -l <"$work/stats.err")" -eq 1 ] || fail "stats: more than one line"
	grep -qF "$work/t: the trace is empty: $work/echo-suid runs in secure-execution mode (set-user-ID)" \
		"$work/stats.err" || fail "stats does not say why the trace is empty"
	;;
secure-caps)
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (setcap, runuser)"; exit 77; }
	command -v setcap >/dev/null || { echo "SKIP: no setcap (libcap2-bin)"; exit 77; }
	cp /bin/echo "$work/echo-cap"
	setcap cap_net_raw+ep "$work/echo-cap" || { echo "SKIP: no file capabilities here"; exit 77; }
	run plain runuser -u nobody -- "$work/echo-cap" hi
	run rec "$cprof" record -o "$work/t" -- runuser -u nobody -- "$work/echo-cap" hi
	[ "$rc" -eq 0 ] || fail "record exited $rc"
	cmp -s "$work/plain.out" "$work/rec.out" || fail "the program's output changed"
	line=$(secure_line "$work/echo-cap" "file capabilities")
	expect_once "$work/rec.err" "$line"
	run stats "$cprof" stats "$work/t"
	[ "$rc" -eq 0 ] || fail "stats exited $rc"
	grep -qxF "cprof-trace: $work/t: warning: ${line#cprof-trace: }" "$work/stats.err" ||
		fail "stats does not warn that echo-cap was not traced"
	grep -q '^  [0-9]* *runuser' "$work/stats.out" || fail "runuser is not in the trace"

	# controls: no secure execution, no line, and the program is traced
	run root "$cprof" record -o "$work/t-root" -- "$work/echo-cap" hi
	[ "$rc" -eq 0 ] || fail "record (root) exited $rc"
	grep -q "secure-execution" "$work/root.err" && fail "root's exec of echo-cap is not secure"
	"$cprof" stats "$work/t-root" | grep -q '^  [0-9]* *echo-cap' || fail "echo-cap (root) not traced"
	run nobody "$cprof" record -o "$work/t-nobody" -- runuser -u nobody -- /bin/echo hi
	[ "$rc" -eq 0 ] || fail "record (nobody, /bin/echo) exited $rc"
	grep -q "secure-execution" "$work/nobody.err" && fail "a false secure-execution line"
	"$cprof" stats "$work/t-nobody" | grep -q '^  [0-9]* *echo ' || fail "echo (nobody) not traced"
	;;
secure-spawn)
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (chown)"; exit 77; }
	[ -x /usr/bin/python3 ] || { echo "SKIP: no /usr/bin/python3 (python3)"; exit 77; }
	for f in echo-spawn echo-spawnp; do
		cp /bin/echo "$work/$f"
		chown nobody "$work/$f"
		chmod 4755 "$work/$f"
	done
	spawner=(/usr/bin/python3 -c 'import os, sys
for spawn, path in ((os.posix_spawn, sys.argv[1]), (os.posix_spawnp, "echo-spawnp"),
                    (os.posix_spawn, "/bin/echo")):
    pid = spawn(path, [path, "spawned", path], os.environ)
    os.waitpid(pid, 0)' "$work/echo-spawn")
	PATH=$work:$PATH run plain "${spawner[@]}"
	PATH=$work:$PATH run rec "$cprof" record -o "$work/t" -- "${spawner[@]}"
	[ "$rc" -eq 0 ] || fail "record exited $rc"
	cmp -s "$work/plain.out" "$work/rec.out" || fail "the program's output changed"
	[ "$(grep -c spawned "$work/rec.out")" -eq 3 ] || fail "python did not spawn the three"
	expect_once "$work/rec.err" "$(secure_line "$work/echo-spawn" set-user-ID)"
	line=$(secure_line "$work/echo-spawnp" set-user-ID)
	expect_once "$work/rec.err" "$line"
	[ "$(grep -c secure-execution "$work/rec.err")" -eq 2 ] || fail "a false secure-execution line"
	run stats "$cprof" stats "$work/t"
	[ "$rc" -eq 0 ] || fail "stats exited $rc"
	grep -qxF "cprof-trace: $work/t: warning: ${line#cprof-trace: }" "$work/stats.err" ||
		fail "stats does not warn that echo-spawnp was not traced"
	grep -q '^  [0-9]* *echo ' "$work/stats.out" || fail "/bin/echo (posix_spawn) is not traced"
	;;
secure-flight)
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (chown)"; exit 77; }
	cp /bin/echo "$work/echo-suid"
	chown nobody "$work/echo-suid"
	chmod 4755 "$work/echo-suid"
	"$cprof" record --flight --snapshot-on signal:USR2 -o "$work/fl" -- \
		/bin/sh -c '"$1" hello; echo done; sleep 1' sh "$work/echo-suid" \
		>"$work/fl.out" 2>"$work/fl.err" &
	rec=$!
	for _ in $(seq 200); do grep -q done "$work/fl.out" && break; sleep 0.1; done
	grep -q done "$work/fl.out" || fail "sh did not run under record --flight: $(cat "$work/fl.err")"
	kill -USR2 "$rec"
	wait "$rec" || fail "record --flight exited $?: $(cat "$work/fl.err")"
	grep -q '^hello$' "$work/fl.out" || fail "echo-suid did not run"
	snap=$(ls -d "$work"/fl/snapshot-001-*) || fail "no snapshot: $(cat "$work/fl.err")"
	run stats "$cprof" --no-cache stats "$snap"
	[ "$rc" -eq 0 ] || fail "stats exited $rc"
	line=$(secure_line "$work/echo-suid" set-user-ID)
	expect_once "$work/stats.err" "cprof-trace: $snap: warning: ${line#cprof-trace: }"
	;;
secure-pid)
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (chown)"; exit 77; }
	cp /bin/echo "$work/echo-suid"
	chown nobody "$work/echo-suid"
	chmod 4755 "$work/echo-suid"
	"$cprof" env >"$work/env.txt"
	env $(cat "$work/env.txt") /bin/sh -c 'while [ ! -e "$1/go" ]; do sleep 0.1; done
exec "$1/echo-suid" hello' sh "$work" >"$work/app.out" 2>"$work/app.err" &
	app=$!
	# (env executes sh: until then the process has no preload library)
	for _ in $(seq 100); do
		[ "$(readlink "/proc/$app/exe")" = "$(readlink -f /bin/sh)" ] && break
		sleep 0.05
	done
	"$cprof" record --pid "$app" --duration 30s -o "$work/p" >"$work/rec.out" 2>"$work/rec.err" &
	rec=$!
	for _ in $(seq 200); do grep -q 'recording process' "$work/rec.err" && break; sleep 0.1; done
	touch "$work/go"
	wait "$rec" || fail "record --pid exited $?: $(cat "$work/rec.err")"
	wait "$app" || true
	grep -q '^hello$' "$work/app.out" || fail "echo-suid did not run: $(cat "$work/app.err")"
	run stats "$cprof" --no-cache stats "$work/p"
	[ "$rc" -eq 0 ] || fail "stats exited $rc"
	line=$(secure_line "$work/echo-suid" set-user-ID)
	expect_once "$work/stats.err" "cprof-trace: $work/p: warning: ${line#cprof-trace: }"
	;;
static)
	printf '#include <stdio.h>\nint main(void) { puts("static hello"); return 0; }\n' >"$work/hello.c"
	gcc -static -O1 "$work/hello.c" -o "$work/hello-static" 2>"$work/cc.err" ||
		{ echo "SKIP: no static libc here: $(head -1 "$work/cc.err")"; exit 77; }
	run plain "$work/hello-static"
	run rec "$cprof" record -o "$work/t" -- "$work/hello-static"
	[ "$rc" -eq 0 ] || fail "record exited $rc"
	cmp -s "$work/plain.out" "$work/rec.out" || fail "the program's output changed"
	expect_once "$work/rec.err" "cprof-trace: $work/hello-static is statically linked: no dynamic loader runs in it, so LD_PRELOAD does not apply and it is not traced"
	grep -q "babeltrace2 cannot read\|no LTTng-UST process registered" "$work/rec.err" &&
		fail "record adds a misleading warning"
	run stats "$cprof" stats "$work/t"
	[ "$rc" -eq 1 ] || fail "stats of an empty trace exited $rc"
	grep -qF "$work/t: the trace is empty: $work/hello-static is statically linked" "$work/stats.err" ||
		fail "stats does not say why the trace is empty"
	# run twice by a traced shell (as `make check` runs a test program):
	# the exec hook tells record, which says it once; stats warns
	run sh-plain sh -c "'$work/hello-static'; '$work/hello-static'"
	run sh-rec "$cprof" record -o "$work/t-sh" -- sh -c "'$work/hello-static'; '$work/hello-static'"
	[ "$rc" -eq 0 ] || fail "record of sh exited $rc"
	cmp -s "$work/sh-plain.out" "$work/sh-rec.out" || fail "the shell's output changed"
	expect_once "$work/sh-rec.err" "cprof-trace: $work/hello-static is statically linked: no dynamic loader runs in it, so LD_PRELOAD does not apply and it is not traced"
	run sh-stats "$cprof" --no-cache stats "$work/t-sh"
	[ "$rc" -eq 0 ] || fail "stats of the shell's trace exited $rc"
	expect_once "$work/sh-stats.err" "cprof-trace: $work/t-sh: warning: $work/hello-static is statically linked: no dynamic loader runs in it, so LD_PRELOAD does not apply and it is not traced"
	# control: the same program linked dynamically is traced, no such line
	gcc -O1 "$work/hello.c" -o "$work/hello-dynamic"
	run dyn "$cprof" record -o "$work/t-dyn" -- "$work/hello-dynamic"
	grep -q "statically linked" "$work/dyn.err" && fail "a false 'statically linked' line"
	"$cprof" stats "$work/t-dyn" | grep -q '^  [0-9]* *hello-dynamic' || fail "hello-dynamic not traced"
	;;
threads)
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (runuser)"; exit 77; }
	run plain runuser -u nobody -- bash -c 'ulimit -u 1; exec /bin/echo hi'
	run rec "$cprof" record -o "$work/t" -- runuser -u nobody -- bash -c 'ulimit -u 1; exec /bin/echo hi'
	[ "$rc" -eq 0 ] || fail "record exited $rc"
	cmp -s "$work/plain.out" "$work/rec.out" || fail "the program's output changed"
	line=$(grep -E '^cprof-trace: /usr/bin/echo \(pid [0-9]+\) is not traced: lttng-ust could not start its threads \(ulimit -u is 1\), so the session daemon never registered it \(it waited 10 s for that\)$' \
		"$work/rec.err") || fail "record does not say why echo has no events"
	[ "$(grep -c 'is not traced' "$work/rec.err")" -eq 1 ] || fail "more than one line"
	run stats "$cprof" stats "$work/t"
	[ "$rc" -eq 0 ] || fail "stats exited $rc"
	grep -qxF "cprof-trace: $work/t: warning: ${line#cprof-trace: }" "$work/stats.err" ||
		fail "stats does not warn that echo was not traced"
	;;
*)
	fail "unknown case"
	;;
esac
echo "PASS ($case_name)"
