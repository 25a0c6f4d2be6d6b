/*
 * The command line of a subcommand that reads one TRACE, answered the same
 * way by each: -h/--help prints the usage on stdout (exit 0); an unknown
 * option, a missing value, or anything but one operand prints it on stderr
 * (exit 2). Header-only: the commands are its only users.
 */
#ifndef CPROF_COMMON_CLI_H
#define CPROF_COMMON_CLI_H

#include <getopt.h>
#include <stdio.h>

/*
 * One getopt_long step (set optind = 1 before the first): returns the next
 * option's `val` for the command to handle (optarg set), or -1 when the
 * options are done. Then *status is -1 if the trace is argv[optind], or
 * the status the command exits with (the usage was printed).
 */
/* The same for a command that takes from `min` to `max` operands. */
static inline int cprof_cli_next_n(int argc, char **argv, const char *shortopts,
				   const struct option *longopts, void (*usage)(FILE *), int min,
				   int max, int *status)
{
	int c = getopt_long(argc, argv, shortopts, longopts, NULL);

	*status = -1;
	if (c == 'h') {
		usage(stdout);
		*status = 0;
		return -1;
	}
	if (c == '?' || c == ':' || (c == -1 && (argc - optind < min || argc - optind > max))) {
		usage(stderr);
		*status = 2;
		return -1;
	}
	return c;
}

static inline int cprof_cli_next(int argc, char **argv, const char *shortopts,
				 const struct option *longopts, void (*usage)(FILE *), int *status)
{
	return cprof_cli_next_n(argc, argv, shortopts, longopts, usage, 1, 1, status);
}

#endif /* CPROF_COMMON_CLI_H */
