/*
 * What the samples share: the stop flag that --seconds and SIGINT/SIGTERM
 * set, clocks, and the attribute that keeps a function a real frame.
 *
 * The samples are built -O2 -g like a real program. The functions a profile
 * must name (increase1000, leaky_function, cache_evict, ...) are marked
 * SAMPLE_FRAME so that the optimiser neither inlines them into their caller
 * nor clones them under a suffixed name (increase1000.constprop.0): a
 * profile should show the function the seed's reader looks for.
 */
#ifndef SAMPLES_COMMON_H
#define SAMPLES_COMMON_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#if defined(__clang__)
#define SAMPLE_FRAME __attribute__((noinline))
#else
#define SAMPLE_FRAME __attribute__((noinline, noclone))
#endif

/* Set by sample_stop() (signal handler, timer or the program itself). */
extern volatile int sample_stopping;

static inline bool sample_running(void)
{
	return !__atomic_load_n(&sample_stopping, __ATOMIC_RELAXED);
}

/* SIGINT and SIGTERM call sample_stop(); a second signal exits at once. */
void sample_install_signals(void);
void sample_stop(void);

/* Sleeps until `seconds` passed (0: forever) or sample_stop() was called. */
void sample_wait(double seconds);

uint64_t sample_now_ns(void);
void sample_sleep_ns(uint64_t ns);

/* Uniform in [lo, hi], per-thread state; lo > hi is treated as lo. */
uint64_t sample_rand_range(uint64_t lo, uint64_t hi);

/*
 * Option parsing helpers: print `cprof-sample: NAME: bad value for --OPT`
 * style messages and exit(2) on bad input.
 */
long sample_parse_long(const char *prog, const char *opt, const char *arg, long min, long max);
double sample_parse_seconds(const char *prog, const char *opt, const char *arg);

/* A sample's command line: what every sample answers the same way. */
struct sample_cli {
	const char *name;	      /* prefix of the messages: "allprof" */
	const struct option *options; /* getopt_long's table, --help included */
	void (*usage)(FILE *f);
};

/*
 * getopt_long over argv, one option per call: returns the option's `val`
 * (optarg set), or -1 when the options are done. Answers the rest itself:
 * -h/--help prints the usage on stdout and exits 0, an unknown option or a
 * missing value prints it on stderr and exits 2, an operand exits 2.
 */
int sample_next_option(const struct sample_cli *cli, int argc, char **argv);

/* Names the calling thread (at most 15 characters are kept). */
void sample_name_thread(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
