#!/bin/sh
# allprof, the seeds' "every profile at once" program, recorded with no
# code change: each profile must point at the function the seed's reader
# finds in Go's.
#   sync     top by delay among mutex01..03 and the stdout lock
#            (print_hello, print_world), both kinds in the top five
#   cpu      increase2000 ranks above increase1000
#   threads  the creations are at create_threads, as many as the sample
#            created
. "$(dirname "$0")/test-diagnose-lib.sh"

# --cpu-ms: the two increase_int threads run on until each used 2 s of
# CPU, about 390 CPU samples (at 100 Hz) in the two functions, split
# 65:35 here: increase1000 outranks increase2000 only 6 standard
# deviations off. In 4 s alone, a loaded machine gave them 14 samples
# each (ranked even, the test failed).
record allprof allprof --seconds 4 --threads 2000 --cpu-ms 2000

note "sync profile, by delay"
sync=$(profile allprof sync)
pprof_top "$sync" -sample_index=delay -unit=ms
first=$(pprof_top "$sync" -sample_index=delay -unit=ms | first_function)
case "$first" in
mutex01 | mutex02 | mutex03 | print_hello | print_world) ;;
*) fail "sync profile: top function by delay is '$first', not mutex01..03 or the stdout lock" ;;
esac
top5=$(pprof_top "$sync" -sample_index=delay -unit=ms | top_rows | head -5)
echo "$top5" | grep -Eq ' (mutex01|mutex02|mutex03)$' ||
	fail "sync profile: none of mutex01..03 in the top five by delay"
echo "$top5" | grep -Eq ' (print_hello|print_world)$' ||
	fail "sync profile: the stdout lock (print_hello, print_world) not in the top five by delay"

note "cpu profile"
cpu=$(profile allprof cpu)
pprof_top "$cpu" -unit=ms
i2000=$(pprof_top "$cpu" -unit=ms | value_of increase2000 flat)
i1000=$(pprof_top "$cpu" -unit=ms | value_of increase1000 flat)
gt "$i1000" 0 || fail "cpu profile: no samples in increase1000"
gt "$i2000" "$i1000" ||
	fail "cpu profile: increase2000 ($i2000 ms) does not rank above increase1000 ($i1000 ms)"

note "threads profile, creations"
# A thread's stack in this profile is its start routine on top of the
# stack that created it: create_threads is in (cum) every inner_func's.
threads=$(profile allprof threads)
pprof_top "$threads" -sample_index=threads
created=$(pprof_top "$threads" -sample_index=threads | value_of create_threads cum)
total=$(pprof_top "$threads" -sample_index=threads | total_of)
# How many threads the sample starts in its 4 s depends on the machine's
# load: the profile must count each one the sample says it created, no
# more, no fewer, each at inner_func and under create_threads (whose own
# thread starts there too).
said=$(sed -n 's/^allprof: create_threads created \([0-9]*\) threads$/\1/p' "$WORK/allprof.stderr")
[ -n "$said" ] || fail "the sample did not say how many threads it created"
inner=$(pprof_top "$threads" -sample_index=threads | value_of inner_func cum)
[ "$inner" = "$said" ] ||
	fail "threads profile: $inner threads start at inner_func, the sample created $said"
[ "$created" = $((said + 1)) ] ||
	fail "threads profile: $created threads created under create_threads, the sample created $said (+ its own)"
ge "$created" "$(awk -v t="$total" 'BEGIN { print 0.9 * t }')" ||
	fail "threads profile: create_threads created $created of $total threads, not nearly all"
echo "PASS: $TEST_NAME: sync top $first; cpu increase2000 $i2000 ms > increase1000 $i1000 ms; create_threads created $created"
