/*
 * netapp: the seeds' "net-app" in C. An HTTP/1.1 server on loopback with
 * three endpoints:
 *
 *   /fast  answers at once (or after --fast-delay ms)
 *   /slow  sleeps a random time in [--slow-min, --slow-max] ms
 *   /gc    allocates --alloc-min..--alloc-max 10 KiB buffers and keeps
 *          every 100th alive for good (the seed's longLivedData)
 *
 * and a built-in load generator (--load N --conc C --path P), so that
 * recording it under load takes one command and no outside tool:
 *
 *   cprof-trace record -o trace.out -- netapp --load 2000 --conc 4 --path /slow
 *
 * Every request is a task `request` with regions `parse`, `handle`, `write`.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cprof/trace.h>

#include "common.h"
#include "http.h"

static long opt_fast_delay_ms = 0;
static long opt_slow_min_ms = 1;
static long opt_slow_max_ms = 300;
static long opt_alloc_min = 50;
static long opt_alloc_max = 1000;

static SAMPLE_FRAME void fast_handler(const struct http_request *req, struct http_response *resp)
{
	if (opt_fast_delay_ms > 0)
		sample_sleep_ns((uint64_t)opt_fast_delay_ms * 1000000u);
	http_buf_printf(&resp->body, "fast response\n");
}

static SAMPLE_FRAME void slow_handler(const struct http_request *req, struct http_response *resp)
{
	uint64_t delay_ms = sample_rand_range((uint64_t)opt_slow_min_ms, (uint64_t)opt_slow_max_ms);

	sample_sleep_ns(delay_ms * 1000000u);
	http_buf_printf(&resp->body, "slow response with delay %llu ms\n",
			(unsigned long long)delay_ms);
}

/* The seed's longLivedData: every 100th buffer, never released. */
static pthread_mutex_t long_lived_mu = PTHREAD_MUTEX_INITIALIZER;
static char **long_lived_data;
static size_t long_lived_len, long_lived_cap;

static int keep_alive_forever(char *b)
{
	int rc = 0;

	pthread_mutex_lock(&long_lived_mu);
	if (long_lived_len == long_lived_cap) {
		size_t ncap = long_lived_cap ? long_lived_cap * 2 : 64;
		char **n = realloc(long_lived_data, ncap * sizeof(*n));

		if (n) {
			long_lived_data = n;
			long_lived_cap = ncap;
		} else {
			rc = -1;
		}
	}
	if (rc == 0)
		long_lived_data[long_lived_len++] = b;
	pthread_mutex_unlock(&long_lived_mu);
	return rc;
}

static SAMPLE_FRAME void gc_heavy_handler(const struct http_request *req,
					  struct http_response *resp)
{
	long num_allocs = (long)sample_rand_range((uint64_t)opt_alloc_min, (uint64_t)opt_alloc_max);
	char **data = NULL;
	bool *kept = NULL;
	size_t len = 0, cap = 0;

	for (long i = 0; i < num_allocs; i++) {
		/* 10 KiB, zeroed like Go's make([]byte, 1024*10). */
		char *b = calloc(1, 1024 * 10);

		if (!b)
			break;
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **nd = realloc(data, ncap * sizeof(*nd));
			bool *nk = realloc(kept, ncap * sizeof(*nk));

			if (nd)
				data = nd;
			if (nk)
				kept = nk;
			if (!nd || !nk) {
				free(b);
				break;
			}
			cap = ncap;
		}
		data[len] = b;
		/* Every 100 allocations, keep the data alive. */
		kept[len] = i % 100 == 0 && keep_alive_forever(b) == 0;
		len++;
	}
	http_buf_printf(&resp->body, "allocated %zu KB\n", len * 10);
	/* What Go's collector would reclaim once the handler returns. */
	for (size_t i = 0; i < len; i++)
		if (!kept[i])
			free(data[i]);
	free(data);
	free(kept);
}

static const struct http_route routes[] = {
    {"GET", "/fast", fast_handler},
    {"GET", "/slow", slow_handler},
    {"GET", "/gc", gc_heavy_handler},
};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: netapp [options]\n"
	    "\n"
	    "An HTTP/1.1 server on 127.0.0.1 with /fast, /slow and /gc, and a built-in\n"
	    "load generator. Each request is a task `request` with regions `parse`,\n"
	    "`handle` and `write`.\n"
	    "\n"
	    "Server options:\n"
	    "  --port N          port (default 8080, or any free port with --load)\n"
	    "  --fast-delay MS   fixed delay of /fast (default 0)\n"
	    "  --slow-min MS     shortest /slow sleep (default 1)\n"
	    "  --slow-max MS     longest /slow sleep (default 300)\n"
	    "  --alloc-min N     fewest 10 KiB buffers /gc allocates (default 50)\n"
	    "  --alloc-max N     most 10 KiB buffers /gc allocates (default 1000)\n"
	    "  --seconds N       stop after N seconds (default: 0, until SIGINT; with\n"
	    "                    --load, when the load is done)\n"
	    "\n"
	    "Load generator (runs in the same process, then exits):\n"
	    "  --load N          send N requests in all (0: until --seconds)\n"
	    "  --conc C          over C keep-alive connections (default 4)\n"
	    "  --path P          to path P (default /fast)\n"
	    "\n"
	    "  -h, --help        this text\n"
	    "\n"
	    "Example: cprof-trace record -o trace.out -- netapp --load 400 --conc 4 --path /slow\n"
	    "         cprof-trace stats trace.out\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"port", required_argument, NULL, 'p'},
	    {"fast-delay", required_argument, NULL, 'F'},
	    {"slow-min", required_argument, NULL, 'm'},
	    {"slow-max", required_argument, NULL, 'M'},
	    {"alloc-min", required_argument, NULL, 'a'},
	    {"alloc-max", required_argument, NULL, 'A'},
	    {"gc-min-alloc", required_argument, NULL, 'a'},
	    {"gc-max-alloc", required_argument, NULL, 'A'},
	    {"seconds", required_argument, NULL, 's'},
	    {"load", required_argument, NULL, 'l'},
	    {"conc", required_argument, NULL, 'c'},
	    {"path", required_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const struct sample_cli cli = {"netapp", opts, usage};
	struct http_load load = {.method = "GET", .path = "/fast", .conc = 4};
	bool with_load = false;
	double seconds = 0;
	int port = -1, c, rc;

	while ((c = sample_next_option(&cli, argc, argv)) != -1) {
		switch (c) {
		case 'p':
			port = (int)sample_parse_long("netapp", "port", optarg, 0, 65535);
			break;
		case 'F':
			opt_fast_delay_ms =
			    sample_parse_long("netapp", "fast-delay", optarg, 0, 3600000);
			break;
		case 'm':
			opt_slow_min_ms =
			    sample_parse_long("netapp", "slow-min", optarg, 0, 3600000);
			break;
		case 'M':
			opt_slow_max_ms =
			    sample_parse_long("netapp", "slow-max", optarg, 0, 3600000);
			break;
		case 'a':
			opt_alloc_min =
			    sample_parse_long("netapp", "alloc-min", optarg, 0, 1000000);
			break;
		case 'A':
			opt_alloc_max =
			    sample_parse_long("netapp", "alloc-max", optarg, 0, 1000000);
			break;
		case 's':
			seconds = sample_parse_seconds("netapp", "seconds", optarg);
			break;
		case 'l':
			load.requests = sample_parse_long("netapp", "load", optarg, 0, 1000000000);
			with_load = true;
			break;
		case 'c':
			load.conc = (int)sample_parse_long("netapp", "conc", optarg, 1, 1024);
			break;
		case 'P':
			load.path = optarg;
			break;
		}
	}
	if (opt_slow_max_ms < opt_slow_min_ms || opt_alloc_max < opt_alloc_min) {
		fprintf(stderr, "netapp: a --*-max is below its --*-min\n");
		return 2;
	}
	if (with_load && load.requests == 0 && seconds == 0) {
		fprintf(stderr, "netapp: --load 0 runs until --seconds: give --seconds\n");
		return 2;
	}
	sample_install_signals();
	rc = http_serve("netapp", routes, sizeof(routes) / sizeof(routes[0]), port, 8080,
			" (/fast /slow /gc)", with_load ? &load : NULL, seconds);
	if (rc < 0)
		return 1;
	fprintf(stderr, "netapp: %zu buffers (%zu KiB) kept alive by /gc\n", long_lived_len,
		long_lived_len * 10);
	return rc;
}
