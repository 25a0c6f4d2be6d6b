/*
 * The process-ID tracker of a session (lttng/tracker.h): only the listed
 * processes' events are recorded. UST tracks by virtual pid.
 */
#include "session.h"

#include <lttng/lttng.h>

#include "ctl.h"

enum cprof_session_status cprof_session_track_pids(struct cprof_session *session,
						   const int32_t *pids, size_t n)
{
	struct lttng_process_attr_tracker_handle *handle = NULL;
	enum cprof_session_status status = CPROF_SESSION_OK;
	enum lttng_error_code code;

	code = CPROF_CTL(
	    lttng_session_get_tracker_handle(cprof_session_borrow_name(session), LTTNG_DOMAIN_UST,
					     LTTNG_PROCESS_ATTR_VIRTUAL_PROCESS_ID, &handle));
	if (code != LTTNG_OK || CPROF_CTL(lttng_process_attr_tracker_handle_set_tracking_policy(
				    handle, LTTNG_TRACKING_POLICY_INCLUDE_SET)) !=
				    LTTNG_PROCESS_ATTR_TRACKER_HANDLE_STATUS_OK) {
		status = CPROF_SESSION_ERROR_LTTNG;
		goto end;
	}
	for (size_t i = 0; i < n; i++)
		if (CPROF_CTL(lttng_process_attr_virtual_process_id_tracker_handle_add_pid(
			handle, pids[i])) != LTTNG_PROCESS_ATTR_TRACKER_HANDLE_STATUS_OK)
			status = CPROF_SESSION_ERROR_LTTNG;
end:
	lttng_process_attr_tracker_handle_destroy(handle);
	return status;
}
