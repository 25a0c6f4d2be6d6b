/*
 * `record --flight`: options and hooks (see record_flight.h). The flight
 * recorder itself is tracer/session/flight.c.
 */
#include "record_flight.h"
#include "child.h"

#include "common/text.h"
#include "served.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

void record_flight_init(struct record_flight *rf)
{
	*rf = (struct record_flight){
	    .config =
		{
		    .size = CPROF_FLIGHT_DEFAULT_SIZE,
		    .max_snapshots = CPROF_FLIGHT_DEFAULT_MAX,
		    .interval_ns = CPROF_FLIGHT_DEFAULT_INTERVAL_NS,
		},
	};
}

void record_flight_usage(FILE *out)
{
	fprintf(out,
		"\n"
		"flight recorder:\n"
		"      --flight[=SIZE]    record all the time into ring buffers of SIZE in all\n"
		"                         (default %uM, split over the CPUs) that overwrite\n"
		"                         their oldest events; nothing is written until a\n"
		"                         trigger fires, then DIR/snapshot-NNN-REASON/ holds\n"
		"                         what the buffers held: at about 32 bytes an event,\n"
		"                         the last million events with the default (10 s of a\n"
		"                         program emitting 100k events/s), so the slow region\n"
		"                         and the seconds before it. One line per snapshot.\n"
		"      --snapshot-on RULE when to take a snapshot (repeat for several):\n"
		"                         region:TYPE>DURATION  a region of TYPE ended after\n"
		"                                               lasting longer than DURATION\n"
		"                         task:TYPE>DURATION    the same for a task\n"
		"                         signal:USR2           record or the program got\n"
		"                                               SIGUSR2 (or USR1)\n"
		"                         api                   the program called\n"
		"                                               cprof_trace_snapshot(reason)\n"
		"                         lost                  events were discarded\n"
		"                         (default: api and signal:USR2)\n"
		"      --snapshot-max=N   at most N snapshots (default %u)\n"
		"      --snapshot-interval=T  at least T between two snapshots (default %llus);\n"
		"                         triggers in between are counted, not taken\n"
		"      --snapshot-output=net://HOST[:CTRL_PORT[:DATA_PORT]]\n"
		"                         send snapshots to an lttng-relayd instead of DIR\n"
		"  With --pid, the flight recorder records a running process: it gets the\n"
		"  triggers through the preload library, until record stops.\n",
		CPROF_FLIGHT_DEFAULT_SIZE >> 20, CPROF_FLIGHT_DEFAULT_MAX,
		CPROF_FLIGHT_DEFAULT_INTERVAL_NS / 1000000000ull);
}

/* A rule's threshold: with a unit, as every duration on the command line. */
static bool rule_duration(const char *text, uint64_t *ns)
{
	return cprof_duration_parse(text, ns) == CPROF_DURATION_OK;
}

bool record_flight_option(struct record_flight *rf, int opt, const char *arg,
			  const struct record_flight_parsers *parsers)
{
	char err[512];
	char *end;
	unsigned long n;

	switch (opt) {
	case RECORD_FLIGHT_OPT_FLIGHT:
		rf->on = true;
		if (arg && !parsers->size(arg, &rf->config.size)) {
			cprof_cli_bad_value(parsers->cli, "--flight", arg,
					    "expected a size (bytes, or with k, M, G)");
			return false;
		}
		return true;
	case RECORD_FLIGHT_OPT_SNAPSHOT_ON:
		rf->snapshot_options = true;
		if (cprof_flight_add_rule(&rf->config, arg, rule_duration, err, sizeof(err)) ==
		    CPROF_FLIGHT_OK)
			return true;
		fprintf(stderr, "cprof-trace record: %s\n", err[0] ? err : "out of memory");
		return false;
	case RECORD_FLIGHT_OPT_SNAPSHOT_MAX:
		rf->snapshot_options = true;
		errno = 0;
		n = strtoul(arg, &end, 10);
		if (!*arg || *arg == '-' || *end || errno || n < 1 || n > 100000) {
			cprof_cli_bad_value(parsers->cli, "--snapshot-max", arg,
					    "expected 1 to 100000");
			return false;
		}
		rf->config.max_snapshots = (unsigned)n;
		return true;
	case RECORD_FLIGHT_OPT_SNAPSHOT_INTERVAL:
		rf->snapshot_options = true;
		return cprof_cli_duration(parsers->cli, "--snapshot-interval", arg,
					  &rf->config.interval_ns);
	case RECORD_FLIGHT_OPT_SNAPSHOT_OUTPUT:
		rf->snapshot_options = true;
		if (cprof_flight_check_output(arg, err, sizeof(err)) != CPROF_FLIGHT_OK) {
			fprintf(stderr, "cprof-trace record: %s\n", err);
			return false;
		}
		rf->config.output_url = arg;
		return true;
	default:
		return false;
	}
}

bool record_flight_check(struct record_flight *rf, struct cprof_session_channel *channel)
{
	char err[512];

	if (!rf->on) {
		if (rf->snapshot_options) {
			fprintf(stderr, "cprof-trace record: --snapshot-* options need --flight\n");
			return false;
		}
		return true;
	}
	if (!rf->config.n_rules &&
	    (cprof_flight_add_rule(&rf->config, "api", NULL, err, sizeof(err)) ||
	     cprof_flight_add_rule(&rf->config, "signal:USR2", NULL, err, sizeof(err)))) {
		fprintf(stderr, "cprof-trace: out of memory\n");
		return false;
	}
	if (cprof_flight_channel(&rf->config, channel, err, sizeof(err)) != CPROF_FLIGHT_OK) {
		fprintf(stderr, "cprof-trace record: %s\n", err);
		return false;
	}
	return true;
}

static void track_program(pid_t pid, void *flight)
{
	cprof_flight_track(flight, pid);
}

bool record_flight_tracked(const struct record_flight *rf)
{
	return rf->on && rf->config.output_url;
}

bool record_flight_arm(struct record_flight *rf, const struct cprof_session *session,
		       const char *output_dir, struct cprof_tracker *tracker,
		       void (*put)(void *data, const char *name, const char *value), void *data)
{
	if (!rf->on)
		return true;
	if (cprof_flight_create(&rf->config, session, output_dir, &rf->flight) != CPROF_FLIGHT_OK) {
		fprintf(stderr, "cprof-trace: out of memory\n");
		return false;
	}
	cprof_flight_use_tracker(rf->flight, tracker);
	if (cprof_flight_arm(rf->flight) != CPROF_FLIGHT_OK) {
		fprintf(stderr, "cprof-trace: %s\n", cprof_flight_borrow_error(rf->flight));
		return false;
	}
	/*
	 * The preload library's state keeper (served.h) in the program too:
	 * each snapshot then ends with the threads' names, the waits in
	 * progress, the live heap and every stack, which the ring buffers
	 * overwrote long ago in a program that has run for a while.
	 */
	if (put) {
		cprof_flight_export_env(rf->flight, put, data);
		put(data, CPROF_SERVED_ENV, "1");
		/* recorded from its first instruction */
		cprof_child_set_spawn_hook(track_program, rf->flight);
	}
	cprof_flight_use_state_keeper(rf->flight, !put);
	return true;
}

/* PROGRAM as execvp would find it, or NULL. */
static char *find_program(const char *name)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (strchr(name, '/'))
		return realpath(name, NULL);
	while (path && *path) {
		size_t len = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, len ? path : ".", name);
		if (access(buf, X_OK) == 0)
			return realpath(buf, NULL);
		path += len + (path[len] == ':');
	}
	return NULL;
}

/* Whether `file` holds the C string `text` (a type named in its code). */
static bool file_holds(const char *file, const char *text)
{
	struct stat st;
	void *map = MAP_FAILED;
	bool found = true; /* when in doubt, do not warn */
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0)
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map != MAP_FAILED) {
		found = memmem(map, (size_t)st.st_size, text, strlen(text) + 1) != NULL;
		munmap(map, (size_t)st.st_size);
	}
	if (fd >= 0)
		close(fd);
	return found;
}

/*
 * A region or task type is only known once the program uses it: a type
 * missing from the program's own file is probably a typo, but may come
 * from a library or be built at run time, so this only warns.
 */
void record_flight_check_types(const struct record_flight *rf, const char *program)
{
	char *file;

	if (!rf->on)
		return;
	file = find_program(program);
	if (!file)
		return;
	for (size_t i = 0; i < rf->config.n_rules; i++) {
		const struct cprof_flight_rule *r = &rf->config.rules[i];

		if (r->type && !file_holds(file, r->type))
			fprintf(stderr,
				"cprof-trace: warning: %s type '%s' does not appear in %s (a "
				"typo? it may come from a library): watching for it anyway\n",
				r->kind == CPROF_FLIGHT_RULE_REGION ? "region" : "task", r->type,
				file);
	}
	free(file);
}

bool record_flight_wants_signal(const struct record_flight *rf, int signo)
{
	return rf->on && cprof_flight_wants_signal(&rf->config, signo);
}

bool record_flight_start(struct record_flight *rf, pid_t pid, char **argv,
			 cprof_flight_meta_fn meta, void *meta_data)
{
	if (!rf->flight)
		return true;
	if (cprof_flight_start(rf->flight, pid, argv, meta, meta_data) != CPROF_FLIGHT_OK) {
		fprintf(stderr, "cprof-trace: warning: %s: no snapshots will be taken\n",
			cprof_flight_borrow_error(rf->flight));
		return false;
	}
	return true;
}

void record_flight_finish(struct record_flight *rf, const char *output_name)
{
	char held[256];
	unsigned n;

	if (!rf->flight)
		return;
	cprof_flight_stop(rf->flight);
	n = cprof_flight_snapshots(rf->flight);
	cprof_flight_describe_held(rf->flight, held, sizeof(held));
	fprintf(stderr, "cprof-trace: flight recorder: %u snapshot%s %s %s%s\n", n,
		n == 1 ? "" : "s", rf->config.output_url ? "sent to" : "in",
		rf->config.output_url ? rf->config.output_url : output_name, held);
}

void record_flight_free(struct record_flight *rf)
{
	cprof_flight_destroy(rf->flight);
	rf->flight = NULL;
	cprof_flight_config_free(&rf->config);
}
