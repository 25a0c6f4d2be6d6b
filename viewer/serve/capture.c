/*
 * One capture = one LTTng session: create, track the served processes,
 * start, ask for their state, record, stop and destroy (which waits until
 * the trace is complete on disk). The session is destroyed on every path,
 * a cancelled one included, so a client that goes away never leaves a
 * session recording.
 */
#include "capture.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "follow.h"
#include "output.h"
#include "reader/reader.h"
#include "served.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void cprof_capture_destroy(struct cprof_capture *capture)
{
	if (!capture)
		return;
	if (capture->dir[0])
		cprof_output_remove(capture->dir);
	free(capture);
}

/* Until the capture's end, the served tree followed (follow.h) every
 * other step. */
static bool wait_recording(const struct cprof_capture_options *opts, struct cprof_follow *follow)
{
	uint64_t end = now_ns() + opts->duration_ns;

	for (unsigned i = 0;; i++) {
		uint64_t now = now_ns();
		struct timespec step = {0, 50000000};

		if (opts->cancelled && opts->cancelled(opts->data))
			return false;
		if (now >= end)
			return true;
		if (end - now < 50000000u)
			step.tv_nsec = (long)(end - now);
		nanosleep(&step, NULL);
		if (i & 1)
			cprof_follow_poll(follow);
	}
}

static uint64_t next_request(void)
{
	static uint64_t seq;

	return __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED) ^ ((uint64_t)getpid() << 32);
}

/*
 * Creating a session, its channel, contexts, events and tracker takes
 * hundreds of milliseconds on a busy machine (starting one, about a
 * hundred): the next session is prepared ahead, after each capture and at
 * the first request, so that a request only starts it and its first
 * samples come soon after the request.
 */
/* Two captures preparing at once must not both start a session daemon
 * (each liblttng-ctl call is serialized by the session library itself). */
static pthread_mutex_t daemon_mu = PTHREAD_MUTEX_INITIALIZER;

static pthread_mutex_t standby_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t standby_done = PTHREAD_COND_INITIALIZER;
static struct cprof_capture *standby;
static struct cprof_session *standby_session;
static int preparing;	    /* threads preparing one */
static bool standby_closed; /* serve is stopping: prepare no more */

static enum cprof_capture_status prepare(const struct cprof_capture_options *opts,
					 struct cprof_capture **cap, struct cprof_session **out,
					 char *err, size_t errlen)
{
	struct cprof_session *session = NULL;
	struct cprof_capture *c = calloc(1, sizeof(*c));
	const char *tmp = getenv("TMPDIR");
	bool started;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		goto error;
	}
	snprintf(c->dir, sizeof(c->dir), "%s/cprof-serve-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(c->dir)) {
		snprintf(err, errlen, "%s: cannot create a temporary directory: %s", c->dir,
			 strerror(errno));
		c->dir[0] = '\0';
		goto error;
	}
	snprintf(c->trace, sizeof(c->trace), "%s/trace", c->dir);
	if (cprof_session_create(c->trace, &session) != CPROF_SESSION_OK) {
		snprintf(err, errlen, "out of memory");
		goto error;
	}
	pthread_mutex_lock(&daemon_mu);
	if (cprof_session_ensure_daemon(session, &started) != CPROF_SESSION_OK) {
		pthread_mutex_unlock(&daemon_mu);
		snprintf(err, errlen, "%s", cprof_session_borrow_error(session));
		goto error;
	}
	pthread_mutex_unlock(&daemon_mu);
	if (cprof_session_setup(session, opts->channel) != CPROF_SESSION_OK) {
		snprintf(err, errlen, "%s", cprof_session_borrow_error(session));
		goto error;
	}
	if (cprof_session_track_pids(session, opts->pids, opts->npids) != CPROF_SESSION_OK) {
		snprintf(err, errlen, "cannot limit session %s to the served processes",
			 cprof_session_borrow_name(session));
		goto error;
	}
	*cap = c;
	*out = session;
	return CPROF_CAPTURE_OK;
error:
	cprof_session_destroy(session);
	cprof_capture_destroy(c);
	return CPROF_CAPTURE_ERROR;
}

struct standby_args {
	int32_t pids[256];
	size_t npids;
	struct cprof_session_channel channel;
};

/*
 * A daemon busy with other clients' sessions has been seen to answer
 * "no session daemon" or "fatal error" to one request and serve the
 * next: a request is tried three times, 200 ms apart, before it fails.
 */
static enum cprof_capture_status prepare_retry(const struct cprof_capture_options *opts,
					       struct cprof_capture **cap,
					       struct cprof_session **out, char *err, size_t errlen)
{
	enum cprof_capture_status status = CPROF_CAPTURE_ERROR;

	for (int attempt = 0; attempt < 3 && status != CPROF_CAPTURE_OK; attempt++) {
		struct timespec pause = {0, 200000000};

		if (attempt)
			nanosleep(&pause, NULL);
		status = prepare(opts, cap, out, err, errlen);
	}
	return status;
}

static void *prepare_standby(void *arg)
{
	struct standby_args *a = arg;
	struct cprof_capture_options opts = {
	    .pids = a->pids, .npids = a->npids, .channel = &a->channel};
	struct cprof_capture *c = NULL;
	struct cprof_session *session = NULL;
	char err[256];

	if (prepare_retry(&opts, &c, &session, err, sizeof(err)) == CPROF_CAPTURE_OK) {
		pthread_mutex_lock(&standby_mu);
		if (!standby && !standby_closed) {
			standby = c;
			standby_session = session;
			c = NULL;
			session = NULL;
		}
		pthread_mutex_unlock(&standby_mu);
	}
	cprof_session_destroy(session);
	cprof_capture_destroy(c);
	free(a);
	pthread_mutex_lock(&standby_mu);
	preparing--;
	pthread_cond_broadcast(&standby_done);
	pthread_mutex_unlock(&standby_mu);
	return NULL;
}

void cprof_capture_prepare_ahead(const struct cprof_capture_options *opts)
{
	struct standby_args *a = calloc(1, sizeof(*a));
	pthread_attr_t attr;
	pthread_t thread;

	if (!a)
		return;
	a->npids = opts->npids < 256 ? opts->npids : 256;
	memcpy(a->pids, opts->pids, a->npids * sizeof(*a->pids));
	a->channel = *opts->channel;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_mutex_lock(&standby_mu);
	if (standby_closed || pthread_create(&thread, &attr, prepare_standby, a) != 0)
		free(a);
	else
		preparing++;
	pthread_mutex_unlock(&standby_mu);
	pthread_attr_destroy(&attr);
}

void cprof_capture_drop_standby(void)
{
	pthread_mutex_lock(&standby_mu);
	/* a session being prepared is left on the daemon by no one */
	standby_closed = true;
	while (preparing > 0)
		pthread_cond_wait(&standby_done, &standby_mu);
	cprof_session_destroy(standby_session);
	cprof_capture_destroy(standby);
	standby = NULL;
	standby_session = NULL;
	pthread_mutex_unlock(&standby_mu);
}

/* Before the session stops: the tracker's thread talks to the session
 * daemon no more (as record, cmd_record.c), and the late are said. */
static void end_following(struct cprof_follow **follow, struct cprof_tracker **tracker)
{
	size_t late = cprof_follow_stop(*follow);

	*follow = NULL;
	cprof_tracker_quiesce(*tracker);
	late += cprof_tracker_late(*tracker);
	if (late)
		fprintf(
		    stderr,
		    "cprof-trace: warning: %zu process%s of the served tree ran untracked for a "
		    "while: %s first events are missing from the capture\n",
		    late, late == 1 ? "" : "es", late == 1 ? "its" : "their");
	cprof_tracker_stop(*tracker);
	*tracker = NULL;
}

enum cprof_capture_status cprof_capture_record(const struct cprof_capture_options *opts,
					       struct cprof_capture **out, char *err, size_t errlen)
{
	enum cprof_capture_status status = CPROF_CAPTURE_ERROR;
	struct cprof_session *session = NULL;
	struct cprof_capture *c = NULL;
	struct cprof_tracker *tracker = NULL;
	struct cprof_follow *follow = NULL;
	uint64_t t0 = now_ns();
	char why[256];

	*out = NULL;
	pthread_mutex_lock(&standby_mu);
	c = standby;
	session = standby_session;
	standby = NULL;
	standby_session = NULL;
	pthread_mutex_unlock(&standby_mu);
	if (!c && prepare_retry(opts, &c, &session, err, errlen) != CPROF_CAPTURE_OK)
		goto end;
	/* the tree may have new processes since the session was prepared;
	 * those it starts while recorded join through the tracker */
	tracker = cprof_tracker_start(cprof_session_borrow_name(session), why, sizeof(why));
	if (!tracker)
		fprintf(stderr,
			"cprof-trace: warning: %s: the processes started while recording are "
			"not recorded\n",
			why);
	for (size_t i = 0; tracker && i < opts->npids; i++)
		cprof_tracker_add(tracker, opts->pids[i]);
	if (!tracker)
		cprof_session_track_pids(session, opts->pids, opts->npids);
	if (cprof_session_start(session) != CPROF_SESSION_OK) {
		snprintf(err, errlen, "%s", cprof_session_borrow_error(session));
		goto end;
	}
	c->setup_ns = now_ns() - t0;
	if (tracker && opts->npids)
		follow = cprof_follow_start(tracker, opts->pids[0]);
	c->answered = cprof_served_request_state(opts->pids, opts->npids, next_request(),
						 opts->dump_flags, 2000);
	c->dump_ns = now_ns() - t0 - c->setup_ns;
	if (!wait_recording(opts, follow)) {
		status = CPROF_CAPTURE_CANCELED;
		goto end;
	}
	t0 = now_ns();
	end_following(&follow, &tracker);
	if (cprof_session_stop(session) != CPROF_SESSION_OK) {
		snprintf(err, errlen, "%s", cprof_session_borrow_error(session));
		goto end;
	}
	status = CPROF_CAPTURE_OK;
end:
	end_following(&follow, &tracker);
	if (session && cprof_session_destroy(session) != CPROF_SESSION_OK &&
	    status == CPROF_CAPTURE_OK) {
		snprintf(err, errlen, "the LTTng session could not be destroyed cleanly");
		status = CPROF_CAPTURE_ERROR;
	}
	if (c)
		c->teardown_ns = now_ns() - t0;
	if (status == CPROF_CAPTURE_OK) {
		*out = c;
		c = NULL;
	}
	cprof_capture_destroy(c);
	cprof_capture_prepare_ahead(opts);
	return status;
}

struct cprof_model *cprof_capture_read(const struct cprof_capture *capture, char *err,
				       size_t errlen)
{
	struct cprof_read_options ropts = {.keep_all_processes = true};
	struct cprof_model *model = NULL;
	enum cprof_read_status rs;

	rs = cprof_read_trace(capture->trace, &ropts, &model, err, errlen);
	if (rs == CPROF_READ_NOT_CTF || rs == CPROF_READ_NO_CPROF_EVENTS)
		snprintf(err, errlen,
			 "nothing was recorded (is the process running with `cprof-trace env`'s "
			 "environment?)");
	return rs == CPROF_READ_OK ? model : NULL;
}
