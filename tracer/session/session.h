/*
 * The LTTng session driver behind `cprof-trace record`: it talks to the
 * session daemon only through liblttng-ctl (never the `lttng` command).
 *
 * One cprof_session is one LTTng session of its own (unique name) writing
 * a CTF trace to a local directory: UST domain, per-UID buffers, one
 * channel, the `cprof:*`, `lttng_ust_statedump:*` and `lttng_ust_lib:*`
 * events (the last two not when the preload says what is loaded), and the vtid, vpid, vppid and
 * procname contexts.
 *
 * Ownership: cprof_session_create() returns a session the caller owns and
 * frees with cprof_session_destroy(), which also destroys the LTTng
 * session if one was set up (flushing whatever was recorded). Strings
 * returned by cprof_session_borrow_*() belong to the session.
 *
 * Errors: every call that fails records a sentence a user can act on,
 * returned by cprof_session_borrow_error(); the caller reports it once.
 */
#ifndef CPROF_SESSION_H
#define CPROF_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cprof_session_status {
	CPROF_SESSION_OK = 0,
	CPROF_SESSION_ERROR_MEMORY,
	/* No session daemon, and none could be started. */
	CPROF_SESSION_ERROR_DAEMON,
	/* The session daemon refused a request. */
	CPROF_SESSION_ERROR_LTTNG,
	/* The daemon did not confirm the session's destruction in time. */
	CPROF_SESSION_ERROR_TIMEOUT,
};

/* Channel geometry. Sizes are powers of two (LTTng rounds them up). */
struct cprof_session_channel {
	uint64_t subbuf_size;	  /* bytes per sub-buffer */
	uint64_t num_subbuf;	  /* sub-buffers per CPU */
	int64_t blocking_timeout; /* us; 0: discard when full, -1: wait forever */
	/*
	 * A flight recorder (flight.h): a snapshot session whose ring buffers
	 * overwrite their oldest sub-buffer when full and are written out only
	 * by snapshots. blocking_timeout is then unused (overwrite mode never
	 * blocks), and the output directory is the snapshots' parent.
	 */
	bool overwrite;
	/*
	 * Every process recorded has the preload library, which says what
	 * objects are loaded itself (cprof:module): lttng-ust's statedump
	 * and dlopen events (lttng_ust_statedump:*, lttng_ust_lib:*) are
	 * then not enabled, each a registration with the daemon per process.
	 */
	bool modules_by_preload;
};

/*
 * Defaults measured to lose nothing at 1M events/s for 10 s (the record
 * benchmark in tests/bench/; batched, that is about 4 MB/s): 8 x 1 MiB per
 * CPU lost nothing at load 16, nor did 4 x 1 MiB. Every traced process
 * maps every CPU's buffers with MAP_POPULATE (lttng-ust 2.13), so their
 * size is paid per process: 4 MiB sub-buffers cost a shell loop of fork
 * and exec about 10 ms of system time more per process, and 8 x 1 MiB
 * about 2 ms more than 8 x 512 KiB (a loop of 100 /bin/true under record:
 * 1083 ms against 859, medians of 6 alternating runs), which keep a
 * batch at 8 KiB (cprof_record_batch_bytes) and lost nothing in 20M
 * region records on 2 threads either.
 */
#define CPROF_SESSION_SUBBUF_SIZE (512u * 1024)
#define CPROF_SESSION_NUM_SUBBUF 8u
#define CPROF_SESSION_BLOCKING_TIMEOUT_US 1000000

/* The channel's name in the session and in the trace. */
#define CPROF_SESSION_CHANNEL "cprof"

struct cprof_session;

/*
 * A new session object writing to `output_dir` (an absolute path). Nothing
 * is asked of LTTng yet; the name is chosen here, unique on this machine.
 */
enum cprof_session_status cprof_session_create(const char *output_dir,
					       struct cprof_session **session);

/*
 * Makes sure a session daemon answers: when none is alive, starts
 * `lttng-sessiond --daemonize` and sets *started.
 */
enum cprof_session_status cprof_session_ensure_daemon(struct cprof_session *session, bool *started);

/*
 * Creates the LTTng session, its channel, events and contexts. On failure
 * nothing is left on the daemon.
 */
enum cprof_session_status cprof_session_setup(struct cprof_session *session,
					      const struct cprof_session_channel *channel);

enum cprof_session_status cprof_session_start(struct cprof_session *session);

/*
 * Stops tracing, waiting until every recorded event is readable, then
 * reads the channel's discarded-event and lost-packet counts.
 */
enum cprof_session_status cprof_session_stop(struct cprof_session *session);

/*
 * Tells the session that no process it recorded is left (they all exited
 * and were reaped): once stopped and drained, its destruction is then not
 * waited for (see session.c).
 */
void cprof_session_set_settled(struct cprof_session *session);

/* Counts read by cprof_session_stop(). */
uint64_t cprof_session_discarded_events(const struct cprof_session *session);
uint64_t cprof_session_lost_packets(const struct cprof_session *session);

const char *cprof_session_borrow_name(const struct cprof_session *session);
const char *cprof_session_borrow_error(const struct cprof_session *session);

/*
 * Stops (if needed) and destroys the LTTng session, waiting until its
 * trace is complete on disk (unless the stop drained it and the session
 * was settled), then frees `session`. NULL is a no-op.
 * Returns CPROF_SESSION_ERROR_LTTNG (message printed nowhere: the object
 * is gone) if the daemon refused, CPROF_SESSION_ERROR_TIMEOUT if it did
 * not confirm within 10 s (a traced program killed mid-event can keep it
 * from ever doing so); callers may only warn.
 */
enum cprof_session_status cprof_session_destroy(struct cprof_session *session);

/*
 * Destroys sessions left behind by `record` processes of this machine
 * that died without cleaning up (SIGKILL): their name carries their pid.
 * Without this, a leaked session would keep writing every cprof event of
 * the user's processes to disk. The snapshot triggers of flight recorders
 * whose session is gone go too. Returns the number of sessions destroyed.
 */
int cprof_session_reap_stale(void);

/*
 * Whether this process gave up on the session daemon: a command it sent
 * went unanswered too long (ctl.h's watchdog, which printed one line
 * naming the daemon then). Every later command fails at once; callers
 * print no error of their own about the daemon.
 */
bool cprof_session_daemon_lost(void);

/* --- Sessions of a running process (`serve`, `record --pid`) ------------- */

/*
 * Records only these processes (LTTng's process-ID tracker, by vpid):
 * per-UID buffers otherwise collect every process of the user that emits
 * cprof events. Call between setup and start.
 */
enum cprof_session_status cprof_session_track_pids(struct cprof_session *session,
						   const int32_t *pids, size_t n);

/* served.c: see served.h. Whether pid runs libcprof-trace-preload's
 * state keeper (it was started with `cprof-trace env`'s environment). */
bool cprof_served_has_state_keeper(int32_t pid);
/* root and its descendants, at most max; returns how many. */
size_t cprof_served_tree(int32_t root, int32_t *pids, size_t max);
/* Asks each process for its state (once a session records it); waits up
 * to timeout_ms for the answers and returns how many answered. */
size_t cprof_served_request_state(const int32_t *pids, size_t n, uint64_t request, uint32_t flags,
				  int timeout_ms);
/* Sends the flight recorder's contract (flight-env.h: the token, the
 * watched region and task lines, the trigger signal or 0) to processes
 * that started without it; token 0 disarms. Returns how many answered. */
size_t cprof_served_arm_flight(const int32_t *pids, size_t n, uint64_t request, uint64_t token,
			       int signo, const char *regions, const char *tasks, int timeout_ms);
/* Tells the processes of a recorded tree the name of the tracker
 * (tracker.h) their new children ask to be tracked by (`follow`), or no
 * longer: the count that answered within timeout_ms. */
size_t cprof_served_follow_tracker(const int32_t *pids, size_t n, uint64_t request,
				   const char *name, bool follow, int timeout_ms);
/* Whether pid can be served or recorded (--pid): it exists and runs the
 * state keeper (a process started with it asked for in its environment
 * gets up to 2 s to open it); else a sentence saying how to start it
 * goes to `err`. */
bool cprof_served_check(int32_t pid, char *err, size_t errlen);
/* The process's command line as a NULL-terminated argv (empty when it is
 * gone), freed with cprof_served_cmdline_free(); NULL: out of memory. */
char **cprof_served_cmdline(int32_t pid);
void cprof_served_cmdline_free(char **argv);

#endif /* CPROF_SESSION_H */
