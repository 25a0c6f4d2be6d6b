#!/bin/sh
# cprof-trace serve: Go's /debug/pprof/ endpoints for a running program,
# read the way the seeds read them: go tool pprof -raw URL (curl for the
# text dump and the trace). CASE is one of:
#   endpoints  netapp under wrk load: every endpoint names its culprit
#   errors     400, 404, 409, 410 and the refusal of a bare --pid
#   security   non-loopback --listen needs --token; 401 without it
#   pid        env + serve --pid of a process started by a shell
#   deadlock   goroutine?debug=2 names the two deadlocked threads
#   since      goroutine?debug=2's durations: the time in the current call
. "$(dirname "$0")/test-diagnose-lib.sh"

CASE=${1:?usage: test-serve.sh CASE}
ensure_sessiond
PIDS=""
stop_all() {
	stop_pids
	cleanup
}
trap stop_all EXIT

# serve_start NAME ARGS...: runs cprof-trace serve ARGS in the background,
# waits for its URL; sets URL and SERVE_PID.
serve_start() {
	name=$1
	shift
	"$CPROF_TRACE" serve "$@" >"$WORK/$name.stdout" 2>"$WORK/$name.stderr" &
	SERVE_PID=$!
	PIDS="$PIDS $SERVE_PID"
	i=0
	while ! grep -q 'serving process' "$WORK/$name.stderr" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
		kill -0 "$SERVE_PID" 2>/dev/null || { cat "$WORK/$name.stderr" >&2; fail "serve $* exited"; }
		[ $i -lt 300 ] || fail "serve $* printed no URL"
	done
	URL=$(sed -n 's/.* at \(http[^ ]*\)$/\1/p' "$WORK/$name.stderr" | head -1)
	URL=${URL%/}
	note "serving at $URL"
}

# raw ENDPOINT: go tool pprof -raw of URL/ENDPOINT into $WORK/raw.txt
raw() {
	note "go tool pprof -raw $URL$1"
	# -timeout: pprof waits 1.5 x seconds by default; a capture also
	# starts and ends an LTTng session, slow on a loaded machine
	go tool pprof -timeout 120 -raw "$URL$1" >"$WORK/raw.txt" 2>"$WORK/raw.err" ||
		{ cat "$WORK/raw.err" "$WORK"/serve*.stderr >&2; fail "go tool pprof -raw $1 failed"; }
}

has() {
	grep -q "$1" "$WORK/raw.txt" || { head -40 "$WORK/raw.txt" >&2; fail "$2"; }
}

status_of() {
	curl -s -o "$WORK/body" -w '%{http_code}' -m 60 "$@"
}

netapp_port() {
	wait_for "$WORK/serve.stderr" 'listening on' "netapp did not listen"
	sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/serve.stderr" | head -1
}

case $CASE in
endpoints)
	serve_start serve --listen 127.0.0.1:0 -- "$SAMPLES_DIR/netapp" --port 0 \
		--alloc-min 50 --alloc-max 150 --slow-min 5 --slow-max 20
	APP=$(netapp_port)
	# long-lived buffers made before any request: the heap must show them
	wrk -t1 -c2 -d3s "http://127.0.0.1:$APP/gc" >"$WORK/wrk0.txt" 2>&1
	raw /heap
	has gc_heavy_handler "heap: no gc_heavy_handler (objects allocated before the request)"
	grep -q 'inuse_space' "$WORK/raw.txt" || fail "heap: no inuse_space sample type"
	raw /allocs
	has gc_heavy_handler "allocs: no gc_heavy_handler"
	wrk -t1 -c2 -d120s "http://127.0.0.1:$APP/gc" >"$WORK/wrk1.txt" 2>&1 &
	LOAD=$!
	wrk -t1 -c4 -d120s "http://127.0.0.1:$APP/slow" >"$WORK/wrk2.txt" 2>&1 &
	SLOW=$!
	PIDS="$PIDS $LOAD $SLOW"
	curl -s -m 30 -o /dev/null "http://127.0.0.1:$APP/slow" || fail "netapp does not answer /slow"
	raw '/profile?seconds=3'
	has gc_heavy_handler "profile: no gc_heavy_handler in the CPU samples under /gc load"
	raw '/heap?seconds=2'
	has gc_heavy_handler "heap?seconds=2: no gc_heavy_handler in the delta"
	raw '/region?seconds=2'
	has handle "region: no 'handle' region"
	raw '/threadcreate'
	has accept_loop "threadcreate: the connection threads were not created by accept_loop"
	raw '/goroutine'
	has accept_loop "goroutine: no thread in accept_loop"
	raw '/mutex?seconds=1'
	raw '/block?seconds=1'
	raw '/syscall?seconds=2'
	has slow_handler "syscall: no slow_handler under /slow load"
	code=$(status_of "$URL/goroutine?debug=2")
	[ "$code" = 200 ] || fail "goroutine?debug=2: HTTP $code"
	grep -q '^thread [0-9]* "accept" \[in accept' "$WORK/body" ||
		{ cat "$WORK/body" >&2; fail "goroutine?debug=2: no accept thread blocked in accept"; }
	grep -q 'nanosleep' "$WORK/body" || fail "goroutine?debug=2: no thread in nanosleep under /slow"
	# Go's count format: the threads per stack, the counts adding up to
	# the total, the accept loop named; go tool pprof reads it
	code=$(status_of "$URL/goroutine?debug=1")
	[ "$code" = 200 ] || fail "goroutine?debug=1: HTTP $code"
	awk '
	NR == 1 { if ($0 !~ /^goroutine profile: total [0-9]+$/) exit 1; total = $4; next }
	/^[0-9]+ @( 0x[0-9a-f]+)+$/ { sum += $1; groups++; next }
	/^#\t/ || /^$/ { next }
	{ exit 1 }
	END { if (NR < 2 || sum != total || !groups) exit 1; print "goroutine?debug=1: " total " threads in " groups " stacks" }' \
		"$WORK/body" || { cat "$WORK/body" >&2; fail "goroutine?debug=1: not Go's count format"; }
	grep -q "^#	0x[0-9a-f]*	accept_loop	" "$WORK/body" || fail "goroutine?debug=1: no accept_loop frame"
	go tool pprof -raw "$WORK/body" >"$WORK/g1.raw" 2>&1 || fail "go tool pprof cannot read goroutine?debug=1: $(head -3 "$WORK/g1.raw")"
	grep -q "goroutine/count" "$WORK/g1.raw" || fail "go tool pprof -raw of goroutine?debug=1: $(head -5 "$WORK/g1.raw")"
	code=$(curl -s -o "$WORK/t.tar" -w '%{http_code}' -m 60 "$URL/trace?seconds=1")
	[ "$code" = 200 ] || fail "trace: HTTP $code"
	mkdir "$WORK/t" && tar -xf "$WORK/t.tar" -C "$WORK/t" || fail "trace: not a tar archive"
	"$CPROF_TRACE" stats "$WORK/t/trace" >"$WORK/stats.txt" || fail "stats of the trace endpoint's tar failed"
	grep -q 'handle' "$WORK/stats.txt" || fail "trace: stats shows no 'handle' region"
	# the .tar itself, wherever a trace directory is taken
	"$CPROF_TRACE" stats "$WORK/t.tar" >"$WORK/stats-tar.txt" || fail "stats FILE.tar failed"
	if diff "$WORK/stats.txt" "$WORK/stats-tar.txt" | grep '^[<>]' | grep -vq '^[<>] trace: '; then
		fail "stats of the .tar differs from stats of its directory"
	fi
	"$CPROF_TRACE" pprof -t region -o "$WORK/r.pb.gz" "$WORK/t.tar" 2>/dev/null ||
		fail "pprof FILE.tar failed"
	"$CPROF_TRACE" dump "$WORK/t.tar" | grep -q 'cprof:region_begin' || fail "dump FILE.tar shows no region"
	echo "not a tar" >"$WORK/bad.tar"
	if "$CPROF_TRACE" stats "$WORK/bad.tar" 2>"$WORK/bad.err"; then fail "stats of a bad .tar succeeded"; fi
	[ "$(wc -l <"$WORK/bad.err")" = 1 ] && grep -q 'bad.tar' "$WORK/bad.err" ||
		fail "a bad .tar: not one line naming the file: $(cat "$WORK/bad.err")"
	kill "$LOAD" "$SLOW"
	wait "$LOAD" "$SLOW" || true
	code=$(status_of "$URL/")
	[ "$code" = 200 ] && grep -q 'href="profile"' "$WORK/body" || fail "index: HTTP $code"
	echo "PASS: $TEST_NAME: every endpoint"
	;;
errors)
	serve_start serve --listen 127.0.0.1:0 -- "$SAMPLES_DIR/netapp" --port 0
	for q in 'profile?seconds=abc' 'profile?seconds=-1' 'profile?seconds=3601' 'goroutine?debug=x' \
		'heap?debug=1'; do
		code=$(status_of "$URL/$q")
		[ "$code" = 400 ] || fail "$q: HTTP $code, not 400"
		[ "$(wc -l <"$WORK/body")" = 1 ] || fail "$q: the 400 is not one line"
	done
	code=$(status_of "$URL/nope")
	[ "$code" = 404 ] || fail "unknown profile: HTTP $code"
	code=$(status_of "${URL%/debug/pprof}/other")
	[ "$code" = 404 ] || fail "unknown path: HTTP $code"
	# two at once: the second is refused with a reason, never mixed
	curl -s -o "$WORK/a.pb" -m 60 "$URL/profile?seconds=3" &
	A=$!
	# the first is under way once its LTTng session (serve's pid in its
	# name) records: a session prepared in advance is not started
	i=0
	while ! lttng list 2>/dev/null | grep -qE "^ *[0-9]+\) cprof-record-[0-9]+-$SERVE_PID-[0-9]+ \[active\]"; do
		sleep 0.05
		i=$((i + 1))
		kill -0 $A 2>/dev/null && [ $i -lt 600 ] || fail "the first capture did not start"
	done
	code=$(status_of "$URL/profile?seconds=1")
	wait $A
	[ "$code" = 409 ] && grep -q 'another capture' "$WORK/body" || fail "concurrent profile: HTTP $code"
	go tool pprof -raw "$WORK/a.pb" >/dev/null 2>&1 || fail "the first of two profiles is unreadable"
	# a client that goes away mid-profile: the session still ends (60 s
	# at most: ending a session is slow on a loaded machine)
	curl -s -m 2 -o /dev/null "$URL/profile?seconds=30" || true
	i=0
	while code=$(status_of "$URL/goroutine") && [ "$code" = 409 ] && [ $i -lt 120 ]; do
		sleep 0.5
		i=$((i + 1))
	done
	[ "$code" = 200 ] || fail "after a client left mid-profile: HTTP $code: $(cat "$WORK/body")"
	# 100 requests in a row, half of them refused, then a capture still works
	i=0
	while [ $i -lt 100 ]; do
		curl -s -o /dev/null -m 10 "$URL/nope" &
		c=$!
		curl -s -o /dev/null -m 10 "$URL/cmdline"
		wait $c || true
		i=$((i + 2))
	done
	code=$(status_of "$URL/threadcreate")
	[ "$code" = 200 ] || fail "after 100 requests: HTTP $code"
	# the program exits: serve exits with its status
	kill -TERM "$(pgrep -P "$SERVE_PID" netapp)"
	wait "$SERVE_PID" || true
	# --pid of a process without the library
	sleep 30 &
	S=$!
	PIDS="$PIDS $S"
	if "$CPROF_TRACE" serve --listen 127.0.0.1:0 --pid "$S" 2>"$WORK/nopre.err"; then
		fail "serve --pid of a plain process did not fail"
	fi
	grep -q 'cprof-trace env' "$WORK/nopre.err" || fail "no hint to use cprof-trace env: $(cat "$WORK/nopre.err")"
	# a tar whose entry climbs out of the extraction directory is refused
	python3 - "$WORK/evil.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    data = b"x"
    info = tarfile.TarInfo("../cprof-evil-entry")
    info.size = len(data)
    t.addfile(info, io.BytesIO(data))
PY
	if "$CPROF_TRACE" stats "$WORK/evil.tar" 2>"$WORK/evil.err"; then fail "stats of a climbing .tar succeeded"; fi
	grep -q 'outside the archive' "$WORK/evil.err" || fail "climbing .tar: $(cat "$WORK/evil.err")"
	[ ! -e /tmp/cprof-evil-entry ] || fail "a .tar entry was written outside the extraction directory"
	echo "PASS: $TEST_NAME: 400, 404, 409, refused --pid, a climbing .tar"
	;;
security)
	if "$CPROF_TRACE" serve --listen 0.0.0.0:0 -- true 2>"$WORK/open.err"; then
		fail "a non-loopback --listen without --token was accepted"
	fi
	grep -q 'token' "$WORK/open.err" || fail "the refusal does not mention --token"
	echo "s3cret-token-123" >"$WORK/token"
	serve_start serve --listen 0.0.0.0:0 --token "$WORK/token" -- "$SAMPLES_DIR/netapp" --port 0
	URL=$(echo "$URL" | sed 's/0\.0\.0\.0/127.0.0.1/')
	code=$(status_of "$URL")
	[ "$code" = 401 ] || fail "no token: HTTP $code"
	code=$(status_of -H 'Authorization: Bearer wrong' "$URL")
	[ "$code" = 401 ] || fail "wrong token: HTTP $code"
	code=$(status_of -H 'Authorization: Bearer s3cret-token-123' "$URL")
	[ "$code" = 200 ] || fail "right token: HTTP $code"
	echo "PASS: $TEST_NAME: loopback by default, token otherwise"
	;;
pid)
	"$CPROF_TRACE" env >"$WORK/env.txt" || fail "cprof-trace env failed"
	grep -q '^LD_PRELOAD=.*libcprof-trace-preload' "$WORK/env.txt" || fail "env: no LD_PRELOAD"
	grep -q '^CPROF_SERVE=1$' "$WORK/env.txt" || fail "env: no CPROF_SERVE=1"
	"$CPROF_TRACE" env --cpu-rate=50 | grep -q '^CPROF_CPU_RATE=50$' || fail "env: --cpu-rate not applied"
	env $(cat "$WORK/env.txt") "$SAMPLES_DIR/netapp" --port 0 >"$WORK/app.out" 2>"$WORK/serve.stderr" &
	APPPID=$!
	PIDS="$PIDS $APPPID"
	APP=$(netapp_port)
	serve_start serve2 --listen 127.0.0.1:0 --pid "$APPPID"
	raw '/goroutine'
	has accept_loop "serve --pid: goroutine has no accept_loop"
	kill "$APPPID"
	wait "$APPPID" || true
	# gone: 410 (or 503 mid-capture) until serve notices, then serve exits
	code=$(status_of "$URL/heap") || true
	case $code in 410 | 503 | 000) ;; *) fail "exited process: HTTP $code" ;; esac
	i=0
	while kill -0 "$SERVE_PID" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	kill -0 "$SERVE_PID" 2>/dev/null && fail "serve --pid did not exit with its process"
	echo "PASS: $TEST_NAME: env, serve --pid, exited process"
	;;
channel)
	# record's channel options shape each capture's session (serve's own
	# default is 1 MiB x 4); the next capture's session is prepared ahead
	serve_start serve --listen 127.0.0.1:0 --subbuf-size=64k --num-subbuf=2 -- \
		"$SAMPLES_DIR/netapp" --port 0
	code=$(status_of "$URL/goroutine")
	[ "$code" = 200 ] || fail "goroutine: HTTP $code"
	i=0
	while ! name=$(lttng list 2>/dev/null | grep -o "cprof-record-[0-9]*-$SERVE_PID-[0-9]*"); do
		sleep 0.2
		i=$((i + 1))
		[ $i -lt 100 ] || fail "no session prepared ahead by serve $SERVE_PID"
	done
	name=$(echo "$name" | head -1)
	lttng list "$name" >"$WORK/list.txt" 2>&1 || fail "lttng list $name failed"
	grep -Eq 'Sub-buffer size: +65536' "$WORK/list.txt" && grep -Eq 'Sub-buffer count: +2' "$WORK/list.txt" ||
		{ cat "$WORK/list.txt" >&2; fail "the capture's channel is not 64k x 2"; }
	# --pid takes the channel's options, and refuses the program's
	kill "$(pgrep -P "$SERVE_PID" netapp)"
	wait "$SERVE_PID" || true
	"$CPROF_TRACE" env >"$WORK/env.txt"
	env $(cat "$WORK/env.txt") "$SAMPLES_DIR/netapp" --port 0 >"$WORK/app.out" 2>"$WORK/serve.stderr" &
	APPPID=$!
	PIDS="$PIDS $APPPID"
	netapp_port >/dev/null
	if "$CPROF_TRACE" serve --listen 127.0.0.1:0 --pid "$APPPID" --no-locks 2>"$WORK/nolocks.err"; then
		fail "serve --pid with --no-locks was accepted"
	fi
	[ "$(wc -l <"$WORK/nolocks.err")" = 1 ] || fail "not one line: $(cat "$WORK/nolocks.err")"
	serve_start serve2 --listen 127.0.0.1:0 --pid "$APPPID" --num-subbuf=8
	code=$(status_of "$URL/goroutine")
	[ "$code" = 200 ] || fail "serve --pid --num-subbuf=8: goroutine: HTTP $code"
	echo "PASS: $TEST_NAME: record's channel options reach serve's captures"
	;;
deadlock)
	serve_start serve --listen 127.0.0.1:0 -- "$DEADLOCK_PROG" 60
	# the program says so once both threads sleep on each other's mutex
	wait_for "$WORK/serve.stdout" '^deadlocked$' "the program did not deadlock"
	code=$(status_of "$URL/goroutine?debug=2")
	[ "$code" = 200 ] || fail "goroutine?debug=2: HTTP $code"
	cat "$WORK/body"
	grep -q '^DEADLOCK:.*lock-ab.*\|^DEADLOCK:.*thread' "$WORK/body" || fail "no DEADLOCK line"
	grep -q '^thread [0-9]* "lock-ab" \[mutex wait on 0x[0-9a-f]* held by thread [0-9]* "lock-ba"' "$WORK/body" ||
		fail "lock-ab is not shown waiting for lock-ba's mutex"
	grep -q '^thread [0-9]* "lock-ba" \[mutex wait on 0x[0-9a-f]* held by thread [0-9]* "lock-ab"' "$WORK/body" ||
		fail "lock-ba is not shown waiting for lock-ab's mutex"
	grep -A3 '"lock-ab" \[' "$WORK/body" | grep -q lock_ab || fail "lock-ab's stack does not show lock_ab"
	echo "PASS: $TEST_NAME: the deadlocked pair"
	;;
since)
	# the durations of goroutine?debug=2: how long each thread has been in
	# the call it is in now, after 1-1.5 s of earlier calls; and the calls
	# of a process forked by a signal handler inside a blocking call
	: >"$WORK/lockfile"
	serve_start serve --listen 127.0.0.1:0 -- "$SINCE_PROG" "$WORK/lockfile"
	wait_for "$WORK/serve.stdout" '^main ' "the program did not start"
	main=$(sed -n 's/^main //p' "$WORK/serve.stdout")
	sleep 0.5
	kill -USR1 "$main"
	wait_for "$WORK/serve.stdout" '^blocked reader ' "the reader did not block"
	wait_for "$WORK/serve.stdout" '^blocked locker ' "the locker did not block"
	wait_for "$WORK/serve.stdout" '^blocked child ' "the child did not block"
	sleep 3
	python3 - "$URL/goroutine?debug=2" "$WORK/serve.stdout" <<'PY' || fail "goroutine?debug=2's durations are wrong"
import re, sys, time, urllib.request
url, marks = sys.argv[1], open(sys.argv[2]).read()
before = time.monotonic()
body = urllib.request.urlopen(url, timeout=120).read().decode()
after = time.monotonic()
print(body)
ok = True
for name, call in (("reader", "read"), ("child", "read"), ("locker", "fcntl")):
    tid, ns = re.search(r"^blocked %s (\d+) (\d+)$" % name, marks, re.M).groups()
    since = int(ns) / 1e9
    m = re.search(r'^thread %s "[^"]*" \[(.*)\]:$' % tid, body, re.M)
    state = m.group(1) if m else "not listed"
    # the dump was taken between the request and its answer; the call
    # began just after the mark (0.1 s: a loaded machine)
    lo, hi = before - since - 0.1, after - since + 0.1
    d = re.fullmatch(r"in %s, ([0-9.]+) s" % call, state)
    good = d is not None and lo <= float(d.group(1)) <= hi
    print("%s %s: [%s], expected in %s, %.2f-%.2f s: %s" %
          (name, tid, state, call, lo, hi, "ok" if good else "WRONG"))
    ok &= good
sys.exit(0 if ok else 1)
PY
	echo "PASS: $TEST_NAME: the time in the current call, a fork child of a handler included"
	;;
*)
	fail "unknown case $CASE"
	;;
esac
