/* cprof-trace stats: not implemented yet. */
#include <stdio.h>

#include "cmds.h"

int cprof_cmd_stats(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cprof-trace stats: not implemented yet\n");
	return 1;
}
