/*
 * threadleak: the seeds' goroutine leak with threads. Each leaky_thread
 * waits on a "channel" of its own (a condition variable) that nobody ever
 * signals, so the --threads threads pile up blocked until the process
 * dies; main exits after --seconds without joining them, the way a
 * service that leaks keeps going.
 *
 * --fixed is the seed's prevention pattern: safe_thread also watches a
 * shared cancellation context (context.Context's Done), which main
 * cancels before joining every thread.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <cprof/trace.h>

#include "common.h"

/* A channel nobody closes. */
struct chan {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	int closed;
};

/* The cancellation context of the fixed version. */
struct context {
	pthread_mutex_t mu;
	pthread_cond_t done_cond;
	int done;
};

struct worker {
	pthread_t th;
	int id;
	struct chan ch;
	struct context *ctx;
};

static SAMPLE_FRAME void *leaky_thread(void *arg)
{
	struct worker *w = arg;

	sample_name_thread("leaky-%d", w->id);
	pthread_mutex_lock(&w->ch.mu);
	while (!w->ch.closed)
		pthread_cond_wait(&w->ch.cond, &w->ch.mu); /* waits forever: the leak */
	pthread_mutex_unlock(&w->ch.mu);
	printf("never reached %d\n", w->id);
	return NULL;
}

/*
 * Both the channel and the context are guarded by the context's mutex and
 * its one condition variable, so cancelling is a single broadcast: C has
 * no select over two waits.
 */
static SAMPLE_FRAME void *safe_thread(void *arg)
{
	struct worker *w = arg;
	struct context *ctx = w->ctx;
	int received;

	sample_name_thread("safe-%d", w->id);
	pthread_mutex_lock(&ctx->mu);
	while (!w->ch.closed && !ctx->done)
		pthread_cond_wait(&ctx->done_cond, &ctx->mu);
	received = w->ch.closed;
	pthread_mutex_unlock(&ctx->mu);
	cprof_logf(NULL, "worker", "%s %d", received ? "received" : "cancelled", w->id);
	return NULL;
}

static SAMPLE_FRAME int spawn_threads(struct worker *ws, int n, struct context *ctx)
{
	for (int i = 0; i < n; i++) {
		ws[i].id = i;
		ws[i].ctx = ctx;
		pthread_mutex_init(&ws[i].ch.mu, NULL);
		pthread_cond_init(&ws[i].ch.cond, NULL);
		if (pthread_create(&ws[i].th, NULL, ctx ? safe_thread : leaky_thread, &ws[i]) != 0)
			return i;
	}
	return n;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: threadleak [--fixed] [--threads N] [--seconds N]\n"
		   "\n"
		   "Starts N threads (leaky_thread) that each wait on a condition nobody\n"
		   "signals, then exits after --seconds without joining them: the threads\n"
		   "profile shows them alive at the end, created by spawn_threads.\n"
		   "\n"
		   "Options:\n"
		   "  --fixed       cancellable threads (safe_thread): cancelled and joined\n"
		   "                before exit, none left alive\n"
		   "  --threads N   how many threads (default 100)\n"
		   "  --seconds N   run for N seconds (default 3; 0: until SIGINT)\n"
		   "  -h, --help    this text\n"
		   "\n"
		   "Example: cprof-trace record -o tl.out -- threadleak --seconds 2\n"
		   "         cprof-trace pprof -t threads -o threads.pb.gz tl.out\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"fixed", no_argument, NULL, 'f'},
	    {"threads", required_argument, NULL, 't'},
	    {"seconds", required_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const struct sample_cli cli = {"threadleak", opts, usage};
	struct context ctx = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
	double seconds = 3;
	long nthreads = 100;
	bool fixed = false;
	struct worker *ws;
	int started, c;

	while ((c = sample_next_option(&cli, argc, argv)) != -1) {
		switch (c) {
		case 'f':
			fixed = true;
			break;
		case 't':
			nthreads = sample_parse_long("threadleak", "threads", optarg, 1, 100000);
			break;
		case 's':
			seconds = sample_parse_seconds("threadleak", "seconds", optarg);
			break;
		}
	}
	sample_install_signals();
	/* Never freed in the leaky case: the threads still point into it. */
	ws = calloc((size_t)nthreads, sizeof(*ws));
	if (!ws)
		return 1;
	started = spawn_threads(ws, (int)nthreads, fixed ? &ctx : NULL);
	fprintf(stderr, "threadleak: %d %s threads started\n", started,
		fixed ? "cancellable" : "leaking");
	sample_wait(seconds);
	if (fixed) {
		pthread_mutex_lock(&ctx.mu);
		ctx.done = 1;
		pthread_cond_broadcast(&ctx.done_cond);
		pthread_mutex_unlock(&ctx.mu);
		for (int i = 0; i < started; i++)
			pthread_join(ws[i].th, NULL);
		fprintf(stderr, "threadleak: %d threads cancelled and joined\n", started);
		free(ws);
	} else {
		fprintf(stderr, "threadleak: exiting with %d threads still blocked\n", started);
	}
	fflush(stdout);
	/* exit() while the leaked threads still wait: nobody joins them. */
	return 0;
}
