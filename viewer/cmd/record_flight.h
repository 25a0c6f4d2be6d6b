/*
 * `record --flight`: record's options and run-loop hooks for the flight
 * recorder (tracer/session/flight.h). Only cmd_record.c uses this.
 */
#ifndef CPROF_RECORD_FLIGHT_H
#define CPROF_RECORD_FLIGHT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "common/cli.h"
#include "flight.h"
#include "session.h"

enum {
	RECORD_FLIGHT_OPT_FLIGHT = 512,
	RECORD_FLIGHT_OPT_SNAPSHOT_ON,
	RECORD_FLIGHT_OPT_SNAPSHOT_MAX,
	RECORD_FLIGHT_OPT_SNAPSHOT_INTERVAL,
	RECORD_FLIGHT_OPT_SNAPSHOT_OUTPUT,
};

struct record_flight {
	bool on;	       /* --flight */
	bool snapshot_options; /* any --snapshot-* */
	struct cprof_flight_config config;
	struct cprof_flight *flight;
};

/* record's command line (its messages) and its parser for sizes. */
struct record_flight_parsers {
	const struct cprof_cli *cli;
	bool (*size)(const char *, uint64_t *);
};

void record_flight_init(struct record_flight *rf);
void record_flight_usage(FILE *out);

/* One option; false (and a one-line message on stderr) if it is bad. */
bool record_flight_option(struct record_flight *rf, int opt, const char *arg,
			  const struct record_flight_parsers *parsers);

/* After every option: checks what needs all of them and, with --flight,
 * replaces record's channel. False after a one-line message. */
bool record_flight_check(struct record_flight *rf, struct cprof_session_channel *channel);

/* Warns about region and task types `program` does not name. */
void record_flight_check_types(const struct record_flight *rf, const char *program);

/* After the session started: the trigger, and the program's environment
 * through `put`; `put` NULL: the program runs already (--pid) and gets
 * the contract through its state keeper. `tracker`: record's, which the
 * session is limited to with --snapshot-output (NULL otherwise). False
 * after a one-line message. */
struct cprof_tracker;
bool record_flight_arm(struct record_flight *rf, const struct cprof_session *session,
		       const char *output_dir, struct cprof_tracker *tracker,
		       void (*put)(void *data, const char *name, const char *value), void *data);

/* Whether the session records only the processes of record's tracker
 * (tracker.h): snapshots sent to a relay. */
bool record_flight_tracked(const struct record_flight *rf);

/* Signals record turns into snapshots (record's handler calls
 * cprof_flight_on_signal). */
bool record_flight_wants_signal(const struct record_flight *rf, int signo);

bool record_flight_start(struct record_flight *rf, pid_t pid, char **argv,
			 cprof_flight_meta_fn meta, void *meta_data);

/* After the program exited: the closing line. */
void record_flight_finish(struct record_flight *rf, const char *output_name);

void record_flight_free(struct record_flight *rf);

#endif /* CPROF_RECORD_FLIGHT_H */
