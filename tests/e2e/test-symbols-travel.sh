#!/bin/sh
# test-symbols-travel.sh: a trace keeps its symbols when it travels.
# record stores them (TRACE/cprof-symbols.gz); the trace is then moved and
# its binary deleted: `go tool pprof -top` must print the same functions.
# Without the stored symbols, the same trace must say once on stderr why
# its stacks show as app+offset (binary gone; binary rebuilt), and
# `symbolize` must refuse to replace stored symbols without --force and
# name a damaged symbol file instead of failing.
# Env: CPROF_TRACE, CPROF_PRELOAD_LIB.
set -eu

tmp=$(mktemp -d /tmp/cprof-test-travel.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp" GOCACHE="$tmp/gocache" PPROF_TMPDIR="$tmp"
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize

mkdir "$tmp/src"
cat >"$tmp/src/app.c" <<'C'
#include <pthread.h>
#include <stdio.h>
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static volatile double sink;
static inline __attribute__((always_inline)) void inner_step(int i) { sink += i * 0.5; }
__attribute__((noinline)) static void crunch_numbers(int n)
{
	for (int i = 0; i < n; i++)
		inner_step(i);
}
__attribute__((noinline)) static void *worker_loop(void *arg)
{
	for (int k = 0; k < 30; k++) {
		pthread_mutex_lock(&lock);
		crunch_numbers(SCALE);
		pthread_mutex_unlock(&lock);
	}
	return arg;
}
int main(void)
{
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker_loop, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	puts("done");
	return 0;
}
C
cc -O2 -g -pthread -DSCALE=1500000 "$tmp/src/app.c" -o "$tmp/src/app"

"$CPROF_TRACE" record -o "$tmp/trace" -- "$tmp/src/app" >/dev/null 2>"$tmp/record.err" ||
	fail "record: $(cat "$tmp/record.err")"
[ -s "$tmp/trace/cprof-symbols.gz" ] || fail "record stored no symbols: $(cat "$tmp/record.err")"

top() { # TRACE TYPE OUT: go tool pprof -top of a fresh profile, names only
	"$CPROF_TRACE" pprof -t "$2" -o "$tmp/$3.pb.gz" "$1" 2>"$tmp/$3.err" ||
		fail "pprof $1: $(cat "$tmp/$3.err")"
	go tool pprof -top -nodecount=1000 "$tmp/$3.pb.gz" 2>/dev/null |
		awk 'f { sub(/^ *[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +/, ""); sub(/ \(inline\)$/, ""); print }
			/flat%/ { f = 1 }' | sort >"$tmp/$3.top"
}
top "$tmp/trace" cpu before
top "$tmp/trace" sync sync-before
for fn in crunch_numbers worker_loop inner_step; do
	grep -qx "$fn" "$tmp/before.top" || fail "cpu profile lacks $fn: $(cat "$tmp/before.top")"
done
grep -qx worker_loop "$tmp/sync-before.top" || fail "sync profile lacks worker_loop"

# move the trace and delete the binary: the same names, nothing said
mkdir "$tmp/elsewhere"
mv "$tmp/trace" "$tmp/elsewhere/trace"
rm -rf "$tmp/src/app"
top "$tmp/elsewhere/trace" cpu after
top "$tmp/elsewhere/trace" sync sync-after
cmp -s "$tmp/before.top" "$tmp/after.top" ||
	fail "cpu -top differs after the move: $(diff "$tmp/before.top" "$tmp/after.top")"
cmp -s "$tmp/sync-before.top" "$tmp/sync-after.top" || fail "sync -top differs after the move"
grep -q "stacks shown as" "$tmp/after.err" && fail "a note with the stored symbols: $(cat "$tmp/after.err")"
echo "ok: the moved trace names $(wc -l <"$tmp/after.top") functions as before"

# without the stored symbols: one line for the gone binary, once
cp "$tmp/elsewhere/trace/cprof-symbols.gz" "$tmp/saved.gz"
rm "$tmp/elsewhere/trace/cprof-symbols.gz"
top "$tmp/elsewhere/trace" cpu gone
n=$(grep -c "app: .*app is gone and the trace has no symbols for it: stacks shown as app+offset" "$tmp/gone.err" || true)
[ "$n" = 1 ] || fail "binary gone: expected one note, got $n: $(cat "$tmp/gone.err")"
grep -q '^app+0x' "$tmp/gone.top" || fail "binary gone: no app+0x frames: $(cat "$tmp/gone.top")"

# rebuilt binary at the same path: build-id differs
cc -O2 -g -pthread -DSCALE=1500001 "$tmp/src/app.c" -o "$tmp/src/app"
top "$tmp/elsewhere/trace" cpu rebuilt
grep -q "app: build-id differs from the trace's, stacks shown as app+offset" "$tmp/rebuilt.err" ||
	fail "rebuilt binary: no build-id note: $(cat "$tmp/rebuilt.err")"
grep -qx crunch_numbers "$tmp/rebuilt.top" && fail "rebuilt binary's symbols were used"

# symbolize: refuses to replace, --force replaces, a damaged file is named
cp "$tmp/saved.gz" "$tmp/elsewhere/trace/cprof-symbols.gz"
if "$CPROF_TRACE" symbolize "$tmp/elsewhere/trace" 2>"$tmp/sym.err"; then
	fail "symbolize replaced stored symbols without --force"
fi
grep -q "already holds its symbols (--force replaces them)" "$tmp/sym.err" || fail "$(cat "$tmp/sym.err")"
cmp -s "$tmp/saved.gz" "$tmp/elsewhere/trace/cprof-symbols.gz" || fail "refused symbolize changed the file"
printf 'cprof-symbols 1\nm\tx\n' | gzip >"$tmp/elsewhere/trace/cprof-symbols.gz"
top "$tmp/elsewhere/trace" cpu damaged
grep -q "cprof-symbols.gz: damaged symbol file (line 2); ignoring it" "$tmp/damaged.err" ||
	fail "damaged file: $(cat "$tmp/damaged.err")"
if "$CPROF_TRACE" symbolize "$tmp/nonexistent" 2>"$tmp/sym2.err"; then
	fail "symbolize of a missing trace succeeded"
fi
[ "$(wc -l <"$tmp/sym2.err")" = 1 ] || fail "missing trace: not one line: $(cat "$tmp/sym2.err")"

# a stripped binary: said once; --debug-dir finds its debug file by build-id
cc -O2 -g -pthread -DSCALE=1500000 "$tmp/src/app.c" -o "$tmp/src/app"
id=$(readelf -n "$tmp/src/app" | awk '/Build ID/ { print $3 }')
mkdir -p "$tmp/dbg/.build-id/$(echo "$id" | cut -c1-2)"
objcopy --only-keep-debug "$tmp/src/app" "$tmp/dbg/.build-id/$(echo "$id" | cut -c1-2)/$(echo "$id" | cut -c3-).debug"
strip "$tmp/src/app"
"$CPROF_TRACE" record --no-symbols -o "$tmp/stripped" -- "$tmp/src/app" >/dev/null 2>&1
[ ! -e "$tmp/stripped/cprof-symbols.gz" ] || fail "--no-symbols stored symbols"
top "$tmp/stripped" cpu stripped
grep -q "app: no symbols (stripped, no debug info): stacks shown as app+offset" "$tmp/stripped.err" ||
	fail "stripped: no note: $(cat "$tmp/stripped.err")"
"$CPROF_TRACE" pprof -t cpu --debug-dir "$tmp/dbg" -o "$tmp/dbgdir.pb.gz" "$tmp/stripped" 2>"$tmp/dbgdir.err" ||
	fail "pprof --debug-dir: $(cat "$tmp/dbgdir.err")"
go tool pprof -top "$tmp/dbgdir.pb.gz" 2>/dev/null | grep -q crunch_numbers ||
	fail "--debug-dir: crunch_numbers not found"
"$CPROF_TRACE" symbolize --debug-dir "$tmp/dbg" "$tmp/stripped" 2>"$tmp/sym3.err" || fail "$(cat "$tmp/sym3.err")"
top "$tmp/stripped" cpu stripped-stored
grep -qx crunch_numbers "$tmp/stripped-stored.top" || fail "symbolize --debug-dir stored no names"
echo "PASS: test-symbols-travel"
