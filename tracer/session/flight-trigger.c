/*
 * The flight recorder's LTTng trigger (an event-rule-matches condition on
 * cprof:snapshot with a notify action, see flight.h) and the process
 * tracker that keeps the session to the program's processes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cprof-tp-enums.h"
#include "flight-internal.h"

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

	if (lttng_list_triggers(&triggers) != LTTNG_OK)
		return;
	n_sessions = lttng_list_sessions(&sessions);
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
			lttng_unregister_trigger(t);
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
	code = lttng_register_trigger_with_name(f->trigger, name);
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

/*
 * Per-UID buffers take the events of every process of the user that has
 * the `cprof` probes, and a ring buffer of other programs' events would
 * push the recorded program's out. The process-ID tracker keeps the
 * session to the program's processes: none until it is spawned (tracked
 * between its fork and its exec, cprof_flight_track), then it and the
 * children the thread finds (a child's first milliseconds, before it is
 * found, are not recorded).
 */
enum cprof_flight_status flight_track_nothing_yet(struct cprof_flight *f)
{
	enum lttng_error_code code;

	code = lttng_session_get_tracker_handle(f->session, LTTNG_DOMAIN_UST,
						LTTNG_PROCESS_ATTR_VIRTUAL_PROCESS_ID, &f->tracker);
	if (code != LTTNG_OK || lttng_process_attr_tracker_handle_set_tracking_policy(
				    f->tracker, LTTNG_TRACKING_POLICY_INCLUDE_SET) !=
				    LTTNG_PROCESS_ATTR_TRACKER_HANDLE_STATUS_OK) {
		flight_set_error(f, "cannot limit the session to the program's processes: %s",
				 flight_lttng_reason(code != LTTNG_OK ? code : LTTNG_ERR_UNK));
		return CPROF_FLIGHT_ERROR_LTTNG;
	}
	return CPROF_FLIGHT_OK;
}

void flight_track(struct cprof_flight *f, pid_t pid)
{
	for (unsigned i = 0; i < f->n_tracked; i++)
		if (f->tracked[i] == pid)
			return;
	if (f->n_tracked == sizeof(f->tracked) / sizeof(f->tracked[0]))
		return;
	f->tracked[f->n_tracked++] = pid;
	lttng_process_attr_virtual_process_id_tracker_handle_add_pid(f->tracker, pid);
	if (f->arm)
		flight_arm_process(f, pid, f->token);
}

void cprof_flight_track(struct cprof_flight *f, pid_t pid)
{
	flight_track(f, pid);
}

/* The program's descendants, through /proc/PID/task/TID/children. */
void flight_track_children(struct cprof_flight *f, pid_t pid, int depth)
{
	char path[64];
	DIR *tasks;
	struct dirent *t;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	tasks = depth < 8 ? opendir(path) : NULL;
	while (tasks && (t = readdir(tasks))) {
		char file[320];
		FILE *in;
		int child;

		if (t->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "/proc/%d/task/%s/children", (int)pid, t->d_name);
		in = fopen(file, "r");
		while (in && fscanf(in, "%d", &child) == 1) {
			flight_track(f, (pid_t)child);
			flight_track_children(f, (pid_t)child, depth + 1);
		}
		if (in)
			fclose(in);
	}
	if (tasks)
		closedir(tasks);
}
