#!/bin/sh
# `meson install` gives bin/cprof-trace, the library, the header and a .pc
# file with which `cc app.c $(pkg-config --cflags --libs cprof-trace)` works.
set -eu
builddir=$1
srcfile=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
DESTDIR="$tmp/root" meson install -C "$builddir" --quiet --no-rebuild >/dev/null
prefix=$(meson introspect "$builddir" --buildoptions |
	python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
root="$tmp/root$prefix"
test -x "$root/bin/cprof-trace" || { echo "no bin/cprof-trace" >&2; exit 1; }
test -f "$root/include/cprof/trace.h" || { echo "no include/cprof/trace.h" >&2; exit 1; }
pc=$(find "$root" -name cprof-trace.pc | head -n1)
test -n "$pc" || { echo "no cprof-trace.pc" >&2; exit 1; }
libdir=$(dirname "$(dirname "$pc")")
export PKG_CONFIG_PATH="$(dirname "$pc")"
flags=$(pkg-config --define-variable=prefix="$root" --cflags --libs cprof-trace)
cc -o "$tmp/app" "$srcfile" $flags -Wl,-rpath,"$libdir"
"$tmp/app" >/dev/null
