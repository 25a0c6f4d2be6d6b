/*
 * The model -> profile conversions. One pass over the items of the
 * profile's kind; per item: the filters, the thread's annotation context at
 * that moment, the stack (symbolized once per distinct stack id) and one
 * cprof_profile_add_sample(), which merges equal (stack, labels) pairs.
 *
 * The annotation context of a thread at time t is found without scanning:
 * regions are sorted per thread by begin time and each knows its parent
 * (regions nest per thread). The last region begun at or before t either
 * holds t, and is then the innermost, or ended before t, and then every
 * region holding t encloses it, so walking its parents finds the innermost.
 */
#include "profiles.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof-tp-enums.h"

struct loc_entry {
	uint32_t process;
	bool is_return;
	uint64_t address;
	uint64_t id;
};

struct ctx {
	const struct cprof_model *m;
	struct cprof_symbolizer *sym;
	const struct cprof_profile_filter *f;
	struct cprof_profile *p;
	enum cprof_profile_type type;
	uint64_t win_from, win_to; /* absolute ns */
	bool failed;		   /* out of memory somewhere */

	/* regions: per-thread order by begin, parents */
	uint32_t *reg_order, *thread_first, *thread_nreg, *parent;

	/* filters */
	bool *thread_ok;
	cprof_str task_type, region_type; /* CPROF_NONE: not in the trace */

	/* strings: model string -> profile string (-1 unmapped) */
	int64_t *str_map;
	int64_t *thread_name; /* per thread */
	int64_t k_thread, k_tid, k_task, k_region, k_extra;

	/* stacks and locations */
	bool frame0_exact;
	uint32_t *stack_first, *stack_n; /* stack_n UINT32_MAX: not yet built */
	CPROF_VEC(uint64_t) stack_locs;
	uint64_t *module_mapping;
	CPROF_VEC(struct loc_entry) locs;
	struct cprof_hidx loc_index;
	CPROF_VEC(uint64_t) scratch;
};

static const char *const type_names[] = {
    [CPROF_PROFILE_SYNC] = "sync",	 [CPROF_PROFILE_MUTEX] = "mutex",
    [CPROF_PROFILE_CPU] = "cpu",	 [CPROF_PROFILE_HEAP] = "heap",
    [CPROF_PROFILE_SYSCALL] = "syscall", [CPROF_PROFILE_REGION] = "region",
    [CPROF_PROFILE_THREADS] = "threads", [CPROF_PROFILE_GOROUTINE] = "goroutine",
};

bool cprof_profile_type_parse(const char *name, enum cprof_profile_type *type)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (!strcmp(name, type_names[i])) {
			*type = (enum cprof_profile_type)i;
			return true;
		}
	return false;
}

const char *cprof_profile_type_name(enum cprof_profile_type type)
{
	return (size_t)type < sizeof(type_names) / sizeof(type_names[0]) ? type_names[type] : "?";
}

bool cprof_parse_duration(const char *text, uint64_t *ns)
{
	char *end;
	double v, mult = 1e9;

	if (!text || !*text || isspace((unsigned char)*text) || *text == '-')
		return false;
	v = strtod(text, &end);
	if (end == text || !isfinite(v) || v < 0)
		return false;
	if (!*end || !strcmp(end, "s"))
		mult = 1e9;
	else if (!strcmp(end, "ms"))
		mult = 1e6;
	else if (!strcmp(end, "us"))
		mult = 1e3;
	else if (!strcmp(end, "ns"))
		mult = 1;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		mult = 60e9;
	else
		return false;
	if (v * mult > 1.8e19)
		return false;
	*ns = (uint64_t)llround(v * mult);
	return true;
}

/* ---- regions and context ------------------------------------------------ */

static uint64_t region_end(const struct ctx *c, const struct cprof_region *r)
{
	return r->end_ns ? r->end_ns : c->m->end_ns;
}

static const struct cprof_model *sort_model; /* qsort has no context argument */

static int reg_cmp(const void *a, const void *b)
{
	const struct cprof_region *x = &sort_model->regions.v[*(const uint32_t *)a];
	const struct cprof_region *y = &sort_model->regions.v[*(const uint32_t *)b];
	if (x->thread != y->thread)
		return x->thread < y->thread ? -1 : 1;
	if (x->begin_ns != y->begin_ns)
		return x->begin_ns < y->begin_ns ? -1 : 1;
	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

static bool build_regions(struct ctx *c)
{
	const struct cprof_model *m = c->m;
	size_t nr = m->regions.n, nt = m->threads.n;
	uint32_t *stack = NULL;
	size_t depth = 0;

	c->reg_order = malloc((nr + 1) * sizeof(*c->reg_order));
	c->parent = malloc((nr + 1) * sizeof(*c->parent));
	c->thread_first = calloc(nt + 1, sizeof(*c->thread_first));
	c->thread_nreg = calloc(nt + 1, sizeof(*c->thread_nreg));
	stack = malloc((nr + 1) * sizeof(*stack));
	if (!c->reg_order || !c->parent || !c->thread_first || !c->thread_nreg || !stack) {
		free(stack);
		return false;
	}
	for (size_t i = 0; i < nr; i++)
		c->reg_order[i] = (uint32_t)i;
	sort_model = m;
	qsort(c->reg_order, nr, sizeof(*c->reg_order), reg_cmp);
	for (size_t k = 0; k < nr; k++) {
		uint32_t i = c->reg_order[k];
		const struct cprof_region *r = &m->regions.v[i];
		if (k == 0 || m->regions.v[c->reg_order[k - 1]].thread != r->thread) {
			depth = 0;
			if (r->thread < nt)
				c->thread_first[r->thread] = (uint32_t)k;
		}
		if (r->thread < nt)
			c->thread_nreg[r->thread]++;
		size_t p;
		while (depth && region_end(c, &m->regions.v[stack[depth - 1]]) <= r->begin_ns)
			depth--;
		/* A region ended after the region it began in (out of order,
		 * see the reader's close_open) is no child of it: its parent is
		 * the innermost region holding all of it. So no child outlives
		 * its parent, no self time is clamped, and each region type's
		 * cumulative time in the profile stays its stats total (the
		 * overlap counts in both, as both were open then). */
		for (p = depth; p && region_end(c, &m->regions.v[stack[p - 1]]) < region_end(c, r);)
			p--;
		c->parent[i] = p ? stack[p - 1] : CPROF_NONE;
		stack[depth++] = i;
	}
	free(stack);
	return true;
}

/* The innermost region active on `thread` at `t`, CPROF_NONE if none. */
static uint32_t innermost(const struct ctx *c, uint32_t thread, uint64_t t)
{
	const struct cprof_model *m = c->m;
	uint32_t lo, hi, r;

	if (thread >= m->threads.n || !c->thread_nreg[thread])
		return CPROF_NONE;
	lo = c->thread_first[thread];
	hi = lo + c->thread_nreg[thread];
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (m->regions.v[c->reg_order[mid]].begin_ns <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == c->thread_first[thread])
		return CPROF_NONE;
	r = c->reg_order[lo - 1];
	while (r != CPROF_NONE && region_end(c, &m->regions.v[r]) <= t)
		r = c->parent[r];
	return r;
}

static uint32_t task_of_chain(const struct ctx *c, uint32_t r)
{
	for (; r != CPROF_NONE; r = c->parent[r])
		if (c->m->regions.v[r].task != CPROF_NONE)
			return c->m->regions.v[r].task;
	return CPROF_NONE;
}

/* Task and region filters over the chain of regions holding the moment. */
static bool chain_matches(const struct ctx *c, uint32_t r)
{
	const struct cprof_model *m = c->m;
	bool task_ok = !c->f->task, region_ok = !c->f->region;

	for (; r != CPROF_NONE && !(task_ok && region_ok); r = c->parent[r]) {
		const struct cprof_region *reg = &m->regions.v[r];
		if (!region_ok && reg->type == c->region_type)
			region_ok = true;
		if (!task_ok && reg->task != CPROF_NONE && reg->task < m->tasks.n &&
		    m->tasks.v[reg->task].type == c->task_type)
			task_ok = true;
	}
	return task_ok && region_ok;
}

/* ---- strings and labels ------------------------------------------------- */

static int64_t pstr(struct ctx *c, cprof_str s)
{
	if (c->str_map[s] < 0) {
		c->str_map[s] = cprof_profile_string(c->p, cprof_model_str(c->m, s));
		if (c->str_map[s] < 0) {
			c->failed = true;
			return 0;
		}
	}
	return c->str_map[s];
}

static int64_t cstr(struct ctx *c, const char *s)
{
	int64_t v = cprof_profile_string(c->p, s);
	if (v < 0) {
		c->failed = true;
		return 0;
	}
	return v;
}

/* Labels of a moment on a thread; `extra` (a string index) is a label
 * named by c->k_extra when non-zero. Returns the number of labels. */
static size_t make_labels(struct ctx *c, uint32_t thread, uint32_t region, int64_t extra,
			  struct cprof_profile_label *l)
{
	const struct cprof_model *m = c->m;
	size_t n = 0;
	uint32_t task;

	if (thread < m->threads.n) {
		l[n++] =
		    (struct cprof_profile_label){.key = c->k_thread, .str = c->thread_name[thread]};
		l[n++] =
		    (struct cprof_profile_label){.key = c->k_tid, .num = m->threads.v[thread].tid};
	}
	task = task_of_chain(c, region);
	if (task != CPROF_NONE && task < m->tasks.n)
		l[n++] = (struct cprof_profile_label){.key = c->k_task,
						      .str = pstr(c, m->tasks.v[task].type)};
	if (region != CPROF_NONE)
		l[n++] = (struct cprof_profile_label){.key = c->k_region,
						      .str = pstr(c, m->regions.v[region].type)};
	if (extra)
		l[n++] = (struct cprof_profile_label){.key = c->k_extra, .str = extra};
	return n;
}

/* ---- stacks ------------------------------------------------------------- */

struct loc_key {
	const struct ctx *c;
	uint32_t process;
	bool is_return;
	uint64_t address;
};

static bool loc_eq(const void *ctx, uint32_t item)
{
	const struct loc_key *k = ctx;
	const struct loc_entry *e = &k->c->locs.v[item];
	return e->address == k->address && e->process == k->process && e->is_return == k->is_return;
}

static uint64_t mapping_for(struct ctx *c, uint32_t module)
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
	mp.file = pstr(c, mod->path);
	mp.build_id = pstr(c, mod->build_id);
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
 * begins with the process name (procname is cut at 15 bytes).
 */
static void map_executable_first(struct ctx *c)
{
	const struct cprof_model *m = c->m;
	const char *name;
	size_t len;

	if (!m->processes.n)
		return;
	name = cprof_model_str(m, m->processes.v[0].name);
	len = strlen(name);
	if (!len)
		return;
	for (size_t i = 0; i < m->modules.n; i++) {
		const struct cprof_module *mod = &m->modules.v[i];
		const char *path = cprof_model_str(m, mod->path);
		const char *base = strrchr(path, '/');

		base = base ? base + 1 : path;
		if (mod->process == 0 && !strncmp(base, name, len)) {
			mapping_for(c, (uint32_t)i);
			return;
		}
	}
}

static uint64_t location_for(struct ctx *c, uint32_t process, uint64_t address, bool is_return)
{
	struct loc_key key = {c, process, is_return, address};
	uint64_t hash = cprof_hash_mix(cprof_hash_mix(address, process), is_return);
	uint32_t found = cprof_hidx_find(&c->loc_index, hash, loc_eq, &key);
	struct cprof_symbol_loc sl;
	struct cprof_profile_line lines[16];
	struct loc_entry *e;
	size_t n;
	uint64_t id;

	if (found != UINT32_MAX)
		return c->locs.v[found].id;
	if (!cprof_symbolizer_lookup(c->sym, process, address, is_return, &sl)) {
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
	e->is_return = is_return;
	e->address = address;
	e->id = id;
	return id;
}

/* Leaf-first location ids of a model stack, built once per stack id. */
static const uint64_t *stack_locations(struct ctx *c, uint32_t stack, size_t *n)
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
			uint64_t id =
			    location_for(c, st->process, addr, !(i == 0 && c->frame0_exact));
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

static void add(struct ctx *c, const uint64_t *locs, size_t nlocs, const int64_t *values,
		const struct cprof_profile_label *labels, size_t nlabels)
{
	if (cprof_profile_add_sample(c->p, locs, nlocs, values, labels, nlabels))
		c->failed = true;
}

/* ---- filters ------------------------------------------------------------ */

static bool thread_ok(const struct ctx *c, uint32_t thread)
{
	return thread < c->m->threads.n ? c->thread_ok[thread] : !c->f->thread;
}

/* Overlap of [b, e) (e 0: still running at the end) with the window;
 * false when they do not meet. */
static bool clip(const struct ctx *c, uint64_t b, uint64_t e, uint64_t *len)
{
	if (!e || e < b)
		e = c->m->end_ns > b ? c->m->end_ns : b;
	if (b > c->win_to || e < c->win_from)
		return false;
	if (b < c->win_from)
		b = c->win_from;
	if (e > c->win_to)
		e = c->win_to;
	*len = e - b;
	return true;
}

static bool in_window(const struct ctx *c, uint64_t t)
{
	return t >= c->win_from && t <= c->win_to;
}

/* ---- the profiles ------------------------------------------------------- */

static bool is_lock(uint8_t kind)
{
	return kind == CPROF_TP_WAIT_MUTEX || kind == CPROF_TP_WAIT_RWLOCK_READ ||
	       kind == CPROF_TP_WAIT_RWLOCK_WRITE || kind == CPROF_TP_WAIT_SPIN;
}

static int rel_cmp(const void *a, const void *b)
{
	const struct cprof_release *x = &sort_model->releases.v[*(const uint32_t *)a];
	const struct cprof_release *y = &sort_model->releases.v[*(const uint32_t *)b];
	if (x->obj != y->obj)
		return x->obj < y->obj ? -1 : 1;
	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	return 0;
}

/*
 * The release that let a waiter in: on the same object, by another thread,
 * the latest at or before the wait's end (and not before it began). The
 * holder's release event may be stamped just after the waiter's wake-up,
 * so failing that the first release within a millisecond after it counts.
 */
static uint32_t find_release(const struct ctx *c, const uint32_t *order, size_t n,
			     const struct cprof_wait *w)
{
	const struct cprof_model *m = c->m;
	uint64_t end = w->end_ns ? w->end_ns : m->end_ns;
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct cprof_release *r = &m->releases.v[order[mid]];
		if (r->obj < w->obj || (r->obj == w->obj && r->ns <= end))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i-- > 0;) {
		const struct cprof_release *r = &m->releases.v[order[i]];
		if (r->obj != w->obj || r->ns < w->begin_ns)
			break;
		if (r->thread != w->thread)
			return order[i];
	}
	for (size_t i = lo; i < n; i++) {
		const struct cprof_release *r = &m->releases.v[order[i]];
		if (r->obj != w->obj || r->ns > end + 1000000)
			break;
		if (r->thread != w->thread)
			return order[i];
	}
	return CPROF_NONE;
}

/*
 * Mutex profile: the part of wait w that earlier holders caused. A waiter
 * queued behind a long critical section is usually let in by someone else:
 * a thread that barged in after the long holder released, or the one
 * served before it in a convoy. Charging the whole wait to that last
 * releaser would blame the short critical sections for the long one, so
 * each release by another thread during the wait takes the time since the
 * previous one (or the wait's start), scaled to the clipped length `len`;
 * the last releaser `last` keeps the rest and the contention count.
 * Returns what was charged.
 */
static uint64_t charge_earlier_holders(struct ctx *c, const uint32_t *order, size_t n,
				       const struct cprof_wait *w, uint32_t last, uint64_t len)
{
	const struct cprof_model *m = c->m;
	uint64_t end = w->end_ns ? w->end_ns : m->end_ns;
	uint64_t whole = end > w->begin_ns ? end - w->begin_ns : 0, prev = w->begin_ns;
	uint64_t charged = 0;
	size_t lo = 0, hi = n;

	if (!whole)
		return 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct cprof_release *r = &m->releases.v[order[mid]];
		if (r->obj < w->obj || (r->obj == w->obj && r->ns <= w->begin_ns))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t k = lo; k < n && !c->failed; k++) {
		const struct cprof_release *r = &m->releases.v[order[k]];
		struct cprof_profile_label labels[8];
		const uint64_t *locs;
		int64_t values[2];
		uint64_t share;
		size_t nl, nlocs;

		if (r->obj != w->obj || r->ns > end || order[k] == last)
			break;
		if (r->thread == w->thread)
			continue;
		share = (uint64_t)((unsigned __int128)len * (r->ns - prev) / whole);
		prev = r->ns;
		if (!share || !(locs = stack_locations(c, r->stack, &nlocs)) || !nlocs)
			continue;
		values[0] = 0;
		values[1] = (int64_t)share;
		nl = make_labels(c, r->thread, innermost(c, r->thread, r->ns),
				 cstr(c, cprof_wait_kind_name(w->kind)), labels);
		add(c, locs, nlocs, values, labels, nl);
		charged += share;
	}
	return charged;
}

static void profile_waits(struct ctx *c, struct cprof_profiles_report *rep)
{
	const struct cprof_model *m = c->m;
	bool mutex = c->type == CPROF_PROFILE_MUTEX;
	uint32_t *order = NULL;
	uint64_t unmatched = 0;
	uint64_t unknown_loc = 0;

	if (mutex) {
		order = malloc((m->releases.n + 1) * sizeof(*order));
		if (!order) {
			c->failed = true;
			return;
		}
		for (size_t i = 0; i < m->releases.n; i++)
			order[i] = (uint32_t)i;
		sort_model = m;
		qsort(order, m->releases.n, sizeof(*order), rel_cmp);
	}
	for (size_t i = 0; i < m->waits.n && !c->failed; i++) {
		const struct cprof_wait *w = &m->waits.v[i];
		struct cprof_profile_label labels[8];
		uint64_t len;
		uint32_t region, thread = w->thread, stack = w->stack;
		size_t nl, nlocs;
		const uint64_t *locs;
		int64_t values[2];

		if (mutex && !is_lock(w->kind))
			continue;
		rep->total++;
		if (!clip(c, w->begin_ns, w->end_ns, &len) || !thread_ok(c, w->thread))
			continue;
		region = innermost(c, w->thread, w->begin_ns);
		if (!chain_matches(c, region))
			continue;
		rep->matched++;
		if (mutex) {
			uint32_t rel = find_release(c, order, m->releases.n, w);
			if (rel == CPROF_NONE) {
				unmatched++;
				stack = 0;
			} else {
				len -= charge_earlier_holders(c, order, m->releases.n, w, rel, len);
				/* labels describe the holder at its release */
				thread = m->releases.v[rel].thread;
				stack = m->releases.v[rel].stack;
				region = innermost(c, thread, m->releases.v[rel].ns);
			}
		}
		values[0] = 1;
		values[1] = (int64_t)len;
		nl = make_labels(c, thread, region, cstr(c, cprof_wait_kind_name(w->kind)), labels);
		locs = stack_locations(c, stack, &nlocs);
		if (!nlocs) {
			uint64_t id = cprof_profile_synthetic_location(
			    c->p, mutex && stack == 0 ? "(holder unknown)" : "(no stack)", "");
			unknown_loc++;
			add(c, &id, 1, values, labels, nl);
		} else {
			add(c, locs, nlocs, values, labels, nl);
		}
	}
	free(order);
	if (mutex && unmatched)
		snprintf(rep->text + strlen(rep->text), sizeof(rep->text) - strlen(rep->text),
			 "; %" PRIu64 " waits with no matching release (holder unknown)",
			 unmatched);
	(void)unknown_loc;
}

static void profile_syscalls(struct ctx *c, struct cprof_profiles_report *rep)
{
	const struct cprof_model *m = c->m;

	for (size_t i = 0; i < m->syscalls.n && !c->failed; i++) {
		const struct cprof_syscall *s = &m->syscalls.v[i];
		struct cprof_profile_label labels[8];
		uint64_t len;
		uint32_t region;
		size_t nl, nlocs;
		const uint64_t *locs;
		int64_t values[2];
		const char *call = cprof_call_name(s->call);

		rep->total++;
		if (!clip(c, s->begin_ns, s->end_ns, &len) || !thread_ok(c, s->thread))
			continue;
		region = innermost(c, s->thread, s->begin_ns);
		if (!chain_matches(c, region))
			continue;
		rep->matched++;
		values[0] = 1;
		values[1] = (int64_t)len;
		nl = make_labels(c, s->thread, region, cstr(c, call), labels);
		locs = stack_locations(c, s->stack, &nlocs);
		if (!nlocs) {
			uint64_t id = cprof_profile_synthetic_location(c->p, call, "");
			add(c, &id, 1, values, labels, nl);
		} else {
			add(c, locs, nlocs, values, labels, nl);
		}
	}
}

static void profile_cpu(struct ctx *c, struct cprof_profiles_report *rep)
{
	const struct cprof_model *m = c->m;

	for (size_t i = 0; i < m->samples.n && !c->failed; i++) {
		const struct cprof_sample *s = &m->samples.v[i];
		struct cprof_profile_label labels[8];
		uint32_t region, process, rate;
		size_t nl, nlocs;
		const uint64_t *locs;
		int64_t values[2];

		rep->total++;
		if (!in_window(c, s->ns) || !thread_ok(c, s->thread))
			continue;
		region = innermost(c, s->thread, s->ns);
		if (!chain_matches(c, region))
			continue;
		rep->matched++;
		process = s->thread < m->threads.n ? m->threads.v[s->thread].process : CPROF_NONE;
		rate = process < m->processes.n ? m->processes.v[process].cpu_rate : 0;
		values[0] = 1;
		values[1] = rate ? (int64_t)(1000000000ull / rate) : 0;
		nl = make_labels(c, s->thread, region, 0, labels);
		locs = stack_locations(c, s->stack, &nlocs);
		if (!nlocs) {
			uint64_t id = cprof_profile_synthetic_location(c->p, "(no stack)", "");
			add(c, &id, 1, values, labels, nl);
		} else {
			add(c, locs, nlocs, values, labels, nl);
		}
	}
}

/*
 * Sampled allocations stand for more than themselves: an allocation of
 * `size` bytes was picked with probability 1 - exp(-size/rate), so it
 * counts 1/(1 - exp(-size/rate)) times (Go's scaleHeapSample).
 */
static double heap_scale(const struct cprof_process *proc, uint64_t size)
{
	if (!proc || proc->alloc_mode != CPROF_TP_ALLOC_SAMPLE || proc->alloc_rate <= 1 || !size)
		return 1.0;
	return 1.0 / (1.0 - exp(-(double)size / (double)proc->alloc_rate));
}

/* Adds a heap sample with zero values and the estimate `v` to its
 * accumulator in `acc` (four doubles per profile sample). */
static void add_heap(struct ctx *c, const uint64_t *locs, size_t nlocs, const double *v,
		     const struct cprof_profile_label *labels, size_t nlabels, double **acc,
		     size_t *acc_n)
{
	static const int64_t zero[4];
	size_t index;

	if (cprof_profile_add_sample_at(c->p, locs, nlocs, zero, labels, nlabels, &index)) {
		c->failed = true;
		return;
	}
	if (index >= *acc_n) {
		size_t n = *acc_n ? *acc_n * 2 : 256;
		double *grown;
		while (n <= index)
			n *= 2;
		grown = realloc(*acc, n * 4 * sizeof(**acc));
		if (!grown) {
			c->failed = true;
			return;
		}
		memset(grown + *acc_n * 4, 0, (n - *acc_n) * 4 * sizeof(**acc));
		*acc = grown;
		*acc_n = n;
	}
	for (size_t k = 0; k < 4; k++)
		(*acc)[index * 4 + k] += v[k];
}

/*
 * Estimates are summed per profile sample and rounded once: rounding each
 * sampled block's 1/(1 - exp(-size/rate)) would count a block of twice
 * the rate (1.16 blocks) as 1 and bias every count down.
 */
static void profile_heap(struct ctx *c, struct cprof_profiles_report *rep)
{
	const struct cprof_model *m = c->m;
	uint64_t at = c->f->has_at ? m->begin_ns + c->f->at_ns : c->win_to;
	double *acc = NULL;
	size_t acc_n = 0;

	for (size_t i = 0; i < m->allocs.n && !c->failed; i++) {
		const struct cprof_alloc *a = &m->allocs.v[i];
		struct cprof_profile_label labels[8];
		uint32_t region, process;
		size_t nl, nlocs;
		const uint64_t *locs;
		double values[4];
		bool allocated, inuse;
		double scale;

		rep->total++;
		allocated = in_window(c, a->ns);
		inuse = a->ns <= at && a->ns >= c->win_from && (!a->free_ns || a->free_ns > at);
		if (!(allocated || inuse) || !thread_ok(c, a->thread))
			continue;
		region = innermost(c, a->thread, a->ns);
		if (!chain_matches(c, region))
			continue;
		rep->matched++;
		process = a->thread < m->threads.n ? m->threads.v[a->thread].process : CPROF_NONE;
		scale =
		    heap_scale(process < m->processes.n ? &m->processes.v[process] : NULL, a->size);
		values[0] = allocated ? scale : 0;
		values[1] = allocated ? scale * (double)a->size : 0;
		values[2] = inuse ? scale : 0;
		values[3] = inuse ? scale * (double)a->size : 0;
		nl = make_labels(c, a->thread, region, 0, labels);
		locs = stack_locations(c, a->stack, &nlocs);
		if (!nlocs) {
			uint64_t id = cprof_profile_synthetic_location(c->p, "(no stack)", "");
			add_heap(c, &id, 1, values, labels, nl, &acc, &acc_n);
		} else {
			add_heap(c, locs, nlocs, values, labels, nl, &acc, &acc_n);
		}
	}
	for (size_t i = 0; i < c->p->samples.n && !c->failed; i++) {
		int64_t *v = &c->p->values.v[i * 4];
		for (size_t k = 0; k < 4; k++)
			v[k] = llround(acc[i * 4 + k]);
	}
	free(acc);
}

static void profile_regions(struct ctx *c, struct cprof_profiles_report *rep)
{
	const struct cprof_model *m = c->m;
	uint64_t *child = calloc(m->regions.n + 1, sizeof(*child));
	CPROF_VEC(uint64_t) locs = {0};

	if (!child) {
		c->failed = true;
		return;
	}
	/* time of each region spent in its children, within the window */
	for (size_t i = 0; i < m->regions.n; i++) {
		const struct cprof_region *r = &m->regions.v[i];
		uint64_t len;
		if (c->parent[i] != CPROF_NONE && clip(c, r->begin_ns, r->end_ns, &len))
			child[c->parent[i]] += len;
	}
	for (size_t i = 0; i < m->regions.n && !c->failed; i++) {
		const struct cprof_region *r = &m->regions.v[i];
		struct cprof_profile_label labels[8];
		uint64_t len, self;
		uint32_t task;
		size_t nl;
		int64_t values[2];

		rep->total++;
		if (!clip(c, r->begin_ns, r->end_ns, &len) || !thread_ok(c, r->thread))
			continue;
		if (!chain_matches(c, (uint32_t)i))
			continue;
		rep->matched++;
		self = len > child[i] ? len - child[i] : 0;
		locs.n = 0;
		for (uint32_t k = (uint32_t)i; k != CPROF_NONE; k = c->parent[k]) {
			uint64_t *slot = cprof_vec_push(&locs);
			if (!slot ||
			    !(*slot = cprof_profile_synthetic_location(
				  c->p, cprof_model_str(m, m->regions.v[k].type), "region"))) {
				c->failed = true;
				break;
			}
		}
		task = task_of_chain(c, (uint32_t)i);
		if (task != CPROF_NONE && task < m->tasks.n) {
			uint64_t *slot = cprof_vec_push(&locs);
			if (!slot ||
			    !(*slot = cprof_profile_synthetic_location(
				  c->p, cprof_model_str(m, m->tasks.v[task].type), "task")))
				c->failed = true;
		}
		if (c->failed)
			break;
		values[0] = 1;
		values[1] = (int64_t)self;
		nl = make_labels(c, r->thread, (uint32_t)i, 0, labels);
		add(c, locs.v, locs.n, values, labels, nl);
	}
	cprof_vec_free(&locs);
	free(child);
}

static uint32_t thread_by_tid(const struct cprof_model *m, uint32_t process, int32_t tid)
{
	for (size_t i = 0; i < m->threads.n; i++)
		if (m->threads.v[i].tid == tid && m->threads.v[i].process == process)
			return (uint32_t)i;
	return CPROF_NONE;
}

static void profile_threads(struct ctx *c, struct cprof_profiles_report *rep)
{
	const struct cprof_model *m = c->m;
	uint64_t at = c->f->has_at ? m->begin_ns + c->f->at_ns : c->win_to;
	CPROF_VEC(uint64_t) locs = {0};

	for (size_t i = 0; i < m->threads.n && !c->failed; i++) {
		const struct cprof_thread *t = &m->threads.v[i];
		struct cprof_profile_label labels[8];
		uint64_t born = t->start_ns ? t->start_ns : t->first_ns;
		uint64_t died = t->end_ns; /* 0: no exit in the trace */
		uint32_t parent = CPROF_NONE, region = CPROF_NONE;
		size_t nl, nlocs;
		const uint64_t *stack;
		int64_t values[2];

		rep->total++;
		if (born > c->win_to || (died && died < c->win_from) || !c->thread_ok[i])
			continue;
		if (t->parent_tid)
			parent = thread_by_tid(m, t->process, t->parent_tid);
		if (parent != CPROF_NONE)
			region = innermost(c, parent, born);
		if (!chain_matches(c, region))
			continue;
		rep->matched++;
		locs.n = 0;
		if (t->start_routine) {
			uint64_t *slot = cprof_vec_push(&locs);
			if (!slot ||
			    !(*slot = location_for(c, t->process, t->start_routine, false)))
				c->failed = true;
		}
		stack = stack_locations(c, t->create_stack, &nlocs);
		for (size_t k = 0; k < nlocs; k++) {
			uint64_t *slot = cprof_vec_push(&locs);
			if (!slot) {
				c->failed = true;
				break;
			}
			*slot = stack[k];
		}
		if (!locs.n) {
			uint64_t *slot = cprof_vec_push(&locs);
			if (!slot || !(*slot = cprof_profile_synthetic_location(
					   c->p, "(created outside the trace)", "")))
				c->failed = true;
		}
		if (c->failed)
			break;
		values[0] = 1;
		values[1] = born <= at && (!died || died > at);
		/* labels: the new thread's name, the creator's annotations */
		nl = make_labels(c, (uint32_t)i, region, 0, labels);
		add(c, locs.v, locs.n, values, labels, nl);
	}
	cprof_vec_free(&locs);
}

/* Go's goroutine profile: one sample per thread of the last state dump,
 * at its stack then, labelled with what it was blocked in. */
static void profile_goroutines(struct ctx *c, struct cprof_profiles_report *rep)
{
	const struct cprof_model *m = c->m;

	for (size_t i = 0; i < m->thread_states.n && !c->failed; i++) {
		const struct cprof_thread_state *ts = &m->thread_states.v[i];
		struct cprof_profile_label labels[8];
		int64_t one = 1, state;
		const uint64_t *locs;
		size_t nlocs, nl;

		if (ts->ns < m->state_begin_ns)
			continue;
		rep->total++;
		if (!thread_ok(c, ts->thread))
			continue;
		rep->matched++;
		state = cstr(c, ts->wait_kind ? cprof_wait_kind_name(ts->wait_kind)
				: ts->call    ? cprof_call_name(ts->call)
					      : "running");
		locs = stack_locations(c, ts->stack, &nlocs);
		nl = make_labels(c, ts->thread, CPROF_NONE, state, labels);
		if (!nlocs) {
			uint64_t unknown =
			    cprof_profile_synthetic_location(c->p, "(stack unknown)", "");
			add(c, &unknown, 1, &one, labels, nl);
		} else {
			add(c, locs, nlocs, &one, labels, nl);
		}
	}
}

/* ---- driver ------------------------------------------------------------- */

static cprof_str find_model_str(const struct cprof_model *m, const char *s)
{
	for (size_t i = 1; i < m->strings.n; i++)
		if (!strcmp(m->strings.v[i], s))
			return (cprof_str)i;
	return CPROF_NONE;
}

static bool thread_matches(const struct cprof_model *m, const struct cprof_thread *t,
			   const char *want)
{
	char *end;
	long tid;

	if (!strcmp(cprof_model_str(m, t->name), want))
		return true;
	tid = strtol(want, &end, 10);
	return *want && !*end && tid == t->tid;
}

static void describe_filters(const struct cprof_profile_filter *f, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
#define ADD(...)                                                                                   \
	do {                                                                                       \
		if (n < len)                                                                       \
			n += (size_t)snprintf(buf + n, len - n, __VA_ARGS__);                      \
	} while (0)
	if (f->has_from)
		ADD(" from %.9gs", (double)f->from_ns / 1e9);
	if (f->has_to)
		ADD(" to %.9gs", (double)f->to_ns / 1e9);
	if (f->task)
		ADD(" in tasks of type %s", f->task);
	if (f->region)
		ADD(" in regions of type %s", f->region);
	if (f->thread)
		ADD(" on thread %s", f->thread);
#undef ADD
}

static void free_ctx(struct ctx *c)
{
	free(c->reg_order);
	free(c->parent);
	free(c->thread_first);
	free(c->thread_nreg);
	free(c->thread_ok);
	free(c->str_map);
	free(c->thread_name);
	free(c->stack_first);
	free(c->stack_n);
	free(c->module_mapping);
	cprof_vec_free(&c->stack_locs);
	cprof_vec_free(&c->locs);
	cprof_vec_free(&c->scratch);
	cprof_hidx_free(&c->loc_index);
}

static bool setup_types(struct ctx *c)
{
	struct cprof_profile *p = c->p;
	const struct cprof_model *m = c->m;
	bool ok = true;

#define T(a, b) (ok = ok && cprof_profile_add_sample_type(p, a, b) == CPROF_PROFILE_OK)
	switch (c->type) {
	case CPROF_PROFILE_SYNC:
	case CPROF_PROFILE_MUTEX:
	case CPROF_PROFILE_SYSCALL:
		T("contentions", "count");
		T("delay", "nanoseconds");
		ok = ok && !cprof_profile_set_default_sample_type(p, "delay");
		ok = ok && !cprof_profile_set_period(p, "contentions", "count", 1);
		break;
	case CPROF_PROFILE_CPU: {
		uint32_t rate = 0;
		for (size_t i = 0; i < m->processes.n && !rate; i++)
			rate = m->processes.v[i].cpu_rate;
		T("samples", "count");
		T("cpu", "nanoseconds");
		ok = ok && !cprof_profile_set_default_sample_type(p, "cpu");
		ok = ok && !cprof_profile_set_period(p, "cpu", "nanoseconds",
						     rate ? 1000000000 / rate : 0);
		break;
	}
	case CPROF_PROFILE_HEAP: {
		uint64_t rate = 0;
		for (size_t i = 0; i < m->processes.n && !rate; i++)
			if (m->processes.v[i].alloc_mode == CPROF_TP_ALLOC_SAMPLE)
				rate = m->processes.v[i].alloc_rate;
		T("alloc_objects", "count");
		T("alloc_space", "bytes");
		T("inuse_objects", "count");
		T("inuse_space", "bytes");
		ok = ok && !cprof_profile_set_default_sample_type(p, "inuse_space");
		ok = ok && !cprof_profile_set_period(p, "space", "bytes", (int64_t)rate);
		break;
	}
	case CPROF_PROFILE_REGION:
		T("regions", "count");
		T("duration", "nanoseconds");
		ok = ok && !cprof_profile_set_default_sample_type(p, "duration");
		break;
	case CPROF_PROFILE_THREADS:
		T("threads", "count");
		T("alive", "count");
		ok = ok && !cprof_profile_set_default_sample_type(p, "threads");
		break;
	case CPROF_PROFILE_GOROUTINE:
		T("goroutine", "count");
		ok = ok && !cprof_profile_set_period(p, "goroutine", "count", 1);
		break;
	}
#undef T
	return ok;
}

static const char *item_name(enum cprof_profile_type type)
{
	switch (type) {
	case CPROF_PROFILE_SYNC:
		return "waits";
	case CPROF_PROFILE_MUTEX:
		return "lock waits";
	case CPROF_PROFILE_CPU:
		return "CPU samples";
	case CPROF_PROFILE_HEAP:
		return "allocations";
	case CPROF_PROFILE_SYSCALL:
		return "blocking calls";
	case CPROF_PROFILE_REGION:
		return "regions";
	case CPROF_PROFILE_THREADS:
		return "threads";
	case CPROF_PROFILE_GOROUTINE:
		return "thread stacks (state dumps)";
	}
	return "items";
}

enum cprof_profiles_status
cprof_profile_build(const struct cprof_model *m, struct cprof_symbolizer *symbolizer,
		    enum cprof_profile_type type, const struct cprof_profile_filter *f,
		    struct cprof_profile **out, struct cprof_profiles_report *rep)
{
	enum cprof_profiles_status status = CPROF_PROFILES_OK;
	struct ctx c = {0};
	struct cprof_symbolizer *own_sym = NULL;
	char filters[256], extra[512] = "";
	static const struct cprof_profile_filter none;

	*out = NULL;
	memset(rep, 0, sizeof(*rep));
	if (!f)
		f = &none;
	c.m = m;
	c.f = f;
	c.type = type;
	c.frame0_exact = type == CPROF_PROFILE_CPU;
	describe_filters(f, filters, sizeof(filters));

	c.win_from = m->begin_ns + (f->has_from ? f->from_ns : 0);
	c.win_to = f->has_to ? m->begin_ns + f->to_ns : m->end_ns;
	if (c.win_to < c.win_from) {
		if (f->has_to)
			snprintf(rep->text, sizeof(rep->text), "--from is after --to");
		else
			snprintf(rep->text, sizeof(rep->text),
				 "--from is after the end of the trace (it lasts %.3f s)",
				 (double)(m->end_ns - m->begin_ns) / 1e9);
		return CPROF_PROFILES_INVALID;
	}
	if (!symbolizer) {
		symbolizer = own_sym = cprof_symbolizer_create(m, NULL);
		if (!symbolizer)
			goto nomem;
	}
	c.sym = symbolizer;
	if (!(c.p = cprof_profile_create()) || !build_regions(&c))
		goto nomem;
	c.thread_ok = calloc(m->threads.n + 1, sizeof(*c.thread_ok));
	c.thread_name = calloc(m->threads.n + 1, sizeof(*c.thread_name));
	c.str_map = malloc((m->strings.n + 1) * sizeof(*c.str_map));
	c.stack_first = calloc(m->stacks.n + 1, sizeof(*c.stack_first));
	c.stack_n = malloc((m->stacks.n + 1) * sizeof(*c.stack_n));
	c.module_mapping = calloc(m->modules.n + 1, sizeof(*c.module_mapping));
	if (!c.thread_ok || !c.thread_name || !c.str_map || !c.stack_first || !c.stack_n ||
	    !c.module_mapping)
		goto nomem;
	for (size_t i = 0; i < m->strings.n; i++)
		c.str_map[i] = -1;
	for (size_t i = 0; i < m->stacks.n; i++)
		c.stack_n[i] = UINT32_MAX;
	for (size_t i = 0; i < m->threads.n; i++) {
		const struct cprof_thread *t = &m->threads.v[i];
		c.thread_ok[i] = !f->thread || thread_matches(m, t, f->thread);
		if (t->name) {
			c.thread_name[i] = pstr(&c, t->name);
		} else {
			char tid[32];
			snprintf(tid, sizeof(tid), "%d", (int)t->tid);
			c.thread_name[i] = cstr(&c, tid);
		}
	}
	c.task_type = f->task ? find_model_str(m, f->task) : CPROF_NONE;
	c.region_type = f->region ? find_model_str(m, f->region) : CPROF_NONE;
	c.k_thread = cstr(&c, "thread");
	c.k_tid = cstr(&c, "tid");
	c.k_task = cstr(&c, "task");
	c.k_region = cstr(&c, "region");
	map_executable_first(&c);
	c.k_extra = cstr(&c, type == CPROF_PROFILE_SYSCALL     ? "call"
			     : type == CPROF_PROFILE_GOROUTINE ? "state"
							       : "wait");
	if (c.failed || !setup_types(&c))
		goto nomem;
	c.p->time_nanos = (int64_t)c.win_from;
	c.p->duration_nanos = (int64_t)(c.win_to - c.win_from);

	switch (type) {
	case CPROF_PROFILE_SYNC:
	case CPROF_PROFILE_MUTEX:
		profile_waits(&c, rep);
		if (rep->text[0])
			snprintf(extra, sizeof(extra), "%s", rep->text);
		break;
	case CPROF_PROFILE_CPU:
		profile_cpu(&c, rep);
		break;
	case CPROF_PROFILE_HEAP:
		profile_heap(&c, rep);
		break;
	case CPROF_PROFILE_SYSCALL:
		profile_syscalls(&c, rep);
		break;
	case CPROF_PROFILE_REGION:
		profile_regions(&c, rep);
		break;
	case CPROF_PROFILE_THREADS:
		profile_threads(&c, rep);
		break;
	case CPROF_PROFILE_GOROUTINE:
		profile_goroutines(&c, rep);
		break;
	}
	if (c.failed)
		goto nomem;
	if (f->allow_empty && (!rep->total || !rep->matched)) {
		snprintf(rep->text, sizeof(rep->text), "0 %s%s", item_name(type), filters);
		*out = c.p;
		c.p = NULL;
		goto end;
	}
	if (!rep->total) {
		snprintf(rep->text, sizeof(rep->text), "the trace holds no %s%s", item_name(type),
			 type == CPROF_PROFILE_CPU    ? " (record with --cpu-rate=HZ)"
			 : type == CPROF_PROFILE_HEAP ? " (record with --alloc=sample or all)"
						      : "");
		status = CPROF_PROFILES_NO_DATA;
		goto end;
	}
	if (!rep->matched) {
		snprintf(rep->text, sizeof(rep->text), "none of %" PRIu64 " %s matched:%s",
			 rep->total, item_name(type), filters);
		status = CPROF_PROFILES_NO_MATCH;
		goto end;
	}
	snprintf(rep->text, sizeof(rep->text), "%" PRIu64 " of %" PRIu64 " %s%s%s", rep->matched,
		 rep->total, item_name(type), filters, extra);
	*out = c.p;
	c.p = NULL;
	goto end;
nomem:
	snprintf(rep->text, sizeof(rep->text), "out of memory");
	status = CPROF_PROFILES_NOMEM;
end:
	cprof_profile_destroy(c.p);
	free_ctx(&c);
	cprof_symbolizer_destroy(own_sym);
	return status;
}
