/*
 * cprof-trace record [options] [--] PROGRAM [ARGS...]
 *
 * Runs PROGRAM under an LTTng session of its own (tracer/session/) and
 * leaves the CTF trace in DIR, with DIR/cprof-record.json naming the root
 * process so that the reader keeps only the recorded process tree (the
 * per-UID buffers also collect other processes of the same user).
 *
 * Order matters: the session is started before the program exists, and
 * the program waits for the daemon's registration (LTTNG_UST_REGISTER_
 * TIMEOUT) before main(), so its first event is recorded. The session is
 * always stopped and destroyed, whether the program exits, crashes, or
 * record is interrupted; the exit status is the program's.
 *
 * This file reads the command line and puts the steps in that order; the
 * steps themselves live in tracer/session/ so that each concern can be
 * read on its own: the program's environment and the preload library
 * (environment.c), the trace directory (output.c), the program's process
 * and the signals forwarded to it (child.c), the session (session.c) and
 * the flight recorder (flight*.c, its options in record_flight.c).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "cmds.h"
#include "common/cli.h"
#include "common/record_file.h"
#include "config.h"
#include "cprof-record.h"
#include "ctl.h"
#include "environment.h"
#include "output.h"
#include "reader/reader.h"
#include "record_flight.h"
#include "record_pid.h"
#include "secure-exec.h"
#include "served.h"
#include "session.h"
#include "symbols/symbols.h"
#include "tracker.h"

/*
 * Counting decodes the whole trace (about 0.8 s per million events, 40
 * bytes each on disk): by default only traces up to this size are
 * counted, so recording a busy program does not end with a long wait.
 */
#define COUNT_LIMIT_MIB 128

struct record_options {
	const char *output;
	bool force;
	int count;   /* 1: count, 0: never, -1: when the trace is small */
	int symbols; /* store the trace's symbols: 1, 0, -1 when it is small */
	struct cprof_record_config preload; /* the program's environment */
	struct cprof_session_channel channel;
	struct record_flight flight;
	char **argv;	      /* PROGRAM ARGS..., NULL-terminated */
	int32_t pid;	      /* --pid: a running process instead of PROGRAM */
	uint64_t duration_ns; /* --duration (0: until interrupted or gone) */
	bool preload_set;     /* an option of the program's environment given */
	unsigned channel_set; /* CHANNEL_* options given */
};

enum { CHANNEL_SUBBUF_SIZE = 1, CHANNEL_NUM_SUBBUF = 2, CHANNEL_BLOCKING = 4 };

/* --- Signals ------------------------------------------------------------- */

/*
 * record forwards the signals that interrupt it to the program
 * (tracer/session/child.h); the flight recorder's trigger signals are its
 * own: a snapshot, not forwarded.
 */
static void install_signal_handlers(const struct record_flight *flight)
{
	sigset_t own;

	sigemptyset(&own);
	for (int sig = SIGUSR1; sig <= SIGUSR2; sig += SIGUSR2 - SIGUSR1)
		if (record_flight_wants_signal(flight, sig))
			sigaddset(&own, sig);
	/* one that comes while the session is set up is kept for later */
	if (!sigisemptyset(&own))
		cprof_flight_catch_signals();
	cprof_child_install_signal_handlers(&own, cprof_flight_on_signal);
}

/* --- Options ------------------------------------------------------------- */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cprof-trace record [options] [--] PROGRAM [ARGS...]\n"
		"       cprof-trace record --pid PID [--duration T] [options]\n"
		"\n"
		"Runs PROGRAM under an LTTng session of its own and writes its trace to DIR.\n"
		"Exits with PROGRAM's status (128+N when it died of signal N).\n"
		"With --pid, records PID, a process already running with `cprof-trace env`'s\n"
		"environment, for T or until Ctrl-C (SIGINT, SIGTERM) or until it exits; the\n"
		"trace begins with the process's state at that instant: its threads with\n"
		"their names, the waits in progress and the sampled live heap.\n"
		"\n"
		"options:\n"
		"  -o, --output DIR       trace directory (default trace.out)\n"
		"  -f, --force            replace an existing trace directory\n"
		"      --pid PID          record a running process (see above); the options\n"
		"                         of its environment (--no-locks, --alloc-rate, ...)\n"
		"                         are `cprof-trace env`'s, given when it started\n"
		"      --duration T       with --pid: stop after T (10s, 500ms, 2min)\n"
		"      --no-auto          no automatic events: only the program's own\n"
		"                         cprof/trace.h calls are recorded (no preload)\n"
		"      --no-locks         no lock, condition, semaphore, barrier, join waits\n"
		"      --no-io            no blocking-call events\n"
		"      --no-threads       no thread creation/name/exit events\n"
		"      --join-late        the program's descendants join the session when\n"
		"                         they first record, not when they start: a short\n"
		"                         process that records nothing costs ~15 ms less\n"
		"                         and is left out of the trace\n"
		"      --alloc=MODE       allocation events: off, sample (default), all\n"
		"      --alloc-rate=BYTES mean bytes between sampled allocations (default %u)\n"
		"      --stack-depth=N    frames per stack, 1 to %u (default %u)\n"
		"      --io-threshold=T   record blocking calls longer than T (default 10us;\n"
		"                         T needs a unit: ns, us, ms, s, min; 0 needs none)\n"
		"      --cpu-rate=HZ      CPU samples per second of thread CPU time, up to\n"
		"                         %u (default %u, 0 off)\n"
		"      --subbuf-size=SIZE channel sub-buffer size (default 512K)\n"
		"      --num-subbuf=N     channel sub-buffers per CPU (default 8)\n"
		"      --count, --no-count  read the trace back to count its events, or not\n"
		"                         (default: only when it holds under %d MiB, about\n"
		"                         0.8 s per million events)\n"
		"      --symbols, --no-symbols  store function, file and line of every stack\n"
		"                         address inside the trace, so that it reads the same\n"
		"                         elsewhere or once the program is rebuilt (default:\n"
		"                         only when it holds under %d MiB; about 3 s per\n"
		"                         100,000 addresses; see `cprof-trace symbolize`)\n"
		"      --blocking-timeout=T how long a full buffer may block the program\n"
		"                         before events are discarded (default 1s; 0: never\n"
		"                         block, inf: block for ever)\n"
		"  -h, --help             this help\n"
		"\n"
		"environment: %s names the preload library to use instead of\n"
		"the one found next to cprof-trace or in %s.\n" CPROF_CTL_TIMEOUT_ENV
		": the seconds a call of the LTTng session daemon may take before\n"
		"record gives up on the daemon (default %d).\n",
		CPROF_DEFAULT_ALLOC_RATE, CPROF_STACK_DEPTH_MAX, CPROF_DEFAULT_STACK_DEPTH,
		CPROF_CPU_RATE_MAX, CPROF_DEFAULT_CPU_RATE, COUNT_LIMIT_MIB, COUNT_LIMIT_MIB,
		CPROF_ENV_PRELOAD_LIB, CPROF_INSTALL_LIBDIR, CPROF_CTL_TIMEOUT_S);
	record_flight_usage(out);
}

/* A non-negative integer with an optional binary suffix (k, M, G). */
static bool parse_size(const char *text, uint64_t *value)
{
	char *end;
	unsigned long long v;
	uint64_t mult = 1;

	if (!*text || *text == '-')
		return false;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || end == text)
		return false;
	if (*end == 'k' || *end == 'K')
		mult = 1024, end++;
	else if (*end == 'm' || *end == 'M')
		mult = 1024 * 1024, end++;
	else if (*end == 'g' || *end == 'G')
		mult = 1024 * 1024 * 1024, end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v > UINT64_MAX / mult)
		return false;
	*value = v * mult;
	return true;
}

static bool parse_uint(const char *text, unsigned min, unsigned max, unsigned *value)
{
	char *end;
	unsigned long v;

	if (!*text || *text == '-')
		return false;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*value = (unsigned)v;
	return true;
}

static bool is_power_of_two(uint64_t v)
{
	return v && !(v & (v - 1));
}

enum {
	OPT_NO_AUTO = 256,
	OPT_NO_LOCKS,
	OPT_NO_IO,
	OPT_NO_THREADS,
	OPT_JOIN_LATE,
	OPT_ALLOC,
	OPT_ALLOC_RATE,
	OPT_STACK_DEPTH,
	OPT_IO_THRESHOLD,
	OPT_CPU_RATE,
	OPT_SUBBUF_SIZE,
	OPT_NUM_SUBBUF,
	OPT_NO_COUNT,
	OPT_SYMBOLS,
	OPT_NO_SYMBOLS,
	OPT_COUNT,
	OPT_BLOCKING_TIMEOUT,
	OPT_PID,
	OPT_DURATION,
};

static const struct option longopts[] = {
    {"output", required_argument, NULL, 'o'},
    {"force", no_argument, NULL, 'f'},
    {"help", no_argument, NULL, 'h'},
    {"no-auto", no_argument, NULL, OPT_NO_AUTO},
    {"no-locks", no_argument, NULL, OPT_NO_LOCKS},
    {"join-late", no_argument, NULL, OPT_JOIN_LATE},
    {"no-io", no_argument, NULL, OPT_NO_IO},
    {"no-threads", no_argument, NULL, OPT_NO_THREADS},
    {"alloc", required_argument, NULL, OPT_ALLOC},
    {"alloc-rate", required_argument, NULL, OPT_ALLOC_RATE},
    {"stack-depth", required_argument, NULL, OPT_STACK_DEPTH},
    {"io-threshold", required_argument, NULL, OPT_IO_THRESHOLD},
    {"cpu-rate", required_argument, NULL, OPT_CPU_RATE},
    {"subbuf-size", required_argument, NULL, OPT_SUBBUF_SIZE},
    {"num-subbuf", required_argument, NULL, OPT_NUM_SUBBUF},
    {"no-count", no_argument, NULL, OPT_NO_COUNT},
    {"count", no_argument, NULL, OPT_COUNT},
    {"symbols", no_argument, NULL, OPT_SYMBOLS},
    {"no-symbols", no_argument, NULL, OPT_NO_SYMBOLS},
    {"blocking-timeout", required_argument, NULL, OPT_BLOCKING_TIMEOUT},
    {"pid", required_argument, NULL, OPT_PID},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"flight", optional_argument, NULL, RECORD_FLIGHT_OPT_FLIGHT},
    {"snapshot-on", required_argument, NULL, RECORD_FLIGHT_OPT_SNAPSHOT_ON},
    {"snapshot-max", required_argument, NULL, RECORD_FLIGHT_OPT_SNAPSHOT_MAX},
    {"snapshot-interval", required_argument, NULL, RECORD_FLIGHT_OPT_SNAPSHOT_INTERVAL},
    {"snapshot-output", required_argument, NULL, RECORD_FLIGHT_OPT_SNAPSHOT_OUTPUT},
    {NULL, 0, NULL, 0},
};

static void options_init(struct record_options *opts)
{
	*opts = (struct record_options){
	    .output = "trace.out",
	    .count = -1,
	    .symbols = -1,
	    .preload =
		{
		    .auto_events = true,
		    .locks = true,
		    .io = true,
		    .threads = true,
		    .alloc = cprof_record_alloc_mode_name(CPROF_DEFAULT_ALLOC),
		    .alloc_rate = CPROF_DEFAULT_ALLOC_RATE,
		    .stack_depth = CPROF_DEFAULT_STACK_DEPTH,
		    .io_threshold_ns = CPROF_DEFAULT_IO_THRESHOLD_NS,
		    .cpu_rate = CPROF_DEFAULT_CPU_RATE,
		},
	    .channel =
		{
		    .subbuf_size = CPROF_SESSION_SUBBUF_SIZE,
		    .num_subbuf = CPROF_SESSION_NUM_SUBBUF,
		    .blocking_timeout = CPROF_SESSION_BLOCKING_TIMEOUT_US,
		},
	};
	record_flight_init(&opts->flight);
}

/* Not const: env and serve parse record's options too, and the messages
 * name the command the user typed (parse_options sets it). */
static struct cprof_cli cli = {"record", "o:fh", longopts, usage, true, 0, -1, NULL};

/* --blocking-timeout: a duration, or inf. */
static bool parse_blocking_timeout(const char *arg, int64_t *timeout_us)
{
	uint64_t ns;

	if (!strcmp(arg, "inf")) {
		*timeout_us = -1;
		return true;
	}
	if (!cprof_cli_duration(&cli, "--blocking-timeout", arg, &ns))
		return false;
	*timeout_us = (int64_t)(ns / 1000);
	return true;
}

/* An option that takes a value: NULL when `arg` is one, else what it
 * should have been. */
static const char *parse_value(int c, const char *arg, struct record_options *opts)
{
	struct cprof_record_config *preload = &opts->preload;
	enum cprof_tp_alloc_mode mode = CPROF_DEFAULT_ALLOC;
	unsigned n;

	switch (c) {
	case OPT_ALLOC:
		if (!cprof_record_alloc_mode_parse(arg, &mode))
			return "expected off, sample or all";
		preload->alloc = cprof_record_alloc_mode_name(mode);
		return NULL;
	case OPT_ALLOC_RATE:
		return parse_size(arg, &preload->alloc_rate) && preload->alloc_rate > 0 &&
			       preload->alloc_rate <= CPROF_ALLOC_RATE_MAX
			   ? NULL
			   : "expected a size from 1 to 1T (bytes, or with k, M, G)";
	case OPT_STACK_DEPTH:
		return parse_uint(arg, 1, CPROF_STACK_DEPTH_MAX, &preload->stack_depth)
			   ? NULL
			   : "expected 1 to " CPROF_RECORD_STR(CPROF_STACK_DEPTH_MAX) " frames";
	case OPT_CPU_RATE:
		return parse_uint(arg, 0, CPROF_CPU_RATE_MAX, &preload->cpu_rate)
			   ? NULL
			   : "expected 0 to " CPROF_RECORD_STR(CPROF_CPU_RATE_MAX) " per second";
	case OPT_SUBBUF_SIZE:
		if (!parse_size(arg, &opts->channel.subbuf_size) ||
		    !is_power_of_two(opts->channel.subbuf_size) || opts->channel.subbuf_size < 4096)
			return "expected a power of two, at least 4k";
		opts->channel_set |= CHANNEL_SUBBUF_SIZE;
		return NULL;
	case OPT_NUM_SUBBUF:
		if (!parse_uint(arg, 2, 1u << 20, &n) || !is_power_of_two(n))
			return "expected a power of two from 2 to 1048576";
		opts->channel.num_subbuf = n;
		opts->channel_set |= CHANNEL_NUM_SUBBUF;
		return NULL;
	case OPT_PID:
		if (!parse_uint(arg, 1, INT32_MAX, &n))
			return "expected a process id";
		opts->pid = (int32_t)n;
		return NULL;
	default:
		return "unexpected";
	}
}

/* An option without a value. */
static void parse_flag(int c, struct record_options *opts)
{
	switch (c) {
	case 'f':
		opts->force = true;
		break;
	case OPT_NO_AUTO:
		opts->preload.auto_events = false;
		break;
	case OPT_NO_LOCKS:
		opts->preload.locks = false;
		break;
	case OPT_NO_IO:
		opts->preload.io = false;
		break;
	case OPT_NO_THREADS:
		opts->preload.threads = false;
		break;
	case OPT_JOIN_LATE:
		opts->preload.join_late = true;
		break;
	case OPT_NO_COUNT:
		opts->count = 0;
		break;
	case OPT_COUNT:
		opts->count = 1;
		break;
	case OPT_SYMBOLS:
		opts->symbols = 1;
		break;
	case OPT_NO_SYMBOLS:
		opts->symbols = 0;
		break;
	}
}

/* One option; false once what was wrong is printed. */
static bool parse_option(int c, const char *arg, struct record_options *opts)
{
	static const struct record_flight_parsers flight_parsers = {&cli, parse_size};
	const char *why;

	switch (c) {
	case 'o':
		opts->output = arg;
		if (!*arg)
			cprof_cli_bad_value(&cli, "--output", arg, "expected a directory");
		return *arg != '\0';
	case OPT_BLOCKING_TIMEOUT:
		opts->channel_set |= CHANNEL_BLOCKING;
		return parse_blocking_timeout(arg, &opts->channel.blocking_timeout);
	case OPT_DURATION:
		if (!cprof_cli_duration(&cli, "--duration", arg, &opts->duration_ns))
			return false;
		if (!opts->duration_ns)
			cprof_cli_bad_value(&cli, "--duration", arg, "expected more than 0");
		return opts->duration_ns != 0;
	case OPT_IO_THRESHOLD:
		return cprof_cli_duration(&cli, "--io-threshold", arg,
					  &opts->preload.io_threshold_ns);
	case OPT_ALLOC:
	case OPT_ALLOC_RATE:
	case OPT_STACK_DEPTH:
	case OPT_CPU_RATE:
	case OPT_SUBBUF_SIZE:
	case OPT_NUM_SUBBUF:
	case OPT_PID:
		why = parse_value(c, arg, opts);
		if (why)
			cprof_cli_bad_value(&cli, cprof_cli_option_name(&cli, c), arg, why);
		return !why;
	case RECORD_FLIGHT_OPT_FLIGHT:
	case RECORD_FLIGHT_OPT_SNAPSHOT_ON:
	case RECORD_FLIGHT_OPT_SNAPSHOT_MAX:
	case RECORD_FLIGHT_OPT_SNAPSHOT_INTERVAL:
	case RECORD_FLIGHT_OPT_SNAPSHOT_OUTPUT:
		return record_flight_option(&opts->flight, c, arg, &flight_parsers);
	default:
		parse_flag(c, opts);
		return true;
	}
}

/* --pid records what the running process's environment asks for. */
static bool check_pid_options(const struct record_options *opts, bool program)
{
	const char *problem = NULL;

	if (!opts->pid && opts->duration_ns)
		problem = "--duration needs --pid (a program runs until it exits)";
	else if (opts->pid && program)
		problem = "--pid records a running process: no PROGRAM";
	else if (opts->pid && opts->preload_set)
		problem = "--pid: what the process records was set when it started (`cprof-trace "
			  "env OPTIONS`); --no-locks, --alloc-rate, ... do not apply";
	if (problem)
		fprintf(stderr, "cprof-trace %s: %s\n", cli.command, problem);
	return !problem;
}

/* Returns -1 to go on, else an exit status. */
static int parse_options(const char *command, int argc, char **argv, struct record_options *opts,
			 bool need_program)
{
	int c, status;

	cli.command = command;
	options_init(opts);
	optind = 1;
	/* Options end at PROGRAM: its own options are its own. */
	while ((c = cprof_cli_next(&cli, argc, argv, &status)) != -1) {
		/* what the program's environment says, fixed once it runs */
		opts->preload_set = opts->preload_set || (c >= OPT_NO_AUTO && c <= OPT_CPU_RATE);
		if (!parse_option(c, optarg, opts))
			return 2;
	}
	if (status >= 0)
		return status;
	if (!record_flight_check(&opts->flight, &opts->channel) ||
	    !check_pid_options(opts, optind < argc))
		return 2;
	if (optind >= argc && need_program && !opts->pid) {
		fprintf(stderr, "cprof-trace %s: no program to run (see cprof-trace %s --help)\n",
			cli.command, cli.command);
		return 2;
	}
	opts->argv = argv + optind;
	return -1;
}

/* --- cprof-record.json --------------------------------------------------- */

/* What record knows the trace misses, and why: one line each, said on
 * stderr when learnt and kept in cprof-record.json. */
struct record_notices {
	char text[CPROF_RECORD_NOTICES_MAX][CPROF_RECORD_NOTICE_LEN + 1];
	const char *v[CPROF_RECORD_NOTICES_MAX]; /* text's, for cprof-record.json */
	size_t n;
};

static void notices_add(struct record_notices *notices, const char *text)
{
	if (notices->n == CPROF_RECORD_NOTICES_MAX)
		return;
	snprintf(notices->text[notices->n], sizeof(notices->text[0]), "%s", text);
	notices->v[notices->n] = notices->text[notices->n];
	notices->n++;
}

/* Written through a temporary name: a reader never sees half. */
static bool write_record_json(const char *dir, pid_t pid, char **argv, uint64_t discarded,
			      const char *session, const struct cprof_record_snapshot *snapshot,
			      bool launched, const int32_t *ns_pids, size_t n_ns_pids,
			      const struct record_notices *notices)
{
	const struct cprof_record_info info = {
	    .pid = pid,
	    .argv = argv,
	    .discarded_events = discarded,
	    .session = session,
	    .snapshot = snapshot,
	    .signal = snapshot ? 0 : cprof_child_term_signal(),
	    .launched = launched,
	    .ns_pids = ns_pids,
	    .n_ns_pids = n_ns_pids,
	    .notices = notices ? notices->v : NULL,
	    .n_notices = notices ? notices->n : 0,
	};

	errno = 0;
	return cprof_record_file_write(dir, &info) == CPROF_RECORD_FILE_OK;
}

/* A flight recorder snapshot's cprof-record.json: the recorded process
 * tree, and what the snapshot was taken for. */
struct flight_meta {
	pid_t pid;
	char **argv;
	const char *session;
	const struct record_flight *flight; /* its processes in PID namespaces */
	const struct record_notices *notices;
};

static bool write_snapshot_json(void *data, const char *dir,
				const struct cprof_record_snapshot *snapshot)
{
	const struct flight_meta *meta = data;
	const int32_t *ns = NULL;
	size_t n_ns = cprof_flight_namespaced(meta->flight->flight, &ns);

	return write_record_json(dir, meta->pid, meta->argv, 0, meta->session, snapshot, false, ns,
				 n_ns, meta->notices);
}

static void env_put_cb(void *data, const char *name, const char *value)
{
	cprof_env_put(data, name, value);
}

static bool keep_reading(double fraction, void *data)
{
	(void)fraction;
	(void)data;
	return true;
}

/* At the reader's first report with stacks in the model, their objects
 * start opening on a thread of their own while the rest of the trace is
 * read (cprof_store_prepare). */
static void prepare_symbols(const struct cprof_model *partial, uint64_t begin_ns, uint64_t end_ns,
			    void *data)
{
	struct cprof_symbolizer **prepared = data;

	(void)begin_ns;
	(void)end_ns;
	if (!*prepared && partial->stacks.n > 1)
		*prepared = cprof_store_prepare(partial, NULL);
}

/*
 * Stores the trace's symbols while its binaries are still here (see
 * symbols/store.h). Reads the whole trace, so skipped by default for a big
 * one, where `cprof-trace symbolize` does it on demand. Returns the model
 * it read, for report() to count, or NULL.
 */
static struct cprof_model *store_symbols(const struct record_options *opts, const char *output)
{
	struct cprof_symbolizer *prepared = NULL;
	const struct cprof_read_options read_opts = {.progress = keep_reading,
						     .partial = prepare_symbols,
						     .progress_data = &prepared,
						     .no_allocs = true};
	struct cprof_model *model = NULL;
	char msg[1024];

	if (opts->symbols == 0 ||
	    (opts->symbols < 0 && cprof_tree_bytes(output) > (uint64_t)COUNT_LIMIT_MIB << 20))
		return NULL;
	if (cprof_read_trace(output, &read_opts, &model, NULL, 0) != CPROF_READ_OK) {
		cprof_symbolizer_destroy(prepared);
		return NULL; /* report() reads it again and says why */
	}
	if (cprof_store_trace_symbols(model, NULL, true, prepared, msg, sizeof(msg)))
		fprintf(stderr, "cprof-trace: warning: %s\n", msg);
	return model;
}

/* Each flight recorder snapshot carries its symbols too, stored once the
 * program is gone rather than between snapshots, where reading one back
 * would delay the next. */
static void store_snapshot_symbols(const struct record_options *opts, const char *output)
{
	DIR *d = opendir(output);
	struct dirent *e;
	char path[PATH_MAX + 256];

	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "snapshot-", 9))
			continue;
		snprintf(path, sizeof(path), "%s/%s", output, e->d_name);
		cprof_model_destroy(store_symbols(opts, path));
	}
	if (d)
		closedir(d);
}

/*
 * The closing line. The count comes from reading the trace back with the
 * reader (count only), so it is the recorded process tree's events, not
 * those of every process that shared the per-UID buffers; LTTng's
 * discarded count is cross-checked against the discarded-events records
 * in the streams (see the bit-63 note in session.c), which are per buffer.
 */
static void report(const struct record_options *opts, const char *output, uint64_t discarded,
		   uint64_t lost_packets, bool unconfirmed,
		   struct cprof_model *model /* read already, or NULL */, bool explained)
{
	static const struct cprof_read_options count_opts = {.count_only = true};
	enum cprof_read_status status = model ? CPROF_READ_OK : CPROF_READ_ERROR;
	uint64_t bytes;
	char lost[48];

	if (lost_packets)
		fprintf(stderr,
			"cprof-trace: warning: %" PRIu64
			" packets lost (the events in them are not counted)\n",
			lost_packets);
	bytes = cprof_tree_bytes(output);
	if (!model &&
	    (opts->count > 0 || (opts->count < 0 && bytes <= (uint64_t)COUNT_LIMIT_MIB << 20))) {
		status = cprof_read_trace(output, &count_opts, &model, NULL, 0);
		/* a notice said why already */
		if (status == CPROF_READ_NOT_CTF && !explained)
			fprintf(stderr,
				"cprof-trace: warning: no LTTng-UST process registered: the "
				"program neither uses libcprof-trace nor got the preload "
				"library\n");
		else if (status != CPROF_READ_OK && status != CPROF_READ_NO_CPROF_EVENTS &&
			 !(status == CPROF_READ_NOT_CTF && explained))
			fprintf(
			    stderr,
			    "cprof-trace: warning: %s: babeltrace2 cannot read the trace back\n",
			    opts->output);
	}
	/*
	 * The counters LTTng gave at stop miss what a killed program's
	 * buffers discarded later (they read 0 while the trace held
	 * discarded-events records): the trace's own count wins when larger.
	 * babeltrace2 2.0.4 has been seen reporting a negative discarded
	 * count (2^64 - n) followed by +n: the sum modulo 2^64 is right, a
	 * single wrapped value is not a count.
	 */
	if (status == CPROF_READ_OK && model->lost_events > discarded &&
	    model->lost_events < (UINT64_C(1) << 62))
		discarded = model->lost_events;
	/* a session whose end the daemon did not confirm may miss the last
	 * packets of a buffer, and their counts with them */
	snprintf(lost, sizeof(lost), "%s%" PRIu64, unconfirmed ? "at least " : "", discarded);
	/* events are records (stats counts them so); a lost batch held many */
	if (status == CPROF_READ_OK && model->lost_records)
		fprintf(stderr,
			"cprof-trace: recorded %" PRIu64
			" events (%s lost by LTTng, among them batches holding %" PRIu64
			" records) in %s\n",
			model->events, lost, model->lost_records, opts->output);
	else if (status == CPROF_READ_OK)
		fprintf(stderr, "cprof-trace: recorded %" PRIu64 " events (%s lost) in %s\n",
			model->events, lost, opts->output);
	else if (status == CPROF_READ_NOT_CTF || status == CPROF_READ_NO_CPROF_EVENTS)
		fprintf(stderr, "cprof-trace: recorded 0 events (%s lost) in %s\n", lost,
			opts->output);
	else
		fprintf(stderr, "cprof-trace: recorded %" PRIu64 " MiB of events (%s lost) in %s\n",
			(bytes + (1 << 20) - 1) >> 20, lost, opts->output);
	cprof_model_destroy(model);
}

/* The trace directory's absolute path (tracer/session/output.h), or "/"
 * for snapshots sent to a relay, which need no local directory. */
static char *prepare_output(const struct record_options *opts, bool *created)
{
	char err[PATH_MAX + 128];
	char *output;

	if (opts->flight.config.output_url)
		return strdup("/");
	output = cprof_output_prepare(opts->output, opts->force, created, err, sizeof(err));
	if (!output)
		fprintf(stderr, "cprof-trace: %s\n", err);
	return output;
}

/* The program's environment: the preload library and its options. */
static struct cprof_env *make_env(const struct record_options *opts)
{
	struct cprof_env *env = NULL;

	if (cprof_env_create(&opts->preload, &env) != CPROF_ENV_OK) {
		fprintf(stderr, "cprof-trace: out of memory\n");
		return NULL;
	}
	if (cprof_env_borrow_warning(env))
		fprintf(stderr, "cprof-trace: warning: %s\n", cprof_env_borrow_warning(env));
	return env;
}

static void track_spawned(pid_t pid, void *tracker)
{
	cprof_tracker_add(tracker, pid);
}

/* Stops and frees *tracker (none: nothing), first saying how many
 * processes it answered too late; the pids the tree's processes in PID
 * namespaces saw go to ns_pids (room for CPROF_RECORD_NS_PIDS_MAX) when it
 * is not NULL. */
static void stop_tracker(struct cprof_tracker **tracker, int32_t *ns_pids, size_t *n_ns_pids,
			 struct record_notices *notices)
{
	const int32_t *ns;
	size_t late;

	cprof_child_set_spawn_hook(NULL, NULL);
	cprof_tracker_quiesce(*tracker);
	late = cprof_tracker_late(*tracker);
	if (late)
		fprintf(stderr,
			"cprof-trace: warning: %zu process%s of the recorded tree stopped waiting "
			"to be set up for recording before the session daemon answered (a loaded "
			"machine): %s first events are missing from the trace, not counted as "
			"lost\n",
			late, late == 1 ? "" : "es", late == 1 ? "its" : "their");
	if (ns_pids) {
		*n_ns_pids = cprof_tracker_namespaced(*tracker, &ns);
		if (*n_ns_pids)
			memcpy(ns_pids, ns, *n_ns_pids * sizeof(*ns));
	}
	/* the descendants' notices: the tracker's strings go with it */
	if (notices) {
		const char *from[CPROF_TRACKER_NOTICES_MAX];
		size_t n = cprof_tracker_notices(*tracker, from, CPROF_TRACKER_NOTICES_MAX);

		for (size_t i = 0; i < n; i++)
			notices_add(notices, from[i]);
	}
	cprof_tracker_stop(*tracker);
	*tracker = NULL;
}

/* An error of the session daemon's, unless record gave up on the daemon:
 * the watchdog said so in one line (session.h). */
static void say_lttng_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say_lttng_error(const char *fmt, ...)
{
	va_list ap;

	if (cprof_session_daemon_lost())
		return;
	va_start(ap, fmt);
	fputs("cprof-trace: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* The session records only the program's process tree (tracker.h), or
 * --pid's: the running process's, and the processes it starts while
 * recorded (record_pid.h). A local flight recorder's session records
 * every process of the user (flight-trigger.c); one sending snapshots to
 * a relay is kept to the tree as record's. */
static bool start_tracker(const struct record_options *opts, struct cprof_session *session,
			  struct cprof_env *env, struct cprof_tracker **tracker)
{
	char err[512];

	if ((opts->flight.on && !record_flight_tracked(&opts->flight)) || (!opts->pid && !env))
		return true;
	*tracker = cprof_tracker_start(cprof_session_borrow_name(session), err, sizeof(err));
	if (!*tracker) {
		say_lttng_error("%s", err);
		return false;
	}
	if (opts->pid)
		return true;
	cprof_env_put(env, CPROF_TRACK_ENV, cprof_tracker_borrow_name(*tracker));
	cprof_child_set_spawn_hook(track_spawned, *tracker);
	return true;
}

/*
 * The session, recording: the daemon checked (started when none runs),
 * sessions left by killed records reaped, the channel set up, limited to
 * `pids` when given (a running process's tree: per-UID buffers otherwise
 * take every process of the user that has the library), started.
 */
static struct cprof_session *open_session(const struct record_options *opts, const char *output,
					  const int32_t *pids, size_t npids, struct cprof_env *env,
					  struct cprof_tracker **tracker)
{
	struct cprof_session *session = NULL;
	struct cprof_session_channel channel = opts->channel;
	bool daemon_started;

	if (cprof_session_create(output, &session) != CPROF_SESSION_OK) {
		fprintf(stderr, "cprof-trace: out of memory\n");
		return NULL;
	}
	if (cprof_session_ensure_daemon(session, &daemon_started) != CPROF_SESSION_OK) {
		say_lttng_error("%s", cprof_session_borrow_error(session));
		goto error;
	}
	if (daemon_started)
		fprintf(stderr, "cprof-trace: no LTTng session daemon was running: started "
				"lttng-sessiond\n");
	cprof_session_reap_stale();
	channel.modules_by_preload = env && cprof_env_modules_by_preload(env);
	if (env && cprof_record_batch_bytes(channel.subbuf_size) > CPROF_BATCH_BYTES_MIN) {
		char bytes[16];

		snprintf(bytes, sizeof(bytes), "%u", cprof_record_batch_bytes(channel.subbuf_size));
		cprof_env_put(env, CPROF_ENV_BATCH_BYTES, bytes);
	}
	if (cprof_session_setup(session, &channel) != CPROF_SESSION_OK) {
		say_lttng_error("%s: %s", opts->output, cprof_session_borrow_error(session));
		goto error;
	}
	/* before the start: no other process's buffers are ever set up */
	if (!start_tracker(opts, session, env, tracker))
		goto error;
	for (size_t i = 0; *tracker && i < npids; i++)
		cprof_tracker_add(*tracker, pids[i]);
	if (cprof_session_start(session) != CPROF_SESSION_OK) {
		say_lttng_error("%s: %s", opts->output, cprof_session_borrow_error(session));
		goto error;
	}
	return session;
error:
	cprof_session_destroy(session);
	return NULL;
}

/* PROGRAM in secure-execution mode ignores LD_PRELOAD, a statically
 * linked one has no dynamic loader: said before it runs, which it does as
 * it would have without record. */
static void check_untraceable_program(const struct record_options *opts,
				      struct record_notices *notices)
{
	char path[PATH_MAX], line[CPROF_RECORD_NOTICE_LEN + 1];
	const char *why = NULL;

	if (opts->pid || !cprof_exec_find(opts->argv[0], getenv("PATH"), path, sizeof(path)))
		return;
	/* a static program records nothing, its own annotations neither */
	if (cprof_exec_static(path))
		snprintf(line, sizeof(line), CPROF_STATIC_EXEC_FMT, path);
	else if (opts->preload.auto_events && cprof_secure_exec(path, &why))
		snprintf(line, sizeof(line), CPROF_SECURE_EXEC_FMT, path, why);
	else
		return;
	fprintf(stderr, "cprof-trace: %s\n", line);
	notices_add(notices, line);
}

/* PROGRAM with its environment: its pid, or minus the exit status. */
static pid_t start_program(const struct record_options *opts, struct cprof_env *env)
{
	int exec_errno = 0;
	pid_t pid = cprof_child_spawn(opts->argv, cprof_env_borrow_vars(env), &exec_errno);

	if (pid > 0 && !exec_errno)
		return pid;
	fprintf(stderr, "cprof-trace: %s: %s\n", opts->argv[0], strerror(exec_errno));
	if (pid > 0)
		cprof_child_wait(pid);
	return exec_errno == ENOENT ? -127 : -126;
}

int cprof_cmd_record(int argc, char **argv)
{
	struct record_options opts;
	struct cprof_env *env = NULL;
	struct cprof_session *session = NULL;
	struct cprof_tracker *tracker = NULL;
	char *output = NULL;
	bool created_output = false;
	bool traced = false; /* the program ran: keep the trace */
	struct flight_meta flight_meta = {0};
	bool flight_ran = false; /* the program ran under a flight recorder */
	bool relay = false;
	int32_t pids[256];
	size_t npids = 0;
	int32_t ns_pids[CPROF_RECORD_NS_PIDS_MAX]; /* the tree's, in PID namespaces */
	size_t n_ns_pids = 0;
	char **cmdline = NULL;		      /* --pid: the process's */
	static struct record_notices notices; /* big: not on the stack */
	int status;
	pid_t pid;

	notices.n = 0;
	status = parse_options("record", argc, argv, &opts, true);
	if (status >= 0)
		goto end;
	status = 1;

	install_signal_handlers(&opts.flight);
	if (opts.pid && !record_pid_find(opts.pid, pids, &npids, &cmdline))
		goto end;
	if (!opts.pid)
		record_flight_check_types(&opts.flight, opts.argv[0]);
	check_untraceable_program(&opts, &notices);
	relay = opts.flight.config.output_url != NULL;
	output = prepare_output(&opts, &created_output);
	if (!output || (!opts.pid && !(env = make_env(&opts))))
		goto end;
	session = open_session(&opts, output, pids, npids, env, &tracker);
	if (!session || !record_flight_arm(&opts.flight, session, output, tracker,
					   env ? env_put_cb : NULL, env))
		goto end;
	if (env && cprof_env_failed(env)) {
		fprintf(stderr, "cprof-trace: out of memory\n");
		goto end;
	}
	if (cprof_child_pending_signal()) {
		status = 128 + cprof_child_pending_signal();
		goto end;
	}
	pid = opts.pid ? (pid_t)opts.pid : start_program(&opts, env);
	if (pid < 0) {
		status = -pid;
		goto end;
	}
	traced = true;
	flight_meta =
	    (struct flight_meta){pid, cmdline ? cmdline : opts.argv,
				 cprof_session_borrow_name(session), &opts.flight, &notices};
	record_flight_start(&opts.flight, pid, flight_meta.argv, write_snapshot_json, &flight_meta);
	status = opts.pid ? record_pid_wait(opts.pid, opts.duration_ns, pids, npids, tracker)
			  : cprof_child_wait(pid);
	if (!opts.pid && cprof_child_has_descendants()) {
		fprintf(stderr,
			"cprof-trace: %s exited; recording the processes it left running until "
			"they exit (Ctrl-C stops)\n",
			opts.argv[0]);
		cprof_child_wait_descendants();
	}
	if (opts.flight.on) {
		/* Snapshots are the trace: nothing to write or count at the end. */
		record_flight_finish(&opts.flight, opts.output);
		if (!relay)
			store_snapshot_symbols(&opts, output);
		traced = false;
		flight_ran = true;
		goto end;
	}

	/* nothing of the recorded tree can reach the session any more */
	if (!opts.pid && cprof_child_none_left())
		cprof_session_set_settled(session);
	/* liblttng-ctl talks to the daemon over one connection per process:
	 * the tracker's thread must not talk while this one stops the session
	 * (a fork child answered late, as record resumed from a stop, made
	 * the stop fail with "No session daemon is available") */
	stop_tracker(&tracker, ns_pids, &n_ns_pids, &notices);
	if (cprof_session_stop(session) != CPROF_SESSION_OK)
		say_lttng_error("warning: %s", cprof_session_borrow_error(session));
	errno = 0;
	if (!write_record_json(
		output, pid, flight_meta.argv, cprof_session_discarded_events(session),
		cprof_session_borrow_name(session), NULL, !opts.pid, ns_pids, n_ns_pids, &notices))
		fprintf(stderr, "cprof-trace: warning: %s/%s: %s\n", opts.output, CPROF_RECORD_FILE,
			errno ? strerror(errno) : "write error");

end:
	stop_tracker(&tracker, NULL, NULL, NULL);
	if (session) {
		uint64_t discarded = cprof_session_discarded_events(session);
		uint64_t lost_packets = cprof_session_lost_packets(session);

		enum cprof_session_status ds = cprof_session_destroy(session);

		if (ds == CPROF_SESSION_ERROR_TIMEOUT)
			say_lttng_error("warning: the LTTng session daemon did not confirm the end "
					"of the session (a traced process killed while writing an "
					"event?); the trace holds what was flushed when tracing "
					"stopped");
		else if (ds != CPROF_SESSION_OK)
			say_lttng_error(
			    "warning: the LTTng session could not be destroyed cleanly");
		if (traced) {
			/* the model read for the symbols counts too, unless --no-count */
			struct cprof_model *model = store_symbols(&opts, output);
			report(&opts, output, discarded, lost_packets,
			       ds == CPROF_SESSION_ERROR_TIMEOUT, opts.count ? model : NULL,
			       notices.n > 0);
			if (!opts.count)
				cprof_model_destroy(model);
		}
	}
	if (!traced && !flight_ran && created_output && output && !relay)
		cprof_output_remove(output);
	record_flight_free(&opts.flight);
	cprof_env_destroy(env);
	cprof_served_cmdline_free(cmdline);
	free(output);
	/* the recording failed, whatever the program did */
	if (cprof_session_daemon_lost() && status == 0)
		status = 1;
	return status;
}

/* --- The environment for `env` and `serve` -------------------------------- */

int cprof_record_environment(const char *command, int argc, char **argv, bool need_program,
			     char ***envp, char ***program)
{
	struct record_options opts;
	struct cprof_env *env = NULL;
	int status = parse_options(command, argc, argv, &opts, need_program);

	if (status >= 0)
		return status;
	if (cprof_env_create(&opts.preload, &env) != CPROF_ENV_OK) {
		fprintf(stderr, "cprof-trace: out of memory\n");
		return 1;
	}
	if (cprof_env_borrow_warning(env))
		fprintf(stderr, "cprof-trace: warning: %s\n", cprof_env_borrow_warning(env));
	/* the state keeper: sessions may start at any time (state.h) */
	cprof_env_put(env, CPROF_SERVED_ENV, "1");
	if (cprof_env_failed(env)) {
		cprof_env_destroy(env);
		fprintf(stderr, "cprof-trace: out of memory\n");
		return 1;
	}
	*envp = cprof_env_take_vars(env);
	cprof_env_destroy(env);
	*program = opts.argv;
	return -1;
}

int cprof_record_channel(const char *command, int argc, char **argv,
			 struct cprof_session_channel *channel, bool *other)
{
	struct record_options opts;
	int status = parse_options(command, argc, argv, &opts, false);

	if (status >= 0)
		return status;
	if (opts.channel_set & CHANNEL_SUBBUF_SIZE)
		channel->subbuf_size = opts.channel.subbuf_size;
	if (opts.channel_set & CHANNEL_NUM_SUBBUF)
		channel->num_subbuf = opts.channel.num_subbuf;
	if (opts.channel_set & CHANNEL_BLOCKING)
		channel->blocking_timeout = opts.channel.blocking_timeout;
	*other = opts.preload_set || opts.argv[0] || opts.pid || opts.duration_ns ||
		 opts.flight.on || opts.count >= 0 || opts.symbols >= 0 || opts.force ||
		 strcmp(opts.output, "trace.out");
	record_flight_free(&opts.flight);
	return -1;
}
