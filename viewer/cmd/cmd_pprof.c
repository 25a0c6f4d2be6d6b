/* cprof-trace pprof: not implemented yet. */
#include <stdio.h>

#include "cmds.h"

int cprof_cmd_pprof(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cprof-trace pprof: not implemented yet\n");
	return 1;
}
