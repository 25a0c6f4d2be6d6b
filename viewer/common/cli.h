/*
 * The command line of a subcommand, parsed the same way by each
 * (getopt_long underneath):
 *   -h/--help prints the usage on stdout and exits 0;
 *   an unknown option, an option without its value, a bad value or a wrong
 *   number of operands prints one line on stderr that names the command
 *   and what is wrong, and exits 2;
 *   durations carry a unit (common/text.h).
 */
#ifndef CPROF_COMMON_CLI_H
#define CPROF_COMMON_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct cprof_cli {
	const char *command;	       /* "stats": the messages say whose they are */
	const char *shortopts;	       /* getopt's, without any '+' or ':' prefix */
	const struct option *longopts; /* 'h' must be the value of --help */
	void (*usage)(FILE *out);
	/* Options end at the first operand (record: PROGRAM's own options
	 * are PROGRAM's). */
	bool options_first;
	int min_operands, max_operands; /* max -1: no limit */
	const char *operands_error;	/* "expected one TRACE directory" */
};

/*
 * One step (set optind = 1 before the first): returns the next option's
 * `val` for the command to handle (optarg set), or -1 when the options
 * are done. Then *status is -1 when the operands are argv[optind..argc),
 * or the status the command exits with (what was wrong is printed).
 */
int cprof_cli_next(const struct cprof_cli *cli, int argc, char **argv, int *status);

/* "--output" for the option whose value is `val` ("-o" for a short one
 * with no long name); a static string, or "?" for none. */
const char *cprof_cli_option_name(const struct cprof_cli *cli, int val);

/* "cprof-trace CMD: OPTION: 'VALUE': WHY" on stderr; returns 2. */
int cprof_cli_bad_value(const struct cprof_cli *cli, const char *option, const char *value,
			const char *why);

/*
 * A duration option's value (common/text.h): true with *ns set, or false
 * once the reason is printed (a bare number is told to add a unit).
 */
bool cprof_cli_duration(const struct cprof_cli *cli, const char *option, const char *value,
			uint64_t *ns);

#endif /* CPROF_COMMON_CLI_H */
