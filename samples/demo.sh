#!/bin/sh
# The README's main command: on a fresh Debian 12 machine, as root,
#
#   ./samples/demo.sh
#
# installs what is missing, builds cprof-trace and the samples (build dir
# `build`), records the netapp sample under its own load (the seeds'
# "profiling a networked app" walkthrough: load on /gc), prints the trace's
# stats and the top of its profiles, and leaves the trace in ./trace.out.
#
# Environment: DEMO_PATH (default /gc), DEMO_LOAD (requests, default 2000),
# DEMO_CONC (connections, default 4), DEMO_ARGS (more netapp options).
set -eu

cd "$(dirname "$0")/.."

DEMO_PATH=${DEMO_PATH:-/gc}
DEMO_LOAD=${DEMO_LOAD:-2000}
DEMO_CONC=${DEMO_CONC:-4}
DEMO_ARGS=${DEMO_ARGS:---alloc-min 50 --alloc-max 200 --slow-min 5 --slow-max 50}

say() { printf '\n==> %s\n' "$*"; }

# Build dependencies (the list in ../shared/PLATFORM-NOTES.md, plus the
# compilers a fresh machine may lack, and procps for pgrep below: Debian's
# base image has no pgrep, and without it the check would start a second
# lttng-sessiond, which fails when one runs).
PKGS="gcc g++ pkg-config procps meson ninja-build lttng-tools liblttng-ust-dev liblttng-ctl-dev
babeltrace2 libbabeltrace2-dev libsdl2-dev libsdl2-ttf-dev libpng-dev fonts-dejavu-core zlib1g-dev
libunwind-dev libdw-dev libelf-dev xvfb xauth golang-go golang-github-google-pprof-dev
libjansson-dev"
missing=
for p in $PKGS; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
	say "installing:$missing"
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1; then
			SUDO=sudo
		else
			echo "demo.sh: missing packages:$missing; run as root or install them" >&2
			exit 1
		fi
	else
		SUDO=
	fi
	$SUDO apt-get update
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $missing
fi

if ! pgrep -x lttng-sessiond >/dev/null 2>&1; then
	say "starting lttng-sessiond"
	lttng-sessiond --daemonize
fi

# meson and ninja print a few hundred lines a first-time reader does not
# need: keep them in a log and show it only when the build fails.
say "building (meson, build dir: build; log: build/demo-build.log)"
log=$(mktemp)
if ! { [ -f build/build.ninja ] || meson setup build; } >"$log" 2>&1 ||
	! ninja -C build >>"$log" 2>&1; then
	cat "$log" >&2
	mv "$log" build/demo-build.log 2>/dev/null || :
	echo "demo.sh: the build failed (its log is above)" >&2
	exit 1
fi
mv "$log" build/demo-build.log

CPROF=build/viewer/cprof-trace
NETAPP=build/samples/netapp

say "recording: netapp under load: $DEMO_LOAD requests to $DEMO_PATH over $DEMO_CONC connections"
# shellcheck disable=SC2086
"$CPROF" record -o trace.out --force -- \
	"$NETAPP" --load "$DEMO_LOAD" --conc "$DEMO_CONC" --path "$DEMO_PATH" $DEMO_ARGS

say "cprof-trace stats trace.out"
"$CPROF" stats trace.out || echo "(cprof-trace stats failed: see the message above)"

# The top of the profiles the seeds' walkthrough reads: where memory is held
# and where the CPU went, then the requests' regions.
show_profile() {
	type=$1
	what=$2
	shift 2
	out=demo-$type.pb.gz
	say "$type profile: $what"
	echo "    cprof-trace pprof -t $type -o $out trace.out && go tool pprof -top ${*:+$* }$out"
	if ! "$CPROF" pprof -t "$type" -o "$out" --force trace.out; then
		echo "(no $type profile from this build of cprof-trace: see the message above)"
		return 0
	fi
	if ! command -v go >/dev/null 2>&1; then
		echo "(go is not installed: read $out with go tool pprof)"
		return 0
	fi
	# go tool pprof writes nothing under HOME when reading a file, but
	# wants a HOME; keep it from the user's when running as a service.
	HOME=${HOME:-/tmp} go tool pprof -top -nodecount=12 "$@" "$out" 2>&1 |
		sed -n '1,20p' || echo "(go tool pprof could not read $out)"
}
show_profile heap "memory still in use at the end, by the code that allocated it" \
	-sample_index=inuse_space
show_profile cpu "where the CPU time went (flat: in the function itself)"
show_profile region "where the requests spent their time, by annotated region"

say "done: the trace is in ./trace.out"
echo "    cprof-trace: $CPROF"
echo "    look at it:  $CPROF view trace.out      (under X, or with xvfb-run)"
echo "    profiles:    $CPROF pprof -t heap|cpu|sync|mutex|syscall|region|threads trace.out"
