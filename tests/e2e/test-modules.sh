#!/bin/bash
# test-modules.sh: the loaded objects come from the preload library's memory
# (cprof:module), not from lttng-ust's statedump, which reads every object's
# ELF file section by section in each traced process.
#   - Under one `record`, the shell runs /bin/true twice under `strace -c`:
#     once as record sets it up (LTTNG_UST_WITHOUT_BADDR_STATEDUMP=1), once
#     with the variable unset (lttng-ust's statedump, as before). The first
#     makes no lseek and far fewer system calls (before this change: about
#     1,100 lseeks and 3,300 calls; now about 600 calls).
#   - Both processes' cprof:module events name /usr/bin/true (at the
#     executable's base, with the build-id of its file) and libc. No
#     lttng_ust_statedump:bin_info is in the trace: record does not enable
#     lttng-ust's statedump and dlopen events when the preload says what is
#     loaded (each enabled event is a registration with the session daemon
#     in every process). A trace with both kinds (a session of the user's
#     own) keeps one module per object: the unit test test-reader.
# Env: CPROF_TRACE, CPROF_PRELOAD_LIB.
set -euo pipefail

cprof=${CPROF_TRACE:?}
work=$(mktemp -d /tmp/cprof-test-modules.XXXXXX)
trap 'rm -rf "$work"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

command -v strace >/dev/null || {
	echo "strace not installed: skipped"
	exit 77
}
pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize

"$cprof" record --no-count -o "$work/t" -- sh -c "
	strace -qq -c -o '$work/after' /bin/true & echo \$! >'$work/after.pid'; wait
	(unset LTTNG_UST_WITHOUT_BADDR_STATEDUMP
	 strace -qq -c -o '$work/before' /bin/true & echo \$! >'$work/before.pid'; wait)" \
	>/dev/null 2>"$work/err" || fail "record: $(cat "$work/err")"

# calls NAME FILE: that system call's count in strace -c's table (0: none)
# (% time, seconds, usecs/call, calls, [errors,] name)
calls() { awk -v n="$1" '$NF == n { print $4; f = 1 } END { if (!f) print 0 }' "$2"; }
total() { calls total "$1"; }
b_lseek=$(calls lseek "$work/before")
a_lseek=$(calls lseek "$work/after")
b_total=$(total "$work/before")
a_total=$(total "$work/after")
echo "traced /bin/true: $b_total system calls ($b_lseek lseek) with lttng-ust's statedump," \
	"$a_total ($a_lseek lseek) with cprof:module"
[ "$b_lseek" -ge 200 ] || fail "lttng-ust's statedump made only $b_lseek lseeks: is it still what this test measures?"
[ "$a_lseek" -eq 0 ] || fail "$a_lseek lseeks at start: ELF files were read"
[ $((a_total * 3)) -le "$b_total" ] || fail "$a_total system calls, not a third of $b_total"

babeltrace2 "$work/t" >"$work/events"
# strace forks, then execs /bin/true: the traced process is strace's child
after=$(grep 'cprof:module:.*path = "/usr/bin/true"' "$work/events" |
	sed -E 's/.*vpid = ([0-9]+).*/\1/' | sort -u | tr '\n' ' ')
[ "$(echo $after | wc -w)" -eq 2 ] || fail "cprof:module of /usr/bin/true from pids '$after', want the two"
id=$(readelf -n /usr/bin/true | sed -nE 's/.*Build ID: ([0-9a-f]+).*/\1/p')
[ -n "$id" ] || fail "readelf found no build-id in /usr/bin/true"
for pid in $after; do
	line=$(grep -m1 "cprof:module:.*vpid = $pid,.*path = \"/usr/bin/true\"" "$work/events")
	got=$(echo "$line" | sed -E 's/.*build_id = \[ (.*) \].*/\1/' | grep -oE '= 0x[0-9A-F]+' |
		sed -E 's/= 0x//' | while read -r b; do printf '%02x' "0x$b"; done)
	[ "$got" = "$id" ] || fail "pid $pid: build-id $got, file's $id"
	grep -q "cprof:module:.*vpid = $pid,.*path = \"[^\"]*libc.so.6\"" "$work/events" ||
		fail "pid $pid: no cprof:module for libc"
done
nust=$(grep -c 'lttng_ust_statedump:\|lttng_ust_lib:' "$work/events" || true)
[ "$nust" -eq 0 ] || fail "$nust events of lttng-ust's statedump in the trace, want none"
echo "ok"
