/*
 * The heap profile of a sampled trace: counts are unbiased estimates, as
 * pprof scales sampled heaps (Go's scaleHeapSample). Each sampled block of
 * size S stands for 1/(1 - exp(-S/rate)) blocks; rounding that per block
 * before adding would count 1000 blocks of 2*rate bytes as 1000 instead
 * of ~1157 (and blocks of 8*rate/3 bytes as 0.07 each, always 1 or 0).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/profiles.h"
#include "cprof-tp-enums.h"
#include "model/model.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

#define RATE 524288
#define N 1000

static int64_t total(const struct cprof_profile *p, const char *type)
{
	int i = cprof_profile_sample_type_index(p, type);
	CHECK(i >= 0);
	return cprof_profile_total(p, (size_t)i);
}

static void check_sizes(uint64_t size, uint64_t n)
{
	struct cprof_model *m = cprof_model_create();
	struct cprof_process *proc;
	struct cprof_thread *t;
	struct cprof_profile *p = NULL;
	struct cprof_profiles_report rep;
	double scale = 1.0 / (1.0 - exp(-(double)size / RATE));
	int64_t objects, want = llround(scale * (double)n);

	CHECK(m);
	proc = cprof_vec_push(&m->processes);
	CHECK(proc);
	*proc = (struct cprof_process){
	    .pid = 10, .alloc_mode = CPROF_TP_ALLOC_SAMPLE, .alloc_rate = RATE, .has_config = true};
	t = cprof_vec_push(&m->threads);
	CHECK(t);
	*t = (struct cprof_thread){.tid = 10, .process = 0, .first_ns = 1000, .last_ns = 1000 + n};
	m->begin_ns = 1000;
	m->end_ns = 1000 + n + 1;
	for (uint64_t i = 0; i < n; i++) {
		struct cprof_alloc *a = cprof_vec_push(&m->allocs);
		CHECK(a);
		*a = (struct cprof_alloc){
		    .thread = 0, .ptr = 0x10000 + i * 16, .size = size, .ns = 1000 + i};
	}
	CHECK(cprof_profile_build(m, NULL, CPROF_PROFILE_HEAP, NULL, &p, &rep) ==
	      CPROF_PROFILES_OK);
	objects = total(p, "inuse_objects");
	printf("%" PRIu64 " sampled blocks of %" PRIu64 " bytes: inuse_objects %lld, "
	       "alloc_objects %lld (unbiased %lld), inuse_space %lld\n",
	       n, size, (long long)objects, (long long)total(p, "alloc_objects"), (long long)want,
	       (long long)total(p, "inuse_space"));
	CHECK(llabs(objects - want) <= 1);
	CHECK(llabs(total(p, "alloc_objects") - want) <= 1);
	CHECK(llabs(total(p, "inuse_space") - llround(scale * (double)size * (double)n)) <=
	      (int64_t)n);
	cprof_profile_destroy(p);
	cprof_model_destroy(m);
}

int main(void)
{
	check_sizes(2 * RATE, N);     /* 1.156 each */
	check_sizes(RATE, N);	      /* 1.582 each */
	check_sizes(3 * RATE / 2, N); /* 1.287 each */
	check_sizes(64, N);	      /* 8192.5 each */
	printf("PASS\n");
	return 0;
}
