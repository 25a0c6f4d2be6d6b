#!/bin/sh
# test-inline.sh MODE: regions recorded by the header's inline path, as
# `cprof-trace stats` counts them.
#   signal  a signal handler records while the main thread appends inline
#           or interns a type: every region of both is in the trace, none
#           damaged, and the program ends
#   plugin  a dlopen'ed module records (general-dynamic TLS)
# Env: CPROF_TRACE, INLINE_APP, INLINE_HOST, INLINE_PLUGIN.
set -eu
mode=$1
tmp=$(mktemp -d /tmp/cprof-test-inline.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize

case $mode in
signal)
	n=100000
	"$CPROF_TRACE" record --no-auto -o "$tmp/trace" -- "$INLINE_APP" signal $n \
		>"$tmp/out" 2>"$tmp/err" || fail "record: $(cat "$tmp/err")"
	handled=$(sed -n 's/^handler //p' "$tmp/out")
	n=$(sed -n 's/^regions //p' "$tmp/out")
	dyn=$(sed -n 's/^dynamic //p' "$tmp/out")
	[ "${handled:-0}" -ge 100 ] || fail "only ${handled:-0} signals handled"
	want="{'outer': ($n, 0), 'inner': ($n, 0), 'handler': ($handled, 0), 'dyn-*': ($dyn, 0)}"
	;;
plugin)
	n=100000
	"$CPROF_TRACE" record --no-auto -o "$tmp/trace" -- "$INLINE_HOST" "$INLINE_PLUGIN" $n \
		>"$tmp/out" 2>"$tmp/err" || fail "record: $(cat "$tmp/err")"
	want="{'plugin': ($n, 0)}"
	;;
*)
	fail "unknown mode $mode"
	;;
esac

"$CPROF_TRACE" stats --json "$tmp/trace" >"$tmp/stats.json" 2>"$tmp/stats.err" ||
	fail "stats: $(cat "$tmp/stats.err")"
python3 - "$tmp/stats.json" "$want" "$mode" <<'PY'
import ast, json, sys
s = json.load(open(sys.argv[1]))
want = ast.literal_eval(sys.argv[2])
if s["lost_events"]:
    sys.exit("FAIL: %d events lost" % s["lost_events"])
# Every region begun: ended, or open at the end of the trace.
got = {}
for k, v in s["regions"].items():
    k = "dyn-*" if k.startswith("dyn-") else k
    got[k] = got.get(k, 0) + v["count"] + v["unended"]
want = {k: c for k, (c, _) in want.items()}
if got != want:
    sys.exit("FAIL: regions begun %r, want %r" % (got, want))
# A handler's region that interrupted an append (or an interning) went out
# alone, as its own batch, before the thread's batch around it: the reader
# places it by its time among the thread's records, so nothing is damaged.
w = s["warnings"]
if any(v["unended"] for v in s["regions"].values()):
    sys.exit("FAIL: regions left open %r" % {k: v["unended"] for k, v in s["regions"].items() if v["unended"]})
if w:
    sys.exit("FAIL: warnings %r" % w)
PY
