#!/bin/bash
# The model cache (TRACE/.cprof-cache/): a second open maps the model the
# first one built and gives byte-identical stats, stats --json, every pprof
# type and the viewer's screenshot; --no-cache neither uses nor writes it;
# a cache cut short, bit-flipped or garbage, and a trace changed after
# caching, are noticed and the cache rebuilt without a word; tar archives
# leave no cache behind.
. "$(dirname "$0")/test-diagnose-lib.sh"

ensure_sessiond
"$CPROF_TRACE" record --alloc=all -o "$WORK/allprof" -- "$SAMPLES_DIR/allprof" --seconds 2 \
	>/dev/null 2>"$WORK/allprof.stderr" ||
	fail "record of allprof failed: $(cat "$WORK/allprof.stderr")"
T="$WORK/allprof"
C="$T/.cprof-cache/model"
# a trace that changed in the last second may be one still being written:
# not cached; this one is done
touch -d '-10 seconds' "$T"/ust/uid/*/*/* "$T/cprof-record.json"
rm -rf "$T/.cprof-cache" # record may have left one

types="sync mutex cpu heap syscall region threads goroutine"
# outputs TAG [--no-cache]: every output of one open per command, in $WORK/TAG.*
outputs() {
	tag=$1
	shift
	"$CPROF_TRACE" "$@" stats "$T" >"$WORK/$tag.stats" 2>"$WORK/$tag.stats.err" ||
		fail "$tag: stats failed: $(cat "$WORK/$tag.stats.err")"
	"$CPROF_TRACE" "$@" stats --json "$T" >"$WORK/$tag.json" 2>&1 || fail "$tag: stats --json"
	for ty in $types; do
		# a type the trace has nothing for fails the same way each time
		rc=0
		"$CPROF_TRACE" "$@" pprof -t "$ty" -o "$WORK/out.pb.gz" "$T" \
			2>"$WORK/$tag.$ty.err" || rc=$?
		echo "$rc" >>"$WORK/$tag.$ty.err"
		if [ -e "$WORK/out.pb.gz" ]; then
			zcat "$WORK/out.pb.gz" >"$WORK/$tag.$ty.pb"
			rm "$WORK/out.pb.gz"
		fi
	done
	if "$CPROF_TRACE" view --help >/dev/null 2>&1; then
		SDL_VIDEODRIVER=offscreen "$CPROF_TRACE" "$@" view --screenshot "$WORK/$tag.png" \
			--size 900x600 "$T" 2>/dev/null || fail "$tag: view --screenshot failed"
	fi
}
same() { # TAG-A TAG-B
	for f in stats stats.err json png $(for ty in $types; do echo "$ty.pb $ty.err"; done); do
		[ -e "$WORK/$1.$f" ] || continue
		cmp -s "$WORK/$1.$f" "$WORK/$2.$f" || fail "$2: $f differs from $1's"
	done
}
inode() { stat -c %i "$C"; }

note "--no-cache: reference outputs, no cache written"
outputs ref --no-cache
[ "$(ls "$WORK"/ref.*.pb | wc -l)" -ge 6 ] || fail "too few profile types to compare: $(ls "$WORK")"
[ ! -e "$T/.cprof-cache" ] || fail "--no-cache wrote a cache"
grep -q -- "--no-cache" <("$CPROF_TRACE" --help) || fail "--help does not list --no-cache"

note "first open writes the cache, the second maps it"
outputs first
[ -s "$C" ] || fail "the first open left no cache in $C"
same ref first
ino=$(inode)
outputs second
same ref second
[ "$(inode)" = "$ino" ] || fail "the second open rewrote the cache instead of using it"
python3 - "$C" <<'PY' || fail "the cache does not map the model's regions"
import sys
b = open(sys.argv[1], "rb").read()
if b[:8] != b"CPROFMDL" or len(b) < 4096:
    sys.exit(1)
PY

# damaged WHAT: damage the cache, then an open must equal the reference and
# leave a new cache (the rename of a rebuilt one) that the next open uses
damaged() {
	what=$1
	python3 - "$C" "$what" <<'PY'
import os, sys
path, what = sys.argv[1], sys.argv[2]
b = bytearray(open(path, "rb").read())
if what == "truncated":
    b = b[: len(b) // 2]
elif what == "header":
    b[64] ^= 0x10          # inside the key
elif what == "bitflip":
    b[len(b) * 2 // 3] ^= 0x01
elif what == "garbage":
    b = bytearray(os.urandom(len(b)))
elif what == "empty":
    b = bytearray()
open(path + ".new", "wb").write(b)
os.rename(path + ".new", path)
PY
	bad=$(inode)
	outputs "$what"
	same ref "$what"
	ino=$(inode)
	[ "$ino" != "$bad" ] || fail "$what: the damaged cache was not replaced"
	"$CPROF_TRACE" stats "$T" >/dev/null 2>&1
	[ "$(inode)" = "$ino" ] || fail "$what: the rebuilt cache is not used by the next open"
}
for what in truncated header bitflip garbage empty; do
	note "a $what cache is noticed and rebuilt"
	damaged "$what"
done

note "a stream file changed after caching: the trace is read again"
stream=$(find "$T/ust" -type f -name 'cprof_*' ! -path '*/index/*' | head -1)
cp -p "$stream" "$WORK/stream.orig"
ino=$(inode)
touch -d '-5 seconds' "$stream"
outputs touched
same ref touched
[ "$(inode)" != "$ino" ] || fail "a stream file's new mtime did not rebuild the cache"
# cut the file short (a damaged trace): what the reader says now, not the cache
truncate -s -100 "$stream"
touch -d '-5 seconds' "$stream"
"$CPROF_TRACE" --no-cache stats "$T" >"$WORK/cut.ref" 2>&1 || true
"$CPROF_TRACE" stats "$T" >"$WORK/cut.out" 2>&1 || true
cmp -s "$WORK/cut.ref" "$WORK/cut.out" || fail "a stream file cut after caching: the old model was used"
grep -q "is cut short\|damaged" "$WORK/cut.out" || fail "the cut stream file is not reported"
cp -p "$WORK/stream.orig" "$stream"

note "tar archives: read, no cache left anywhere"
tar -C "$WORK" -cf "$WORK/allprof.tar" --exclude=.cprof-cache allprof
rm -rf "$T/.cprof-cache"
"$CPROF_TRACE" stats "$WORK/allprof.tar" >"$WORK/tar.stats" 2>/dev/null || fail "stats of a tar failed"
[ ! -e "$T/.cprof-cache" ] && [ ! -e "$WORK/.cprof-cache" ] || fail "reading a tar left a cache"
echo "ok: the model cache"
