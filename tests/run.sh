#!/bin/bash
# The README's test command: on a fresh Debian 12 machine, as root,
#
#   ./tests/run.sh
#
# installs the missing build and test dependencies, starts an LTTng session
# daemon when none is alive, builds in build-tests/ and runs `meson test`;
# exits with meson test's status. Extra arguments go to `meson test` (for
# example a test name or `--suite record`).
#
# Then builds once more with -Dviewer=disabled in BUILD_DIR-noviewer and
# runs that build's quick tests (NOVIEWER=0 skips it).
#
# Environment: BUILD_DIR (default build-tests), MESON_TEST_ARGS, NOVIEWER.
set -euo pipefail

cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build-tests}

say() { printf '\n==> %s\n' "$*"; }

# The list in ../shared/PLATFORM-NOTES.md, the compilers a fresh machine may
# lack, procps (pgrep, used by the tests) and xvfb for the viewer tests.
PKGS=(gcc g++ pkg-config meson ninja-build procps lttng-tools liblttng-ust-dev liblttng-ctl-dev
	babeltrace2 libbabeltrace2-dev libsdl2-dev libsdl2-ttf-dev libpng-dev fonts-dejavu-core zlib1g-dev
	libunwind-dev libdw-dev libelf-dev xvfb xauth golang-go golang-github-google-pprof-dev
	libjansson-dev
	# inotifywait: tests/e2e/test-record.sh watches a trace after record returned
	inotify-tools
	# strace: tests/e2e/test-preload.sh counts the system calls our unwinds add
	strace
	# real programs recorded by tests/e2e/test-harden.sh (skipped when absent)
	python3 nginx-light memcached pigz wrk curl
	# Debian programs recorded by tests/e2e/test-realprog.sh (skipped when absent);
	# heaptrack counts sqlite3's allocations to compare with the trace's;
	sqlite3 make clang-format heaptrack
	# and xz -T2, zstd -T2, git clone, cppcheck -j2, memcached driven by memcslap
	xz-utils zstd git cppcheck libmemcached-tools
	# OpenJDK runs tests/e2e/realprog-java/*.java (test-realprog.sh java, java-npe);
	# Node.js, Go with cgo, gdb and valgrind run programs there too (node*, go,
	# gdb, valgrind; valgrind.h also lets the preload library's unwinds keep
	# out of memcheck's errors)
	openjdk-17-jdk-headless nodejs gdb valgrind
	# redis-server --daemonize yes, followed by tests/e2e/test-daemon.sh
	redis-server redis-tools
	# bwrap --unshare-pid: processes in a PID namespace (test-realprog.sh bwrap)
	bubblewrap
	# sshd's pre-authentication child runs under a seccomp filter (test-realprog.sh sshd)
	openssh-server openssh-client
	# PostgreSQL 15 under pgbench, recorded and served (test-realserve.sh postgres)
	postgresql
	# a big multi-process C++ program: headless Chromium's DOM dump (test-realprog.sh chromium)
	chromium
	libmicrohttpd-dev libarchive-dev libxxhash-dev)
missing=()
for p in "${PKGS[@]}"; do
	# dpkg -s succeeds for removed-but-configured packages too: ask for the state.
	if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != installed ]; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -gt 0 ]; then
	say "installing: ${missing[*]}"
	SUDO=()
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1; then
			SUDO=(sudo)
		else
			echo "run.sh: missing packages: ${missing[*]}; run as root or install them" >&2
			exit 1
		fi
	fi
	"${SUDO[@]}" apt-get update
	DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y --no-install-recommends \
		"${missing[@]}"
fi

# Tests record under a real daemon; they start one themselves if needed,
# but one started here is shared by all of them.
if ! pgrep -x lttng-sessiond >/dev/null 2>&1; then
	say "starting lttng-sessiond"
	lttng-sessiond --daemonize
fi

say "building ($BUILD_DIR)"
if [ -f "$BUILD_DIR/build.ninja" ]; then
	meson setup --reconfigure "$BUILD_DIR"
else
	meson setup "$BUILD_DIR"
fi
# Two cores on the reference machine: keep the build from swamping it.
ninja -C "$BUILD_DIR" -j "$(($(nproc) < 4 ? $(nproc) : 4))"

say "testing"
set +e
# shellcheck disable=SC2086
meson test -C "$BUILD_DIR" --print-errorlogs ${MESON_TEST_ARGS:-} "$@"
status=$?
set -e

# The viewer is optional (meson -Dviewer=disabled): prove that such a build
# still compiles everything else and that its `view` says what it lacks.
# Its other tests are the main build's, so only the quick ones run again.
# Only on a full run (no test names given); NOVIEWER=0 skips it.
if [ "$status" -eq 0 ] && [ "${NOVIEWER:-1}" != 0 ] && [ $# -eq 0 ] && [ -z "${MESON_TEST_ARGS:-}" ]; then
	NOVIEW_DIR="$BUILD_DIR-noviewer"
	say "building without the viewer ($NOVIEW_DIR)"
	if [ -f "$NOVIEW_DIR/build.ninja" ]; then
		meson setup --reconfigure -Dviewer=disabled "$NOVIEW_DIR" >/dev/null
	else
		meson setup -Dviewer=disabled "$NOVIEW_DIR" >/dev/null
	fi
	set +e
	ninja -C "$NOVIEW_DIR" -j "$(($(nproc) < 4 ? $(nproc) : 4))" >"$NOVIEW_DIR/build-output.log" 2>&1 &&
		meson test -C "$NOVIEW_DIR" --print-errorlogs view-none symbols profile heap-scale
	status=$?
	set -e
	[ "$status" -eq 0 ] || say "the build without the viewer failed (log: $NOVIEW_DIR/build-output.log)"
fi
if [ "$status" -eq 0 ]; then
	say "all tests passed"
else
	say "tests failed (meson test status $status; log: $BUILD_DIR/meson-logs/testlog.txt)"
fi
exit "$status"
