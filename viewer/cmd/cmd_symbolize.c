/*
 * cprof-trace symbolize [--force] [--debug-dir DIR] TRACE
 *
 * Stores the trace's symbols inside it (symbols/store.h), for a trace that
 * `record` did not write (a user's own `lttng` session) or one recorded
 * with --no-symbols. record does the same at its end.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "common/cli.h"
#include "reader/reader.h"
#include "symbols/symbols.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cprof-trace symbolize [--force] [--debug-dir DIR] TRACE\n"
		"\n"
		"Resolves every stack address of TRACE once, with this machine's binaries\n"
		"and debug files, and stores function, file, line and inlined calls inside\n"
		"the trace (TRACE/" CPROF_SYMBOL_STORE_FILE "), keyed by build-id: every command\n"
		"then shows the same names after the trace is copied to another machine or\n"
		"the program is rebuilt. `record` does this itself unless --no-symbols.\n"
		"Costs about 3 s and 1 MB per 100,000 distinct addresses.\n"
		"\n"
		"  -f, --force          replace the symbols the trace already holds\n"
		"      --debug-dir DIR  also look for debug files in DIR/.build-id/xx/yyyy.debug\n"
		"  -h, --help           this help\n");
}

int cprof_cmd_symbolize(int argc, char **argv)
{
	static const struct option options[] = {
	    {"force", no_argument, NULL, 'f'},
	    {"debug-dir", required_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static const struct cprof_cli cli = {
	    "symbolize", "fh", options, usage, false, 1, 1, "expected one TRACE directory"};
	struct cprof_model *model = NULL;
	const char *debug_dir = NULL, *trace;
	bool force = false;
	char err[1024];
	int status, c;

	optind = 1;
	while ((c = cprof_cli_next(&cli, argc, argv, &status)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'd')
			debug_dir = optarg;
	}
	if (status >= 0)
		return status;
	trace = argv[optind];
	if (cprof_read_trace(trace, NULL, &model, err, sizeof(err)) != CPROF_READ_OK) {
		fprintf(stderr, "cprof-trace: %s\n", err);
		return 1;
	}
	cprof_read_print_notes(stderr, trace, model);
	status = cprof_store_trace_symbols(model, debug_dir, force, NULL, err, sizeof(err));
	fprintf(stderr, "cprof-trace: %s\n", err);
	cprof_model_destroy(model);
	return status ? 1 : 0;
}
