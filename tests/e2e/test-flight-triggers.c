/*
 * test-flight-triggers: what makes the session daemon enable cprof
 * tracepoints in every program of the user, one a line:
 *   trigger NAME   every trigger it holds
 *   session NAME   every recording session that is active
 * (for test-flight.sh killed). `lttng list-triggers` cannot say it:
 * lttng-tools 2.13's CLI aborts on an assertion while printing a flight
 * recorder's trigger (its captures). Exits 1 if the daemon cannot be
 * asked.
 */
#include <lttng/lttng.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	struct lttng_triggers *triggers = NULL;
	struct lttng_session *sessions = NULL;
	unsigned count = 0;
	int n_sessions;
	int status = 1;

	if (lttng_list_triggers(&triggers) != LTTNG_OK ||
	    lttng_triggers_get_count(triggers, &count) != LTTNG_TRIGGER_STATUS_OK) {
		fprintf(stderr,
			"test-flight-triggers: cannot list the session daemon's triggers\n");
		goto end;
	}
	for (unsigned i = 0; i < count; i++) {
		const char *name = NULL;

		if (lttng_trigger_get_name(lttng_triggers_get_at_index(triggers, i), &name) ==
		    LTTNG_TRIGGER_STATUS_OK)
			printf("trigger %s\n", name);
	}
	n_sessions = lttng_list_sessions(&sessions);
	if (n_sessions < 0) {
		fprintf(stderr,
			"test-flight-triggers: cannot list the session daemon's sessions\n");
		goto end;
	}
	for (int i = 0; i < n_sessions; i++)
		if (sessions[i].enabled)
			printf("session %s\n", sessions[i].name);
	status = 0;
end:
	free(sessions);
	lttng_triggers_destroy(triggers);
	return status;
}
