/*
 * cprof-trace view in a build without the viewer (meson -Dviewer=disabled,
 * or SDL2, SDL2_ttf or libpng missing): says so, in one line, and fails.
 */
#include <stdio.h>

#include "cmds.h"

int cprof_cmd_view(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cprof-trace: view: this cprof-trace was built without the viewer "
			"(meson setup -Dviewer=enabled needs libsdl2-dev, libsdl2-ttf-dev and "
			"libpng-dev)\n");
	return 1;
}
