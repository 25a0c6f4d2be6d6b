/*
 * Flame graph trees (see flame.h). Each sample's locations are walked from
 * the root (the last location) to the leaf, each location's lines from the
 * outermost inlined call; a hash of (parent, function) finds the child to
 * descend into. Children are linked once all samples are in, sorted by
 * total.
 */
#include "flame.h"

#include <stdlib.h>
#include <string.h>

#include "symbols/hidx.h"

enum cprof_flame_module cprof_flame_module_of(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (!*base)
		return CPROF_FLAME_ANNOTATION;
	if (!strncmp(base, "libc.so", 7) || !strncmp(base, "libc-", 5) ||
	    !strncmp(base, "libpthread", 10) || !strncmp(base, "ld-linux", 8) ||
	    !strncmp(base, "libm.so", 7))
		return CPROF_FLAME_LIBC;
	/* shared objects carry .so in their name; the executable does not */
	return strstr(base, ".so") ? CPROF_FLAME_LIBRARY : CPROF_FLAME_PROGRAM;
}

struct build {
	const struct cprof_profile *p;
	struct cprof_flame_builder fb;
	uint32_t *fn_name; /* per profile function: names index + 1, 0 unset */
	uint32_t *fn_file;
	uint8_t *loc_module; /* per location */
};

uint32_t cprof_flame_add_name(struct cprof_flame *f, const char *s)
{
	char **slot = cprof_vec_push(&f->names);
	if (!slot)
		return CPROF_FLAME_NONE;
	if (!(*slot = strdup(s))) {
		f->names.n--;
		return CPROF_FLAME_NONE;
	}
	return (uint32_t)(f->names.n - 1);
}

static inline uint64_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return k;
}

static bool grow(struct cprof_flame_builder *b)
{
	size_t ncap = b->cap ? b->cap * 2 : 1024;
	uint64_t *nk = malloc(ncap * sizeof(*nk));
	uint32_t *nv = malloc(ncap * sizeof(*nv));

	if (!nk || !nv) {
		free(nk);
		free(nv);
		return false;
	}
	memset(nk, 0xff, ncap * sizeof(*nk));
	for (size_t i = 0; i < b->cap; i++) {
		size_t h;
		if (b->keys[i] == UINT64_MAX)
			continue;
		for (h = mix(b->keys[i]) & (ncap - 1); nk[h] != UINT64_MAX;
		     h = (h + 1) & (ncap - 1))
			;
		nk[h] = b->keys[i];
		nv[h] = b->vals[i];
	}
	free(b->keys);
	free(b->vals);
	b->keys = nk;
	b->vals = nv;
	b->cap = ncap;
	return true;
}

bool cprof_flame_builder_init(struct cprof_flame_builder *b)
{
	struct cprof_flame_node *root;

	memset(b, 0, sizeof(*b));
	b->f = calloc(1, sizeof(*b->f));
	if (!b->f)
		return false;
	root = cprof_vec_push(&b->f->nodes);
	if (!root || cprof_flame_add_name(b->f, "all") != 0 ||
	    cprof_flame_add_name(b->f, "") != 1) {
		cprof_flame_builder_fini(b);
		return false;
	}
	root->parent = root->first_child = root->next_sibling = CPROF_FLAME_NONE;
	root->file = 1;
	root->module = CPROF_FLAME_ANNOTATION;
	return true;
}

void cprof_flame_builder_fini(struct cprof_flame_builder *b)
{
	cprof_flame_destroy(b->f);
	b->f = NULL;
	free(b->keys);
	free(b->vals);
	b->keys = NULL;
	b->vals = NULL;
	b->cap = b->used = 0;
}

uint32_t cprof_flame_child(struct cprof_flame_builder *b, uint32_t parent, uint32_t name,
			   uint32_t file, int32_t line, uint8_t module)
{
	uint64_t key = ((uint64_t)parent << 32) | name;
	struct cprof_flame_node *n;
	size_t h;

	if (b->used * 2 >= b->cap && !grow(b))
		return CPROF_FLAME_NONE;
	for (h = mix(key) & (b->cap - 1); b->keys[h] != UINT64_MAX; h = (h + 1) & (b->cap - 1))
		if (b->keys[h] == key)
			return b->vals[h];
	n = cprof_vec_push(&b->f->nodes);
	if (!n)
		return CPROF_FLAME_NONE;
	n->parent = parent;
	n->first_child = n->next_sibling = CPROF_FLAME_NONE;
	n->name = name;
	n->file = file;
	n->line = line;
	n->depth = (uint16_t)(b->f->nodes.v[parent].depth + 1);
	n->module = module;
	if (n->depth > b->f->max_depth)
		b->f->max_depth = n->depth;
	b->keys[h] = key;
	b->vals[h] = (uint32_t)(b->f->nodes.n - 1);
	b->used++;
	return b->vals[h];
}

/* The node of profile function `fn` under `parent`. */
static uint32_t child(struct build *b, uint32_t parent, uint64_t fn, uint8_t module, int64_t line)
{
	if (!b->fn_name[fn - 1]) {
		const struct cprof_profile_function *pf = &b->p->functions.v[fn - 1];
		uint32_t nm = cprof_flame_add_name(b->fb.f, cprof_profile_str(b->p, pf->name));
		uint32_t fl = cprof_flame_add_name(b->fb.f, cprof_profile_str(b->p, pf->file));
		if (nm == CPROF_FLAME_NONE || fl == CPROF_FLAME_NONE)
			return CPROF_FLAME_NONE;
		b->fn_name[fn - 1] = nm + 1;
		b->fn_file[fn - 1] = fl + 1;
	}
	return cprof_flame_child(&b->fb, parent, b->fn_name[fn - 1] - 1, b->fn_file[fn - 1] - 1,
				 (int32_t)line, module);
}

static bool add_sample(struct build *b, size_t s, size_t value_index)
{
	const struct cprof_profile *p = b->p;
	const struct cprof_profile_sample *sm = &p->samples.v[s];
	int64_t v = cprof_profile_sample_values(p, s)[value_index];
	struct cprof_flame *f = b->fb.f;
	uint32_t node = 0;

	if (!v)
		return true;
	f->nodes.v[0].total += v;
	for (uint32_t i = sm->nlocs; i-- > 0;) {
		uint64_t loc_id = p->sample_locs.v[sm->first_loc + i];
		const struct cprof_profile_location *loc = &p->locations.v[loc_id - 1];
		for (uint32_t l = loc->nlines; l-- > 0;) {
			const struct cprof_profile_line *ln = &p->lines.v[loc->first_line + l];
			node = child(b, node, ln->function, b->loc_module[loc_id - 1], ln->line);
			if (node == CPROF_FLAME_NONE)
				return false;
			b->fb.f->nodes.v[node].total += v;
		}
	}
	b->fb.f->nodes.v[node].self += v;
	return true;
}

static int by_total(const void *a, const void *b, void *flame)
{
	const struct cprof_flame *f = flame;
	const struct cprof_flame_node *x = &f->nodes.v[*(const uint32_t *)a];
	const struct cprof_flame_node *y = &f->nodes.v[*(const uint32_t *)b];
	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return strcmp(f->names.v[x->name], f->names.v[y->name]);
}

/* Links every node under its parent, children by total. */
bool cprof_flame_link(struct cprof_flame *f)
{
	size_t n = f->nodes.n;
	uint32_t *order = malloc((n + 1) * sizeof(*order));

	if (!order)
		return false;
	for (size_t i = 0; i + 1 < n; i++)
		order[i] = (uint32_t)(i + 1);
	qsort_r(order, n - 1, sizeof(*order), by_total, f);
	/* prepend in reverse order: each list ends up largest first */
	for (size_t i = n - 1; i-- > 0;) {
		struct cprof_flame_node *c = &f->nodes.v[order[i]];
		struct cprof_flame_node *par = &f->nodes.v[c->parent];
		c->next_sibling = par->first_child;
		par->first_child = order[i];
	}
	free(order);
	return true;
}

static void locations_modules(struct build *b)
{
	const struct cprof_profile *p = b->p;

	for (size_t i = 0; i < p->locations.n; i++) {
		uint64_t mp = p->locations.v[i].mapping;
		b->loc_module[i] = mp && mp <= p->mappings.n
				       ? (uint8_t)cprof_flame_module_of(
					     cprof_profile_str(p, p->mappings.v[mp - 1].file))
				       : CPROF_FLAME_ANNOTATION;
	}
}

struct cprof_flame *cprof_flame_create(const struct cprof_profile *profile, size_t value_index)
{
	struct build b = {profile, {0}, NULL, NULL, NULL};
	struct cprof_flame *f = NULL;

	if (!cprof_flame_builder_init(&b.fb))
		return NULL;
	b.fn_name = calloc(profile->functions.n + 1, sizeof(*b.fn_name));
	b.fn_file = calloc(profile->functions.n + 1, sizeof(*b.fn_file));
	b.loc_module = calloc(profile->locations.n + 1, 1);
	if (!b.fn_name || !b.fn_file || !b.loc_module || value_index >= profile->sample_types.n)
		goto end;
	locations_modules(&b);
	for (size_t s = 0; s < profile->samples.n; s++)
		if (!add_sample(&b, s, value_index))
			goto end;
	if (cprof_flame_link(b.fb.f)) {
		f = b.fb.f;
		b.fb.f = NULL;
	}
end:
	free(b.fn_name);
	free(b.fn_file);
	free(b.loc_module);
	cprof_flame_builder_fini(&b.fb);
	return f;
}

void cprof_flame_destroy(struct cprof_flame *flame)
{
	if (!flame)
		return;
	for (size_t i = 0; i < flame->names.n; i++)
		free(flame->names.v[i]);
	cprof_vec_free(&flame->names);
	cprof_vec_free(&flame->nodes);
	free(flame);
}
