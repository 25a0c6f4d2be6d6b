#!/bin/sh
# test-cpp-names.sh: a C++ program's functions read as in its source
# (demangled: namespace, class, template arguments, parameters) in stats,
# in the CPU and sync profiles, and in the symbols stored in the trace.
# Env: CPROF_TRACE, CPROF_PRELOAD_LIB, APP.
set -eu

tmp=$(mktemp -d /tmp/cprof-test-cppnames.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp" GOCACHE="$tmp/gocache" PPROF_TMPDIR="$tmp"
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize

"$CPROF_TRACE" record -o "$tmp/trace" -- "$APP" >"$tmp/out" 2>"$tmp/record.err" ||
	fail "record: $(cat "$tmp/record.err")"
grep -qx done "$tmp/out" || fail "the program's output changed: $(cat "$tmp/out")"
"$CPROF_TRACE" stats "$tmp/trace" >"$tmp/stats" 2>&1 || fail "stats: $(cat "$tmp/stats")"
"$CPROF_TRACE" pprof -t cpu -o "$tmp/cpu.pb.gz" "$tmp/trace" 2>/dev/null || fail "pprof cpu"
"$CPROF_TRACE" pprof -t sync -o "$tmp/sync.pb.gz" "$tmp/trace" 2>/dev/null || fail "pprof sync"
go tool pprof -raw "$tmp/cpu.pb.gz" >"$tmp/cpu.raw" 2>&1 || fail "go tool pprof: $(cat "$tmp/cpu.raw")"
go tool pprof -raw "$tmp/sync.pb.gz" >"$tmp/sync.raw" 2>&1 || fail "go tool pprof: $(cat "$tmp/sync.raw")"
zcat "$tmp/trace/cprof-symbols.gz" >"$tmp/stored"

grep -q 'shop::Ledger<double>::post(double)' "$tmp/cpu.raw" ||
	fail "cpu profile: no shop::Ledger<double>::post(double): $(grep -A30 Locations "$tmp/cpu.raw")"
grep -q 'shop::Inventory::restock(int)' "$tmp/cpu.raw" || fail "cpu profile: no shop::Inventory::restock(int)"
grep -q 'shop::Inventory::restock(int)' "$tmp/sync.raw" || fail "sync profile: no shop::Inventory::restock(int)"
grep -q 'std::thread::join()' "$tmp/stats" || fail "stats: no std::thread::join(): $(cat "$tmp/stats")"
grep -q 'shop::Inventory::restock(int)' "$tmp/stored" || fail "stored symbols are not demangled"
for f in "$tmp/cpu.raw" "$tmp/sync.raw" "$tmp/stats" "$tmp/stored"; do
	! grep -q '\b_Z[A-Z0-9]' "$f" || fail "$(basename "$f") still has mangled names: $(grep -m3 '_Z' "$f")"
done
echo "PASS: test-cpp-names"
