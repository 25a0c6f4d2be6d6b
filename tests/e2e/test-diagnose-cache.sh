#!/bin/sh
# cache: the seeds' API gateway. The mutex profile (waits charged to the
# lock holder at release) blames cache_evict, which scans every entry under
# the lock; --fixed (separate LRU list, short critical section) cuts the
# total delay by at least 5x over the same run time.
. "$(dirname "$0")/test-diagnose-lib.sh"

record scan cache --seconds 3 --threads 4
mutex=$(profile scan mutex)
pprof_top "$mutex" -sample_index=delay -unit=ms
first=$(pprof_top "$mutex" -sample_index=delay -unit=ms | first_function)
[ "$first" = cache_evict ] || fail "mutex profile: top by delay is '$first', not cache_evict"
scan_total=$(pprof_top "$mutex" -sample_index=delay -unit=ms | total_of)
gt "$scan_total" 0 || fail "mutex profile: no delay at all"

record fixed cache --fixed --seconds 3 --threads 4
mutex=$(profile fixed mutex)
pprof_top "$mutex" -sample_index=delay -unit=ms
fixed_total=$(pprof_top "$mutex" -sample_index=delay -unit=ms | total_of)
ge "$scan_total" "$(awk -v f="$fixed_total" 'BEGIN { print 5 * f }')" ||
	fail "--fixed: total delay $fixed_total ms is not 5x below $scan_total ms"
echo "PASS: $TEST_NAME: cache_evict blamed; total delay $scan_total ms -> $fixed_total ms with --fixed"
