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
#   postgres  PostgreSQL 15 (initdb into a temporary directory, as the
#           postgres user when run as root) under pgbench -c 4 -T 5, three
#           times: untraced, under record, under serve. pgbench succeeds
#           each time, at no less than a quarter of the untraced tps under
#           record, a sixth under serve (whose profile and dump are read
#           during the run; the ratios are printed); record's trace loses nothing, stats names
#           the postmaster's children by their titles (checkpointer,
#           walwriter, background writer, the four pgbench backends) and
#           lists a code path once among its top stacks (the four
#           backends' commit wait was four entries), the viewer's heap
#           lanes tell the processes apart (pid), the
#           CPU profile read by go tool pprof goes through PostgresMain and
#           the executor; serve's goroutine?debug=2 and profile?seconds=2
#           answer while pgbench runs, naming the same; pg_ctl stop -m fast
#           ends postgres cleanly ("database system is shut down") and
#           record and serve with status 0, within seconds. Then record
#           --pid of a postmaster started with cprof-trace env's
#           environment: one thread per process, none of the preload's.
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
postgres)
	PGBIN=/usr/lib/postgresql/15/bin
	need $PGBIN/postgres postgresql-15
	need $PGBIN/pgbench postgresql-15
	# postgres refuses to run as root: as root, everything of the
	# database runs as the postgres user (runuser, not under the preload:
	# record and serve start it, it starts postgres)
	AS=()
	if [ "$(id -u)" = 0 ]; then
		id postgres >/dev/null 2>&1 || skip "no postgres user to run postgres as"
		AS=(runuser -u postgres --)
	fi
	chmod a+rx "$WORK"
	mkdir -p "$WORK/pg/sock"
	[ ${#AS[@]} = 0 ] || chown -R postgres "$WORK/pg"
	port=$((20000 + RANDOM % 20000))
	"${AS[@]}" $PGBIN/initdb --no-sync -A trust -U postgres -D "$WORK/pg/data" >"$WORK/initdb.log" 2>&1 ||
		fail "initdb failed: $(tail -5 "$WORK/initdb.log")"
	PGSERVER=(postgres -D "$WORK/pg/data" -k "$WORK/pg/sock" -p "$port" -c listen_addresses=)
	PGSERVER=("${AS[@]}" $PGBIN/"${PGSERVER[@]}")
	pg() { # PROGRAM ARGS...: a client program against the server
		"${AS[@]}" "$PGBIN/$1" -h "$WORK/pg/sock" -p "$port" "${@:2}"
	}
	pg_wait_ready() {
		i=0
		until pg pg_isready -q; do
			sleep 0.2
			i=$((i + 1))
			[ $i -lt 300 ] || fail "postgres does not answer: $(cat "$WORK/pg-$1.log")"
		done
	}
	# pgbench NAME [SECONDS]: four clients for 5 s; prints the tps
	bench() {
		pg pgbench -c 4 -j 2 -T "${2:-5}" postgres >"$WORK/bench-$1.txt" 2>&1 ||
			fail "pgbench ($1) failed: $(tail -5 "$WORK/bench-$1.txt")"
		grep -q 'number of failed transactions: 0 ' "$WORK/bench-$1.txt" ||
			fail "pgbench ($1) had failed transactions: $(cat "$WORK/bench-$1.txt")"
		sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$WORK/bench-$1.txt"
	}
	# pg_stop NAME: pg_ctl stop -m fast; the log must end as a clean
	# shutdown's does
	pg_stop() {
		local t=$(date +%s%N)
		"${AS[@]}" $PGBIN/pg_ctl -D "$WORK/pg/data" -w -t 30 stop -m fast >/dev/null ||
			fail "pg_ctl stop ($1) failed: $(tail -5 "$WORK/pg-$1.log")"
		STOP_MS=$((($(date +%s%N) - t) / 1000000))
	}
	# $WORK/pg-NAME.log: postgres's log (its stderr), with record's or
	# serve's lines
	clean_shutdown() { # NAME
		grep -v '^cprof-trace:' "$WORK/pg-$1.log" | tail -1 | grep -q 'database system is shut down' ||
			fail "postgres ($1) did not shut down cleanly: $(tail -5 "$WORK/pg-$1.log")"
	}
	# ratio_ok NEW BASE MIN: prints NEW / BASE, fails below MIN (loose:
	# the three runs are minutes apart on a shared 2-core machine)
	ratio_ok() {
		python3 -c "import sys; r = $1 / $2; print('%.2f' % r); sys.exit(0 if r >= $3 else 1)"
	}

	note "untraced"
	"${PGSERVER[@]}" >"$WORK/pg-plain.log" 2>&1 &
	PLAIN=$!
	PIDS="$PIDS $PLAIN"
	pg_wait_ready plain
	pg pgbench -i -q postgres >"$WORK/init.txt" 2>&1 || fail "pgbench -i failed: $(cat "$WORK/init.txt")"
	tps_plain=$(bench plain)
	pg_stop plain
	wait "$PLAIN" || fail "untraced postgres exited $?"
	clean_shutdown plain

	note "record"
	t0=$(date +%s%N)
	"$CPROF_TRACE" record -o "$WORK/trace" -- "${PGSERVER[@]}" >"$WORK/pg-record.log" 2>&1 &
	REC=$!
	PIDS="$PIDS $REC"
	pg_wait_ready record
	pg pgbench -i -q postgres >"$WORK/init.txt" 2>&1 || fail "pgbench -i under record failed: $(cat "$WORK/init.txt")"
	tps_record=$(bench record)
	pg_stop record
	t1=$(date +%s%N)
	wait "$REC" || fail "record exited $?: $(tail -5 "$WORK/pg-record.log")"
	rec_end_ms=$((($(date +%s%N) - t1) / 1000000))
	rec_ms=$((($(date +%s%N) - t0) / 1000000))
	grep '^cprof-trace:' "$WORK/pg-record.log"
	clean_shutdown record
	note "record: pg_ctl stop took $STOP_MS ms, record returned $rec_end_ms ms later; $rec_ms ms in all"
	[ $STOP_MS -lt 10000 ] || fail "postgres took $STOP_MS ms to stop under record"
	[ $rec_end_ms -lt 15000 ] || fail "record returned $rec_end_ms ms after postgres stopped"
	grep -q 'recorded [0-9]* events (0 lost)' "$WORK/pg-record.log" || fail "record lost events"
	"$CPROF_TRACE" stats "$WORK/trace" >"$WORK/stats.txt" 2>"$WORK/stats.err" ||
		fail "stats failed: $(cat "$WORK/stats.err")"
	sed -n '/^processes:/,/^$/p' "$WORK/stats.txt"
	if grep -q '^lost events: *[1-9]\|^warnings:' "$WORK/stats.txt"; then
		fail "stats reports losses or warnings: $(sed -n '/^warnings:/,$p' "$WORK/stats.txt")"
	fi
	for t in checkpointer walwriter 'background writer' 'autovacuum launcher'; do
		grep -q "^  [0-9]* *postgres  \"postgres: $t\"" "$WORK/stats.txt" ||
			fail "stats does not name the $t by its title"
	done
	# a backend's title: user, database, client, what it does
	n=$(grep -c '^  [0-9]* *postgres  "postgres: postgres postgres \[local\] ' "$WORK/stats.txt" || true)
	[ "$n" -ge 4 ] || fail "stats names $n backends by their title, not the four pgbench clients'"
	# the backends' waits for the WAL flush at commit, one entry however
	# many backends took that path (each was an entry of its own)
	"$CPROF_TRACE" stats --json "$WORK/trace" >"$WORK/stats.json" 2>"$WORK/stats.err" ||
		fail "stats --json failed: $(cat "$WORK/stats.err")"
	python3 - "$WORK/stats.json" <<'PY' || fail "stats lists one code path several times among its top stacks"
import json, sys
s = json.load(open(sys.argv[1]))
bad = False
for what in ("sync", "syscalls"):
    top = [tuple(t["frames"]) for t in s[what]["top_stacks"]]
    print(what, "top stacks:", [f"{t['count']} x {t['frames'][:3]}" for t in s[what]["top_stacks"]])
    bad |= len(set(top)) != len(top)
sys.exit(1 if bad else 0)
PY
	"$CPROF_TRACE" pprof -t cpu -o "$WORK/cpu.pb.gz" "$WORK/trace" 2>"$WORK/pprof.err" ||
		fail "pprof failed: $(cat "$WORK/pprof.err")"
	go tool pprof -top -cum -nodecount=60 "$WORK/cpu.pb.gz" >"$WORK/cpu.top" 2>&1 ||
		fail "go tool pprof -top failed: $(cat "$WORK/cpu.top")"
	sed -n '/flat%/,+14p' "$WORK/cpu.top"
	# the backends' CPU: the protocol loop, and the planner or executor
	grep -q ' PostgresMain$' "$WORK/cpu.top" || fail "the CPU profile has no PostgresMain"
	grep -Eq ' (PortalRun|standard_ExecutorRun|standard_planner|pg_plan_queries|ExecInterpExpr)$' "$WORK/cpu.top" ||
		fail "the CPU profile names no planner or executor function"
	go tool pprof -comments "$WORK/cpu.pb.gz" >"$WORK/cpu.comments" 2>&1
	grep -q '^process [0-9]*: postgres: checkpointer$' "$WORK/cpu.comments" ||
		fail "the CPU profile's comments do not name the checkpointer"

	# the viewer: one heap counter lane per process, each telling which
	# (all seventeen read "heap in use - postgres") and each in its
	# process's group (all seventeen sat above the first group)
	if "$CPROF_TRACE" view --help >/dev/null 2>&1; then
		printf 'frames 1\nprint\n' >"$WORK/view.script"
		SDL_VIDEODRIVER=offscreen "$CPROF_TRACE" view --script "$WORK/view.script" --size 1440x900 \
			"$WORK/trace" >"$WORK/view.json" 2>"$WORK/view.err" || fail "view failed: $(cat "$WORK/view.err")"
		ckpt=$(sed -n 's/^  \([0-9]*\) *postgres  "postgres: checkpointer".*/\1/p' "$WORK/stats.txt")
		python3 - "$WORK/view.json" "$ckpt" <<'PY' || fail "the viewer's heap lanes do not tell the processes apart"
import json, sys
state = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")][-1]
heap = [g for g in state["gutter"] if g.startswith("heap in use")]
print("heap lanes drawn:", heap[:4], "...", len(heap))
lanes = [l for l in state["lanes"] if l["kind"] == "counter" and l["name"] == "heap in use"]
groups = {l["pid"] for l in state["lanes"] if l["kind"] == "process"}
astray = [l["pid"] for l in lanes if l["in"] != l["pid"]]
print("heap lanes: %d for %d processes, outside their group: %s" % (len(lanes), len(groups), astray))
sys.exit(0 if len(heap) > 4 and len(set(heap)) == len(heap) and len(lanes) > 4 and
         not astray and int(sys.argv[2]) in {l["pid"] for l in lanes} else 1)
PY
	fi

	note "serve"
	serve_start -- "${PGSERVER[@]}"
	ln -s serve.err "$WORK/pg-serve.log"
	pg_wait_ready serve
	# long enough for both requests (a session each) to end under load
	bench serve 15 >"$WORK/tps-serve" &
	LOAD=$!
	PIDS="$PIDS $LOAD"
	sleep 1
	curl -sf -m 30 "$URL/goroutine?debug=2" >"$WORK/threads.txt" || fail "goroutine?debug=2 failed"
	go tool pprof -timeout 60 -top -cum "$URL/profile?seconds=2" >"$WORK/cpu-serve.top" 2>"$WORK/cpu-serve.err" ||
		fail "go tool pprof profile failed: $(cat "$WORK/cpu-serve.err")"
	kill -0 "$LOAD" 2>/dev/null || fail "pgbench ended before serve's profile did: not read under load"
	wait "$LOAD" || fail "pgbench under serve failed"
	tps_serve=$(cat "$WORK/tps-serve")
	grep '^process' "$WORK/threads.txt"
	for t in checkpointer walwriter; do
		grep -q "^process [0-9]* \"postgres: $t\":" "$WORK/threads.txt" ||
			fail "goroutine?debug=2 does not name the $t by its title"
	done
	n=$(grep -c '^process [0-9]* "postgres: postgres postgres \[local\] ' "$WORK/threads.txt" || true)
	[ "$n" -ge 4 ] || fail "goroutine?debug=2 names $n backends by their title: $(grep '^process' "$WORK/threads.txt")"
	grep -q PostgresMain "$WORK/threads.txt" || fail "no backend's stack in goroutine?debug=2 goes through PostgresMain"
	grep -q ' PostgresMain$' "$WORK/cpu-serve.top" || {
		head -30 "$WORK/cpu-serve.top"
		fail "serve's CPU profile has no PostgresMain"
	}
	pg_stop serve
	t1=$(date +%s%N)
	wait "$SERVE_PID" || fail "serve exited $? after pg_ctl stop: $(tail -5 "$WORK/pg-serve.log")"
	note "serve: pg_ctl stop took $STOP_MS ms, serve returned $((($(date +%s%N) - t1) / 1000000)) ms later"
	clean_shutdown serve

	# record --pid of a postmaster started with cprof-trace env's
	# environment, its children forked before the session: one thread per
	# process (each dumping thread of a child was a thread of its own,
	# "exited", as its process was known to be of the tree only after the
	# dump had begun)
	note "record --pid"
	env_vars=$("$CPROF_TRACE" env)
	# shellcheck disable=SC2086
	"${AS[@]}" env $env_vars "${PGSERVER[@]:${#AS[@]}}" >"$WORK/pg-pid.log" 2>&1 &
	PGPID=$!
	PIDS="$PIDS $PGPID"
	pg_wait_ready pid
	postmaster=$(head -1 "$WORK/pg/data/postmaster.pid")
	bench pid 8 >"$WORK/tps-pid" &
	LOAD=$!
	PIDS="$PIDS $LOAD"
	sleep 1
	"$CPROF_TRACE" record --pid "$postmaster" --duration 3s -o "$WORK/trace-pid" 2>"$WORK/record-pid.err" ||
		fail "record --pid failed: $(cat "$WORK/record-pid.err")"
	wait "$LOAD" || fail "pgbench under record --pid failed"
	pg_stop pid
	wait "$PGPID" || fail "postgres (record --pid) exited $?"
	clean_shutdown pid
	"$CPROF_TRACE" stats --json "$WORK/trace-pid" >"$WORK/stats-pid.json" 2>"$WORK/stats.err" ||
		fail "stats --json (record --pid) failed: $(cat "$WORK/stats.err")"
	python3 - "$WORK/stats-pid.json" <<'PY' || fail "record --pid's trace has threads that are not postgres's"
import json, sys
s = json.load(open(sys.argv[1]))
procs = {p["pid"] for p in s["processes"]}
tids = [t["tid"] for t in s["threads"]]
titles = [p.get("title", "") for p in s["processes"]]
print("record --pid:", len(procs), "processes,", len(tids), "threads; titles:", titles)
sys.exit(0 if sorted(tids) == sorted(procs) and "postgres: checkpointer" in titles else 1)
PY

	echo "tps: untraced $tps_plain, record $tps_record, serve $tps_serve (profile and dump read while it ran)"
	r1=$(ratio_ok "$tps_record" "$tps_plain" 0.25) || fail "tps under record is $r1 of untraced"
	# serve records while its endpoints answer, and reads the trace on
	# the same two cores
	r2=$(ratio_ok "$tps_serve" "$tps_plain" 0.17) || fail "tps under serve is $r2 of untraced"
	echo "PASS: $TEST_NAME: postgres under pgbench: record ${r1}x, serve ${r2}x the untraced tps; titles, PostgresMain, clean shutdown"
	;;
*)
	fail "unknown case $CASE"
	;;
esac
