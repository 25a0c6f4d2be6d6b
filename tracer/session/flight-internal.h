/*
 * Inside the flight recorder (flight.c: rules, channel, snapshots and the
 * thread; flight-trigger.c: the LTTng trigger and the program's processes;
 * flight-files.c: what is read from snapshot files). Not for record.
 */
#ifndef CPROF_FLIGHT_INTERNAL_H
#define CPROF_FLIGHT_INTERNAL_H

#include <lttng/lttng.h>
#include <pthread.h>

#include "flight.h"
#include "tracker.h"

struct cprof_flight {
	struct cprof_flight_config config;
	char session[LTTNG_NAME_MAX];
	char *output_dir;
	uint64_t token;
	struct lttng_trigger *trigger;
	struct lttng_notification_channel *channel;
	struct lttng_handle *handle;
	bool registered;
	bool subscribed;
	/* Record's tracker (tracker.h, borrowed), for snapshots sent to a
	 * relay only (see flight_limit_session); NULL: the session takes
	 * every process. */
	struct cprof_tracker *tracker;
	/* The program's live processes (sorted): asked for their state
	 * before each snapshot, and armed with --pid. As many as it has. */
	int32_t *procs;
	size_t n_procs;
	bool procs_warned; /* out of memory once: said once */
	/* the pids those of them in a PID namespace of their own see
	 * themselves as (their events carry these: cprof-record.json's
	 * namespaced_pids, for the reader) */
	int32_t ns_pids[CPROF_RECORD_NS_PIDS_MAX];
	size_t n_ns_pids;
	pthread_t thread;
	bool running;
	pid_t pid;
	char **argv;
	cprof_flight_meta_fn meta;
	void *meta_data;
	uint64_t last_ns;	  /* when the last snapshot was taken */
	uint64_t discarded;	  /* the channel's discarded events, last seen */
	uint64_t probe_bytes;	  /* one sub-buffer per stream (the `lost` probe) */
	uint64_t probe_set_bytes; /* the same for one set of per-UID buffers */
	unsigned taken, failed, held_interval, held_max, merged;
	/* The processes run the state keeper (served.h): each snapshot ends
	 * with their state. `arm`: they get the contract from it (--pid). */
	bool state_keeper, arm;
	char *arm_regions, *arm_tasks;
	int arm_signo;
	/* a trigger signal came before the program ran (cprof_flight_start) */
	bool early_signal;
	char error[512];
};

/* What a snapshot is taken for. */
struct request {
	uint8_t kind; /* enum cprof_tp_snapshot_kind, or KIND_LOST */
	char reason[128];
	uint64_t duration_ns;
	uint64_t task;
	uint64_t time_ns;
	uint64_t received_ns;
};

#define KIND_SIGNAL_TO_RECORD 100
#define KIND_LOST 101

void flight_set_error(struct cprof_flight *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
uint64_t flight_now_ns(void);
const char *flight_lttng_reason(int code);
bool flight_has_rule(const struct cprof_flight_config *config, enum cprof_flight_rule_kind kind);

/* flight-trigger.c */
void flight_reap_stale_triggers(void);
enum cprof_flight_status flight_register_trigger(struct cprof_flight *f);
enum cprof_flight_status flight_limit_session(struct cprof_flight *f);
void flight_track(struct cprof_flight *f, pid_t pid);
/* The program's processes again, from /proc: the new ones added (and
 * armed), the ones gone left out. */
void flight_rescan(struct cprof_flight *f);

/* flight.c: hands a process the contract (token 0: the end of it). */
void flight_arm_process(struct cprof_flight *f, pid_t pid, uint64_t token);

/* flight-files.c */
void flight_flatten(const char *path, const char *name);
void flight_check_coverage(const char *path, const struct request *req, unsigned seq);
bool flight_discarded_events(struct cprof_flight *f, uint64_t *count);

#endif /* CPROF_FLIGHT_INTERNAL_H */
