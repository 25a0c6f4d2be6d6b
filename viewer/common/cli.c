/*
 * The shared command-line parsing (see cli.h). getopt's own messages are
 * off (opterr = 0): they name the program as argv[0], which for a
 * subcommand is only the subcommand's name, and they end differently in
 * every libc; ours name the command and point to its --help.
 */
#include "cli.h"

#include "text.h"

int cprof_cli_next(const struct cprof_cli *cli, int argc, char **argv, int *status)
{
	char shortopts[64];
	int operands;
	int c;

	/* ':' first: a missing value comes back as ':' rather than '?'. */
	snprintf(shortopts, sizeof(shortopts), "%s:%s", cli->options_first ? "+" : "",
		 cli->shortopts);
	opterr = 0;
	c = getopt_long(argc, argv, shortopts, cli->longopts, NULL);
	*status = -1;
	if (c == 'h') {
		cli->usage(stdout);
		*status = 0;
		return -1;
	}
	if (c == '?' || c == ':') {
		/* optopt holds an unknown short option or the option that
		 * lacks its value; a long one is the argument just read. */
		const char *what = c == '?' ? "unknown option" : "missing value for";

		if (optopt > 0 && optopt < 256 && (c == '?' || argv[optind - 1][1] != '-'))
			fprintf(stderr, "cprof-trace %s: %s -%c (see cprof-trace %s --help)\n",
				cli->command, what, optopt, cli->command);
		else
			fprintf(stderr, "cprof-trace %s: %s %s (see cprof-trace %s --help)\n",
				cli->command, what, argv[optind - 1], cli->command);
		*status = 2;
		return -1;
	}
	if (c != -1)
		return c;
	operands = argc - optind;
	if (operands < cli->min_operands ||
	    (cli->max_operands >= 0 && operands > cli->max_operands)) {
		fprintf(stderr, "cprof-trace %s: %s (see cprof-trace %s --help)\n", cli->command,
			cli->operands_error, cli->command);
		*status = 2;
	}
	return -1;
}

const char *cprof_cli_option_name(const struct cprof_cli *cli, int val)
{
	static char name[64];

	for (const struct option *o = cli->longopts; o && o->name; o++) {
		if (o->val == val && !o->flag) {
			snprintf(name, sizeof(name), "--%s", o->name);
			return name;
		}
	}
	if (val > 0 && val < 256) {
		snprintf(name, sizeof(name), "-%c", val);
		return name;
	}
	return "?";
}

int cprof_cli_bad_value(const struct cprof_cli *cli, const char *option, const char *value,
			const char *why)
{
	fprintf(stderr, "cprof-trace %s: %s: '%s': %s\n", cli->command, option, value, why);
	return 2;
}

bool cprof_cli_duration(const struct cprof_cli *cli, const char *option, const char *value,
			uint64_t *ns)
{
	char why[128];

	switch (cprof_duration_parse(value, ns)) {
	case CPROF_DURATION_OK:
		return true;
	case CPROF_DURATION_NO_UNIT:
		cprof_duration_hint(value, why, sizeof(why));
		cprof_cli_bad_value(cli, option, value, why);
		return false;
	case CPROF_DURATION_INVALID:
	default:
		cprof_cli_bad_value(cli, option, value,
				    "not a duration (for example 1.5s, 20ms, 300us, 1000ns)");
		return false;
	}
}
