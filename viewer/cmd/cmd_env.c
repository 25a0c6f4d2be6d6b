/*
 * cprof-trace env [record's options]
 *
 * Prints, as NAME=value lines, the environment that makes a program
 * servable later (`cprof-trace serve --pid PID`): the preload library,
 * its settings and CPROF_SERVE=1, for a systemd unit's Environment= or a
 * shell's `env $(cprof-trace env) PROGRAM`. Only what differs from the
 * current environment is printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"

extern char **environ;

static bool inherited(const char *var)
{
	for (char **e = environ; *e; e++)
		if (!strcmp(*e, var))
			return true;
	return false;
}

int cprof_cmd_env(int argc, char **argv)
{
	char **envp = NULL, **program = NULL;
	int status;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: cprof-trace env [record's options]\n"
			       "\n"
			       "Prints NAME=value lines: the environment a program needs so that\n"
			       "`cprof-trace serve --pid PID` can profile it later, with the\n"
			       "settings of record's options (see cprof-trace record --help):\n"
			       "\n"
			       "  env $(cprof-trace env) ./server ...      # a shell\n"
			       "  cprof-trace env > /etc/myservice.env      # systemd "
			       "EnvironmentFile=\n"
			       "\n"
			       "With no session recording, the program runs at close to its\n"
			       "untraced speed.\n");
			return 0;
		}
	}
	status = cprof_record_environment("env", argc, argv, false, &envp, &program);
	if (status >= 0)
		return status;
	if (program && program[0]) {
		fprintf(stderr,
			"cprof-trace env: unexpected argument '%s' (env runs nothing; "
			"see cprof-trace env --help)\n",
			program[0]);
		status = 2;
	} else {
		for (char **e = envp; *e; e++) {
			if (inherited(*e))
				continue;
			/* ld.so takes ':' as well as ' ' between preloads: with
			 * ':' the line survives a shell's word splitting */
			if (!strncmp(*e, "LD_PRELOAD=", 11))
				for (char *c = *e + 11; *c; c++)
					if (*c == ' ')
						*c = ':';
			printf("%s\n", *e);
		}
		status = 0;
	}
	for (char **e = envp; *e; e++)
		free(*e);
	free(envp);
	return status;
}
