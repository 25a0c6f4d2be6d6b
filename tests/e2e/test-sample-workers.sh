#!/bin/sh
# workers: tasks begun on the producer, worked on by a pool, one in three
# handed to the storer which ends it on a third thread. stats --json must
# count exactly what the program did.
. "$(dirname "$0")/test-diagnose-lib.sh"

record workers workers --jobs 150 --rate 300 --workers 3 --handoff 3 --seconds 30
grep -q '150 jobs: 100 ended by workers, 50 handed off' "$WORK/workers.stdout" ||
	fail "workers did not report 150 jobs: $(cat "$WORK/workers.stdout")"
"$CPROF_TRACE" stats --json "$WORK/workers" >"$WORK/stats.json" || fail "cprof-trace stats --json failed"
cat "$WORK/stats.json"
check() {
	want=$1
	shift
	got=$(json_get "$WORK/stats.json" "$@")
	[ "$got" = "$want" ] || fail "stats: $* is $got, not $want"
}
check 150 tasks job count
check 150 regions decode count
check 150 regions compute count
check 50 regions store count
check 150 logs submit
check 50 logs handoff
check 100 logs "done"
check 50 logs stored
# Every job of size >= 40 spawns a child task `checksum`: the program does
# not print how many, but its regions and tasks must agree.
n=$(json_get "$WORK/stats.json" tasks checksum count)
check "$n" regions checksum count
# The queue depth counters: one value at each push and pop, so 300 values
# for 150 jobs through the work queue and 100 for the 50 handed off; both
# queues end empty.
check 300 counters "work queue" samples
check 100 counters "store queue" samples
check 0 counters "work queue" min
check 0 counters "work queue" last
check 0 counters "store queue" last
max=$(json_get "$WORK/stats.json" counters "work queue" max)
gt "$max" 0 || fail "work queue max is $max"
# The track itself, from dump: each value is the previous one +1 or -1.
"$CPROF_TRACE" dump "$WORK/workers" | awk '
	/cprof:counter name = "work queue"/ {
		v = $NF + 0; n++
		if (n > 1 && v != prev + 1 && v != prev - 1) { print "jump " prev " -> " v; bad = 1 }
		if (v > max) max = v
		prev = v
	}
	END { if (n != 300) { print n " values"; bad = 1 }; exit bad }' ||
	fail "work queue counter track: values do not follow the queue"
mean=$(json_get "$WORK/stats.json" counters "work queue" mean)
awk -v m="$mean" -v x="$max" 'BEGIN { exit !(m >= 0 && m <= x) }' || fail "mean $mean not in [0, $max]"
echo "PASS: $TEST_NAME: 150 jobs, 50 ended on the storer thread, $n checksum subtasks"
