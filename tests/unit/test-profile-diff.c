/*
 * NEW minus OLD profiles without a trace: frames of two profiles match by
 * function and line whatever their addresses (ASLR moves them between
 * runs), the thread and tid labels are left out so samples of different
 * runs merge, OLD is scaled, and stacks whose net change is noise go.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/profile.h"
#include "analysis/profile_diff.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

/* A delay profile: leaf `fn` called from main, at addresses moved by `slide`;
 * `value` ns on thread `tid`, plus `small` ns in `noise_fn`. */
static struct cprof_profile *make(uint64_t slide, int64_t value, int tid, int64_t small)
{
	struct cprof_profile *p = cprof_profile_create();
	struct cprof_profile_mapping map = {.start = 0x400000 + slide, .limit = 0x500000 + slide};
	uint64_t m, f_main, f_leaf, f_noise, loc[3];
	struct cprof_profile_label labels[2];
	int64_t v[2];

	CHECK(p);
	CHECK(cprof_profile_add_sample_type(p, "contentions", "count") == CPROF_PROFILE_OK);
	CHECK(cprof_profile_add_sample_type(p, "delay", "nanoseconds") == CPROF_PROFILE_OK);
	CHECK(cprof_profile_set_default_sample_type(p, "delay") == CPROF_PROFILE_OK);
	map.file = cprof_profile_string(p, "/bin/app");
	m = cprof_profile_add_mapping(p, &map);
	f_main = cprof_profile_add_function(p, "main", NULL, "app.c", 10);
	f_leaf = cprof_profile_add_function(p, "cache_evict", NULL, "app.c", 50);
	f_noise = cprof_profile_add_function(p, "noise_fn", NULL, "app.c", 90);
	loc[0] = cprof_profile_add_location(p, m, 0x401000 + slide,
					    &(struct cprof_profile_line){f_leaf, 55}, 1);
	loc[1] = cprof_profile_add_location(p, m, 0x402000 + slide,
					    &(struct cprof_profile_line){f_main, 12}, 1);
	loc[2] = cprof_profile_add_location(p, m, 0x403000 + slide,
					    &(struct cprof_profile_line){f_noise, 91}, 1);
	labels[0] = (struct cprof_profile_label){.key = cprof_profile_string(p, "thread"),
						 .str = cprof_profile_string(p, "worker")};
	labels[1] = (struct cprof_profile_label){.key = cprof_profile_string(p, "tid"), .num = tid};
	v[0] = 1;
	v[1] = value;
	CHECK(cprof_profile_add_sample(p, loc, 2, v, labels, 2) == CPROF_PROFILE_OK);
	v[1] = small;
	loc[0] = loc[2];
	CHECK(cprof_profile_add_sample(p, loc, 2, v, labels, 2) == CPROF_PROFILE_OK);
	return p;
}

static int64_t value_at(const struct cprof_profile *p, const char *leaf)
{
	for (size_t i = 0; i < p->samples.n; i++) {
		const struct cprof_profile_sample *s = &p->samples.v[i];
		const struct cprof_profile_location *l =
		    &p->locations.v[p->sample_locs.v[s->first_loc] - 1];
		const struct cprof_profile_function *f =
		    &p->functions.v[p->lines.v[l->first_line].function - 1];
		if (!strcmp(cprof_profile_str(p, f->name), leaf))
			return cprof_profile_sample_values(p, i)[1];
	}
	return -1;
}

int main(void)
{
	struct cprof_profile *old = make(0, 1000000, 11, 3000);
	struct cprof_profile *new = make(0x7f0000, 100000, 22, 1000);
	struct cprof_profile_diff *d;
	struct cprof_profile *out = NULL;
	size_t dropped;

	/* noise 0: every stack, one sample each (matched across runs) */
	d = cprof_profile_diff_create(new);
	CHECK(d);
	CHECK(cprof_profile_diff_add(d, new, 1) == CPROF_PROFILE_OK);
	CHECK(cprof_profile_diff_add(d, old, -1) == CPROF_PROFILE_OK);
	CHECK(cprof_profile_diff_finish(d, 0, &out, &dropped) == CPROF_PROFILE_OK);
	CHECK(out->samples.n == 2 && dropped == 0);
	CHECK(value_at(out, "cache_evict") == 100000 - 1000000);
	CHECK(value_at(out, "noise_fn") == 1000 - 3000);
	CHECK(out->locations.n == 3); /* old's frames found new's */
	for (size_t i = 0; i < out->labels.n; i++) {
		const char *k = cprof_profile_str(out, out->labels.v[i].key);
		CHECK(strcmp(k, "tid") && strcmp(k, "thread"));
	}
	cprof_profile_destroy(out);
	cprof_profile_diff_destroy(d);

	/* OLD scaled by half: 0.5% of the larger side (OLD's 501.5 us) is
	 * 2.5 us, so noise_fn's net -0.5 us goes */
	d = cprof_profile_diff_create(new);
	CHECK(d);
	CHECK(cprof_profile_diff_add(d, new, 1) == CPROF_PROFILE_OK);
	CHECK(cprof_profile_diff_add(d, old, -0.5) == CPROF_PROFILE_OK);
	CHECK(cprof_profile_diff_finish(d, 0.005, &out, &dropped) == CPROF_PROFILE_OK);
	CHECK(out->samples.n == 1 && dropped == 1);
	CHECK(value_at(out, "cache_evict") == 100000 - 500000);
	CHECK(value_at(out, "noise_fn") == -1);
	cprof_profile_destroy(out);
	cprof_profile_diff_destroy(d);

	cprof_profile_destroy(old);
	cprof_profile_destroy(new);
	printf("profile-diff: all checks passed\n");
	return 0;
}
