#include "common.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

volatile int sample_stopping;

void sample_stop(void)
{
	__atomic_store_n(&sample_stopping, 1, __ATOMIC_RELAXED);
}

static void on_signal(int sig)
{
	/* A second Ctrl-C means the user does not want to wait for a clean
	 * shutdown. */
	if (sample_stopping)
		_exit(128 + sig);
	sample_stop();
}

void sample_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A client hanging up must not kill a server writing to it. */
	signal(SIGPIPE, SIG_IGN);
}

uint64_t sample_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void sample_sleep_ns(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

void sample_wait(double seconds)
{
	uint64_t end = seconds > 0 ? sample_now_ns() + (uint64_t)(seconds * 1e9) : 0;

	/* Polling every 10 ms keeps the stop latency low without a condition
	 * variable that the sync profile would then show as a wait. */
	while (sample_running()) {
		uint64_t now = sample_now_ns();

		if (end && now >= end)
			break;
		sample_sleep_ns(end && end - now < 10000000u ? end - now : 10000000u);
	}
	sample_stop();
}

uint64_t sample_rand_range(uint64_t lo, uint64_t hi)
{
	static _Thread_local uint64_t state;

	if (!state)
		state = sample_now_ns() ^ ((uint64_t)(uintptr_t)&state << 17) ^ 0x9e3779b97f4a7c15u;
	/* xorshift64*: good enough for load shapes and much cheaper than a
	 * locked rand(). */
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	if (hi <= lo)
		return lo;
	return lo + (state * 0x2545f4914f6cdd1du) % (hi - lo + 1);
}

long sample_parse_long(const char *prog, const char *opt, const char *arg, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max) {
		fprintf(stderr, "%s: --%s: expected an integer in [%ld, %ld], got '%s'\n", prog,
			opt, min, max, arg);
		exit(2);
	}
	return v;
}

double sample_parse_seconds(const char *prog, const char *opt, const char *arg)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || v < 0) {
		fprintf(stderr, "%s: --%s: expected seconds (>= 0), got '%s'\n", prog, opt, arg);
		exit(2);
	}
	return v;
}

int sample_next_option(const struct sample_cli *cli, int argc, char **argv)
{
	int c = getopt_long(argc, argv, "h", cli->options, NULL);

	if (c == 'h') {
		cli->usage(stdout);
		exit(0);
	}
	if (c == '?' || c == ':') {
		cli->usage(stderr);
		exit(2);
	}
	if (c == -1 && optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", cli->name, argv[optind]);
		exit(2);
	}
	return c;
}

void sample_name_thread(const char *fmt, ...)
{
	char name[16];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	pthread_setname_np(pthread_self(), name);
}
