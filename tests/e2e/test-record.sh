#!/bin/bash
# cprof-trace record under a real lttng-sessiond: exit status, signals,
# refusal to overwrite, the closing line, the trace directory's contents.
#
# usage: test-record.sh CASE    (env CPROF_TRACE, RECORD_PROG)
set -euo pipefail

case_name=$1
cprof=${CPROF_TRACE:?CPROF_TRACE must name the cprof-trace executable}
prog=${RECORD_PROG:?RECORD_PROG must name test-record-prog}

if ! pgrep -x lttng-sessiond >/dev/null; then
	lttng-sessiond --daemonize
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/cprof-test-record.XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() {
	echo "FAIL ($case_name): $*" >&2
	exit 1
}

# record ARGS... : runs record, leaves its status in $rc and stderr in $work/err
record() {
	set +e
	"$cprof" record "$@" 2>"$work/err"
	rc=$?
	set -e
	cat "$work/err" >&2
}

last_line() {
	tail -n 1 "$work/err"
}

expect_status() {
	[ "$rc" -eq "$1" ] || fail "expected exit status $1, got $rc"
}

# The closing line: exactly one, last, naming events, losses and the dir.
expect_closing_line() {
	local dir=$1
	last_line | grep -Eq "^cprof-trace: recorded [0-9]+ (events|MiB of events) \([0-9]+ lost\) in $dir\$" ||
		fail "bad closing line: '$(last_line)'"
	[ "$(grep -c '^cprof-trace: recorded ' "$work/err")" -eq 1 ] || fail "more than one closing line"
}

expect_trace() {
	local dir=$1
	[ -f "$dir/cprof-record.json" ] || fail "$dir/cprof-record.json missing"
	find "$dir" -name metadata -path '*ust/uid/*' | grep -q . || fail "no CTF metadata under $dir/ust/uid"
}

json_field() { # FILE KEY -> value (numbers, strings, true and false only)
	sed -E 's/.*"'"$2"'": ("[^"]*"|[0-9]+|true|false).*/\1/' "$1"
}

case $case_name in
exit0 | exit3)
	code=${case_name#exit}
	record -o "$work/t" -- "$prog" exit "$code"
	expect_status "$code"
	expect_closing_line "$work/t"
	expect_trace "$work/t"
	;;
segv)
	record -o "$work/t" -- "$prog" signal SEGV
	expect_status $((128 + 11))
	expect_closing_line "$work/t"
	expect_trace "$work/t"
	;;
abort)
	record -o "$work/t" -- "$prog" signal ABRT
	expect_status $((128 + 6))
	expect_closing_line "$work/t"
	expect_trace "$work/t"
	;;
no-program)
	record -o "$work/t" -- "$work/does-not-exist"
	expect_status 127
	grep -q "does-not-exist: No such file or directory" "$work/err" || fail "no exec error message"
	[ ! -e "$work/t" ] || fail "a run that never started left $work/t behind"
	;;
overwrite)
	mkdir -p "$work/t"
	echo precious >"$work/t/cprof-record.json"
	record -o "$work/t" -- "$prog" exit 0
	[ "$rc" -ne 0 ] || fail "record overwrote a non-empty directory"
	grep -q "^cprof-trace: $work/t: exists and is not empty" "$work/err" || fail "no refusal message"
	[ "$(cat "$work/t/cprof-record.json")" = precious ] || fail "the old trace was touched"
	# --force replaces it.
	record --force -o "$work/t" -- "$prog" exit 0
	expect_status 0
	expect_trace "$work/t"
	grep -q '"pid"' "$work/t/cprof-record.json" || fail "--force did not replace the trace"
	# --force never removes a directory that is not a trace.
	mkdir -p "$work/notrace"
	echo data >"$work/notrace/file"
	record --force -o "$work/notrace" -- "$prog" exit 0
	[ "$rc" -ne 0 ] || fail "--force removed a directory that is not a trace"
	[ -f "$work/notrace/file" ] || fail "a non-trace directory was touched"
	# An empty directory is fine without --force.
	mkdir -p "$work/empty"
	record -o "$work/empty" -- "$prog" exit 0
	expect_status 0
	expect_trace "$work/empty"
	;;
contents)
	# The default output is trace.out in the current directory.
	(cd "$work" && "$cprof" record -- "$prog" regions 1000 2>"$work/err") || fail "record failed"
	cat "$work/err" >&2
	expect_trace "$work/trace.out"
	t=$work/trace.out
	pid=$(json_field "$t/cprof-record.json" pid)
	session=$(json_field "$t/cprof-record.json" session)
	discarded=$(json_field "$t/cprof-record.json" discarded_events)
	[[ $pid =~ ^[0-9]+$ ]] || fail "bad pid in cprof-record.json"
	[[ $session =~ ^\"cprof-record- ]] || fail "bad session in cprof-record.json"
	[ "$discarded" = 0 ] || fail "events were discarded: $discarded"
	# record started it: a thread's records missing before its first in
	# the trace were lost, and the reader counts them so
	[ "$(json_field "$t/cprof-record.json" launched)" = true ] ||
		fail "cprof-record.json lacks \"launched\": true"
	grep -q '"argv": \["[^"]*test-record-prog", "regions", "1000"\]' "$t/cprof-record.json" ||
		fail "bad argv in cprof-record.json"
	# The session is gone from the daemon.
	if lttng list 2>/dev/null | grep -q "${session//\"/}"; then
		fail "session $session still exists"
	fi
	babeltrace2 "$t" >"$work/dump"
	head -n 3 "$work/dump" >&2
	# Every event carries the thread and process contexts.
	grep -m 1 "cprof:batch.*vpid = $pid," "$work/dump" >"$work/ev" || true
	grep -q "vtid = $pid, vpid = $pid, .*procname = \"test-record-pro\"" "$work/ev" ||
		fail "cprof events lack vtid/vpid/procname: $(cat "$work/ev")"
	# The regions travel in cprof:batch events: dump unpacks them.
	"$cprof" dump "$t" >"$work/cdump" || fail "dump"
	n=$(grep -c "^[0-9.]* $pid cprof:region_" "$work/cdump" || true)
	[ "$n" -eq 2000 ] || fail "expected 2000 region events of pid $pid, found $n"
	# the loaded objects, from the preload library (lttng-ust's statedump
	# reads their files, and record turns it off)
	grep -q "cprof:module:.*vpid = $pid,.*path = \"[^\"]*/test-record-prog\"" "$work/dump" ||
		fail "no cprof:module for the program"
	! grep -q "lttng_ust_statedump:bin_info.*vpid = $pid," "$work/dump" || fail "lttng-ust's statedump read the files"
	# The closing line counts the recorded program's events: every event
	# of its pid, not those of other processes sharing the per-UID buffers.
	expect_closing_line trace.out
	count=$(last_line | sed -E 's/^cprof-trace: recorded ([0-9]+) events.*/\1/')
	[ "$count" -ge 2000 ] || fail "closing line counts $count events, fewer than the program's 2000"
	# (records of batches count one each: dump prints one line per record)
	own=$(grep -c . "$work/cdump" || true)
	[ "$count" -eq "$own" ] || fail "closing line counts $count events, pid $pid emitted $own"
	;;
batch-size)
	# record sizes the threads' record buffers (one cprof:batch event
	# each) from its channel: an eighth of a sub-buffer, 2 KiB to 8 KiB.
	# Fewer, fuller events on its default 512 KiB sub-buffers; on 16 KiB
	# ones, 2 KiB buffers whose events still fit. Every record arrives
	# either way.
	for sub in default 16K; do
		opt=()
		[ "$sub" = default ] || opt=(--subbuf-size="$sub")
		record "${opt[@]}" -o "$work/t-$sub" -- "$prog" regions 100000
		expect_status 0
		pid=$(json_field "$work/t-$sub/cprof-record.json" pid)
		[ "$(json_field "$work/t-$sub/cprof-record.json" discarded_events)" = 0 ] ||
			fail "$sub: events were discarded"
		babeltrace2 "$work/t-$sub" | grep "cprof:batch.*vpid = $pid," |
			sed -E 's/.* count = ([0-9]+),.*/\1/' >"$work/counts-$sub"
		read -r n sum < <(awk '{ n++; s += $1 } END { print n, s }' "$work/counts-$sub")
		echo "$sub sub-buffers: $sum records in $n cprof:batch events" >&2
		[ "$sum" -ge 200000 ] || fail "$sub: $sum records of the program's 200000"
		eval "mean_${sub//K/}=$((sum / n))"
	done
	[ "$mean_default" -ge $((3 * mean_16)) ] ||
		fail "records per event: $mean_default on 512 KiB sub-buffers, $mean_16 on 16 KiB ones (expected 3x)"
	;;
sigint | sigterm)
	sig=${case_name#sig}
	sig=${sig^^}
	# A duration of its own so that pgrep never finds another case's program.
	secs=$([ "$sig" = INT ] && echo 37 || echo 38)
	# Job control: a background job of a script otherwise ignores SIGINT,
	# and record (rightly) keeps an ignored signal ignored.
	set -m
	"$cprof" record -o "$work/t" -- "$prog" sleep "$secs" 2>"$work/err" &
	rec=$!
	# Wait until the program has written its first events (it says so
	# before its sleep), then interrupt record itself.
	for _ in $(seq 600); do
		grep -q 'test-record-prog: sleeping' "$work/err" && break
		sleep 0.1
	done
	kill -s "$sig" "$rec"
	set +e
	wait "$rec"
	rc=$?
	set -e
	cat "$work/err" >&2
	num=$(kill -l "$sig")
	expect_status $((128 + num))
	expect_closing_line "$work/t"
	expect_trace "$work/t"
	pid=$(json_field "$work/t/cprof-record.json" pid)
	if kill -0 "$pid" 2>/dev/null; then
		fail "the program survived"
	fi
	session=$(json_field "$work/t/cprof-record.json" session)
	if lttng list 2>/dev/null | grep -q "${session//\"/}"; then
		fail "session $session still exists"
	fi
	;;
args)
	record --alloc=bogus -- "$prog" exit 0
	expect_status 2
	grep -q "record: --alloc: .bogus.: expected off, sample or all" "$work/err" || fail "no message for a bad --alloc"
	record -o "$work/t"
	expect_status 2
	grep -q "no program to run" "$work/err" || fail "no message without a program"
	# (into a file: grep -q stops reading at its match, and a help longer
	# than a pipe's buffer then dies of SIGPIPE, which pipefail reports)
	"$cprof" record --help >"$work/help"
	grep -q -- "--no-auto" "$work/help" || fail "--help does not list --no-auto"
	# Options after PROGRAM belong to PROGRAM.
	record -o "$work/t" -- "$prog" exit 4 --force
	expect_status 4
	;;
stale)
	# A record killed with SIGKILL leaves its session behind; the next
	# record destroys it (its pid is dead).
	"$cprof" record -o "$work/t1" -- "$prog" sleep 39 2>/dev/null &
	rec=$!
	for _ in $(seq 100); do
		pgrep -f "^$prog sleep 39" >/dev/null && break
		sleep 0.1
	done
	stale=$(lttng list 2>/dev/null | grep -o "cprof-record-[0-9]*-$rec-[0-9]*" || true)
	[ -n "$stale" ] || fail "no session found for record pid $rec"
	kill -9 "$rec"
	wait "$rec" 2>/dev/null || true
	pkill -f "^$prog sleep 39" || true
	record -o "$work/t2" -- "$prog" exit 0
	expect_status 0
	if lttng list 2>/dev/null | grep -q "$stale"; then
		fail "stale session $stale was not destroyed"
	fi
	;;
env)
	# The program's environment (the preload library's configuration).
	lib=$(realpath /lib/x86_64-linux-gnu/libm.so.6)
	CPROF_PRELOAD_LIB=$lib "$cprof" record -o "$work/t1" --alloc=all --alloc-rate=4k \
		--stack-depth=16 --io-threshold=2ms --cpu-rate=0 --no-locks -- env >"$work/env" 2>"$work/err"
	for v in LTTNG_UST_ALLOW_BLOCKING=1 LTTNG_UST_REGISTER_TIMEOUT=10000 CPROF_ALLOC=all \
		CPROF_ALLOC_RATE=4096 CPROF_STACK_DEPTH=16 CPROF_IO_THRESHOLD_NS=2000000 \
		CPROF_CPU_RATE=0 CPROF_LOCKS=0 CPROF_IO=1 CPROF_THREADS=1; do
		grep -qx "$v" "$work/env" || fail "$v missing from the program's environment"
	done
	# liblttng-ust-fork after ours; no liblttng-ust-dl (the preload library
	# records later loads itself, without its ELF re-reads).
	grep -qx "LD_PRELOAD=$lib [^ ]*liblttng-ust-fork.so.1" "$work/env" ||
		fail "bad LD_PRELOAD: $(grep LD_PRELOAD "$work/env")"
	# A user's own LD_PRELOAD is kept, after ours.
	LD_PRELOAD=$lib CPROF_PRELOAD_LIB=$lib "$cprof" record -o "$work/t2" -- env >"$work/env" 2>"$work/err"
	grep -q "^LD_PRELOAD=$lib .*fork.so.1 $lib\$" "$work/env" || fail "user LD_PRELOAD lost"
	# --no-auto: no preload, no configuration.
	"$cprof" record -o "$work/t3" --no-auto -- env >"$work/env" 2>"$work/err"
	cfg='^(LD_PRELOAD|CPROF_(LOCKS|IO|THREADS|ALLOC|ALLOC_RATE|STACK_DEPTH|IO_THRESHOLD_NS|CPU_RATE))='
	if grep -Eq "$cfg" "$work/env"; then
		fail "--no-auto still sets $(grep -E "$cfg" "$work/env")"
	fi
	grep -qx LTTNG_UST_ALLOW_BLOCKING=1 "$work/env" || fail "--no-auto lost LTTNG_UST_ALLOW_BLOCKING"
	# A missing preload library: one warning, the program still runs.
	CPROF_PRELOAD_LIB=$work/nope.so "$cprof" record -o "$work/t4" -- env >"$work/env" 2>"$work/err"
	[ "$(grep -cE "warning: (CPROF_PRELOAD_LIB|libcprof-trace-preload)" "$work/err")" -eq 1 ] ||
		fail "expected one warning about the preload library: $(cat "$work/err")"
	if grep -q "^LD_PRELOAD=" "$work/env"; then
		fail "LD_PRELOAD set without a preload library"
	fi
	;;
stack-depth)
	# --stack-depth is honoured up to record's own limit: the preload
	# library once fell back to 32 frames above 128 without a word.
	record -o "$work/t" --alloc=all --stack-depth=200 -- "$prog" deep 250
	expect_status 0
	"$cprof" dump "$work/t" >"$work/dump"
	grep -q "cprof:config .*stack_depth = 200," "$work/dump" ||
		fail "the preload library did not take --stack-depth=200: $(grep cprof:config "$work/dump")"
	longest=$(sed -nE 's/.*cprof:stack .*_ips_length = ([0-9]+),.*/\1/p' "$work/dump" | sort -n | tail -n 1)
	[ "${longest:-0}" -gt 128 ] || fail "longest stack has ${longest:-no} frames, expected 200"
	[ "$longest" -eq 200 ] || fail "longest stack has $longest frames, expected 200"
	record -o "$work/t2" --stack-depth=257 -- "$prog" exit 0
	expect_status 2
	grep -q "record: --stack-depth: .257.: expected 1 to 256 frames" "$work/err" || fail "--stack-depth=257 accepted"
	;;
settled)
	# Once record has returned the trace is complete and nobody touches it
	# any more: every event is in it, and not one file is written, created,
	# removed or renamed in the next second (record waits for the consumer
	# daemon to close the trace's files, not for the session daemon to
	# confirm the session's destruction, 500 ms later), whether the program
	# was one process, emitted many events or left children behind for a
	# while; a trace removed at once stays removed, and the same directory
	# takes the next recording.
	state() { # DIR: every file's path, size, mtime and checksum
		(cd "$1" && find . -printf '%p %s %T@\n' | sort &&
			find . -type f -exec md5sum {} + | sort)
	}
	watch_start() { # DIR: inotifywait on it, in the background
		: >"$work/events"
		if command -v inotifywait >/dev/null; then
			inotifywait -q -r -m -e modify,create,delete,move,attrib --format '%w%f %e' \
				"$1" >"$work/events" 2>/dev/null &
			watcher=$!
		else
			watcher=
		fi
	}
	watch_stop() {
		[ -z "$watcher" ] || kill "$watcher"
		wait 2>/dev/null || true
	}
	programs=("$prog exit 0" "$prog regions 20000"
		"sh -c 'for i in 1 2 3; do $prog exit 0; done; (sleep 0.2; $prog exit 0) &'")
	for run in 1 2; do
		for p in "${programs[@]}"; do
			rm -rf "$work/s"
			eval "record -o \"\$work/s\" -- $p"
			expect_status 0
			if [ "$p" = "$prog regions 20000" ]; then
				n=$(last_line | sed -nE 's/^cprof-trace: recorded ([0-9]+) events.*/\1/p')
				[ "${n:-0}" -ge 40000 ] || fail "$p: $n events recorded, want 40000 and more"
			fi
			watch_start "$work/s"
			state "$work/s" >"$work/before"
			sleep 1.2
			watch_stop
			state "$work/s" >"$work/after"
			diff "$work/before" "$work/after" >&2 ||
				fail "$p: the trace changed after record returned"
			[ ! -s "$work/events" ] ||
				fail "$p: files touched after record returned: $(cat "$work/events")"
			"$cprof" stats "$work/s" >/dev/null 2>"$work/stats.err" ||
				fail "$p: stats: $(cat "$work/stats.err")"
		done
	done
	record -o "$work/s2" -- "$prog" exit 0
	rm -rf "$work/s2" || fail "the trace cannot be removed right after record"
	sleep 1
	[ ! -e "$work/s2" ] || fail "$work/s2 came back after it was removed: $(find "$work/s2")"
	record -o "$work/s2" -- "$prog" exit 0
	expect_status 0
	expect_closing_line "$work/s2"
	record --force -o "$work/s2" -- "$prog" regions 10
	expect_status 0
	expect_closing_line "$work/s2"
	;;
daemon)
	# Starting a session daemon when none runs, without touching the
	# machine's global one: as user nobody, whose per-user daemon lives
	# under its own HOME.
	if [ "$(id -u)" -ne 0 ] || ! command -v runuser >/dev/null || ! id nobody >/dev/null 2>&1; then
		echo "skip: needs root, runuser and user nobody"
		exit 77
	fi
	home=$work/home
	mkdir -p "$home"
	chown nobody "$home"
	chmod 755 "$work"
	stop_user_daemon() {
		if [ -f "$home/.lttng/lttng-sessiond.pid" ]; then
			kill "$(cat "$home/.lttng/lttng-sessiond.pid")" 2>/dev/null || true
			sleep 0.5
		fi
		rm -rf "$work"
	}
	trap stop_user_daemon EXIT
	# No lttng-sessiond on PATH: a sentence that says what to install.
	set +e
	runuser -u nobody -- env HOME="$home" PATH=/nonexistent "$cprof" record -o "$home/t0" -- "$prog" exit 0 2>"$work/err"
	rc=$?
	set -e
	cat "$work/err" >&2
	[ "$rc" -ne 0 ] || fail "record succeeded without a session daemon"
	grep -q "apt-get install lttng-tools" "$work/err" || fail "no advice to install lttng-tools"
	# With it: record starts one and says so.
	set +e
	runuser -u nobody -- env HOME="$home" "$cprof" record -o "$home/t" -- "$prog" exit 5 2>"$work/err"
	rc=$?
	set -e
	cat "$work/err" >&2
	expect_status 5
	grep -q "^cprof-trace: no LTTng session daemon was running: started lttng-sessiond" "$work/err" ||
		fail "record did not say it started a daemon"
	[ -f "$home/.lttng/lttng-sessiond.pid" ] || fail "no per-user daemon was started"
	expect_closing_line "$home/t"
	expect_trace "$home/t"
	;;
pipe)
	# stderr closed early (`2>&1 | head`): record still stops and
	# destroys its session and writes cprof-record.json, and the program
	# gets the default SIGPIPE back.
	set +e
	"$cprof" record -o "$work/t" -- sh -c 'yes | head -n 1; exit 6' 2>&1 | head -c 1 >/dev/null
	set -e
	sleep 1
	[ -f "$work/t/cprof-record.json" ] || fail "record died on a closed pipe"
	session=$(json_field "$work/t/cprof-record.json" session)
	if lttng list 2>/dev/null | grep -q "${session//\"/}"; then
		fail "session $session still exists"
	fi
	"$cprof" record -o "$work/t2" -- sh -c 'grep SigIgn /proc/$$/status' >"$work/out" 2>/dev/null
	mask=$(sed -nE 's/^SigIgn:\s*([0-9a-f]+)/\1/p' "$work/out")
	[ -n "$mask" ] || fail "no SigIgn line"
	if (((0x$mask >> 12) & 1)); then
		fail "the program inherited an ignored SIGPIPE (SigIgn $mask)"
	fi
	;;
*)
	echo "unknown case $case_name" >&2
	exit 2
	;;
esac
echo "ok: $case_name"
