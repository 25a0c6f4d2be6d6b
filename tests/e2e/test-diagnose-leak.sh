#!/bin/sh
# leak: leaky_function appends to an array that only grows. The in-use
# heap's top is leaky_function, and it grows between two moments
# (cprof-trace pprof -t heap --at T, compared with go tool pprof -base as
# the seed compares two /debug/pprof/heap snapshots).
. "$(dirname "$0")/test-diagnose-lib.sh"

# 100k items every 300 ms: about 2.3 MB of strings and pointers a batch.
record leak leak --seconds 5 --pause-ms 300

note "heap in use at the end"
heap=$(profile leak heap)
pprof_top "$heap" -sample_index=inuse_space -unit=MB
first=$(pprof_top "$heap" -sample_index=inuse_space -unit=MB | first_function)
[ "$first" = leaky_function ] || fail "heap: top of inuse_space is '$first', not leaky_function"

note "heap at 1.5 s and at 4 s, diff"
t1=$(PROFILE_OUT=leak-heap-t1 profile leak heap --at 1.5s)
t2=$(PROFILE_OUT=leak-heap-t2 profile leak heap --at 4s)
pprof_top "$t2" -sample_index=inuse_space -unit=MB -base "$t1"
grew=$(pprof_top "$t2" -sample_index=inuse_space -unit=MB -base "$t1" | value_of leaky_function flat)
first=$(pprof_top "$t2" -sample_index=inuse_space -unit=MB -base "$t1" | first_function)
[ "$first" = leaky_function ] || fail "heap diff: top growth is '$first', not leaky_function"
# 2.5 s at 100k items per 300 ms is about 8 batches, 18 MB: ask for 2.
ge "$grew" 2 || fail "heap diff: leaky_function grew by only $grew MB between 1.5 s and 4 s"
echo "PASS: $TEST_NAME: leaky_function tops inuse_space and grew $grew MB between 1.5 s and 4 s"
