/*
 * cprof-trace serve [--listen HOST:PORT] [--token FILE] [record's options] [--] PROGRAM [ARGS...]
 * cprof-trace serve [--listen HOST:PORT] [--token FILE] --pid PID [channel options]
 *
 * Serves Go's /debug/pprof/ endpoints (viewer/serve/) for PROGRAM, run
 * with the preload library and no session recording (its children too),
 * or for a running process started with `cprof-trace env`'s environment.
 * Runs until PROGRAM (or PID) exits; forwards SIGINT/SIGTERM/SIGHUP/SIGQUIT
 * to PROGRAM and exits with its status, as record does.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "common/cli.h"
#include "serve/http.h"
#include "session.h"

#define DEFAULT_LISTEN "127.0.0.1:6060"

struct serve_options {
	const char *listen;
	const char *token_file;
	long pid;
	int rest; /* index of record's options / PROGRAM in argv */
};

static volatile sig_atomic_t child;
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig, siginfo_t *info, void *uc)
{
	(void)uc;
	if (child > 0) {
		/* a terminal's ^C already reached the program's process group */
		if (info->si_code != SI_KERNEL)
			kill((pid_t)child, sig);
	} else {
		stop_signal = sig;
	}
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cprof-trace serve [--listen HOST:PORT] [--token FILE] [record's options]\n"
		"                         [--] PROGRAM [ARGS...]\n"
		"       cprof-trace serve [--listen HOST:PORT] [--token FILE] --pid PID\n"
		"                         [--subbuf-size=SIZE] [--num-subbuf=N] "
		"[--blocking-timeout=T]\n"
		"\n"
		"Runs PROGRAM with the preload library and no session recording (it runs at\n"
		"close to full speed), or serves PID, started with `cprof-trace env`'s\n"
		"environment, and answers Go's /debug/pprof/ endpoints until it exits:\n"
		"  go tool pprof http://127.0.0.1:6060/debug/pprof/profile?seconds=10\n"
		"Each request records a short LTTng session of its own. Endpoints: profile,\n"
		"heap, allocs, mutex, block, syscall, region, goroutine (?debug=1, ?debug=2: text),\n"
		"threadcreate, trace (a tar of the CTF trace), cmdline; the index at\n"
		"/debug/pprof/ says what each is.\n"
		"\n"
		"  --listen HOST:PORT  where to listen (default " DEFAULT_LISTEN
		"); the endpoints expose\n"
		"                      the program's internals: an address other than loopback\n"
		"                      needs --token\n"
		"  --token FILE        every request needs `Authorization: Bearer TOKEN`, TOKEN\n"
		"                      being FILE's first line (401 otherwise)\n"
		"  --pid PID           serve a running process instead of starting one\n"
		"  -h, --help          this help\n"
		"\n"
		"record's options (cprof-trace record --help) set what the preload library\n"
		"records: --no-locks, --alloc-rate=BYTES, --cpu-rate=HZ, ...; and each\n"
		"capture's LTTng channel: --subbuf-size=SIZE, --num-subbuf=N (default 1M x 4\n"
		"per CPU, smaller than record's: a capture is short), --blocking-timeout=T\n"
		"(default 1s). With --pid, only the channel's options apply.\n");
}

/* The prefix of argv made of serve's own options and their values (and
 * --help); the rest is record's, then PROGRAM. */
static int own_prefix(int argc, char **argv)
{
	static const char *const names[] = {"--listen", "--token", "--pid"};
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool own = !strcmp(a, "-h") || !strcmp(a, "--help");

		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]) && !own; k++) {
			size_t n = strlen(names[k]);
			if (!strncmp(a, names[k], n) && (a[n] == '\0' || a[n] == '=')) {
				own = true;
				i += a[n] == '\0'; /* its value */
			}
		}
		if (!own)
			break;
	}
	return i < argc ? i : argc;
}

/* serve's own options come first, parsed as every command's are (the
 * shared parser over that prefix); the rest is record's, then PROGRAM. */
static int parse(int argc, char **argv, struct serve_options *o)
{
	static const struct option longopts[] = {
	    {"listen", required_argument, NULL, 'l'},
	    {"token", required_argument, NULL, 't'},
	    {"pid", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static const struct cprof_cli cli = {
	    .command = "serve",
	    .shortopts = "h",
	    .longopts = longopts,
	    .usage = usage,
	    .options_first = true,
	    .min_operands = 0,
	    .max_operands = -1,
	};
	int n = own_prefix(argc, argv), c, status;
	char *end;

	*o = (struct serve_options){.listen = DEFAULT_LISTEN};
	optind = 1;
	while ((c = cprof_cli_next(&cli, n, argv, &status)) != -1) {
		if (!*optarg)
			return cprof_cli_bad_value(&cli, cprof_cli_option_name(&cli, c), optarg,
						   "empty");
		if (c == 'l') {
			o->listen = optarg;
		} else if (c == 't') {
			o->token_file = optarg;
		} else {
			o->pid = strtol(optarg, &end, 10);
			if (*end || o->pid <= 0)
				return cprof_cli_bad_value(&cli, "--pid", optarg,
							   "not a process id");
		}
	}
	if (status >= 0)
		return status;
	o->rest = n;
	return -1;
}

/* The token: the file's first line, which must not be empty. */
static char *read_token(const char *path)
{
	char line[1024];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f) {
		fprintf(stderr, "cprof-trace: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (n < 8) {
		fprintf(stderr,
			"cprof-trace: %s: the token (first line) must have at least 8 "
			"characters\n",
			path);
		return NULL;
	}
	return strdup(line);
}

static void install_handlers(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	/* not signal(): see child.c */
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	sigaction(SIGPIPE, &sa, NULL);
}

static int exit_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 1;
}

static pid_t start_program(char **program, char **envp)
{
	posix_spawnattr_t attr;
	sigset_t none;
	pid_t pid;
	int err;

	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	{
		sigset_t def;

		sigemptyset(&def);
		sigaddset(&def, SIGPIPE);
		posix_spawnattr_setsigdefault(&attr, &def);
	}
	err = posix_spawnp(&pid, program[0], NULL, &attr, program, envp);
	posix_spawnattr_destroy(&attr);
	if (err) {
		fprintf(stderr, "cprof-trace: %s: %s\n", program[0], strerror(err));
		return -(err == ENOENT ? 127 : 126);
	}
	return pid;
}

/* --pid: the process must run the state keeper, or nothing can be served. */
static bool check_target(long pid)
{
	char err[512];

	if (cprof_served_check((int32_t)pid, err, sizeof(err)))
		return true;
	fprintf(stderr, "cprof-trace: %s\n", err);
	return false;
}

static int wait_target(pid_t pid, bool ours)
{
	int wstatus;

	if (ours) {
		while (waitpid(pid, &wstatus, 0) < 0)
			if (errno != EINTR)
				return 1;
		return exit_status(wstatus);
	}
	while (!stop_signal && (kill(pid, 0) == 0 || errno != ESRCH)) {
		struct timespec t = {0, 200000000};

		nanosleep(&t, NULL);
	}
	return stop_signal ? 128 + stop_signal : 0;
}

int cprof_cmd_serve(int argc, char **argv)
{
	struct serve_options o;
	struct cprof_serve_target target = {
	    .channel = {.subbuf_size = 1024 * 1024,
			.num_subbuf = 4,
			.blocking_timeout = CPROF_SESSION_BLOCKING_TIMEOUT_US},
	};
	struct cprof_http *http = NULL;
	char **envp = NULL, **program = NULL;
	char *token = NULL;
	char err[512];
	bool other = false;
	int status = parse(argc, argv, &o);
	pid_t pid;

	if (status >= 0)
		return status;
	status = 1;
	if (!cprof_http_is_loopback(o.listen) && !o.token_file) {
		fprintf(stderr,
			"cprof-trace serve: --listen %s is not a loopback address: the endpoints "
			"expose the program's internals; give --token FILE to require a token\n",
			o.listen);
		return 2;
	}
	if (o.token_file && !(token = read_token(o.token_file)))
		return 2;
	install_handlers();
	/* record's parser sees argv[o.rest - 1] as its command name */
	status = -1;
	if (!o.pid)
		status = cprof_record_environment("serve", argc - o.rest + 1, argv + o.rest - 1,
						  true, &envp, &program);
	if (status < 0)
		status = cprof_record_channel("serve", argc - o.rest + 1, argv + o.rest - 1,
					      &target.channel, &other);
	if (status >= 0)
		goto end;
	status = 1;
	if (o.pid && other) {
		fprintf(stderr,
			"cprof-trace serve: --pid serves a running process: no PROGRAM, "
			"and what it records was set when it started (`cprof-trace env "
			"OPTIONS`); only --subbuf-size, --num-subbuf and --blocking-timeout "
			"apply\n");
		status = 2;
		goto end;
	}
	if (o.pid) {
		if (!check_target(o.pid))
			goto end;
		target.root = (int32_t)o.pid;
	}
	{
		bool started;
		struct cprof_session *probe = NULL;

		if (cprof_session_create("/", &probe) != CPROF_SESSION_OK ||
		    cprof_session_ensure_daemon(probe, &started) != CPROF_SESSION_OK) {
			fprintf(stderr, "cprof-trace: %s\n",
				probe ? cprof_session_borrow_error(probe) : "out of memory");
			cprof_session_destroy(probe);
			goto end;
		}
		cprof_session_destroy(probe);
		cprof_session_reap_stale();
	}
	if (!o.pid) {
		pid = start_program(program, envp);
		if (pid < 0) {
			status = -pid;
			goto end;
		}
		child = pid;
		target.root = pid;
	}
	http = cprof_http_start(o.listen, token, &target, err, sizeof(err));
	if (!http) {
		fprintf(stderr, "cprof-trace: %s\n", err);
		if (child > 0)
			kill((pid_t)child, SIGTERM);
	} else {
		fprintf(stderr, "cprof-trace: serving process %d at %s\n", (int)target.root,
			cprof_http_url(http));
	}
	status = wait_target(target.root, !o.pid);
	if (!http)
		status = 1;
	child = 0;
end:
	cprof_http_stop(http);
	for (char **e = envp; e && *e; e++)
		free(*e);
	free(envp);
	free(token);
	return status;
}
