/*
 * cprof-trace view: the SDL2 timeline viewer. Parses options, checks the
 * trace path, and runs the UI with the reader as its loader.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmds.h"
#include "common/cli.h"
#include "analysis/profiles.h"
#include "reader/reader.h"
#include "reader/record_meta.h"
#include "ui/ui.h"

struct progress_fwd {
	bool (*fn)(double, void *);
	void *data;
};

static bool fwd_progress(double f, void *data)
{
	struct progress_fwd *p = data;
	return p->fn(f, p->data);
}

static struct cprof_model *load(const char *path, bool (*progress)(double, void *), void *data,
				char *err, size_t errlen)
{
	struct progress_fwd fwd = {progress, data};
	struct cprof_read_options opts = {.progress = fwd_progress, .progress_data = &fwd};
	struct cprof_model *model = NULL;
	char msg[480];
	if (cprof_read_trace(path, &opts, &model, msg, sizeof(msg)) != CPROF_READ_OK) {
		snprintf(err, errlen, "%s", msg);
		return NULL;
	}
	return model;
}

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: cprof-trace view [options] TRACE\n"
	    "\n"
	    "  --screenshot FILE.png  render one frame to a PNG and exit (no display needed)\n"
	    "  --size WxH             window or screenshot size (default 1440x900)\n"
	    "  --from T, --to T       visible range from the trace start: seconds, or with a\n"
	    "                         unit as in pprof's filters (1.5s 20ms 300us 1000ns)\n"
	    "  --select WHAT          region:N, task:ID, log:N, wait:N, syscall:N, sample:N,\n"
	    "                         alloc:N, type:NAME, search:TEXT, range:T0,T1 (several:\n"
	    "                         separate with ';')\n"
	    "  --tab NAME             side panel tab: regions, sync, blocking, heap\n"
	    "  --hover X,Y            screenshot with the mouse at X,Y (tooltip)\n"
	    "  --force                overwrite the screenshot\n"
	    "  --print-panel          with --screenshot: print the side panel's tab as JSON\n"
	    "  --bench-frames N       play N scripted zoom/pan frames, print timings, exit\n"
	    "  --script FILE          drive the window with actions from FILE (tests; see app.c)\n"
	    "\n"
	    "keys: wheel/W/S zoom, drag/A/D pan, F fit, 0 reset, shift-drag range, / search,\n"
	    "      n next match, E export profile of the selection, Tab/1-4 panel tabs, Q quit\n"
	    "\n"
	    "environment: CPROF_VIEW_SHOT_LOADING=F with --screenshot writes the loading frame\n"
	    "instead, taken while loading is paused at its first progress report >= F (0..1)\n");
}

int cprof_cmd_view(int argc, char **argv)
{
	static char slow[200];
	struct cprof_snapshot_meta snap;
	static const struct option longopts[] = {
	    {"screenshot", required_argument, NULL, 'o'},
	    {"size", required_argument, NULL, 'z'},
	    {"from", required_argument, NULL, 'f'},
	    {"to", required_argument, NULL, 't'},
	    {"select", required_argument, NULL, 's'},
	    {"tab", required_argument, NULL, 'T'},
	    {"hover", required_argument, NULL, 'H'},
	    {"force", no_argument, NULL, 'F'},
	    {"print-panel", no_argument, NULL, 'P'},
	    {"script", required_argument, NULL, 'S'},
	    {"bench-frames", required_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct cprof_ui_options o = {.load = load, .width = 1440, .height = 900};
	int c, status;
	optind = 1;
	while ((c = cprof_cli_next(argc, argv, "ho:", longopts, usage, &status)) != -1) {
		switch (c) {
		case 'o':
			o.screenshot = optarg;
			break;
		case 'z':
			if (sscanf(optarg, "%dx%d", &o.width, &o.height) != 2 || o.width < 200 ||
			    o.height < 150 || o.width > 16384 || o.height > 16384) {
				fprintf(stderr,
					"cprof-trace: --size %s: expected WxH, at least 200x150\n",
					optarg);
				return 2;
			}
			break;
		case 'f':
			if (!cprof_parse_duration(optarg, &o.from_ns)) {
				fprintf(stderr,
					"cprof-trace: --from %s: expected a time like 1.5ms\n",
					optarg);
				return 2;
			}
			o.has_from = true;
			break;
		case 't':
			if (!cprof_parse_duration(optarg, &o.to_ns)) {
				fprintf(stderr,
					"cprof-trace: --to %s: expected a time like 1.5ms\n",
					optarg);
				return 2;
			}
			o.has_to = true;
			break;
		case 's':
			o.select = optarg;
			break;
		case 'T':
			o.tab = optarg;
			break;
		case 'H':
			if (sscanf(optarg, "%d,%d", &o.hover_x, &o.hover_y) != 2) {
				fprintf(stderr, "cprof-trace: --hover %s: expected X,Y\n", optarg);
				return 2;
			}
			o.hover = true;
			break;
		case 'F':
			o.force = true;
			break;
		case 'P':
			o.print_panel = true;
			break;
		case 'S':
			o.script = optarg;
			break;
		case 'b':
			o.bench_frames = atoi(optarg);
			if (o.bench_frames <= 0) {
				fprintf(stderr,
					"cprof-trace: --bench-frames %s: expected a count\n",
					optarg);
				return 2;
			}
			break;
		}
	}
	if (status >= 0)
		return status;
	o.trace = argv[optind];
	struct stat sb;
	if (stat(o.trace, &sb) != 0) {
		char msg[600];
		snprintf(msg, sizeof(msg), "cprof-trace: %s: no such trace directory", o.trace);
		fprintf(stderr, "%s\n", msg);
		if (!o.screenshot && !o.bench_frames && !o.script)
			cprof_ui_show_error(msg);
		return 1;
	}
	/* A flight recorder snapshot opens on the slow region that triggered it. */
	if (cprof_read_snapshot_meta(o.trace, &snap) && snap.task &&
	    !strcmp(snap.trigger, "region")) {
		snprintf(slow, sizeof(slow), "slow:%llu:%s", (unsigned long long)snap.task,
			 snap.reason);
		o.default_select = slow;
	}
	return cprof_ui_run(&o);
}
