/* cprof-trace record: not implemented yet. */
#include <stdio.h>

#include "cmds.h"

int cprof_cmd_record(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cprof-trace record: not implemented yet\n");
	return 1;
}
