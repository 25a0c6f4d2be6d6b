/*
 * User counter summaries (see counters.h). Points are in time order (the
 * reader appends them as events come), so the value held at the range's
 * start is found by binary search and the rest is one pass.
 */
#include "counters.h"

#include <stdlib.h>
#include <string.h>

/* The first point at or after t. */
static size_t first_from(const struct cprof_counter *c, uint64_t t)
{
	size_t lo = 0, hi = c->points.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->points.v[mid].ns < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool cprof_counter_summarize_one(const struct cprof_model *model, const struct cprof_counter *c,
				 uint64_t from_ns, uint64_t to_ns,
				 struct cprof_counter_summary *out)
{
	size_t i = first_from(c, from_ns);
	long double area = 0;
	uint64_t t;
	int64_t v;

	memset(out, 0, sizeof(*out));
	out->name = c->name;
	if (to_ns < from_ns)
		return false;
	if (i > 0) {
		/* a value recorded before the range holds at its start */
		t = from_ns;
		v = c->points.v[i - 1].value;
		out->last_ns = c->points.v[i - 1].ns;
	} else if (c->points.n && c->points.v[0].ns <= to_ns) {
		t = c->points.v[0].ns;
		v = c->points.v[0].value;
		out->last_ns = t;
		out->samples = 1;
		i = 1;
	} else {
		return false;
	}
	out->min = out->max = v;
	for (; i < c->points.n && c->points.v[i].ns <= to_ns; i++) {
		const struct cprof_counter_point *p = &c->points.v[i];
		area += (long double)v * (long double)(p->ns - t);
		t = p->ns;
		v = p->value;
		out->last_ns = t;
		out->samples++;
		if (v < out->min)
			out->min = v;
		if (v > out->max)
			out->max = v;
	}
	area += (long double)v * (long double)(to_ns - t);
	out->last = v;
	out->known_ns =
	    to_ns - (i > 0 && c->points.v[0].ns > from_ns ? c->points.v[0].ns : from_ns);
	out->mean = out->known_ns ? (double)(area / (long double)out->known_ns) : (double)v;
	(void)model;
	return true;
}

static int by_name(const void *a, const void *b, void *model)
{
	const struct cprof_counter_summary *x = a, *y = b;
	return strcmp(cprof_model_str(model, x->name), cprof_model_str(model, y->name));
}

/* Folds `s` (another process's counter of the same name) into `into`. */
static void merge(struct cprof_counter_summary *into, const struct cprof_counter_summary *s)
{
	uint64_t known = into->known_ns + s->known_ns;

	into->mean = known ? (into->mean * (double)into->known_ns + s->mean * (double)s->known_ns) /
				 (double)known
			   : (into->mean + s->mean) / 2;
	into->known_ns = known;
	into->samples += s->samples;
	if (s->min < into->min)
		into->min = s->min;
	if (s->max > into->max)
		into->max = s->max;
	if (s->last_ns >= into->last_ns) {
		into->last = s->last;
		into->last_ns = s->last_ns;
	}
}

enum cprof_counters_status cprof_counters_summarize(const struct cprof_model *model,
						    uint64_t from_ns, uint64_t to_ns,
						    struct cprof_counters *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t k = 0; k < model->counters.n; k++) {
		const struct cprof_counter *c = &model->counters.v[k];
		struct cprof_counter_summary s, *slot = NULL;

		if (!c->user || !cprof_counter_summarize_one(model, c, from_ns, to_ns, &s))
			continue;
		for (size_t j = 0; j < out->v.n && !slot; j++)
			if (out->v.v[j].name == s.name)
				slot = &out->v.v[j];
		if (slot) {
			merge(slot, &s);
			continue;
		}
		slot = cprof_vec_push(&out->v);
		if (!slot) {
			cprof_counters_fini(out);
			return CPROF_COUNTERS_NO_MEMORY;
		}
		*slot = s;
	}
	if (out->v.n)
		qsort_r(out->v.v, out->v.n, sizeof(*out->v.v), by_name, (void *)model);
	return CPROF_COUNTERS_OK;
}

void cprof_counters_fini(struct cprof_counters *counters)
{
	cprof_vec_free(&counters->v);
}
