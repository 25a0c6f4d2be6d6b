#!/bin/sh
# -DCPROF_TRACE_DISABLE: the program runs its blocks, and it cannot emit:
# it references no cprof_ symbol and does not link libcprof-trace.
set -eu
bin=$1
"$bin"
if nm -D --undefined-only "$bin" | grep -q cprof_; then
	echo "disabled build references cprof_ symbols:" >&2
	nm -D --undefined-only "$bin" | grep cprof_ >&2
	exit 1
fi
if readelf -d "$bin" | grep -q 'libcprof-trace'; then
	echo "disabled build links libcprof-trace" >&2
	exit 1
fi
if nm "$bin" | grep -q ' [TtWw] cprof_'; then
	echo "disabled build still contains cprof_ functions" >&2
	exit 1
fi
