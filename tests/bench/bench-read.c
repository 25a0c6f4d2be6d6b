/*
 * bench-read TRACE [RUNS]: time cprof_read_trace() into the model (best of
 * RUNS) and print seconds, events and model bytes per event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "reader/reader.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int runs = argc > 2 ? atoi(argv[2]) : 1;
	double best = 1e30;
	char err[8192];

	if (argc < 2) {
		fprintf(stderr, "usage: bench-read TRACE [RUNS]\n");
		return 2;
	}
	for (int i = 0; i < runs; i++) {
		struct cprof_model *m = NULL;
		double t0 = now(), t;
		if (cprof_read_trace(argv[1], NULL, &m, err, sizeof(err)) != CPROF_READ_OK) {
			fprintf(stderr, "bench-read: %s\n", err);
			return 1;
		}
		t = now() - t0;
		if (t < best)
			best = t;
		if (i == runs - 1)
			printf("read %.3f s, %llu events, %zu model bytes, %.1f bytes/event\n", best,
			       (unsigned long long)m->events, cprof_model_memory(m),
			       (double)cprof_model_memory(m) / (double)(m->events ? m->events : 1));
		cprof_model_destroy(m);
	}
	return 0;
}
