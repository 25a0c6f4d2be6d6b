#!/bin/sh
# netapp under load on /gc (the seeds' walkthrough): the heap in use at the
# end is held by the handler, gc_heavy_handler, which keeps every 100th
# 10 KiB buffer.
. "$(dirname "$0")/test-diagnose-lib.sh"

record gc netapp --load 400 --conc 4 --path /gc --alloc-min 50 --alloc-max 300
grep -q '400 ok, 0 errors' "$WORK/gc.stderr" || fail "netapp's load did not get 400 answers"
heap=$(profile gc heap)
pprof_top "$heap" -sample_index=inuse_space -unit=MB
first=$(pprof_top "$heap" -sample_index=inuse_space -unit=MB | first_function)
[ "$first" = gc_heavy_handler ] || fail "heap: top of inuse_space is '$first', not gc_heavy_handler"
echo "PASS: $TEST_NAME: gc_heavy_handler holds the heap"
