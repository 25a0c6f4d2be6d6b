/*
 * The program's environment under `record` (see environment.h). The
 * preload library reads its settings once, in its constructor, and the
 * program's children inherit them with the rest of the environment.
 */
#include "environment.h"

#include "config.h"
#include "cprof-record.h"
#include "track.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

struct cprof_env {
	char **vars;
	size_t count;
	size_t cap;
	bool failed;
	bool modules_by_preload;
	char warning[PATH_MAX + 128];
};

static bool readable_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0;
}

/*
 * The preload library: CPROF_PRELOAD_LIB, else the build tree's copy next
 * to this executable (viewer/cprof-trace -> tracer/preload/), else the
 * install libdir. Returns a malloc'd absolute path or NULL.
 */
static char *find_preload(void)
{
	const char *env = getenv(CPROF_ENV_PRELOAD_LIB);
	char exe[PATH_MAX];
	char path[PATH_MAX + 64];
	ssize_t n;

	if (env && *env) {
		if (readable_file(env))
			return realpath(env, NULL);
		return NULL;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/../tracer/preload/" CPROF_PRELOAD_NAME,
				 exe);
			if (readable_file(path))
				return realpath(path, NULL);
		}
	}
	snprintf(path, sizeof(path), "%s/" CPROF_PRELOAD_NAME, CPROF_INSTALL_LIBDIR);
	if (readable_file(path))
		return realpath(path, NULL);
	return NULL;
}

void cprof_env_put(struct cprof_env *env, const char *name, const char *value)
{
	size_t len = strlen(name);
	char *var;

	if (env->failed)
		return;
	if (asprintf(&var, "%s=%s", name, value) < 0) {
		env->failed = true;
		return;
	}
	for (size_t i = 0; i < env->count; i++) {
		if (!strncmp(env->vars[i], name, len) && env->vars[i][len] == '=') {
			free(env->vars[i]);
			env->vars[i] = var;
			return;
		}
	}
	if (env->count + 2 > env->cap) {
		size_t cap = env->cap ? env->cap * 2 : 64;
		char **vars = realloc(env->vars, cap * sizeof(*vars));

		if (!vars) {
			free(var);
			env->failed = true;
			return;
		}
		env->vars = vars;
		env->cap = cap;
	}
	env->vars[env->count++] = var;
	env->vars[env->count] = NULL;
}

static void env_put_u64(struct cprof_env *env, const char *name, uint64_t value)
{
	char text[32];

	snprintf(text, sizeof(text), "%" PRIu64, value);
	cprof_env_put(env, name, text);
}

/*
 * LD_PRELOAD: ours first, so that a user's own preloaded allocator is then
 * what our wrappers find with RTLD_NEXT, and is traced. liblttng-ust-fork
 * keeps children traceable (the preload library records libraries loaded
 * later).
 */
static void put_preload(struct cprof_env *env, const char *preload)
{
	const char *old = getenv("LD_PRELOAD");
	const char *helpers[] = {CPROF_LTTNG_UST_LIBDIR "/liblttng-ust-fork.so.1"};
	char value[4 * PATH_MAX];
	size_t len;

	len = (size_t)snprintf(value, sizeof(value), "%s", preload);
	for (size_t i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++)
		if (readable_file(helpers[i]) && len < sizeof(value))
			len +=
			    (size_t)snprintf(value + len, sizeof(value) - len, " %s", helpers[i]);
	if (old && *old && len < sizeof(value))
		snprintf(value + len, sizeof(value) - len, " %s", old);
	cprof_env_put(env, "LD_PRELOAD", value);
}

/* The preload library and the settings it reads once at start. */
static void put_auto_events(struct cprof_env *env, const struct cprof_record_config *config)
{
	const char *lib_env = getenv(CPROF_ENV_PRELOAD_LIB);
	char *preload = find_preload();

	if (!preload && lib_env && *lib_env)
		snprintf(env->warning, sizeof(env->warning),
			 "%s=%s: no such library; recording without automatic events",
			 CPROF_ENV_PRELOAD_LIB, lib_env);
	else if (!preload)
		snprintf(env->warning, sizeof(env->warning),
			 "%s not found (set %s); recording without automatic events",
			 CPROF_PRELOAD_NAME, CPROF_ENV_PRELOAD_LIB);
	else
		put_preload(env, preload);
	/*
	 * lttng-ust's base-address statedump reads every loaded object's ELF
	 * file, section by section, in every process at start and at each
	 * dlopen: a quarter of what a traced process cost. The preload
	 * library says the same from memory (cprof:module, tracer/preload/
	 * modules.c); without it (--no-auto) lttng-ust's is the only one.
	 */
	if (preload) {
		cprof_env_put(env, "LTTNG_UST_WITHOUT_BADDR_STATEDUMP", "1");
		env->modules_by_preload = true;
	}
	/* The preload's hooks are what make a late join happen (track.h). */
	if (preload && config->join_late) {
		cprof_env_put(env, CPROF_JOIN_ENV, "1");
		cprof_env_put(env, CPROF_JOIN_ROOT_ENV, CPROF_JOIN_ROOT_PLACEHOLDER);
	}
	free(preload);
	cprof_env_put(env, CPROF_ENV_LOCKS, config->locks ? "1" : "0");
	cprof_env_put(env, CPROF_ENV_IO, config->io ? "1" : "0");
	cprof_env_put(env, CPROF_ENV_THREADS, config->threads ? "1" : "0");
	cprof_env_put(env, CPROF_ENV_ALLOC, config->alloc);
	env_put_u64(env, CPROF_ENV_ALLOC_RATE, config->alloc_rate);
	env_put_u64(env, CPROF_ENV_STACK_DEPTH, config->stack_depth);
	env_put_u64(env, CPROF_ENV_IO_THRESHOLD_NS, config->io_threshold_ns);
	env_put_u64(env, CPROF_ENV_CPU_RATE, config->cpu_rate);
}

enum cprof_env_status cprof_env_create(const struct cprof_record_config *config,
				       struct cprof_env **out)
{
	struct cprof_env *env = calloc(1, sizeof(*env));

	*out = NULL;
	if (!env)
		return CPROF_ENV_ERROR_MEMORY;
	for (char **e = environ; *e; e++) {
		char *eq = strchr(*e, '=');
		char *name;

		if (!eq)
			continue;
		name = strndup(*e, (size_t)(eq - *e));
		if (!name) {
			env->failed = true;
			break;
		}
		cprof_env_put(env, name, eq + 1);
		free(name);
	}
	/*
	 * Blocking channels only block for programs that allow it; without
	 * this a full buffer discards events instead of waiting.
	 */
	cprof_env_put(env, "LTTNG_UST_ALLOW_BLOCKING", "1");
	/* Wait for the daemon before main() so that no early event is lost:
	 * 10 s, not lttng-ust's 3 s. A daemon busy with other sessions'
	 * commands (a loaded machine running several) has taken more than
	 * 3 s, and a program that ran on unregistered was recorded with no
	 * event at all; an idle daemon answers in milliseconds, and with no
	 * daemon there is no wait. A user's own value wins. */
	if (!getenv("LTTNG_UST_REGISTER_TIMEOUT"))
		cprof_env_put(env, "LTTNG_UST_REGISTER_TIMEOUT", "10000");
	if (config->auto_events)
		put_auto_events(env, config);
	if (env->failed) {
		cprof_env_destroy(env);
		return CPROF_ENV_ERROR_MEMORY;
	}
	*out = env;
	return CPROF_ENV_OK;
}

bool cprof_env_failed(const struct cprof_env *env)
{
	return env->failed;
}

char **cprof_env_borrow_vars(const struct cprof_env *env)
{
	return env->vars;
}

char **cprof_env_take_vars(struct cprof_env *env)
{
	char **vars = env->vars;

	env->vars = NULL;
	env->count = 0;
	env->cap = 0;
	return vars;
}

bool cprof_env_modules_by_preload(const struct cprof_env *env)
{
	return env->modules_by_preload;
}

const char *cprof_env_borrow_warning(const struct cprof_env *env)
{
	return env->warning[0] ? env->warning : NULL;
}

void cprof_env_destroy(struct cprof_env *env)
{
	if (!env)
		return;
	for (size_t i = 0; i < env->count; i++)
		free(env->vars[i]);
	free(env->vars);
	free(env);
}
