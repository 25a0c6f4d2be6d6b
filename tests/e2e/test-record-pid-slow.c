/*
 * Preloaded after libcprof-trace-preload by test record-pid-early: a
 * constructor that sleeps SLOW_START_MS milliseconds before the preload
 * library's constructor opens the state keeper's socket, as lttng-ust's
 * own does while it waits for a busy session daemon.
 */
#include <stdlib.h>
#include <time.h>

__attribute__((constructor)) static void slow_start(void)
{
	const char *v = getenv("SLOW_START_MS");
	long ms = v ? atol(v) : 0;
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&t, NULL);
}
