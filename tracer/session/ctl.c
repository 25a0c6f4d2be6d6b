/*
 * The lock around liblttng-ctl (see ctl.h).
 */
#include "ctl.h"

#include <lttng/lttng.h>
#include <pthread.h>
#include <time.h>

static pthread_mutex_t ctl_lock = PTHREAD_MUTEX_INITIALIZER;

void cprof_ctl_lock(void)
{
	pthread_mutex_lock(&ctl_lock);
}

void cprof_ctl_unlock(void)
{
	pthread_mutex_unlock(&ctl_lock);
}

bool cprof_ctl_wait_drained(const char *name, int timeout_ms)
{
	struct timespec pause = {0, 1000 * 1000};
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		int pending = CPROF_CTL(lttng_data_pending(name));

		if (pending <= 0)
			return pending == 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 >=
		    timeout_ms)
			return false;
		nanosleep(&pause, NULL);
		if (pause.tv_nsec < 16 * 1000 * 1000)
			pause.tv_nsec *= 2;
	}
}

/*
 * What lttng_destroy_session() does in lttng-tools 2.13, with the waits
 * outside the lock and bounded: its stop waits for the data by asking
 * lttng_data_pending() every 200 ms, and its destruction waits for the
 * daemon's confirmation (half a second or more) on the destruction
 * handle's own socket, for ever when a program killed between reserving
 * and committing an event left a buffer that never completes.
 */
int cprof_ctl_destroy_session(const char *name, int timeout_ms)
{
	struct lttng_destruction_handle *handle = NULL;
	enum lttng_destruction_handle_status wait;
	enum lttng_error_code code;
	int ret = CPROF_CTL(lttng_stop_tracing_no_wait(name));

	if (ret < 0 && ret != -LTTNG_ERR_TRACE_ALREADY_STOPPED)
		goto end;
	cprof_ctl_wait_drained(name, timeout_ms);
	code = CPROF_CTL(lttng_destroy_session_ext(name, &handle));
	if (code != LTTNG_OK) {
		ret = -(int)code;
		goto end;
	}
	wait = lttng_destruction_handle_wait_for_completion(handle, timeout_ms);
	if (wait == LTTNG_DESTRUCTION_HANDLE_STATUS_TIMEOUT)
		ret = CPROF_CTL_TIMEOUT;
	else if (wait != LTTNG_DESTRUCTION_HANDLE_STATUS_COMPLETED ||
		 lttng_destruction_handle_get_result(handle, &code) !=
		     LTTNG_DESTRUCTION_HANDLE_STATUS_OK)
		ret = -LTTNG_ERR_UNK;
	else
		ret = code == LTTNG_OK ? 0 : -(int)code;
end:
	lttng_destruction_handle_destroy(handle);
	return ret;
}
