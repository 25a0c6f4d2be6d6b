#!/bin/bash
# The model cache of a big batched trace, whose regions the first open
# builds straight into the cache file (reader/cache.c: rd_cache_open):
# the first and second opens give byte-identical stats, stats --json and
# region profile to --no-cache; the file has its regions at 2 MiB (the
# layout of a cache built while reading); a bit flipped among the regions,
# or in the file's last piece, is noticed and the cache rebuilt; a cache
# written by view or pprof keeps the region summary stats takes instead of
# computing it, as does one the window writes once the full view is up;
# a first open killed while reading leaves no file behind in
# the cache directory.
. "$(dirname "$0")/test-diagnose-lib.sh"
: "${BENCH_GEN:?BENCH_GEN must name bench-read-gen}"

ensure_sessiond
T="$WORK/trace"
C="$T/.cprof-cache/model"
"$CPROF_TRACE" record --no-auto --no-count --blocking-timeout=inf -o "$T" -- \
	"$BENCH_GEN" 3000000 2 >/dev/null 2>"$WORK/record.err" ||
	fail "record failed: $(cat "$WORK/record.err")"
touch -d '-10 seconds' "$T"/ust/uid/*/*/* "$T/cprof-record.json"
rm -rf "$T/.cprof-cache"

outputs() { # TAG [--no-cache]
	tag=$1
	shift
	"$CPROF_TRACE" "$@" stats "$T" >"$WORK/$tag.stats" 2>&1 || fail "$tag: stats failed"
	"$CPROF_TRACE" "$@" stats --json "$T" >"$WORK/$tag.json" 2>&1 || fail "$tag: stats --json"
	"$CPROF_TRACE" "$@" pprof -t region -o "$WORK/$tag.pb.gz" "$T" 2>&1 ||
		fail "$tag: pprof -t region failed"
	zcat "$WORK/$tag.pb.gz" >"$WORK/$tag.pb"
}
same() { # TAG-A TAG-B
	for f in stats json pb; do
		cmp -s "$WORK/$1.$f" "$WORK/$2.$f" || fail "$2: $f differs from $1's"
	done
}
regions_at() { # the regions section's offset in the cache header
	python3 -c '
import struct, sys
b = open(sys.argv[1], "rb").read(4096)
# magic, format, nsec, version, key, size, checksum, 9 scalars: 144 bytes;
# then (offset, count, elem) per section, the regions 5th
print(struct.unpack_from("<Q", b, 144 + 4 * 24)[0])' "$C"
}

outputs ref --no-cache
grep -q '"regions"\|regions' "$WORK/ref.stats" || fail "no regions in the stats: $(head "$WORK/ref.stats")"
outputs first
[ -s "$C" ] || fail "the first open left no cache"
[ "$(regions_at)" = 2097152 ] || fail "the cache was not built while reading (regions at $(regions_at))"
[ "$(ls -A "$T/.cprof-cache")" = model ] || fail "files left in the cache directory: $(ls -A "$T/.cprof-cache")"
same ref first
ino=$(stat -c %i "$C")
outputs second
same ref second
[ "$(stat -c %i "$C")" = "$ino" ] || fail "the second open rewrote the cache instead of using it"

# flip OFFSET: one bit of the cache file flipped in place
flip() {
	python3 - "$C" "$1" <<'PY'
import os, sys
path, at = sys.argv[1], int(sys.argv[2])
b = bytearray(open(path, "rb").read())
b[at] ^= 0x04
open(path + ".new", "wb").write(b)
os.rename(path + ".new", path)
PY
}
# Near the regions' start, in the next of the 8 MiB pieces the checksum
# hashes apart (two threads take every other piece) and in the last.
for at in $((2097152 + 1000)) $((2097152 + 8388608 + 1000)) $(($(stat -c %s "$C") - 5000)); do
	note "a bit flipped at $at of $(stat -c %s "$C") is noticed"
	flip "$at"
	ino=$(stat -c %i "$C")
	outputs "flipped-$at"
	same ref "flipped-$at"
	[ "$(stat -c %i "$C")" != "$ino" ] || fail "the damaged cache (bit $at) was not replaced"
done

summary_len() { # bytes of the region summary kept in the cache (its last section)
	python3 -c '
import struct, sys
b = open(sys.argv[1], "rb").read(4096)
nsec = struct.unpack_from("<I", b, 12)[0]
print(struct.unpack_from("<Q", b, 144 + (nsec - 1) * 24 + 8)[0])' "$C"
}
# A cache written by another command than stats keeps the region summary
# too: the next stats takes it from there instead of passing over every
# region again (the same numbers, and the cache is not rewritten).
# The window writes it once the full view is up (reader.h's defer_cache),
# its regions lent to the model meanwhile: the same file.
for cmd in view view-window pprof; do
	note "a cache written by $cmd keeps the region statistics for stats"
	rm -rf "$T/.cprof-cache"
	case $cmd in
	view) "$CPROF_TRACE" view --screenshot "$WORK/shot.png" --size 640x400 "$T" ||
		fail "view --screenshot failed" ;;
	view-window)
		SDL_VIDEODRIVER=offscreen "$CPROF_TRACE" view --bench-frames 3 --size 640x400 \
			"$T" >/dev/null || fail "view --bench-frames failed"
		[ "$(regions_at)" = 2097152 ] ||
			fail "the window's cache has its regions at $(regions_at), not 2 MiB" ;;
	pprof) "$CPROF_TRACE" pprof -t region -o "$WORK/writer.pb.gz" "$T" ||
		fail "pprof failed" ;;
	esac
	[ -s "$C" ] || fail "$cmd wrote no cache"
	[ "$(summary_len)" -gt 0 ] ||
		fail "the cache $cmd wrote has no region summary: stats would compute it again"
	ino=$(stat -c %i "$C")
	outputs "by-$cmd"
	same ref "by-$cmd"
	[ "$(stat -c %i "$C")" = "$ino" ] || fail "stats rewrote the cache $cmd wrote"
done
[ "$(summary_len)" -gt 0 ] || fail "stats' own cache has no region summary"

note "a first open killed while reading leaves nothing behind"
for delay in 0.05 0.15 0.3; do
	rm -rf "$T/.cprof-cache"
	"$CPROF_TRACE" stats "$T" >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	left=$(ls -A "$T/.cprof-cache" 2>/dev/null | grep -v '^model$' || true)
	[ -z "$left" ] || fail "killed after ${delay}s: left $left in the cache directory"
done
echo "ok: the model cache built while reading"
