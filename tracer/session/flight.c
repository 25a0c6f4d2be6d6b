/*
 * The flight recorder: rules, the overwrite channel's geometry, the trigger
 * and its notification channel, and the thread that takes snapshots. See
 * flight.h for what LTTng does here and what it cannot.
 */
#include "flight-internal.h"

#include "batch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <lttng/lttng.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cprof-tp-enums.h"
#include "ctl.h"
#include "flight-env.h"

/* How often the thread looks for notifications and discarded events. The
 * notification channel has no descriptor to poll: this bounds what a
 * trigger waits for record, well under the second a snapshot may take. */
#define POLL_MS 20
#define LOST_POLL_MS 1000
#define CHILDREN_POLL_MS 100
/* lttng-relayd's default control port. */
#define RELAY_CTRL_PORT "5342"

/* Written by the signal handler: one process has one flight recorder. */
static int wake_pipe[2] = {-1, -1};

void flight_set_error(struct cprof_flight *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void flight_set_error(struct cprof_flight *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->error, sizeof(f->error), fmt, ap);
	va_end(ap);
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

uint64_t flight_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const char *flight_lttng_reason(int code)
{
	return lttng_strerror(code > 0 ? -code : code);
}

/* --- Rules ---------------------------------------------------------------- */

static const struct {
	const char *name;
	int signo;
} signal_names[] = {{"USR1", SIGUSR1}, {"USR2", SIGUSR2}};

static enum cprof_flight_status
parse_duration_rule(struct cprof_flight_rule *rule, const char *text, const char *body,
		    bool (*parse_duration)(const char *, uint64_t *), char *err, size_t errlen)
{
	const char *gt = strrchr(body, '>');

	if (!gt || gt == body || !gt[1]) {
		set_err(err, errlen,
			"--snapshot-on %s: expected %.*sTYPE>DURATION (for example "
			"region:request>100ms)",
			text, (int)(body - text), text);
		return CPROF_FLIGHT_ERROR_INPUT;
	}
	if (!parse_duration(gt + 1, &rule->threshold_ns)) {
		set_err(err, errlen,
			"--snapshot-on %s: '%s' is not a duration (give a unit: ns, us, ms, s)",
			text, gt + 1);
		return CPROF_FLIGHT_ERROR_INPUT;
	}
	if (memchr(body, '\n', (size_t)(gt - body))) {
		set_err(err, errlen, "--snapshot-on: a type cannot hold a newline");
		return CPROF_FLIGHT_ERROR_INPUT;
	}
	rule->type = strndup(body, (size_t)(gt - body));
	return rule->type ? CPROF_FLIGHT_OK : CPROF_FLIGHT_ERROR_MEMORY;
}

enum cprof_flight_status cprof_flight_add_rule(struct cprof_flight_config *config, const char *text,
					       bool (*parse_duration)(const char *, uint64_t *),
					       char *err, size_t errlen)
{
	struct cprof_flight_rule rule = {0};
	struct cprof_flight_rule *rules;
	enum cprof_flight_status status = CPROF_FLIGHT_OK;

	if (!strncmp(text, "region:", 7) || !strncmp(text, "task:", 5)) {
		rule.kind = text[0] == 'r' ? CPROF_FLIGHT_RULE_REGION : CPROF_FLIGHT_RULE_TASK;
		status = parse_duration_rule(&rule, text, strchr(text, ':') + 1, parse_duration,
					     err, errlen);
	} else if (!strncmp(text, "signal:", 7)) {
		const char *name = text + 7;

		rule.kind = CPROF_FLIGHT_RULE_SIGNAL;
		if (!strncmp(name, "SIG", 3))
			name += 3;
		for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
			if (!strcmp(name, signal_names[i].name))
				rule.signo = signal_names[i].signo;
		if (!rule.signo) {
			set_err(err, errlen, "--snapshot-on %s: the signal must be USR1 or USR2",
				text);
			status = CPROF_FLIGHT_ERROR_INPUT;
		}
	} else if (!strcmp(text, "api")) {
		rule.kind = CPROF_FLIGHT_RULE_API;
	} else if (!strcmp(text, "lost")) {
		rule.kind = CPROF_FLIGHT_RULE_LOST;
	} else {
		set_err(err, errlen,
			"--snapshot-on %s: unknown rule (region:TYPE>DURATION, "
			"task:TYPE>DURATION, signal:USR2, api or lost)",
			text);
		status = CPROF_FLIGHT_ERROR_INPUT;
	}
	if (status != CPROF_FLIGHT_OK)
		goto error;
	rules = realloc(config->rules, (config->n_rules + 1) * sizeof(*rules));
	if (!rules) {
		status = CPROF_FLIGHT_ERROR_MEMORY;
		goto error;
	}
	config->rules = rules;
	config->rules[config->n_rules++] = rule;
	goto end;
error:
	free(rule.type);
end:
	return status;
}

void cprof_flight_config_free(struct cprof_flight_config *config)
{
	for (size_t i = 0; i < config->n_rules; i++)
		free(config->rules[i].type);
	free(config->rules);
	config->rules = NULL;
	config->n_rules = 0;
}

bool flight_has_rule(const struct cprof_flight_config *config, enum cprof_flight_rule_kind kind)
{
	for (size_t i = 0; i < config->n_rules; i++)
		if (config->rules[i].kind == kind)
			return true;
	return false;
}

bool cprof_flight_wants_signal(const struct cprof_flight_config *config, int signo)
{
	for (size_t i = 0; i < config->n_rules; i++)
		if (config->rules[i].kind == CPROF_FLIGHT_RULE_SIGNAL &&
		    config->rules[i].signo == signo)
			return true;
	return false;
}

/* --- Channel and output --------------------------------------------------- */

/* LTTng gives per-UID buffers to every possible CPU, online or not. */
static unsigned possible_cpus(void)
{
	FILE *in = fopen("/sys/devices/system/cpu/possible", "r");
	unsigned n = 0;
	unsigned a, b;
	int c;

	if (!in)
		return (unsigned)sysconf(_SC_NPROCESSORS_CONF);
	while (fscanf(in, "%u", &a) == 1) {
		b = a;
		c = fgetc(in);
		if (c == '-' && fscanf(in, "%u", &b) == 1)
			c = fgetc(in);
		n += b - a + 1;
		if (c != ',')
			break;
	}
	fclose(in);
	return n ? n : 1;
}

static uint64_t floor_pow2(uint64_t v)
{
	while (v & (v - 1))
		v &= v - 1;
	return v;
}

/*
 * 64 sub-buffers per CPU (8 or more for small rings, whose sub-buffers
 * stay 64 KiB or more up to 8 of them): overwrite mode drops a whole
 * sub-buffer at a time, so smaller ones keep more of the recent past, and
 * every snapshot closes each CPU's current sub-buffer however little it
 * holds. With 8 per CPU, the eighth snapshot lost the ring's oldest
 * events although it held 1 MiB of 32 (flight-children: the first 12 of
 * 177 children gone from the final snapshot).
 */
enum cprof_flight_status cprof_flight_channel(const struct cprof_flight_config *config,
					      struct cprof_session_channel *channel, char *err,
					      size_t errlen)
{
	unsigned cpus = possible_cpus();
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t per_cpu = config->size / cpus;
	uint64_t subbuf;

	if (per_cpu < 2 * page) {
		set_err(err, errlen,
			"--flight=%" PRIu64
			": too small for %u CPUs (at least 2 sub-buffers of %" PRIu64
			" KiB per CPU: %" PRIu64 " KiB)",
			config->size, cpus, page / 1024, 2 * page * cpus / 1024);
		return CPROF_FLIGHT_ERROR_INPUT;
	}
	subbuf = floor_pow2(per_cpu / 64);
	if (subbuf < 64 * 1024) {
		subbuf = floor_pow2(per_cpu / 8);
		if (subbuf > 64 * 1024)
			subbuf = 64 * 1024;
	}
	if (subbuf < page)
		subbuf = page;
	if (subbuf > 4 * 1024 * 1024)
		subbuf = 4 * 1024 * 1024;
	*channel = (struct cprof_session_channel){
	    .subbuf_size = subbuf,
	    .num_subbuf = floor_pow2(per_cpu / subbuf),
	    .blocking_timeout = 0,
	    .overwrite = true,
	};
	return CPROF_FLIGHT_OK;
}

enum cprof_flight_status cprof_flight_check_output(const char *url, char *err, size_t errlen)
{
	if (strncmp(url, "net://", 6) || !url[6] || url[6] == ':' || url[6] == '/') {
		set_err(err, errlen,
			"--snapshot-output %s: expected net://HOST[:CTRL_PORT[:DATA_PORT]] (an "
			"lttng-relayd)",
			url);
		return CPROF_FLIGHT_ERROR_INPUT;
	}
	return CPROF_FLIGHT_OK;
}

/*
 * Whether a relay answers on its control port, within a second: said once
 * at the start, so a user knows snapshots will fail before one is lost.
 */
static bool relay_answers(const char *url, char *why, size_t whylen)
{
	char host[256];
	const char *port = RELAY_CTRL_PORT;
	char portbuf[16];
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	const char *p = url + 6;
	size_t len = strcspn(p, ":/");
	bool ok = false;
	int fd = -1;
	int rc;

	snprintf(host, sizeof(host), "%.*s", (int)len, p);
	if (p[len] == ':') {
		snprintf(portbuf, sizeof(portbuf), "%.*s", (int)strcspn(p + len + 1, ":/"),
			 p + len + 1);
		port = portbuf;
	}
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		snprintf(why, whylen, "%s", gai_strerror(rc));
		goto end;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || (connect(fd, res->ai_addr, res->ai_addrlen) && errno != EINPROGRESS)) {
		snprintf(why, whylen, "%s", strerror(errno));
		goto end;
	}
	{
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		if (poll(&pfd, 1, 1000) != 1) {
			snprintf(why, whylen, "no answer within 1 s");
			goto end;
		}
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		if (soerr) {
			snprintf(why, whylen, "%s", strerror(soerr));
			goto end;
		}
	}
	ok = true;
end:
	if (fd >= 0)
		close(fd);
	if (res)
		freeaddrinfo(res);
	return ok;
}

/* --- The flight recorder --------------------------------------------------- */

enum cprof_flight_status cprof_flight_create(const struct cprof_flight_config *config,
					     const struct cprof_session *session,
					     const char *output_dir, struct cprof_flight **flight)
{
	struct cprof_flight *f = calloc(1, sizeof(*f));

	if (!f)
		return CPROF_FLIGHT_ERROR_MEMORY;
	f->config = *config;
	snprintf(f->session, sizeof(f->session), "%s", cprof_session_borrow_name(session));
	f->output_dir = output_dir ? strdup(output_dir) : NULL;
	{
		struct cprof_session_channel channel;
		char err[256];

		if (cprof_flight_channel(config, &channel, err, sizeof(err)) == CPROF_FLIGHT_OK)
			f->probe_bytes = f->probe_set_bytes = channel.subbuf_size * possible_cpus();
	}
	/* Positive and non-zero: the filter compares it as a signed integer. */
	if (getrandom(&f->token, sizeof(f->token), 0) != sizeof(f->token))
		f->token = (uint64_t)getpid() << 32 ^ flight_now_ns();
	f->token = (f->token >> 2) | 1;
	if (output_dir && !f->output_dir) {
		free(f);
		return CPROF_FLIGHT_ERROR_MEMORY;
	}
	*flight = f;
	return CPROF_FLIGHT_OK;
}

const char *cprof_flight_borrow_error(const struct cprof_flight *flight)
{
	return flight->error;
}

unsigned cprof_flight_snapshots(const struct cprof_flight *flight)
{
	return flight->taken - flight->failed;
}

/* Rules of one kind as the library reads them: "NS TYPE" lines. */
static char *watch_list(const struct cprof_flight_config *config, enum cprof_flight_rule_kind kind)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	const char *sep = "";

	if (!out)
		return NULL;
	for (size_t i = 0; i < config->n_rules; i++) {
		if (config->rules[i].kind != kind)
			continue;
		fprintf(out, "%s%" PRIu64 " %s", sep, config->rules[i].threshold_ns,
			config->rules[i].type);
		sep = "\n";
	}
	fclose(out);
	return text;
}

void cprof_flight_use_tracker(struct cprof_flight *f, struct cprof_tracker *tracker)
{
	f->tracker = tracker;
}

void cprof_flight_use_state_keeper(struct cprof_flight *f, bool arm)
{
	f->state_keeper = true;
	f->arm = arm;
	if (!arm)
		return;
	f->arm_regions = watch_list(&f->config, CPROF_FLIGHT_RULE_REGION);
	f->arm_tasks = watch_list(&f->config, CPROF_FLIGHT_RULE_TASK);
	for (size_t i = 0; i < f->config.n_rules; i++)
		if (f->config.rules[i].kind == CPROF_FLIGHT_RULE_SIGNAL)
			f->arm_signo = f->config.rules[i].signo;
}

void flight_arm_process(struct cprof_flight *f, pid_t pid, uint64_t token)
{
	int32_t one = (int32_t)pid;
	uint64_t request = (uint64_t)getpid() << 32 | (uint64_t)(uint32_t)pid;

	if (!cprof_served_arm_flight(&one, 1, request, token, f->arm_signo,
				     f->arm_regions ? f->arm_regions : "",
				     f->arm_tasks ? f->arm_tasks : "", 1000) &&
	    token && pid == f->pid)
		fprintf(stderr,
			"cprof-trace: warning: process %d did not take the flight recorder's "
			"triggers: only signals to record will take snapshots\n",
			(int)pid);
}

void cprof_flight_export_env(const struct cprof_flight *flight,
			     void (*put)(void *data, const char *name, const char *value),
			     void *data)
{
	char text[32];
	char *list;

	snprintf(text, sizeof(text), "%" PRIu64, flight->token);
	put(data, CPROF_FLIGHT_ENV_TOKEN, text);
	list = watch_list(&flight->config, CPROF_FLIGHT_RULE_REGION);
	put(data, CPROF_FLIGHT_ENV_REGIONS, list ? list : "");
	free(list);
	list = watch_list(&flight->config, CPROF_FLIGHT_RULE_TASK);
	put(data, CPROF_FLIGHT_ENV_TASKS, list ? list : "");
	free(list);
	for (size_t i = 0; i < flight->config.n_rules; i++) {
		if (flight->config.rules[i].kind == CPROF_FLIGHT_RULE_SIGNAL) {
			snprintf(text, sizeof(text), "%d", flight->config.rules[i].signo);
			put(data, CPROF_FLIGHT_ENV_SIGNAL, text);
		}
	}
	put(data, CPROF_FLIGHT_ENV_INTERN, "0");
}

enum cprof_flight_status cprof_flight_arm(struct cprof_flight *f)
{
	enum cprof_flight_status status = CPROF_FLIGHT_OK;
	struct lttng_domain domain = {.type = LTTNG_DOMAIN_UST};
	char why[256];

	if (f->config.output_url && !relay_answers(f->config.output_url, why, sizeof(why)))
		fprintf(stderr,
			"cprof-trace: warning: %s: no lttng-relayd answers (%s): snapshots will "
			"fail until one does; the program runs anyway\n",
			f->config.output_url, why);
	f->handle = lttng_create_handle(f->session, &domain);
	if (!f->handle)
		return CPROF_FLIGHT_ERROR_MEMORY;
	status = flight_limit_session(f);
	if (status != CPROF_FLIGHT_OK)
		return status;
	if (flight_has_rule(&f->config, CPROF_FLIGHT_RULE_REGION) ||
	    flight_has_rule(&f->config, CPROF_FLIGHT_RULE_TASK) ||
	    flight_has_rule(&f->config, CPROF_FLIGHT_RULE_API) ||
	    flight_has_rule(&f->config, CPROF_FLIGHT_RULE_SIGNAL))
		status = flight_register_trigger(f);
	return status;
}

/* --- Snapshots ---------------------------------------------------------------- */

static const char *trigger_name(uint8_t kind)
{
	switch (kind) {
	case CPROF_TP_SNAPSHOT_API:
		return "api";
	case CPROF_TP_SNAPSHOT_REGION:
		return "region";
	case CPROF_TP_SNAPSHOT_TASK:
		return "task";
	case KIND_LOST:
		return "lost";
	default:
		return "signal";
	}
}

/* DIR/snapshot-NNN-REASON: REASON with what a file name should not hold
 * replaced. */
static void snapshot_name(const struct request *req, unsigned seq, char *out, size_t len)
{
	const char *kind = trigger_name(req->kind);
	size_t n = (size_t)snprintf(out, len, "snapshot-%03u-%s", seq, kind);

	if (req->reason[0] && req->kind != KIND_LOST && n + 1 < len) {
		out[n++] = '-';
		for (const char *p = req->reason; *p && n + 1 < len && n < 64; p++)
			out[n++] =
			    (strchr(
				 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._",
				 *p) &&
			     *p)
				? *p
				: '-';
		out[n] = '\0';
	}
}

static void describe(const struct request *req, const struct cprof_flight_config *config, char *out,
		     size_t len)
{
	uint64_t threshold = 0;

	for (size_t i = 0; i < config->n_rules; i++)
		if (config->rules[i].type && !strcmp(config->rules[i].type, req->reason) &&
		    (config->rules[i].kind == CPROF_FLIGHT_RULE_REGION) ==
			(req->kind == CPROF_TP_SNAPSHOT_REGION))
			threshold = config->rules[i].threshold_ns;
	switch (req->kind) {
	case CPROF_TP_SNAPSHOT_REGION:
	case CPROF_TP_SNAPSHOT_TASK:
		snprintf(out, len, "%s '%s' lasted %.1f ms (> %.1f ms)", trigger_name(req->kind),
			 req->reason, (double)req->duration_ns / 1e6, (double)threshold / 1e6);
		break;
	case CPROF_TP_SNAPSHOT_API:
		snprintf(out, len, "the program asked (cprof_trace_snapshot(\"%s\"))", req->reason);
		break;
	case KIND_LOST:
		snprintf(out, len, "%s", req->reason);
		break;
	case KIND_SIGNAL_TO_RECORD:
		snprintf(out, len, "record got SIG%s", req->reason);
		break;
	default:
		snprintf(out, len, "the program got SIG%s", req->reason);
		break;
	}
}

static void write_meta(struct cprof_flight *f, const struct request *req, unsigned seq,
		       const char *dir)
{
	struct cprof_record_snapshot info = {
	    .seq = seq,
	    .trigger = trigger_name(req->kind),
	    .reason = req->reason,
	    .duration_ns = req->duration_ns,
	    .task = req->task,
	    .time_ns = req->time_ns,
	};

	errno = 0;
	if (f->meta && !f->meta(f->meta_data, dir, &info))
		fprintf(stderr, "cprof-trace: warning: %s/cprof-record.json: %s\n", dir,
			errno ? strerror(errno) : "write error");
}

/*
 * The statedump (every loaded object's path, address and build id) was
 * written when each process started, long overwritten by now: asking for
 * it again puts it in the buffers the snapshot takes, so the snapshot's
 * stacks resolve to symbols.
 */
static int record_snapshot(struct cprof_flight *f, const char *name, const char *path)
{
	struct lttng_snapshot_output *out = lttng_snapshot_output_create();
	int ret = -LTTNG_ERR_NOMEM;

	CPROF_CTL(lttng_regenerate_statedump(f->session));
	/* the threads' names, waits in progress, live heap and every stack
	 * known, at the end of the buffers: the snapshot holds them */
	if (f->state_keeper) {
		/* every process alive now, the newest children too */
		flight_rescan(f);
		cprof_served_request_state(f->procs, f->n_procs,
					   (uint64_t)getpid() << 32 | (f->taken & 0xffffffffu), 0,
					   1000);
	}
	if (!out)
		return ret;
	lttng_snapshot_output_set_name(name, out);
	if (f->config.output_url)
		ret = lttng_snapshot_output_set_network_url(f->config.output_url, out);
	else
		ret = lttng_snapshot_output_set_local_path(path, out);
	if (ret >= 0)
		ret = CPROF_CTL(lttng_snapshot_record(f->session, out, 1));
	lttng_snapshot_output_destroy(out);
	return ret;
}

static bool rate_limited(struct cprof_flight *f, uint64_t now)
{
	if (f->taken >= f->config.max_snapshots) {
		if (!f->held_max++)
			fprintf(
			    stderr,
			    "cprof-trace: %u snapshots taken (--snapshot-max): further triggers "
			    "are ignored\n",
			    f->taken);
		return true;
	}
	if (f->taken && now - f->last_ns < f->config.interval_ns) {
		f->held_interval++;
		return true;
	}
	return false;
}

static void take_snapshot(struct cprof_flight *f, const struct request *req)
{
	char name[96];
	char path[4096];
	char what[256];
	uint64_t now = flight_now_ns();
	double after_ms;
	unsigned seq;
	int ret;

	if (rate_limited(f, now))
		return;
	seq = ++f->taken;
	f->last_ns = now;
	snapshot_name(req, seq, name, sizeof(name));
	snprintf(path, sizeof(path), "%s/%s", f->output_dir ? f->output_dir : ".", name);
	describe(req, &f->config, what, sizeof(what));
	ret = record_snapshot(f, name, path);
	now = flight_now_ns();
	if (ret < 0) {
		f->failed++;
		fprintf(stderr,
			"cprof-trace: warning: snapshot %u (%s) failed: %s%s; recording goes on\n",
			seq, what, flight_lttng_reason(ret),
			f->config.output_url ? " (is lttng-relayd running?)" : "");
		return;
	}
	if (!f->config.output_url) {
		flight_flatten(path, name);
		write_meta(f, req, seq, path);
	}
	after_ms = (double)(now - (req->time_ns && req->time_ns <= now ? req->time_ns
								       : req->received_ns)) /
		   1e6;
	if (f->config.output_url)
		fprintf(stderr, "cprof-trace: snapshot %u: %s: %s to %s (%.0f ms after the %s)\n",
			seq, what, name, f->config.output_url, after_ms,
			req->time_ns ? "request" : "trigger");
	else
		fprintf(stderr,
			"cprof-trace: snapshot %u: %s: %s (%.1f MiB, %.0f ms after the %s)\n", seq,
			what, path, (double)cprof_tree_bytes(path) / (1 << 20), after_ms,
			req->time_ns ? "request" : "trigger");
	if (!f->config.output_url)
		flight_check_coverage(path, req, seq);
}

/* --- The thread ------------------------------------------------------------------ */

static bool captured_uint(const struct lttng_event_field_value *array, unsigned i, uint64_t *value)
{
	const struct lttng_event_field_value *v = NULL;

	return lttng_event_field_value_array_get_element_at_index(array, i, &v) ==
		   LTTNG_EVENT_FIELD_VALUE_STATUS_OK &&
	       lttng_event_field_value_unsigned_int_get_value(v, value) ==
		   LTTNG_EVENT_FIELD_VALUE_STATUS_OK;
}

/* A notification -> a request; false if it is not a cprof:snapshot's. */
static bool parse_notification(struct lttng_notification *n, struct request *req)
{
	const struct lttng_evaluation *eval = lttng_notification_get_evaluation(n);
	const struct lttng_event_field_value *values = NULL;
	const struct lttng_event_field_value *v = NULL;
	const char *reason = NULL;
	uint64_t kind = 0;

	memset(req, 0, sizeof(*req));
	req->received_ns = flight_now_ns();
	if (!eval ||
	    lttng_evaluation_event_rule_matches_get_captured_values(eval, &values) !=
		LTTNG_EVALUATION_EVENT_RULE_MATCHES_STATUS_OK ||
	    !captured_uint(values, 0, &kind))
		return false;
	req->kind = (uint8_t)kind;
	if (lttng_event_field_value_array_get_element_at_index(values, 1, &v) ==
		LTTNG_EVENT_FIELD_VALUE_STATUS_OK &&
	    lttng_event_field_value_string_get_value(v, &reason) ==
		LTTNG_EVENT_FIELD_VALUE_STATUS_OK)
		snprintf(req->reason, sizeof(req->reason), "%s", reason);
	captured_uint(values, 2, &req->duration_ns);
	captured_uint(values, 3, &req->task);
	captured_uint(values, 4, &req->time_ns);
	if (req->kind == CPROF_TP_SNAPSHOT_SIGNAL) {
		/* The library sends the signal's number as its reason. */
		int signo = atoi(req->reason);

		for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
			if (signal_names[i].signo == signo)
				snprintf(req->reason, sizeof(req->reason), "%s",
					 signal_names[i].name);
	}
	return true;
}

/*
 * Requests that queued up while a snapshot was being taken (two triggers
 * at once, a storm of slow requests) make one snapshot, of the newest:
 * the older ones' events are the first the ring buffers overwrite.
 */
static void drain_notifications(struct cprof_flight *f)
{
	struct request newest, req;
	unsigned n_requests = 0;

	for (;;) {
		struct lttng_notification *n = NULL;
		bool pending = false;

		if (lttng_notification_channel_has_pending_notification(f->channel, &pending) !=
			LTTNG_NOTIFICATION_CHANNEL_STATUS_OK ||
		    !pending)
			break;
		if (lttng_notification_channel_get_next_notification(f->channel, &n) !=
		    LTTNG_NOTIFICATION_CHANNEL_STATUS_OK)
			break;
		if (parse_notification(n, &req)) {
			newest = req;
			n_requests++;
		}
		lttng_notification_destroy(n);
	}
	if (!n_requests)
		return;
	f->merged += n_requests - 1;
	take_snapshot(f, &newest);
}

static void check_lost(struct cprof_flight *f)
{
	struct request req = {.kind = KIND_LOST};
	uint64_t now;

	if (!flight_discarded_events(f, &now) || now <= f->discarded)
		return;
	req.received_ns = flight_now_ns();
	snprintf(req.reason, sizeof(req.reason), "the tracer discarded %" PRIu64 " event%s",
		 now - f->discarded, now - f->discarded == 1 ? "" : "s");
	f->discarded = now;
	take_snapshot(f, &req);
}

/*
 * A trigger signal that came before the program ran: its snapshot is taken
 * once the program is recorded, which its state keeper's socket tells
 * (opened by the preload library once lttng-ust registered the process):
 * taken at once, it would hold nothing of the program. At most
 * EARLY_WAIT_MS, or until the program is gone. The same for a signal
 * that came after the session started but before the program registered
 * (the clean-clone CI run's flight-early).
 */
#define EARLY_WAIT_MS 3000
static bool wait_program_recorded(const struct cprof_flight *f)
{
	const struct timespec tick = {0, 20 * 1000000};
	const struct timespec passes = {0, 2 * CPROF_BATCH_PERIOD_NS + 20 * 1000000};
	uint64_t deadline = flight_now_ns() + (uint64_t)EARLY_WAIT_MS * 1000000;

	if (!f->state_keeper || cprof_served_has_state_keeper((int32_t)f->pid))
		return false;
	while (!cprof_served_has_state_keeper((int32_t)f->pid) && flight_now_ns() < deadline &&
	       !(kill(f->pid, 0) != 0 && errno == ESRCH))
		nanosleep(&tick, NULL);
	/* the socket opens in the preload's constructor; the program's first
	 * records are in its threads' batches until their flusher's next
	 * pass (CPROF_BATCH_PERIOD_NS, 50 ms): two passes (the clean-clone CI
	 * run took one snapshot with no event of the program) */
	nanosleep(&passes, NULL);
	return true;
}

static const char *program_name(const struct cprof_flight *f)
{
	return f->argv && f->argv[0] ? f->argv[0] : "the program";
}

static void *flight_thread(void *arg)
{
	struct cprof_flight *f = arg;
	bool lost = flight_has_rule(&f->config, CPROF_FLIGHT_RULE_LOST);
	uint64_t next_lost = 0, next_children = 0;
	bool quit = false;

	if (lost)
		flight_discarded_events(f, &f->discarded);
	if (f->early_signal) {
		wait_program_recorded(f);
		fprintf(stderr,
			"cprof-trace: a trigger signal came while the session was being set up: "
			"its snapshot is taken now that %s runs\n",
			program_name(f));
	}
	while (!quit) {
		struct pollfd pfd = {.fd = wake_pipe[0], .events = POLLIN};
		char buf[64];

		if (poll(&pfd, 1, POLL_MS) > 0) {
			ssize_t n = read(wake_pipe[0], buf, sizeof(buf));

			for (ssize_t i = 0; i < n; i++) {
				if (buf[i] == 'Q') {
					quit = true;
				} else {
					struct request req = {.kind = KIND_SIGNAL_TO_RECORD};

					req.received_ns = flight_now_ns();
					snprintf(req.reason, sizeof(req.reason), "%s",
						 buf[i] == '1' ? "USR1" : "USR2");
					/* the session runs, the program may not yet
					 * (forked, not registered): as for a signal
					 * before the session */
					if (wait_program_recorded(f))
						fprintf(
						    stderr,
						    "cprof-trace: a trigger signal came before "
						    "%s was recorded: its snapshot is taken now "
						    "that %s runs\n",
						    program_name(f), program_name(f));
					take_snapshot(f, &req);
				}
			}
		}
		if (f->channel)
			drain_notifications(f);
		if (flight_now_ns() >= next_children) {
			flight_rescan(f);
			next_children = flight_now_ns() + (uint64_t)CHILDREN_POLL_MS * 1000000;
		}
		if (lost && flight_now_ns() >= next_lost) {
			check_lost(f);
			next_lost = flight_now_ns() + (uint64_t)LOST_POLL_MS * 1000000;
		}
	}
	/* The program has ended, the buffers are still there: a loss since
	 * the last probe (up to LOST_POLL_MS ago, more when a busy daemon
	 * made the probes slow) was never told: flight-lost's program that
	 * discards an event 0.1 s before it ends had no snapshot. */
	if (lost)
		check_lost(f);
	return NULL;
}

bool cprof_flight_catch_signals(void)
{
	return wake_pipe[0] >= 0 || pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) == 0;
}

void cprof_flight_on_signal(int signo)
{
	int saved = errno;
	char c = signo == SIGUSR1 ? '1' : '2';

	if (wake_pipe[1] >= 0)
		(void)!write(wake_pipe[1], &c, 1);
	errno = saved;
}

enum cprof_flight_status cprof_flight_start(struct cprof_flight *f, pid_t pid, char **argv,
					    cprof_flight_meta_fn meta, void *meta_data)
{
	sigset_t all, old;
	int ret;

	f->pid = pid;
	f->argv = argv;
	flight_track(f, pid);
	f->meta = meta;
	f->meta_data = meta_data;
	if (!cprof_flight_catch_signals()) {
		flight_set_error(f, "cannot create a pipe: %s", strerror(errno));
		return CPROF_FLIGHT_ERROR_MEMORY;
	}
	/* what the pipe holds already came before the program */
	f->early_signal = poll(&(struct pollfd){.fd = wake_pipe[0], .events = POLLIN}, 1, 0) > 0;
	/* Signals are record's main thread's business. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ret = pthread_create(&f->thread, NULL, flight_thread, f);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		flight_set_error(f, "cannot start the snapshot thread: %s", strerror(ret));
		return CPROF_FLIGHT_ERROR_MEMORY;
	}
	f->running = true;
	return CPROF_FLIGHT_OK;
}

void cprof_flight_stop(struct cprof_flight *f)
{
	if (f->running) {
		/* A request the program made just before it exited is still
		 * on its way from the daemon: the buffers outlive the
		 * program, so it is still worth taking. */
		usleep(100 * 1000);
		while (write(wake_pipe[1], "Q", 1) < 0 && errno == EINTR)
			;
		pthread_join(f->thread, NULL);
		f->running = false;
	}
	for (size_t i = 0; f->arm && i < f->n_procs; i++)
		flight_arm_process(f, f->procs[i], 0);
	f->arm = false;
	if (f->subscribed)
		lttng_notification_channel_unsubscribe(
		    f->channel, lttng_trigger_get_const_condition(f->trigger));
	f->subscribed = false;
	if (f->registered)
		CPROF_CTL(lttng_unregister_trigger(f->trigger));
	f->registered = false;
}

void cprof_flight_describe_held(const struct cprof_flight *f, char *out, size_t len)
{
	unsigned held = f->held_interval + f->held_max + f->merged;
	size_t n = 0;

	out[0] = '\0';
	if (!held)
		return;
	n += (size_t)snprintf(out, len, "; %u more trigger%s not taken:", held,
			      held == 1 ? "" : "s");
	if (f->held_interval && n < len)
		n += (size_t)snprintf(out + n, len - n, " %u within --snapshot-interval,",
				      f->held_interval);
	if (f->held_max && n < len)
		n += (size_t)snprintf(out + n, len - n, " %u after --snapshot-max,", f->held_max);
	if (f->merged && n < len)
		n +=
		    (size_t)snprintf(out + n, len - n, " %u queued behind a newer one,", f->merged);
	if (n < len && out[n - 1] == ',')
		out[n - 1] = '\0';
}

void cprof_flight_destroy(struct cprof_flight *f)
{
	if (!f)
		return;
	cprof_flight_stop(f);
	if (f->channel)
		lttng_notification_channel_destroy(f->channel);
	lttng_trigger_destroy(f->trigger);
	if (f->handle)
		lttng_destroy_handle(f->handle);
	free(f->procs);
	free(f->output_dir);
	free(f->arm_regions);
	free(f->arm_tasks);
	free(f);
}
