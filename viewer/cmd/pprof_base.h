/*
 * `cprof-trace pprof --base OLD NEW`: the profile of NEW minus OLD
 * (analysis/profile_diff.h), read from traces. Part of the pprof command:
 * its options, its usage text and its run, apart from the single-trace
 * path of cmd_pprof.c.
 */
#ifndef CPROF_PPROF_BASE_H
#define CPROF_PPROF_BASE_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "analysis/profiles.h"
#include "symbols/symbols.h"

enum cprof_normalize {
	CPROF_NORMALIZE_NONE,	/* sums as they are */
	CPROF_NORMALIZE_SECOND, /* OLD scaled to NEW's total length */
	CPROF_NORMALIZE_RUN,	/* OLD scaled to NEW's number of runs */
};

/* The default noise threshold: a stack whose net change is below this
 * fraction of the larger side's total is dropped. */
#define CPROF_DIFF_NOISE 0.005

enum { CPROF_PPROF_OPT_BASE = 0x1000, CPROF_PPROF_OPT_NORMALIZE, CPROF_PPROF_OPT_NOISE };

/* getopt_long entries and --help lines of the difference options. */
/* clang-format off */
#define CPROF_PPROF_BASE_OPTIONS                                       \
	{"base", required_argument, NULL, CPROF_PPROF_OPT_BASE},           \
	{"normalize", required_argument, NULL, CPROF_PPROF_OPT_NORMALIZE}, \
	{"noise", required_argument, NULL, CPROF_PPROF_OPT_NOISE}
/* clang-format on */
#define CPROF_PPROF_BASE_USAGE                                                                     \
	"differences (as go tool pprof -diff_base shows them):\n"                                  \
	"  --base OLD         write NEW minus OLD: OLD's samples with negative values\n"           \
	"                     (repeat for several OLD runs; several NEW runs add up;\n"            \
	"                     default output TYPE-diff.pb.gz)\n"                                   \
	"  --normalize second scale OLD to NEW's total length (rates)\n"                           \
	"  --normalize run    scale OLD to NEW's number of runs (means per run)\n"                 \
	"  --noise PCT        drop stacks whose net change is below PCT%% of the larger\n"         \
	"                     side's total (default 0.5; 0 keeps every stack)\n"                   \
	"The thread and tid labels are left out of a difference (runs share no threads).\n"

struct cprof_pprof_base_opts {
	char **old; /* --base traces, borrowed from argv; freed by run */
	size_t nold;
	enum cprof_normalize normalize;
	double noise; /* fraction */
};

void cprof_pprof_base_init(struct cprof_pprof_base_opts *opts);

/* 0: the option was one of ours and is taken; -1: not ours, or a bad
 * value (then a message was printed). */
int cprof_pprof_base_option(struct cprof_pprof_base_opts *opts, int opt, char *arg);

/* Writes the diff profile (NULL output: TYPE-diff.pb.gz) and releases
 * opts; returns the exit status, messages on stderr. */
int cprof_pprof_base_run(struct cprof_pprof_base_opts *opts, enum cprof_profile_type type,
			 const char *type_name, const struct cprof_profile_filter *filter,
			 const struct cprof_symbolizer_options *sym_opts, char **new, size_t nnew,
			 const char *output, bool force);

#endif /* CPROF_PPROF_BASE_H */
