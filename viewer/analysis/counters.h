/*
 * User counters (cprof_counter()) summarised over a time range: how many
 * values were recorded, the smallest and largest value the counter held,
 * its last value and its time-weighted mean. A value holds from its sample
 * until the next one of the same counter (or the range's end), so a queue
 * that sat at 40 for a second and at 0 for a millisecond has a mean near 40.
 *
 * Counters of the same name in several processes are summarised together.
 *
 * Ownership: cprof_counters_summarize() fills a caller-provided struct;
 * release it with cprof_counters_fini(). Names are the model's strings.
 */
#ifndef CPROF_COUNTERS_H
#define CPROF_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>

#include "model/model.h"

struct cprof_counter_summary {
	cprof_str name;
	uint64_t samples;  /* values recorded inside the range */
	int64_t min, max;  /* over the values held inside the range */
	int64_t last;	   /* the value held at the range's end */
	double mean;	   /* time-weighted over the part of the range it was known */
	uint64_t known_ns; /* how long that part is */
	uint64_t last_ns;  /* when `last` was recorded */
};

enum cprof_counters_status {
	CPROF_COUNTERS_OK = 0,
	CPROF_COUNTERS_NO_MEMORY,
};

struct cprof_counters {
	CPROF_VEC(struct cprof_counter_summary) v; /* sorted by name */
};

/* Absolute times; [from_ns, to_ns]. Only counters holding a value at some
 * point of the range are listed. */
enum cprof_counters_status cprof_counters_summarize(const struct cprof_model *model,
						    uint64_t from_ns, uint64_t to_ns,
						    struct cprof_counters *out);
void cprof_counters_fini(struct cprof_counters *counters);

/* The summary of one counter track of the model (user or not). False when
 * it holds no value in the range. */
bool cprof_counter_summarize_one(const struct cprof_model *model, const struct cprof_counter *c,
				 uint64_t from_ns, uint64_t to_ns,
				 struct cprof_counter_summary *out);

#endif /* CPROF_COUNTERS_H */
