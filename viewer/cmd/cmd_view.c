/*
 * cprof-trace view: the SDL2 timeline viewer. Parses options, checks the
 * trace path, and runs the UI with the reader as its loader.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis/profiles.h"
#include "cmds.h"
#include "common/cli.h"
#include "common/text.h"
#include "reader/reader.h"
#include "reader/record_meta.h"
#include "ui/ui.h"

struct progress_fwd {
	cprof_ui_progress_fn fn;
	cprof_ui_partial_fn partial;
	void *data;
};

static bool fwd_progress(double f, void *data)
{
	struct progress_fwd *p = data;
	return p->fn(f, p->data);
}

static void fwd_partial(const struct cprof_model *model, uint64_t begin_ns, uint64_t end_ns,
			void *data)
{
	struct progress_fwd *p = data;
	p->partial(model, begin_ns, end_ns, p->data);
}

static struct cprof_model *load(const char *path, cprof_ui_progress_fn progress,
				cprof_ui_partial_fn partial, void *data, void **later, char *err,
				size_t errlen)
{
	struct progress_fwd fwd = {progress, partial, data};
	struct cprof_read_cache *cache = NULL;
	struct cprof_read_options opts = {.progress = fwd_progress,
					  .progress_data = &fwd,
					  .partial = partial ? fwd_partial : NULL,
					  .defer_cache = later ? &cache : NULL};
	struct cprof_model *model = NULL;
	char msg[480];
	if (cprof_read_trace(path, &opts, &model, msg, sizeof(msg)) != CPROF_READ_OK) {
		snprintf(err, errlen, "%s", msg);
		return NULL;
	}
	cprof_read_print_notes(stderr, path, model);
	if (later)
		*later = cache;
	return model;
}

/* The model cache, written once the window shows the model (what would
 * otherwise make the first open's full view wait). */
static void finish(void *later, struct cprof_model *model)
{
	cprof_read_cache_store(later, model);
}

/*
 * One --select item: a key and a value of the right shape. Whether it names
 * something in the trace is known only after loading (the window opens
 * before, to show progress), so that is the viewer's to say.
 */
static bool parse_select(char *spec, struct cprof_ui_select *sel)
{
	static const struct {
		const char *key;
		enum cprof_ui_select_kind kind;
	} keys[] = {
	    {"region", CPROF_UI_SELECT_REGION}, {"log", CPROF_UI_SELECT_LOG},
	    {"wait", CPROF_UI_SELECT_WAIT},	{"syscall", CPROF_UI_SELECT_SYSCALL},
	    {"sample", CPROF_UI_SELECT_SAMPLE}, {"alloc", CPROF_UI_SELECT_ALLOC},
	    {"task", CPROF_UI_SELECT_TASK},	{"type", CPROF_UI_SELECT_TYPE},
	    {"search", CPROF_UI_SELECT_SEARCH}, {"range", CPROF_UI_SELECT_RANGE},
	};
	const char *colon = strchr(spec, ':');
	size_t k;
	if (!colon)
		return false;
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if ((size_t)(colon - spec) == strlen(keys[k].key) &&
		    !strncmp(spec, keys[k].key, colon - spec))
			break;
	if (k == sizeof(keys) / sizeof(keys[0]))
		return false;
	const char *val = colon + 1;
	*sel = (struct cprof_ui_select){.kind = keys[k].kind, .spec = spec, .text = val};
	if (sel->kind == CPROF_UI_SELECT_TYPE || sel->kind == CPROF_UI_SELECT_SEARCH)
		return true;
	if (sel->kind == CPROF_UI_SELECT_RANGE) {
		char buf[128];
		snprintf(buf, sizeof(buf), "%s", val);
		char *comma = strchr(buf, ',');
		if (!comma)
			return false;
		*comma = 0;
		return cprof_duration_parse(buf, &sel->r0) == CPROF_DURATION_OK &&
		       cprof_duration_parse(comma + 1, &sel->r1) == CPROF_DURATION_OK;
	}
	if (!*val || strspn(val, "0123456789") != strlen(val))
		return false;
	sel->n = strtoull(val, NULL, 10);
	return true;
}

/* --select A;B;...: splits `buf` (a copy of the argument) in place. */
static bool parse_selects(char *buf, struct cprof_ui_options *o)
{
	char *save = NULL;
	for (char *s = strtok_r(buf, ";", &save); s; s = strtok_r(NULL, ";", &save)) {
		if (o->nselect == CPROF_UI_MAX_SELECTS) {
			fprintf(stderr, "cprof-trace: --select: at most %d items\n",
				CPROF_UI_MAX_SELECTS);
			return false;
		}
		if (!parse_select(s, &o->select[o->nselect])) {
			fprintf(stderr,
				"cprof-trace: --select %s: expected " CPROF_UI_SELECT_FORMS
				" naming something in the trace\n",
				s);
			return false;
		}
		o->nselect++;
	}
	return true;
}

static bool parse_tab(const char *s, int *tab)
{
	if (cprof_ui_tab_parse(s, tab))
		return true;
	fprintf(stderr,
		"cprof-trace: --tab %s: expected regions, sync, blocking, heap, flame, threads "
		"or path\n",
		s);
	return false;
}

static bool profile_ok(const char *s)
{
	if (cprof_ui_profile_known(s))
		return true;
	fprintf(stderr,
		"cprof-trace: --profile %s: expected cpu, sync, mutex, syscall, heap, alloc, "
		"region or threads\n",
		s);
	return false;
}

/* A flight recorder snapshot opens on the slow region that triggered it. */
static void default_select(struct cprof_ui_options *o)
{
	static char slow[200];
	struct cprof_snapshot_meta snap;
	if (cprof_read_snapshot_meta(o->trace, &snap) && snap.task &&
	    !strcmp(snap.trigger, "region")) {
		snprintf(slow, sizeof(slow), "slow:%llu:%s", (unsigned long long)snap.task,
			 snap.reason);
		o->has_default_select = true;
		o->default_select =
		    (struct cprof_ui_select){.kind = CPROF_UI_SELECT_SLOW,
					     .spec = slow,
					     .n = snap.task,
					     .text = slow + strlen(slow) - strlen(snap.reason)};
	}
}

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: cprof-trace view [options] TRACE\n"
	    "       cprof-trace view [options] OLD NEW\n"
	    "\n"
	    "With two traces: OLD above NEW on aligned time axes (each from its own start),\n"
	    "beside what `cprof-trace compare OLD NEW` finds (click a row: its type is\n"
	    "highlighted in both; shift-drag: the comparison over that range of both).\n"
	    "\n"
	    "  --screenshot FILE.png  render one frame to a PNG and exit (no display needed)\n"
	    "  --size WxH             window or screenshot size (default 1440x900)\n"
	    "  --from T, --to T       visible range from the trace start; T needs a unit:\n"
	    "                         1.5s, 20ms, 300us, 1000ns, 2min (0 needs none)\n"
	    "  --select WHAT          region:N, task:ID, log:N, wait:N, syscall:N, sample:N,\n"
	    "                         alloc:N, type:NAME, search:TEXT, range:T0,T1 (several:\n"
	    "                         separate with ';')\n"
	    "  --tab NAME             side panel tab: regions, sync, blocking, heap, flame,\n"
	    "                         threads, path (the selected task's critical path);\n"
	    "                         default regions, or flame for a trace without any\n"
	    "  --profile TYPE         the flame tab's profile: cpu, sync, mutex, syscall, heap,\n"
	    "                         alloc (allocated bytes), region, threads (default cpu)\n"
	    "  --hover X,Y            screenshot with the mouse at X,Y (tooltip)\n"
	    "  --force                overwrite the screenshot\n"
	    "  --print-panel          with --screenshot or --bench-frames: print the side\n"
	    "                         panel's tab as JSON\n"
	    "  --bench-frames N       play N scripted zoom/pan frames, print timings (frame\n"
	    "                         times, max_gap_ms, panel_s, panel_gap_ms...), exit\n"
	    "  --script FILE          drive the window with actions from FILE (tests; see\n"
	    "                         viewer/ui/app_script.c)\n"
	    "\n"
	    "keys: wheel/W/S zoom, drag/A/D pan, F fit, 0 reset, shift-drag range, / search,\n"
	    "      n next match, E export profile of the selection, Tab/1-7 panel tabs, G the\n"
	    "      flame graph's next profile, T its table, Backspace zoom out, C the selected\n"
	    "      task's or region's critical path, Q quit\n"
	    "\n"
	    "While loading, the window shows what is loaded so far (a lane per thread over\n"
	    "the whole trace's time axis); `view OLD NEW` shows a progress bar per trace.\n"
	    "\n"
	    "environment: CPROF_VIEW_SHOT_LOADING=F with --screenshot writes the loading frame\n"
	    "instead, taken while loading is paused at its first progress report >= F (0..1);\n"
	    "CPROF_VIEW_NO_PREVIEW=1 shows the progress bar alone while loading\n");
}

int cprof_cmd_view(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"screenshot", required_argument, NULL, 'o'},
	    {"size", required_argument, NULL, 'z'},
	    {"from", required_argument, NULL, 'f'},
	    {"to", required_argument, NULL, 't'},
	    {"select", required_argument, NULL, 's'},
	    {"tab", required_argument, NULL, 'T'},
	    {"profile", required_argument, NULL, 'p'},
	    {"hover", required_argument, NULL, 'H'},
	    {"force", no_argument, NULL, 'F'},
	    {"print-panel", no_argument, NULL, 'P'},
	    {"script", required_argument, NULL, 'S'},
	    {"bench-frames", required_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static const struct cprof_cli cli = {"view", "ho:", longopts, usage,
					     false,  1,	    2,	      "expected TRACE, or OLD NEW"};
	struct cprof_ui_options o = {
	    .load = load, .finish = finish, .width = 1440, .height = 900, .tab = -1};
	const char *select = NULL, *tab = NULL;
	char selbuf[512];
	int c, status;
	optind = 1;
	while ((c = cprof_cli_next(&cli, argc, argv, &status)) != -1) {
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
			if (!cprof_cli_duration(&cli, "--from", optarg, &o.from_ns))
				return 2;
			o.has_from = true;
			break;
		case 't':
			if (!cprof_cli_duration(&cli, "--to", optarg, &o.to_ns))
				return 2;
			o.has_to = true;
			break;
		case 's':
			select = optarg;
			break;
		case 'T':
			tab = optarg;
			break;
		case 'p':
			if (!profile_ok(optarg))
				return 2;
			o.profile = optarg;
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
	if (optind + 1 < argc)
		o.trace_new = argv[optind + 1];
	if (o.trace_new && o.bench_frames) {
		fprintf(stderr, "cprof-trace: view: --bench-frames takes one trace\n");
		return 2;
	}
	struct stat sb;
	for (const char *t = o.trace; t; t = t == o.trace ? o.trace_new : NULL)
		if (stat(t, &sb) != 0) {
			char msg[600];
			snprintf(msg, sizeof(msg), "cprof-trace: %s: no such trace directory", t);
			fprintf(stderr, "%s\n", msg);
			if (!o.screenshot && !o.bench_frames && !o.script)
				cprof_ui_show_error(msg);
			return 1;
		}
	if (o.screenshot && !o.force && stat(o.screenshot, &sb) == 0) {
		fprintf(stderr, "cprof-trace: %s: file exists (use --force to overwrite)\n",
			o.screenshot);
		return 1;
	}
	if (tab && !parse_tab(tab, &o.tab))
		return 2;
	snprintf(selbuf, sizeof(selbuf), "%s", select ? select : "");
	if (!parse_selects(selbuf, &o))
		return 2;
	default_select(&o);
	return cprof_ui_run(&o);
}
