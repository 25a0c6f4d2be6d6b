/*
 * NEW minus OLD profiles (see profile_diff.h).
 */
#include "profile_diff.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "symbols/hidx.h"

struct cprof_profile_diff {
	struct cprof_profile *p;
	struct cprof_hidx loc_index; /* dst locations by their lines */
	double plus, minus;	     /* totals of the default type added with scale > 0 and < 0 */
	int value_index;	     /* the default sample type's */
	int64_t k_thread, k_tid;
};

struct cprof_profile_diff *cprof_profile_diff_create(const struct cprof_profile *like)
{
	struct cprof_profile_diff *d = calloc(1, sizeof(*d));
	const char *def;
	bool ok;

	if (!d || !(d->p = cprof_profile_create()))
		goto error;
	ok = true;
	for (size_t i = 0; ok && i < like->sample_types.n; i++)
		ok = cprof_profile_add_sample_type(
			 d->p, cprof_profile_str(like, like->sample_types.v[i].type),
			 cprof_profile_str(like, like->sample_types.v[i].unit)) == CPROF_PROFILE_OK;
	ok = ok && cprof_profile_set_period(d->p, cprof_profile_str(like, like->period_type.type),
					    cprof_profile_str(like, like->period_type.unit),
					    like->period) == CPROF_PROFILE_OK;
	def = like->default_sample_type ? cprof_profile_str(like, like->default_sample_type) : NULL;
	ok = ok && (!def || cprof_profile_set_default_sample_type(d->p, def) == CPROF_PROFILE_OK);
	d->p->time_nanos = like->time_nanos;
	d->p->duration_nanos = like->duration_nanos;
	/* pprof's default: the given one, else the last */
	d->value_index =
	    def ? cprof_profile_sample_type_index(d->p, def) : (int)d->p->sample_types.n - 1;
	d->k_thread = cprof_profile_string(d->p, "thread");
	d->k_tid = cprof_profile_string(d->p, "tid");
	if (!ok || d->k_thread < 0 || d->k_tid < 0)
		goto error;
	return d;
error:
	cprof_profile_diff_destroy(d);
	return NULL;
}

void cprof_profile_diff_destroy(struct cprof_profile_diff *d)
{
	if (!d)
		return;
	cprof_profile_destroy(d->p);
	cprof_hidx_free(&d->loc_index);
	free(d);
}

/* Per-source translation tables, ids to the diff's ids (0/-1: not yet). */
struct remap {
	const struct cprof_profile *src;
	int64_t *str;
	uint64_t *mapping, *function, *location;
};

static int64_t map_str(struct cprof_profile_diff *d, struct remap *r, int64_t s)
{
	if (r->str[s] < 0)
		r->str[s] = cprof_profile_string(d->p, cprof_profile_str(r->src, s));
	return r->str[s];
}

static uint64_t map_mapping(struct cprof_profile_diff *d, struct remap *r, uint64_t id)
{
	const struct cprof_profile_mapping *m;
	struct cprof_profile_mapping copy;

	if (!id || r->mapping[id - 1])
		return id ? r->mapping[id - 1] : 0;
	m = &r->src->mappings.v[id - 1];
	copy = *m;
	copy.file = map_str(d, r, m->file);
	copy.build_id = map_str(d, r, m->build_id);
	if (copy.file < 0 || copy.build_id < 0)
		return 0;
	for (size_t i = 0; i < d->p->mappings.n; i++) {
		const struct cprof_profile_mapping *o = &d->p->mappings.v[i];
		if (o->file == copy.file && o->build_id == copy.build_id &&
		    o->start == copy.start && o->limit == copy.limit)
			return r->mapping[id - 1] = i + 1;
	}
	return r->mapping[id - 1] = cprof_profile_add_mapping(d->p, &copy);
}

static uint64_t map_function(struct cprof_profile_diff *d, struct remap *r, uint64_t id)
{
	const struct cprof_profile_function *f = &r->src->functions.v[id - 1];

	if (!r->function[id - 1])
		r->function[id - 1] =
		    cprof_profile_add_function(d->p, cprof_profile_str(r->src, f->name),
					       cprof_profile_str(r->src, f->system_name),
					       cprof_profile_str(r->src, f->file), f->start_line);
	return r->function[id - 1];
}

struct loc_key {
	const struct cprof_profile *p;
	const struct cprof_profile_line *lines;
	uint32_t n;
};

static bool loc_eq(const void *ctx, uint32_t item)
{
	const struct loc_key *k = ctx;
	const struct cprof_profile_location *l = &k->p->locations.v[item];

	return l->nlines == k->n &&
	       !memcmp(&k->p->lines.v[l->first_line], k->lines, k->n * sizeof(*k->lines));
}

/* The diff's location saying the same lines as src's location `id`. */
static uint64_t map_location(struct cprof_profile_diff *d, struct remap *r, uint64_t id)
{
	const struct cprof_profile_location *l = &r->src->locations.v[id - 1];
	struct cprof_profile_line lines[64];
	struct loc_key key = {d->p, lines, l->nlines < 64 ? l->nlines : 64};
	uint64_t hash = key.n;
	uint32_t found;

	if (r->location[id - 1])
		return r->location[id - 1];
	for (uint32_t i = 0; i < key.n; i++) {
		const struct cprof_profile_line *ln = &r->src->lines.v[l->first_line + i];
		lines[i] = (struct cprof_profile_line){map_function(d, r, ln->function), ln->line};
		if (!lines[i].function)
			return 0;
		hash = cprof_hash_mix(cprof_hash_mix(hash, lines[i].function), (uint64_t)ln->line);
	}
	/* frames without lines (unsymbolized) are told apart by address */
	if (!key.n)
		hash = cprof_hash_mix(hash, l->address);
	found = key.n ? cprof_hidx_find(&d->loc_index, hash, loc_eq, &key) : UINT32_MAX;
	if (found != UINT32_MAX)
		return r->location[id - 1] = (uint64_t)found + 1;
	r->location[id - 1] = cprof_profile_add_location(d->p, map_mapping(d, r, l->mapping),
							 l->address, lines, key.n);
	if (r->location[id - 1] &&
	    cprof_hidx_insert(&d->loc_index, hash, (uint32_t)(r->location[id - 1] - 1)))
		return 0;
	return r->location[id - 1];
}

static enum cprof_profile_status add_sample(struct cprof_profile_diff *d, struct remap *r, size_t i,
					    double scale)
{
	const struct cprof_profile *src = r->src;
	const struct cprof_profile_sample *s = &src->samples.v[i];
	const int64_t *v = cprof_profile_sample_values(src, i);
	size_t nv = src->sample_types.n, nl = 0;
	uint64_t *locs = malloc((s->nlocs ? s->nlocs : 1) * sizeof(*locs));
	struct cprof_profile_label *labels =
	    malloc((s->nlabels ? s->nlabels : 1) * sizeof(*labels));
	int64_t *vals = malloc(nv * sizeof(*vals));
	enum cprof_profile_status st = CPROF_PROFILE_NOMEM;

	if (!locs || !labels || !vals)
		goto end;
	for (uint32_t k = 0; k < s->nlocs; k++)
		if (!(locs[k] = map_location(d, r, src->sample_locs.v[s->first_loc + k])))
			goto end;
	for (uint32_t k = 0; k < s->nlabels; k++) {
		const struct cprof_profile_label *l = &src->labels.v[s->first_label + k];
		struct cprof_profile_label m = {map_str(d, r, l->key),
						l->str ? map_str(d, r, l->str) : 0, l->num,
						l->num_unit ? map_str(d, r, l->num_unit) : 0};
		if (m.key < 0 || m.str < 0 || m.num_unit < 0)
			goto end;
		if (m.key != d->k_thread && m.key != d->k_tid)
			labels[nl++] = m;
	}
	for (size_t k = 0; k < nv; k++)
		vals[k] = (int64_t)llround((double)v[k] * scale);
	if (d->value_index >= 0)
		*(scale > 0 ? &d->plus : &d->minus) += (double)vals[d->value_index];
	st = cprof_profile_add_sample(d->p, locs, s->nlocs, vals, labels, nl);
end:
	free(locs);
	free(labels);
	free(vals);
	return st;
}

enum cprof_profile_status cprof_profile_diff_add(struct cprof_profile_diff *d,
						 const struct cprof_profile *src, double scale)
{
	struct remap r = {src, NULL, NULL, NULL, NULL};
	enum cprof_profile_status st = CPROF_PROFILE_NOMEM;

	if (src->sample_types.n != d->p->sample_types.n)
		return CPROF_PROFILE_INVALID;
	r.str = malloc((src->strings.n ? src->strings.n : 1) * sizeof(*r.str));
	r.mapping = calloc(src->mappings.n + 1, sizeof(*r.mapping));
	r.function = calloc(src->functions.n + 1, sizeof(*r.function));
	r.location = calloc(src->locations.n + 1, sizeof(*r.location));
	if (!r.str || !r.mapping || !r.function || !r.location)
		goto end;
	for (size_t i = 0; i < src->strings.n; i++)
		r.str[i] = -1;
	st = CPROF_PROFILE_OK;
	for (size_t i = 0; i < src->samples.n && st == CPROF_PROFILE_OK; i++)
		st = add_sample(d, &r, i, scale);
end:
	free(r.str);
	free(r.mapping);
	free(r.function);
	free(r.location);
	return st;
}

enum cprof_profile_status cprof_profile_diff_finish(struct cprof_profile_diff *d, double noise,
						    struct cprof_profile **out, size_t *dropped)
{
	struct cprof_profile *p = d->p;
	size_t nv = p->sample_types.n, kept = 0;
	double most = fmax(d->plus, -d->minus), floor_v = noise * most;

	*dropped = 0;
	for (size_t i = 0; i < p->samples.n; i++) {
		const int64_t *v = cprof_profile_sample_values(p, i);
		bool zero = true;
		for (size_t k = 0; k < nv; k++)
			zero &= v[k] == 0;
		if (zero || (d->value_index >= 0 && fabs((double)v[d->value_index]) < floor_v)) {
			(*dropped)++;
			continue;
		}
		/* compact in place; the dedup index is not used again */
		memmove(&p->values.v[kept * nv], v, nv * sizeof(*v));
		p->samples.v[kept++] = p->samples.v[i];
	}
	p->samples.n = kept;
	p->values.n = kept * nv;
	*out = p;
	d->p = NULL;
	return CPROF_PROFILE_OK;
}
