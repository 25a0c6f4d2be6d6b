/*
 * cprof-trace pprof -t TYPE [filters] [-o FILE] [--force] TRACE
 *
 * Reads the trace into the model, builds one profile (analysis/profiles.h)
 * and writes it gzip-compressed for `go tool pprof` (export/pprof.h).
 * What the filters matched goes to stderr; a filter matching nothing is an
 * error rather than an empty profile.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/profiles.h"
#include "cmds.h"
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
	    "  -t, --type TYPE    sync, mutex, cpu, heap, syscall, region, threads, goroutine\n"
	    "  -o, --output FILE  where to write (default TYPE.pb.gz)\n"
	    "  -f, --force        overwrite FILE if it exists\n"
	    "\n"
	    "filters (TIME: seconds from the trace start, or with a unit: 1.5s 20ms 300us "
	    "1000ns):\n"
	    "  --from TIME --to TIME  only what happened in that window\n"
	    "  --at TIME          heap: in-use memory at that moment (default: --to, or the end)\n"
	    "  --task TYPE        only inside tasks of that type\n"
	    "  --region TYPE      only inside regions of that type\n"
	    "  --thread NAME|TID  only on that thread\n"
	    "  --no-inline        do not report inlined calls as frames\n"
	    "  --debug-dir DIR    also look for debug files in DIR/.build-id/xx/yyyy.debug\n"
	    "                     (for addresses the trace's stored symbols lack)\n"
	    "\n" CPROF_PPROF_BASE_USAGE);
}

static int parse_time(const char *opt, const char *arg, uint64_t *ns)
{
	if (!cprof_parse_duration(arg, ns)) {
		fprintf(
		    stderr,
		    "cprof-trace: %s: '%s' is not a time (use 1.5, 1.5s, 20ms, 300us or 1000ns)\n",
		    opt, arg);
		return -1;
	}
	return 0;
}

int cprof_cmd_pprof(int argc, char **argv)
{
	enum { OPT_FROM = 256, OPT_TO, OPT_AT, OPT_TASK, OPT_REGION, OPT_THREAD, OPT_NO_INLINE,
	       OPT_DEBUG_DIR };
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
	struct cprof_pprof_base_opts diff;
	struct cprof_profile_filter filter = {0};
	struct cprof_symbolizer_options sym_opts = {.inline_frames = true};
	struct cprof_export_result result;
	struct cprof_model *model = NULL;
	struct cprof_symbolizer *sym = NULL;
	enum cprof_profile_type type;
	const char *type_name = NULL, *output = NULL, *trace;
	char default_output[64], err[1024];
	bool force = false;
	int status = 1, opt;
	enum cprof_read_status rs;
	enum cprof_export_status es;

	cprof_pprof_base_init(&diff);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "t:o:fh", options, NULL)) != -1) {
		switch (opt) {
		case 't':
			type_name = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_FROM:
			if (parse_time("--from", optarg, &filter.from_ns))
				return 2;
			filter.has_from = true;
			break;
		case OPT_TO:
			if (parse_time("--to", optarg, &filter.to_ns))
				return 2;
			filter.has_to = true;
			break;
		case OPT_AT:
			if (parse_time("--at", optarg, &filter.at_ns))
				return 2;
			filter.has_at = true;
			break;
		case OPT_TASK:
			filter.task = optarg;
			break;
		case OPT_REGION:
			filter.region = optarg;
			break;
		case OPT_THREAD:
			filter.thread = optarg;
			break;
		case OPT_NO_INLINE:
			sym_opts.inline_frames = false;
			break;
		case OPT_DEBUG_DIR:
			sym_opts.debug_dir = optarg;
			break;
		default:
			if (cprof_pprof_base_option(&diff, opt, optarg) == 0)
				break;
			usage(stderr);
			return 2;
		}
	}
	if (!type_name) {
		fprintf(stderr, "cprof-trace: pprof: -t TYPE is required (sync, mutex, cpu, heap, "
				"syscall, region, threads, goroutine)\n");
		return 2;
	}
	if (!cprof_profile_type_parse(type_name, &type)) {
		fprintf(stderr,
			"cprof-trace: pprof: unknown profile type '%s' (sync, mutex, cpu, "
			"heap, syscall, region, threads, goroutine)\n",
			type_name);
		return 2;
	}
	if (diff.nold && optind < argc)
		return cprof_pprof_base_run(&diff, type, type_name, &filter, &sym_opts,
					    argv + optind, (size_t)(argc - optind), output, force);
	if (optind != argc - 1) {
		fprintf(stderr, "cprof-trace: pprof: expected exactly one TRACE directory\n");
		usage(stderr);
		return 2;
	}
	trace = argv[optind];
	if (!output) {
		snprintf(default_output, sizeof(default_output), "%s.pb.gz", type_name);
		output = default_output;
	}
	/* fail before the (long) read rather than after it */
	if (!force && access(output, F_OK) == 0) {
		fprintf(stderr, "cprof-trace: %s: file exists (use --force to overwrite it)\n",
			output);
		return 1;
	}

	rs = cprof_read_trace(trace, NULL, &model, err, sizeof(err));
	if (rs != CPROF_READ_OK) {
		fprintf(stderr, "cprof-trace: %s\n", err);
		goto end;
	}
	cprof_read_print_notes(stderr, trace, model);
	sym = cprof_symbolizer_create(model, &sym_opts);
	if (!sym) {
		fprintf(stderr, "cprof-trace: %s: out of memory\n", trace);
		goto end;
	}
	es = cprof_export_pprof(model, sym, type, &filter, output, force, &result);
	if (es == CPROF_EXPORT_PROFILE) {
		fprintf(stderr, "cprof-trace: %s: %s profile: %s\n", trace, type_name,
			result.report.text);
		goto end;
	}
	fprintf(stderr, "cprof-trace: %s profile: %s\n", type_name, result.report.text);
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
