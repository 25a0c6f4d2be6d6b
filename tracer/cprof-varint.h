/*
 * Unsigned LEB128 varints of cprof:batch records (format in
 * cprof-tp-enums.h): written by the tracer (tracer/batch.c), read by the
 * reader (viewer/reader/batch.c).
 */
#ifndef CPROF_VARINT_H
#define CPROF_VARINT_H

#include <stdint.h>

static inline uint8_t *cprof_varint_put(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* The varint at p into *v; a varint cut by `end` reads up to there (the
 * caller sees p == end). */
static inline const uint8_t *cprof_varint_get(const uint8_t *p, const uint8_t *end, uint64_t *v)
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

#endif /* CPROF_VARINT_H */
