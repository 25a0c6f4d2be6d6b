/* cprof-trace view: not implemented yet. */
#include <stdio.h>

#include "cmds.h"

int cprof_cmd_view(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cprof-trace view: not implemented yet\n");
	return 1;
}
