#!/bin/sh
# libcprof-trace exports only cprof_* symbols (and its _exit wrappers) and
# has a versioned soname.
set -eu
lib=$1
# nm once: on a loaded two-core machine each process started costs up to a
# second, and one nm per name took 15-48 s of the 30 s timeout.
syms=$(nm -D --defined-only "$lib" | awk '{print $3}')
# _exit and _Exit: wrapped so that buffered records go out first.
bad=$(printf '%s\n' "$syms" | grep -v '^cprof_' | grep -vx '_exit\|_Exit' || true)
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
	# (a whole line of the list: no process per name)
	case "
$syms
" in
	*"
$s
"*) ;;
	*)
		echo "missing export $s" >&2
		exit 1
		;;
	esac
done
readelf -d "$lib" | grep -q 'SONAME.*libcprof-trace\.so\.0' || { echo "no versioned soname" >&2; exit 1; }
