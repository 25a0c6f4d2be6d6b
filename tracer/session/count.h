/*
 * Counting the events of a freshly recorded trace, for record's closing
 * line. liblttng-ctl counts only discarded events, and a CTF stream cannot
 * be walked without decoding it, so this decodes the trace with
 * libbabeltrace2 (about 0.5 s per million events here) and keeps nothing.
 */
#ifndef CPROF_SESSION_COUNT_H
#define CPROF_SESSION_COUNT_H

#include <stdbool.h>
#include <stdint.h>

struct cprof_event_count {
	uint64_t events;    /* event messages */
	uint64_t discarded; /* sum of the known discarded-events counts */
	uint64_t streams;   /* data streams read */
};

enum cprof_count_status {
	CPROF_COUNT_OK = 0,
	CPROF_COUNT_NO_TRACE, /* no directory holding a CTF `metadata` file */
	CPROF_COUNT_ERROR,    /* babeltrace2 could not read the trace */
};

/* Reads every CTF trace under `dir` (recursively). */
enum cprof_count_status cprof_count_events(const char *dir, struct cprof_event_count *count);

#endif /* CPROF_SESSION_COUNT_H */
