#!/bin/sh
# test-pprof.sh: record test-pprof-app (built here -O2 -g, as a user would)
# with no code change besides its annotations, then check every profile
# type with `go tool pprof` against what the program measured itself, and
# the filters, the empty-match error and the overwrite refusal.
# Env: CPROF_TRACE, CPROF_PRELOAD_LIB, APP_SRC, CPROF_INCLUDE, CPROF_LIBDIR.
set -eu

tmp=$(mktemp -d /tmp/cprof-test-pprof.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp" GOCACHE="$tmp/gocache" PPROF_TMPDIR="$tmp"
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize

cc -O2 -g -pthread -I"$CPROF_INCLUDE" "$APP_SRC" -o "$tmp/app" \
	-L"$CPROF_LIBDIR" -lcprof-trace -Wl,-rpath,"$CPROF_LIBDIR"
"$CPROF_TRACE" record --alloc=all -o "$tmp/trace" -- "$tmp/app" >"$tmp/truth" 2>"$tmp/record.err" ||
	fail "record: $(cat "$tmp/record.err")"
cat "$tmp/truth"
truth() { awk -v k="$1" '$1 == k { print $2 }' "$tmp/truth"; }

# cum FILE FUNCTION [pprof options]: the function's cumulative value
cum() {
	f=$1 fn=$2
	shift 2
	go tool pprof -top -nodecount=100000 -unit=ns "$@" "$f" 2>/dev/null |
		awk -v fn="$fn" '$NF == fn { v = $4; sub(/[a-zA-Z]+$/, "", v); print v; exit }'
}
# within ACTUAL EXPECTED PERCENT
within() {
	awk -v a="$1" -v e="$2" -v p="$3" 'BEGIN { d = a - e; if (d < 0) d = -d;
		exit !(e > 0 && a != "" && d <= e * p / 100) }'
}
check() { # NAME ACTUAL EXPECTED PERCENT
	within "$2" "$3" "$4" || fail "$1: got '$2', expected $3 within $4%"
	echo "ok: $1 $2 vs $3 (within $4%)"
}

prof() { # TYPE [options...]: writes $tmp/TYPE.pb.gz
	t=$1
	shift
	"$CPROF_TRACE" pprof -t "$t" -o "$tmp/$t.pb.gz" --force "$@" "$tmp/trace" 2>"$tmp/$t.err" ||
		fail "pprof -t $t: $(cat "$tmp/$t.err")"
	cat "$tmp/$t.err"
	go tool pprof -raw "$tmp/$t.pb.gz" >"$tmp/$t.raw" 2>&1 || fail "go tool pprof -raw $t"
}

for t in sync mutex cpu heap syscall region threads; do
	prof $t
	# pprof names a profile after its first mapping: the program, not a library
	go tool pprof -top "$tmp/$t.pb.gz" 2>/dev/null | grep -q "^File: app$" ||
		fail "$t: go tool pprof does not name the program as the profile's file"
done
# ... also when started through a link of another name (Debian's
# redis-server is a link to redis-check-rdb) and busy in a library
# (sqlite3's work is in libsqlite3): the executable, not the library
if command -v sqlite3 >/dev/null 2>&1; then
	ln -s "$(command -v sqlite3)" "$tmp/linked-sqlite"
	"$CPROF_TRACE" record -o "$tmp/linked" -- "$tmp/linked-sqlite" :memory: \
		'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<3000000) SELECT sum(x) FROM c;' \
		>/dev/null 2>&1 || fail "record of a linked sqlite3"
	"$CPROF_TRACE" pprof -t cpu -o "$tmp/linked.pb.gz" "$tmp/linked" 2>/dev/null ||
		fail "pprof of a linked sqlite3"
	file=$(go tool pprof -top "$tmp/linked.pb.gz" 2>/dev/null | sed -n 's/^File: //p')
	[ "$file" = sqlite3 ] ||
		fail "a program started through a link: pprof names '$file' as the profile's file"
fi

check "sync: lock_it delay" "$(cum "$tmp/sync.pb.gz" lock_it -sample_index=delay)" "$(truth lock_wait_ns)" 10
check "sync: waiter delay" "$(cum "$tmp/sync.pb.gz" waiter -sample_index=delay)" "$(truth cond_wait_ns)" 10
grep -q 'test-pprof-app.c:[0-9]' "$tmp/sync.raw" || fail "sync: no file:line in -raw"
check "mutex: holder worker delay" "$(cum "$tmp/mutex.pb.gz" worker -sample_index=delay)" "$(truth lock_wait_ns)" 10
check "syscall: reader delay" "$(cum "$tmp/syscall.pb.gz" reader -sample_index=delay)" "$(truth read_wait_ns)" 10
check "heap: leak_it in use" "$(cum "$tmp/heap.pb.gz" leak_it -sample_index=inuse_space)" "$(truth leak_bytes)" 1
check "heap: leak_it allocated" "$(cum "$tmp/heap.pb.gz" leak_it -sample_index=alloc_space)" 2000000 1
# the program measured each region inside and around it (the spins aim
# at 200 and 400 ms but end late when preempted near their deadline, and
# a loaded machine may preempt it at the region's begin or end): the
# region lasts from one to the other, give or take 0.1 ms for the
# records' clock (within 1 us of CLOCK_MONOTONIC)
between() { # NAME ACTUAL LO HI
	awk -v a="$2" -v lo="$3" -v hi="$4" 'BEGIN { exit !(a != "" && a >= lo - 1e5 && a <= hi + 1e5) }' ||
		fail "$1: got '$2', the program measured $3..$4"
	echo "ok: $1 $2 within $3..$4"
}
p1=$(truth phase1_ns)
p2=$(truth phase2_ns)
i1=$(truth phase1_in_ns)
i2=$(truth phase2_in_ns)
between "region: phase1" "$(cum "$tmp/region.pb.gz" phase1)" "$i1" "$p1"
between "region: phase2" "$(cum "$tmp/region.pb.gz" phase2)" "$i2" "$p2"
between "region: task compute" "$(cum "$tmp/region.pb.gz" compute)" \
	"$(awk -v a="$i1" -v b="$i2" 'BEGIN { printf "%.0f", a + b }')" \
	"$(awk -v a="$p1" -v b="$p2" 'BEGIN { printf "%.0f", a + b }')"
check "threads: worker created" "$(cum "$tmp/threads.pb.gz" worker -sample_index=threads)" 2 0
grep -q 'lock_it' "$tmp/cpu.raw" || grep -q 'work' "$tmp/cpu.raw" || fail "cpu: no program function"

# filters
prof sync --thread waiter
grep -q "1 of [0-9]* waits on thread waiter" "$tmp/sync.err" || fail "--thread: $(cat "$tmp/sync.err")"
check "sync --thread waiter" "$(cum "$tmp/sync.pb.gz" waiter -sample_index=delay)" "$(truth cond_wait_ns)" 10
[ -z "$(cum "$tmp/sync.pb.gz" lock_it)" ] || fail "lock_it in sync --thread waiter"
prof cpu --region phase2
[ -z "$(cum "$tmp/cpu.pb.gz" work1)" ] || fail "work1 in cpu --region phase2"
[ -n "$(cum "$tmp/cpu.pb.gz" work2)" ] || fail "cpu --region phase2 lacks work2"
prof region --task compute --from 0 --to 100s
grep -q "2 of 2 regions" "$tmp/region.err" || fail "region --task: $(cat "$tmp/region.err")"
# a window: the waiter's wait spans the rest of the run from the
# program's log "waiting" (how long after the trace's start depends on the
# machine's load), clipped to 100 ms
w=$("$CPROF_TRACE" dump "$tmp/trace" | awk '$3 == "cprof:log" && /message = "waiting"/ { print $1; exit }')
[ -n "$w" ] || fail "no log 'waiting' in the trace"
from=$(awk -v w="$w" 'BEGIN { printf "%.3f", int(w * 1e6 + 1) / 1e3 }')
to=$(awk -v f="$from" 'BEGIN { printf "%.3f", f + 100 }')
prof sync --thread waiter --from "${from}ms" --to "${to}ms"
check "sync window ${from}ms-${to}ms" "$(cum "$tmp/sync.pb.gz" waiter -sample_index=delay)" 100000000 1
# labels: -tagfocus slices by region and thread
go tool pprof -top -tagfocus=region=phase1 "$tmp/region.pb.gz" 2>/dev/null >"$tmp/focus"
grep -q phase1 "$tmp/focus" && ! grep -q phase2 "$tmp/focus" || fail "-tagfocus=region=phase1"
prof sync
go tool pprof -top -tagfocus=thread=waiter "$tmp/sync.pb.gz" 2>/dev/null >"$tmp/focus"
grep -q waiter "$tmp/focus" && ! grep -q lock_it "$tmp/focus" || fail "-tagfocus=thread=waiter"

# a filter matching nothing: an error, and no file
rm -f "$tmp/none.pb.gz"
if "$CPROF_TRACE" pprof -t sync --task compute -o "$tmp/none.pb.gz" "$tmp/trace" 2>"$tmp/none.err"; then
	fail "an empty match exited 0"
fi
[ ! -e "$tmp/none.pb.gz" ] || fail "an empty match wrote a file"
grep -q "none of" "$tmp/none.err" || fail "empty match message: $(cat "$tmp/none.err")"
# never overwrite without --force; default name TYPE.pb.gz
mkdir "$tmp/out"
(cd "$tmp/out" && "$CPROF_TRACE" pprof -t region ../trace 2>/dev/null) || fail "default output"
[ -s "$tmp/out/region.pb.gz" ] || fail "no region.pb.gz"
if (cd "$tmp/out" && "$CPROF_TRACE" pprof -t region ../trace 2>"$tmp/exists.err"); then
	fail "overwrote without --force"
fi
grep -q "exists" "$tmp/exists.err" || fail "overwrite message: $(cat "$tmp/exists.err")"
(cd "$tmp/out" && "$CPROF_TRACE" pprof -t region --force ../trace 2>/dev/null) || fail "--force"
# bad options
"$CPROF_TRACE" pprof -t nosuch "$tmp/trace" 2>/dev/null && fail "unknown type accepted"
"$CPROF_TRACE" pprof -t sync --from 1x "$tmp/trace" 2>/dev/null && fail "bad time accepted"
if "$CPROF_TRACE" pprof -t sync --from 1000s -o "$tmp/late.pb.gz" "$tmp/trace" 2>"$tmp/late.err"; then
	fail "--from after the end of the trace accepted"
fi
grep -q "after the end of the trace" "$tmp/late.err" || fail "late --from message: $(cat "$tmp/late.err")"
[ ! -e "$tmp/late.pb.gz" ] || fail "a failed export left a file behind"
ls "$tmp"/*.tmp.* >/dev/null 2>&1 && fail "an export left a temporary file behind"
echo "all ok"
