# Shared by the e2e diagnosis tests (tests/e2e/test-diagnose-*.sh and
# test-sample-*.sh): record a sample under a real LTTng session, export
# profiles with cprof-trace, and read them back with go tool pprof, the way
# the seeds' readers do. Sourced, not run.
#
# Environment (set by tests/e2e/meson.build):
#   CPROF_TRACE        the cprof-trace executable
#   SAMPLES_DIR        the build tree's samples/ directory
#   CPROF_PRELOAD_LIB  the build tree's libcprof-trace-preload.so
# KEEP=1 keeps the work directory for a look after a failure.
set -eu

: "${CPROF_TRACE:?CPROF_TRACE must name the cprof-trace executable}"
: "${SAMPLES_DIR:?SAMPLES_DIR must name the built samples directory}"
export CPROF_PRELOAD_LIB="${CPROF_PRELOAD_LIB:-}"

TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "/tmp/cprof-$TEST_NAME-XXXXXX")
cleanup() {
	if [ "${KEEP:-0}" = 1 ]; then
		echo "kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
# go tool pprof wants a HOME and the go command a cache; neither may be
# the user's (tests run in parallel and as root).
export HOME="$WORK/home" GOCACHE="$WORK/gocache"
mkdir -p "$HOME" "$GOCACHE"

# Frames that are the mechanism rather than the culprit: the allocator and
# lock entry points the preload wraps, libc's sleeping calls, and our own
# functions. Hidden with go tool pprof -hide, their weight goes to the
# caller, as Go's profiles start at the user's frame.
PLUMBING='^(malloc|calloc|realloc|reallocarray|free|posix_memalign|aligned_alloc|memalign|valloc|strdup|__strdup|pthread_.*|__pthread_.*|___pthread_.*|sem_.*|__lll_.*|lll_.*|__futex.*|futex_.*|nanosleep|__nanosleep|clock_nanosleep|__clock_nanosleep.*|cprof_.*|.*cprof[-_]preload.*)$'

fail() {
	echo "FAIL: $TEST_NAME: $*" >&2
	exit 1
}

note() {
	echo "--- $*"
}

# stop_pids: ends the background processes listed in $PIDS (SIGTERM,
# then SIGKILL after 5 s), for a test's EXIT trap.
stop_pids() {
	for p in ${PIDS:-}; do kill "$p" 2>/dev/null || true; done
	for p in ${PIDS:-}; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$p" 2>/dev/null || true
	done
}

# wait_for FILE TEXT WHAT: until FILE holds TEXT (60 s at most), else
# fails with WHAT: a condition, never a fixed sleep, so that a loaded
# machine only makes the test slower.
wait_for() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
		[ $i -lt 600 ] || { cat "$1" >&2; fail "$3"; }
	done
}

ensure_sessiond() {
	if ! pgrep -x lttng-sessiond >/dev/null 2>&1; then
		lttng-sessiond --daemonize || fail "cannot start lttng-sessiond"
	fi
}

# record_tabs_gen: about 4M records of $TABS_GEN (bench-view-tabs-gen: waits,
# blocking calls, allocations) under the preload into $WORK/trace.
record_tabs_gen() {
	: "${TABS_GEN:?TABS_GEN must name bench-view-tabs-gen}"
	ensure_sessiond
	"$CPROF_TRACE" record --alloc=all --io-threshold=0 --cpu-rate=0 --no-count \
		--blocking-timeout=inf -o "$WORK/trace" -- "$TABS_GEN" 4000000 2 >/dev/null \
		2>"$WORK/record.err" || fail "record failed: $(cat "$WORK/record.err")"
}

# timing_tries WHAT RUN CHECK [ARGS...]: one timed run of the viewer
# (RUN ARGS...), then its verdict (CHECK ARGS...), again while the verdict
# is 3: what the window showed was right but it drew too few frames or
# one gap too long while it worked, which a loaded shared machine makes
# happen now and then. Three runs before the test fails, saying that the
# window stopped drawing while WHAT. Any other failure of CHECK ends the
# test at once (CHECK said why). RUN runs under set -e; CHECK, whose
# status is taken, does not.
timing_tries() {
	timing_what=$1 timing_run=$2 timing_check=$3
	shift 3
	timing_try=0
	while :; do
		"$timing_run" "$@"
		timing_rc=0
		"$timing_check" "$@" || timing_rc=$?
		[ $timing_rc = 0 ] && return 0
		[ $timing_rc = 3 ] || exit 1
		timing_try=$((timing_try + 1))
		[ $timing_try -lt 3 ] || fail "the window stopped drawing while $timing_what, in 3 runs"
	done
}

# record NAME SAMPLE [ARGS...]: records $SAMPLES_DIR/SAMPLE into $WORK/NAME.
# The sample's stdout goes to $WORK/NAME.stdout (allprof prints a lot).
record() {
	name=$1
	sample=$2
	shift 2
	ensure_sessiond
	note "cprof-trace record -o $name -- $sample $*"
	if ! "$CPROF_TRACE" record -o "$WORK/$name" -- "$SAMPLES_DIR/$sample" "$@" \
		>"$WORK/$name.stdout" 2>"$WORK/$name.stderr"; then
		cat "$WORK/$name.stderr" >&2
		fail "record of $sample $* failed"
	fi
	cat "$WORK/$name.stderr"
}

# profile NAME TYPE [OPTIONS...]: writes $WORK/NAME-TYPE.pb.gz (or the -o
# the caller gives through PROFILE_OUT) and prints its path.
profile() {
	name=$1
	type=$2
	shift 2
	out="$WORK/${PROFILE_OUT:-$name-$type}.pb.gz"
	if ! "$CPROF_TRACE" pprof -t "$type" "$@" -o "$out" "$WORK/$name" >"$out.log" 2>&1; then
		cat "$out.log" >&2
		fail "cprof-trace pprof -t $type $* $name failed"
	fi
	echo "$out"
}

# pprof_top PROFILE [GO_PPROF_OPTIONS...]: go tool pprof -top with the plumbing
# hidden; the output is also kept in $WORK for the test log.
pprof_top() {
	prof=$1
	shift
	if ! go tool pprof -top -nodecount=200 -hide="$PLUMBING" "$@" "$prof" \
		>"$prof.top" 2>"$prof.top.err"; then
		cat "$prof.top.err" >&2
		fail "go tool pprof -top $* $prof failed"
	fi
	cat "$prof.top"
}

# The rows of `go tool pprof -top` output (stdin) as "FLAT CUM NAME" with
# the values as plain numbers (their unit stripped: give -unit to fix it).
top_rows() {
	awk '
	function num(v) { sub(/[a-zA-Z]+$/, "", v); return v + 0 }
	seen {
		name = $6
		for (i = 7; i <= NF; i++) name = name " " $i
		# (%.15g: exact for integers, where print gives 5.5046e+10 in mawk)
		printf "%.15g %.15g %s\n", num($1), num($4), name
	}
	/^ *flat +flat%/ { seen = 1 }'
}

# first_function: the name in the first row (largest flat).
first_function() {
	top_rows | awk 'NR == 1 { $1 = ""; $2 = ""; sub(/^ +/, ""); print }'
}

# value_of FUNCTION flat|cum: that function's value, 0 when absent.
# These read their input to its end: an awk that exits early makes the
# command before it die of SIGPIPE, and pipefail fail the test (141).
value_of() {
	top_rows | awk -v f="$1" -v col="$2" '
	{ name = $3; for (i = 4; i <= NF; i++) name = name " " $i }
	!found && name == f { print (col == "flat" ? $1 : $2); found = 1 }
	END { if (!found) print 0 }'
}

# total_of: the "of X total" figure of the header, unit stripped.
total_of() {
	awk '!found && / total$/ {
		for (i = 1; i <= NF; i++) if ($i == "of") v = $(i + 1)
		sub(/[a-zA-Z]+$/, "", v); print v + 0; found = 1 }
	END { if (!found) print 0 }'
}

# json_get FILE PATH...: a value from a JSON file, keys as arguments.
json_get() {
	python3 - "$@" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    if isinstance(v, list):
        k = int(k)
    elif k not in v:
        print("missing")
        sys.exit(0)
    v = v[k]
print(v)
PY
}

# sample_types PROFILE: the profile's sample type names, one a line.
sample_types() {
	go tool pprof -raw "$1" 2>/dev/null | awk '
	!done && /^Samples:/ { getline; for (i = 1; i <= NF; i++) { t = $i; sub(/\/.*/, "", t); print t }; done = 1 }'
}

# ge A B / gt A B: numeric comparisons of decimal strings.
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }
gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'; }
