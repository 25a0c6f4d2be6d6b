/*
 * The environment `cprof-trace record` gives the program it runs: record's
 * own, plus what lttng-ust needs to record from the first event, plus the
 * preload library in LD_PRELOAD and the settings it reads at start. Kept
 * out of the command so that what the program inherits is one piece, apart
 * from option parsing and the session.
 *
 * Ownership: cprof_env_create() returns an environment the caller frees
 * with cprof_env_destroy(); the strings cprof_env_borrow_*() return belong
 * to it.
 */
#ifndef CPROF_SESSION_ENVIRONMENT_H
#define CPROF_SESSION_ENVIRONMENT_H

#include <stdbool.h>
#include <stdint.h>

/* What the preload library records (its CPROF_* settings). */
struct cprof_record_config {
	bool auto_events; /* false: no preload library, no settings */
	bool locks;
	bool io;
	bool threads;
	const char *alloc; /* off, sample or all */
	uint64_t alloc_rate;
	unsigned stack_depth;
	uint64_t io_threshold_ns;
	unsigned cpu_rate;
	/* Descendants join the session when they first record (track.h),
	 * not when they start: cheaper per process, but a process that never
	 * records anything is not in the trace, and one that joins while the
	 * session daemon is slow to answer (over 3 s) stays out of it. */
	bool join_late;
};

enum cprof_env_status {
	CPROF_ENV_OK = 0,
	CPROF_ENV_ERROR_MEMORY,
};

struct cprof_env;

/*
 * Builds the program's environment from this process's. A preload library
 * that cannot be found is not an error: the program runs without automatic
 * events, and cprof_env_borrow_warning() says so.
 */
enum cprof_env_status cprof_env_create(const struct cprof_record_config *config,
				       struct cprof_env **env);

/* Sets NAME=value (replacing NAME); a failure to allocate is remembered
 * for cprof_env_failed(). */
void cprof_env_put(struct cprof_env *env, const char *name, const char *value);

bool cprof_env_failed(const struct cprof_env *env);

/* NULL-terminated "NAME=value" strings, for execve. */
char **cprof_env_borrow_vars(const struct cprof_env *env);

/* Hands the "NAME=value" strings and their array over: the caller frees
 * each string and the array; `env` keeps none (destroy it still). */
char **cprof_env_take_vars(struct cprof_env *env);

/* A sentence for the user when the preload library was not found, else NULL. */
const char *cprof_env_borrow_warning(const struct cprof_env *env);

/* The program gets the preload library, which says what objects are
 * loaded (cprof:module), and lttng-ust's base-address statedump is off:
 * the session need not enable lttng-ust's statedump and dlopen events. */
bool cprof_env_modules_by_preload(const struct cprof_env *env);

void cprof_env_destroy(struct cprof_env *env);

#endif /* CPROF_SESSION_ENVIRONMENT_H */
