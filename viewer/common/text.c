/*
 * Text helpers shared by the commands (see text.h).
 *
 * JSON strings are escaped here by hand rather than through jansson, which
 * the record file uses: `stats --json` and `view --print-panel` write
 * control characters as \u00XX, where jansson writes \n, \t and uppercase
 * hex, and their output is a contract scripts compare byte for byte.
 */
#include "text.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/*
 * The length of the UTF-8 sequence at `s` (1 to 4), or 0 when the byte at
 * `s` does not begin a well-formed one: no overlong forms, no surrogates,
 * nothing above U+10FFFF (RFC 3629).
 */
static int utf8_sequence(const unsigned char *s)
{
	unsigned char c = s[0];
	int n = c < 0x80		? 1
		: c >= 0xc2 && c < 0xe0 ? 2
		: c >= 0xe0 && c < 0xf0 ? 3
		: c >= 0xf0 && c < 0xf5 ? 4
					: 0;

	for (int k = 1; k < n; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	if (n == 3 && ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0)))
		return 0;
	if (n == 4 && ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90)))
		return 0;
	return n;
}

void cprof_json_write_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', out);
	while (*p) {
		int n;

		if (*p == '"' || *p == '\\') {
			fprintf(out, "\\%c", *p++);
			continue;
		}
		if (*p < 0x20) {
			fprintf(out, "\\u%04x", *p++);
			continue;
		}
		n = utf8_sequence(p);
		if (n) {
			fwrite(p, 1, (size_t)n, out);
			p += n;
		} else {
			fputs("\\ufffd", out);
			p++;
		}
	}
	fputc('"', out);
}

char *cprof_utf8_repair(const char *s)
{
	static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);
	char *copy = malloc(len * 3 + 1); /* each byte at most U+FFFD */
	char *q = copy;

	if (!copy)
		return NULL;
	while (*p) {
		int n = utf8_sequence(p);

		if (n) {
			memcpy(q, p, (size_t)n);
			q += n;
			p += n;
		} else {
			memcpy(q, replacement, 3);
			q += 3;
			p++;
		}
	}
	*q = '\0';
	return copy;
}

json_t *cprof_json_text(const char *s)
{
	json_t *v = json_string(s);
	char *repaired;

	if (v)
		return v;
	repaired = cprof_utf8_repair(s);
	v = repaired ? json_string(repaired) : NULL;
	free(repaired);
	return v;
}

/* --- Durations ----------------------------------------------------------- */

enum cprof_duration_status cprof_duration_parse(const char *text, uint64_t *ns)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} units[] = {{"ns", 1},
		     {"us", 1000},
		     {"ms", 1000000},
		     {"s", 1000000000},
		     {"min", 60000000000ull},
		     {"m", 60000000000ull}};
	const char *p = text;
	uint64_t whole = 0, frac = 0, scale = 1;
	bool digits = false;

	if (!p)
		return CPROF_DURATION_INVALID;
	for (; *p >= '0' && *p <= '9'; p++, digits = true) {
		uint64_t d = (uint64_t)(*p - '0');

		if (whole > (UINT64_MAX - d) / 10)
			return CPROF_DURATION_INVALID;
		whole = whole * 10 + d;
	}
	if (*p == '.') {
		/* Digits past the 18th cannot change a rounded nanosecond of
		 * any unit here: they are read and dropped. */
		for (p++; *p >= '0' && *p <= '9'; p++, digits = true) {
			if (scale < 1000000000000000000ull) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
		}
	}
	if (!digits)
		return CPROF_DURATION_INVALID;
	if (!*p) {
		if (whole || frac)
			return CPROF_DURATION_NO_UNIT;
		*ns = 0;
		return CPROF_DURATION_OK;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		unsigned __int128 v;

		if (strcmp(p, units[i].suffix))
			continue;
		v = (unsigned __int128)whole * units[i].mult +
		    ((unsigned __int128)frac * units[i].mult + scale / 2) / scale;
		if (v > UINT64_MAX)
			return CPROF_DURATION_INVALID;
		*ns = (uint64_t)v;
		return CPROF_DURATION_OK;
	}
	return CPROF_DURATION_INVALID;
}

void cprof_duration_hint(const char *bare, char *buf, size_t len)
{
	snprintf(buf, len, "give a unit: %ss or %.15gms", bare, strtod(bare, NULL) * 1000);
}

/* One choice of unit for every form; the forms differ in digits only. */
const char *cprof_format_duration_as(double ns, enum cprof_duration_style style, char *buf,
				     size_t len)
{
	static const char *const units[] = {"ns", "us", "ms", "s"};
	static const double scale[] = {1, 1e3, 1e6, 1e9};
	int k = ns >= 1e9 ? 3 : ns >= 1e6 ? 2 : ns >= 1e3 ? 1 : 0;
	double v = ns / scale[k];

	switch (style) {
	case CPROF_DURATION_SHORT:
		snprintf(buf, len, "%.*f %s",
			 k == 0	    ? 0
			 : v >= 100 ? 1
			 : v >= 10  ? 2
				    : 3,
			 v, k == 1 ? "\u00b5s" : units[k]);
		break;
	case CPROF_DURATION_COMPACT:
		snprintf(buf, len, "%.*f%s", k, v, units[k]);
		break;
	default:
		snprintf(buf, len, "%.*f%s", k ? 3 : 0, v, units[k]);
		break;
	}
	return buf;
}

const char *cprof_format_duration(uint64_t ns, char *buf, size_t len)
{
	return cprof_format_duration_as((double)ns, CPROF_DURATION_TABLE, buf, len);
}
