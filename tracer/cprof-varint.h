/*
 * Varints of cprof:batch records (format in cprof-tp-enums.h): written by
 * the tracer (tracer/batch.c, and include/cprof/trace.h's inline path),
 * read by the tracer and the reader (viewer/reader/batch.c).
 *
 * A varint holds v + 1 (mod 2^64) as unsigned LEB128: its last byte is
 * never zero and its others have the high bit set, so no byte of a record
 * is zero, and a batch goes out as a CTF string, which babeltrace2 reads
 * in one copy instead of decoding an array element by element. v =
 * UINT64_MAX (v + 1 wraps to 0) is written as 2^64, ten bytes, which a
 * reader's 64-bit accumulator wraps back to 0. Traces recorded before held
 * plain LEB128 varints in integer arrays: cprof_leb128_get reads those.
 */
#ifndef CPROF_VARINT_H
#define CPROF_VARINT_H

#include <stdint.h>

static inline uint8_t *cprof_varint_put(uint8_t *p, uint64_t v)
{
	if (++v == 0) {
		for (int i = 0; i < 9; i++)
			*p++ = 0x80;
		*p++ = 0x02;
		return p;
	}
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* A plain LEB128 varint at p into *v; one cut by `end` reads up to there
 * (the caller sees p == end). */
static inline const uint8_t *cprof_leb128_get(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
	uint64_t r = 0;

	/* most varints of a batch are one byte (ids, small values) */
	if (p < end && *p < 0x80) {
		*v = *p;
		return p + 1;
	}

	for (unsigned shift = 0; p < end && shift < 64; shift += 7) {
		uint8_t c = *p++;

		r |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*v = r;
			return p;
		}
	}
	*v = r;
	return end;
}

/* A varint written by cprof_varint_put. */
static inline const uint8_t *cprof_varint_get(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
	p = cprof_leb128_get(p, end, v);
	*v -= 1;
	return p;
}

#endif /* CPROF_VARINT_H */
