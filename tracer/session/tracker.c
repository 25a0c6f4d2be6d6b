/*
 * Record's side of session tracking (see tracker.h).
 *
 * Why a process tracker rather than filtering in the reader: per-UID
 * buffers take the events of every process of the user that has the
 * `cprof` probes enabled by any session, so two recordings at once (or a
 * daemon left by an earlier one) filled each other's traces; the reader's
 * process-tree filter hid them but the trace grew with them. The tracker
 * keeps them out of the buffers. Processes announce themselves (fork
 * handler, constructor) instead of being found by polling /proc, which
 * would miss a child's first milliseconds and short-lived children.
 */
#include "tracker.h"

#include <errno.h>
#include <fcntl.h>
#include <lttng/lttng.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cprof-record.h" /* CPROF_RECORD_NS_PIDS_MAX */
#include "ctl.h"

struct cprof_tracker {
	struct lttng_process_attr_tracker_handle *handle;
	pthread_mutex_t lock; /* handle and pids */
	int32_t *pids;	      /* tracked, in no order */
	bool *asked;	      /* by pids[i] itself (else added by record) */
	size_t n, cap;
	size_t late; /* processes that stopped waiting before their answer */
	/* the pids that processes in a PID namespace of their own sent */
	int32_t ns_pids[CPROF_RECORD_NS_PIDS_MAX];
	size_t n_ns;
	/* the tree's notices (track.h), each said once */
	char notices[CPROF_TRACKER_NOTICES_MAX][CPROF_TRACK_NOTICE_MAX + 1];
	size_t n_notices;
	int listen_fd;
	int wake[2];
	pthread_t thread;
	bool running;
	char name[64];
};

static bool add(struct cprof_tracker *t, pid_t pid, bool asked)
{
	size_t i = 0;

	pthread_mutex_lock(&t->lock);
	while (i < t->n && t->pids[i] != (int32_t)pid)
		i++;
	if (i < t->n) {
		t->asked[i] = t->asked[i] || asked;
		pthread_mutex_unlock(&t->lock);
		return false;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		int32_t *p = realloc(t->pids, cap * sizeof(*p));
		bool *a = p ? realloc(t->asked, cap * sizeof(*a)) : NULL;

		if (p)
			t->pids = p;
		if (a) {
			t->asked = a;
			t->cap = cap;
		}
	}
	if (t->n < t->cap) {
		t->asked[t->n] = asked;
		t->pids[t->n++] = (int32_t)pid;
	}
	/* Under the tracker's lock, so that a pid seen as known is tracked
	 * already. The liblttng-ctl lock is taken inside this one, never the
	 * other way round (ctl.h). */
	CPROF_CTL(lttng_process_attr_virtual_process_id_tracker_handle_add_pid(t->handle, pid));
	pthread_mutex_unlock(&t->lock);
	return true;
}

bool cprof_tracker_add(struct cprof_tracker *t, pid_t pid)
{
	return add(t, pid, false);
}

bool cprof_tracker_asked(struct cprof_tracker *t, pid_t pid)
{
	bool asked = false;

	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->n; i++)
		if (t->pids[i] == (int32_t)pid) {
			asked = t->asked[i];
			break;
		}
	pthread_mutex_unlock(&t->lock);
	return asked;
}

/*
 * The pid `sent` (what the process's getpid() said) as this side sees it.
 * LTTng's virtual process ID tracker matches the pid the session daemon
 * sees, in its own PID namespace: a process in a PID namespace of its own
 * (bwrap --unshare-pid, a container) says 2 where the daemon sees 26152,
 * and tracking 2 left all its events out of the trace. The kernel gives
 * the peer's pid in this side's namespace (SO_PEERCRED, taken at
 * connect); the pid the process saw is kept for the reader, since its
 * events carry that one.
 */
static int32_t peer_pid(struct cprof_tracker *t, int fd, int32_t sent)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	bool known = false;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.pid <= 0 ||
	    cred.pid == sent)
		return sent;
	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->n_ns && !known; i++)
		known = t->ns_pids[i] == sent;
	if (!known && t->n_ns < CPROF_RECORD_NS_PIDS_MAX)
		t->ns_pids[t->n_ns++] = sent;
	pthread_mutex_unlock(&t->lock);
	return (int32_t)cred.pid;
}

size_t cprof_tracker_namespaced(struct cprof_tracker *t, const int32_t **pids)
{
	size_t n;

	*pids = NULL;
	if (!t)
		return 0;
	pthread_mutex_lock(&t->lock);
	n = t->n_ns;
	*pids = t->ns_pids;
	pthread_mutex_unlock(&t->lock);
	return n;
}

/*
 * A notice (track.h): said on stderr at once, once per text (a shell loop
 * running the same untraced program a hundred times says it once), and
 * kept for cprof-record.json.
 */
static void note(struct cprof_tracker *t, const char *text)
{
	bool known = false;

	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->n_notices && !known; i++)
		known = !strcmp(t->notices[i], text);
	if (!known && t->n_notices < CPROF_TRACKER_NOTICES_MAX)
		snprintf(t->notices[t->n_notices++], sizeof(t->notices[0]), "%s", text);
	pthread_mutex_unlock(&t->lock);
	if (!known)
		fprintf(stderr, "cprof-trace: %s\n", text);
}

/* A notice's length (uint16_t) and text, after its pid 0. */
static void read_notice(struct cprof_tracker *t, int fd)
{
	char text[CPROF_TRACK_NOTICE_MAX + 1];
	uint16_t len = 0;
	size_t got = 0;
	ssize_t n;

	if (read(fd, &len, sizeof(len)) != (ssize_t)sizeof(len) || !len ||
	    len > CPROF_TRACK_NOTICE_MAX)
		return;
	/* written whole before the sender closed (or went on to exec) */
	while (got < len && (n = read(fd, text + got, len - got)) > 0)
		got += (size_t)n;
	if (got < len)
		return;
	text[got] = '\0';
	for (size_t i = 0; i < got; i++)
		if (text[i] == '\n')
			text[i] = ' ';
	note(t, text);
}

size_t cprof_tracker_notices(struct cprof_tracker *t, const char *out[], size_t max)
{
	size_t n = 0;

	if (!t)
		return 0;
	pthread_mutex_lock(&t->lock);
	for (; n < t->n_notices && n < max; n++)
		out[n] = t->notices[n];
	pthread_mutex_unlock(&t->lock);
	return n;
}

/*
 * One request: a pid in (negative: the process does not wait for the
 * answer), one byte out once it is tracked. A process that waits gives up
 * after a while (track.c) and goes on untracked until the daemon sets it
 * up: its events until then are dropped, by no count of LTTng's. Its end
 * of the connection is closed by then, and the answer fails: counted.
 */
static void answer(struct cprof_tracker *t, int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int32_t pid = 0;
	bool waits = false;
	char ack = 1;

	if (poll(&p, 1, 1000) == 1 && read(fd, &pid, sizeof(pid)) == (ssize_t)sizeof(pid) &&
	    pid == 0) {
		read_notice(t, fd);
		close(fd);
		return;
	}
	if (pid != 0 && pid != INT32_MIN) {
		waits = pid > 0;
		add(t, (pid_t)peer_pid(t, fd, waits ? pid : -pid), true);
	}
	if (send(fd, &ack, 1, MSG_NOSIGNAL) != 1 && waits) {
		pthread_mutex_lock(&t->lock);
		t->late++;
		pthread_mutex_unlock(&t->lock);
	}
	close(fd);
}

size_t cprof_tracker_late(struct cprof_tracker *t)
{
	size_t late;

	if (!t)
		return 0;
	pthread_mutex_lock(&t->lock);
	late = t->late;
	pthread_mutex_unlock(&t->lock);
	return late;
}

static void *tracker_thread(void *arg)
{
	struct cprof_tracker *t = arg;

	for (;;) {
		struct pollfd p[2] = {{.fd = t->listen_fd, .events = POLLIN},
				      {.fd = t->wake[0], .events = POLLIN}};
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (p[0].revents & POLLIN) {
			int fd = accept4(t->listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0)
				answer(t, fd);
		}
	}
	return NULL;
}

static bool listen_abstract(struct cprof_tracker *t)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	struct timespec ts;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	n = (size_t)snprintf(t->name, sizeof(t->name), "cprof-track-%d-%ld%09ld", (int)getpid(),
			     (long)ts.tv_sec, ts.tv_nsec);
	memcpy(a.sun_path + 1, t->name, n);
	t->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	return t->listen_fd >= 0 &&
	       bind(t->listen_fd, (struct sockaddr *)&a,
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) == 0 &&
	       listen(t->listen_fd, 64) == 0;
}

struct cprof_tracker *cprof_tracker_start(const char *session, char *err, size_t errlen)
{
	struct cprof_tracker *t = calloc(1, sizeof(*t));
	enum lttng_error_code code = LTTNG_OK;

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->listen_fd = t->wake[0] = t->wake[1] = -1;
	pthread_mutex_init(&t->lock, NULL);
	code = CPROF_CTL(lttng_session_get_tracker_handle(
	    session, LTTNG_DOMAIN_UST, LTTNG_PROCESS_ATTR_VIRTUAL_PROCESS_ID, &t->handle));
	if (code != LTTNG_OK || CPROF_CTL(lttng_process_attr_tracker_handle_set_tracking_policy(
				    t->handle, LTTNG_TRACKING_POLICY_INCLUDE_SET)) !=
				    LTTNG_PROCESS_ATTR_TRACKER_HANDLE_STATUS_OK) {
		snprintf(err, errlen, "cannot limit the session to the program's processes: %s",
			 lttng_strerror(-(int)(code != LTTNG_OK ? code : LTTNG_ERR_UNK)));
		goto error;
	}
	if (!listen_abstract(t) || pipe2(t->wake, O_CLOEXEC)) {
		snprintf(err, errlen, "cannot listen for the program's processes: %s",
			 strerror(errno));
		goto error;
	}
	if (pthread_create(&t->thread, NULL, tracker_thread, t)) {
		snprintf(err, errlen, "cannot start the process-tracking thread");
		goto error;
	}
	t->running = true;
	return t;
error:
	cprof_tracker_stop(t);
	return NULL;
}

const char *cprof_tracker_borrow_name(const struct cprof_tracker *t)
{
	return t->name;
}

void cprof_tracker_quiesce(struct cprof_tracker *t)
{
	int fd;

	if (!t)
		return;
	if (t->running) {
		(void)!write(t->wake[1], "q", 1);
		pthread_join(t->thread, NULL);
		t->running = false;
	}
	if (t->listen_fd < 0)
		return;
	/* requests still queued: answered (and counted when late) */
	while ((fd = accept4(t->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0 ||
	       errno == EINTR)
		if (fd >= 0)
			answer(t, fd);
	close(t->listen_fd);
	t->listen_fd = -1;
}

void cprof_tracker_stop(struct cprof_tracker *t)
{
	if (!t)
		return;
	cprof_tracker_quiesce(t);
	if (t->wake[0] >= 0) {
		close(t->wake[0]);
		close(t->wake[1]);
	}
	lttng_process_attr_tracker_handle_destroy(t->handle);
	pthread_mutex_destroy(&t->lock);
	free(t->pids);
	free(t->asked);
	free(t);
}
