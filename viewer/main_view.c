/*
 * cprof-trace-view: the SDL2 viewer's executable, which `cprof-trace view`
 * runs (cmd/cmd_view_exec.c) with its own arguments: [--no-cache] view
 * [options] TRACE. Kept apart so that only it links SDL2 and libpng.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmds.h"

int main(int argc, char **argv)
{
	cprof_cmd_global_options(&argc, &argv);
	if (argc < 2 || strcmp(argv[1], "view")) {
		fprintf(stderr, "usage: cprof-trace view [options] TRACE (cprof-trace-view is "
				"run by cprof-trace)\n");
		return 2;
	}
	return cprof_cmd_view(argc - 1, argv + 1);
}
