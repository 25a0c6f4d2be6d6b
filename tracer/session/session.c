/*
 * The LTTng session driver: one session per `record`, through liblttng-ctl.
 */
#include "session.h"

#include "ctl.h"
#include "flight-internal.h"
#include "settle.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <lttng/lttng.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define SESSION_PREFIX "cprof-record-"
#define DESTROY_TIMEOUT_MS 10000

struct cprof_session {
	char name[LTTNG_NAME_MAX];
	char *output_dir;
	struct lttng_handle *handle;
	bool created; /* the LTTng session exists on the daemon */
	bool started;
	bool stopped;
	bool drained; /* the stop found no data pending: the trace is on disk */
	bool settled; /* no recorded process is left (cprof_session_set_settled) */
	uint64_t discarded_events;
	uint64_t lost_packets;
	char error[512];
};

static void set_error(struct cprof_session *session, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_error(struct cprof_session *session, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(session->error, sizeof(session->error), fmt, ap);
	va_end(ap);
}

/*
 * lttng_strerror() wants a negative code; the _ext calls return positive
 * ones, the older calls negative ones.
 */
static const char *lttng_reason(int code)
{
	return lttng_strerror(code > 0 ? -code : code);
}

/*
 * The pid namespace goes into the session name so that stale-session
 * reaping never mistakes a live `record` of another pid namespace sharing
 * this daemon (a container) for a dead one of ours.
 */
static unsigned long pid_namespace_id(void)
{
	struct stat st;

	if (stat("/proc/self/ns/pid", &st) != 0)
		return 0;
	return (unsigned long)st.st_ino;
}

enum cprof_session_status cprof_session_create(const char *output_dir,
					       struct cprof_session **session)
{
	enum cprof_session_status status = CPROF_SESSION_OK;
	struct cprof_session *s = NULL;
	struct timespec now;

	s = calloc(1, sizeof(*s));
	if (!s) {
		status = CPROF_SESSION_ERROR_MEMORY;
		goto error;
	}
	s->output_dir = strdup(output_dir);
	if (!s->output_dir) {
		status = CPROF_SESSION_ERROR_MEMORY;
		goto error;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(s->name, sizeof(s->name), SESSION_PREFIX "%lu-%ld-%lld%06ld", pid_namespace_id(),
		 (long)getpid(), (long long)now.tv_sec, now.tv_nsec / 1000);
	*session = s;
	goto end;

error:
	if (s)
		free(s->output_dir);
	free(s);
end:
	return status;
}

const char *cprof_session_borrow_name(const struct cprof_session *session)
{
	return session->name;
}

const char *cprof_session_borrow_error(const struct cprof_session *session)
{
	return session->error;
}

uint64_t cprof_session_discarded_events(const struct cprof_session *session)
{
	return session->discarded_events;
}

uint64_t cprof_session_lost_packets(const struct cprof_session *session)
{
	return session->lost_packets;
}

static enum cprof_session_status start_daemon(struct cprof_session *session)
{
	enum cprof_session_status status = CPROF_SESSION_OK;
	char *argv[] = {"lttng-sessiond", "--daemonize", NULL};
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;
	sigset_t none;
	pid_t pid;
	int wstatus;
	int ret;

	/*
	 * The daemon outlives us: give it no stdin and make sure it starts
	 * with default signal handling, whatever `record` installed.
	 */
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	ret = posix_spawnp(&pid, argv[0], &actions, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	posix_spawnattr_destroy(&attr);
	if (ret != 0) {
		set_error(session,
			  "no LTTng session daemon is running and lttng-sessiond cannot be started "
			  "(%s); install it with `apt-get install lttng-tools`",
			  strerror(ret));
		status = CPROF_SESSION_ERROR_DAEMON;
		goto end;
	}
	while (waitpid(pid, &wstatus, 0) < 0) {
		if (errno != EINTR) {
			wstatus = -1;
			break;
		}
	}
	if (wstatus == -1 || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
		if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 127)
			set_error(session,
				  "no LTTng session daemon is running and lttng-sessiond is not "
				  "installed; install it with `apt-get install lttng-tools`");
		else
			set_error(session,
				  "no LTTng session daemon is running and `lttng-sessiond "
				  "--daemonize` failed (status 0x%x, see its messages above); "
				  "check that lttng-tools is installed (`apt-get install "
				  "lttng-tools`)",
				  (unsigned)wstatus);
		status = CPROF_SESSION_ERROR_DAEMON;
		goto end;
	}
	/* --daemonize returns once the daemon is ready; allow for a slow
	 * machine anyway. */
	for (int i = 0; i < 50 && CPROF_CTL(lttng_session_daemon_alive()) != 1; i++)
		usleep(100 * 1000);
	if (CPROF_CTL(lttng_session_daemon_alive()) != 1) {
		set_error(session, "lttng-sessiond was started but does not answer");
		status = CPROF_SESSION_ERROR_DAEMON;
	}
end:
	return status;
}

enum cprof_session_status cprof_session_ensure_daemon(struct cprof_session *session, bool *started)
{
	enum cprof_session_status status = CPROF_SESSION_OK;

	*started = false;
	if (CPROF_CTL(lttng_session_daemon_alive()) == 1)
		goto end;
	status = start_daemon(session);
	if (status == CPROF_SESSION_OK)
		*started = true;
end:
	return status;
}

/*
 * vppid is asked for but optional: lttng-ust 2.13 has no ppid/vppid
 * context (the daemon answers "UST invalid context"), so on such versions
 * a process's parent must come from an event payload instead.
 */
static const struct {
	enum lttng_event_context_type type;
	const char *name;
	bool optional;
} contexts[] = {
    {LTTNG_EVENT_CONTEXT_VTID, "vtid", false},
    {LTTNG_EVENT_CONTEXT_VPID, "vpid", false},
    {LTTNG_EVENT_CONTEXT_VPPID, "vppid", true},
    {LTTNG_EVENT_CONTEXT_PROCNAME, "procname", false},
};

static const char *const event_patterns[] = {
    "cprof:*",
    "lttng_ust_statedump:*",
    "lttng_ust_lib:*",
};

/*
 * The metadata channel, asked to fetch new metadata every 20 ms.
 *
 * A process's event registrations append to the session's metadata, which
 * the session daemon pushes to the consumer when the process exits and
 * when the session stops; the consumer then waits for its metadata thread
 * to have written the new part, checking after 200 ms sleeps
 * (DEFAULT_METADATA_AVAILABILITY_WAIT_TIME in lttng-tools 2.13), with its
 * command thread blocked. A stop right after the program's exit, record's
 * case, waited those 200 ms every time. A switch timer on the metadata
 * channel makes the consumer fetch the metadata while the process runs,
 * so the pushes at its exit and at the stop are empty or already written:
 * stops took ~1 ms instead of ~200 in about 70% of records of /bin/true
 * here, and in every one of a program living 100 ms. The geometry is
 * lttng-tools' default for the metadata channel (two pages).
 */
#define METADATA_SWITCH_TIMER_US 20000

static enum cprof_session_status setup_metadata(struct cprof_session *session,
						struct lttng_domain *domain)
{
	enum cprof_session_status status = CPROF_SESSION_OK;
	struct lttng_channel *chan = lttng_channel_create(domain);
	long page = sysconf(_SC_PAGESIZE);
	int ret;

	if (!chan)
		return CPROF_SESSION_ERROR_MEMORY;
	snprintf(chan->name, sizeof(chan->name), "metadata");
	chan->attr.overwrite = 0;
	chan->attr.subbuf_size = page > 4096 ? (uint64_t)page : 4096;
	chan->attr.num_subbuf = 2;
	chan->attr.switch_timer_interval = METADATA_SWITCH_TIMER_US;
	chan->attr.read_timer_interval = 0;
	chan->attr.output = LTTNG_EVENT_MMAP;
	ret = CPROF_CTL(lttng_enable_channel(session->handle, chan));
	if (ret < 0) {
		set_error(session, "cannot set up the metadata channel: %s", lttng_reason(ret));
		status = CPROF_SESSION_ERROR_LTTNG;
	}
	lttng_channel_destroy(chan);
	return status;
}

/* The one channel every event goes to. */
static enum cprof_session_status setup_channel(struct cprof_session *session,
					       struct lttng_domain *domain,
					       const struct cprof_session_channel *channel)
{
	enum cprof_session_status status = CPROF_SESSION_OK;
	struct lttng_channel *chan = lttng_channel_create(domain);
	int ret;

	if (!chan)
		return CPROF_SESSION_ERROR_MEMORY;
	snprintf(chan->name, sizeof(chan->name), "%s", CPROF_SESSION_CHANNEL);
	chan->attr.overwrite = channel->overwrite ? 1 : 0;
	chan->attr.subbuf_size = channel->subbuf_size;
	chan->attr.num_subbuf = channel->num_subbuf;
	/* Snapshots read the buffers through mmap only. */
	if (channel->overwrite)
		chan->attr.output = LTTNG_EVENT_MMAP;
	ret = lttng_channel_set_blocking_timeout(
	    chan, channel->overwrite ? 0 : channel->blocking_timeout);
	if (ret < 0) {
		set_error(session, "cannot set the channel's blocking timeout: %s",
			  lttng_reason(ret));
		status = CPROF_SESSION_ERROR_LTTNG;
		goto end;
	}
	ret = CPROF_CTL(lttng_enable_channel(session->handle, chan));
	if (ret < 0) {
		set_error(session, "cannot create channel %s (%" PRIu64 " x %" PRIu64 " bytes): %s",
			  CPROF_SESSION_CHANNEL, channel->num_subbuf, channel->subbuf_size,
			  lttng_reason(ret));
		status = CPROF_SESSION_ERROR_LTTNG;
	}
end:
	lttng_channel_destroy(chan);
	return status;
}

/* The channel's contexts (vtid, vpid, ...) and the events enabled in it. */
static enum cprof_session_status setup_events(struct cprof_session *session,
					      bool modules_by_preload)
{
	struct lttng_event *event;
	int ret;

	for (size_t i = 0; i < sizeof(contexts) / sizeof(contexts[0]); i++) {
		struct lttng_event_context ctx;

		memset(&ctx, 0, sizeof(ctx));
		ctx.ctx = contexts[i].type;
		ret = CPROF_CTL(
		    lttng_add_context(session->handle, &ctx, NULL, CPROF_SESSION_CHANNEL));
		if (ret == -LTTNG_ERR_UST_CONTEXT_INVAL && contexts[i].optional)
			continue;
		if (ret < 0) {
			set_error(session, "cannot add context %s to channel %s: %s",
				  contexts[i].name, CPROF_SESSION_CHANNEL, lttng_reason(ret));
			return CPROF_SESSION_ERROR_LTTNG;
		}
	}

	/* cprof:* first: enough when the preload says what is loaded */
	for (size_t i = 0;
	     i < (modules_by_preload ? 1 : sizeof(event_patterns) / sizeof(event_patterns[0]));
	     i++) {
		event = lttng_event_create();
		if (!event)
			return CPROF_SESSION_ERROR_MEMORY;
		event->type = LTTNG_EVENT_TRACEPOINT;
		event->loglevel_type = LTTNG_EVENT_LOGLEVEL_ALL;
		snprintf(event->name, sizeof(event->name), "%s", event_patterns[i]);
		ret = CPROF_CTL(lttng_enable_event_with_exclusions(
		    session->handle, event, CPROF_SESSION_CHANNEL, NULL, 0, NULL));
		lttng_event_destroy(event);
		if (ret < 0) {
			set_error(session, "cannot enable events %s: %s", event_patterns[i],
				  lttng_reason(ret));
			return CPROF_SESSION_ERROR_LTTNG;
		}
	}
	return CPROF_SESSION_OK;
}

enum cprof_session_status cprof_session_setup(struct cprof_session *session,
					      const struct cprof_session_channel *channel)
{
	enum cprof_session_status status = CPROF_SESSION_OK;
	struct lttng_session_descriptor *descriptor = NULL;
	struct lttng_domain domain;
	enum lttng_error_code code;

	/* A snapshot session has no output of its own: each snapshot names
	 * its own directory or relay (flight.c). */
	if (channel->overwrite)
		descriptor = lttng_session_descriptor_snapshot_create(session->name);
	else
		descriptor =
		    lttng_session_descriptor_local_create(session->name, session->output_dir);
	if (!descriptor) {
		status = CPROF_SESSION_ERROR_MEMORY;
		goto error;
	}
	code = CPROF_CTL(lttng_create_session_ext(descriptor));
	if (code != LTTNG_OK) {
		set_error(session, "cannot create LTTng session %s: %s", session->name,
			  lttng_reason(code));
		status = CPROF_SESSION_ERROR_LTTNG;
		goto error;
	}
	session->created = true;

	memset(&domain, 0, sizeof(domain));
	domain.type = LTTNG_DOMAIN_UST;
	/* Per-UID buffers survive short-lived processes (per-PID buffers of a
	 * process that exits before the consumer reads them are lost with
	 * it) and cost one buffer set per CPU, not per process. */
	domain.buf_type = LTTNG_BUFFER_PER_UID;
	session->handle = lttng_create_handle(session->name, &domain);
	if (!session->handle) {
		status = CPROF_SESSION_ERROR_MEMORY;
		goto error;
	}
	status = setup_channel(session, &domain, channel);
	/* a snapshot session is never stopped to be read: left as it was */
	if (status == CPROF_SESSION_OK && !channel->overwrite)
		status = setup_metadata(session, &domain);
	if (status == CPROF_SESSION_OK)
		status = setup_events(session, channel->modules_by_preload);
	if (status == CPROF_SESSION_OK)
		goto end;

error:
	if (session->created) {
		cprof_ctl_destroy_session(session->name, DESTROY_TIMEOUT_MS);
		session->created = false;
	}
	if (session->handle) {
		lttng_destroy_handle(session->handle);
		session->handle = NULL;
	}
end:
	lttng_session_descriptor_destroy(descriptor);
	return status;
}

enum cprof_session_status cprof_session_start(struct cprof_session *session)
{
	int ret = CPROF_CTL(lttng_start_tracing(session->name));

	if (ret < 0) {
		set_error(session, "cannot start LTTng session %s: %s", session->name,
			  lttng_reason(ret));
		return CPROF_SESSION_ERROR_LTTNG;
	}
	session->started = true;
	return CPROF_SESSION_OK;
}

/*
 * lttng-tools 2.13 has been seen reporting 2^63 + the true count (bit 63
 * leaks from an internal "unknown" marker). No real channel discards 2^63
 * events, so the bit is dropped.
 */
static uint64_t sane_count(uint64_t value)
{
	return value & ~(UINT64_C(1) << 63);
}

enum cprof_session_status cprof_session_stop(struct cprof_session *session)
{
	enum cprof_session_status status = CPROF_SESSION_OK;
	struct lttng_channel *channels = NULL;
	int count;
	int ret;

	if (!session->started || session->stopped)
		goto end;
	ret = CPROF_CTL(lttng_stop_tracing_no_wait(session->name));
	if (ret < 0 && ret != -LTTNG_ERR_TRACE_ALREADY_STOPPED) {
		set_error(session, "cannot stop LTTng session %s: %s", session->name,
			  lttng_reason(ret));
		status = CPROF_SESSION_ERROR_LTTNG;
		goto end;
	}
	session->stopped = true;
	/* lttng_stop_tracing() would wait too, 200 ms between its checks */
	session->drained = cprof_ctl_wait_drained(session->name, DESTROY_TIMEOUT_MS);

	count = CPROF_CTL(lttng_list_channels(session->handle, &channels));
	if (count < 0) {
		set_error(session, "cannot read the channel counters of session %s: %s",
			  session->name, lttng_reason(count));
		status = CPROF_SESSION_ERROR_LTTNG;
		goto end;
	}
	for (int i = 0; i < count; i++) {
		uint64_t discarded = 0;
		uint64_t lost = 0;

		if (strcmp(channels[i].name, CPROF_SESSION_CHANNEL) != 0)
			continue;
		if (lttng_channel_get_discarded_event_count(&channels[i], &discarded) == 0)
			session->discarded_events += sane_count(discarded);
		if (lttng_channel_get_lost_packet_count(&channels[i], &lost) == 0)
			session->lost_packets += sane_count(lost);
	}
end:
	free(channels);
	return status;
}

void cprof_session_set_settled(struct cprof_session *session)
{
	session->settled = true;
}

/*
 * The daemon confirms a destruction only after a "quiet rotation" of the
 * session, whose completion it checks on a 500 ms timer (lttng-tools
 * 2.13's DEFAULT_ROTATE_PENDING_TIMER): half a second of every `record`.
 * When the stop drained every stream and no recorded process is left, the
 * trace is complete as soon as the consumer daemon has closed each of its
 * files (settle.c): that is waited for instead, about 500 ms earlier. The
 * confirmation is still waited for otherwise, and when the files are not
 * all closed within SETTLE_TIMEOUT_MS.
 */
#define SETTLE_TIMEOUT_MS 2000

static struct cprof_settle *settle_watch(const struct cprof_session *session)
{
	if (!(session->stopped && session->drained && session->settled))
		return NULL;
	return cprof_settle_watch(session->output_dir);
}

enum cprof_session_status cprof_session_destroy(struct cprof_session *session)
{
	enum cprof_session_status status = CPROF_SESSION_OK;

	if (!session)
		goto end;
	/* a daemon given up on (ctl.h) would not confirm the destruction:
	 * the trace holds what it wrote until then */
	if (session->created && cprof_ctl_gave_up())
		status = CPROF_SESSION_ERROR_LTTNG;
	else if (session->created) {
		struct lttng_destruction_handle *handle = NULL;
		struct cprof_settle *settle = settle_watch(session); /* before the destruction */
		enum lttng_error_code ret =
		    CPROF_CTL(lttng_destroy_session_ext(session->name, &handle));
		int timeout = DESTROY_TIMEOUT_MS;

		if (ret == LTTNG_OK && settle) {
			if (cprof_settle_wait(settle, SETTLE_TIMEOUT_MS))
				timeout = 0;
			else
				timeout -= SETTLE_TIMEOUT_MS;
		}
		cprof_settle_free(settle);

		/*
		 * Waits until the trace is complete on disk, but not forever:
		 * when a traced program was killed (SIGKILL) between reserving
		 * and committing an event in a shared per-UID buffer, the
		 * daemon never reports the destruction complete (lttng-tools
		 * 2.13; `lttng destroy` hangs the same way), although the stop
		 * before it already flushed what can be read.
		 */
		if (ret == LTTNG_OK && handle && timeout > 0 &&
		    lttng_destruction_handle_wait_for_completion(handle, timeout) ==
			LTTNG_DESTRUCTION_HANDLE_STATUS_TIMEOUT)
			status = CPROF_SESSION_ERROR_TIMEOUT;
		else if (ret != LTTNG_OK && ret != LTTNG_ERR_SESS_NOT_FOUND)
			status = CPROF_SESSION_ERROR_LTTNG;
		lttng_destruction_handle_destroy(handle);
	}
	if (session->handle)
		lttng_destroy_handle(session->handle);
	free(session->output_dir);
	free(session);
end:
	return status;
}

int cprof_session_reap_stale(void)
{
	struct lttng_session *sessions = NULL;
	unsigned long our_ns = pid_namespace_id();
	int reaped = 0;
	int count;

	count = CPROF_CTL(lttng_list_sessions(&sessions));
	for (int i = 0; i < count; i++) {
		unsigned long ns;
		long pid;

		if (sscanf(sessions[i].name, SESSION_PREFIX "%lu-%ld-", &ns, &pid) != 2)
			continue;
		if (ns != our_ns || pid <= 0 || pid == (long)getpid())
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (cprof_ctl_destroy_session(sessions[i].name, DESTROY_TIMEOUT_MS) == 0)
			reaped++;
	}
	free(sessions);
	/* and the snapshot triggers of flight recorders whose session is
	 * gone: each keeps cprof:snapshot enabled in every program of the
	 * user (cprof_trace_snapshot() then costs a call, 53 ns, not 0.3) */
	flight_reap_stale_triggers();
	return reaped;
}

bool cprof_session_daemon_lost(void)
{
	return cprof_ctl_gave_up();
}
