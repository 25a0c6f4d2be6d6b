#!/bin/bash
# Programs nobody here wrote, as Debian ships them, under `cprof-trace
# record` and a real lttng-sessiond. Each runs untraced, then traced: the
# traced run must do what the untraced one did (stdout, stderr, files,
# exit status), and its trace must show what the program did, as
# cprof-trace stats and go tool pprof read it.
#   sqlite3       51k INSERTs in a transaction, an index, a join with
#                 aggregates, under --alloc=all: the same output and the
#                 same database file; as many allocations as heaptrack
#                 counts in the same run; the heap profile's top is
#                 libsqlite3's allocator.
#   make          make -j2 builds realprog-cpp/ with g++: the same objects
#                 and program, byte for byte; every compiler process (g++,
#                 cc1plus, as, collect2, ld) is in the trace and exited (a
#                 process killed by a signal has no exit); a build that
#                 fails exits 2 with the same errors. Then the program it
#                 built (threads, exceptions thrown and caught): the same
#                 output, its threads in the trace.
#   python        /usr/bin/python3 realprog-threads.py (threads, a queue, a
#                 contended lock, subprocess.run, zlib): the same output,
#                 the threads, the children and the lock waits in the
#                 trace, and CPU samples of what ran after the children.
#   clang-format  formats a C++ file, and checks one (--dry-run -Werror,
#                 exit 1): the same output and status; allocations in
#                 clang::format functions.
# Skipped (77) when the program is not installed.
# usage: test-realprog.sh CASE   (env CPROF_TRACE, CPROF_PRELOAD_LIB, SAMPLES_DIR)
. "$(dirname "$0")/test-diagnose-lib.sh"
set -o pipefail

case_name=$1
TEST_NAME="$TEST_NAME $case_name"
here=$(cd "$(dirname "$0")" && pwd)
ensure_sessiond

skip() {
	echo "SKIP: $TEST_NAME: $*"
	exit 77
}

need() { # PROGRAM PACKAGE
	[ -x "$1" ] || skip "$1 not installed (Debian package $2)"
}

# untraced NAME PROGRAM [ARGS...]: runs PROGRAM (stdin as given): stdout
# in $WORK/NAME.plain, stderr in $WORK/NAME.plain.err, status in $plain_rc.
untraced() {
	n=$1
	shift
	plain_rc=0
	"$@" >"$WORK/$n.plain" 2>"$WORK/$n.plain.err" || plain_rc=$?
}

# traced NAME [RECORD OPTIONS] -- PROGRAM [ARGS...]: the same under record,
# into the trace $WORK/NAME: stdout in $WORK/NAME.out, the program's stderr
# in $WORK/NAME.err (cprof-trace's own lines apart), status in $rc.
traced() {
	n=$1
	shift
	rc=0
	note "cprof-trace record -o $n $*"
	"$CPROF_TRACE" record -o "$WORK/$n" "$@" >"$WORK/$n.out" 2>"$WORK/$n.stderr" || rc=$?
	grep -v '^cprof-trace: ' "$WORK/$n.stderr" >"$WORK/$n.err" || true
	grep '^cprof-trace: ' "$WORK/$n.stderr" || true
}

# same NAME: the traced run's status, stdout and stderr are the untraced one's.
same() {
	n=$1
	[ "$rc" = "$plain_rc" ] || {
		cat "$WORK/$n.stderr" >&2
		fail "$n: exit status $rc under record, $plain_rc untraced"
	}
	for pair in plain:out plain.err:err; do
		cmp -s "$WORK/$n.${pair%:*}" "$WORK/$n.${pair#*:}" || {
			diff "$WORK/$n.${pair%:*}" "$WORK/$n.${pair#*:}" | head -20 >&2
			fail "$n: std${pair#*:} differs from the untraced run's"
		}
	done
	echo "$n: exit status $rc, stdout ($(wc -c <"$WORK/$n.out") bytes) and stderr as untraced"
}

# stats NAME: cprof-trace stats --json of the trace NAME into $WORK/NAME.json.
stats() {
	"$CPROF_TRACE" stats --json "$WORK/$1" >"$WORK/$1.json" 2>"$WORK/$1.json.err" ||
		fail "stats --json $1: $(cat "$WORK/$1.json.err")"
}

# check NAME WHAT: runs the Python on stdin with the stats of NAME as
# sys.argv[1] (and the further arguments after it); fails with WHAT when
# it exits non-zero.
check() {
	n=$1
	what=$2
	shift 2
	python3 - "$WORK/$n.json" "$@" || fail "$what"
}

case $case_name in
sqlite3)
	need /usr/bin/sqlite3 sqlite3
	awk 'BEGIN {
		print "CREATE TABLE cust(id INTEGER PRIMARY KEY, name TEXT, region INTEGER);"
		print "CREATE TABLE ord(id INTEGER PRIMARY KEY, cust INTEGER, amount INTEGER, note TEXT);"
		print "BEGIN;"
		for (i = 1; i <= 1000; i++)
			printf "INSERT INTO cust VALUES(%d, '\''customer-%d'\'', %d);\n", i, i, i % 7
		for (i = 1; i <= 50000; i++) {
			c = (i * 7919) % 1000 + 1
			printf "INSERT INTO ord VALUES(%d, %d, %d, '\''order %d of %d'\'');\n", \
				i, c, (i * 104729) % 9973, i, c
		}
		print "COMMIT;"
		print "CREATE INDEX ord_cust ON ord(cust);"
		print "SELECT c.region, count(*), sum(o.amount), max(o.note) FROM ord o"
		print "  JOIN cust c ON c.id = o.cust GROUP BY c.region ORDER BY c.region;"
		print "SELECT c.name, sum(o.amount) AS total FROM cust c JOIN ord o ON o.cust = c.id"
		print "  GROUP BY c.id ORDER BY total DESC, c.name LIMIT 5;"
	}' >"$WORK/load.sql"
	untraced sqlite3 /usr/bin/sqlite3 "$WORK/plain.db" <"$WORK/load.sql"
	traced sqlite3 --alloc=all -- /usr/bin/sqlite3 "$WORK/traced.db" <"$WORK/load.sql"
	same sqlite3
	[ "$rc" = 0 ] && [ "$(wc -l <"$WORK/sqlite3.out")" = 12 ] ||
		fail "sqlite3 did not answer both queries: $(cat "$WORK/sqlite3.out" "$WORK/sqlite3.err")"
	cmp "$WORK/plain.db" "$WORK/traced.db" || fail "the database file differs under record"

	stats sqlite3
	allocs=$(json_get "$WORK/sqlite3.json" heap allocs)
	if command -v heaptrack >/dev/null && command -v heaptrack_print >/dev/null; then
		# heaptrack (its own LD_PRELOAD) counts the allocation calls of
		# the same program on the same input.
		heaptrack -o "$WORK/heaptrack" /usr/bin/sqlite3 "$WORK/ht.db" <"$WORK/load.sql" \
			>"$WORK/ht.log" 2>&1 || fail "heaptrack: $(tail -5 "$WORK/ht.log")"
		counted=$(heaptrack_print -f "$WORK"/heaptrack.* 2>/dev/null |
			sed -n 's/^calls to allocation functions: \([0-9]*\).*/\1/p' || true)
		[ -n "$counted" ] || fail "no allocation count in heaptrack_print's output"
		echo "allocations: $allocs in the trace, $counted counted by heaptrack"
		awk -v a="$allocs" -v h="$counted" 'BEGIN { d = a - h; exit !(d * d <= (h / 100) ^ 2) }' ||
			fail "$allocs allocations in the trace, heaptrack counted $counted (1% allowed)"
	else
		# Without heaptrack: sqlite3 allocates a statement for each of
		# the 51,000 INSERTs at least.
		echo "allocations: $allocs in the trace (heaptrack not installed)"
		ge "$allocs" 51000 || fail "$allocs allocations in the trace, fewer than the INSERTs"
	fi

	heap=$(profile sqlite3 heap)
	pprof_top "$heap" -sample_index=alloc_objects >"$WORK/sqlite3.top"
	head -30 "$WORK/sqlite3.top"
	total=$(total_of <"$WORK/sqlite3.top")
	[ "$total" = "$allocs" ] || fail "the heap profile holds $total allocations, stats $allocs"
	# Debian's libsqlite3 exports its internal functions: named in stacks.
	malloc_cum=$(value_of sqlite3Malloc cum <"$WORK/sqlite3.top")
	prepare_cum=$(value_of sqlite3_prepare_v2 cum <"$WORK/sqlite3.top")
	ge "$malloc_cum" "$((total * 9 / 10))" ||
		fail "sqlite3Malloc is under $malloc_cum of $total allocations, expected 90%"
	ge "$prepare_cum" 51000 ||
		fail "sqlite3_prepare_v2 (parsing the INSERTs) is under only $prepare_cum allocations"
	;;
make)
	need /usr/bin/make make
	need /usr/bin/g++ g++
	src=$WORK/src
	cp -r "$here/realprog-cpp" "$src"
	untraced make make -j2 -C "$src"
	[ "$plain_rc" = 0 ] || fail "the untraced build failed: $(cat "$WORK/make.plain.err")"
	mkdir "$WORK/ref"
	cp "$src"/*.o "$src/app" "$WORK/ref/"
	make -s -C "$src" clean
	# in the same directory as the untraced build, byte for byte comparable
	traced make -- make -j2 -C "$src"
	same make
	for f in "$WORK"/ref/*; do
		cmp "$f" "$src/${f##*/}" || fail "${f##*/} built under record differs from the untraced build's"
	done
	echo "make: $(ls "$WORK/ref" | wc -l) files built under record, byte for byte the untraced build's"
	stats make
	check make "the compiler processes are not all in the trace, or one did not exit" <<'PY'
import collections, json, sys
procs = json.load(open(sys.argv[1]))["processes"]
names = collections.Counter(p["name"] for p in procs)
print("processes:", dict(names))
# 6 compilations (g++, cc1plus, as) and one link (g++, collect2, ld)
want = {"make": 1, "g++": 7, "cc1plus": 6, "as": 6, "collect2": 1, "ld": 1}
missing = {n: (names[n], k) for n, k in want.items() if names[n] != k}
unended = [(p["pid"], p["name"]) for p in procs if not p["end_ns"]]
print("counts differing (seen, expected):", missing, "without an exit:", unended)
sys.exit(1 if missing or unended else 0)
PY

	untraced make-broken make -C "$src" broken
	traced make-broken -- make -C "$src" broken
	same make-broken
	[ "$rc" = 2 ] || fail "make broken exited $rc, expected 2"

	untraced app "$src/app"
	traced app -- "$src/app"
	same app
	[ "$rc" = 0 ] && grep -qx 'thread caught from a thread' "$WORK/app.out" ||
		fail "the C++ program did not run to its end: $(cat "$WORK/app.out")"
	stats app
	check app "the C++ program's threads are not in the trace" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
pid = s["processes"][0]["pid"]
# four summing threads and one throwing, each started and joined
threads = [t for t in s["threads"] if t["pid"] == pid and t["parent_tid"] == pid and
           t["start_ns"] and t["end_ns"]]
print("threads:", [(t["tid"], t["name"], t["events"]) for t in s["threads"]])
sys.exit(0 if len(threads) == 5 else 1)
PY
	;;
python)
	need /usr/bin/python3 python3
	untraced python /usr/bin/python3 "$here/realprog-threads.py"
	traced python -- /usr/bin/python3 "$here/realprog-threads.py"
	same python
	[ "$rc" = 0 ] && grep -q '^compressed ' "$WORK/python.out" ||
		fail "python3 did not run to its end: $(cat "$WORK/python.out" "$WORK/python.err")"
	stats python
	check python "the threads, children or lock waits of python3 are not in the trace" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
py = [p for p in s["processes"] if p["name"].startswith("python3")]
pid = py[0]["pid"] if len(py) == 1 else -1
workers = [t for t in s["threads"] if t["pid"] == pid and t["parent_tid"] == pid and
           t["start_ns"] and t["end_ns"]]
children = [p for p in s["processes"] if p["ppid"] == pid and p["name"] == "true" and p["end_ns"]]
kinds = s["sync"]["kinds"]
frames = {f for st in s["sync"]["top_stacks"] for f in st["frames"]}
print("python3:", py, "workers:", len(workers), "children:", len(children))
print("waits:", {k: v["count"] for k, v in kinds.items()})
ok = (len(workers) == 4 and len(children) == 3 and
      # threading.Lock and Thread.join: a semaphore in CPython; the GIL:
      # a condition variable
      kinds.get("sem", {}).get("count", 0) >= 1 and kinds.get("cond", {}).get("count", 0) >= 1 and
      "PyThread_acquire_lock_timed" in frames)
sys.exit(0 if ok else 1)
PY
	check python "the trace says CPU sampling stopped, but python3 never took SIGPROF" <<'PY'
import json, sys
w = json.load(open(sys.argv[1]))["warnings"]
print("warnings:", w)
sys.exit(1 if any("SIGPROF" in x for x in w) else 0)
PY
	# zlib.compress runs after the children: CPU samples in deflate.
	cpu=$(profile python cpu)
	pprof_top "$cpu" -unit=s >"$WORK/python.top"
	head -20 "$WORK/python.top"
	deflate=$(value_of deflate cum <"$WORK/python.top")
	echo "CPU samples in deflate: ${deflate}s"
	# about 0.8 s of CPU in zlib untraced, 100 samples a second
	ge "$deflate" 0.2 || fail "only ${deflate}s of CPU samples in deflate, after the children ran"
	;;
clang-format)
	need /usr/bin/clang-format clang-format
	# the C++ project's sources with their indentation removed
	sed 's/^[[:space:]]*//' "$here"/realprog-cpp/*.cpp "$here/realprog-cpp/parts.h" >"$WORK/in.cpp"
	untraced fmt /usr/bin/clang-format --style=LLVM "$WORK/in.cpp"
	traced fmt --alloc=all -- /usr/bin/clang-format --style=LLVM "$WORK/in.cpp"
	same fmt
	[ "$rc" = 0 ] && ! cmp -s "$WORK/in.cpp" "$WORK/fmt.out" || fail "clang-format changed nothing"
	untraced fmt-check /usr/bin/clang-format --style=LLVM --dry-run -Werror "$WORK/in.cpp"
	traced fmt-check -- /usr/bin/clang-format --style=LLVM --dry-run -Werror "$WORK/in.cpp"
	same fmt-check
	[ "$rc" = 1 ] || fail "clang-format --dry-run -Werror exited $rc on unformatted code, expected 1"
	heap=$(profile fmt heap)
	pprof_top "$heap" -sample_index=alloc_objects >"$WORK/fmt.top"
	head -20 "$WORK/fmt.top"
	grep -q ' clang::format::' "$WORK/fmt.top" || fail "no clang::format function allocates in the heap profile"
	;;
*)
	fail "unknown case"
	;;
esac
echo "PASS: $TEST_NAME"
