/*
 * cprof-trace pprof -t TYPE [filters] [-o FILE] [--force] TRACE
 *
 * Reads the trace into the model, builds one profile (analysis/profiles.h)
 * and writes it gzip-compressed for `go tool pprof` (export/pprof.h).
 * What the filters matched goes to stderr; a filter matching nothing is an
 * error rather than an empty profile.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/profiles.h"
#include "cmds.h"
#include "common/cli.h"
#include "export/export.h"
#include "pprof_base.h"
#include "reader/reader.h"
#include "symbols/symbols.h"

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: cprof-trace pprof -t TYPE [filters] [-o FILE] [--force] TRACE\n"
	    "       cprof-trace pprof -t TYPE [filters] [-o FILE] --base OLD [--base OLD...]\n"
	    "                         [--normalize second|run] [--noise PCT] NEW...\n"
	    "\n"
	    "  -t, --type TYPE    %s\n"
	    "  -o, --output FILE  where to write (default TYPE.pb.gz)\n"
	    "  -f, --force        overwrite FILE if it exists\n"
	    "\n"
	    "filters (TIME from the trace start, with a unit: 1.5s, 20ms, 300us, 1000ns,\n"
	    "2min; a bare number is refused, except 0):\n"
	    "  --from TIME --to TIME  only what happened in that window (of a flight-recorder\n"
	    "                     snapshot, never before the window every CPU's buffer\n"
	    "                     holds: a note says what was left out)\n"
	    "  --at TIME          heap: in-use memory at that moment (default: --to, or the end)\n"
	    "  --task TYPE        only inside tasks of that type\n"
	    "  --region TYPE      only inside regions of that type\n"
	    "  --thread NAME|TID  only on that thread\n"
	    "  --no-inline        do not report inlined calls as frames\n"
	    "  --debug-dir DIR    also look for debug files in DIR/.build-id/xx/yyyy.debug\n"
	    "                     (for addresses the trace's stored symbols lack)\n"
	    "\n" CPROF_PPROF_BASE_USAGE,
	    cprof_profile_type_list());
}

enum {
	OPT_FROM = 256,
	OPT_TO,
	OPT_AT,
	OPT_TASK,
	OPT_REGION,
	OPT_THREAD,
	OPT_NO_INLINE,
	OPT_DEBUG_DIR
};

static const struct option options[] = {
    {"type", required_argument, NULL, 't'},
    {"output", required_argument, NULL, 'o'},
    {"force", no_argument, NULL, 'f'},
    {"help", no_argument, NULL, 'h'},
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"at", required_argument, NULL, OPT_AT},
    {"task", required_argument, NULL, OPT_TASK},
    {"region", required_argument, NULL, OPT_REGION},
    {"thread", required_argument, NULL, OPT_THREAD},
    {"no-inline", no_argument, NULL, OPT_NO_INLINE},
    {"debug-dir", required_argument, NULL, OPT_DEBUG_DIR},
    CPROF_PPROF_BASE_OPTIONS,
    {NULL, 0, NULL, 0},
};

/* With --base, NEW may be several traces: the count is checked later. */
static const struct cprof_cli cli = {"pprof", "t:o:fh", options, usage,
				     false,   1,	-1,	 "expected one TRACE directory"};

struct pprof_options {
	const char *type_name, *output;
	enum cprof_profile_type type;
	bool force;
	struct cprof_profile_filter filter;
	struct cprof_symbolizer_options sym;
	struct cprof_pprof_base_opts diff;
};

/* An option that takes a value; false once what was wrong is printed. */
static bool parse_value(int opt, char *arg, struct pprof_options *o)
{
	struct cprof_profile_filter *filter = &o->filter;

	switch (opt) {
	case 't':
		o->type_name = arg;
		return true;
	case 'o':
		o->output = arg;
		return true;
	case OPT_FROM:
		return (filter->has_from =
			    cprof_cli_duration(&cli, "--from", arg, &filter->from_ns));
	case OPT_TO:
		return (filter->has_to = cprof_cli_duration(&cli, "--to", arg, &filter->to_ns));
	case OPT_AT:
		return (filter->has_at = cprof_cli_duration(&cli, "--at", arg, &filter->at_ns));
	case OPT_TASK:
		filter->task = arg;
		return true;
	case OPT_REGION:
		filter->region = arg;
		return true;
	case OPT_THREAD:
		filter->thread = arg;
		return true;
	case OPT_DEBUG_DIR:
		o->sym.debug_dir = arg;
		return true;
	default:
		return cprof_pprof_base_option(&o->diff, opt, arg) == 0;
	}
}

/* Returns -1 to go on (the traces are argv[optind..]), else the status. */
static int parse_options(int argc, char **argv, struct pprof_options *o)
{
	int status, opt;

	*o = (struct pprof_options){.sym = {.inline_frames = true}};
	cprof_pprof_base_init(&o->diff);
	optind = 1;
	while ((opt = cprof_cli_next(&cli, argc, argv, &status)) != -1) {
		if (opt == 'f')
			o->force = true;
		else if (opt == OPT_NO_INLINE)
			o->sym.inline_frames = false;
		else if (!parse_value(opt, optarg, o))
			return 2;
	}
	if (status >= 0)
		return status;
	if (!o->type_name) {
		fprintf(stderr, "cprof-trace: pprof: -t TYPE is required (%s)\n",
			cprof_profile_type_list());
		return 2;
	}
	if (!cprof_profile_type_parse(o->type_name, &o->type)) {
		fprintf(stderr, "cprof-trace: pprof: unknown profile type '%s' (%s)\n",
			o->type_name, cprof_profile_type_list());
		return 2;
	}
	if (!o->diff.nold && optind != argc - 1) {
		fprintf(stderr, "cprof-trace: pprof: expected exactly one TRACE directory\n");
		usage(stderr);
		return 2;
	}
	return -1;
}

/* One trace's profile, written to `output`. */
static int run(const struct pprof_options *o, const char *trace, const char *output)
{
	struct cprof_export_result result;
	struct cprof_model *model = NULL;
	struct cprof_symbolizer *sym = NULL;
	char err[1024];
	int status = 1;
	enum cprof_export_status es;

	if (cprof_read_trace(trace, NULL, &model, err, sizeof(err)) != CPROF_READ_OK) {
		fprintf(stderr, "cprof-trace: %s\n", err);
		goto end;
	}
	cprof_read_print_notes(stderr, trace, model);
	sym = cprof_symbolizer_create(model, &o->sym);
	if (!sym) {
		fprintf(stderr, "cprof-trace: %s: out of memory\n", trace);
		goto end;
	}
	es = cprof_export_pprof(model, sym, o->type, &o->filter, output, o->force, &result);
	if (es == CPROF_EXPORT_PROFILE) {
		fprintf(stderr, "cprof-trace: %s: %s profile: %s\n", trace, o->type_name,
			result.report.text);
		goto end;
	}
	fprintf(stderr, "cprof-trace: %s profile: %s\n", o->type_name, result.report.text);
	if (result.report.window_note[0])
		fprintf(stderr, "cprof-trace: %s: note: %s\n", trace, result.report.window_note);
	if (es != CPROF_EXPORT_OK) {
		fprintf(stderr, "cprof-trace: %s: %s\n", output, cprof_export_write_error(&result));
		goto end;
	}
	fprintf(stderr, "cprof-trace: wrote %s\n", output);
	status = 0;
end:
	cprof_symbolizer_destroy(sym);
	cprof_model_destroy(model);
	return status;
}

int cprof_cmd_pprof(int argc, char **argv)
{
	struct pprof_options o;
	char default_output[64];
	const char *output;
	int status = parse_options(argc, argv, &o);

	if (status >= 0)
		return status;
	if (o.diff.nold)
		return cprof_pprof_base_run(&o.diff, o.type, o.type_name, &o.filter, &o.sym,
					    argv + optind, (size_t)(argc - optind), o.output,
					    o.force);
	output = o.output;
	if (!output) {
		snprintf(default_output, sizeof(default_output), "%s.pb.gz", o.type_name);
		output = default_output;
	}
	/* fail before the (long) read rather than after it */
	if (!o.force && access(output, F_OK) == 0) {
		fprintf(stderr, "cprof-trace: %s: file exists (use --force to overwrite it)\n",
			output);
		return 1;
	}
	return run(&o, argv[optind], output);
}
