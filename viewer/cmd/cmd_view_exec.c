/*
 * cprof-trace view, in cprof-trace itself: runs cprof-trace-view, the
 * executable that holds the SDL2 viewer. Only it links SDL2, SDL2_ttf,
 * libpng and what they pull in (X11, Wayland, PulseAudio...: some 60
 * libraries), so that record, serve, stats and pprof start without them
 * and run on a server that has none of them installed.
 *
 * It is looked for next to this executable (the build tree), then where
 * it is installed.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "config.h"
#include "reader/reader.h"

#define VIEW_EXE "cprof-trace-view"

static bool find_view(char *path, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, len, "%s/" VIEW_EXE, exe);
			if (!access(path, X_OK))
				return true;
		}
	}
	snprintf(path, len, "%s/" VIEW_EXE, CPROF_INSTALL_VIEWDIR);
	return !access(path, X_OK);
}

int cprof_cmd_view(int argc, char **argv)
{
	char path[PATH_MAX + 32];
	char **args = calloc((size_t)argc + 3, sizeof(*args));
	int n = 0;

	if (!args) {
		fprintf(stderr, "cprof-trace: view: out of memory\n");
		return 1;
	}
	if (!find_view(path, sizeof(path))) {
		fprintf(stderr, "cprof-trace: view: %s: %s (the viewer is a separate executable)\n",
			path, strerror(errno));
		free(args);
		return 1;
	}
	args[n++] = path;
	if (!cprof_read_cache_enabled())
		args[n++] = "--no-cache";
	for (int i = 0; i < argc; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	fflush(NULL);
	execv(path, args);
	fprintf(stderr, "cprof-trace: view: cannot run %s: %s\n", path, strerror(errno));
	free(args);
	return 1;
}
