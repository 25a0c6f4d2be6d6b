/*
 * workers: a worker pool annotated the way Go's runtime/trace examples
 * annotate one (trace.NewTask, trace.WithRegion, trace.Log):
 *
 *   producer   submits jobs at --rate per second; each job is a task `job`
 *              begun here, with a log `submit`
 *   worker-N   runs regions `decode` and `compute`; a big job spawns a
 *              child task `checksum`; every --handoff-th job is handed to
 *              the storer (log `handoff`), the others end here
 *   storer     runs region `store` (a slow write) and ends the job's task:
 *              the task began on the producer, was worked on by a worker
 *              and ends on a third thread
 *
 * The viewer's task track shows each job moving between threads; the
 * region profile (cprof-trace pprof -t region) shows where jobs spend time.
 * Each queue's depth is a counter ("work queue", "store queue"), recorded
 * at every push and pop: `stats` gives its samples, min, max, last value
 * and time-weighted mean, the viewer draws it as a track.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cprof/trace.h>

#include "common.h"

struct job {
	long id;
	long size; /* units of work in compute */
	cprof_task *task;
	uint64_t checksum;
	struct job *next;
};

struct queue {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	struct job *head, *tail;
	long len;
	bool closed;
	const char *name; /* its depth counter */
};

static long opt_workers = 4;
static long opt_rate = 500;
static long opt_jobs = 0;
static long opt_handoff = 3;

static struct queue work_q = {
    .mu = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER, .name = "work queue"};
static struct queue store_q = {
    .mu = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER, .name = "store queue"};
static long done_here, done_by_storer;

static void queue_push(struct queue *q, struct job *j)
{
	j->next = NULL;
	pthread_mutex_lock(&q->mu);
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	q->len++;
	/* under the lock: the recorded values follow the queue's own order */
	cprof_counter(q->name, q->len);
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->mu);
}

/* NULL once the queue is closed and empty. */
static struct job *queue_pop(struct queue *q)
{
	struct job *j;

	pthread_mutex_lock(&q->mu);
	while (!q->head && !q->closed)
		pthread_cond_wait(&q->cond, &q->mu);
	j = q->head;
	if (j) {
		q->head = j->next;
		if (!q->head)
			q->tail = NULL;
		q->len--;
		cprof_counter(q->name, q->len);
	}
	pthread_mutex_unlock(&q->mu);
	return j;
}

static void queue_close(struct queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->closed = true;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->mu);
}

static SAMPLE_FRAME uint64_t mix(uint64_t x, long rounds)
{
	for (long i = 0; i < rounds; i++) {
		x ^= x >> 31;
		x *= 0x7fb5d329728ea185u;
		x ^= x >> 27;
	}
	return x;
}

static SAMPLE_FRAME void decode(struct job *j)
{
	j->checksum = mix((uint64_t)j->id, 2000);
}

static SAMPLE_FRAME void compute(struct job *j)
{
	j->checksum = mix(j->checksum, j->size * 5000);
}

static SAMPLE_FRAME void checksum(struct job *j)
{
	cprof_task *t = cprof_task_begin(j->task, "checksum");

	TRACE_REGION (t, "checksum") {
		j->checksum = mix(j->checksum ^ 0xabcdef, 20000);
	}
	cprof_task_end(t);
}

static SAMPLE_FRAME void *worker(void *arg)
{
	struct job *j;

	sample_name_thread("worker-%d", (int)(intptr_t)arg);
	while ((j = queue_pop(&work_q))) {
		TRACE_REGION (j->task, "decode") {
			decode(j);
		}
		TRACE_REGION (j->task, "compute") {
			compute(j);
		}
		if (j->size >= 40)
			checksum(j);
		if (opt_handoff && j->id % opt_handoff == 0) {
			cprof_logf(j->task, "handoff", "job %ld to storer", j->id);
			queue_push(&store_q, j);
			continue;
		}
		cprof_logf(j->task, "done", "job %ld checksum %016llx", j->id,
			   (unsigned long long)j->checksum);
		cprof_task_end(j->task);
		__atomic_add_fetch(&done_here, 1, __ATOMIC_RELAXED);
		free(j);
	}
	return NULL;
}

static SAMPLE_FRAME void store(struct job *j)
{
	/* A write to slow storage: 1 to 3 ms. */
	sample_sleep_ns(sample_rand_range(1000000, 3000000));
}

static SAMPLE_FRAME void *storer(void *arg)
{
	struct job *j;

	sample_name_thread("storer");
	while ((j = queue_pop(&store_q))) {
		TRACE_REGION (j->task, "store") {
			store(j);
		}
		cprof_logf(j->task, "stored", "job %ld", j->id);
		cprof_task_end(j->task);
		done_by_storer++;
		free(j);
	}
	return NULL;
}

static SAMPLE_FRAME long produce(double seconds)
{
	uint64_t start = sample_now_ns(), period = 1000000000u / (uint64_t)opt_rate;
	uint64_t end = seconds > 0 ? start + (uint64_t)(seconds * 1e9) : 0;
	long id = 0;

	while (sample_running() && (!opt_jobs || id < opt_jobs)) {
		uint64_t due = start + (uint64_t)id * period, now = sample_now_ns();
		struct job *j;

		if (end && now >= end)
			break;
		if (due > now) {
			sample_sleep_ns(due - now);
			continue;
		}
		j = calloc(1, sizeof(*j));
		if (!j)
			break;
		j->id = ++id;
		j->size = (long)sample_rand_range(1, 50);
		j->task = cprof_task_begin(NULL, "job");
		cprof_logf(j->task, "submit", "job %ld size %ld", j->id, j->size);
		queue_push(&work_q, j);
	}
	return id;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: workers [--seconds N] [--workers N] [--rate R] [--jobs N] [--handoff K]\n"
		"\n"
		"A producer submits jobs (tasks `job`) to a pool of workers (regions\n"
		"`decode`, `compute`, child task `checksum`); every K-th job is handed to\n"
		"a storer thread (region `store`) which ends its task.\n"
		"\n"
		"Options:\n"
		"  --seconds N   produce for N seconds (default 5; 0: until SIGINT)\n"
		"  --workers N   worker threads (default 4)\n"
		"  --rate R      jobs per second (default 500)\n"
		"  --jobs N      stop after N jobs (default 0: no limit)\n"
		"  --handoff K   hand every K-th job to the storer (default 3; 0: never)\n"
		"  -h, --help    this text\n"
		"\n"
		"Example: cprof-trace record -o workers.out -- workers --seconds 3\n"
		"         cprof-trace stats workers.out\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"seconds", required_argument, NULL, 's'},
	    {"workers", required_argument, NULL, 'w'},
	    {"rate", required_argument, NULL, 'r'},
	    {"jobs", required_argument, NULL, 'n'},
	    {"handoff", required_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const struct sample_cli cli = {"workers", opts, usage};
	double seconds = 5;
	pthread_t *th, st;
	long produced;
	int c;

	while ((c = sample_next_option(&cli, argc, argv)) != -1) {
		switch (c) {
		case 's':
			seconds = sample_parse_seconds("workers", "seconds", optarg);
			break;
		case 'w':
			opt_workers = sample_parse_long("workers", "workers", optarg, 1, 1024);
			break;
		case 'r':
			opt_rate = sample_parse_long("workers", "rate", optarg, 1, 1000000);
			break;
		case 'n':
			opt_jobs = sample_parse_long("workers", "jobs", optarg, 0, 1000000000);
			break;
		case 'k':
			opt_handoff = sample_parse_long("workers", "handoff", optarg, 0, 1000000);
			break;
		}
	}
	sample_install_signals();
	sample_name_thread("producer");
	th = calloc((size_t)opt_workers, sizeof(*th));
	if (!th)
		return 1;
	for (long i = 0; i < opt_workers; i++)
		if (pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i) != 0)
			return 1;
	if (pthread_create(&st, NULL, storer, NULL) != 0)
		return 1;
	produced = produce(seconds);
	/* Drain: workers finish what is queued, then the storer. */
	queue_close(&work_q);
	for (long i = 0; i < opt_workers; i++)
		pthread_join(th[i], NULL);
	queue_close(&store_q);
	pthread_join(st, NULL);
	printf("workers: %ld jobs: %ld ended by workers, %ld handed off and ended by the storer\n",
	       produced, done_here, done_by_storer);
	free(th);
	return 0;
}
