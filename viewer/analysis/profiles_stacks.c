/*
 * Stacks as pprof locations: each distinct (process, address, module
 * mapped there) symbolized once, each model stack turned into location ids once, each module
 * mapped once.
 */
#include "profiles_ctx.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof-tp-enums.h"

/* ---- stacks ------------------------------------------------------------- */

struct loc_key {
	const struct prof_ctx *c;
	uint32_t process;
	uint32_t module;
	bool is_return;
	uint64_t address;
};

static bool loc_eq(const void *ctx, uint32_t item)
{
	const struct loc_key *k = ctx;
	const struct loc_entry *e = &k->c->locs.v[item];
	return e->address == k->address && e->process == k->process &&
	       e->is_return == k->is_return && e->module == k->module;
}

static uint64_t mapping_for(struct prof_ctx *c, uint32_t module)
{
	const struct cprof_module *mod;
	struct cprof_profile_mapping mp = {0};

	if (module == CPROF_NONE || module >= c->m->modules.n)
		return 0;
	if (c->module_mapping[module])
		return c->module_mapping[module];
	mod = &c->m->modules.v[module];
	mp.start = mod->base;
	mp.limit = mod->base + mod->size;
	mp.file = prof_pstr(c, mod->path);
	mp.build_id = prof_pstr(c, mod->build_id);
	/* pprof must not try to symbolize again: it has no binary at hand */
	mp.has_functions = mp.has_filenames = mp.has_line_numbers = true;
	mp.has_inline_frames = true;
	c->module_mapping[module] = cprof_profile_add_mapping(c->p, &mp);
	if (!c->module_mapping[module])
		c->failed = true;
	return c->module_mapping[module];
}

/*
 * pprof names the profile after its first mapping ("File: ..."): make that
 * the recorded program's executable, not whichever library a sample met
 * first. The executable is the first process's module whose file name
 * begins with the process name (procname is cut at 15 bytes), else its
 * first module that is no shared object: Debian's redis-server is a link
 * to redis-check-rdb, and lttng-ust's statedump lists modules in no
 * particular order.
 */
void prof_map_executable_first(struct prof_ctx *c)
{
	const struct cprof_model *m = c->m;
	const char *name;
	size_t len;
	uint32_t other = CPROF_NONE;

	if (!m->processes.n)
		return;
	name = cprof_model_str(m, m->processes.v[0].name);
	len = strlen(name);
	for (size_t i = 0; i < m->modules.n; i++) {
		const struct cprof_module *mod = &m->modules.v[i];
		const char *path = cprof_model_str(m, mod->path);
		const char *base = strrchr(path, '/');

		base = base ? base + 1 : path;
		if (mod->process != 0)
			continue;
		if (len && !strncmp(base, name, len)) {
			mapping_for(c, (uint32_t)i);
			return;
		}
		if (other == CPROF_NONE && base[0] && base[0] != '[' && !strstr(base, ".so"))
			other = (uint32_t)i;
	}
	if (other != CPROF_NONE)
		mapping_for(c, other);
}

uint64_t prof_location(struct prof_ctx *c, uint32_t process, uint64_t ns, uint64_t address,
		       bool is_return)
{
	uint32_t module = cprof_symbolizer_module(c->sym, process, ns, address, is_return);
	struct loc_key key = {c, process, module, is_return, address};
	uint64_t hash =
	    cprof_hash_mix(cprof_hash_mix(cprof_hash_mix(address, process), is_return), module);
	uint32_t found = cprof_hidx_find(&c->loc_index, hash, loc_eq, &key);
	struct cprof_symbol_loc sl;
	struct cprof_profile_line lines[16];
	struct loc_entry *e;
	size_t n;
	uint64_t id;

	if (found != UINT32_MAX)
		return c->locs.v[found].id;
	if (!cprof_symbolizer_lookup_at(c->sym, process, ns, address, is_return, &sl)) {
		c->failed = true;
		return 0;
	}
	n = sl.nframes < 16 ? sl.nframes : 16;
	for (size_t i = 0; i < n; i++) {
		const struct cprof_symbol *fr = &sl.frames[i];
		lines[i].function =
		    cprof_profile_add_function(c->p, fr->function, fr->function, fr->file, 0);
		lines[i].line = fr->line;
		if (!lines[i].function) {
			c->failed = true;
			return 0;
		}
	}
	id = cprof_profile_add_location(c->p, mapping_for(c, sl.module), address, lines, n);
	e = cprof_vec_push(&c->locs);
	if (!id || !e || cprof_hidx_insert(&c->loc_index, hash, (uint32_t)(c->locs.n - 1))) {
		c->failed = true;
		return 0;
	}
	e->process = process;
	e->module = module;
	e->is_return = is_return;
	e->address = address;
	e->id = id;
	return id;
}

/* Leaf-first location ids of a model stack, built once per stack id. */
const uint64_t *prof_stack_locations(struct prof_ctx *c, uint32_t stack, size_t *n)
{
	const struct cprof_model *m = c->m;
	const struct cprof_stack *st;

	*n = 0;
	if (!stack || stack >= m->stacks.n)
		return NULL;
	if (c->stack_n[stack] == UINT32_MAX) {
		size_t first = c->stack_locs.n;
		st = &m->stacks.v[stack];
		for (uint16_t i = 0; i < st->depth; i++) {
			uint64_t addr = m->frames.v[st->first + i];
			uint64_t id = prof_location(c, st->process, st->ns, addr,
						    !(i == 0 && c->frame0_exact));
			uint64_t *slot;
			if (!id || !(slot = cprof_vec_push(&c->stack_locs))) {
				c->failed = true;
				c->stack_locs.n = first;
				return NULL;
			}
			*slot = id;
		}
		c->stack_first[stack] = (uint32_t)first;
		c->stack_n[stack] = (uint32_t)(c->stack_locs.n - first);
	}
	*n = c->stack_n[stack];
	return &c->stack_locs.v[c->stack_first[stack]];
}

void prof_add(struct prof_ctx *c, const uint64_t *locs, size_t nlocs, const int64_t *values,
	      const struct cprof_profile_label *labels, size_t nlabels)
{
	if (cprof_profile_add_sample(c->p, locs, nlocs, values, labels, nlabels))
		c->failed = true;
}
