/*
 * The model -> profile conversions: set-up, the filters' description and
 * the dispatch to one file per profile family (profiles_<family>.c).
 */
#include "profiles_ctx.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof-tp-enums.h"

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

const char *cprof_profile_type_list(void)
{
	static char list[128];

	if (!list[0]) {
		size_t n = sizeof(type_names) / sizeof(type_names[0]), len = 0;

		for (size_t i = 0; i < n && len < sizeof(list); i++)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
						i ? ", " : "", type_names[i]);
	}
	return list;
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

static void free_ctx(struct prof_ctx *c)
{
	if (!c->nesting_borrowed) {
		free(c->reg_order);
		free(c->parent);
		free(c->thread_first);
		free(c->thread_nreg);
	}
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

bool cprof_profile_prepare(const struct cprof_model *m, const atomic_bool *stop)
{
	struct prof_ctx c = {.m = m, .stop = stop};
	bool ok = prof_build_regions(&c);

	free_ctx(&c); /* what the model now keeps is only borrowed */
	return ok && c.nesting_borrowed;
}

static bool setup_types(struct prof_ctx *c)
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

/* Per-model tables, the filters resolved, the sample types. False when
 * out of memory. */
static bool setup_ctx(struct prof_ctx *c)
{
	const struct cprof_model *m = c->m;
	const struct cprof_profile_filter *f = c->f;

	c->thread_ok = calloc(m->threads.n + 1, sizeof(*c->thread_ok));
	c->thread_name = calloc(m->threads.n + 1, sizeof(*c->thread_name));
	c->str_map = malloc((m->strings.n + 1) * sizeof(*c->str_map));
	c->stack_first = calloc(m->stacks.n + 1, sizeof(*c->stack_first));
	c->stack_n = malloc((m->stacks.n + 1) * sizeof(*c->stack_n));
	c->module_mapping = calloc(m->modules.n + 1, sizeof(*c->module_mapping));
	if (!c->thread_ok || !c->thread_name || !c->str_map || !c->stack_first || !c->stack_n ||
	    !c->module_mapping)
		return false;
	for (size_t i = 0; i < m->strings.n; i++)
		c->str_map[i] = -1;
	for (size_t i = 0; i < m->stacks.n; i++)
		c->stack_n[i] = UINT32_MAX;
	for (size_t i = 0; i < m->threads.n; i++) {
		const struct cprof_thread *t = &m->threads.v[i];
		c->thread_ok[i] = !f->thread || thread_matches(m, t, f->thread);
		if (t->name) {
			c->thread_name[i] = prof_pstr(c, t->name);
		} else {
			char tid[32];
			snprintf(tid, sizeof(tid), "%d", (int)t->tid);
			c->thread_name[i] = prof_cstr(c, tid);
		}
	}
	c->task_type = f->task ? find_model_str(m, f->task) : CPROF_NONE;
	c->region_type = f->region ? find_model_str(m, f->region) : CPROF_NONE;
	c->k_thread = prof_cstr(c, "thread");
	c->k_tid = prof_cstr(c, "tid");
	c->k_task = prof_cstr(c, "task");
	c->k_region = prof_cstr(c, "region");
	prof_map_executable_first(c);
	c->k_extra = prof_cstr(c, c->type == CPROF_PROFILE_SYSCALL     ? "call"
				  : c->type == CPROF_PROFILE_GOROUTINE ? "state"
								       : "wait");
	return !c->failed && setup_types(c);
}

/* The profile of c->type; `extra` gets what its report adds. */
static void run(struct prof_ctx *c, struct cprof_profiles_report *rep, char *extra, size_t extralen)
{
	switch (c->type) {
	case CPROF_PROFILE_SYNC:
	case CPROF_PROFILE_MUTEX:
		prof_waits(c, rep);
		if (rep->text[0])
			snprintf(extra, extralen, "%s", rep->text);
		break;
	case CPROF_PROFILE_CPU:
		prof_cpu(c, rep);
		break;
	case CPROF_PROFILE_HEAP:
		prof_heap(c, rep);
		break;
	case CPROF_PROFILE_SYSCALL:
		prof_syscalls(c, rep);
		break;
	case CPROF_PROFILE_REGION:
		prof_regions(c, rep);
		break;
	case CPROF_PROFILE_THREADS:
		prof_threads(c, rep);
		break;
	case CPROF_PROFILE_GOROUTINE:
		prof_goroutines(c, rep);
		break;
	}
}

/* What the snapshot's window did, in the report and the profile's
 * comment (`go tool pprof -comments`); false when out of memory. */
static bool window_note(struct prof_ctx *c, struct cprof_profiles_report *rep)
{
	char what[64];

	snprintf(what, sizeof(what), "the %s profile covers", cprof_profile_type_name(c->type));
	rep->window = c->snap;
	cprof_snapwin_describe(c->m, what, item_name(c->type), &c->snap, rep->window_note,
			       sizeof(rep->window_note));
	return cprof_profile_add_comment(c->p, rep->window_note) == CPROF_PROFILE_OK;
}

/* The titles the programs set ("nginx: worker process"), one comment each
 * (`go tool pprof -comments`): the tid labels of a tree of processes with
 * one executable tell them apart only by pid. */
static bool title_notes(struct prof_ctx *c)
{
	const struct cprof_model *m = c->m;

	for (size_t i = 0; i < m->processes.n; i++) {
		char note[320];

		if (!m->processes.v[i].title)
			continue;
		snprintf(note, sizeof(note), "process %d: %s", (int)m->processes.v[i].pid,
			 cprof_model_str(m, m->processes.v[i].title));
		if (cprof_profile_add_comment(c->p, note) != CPROF_PROFILE_OK)
			return false;
	}
	return true;
}

enum cprof_profiles_status
cprof_profile_build(const struct cprof_model *m, struct cprof_symbolizer *symbolizer,
		    enum cprof_profile_type type, const struct cprof_profile_filter *f,
		    struct cprof_profile **out, struct cprof_profiles_report *rep)
{
	return cprof_profile_build_until(m, symbolizer, type, f, NULL, out, rep);
}

enum cprof_profiles_status
cprof_profile_build_until(const struct cprof_model *m, struct cprof_symbolizer *symbolizer,
			  enum cprof_profile_type type, const struct cprof_profile_filter *f,
			  const atomic_bool *stop, struct cprof_profile **out,
			  struct cprof_profiles_report *rep)
{
	enum cprof_profiles_status status = CPROF_PROFILES_OK;
	struct prof_ctx c = {0};
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
	c.stop = stop;
	c.frame0_exact = type == CPROF_PROFILE_CPU;
	describe_filters(f, filters, sizeof(filters));

	c.win_from = m->begin_ns + (f->has_from ? f->from_ns : 0);
	c.win_to = f->has_to ? m->begin_ns + f->to_ns : m->end_ns;
	if (c.win_to >= c.win_from && cprof_snapwin_from(m) > c.win_from) {
		c.user_from = c.win_from;
		c.win_from = c.snap_from = cprof_snapwin_from(m);
		if (c.win_to < c.win_from) {
			snprintf(rep->text, sizeof(rep->text),
				 "before the snapshot's window (+%.3f ms): incomplete, left out "
				 "(the range ends before it)",
				 (double)(c.win_from - m->begin_ns) / 1e6);
			return CPROF_PROFILES_INVALID;
		}
	}
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
	if (!(c.p = cprof_profile_create()) || (!prof_build_regions(&c) && !c.stopped))
		goto nomem;
	if (c.stopped) {
		snprintf(rep->text, sizeof(rep->text), "stopped");
		status = CPROF_PROFILES_STOPPED;
		goto end;
	}
	if (!setup_ctx(&c))
		goto nomem;
	c.p->time_nanos = (int64_t)c.win_from;
	c.p->duration_nanos = (int64_t)(c.win_to - c.win_from);

	run(&c, rep, extra, sizeof(extra));
	if (c.snap_from && !window_note(&c, rep))
		c.failed = true;
	if (!c.failed && !title_notes(&c))
		c.failed = true;
	if (c.stopped) {
		snprintf(rep->text, sizeof(rep->text), "stopped");
		status = CPROF_PROFILES_STOPPED;
		goto end;
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
