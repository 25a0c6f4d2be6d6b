#!/bin/sh
# cprof-trace record --pid: a running process, started with `cprof-trace
# env`'s environment, recorded over the window of work it announces. CASE:
#   counts  the same task and region counts as `record` from launch; the
#           threads' names, the wait in progress and the live heap made
#           before the recording are in the trace from its start; the
#           process has the same label (its program's name, not its main
#           thread's)
#   refuse  a process without the preload library, bad option mixes
#   early   a process in its first moments, before the preload library
#           opened its socket: record --pid waits for it (2 s at most),
#           then refuses as for a process without the library
#   flight  record --flight --pid: the program's api trigger, and a
#           SIGUSR2 to record, each give a snapshot with the window
#   kids    processes the recorded one forks after record --pid began (a
#           child that forks a grandchild, and another child) are in the
#           trace: their regions, tasks, allocations and CPU samples
#   shell   a served shell (dash: vfork, exec) runs a shell that runs two
#           programs, after record --pid began: both in the trace whole
#   ended   a shell a served shell executed while recorded (it has
#           CPROF_TRACK_SOCKET then), after record --pid ended: its forks
#           and the programs it executes try no connection to record's
#           tracker and `env` does not show the variable; a program
#           started with the name of that gone tracker tries once at most,
#           passes it on to none and, joining late, does not wait for it
#   serve-kids  the same children, forked during a capture of serve --pid
#           (/debug/pprof/trace?seconds=N), are in its trace
#   flight-kids  record --flight --pid: the children forked after it began
#           (as in kids) are in a snapshot taken after they ran, sent to
#           an lttng-relayd on loopback (the session then records only
#           the tree's processes) and local
#   flight-launch  record --flight from launch: a snapshot whose buffers
#           overwrote the threads' names still has them, and the heap
. "$(dirname "$0")/test-diagnose-lib.sh"

: "${PID_APP:?PID_APP must name test-record-pid-app}"
CASE=${1:?usage: test-record-pid.sh CASE}
ensure_sessiond
PIDS=""
stop_all() {
	rm -f "$WORK/go"
	stop_pids
	cleanup
}
trap stop_all EXIT

# start_app MODE: the test program under `cprof-trace env`'s environment,
# waiting for $WORK/go; sets APP.
start_app() {
	rm -f "$WORK/go"
	"$CPROF_TRACE" env >"$WORK/env.txt" || fail "cprof-trace env failed"
	env $(cat "$WORK/env.txt") "$PID_APP" "$WORK/go" "$1" >"$WORK/app.out" 2>"$WORK/app.err" &
	APP=$!
	PIDS="$PIDS $APP"
	wait_for "$WORK/app.out" ready "the program did not get ready"
}

# record_pid_start: `record --pid $APP -o $WORK/pid` in the background,
# once it records; sets REC.
record_pid_start() {
	"$CPROF_TRACE" record --pid "$APP" -o "$WORK/pid" >"$WORK/rec.out" 2>"$WORK/rec.err" &
	REC=$!
	PIDS="$PIDS $REC"
	wait_for "$WORK/rec.err" 'recording process' "record --pid did not start recording"
}

# record_pid_end [stop]: record --pid's end (with `stop`, asked for: a
# background job of a script ignores SIGINT, SIGTERM is the stop here),
# its exit status 0 and its lines shown.
record_pid_end() {
	[ "${1:-}" != stop ] || kill -TERM "$REC"
	wait "$REC" || { cat "$WORK/rec.err" >&2; fail "record --pid exited with $?"; }
	cat "$WORK/rec.err"
}

# count_of STATS KIND NAME: the count column of a tasks/regions row.
count_of() {
	awk -v name="$3" '$1 == name && $2 ~ /^[0-9]+$/ { print $2; exit }' "$1"
}

# check_kids TRACE: the `fork` app's two children and grandchild are in
# TRACE with every task and region they ran, and the app's own window.
check_kids() {
	"$CPROF_TRACE" stats --json "$1" >"$WORK/kids.json" 2>"$WORK/kids.err" ||
		fail "stats --json of $1 failed: $(cat "$WORK/kids.err")"
	# the children and the grandchild, by their parents
	python3 - "$WORK/kids.json" "$APP" >"$WORK/kids.txt" <<'PY' || fail "$(cat "$WORK/kids.txt")"
import json, sys
d = json.load(open(sys.argv[1]))
root = int(sys.argv[2])
procs = {p["pid"]: p["ppid"] for p in d["processes"]}
kids = [p for p, pp in procs.items() if pp == root]
grand = [p for p, pp in procs.items() if pp in kids]
count = lambda kind, name: d[kind].get(name, {}).get("count", 0)
print("processes:", len(procs), "children:", len(kids), "grandchildren:", len(grand),
      "kid-job:", count("tasks", "kid-job"), "kid-step:", count("regions", "kid-step"),
      "lost:", d["lost_events"])
problems = []
if len(kids) != 2 or len(grand) != 1:
    problems.append("not the 2 children and 1 grandchild forked while recorded")
if count("tasks", "kid-job") != 30 or count("regions", "kid-step") != 120:
    problems.append("not the 30 kid-job tasks and 120 kid-step regions the children ran")
if count("regions", "step") != 200:
    problems.append("not the 200 steps of the recorded process itself")
if d["lost_events"]:
    problems.append("events lost")
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
	cat "$WORK/kids.txt"
}

case $CASE in
counts)
	# from launch: the window opens at once
	touch "$WORK/go"
	"$CPROF_TRACE" record -o "$WORK/launch" -- "$PID_APP" "$WORK/go" exit \
		>"$WORK/launch.out" 2>"$WORK/launch.err" || { cat "$WORK/launch.err" >&2; fail "record failed"; }
	"$CPROF_TRACE" stats "$WORK/launch" >"$WORK/launch.stats" || fail "stats of launch failed"
	# a running process: the state first, then the window
	start_app wait
	record_pid_start
	touch "$WORK/go"
	wait_for "$WORK/app.out" 'window done' "the program did not finish its window"
	record_pid_end stop
	kill -0 "$APP" 2>/dev/null || fail "the program did not outlive record --pid's Ctrl-C"
	rm -f "$WORK/go"
	"$CPROF_TRACE" stats "$WORK/pid" >"$WORK/pid.stats" 2>"$WORK/pid.err" ||
		fail "stats of record --pid's trace failed: $(cat "$WORK/pid.err")"
	cat "$WORK/pid.stats" "$WORK/pid.err"
	# its threads' records before the recording are not lost ones
	! grep -q '"launched"' "$WORK/pid/cprof-record.json" || fail "--pid's trace says launched"
	! grep -q "lost" "$WORK/pid.err" || fail "records said lost with --pid: $(cat "$WORK/pid.err")"
	for row in "job" "step"; do
		a=$(count_of "$WORK/launch.stats" x "$row")
		b=$(count_of "$WORK/pid.stats" x "$row")
		note "$row: $a from launch, $b with --pid"
		[ -n "$a" ] && [ "$a" -gt 0 ] || fail "no '$row' count from launch"
		[ "$a" = "$b" ] || fail "'$row': $a from launch but ${b:-none} with --pid"
	done
	[ "$(count_of "$WORK/pid.stats" x step)" = 200 ] || fail "not the 200 steps the program ran"
	# the process goes by its program's name either way, as the viewer's
	# process lane, its tooltips and goroutine?debug=2 label it (title, or
	# name), not by its main thread's ("pid-app-main"), which a state dump
	# gave it
	for t in launch pid; do
		"$CPROF_TRACE" stats --json "$WORK/$t" >"$WORK/$t.json" 2>"$WORK/$t.jerr" ||
			fail "stats --json of $t failed: $(cat "$WORK/$t.jerr")"
	done
	python3 - "$WORK/launch.json" "$WORK/pid.json" <<'PY' || fail "the process is labelled differently with --pid"
import json, sys
label = lambda p: p.get("title") or p["name"]
a, b = ([label(p) for p in json.load(open(f))["processes"]] for f in sys.argv[1:3])
print("process from launch:", a, "with --pid:", b)
sys.exit(0 if a == b == ["test-record-pid"] else 1)
PY
	for name in worker-1 worker-2 holder waiter; do
		grep -q " $name " "$WORK/pid.stats" || fail "thread '$name' has no name in the --pid trace"
	done
	# the waiter was blocked before the recording: the mutex profile
	# blames the holder for it, as from launch
	pprof_top "$(profile pid mutex)" >/dev/null
	grep -q 'holder' "$WORK/pid-mutex.pb.gz.top" ||
		fail "the mutex profile of the --pid trace does not blame the holder thread's function"
	# the live heap made before the recording, in use at its first instant
	pprof_top "$(profile pid heap --at 0)" -sample_index=inuse_space >/dev/null
	kb=$(value_of keep_live_blocks cum <"$WORK/pid-heap.pb.gz.top")
	note "keep_live_blocks in use at the start: $kb (48 MiB allocated)"
	grep -q 'keep_live_blocks' "$WORK/pid-heap.pb.gz.top" ||
		fail "the heap at the --pid trace's start does not show keep_live_blocks"
	echo "PASS: $TEST_NAME: same counts as from launch; names, wait and heap from the start"
	;;
kids)
	start_app fork
	record_pid_start
	touch "$WORK/go"
	wait_for "$WORK/app.out" 'kids done' "the program's children did not finish"
	record_pid_end stop
	kill -0 "$APP" 2>/dev/null || fail "the program did not outlive record --pid"
	rm -f "$WORK/go"
	check_kids "$WORK/pid"
	pprof_top "$(profile pid heap)" -sample_index=alloc_space >/dev/null
	grep -q 'kid_allocs' "$WORK/pid-heap.pb.gz.top" ||
		fail "the heap profile has no allocation of the children's kid_allocs"
	pprof_top "$(profile pid cpu)" -cum >/dev/null
	grep -q 'kid_work' "$WORK/pid-cpu.pb.gz.top" ||
		fail "the CPU profile has no sample of the children's kid_work"
	echo "PASS: $TEST_NAME: the children and grandchild forked while recorded are in the trace"
	;;
shell)
	"$CPROF_TRACE" env >"$WORK/env.txt" || fail "cprof-trace env failed"
	# (the shell waits on a FIFO: it starts nothing before the window)
	mkfifo "$WORK/fifo" || fail "mkfifo failed"
	# shellcheck disable=SC2016
	env $(cat "$WORK/env.txt") sh -c 'echo ready; read -r x <"$1"
		sh -c "\"\$0\" \"\$1\" kid & \"\$0\" \"\$1\" kid; wait" "$2" "$1"
		echo "kids done"' sh "$WORK/fifo" "$PID_APP" >"$WORK/app.out" 2>"$WORK/app.err" &
	APP=$!
	PIDS="$PIDS $APP"
	wait_for "$WORK/app.out" ready "the shell did not start"
	record_pid_start
	echo go >"$WORK/fifo"
	wait_for "$WORK/app.out" 'kids done' "the shell's programs did not finish"
	# record ends with the shell
	record_pid_end
	! grep -q 'untracked' "$WORK/rec.err" || fail "processes of the shell ran untracked"
	"$CPROF_TRACE" stats --json "$WORK/pid" >"$WORK/sh.json" 2>"$WORK/sh.err" ||
		fail "stats --json failed: $(cat "$WORK/sh.err")"
	python3 - "$WORK/sh.json" >"$WORK/sh.txt" <<'PY' || fail "$(cat "$WORK/sh.txt")"
import json, sys
d = json.load(open(sys.argv[1]))
names = sorted(p["name"] for p in d["processes"])
count = lambda kind, name: d[kind].get(name, {}).get("count", 0)
print("processes:", names, "kid-job:", count("tasks", "kid-job"),
      "kid-step:", count("regions", "kid-step"))
if count("tasks", "kid-job") != 20 or count("regions", "kid-step") != 80:
    print("not the 20 kid-job tasks and 80 kid-step regions the two programs ran")
    sys.exit(1)
PY
	cat "$WORK/sh.txt"
	echo "PASS: $TEST_NAME: the programs a served shell's new shell ran are in the trace"
	;;
ended)
	"$CPROF_TRACE" env >"$WORK/env.txt" || fail "cprof-trace env failed"
	mkfifo "$WORK/fifo" "$WORK/fifo2" || fail "mkfifo failed"
	# the shell executed while recorded: its environment then, its pid,
	# and once told, its environment after and a traced program in a
	# subshell (a fork, then an exec)
	cat >"$WORK/inner.sh" <<'EOF'
env >"$1/during.env"
echo $$ >"$1/inner.pid"
read -r y <"$1/fifo2"
env >"$1/after.env"
( "$2" "$1/go" kid )
echo "inner done"
EOF
	# shellcheck disable=SC2016
	env $(cat "$WORK/env.txt") sh -c 'echo ready; read -r x <"$1/fifo"; sh "$1/inner.sh" "$1" "$2"' \
		sh "$WORK" "$PID_APP" >"$WORK/app.out" 2>"$WORK/app.err" &
	APP=$!
	PIDS="$PIDS $APP"
	wait_for "$WORK/app.out" ready "the shell did not start"
	record_pid_start
	echo go >"$WORK/fifo"
	wait_for "$WORK/inner.pid" '[0-9]' "the inner shell did not start"
	INNER=$(cat "$WORK/inner.pid")
	name=$(sed -n 's/^CPROF_TRACK_SOCKET=//p' "$WORK/during.env")
	[ -n "$name" ] || fail "the shell executed while recorded has no CPROF_TRACK_SOCKET: $(cat "$WORK/during.env")"
	record_pid_end stop
	! grep -q "@$name" /proc/net/unix || fail "record's tracker $name still listens"
	strace -f -e trace=connect -o "$WORK/after.strace" -p "$INNER" 2>"$WORK/strace.err" &
	STRACE=$!
	wait_for "$WORK/strace.err" attached "strace did not attach to the inner shell"
	echo go >"$WORK/fifo2"
	wait_for "$WORK/app.out" 'inner done' "the inner shell did not finish"
	wait "$STRACE" || true
	tries=$(grep -c "cprof-track" "$WORK/after.strace" || true)
	note "after the recording: $tries connection attempts to a tracker, $(grep -c CPROF_TRACK "$WORK/after.env" || true) CPROF_TRACK_SOCKET in env's output"
	[ "$tries" = 0 ] || fail "connections tried to record's tracker after it ended: $(grep cprof-track "$WORK/after.strace")"
	! grep -q CPROF_TRACK "$WORK/after.env" || fail "env run after the recording shows $(grep CPROF_TRACK "$WORK/after.env")"
	[ ! -s "$WORK/app.err" ] || fail "the shell's programs said: $(cat "$WORK/app.err")"
	# started with the gone tracker's name (as after a record killed
	# before it said goodbye): one refused connection, then as untraced
	strace -f -e trace=connect -o "$WORK/gone.strace" env $(cat "$WORK/env.txt") CPROF_TRACK_SOCKET="$name" \
		sh -c '(true); (true); env >"$1"' sh "$WORK/gone.env" 2>"$WORK/gone.err" ||
		fail "the shell failed: $(cat "$WORK/gone.err")"
	tries=$(grep -c "cprof-track" "$WORK/gone.strace" || true)
	note "started with the gone tracker's name: $tries connection attempts"
	[ "$tries" -le 1 ] || fail "$tries connections tried to a tracker that is gone: $(grep cprof-track "$WORK/gone.strace")"
	! grep -q CPROF_TRACK "$WORK/gone.env" || fail "env shows $(grep CPROF_TRACK "$WORK/gone.env")"
	[ ! -s "$WORK/gone.err" ] || fail "the shell's programs said: $(cat "$WORK/gone.err")"
	# joining late (record --join-late): no wait for a join nobody answers
	t0=$(date +%s%N)
	env $(cat "$WORK/env.txt") CPROF_JOIN_LAZY=1 CPROF_TRACK_SOCKET="$name" \
		sh -c 'sleep 0.1; sleep 0.1; sleep 0.1' || fail "the shell joining late failed"
	ms=$((($(date +%s%N) - t0) / 1000000))
	note "three 0.1 s sleeps joining late with the gone tracker's name: $ms ms"
	[ "$ms" -lt 2500 ] || fail "three 0.1 s sleeps took $ms ms joining late with a gone tracker"
	echo "PASS: $TEST_NAME: after the recording, no connection to its tracker and no CPROF_TRACK_SOCKET in env"
	;;
serve-kids)
	start_app fork
	"$CPROF_TRACE" serve --listen 127.0.0.1:0 --pid "$APP" >"$WORK/serve.out" 2>"$WORK/serve.err" &
	SERVE=$!
	PIDS="$PIDS $SERVE"
	wait_for "$WORK/serve.err" 'serving process' "serve --pid did not start"
	URL=$(sed -n 's/.* at \(http[^ ]*\)$/\1/p' "$WORK/serve.err" | head -1)
	curl -s -o "$WORK/t.tar" -w '%{http_code}' -m 60 "${URL%/}/trace?seconds=4" >"$WORK/code" &
	CURL=$!
	# the capture's session records (its tracker listens just before)
	i=0
	while ! grep -q "@cprof-track-$SERVE-" /proc/net/unix && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 0.5
	touch "$WORK/go"
	wait_for "$WORK/app.out" 'kids done' "the program's children did not finish"
	wait "$CURL" || fail "curl of the trace endpoint failed"
	[ "$(cat "$WORK/code")" = 200 ] || fail "trace: HTTP $(cat "$WORK/code"): $(cat "$WORK/serve.err")"
	cat "$WORK/serve.err"
	mkdir "$WORK/t" && tar -xf "$WORK/t.tar" -C "$WORK/t" || fail "trace: not a tar archive"
	check_kids "$WORK/t/trace"
	echo "PASS: $TEST_NAME: the children and grandchild forked during a capture are in its trace"
	;;
flight)
	start_app flight
	"$CPROF_TRACE" record --flight --pid "$APP" -o "$WORK/fl" --snapshot-on api \
		--snapshot-on signal:USR2 --snapshot-interval 0 >"$WORK/rec.out" 2>"$WORK/rec.err" &
	REC=$!
	PIDS="$PIDS $REC"
	wait_for "$WORK/rec.err" 'recording process' "record --flight --pid did not start"
	touch "$WORK/go"
	wait_for "$WORK/app.out" 'window done' "the program did not finish its window"
	wait_for "$WORK/rec.err" 'snapshot 1:' "the program's cprof_trace_snapshot() took no snapshot"
	kill -USR2 "$REC"
	wait_for "$WORK/rec.err" 'snapshot 2:' "SIGUSR2 to record took no snapshot"
	kill -TERM "$REC"
	wait "$REC" || { cat "$WORK/rec.err" >&2; fail "record --flight --pid exited with $?"; }
	cat "$WORK/rec.err"
	grep -q 'flight recorder: 2 snapshots' "$WORK/rec.err" || fail "not 2 snapshots"
	kill -0 "$APP" 2>/dev/null || fail "the program did not outlive record"
	snap=$(ls -d "$WORK"/fl/snapshot-001-api-window) || fail "no snapshot-001-api-window"
	ls -d "$WORK"/fl/snapshot-002-signal* >/dev/null || fail "no snapshot-002-signal*"
	"$CPROF_TRACE" stats "$snap" >"$WORK/snap.stats" || fail "stats of the api snapshot failed"
	cat "$WORK/snap.stats"
	[ "$(count_of "$WORK/snap.stats" x step)" = 200 ] || fail "the api snapshot lacks the window's 200 steps"
	[ "$(count_of "$WORK/snap.stats" x job)" = 50 ] || fail "the api snapshot lacks the window's 50 jobs"
	# named before the recording began: only the state taken at the
	# snapshot names them
	for name in worker-1 worker-2 holder waiter; do
		grep -q " $name " "$WORK/snap.stats" || fail "thread '$name' has no name in the snapshot"
	done
	grep -q 'worker .*test-record-pid-app.c' "$WORK/snap.stats" ||
		fail "the snapshot's stacks do not resolve to the program's functions"
	# the waiter blocked before the recording: its wait is in the snapshot
	# from its first instant, blamed on the holder
	mv "$snap" "$WORK/snap"
	pprof_top "$(profile snap mutex)" >/dev/null
	grep -q 'holder' "$WORK/snap-mutex.pb.gz.top" ||
		fail "the snapshot's mutex profile does not blame the holder thread's function"
	pprof_top "$(profile snap heap --at 0)" -sample_index=inuse_space >/dev/null
	grep -q 'keep_live_blocks' "$WORK/snap-heap.pb.gz.top" ||
		fail "the heap at the snapshot's start does not show keep_live_blocks"
	echo "PASS: $TEST_NAME: api and signal snapshots of a running process, named and whole"
	;;
flight-kids)
	# flight_kids NAME [--snapshot-output URL]: record --flight --pid of
	# the `fork` app, a SIGUSR2 to record once its children ran; sets SNAP
	# when the snapshot is local
	flight_kids() {
		name=$1
		shift
		start_app fork
		"$CPROF_TRACE" record --flight --pid "$APP" -o "$WORK/$name" --snapshot-on signal:USR2 \
			"$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
		REC=$!
		PIDS="$PIDS $REC"
		wait_for "$WORK/$name.err" 'recording process' "record --flight --pid did not start"
		touch "$WORK/go"
		wait_for "$WORK/app.out" 'kids done' "the program's children did not finish"
		kill -USR2 "$REC"
		wait_for "$WORK/$name.err" 'snapshot 1:' "SIGUSR2 to record took no snapshot"
		kill -TERM "$REC"
		wait "$REC" || { cat "$WORK/$name.err" >&2; fail "record --flight --pid exited with $?"; }
		cat "$WORK/$name.err"
		kill -0 "$APP" 2>/dev/null || fail "the program did not outlive record"
		rm -f "$WORK/go"
		wait "$APP" || true
	}
	# sent to a relay: the session records only the tree's processes
	base=$((20000 + ($$ % 20000)))
	mkdir "$WORK/relay"
	lttng-relayd -C "tcp://127.0.0.1:$base" -D "tcp://127.0.0.1:$((base + 1))" \
		-L "tcp://127.0.0.1:$((base + 2))" -o "$WORK/relay" >"$WORK/relayd.log" 2>&1 &
	PIDS="$PIDS $!"
	# (listening: 30 s at most, a loaded machine starts it slowly)
	port=$(printf '%04X' "$base")
	for _ in $(seq 300); do
		grep -q "^ *[0-9]*: 0100007F:$port 00000000:0000 0A" /proc/net/tcp && break
		sleep 0.1
	done
	flight_kids relayed --snapshot-output "net://127.0.0.1:$base:$((base + 1))"
	snap=$(find "$WORK/relay" -mindepth 3 -maxdepth 3 -type d -name 'snapshot-001-signal-*')
	[ -n "$snap" ] || fail "nothing in the relay's tree: $(find "$WORK/relay" -maxdepth 3)"
	check_kids "$snap"
	# a local snapshot: every process of the user is recorded (other
	# traced programs of the user too: a larger ring than the default,
	# which one such program filled within a second)
	flight_kids local --flight=128M
	snap=$(ls -d "$WORK"/local/snapshot-001-signal*) || fail "no snapshot-001-signal*"
	check_kids "$snap"
	echo "PASS: $TEST_NAME: the children and grandchild forked under the flight recorder are in its snapshots, relayed and local"
	;;
flight-launch)
	# from launch, buffers small enough that the threads' creation and
	# names are overwritten by the window: the snapshot still names them.
	# 32 KiB per CPU; what a worker's tasks write depends on its CPU
	# samples and on the CPUs it ran on (a name written on a CPU the
	# workers then left stays), so a run that did not overwrite the names
	# cannot test this and is run again with four times the tasks.
	size=$((32 * $(getconf _NPROCESSORS_CONF)))k
	for tasks in 400 1600 ''; do
		[ -n "$tasks" ] || fail "the ring buffers still hold the threads' names after 1600 tasks: the test needs a smaller --flight"
		rm -rf "$WORK/fl"
		touch "$WORK/go"
		"$CPROF_TRACE" record --flight=$size --snapshot-on api -o "$WORK/fl" -- "$PID_APP" "$WORK/go" flight $tasks \
			>"$WORK/app.out" 2>"$WORK/rec.err" &
		REC=$!
		PIDS="$PIDS $REC"
		wait_for "$WORK/rec.err" 'snapshot 1:' "the program's cprof_trace_snapshot() took no snapshot"
		rm -f "$WORK/go" # the program ends
		wait "$REC" || { cat "$WORK/rec.err" >&2; fail "record --flight failed"; }
		cat "$WORK/rec.err"
		snap=$(ls -d "$WORK"/fl/snapshot-001-api-window) || fail "no snapshot-001-api-window"
		"$CPROF_TRACE" dump "$snap" >"$WORK/snap.dump" || fail "dump of the snapshot failed"
		grep -q 'cprof:thread_name.*worker-1' "$WORK/snap.dump" || break
		note "$tasks tasks a worker left the threads' names in the ring buffers: again with more"
	done
	"$CPROF_TRACE" stats "$snap" >"$WORK/snap.stats" || fail "stats of the snapshot failed"
	cat "$WORK/snap.stats"
	for name in worker-1 worker-2; do
		grep -q " $name " "$WORK/snap.stats" || fail "thread '$name' has no name in the snapshot"
	done
	mv "$snap" "$WORK/snap"
	pprof_top "$(profile snap heap --at 0)" -sample_index=inuse_space >/dev/null
	grep -q 'keep_live_blocks' "$WORK/snap-heap.pb.gz.top" ||
		fail "the heap at the snapshot's start does not show keep_live_blocks"
	echo "PASS: $TEST_NAME: a snapshot from launch names threads whose creation it lost"
	;;
early)
	"$CPROF_TRACE" env >"$WORK/env.txt" || fail "cprof-trace env failed"
	preload=$(sed -n 's/^LD_PRELOAD=//p' "$WORK/env.txt")
	# early_start MS: `sleep 60` with env's environment, whose preload
	# library opens its socket MS ms after the exec (SLOW_LIB's
	# constructor runs first); sets APP once it is exec'd
	early_start() {
		env $(grep -v '^LD_PRELOAD=' "$WORK/env.txt") LD_PRELOAD="$preload:$SLOW_LIB" \
			SLOW_START_MS="$1" sleep 60 &
		APP=$!
		PIDS="$PIDS $APP"
		i=0
		while [ "$(readlink "/proc/$APP/exe")" != "$(command -v sleep)" ]; do
			sleep 0.01
			i=$((i + 1))
			[ $i -lt 1000 ] || fail "sleep did not start"
		done
		! grep -q "@cprof-trace/$APP\$" /proc/net/unix || fail "the socket exists already"
	}
	early_start 500
	"$CPROF_TRACE" record --pid "$APP" --duration 1s -o "$WORK/early" >"$WORK/early.out" 2>"$WORK/early.err" ||
		fail "record --pid of a process in its first moments: $(cat "$WORK/early.err")"
	cat "$WORK/early.err"
	pid=$(json_get "$WORK/early/cprof-record.json" pid)
	[ "$pid" = "$APP" ] || fail "the trace is of process $pid, not $APP"
	# a socket that never comes: the same refusal, after the wait
	early_start 10000
	t0=$(date +%s%N)
	if "$CPROF_TRACE" record --pid "$APP" --duration 1s -o "$WORK/late" 2>"$WORK/late.err"; then
		fail "record --pid of a process with no socket after 10 s succeeded"
	fi
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$(wc -l <"$WORK/late.err")" = 1 ] && grep -q 'cprof-trace env' "$WORK/late.err" ||
		fail "not one line saying to use cprof-trace env: $(cat "$WORK/late.err")"
	[ "$ms" -ge 1900 ] || fail "refused after $ms ms, without waiting for the socket"
	[ ! -e "$WORK/late" ] || fail "a refused record --pid left a trace directory"
	echo "PASS: $TEST_NAME: waited for a starting process's socket; refused after $ms ms when none came"
	;;
refuse)
	sleep 30 &
	S=$!
	PIDS="$PIDS $S"
	if "$CPROF_TRACE" record --pid "$S" -o "$WORK/plain" 2>"$WORK/plain.err"; then
		fail "record --pid of a process without the preload library succeeded"
	fi
	[ "$(wc -l <"$WORK/plain.err")" = 1 ] && grep -q 'cprof-trace env' "$WORK/plain.err" ||
		fail "not one line saying to use cprof-trace env: $(cat "$WORK/plain.err")"
	[ ! -e "$WORK/plain" ] || fail "a refused record --pid left a trace directory"
	for bad in "--pid $S -- true" "--pid $S --no-locks" "--duration 2s -- true" "--pid 0" "--pid $S --duration x"; do
		# shellcheck disable=SC2086
		if "$CPROF_TRACE" record -o "$WORK/bad" $bad 2>"$WORK/bad.err"; then
			fail "record $bad succeeded"
		fi
		[ "$(wc -l <"$WORK/bad.err")" = 1 ] || fail "record $bad: not one line: $(cat "$WORK/bad.err")"
	done
	echo "PASS: $TEST_NAME: refused with one line each"
	;;
*)
	fail "unknown case $CASE"
	;;
esac
