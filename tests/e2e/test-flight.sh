#!/bin/bash
# test-flight.sh CASE: `cprof-trace record --flight` under a real session
# daemon, with test-flight-app.
#   region  1 request in ~2000 stalls 150 ms behind rebuild_index(): every
#           snapshot holds its stalled request whole, and the snapshot's
#           mutex profile (read by go tool pprof) names rebuild_index
#   api     cprof_trace_snapshot("checkpoint"): one snapshot, symbols
#           resolve (the statedump was regenerated); without the api rule,
#           no snapshot
#   signal  SIGUSR2 to record and to the program: two snapshots, the
#           program is not killed by its own SIGUSR2
#   early   SIGUSR2 to record as soon as its handler is in place, while
#           its session is set up and before the program runs: kept, one
#           line says so, and its snapshot holds the program (it was
#           dropped without a word)
#   lost    an event too big for a sub-buffer: a `lost` snapshot whose
#           stats count the lost event, also for a loss just before the
#           program ends; none without a loss
#   relay   snapshots sent to an lttng-relayd on loopback, read back from
#           its output tree with the host shown; a relay that is down
#   input   bad rules, sizes and outputs: one line, exit 2, no program run
#   overwrite  threads going back and forth between CPUs 0 and 1, busy on
#           0: CPU 0's ring buffer overwrote its oldest batches long before
#           CPU 1's did, so the snapshot's threads miss batches before the
#           window common to both; every command says so in a note, none
#           calls them lost by the tracer (a real loss still is: lost-*);
#           stats and profiles count what the window holds and say what
#           they left out, and so does the critical path of the `round`
#           tasks (begun on the CPU whose buffer reaches back further);
#           the viewer veils the lanes before the window
#   forks   a program forking short children all along (record adds each
#           to the session's process tracker) asks for a snapshot every
#           100 ms: record's threads share liblttng-ctl's one connection
#           to the daemon, and every snapshot must still be written and
#           read, with no failure nor "No session daemon"
#   children  a program forking a child every 10 ms, each living ~30 ms,
#           with snapshots taken meanwhile, and an unrelated program of the
#           same user emitting cprof events beside it: the last snapshot
#           (the ring buffers never wrapped) holds at least 98% of the
#           children (all, in practice), none of the unrelated program in
#           stats, pprof or the viewer, which only --all-processes shows
# Env: CPROF_TRACE, CPROF_PRELOAD_LIB, FLIGHT_APP, FLIGHT_TRIGGERS (killed).
set -euo pipefail

case_name=$1
tmp=$(mktemp -d /tmp/cprof-test-flight.XXXXXX)
relayd_pid=
cleanup() {
	if [ -n "$relayd_pid" ]; then
		kill "$relayd_pid" 2>/dev/null || true
		wait "$relayd_pid" 2>/dev/null || true
	fi
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize

# snapshots DIR: the snapshot directories under DIR, one a line.
snapshots() {
	find "$1" -mindepth 1 -maxdepth 1 -type d -name 'snapshot-*' | sort
}

json_field() { # FILE KEY: a number or string field of the snapshot object
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["snapshot"][sys.argv[2]])' "$1" "$2"
}

# view_state DIR: the viewer's state on opening DIR in $tmp/view.out; false
# when the viewer is not built.
view_state() {
	"$CPROF_TRACE" view --help >/dev/null 2>&1 || return 1
	echo print >"$tmp/script"
	SDL_VIDEODRIVER=offscreen "$CPROF_TRACE" view --script "$tmp/script" "$1" \
		>"$tmp/view.out" 2>&1 || fail "view: $(cat "$tmp/view.out")"
}

case_region() {
	"$CPROF_TRACE" record --flight=8M --snapshot-on 'region:request>100ms' \
		--snapshot-interval 1s --snapshot-max 3 -o "$tmp/fr" -- "$FLIGHT_APP" stall 4 \
		>"$tmp/app.out" 2>"$tmp/record.err" || fail "record: $(cat "$tmp/record.err")"
	cat "$tmp/record.err"
	grep -q '^slow request' "$tmp/app.out" || fail "no request stalled: $(cat "$tmp/app.out")"
	n=$(grep -c "^cprof-trace: snapshot [0-9]*: region 'request' lasted" "$tmp/record.err" || true)
	[ "$n" -ge 1 ] || fail "no snapshot line"
	[ "$(snapshots "$tmp/fr" | wc -l)" -eq "$n" ] || fail "$n lines but $(snapshots "$tmp/fr" | wc -l) snapshots"
	grep -q 'warning' "$tmp/record.err" && fail "warnings: $(grep warning "$tmp/record.err")"
	for d in $(snapshots "$tmp/fr"); do
		case $d in */snapshot-00[1-3]-region-request) ;; *) fail "bad name $d" ;; esac
		task=$(json_field "$d/cprof-record.json" task)
		dur=$(json_field "$d/cprof-record.json" duration_ns)
		[ "$dur" -gt 100000000 ] || fail "$d: duration $dur"
		grep -q "^slow request task=$task " "$tmp/app.out" ||
			fail "$d: task $task is not one the program saw stall"
		# The stalled request whole: its begin and its end, 100+ ms apart.
		"$CPROF_TRACE" dump "$d" >"$tmp/dump" 2>"$tmp/dump.err" || fail "dump $d: $(cat "$tmp/dump.err")"
		b=$(awk -v t="task = $task," '$3 == "cprof:region_begin" && index($0, t) { print $1 }' "$tmp/dump")
		e=$(awk -v t="task = $task," '$3 == "cprof:region_end" && index($0, t) { print $1 }' "$tmp/dump")
		[ -n "$b" ] && [ -n "$e" ] || fail "$d: region of task $task not whole (begin '$b', end '$e')"
		awk -v b="$b" -v e="$e" 'BEGIN { exit !(e - b > 0.1) }' || fail "$d: region $b..$e"
		# Who held the lock: the mutex profile charges the holder.
		"$CPROF_TRACE" pprof -t mutex -o "$tmp/mutex.pb.gz" --force "$d" >/dev/null 2>"$tmp/pprof.err" ||
			fail "pprof $d: $(cat "$tmp/pprof.err")"
		go tool pprof -top "$tmp/mutex.pb.gz" >"$tmp/top" 2>&1 || fail "go tool pprof"
		top=$(awk '/flat%/ { getline; print $6; exit }' "$tmp/top")
		[ "$top" = rebuild_index ] || fail "$d: mutex profile's top is '$top'"
		"$CPROF_TRACE" stats "$d" >"$tmp/stats" 2>&1 || fail "stats $d"
		grep -q "^snapshot: *region 'request' lasted" "$tmp/stats" || fail "$d: stats does not say why: $(head -12 "$tmp/stats")"
		# The viewer opens on the slow region (when it is built).
		if view_state "$d"; then
			grep -q '"sel_hit": 1, .*"sel_text": "request"' "$tmp/view.out" ||
				fail "$d: the viewer did not select the slow region: $(cat "$tmp/view.out")"
		fi
		echo "ok: $d: task $task, $((dur / 1000000)) ms, mutex holder $top"
	done
}

case_api() {
	"$CPROF_TRACE" record --flight --snapshot-on api -o "$tmp/fa" -- "$FLIGHT_APP" api \
		>"$tmp/app.out" 2>"$tmp/record.err" || fail "record: $(cat "$tmp/record.err")"
	cat "$tmp/record.err"
	d=$tmp/fa/snapshot-001-api-checkpoint
	[ "$(snapshots "$tmp/fa")" = "$d" ] || fail "snapshots: $(snapshots "$tmp/fa")"
	[ "$(json_field "$d/cprof-record.json" reason)" = checkpoint ] || fail "reason"
	"$CPROF_TRACE" dump "$d" >"$tmp/dump" 2>/dev/null || fail "dump"
	grep -q 'cprof:snapshot .*reason = "checkpoint"' "$tmp/dump" ||
		fail "no cprof:snapshot event in the snapshot"
	# The statedump was regenerated into the snapshot: stacks have names.
	# (the blocking calls: usleep in work() is one every millisecond)
	"$CPROF_TRACE" pprof -t syscall -o "$tmp/sys.pb.gz" "$d" >/dev/null 2>&1 || fail "pprof syscall"
	go tool pprof -traces "$tmp/sys.pb.gz" >"$tmp/traces" 2>&1 || fail "go tool pprof"
	grep -qE ' work$' "$tmp/traces" || fail "no symbols: $(head -20 "$tmp/traces")"
	ms=$(sed -nE 's/.*\(([0-9.]+) MiB, ([0-9]+) ms after the request\)$/\2/p' "$tmp/record.err")
	[ -n "$ms" ] || fail "no latency in the snapshot line"
	echo "ok: api snapshot on disk $ms ms after the call"
	# Without the api rule the call asks nothing.
	"$CPROF_TRACE" record --flight --snapshot-on 'region:never>1s' -o "$tmp/fn" -- \
		"$FLIGHT_APP" api >/dev/null 2>"$tmp/record2.err" || fail "record: $(cat "$tmp/record2.err")"
	[ -z "$(snapshots "$tmp/fn")" ] || fail "a snapshot without the api rule"
	grep -q "flight recorder: 0 snapshots" "$tmp/record2.err" || fail "$(cat "$tmp/record2.err")"
}

# wait_line TEXT: until record's stderr holds TEXT (60 s at most).
wait_line() {
	i=0
	while ! grep -q "$1" "$tmp/record.err"; do
		sleep 0.1
		i=$((i + 1))
		[ $i -lt 600 ] || fail "no '$1' in 60 s: $(cat "$tmp/record.err")"
	done
}

case_signal() {
	mkfifo "$tmp/out"
	"$CPROF_TRACE" record --flight --snapshot-on signal:USR2 --snapshot-interval 0 \
		-o "$tmp/fs" -- "$FLIGHT_APP" signal "$tmp/done" >"$tmp/out" 2>"$tmp/record.err" &
	rec=$!
	read -r line <"$tmp/out" # "ready": the program runs
	[ "$line" = ready ] || fail "app said '$line'"
	# record's signal once the program's gave its snapshot; the program
	# runs until the test is done with it
	wait_line "snapshot 1: the program got SIGUSR2"
	kill -USR2 "$rec"
	wait_line "snapshot 2: record got SIGUSR2"
	touch "$tmp/done"
	wait "$rec" || fail "record (and the program) exited with $?: $(cat "$tmp/record.err")"
	cat "$tmp/record.err"
	[ "$(snapshots "$tmp/fs" | wc -l)" -eq 2 ] || fail "snapshots: $(snapshots "$tmp/fs")"
	grep -q "snapshot [12]: the program got SIGUSR2" "$tmp/record.err" || fail "program's signal"
	grep -q "snapshot [12]: record got SIGUSR2" "$tmp/record.err" || fail "record's signal"
	for d in $(snapshots "$tmp/fs"); do
		case $d in */snapshot-00[12]-signal-USR2) ;; *) fail "bad name $d" ;; esac
		"$CPROF_TRACE" stats "$d" >/dev/null 2>&1 || fail "stats $d"
	done
}

case_early() {
	local rec mask early=0
	"$CPROF_TRACE" record --flight --snapshot-on signal:USR2 -o "$tmp/fe" -- sleep 1.5 \
		2>"$tmp/record.err" &
	rec=$!
	# record's handler in place (SigCgt holds SIGUSR2, bit 11)
	for _ in $(seq 1 2000); do
		mask=$(awk '/^SigCgt:/ {print $2}' "/proc/$rec/status" 2>/dev/null || true)
		[ -n "$mask" ] && (((0x$mask >> 11) & 1)) && break
		sleep 0.001
	done
	pgrep -P "$rec" >/dev/null || early=1
	kill -USR2 "$rec"
	wait "$rec" || fail "record exited with $?: $(cat "$tmp/record.err")"
	cat "$tmp/record.err"
	[ "$early" = 1 ] || echo "note: the program had started already (nothing early to test)"
	[ "$(snapshots "$tmp/fe" | wc -l)" -eq 1 ] || fail "snapshots: '$(snapshots "$tmp/fe")'"
	grep -q "snapshot 1: record got SIGUSR2" "$tmp/record.err" || fail "no snapshot line"
	if [ "$early" = 1 ]; then
		grep -Eqx "cprof-trace: a trigger signal came (while the session was being set up|before sleep was recorded): its snapshot is taken now that sleep runs" \
			"$tmp/record.err" || fail "no line saying the signal came early"
	fi
	"$CPROF_TRACE" --no-cache stats "$(snapshots "$tmp/fe")" >"$tmp/stats.out" 2>&1 ||
		fail "stats: $(cat "$tmp/stats.out")"
	grep -Eq '^  [0-9]+ +sleep' "$tmp/stats.out" || fail "the snapshot misses the program: $(cat "$tmp/stats.out")"
}

# kill_flight_recorder: starts record --flight, kills it (SIGKILL) and
# then its program; record's pid in $rec, the cost of a
# cprof_trace_snapshot() call then in $stale. False if its trigger was
# gone already: the next record of anyone on the machine reaps it.
kill_flight_recorder() {
	rm -f "$tmp/out"
	mkfifo "$tmp/out"
	"$CPROF_TRACE" record --flight --snapshot-on signal:USR2 --snapshot-interval 0 \
		-o "$(mktemp -d "$tmp/fk.XXXXXX")" -- "$FLIGHT_APP" signal "$tmp/done" >"$tmp/out" 2>"$tmp/record.err" &
	rec=$!
	read -r line <"$tmp/out"
	[ "$line" = ready ] || fail "app said '$line'"
	app=$(pgrep -P "$rec" || true)
	kill -KILL "$rec"
	wait "$rec" 2>/dev/null || true
	[ -z "$app" ] || kill "$app" 2>/dev/null || true
	# The killed recorder's trigger, by name (its session's, which holds
	# record's pid). Other flight recorders of the machine have triggers
	# of their own, and any other recording enables cprof:snapshot too:
	# each costs a program the same.
	"$FLIGHT_TRIGGERS" >"$tmp/triggers" || fail "cannot list the triggers"
	grep -qE "^trigger cprof-flight-cprof-record-[0-9]+-$rec-" "$tmp/triggers" || return 1
	# What a program pays with it (a program not registered with a busy
	# daemon in time would pay nothing: it waits up to 20 s here)
	stale=$(LTTNG_UST_REGISTER_TIMEOUT=20000 "$FLIGHT_APP" snapcost)
	"$FLIGHT_TRIGGERS" >"$tmp/triggers" || fail "cannot list the triggers"
	grep -qE "^trigger cprof-flight-cprof-record-[0-9]+-$rec-" "$tmp/triggers"
}

# A flight recorder killed (SIGKILL) leaves its snapshot trigger behind,
# the daemon's and not its session's: cprof:snapshot stays enabled in
# every program of the user. The next record takes it away.
case_killed() {
	: "${FLIGHT_TRIGGERS:?}"
	local tries=0
	until kill_flight_recorder; do
		tries=$((tries + 1))
		[ "$tries" -lt 3 ] || fail "the killed recorder's trigger was gone before the next record, $tries times (the test proves nothing): $(cat "$tmp/triggers")"
		echo "note: another record reaped the killed recorder's trigger first: again"
	done
	awk -v c="$stale" 'BEGIN { exit !(c >= 10) }' ||
		fail "cprof_trace_snapshot() costs $stale ns with the killed recorder's trigger"
	"$CPROF_TRACE" record -o "$tmp/next" -- /bin/true >/dev/null 2>"$tmp/next.err" ||
		fail "record: $(cat "$tmp/next.err")"
	"$FLIGHT_TRIGGERS" >"$tmp/triggers" || fail "cannot list the triggers"
	grep -qE "^trigger cprof-flight-cprof-record-[0-9]+-$rec-" "$tmp/triggers" &&
		fail "the next record left the killed recorder's trigger: $(cat "$tmp/triggers")"
	# (the triggers and active sessions listed all along: another
	# recording, there for a moment of the measure, explains a cost)
	: >"$tmp/seen"
	while :; do "$FLIGHT_TRIGGERS" >>"$tmp/seen"; sleep 0.05; done 2>/dev/null &
	watch=$!
	after=$(LTTNG_UST_REGISTER_TIMEOUT=20000 "$FLIGHT_APP" snapcost)
	kill "$watch"
	wait "$watch" 2>/dev/null || true
	"$FLIGHT_TRIGGERS" >>"$tmp/seen" || fail "cannot list the triggers"
	if ! awk -v c="$after" 'BEGIN { exit !(c < 5) }'; then
		other=$(grep -m1 -E '^(trigger cprof-flight-|session )' "$tmp/seen") ||
			fail "cprof_trace_snapshot() costs $after ns after the next record (before it: $stale), with no trigger nor recording meanwhile"
		echo "note: another recording ran meanwhile ($other): cprof_trace_snapshot() cost $after ns for it"
		after="(not measured)"
	fi
	echo "ok: cprof_trace_snapshot() cost $stale ns with the killed recorder's trigger, $after ns once the next record removed it"
}

case_lost() {
	# A traced program of another user meanwhile (as root: nobody), as
	# a server's workers: the session gets a second set of per-UID
	# buffers, which the probes for discarded events must take in.
	# (not where nobody cannot run the build's programs)
	other=
	as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
		"${as_nobody[@]}" "$FLIGHT_APP" other 0 >/dev/null 2>&1; then
		"${as_nobody[@]}" "$FLIGHT_APP" other 8 &
		other=$!
		sleep 0.5
	fi
	"$CPROF_TRACE" record --flight=64k --snapshot-on lost -o "$tmp/fl" -- "$FLIGHT_APP" lost \
		>/dev/null 2>"$tmp/record.err" || fail "record: $(cat "$tmp/record.err")"
	cat "$tmp/record.err"
	d=$tmp/fl/snapshot-001-lost
	[ -d "$d" ] || fail "no lost snapshot: $(snapshots "$tmp/fl")"
	# (1: the program's; the ring also takes any other traced program's)
	grep -qE "snapshot 1: the tracer discarded [1-9][0-9]* events?:" "$tmp/record.err" || fail "line"
	"$CPROF_TRACE" stats --json "$d" >"$tmp/stats.json" 2>/dev/null || fail "stats"
	python3 -c 'import json,sys; n = json.load(open(sys.argv[1]))["lost_events"]; sys.exit(0 if n >= 1 else "lost_events %d" % n)' "$tmp/stats.json" ||
		fail "the snapshot does not count the lost event"
	if [ -n "$other" ]; then
		kill "$other" 2>/dev/null || true
		wait "$other" 2>/dev/null || true
		[ -d "$d/ust/uid/$(id -u nobody)" ] || fail "no events of the other user's program in the snapshot (the test proves nothing)"
	fi
	# A loss 0.1 s before the program ends, before record's next look at
	# the buffers (once a second): snapshot at the end.
	"$CPROF_TRACE" record --flight=64k --snapshot-on lost -o "$tmp/fe" -- "$FLIGHT_APP" lost 0.1 \
		>/dev/null 2>"$tmp/record3.err" || fail "record: $(cat "$tmp/record3.err")"
	cat "$tmp/record3.err"
	[ -d "$tmp/fe/snapshot-001-lost" ] ||
		fail "no lost snapshot for a loss just before the end: $(cat "$tmp/record3.err")"
	grep -qE "snapshot 1: the tracer discarded [1-9][0-9]* events?:" "$tmp/record3.err" || fail "line (loss at the end)"
	# No loss, no snapshot.
	"$CPROF_TRACE" record --flight=64k --snapshot-on lost -o "$tmp/fn" -- "$FLIGHT_APP" api \
		>/dev/null 2>"$tmp/record2.err" || fail "record: $(cat "$tmp/record2.err")"
	[ -z "$(snapshots "$tmp/fn")" ] || fail "lost snapshot with no loss: $(cat "$tmp/record2.err")"
}

# A snapshot request flushes the asking thread's batch into lttng-ust,
# which writes to its wakeup pipe through the preload's write hook, which
# flushes the same thread: the program must not hang on its own batch's
# lock (it did: 0 of 1 runs finished within 40 s; 3 s of work).
case_storm() {
	timeout 60 "$CPROF_TRACE" record --flight=1M --snapshot-on api --snapshot-interval=0s \
		-o "$tmp/fs" -- "$FLIGHT_APP" storm 3 >"$tmp/out" 2>"$tmp/record.err" ||
		fail "record (status $?; 124: the program hung): $(tail -n 3 "$tmp/record.err")"
	grep -qx done "$tmp/out" || fail "the program did not finish"
	d=$(snapshots "$tmp/fs" | head -n 1)
	[ -n "$d" ] || fail "no snapshot: $(cat "$tmp/record.err")"
	"$CPROF_TRACE" stats "$d" >"$tmp/stats" 2>/dev/null || fail "stats $d"
	grep -q storm "$tmp/stats" || fail "no storm region in $d"
}

case_relay() {
	# Ports of our own: other tests may run a relay on the default ones.
	base=$((20000 + ($$ % 20000)))
	mkdir "$tmp/relay"
	lttng-relayd -C "tcp://127.0.0.1:$base" -D "tcp://127.0.0.1:$((base + 1))" \
		-L "tcp://127.0.0.1:$((base + 2))" -o "$tmp/relay" >"$tmp/relayd.log" 2>&1 &
	relayd_pid=$!
	# (30 s at most: a loaded machine starts it slowly)
	for _ in $(seq 300); do
		(exec 3<>"/dev/tcp/127.0.0.1/$base") 2>/dev/null && break
		sleep 0.1
	done
	"$CPROF_TRACE" record --flight --snapshot-on api \
		--snapshot-output "net://127.0.0.1:$base:$((base + 1))" -o "$tmp/unused" -- \
		"$FLIGHT_APP" api >/dev/null 2>"$tmp/record.err" || fail "record: $(cat "$tmp/record.err")"
	cat "$tmp/record.err"
	[ ! -e "$tmp/unused" ] || fail "a local directory was made"
	grep -q "snapshot 1: .*snapshot-001-api-checkpoint to net://127.0.0.1:$base" "$tmp/record.err" ||
		fail "snapshot line"
	host=$(hostname)
	d=$(find "$tmp/relay" -mindepth 3 -maxdepth 3 -type d -name 'snapshot-001-api-checkpoint-*')
	[ -n "$d" ] || fail "nothing in the relay's tree: $(find "$tmp/relay" -maxdepth 3)"
	case $d in "$tmp/relay/$host/cprof-record-"*) ;; *) fail "relay tree $d" ;; esac
	"$CPROF_TRACE" stats "$d" >"$tmp/stats" 2>"$tmp/stats.err" || fail "stats: $(cat "$tmp/stats.err")"
	grep -qE "^  [0-9]+ +test-flight-app +on $host\$" "$tmp/stats" ||
		fail "stats does not show the host: $(head -12 "$tmp/stats")"
	kill "$relayd_pid"
	wait "$relayd_pid" 2>/dev/null || true
	relayd_pid=
	# The relay is gone: say so, take no snapshot, never stop the program.
	"$CPROF_TRACE" record --flight --snapshot-on api \
		--snapshot-output "net://127.0.0.1:$base:$((base + 1))" -- \
		"$FLIGHT_APP" api >"$tmp/app.out" 2>"$tmp/record2.err" || fail "record: $(cat "$tmp/record2.err")"
	cat "$tmp/record2.err"
	grep -q "warning: net://127.0.0.1:$base:$((base + 1)): no lttng-relayd answers" "$tmp/record2.err" ||
		fail "no warning that the relay is down"
	grep -q "warning: snapshot 1 .* failed" "$tmp/record2.err" || fail "no failure line"
	grep -q "requested at" "$tmp/app.out" || fail "the program did not run to its end"
}

# expect_error ARGS...: exit 2, one line on stderr, program not run.
expect_error() {
	local want=$1
	shift
	rc=0
	"$CPROF_TRACE" record "$@" -o "$tmp/bad" -- touch "$tmp/ran" 2>"$tmp/err" || rc=$?
	[ "$rc" -eq 2 ] || fail "record $*: exit $rc, want 2"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "record $*: not one line: $(cat "$tmp/err")"
	grep -q -- "$want" "$tmp/err" || fail "record $*: '$(cat "$tmp/err")' lacks '$want'"
	[ ! -e "$tmp/ran" ] && [ ! -e "$tmp/bad" ] || fail "record $*: ran or made its output"
	echo "ok: $(cat "$tmp/err")"
}

case_input() {
	expect_error "unknown rule" --flight --snapshot-on bogus
	expect_error "expected region:TYPE>DURATION" --flight --snapshot-on region:request
	expect_error "expected task:TYPE>DURATION" --flight --snapshot-on 'task:>5ms'
	expect_error "'fast' is not a duration" --flight --snapshot-on 'region:request>fast'
	expect_error "the signal must be USR1 or USR2" --flight --snapshot-on signal:KILL
	expect_error "too small for" --flight=8k
	expect_error "record: --flight: .lots.: expected a size" --flight=lots
	expect_error "record: --snapshot-max: .0.: expected 1 to 100000" --flight --snapshot-max 0
	expect_error "record: --snapshot-interval: .soon.: not a duration" --flight --snapshot-interval soon
	expect_error "record: --snapshot-interval: .5.: give a unit: 5s or 5000ms" --flight --snapshot-interval 5
	expect_error "'100' is not a duration (give a unit" --flight --snapshot-on 'region:request>100'
	expect_error "expected net://HOST" --flight --snapshot-output http://relay
	expect_error "need --flight" --snapshot-on api
	# A region type the program does not name: a warning, not an error.
	"$CPROF_TRACE" record --flight --snapshot-on 'region:reqeust>1s' \
		--snapshot-on 'region:tick>1s' -o "$tmp/ok" -- \
		"$FLIGHT_APP" api >/dev/null 2>"$tmp/err" || fail "record: $(cat "$tmp/err")"
	grep -q "warning: region type 'reqeust' does not appear in" "$tmp/err" ||
		fail "no warning for an unknown type: $(cat "$tmp/err")"
	grep -q "warning: region type 'tick'" "$tmp/err" && fail "warned about a known type"
	echo "ok: $(grep reqeust "$tmp/err")"
}

case_overwrite() {
	python3 -c 'import os, sys; sys.exit(not {0, 1} <= os.sched_getaffinity(0))' ||
		{ echo "SKIP: the program needs CPUs 0 and 1"; exit 77; }
	local tries=0
	while :; do
		rm -rf "$tmp/fo"
		"$CPROF_TRACE" record --flight=128k --snapshot-on api -o "$tmp/fo" -- "$FLIGHT_APP" migrate 2 \
			>"$tmp/app.out" 2>"$tmp/record.err" || fail "record: $(cat "$tmp/record.err")"
		cat "$tmp/record.err" "$tmp/app.out"
		d=$tmp/fo/snapshot-001-api-migrate
		[ -d "$d" ] || fail "no snapshot: $(snapshots "$tmp/fo")"
		# A real loss, which the packets count (an event lttng-ust
		# dropped on a loaded machine: once in a 2-process run of the
		# flight and serve suites here), every command must tell, and
		# does. babeltrace2 reads that count; a run without one is the
		# test.
		babeltrace2 "$d" >/dev/null 2>"$tmp/bt.err" || fail "babeltrace2: $(cat "$tmp/bt.err")"
		grep -Eq '^WARNING: Tracer (may have )?discarded ([0-9]+ )?events? ' "$tmp/bt.err" || break
		tries=$((tries + 1))
		[ "$tries" -lt 3 ] || fail "the tracer discarded events in $tries runs: $(head -3 "$tmp/bt.err")"
		echo "note: the tracer discarded events in this run (a real loss, not the overwriting under test): again"
	done
	"$CPROF_TRACE" --no-cache stats "$d" >"$tmp/stats" 2>"$tmp/stats.err" || fail "stats: $(cat "$tmp/stats.err")"
	"$CPROF_TRACE" --no-cache stats --json "$d" >"$tmp/stats.json" 2>/dev/null || fail "stats --json"
	"$CPROF_TRACE" dump "$d" >/dev/null 2>"$tmp/dump.err" || fail "dump: $(cat "$tmp/dump.err")"
	"$CPROF_TRACE" compare "$d" "$d" >"$tmp/compare" 2>"$tmp/compare.err" || fail "compare: $(cat "$tmp/compare.err")"
	cat "$tmp/stats.err"
	sed -n '/^lost events/,/^processes/p' "$tmp/stats"
	for f in stats.err dump.err compare.err; do
		! grep -q 'lost by the tracer' "$tmp/$f" || fail "$f calls overwritten batches lost: $(cat "$tmp/$f")"
		grep -q "note: snapshot: the window common to every CPU starts at +[0-9.]* ms .*; [0-9]* records of [12] threads* before it were overwritten, not lost" \
			"$tmp/$f" || fail "$f: no note of the window: $(cat "$tmp/$f")"
	done
	if view_state "$d"; then
		grep -q '"status": "snapshot: the window common to every CPU starts at' "$tmp/view.out" ||
			fail "the viewer's status line does not give the window: $(cat "$tmp/view.out")"
	fi
	! grep -q 'lost batches' "$tmp/stats" || fail "stats: $(grep '^lost' "$tmp/stats")"
	grep -q '^window:       from +.* records of [12] threads* before it were overwritten' "$tmp/stats" ||
		fail "stats says no window: $(sed -n 1,8p "$tmp/stats")"
	python3 - "$tmp/stats.json" <<'PY' || exit 1
import json, sys
s = json.load(open(sys.argv[1]))
if s["lost_records"]:
    sys.exit("FAIL: lost_records %d in a snapshot whose buffers overwrote them" % s["lost_records"])
if not s["overwritten_records"] or not s["begin_ns"] < s["window_ns"] < s["end_ns"]:
    sys.exit("FAIL: overwritten_records %d, window %d not within %d..%d" % (s["overwritten_records"], s["window_ns"], s["begin_ns"], s["end_ns"]))
bad = [w for w in map(str, s["warnings"]) if "lost" in w and "overwritten" not in w]
if bad:
    sys.exit("FAIL: warnings of a loss: %r" % bad[:3])
print("ok: %d records overwritten before +%.1f ms of %.1f ms" % (s["overwritten_records"], (s["window_ns"] - s["begin_ns"]) / 1e6, s["duration_ns"] / 1e6))
PY
	window_counts "$d"
	window_critpath "$d"
	window_view "$d"
}

# window_critpath DIR: stats --critical-path of snapshot DIR takes the
# `round` tasks stats count (those of the window, begun before it counted
# from its start: the same number, the same total) and says in a note,
# as stats do, how many before it it left out and how many it clipped.
window_critpath() {
	"$CPROF_TRACE" --no-cache stats --critical-path round --json "$1" >"$tmp/cp.json" 2>"$tmp/cp.err" ||
		fail "stats --critical-path: $(cat "$tmp/cp.err")"
	python3 - "$tmp/stats.json" "$tmp/cp.json" "$tmp/cp.err" <<'PY' || exit 1
import json, re, sys
s = json.load(open(sys.argv[1]))
cp = json.load(open(sys.argv[2]))
err = open(sys.argv[3]).read()
t = s["tasks"].get("round")
if not t:
    sys.exit("FAIL: no 'round' task in the window: %r" % s["tasks"])
rows = sum(r["ns"] for r in cp["segments"])
if (cp["tasks"], cp["total_ns"], rows) != (t["count"], t["total_ns"], t["total_ns"]):
    sys.exit("FAIL: the critical path of %d 'round' tasks, %d ns (rows %d ns); stats count %d, %d ns" %
             (cp["tasks"], cp["total_ns"], rows, t["count"], t["total_ns"]))
n = re.search(r"note: the critical path covers the snapshot's window \(from \+[0-9.]+ ms\): (\d+) tasks? from before it w[a-z]+ left out(; (\d+) that began before it (is|are) counted from its start)?", err)
if not n or int(n.group(1)) != cp["window_left_out"] or int(n.group(3) or 0) != cp["window_clipped"]:
    sys.exit("FAIL: the critical path's note does not give its window (%d left out, %d clipped): %s" %
             (cp["window_left_out"], cp["window_clipped"], err))
if not cp["window_left_out"]:
    sys.exit("FAIL: no 'round' task before the window (the test needs some): %s" % err)
print("ok: the critical path takes the %d 'round' tasks stats count (%d ns), %d begun before the window from its start; %d before it left out" %
      (cp["tasks"], cp["total_ns"], cp["window_clipped"], cp["window_left_out"]))
PY
}

# window_counts DIR: stats and the region profile of snapshot DIR count
# the regions of its window only: those whose end the dump shows at or
# after the window's start (from it: a region begun before is clipped),
# and say in a note how many before it they left out; compare counts
# what stats count.
window_counts() {
	grep -q "note: stats cover the snapshot's window (from +[0-9.]* ms): [1-9][0-9]* records from before it were left out" \
		"$tmp/stats.err" || fail "stats' note does not say what it left out: $(cat "$tmp/stats.err")"
	grep -q '^              counted below: what the window holds ([1-9][0-9]* records before it left out' "$tmp/stats" ||
		fail "stats' window line does not say what it left out: $(sed -n '/^window/,+1p' "$tmp/stats")"
	"$CPROF_TRACE" dump "$1" >"$tmp/dump" 2>/dev/null || fail "dump"
	"$CPROF_TRACE" --no-cache pprof -t region -o "$tmp/region.pb.gz" "$1" >/dev/null 2>"$tmp/pprof.err" ||
		fail "pprof: $(cat "$tmp/pprof.err")"
	cat "$tmp/pprof.err"
	python3 - "$tmp/stats.json" "$tmp/dump" "$tmp/pprof.err" "$tmp/compare" <<'PY' || exit 1
import json, re, sys
s = json.load(open(sys.argv[1]))
w = (s["window_ns"] - s["begin_ns"]) / 1e9
ends, begins = {}, {}
for line in open(sys.argv[2]):
    f = line.split(None, 3)
    if len(f) == 4 and f[2] in ("cprof:region_begin", "cprof:region_end"):
        t = re.search(r'type = "([^"]*)"', f[3]).group(1)
        d = ends if f[2] == "cprof:region_end" else begins
        d.setdefault(t, []).append(float(f[0]))
span = s["end_ns"] - s["window_ns"]
for t, r in s["regions"].items():
    after = sum(1 for e in ends.get(t, []) if e >= w - 1e-9)
    if r["count"] != after:
        sys.exit("FAIL: stats count %d '%s' regions; the dump shows %d ending in the window (%d in all)" % (r["count"], t, after, len(ends.get(t, []))))
    if r["max_ns"] > span:
        sys.exit("FAIL: a '%s' region of %d ns, longer than the window (%d ns)" % (t, r["max_ns"], span))
before = sum(len(b) for b in begins.values()) - sum(r["count"] + r["unended"] for r in s["regions"].values())
if not before or s["window_left_out"] < before:
    sys.exit("FAIL: %d regions before the window, stats left out %d records" % (before, s["window_left_out"]))
err = open(sys.argv[3]).read()
m = re.search(r"region profile: (\d+) of (\d+) regions", err)
n = re.search(r"note: the region profile covers the snapshot's window \(from \+[0-9.]+ ms\): (\d+) regions from before it were left out", err)
if not m or not n:
    sys.exit("FAIL: pprof says nothing of the window: %s" % err)
matched, total, left = int(m.group(1)), int(m.group(2)), int(n.group(1))
inwin = sum(r["count"] + r["unended"] for r in s["regions"].values())
if matched != inwin or left != total - matched:
    sys.exit("FAIL: the region profile took %d of %d regions and left out %d; stats count %d in the window" % (matched, total, left, inwin))
for line in open(sys.argv[4]):
    f = line.split()
    if len(f) > 3 and f[0] == "region" and f[2] == "count" and int(f[3]) != s["regions"][f[1]]["count"]:
        sys.exit("FAIL: compare counts %s '%s' regions, stats %d" % (f[3], f[1], s["regions"][f[1]]["count"]))
print("ok: stats, compare and the region profile count the %d regions of the window, leave out %d before it" % (inwin, left))
PY
}

# window_view DIR: the viewer, fitted to the whole snapshot DIR, veils
# every lane before the window and labels its edge; its Regions panel
# counts what stats count.
window_view() {
	"$CPROF_TRACE" view --help >/dev/null 2>&1 || return 0
	printf 'key F\nprint\nshot %s\n' "$tmp/window.png" >"$tmp/script"
	SDL_VIDEODRIVER=offscreen "$CPROF_TRACE" view --size 1280x800 --script "$tmp/script" "$1" \
		>"$tmp/view.out" 2>"$tmp/view.err" || fail "view: $(cat "$tmp/view.err")"
	SDL_VIDEODRIVER=offscreen "$CPROF_TRACE" view --screenshot "$tmp/p.png" --print-panel "$1" \
		>"$tmp/panel.json" 2>/dev/null || fail "view --print-panel"
	SDL_VIDEODRIVER=offscreen "$CPROF_TRACE" view --screenshot "$tmp/f.png" --print-panel \
		--tab flame --profile region "$1" >"$tmp/flame.json" 2>/dev/null ||
		fail "view --print-panel --tab flame --profile region"
	E2E_DIR=$(dirname "$0") python3 - "$tmp/stats.json" "$tmp/view.out" "$tmp/window.png" "$tmp/panel.json" \
		"$tmp/flame.json" <<'PY' || exit 1
import json, os, sys
sys.path.insert(0, os.environ["E2E_DIR"])
from pngpix import pixels
s = json.load(open(sys.argv[1]))
v = json.load(open(sys.argv[2]))
span = s["end_ns"] - s["begin_ns"]
if not (v["t0"] <= 0 and v["t1"] >= span):
    sys.exit("FAIL: fit shows %.0f..%.0f ns of a %d ns snapshot" % (v["t0"], v["t1"], span))
w, rows = pixels(sys.argv[3])
# the timeline: from x 176 (the gutter) to the side panel (380 px); its
# lanes from y 50 (header, axis) to above the status line
x0, x1, y0, y1 = 176, w - 380, 50, len(rows) - 20
xe = x0 + (s["window_ns"] - s["begin_ns"] - v["t0"]) * (x1 - x0) / (v["t1"] - v["t0"])
LANES = {bytes(c) for c in ((0x1b, 0x1e, 0x24), (0x1e, 0x21, 0x28), (0x17, 0x19, 0x1e))}
HEADER = bytes((0x25, 0x29, 0x32))
def bare(x):  # pixels of the column showing a lane's or the page's own colour
    return sum(1 for y in range(y0, y1) if rows[y][4 * x:4 * x + 3] in LANES)
def lit(x):  # mean brightness of the column
    return sum(sum(rows[y][4 * x:4 * x + 3]) for y in range(y0, y1)) / (y1 - y0)
after = [bare(x) for x in range(int(xe) + 4, int(xe) + 24)]
before = [bare(x) for x in range(int(xe) - 24, int(xe) - 4)] + [bare(x) for x in range(x0 + 4, x0 + 24)]
# (a column of the time axis' grid lines shows none: most columns must)
if sorted(after)[len(after) // 4] < (y1 - y0) // 2:
    sys.exit("FAIL: after the window's edge (x %d) columns show %r of %d pixels of lanes" % (xe, after, y1 - y0))
# (a process's name runs over the lanes, veiled too: its anti-aliased
# edge may meet a lane's colour)
if max(before) > (y1 - y0) // 50:
    sys.exit("FAIL: before the window's edge (x %d) a column shows %d pixels of bare lanes: not veiled" % (xe, max(before)))
if not lit(int(xe) - 10) < lit(int(xe) + 10):
    sys.exit("FAIL: the lanes before the edge are not darker")
# the label's box at the top of the lanes, left of the edge (right of it
# when the edge is near the gutter)
box = max(sum(1 for x in r if rows[y0 + 4][4 * x:4 * x + 3] == HEADER)
          for r in (range(int(xe) - 30, int(xe) - 10), range(int(xe) + 6, int(xe) + 26)))
if box < 15:
    sys.exit("FAIL: no label at the window's edge (x %d): %d box pixels" % (xe, box))
panel = json.load(open(sys.argv[4]))["regions"]
for t, r in s["regions"].items():
    if (r["count"], r["total_ns"], r["max_ns"]) != (panel[t]["count"], panel[t]["total_ns"], panel[t]["max_ns"]):
        sys.exit("FAIL: the panel's '%s' regions %r differ from stats' %r" % (t, panel[t], r))
# the flame tab's region graph takes the window's regions, as stats do
import re
note = json.load(open(sys.argv[5]))["note"]
m = re.match(r"(\d+) of (\d+) regions", note)
inwin = sum(r["count"] + r["unended"] for r in s["regions"].values())
if not m or int(m.group(1)) != inwin:
    sys.exit("FAIL: the region flame graph says '%s'; stats count %d regions in the window" % (note, inwin))
print("ok: the viewer veils the lanes before x %d of %d..%d and labels the edge; its panel counts what stats count" % (xe, x0, x1))
PY
}

case_forks() {
	"$CPROF_TRACE" record --flight=8M --snapshot-on api --snapshot-interval 0 \
		--snapshot-max 1000 -o "$tmp/ff" -- "$FLIGHT_APP" forks 5 \
		>"$tmp/app.out" 2>"$tmp/record.err" || fail "record exited with $?: $(cat "$tmp/record.err")"
	cat "$tmp/record.err" "$tmp/app.out"
	! grep -Eiq 'warning|error|fail|session daemon' "$tmp/record.err" ||
		fail "record said: $(grep -Ei 'warning|error|fail|session daemon' "$tmp/record.err")"
	read -r _ forked _ asked <"$tmp/app.out"
	[ "$forked" -ge 10 ] && [ "$asked" -ge 10 ] || fail "the program forked $forked, asked $asked"
	n=$(grep -c '^cprof-trace: snapshot [0-9]*: the program asked (cprof_trace_snapshot("forks"))' \
		"$tmp/record.err" || true)
	held=$(sed -nE 's/.*snapshots? in .*; ([0-9]+) more triggers? not taken: \1 queued behind a newer one$/\1/p' \
		"$tmp/record.err")
	# every request made a snapshot or was merged into a newer one
	[ "$n" -ge 2 ] && [ $((n + ${held:-0})) -eq "$asked" ] ||
		fail "$n snapshots and ${held:-0} merged for $asked requests"
	[ "$(snapshots "$tmp/ff" | wc -l)" -eq "$n" ] || fail "$n lines but $(snapshots "$tmp/ff" | wc -l) snapshots"
	for d in $(snapshots "$tmp/ff"); do
		"$CPROF_TRACE" --no-cache stats "$d" >"$tmp/stats" 2>"$tmp/stats.err" ||
			fail "stats $d: $(cat "$tmp/stats.err")"
		grep -q '^processes: *[1-9]' "$tmp/stats" || fail "$d: no process: $(head -8 "$tmp/stats")"
	done
	echo "ok: $n snapshots for $asked requests while the program forked $forked children"
}

# stats_pids FILE: the pids stats listed under "processes:", one a line.
stats_pids() {
	awk '/^processes:/ {p = 1; next} p && /^  [0-9]/ {print $1; next} p {exit}' "$1"
}

# One run of the children case into $tmp/fc; 0 when the final snapshot
# holds the program's start (its region `start`), 2 when other programs of
# this user wrote so much into the shared per-UID ring buffers (a
# concurrent test, a benchmark) that the start was overwritten: then what
# the snapshot lacks says nothing of ours.
children_run() {
	rm -rf "$tmp/fc"
	"$FLIGHT_APP" other 60 >/dev/null 2>&1 &
	other_pid=$!
	# lttng-ust waits for the session daemon to register a new process,
	# LTTNG_UST_REGISTER_TIMEOUT at most (record's default: 3 s), then
	# runs it unrecorded until it is: the daemon answers one command at a
	# time (any session's; a snapshot's for seconds), and a loaded shared
	# daemon took longer than 3 s for most children. Here they wait up to
	# 20 s, so that every child is recorded when the session takes it.
	LTTNG_UST_REGISTER_TIMEOUT=20000 \
	"$CPROF_TRACE" record --flight=32M --snapshot-on api --snapshot-interval 0 \
		--snapshot-max 100 -o "$tmp/fc" -- "$FLIGHT_APP" children 4 \
		>"$tmp/app.out" 2>"$tmp/record.err" || fail "record exited with $?: $(cat "$tmp/record.err")"
	cat "$tmp/record.err"
	grep -v '^child ' "$tmp/app.out"
	final=$(snapshots "$tmp/fc" | grep -- '-api-final$' || true)
	[ -n "$final" ] || fail "no final snapshot: $(ls "$tmp/fc")"
	"$CPROF_TRACE" --no-cache stats "$final" >"$tmp/stats" 2>"$tmp/stats.err" ||
		fail "stats $final: $(cat "$tmp/stats.err")"
	"$CPROF_TRACE" --no-cache stats --json "$final" >"$tmp/stats.json" 2>/dev/null ||
		fail "stats --json $final"
	python3 -c 'import json, sys; sys.exit("start" not in json.load(open(sys.argv[1]))["regions"])' \
		"$tmp/stats.json" && return 0
	"$CPROF_TRACE" --no-cache stats --all-processes "$final" 2>/dev/null |
		awk '/^processes:/ {p = 1; next} p && /^  [0-9]/ {print ($2 == "on" ? "(unnamed)" : $2)} p && !/^  [0-9]/ {exit}' |
		grep -v '^test-flight-app$' | sort | uniq -c | sort -rn | head -3 >"$tmp/others"
	[ -s "$tmp/others" ] ||
		fail "the final snapshot does not reach back to the start, and no other program wrote into the ring"
	echo "the ring's oldest part was overwritten, other programs wrote into it: $(tr -s ' \n' ' ' <"$tmp/others")"
	kill "$other_pid" 2>/dev/null || true
	wait "$other_pid" 2>/dev/null || true
	return 2
}

case_children() {
	local other_pid final forked kept late slowest expected try rc
	for try in 1 2 3; do
		rc=0
		children_run || rc=$?
		[ "$rc" = 0 ] && break
		[ "$try" -lt 3 ] || fail "the final snapshot did not reach back to the start in 3 runs"
	done
	forked=$(sed -n 's/^forked //p' "$tmp/app.out")
	[ "${forked:-0}" -ge 10 ] || fail "the program forked ${forked:-0} children"
	stats_pids "$tmp/stats" | sort >"$tmp/kept"
	# a child that waited the whole 20 s ran unrecorded: not counted
	awk '$1 == "child" && $3 < 19900 {print $2}' "$tmp/app.out" | sort >"$tmp/forked"
	late=$(awk '$1 == "child" && $3 >= 19900' "$tmp/app.out" | wc -l)
	slowest=$(awk '$1 == "child" && $3 > m {m = $3} END {print m + 0}' "$tmp/app.out")
	kept=$(comm -12 "$tmp/kept" "$tmp/forked" | wc -l)
	expected=$(wc -l <"$tmp/forked")
	echo "children: $kept of $expected in $(basename "$final") ($forked forked, $late not registered by the session daemon within 20 s, the slowest registered after $slowest ms)"
	[ "$expected" -ge 10 ] || fail "only $expected of $forked children were registered in time"
	# (each snapshot closes a sub-buffer of every CPU's ring: with 8 per
	# CPU, a ninth snapshot had lost the oldest 6 to 25 children)
	[ $((kept * 50)) -ge $((expected * 49)) ] || fail "only $kept of $expected children in the snapshot"
	# the unrelated program wrote into the same per-UID ring buffers: only
	# the reader leaves it out
	kill -0 "$other_pid" 2>/dev/null || fail "the unrelated program ended too early"
	kill "$other_pid"
	wait "$other_pid" 2>/dev/null || true
	grep -qw "$other_pid" "$tmp/kept" && fail "stats shows the unrelated process $other_pid"
	grep -qw 'other' "$tmp/stats" && fail "stats shows the unrelated program's regions"
	"$CPROF_TRACE" --no-cache stats --all-processes "$final" >"$tmp/stats-all" 2>&1 ||
		fail "stats --all-processes: $(cat "$tmp/stats-all")"
	stats_pids "$tmp/stats-all" | grep -qx "$other_pid" ||
		fail "the unrelated program $other_pid was not in the ring buffers (the test proves nothing)"
	"$CPROF_TRACE" --no-cache pprof -t region -o "$tmp/regions.pb.gz" "$final" >/dev/null 2>"$tmp/pprof.err" ||
		fail "pprof: $(cat "$tmp/pprof.err")"
	go tool pprof -traces "$tmp/regions.pb.gz" >"$tmp/pprof.txt" 2>&1 || fail "go tool pprof: $(head -3 "$tmp/pprof.txt")"
	grep -qw 'other' "$tmp/pprof.txt" && fail "the profile shows the unrelated program"
	if view_state "$final"; then
		grep -qw "$other_pid" "$tmp/view.out" && fail "the viewer shows the unrelated process"
	fi
	for d in $(snapshots "$tmp/fc"); do
		"$CPROF_TRACE" --no-cache stats "$d" >/dev/null 2>"$tmp/stats.err" ||
			fail "stats $d: $(cat "$tmp/stats.err")"
	done
	echo "ok: $kept of $expected children, $(snapshots "$tmp/fc" | wc -l) snapshots, not the unrelated process"
}

"case_$case_name"
echo "ok: flight-$case_name"
