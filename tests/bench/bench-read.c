/*
 * bench-read TRACE [RUNS]: time cprof_read_trace() into the model (best of
 * RUNS, the model cache bypassed: every run decodes) and print seconds,
 * events and model bytes per event.
 *
 * bench-read --open TRACE: the first open of TRACE (no cache yet: decodes
 * and writes TRACE/.cprof-cache/) then the second (maps the cache), with
 * their wall and CPU times, the first one's peak RSS and model bytes per
 * record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "reader/reader.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Bytes of the model's items (n, not capacity: what the cache maps). */
static size_t model_used(const struct cprof_model *m)
{
	size_t b = 0;
#define USED(vec) (b += m->vec.n * sizeof(*m->vec.v))
	USED(processes), USED(modules), USED(threads), USED(tasks), USED(regions);
	USED(logs), USED(waits), USED(releases), USED(allocs), USED(syscalls);
	USED(samples), USED(counters), USED(stacks), USED(frames), USED(lost);
	USED(warnings), USED(notes), USED(thread_states), USED(strings);
#undef USED
	for (size_t i = 0; i < m->counters.n; i++)
		b += m->counters.v[i].points.n * sizeof(struct cprof_counter_point);
	for (size_t i = 0; i < m->strings.n; i++)
		b += strlen(m->strings.v[i]) + 1;
	return b;
}

/* CPU seconds (user + system) of the process so far: on a shared machine
 * the wall time says as much about the neighbours as about the reader. */
static double cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static struct cprof_model *timed_read(const char *path, double *secs, double *cpu_secs)
{
	struct cprof_model *m = NULL;
	char err[8192];
	double t0 = now(), c0 = cpu();

	if (cprof_read_trace(path, NULL, &m, err, sizeof(err)) != CPROF_READ_OK) {
		fprintf(stderr, "bench-read: %s\n", err);
		exit(1);
	}
	*secs = now() - t0;
	*cpu_secs = cpu() - c0;
	return m;
}

static int open_twice(const char *path)
{
	double t1, t2, c1, c2;
	struct cprof_model *m = timed_read(path, &t1, &c1);
	struct rusage ru;
	uint64_t events = m->events;
	size_t used = model_used(m), held = cprof_model_memory(m);

	getrusage(RUSAGE_SELF, &ru);
	cprof_model_destroy(m);
	m = timed_read(path, &t2, &c2);
	if (m->events != events || !m->mapping) {
		fprintf(stderr, "bench-read: the second open %s\n",
			m->mapping ? "counts other records" : "did not use the cache");
		return 1;
	}
	cprof_model_destroy(m);
	printf("records %llu\nfirst %.3f\nsecond %.3f\nfirst_cpu %.3f\nsecond_cpu %.3f\n"
	       "model_used %zu\nmodel_held %zu\nmaxrss_kib %ld\n",
	       (unsigned long long)events, t1, t2, c1, c2, used, held, ru.ru_maxrss);
	return 0;
}

int main(int argc, char **argv)
{
	int runs = argc > 2 ? atoi(argv[2]) : 1;
	double best = 1e30;

	if (argc == 3 && !strcmp(argv[1], "--open"))
		return open_twice(argv[2]);
	if (argc < 2) {
		fprintf(stderr, "usage: bench-read TRACE [RUNS] | bench-read --open TRACE\n");
		return 2;
	}
	cprof_read_set_cache(false);
	for (int i = 0; i < runs; i++) {
		double t, c;
		struct cprof_model *m = timed_read(argv[1], &t, &c);
		if (t < best)
			best = t;
		if (i == runs - 1)
			printf("read %.3f s, %llu events, %zu model bytes, %.1f bytes/event\n",
			       best, (unsigned long long)m->events, cprof_model_memory(m),
			       (double)cprof_model_memory(m) / (double)(m->events ? m->events : 1));
		cprof_model_destroy(m);
	}
	return 0;
}
