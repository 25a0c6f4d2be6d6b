/*
 * A profile under construction, in pprof's own terms (profile.proto):
 * sample types, samples made of a stack of locations (leaf first) plus
 * values and labels, locations made of lines, lines pointing at functions,
 * and a string table. The pprof exporter (export/pprof.h) encodes it as is;
 * the viewer's side panel reads it through cprof_profile_top().
 *
 * Strings are interned: every name a label or a function carries is an
 * index into `strings` (0 is ""), which is what profile.proto stores.
 * Functions are deduplicated by (name, system name, file, start line),
 * samples by (stack, labels): adding the same sample twice adds values.
 *
 * Ownership: cprof_profile_create() returns a profile the caller releases
 * with cprof_profile_destroy(); every pointer read from it is borrowed.
 * Functions returning ids return 0 on out of memory (0 is never an id).
 */
#ifndef CPROF_PROFILE_H
#define CPROF_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/vec.h"
#include "symbols/hidx.h"

enum cprof_profile_status {
	CPROF_PROFILE_OK = 0,
	CPROF_PROFILE_NOMEM,
	CPROF_PROFILE_INVALID, /* wrong number of values, unknown sample type */
};

struct cprof_profile_value_type {
	int64_t type, unit; /* string indices */
};

struct cprof_profile_mapping {
	uint64_t start, limit, file_offset;
	int64_t file, build_id;
	bool has_functions, has_filenames, has_line_numbers, has_inline_frames;
};

struct cprof_profile_function {
	int64_t name, system_name, file;
	int64_t start_line;
};

/* One frame of a location; a location has several when calls were inlined
 * (innermost first, as profile.proto orders them). */
struct cprof_profile_line {
	uint64_t function; /* function id */
	int64_t line;
};

struct cprof_profile_location {
	uint64_t mapping; /* mapping id, 0: none (synthetic frames) */
	uint64_t address;
	uint32_t first_line, nlines; /* into `lines` */
};

/* A label, all strings as indices; either str or num (with num_unit). */
struct cprof_profile_label {
	int64_t key, str, num, num_unit;
};

struct cprof_profile_sample {
	uint32_t first_loc, nlocs;     /* into `sample_locs`, leaf first */
	uint32_t first_label, nlabels; /* into `labels` */
				       /* values: values.v[i * sample_types.n ...] for sample i */
};

struct cprof_profile {
	CPROF_VEC(char *) strings; /* owned; strings.v[0] is "" */
	CPROF_VEC(struct cprof_profile_value_type) sample_types;
	CPROF_VEC(struct cprof_profile_mapping) mappings;   /* id = index + 1 */
	CPROF_VEC(struct cprof_profile_function) functions; /* id = index + 1 */
	CPROF_VEC(struct cprof_profile_location) locations; /* id = index + 1 */
	CPROF_VEC(struct cprof_profile_line) lines;
	CPROF_VEC(struct cprof_profile_sample) samples;
	CPROF_VEC(uint64_t) sample_locs;
	CPROF_VEC(int64_t) values;
	CPROF_VEC(struct cprof_profile_label) labels;
	struct cprof_profile_value_type period_type;
	int64_t period;
	int64_t time_nanos, duration_nanos;
	int64_t default_sample_type; /* string index, 0: pprof's default */
	CPROF_VEC(int64_t) comments;

	/* private to profile.c */
	struct cprof_hidx string_index, function_index, sample_index, synthetic_index;
};

struct cprof_profile *cprof_profile_create(void);
void cprof_profile_destroy(struct cprof_profile *profile);

/* Interns a string; returns its index, or -1 when out of memory. */
int64_t cprof_profile_string(struct cprof_profile *profile, const char *s);
static inline const char *cprof_profile_str(const struct cprof_profile *profile, int64_t s)
{
	return profile->strings.v[s];
}

/* Sample types must all be added before the first sample. */
enum cprof_profile_status cprof_profile_add_sample_type(struct cprof_profile *profile,
							const char *type, const char *unit);
enum cprof_profile_status cprof_profile_set_period(struct cprof_profile *profile, const char *type,
						   const char *unit, int64_t period);
enum cprof_profile_status cprof_profile_set_default_sample_type(struct cprof_profile *profile,
								const char *type);
enum cprof_profile_status cprof_profile_add_comment(struct cprof_profile *profile,
						    const char *text);

/* Index of the sample type called `type`, -1 if none. */
int cprof_profile_sample_type_index(const struct cprof_profile *profile, const char *type);

uint64_t cprof_profile_add_mapping(struct cprof_profile *profile,
				   const struct cprof_profile_mapping *mapping);
/* Deduplicated; `system_name` and `file` may be NULL. */
uint64_t cprof_profile_add_function(struct cprof_profile *profile, const char *name,
				    const char *system_name, const char *file, int64_t start_line);
/* Not deduplicated: callers cache locations by address. */
uint64_t cprof_profile_add_location(struct cprof_profile *profile, uint64_t mapping,
				    uint64_t address, const struct cprof_profile_line *lines,
				    size_t nlines);
/* A frame that is not code (a task or region type): one location per
 * (name, kind); `kind` goes in the function's file name ("region", "task"). */
uint64_t cprof_profile_synthetic_location(struct cprof_profile *profile, const char *name,
					  const char *kind);

/* `locs` leaf first; `values` has one value per sample type. */
enum cprof_profile_status cprof_profile_add_sample(struct cprof_profile *profile,
						   const uint64_t *locs, size_t nlocs,
						   const int64_t *values,
						   const struct cprof_profile_label *labels,
						   size_t nlabels);

/* The same, and *index gets the sample's index (a new one or the sample
 * the values were added to), for callers that finish values later. */
enum cprof_profile_status cprof_profile_add_sample_at(struct cprof_profile *profile,
						      const uint64_t *locs, size_t nlocs,
						      const int64_t *values,
						      const struct cprof_profile_label *labels,
						      size_t nlabels, size_t *index);

static inline const int64_t *cprof_profile_sample_values(const struct cprof_profile *profile,
							 size_t sample)
{
	return &profile->values.v[sample * profile->sample_types.n];
}

/* Sum of one value over all samples. */
int64_t cprof_profile_total(const struct cprof_profile *profile, size_t value_index);

/*
 * "top": per function name, the value of samples whose leaf is that
 * function (flat) and of samples with that function anywhere in the stack
 * (cum, counted once per sample however deep the recursion).
 */
struct cprof_profile_top_entry {
	const char *name; /* borrowed from the profile */
	int64_t flat, cum;
};

/* Sorted by flat then cum, descending. The caller frees *entries. */
enum cprof_profile_status cprof_profile_top(const struct cprof_profile *profile, size_t value_index,
					    struct cprof_profile_top_entry **entries,
					    size_t *count);

#endif /* CPROF_PROFILE_H */
