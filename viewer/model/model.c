/*
 * The trace model's storage: creation, destruction and the string table.
 * Strings are interned in an open-addressing hash table so that region
 * types, categories and thread names cost four bytes per item.
 */
#include "model.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct string_index {
	uint32_t *slots;	 /* cprof_str + 1, 0 = empty */
	size_t cap;		 /* power of two */
	CPROF_VEC(uint32_t) ids; /* interned strings (others are not indexed) */
};

static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

struct cprof_model *cprof_model_create(void)
{
	struct cprof_model *model = calloc(1, sizeof(*model));
	struct string_index *index = NULL;
	char **empty;
	struct cprof_stack *none;

	if (!model)
		goto error;
	index = calloc(1, sizeof(*index));
	if (!index)
		goto error;
	model->string_index = index;
	empty = cprof_vec_push(&model->strings);
	if (!empty || !(*empty = strdup("")))
		goto error;
	none = cprof_vec_push(&model->stacks);
	if (!none)
		goto error;
	none->process = CPROF_NONE;
	return model;

error:
	cprof_model_destroy(model);
	return NULL;
}

void (*cprof_model_summarize)(struct cprof_model *model);

void cprof_model_destroy(struct cprof_model *model)
{
	if (!model)
		return;
	if (model->summary_owned)
		free((void *)model->summary);
	if (model->region_nesting && model->region_nesting_free)
		model->region_nesting_free(model->region_nesting);
	for (size_t i = model->strings_mapped; i < model->strings.n; i++)
		free(model->strings.v[i]);
	cprof_vec_free(&model->strings);
	if (model->string_index) {
		struct string_index *index = model->string_index;
		free(index->slots);
		cprof_vec_free(&index->ids);
		free(index);
	}
	for (size_t i = 0; i < model->counters.n; i++)
		cprof_vec_free(&model->counters.v[i].points);
	cprof_vec_free(&model->processes);
	cprof_vec_free(&model->notes);
	cprof_vec_free(&model->modules);
	cprof_vec_free(&model->threads);
	cprof_vec_free(&model->tasks);
	cprof_vec_free(&model->regions);
	cprof_vec_free(&model->logs);
	cprof_vec_free(&model->waits);
	cprof_vec_free(&model->releases);
	cprof_vec_free(&model->allocs);
	cprof_vec_free(&model->syscalls);
	cprof_vec_free(&model->samples);
	cprof_vec_free(&model->counters);
	cprof_vec_free(&model->stacks);
	cprof_vec_free(&model->frames);
	cprof_vec_free(&model->lost);
	cprof_vec_free(&model->warnings);
	cprof_vec_free(&model->thread_states);
	if (model->mapping)
		munmap(model->mapping, model->mapping_len);
	free(model);
}

static int index_grow(struct cprof_model *model, struct string_index *index)
{
	size_t ncap = index->cap ? index->cap * 2 : 1024;
	uint32_t *slots = calloc(ncap, sizeof(*slots));
	if (!slots)
		return -1;
	for (size_t k = 0; k < index->ids.n; k++) {
		uint32_t i = index->ids.v[k];
		const char *s = model->strings.v[i];
		size_t j = hash_bytes(s, strlen(s)) & (ncap - 1);
		while (slots[j])
			j = (j + 1) & (ncap - 1);
		slots[j] = i + 1;
	}
	free(index->slots);
	index->slots = slots;
	index->cap = ncap;
	return 0;
}

cprof_str cprof_model_intern(struct cprof_model *model, const char *s, size_t len)
{
	struct string_index *index = model->string_index;
	size_t j;
	char *copy, **slot;

	if (!s || len == 0)
		return 0;
	if ((index->ids.n + 1) * 2 > index->cap && index_grow(model, index))
		return 0;
	j = hash_bytes(s, len) & (index->cap - 1);
	while (index->slots[j]) {
		const char *t = model->strings.v[index->slots[j] - 1];
		if (strncmp(t, s, len) == 0 && t[len] == '\0')
			return index->slots[j] - 1;
		j = (j + 1) & (index->cap - 1);
	}
	copy = malloc(len + 1);
	if (!copy)
		return 0;
	memcpy(copy, s, len);
	copy[len] = '\0';
	slot = cprof_vec_push(&model->strings);
	if (!slot) {
		free(copy);
		return 0;
	}
	*slot = copy;
	{
		uint32_t *id = cprof_vec_push(&index->ids);
		if (!id) {
			model->strings.n--;
			free(copy);
			return 0;
		}
		*id = (uint32_t)(model->strings.n - 1);
	}
	index->slots[j] = (uint32_t)(model->strings.n - 1) + 1;
	return (cprof_str)(model->strings.n - 1);
}

cprof_str cprof_model_add_str(struct cprof_model *model, const char *s, size_t len)
{
	char *copy, **slot;

	if (!s || len == 0)
		return 0;
	copy = malloc(len + 1);
	if (!copy)
		return 0;
	memcpy(copy, s, len);
	copy[len] = '\0';
	slot = cprof_vec_push(&model->strings);
	if (!slot) {
		free(copy);
		return 0;
	}
	*slot = copy;
	return (cprof_str)(model->strings.n - 1);
}

bool cprof_model_describe_loss(const struct cprof_model *m, char *buf, size_t len)
{
	if (m->lost_events && m->lost_records)
		snprintf(buf, len,
			 "%" PRIu64 " events lost by the tracer (buffers full), among them "
			 "batches holding %" PRIu64 " records of the program's threads; counts may "
			 "be low",
			 m->lost_events, m->lost_records);
	else if (m->lost_events)
		snprintf(buf, len,
			 "%" PRIu64 " events lost by the tracer (buffers full); counts may be low",
			 m->lost_events);
	else if (m->lost_records)
		snprintf(buf, len,
			 "%" PRIu64 " records lost by the tracer (batches missing from their "
			 "threads' sequences); counts may be low",
			 m->lost_records);
	else
		return false;
	return true;
}

bool cprof_model_describe_window(const struct cprof_model *m, char *buf, size_t len)
{
	int n;

	if (!m->window_ns || m->window_ns <= m->begin_ns)
		return false;
	n = snprintf(buf, len,
		     "snapshot: the window common to every CPU starts at +%.3f ms (each CPU's "
		     "ring buffer kept its own last events, from its own time on)",
		     (double)(m->window_ns - m->begin_ns) / 1e6);
	if (m->overwritten_records && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n,
			 "; %" PRIu64 " records of %" PRIu64 " thread%s before it were "
			 "overwritten, not lost",
			 m->overwritten_records, m->overwritten_threads,
			 m->overwritten_threads == 1 ? "" : "s");
	return true;
}

bool cprof_model_add_note(struct cprof_model *model, const char *text)
{
	cprof_str s = cprof_model_intern(model, text, strlen(text));
	cprof_str *slot;

	if (!s || !(slot = cprof_vec_push(&model->notes)))
		return false;
	*slot = s;
	return true;
}

#define HUGE_PAGE ((uintptr_t)2 << 20)

bool cprof_model_reserve_regions(struct cprof_model *model, size_t n)
{
	size_t bytes = n * sizeof(*model->regions.v);
	uintptr_t a, e;
	struct cprof_region *v;

	if (n <= model->regions.cap || n > SIZE_MAX / sizeof(*v) ||
	    !model->regions.cap != !model->regions.v)
		return false;
	v = malloc(bytes);
	if (!v)
		return false;
	a = ((uintptr_t)v + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	e = ((uintptr_t)v + bytes) & ~(HUGE_PAGE - 1);
	if (e > a)
		madvise((void *)a, e - a, MADV_HUGEPAGE);
	if (model->regions.n)
		memcpy(v, model->regions.v, model->regions.n * sizeof(*v));
	free(model->regions.v);
	model->regions.v = v;
	model->regions.cap = n;
	return true;
}

void cprof_model_trim_regions(struct cprof_model *model)
{
	/* a big block shrinks in place (glibc: mremap): nothing copied */
	struct cprof_region *v;

	if (!model->regions.cap || model->regions.cap - model->regions.n < HUGE_PAGE / sizeof(*v))
		return;
	v = realloc(model->regions.v, (model->regions.n ? model->regions.n : 1) * sizeof(*v));
	if (!v)
		return;
	model->regions.v = v;
	model->regions.cap = model->regions.n ? model->regions.n : 1;
}

bool cprof_model_own_regions(struct cprof_model *model, size_t cap)
{
	struct cprof_region *v;

	if (cap < model->regions.n)
		cap = model->regions.n;
	v = malloc((cap ? cap : 1) * sizeof(*v));
	if (!v)
		return false;
	if (model->regions.n)
		memcpy(v, model->regions.v, model->regions.n * sizeof(*v));
	model->regions.v = v;
	model->regions.cap = cap ? cap : 1;
	return true;
}

size_t cprof_model_memory(const struct cprof_model *model)
{
	const struct string_index *index = model->string_index;
	size_t bytes =
	    sizeof(*model) + index->cap * sizeof(uint32_t) + index->ids.cap * sizeof(uint32_t);

	for (size_t i = 0; i < model->strings.n; i++)
		bytes += strlen(model->strings.v[i]) + 1 + sizeof(char *);
	for (size_t i = 0; i < model->counters.n; i++)
		bytes += model->counters.v[i].points.cap * sizeof(struct cprof_counter_point);
/* a borrowed vector (cap 0: a mapping) holds its n items */
#define VEC_BYTES(vec) (((vec).cap ? (vec).cap : (vec).n) * sizeof(*(vec).v))
	bytes += VEC_BYTES(model->processes) + VEC_BYTES(model->modules) +
		 VEC_BYTES(model->threads) + VEC_BYTES(model->tasks) + VEC_BYTES(model->regions) +
		 VEC_BYTES(model->logs) + VEC_BYTES(model->waits) + VEC_BYTES(model->releases) +
		 VEC_BYTES(model->allocs) + VEC_BYTES(model->syscalls) + VEC_BYTES(model->samples) +
		 VEC_BYTES(model->counters) + VEC_BYTES(model->stacks) + VEC_BYTES(model->frames) +
		 VEC_BYTES(model->lost) + VEC_BYTES(model->warnings);
#undef VEC_BYTES
	return bytes;
}
