/*
 * The flight recorder's LTTng trigger (an event-rule-matches condition on
 * cprof:snapshot with a notify action, see flight.h) and the program's
 * processes: which the session records, which the flight recorder asks
 * for their state.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cprof-tp-enums.h"
#include "ctl.h"
#include "flight-internal.h"
#include "follow.h"

/* --- The trigger ------------------------------------------------------------ */

#define TRIGGER_PREFIX "cprof-flight-"

/* The captured payload fields, in this order. */
static const char *const captures[] = {"kind", "reason", "duration_ns", "task", "time_ns"};

/*
 * Triggers outlive the `record` that registered them (they are the
 * daemon's, not a session's): one whose session is gone belongs to a
 * record that was killed, and would keep the programs of this user
 * evaluating its condition.
 */
void flight_reap_stale_triggers(void)
{
	struct lttng_triggers *triggers = NULL;
	struct lttng_session *sessions = NULL;
	unsigned count = 0;
	int n_sessions;

	if (CPROF_CTL(lttng_list_triggers(&triggers)) != LTTNG_OK)
		return;
	n_sessions = CPROF_CTL(lttng_list_sessions(&sessions));
	lttng_triggers_get_count(triggers, &count);
	for (unsigned i = 0; i < count; i++) {
		const struct lttng_trigger *t = lttng_triggers_get_at_index(triggers, i);
		const char *name = NULL;
		bool alive = false;

		if (lttng_trigger_get_name(t, &name) != LTTNG_TRIGGER_STATUS_OK ||
		    strncmp(name, TRIGGER_PREFIX, strlen(TRIGGER_PREFIX)))
			continue;
		for (int s = 0; s < n_sessions; s++)
			if (!strcmp(sessions[s].name, name + strlen(TRIGGER_PREFIX)))
				alive = true;
		if (!alive && n_sessions >= 0)
			CPROF_CTL(lttng_unregister_trigger(t));
	}
	free(sessions);
	lttng_triggers_destroy(triggers);
}

static struct lttng_condition *snapshot_condition(struct cprof_flight *f)
{
	struct lttng_event_rule *rule = lttng_event_rule_user_tracepoint_create();
	struct lttng_condition *cond = NULL;
	char filter[96];

	/* Requests of other programs (other tokens) are not ours; the
	 * library emits region and task requests only for watched types, and
	 * API requests are ours only with the `api` rule. */
	snprintf(filter, sizeof(filter), "token == %" PRIu64 "%s", f->token,
		 flight_has_rule(&f->config, CPROF_FLIGHT_RULE_API) ? "" : " && kind != 0");
	if (!rule ||
	    lttng_event_rule_user_tracepoint_set_name_pattern(rule, "cprof:snapshot") !=
		LTTNG_EVENT_RULE_STATUS_OK ||
	    lttng_event_rule_user_tracepoint_set_filter(rule, filter) != LTTNG_EVENT_RULE_STATUS_OK)
		goto end;
	cond = lttng_condition_event_rule_matches_create(rule);
	for (size_t i = 0; cond && i < sizeof(captures) / sizeof(captures[0]); i++) {
		struct lttng_event_expr *expr =
		    lttng_event_expr_event_payload_field_create(captures[i]);

		if (!expr || lttng_condition_event_rule_matches_append_capture_descriptor(
				 cond, expr) != LTTNG_CONDITION_STATUS_OK) {
			lttng_event_expr_destroy(expr);
			lttng_condition_destroy(cond);
			cond = NULL;
		}
	}
end:
	lttng_event_rule_destroy(rule);
	return cond;
}

enum cprof_flight_status flight_register_trigger(struct cprof_flight *f)
{
	enum cprof_flight_status status = CPROF_FLIGHT_ERROR_MEMORY;
	struct lttng_condition *cond = snapshot_condition(f);
	struct lttng_action *action = lttng_action_notify_create();
	enum lttng_notification_channel_status nstatus;
	enum lttng_error_code code;
	char name[LTTNG_NAME_MAX + 16];

	if (!cond || !action)
		goto end;
	f->trigger = lttng_trigger_create(cond, action);
	if (!f->trigger)
		goto end;
	snprintf(name, sizeof(name), TRIGGER_PREFIX "%s", f->session);
	code = CPROF_CTL(lttng_register_trigger_with_name(f->trigger, name));
	if (code != LTTNG_OK) {
		flight_set_error(f, "cannot register the snapshot trigger: %s",
				 flight_lttng_reason(code));
		status = CPROF_FLIGHT_ERROR_LTTNG;
		goto end;
	}
	f->registered = true;
	f->channel = lttng_notification_channel_create(lttng_session_daemon_notification_endpoint);
	if (!f->channel) {
		flight_set_error(f, "cannot open a notification channel to the session daemon");
		status = CPROF_FLIGHT_ERROR_LTTNG;
		goto end;
	}
	nstatus = lttng_notification_channel_subscribe(
	    f->channel, lttng_trigger_get_const_condition(f->trigger));
	if (nstatus != LTTNG_NOTIFICATION_CHANNEL_STATUS_OK) {
		flight_set_error(
		    f, "cannot subscribe to the snapshot trigger's notifications (status %d)",
		    (int)nstatus);
		status = CPROF_FLIGHT_ERROR_LTTNG;
		goto end;
	}
	f->subscribed = true;
	status = CPROF_FLIGHT_OK;
end:
	lttng_condition_destroy(cond);
	lttng_action_destroy(action);
	return status;
}

/* --- The program's processes ------------------------------------------------ */

/*
 * Which processes the session records. Locally, all of them: the session
 * daemon answers one command at a time and a snapshot may keep it busy
 * for seconds, so a process-ID tracker fed with the children record finds
 * (every 100 ms, or at each fork with the children waiting for it) missed
 * most short-lived children, or stalled them behind the snapshot. Every
 * process of the user that has the `cprof` probes then writes into the
 * per-UID ring buffers, and each snapshot's cprof-record.json names the
 * program, whose process tree the reader keeps (a child by the parent its
 * first event names); another traced program's events are left out, but
 * they take room in the ring buffers, as in `record`. A snapshot sent to
 * a relay has no cprof-record.json to name the program: there the session
 * is kept to the program's processes by record's tracker (tracker.h, as
 * under `record`): a fork child asks it before it records, a program the
 * tree executes too (its environment names it), and the ones the rescans
 * find are added. A child forked while a snapshot is taken waits for it
 * (up to 3 s, then it goes on untracked: track.c).
 */
enum cprof_flight_status flight_limit_session(struct cprof_flight *f)
{
	if (!f->config.output_url || f->tracker)
		return CPROF_FLIGHT_OK;
	flight_set_error(f, "snapshots sent to a relay need record's process tracker");
	return CPROF_FLIGHT_ERROR_LTTNG;
}

static int cmp_pid(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

static bool known(const struct cprof_flight *f, int32_t pid)
{
	return f->procs && bsearch(&pid, f->procs, f->n_procs, sizeof(pid), cmp_pid);
}

/*
 * The pid a process in a PID namespace of its own (bwrap --unshare-pid, a
 * container) sees itself as, the last of its status's NSpid; 0 for one in
 * record's namespace. Its events carry that pid, and its parent's pid in
 * that namespace, which leads the reader nowhere: the snapshots list it.
 */
static void note_namespaced(struct cprof_flight *f, int32_t pid)
{
	char path[64], line[256];
	FILE *in;
	int32_t ns = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	in = fopen(path, "re");
	while (in && fgets(line, sizeof(line), in))
		if (strncmp(line, "NSpid:", 6) == 0) {
			char *p = line + 6, *end;
			long v;

			while ((v = strtol(p, &end, 10)), end != p) {
				ns = (int32_t)v;
				p = end;
			}
			break;
		}
	if (in)
		fclose(in);
	if (ns > 0 && ns != pid && f->n_ns_pids < CPROF_RECORD_NS_PIDS_MAX)
		f->ns_pids[f->n_ns_pids++] = ns;
}

size_t cprof_flight_namespaced(const struct cprof_flight *f, const int32_t **pids)
{
	*pids = f ? f->ns_pids : NULL;
	return f ? f->n_ns_pids : 0;
}

/* A process of the program seen for the first time. */
static void joined(struct cprof_flight *f, int32_t pid)
{
	note_namespaced(f, pid);
	if (f->tracker)
		cprof_tracker_add(f->tracker, pid);
	if (f->arm)
		flight_arm_process(f, pid, f->token);
}

static void out_of_memory(struct cprof_flight *f)
{
	if (!f->procs_warned)
		fprintf(stderr,
			"cprof-trace: warning: out of memory: the flight recorder no longer "
			"follows the program's new processes (their state is missing from "
			"the snapshots)\n");
	f->procs_warned = true;
}

void flight_track(struct cprof_flight *f, pid_t pid)
{
	int32_t *procs;
	size_t at = 0;

	if (known(f, pid))
		return;
	procs = realloc(f->procs, (f->n_procs + 1) * sizeof(*procs));
	if (!procs) {
		out_of_memory(f);
		return;
	}
	f->procs = procs;
	while (at < f->n_procs && procs[at] < pid)
		at++;
	memmove(procs + at + 1, procs + at, (f->n_procs - at) * sizeof(*procs));
	procs[at] = pid;
	f->n_procs++;
	joined(f, pid);
}

void cprof_flight_track(struct cprof_flight *f, pid_t pid)
{
	flight_track(f, pid);
}

struct pids {
	int32_t *v;
	size_t n, cap;
	bool failed;
};

static void pids_add(struct pids *p, int32_t pid)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		int32_t *v = realloc(p->v, cap * sizeof(*v));

		if (!v) {
			p->failed = true;
			return;
		}
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = pid;
}

struct descendants {
	struct pids *out;
	int depth;
};

static void add_children(struct pids *out, pid_t pid, int depth);

static bool add_child(int32_t child, void *data)
{
	struct descendants *d = data;

	pids_add(d->out, child);
	add_children(d->out, (pid_t)child, d->depth + 1);
	return true;
}

/* The descendants of `pid`, 8 generations deep at most. */
static void add_children(struct pids *out, pid_t pid, int depth)
{
	if (depth < 8)
		cprof_proc_children(pid, add_child, &(struct descendants){out, depth});
}

void flight_rescan(struct cprof_flight *f)
{
	struct pids now = {0};
	size_t n = 0;

	if (kill(f->pid, 0) == 0 || errno == EPERM)
		pids_add(&now, f->pid);
	add_children(&now, f->pid, 0);
	if (now.failed) {
		out_of_memory(f);
		free(now.v);
		return;
	}
	if (now.n)
		qsort(now.v, now.n, sizeof(*now.v), cmp_pid);
	for (size_t i = 0; i < now.n; i++) {
		if (n && now.v[n - 1] == now.v[i])
			continue;
		now.v[n++] = now.v[i];
		if (!known(f, now.v[i]))
			joined(f, now.v[i]);
	}
	free(f->procs);
	f->procs = now.v;
	f->n_procs = n;
}
