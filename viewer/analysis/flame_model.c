/*
 * Flame graphs from the model (see flame_model.h).
 *
 * The source caches, per (stack, whether frame 0 is an exact address), the
 * stack's frames as interned names, innermost first, inlined calls
 * expanded as the symbolizer reports them. A graph sums its items' values
 * per stack id, then walks each stack with a value once from the root.
 */
#include "flame_model.h"
#include "flame_model_int.h"

#include <stdlib.h>
#include <string.h>

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

static bool rehash(struct cprof_flame_source *src)
{
	size_t ncap = src->cap ? src->cap * 2 : 1024;
	uint32_t *ns = calloc(ncap, sizeof(*ns));

	if (!ns)
		return false;
	for (size_t i = 0; i < src->names.n; i++) {
		size_t h = str_hash(src->names.v[i]) & (ncap - 1);
		while (ns[h])
			h = (h + 1) & (ncap - 1);
		ns[h] = (uint32_t)i + 1;
	}
	free(src->slots);
	src->slots = ns;
	src->cap = ncap;
	return true;
}

uint32_t flame_src_intern(struct cprof_flame_source *src, const char *s)
{
	size_t h;
	char **slot;

	if ((src->names.n + 1) * 2 > src->cap && !rehash(src))
		return CPROF_FLAME_NONE;
	for (h = str_hash(s) & (src->cap - 1); src->slots[h]; h = (h + 1) & (src->cap - 1))
		if (!strcmp(src->names.v[src->slots[h] - 1], s))
			return src->slots[h] - 1;
	slot = cprof_vec_push(&src->names);
	if (!slot)
		return CPROF_FLAME_NONE;
	if (!(*slot = strdup(s))) {
		src->names.n--;
		return CPROF_FLAME_NONE;
	}
	src->slots[h] = (uint32_t)src->names.n;
	return (uint32_t)src->names.n - 1;
}

struct cprof_flame_source *cprof_flame_source_create(const struct cprof_model *m,
						     struct cprof_symbolizer *sym)
{
	struct cprof_flame_source *src = calloc(1, sizeof(*src));
	size_t ns = m->stacks.n + 1;

	if (!src)
		return NULL;
	src->m = m;
	src->sym = sym;
	for (int k = 0; k < 2; k++) {
		src->first[k] = calloc(ns, sizeof(uint32_t));
		src->count[k] = malloc(ns * sizeof(uint32_t));
		if (src->count[k])
			memset(src->count[k], 0xff, ns * sizeof(uint32_t));
	}
	src->module_class = calloc(m->modules.n + 1, 1);
	if (!src->first[0] || !src->first[1] || !src->count[0] || !src->count[1] ||
	    !src->module_class || flame_src_intern(src, "") != 0) {
		cprof_flame_source_destroy(src);
		return NULL;
	}
	for (size_t i = 0; i < m->modules.n; i++)
		src->module_class[i] =
		    (uint8_t)cprof_flame_module_of(cprof_model_str(m, m->modules.v[i].path));
	return src;
}

void cprof_flame_source_destroy(struct cprof_flame_source *src)
{
	if (!src)
		return;
	for (int k = 0; k < 2; k++) {
		free(src->first[k]);
		free(src->count[k]);
	}
	for (size_t i = 0; i < src->names.n; i++)
		free(src->names.v[i]);
	cprof_vec_free(&src->names);
	cprof_vec_free(&src->frames);
	free(src->slots);
	free(src->module_class);
	flame_regions_fini(src);
	free(src);
}

static bool push_frame(struct cprof_flame_source *src, const char *name, const char *file, int line,
		       uint8_t module)
{
	struct src_frame *f = cprof_vec_push(&src->frames);
	if (!f)
		return false;
	f->name = flame_src_intern(src, name);
	f->file = flame_src_intern(src, file ? file : "");
	f->line = line;
	f->module = module;
	return f->name != CPROF_FLAME_NONE && f->file != CPROF_FLAME_NONE;
}

/* The frames of stack `stack`, innermost first; NULL when out of memory. */
static const struct src_frame *stack_frames(struct cprof_flame_source *src, uint32_t stack,
					    bool exact0, uint32_t *n)
{
	const struct cprof_model *m = src->m;
	const struct cprof_stack *st = &m->stacks.v[stack];
	int k = exact0 ? 1 : 0;

	if (src->count[k][stack] != UINT32_MAX) {
		*n = src->count[k][stack];
		return src->frames.v + src->first[k][stack];
	}
	src->first[k][stack] = (uint32_t)src->frames.n;
	if (!stack || !st->depth) {
		if (!push_frame(src, "(no stack)", "", 0, CPROF_FLAME_ANNOTATION))
			return NULL;
	}
	for (uint16_t i = 0; stack && i < st->depth; i++) {
		struct cprof_symbol_loc sl;
		uint64_t ip = m->frames.v[st->first + i];
		if (!cprof_symbolizer_lookup_at(src->sym, st->process, st->ns, ip,
						!(i == 0 && exact0), &sl))
			return NULL;
		for (size_t j = 0; j < sl.nframes && j < 16; j++) {
			uint8_t mod = sl.module < m->modules.n ? src->module_class[sl.module]
							       : CPROF_FLAME_LIBRARY;
			if (!push_frame(src, sl.frames[j].function, sl.frames[j].file,
					sl.frames[j].line, mod))
				return NULL;
		}
	}
	src->count[k][stack] = (uint32_t)src->frames.n - src->first[k][stack];
	*n = src->count[k][stack];
	return src->frames.v + src->first[k][stack];
}

/* Window overlap of [b, e) (e 0: open to the trace's end), as the
 * profiles clip; false when they do not meet. */
bool flame_clip(const struct cprof_model *m, uint64_t b, uint64_t e, uint64_t from, uint64_t to,
		uint64_t *len)
{
	if (!e || e < b)
		e = m->end_ns > b ? m->end_ns : b;
	if (b > to || e < from)
		return false;
	*len = (e < to ? e : to) - (b > from ? b : from);
	return true;
}

/* Values per stack id of the items in the window; blocking calls with no
 * stack per call instead (the profile names them by the call). False when
 * told to stop. */
static bool sum_items(const struct cprof_model *m, enum cprof_flame_items items, uint64_t from,
		      uint64_t to, const atomic_bool *stop, int64_t *val, int64_t *by_call)
{
	uint64_t len;

	if (items == CPROF_FLAME_CPU_SAMPLES) {
		for (size_t i = 0; i < m->samples.n; i++) {
			if (flame_stopped(stop, i, FLAME_STOP_ITEMS))
				return false;
			const struct cprof_sample *s = &m->samples.v[i];
			uint32_t p =
			    s->thread < m->threads.n ? m->threads.v[s->thread].process : CPROF_NONE;
			uint32_t rate = p < m->processes.n ? m->processes.v[p].cpu_rate : 0;
			if (s->ns >= from && s->ns <= to && rate)
				val[s->stack] += (int64_t)(1000000000ull / rate);
		}
	} else if (items == CPROF_FLAME_WAITS) {
		for (size_t i = 0; i < m->waits.n; i++) {
			const struct cprof_wait *w = &m->waits.v[i];
			if (flame_stopped(stop, i, FLAME_STOP_ITEMS))
				return false;
			if (flame_clip(m, w->begin_ns, w->end_ns, from, to, &len))
				val[w->stack] += (int64_t)len;
		}
	} else {
		for (size_t i = 0; i < m->syscalls.n; i++) {
			const struct cprof_syscall *s = &m->syscalls.v[i];
			if (flame_stopped(stop, i, FLAME_STOP_ITEMS))
				return false;
			if (!flame_clip(m, s->begin_ns, s->end_ns, from, to, &len))
				continue;
			if (s->stack && m->stacks.v[s->stack].depth)
				val[s->stack] += (int64_t)len;
			else
				by_call[s->call] += (int64_t)len;
		}
	}
	return true;
}

static uint32_t flame_name(struct flame_walk *w, uint32_t src_name)
{
	if (!w->name_map[src_name]) {
		uint32_t id = cprof_flame_add_name(w->fb.f, w->src->names.v[src_name]);
		if (id == CPROF_FLAME_NONE)
			return CPROF_FLAME_NONE;
		w->name_map[src_name] = id + 1;
	}
	return w->name_map[src_name] - 1;
}

/* Adds value v along frames fr[0..n) (innermost first); `stamp` tells
 * this stack from the others for the cum column. */
bool flame_walk_add(struct flame_walk *w, const struct src_frame *fr, uint32_t n, uint32_t stamp,
		    int64_t v)
{
	uint32_t node = 0;

	w->fb.f->nodes.v[0].total += v;
	for (uint32_t i = n; i-- > 0;) {
		uint32_t nm = flame_name(w, fr[i].name), fl = flame_name(w, fr[i].file);
		if (nm == CPROF_FLAME_NONE || fl == CPROF_FLAME_NONE)
			return false;
		node = cprof_flame_child(&w->fb, node, nm, fl, fr[i].line, fr[i].module);
		if (node == CPROF_FLAME_NONE)
			return false;
		w->fb.f->nodes.v[node].total += v;
		if (w->seen[fr[i].name] != stamp) {
			w->seen[fr[i].name] = stamp;
			w->cum[fr[i].name] += v;
		}
	}
	if (n) {
		w->fb.f->nodes.v[node].self += v;
		w->flat[fr[0].name] += v;
	}
	return true;
}

static bool add_stack(struct flame_walk *w, uint32_t stack, bool exact0, int64_t v)
{
	uint32_t n;
	const struct src_frame *fr = stack_frames(w->src, stack, exact0, &n);

	return fr && flame_walk_add(w, fr, n, stack + 1, v);
}

static int top_cmp(const void *a, const void *b)
{
	const struct cprof_flame_top *x = a, *y = b;
	if (x->flat != y->flat)
		return x->flat > y->flat ? -1 : 1;
	if (x->cum != y->cum)
		return x->cum > y->cum ? -1 : 1;
	return strcmp(x->name, y->name);
}

bool flame_walk_top(struct flame_walk *w, struct cprof_flame_top **top, size_t *ntop)
{
	size_t n = 0;

	*top = calloc(w->src->names.n + 1, sizeof(**top));
	if (!*top)
		return false;
	for (size_t i = 0; i < w->src->names.n; i++) {
		if (!w->cum[i])
			continue;
		(*top)[n].name = strdup(w->src->names.v[i]);
		(*top)[n].flat = w->flat[i];
		(*top)[n].cum = w->cum[i];
		if (!(*top)[n++].name) {
			cprof_flame_top_free(*top, n);
			*top = NULL;
			return false;
		}
	}
	qsort(*top, n, sizeof(**top), top_cmp);
	*ntop = n;
	return true;
}

bool flame_walk_init(struct flame_walk *w, struct cprof_flame_source *src)
{
	memset(w, 0, sizeof(*w));
	w->src = src;
	if (!cprof_flame_builder_init(&w->fb))
		return false;
	w->name_map = calloc(src->names.n + 1, sizeof(*w->name_map));
	w->flat = calloc(src->names.n + 1, sizeof(*w->flat));
	w->cum = calloc(src->names.n + 1, sizeof(*w->cum));
	w->seen = calloc(src->names.n + 1, sizeof(*w->seen));
	return w->name_map && w->flat && w->cum && w->seen;
}

struct cprof_flame *flame_walk_finish(struct flame_walk *w, bool ok, struct cprof_flame_top **top,
				      size_t *ntop)
{
	struct cprof_flame *f = NULL;

	ok = ok && cprof_flame_link(w->fb.f) && (!top || flame_walk_top(w, top, ntop));
	if (ok) {
		f = w->fb.f;
		w->fb.f = NULL;
	}
	cprof_flame_builder_fini(&w->fb);
	free(w->name_map);
	free(w->flat);
	free(w->cum);
	free(w->seen);
	memset(w, 0, sizeof(*w));
	return f;
}

struct cprof_flame *cprof_flame_from_model(struct cprof_flame_source *src,
					   enum cprof_flame_items items, uint64_t from, uint64_t to,
					   const atomic_bool *stop, struct cprof_flame_top **top,
					   size_t *ntop)
{
	const struct cprof_model *m = src->m;
	int64_t *val = calloc(m->stacks.n + 1, sizeof(*val));
	int64_t by_call[256] = {0};
	struct src_frame call_frame = {0, 0, 0, CPROF_FLAME_ANNOTATION};
	struct flame_walk w;
	struct cprof_flame *f;
	bool exact0 = items == CPROF_FLAME_CPU_SAMPLES, ok = val != NULL;

	if (top)
		*top = NULL;
	if (ntop)
		*ntop = 0;
	ok = ok && sum_items(m, items, from, to, stop, val, by_call);
	for (int k = 0; k < 256 && ok; k++)
		ok = !by_call[k] ||
		     flame_src_intern(src, cprof_call_name((uint32_t)k)) != CPROF_FLAME_NONE;
	/* every stack with a value symbolized first: the name tables are
	 * then final in size */
	for (size_t s = 0; s < m->stacks.n && ok; s++) {
		uint32_t n;
		ok = !flame_stopped(stop, s, FLAME_STOP_STACKS) &&
		     (!val[s] || stack_frames(src, (uint32_t)s, exact0, &n));
	}
	ok = flame_walk_init(&w, src) && ok;
	for (size_t s = 0; s < m->stacks.n && ok; s++) {
		ok = !flame_stopped(stop, s, FLAME_STOP_ITEMS);
		if (ok && val[s])
			ok = add_stack(&w, (uint32_t)s, exact0, val[s]);
	}
	for (int k = 0; k < 256 && ok; k++) {
		if (!by_call[k])
			continue;
		call_frame.name = flame_src_intern(src, cprof_call_name((uint32_t)k));
		ok = flame_walk_add(&w, &call_frame, 1, (uint32_t)(m->stacks.n + 1 + (size_t)k),
				    by_call[k]);
	}
	f = flame_walk_finish(&w, ok, top, ntop);
	free(val);
	return f;
}

void cprof_flame_top_free(struct cprof_flame_top *top, size_t n)
{
	for (size_t i = 0; top && i < n; i++)
		free(top[i].name);
	free(top);
}
