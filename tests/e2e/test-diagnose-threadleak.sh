#!/bin/sh
# threadleak: 100 threads wait forever on a condition nobody signals. The
# threads profile (the goroutine profile's counterpart) shows 100 threads
# alive at the end, created by the leaking code (spawn_threads starting
# leaky_thread); with --fixed (cancellable threads), none.
. "$(dirname "$0")/test-diagnose-lib.sh"

# The sample type counting threads alive at the end of the trace: the
# issue names only threads/count (creations); take the other one.
alive_index() {
	sample_types "$1" | grep -Ev '^threads$' | grep -Ei 'alive|live|leak|inuse|end' | head -1
}

# alive_of PROFILE INDEX START_ROUTINE: threads counted under spawn_threads
# or the start routine (whichever the profile's stacks carry: the creation
# stack, the thread's own), cumulative.
alive_of() {
	a=$(pprof_top "$1" -sample_index="$2" | value_of spawn_threads cum)
	b=$(pprof_top "$1" -sample_index="$2" | value_of "$3" cum)
	if gt "$b" "$a"; then echo "$b"; else echo "$a"; fi
}

record leaky threadleak --seconds 1
prof=$(profile leaky threads)
idx=$(alive_index "$prof")
[ -n "$idx" ] || fail "threads profile has no sample type for threads alive at the end ($(sample_types "$prof" | tr '\n' ' '))"
note "threads alive at the end ($idx)"
pprof_top "$prof" -sample_index="$idx"
alive=$(alive_of "$prof" "$idx" leaky_thread)
[ "$alive" = 100 ] || fail "leak: $alive threads of spawn_threads/leaky_thread alive at the end, not 100"
created=$(alive_of "$prof" threads leaky_thread)
[ "$created" = 100 ] || fail "leak: $created threads created by spawn_threads, not 100"

record fixed threadleak --fixed --seconds 1
prof=$(profile fixed threads)
idx=$(alive_index "$prof")
[ -n "$idx" ] || fail "threads profile (--fixed) has no sample type for threads alive at the end"
pprof_top "$prof" -sample_index="$idx"
# The creations must be in the profile, or "none alive" would prove nothing.
created=$(alive_of "$prof" threads safe_thread)
[ "$created" = 100 ] || fail "--fixed: $created threads created by spawn_threads, not 100"
alive=$(alive_of "$prof" "$idx" safe_thread)
[ "$alive" = 0 ] || fail "--fixed: $alive threads of spawn_threads still alive at the end, not 0"
echo "PASS: $TEST_NAME: 100 leaked threads alive at the end; none with --fixed"
