/*
 * cprof-trace dump TRACE: one line per event of the kept processes, in
 * time order: time since the first event (s.ns), thread id, event name,
 * payload fields. The reader walks the trace once and hands each decoded
 * event over (its event callback), so dump shows exactly what the model
 * was built from, including events the model only summarises.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>

#include "cmds.h"
#include "common/cli.h"
#include "reader/reader.h"

struct dump {
	FILE *out;
	uint64_t first_ns;
	bool started;
};

static void usage(FILE *out)
{
	fprintf(out, "usage: cprof-trace dump [--all-processes] TRACE\n\n"
		     "Print one line per event: time since the first event (s.ns), thread id,\n"
		     "event name and fields.\n");
}

static void on_event(const struct cprof_read_event *e, void *data)
{
	struct dump *d = data;
	uint64_t rel;

	if (!d->started) {
		d->first_ns = e->ns;
		d->started = true;
	}
	rel = e->ns >= d->first_ns ? e->ns - d->first_ns : 0;
	fprintf(d->out, "%" PRIu64 ".%09" PRIu64 " %d %s%s%s\n", rel / 1000000000u,
		rel % 1000000000u, e->tid, e->name, e->fields[0] ? " " : "", e->fields);
}

int cprof_cmd_dump(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"all-processes", no_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static const struct cprof_cli cli = {"dump", "h", longopts, usage,
					     false,  1,	  1,	    "expected one TRACE directory"};
	struct dump d = {stdout, 0, false};
	struct cprof_read_options opts = {0};
	struct cprof_model *model = NULL;
	char err[8192];
	int c, status;

	optind = 1;
	while ((c = cprof_cli_next(&cli, argc, argv, &status)) != -1) {
		switch (c) {
		case 'a':
			opts.keep_all_processes = true;
			break;
		}
	}
	if (status >= 0)
		return status;
	opts.event = on_event;
	opts.event_data = &d;
	if (cprof_read_trace(argv[optind], &opts, &model, err, sizeof(err)) != CPROF_READ_OK) {
		fflush(stdout);
		fprintf(stderr, "cprof-trace: %s\n", err);
		return 1;
	}
	cprof_read_print_warnings(stderr, argv[optind], model);
	cprof_model_destroy(model);
	return fflush(stdout) == 0 ? 0 : 1;
}
