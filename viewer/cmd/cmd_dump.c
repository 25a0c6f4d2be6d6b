/* cprof-trace dump: not implemented yet. */
#include <stdio.h>

#include "cmds.h"

int cprof_cmd_dump(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cprof-trace dump: not implemented yet\n");
	return 1;
}
