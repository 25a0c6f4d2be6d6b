#!/bin/bash
# cprof-trace serve on services nobody here wrote, as Debian ships them,
# under real load, read with go tool pprof and curl as a user would.
#   nginx   serve -- nginx (a master and two worker processes, gzip on)
#           under wrk: wrk sees no error; goroutine (the profile and
#           ?debug=2) lists the master and both workers, each process's
#           threads from its own state dump (only the last process to
#           answer was listed: one worker), each process under its title
#           ("nginx: worker process", also in the profile's comments, not
#           only "nginx" as all three were); the CPU profile's stacks go
#           through ngx_* in the workers, and its top is one of libz's
#           stripped static functions, named by its start (each sampled
#           address was a function of its own, a few percent each); the
#           master's SIGQUIT ends nginx and serve with status 0.
#   redis-pid  redis-server started with `cprof-trace env`'s environment
#           and served with --pid under redis-benchmark: the CPU profile
#           names processCommand, goroutine?debug=2 lists redis-server's
#           main thread first (it came after the bio_* threads) and the
#           three bio_* threads in their cond wait; serve ended by SIGINT
#           leaves redis running: it answers SET/GET and exits 0 on
#           SHUTDOWN. (No test served a process tree nobody here wrote
#           by --pid and stopped serve while it ran.)
# Skipped when a program is not installed (tests/run.sh installs them).
. "$(dirname "$0")/test-diagnose-lib.sh"

CASE=${1:?usage: test-realserve.sh CASE}
ensure_sessiond
PIDS=""
trap 'stop_pids; cleanup' EXIT

skip() {
	echo "SKIP: $TEST_NAME: $*"
	exit 77
}
need() { # PROGRAM PACKAGE
	[ -x "$1" ] || skip "$1 not installed (Debian package $2)"
}

# serve_start ARGS...: cprof-trace serve ARGS in the background; sets URL
# (ending in /debug/pprof) and SERVE_PID.
serve_start() {
	"$CPROF_TRACE" serve --listen 127.0.0.1:0 "$@" >"$WORK/serve.out" 2>"$WORK/serve.err" &
	SERVE_PID=$!
	PIDS="$PIDS $SERVE_PID"
	wait_for "$WORK/serve.err" 'serving process' "serve printed no URL"
	URL=$(sed -n 's/.* at \(http[^ ]*\)$/\1/p' "$WORK/serve.err" | head -1)
	URL=${URL%/}
	note "serving at $URL"
}

# until_answers URL: waits (60 s at most) for URL to answer 200
until_answers() {
	i=0
	until curl -sf -o /dev/null -m 5 "$1"; do
		sleep 0.2
		i=$((i + 1))
		[ $i -lt 300 ] || fail "$1 does not answer"
	done
}

case $CASE in
nginx)
	need /usr/sbin/nginx nginx-light
	need /usr/bin/wrk wrk
	port=$((20000 + RANDOM % 20000))
	mkdir -p "$WORK/ng/logs" "$WORK/ng/www"
	head -c 300000 /dev/urandom | base64 >"$WORK/ng/www/big.txt"
	cat >"$WORK/ng/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $WORK/ng/nginx.pid;
error_log $WORK/ng/logs/error.log;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path $WORK/ng/body;
	proxy_temp_path $WORK/ng/proxy;
	fastcgi_temp_path $WORK/ng/fcgi;
	uwsgi_temp_path $WORK/ng/uwsgi;
	scgi_temp_path $WORK/ng/scgi;
	gzip on;
	gzip_types text/plain;
	gzip_min_length 0;
	server { listen 127.0.0.1:$port; root $WORK/ng/www; }
}
EOF
	# the workers run as nobody: the pages must be theirs to read
	chmod a+rx "$WORK"
	chmod -R a+rX "$WORK/ng"
	serve_start -- /usr/sbin/nginx -p "$WORK/ng" -c "$WORK/ng/nginx.conf"
	until_answers "http://127.0.0.1:$port/big.txt"
	master=$(sed -n 's/.*serving process \([0-9]*\) .*/\1/p' "$WORK/serve.err" | head -1)
	workers=$(pgrep -P "$master" | sort -n | tr '\n' ' ')
	[ "$(echo $workers | wc -w)" = 2 ] || fail "nginx $master has not two workers: $workers"
	note "master $master, workers $workers"
	wrk -t2 -c8 -d12s -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port/big.txt" >"$WORK/wrk.txt" 2>&1 &
	LOAD=$!
	PIDS="$PIDS $LOAD"
	sleep 1
	go tool pprof -timeout 120 -top "$URL/profile?seconds=4" >"$WORK/cpu.top" 2>"$WORK/cpu.err" ||
		fail "go tool pprof profile failed: $(cat "$WORK/cpu.err")"
	# the profile pprof saved (under $HOME/pprof), read again raw
	go tool pprof -raw "$HOME"/pprof/*cpu*.pb.gz >"$WORK/cpu.raw" 2>&1 || fail "go tool pprof -raw failed"
	curl -sf -m 60 "$URL/goroutine?debug=2" >"$WORK/threads.txt" || fail "goroutine?debug=2 failed"
	go tool pprof -timeout 60 -raw "$URL/goroutine" >"$WORK/g.raw" 2>"$WORK/g.err" ||
		fail "go tool pprof goroutine failed: $(cat "$WORK/g.err")"
	wait "$LOAD" || fail "wrk failed: $(cat "$WORK/wrk.txt")"
	cat "$WORK/wrk.txt"
	grep -q 'requests in' "$WORK/wrk.txt" || fail "wrk made no request"
	if grep -Eq 'Socket errors|Non-2xx' "$WORK/wrk.txt"; then fail "wrk saw errors under serve"; fi
	head -14 "$WORK/cpu.top"
	grep '^thread' "$WORK/threads.txt"
	# every process of the tree, each with its main thread, in pid order
	for p in $master $workers; do
		grep -q "^thread $p \"nginx\" \[" "$WORK/threads.txt" ||
			fail "goroutine?debug=2 does not list nginx process $p: $(cat "$WORK/threads.txt")"
	done
	[ "$(grep -m1 '^thread' "$WORK/threads.txt" | cut -d' ' -f2)" = "$master" ] ||
		fail "goroutine?debug=2 does not start with the master's main thread"
	# each process under the title nginx gave it, as ps shows it (all
	# three are "nginx" by their executable)
	grep '^process' "$WORK/threads.txt"
	grep -q "^process $master \"nginx: master process /usr/sbin/nginx -p " "$WORK/threads.txt" ||
		fail "goroutine?debug=2 does not name the master by its title"
	for p in $workers; do
		grep -q "^process $p \"nginx: worker process\":" "$WORK/threads.txt" ||
			fail "goroutine?debug=2 does not name worker $p by its title"
	done
	go tool pprof -comments "$HOME"/pprof/*cpu*.pb.gz >"$WORK/cpu.comments" 2>&1 || fail "go tool pprof -comments failed"
	grep -q "^process $master: nginx: master process" "$WORK/cpu.comments" ||
		fail "the CPU profile's comments lack the master's title: $(cat "$WORK/cpu.comments")"
	grep -A3 "^thread $master " "$WORK/threads.txt" | grep -q ngx_master_process_cycle ||
		fail "the master's stack has no ngx_master_process_cycle"
	python3 - "$WORK/g.raw" "$master" $workers <<'PY' || fail "the goroutine profile misses a process's threads"
import re, sys
raw, procs = open(sys.argv[1]).read(), sys.argv[2:]
tids = set(re.findall(r'tid:\[(\d+)\]', raw))
print("goroutine profile tids:", sorted(tids))
sys.exit(0 if all(p in tids for p in procs) else 1)
PY
	# CPU: samples of the workers, through nginx's own functions
	grep -Eq '^ +[0-9]+: .*ngx_http_(core_content_phase|output_filter|gzip)|ngx_output_chain|ngx_http_write_filter' "$WORK/cpu.raw" ||
		grep -q 'ngx_output_chain' "$WORK/cpu.raw" || fail "the CPU profile names no ngx_* function"
	python3 - "$WORK/cpu.top" <<'PY' || fail "libz's hot function is split by address, not one entry on top"
import re, sys
rows = [l.split() for l in open(sys.argv[1]) if re.match(r'^ +[0-9.]+m?s ', l)]
libz = [(float(r[1].rstrip('%')), r[5]) for r in rows if r[5].startswith('libz.so')]
print("libz entries:", len(libz), "top:", libz[:3])
# deflate's longest_match holds a third or more of gzip's CPU: one entry
sys.exit(0 if libz and libz[0][0] >= 20 else 1)
PY
	kill -QUIT "$master"
	wait "$SERVE_PID" || fail "serve exited $? after nginx's SIGQUIT"
	echo "PASS: $TEST_NAME: nginx's master and workers, CPU in libz's functions, no wrk error"
	;;
redis-pid)
	need /usr/bin/redis-server redis-server
	need /usr/bin/redis-benchmark redis-tools
	port=$((20000 + RANDOM % 20000))
	env $("$CPROF_TRACE" env) /usr/bin/redis-server --port "$port" --save '' --appendonly no \
		>"$WORK/redis.out" 2>&1 &
	REDIS=$!
	PIDS="$PIDS $REDIS"
	i=0
	until [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ]; do
		sleep 0.2
		i=$((i + 1))
		[ $i -lt 300 ] || fail "redis-server does not answer"
	done
	serve_start --pid "$REDIS"
	redis-benchmark -p "$port" -q -n 2000000 -c 20 -t set,get >"$WORK/bench.txt" 2>&1 &
	LOAD=$!
	PIDS="$PIDS $LOAD"
	sleep 1
	go tool pprof -timeout 120 -top -cum "$URL/profile?seconds=3" >"$WORK/cpu.top" 2>"$WORK/cpu.err" ||
		fail "go tool pprof profile failed: $(cat "$WORK/cpu.err")"
	curl -sf -m 60 "$URL/goroutine?debug=2" >"$WORK/threads.txt" || fail "goroutine?debug=2 failed"
	kill "$LOAD" 2>/dev/null || true
	grep '^thread' "$WORK/threads.txt"
	grep -q processCommand "$WORK/cpu.top" || { head -30 "$WORK/cpu.top"; fail "the CPU profile has no processCommand"; }
	[ "$(grep -m1 '^thread' "$WORK/threads.txt" | cut -d' ' -f2-3)" = "$REDIS \"redis-server\"" ] ||
		fail "goroutine?debug=2 does not start with redis-server's main thread"
	# its paragraph (running, the stack may be deep in a command)
	awk -v t="thread $REDIS " 'index($0, t) == 1 { on = 1 } on && /^$/ { exit } on' "$WORK/threads.txt" |
		grep -q aeMain || fail "the main thread's stack has no aeMain"
	[ "$(grep -c '^thread [0-9]* "bio_[a-z_]*" \[cond wait on 0x' "$WORK/threads.txt")" = 3 ] ||
		fail "not three bio_* threads in a cond wait"
	kill -INT "$SERVE_PID"
	i=0
	while kill -0 "$SERVE_PID" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
		[ $i -lt 300 ] || fail "serve did not exit on SIGINT"
	done
	kill -0 "$REDIS" || fail "redis-server ended with serve"
	[ "$(redis-cli -p "$port" set k v)" = OK ] && [ "$(redis-cli -p "$port" get k)" = v ] ||
		fail "redis-server does not answer after serve stopped"
	redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
	wait "$REDIS" || fail "redis-server exited $? after SHUTDOWN"
	echo "PASS: $TEST_NAME: redis served by --pid, healthy after serve stopped"
	;;
*)
	fail "unknown case $CASE"
	;;
esac
