/*
 * Varints of cprof:batch records (format in cprof-tp-enums.h): written by
 * the tracer (tracer/batch.c, and include/cprof/trace.h's inline path),
 * read by the tracer and the reader (viewer/reader/batch.c).
 *
 * A varint holds v + 1 (mod 2^64) in base 64, least significant digit
 * first, each digit a byte of 0x40 | digit but the last, the most
 * significant, which is the digit alone and never zero. So every byte of a
 * record is 7-bit ASCII and none is zero: a batch goes out as a CTF
 * string, which babeltrace2 reads in one copy instead of decoding an
 * array element by element, and which its text output prints as escaped
 * ASCII (grep still reads it as text). v = UINT64_MAX (v + 1 wraps to 0)
 * is written as 2^64, eleven bytes, which a reader's 64-bit accumulator
 * wraps back to 0. Traces recorded before held plain LEB128 varints in
 * integer arrays: cprof_leb128_get reads those.
 */
#ifndef CPROF_VARINT_H
#define CPROF_VARINT_H

#include <stdint.h>

static inline uint8_t *cprof_varint_put(uint8_t *p, uint64_t v)
{
	if (++v == 0) {
		for (int i = 0; i < 10; i++)
			*p++ = 0x40;
		*p++ = 0x10;
		return p;
	}
	while (v >= 0x40) {
		*p++ = (uint8_t)(0x40 | (v & 0x3f));
		v >>= 6;
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

/* A varint written by cprof_varint_put; one cut by `end` reads up to
 * there (the caller sees p == end). */
static inline const uint8_t *cprof_varint_get(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
	uint64_t r = 0;

	/* most varints of a batch are one byte (ids), most others two (a
	 * record's time delta and kind) */
	if (p < end && *p < 0x40) {
		*v = (uint64_t)*p - 1;
		return p + 1;
	}
	if (end - p >= 2 && p[1] < 0x40) {
		*v = ((uint64_t)(p[0] & 0x3f) | (uint64_t)p[1] << 6) - 1;
		return p + 2;
	}
	for (unsigned shift = 0; p < end && shift < 66; shift += 6) {
		uint8_t c = *p++;

		r |= shift < 64 ? (uint64_t)(c & 0x3f) << shift : 0;
		if (!(c & 0x40)) {
			*v = r - 1;
			return p;
		}
	}
	*v = r - 1;
	return end;
}

#endif /* CPROF_VARINT_H */
