/*
 * DIR/cprof-record.json, the file `record` leaves beside a trace (its name
 * and keys are in tracer/cprof-record.h): written by record once the
 * program has exited (or per flight recorder snapshot), read by the reader
 * for the root of the process tree to keep. Both go through jansson.
 */
#ifndef CPROF_COMMON_RECORD_FILE_H
#define CPROF_COMMON_RECORD_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cprof-record.h"

enum cprof_record_file_status {
	CPROF_RECORD_FILE_OK = 0,
	CPROF_RECORD_FILE_ERROR_MEMORY,
	CPROF_RECORD_FILE_ERROR_IO, /* errno says why */
	CPROF_RECORD_FILE_MISSING,  /* no such file: not recorded by `record` */
	CPROF_RECORD_FILE_INVALID,  /* not JSON, or no positive "pid" */
};

struct cprof_record_info {
	int64_t pid;		   /* the recorded program */
	char *const *argv;	   /* its command line, NULL-terminated */
	uint64_t discarded_events; /* LTTng's count for the channel */
	const char *session;	   /* the LTTng session's name */
	/* A snapshot's "snapshot" object; NULL for a whole recording. */
	const struct cprof_record_snapshot *snapshot;
	int signal; /* the signal that killed the program, 0 none */
	/* record started the program under its session (CPROF_RECORD_KEY_LAUNCHED) */
	bool launched;
	/* processes of the tree in a PID namespace of their own, by the pid
	 * they saw (CPROF_RECORD_KEY_NS_PIDS); at most CPROF_RECORD_NS_PIDS_MAX */
	const int32_t *ns_pids;
	size_t n_ns_pids;
	/* CPROF_RECORD_KEY_NOTICES: at most CPROF_RECORD_NOTICES_MAX */
	const char *const *notices;
	size_t n_notices;
};

/*
 * Writes DIR/cprof-record.json, through a temporary name and a rename so
 * that a reader never sees half of it. Bytes of argv that are not UTF-8
 * are written as U+FFFD (JSON holds text only).
 */
enum cprof_record_file_status cprof_record_file_write(const char *dir,
						      const struct cprof_record_info *info);

/* A snapshot's "snapshot" object, as read back (see struct
 * cprof_record_snapshot for its meaning). */
struct cprof_snapshot_meta {
	unsigned seq;
	char trigger[16]; /* region, task, signal, api, lost */
	char reason[128]; /* region or task type, the API's reason, ... */
	uint64_t duration_ns;
	uint64_t task; /* the slow region's or task's task id, 0: none */
};

/* DIR/cprof-record.json as the viewer uses it, read once. */
struct cprof_record_file {
	int32_t pid;	  /* the recorded program; 0 when absent or not a pid */
	int signal;	  /* what killed the program, 0 when it exited or unknown */
	bool launched;	  /* its threads were recorded from their start */
	bool is_snapshot; /* a flight recorder snapshot: `snapshot` is filled */
	struct cprof_snapshot_meta snapshot;
	char error[200]; /* INVALID or ERROR_IO: why, in a few words */
	/* CPROF_RECORD_KEY_NS_PIDS: pids of the tree seen in a PID namespace */
	int32_t ns_pids[CPROF_RECORD_NS_PIDS_MAX];
	size_t n_ns_pids;
	/* CPROF_RECORD_KEY_NOTICES: processes the trace misses, and why */
	char notices[CPROF_RECORD_NOTICES_MAX][CPROF_RECORD_NOTICE_LEN + 1];
	size_t n_notices;
};

/*
 * Reads DIR/cprof-record.json into *out (zeroed first, and left so when
 * the file is missing or not JSON). INVALID: not JSON, or no positive
 * "pid" (the other keys are still read then).
 */
enum cprof_record_file_status cprof_record_file_read(const char *dir,
						     struct cprof_record_file *out);

#endif /* CPROF_COMMON_RECORD_FILE_H */
