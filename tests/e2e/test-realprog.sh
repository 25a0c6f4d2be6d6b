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
#   make-c        make -j2 builds realprog-c/ with gcc -flto (lto-wrapper,
#                 lto1) into a position-dependent program (-no-pie) and a
#                 static one: the same objects and programs, byte for byte;
#                 every compiler process in the trace and exited. The
#                 -no-pie program's three threads: the same output and
#                 status, its CPU samples named crunch_numbers and main by
#                 go tool pprof. The static one: the same output and
#                 status, and record's one line saying it is not traced.
#   python        /usr/bin/python3 realprog-threads.py (threads, a queue, a
#                 contended lock, subprocess.run, zlib): the same output,
#                 the threads, the children and the lock waits in the
#                 trace, and CPU samples of what ran after the children.
#   clang-format  formats a C++ file, and checks one (--dry-run -Werror,
#                 exit 1): the same output and status; allocations in
#                 clang::format functions.
#   xz            xz -T2 compresses in blocks on two threads, then tests
#                 the file: the same .xz byte for byte; both compressing
#                 threads are lanes, each with CPU samples in liblzma (its
#                 threads start with every signal blocked); the viewer's
#                 threads panel gives both their CPU.
#   zstd          zstd -T2 -19 under --alloc=all: the same .zst and its
#                 round trip; two worker threads with CPU samples in zstd;
#                 every profile kind read by go tool pprof; dump's events.
#   git           git clone --no-local of a local repository (upload-pack
#                 through sh -c, pack-objects, index-pack), git log and git
#                 gc on the clone: the same output and repository; every
#                 process of the tree is in the trace and ended, the shells
#                 (dash ends with _exit) too.
#   cppcheck      cppcheck -j2 checks the C++ project in forked children:
#                 the same findings; each child one thread, none of our own
#                 (the tracer's flusher) among the program's threads or
#                 blocking calls.
#   memcached     cprof-trace serve -- memcached -t 2 under memcslap: go tool
#                 pprof reads the live CPU profile (the mc-worker threads in
#                 sendmsg/read), the heap and the threads' state; memcached
#                 ends on SIGINT and serve with it.
#   sort          sort --parallel=2 of 3,000,000 shuffled numbers: sort
#                 takes SIGPROF (its temporary files' cleanup): the same
#                 output, CPU samples in sort's own code on two threads,
#                 no warning that sampling stopped; a SIGPROF sent from
#                 outside still runs sort's handler (its temporary files
#                 removed, the program ended by the signal).
#   sigprof-kill  realprog-sigprof kill: its handler counts all 200 of the
#                 SIGPROFs it sends itself, none of ours, while its CPU is
#                 sampled; SIG_IGN keeps its meaning; a handler that ends
#                 with signal(SIG_DFL) and raise, as sort's, ends it.
#   sigprof-block realprog-sigprof block: threads that block SIGPROF are
#                 sampled, and see their mask, a pending SIGPROF and
#                 sigwait as untraced.
#   sigprof-onstack  realprog-sigprof onstack, Go's runtime in C: a SIGPROF
#                 handler with SA_ONSTACK, code on a 4 KiB stack of the heap
#                 sends itself 100 SIGPROFs while sampled: the handler ran
#                 each time on the alternate stack, nothing written below
#                 the small stack (our handler ran where it was
#                 interrupted: 2.9 KB below it written, the program's
#                 handler off its stack); CPU samples in its spin.
#   altstack      realprog-odd altstack: a handler on an 8 KiB alternate
#                 signal stack carved out of the heap computes while the
#                 CPU is sampled: the same output, nothing written below
#                 the stack (our handler ran there too and overflowed it:
#                 heap damage, an abort at free); with 16 KiB, CPU samples
#                 in the handler's function.
#   longjmp       realprog-odd longjmp: reads ended by siglongjmp from a
#                 SIGALRM handler, then a 60 ms read and a 40 ms usleep:
#                 both are in the trace's blocking calls (they were lost,
#                 the thread taken to be inside the read it had left).
#   exec          realprog-odd exec: forty stacks of blocking calls and
#                 0.3 s of CPU, then it executes itself: the new image's
#                 0.3 s of CPU and its 40 ms usleep are in the profiles
#                 under its own functions (its stack ids, numbered from 1
#                 again, were read as the first image's stacks). Under
#                 --alloc=all, the 100 allocations of 100,000 bytes the
#                 first image made just before exec are all in the trace
#                 (the records it had buffered were lost at exec).
#   thread-exec   realprog-odd thread-exec: a worker thread executes the
#                 program while two others wait: the same output; the
#                 other threads end at the exec, before the new image's
#                 0.3 s of CPU, one thread alive at the end (they ran to
#                 the trace's end); the new image's CPU under its own
#                 function.
#   heap-exec     realprog-odd heap-exec under --alloc=all: 64 MiB kept,
#                 then exec: stats' heap in use at the end and the heap
#                 profile's inuse_space (go tool pprof) leave out what
#                 the exec discarded (the 64 MiB stayed in use).
#   dl-swap       realprog-odd dl-swap: 0.3 s of CPU in library A's
#                 spin_a, dlclose, then 0.3 s in library B's spin_b, which
#                 the loader maps at A's base (skipped when it did not):
#                 go tool pprof shows each function with its own samples
#                 (B's were spin_a's: the first library held the addresses).
#   tar           tar czf under --alloc=all (tar forks, the child executes
#                 sh -c gzip, which forks and executes gzip): the same
#                 archive; tar, sh and gzip in the trace, tar and sh with
#                 their allocations; no record counted lost (lttng-ust's own
#                 waits and frees in each fork child, before the session
#                 daemon registered it, sent batches out that were never
#                 recorded: 16 or 197 records "lost" for every child).
#   java          OpenJDK (a C++ program: its own signal handlers, a JIT, a
#                 garbage collector's threads) runs realprog-java/Hash.java:
#                 four threads hash new arrays, then a null dereference
#                 its SIGSEGV handler turns into an exception: the same
#                 output; the JVM's threads by their names (GC Thread#0,
#                 the compiler threads, Thread-0..3); go tool pprof's CPU
#                 profile has each of the four threads (0.05 s or more) in libjvm's
#                 ObjectSynchronizer::FastHashCode; with the JVM's perf map
#                 (-XX:+DumpPerfMapAtExit) its JIT-compiled frames by name
#                 (Hash.lambda$main$0: they were 0xADDRESS), also once the
#                 map is gone (record stored the names in the trace).
#   java-npe      OpenJDK with its signal chaining library (libjsig.so in
#                 LD_PRELOAD) runs realprog-java/Npe.java under --cpu-rate=1000
#                 --alloc=all: four pool threads catch 13 million
#                 NullPointerExceptions (compiled code's implicit null checks:
#                 SIGSEGVs the JVM's handler turns into exceptions), eight
#                 named threads build strings: the same output, stderr and
#                 status (record's own signal() call printed libjsig's
#                 deprecation warning); record says 0 lost; the threads by
#                 name; each pool thread with CPU samples in Npe.work, named
#                 from the JVM's perf map.
#   go            realprog-go, a Go program with cgo (dynamically linked):
#                 goroutines on 2 KiB stacks spin, then C code and a child;
#                 once alone, once under its own profiler (runtime/pprof):
#                 the same output and exit status (SIGSEGV, "unexpected
#                 return pc": our samples wrote their signal frame below a
#                 goroutine's stack; "non-Go code set up signal handler
#                 without SA_ONSTACK flag": its SIGPROF handler was called
#                 off Go's signal stack); its own profile names main.spin,
#                 ours too; go-app and echo in the trace, nothing lost.
#   node          node --perf-basic-prof computes Fibonacci numbers: the
#                 same output; go tool pprof names V8's JIT frames from its
#                 perf map (fib), also once the map is gone.
#   node-workers  node --perf-basic-prof: a timer, two worker_threads
#                 computing Fibonacci numbers, a child by execFileSync (sh)
#                 and one by spawn (node, exit 5), sha256: the same output and
#                 status (7); both node processes and sh in the trace, the
#                 Workers' threads each with CPU samples in fib, nothing lost.
#   gdb           gdb -batch -ex run of sort --parallel=2: gdb's output as
#                 untraced but for its lines about threads (the traced sort
#                 has lttng-ust's and ours too), the same sorted file; gdb
#                 and sort in the trace. ("Couldn't read debug register: No
#                 such process" in 5 runs of 5, sort left running: lttng-ust's
#                 exit sent its listeners the cancel signal and ended the
#                 process without waiting; gdb lost the thread it stopped.)
#   valgrind      valgrind -q --error-exitcode=9 sort --parallel=2 (memcheck
#                 runs sort with its environment: sort is traced): exit
#                 status 0 and no error, as untraced (memcheck reported our
#                 unwinds' stack reads as sort's errors, 33 of them: exit 9);
#                 no word that the static memcheck tool is not traced.
#   nofile        /usr/bin/python3 opens /dev/null until EMFILE under
#                 ulimit -n 64 and exits normally: exit status 0 and the
#                 same output (glibc could not load libgcc_s.so.1 for
#                 lttng-ust's pthread_cancel at exit and aborted it).
#   bwrap         bubblewrap runs sh and python3 in a PID namespace of their
#                 own (--unshare-pid): the same output; sh and python3 are
#                 in the trace with python's 60 ms sleep (LTTng's process
#                 tracker was given the pids they saw, 2 and 3, not the
#                 session daemon's view of them: none of their events was
#                 recorded).
#   stack-limit   /usr/bin/python3 under ulimit -s 100000000 (95 GiB: no
#                 thread can get its stack, lttng-ust's listeners neither):
#                 exit status 0 and the same output (lttng-ust cancelled
#                 the listener it never had, handle 0, at exit: SIGSEGV).
#   setpriv       setpriv --reuid=nobody --regid=nogroup --clear-groups (and
#                 --init-groups) -- sh -c 'id; sleep 0.1', as container
#                 entrypoints drop root, then runuser -u nobody: the same
#                 output and status (setpriv keeps its capabilities across
#                 setresuid on its own thread only, and glibc aborted it
#                 at setresgid, exit 134, when the threads lttng-ust and we
#                 add failed it); sh, id and sleep in the trace, with the
#                 100 ms sleep. Then realprog-odd setxid, a program
#                 alone or with four threads dropping root: every thread
#                 of the process, ours too, ends as 65534 without
#                 capabilities.
#                 Root only.
#   chromium      Debian's Chromium --headless --dump-dom of a page whose
#                 script computes its text (--no-sandbox --no-zygote: its
#                 zygote needs a single-threaded process): the same DOM
#                 and status; the browser, renderer and other processes
#                 in the trace (a clone() child in a new user namespace
#                 was given lttng-ust's threads: 'No usable sandbox!').
#   userns        realprog-odd userns: a clone() child in a new user
#                 namespace has one thread, as untraced (liblttng-ust-fork
#                 started lttng-ust's two listener threads in it).
#   seccomp-tsync realprog-odd seccomp-tsync: a seccomp filter on every
#                 thread (TSYNC) that denies recvmsg, sendmsg, close and
#                 clock_nanosleep, then one that denies only recvmsg and
#                 sendmsg (lttng-ust's listener threads'), under record,
#                 then under serve with a capture while it runs: the same
#                 output and exit status (it died of SIGSYS), and the
#                 trace's warning.
# Skipped (77) when the program is not installed.
# usage: test-realprog.sh CASE   (env CPROF_TRACE, CPROF_PRELOAD_LIB, SAMPLES_DIR,
#                                SIGPROF_APP, ODD_APP, DL_LIB_A, DL_LIB_B)
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

# both NAME PROGRAM [ARGS...]: untraced, then traced with record's default
# options; shows the traced output and fails unless it is the untraced one's.
both() {
	n=$1
	shift
	untraced "$n" "$@"
	traced "$n" -- "$@"
	cat "$WORK/$n.out"
	same "$n"
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

# text FILE BYTES: BYTES of deterministic, compressible text (words).
text() {
	python3 - "$1" "$2" <<'PY'
import random, sys
r = random.Random(1)
words = ["".join(r.choice("abcdefghijklmnop") for _ in range(r.randint(2, 9))) for _ in range(5000)]
out, n = [], 0
while n < int(sys.argv[2]):
    line = " ".join(r.choice(words) for _ in range(8)) + "\n"
    out.append(line)
    n += len(line)
open(sys.argv[1], "w").write("".join(out)[: int(sys.argv[2])])
PY
}

# jit_names NAME FUNCTION SECONDS: the CPU profile of trace NAME, whose
# program wrote a perf map (/tmp/perf-PID.map) of its JIT's code, has
# FUNCTION (a part of a frame's name) with at least SECONDS of cum; then
# again with the map moved away (the names are stored in the trace). The
# maps are removed.
jit_names() {
	maps=$(python3 -c 'import json, sys
for p in json.load(open(sys.argv[1]))["processes"]: print("/tmp/perf-%d.map" % p["pid"])' \
		"$WORK/$1.json" | while read -r f; do if [ -f "$f" ]; then echo "$f"; fi; done)
	[ -n "$maps" ] || fail "$1 wrote no perf map"
	short=""
	for pass in map stored; do
		if [ $pass = stored ]; then
			mkdir -p "$WORK/maps"
			mv $maps "$WORK/maps/"
		fi
		cpu=$(PROFILE_OUT=$1-jit-$pass profile "$1" cpu)
		go tool pprof -top -unit=s "$cpu" >"$cpu.top" 2>"$cpu.top.err" ||
			fail "go tool pprof: $(cat "$cpu.top.err")"
		got=$(top_rows <"$cpu.top" | awk -v f="$2" 'index($0, f) { if ($2 > c) c = $2 } END { print c + 0 }')
		echo "$1 ($pass): CPU in JIT frames named $2: ${got}s cum"
		ge "$got" "$3" || { head -20 "$cpu.top" >&2; short="$short $pass"; }
	done
	[ -z "$short" ] || fail "$1 ($short ): under ${3}s in $2"
}

# thread_cpu PROFILE MODULE PARENT: for each thread of the CPU profile,
# "TID SECONDS" of its samples whose stack holds a frame of MODULE (a
# function name part, or a library's file name).
thread_cpu() {
	go tool pprof -traces "$1" 2>/dev/null | python3 -c '
import collections, re, sys
mod = sys.argv[1]
cpu = collections.Counter()
units = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
tid, value, hit = None, 0.0, False
def done():
    if tid is not None and hit:
        cpu[tid] += value
for line in sys.stdin:
    if line.startswith("-----"):
        done()
        tid, value, hit = None, 0.0, False
        continue
    m = re.match(r"\s+tid:\s+(\d+)", line)
    if m:
        tid = int(m.group(1))
        continue
    m = re.match(r"\s+([0-9.]+)(ns|us|ms|s)\s+(\S.*)", line)
    if m:
        value = float(m.group(1)) * units[m.group(2)]
        line = "  " + m.group(3)
    if mod in line:
        hit = True
done()
for t, v in sorted(cpu.items()):
    print(t, round(v, 3))
' "$2"
}

# cpu_top NAME: the CPU profile of the trace NAME in $cpu, as go tool pprof
# -top reads it (seconds) in $cpu.top; shows its first rows.
cpu_top() {
	cpu=$(profile "$1" cpu)
	pprof_top "$cpu" -unit=s >/dev/null
	head -8 "$cpu.top"
}

# no_sigprof_warning NAME: the trace NAME does not say that CPU sampling stopped.
no_sigprof_warning() {
	check "$1" "the trace says CPU sampling stopped" <<'PY'
import json, sys
w = json.load(open(sys.argv[1]))["warnings"]
print("warnings:", w)
sys.exit(1 if any("SIGPROF" in json.dumps(x) for x in w) else 0)
PY
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
make-c)
	need /usr/bin/make make
	need /usr/bin/gcc gcc
	src=$WORK/src
	cp -r "$here/realprog-c" "$src"
	untraced make-c make -j2 -C "$src"
	[ "$plain_rc" = 0 ] || fail "the untraced build failed: $(cat "$WORK/make-c.plain.err")"
	mkdir "$WORK/ref"
	cp "$src"/*.o "$src/app" "$src/app-static" "$WORK/ref/"
	make -s -C "$src" clean
	traced make-c -- make -j2 -C "$src"
	same make-c
	for f in "$WORK"/ref/*; do
		cmp "$f" "$src/${f##*/}" || fail "${f##*/} built under record differs from the untraced build's"
	done
	echo "make-c: $(ls "$WORK/ref" | wc -l) files built under record, byte for byte the untraced build's"
	stats make-c
	check make-c "the compiler processes are not all in the trace, or one did not exit" <<'PY'
import collections, json, sys
s = json.load(open(sys.argv[1]))
procs = s["processes"]
names = collections.Counter(p["name"] for p in procs)
print("processes:", dict(names))
# 4 compilations (gcc, cc1, as) and two links (gcc, collect2, lto-wrapper,
# lto1 and its as, ld)
want = {"gcc": 6, "cc1": 4, "collect2": 2, "ld": 2, "lto-wrapper": 2}
missing = {n: (names[n], k) for n, k in want.items() if names[n] < k}
if names["lto1"] < 2:
    missing["lto1"] = (names["lto1"], 2)
unended = [(p["pid"], p["name"]) for p in procs if not p["end_ns"]]
print("counts short (seen, expected):", missing, "without an exit:", unended)
if s["lost_events"] or s["lost_records"]:
    sys.exit("FAIL: events lost")
sys.exit(1 if missing or unended else 0)
PY

	# the position-dependent program: CPU samples named from its symbols
	untraced app-nopie "$src/app"
	traced app-nopie -- "$src/app"
	cat "$WORK/app-nopie.out"
	same app-nopie
	[ "$rc" = 5 ] || fail "app exited $rc, 5 expected"
	stats app-nopie
	check app-nopie "the program's three threads are not in the trace" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print("threads:", [(t["tid"], t["name"], t["events"]) for t in s["threads"]])
sys.exit(0 if len(s["threads"]) == 3 else 1)
PY
	cpu_top app-nopie
	c=$(value_of crunch_numbers flat <"$cpu.top")
	m=$(value_of main cum <"$cpu.top")
	echo "app (-no-pie): ${c}s of CPU samples in crunch_numbers, ${m}s under main"
	ge "$c" 0.4 || fail "only ${c}s of CPU samples in crunch_numbers (0.6 s of CPU)"
	ge "$m" 0.15 || fail "only ${m}s of CPU samples under main"

	# the static one cannot be preloaded: said in one line, run as is
	untraced app-static "$src/app-static"
	traced app-static -- "$src/app-static"
	same app-static
	[ "$(grep -c '^cprof-trace: .*statically linked' "$WORK/app-static.stderr")" = 1 ] ||
		fail "record did not say once that app-static is statically linked"
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
xz)
	need /usr/bin/xz xz-utils
	text "$WORK/in.txt" 3000000
	# 8 blocks of 384 KiB: both threads get work
	untraced xz /usr/bin/xz -T2 -6 --block-size=384KiB -c "$WORK/in.txt"
	traced xz -- /usr/bin/xz -T2 -6 --block-size=384KiB -c "$WORK/in.txt"
	same xz
	[ "$rc" = 0 ] && /usr/bin/xz -t <"$WORK/xz.out" || fail "xz -T2 under record wrote no valid .xz"
	stats xz
	check xz "xz -T2's two compressing threads are not in the trace" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
pid = s["processes"][0]["pid"]
# xz ends without joining them (lzma_end is skipped): started, not ended
workers = [t for t in s["threads"] if t["pid"] == pid and t["parent_tid"] == pid and t["start_ns"]]
print("threads:", [(t["tid"], t["parent_tid"], t["events"]) for t in s["threads"]])
sys.exit(0 if len(workers) == 2 else 1)
PY
	cpu=$(profile xz cpu)
	pprof_top "$cpu" -unit=s | head -12
	workers=$(python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
print(" ".join(str(t["tid"]) for t in s["threads"] if t["parent_tid"] == s["processes"][0]["pid"]))' "$WORK/xz.json")
	thread_cpu "$cpu" liblzma >"$WORK/xz.cpu"
	echo "CPU seconds in liblzma per thread:" $(cat "$WORK/xz.cpu")
	# about 1.4 s of CPU in all untraced, 100 samples a second
	for w in $workers; do
		v=$(awk -v t="$w" '$1 == t { print $2 }' "$WORK/xz.cpu")
		ge "${v:-0}" 0.2 || fail "compressing thread $w has ${v:-0}s of CPU samples in liblzma, expected 0.2s at least"
	done
	# the viewer: both threads as lanes with their CPU (threads panel)
	SDL_VIDEODRIVER=offscreen "$CPROF_TRACE" view --screenshot "$WORK/xz.png" --size 1280x700 \
		--tab threads --print-panel "$WORK/xz" >"$WORK/xz.panel" 2>"$WORK/xz.view.err" ||
		fail "view --screenshot of the xz trace failed: $(cat "$WORK/xz.view.err")"
	[ -s "$WORK/xz.png" ] || fail "view wrote no screenshot"
	python3 - "$WORK/xz.panel" $workers <<'PY' || fail "the viewer's threads panel does not give both compressing threads CPU"
import json, sys
p = json.load(open(sys.argv[1]))
cpu = {t["tid"]: t["cpu_ns"] for t in p["threads"]}
print("threads panel cpu_ns:", cpu)
sys.exit(0 if all(cpu.get(int(w), 0) >= 200000000 for w in sys.argv[2:]) else 1)
PY
	;;
zstd)
	need /usr/bin/zstd zstd
	text "$WORK/in.txt" 3000000
	# a 256 KiB window: jobs of 1 MiB, three for the two workers
	untraced zstd /usr/bin/zstd -T2 -19 --zstd=wlog=18 -q -c "$WORK/in.txt"
	traced zstd --alloc=all -- /usr/bin/zstd -T2 -19 --zstd=wlog=18 -q -c "$WORK/in.txt"
	same zstd
	/usr/bin/zstd -d -q -c "$WORK/zstd.out" | cmp - "$WORK/in.txt" ||
		fail "the .zst written under record does not decompress to the input"
	stats zstd
	cpu=$(profile zstd cpu)
	pprof_top "$cpu" -unit=s | head -12
	thread_cpu "$cpu" zstd+ >"$WORK/zstd.cpu"
	echo "CPU seconds in zstd per thread:" $(cat "$WORK/zstd.cpu")
	check zstd "zstd -T2's two workers are not threads with CPU samples in zstd" "$WORK/zstd.cpu" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
pid = s["processes"][0]["pid"]
cpu = dict(map(float, l.split()) for l in open(sys.argv[2]))
started = [t["tid"] for t in s["threads"] if t["parent_tid"] == pid and t["start_ns"] and t["end_ns"]]
busy = [t for t in started if cpu.get(t, 0) >= 0.15]
print("threads started and joined:", started, "with 0.15s or more in zstd:", busy)
sys.exit(0 if len(busy) >= 2 else 1)
PY
	allocs=$(json_get "$WORK/zstd.json" heap allocs)
	ge "$allocs" 10 || fail "only $allocs allocations recorded under --alloc=all"
	# every profile kind pprof offers, read by go tool pprof
	for type in sync mutex cpu heap syscall region threads goroutine; do
		# a kind the trace has nothing of is refused with one line
		if ! "$CPROF_TRACE" pprof -t "$type" -o "$WORK/all-$type.pb.gz" "$WORK/zstd" \
			>"$WORK/zstd-$type.log" 2>&1; then
			grep -q 'the trace holds no' "$WORK/zstd-$type.log" ||
				fail "pprof -t $type failed: $(cat "$WORK/zstd-$type.log")"
			echo "$type: $(grep -v 'no symbols' "$WORK/zstd-$type.log")"
			continue
		fi
		p=$WORK/all-$type.pb.gz
		go tool pprof -top "$p" >"$p.top" 2>&1 || { cat "$p.top" >&2; fail "go tool pprof cannot read the $type profile"; }
		echo "$type: $(grep -m1 'Total\|total' "$p.top")"
	done
	"$CPROF_TRACE" dump "$WORK/zstd" >"$WORK/zstd.dump" 2>"$WORK/zstd.dump.err" || fail "dump failed"
	for ev in thread_start thread_exit cpu_sample alloc; do
		grep -q "cprof:$ev " "$WORK/zstd.dump" || fail "no cprof:$ev in dump's output"
	done
	;;
git)
	need /usr/bin/git git
	export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t \
		GIT_COMMITTER_EMAIL=t@t GIT_AUTHOR_DATE='2020-01-01T00:00:00Z' \
		GIT_COMMITTER_DATE='2020-01-01T00:00:00Z'
	git init -q "$WORK/repo"
	for i in $(seq 1 25); do
		seq "$i" 3000 >"$WORK/repo/f$((i % 7))"
		git -C "$WORK/repo" add -A
		git -C "$WORK/repo" commit -qm "change $i"
	done
	# --no-local: upload-pack (started through sh -c), pack-objects and
	# index-pack, as a clone over the network
	cl() { rm -rf "$WORK/cl" && git clone -q --no-local "$WORK/repo" "$WORK/cl" &&
		git -C "$WORK/cl" log --stat --format='%H %s' | md5sum &&
		git -C "$WORK/cl" gc -q --aggressive && git -C "$WORK/cl" count-objects -v |
		grep -v size; }
	export -f cl
	export WORK
	untraced gitclone bash -c cl
	git -C "$WORK/cl" rev-parse HEAD >"$WORK/head.plain"
	traced gitclone -- bash -c cl
	same gitclone
	git -C "$WORK/cl" rev-parse HEAD | cmp - "$WORK/head.plain" || fail "the clone under record has another HEAD"
	git -C "$WORK/cl" fsck >"$WORK/fsck.out" 2>&1 || fail "git fsck of the clone made under record failed"
	stats gitclone
	check gitclone "the processes of git clone are not all in the trace, or not all ended" <<'PY'
import collections, json, sys
procs = json.load(open(sys.argv[1]))["processes"]
names = collections.Counter(p["name"] for p in procs)
unended = [(p["pid"], p["name"]) for p in procs if not p["end_ns"]]
print("processes:", dict(names), "without an exit:", unended)
# clone, upload-pack's sh, git-upload-pack, pack-objects, index-pack, log,
# gc and what gc runs
sys.exit(0 if names["sh"] >= 1 and names["git-upload-pack"] == 1 and names["git"] >= 8 and
         not unended else 1)
PY
	;;
cppcheck)
	need /usr/bin/cppcheck cppcheck
	cp -r "$here/realprog-cpp" "$WORK/src"
	untraced cppcheck /usr/bin/cppcheck -j2 --enable=warning,style -q "$WORK/src"
	traced cppcheck -- /usr/bin/cppcheck -j2 --enable=warning,style -q "$WORK/src"
	same cppcheck
	grep -q 'style:' "$WORK/cppcheck.err" || fail "cppcheck found nothing: $(cat "$WORK/cppcheck.err")"
	stats cppcheck
	check cppcheck "cppcheck's children are not one thread each" "$(ls "$WORK"/src/*.cpp | wc -l)" <<'PY'
import collections, json, sys
s = json.load(open(sys.argv[1]))
root = s["processes"][0]["pid"]
children = [p["pid"] for p in s["processes"] if p["ppid"] == root]
per = collections.Counter(t["pid"] for t in s["threads"])
print("children:", len(children), "threads per process:", dict(per))
# one child per source file, each single-threaded as cppcheck is
sys.exit(0 if len(children) == int(sys.argv[2]) and all(per[c] == 1 for c in children) else 1)
PY
	sys=$(profile cppcheck syscall)
	go tool pprof -traces "$sys" >"$WORK/cppcheck.traces" 2>&1 || fail "go tool pprof cannot read the syscall profile"
	! grep -q 'flusher\|batch\.c' "$WORK/cppcheck.traces" ||
		fail "the tracer's own thread is in the program's blocking calls: $(grep -m3 -B4 flusher "$WORK/cppcheck.traces")"
	;;
memcached)
	need /usr/bin/memcached memcached
	need /usr/bin/memcslap libmemcached-tools
	port=$((20000 + RANDOM % 20000))
	"$CPROF_TRACE" serve --listen 127.0.0.1:0 -- /usr/bin/memcached -u root -l 127.0.0.1 \
		-p "$port" -U 0 -t 2 >"$WORK/serve.out" 2>"$WORK/serve.err" &
	SERVE_PID=$!
	PIDS=$SERVE_PID
	trap 'stop_pids; cleanup' EXIT
	wait_for "$WORK/serve.err" 'serving process' "serve printed no URL"
	url=$(sed -n 's/.* at \(http[^ ]*\)$/\1/p' "$WORK/serve.err" | head -1)
	mpid=$(sed -n 's/.*serving process \([0-9]*\) .*/\1/p' "$WORK/serve.err" | head -1)
	note "serving memcached $mpid at $url"
	i=0
	until /usr/bin/memcslap --servers=127.0.0.1:$port --execute-number=10 >/dev/null 2>&1; do
		sleep 0.2
		i=$((i + 1))
		[ $i -lt 150 ] || fail "memcached does not answer on port $port"
	done
	# memcslap runs again and again (a larger count makes it prepare its
	# keys for minutes), as a process group of its own to be ended whole
	setsid bash -c 'while /usr/bin/memcslap --servers=127.0.0.1:$1 --concurrency=4 \
		--execute-number=100000 --binary; do :; done' - "$port" >"$WORK/slap.out" 2>&1 &
	SLAP=$!
	trap 'kill -- -$SLAP 2>/dev/null || true; stop_pids; cleanup' EXIT
	# under way: memcached has answered a few thousand requests
	i=0
	until [ "$(timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$1 && printf "stats\r\nquit\r\n" >&3 &&
		cat <&3' - "$port" 2>/dev/null | sed -n 's/^STAT cmd_set \([0-9]*\).*/\1/p')" -gt 2000 ] 2>/dev/null; do
		sleep 0.2
		i=$((i + 1))
		[ $i -lt 300 ] || fail "memcslap is not loading memcached: $(cat "$WORK/slap.out")"
	done
	go tool pprof -timeout 120 -raw "${url}profile?seconds=3" >"$WORK/cpu.raw" 2>"$WORK/cpu.err" ||
		fail "go tool pprof ${url}profile failed: $(cat "$WORK/cpu.err")"
	go tool pprof -timeout 120 -top "${url}heap" >"$WORK/heap.top" 2>&1 ||
		fail "go tool pprof ${url}heap failed: $(cat "$WORK/heap.top")"
	curl -sf "${url}goroutine?debug=2" >"$WORK/threads.txt" || fail "goroutine?debug=2 failed"
	kill -- -"$SLAP" 2>/dev/null || true
	grep -c '^thread ' "$WORK/threads.txt" | sed 's/^/threads listed: /'
	[ "$(grep -c '^thread [0-9]* "mc-worker"' "$WORK/threads.txt")" = 2 ] ||
		fail "not two mc-worker threads in goroutine?debug=2: $(head -30 "$WORK/threads.txt")"
	python3 - "$WORK/cpu.raw" <<'PY' || fail "the live CPU profile has too few samples of the mc-worker threads answering ($(tail -3 "$WORK/slap.out"))"
import re, sys
raw = open(sys.argv[1]).read()
# -raw: each sample's labels, then its frames (location ids), then the
# locations' function names
workers = sum(int(n) for n in re.findall(r'^ +(\d+) +\d+: [^\n]*\n +thread:\[mc-worker\]', raw, re.M))
io = any(f in raw for f in ("sendmsg", "__libc_read", "read "))
print("CPU samples labelled mc-worker:", workers, "read/sendmsg frames:", io)
sys.exit(0 if workers >= 20 and io else 1)
PY
	grep -q 'Type: inuse_space' "$WORK/heap.top" || fail "the heap endpoint gave no in-use profile"
	kill -INT "$mpid"
	i=0
	while kill -0 "$SERVE_PID" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
		[ $i -lt 300 ] || fail "serve did not exit after memcached did"
	done
	wait "$SERVE_PID" || echo "serve exited $?"
	echo "memcached served: CPU profile, heap and threads read live, ended on SIGINT"
	;;
sort)
	need /usr/bin/sort coreutils
	need /usr/bin/shuf coreutils
	seq 3000000 | /usr/bin/shuf --random-source=<(yes) >"$WORK/in.txt"
	untraced sort /usr/bin/sort --parallel=2 -S 50M "$WORK/in.txt"
	traced sort -- /usr/bin/sort --parallel=2 -S 50M "$WORK/in.txt"
	same sort
	[ "$rc" = 0 ] && [ "$(wc -l <"$WORK/sort.out")" = 3000000 ] || fail "sort did not sort"
	stats sort
	no_sigprof_warning sort
	cpu=$(profile sort cpu)
	pprof_top "$cpu" -unit=s >/dev/null
	head -16 "$cpu.top"
	# Debian's sort is stripped: its own code is sort+0xOFFSET.
	own=$(top_rows <"$cpu.top" | awk '$3 ~ /^sort\+0x/ { s += $1 } END { printf "%.2f", s }')
	echo "CPU samples in sort's own code: ${own}s"
	# about 3 s of CPU untraced, an eighth to a fifth in sort's own code
	ge "$own" 0.15 || fail "only ${own}s of CPU samples in sort's own code"
	thread_cpu "$cpu" sort+0x >"$WORK/sort.cpu"
	echo "CPU seconds in sort per thread:" $(cat "$WORK/sort.cpu")
	[ "$(awk '$2 >= 0.05' "$WORK/sort.cpu" | wc -l)" -ge 2 ] ||
		fail "fewer than two threads of sort have 0.05s of CPU samples in it"

	# A SIGPROF from outside: sort's handler removes its temporary files
	# and ends sort by the signal, traced as untraced.
	for run in untraced traced; do
		mkdir -p "$WORK/tmp-$run"
		if [ $run = untraced ]; then
			/usr/bin/sort -S 2M -T "$WORK/tmp-$run" "$WORK/in.txt" >/dev/null &
		else
			"$CPROF_TRACE" record -o "$WORK/sort-kill" -- \
				/usr/bin/sort -S 2M -T "$WORK/tmp-$run" "$WORK/in.txt" >/dev/null 2>"$WORK/kill.err" &
		fi
		bg=$!
		i=0
		until [ -n "$(ls "$WORK/tmp-$run")" ]; do
			sleep 0.05
			i=$((i + 1))
			[ $i -lt 600 ] || fail "$run sort wrote no temporary file"
		done
		target=$bg
		[ $run = untraced ] || target=$(pgrep -x sort -P "$bg")
		kill -PROF "$target"
		st=0
		wait "$bg" || st=$?
		left=$(ls "$WORK/tmp-$run" | wc -l)
		echo "$run sort after kill -PROF: exit status $st, $left temporary files left"
		[ "$st" = 155 ] && [ "$left" = 0 ] ||
			fail "$run sort after kill -PROF: exit status $st (expected 155), $left temporary files left"
	done
	;;
sigprof-kill)
	untraced kill "$SIGPROF_APP" kill
	traced kill -- "$SIGPROF_APP" kill
	cat "$WORK/kill.out"
	same kill
	grep -qx 'sent 200 delivered 200 from_self 200 each_before_kill_returned 200' "$WORK/kill.out" ||
		fail "the program's handler did not get exactly its 200 SIGPROFs"
	stats kill
	no_sigprof_warning kill
	cpu=$(profile kill cpu)
	pprof_top "$cpu" -unit=s >/dev/null
	head -12 "$cpu.top"
	spin=$(value_of spin_kill cum <"$cpu.top")
	echo "CPU samples in spin_kill: ${spin}s (0.5 s of CPU)"
	ge "$spin" 0.25 || fail "only ${spin}s of CPU samples in spin_kill"
	# A handler that works while our timer runs, then raises SIGPROF
	# under SIG_DFL: the raise was dropped (a signal of our timer was
	# pending on the thread) and the program ran on.
	untraced last "$SIGPROF_APP" last
	traced last -- "$SIGPROF_APP" last
	same last
	[ "$rc" = 155 ] || fail "the program was not ended by the SIGPROF it raised (exit status $rc)"
	;;
sigprof-block)
	untraced block "$SIGPROF_APP" block
	traced block -- "$SIGPROF_APP" block
	cat "$WORK/block.out"
	same block
	grep -qx 'main: sigwait took signal 27' "$WORK/block.out" ||
		fail "the SIGPROF sent while blocked was not there for sigwait"
	stats block
	cpu=$(profile block cpu)
	pprof_top "$cpu" -unit=s >/dev/null
	head -12 "$cpu.top"
	t=$(value_of spin_blocked_thread cum <"$cpu.top")
	m=$(value_of spin_blocked_main cum <"$cpu.top")
	echo "CPU samples with SIGPROF blocked: thread ${t}s (0.5 s of CPU), main ${m}s (0.3 s)"
	ge "$t" 0.25 && ge "$m" 0.15 || fail "threads that block SIGPROF were not sampled"
	;;
sigprof-onstack)
	both onstack "$SIGPROF_APP" onstack
	grep -qx 'handler ran 100 times on the alternate stack, 0 off it; 0 bytes below the small stack overwritten' \
		"$WORK/onstack.out" || fail "a handler of SA_ONSTACK ran off the alternate stack, or the heap was written"
	stats onstack
	cpu_top onstack
	s=$(value_of spin_on_small_stack cum <"$cpu.top")
	echo "CPU samples on the small stack: ${s}s (0.5 s of CPU)"
	ge "$s" 0.25 || fail "only ${s}s of CPU samples in spin_on_small_stack"
	;;
altstack)
	both alt "$ODD_APP" altstack
	grep -qx 'handler ran 2 times on the alternate stack, 0 bytes below it overwritten' \
		"$WORK/alt.out" || fail "the heap below the alternate stack was written"
	stats alt
	# The handler's CPU, in its own function: on 16 KiB, with room for a
	# sample; on 8 KiB, without (the sample is taken on a stack of ours).
	both alt16 "$ODD_APP" altstack 16384
	stats alt16
	for run in alt alt16; do
		cpu=$(profile $run cpu)
		pprof_top "$cpu" -unit=s >/dev/null
		head -10 "$cpu.top"
		spin=$(value_of spin_on_altstack cum <"$cpu.top")
		echo "$run: CPU samples in spin_on_altstack: ${spin}s (0.6 s of CPU)"
		ge "$spin" 0.3 ||
			fail "$run: only ${spin}s of CPU samples in the handler on the alternate stack"
		# whole stacks: the handler called from the signal's delivery
		grep -q on_usr1 "$cpu.top" || fail "$run: the handler's samples lack its caller"
	done
	;;
longjmp)
	both jmp "$ODD_APP" longjmp
	grep -qx "3 reads ended by siglongjmp, then read 'y'" "$WORK/jmp.out" ||
		fail "the reads were not ended by the jumps"
	sys=$(profile jmp syscall)
	pprof_top "$sys" -unit=ms >/dev/null
	head -12 "$sys.top"
	r=$(value_of read_after_jumps cum <"$sys.top")
	s=$(value_of sleep_after_jumps cum <"$sys.top")
	echo "blocking calls after the jumps: read ${r}ms (60 ms), usleep ${s}ms (40 ms)"
	ge "$r" 50 && ge "$s" 35 || fail "the blocking calls made after the jumps are not in the trace"
	;;
exec)
	both exec "$ODD_APP" exec
	cpu=$(profile exec cpu)
	pprof_top "$cpu" -unit=s >/dev/null
	head -10 "$cpu.top"
	before=$(value_of burn_before_exec cum <"$cpu.top")
	after=$(value_of burn_after_exec cum <"$cpu.top")
	echo "CPU samples: ${before}s before exec, ${after}s after (0.3 s each)"
	ge "$before" 0.15 && ge "$after" 0.15 || fail "the CPU of one image is not under its own function"
	sys=$(profile exec syscall)
	pprof_top "$sys" -unit=ms >/dev/null
	s=$(value_of sleep_after_exec cum <"$sys.top")
	n=$(value_of nest cum <"$sys.top")
	echo "blocking calls: sleep_after_exec ${s}ms (40 ms), nest ${n}ms (40 x 1 ms)"
	ge "$s" 35 && ge "$n" 40 || fail "the blocking calls are not under their own functions"
	traced execall --alloc=all -- "$ODD_APP" exec
	"$CPROF_TRACE" dump "$WORK/execall" >"$WORK/execall.dump" 2>"$WORK/execall.dump.err" ||
		fail "dump failed: $(cat "$WORK/execall.dump.err")"
	kept=$(grep -c 'cprof:alloc .*size = 100000,' "$WORK/execall.dump" || true)
	echo "allocations of 100,000 bytes made just before exec in the trace: $kept of 100"
	[ "$kept" = 100 ] || fail "the records buffered before exec were lost"
	;;
thread-exec)
	both threadexec "$ODD_APP" thread-exec
	stats threadexec
	check threadexec "the threads the exec destroyed do not end at it" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
p = j["processes"]
pid = p[0]["pid"]
end = p[0]["end_ns"]
others = [t for t in j["threads"] if t["pid"] == pid and t["tid"] != pid]
print("process", pid, "ended at", end, "; its other threads (tid, last event, end):",
      [(t["tid"], t["last_ns"], t["end_ns"]) for t in others])
print("thread summary:", j["thread_summary"])
ok = len(p) == 1 and end > 0 and len(others) >= 3
# the new image computes 0.3 s after the exec: every other thread ended
# by then, none before its own last event
ok = ok and all(t["end_ns"] and t["last_ns"] <= t["end_ns"] <= end - 250000000 for t in others)
sys.exit(0 if ok and j["thread_summary"]["alive_at_end"] == 1 else 1)
PY
	cpu_top threadexec
	before=$(value_of burn_in_exec_thread cum <"$cpu.top")
	after=$(value_of burn_after_thread_exec cum <"$cpu.top")
	echo "CPU samples: ${before}s in the exec'ing thread (0.1 s), ${after}s in the new image (0.3 s)"
	ge "$after" 0.15 || fail "the new image's CPU is not under its own function"
	;;
heap-exec)
	untraced heapexec "$ODD_APP" heap-exec
	traced heapexec --alloc=all -- "$ODD_APP" heap-exec
	cat "$WORK/heapexec.out"
	same heapexec
	stats heapexec
	final=$(json_get "$WORK/heapexec.json" heap final_bytes)
	peak=$(json_get "$WORK/heapexec.json" heap peak_bytes)
	echo "stats: heap peak ${peak} bytes, in use at the end ${final} bytes"
	ge "$peak" 67108864 || fail "the 64 MiB the first image held are not in the heap's peak"
	[ "$final" -lt 8388608 ] || fail "the 64 MiB the exec discarded are still in use at the end"
	heap=$(profile heapexec heap)
	pprof_top "$heap" -sample_index=inuse_space -unit=B >/dev/null
	head -8 "$heap.top"
	inuse=$(total_of <"$heap.top")
	pprof_top "$heap" -sample_index=alloc_space -unit=B >/dev/null
	alloc=$(total_of <"$heap.top")
	echo "heap profile: ${alloc} bytes allocated, ${inuse} bytes in use at the end"
	ge "$alloc" 67108864 || fail "the heap profile lacks the 64 MiB allocated before exec"
	ge "$inuse" 4096 || fail "the heap profile lacks the new image's 4 KiB in use"
	gt 8388608 "$inuse" || fail "the heap profile's in use space holds what the exec discarded"
	;;
dl-swap)
	traced dlswap -- "$ODD_APP" dl-swap "$DL_LIB_A" "$DL_LIB_B"
	cat "$WORK/dlswap.out" "$WORK/dlswap.err"
	[ "$rc" = 77 ] && skip "the loader did not map library B where library A was"
	[ "$rc" = 0 ] || fail "realprog-odd dl-swap exited $rc under record"
	cpu_top dlswap
	a=$(value_of spin_a cum <"$cpu.top")
	b=$(value_of spin_b cum <"$cpu.top")
	echo "CPU samples: spin_a ${a}s, spin_b ${b}s (0.3 s each, at the same addresses)"
	ge "$b" 0.15 && ge "$a" 0.15 ||
		fail "the samples of library B are not B's own (spin_a ${a}s, spin_b ${b}s)"
	;;
java)
	need /usr/bin/java openjdk-17-jdk-headless
	need /usr/bin/javac openjdk-17-jdk-headless
	javac -d "$WORK/java-classes" "$here/realprog-java/Hash.java" || fail "javac failed"
	untraced java /usr/bin/java -cp "$WORK/java-classes" Hash 40000000
	traced java -- /usr/bin/java -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit \
		-cp "$WORK/java-classes" Hash 40000000
	cat "$WORK/java.out"
	same java
	stats java
	check java "the JVM's threads by name" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
names = sorted(t["name"] for t in s["threads"])
print("threads:", ", ".join(names))
want = ["GC Thread#0", "Thread-0", "Thread-1", "Thread-2", "Thread-3", "VM Thread"]
missing = [n for n in want if n not in names]
if missing or not any(n.startswith("C2 Compiler") for n in names):
    sys.exit("FAIL: threads %r missing" % (missing or ["C2 CompilerThread0"]))
PY
	cpu=$(profile java cpu)
	pprof_top "$cpu" -unit=s | head -8
	thread_cpu "$cpu" FastHashCode >"$WORK/java.cpu"
	echo "CPU seconds in FastHashCode per thread:" $(cat "$WORK/java.cpu")
	[ "$(awk '$2 >= 0.05' "$WORK/java.cpu" | wc -l)" -ge 4 ] ||
		fail "fewer than four threads have 0.05s of CPU samples in FastHashCode"
	jit_names java 'Hash.lambda$main$0' 0.2
	;;
java-npe)
	need /usr/bin/java openjdk-17-jdk-headless
	need /usr/bin/javac openjdk-17-jdk-headless
	javac -d "$WORK/java-classes" "$here/realprog-java/Npe.java" || fail "javac failed"
	# the JVM's signal chaining library, preloaded as its manual says
	jsig=$(find /usr/lib/jvm -path '*/server/libjsig.so' 2>/dev/null | head -1)
	[ -n "$jsig" ] || skip "no libjsig.so under /usr/lib/jvm"
	LD_PRELOAD=$jsig untraced npe /usr/bin/java -cp "$WORK/java-classes" Npe 4 10000000
	LD_PRELOAD=$jsig traced npe --cpu-rate=1000 --alloc=all -- /usr/bin/java \
		-XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -cp "$WORK/java-classes" Npe 4 10000000
	cat "$WORK/npe.out"
	same npe
	grep -q '^NullPointerExceptions caught: 13333334$' "$WORK/npe.out" || fail "not every null was caught"
	grep -q '^cprof-trace: recorded [0-9]* events (0 lost)' "$WORK/npe.stderr" ||
		fail "record did not report its events with none lost"
	stats npe
	check npe "the JVM's threads by name, or lost events" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
names = sorted(t["name"] for t in s["threads"])
print("threads:", ", ".join(names))
want = ["pool-1-thread-%d" % i for i in range(1, 5)] + ["worker-%d" % i for i in range(8)]
missing = [n for n in want if n not in names]
if missing:
    sys.exit("FAIL: threads %r missing" % missing)
if s["lost_events"] or s["lost_records"]:
    sys.exit("FAIL: %d events, %d records lost" % (s["lost_events"], s["lost_records"]))
PY
	cpu=$(profile npe cpu)
	thread_cpu "$cpu" 'Npe.work' >"$WORK/npe.cpu"
	echo "CPU seconds in Npe.work per thread:" $(cat "$WORK/npe.cpu")
	[ "$(awk '$2 >= 0.05' "$WORK/npe.cpu" | wc -l)" -ge 4 ] ||
		fail "fewer than four threads have 0.05s of CPU samples in Npe.work"
	jit_names npe 'Npe.work' 0.3
	;;
go)
	need /usr/bin/go golang-go
	need /usr/bin/gcc gcc
	cp -r "$here/realprog-go" "$WORK/go-src"
	# (the build cache of the user, a fresh one when there is none to write)
	[ -w "$(go env GOCACHE 2>/dev/null)" ] || export GOCACHE=$WORK/go-cache
	(cd "$WORK/go-src" && CGO_ENABLED=1 go build -o "$WORK/go-app" .) >"$WORK/go-build.log" 2>&1 ||
		fail "go build failed: $(tail -5 "$WORK/go-build.log")"
	file -L "$WORK/go-app" | grep -q 'dynamically linked' || fail "go-app is not dynamically linked"
	# Without, then with the program's own profiler: its SIGPROF handler
	# (SA_ONSTACK) ran off Go's signal stack.
	for run in go go-pprof; do
		plain=- arg=-
		[ $run = go ] || plain=$WORK/$run.plain.prof arg=$WORK/$run.prof
		untraced $run "$WORK/go-app" "$plain"
		traced $run -- "$WORK/go-app" "$arg"
		cat "$WORK/$run.out"
		same $run
		[ "$rc" = 3 ] || fail "$run: exit status $rc, 3 expected"
	done
	# runtime/pprof's own profile of the traced run, read by go tool pprof
	go tool pprof -top -unit=s "$WORK/go-pprof.prof" >"$WORK/go-pprof.top" 2>&1 ||
		fail "go tool pprof of the program's own profile: $(tail -3 "$WORK/go-pprof.top")"
	own=$(value_of main.spin cum <"$WORK/go-pprof.top")
	echo "the program's own profile (runtime/pprof): ${own}s in main.spin"
	ge "$own" 0.2 || fail "the program's own profile has ${own}s in main.spin, under 0.2s"
	for run in go go-pprof; do
		stats $run
		check $run "the Go program's threads or its child are not in the trace" <<'PY'
import collections, json, sys
s = json.load(open(sys.argv[1]))
names = collections.Counter(p["name"] for p in s["processes"])
threads = [t for t in s["threads"] if t["name"] == "go-app"]
print("processes: %s; %d threads of go-app; lost %d/%d" %
      (dict(names), len(threads), s["lost_events"], s["lost_records"]))
if names != {"go-app": 1, "echo": 1}:
    sys.exit("FAIL: processes %r, want go-app and echo" % dict(names))
if len(threads) < 3:
    sys.exit("FAIL: %d threads of go-app, the runtime starts at least 3" % len(threads))
if s["lost_events"] or s["lost_records"]:
    sys.exit("FAIL: events lost")
PY
		cpu_top $run
		spin=$(value_of main.spin cum <"$cpu.top")
		echo "$run: ${spin}s of CPU samples in main.spin"
		ge "$spin" 0.2 || fail "$run: ${spin}s of CPU samples in main.spin, under 0.2s"
	done
	;;
node)
	need /usr/bin/node nodejs
	cat >"$WORK/fib.js" <<'JS'
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
let s = 0;
for (let i = 0; i < 10; i++) s += fib(33);
console.log(s);
JS
	untraced node /usr/bin/node "$WORK/fib.js"
	traced node -- /usr/bin/node --perf-basic-prof "$WORK/fib.js"
	cat "$WORK/node.out"
	same node
	stats node
	jit_names node 'fib' 0.2
	;;
node-workers)
	need /usr/bin/node nodejs
	cat >"$WORK/workers.js" <<'JS'
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');
const { execFileSync, spawn } = require('child_process');
const crypto = require('crypto');
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
if (!isMainThread) {
  let s = 0;
  for (let i = 0; i < 4; i++) s += fib(33 + workerData);
  parentPort.postMessage(s);
  return;
}
const out = [];
let ticks = 0;
const iv = setInterval(() => { ticks++; }, 5);
const ws = [0, 1].map(k => new Promise((res, rej) => {
  const w = new Worker(__filename, { workerData: k });
  w.on('message', res);
  w.on('error', rej);
}));
out.push(execFileSync('/bin/sh', ['-c', 'echo child $((6*7))']).toString().trim());
const hash = crypto.createHash('sha256');
for (let i = 0; i < 20000; i++) hash.update('x'.repeat(i % 100));
out.push('sha256 ' + hash.digest('hex').slice(0, 16));
Promise.all(ws).then(r => {
  out.push('workers ' + r.join(' '));
  const p = spawn(process.execPath, ['-e', 'process.stdout.write("hi"); setTimeout(() => process.exit(5), 30)']);
  let got = '';
  p.stdout.on('data', d => got += d);
  p.on('exit', code => {
    clearInterval(iv);
    out.push('spawned: exit ' + code + ', said ' + got);
    out.push('timer ticked: ' + (ticks > 0));
    console.log(out.join('\n'));
    console.error('on stderr');
    setTimeout(() => process.exit(7), 20);
  });
});
JS
	untraced workers /usr/bin/node "$WORK/workers.js"
	traced workers -- /usr/bin/node --perf-basic-prof "$WORK/workers.js"
	cat "$WORK/workers.out"
	same workers
	[ "$rc" = 7 ] || fail "node exited $rc, 7 expected"
	grep -qx 'spawned: exit 5, said hi' "$WORK/workers.out" || fail "the spawned node did not run"
	stats workers
	check workers "node's processes or threads are not in the trace, or events lost" <<'PY'
import collections, json, sys
s = json.load(open(sys.argv[1]))
names = collections.Counter(p["name"] for p in s["processes"])
first = min(p["pid"] for p in s["processes"])
threads = [t for t in s["threads"] if t["pid"] == first]
print("processes: %s; %d threads in the first node; lost %d/%d" %
      (dict(names), len(threads), s["lost_events"], s["lost_records"]))
if names != {"node": 2, "sh": 1}:
    sys.exit("FAIL: processes %r, want two node and sh" % dict(names))
# the main thread, V8's four platform workers, libuv's, two Worker threads
if len(threads) < 7:
    sys.exit("FAIL: only %d threads in node" % len(threads))
if s["lost_events"] or s["lost_records"]:
    sys.exit("FAIL: events lost")
PY
	cpu=$(profile workers cpu)
	thread_cpu "$cpu" 'fib' >"$WORK/workers.cpu"
	echo "CPU seconds in fib per thread:" $(cat "$WORK/workers.cpu")
	[ "$(awk '$2 >= 0.1' "$WORK/workers.cpu" | wc -l)" -ge 2 ] ||
		fail "fewer than two threads (the Workers) have 0.1s of CPU samples in fib"
	jit_names workers 'fib' 0.2
	;;
gdb)
	need /usr/bin/gdb gdb
	seq 200000 | shuf --random-source=<(yes) >"$WORK/nums"
	# gdb runs sort to its end; its lines about threads (the traced sort
	# has lttng-ust's and ours too, and ours live to the process's end:
	# gdb then says "[New process N]" as for any such program) and
	# process ids are left out
	for run in plain traced; do
		args=(-q -batch -ex run -ex 'info inferiors' --args /usr/bin/sort -n --parallel=2
			-o "$WORK/sorted-$run" "$WORK/nums")
		if [ $run = plain ]; then
			untraced gdb /usr/bin/gdb "${args[@]}"
		else
			traced gdb -- /usr/bin/gdb "${args[@]}"
		fi
	done
	for f in plain out plain.err err; do
		grep -v '^\[New Thread\|^\[Thread .* exited\]\|^\[New process\|libthread_db' "$WORK/gdb.$f" |
			sed 's/process [0-9]*/process N/' >"$WORK/gdb.$f.cut" || true
	done
	cat "$WORK/gdb.out.cut" "$WORK/gdb.err.cut"
	[ "$rc" = "$plain_rc" ] || fail "gdb exited $rc under record, $plain_rc untraced"
	cmp -s "$WORK/gdb.plain.cut" "$WORK/gdb.out.cut" && cmp -s "$WORK/gdb.plain.err.cut" "$WORK/gdb.err.cut" || {
		diff "$WORK/gdb.plain.cut" "$WORK/gdb.out.cut" >&2
		diff "$WORK/gdb.plain.err.cut" "$WORK/gdb.err.cut" >&2
		fail "gdb's output differs from the untraced run's"
	}
	grep -q '^\[Inferior 1 (process N) exited normally\]$' "$WORK/gdb.out.cut" ||
		fail "sort did not run to its end under gdb"
	cmp "$WORK/sorted-plain" "$WORK/sorted-traced" || fail "sort's output differs"
	stats gdb
	check gdb "gdb or sort is not in the trace" <<'PY'
import collections, json, sys
s = json.load(open(sys.argv[1]))
names = collections.Counter(p["name"] for p in s["processes"])
print("processes:", dict(names))
sys.exit(0 if names["gdb"] >= 1 and names["sort"] == 1 else 1)
PY
	;;
valgrind)
	need /usr/bin/valgrind valgrind
	seq 20000 | shuf --random-source=<(yes) >"$WORK/nums"
	untraced vg /usr/bin/valgrind -q --error-exitcode=9 /usr/bin/sort -n --parallel=2 \
		-o "$WORK/sorted-plain" "$WORK/nums"
	traced vg -- /usr/bin/valgrind -q --error-exitcode=9 /usr/bin/sort -n --parallel=2 \
		-o "$WORK/sorted-traced" "$WORK/nums"
	same vg
	[ "$rc" = 0 ] || fail "valgrind exited $rc"
	grep -q 'statically linked' "$WORK/vg.stderr" &&
		fail "record says valgrind's tool is not traced (it runs sort, traced)"
	cmp "$WORK/sorted-plain" "$WORK/sorted-traced" || fail "sort's output differs"
	stats vg
	check vg "sort under valgrind is not in the trace" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
names = [p["name"] for p in s["processes"]]
print("processes:", names)
sys.exit(0 if names else 1)
PY
	;;
tar)
	need /usr/bin/tar tar
	need /bin/gzip gzip
	text "$WORK/in.txt" 4000000
	untraced tar /usr/bin/tar czf "$WORK/plain.tgz" -C "$WORK" in.txt
	traced tar --alloc=all -- /usr/bin/tar czf "$WORK/traced.tgz" -C "$WORK" in.txt
	same tar
	# gzip's header carries a time: the archives' contents are compared
	cmp -s <(gzip -dc "$WORK/plain.tgz") <(gzip -dc "$WORK/traced.tgz") ||
		fail "the traced archive differs from the untraced one"
	stats tar
	"$CPROF_TRACE" dump "$WORK/tar" >"$WORK/tar.dump" 2>"$WORK/tar.dump.err" ||
		fail "dump failed: $(cat "$WORK/tar.dump.err")"
	check tar "tar's processes, their allocations or its lost records" "$WORK/tar.dump" <<'PY'
import collections, json, sys
s = json.load(open(sys.argv[1]))
allocs = collections.Counter()
for line in open(sys.argv[2]):
    f = line.split()
    if len(f) > 2 and f[2] == "cprof:alloc":
        allocs[int(f[1])] += 1
procs = {p["pid"]: p["name"] for p in s["processes"]}
print("processes:", ", ".join("%s %d (%d allocations)" % (procs[p], p, allocs[p]) for p in sorted(procs)))
print("lost records %d, lost events %d, warnings %r" % (s["lost_records"], s["lost_events"], s["warnings"]))
names = sorted(procs.values())
if names != ["gzip", "sh", "tar"]:
    sys.exit("FAIL: processes %r, want tar, sh and gzip" % names)
# gzip allocates once (heaptrack counts 1), before our hooks are set
if any(allocs[p] == 0 for p in procs if procs[p] != "gzip"):
    sys.exit("FAIL: tar or sh without allocations")
if s["lost_records"] or s["lost_events"] or s["warnings"]:
    sys.exit("FAIL: records counted lost")
PY
	;;
nofile)
	need /usr/bin/python3 python3
	cat >"$WORK/nofile.py" <<'PY'
import os
fds = []
try:
    while True:
        fds.append(os.open("/dev/null", os.O_RDONLY))
except OSError as e:
    print("open stopped:", e.strerror)
print("exiting with every descriptor in use")
PY
	# the limit for the program only: record's descriptors stay its own
	both nofile bash -c 'ulimit -n 64 && exec /usr/bin/python3 "$1"' - "$WORK/nofile.py"
	stats nofile
	check nofile "python3's process has no end in the trace" <<'PY'
import json, sys
p = [p for p in json.load(open(sys.argv[1]))["processes"] if p["name"].startswith("python")]
print("python processes:", [(x["pid"], x["end_ns"] > 0) for x in p])
sys.exit(0 if len(p) == 1 and p[0]["end_ns"] else 1)
PY
	;;
stack-limit)
	need /usr/bin/python3 python3
	prog='import threading, time
try:
    threading.Thread(target=print).start()
    print("a thread started")
except RuntimeError as e:
    print("no thread:", e)
time.sleep(0.05)
print("done")'
	limited=(bash -c 'ulimit -s 100000000 && exec /usr/bin/python3 -c "$1"' - "$prog")
	untraced stack "${limited[@]}"
	grep -q '^no thread' "$WORK/stack.plain" ||
		skip "threads still start under a 95 GiB stack limit here (overcommit)"
	traced stack -- "${limited[@]}"
	cat "$WORK/stack.out"
	same stack
	;;
seccomp)
	both sc "$ODD_APP" seccomp
	grep -qx 'work under the filter: done' "$WORK/sc.out" || fail "the work under the filter did not end"
	"$CPROF_TRACE" stats "$WORK/sc" >"$WORK/sc.stats" 2>&1 || fail "stats: $(cat "$WORK/sc.stats")"
	grep 'seccomp' "$WORK/sc.stats" || fail "stats does not say that a seccomp filter stopped the recording"
	;;
seccomp-tsync)
	# A filter on every thread (lttng-ust's listeners and our flusher
	# too) that denies their calls: killed by SIGSYS, at the flusher's
	# next sleep, in a thread's exit or in lttng-ust's destructor (close)
	both st "$ODD_APP" seccomp-tsync
	grep -qx 'work under the filter: done' "$WORK/st.out" || fail "the work under the filter did not end"
	"$CPROF_TRACE" stats "$WORK/st" >"$WORK/st.stats" 2>&1 || fail "stats: $(cat "$WORK/st.stats")"
	grep 'seccomp filter' "$WORK/st.stats" || fail "stats does not say that a seccomp filter stopped the recording"
	grep -q 'killed by' "$WORK/st.stats" && fail "stats says the program was killed"
	# only the session daemon's conversation denied (recvmsg, sendmsg):
	# the listeners' calls, the hooks' allowed
	both stl "$ODD_APP" seccomp-tsync 0.6 listeners
	"$CPROF_TRACE" stats "$WORK/stl" >"$WORK/stl.stats" 2>&1 || fail "stats: $(cat "$WORK/stl.stats")"
	grep "allow recvmsg, which lttng-ust's listener threads make" "$WORK/stl.stats" ||
		fail "stats does not say that the filter denies the listener threads' recvmsg"
	# served: the session daemon's commands of a capture reach lttng-ust's
	# listener threads while the program runs under its filter (it died of
	# SIGSYS in sendmsg, and the capture's connection was dropped)
	for variant in "" listeners; do
		n=sts${variant:+-$variant}
		untraced "$n" "$ODD_APP" seccomp-tsync 3 $variant
		"$CPROF_TRACE" serve --listen 127.0.0.1:0 -- "$ODD_APP" seccomp-tsync 3 $variant \
			>"$WORK/$n.out" 2>"$WORK/$n.err" &
		serve_job=$!
		wait_for "$WORK/$n.out" 'every thread' "the program did not install its filter under serve"
		url=$(sed -n 's/.* at \(http[^ ]*\)$/\1/p' "$WORK/$n.err" | head -1)
		code=$(curl -s -o "$WORK/$n.goroutine" -w '%{http_code}' "${url}goroutine?debug=2")
		echo "$n: goroutine?debug=2 under the filter: HTTP $code"
		rc=0
		wait "$serve_job" || rc=$?
		grep -v '^cprof-trace: ' "$WORK/$n.err" >"$WORK/$n.err.prog" || true
		mv "$WORK/$n.err.prog" "$WORK/$n.err"
		same "$n"
	done
	;;
userns)
	both un "$ODD_APP" userns
	[ "$rc" = 77 ] && skip "no user namespace here: $(cat "$WORK/un.out")"
	grep -qx 'child: 1 thread(s)' "$WORK/un.out" || fail "the child in a new user namespace was given threads"
	;;
chromium)
	# Chromium without its sandbox and its zygote: its zygote CHECKs that it
	# is single-threaded (lttng-ust's listeners and our flusher are threads
	# of every traced process) and dies of SIGTRAP, sandboxed or not.
	need /usr/bin/chromium chromium
	printf '%s\n' '<!doctype html><html><head><title>t</title></head><body>' \
		'<p id="a">static</p><script>let s = 0; for (let i = 0; i < 1000; i++) s += i * i;' \
		'document.getElementById("a").textContent = "computed " + s;</script></body></html>' \
		>"$WORK/page.html"
	browse() { # PROFILE: the page's DOM after its script ran
		timeout 60 chromium --headless --no-sandbox --no-zygote --disable-gpu \
			--user-data-dir="$WORK/$1" --dump-dom "file://$WORK/page.html"
	}
	untraced cr browse plain-profile
	grep -q 'computed 332833500' "$WORK/cr.plain" ||
		skip "chromium does not run here untraced (status $plain_rc): $(tail -2 "$WORK/cr.plain.err")"
	traced cr -- bash -c "$(declare -f browse); WORK=$WORK browse traced-profile"
	cat "$WORK/cr.out"
	# its stderr has times and process ids: the DOM and the status only
	[ "$rc" = "$plain_rc" ] || fail "chromium: exit status $rc under record, $plain_rc untraced"
	cmp -s "$WORK/cr.plain" "$WORK/cr.out" || fail "chromium: the DOM differs from the untraced run's"
	stats cr
	check cr "fewer than three chromium processes in the trace" <<'PY'
import json, sys
procs = json.load(open(sys.argv[1]))["processes"]
label = lambda p: p.get("title") or p.get("name") or ""  # a title when it set one
ours = [p for p in procs if "chromium" in label(p)]
types = sorted({label(p).split("--type=")[1].split()[0] for p in ours if "--type=" in label(p)})
print(f"{len(ours)} chromium processes, types: {', '.join(types)}")
sys.exit(0 if len(ours) >= 3 and "renderer" in types else 1)
PY
	;;
sshd)
	need /usr/sbin/sshd openssh-server
	need /usr/bin/ssh openssh-client
	mkdir -p /run/sshd
	ssh-keygen -q -t ed25519 -N '' -f "$WORK/hostkey"
	ssh-keygen -q -t ed25519 -N '' -f "$WORK/userkey"
	cp "$WORK/userkey.pub" "$WORK/authorized_keys"
	port=$((20000 + $$ % 20000))
	printf '%s\n' "Port $port" "ListenAddress 127.0.0.1" "HostKey $WORK/hostkey" \
		"AuthorizedKeysFile $WORK/authorized_keys" "StrictModes no" \
		"PermitRootLogin prohibit-password" "PasswordAuthentication no" \
		"KbdInteractiveAuthentication no" "UsePAM no" "PidFile $WORK/sshd.pid" \
		>"$WORK/sshd_config"
	login=(ssh -p "$port" -i "$WORK/userkey" -o StrictHostKeyChecking=no
		-o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR "$(id -un)@127.0.0.1")
	# sshd_start LOG [RECORD...]: sshd in the background, until it listens
	sshd_start() {
		log=$1
		shift
		"$@" /usr/sbin/sshd -D -f "$WORK/sshd_config" -E "$WORK/$log" &
		sshd_job=$!
		for _ in $(seq 100); do
			grep -q 'Server listening' "$WORK/$log" 2>/dev/null && return 0
			sleep 0.1
		done
		fail "sshd did not listen: $(tail -3 "$WORK/$log")"
	}
	trap 'kill "$(cat "$WORK/sshd.pid" 2>/dev/null)" ${sshd_job:-} 2>/dev/null || true; cleanup' EXIT
	sshd_start sshd.plain.log
	out=$(timeout 30 "${login[@]}" echo untraced login) || true
	kill -TERM "$(cat "$WORK/sshd.pid")"
	wait "$sshd_job" || true
	[ "$out" = "untraced login" ] || skip "no ssh login here, untraced: $(tail -3 "$WORK/sshd.plain.log")"
	# The pre-authentication child of each login installs OpenSSH's
	# seccomp filter, which kills the process on any call it does not list.
	sshd_start sshd.log "$CPROF_TRACE" record -o "$WORK/ssh" --
	sum=$(head -c 100000 /dev/zero | sha256sum | cut -c1-16)
	for i in 1 2 3; do
		out=$(timeout 30 "${login[@]}" "echo login $i; head -c 100000 /dev/zero | sha256sum | cut -c1-16") ||
			fail "login $i failed under record: $(tail -3 "$WORK/sshd.log")"
		echo "$out"
		[ "$out" = "$(printf 'login %s\n%s' "$i" "$sum")" ] || fail "login $i: unexpected output"
	done
	kill -TERM "$(cat "$WORK/sshd.pid")"
	wait "$sshd_job" || fail "record of sshd: exit status $?"
	"$CPROF_TRACE" stats "$WORK/ssh" >"$WORK/ssh.stats" 2>&1 || fail "stats: $(cat "$WORK/ssh.stats")"
	n=$(grep -c 'installed a seccomp filter' "$WORK/ssh.stats" || true)
	echo "seccomp warnings: $n (3 logins)"
	[ "$n" -ge 3 ] || fail "stats does not say that the logins' seccomp filters stopped their recording"
	# serve: sshd closes every descriptor it inherited (closefrom) as it
	# starts, the state keeper's socket among them until it was kept
	"$CPROF_TRACE" serve --listen 127.0.0.1:0 -- /usr/sbin/sshd -D -f "$WORK/sshd_config" \
		-E "$WORK/sshd.serve.log" >"$WORK/serve.out" 2>"$WORK/serve.err" &
	sshd_job=$!
	wait_for "$WORK/serve.err" 'serving process' "serve printed no URL"
	url=$(sed -n 's/.* at \(http[^ ]*\)$/\1/p' "$WORK/serve.err" | head -1)
	code=$(curl -s -o "$WORK/goroutine.txt" -w '%{http_code}' "${url}goroutine?debug=2")
	kill -TERM "$(cat "$WORK/sshd.pid")"
	wait "$sshd_job" || true
	head -4 "$WORK/goroutine.txt"
	[ "$code" = 200 ] || fail "serve -- sshd: goroutine?debug=2 answered $code: $(head -1 "$WORK/goroutine.txt")"
	grep -q '^thread [0-9]* "sshd" \[in ppoll' "$WORK/goroutine.txt" ||
		fail "serve -- sshd: the listener is not shown waiting in ppoll"
	;;
setpriv)
	need /usr/bin/setpriv util-linux
	[ "$(id -u)" = 0 ] || skip "setpriv needs root to change its user"
	id -u nobody >/dev/null && getent group nogroup >/dev/null || skip "no user nobody or group nogroup"
	for groups in clear-groups init-groups; do
		both "sp-$groups" /usr/bin/setpriv --reuid=nobody --regid=nogroup --$groups -- \
			/bin/sh -c 'id; sleep 0.1'
		grep -q "^uid=$(id -u nobody)(nobody) gid=$(getent group nogroup | cut -d: -f3)" \
			"$WORK/sp-$groups.out" || fail "sp-$groups: setpriv did not run sh as nobody"
		stats "sp-$groups"
		check "sp-$groups" "sh, id or sleep (with its 100 ms) is missing from the trace" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
names = sorted(p["name"] for p in s["processes"])
calls = s["syscalls"]["calls"]
sleep = max(calls.get(c, {}).get("total_ns", 0) for c in ("nanosleep", "clock_nanosleep"))
print("processes:", ", ".join(names), "sleep: %.1f ms" % (sleep / 1e6))
sys.exit(0 if {"sh", "id", "sleep"} <= set(names) and sleep >= 95e6 else 1)
PY
	done
	if [ -x /usr/sbin/runuser ]; then
		both ru /usr/sbin/runuser -u nobody -- /bin/sh -c 'id -un'
	fi
	# a daemon dropping root, alone or with threads of its own: glibc's
	# broadcast still reaches every thread, ours too
	for threads in 0 4; do
		both "setxid-$threads" "$ODD_APP" setxid $threads
		grep -qx "every thread is user and group 65534 without capabilities" \
			"$WORK/setxid-$threads.out" ||
			fail "setxid $threads: a thread kept root's ids or capabilities"
	done
	;;
bwrap)
	need /usr/bin/bwrap bubblewrap
	need /usr/bin/python3 python3
	# the pids differ under record (lttng-ust's threads take pids of the
	# namespace too): the program prints its parent's, sh's, which is 2
	sandboxed=(/usr/bin/bwrap --ro-bind / / --dev /dev --proc /proc --unshare-pid
		--die-with-parent -- /bin/sh -c
		'/usr/bin/python3 -c "import os, time; time.sleep(0.06); print(\"python, child of\", os.getppid())"; echo sh $$')
	untraced bw "${sandboxed[@]}"
	[ "$plain_rc" = 0 ] || skip "bwrap cannot make a PID namespace here: $(cat "$WORK/bw.plain.err")"
	traced bw -- "${sandboxed[@]}"
	cat "$WORK/bw.out"
	same bw
	# the namespace's init goes with bwrap: nothing was left running
	! grep -q "left running" "$WORK/bw.stderr" || fail "record says bwrap left processes running"
	stats bw
	check bw "the processes of the PID namespace or their blocking calls are missing" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
names = sorted(p["name"] for p in s["processes"])
sleep = s["syscalls"]["calls"].get("clock_nanosleep", {}).get("total_ns", 0)
print("processes:", ", ".join("%s %d" % (p["name"], p["pid"]) for p in s["processes"]))
print("clock_nanosleep: %.1f ms (python slept 60 ms)" % (sleep / 1e6))
sys.exit(0 if "sh" in names and "python3" in names and sleep >= 55e6 else 1)
PY
	sys=$(profile bw syscall)
	pprof_top "$sys" -unit=ms >/dev/null
	py=$(value_of Py_RunMain cum <"$sys.top")
	echo "go tool pprof: ${py}ms of blocking calls under Py_RunMain"
	ge "$py" 55 || fail "the syscall profile lacks python's 60 ms sleep"
	;;
bwrap-flight)
	need /usr/bin/bwrap bubblewrap
	need /usr/bin/python3 python3
	/usr/bin/bwrap --ro-bind / / --dev /dev --proc /proc --unshare-pid -- /bin/true ||
		skip "bwrap cannot make a PID namespace here"
	# a snapshot asked for once python slept 20 x 50 ms
	"$CPROF_TRACE" record --flight --snapshot-on signal:USR2 -o "$WORK/bwfl" -- \
		/usr/bin/bwrap --ro-bind / / --dev /dev --proc /proc --unshare-pid --die-with-parent \
		-- /usr/bin/python3 -c 'import time
for i in range(20): time.sleep(0.05)
print("slept", flush=True)
time.sleep(1)' >"$WORK/bwfl.out" 2>"$WORK/bwfl.err" &
	fl=$!
	i=0
	until grep -q slept "$WORK/bwfl.out"; do
		sleep 0.05
		i=$((i + 1))
		[ $i -lt 400 ] || fail "python did not sleep its 20 x 50 ms under record --flight"
	done
	kill -USR2 $fl
	wait $fl || fail "record --flight: exit status $?: $(cat "$WORK/bwfl.err")"
	snap=$(ls -d "$WORK"/bwfl/snapshot-001-*) || fail "no snapshot: $(cat "$WORK/bwfl.err")"
	"$CPROF_TRACE" stats --json "$snap" >"$WORK/bwfl.json" 2>"$WORK/bwfl.json.err" ||
		fail "stats --json $snap: $(cat "$WORK/bwfl.json.err")"
	check bwfl "the flight recorder's snapshot lacks python's sleeps" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
sleep = s["syscalls"]["calls"].get("clock_nanosleep", {"count": 0, "total_ns": 0})
print("snapshot: processes", ", ".join("%s %d" % (p["name"], p["pid"]) for p in s["processes"]),
      "; clock_nanosleep %d calls, %.0f ms" % (sleep["count"], sleep["total_ns"] / 1e6))
sys.exit(0 if sleep["count"] >= 20 and sleep["total_ns"] >= 0.9e9 else 1)
PY
	;;
*)
	fail "unknown case"
	;;
esac
echo "PASS: $TEST_NAME"
