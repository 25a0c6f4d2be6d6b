#!/bin/sh
# libcprof-trace exports only cprof_* symbols (and its _exit wrappers) and
# has a versioned soname.
set -eu
lib=$1
# _exit and _Exit: wrapped so that buffered records go out first.
bad=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^cprof_' | grep -vx '_exit\|_Exit' || true)
if [ -n "$bad" ]; then
	echo "libcprof-trace exports non-cprof symbols:" >&2
	echo "$bad" >&2
	exit 1
fi
for s in cprof_task_begin cprof_task_end cprof_task_id cprof_region_begin \
	 cprof_region_end cprof_log cprof_logf cprof_trace_enabled cprof_trace_snapshot \
	 cprof_probe_state_ cprof_region_begin_slow_ cprof_region_end_slow_ \
	 cprof_counter cprof_counter_slow_ cprof_trace_snapshot_slow_ \
	 cprof_region_begin_site_ cprof_fast_state_ cprof_thread_buf_ cprof_thread_records_ cprof_clock_anchor_; do
	nm -D --defined-only "$lib" | grep -q " $s\$" || { echo "missing export $s" >&2; exit 1; }
done
readelf -d "$lib" | grep -q 'SONAME.*libcprof-trace\.so\.0' || { echo "no versioned soname" >&2; exit 1; }
