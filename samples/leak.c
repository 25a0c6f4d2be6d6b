/*
 * leak: the seeds' leakyFunction in C. A thread appends "magical pandas"
 * to an array that is never trimmed: every item is its own malloc, and the
 * array itself grows by realloc, so the heap in use climbs for as long as
 * the program runs. Every --batch items it sleeps --pause-ms, like the
 * seed's time.Sleep, so two heap profiles taken a few seconds apart
 * (`cprof-trace pprof -t heap --at T`) differ by the leak.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cprof/trace.h>

#include "common.h"

struct string_slice {
	char **items;
	size_t len, cap;
};

static long opt_items = 10000000;
static long opt_batch = 100000;
static long opt_pause_ms = 500;

/* The global the leak hangs on: nothing ever frees it. */
static struct string_slice leaked;

static SAMPLE_FRAME void *leaky_function(void *arg)
{
	static const char panda[] = "magical pandas";
	struct string_slice *s = &leaked;

	sample_name_thread("leaky_function");
	/* As the seed's make([]string, 3). */
	s->cap = 3;
	s->len = 3;
	s->items = calloc(s->cap, sizeof(*s->items));
	if (!s->items)
		return NULL;
	for (long i = 0; i < opt_items && sample_running(); i++) {
		char *item;

		if (s->len == s->cap) {
			/* append()'s growth: double, copy, and drop the old
			 * array (realloc frees it). */
			size_t ncap = s->cap * 2;
			char **n = realloc(s->items, ncap * sizeof(*n));

			if (!n)
				break;
			s->items = n;
			s->cap = ncap;
		}
		item = malloc(sizeof(panda));
		if (!item)
			break;
		memcpy(item, panda, sizeof(panda));
		s->items[s->len++] = item;
		if (i % opt_batch == 0) {
			cprof_logf(NULL, "leak", "%zu items, capacity %zu", s->len, s->cap);
			sample_sleep_ns((uint64_t)opt_pause_ms * 1000000u);
		}
	}
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: leak [--seconds N] [--items N] [--batch N] [--pause-ms MS]\n"
		   "\n"
		   "leaky_function appends a malloc'ed string per item to an array that\n"
		   "only grows (realloc), so the heap in use climbs until the program ends.\n"
		   "\n"
		   "Options:\n"
		   "  --seconds N    run for N seconds (default 10; 0: until SIGINT)\n"
		   "  --items N      stop appending after N items (default 10000000)\n"
		   "  --batch N      sleep after every N items (default 100000)\n"
		   "  --pause-ms MS  how long to sleep (default 500)\n"
		   "  -h, --help     this text\n"
		   "\n"
		   "Example: cprof-trace record -o leak.out -- leak --seconds 6\n"
		   "         cprof-trace pprof -t heap --at 2s -o base.pb.gz leak.out\n"
		   "         cprof-trace pprof -t heap --at 5s -o now.pb.gz leak.out\n"
		   "         go tool pprof -top -base base.pb.gz now.pb.gz\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"seconds", required_argument, NULL, 's'}, {"items", required_argument, NULL, 'n'},
	    {"batch", required_argument, NULL, 'b'},   {"pause-ms", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},	       {NULL, 0, NULL, 0},
	};
	const struct sample_cli cli = {"leak", opts, usage};
	double seconds = 10;
	pthread_t th;
	int c;

	while ((c = sample_next_option(&cli, argc, argv)) != -1) {
		switch (c) {
		case 's':
			seconds = sample_parse_seconds("leak", "seconds", optarg);
			break;
		case 'n':
			opt_items = sample_parse_long("leak", "items", optarg, 0, 1000000000);
			break;
		case 'b':
			opt_batch = sample_parse_long("leak", "batch", optarg, 1, 1000000000);
			break;
		case 'p':
			opt_pause_ms = sample_parse_long("leak", "pause-ms", optarg, 0, 3600000);
			break;
		}
	}
	sample_install_signals();
	printf("hello world\n");
	fflush(stdout);
	if (pthread_create(&th, NULL, leaky_function, NULL) != 0) {
		fprintf(stderr, "leak: cannot create thread\n");
		return 1;
	}
	sample_wait(seconds);
	pthread_join(th, NULL);
	fprintf(stderr, "leak: %zu items held, array capacity %zu (%zu KiB)\n", leaked.len,
		leaked.cap, (leaked.len * 15 + leaked.cap * sizeof(char *)) / 1024);
	return 0;
}
