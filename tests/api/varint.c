/*
 * The two writers of cprof:batch varints agree byte for byte: the public
 * header's (cprof_put_varint_, compiled into programs' inline region path)
 * and the library's (tracer/cprof-varint.h, whose reader reads both), and
 * what they write reads back. The reader's model has a struct of the
 * header's name, so the two cannot share one definition.
 */
#include <cprof/trace.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cprof-varint.h"

static int check(uint64_t v)
{
	uint8_t a[16], b[16];
	uint8_t *ae = cprof_put_varint_(a, v), *be = cprof_varint_put(b, v);
	uint64_t back = v + 1;

	if (ae - a != be - b || memcmp(a, b, (size_t)(ae - a)) ||
	    cprof_varint_get(a, ae, &back) != ae || back != v) {
		fprintf(stderr, "varint %" PRIu64 ": the header and the library disagree\n", v);
		return 1;
	}
	return 0;
}

int main(void)
{
	int bad = 0;

	for (uint64_t v = 0; v < 70000; v++)
		bad |= check(v);
	for (int s = 0; s < 64; s++) {
		uint64_t p = (uint64_t)1 << s;
		bad |= check(p - 1) | check(p) | check(p + 1) | check(UINT64_MAX - p);
	}
	bad |= check(UINT64_MAX);
	return bad;
}
