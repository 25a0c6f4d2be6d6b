/*
 * What every cprof-trace executable sets up before its command runs
 * (main.c, main_view.c): the options that come before the command's name,
 * and what the model cache keeps.
 */
#include <string.h>

#include "analysis/stats.h"
#include "cmds.h"
#include "reader/reader.h"

void cprof_cmd_global_options(int *argc, char ***argv)
{
	/* Whichever command reads a trace first writes its model cache, and
	 * the region statistics `stats` prints go in with it: one pass over
	 * the regions (0.04-0.08 s of CPU per 10M), little beside a first
	 * read's decoding, and the viewer's Regions panel of the whole trace
	 * and the next `stats` take them from there instead of computing. */
	cprof_model_summarize = cprof_stats_summarize;
	if (*argc >= 2 && !strcmp((*argv)[1], "--no-cache")) {
		cprof_read_set_cache(false);
		(*argc)--;
		(*argv)++;
	}
}
