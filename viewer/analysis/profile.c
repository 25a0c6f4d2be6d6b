/*
 * The profile builder: interning and deduplication so that a profile built
 * from millions of events stays as small as its distinct stacks.
 */
#include "profile.h"

#include <stdlib.h>
#include <string.h>

struct cprof_profile *cprof_profile_create(void)
{
	struct cprof_profile *profile = calloc(1, sizeof(*profile));

	if (!profile)
		goto error;
	if (cprof_profile_string(profile, "") != 0)
		goto error;
	return profile;
error:
	cprof_profile_destroy(profile);
	return NULL;
}

void cprof_profile_destroy(struct cprof_profile *profile)
{
	if (!profile)
		return;
	for (size_t i = 0; i < profile->strings.n; i++)
		free(profile->strings.v[i]);
	cprof_vec_free(&profile->strings);
	cprof_vec_free(&profile->sample_types);
	cprof_vec_free(&profile->mappings);
	cprof_vec_free(&profile->functions);
	cprof_vec_free(&profile->locations);
	cprof_vec_free(&profile->lines);
	cprof_vec_free(&profile->samples);
	cprof_vec_free(&profile->sample_locs);
	cprof_vec_free(&profile->values);
	cprof_vec_free(&profile->labels);
	cprof_vec_free(&profile->comments);
	cprof_hidx_free(&profile->string_index);
	cprof_hidx_free(&profile->function_index);
	cprof_hidx_free(&profile->sample_index);
	cprof_hidx_free(&profile->synthetic_index);
	free(profile);
}

struct str_key {
	const struct cprof_profile *profile;
	const char *s;
};

static bool str_eq(const void *ctx, uint32_t item)
{
	const struct str_key *key = ctx;
	return !strcmp(key->profile->strings.v[item], key->s);
}

int64_t cprof_profile_string(struct cprof_profile *profile, const char *s)
{
	struct str_key key = {profile, s ? s : ""};
	uint64_t hash = cprof_hash_str(key.s);
	uint32_t found = cprof_hidx_find(&profile->string_index, hash, str_eq, &key);
	char *copy = NULL;
	char **slot;

	if (found != UINT32_MAX)
		return found;
	copy = strdup(key.s);
	if (!copy)
		return -1;
	if (cprof_hidx_insert(&profile->string_index, hash, (uint32_t)profile->strings.n))
		goto error;
	slot = cprof_vec_push(&profile->strings);
	if (!slot)
		goto error; /* the index entry points past the end: never matched */
	*slot = copy;
	return (int64_t)profile->strings.n - 1;
error:
	free(copy);
	return -1;
}

enum cprof_profile_status cprof_profile_add_sample_type(struct cprof_profile *profile,
							const char *type, const char *unit)
{
	struct cprof_profile_value_type *vt;
	int64_t t = cprof_profile_string(profile, type);
	int64_t u = cprof_profile_string(profile, unit);

	if (profile->samples.n)
		return CPROF_PROFILE_INVALID;
	if (t < 0 || u < 0 || !(vt = cprof_vec_push(&profile->sample_types)))
		return CPROF_PROFILE_NOMEM;
	vt->type = t;
	vt->unit = u;
	return CPROF_PROFILE_OK;
}

enum cprof_profile_status cprof_profile_set_period(struct cprof_profile *profile, const char *type,
						   const char *unit, int64_t period)
{
	int64_t t = cprof_profile_string(profile, type);
	int64_t u = cprof_profile_string(profile, unit);

	if (t < 0 || u < 0)
		return CPROF_PROFILE_NOMEM;
	profile->period_type.type = t;
	profile->period_type.unit = u;
	profile->period = period;
	return CPROF_PROFILE_OK;
}

enum cprof_profile_status cprof_profile_set_default_sample_type(struct cprof_profile *profile,
								const char *type)
{
	int64_t t;

	if (cprof_profile_sample_type_index(profile, type) < 0)
		return CPROF_PROFILE_INVALID;
	t = cprof_profile_string(profile, type);
	if (t < 0)
		return CPROF_PROFILE_NOMEM;
	profile->default_sample_type = t;
	return CPROF_PROFILE_OK;
}

enum cprof_profile_status cprof_profile_add_comment(struct cprof_profile *profile, const char *text)
{
	int64_t s = cprof_profile_string(profile, text);
	int64_t *slot;

	if (s < 0 || !(slot = cprof_vec_push(&profile->comments)))
		return CPROF_PROFILE_NOMEM;
	*slot = s;
	return CPROF_PROFILE_OK;
}

int cprof_profile_sample_type_index(const struct cprof_profile *profile, const char *type)
{
	for (size_t i = 0; i < profile->sample_types.n; i++)
		if (!strcmp(profile->strings.v[profile->sample_types.v[i].type], type))
			return (int)i;
	return -1;
}

uint64_t cprof_profile_add_mapping(struct cprof_profile *profile,
				   const struct cprof_profile_mapping *mapping)
{
	struct cprof_profile_mapping *m = cprof_vec_push(&profile->mappings);

	if (!m)
		return 0;
	*m = *mapping;
	return profile->mappings.n;
}

struct function_key {
	const struct cprof_profile *profile;
	struct cprof_profile_function f;
};

static bool function_eq(const void *ctx, uint32_t item)
{
	const struct function_key *key = ctx;
	const struct cprof_profile_function *f = &key->profile->functions.v[item];
	return f->name == key->f.name && f->system_name == key->f.system_name &&
	       f->file == key->f.file && f->start_line == key->f.start_line;
}

uint64_t cprof_profile_add_function(struct cprof_profile *profile, const char *name,
				    const char *system_name, const char *file, int64_t start_line)
{
	struct function_key key = {profile, {0}};
	uint64_t hash;
	uint32_t found;
	struct cprof_profile_function *f;

	key.f.name = cprof_profile_string(profile, name);
	key.f.system_name = cprof_profile_string(profile, system_name ? system_name : name);
	key.f.file = cprof_profile_string(profile, file);
	key.f.start_line = start_line;
	if (key.f.name < 0 || key.f.system_name < 0 || key.f.file < 0)
		return 0;
	hash = cprof_hash_mix(
	    cprof_hash_mix(cprof_hash_mix((uint64_t)key.f.name, (uint64_t)key.f.system_name),
			   (uint64_t)key.f.file),
	    (uint64_t)start_line);
	found = cprof_hidx_find(&profile->function_index, hash, function_eq, &key);
	if (found != UINT32_MAX)
		return (uint64_t)found + 1;
	if (cprof_hidx_insert(&profile->function_index, hash, (uint32_t)profile->functions.n))
		return 0;
	f = cprof_vec_push(&profile->functions);
	if (!f)
		return 0;
	*f = key.f;
	return profile->functions.n;
}

uint64_t cprof_profile_add_location(struct cprof_profile *profile, uint64_t mapping,
				    uint64_t address, const struct cprof_profile_line *lines,
				    size_t nlines)
{
	struct cprof_profile_location *loc;
	size_t first = profile->lines.n;

	for (size_t i = 0; i < nlines; i++) {
		struct cprof_profile_line *l = cprof_vec_push(&profile->lines);
		if (!l) {
			profile->lines.n = first;
			return 0;
		}
		*l = lines[i];
	}
	loc = cprof_vec_push(&profile->locations);
	if (!loc) {
		profile->lines.n = first;
		return 0;
	}
	loc->mapping = mapping;
	loc->address = address;
	loc->first_line = (uint32_t)first;
	loc->nlines = (uint32_t)nlines;
	return profile->locations.n;
}

struct synthetic_key {
	const struct cprof_profile *profile;
	uint64_t function;
};

static bool synthetic_eq(const void *ctx, uint32_t item)
{
	const struct synthetic_key *key = ctx;
	const struct cprof_profile_location *loc = &key->profile->locations.v[item];
	return loc->nlines == 1 && key->profile->lines.v[loc->first_line].function == key->function;
}

uint64_t cprof_profile_synthetic_location(struct cprof_profile *profile, const char *name,
					  const char *kind)
{
	struct synthetic_key key = {profile,
				    cprof_profile_add_function(profile, name, NULL, kind, 0)};
	struct cprof_profile_line line = {key.function, 0};
	uint32_t found;
	uint64_t id;

	if (!key.function)
		return 0;
	found = cprof_hidx_find(&profile->synthetic_index, key.function, synthetic_eq, &key);
	if (found != UINT32_MAX)
		return (uint64_t)found + 1;
	id = cprof_profile_add_location(profile, 0, 0, &line, 1);
	if (!id || cprof_hidx_insert(&profile->synthetic_index, key.function, (uint32_t)(id - 1)))
		return 0;
	return id;
}

struct sample_key {
	const struct cprof_profile *profile;
	const uint64_t *locs;
	size_t nlocs;
	const struct cprof_profile_label *labels;
	size_t nlabels;
};

static bool sample_eq(const void *ctx, uint32_t item)
{
	const struct sample_key *key = ctx;
	const struct cprof_profile *p = key->profile;
	const struct cprof_profile_sample *s = &p->samples.v[item];

	if (s->nlocs != key->nlocs || s->nlabels != key->nlabels)
		return false;
	if (memcmp(&p->sample_locs.v[s->first_loc], key->locs, key->nlocs * sizeof(*key->locs)))
		return false;
	for (size_t i = 0; i < key->nlabels; i++) {
		const struct cprof_profile_label *a = &p->labels.v[s->first_label + i];
		const struct cprof_profile_label *b = &key->labels[i];
		if (a->key != b->key || a->str != b->str || a->num != b->num ||
		    a->num_unit != b->num_unit)
			return false;
	}
	return true;
}

enum cprof_profile_status cprof_profile_add_sample(struct cprof_profile *profile,
						   const uint64_t *locs, size_t nlocs,
						   const int64_t *values,
						   const struct cprof_profile_label *labels,
						   size_t nlabels)
{
	size_t index;
	return cprof_profile_add_sample_at(profile, locs, nlocs, values, labels, nlabels, &index);
}

enum cprof_profile_status cprof_profile_add_sample_at(struct cprof_profile *profile,
						      const uint64_t *locs, size_t nlocs,
						      const int64_t *values,
						      const struct cprof_profile_label *labels,
						      size_t nlabels, size_t *index)
{
	struct sample_key key = {profile, locs, nlocs, labels, nlabels};
	size_t nv = profile->sample_types.n;
	uint64_t hash = cprof_hash_mix(nlocs, nlabels);
	uint32_t found;
	struct cprof_profile_sample *s;
	size_t locs0 = profile->sample_locs.n, labels0 = profile->labels.n,
	       values0 = profile->values.n;

	if (!nv)
		return CPROF_PROFILE_INVALID;
	for (size_t i = 0; i < nlocs; i++)
		hash = cprof_hash_mix(hash, locs[i]);
	for (size_t i = 0; i < nlabels; i++)
		hash = cprof_hash_mix(
		    cprof_hash_mix(hash, (uint64_t)labels[i].key),
		    cprof_hash_mix((uint64_t)labels[i].str, (uint64_t)labels[i].num));
	found = cprof_hidx_find(&profile->sample_index, hash, sample_eq, &key);
	if (found != UINT32_MAX) {
		int64_t *v = &profile->values.v[(size_t)found * nv];
		for (size_t i = 0; i < nv; i++)
			v[i] += values[i];
		*index = found;
		return CPROF_PROFILE_OK;
	}
	for (size_t i = 0; i < nlocs; i++) {
		uint64_t *l = cprof_vec_push(&profile->sample_locs);
		if (!l)
			goto nomem;
		*l = locs[i];
	}
	for (size_t i = 0; i < nlabels; i++) {
		struct cprof_profile_label *l = cprof_vec_push(&profile->labels);
		if (!l)
			goto nomem;
		*l = labels[i];
	}
	for (size_t i = 0; i < nv; i++) {
		int64_t *v = cprof_vec_push(&profile->values);
		if (!v)
			goto nomem;
		*v = values[i];
	}
	if (cprof_hidx_insert(&profile->sample_index, hash, (uint32_t)profile->samples.n))
		goto nomem;
	s = cprof_vec_push(&profile->samples);
	if (!s)
		goto nomem; /* leaves an index entry past the end: never matched */
	s->first_loc = (uint32_t)locs0;
	s->nlocs = (uint32_t)nlocs;
	s->first_label = (uint32_t)labels0;
	s->nlabels = (uint32_t)nlabels;
	*index = profile->samples.n - 1;
	return CPROF_PROFILE_OK;
nomem:
	profile->sample_locs.n = locs0;
	profile->labels.n = labels0;
	profile->values.n = values0;
	return CPROF_PROFILE_NOMEM;
}

int64_t cprof_profile_total(const struct cprof_profile *profile, size_t value_index)
{
	int64_t total = 0;

	if (value_index >= profile->sample_types.n)
		return 0;
	for (size_t i = 0; i < profile->samples.n; i++)
		total += cprof_profile_sample_values(profile, i)[value_index];
	return total;
}

static int top_cmp(const void *a, const void *b)
{
	const struct cprof_profile_top_entry *x = a, *y = b;
	if (x->flat != y->flat)
		return x->flat < y->flat ? 1 : -1;
	if (x->cum != y->cum)
		return x->cum < y->cum ? 1 : -1;
	return strcmp(x->name, y->name);
}

enum cprof_profile_status cprof_profile_top(const struct cprof_profile *profile, size_t value_index,
					    struct cprof_profile_top_entry **entries, size_t *count)
{
	enum cprof_profile_status status = CPROF_PROFILE_OK;
	/* per string index of a function name: entry index + 1, and the last
	 * sample that counted it in cum (recursion counts once) */
	uint32_t *entry_of = NULL;
	uint32_t *seen = NULL;
	struct cprof_profile_top_entry *out = NULL;
	size_t n = 0;

	*entries = NULL;
	*count = 0;
	if (value_index >= profile->sample_types.n)
		return CPROF_PROFILE_INVALID;
	entry_of = calloc(profile->strings.n, sizeof(*entry_of));
	seen = calloc(profile->strings.n, sizeof(*seen));
	out = calloc(profile->functions.n + 1, sizeof(*out));
	if (!entry_of || !seen || !out) {
		status = CPROF_PROFILE_NOMEM;
		goto end;
	}
	for (size_t s = 0; s < profile->samples.n; s++) {
		const struct cprof_profile_sample *sample = &profile->samples.v[s];
		int64_t v = cprof_profile_sample_values(profile, s)[value_index];
		for (uint32_t i = 0; i < sample->nlocs; i++) {
			uint64_t loc_id = profile->sample_locs.v[sample->first_loc + i];
			const struct cprof_profile_location *loc =
			    &profile->locations.v[loc_id - 1];
			for (uint32_t j = 0; j < loc->nlines; j++) {
				const struct cprof_profile_line *line =
				    &profile->lines.v[loc->first_line + j];
				int64_t name = profile->functions.v[line->function - 1].name;
				struct cprof_profile_top_entry *e;
				if (!entry_of[name]) {
					/* distinct names <= functions: `out` is big enough */
					out[n].name = profile->strings.v[name];
					entry_of[name] = (uint32_t)++n;
				}
				e = &out[entry_of[name] - 1];
				if (i == 0 && j == 0)
					e->flat += v;
				if (seen[name] != s + 1) {
					seen[name] = (uint32_t)s + 1;
					e->cum += v;
				}
			}
		}
	}
	qsort(out, n, sizeof(*out), top_cmp);
	*entries = out;
	*count = n;
	out = NULL;
end:
	free(entry_of);
	free(seen);
	free(out);
	return status;
}
