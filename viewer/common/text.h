/*
 * Text helpers every command shares: JSON strings, durations read from
 * the command line and written for people.
 *
 * Durations on the command line always carry a unit (ns, us, ms, s, min,
 * with an optional fraction: 1.5ms): a bare number meant nanoseconds to
 * one command and seconds to another, so none accepts one any more, except
 * 0, which is the same in every unit.
 */
#ifndef CPROF_COMMON_TEXT_H
#define CPROF_COMMON_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/*
 * Writes `s` as a JSON string, quotes included. Names and log text come
 * from the traced program and may hold any bytes: quotes, backslashes and
 * control characters are escaped (\" \\ \u00XX), and bytes that are not
 * UTF-8 become U+FFFD (\ufffd), so that the output always parses.
 */
void cprof_json_write_string(FILE *out, const char *s);

/*
 * A copy of `s` where every byte that is not part of a UTF-8 sequence is
 * replaced by U+FFFD (what cprof_json_write_string writes), for JSON
 * libraries that refuse invalid UTF-8. The caller frees it; NULL when out
 * of memory.
 */
char *cprof_utf8_repair(const char *s);

/* A jansson string of `s`, whatever its bytes (repaired as above when it
 * is not UTF-8); NULL when out of memory. */
json_t *cprof_json_text(const char *s);

enum cprof_duration_status {
	CPROF_DURATION_OK = 0,
	CPROF_DURATION_NO_UNIT, /* a number other than 0 without a unit */
	CPROF_DURATION_INVALID, /* not a duration, or over 2^64 ns */
};

/* "1.5s", "20ms", "300us", "1000ns", "2min", "0" -> nanoseconds (a
 * fraction below 1 ns is rounded to the nearest). */
enum cprof_duration_status cprof_duration_parse(const char *text, uint64_t *ns);

/* For a bare number (CPROF_DURATION_NO_UNIT): "give a unit: 2s or 2000ms". */
void cprof_duration_hint(const char *bare, char *buf, size_t len);

/* The units cprof_duration_parse knows, for messages: "ns, us, ms, s, min". */
#define CPROF_DURATION_UNITS "ns, us, ms, s, min"

/* The forms a duration is written in; the unit is chosen the same way. */
enum cprof_duration_style {
	CPROF_DURATION_TABLE,	/* "950ns", "12.345us", "1.234s": stats' tables */
	CPROF_DURATION_SHORT,	/* "12.3 \u00b5s", 3-4 significant digits: the viewer */
	CPROF_DURATION_COMPACT, /* "950ns", "12.3us", "4.56ms", "1.234s": compare's columns */
};
const char *cprof_format_duration_as(double ns, enum cprof_duration_style style, char *buf,
				     size_t len);
/* The table form of a whole number of nanoseconds. */
const char *cprof_format_duration(uint64_t ns, char *buf, size_t len);

#endif /* CPROF_COMMON_TEXT_H */
