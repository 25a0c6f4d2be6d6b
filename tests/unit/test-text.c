/*
 * The shared text helpers (viewer/common/): durations read from the
 * command line, durations written for people, JSON strings, and the
 * cprof-record.json file written and read back.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/record_file.h"
#include "common/text.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);   \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static void test_duration_parse(void)
{
	static const struct {
		const char *text;
		enum cprof_duration_status status;
		uint64_t ns;
	} cases[] = {
	    {"0", CPROF_DURATION_OK, 0},
	    {"0.0", CPROF_DURATION_OK, 0},
	    {"1ns", CPROF_DURATION_OK, 1},
	    {"10us", CPROF_DURATION_OK, 10000},
	    {"2.5us", CPROF_DURATION_OK, 2500},
	    {"1.5ms", CPROF_DURATION_OK, 1500000},
	    {"1.5s", CPROF_DURATION_OK, 1500000000},
	    {".5s", CPROF_DURATION_OK, 500000000},
	    {"2min", CPROF_DURATION_OK, 120000000000ull},
	    {"2m", CPROF_DURATION_OK, 120000000000ull},
	    {"1.5ns", CPROF_DURATION_OK, 2}, /* nearest, half away from zero */
	    {"0.4ns", CPROF_DURATION_OK, 0},
	    {"0.123456789123s", CPROF_DURATION_OK, 123456789},
	    {"18446744073709551615ns", CPROF_DURATION_OK, UINT64_MAX},
	    {"500", CPROF_DURATION_NO_UNIT, 0},
	    {"1.5", CPROF_DURATION_NO_UNIT, 0},
	    {"", CPROF_DURATION_INVALID, 0},
	    {"s", CPROF_DURATION_INVALID, 0},
	    {".s", CPROF_DURATION_INVALID, 0},
	    {"-1s", CPROF_DURATION_INVALID, 0},
	    {" 1s", CPROF_DURATION_INVALID, 0},
	    {"1 s", CPROF_DURATION_INVALID, 0},
	    {"1x", CPROF_DURATION_INVALID, 0},
	    {"1sec", CPROF_DURATION_INVALID, 0},
	    {"18446744073709551616ns", CPROF_DURATION_INVALID, 0},
	    {"18446744074s", CPROF_DURATION_INVALID, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t ns = 12345;
		enum cprof_duration_status st = cprof_duration_parse(cases[i].text, &ns);

		CHECK(st == cases[i].status, "'%s': status %d, expected %d", cases[i].text, st,
		      cases[i].status);
		if (st == CPROF_DURATION_OK)
			CHECK(ns == cases[i].ns, "'%s': %" PRIu64 " ns, expected %" PRIu64,
			      cases[i].text, ns, cases[i].ns);
	}
	CHECK(cprof_duration_parse(NULL, &(uint64_t){0}) == CPROF_DURATION_INVALID, "NULL");
}

static void test_duration_hint(void)
{
	char buf[64];

	cprof_duration_hint("2", buf, sizeof(buf));
	CHECK(!strcmp(buf, "give a unit: 2s or 2000ms"), "'%s'", buf);
	cprof_duration_hint("1.5", buf, sizeof(buf));
	CHECK(!strcmp(buf, "give a unit: 1.5s or 1500ms"), "'%s'", buf);
}

static void test_duration_format(void)
{
	static const struct {
		uint64_t ns;
		const char *text;
	} cases[] = {
	    {0, "0ns"},
	    {999, "999ns"},
	    {1000, "1.000us"},
	    {12345, "12.345us"},
	    {1500000, "1.500ms"},
	    {999999999, "1000.000ms"},
	    {1234567890, "1.235s"},
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(!strcmp(cprof_format_duration(cases[i].ns, buf, sizeof(buf)), cases[i].text),
		      "%" PRIu64 ": '%s', expected '%s'", cases[i].ns, buf, cases[i].text);
}

/* What cprof_json_write_string writes for `s`. */
static const char *json_of(const char *s)
{
	static char buf[256];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	cprof_json_write_string(f, s);
	fclose(f);
	return buf;
}

static void test_json_string(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"", "\"\""},
	    {"plain", "\"plain\""},
	    {"a\"b\\c", "\"a\\\"b\\\\c\""},
	    {"tab\there\nline", "\"tab\\u0009here\\u000aline\""},
	    {"\x1f", "\"\\u001f\""},
	    {"caf\xc3\xa9 \xe2\x89\xa5 \xf0\x9f\x98\x80",
	     "\"caf\xc3\xa9 \xe2\x89\xa5 \xf0\x9f\x98\x80\""},
	    {"bad \xff end", "\"bad \\ufffd end\""},
	    {"x\x80y", "\"x\\ufffdy\""},
	    {"lead \xf5\x80\x80\x80", "\"lead \\ufffd\\ufffd\\ufffd\\ufffd\""},
	    {"cut \xc3", "\"cut \\ufffd\""},
	    {"overlong \xc0\xaf", "\"overlong \\ufffd\\ufffd\""},
	    {"surrogate \xed\xa0\x80", "\"surrogate \\ufffd\\ufffd\\ufffd\""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(!strcmp(json_of(cases[i].in), cases[i].out), "'%s' -> '%s', expected '%s'",
		      cases[i].in, json_of(cases[i].in), cases[i].out);
}

static void test_utf8_repair(void)
{
	char *s = cprof_utf8_repair("ok \xc3\xa9 \xff!");

	CHECK(s && !strcmp(s, "ok \xc3\xa9 \xef\xbf\xbd!"), "repair: '%s'", s ? s : "(null)");
	free(s);
}

static void test_record_file(void)
{
	char dir[] = "/tmp/cprof-test-text.XXXXXX";
	char *const argv[] = {"prog", "a \"quoted\" arg", "bad\xff", "tab\t", NULL};
	const struct cprof_record_info info = {
	    .pid = 4242, .argv = argv, .discarded_events = 7, .session = "cprof-record-1-2-3"};
	const char *want = "{\"pid\": 4242, \"argv\": [\"prog\", \"a \\\"quoted\\\" arg\", "
			   "\"bad\xef\xbf\xbd\", \"tab\\t\"], \"discarded_events\": 7, "
			   "\"session\": \"cprof-record-1-2-3\"}\n";
	char path[sizeof(dir) + 32];
	char text[512] = "";
	struct cprof_record_file rec;
	FILE *f;

	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	CHECK(cprof_record_file_read(dir, &rec) == CPROF_RECORD_FILE_MISSING && !rec.pid,
	      "missing file");
	CHECK(cprof_record_file_write(dir, &info) == CPROF_RECORD_FILE_OK, "write");
	snprintf(path, sizeof(path), "%s/cprof-record.json", dir);
	f = fopen(path, "r");
	if (f) {
		text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
		fclose(f);
	}
	CHECK(!strcmp(text, want), "cprof-record.json:\n%s\nexpected:\n%s", text, want);
	CHECK(cprof_record_file_read(dir, &rec) == CPROF_RECORD_FILE_OK && rec.pid == 4242,
	      "pid read back: %d", rec.pid);
	CHECK(!rec.launched && !rec.signal && !rec.is_snapshot, "launched, signal or snapshot "
								"without their keys");
	/* record started the program, killed by a signal: "launched" and
	 * "signal" follow, and read back; so does a snapshot's object */
	{
		struct cprof_record_info launched = info;
		const struct cprof_record_snapshot snap = {.seq = 3,
							   .trigger = "region",
							   .reason = "request",
							   .duration_ns = 150600000,
							   .task = 1003};

		launched.launched = true;
		launched.signal = 9;
		CHECK(cprof_record_file_write(dir, &launched) == CPROF_RECORD_FILE_OK, "write");
		CHECK(cprof_record_file_read(dir, &rec) == CPROF_RECORD_FILE_OK && rec.launched &&
			  rec.signal == 9 && !rec.is_snapshot,
		      "launched %d, signal %d not read back", rec.launched, rec.signal);
		launched.snapshot = &snap;
		CHECK(cprof_record_file_write(dir, &launched) == CPROF_RECORD_FILE_OK, "write");
		CHECK(cprof_record_file_read(dir, &rec) == CPROF_RECORD_FILE_OK &&
			  rec.is_snapshot && rec.snapshot.seq == 3 &&
			  !strcmp(rec.snapshot.trigger, "region") &&
			  !strcmp(rec.snapshot.reason, "request") &&
			  rec.snapshot.duration_ns == 150600000 && rec.snapshot.task == 1003,
		      "snapshot not read back: %u %s %s", rec.snapshot.seq, rec.snapshot.trigger,
		      rec.snapshot.reason);
	}
	/* Not JSON: no pid, and the reader keeps every process. */
	f = fopen(path, "w");
	if (f) {
		fputs("{\"pid\": 12", f);
		fclose(f);
	}
	CHECK(cprof_record_file_read(dir, &rec) == CPROF_RECORD_FILE_INVALID && rec.pid == 0,
	      "truncated file: pid %d", rec.pid);
	CHECK(!rec.launched && !rec.signal && !rec.is_snapshot, "truncated file: keys read");
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	test_duration_parse();
	test_duration_hint();
	test_duration_format();
	test_json_string();
	test_utf8_repair();
	test_record_file();
	if (failures)
		fprintf(stderr, "%d checks failed\n", failures);
	else
		printf("ok\n");
	return failures ? 1 : 0;
}
