/*
 * cprof-trace: command-line entry point. Dispatches to one subcommand per
 * file (cmd/cmd_<name>.c), as uftrace's cmds/ does.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmds.h"
#include "config.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
    {"record", cprof_cmd_record,
     "record [options] [--] PROGRAM [ARGS...]  run a program under an LTTng session"},
    {"stats", cprof_cmd_stats,
     "stats [--json] [--all-processes] [--critical-path TYPE] TRACE  summary: threads, tasks, "
     "regions, logs, waits"},
    {"dump", cprof_cmd_dump, "dump [--all-processes] TRACE             one line per event"},
    {"pprof", cprof_cmd_pprof,
     "pprof -t TYPE [filters] [-o FILE] TRACE  write a pprof profile (.pb.gz)"},
    {"compare", cprof_cmd_compare,
     "compare [options] OLD... -- NEW...       did it change? benchstat's tests over traces"},
    {"view", cprof_cmd_view, "view [options] TRACE, or OLD NEW         the SDL2 timeline viewer"},
    {"symbolize", cprof_cmd_symbolize,
     "symbolize [--force] TRACE               store the trace's symbols inside it"},
    {"serve", cprof_cmd_serve,
     "serve [--listen H:P] -- PROGRAM | --pid PID  Go's /debug/pprof/ for a running program"},
    {"env", cprof_cmd_env,
     "env [record's options]                   the environment that makes a program servable"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: cprof-trace [--no-cache] COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %s\n", commands[i].help);
	fprintf(out,
		"\n  --no-cache  decode the trace: neither use nor write the model cache that\n"
		"              the first open leaves in TRACE/.cprof-cache/ for the next ones\n");
	fprintf(out, "\n'cprof-trace COMMAND --help' describes a command's options;\n"
		     "'cprof-trace --version' prints the version.\n");
}

int main(int argc, char **argv)
{
	cprof_cmd_global_options(&argc, &argv);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("cprof-trace %s\n", CPROF_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "cprof-trace: unknown command '%s' (see cprof-trace --help)\n", argv[1]);
	return 2;
}
