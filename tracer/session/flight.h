/*
 * The flight recorder behind `cprof-trace record --flight`: a snapshot
 * session (session.h with an overwrite channel) records all the time into
 * bounded ring buffers, and snapshots of them are written out when a
 * trigger fires, as DIR/snapshot-NNN-REASON/ or to an lttng-relayd.
 *
 * What LTTng 2.13 does for us and what it cannot:
 * - Snapshot sessions and lttng_snapshot_record(): the ring buffers and
 *   the snapshot itself, to a local directory or a relay.
 * - Triggers: an event-rule-matches condition on cprof:snapshot (filtered
 *   on the recording's token, capturing the payload) with a notify action;
 *   record receives the notification on a notification channel and takes
 *   the snapshot. A snapshot-session action would let the daemon take it
 *   alone, but it names the snapshot `NAME-DATE-N` with no say in the
 *   name, carries nothing of why it fired, and its rate policies only
 *   count firings (every N, once after N) where a flight recorder needs a
 *   time interval and a total limit; so the action notifies and record
 *   applies the limits and names the snapshot after its reason.
 * - A condition cannot measure a duration (it sees one event, not the
 *   begin/end pair): slow regions and tasks are measured in the program
 *   (tracer/flight-watch.c), which emits cprof:snapshot.
 * - No condition fires on discarded events: the `lost` trigger polls the
 *   channel's discarded-event count (as `lttng list` reads it).
 * - A signal is not an LTTng notion: record's own handler, and the preload
 *   library's in the program, turn it into a request.
 *
 * Ownership: cprof_flight_create() returns an object the caller frees with
 * cprof_flight_destroy(); the configuration's rules belong to the config
 * (cprof_flight_config_free()).
 */
#ifndef CPROF_FLIGHT_H
#define CPROF_FLIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cprof-record.h"
#include "session.h"

enum cprof_flight_status {
	CPROF_FLIGHT_OK = 0,
	CPROF_FLIGHT_ERROR_MEMORY,
	CPROF_FLIGHT_ERROR_INPUT, /* a rule, a size or an output the user gave */
	CPROF_FLIGHT_ERROR_LTTNG,
};

enum cprof_flight_rule_kind {
	CPROF_FLIGHT_RULE_REGION,
	CPROF_FLIGHT_RULE_TASK,
	CPROF_FLIGHT_RULE_SIGNAL,
	CPROF_FLIGHT_RULE_API,
	CPROF_FLIGHT_RULE_LOST,
};

struct cprof_flight_rule {
	enum cprof_flight_rule_kind kind;
	char *type; /* region and task rules */
	uint64_t threshold_ns;
	int signo;
};

/* Ring buffers of 32 MiB in all: at the 20-40 bytes of a typical event
 * that is about a million events. */
#define CPROF_FLIGHT_DEFAULT_SIZE (32u * 1024 * 1024)
#define CPROF_FLIGHT_DEFAULT_MAX 10u
#define CPROF_FLIGHT_DEFAULT_INTERVAL_NS (5ull * 1000000000)

struct cprof_flight_config {
	uint64_t size; /* bytes over all CPUs */
	struct cprof_flight_rule *rules;
	size_t n_rules;
	unsigned max_snapshots;
	uint64_t interval_ns;
	const char *output_url; /* net://HOST[:CTRL[:DATA]], or NULL: local */
};

/*
 * Adds one --snapshot-on RULE: region:TYPE>DURATION, task:TYPE>DURATION,
 * signal:USR1|USR2, api, lost. DURATION is parsed by `parse_duration`
 * (the command's own). On a bad rule, a one-line reason goes to `err`.
 */
enum cprof_flight_status cprof_flight_add_rule(struct cprof_flight_config *config, const char *text,
					       bool (*parse_duration)(const char *, uint64_t *),
					       char *err, size_t errlen);

void cprof_flight_config_free(struct cprof_flight_config *config);

/* The overwrite channel for config->size over the CPUs LTTng gives
 * buffers to; a size too small for two pages per CPU is an error. */
enum cprof_flight_status cprof_flight_channel(const struct cprof_flight_config *config,
					      struct cprof_session_channel *channel, char *err,
					      size_t errlen);

/* Checks --snapshot-output's syntax (not whether a relay answers). */
enum cprof_flight_status cprof_flight_check_output(const char *url, char *err, size_t errlen);

/*
 * Writes a local snapshot's cprof-record.json (record's writer), with what
 * the snapshot was taken for; its strings belong to the flight recorder.
 */
typedef bool (*cprof_flight_meta_fn)(void *data, const char *dir,
				     const struct cprof_record_snapshot *snapshot);

struct cprof_flight;

/* `output_dir`: the absolute directory holding the snapshots (unused with
 * a relay). The session must be set up with cprof_flight_channel(). */
enum cprof_flight_status cprof_flight_create(const struct cprof_flight_config *config,
					     const struct cprof_session *session,
					     const char *output_dir, struct cprof_flight **flight);

/* The program's environment contract (tracer/flight-env.h). */
void cprof_flight_export_env(const struct cprof_flight *flight,
			     void (*put)(void *data, const char *name, const char *value),
			     void *data);

/*
 * With snapshots sent to a relay (config->output_url), the session
 * records only the processes of `tracker` (record's, tracker.h, started
 * on the session before it started; borrowed, stopped after
 * cprof_flight_stop()): the processes the flight recorder finds are added
 * to it. Required then; call before cprof_flight_arm().
 */
struct cprof_tracker;
void cprof_flight_use_tracker(struct cprof_flight *flight, struct cprof_tracker *tracker);

/*
 * The recorded processes run the preload library's state keeper
 * (served.h): before each snapshot they are asked for their state (thread
 * names, waits in progress, live heap, every stack), which the snapshot
 * then holds whatever the ring buffers overwrote. `arm`: they started
 * without the environment contract (`record --flight --pid`) and get it
 * through the state keeper, taken back when the recording stops. Call
 * before cprof_flight_start().
 */
void cprof_flight_use_state_keeper(struct cprof_flight *flight, bool arm);

/*
 * Registers the trigger and subscribes to its notifications; call after
 * the session started, before the program runs. Warns (stderr) when a
 * relay does not answer: snapshots then fail, the program runs anyway.
 * The triggers of killed flight recorders went with
 * cprof_session_reap_stale(), which the caller ran before its session.
 */
enum cprof_flight_status cprof_flight_arm(struct cprof_flight *flight);

/*
 * Adds `pid` to the program's processes. For the program, call it between
 * its fork and its exec (child.h's spawn hook): with snapshots sent to a
 * relay, the session records only the processes it was told of (the
 * process-ID tracker), and a loaded machine made the wait until
 * cprof_flight_start() long enough to lose a slow region's begin.
 */
void cprof_flight_track(struct cprof_flight *flight, pid_t pid);

/* The pids that the program's processes in a PID namespace of their own
 * saw themselves as, found so far: their count, the list in *pids, owned
 * by the flight recorder (from its snapshot callback, or once stopped). */
size_t cprof_flight_namespaced(const struct cprof_flight *flight, const int32_t **pids);

/* Starts taking snapshots of the program `pid` (a thread of record's). */
enum cprof_flight_status cprof_flight_start(struct cprof_flight *flight, pid_t pid, char **argv,
					    cprof_flight_meta_fn meta, void *meta_data);

/* Async-signal-safe: record got the trigger signal `signo`. */
void cprof_flight_on_signal(int signo);

/*
 * Call before the handler that calls cprof_flight_on_signal() is
 * installed: a trigger signal that comes before cprof_flight_start() (the
 * session being set up, the program not started yet) is kept, and its
 * snapshot taken once the program runs, instead of being dropped. False
 * when it cannot be (no pipe): such a signal is then dropped.
 */
bool cprof_flight_catch_signals(void);

/* Whether `signo` is a trigger signal of `config`. */
bool cprof_flight_wants_signal(const struct cprof_flight_config *config, int signo);

/* After the program exited: stops the thread, unregisters the trigger. */
void cprof_flight_stop(struct cprof_flight *flight);

const char *cprof_flight_borrow_error(const struct cprof_flight *flight);

/* "" or "; N more triggers not taken: ..." (what the rate limits held
 * back), for record's closing line. */
void cprof_flight_describe_held(const struct cprof_flight *flight, char *out, size_t len);

/* Snapshots written so far. */
unsigned cprof_flight_snapshots(const struct cprof_flight *flight);

void cprof_flight_destroy(struct cprof_flight *flight);

/* The bytes of the files under `dir` (not thread-safe: one caller at a
 * time). */
uint64_t cprof_tree_bytes(const char *dir);

#endif /* CPROF_FLIGHT_H */
