/*
 * The trace reader: a libbabeltrace2 graph whose sink fills the model.
 *
 * Graph: one src.ctf.fs per directory holding a `metadata` file (the
 * component does not recurse), every output port into one flt.utils.muxer
 * (time order across streams), then a simple sink of ours.
 *
 * Speed matters (the bound is 1.5x babeltrace2's dummy sink): event classes
 * are resolved once into a decoder (kind + payload member indices), cached
 * by event class pointer, so the per-event work is a pointer compare, a few
 * borrow calls and hash lookups on integers; no string compare per event.
 *
 * babeltrace2 2.0.4 loops forever on a metadata file cut inside its text,
 * so every metadata file is checked (packet headers, balanced text) before
 * the graph sees it.
 */
#include "reader.h"
#include "tar.h"

#include <babeltrace2/babeltrace.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cprof-tp-enums.h"

/* ------------------------------------------------------------------------ */
/* (a, b) -> uint32 hash map, open addressing with tombstones. */

struct map_slot {
	uint64_t a, b;
	uint32_t v;
	uint32_t state; /* 0 empty, 1 full, 2 deleted */
};

struct map {
	struct map_slot *s;
	size_t cap, used; /* used counts full and deleted slots */
};

static inline uint64_t map_hash(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull);
	h ^= h >> 31;
	h *= 0xBF58476D1CE4E5B9ull;
	h ^= h >> 29;
	return h;
}

static uint32_t *map_find(const struct map *m, uint64_t a, uint64_t b)
{
	if (!m->cap)
		return NULL;
	for (size_t j = map_hash(a, b) & (m->cap - 1);; j = (j + 1) & (m->cap - 1)) {
		struct map_slot *s = &m->s[j];
		if (s->state == 0)
			return NULL;
		if (s->state == 1 && s->a == a && s->b == b)
			return &s->v;
	}
}

static int map_rehash(struct map *m, size_t ncap)
{
	struct map_slot *ns = calloc(ncap, sizeof(*ns));
	size_t used = 0;

	if (!ns)
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		struct map_slot *s = &m->s[i];
		size_t j;
		if (s->state != 1)
			continue;
		for (j = map_hash(s->a, s->b) & (ncap - 1); ns[j].state; j = (j + 1) & (ncap - 1))
			;
		ns[j] = *s;
		used++;
	}
	free(m->s);
	m->s = ns;
	m->cap = ncap;
	m->used = used;
	return 0;
}

static int map_put(struct map *m, uint64_t a, uint64_t b, uint32_t v)
{
	uint32_t *old = map_find(m, a, b);
	size_t j;

	if (old) {
		*old = v;
		return 0;
	}
	if ((m->used + 1) * 4 > m->cap * 3 && map_rehash(m, m->cap ? m->cap * 2 : 256))
		return -1;
	for (j = map_hash(a, b) & (m->cap - 1); m->s[j].state == 1; j = (j + 1) & (m->cap - 1))
		;
	if (m->s[j].state == 0)
		m->used++;
	m->s[j] = (struct map_slot){a, b, v, 1};
	return 0;
}

static void map_del(struct map *m, uint64_t a, uint64_t b)
{
	uint32_t *v = map_find(m, a, b);
	if (v) {
		struct map_slot *s = (struct map_slot *)((char *)v - offsetof(struct map_slot, v));
		s->state = 2;
	}
}

static void map_free(struct map *m)
{
	free(m->s);
	m->s = NULL;
	m->cap = m->used = 0;
}

/* ------------------------------------------------------------------------ */
/* Decoders: what we know about an event class. */

enum ev_kind {
	EV_OTHER = 0,
	EV_TASK_BEGIN,
	EV_TASK_END,
	EV_REGION_BEGIN,
	EV_REGION_END,
	EV_LOG,
	EV_WARNING,
	EV_CONFIG,
	EV_STACK,
	EV_THREAD_START,
	EV_THREAD_NAME,
	EV_THREAD_EXIT,
	EV_WAIT_BEGIN,
	EV_WAIT_END,
	EV_LOCK_RELEASE,
	EV_ALLOC,
	EV_FREE,
	EV_HEAP,
	EV_SYSCALL,
	EV_CPU_SAMPLE,
	EV_PROCESS,
	EV_COUNTER,
	EV_STATE_BEGIN,
	EV_THREAD_STATE,
	EV_STATE_ALLOC,
	EV_STATE_END,
	EV_CPROF_OTHER, /* a cprof:* event this reader does not know */
	/* modules, for the symbolizer */
	EV_BIN_INFO,
	EV_BUILD_ID,
	EV_DEBUG_LINK,
	EV_LIB_LOAD,
	EV_LIB_BUILD_ID,
	EV_LIB_DEBUG_LINK,
	EV_LIB_UNLOAD,
};

#define MAX_FIELDS 10

static const struct {
	const char *name;
	enum ev_kind kind;
	const char *fields[MAX_FIELDS];
} event_specs[] = {
    {"cprof:task_begin", EV_TASK_BEGIN, {"id", "parent", "type"}},
    {"cprof:task_end", EV_TASK_END, {"id"}},
    {"cprof:region_begin", EV_REGION_BEGIN, {"task", "type"}},
    {"cprof:region_end", EV_REGION_END, {"task", "type"}},
    {"cprof:log", EV_LOG, {"task", "category", "message", "length"}},
    {"cprof:warning", EV_WARNING, {"code", "detail"}},
    {"cprof:config",
     EV_CONFIG,
     {"alloc_mode", "alloc_rate", "cpu_rate", "io_threshold_ns", "stack_depth", "flags", "ppid"}},
    {"cprof:process", EV_PROCESS, {"ppid"}},
    {"cprof:counter", EV_COUNTER, {"name", "value"}},
    {"cprof:stack", EV_STACK, {"id", "ips"}},
    {"cprof:thread_start", EV_THREAD_START, {"parent_tid", "start_routine", "stack"}},
    {"cprof:thread_name", EV_THREAD_NAME, {"tid", "name"}},
    {"cprof:thread_exit", EV_THREAD_EXIT, {NULL}},
    {"cprof:wait_begin", EV_WAIT_BEGIN, {"obj", "kind", "stack"}},
    {"cprof:wait_end", EV_WAIT_END, {"obj", "kind", "result"}},
    {"cprof:lock_release", EV_LOCK_RELEASE, {"obj", "kind", "stack"}},
    {"cprof:alloc", EV_ALLOC, {"ptr", "size", "stack"}},
    {"cprof:free", EV_FREE, {"ptr"}},
    {"cprof:heap", EV_HEAP, {"in_use"}},
    {"cprof:syscall", EV_SYSCALL, {"call", "duration_ns", "result", "stack"}},
    {"cprof:cpu_sample", EV_CPU_SAMPLE, {"stack"}},
    {"cprof:state_begin", EV_STATE_BEGIN, {"request"}},
    {"cprof:thread_state",
     EV_THREAD_STATE,
     {"tid", "name", "stack", "create_stack", "parent_tid", "start_routine", "block", "wait_obj",
      "holder_tid", "blocked_ns"}},
    {"cprof:state_alloc", EV_STATE_ALLOC, {"tid", "ptr", "size", "stack"}},
    {"cprof:state_end", EV_STATE_END, {"request"}},
    {"lttng_ust_statedump:bin_info", EV_BIN_INFO, {"baddr", "memsz", "path", "is_pic"}},
    {"lttng_ust_statedump:build_id", EV_BUILD_ID, {"baddr", "build_id"}},
    {"lttng_ust_statedump:debug_link", EV_DEBUG_LINK, {"baddr", "filename"}},
    {"lttng_ust_lib:load", EV_LIB_LOAD, {"baddr", "memsz", "path"}},
    {"lttng_ust_lib:build_id", EV_LIB_BUILD_ID, {"baddr", "build_id"}},
    {"lttng_ust_lib:debug_link", EV_LIB_DEBUG_LINK, {"baddr", "filename"}},
    {"lttng_ust_lib:unload", EV_LIB_UNLOAD, {"baddr"}},
};

enum fkind { F_NONE = 0, F_UINT, F_SINT, F_STR, F_ARRAY, F_OTHER };

struct decoder {
	const bt_event_class *ec;
	enum ev_kind kind;
	bool is_cprof;
	int8_t f[MAX_FIELDS];	/* payload member index, -1 absent */
	uint8_t fk[MAX_FIELDS]; /* enum fkind */
	int8_t ctx_vpid, ctx_vtid, ctx_vppid, ctx_procname;
	const char *name;
};

/* ------------------------------------------------------------------------ */
/* Reader state */

struct proc_state {
	int32_t pid, ppid;
	int8_t keep;	 /* 1 kept, -1 left out, 0 not known yet */
	uint32_t model;	 /* model process index, CPROF_NONE until a cprof event */
	uint64_t events; /* kept events of this process */
	uint64_t first_ns, last_ns;
	uint32_t heap_counter, threads_counter; /* model counter index */
	int64_t threads_alive;
	int32_t state_tid; /* the preload's dumping thread, 0 none (not a thread) */
};

/* A region closed with the region it began in (see close_open). */
struct cut_region {
	uint32_t region;
	uint32_t warning; /* its warning, rewritten if its own end comes */
	cprof_str enclosing;
};

struct thread_state {
	CPROF_VEC(uint32_t) open; /* stack of open region indices */
	CPROF_VEC(struct cut_region) cut;
	uint32_t wait; /* open wait index, CPROF_NONE */
	/* Regions and logs mostly name the task the thread last touched. */
	uint64_t last_task_id;
	uint32_t last_task;
};

/* Short strings met again and again (types, categories): a direct-mapped
 * cache in front of the model's string table. */
#define STR_CACHE 64
#define STR_CACHE_LEN 40
struct str_cache {
	uint32_t len;
	cprof_str id;
	char s[STR_CACHE_LEN];
};

#define THREAD_CACHE 64
struct thread_cache {
	uint64_t key;
	uint32_t thread;
};

struct reader {
	struct cprof_model *model;
	const struct cprof_read_options *opts;
	const char *path;

	CPROF_VEC(struct decoder) decoders;
	struct map decoder_index; /* event class pointer -> decoder */
	const bt_event_class *last_ec;
	uint32_t last_decoder;

	CPROF_VEC(struct proc_state) procs;
	struct map proc_index; /* pid -> procs index */
	int32_t last_pid;
	uint32_t last_proc;

	CPROF_VEC(struct thread_state) tstates; /* parallel to model threads */
	struct map thread_index;		/* (model process, tid) -> thread */
	uint64_t last_thread_key;
	uint32_t last_thread;
	struct thread_cache thread_cache[THREAD_CACHE];
	struct str_cache str_cache[STR_CACHE];

	struct map tasks;    /* (model process, task id) -> task */
	struct map stacks;   /* (model process, stack id) -> stack */
	struct map allocs;   /* (model process, ptr) -> open alloc */
	struct map counters; /* (model process, name) -> user counter */

	int32_t root_pid; /* 0: keep every process */
	bool missing_context_warned;
	bool out_of_memory;
	bool canceled;

	uint64_t range_begin, range_end; /* for progress, 0 unknown */
	uint64_t messages;

	/* dump formatting */
	char *fmt;
	size_t fmt_len, fmt_cap;
};

static void set_err(char *err, size_t errlen, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void set_err(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || !errlen)
		return;
	n = snprintf(err, errlen, "%s: ", path);
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
	/* one line */
	for (char *p = err; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

/* Returns the warning's index, CPROF_NONE when out of memory. */
static uint32_t model_warn(struct reader *r, uint64_t ns, uint32_t thread, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static uint32_t model_warn(struct reader *r, uint64_t ns, uint32_t thread, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;
	struct cprof_warning *w;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return CPROF_NONE;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	w = cprof_vec_push(&r->model->warnings);
	if (!w) {
		r->out_of_memory = true;
		return CPROF_NONE;
	}
	w->ns = ns;
	w->thread = thread;
	w->text = cprof_model_intern(r->model, buf, (size_t)n);
	return (uint32_t)(r->model->warnings.n - 1);
}

/* ------------------------------------------------------------------------ */
/* Field access */

static inline const bt_field *member(const bt_field *s, int idx)
{
	return bt_field_structure_borrow_member_field_by_index_const(s, (uint64_t)idx);
}

static inline uint64_t get_uint(const struct decoder *d, const bt_field *payload, int i)
{
	if (d->f[i] < 0)
		return 0;
	switch (d->fk[i]) {
	case F_UINT:
		return bt_field_integer_unsigned_get_value(member(payload, d->f[i]));
	case F_SINT:
		return (uint64_t)bt_field_integer_signed_get_value(member(payload, d->f[i]));
	default:
		return 0;
	}
}

static inline int64_t ctx_int(const bt_field *ctx, int idx)
{
	const bt_field *f;
	bt_field_class_type t;

	if (!ctx || idx < 0)
		return 0;
	f = member(ctx, idx);
	t = bt_field_get_class_type(f);
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER))
		return bt_field_integer_signed_get_value(f);
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER))
		return (int64_t)bt_field_integer_unsigned_get_value(f);
	return 0;
}

/* A string member (text sequences decode as strings). Returns "" when
 * absent; *len gets its length. Arrays of bytes are hex-encoded into buf
 * (build ids). */
static const char *get_str(const struct decoder *d, const bt_field *payload, int i, size_t *len,
			   char *buf, size_t buflen)
{
	const bt_field *f;

	*len = 0;
	if (d->f[i] < 0)
		return "";
	f = member(payload, d->f[i]);
	if (d->fk[i] == F_STR) {
		*len = bt_field_string_get_length(f);
		return bt_field_string_get_value(f);
	}
	if (d->fk[i] == F_ARRAY && buf) {
		uint64_t n = bt_field_array_get_length(f);
		size_t o = 0;
		for (uint64_t k = 0; k < n && o + 3 <= buflen; k++) {
			const bt_field *e =
			    bt_field_array_borrow_element_field_by_index_const(f, k);
			uint64_t v = 0;
			if (bt_field_class_type_is(bt_field_get_class_type(e),
						   BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER))
				v = bt_field_integer_unsigned_get_value(e);
			snprintf(buf + o, 3, "%02x", (unsigned)(v & 0xff));
			o += 2;
		}
		if (buflen)
			buf[o < buflen ? o : buflen - 1] = '\0';
		*len = o;
		return buf;
	}
	return "";
}

static int member_index(const bt_field_class *sfc, const char *name, uint8_t *kind)
{
	uint64_t n;

	if (!sfc || bt_field_class_get_type(sfc) != BT_FIELD_CLASS_TYPE_STRUCTURE)
		return -1;
	n = bt_field_class_structure_get_member_count(sfc);
	for (uint64_t i = 0; i < n && i < 127; i++) {
		const bt_field_class_structure_member *m =
		    bt_field_class_structure_borrow_member_by_index_const(sfc, i);
		if (strcmp(bt_field_class_structure_member_get_name(m), name) == 0) {
			if (kind) {
				bt_field_class_type t = bt_field_class_get_type(
				    bt_field_class_structure_member_borrow_field_class_const(m));
				if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER))
					*kind = F_UINT;
				else if (bt_field_class_type_is(t,
								BT_FIELD_CLASS_TYPE_SIGNED_INTEGER))
					*kind = F_SINT;
				else if (t == BT_FIELD_CLASS_TYPE_STRING)
					*kind = F_STR;
				else if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_ARRAY))
					*kind = F_ARRAY;
				else
					*kind = F_OTHER;
			}
			return (int)i;
		}
	}
	return -1;
}

static struct decoder *decoder_build(struct reader *r, const bt_event_class *ec)
{
	struct decoder *d = cprof_vec_push(&r->decoders);
	const char *name = bt_event_class_get_name(ec);
	const bt_field_class *payload = bt_event_class_borrow_payload_field_class_const(ec);
	const bt_field_class *ctx = bt_stream_class_borrow_event_common_context_field_class_const(
	    bt_event_class_borrow_stream_class_const(ec));

	if (!d)
		return NULL;
	if (map_put(&r->decoder_index, (uintptr_t)ec, 0, (uint32_t)(r->decoders.n - 1))) {
		r->decoders.n--;
		return NULL;
	}
	d->ec = ec;
	d->name = name ? name : "(unnamed)";
	d->kind = EV_OTHER;
	d->is_cprof = name && strncmp(name, "cprof:", 6) == 0;
	if (d->is_cprof)
		d->kind = EV_CPROF_OTHER;
	for (int i = 0; i < MAX_FIELDS; i++)
		d->f[i] = -1;
	for (size_t k = 0; name && k < sizeof(event_specs) / sizeof(event_specs[0]); k++) {
		if (strcmp(name, event_specs[k].name) != 0)
			continue;
		d->kind = event_specs[k].kind;
		for (int i = 0; i < MAX_FIELDS && event_specs[k].fields[i]; i++)
			d->f[i] =
			    (int8_t)member_index(payload, event_specs[k].fields[i], &d->fk[i]);
		break;
	}
	d->ctx_vpid = (int8_t)member_index(ctx, "vpid", NULL);
	d->ctx_vtid = (int8_t)member_index(ctx, "vtid", NULL);
	d->ctx_vppid = (int8_t)member_index(ctx, "vppid", NULL);
	d->ctx_procname = (int8_t)member_index(ctx, "procname", NULL);
	return d;
}

static inline struct decoder *decoder_get(struct reader *r, const bt_event_class *ec)
{
	uint32_t *idx;

	if (ec == r->last_ec)
		return &r->decoders.v[r->last_decoder];
	idx = map_find(&r->decoder_index, (uintptr_t)ec, 0);
	if (!idx) {
		if (!decoder_build(r, ec))
			return NULL;
		idx = map_find(&r->decoder_index, (uintptr_t)ec, 0);
	}
	r->last_ec = ec;
	r->last_decoder = *idx;
	return &r->decoders.v[*idx];
}

/* ------------------------------------------------------------------------ */
/* Processes and threads */

static const char *ctx_procname(const struct decoder *d, const bt_field *ctx, size_t *len)
{
	const bt_field *f;

	*len = 0;
	if (!ctx || d->ctx_procname < 0)
		return "";
	f = member(ctx, d->ctx_procname);
	if (bt_field_get_class_type(f) != BT_FIELD_CLASS_TYPE_STRING)
		return "";
	*len = bt_field_string_get_length(f);
	return bt_field_string_get_value(f);
}

static struct proc_state *proc_get(struct reader *r, int32_t pid, int32_t ppid)
{
	uint32_t *idx;
	struct proc_state *p;

	if (pid == r->last_pid && r->procs.n)
		return &r->procs.v[r->last_proc];
	idx = map_find(&r->proc_index, (uint32_t)pid, 0);
	if (!idx) {
		p = cprof_vec_push(&r->procs);
		if (!p || map_put(&r->proc_index, (uint32_t)pid, 0, (uint32_t)(r->procs.n - 1))) {
			r->out_of_memory = true;
			return NULL;
		}
		p->pid = pid;
		p->ppid = ppid;
		p->model = CPROF_NONE;
		p->heap_counter = p->threads_counter = CPROF_NONE;
		p->keep = 1;
		if (r->root_pid > 0 && pid != r->root_pid)
			p->keep = 0; /* decided at its first cprof event */
		idx = map_find(&r->proc_index, (uint32_t)pid, 0);
	}
	r->last_pid = pid;
	r->last_proc = *idx;
	return &r->procs.v[*idx];
}

/*
 * Keep the tree rooted at the recorded pid: a process is kept when it is
 * the root or its parent was kept (parents emit before their children
 * exist). The parent comes from the vppid context, which lttng-ust 2.13
 * lacks, or else from the `ppid` field of cprof:config (preload) or
 * cprof:process (libcprof-trace, also under record --no-auto); a process whose
 * parent is unknown is left out, since per-UID buffers also collect
 * unrelated processes.
 */
static void proc_decide(struct reader *r, struct proc_state *p, const struct decoder *d,
			const bt_field *payload)
{
	uint32_t *pi;

	if (d->kind == EV_CONFIG && d->f[6] >= 0)
		p->ppid = (int32_t)get_uint(d, payload, 6);
	else if (d->kind == EV_PROCESS && d->f[0] >= 0)
		p->ppid = (int32_t)get_uint(d, payload, 0);
	pi = p->ppid > 0 ? map_find(&r->proc_index, (uint32_t)p->ppid, 0) : NULL;
	p->keep = pi && r->procs.v[*pi].keep > 0 ? 1 : -1;
}

static uint32_t proc_materialize(struct reader *r, struct proc_state *p, const struct decoder *d,
				 const bt_field *ctx)
{
	struct cprof_process *mp;
	size_t len;
	const char *name;

	if (p->model != CPROF_NONE)
		return p->model;
	mp = cprof_vec_push(&r->model->processes);
	if (!mp) {
		r->out_of_memory = true;
		return CPROF_NONE;
	}
	mp->pid = p->pid;
	mp->ppid = p->ppid;
	name = ctx_procname(d, ctx, &len);
	mp->name = cprof_model_intern(r->model, name, len);
	p->model = (uint32_t)(r->model->processes.n - 1);
	return p->model;
}

static uint32_t thread_find_or_add(struct reader *r, uint32_t proc, int32_t tid, uint64_t ns,
				   const char *name, size_t namelen)
{
	uint64_t key = ((uint64_t)proc << 32) | (uint32_t)tid;
	uint32_t *idx;
	struct cprof_thread *t;
	struct thread_state *ts;

	if (key == r->last_thread_key && r->last_thread != CPROF_NONE)
		return r->last_thread;
	idx = map_find(&r->thread_index, proc, (uint32_t)tid);
	if (idx) {
		r->last_thread_key = key;
		r->last_thread = *idx;
		return *idx;
	}
	t = cprof_vec_push(&r->model->threads);
	ts = t ? cprof_vec_push(&r->tstates) : NULL;
	if (!t || !ts ||
	    map_put(&r->thread_index, proc, (uint32_t)tid, (uint32_t)(r->model->threads.n - 1))) {
		r->out_of_memory = true;
		return CPROF_NONE;
	}
	t->tid = tid;
	t->process = proc;
	t->name = cprof_model_intern(r->model, name, namelen);
	t->first_ns = t->last_ns = ns;
	ts->wait = CPROF_NONE;
	ts->last_task = CPROF_NONE;
	r->last_thread_key = key;
	r->last_thread = (uint32_t)(r->model->threads.n - 1);
	return r->last_thread;
}

/* The thread of an event; a new thread is named after the procname
 * context of its first event (LTTng-UST's procname is the thread's comm). */
static inline uint32_t thread_get(struct reader *r, uint32_t proc, int32_t tid, uint64_t ns,
				  const struct decoder *d, const bt_field *ctx)
{
	uint64_t key = ((uint64_t)proc << 32) | (uint32_t)tid;
	const char *name;
	size_t len;

	struct thread_cache *c = &r->thread_cache[(uint32_t)tid % THREAD_CACHE];
	uint32_t t;

	if (c->key == key + 1)
		return c->thread;
	if (!map_find(&r->thread_index, proc, (uint32_t)tid)) {
		name = ctx_procname(d, ctx, &len);
		t = thread_find_or_add(r, proc, tid, ns, name, len);
	} else {
		t = thread_find_or_add(r, proc, tid, ns, "", 0);
	}
	if (t != CPROF_NONE) {
		c->key = key + 1; /* 0: empty slot */
		c->thread = t;
	}
	return t;
}

/* ------------------------------------------------------------------------ */
/* Event handlers */

static uint32_t stack_ref(struct reader *r, uint32_t proc, uint64_t id)
{
	uint32_t *idx;

	if (!id)
		return 0;
	idx = map_find(&r->stacks, proc, id);
	return idx ? *idx : 0;
}

static inline cprof_str intern_cached(struct reader *r, const char *s, size_t len)
{
	struct str_cache *c;

	if (!len)
		return 0;
	if (len > STR_CACHE_LEN)
		return cprof_model_intern(r->model, s, len);
	c = &r->str_cache[(len * 31 + (unsigned char)s[0] * 7 + (unsigned char)s[len - 1]) %
			  STR_CACHE];
	if (c->len == len && c->id && memcmp(c->s, s, len) == 0)
		return c->id;
	c->id = cprof_model_intern(r->model, s, len);
	c->len = (uint32_t)len;
	memcpy(c->s, s, len);
	return c->id;
}

/* The task a region or log of `thread` names, through the thread's cache. */
static inline uint32_t thread_task_ref(struct reader *r, uint32_t proc, uint32_t thread,
				       uint64_t id)
{
	struct thread_state *ts = &r->tstates.v[thread];
	uint32_t *idx;

	if (!id)
		return CPROF_NONE;
	if (ts->last_task != CPROF_NONE && ts->last_task_id == id)
		return ts->last_task;
	idx = map_find(&r->tasks, proc, id);
	if (!idx)
		return CPROF_NONE;
	ts->last_task_id = id;
	ts->last_task = *idx;
	return *idx;
}

static uint32_t task_ref(struct reader *r, uint32_t proc, uint64_t id)
{
	uint32_t *idx;

	if (!id)
		return CPROF_NONE;
	idx = map_find(&r->tasks, proc, id);
	return idx ? *idx : CPROF_NONE;
}

static struct cprof_counter *counter_get(struct reader *r, uint32_t *slot, uint32_t proc,
					 const char *name)
{
	struct cprof_counter *c;

	if (*slot != CPROF_NONE)
		return &r->model->counters.v[*slot];
	c = cprof_vec_push(&r->model->counters);
	if (!c) {
		r->out_of_memory = true;
		return NULL;
	}
	c->name = cprof_model_intern(r->model, name, strlen(name));
	c->process = proc;
	*slot = (uint32_t)(r->model->counters.n - 1);
	return c;
}

static void counter_add(struct reader *r, struct cprof_counter *c, uint64_t ns, int64_t value)
{
	struct cprof_counter_point *pt = cprof_vec_push(&c->points);
	if (!pt) {
		r->out_of_memory = true;
		return;
	}
	pt->ns = ns;
	pt->value = value;
}

/* cprof:counter: one track per (process, name), created at its first value. */
static void on_counter(struct reader *r, const struct decoder *d, const bt_field *payload,
		       uint32_t proc, uint64_t ns)
{
	size_t len;
	const char *s = get_str(d, payload, 0, &len, NULL, 0);
	cprof_str name = intern_cached(r, s, len);
	uint32_t *idx = map_find(&r->counters, proc, name);
	uint32_t slot = idx ? *idx : CPROF_NONE;
	struct cprof_counter *c = counter_get(r, &slot, proc, "");

	if (!c || (!idx && map_put(&r->counters, proc, name, slot))) {
		r->out_of_memory = true;
		return;
	}
	c->name = name;
	c->user = true;
	counter_add(r, c, ns, (int64_t)get_uint(d, payload, 1));
}

static const char *thread_label(struct reader *r, uint32_t thread, char *buf, size_t len)
{
	const struct cprof_thread *t = &r->model->threads.v[thread];
	snprintf(buf, len, "%d (%s)", t->tid, cprof_model_str(r->model, t->name));
	return buf;
}

static void region_close(struct reader *r, uint32_t region, uint64_t ns)
{
	r->model->regions.v[region].end_ns = ns ? ns : 1;
}

/*
 * Ends region open[k] of thread `owner` at `ns`. Regions nest per thread
 * (Go's rule), so the regions begun inside it and still open are misuse of
 * one of two kinds, which only a later event tells apart: their end was
 * forgotten (an early return), or they end later, out of order (begin A,
 * begin B, end A, end B). They are closed here with their enclosing region,
 * the best guess for a forgotten end, and remembered: if their own end comes
 * later on their thread, it moves their end there (on_region_end), so that
 * every duration in stats and profiles is the one the program measured and
 * none is cut short. Either way each gets one warning, rewritten to say
 * which kind it was.
 */
static void close_open(struct reader *r, uint32_t owner, size_t k, uint64_t ns)
{
	struct thread_state *ts = &r->tstates.v[owner];
	const struct cprof_region *regions = r->model->regions.v;
	cprof_str type = regions[ts->open.v[k]].type;
	char a[96];

	for (size_t j = k + 1; j < ts->open.n; j++) {
		uint32_t inner = ts->open.v[j];
		struct cut_region *cut = cprof_vec_push(&ts->cut);
		uint32_t w = model_warn(
		    r, ns, owner,
		    "region '%s' on thread %s was not ended before its enclosing region '%s'",
		    cprof_model_str(r->model, regions[inner].type),
		    thread_label(r, owner, a, sizeof(a)), cprof_model_str(r->model, type));
		region_close(r, inner, ns);
		if (!cut) {
			r->out_of_memory = true;
			continue;
		}
		cut->region = inner;
		cut->warning = w;
		cut->enclosing = type;
	}
	region_close(r, ts->open.v[k], ns);
	ts->open.n = k;
}

/* The region of `type` (and task) closed early by close_open on `thread`
 * whose own end comes now: it ends here, out of order. */
static bool end_cut(struct reader *r, uint32_t proc, uint32_t thread, uint64_t ns, cprof_str type,
		    uint64_t task_id)
{
	struct thread_state *ts = &r->tstates.v[thread];
	uint32_t task = task_ref(r, proc, task_id);
	char a[96];

	for (size_t k = ts->cut.n; k-- > 0;) {
		struct cut_region cut = ts->cut.v[k];
		struct cprof_region *reg = &r->model->regions.v[cut.region];
		if (reg->type != type || reg->task != task)
			continue;
		reg->end_ns = ns;
		memmove(&ts->cut.v[k], &ts->cut.v[k + 1], (ts->cut.n - k - 1) * sizeof(*ts->cut.v));
		ts->cut.n--;
		if (cut.warning != CPROF_NONE) {
			char buf[512];
			int n = snprintf(
			    buf, sizeof(buf),
			    "region '%s' on thread %s ended after its enclosing region "
			    "'%s' (regions must nest)",
			    cprof_model_str(r->model, type), thread_label(r, thread, a, sizeof(a)),
			    cprof_model_str(r->model, cut.enclosing));
			if (n > 0)
				r->model->warnings.v[cut.warning].text = cprof_model_intern(
				    r->model, buf,
				    (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
		}
		return true;
	}
	return false;
}

static void on_region_end(struct reader *r, uint32_t proc, uint32_t thread, uint64_t ns,
			  cprof_str type, uint64_t task_id)
{
	struct thread_state *ts = &r->tstates.v[thread];
	struct cprof_region *regions = r->model->regions.v;
	char a[96], b[96];

	for (size_t k = ts->open.n; k-- > 0;) {
		if (regions[ts->open.v[k]].type != type)
			continue;
		close_open(r, thread, k, ns);
		return;
	}
	if (ts->cut.n && end_cut(r, proc, thread, ns, type, task_id))
		return;
	/* Not open on this thread: did another thread of the process begin it?
	 * It ends there as if ended on its own thread, with the regions begun
	 * inside it, so that no region outlives the one it began in unless
	 * its own end says so. */
	for (size_t t = 0; t < r->tstates.n; t++) {
		struct thread_state *os = &r->tstates.v[t];
		if (t == thread || r->model->threads.v[t].process != proc)
			continue;
		for (size_t k = os->open.n; k-- > 0;) {
			struct cprof_region *reg = &regions[os->open.v[k]];
			uint32_t task = task_ref(r, proc, task_id);
			if (reg->type != type || reg->task != task)
				continue;
			model_warn(r, ns, thread,
				   "region '%s' began on thread %s and ended on thread %s",
				   cprof_model_str(r->model, type),
				   thread_label(r, (uint32_t)t, a, sizeof(a)),
				   thread_label(r, thread, b, sizeof(b)));
			close_open(r, (uint32_t)t, k, ns);
			return;
		}
	}
	model_warn(r, ns, thread, "region '%s' ended on thread %s with no open region of that type",
		   cprof_model_str(r->model, type), thread_label(r, thread, a, sizeof(a)));
}

static const char *warning_text(uint32_t code)
{
	switch (code) {
	case CPROF_TP_WARN_REGION_ENDED_TWICE:
		return "region ended twice";
	case CPROF_TP_WARN_REGION_NOT_BEGUN:
		return "region ended but never begun";
	case CPROF_TP_WARN_NULL_TYPE:
		return "NULL task or region type";
	case CPROF_TP_WARN_NULL_CATEGORY:
		return "NULL log category";
	case CPROF_TP_WARN_NULL_MESSAGE:
		return "NULL log message";
	case CPROF_TP_WARN_LOG_TRUNCATED:
		return "log message truncated";
	case CPROF_TP_WARN_SIGPROF_IN_USE:
		return "the program uses SIGPROF: CPU sampling skipped";
	default:
		return "unknown warning";
	}
}

static struct cprof_module *module_find(struct reader *r, uint32_t pstate, uint64_t baddr)
{
	for (size_t i = r->model->modules.n; i-- > 0;) {
		struct cprof_module *m = &r->model->modules.v[i];
		if (m->process == pstate && m->base == baddr)
			return m;
	}
	return NULL;
}

/* Module events: the module's `process` holds the proc_state index until
 * the end, when modules of processes that emitted no cprof event go. */
static void on_module_event(struct reader *r, const struct decoder *d, const bt_field *payload,
			    uint32_t pstate, uint64_t ns)
{
	char buf[256];
	size_t len;
	const char *s;
	struct cprof_module *m;

	switch (d->kind) {
	case EV_BIN_INFO:
	case EV_LIB_LOAD:
		m = cprof_vec_push(&r->model->modules);
		if (!m) {
			r->out_of_memory = true;
			return;
		}
		m->process = pstate;
		m->base = get_uint(d, payload, 0);
		m->size = get_uint(d, payload, 1);
		s = get_str(d, payload, 2, &len, NULL, 0);
		m->path = cprof_model_intern(r->model, s, len);
		m->is_pic = d->kind == EV_LIB_LOAD ? true : get_uint(d, payload, 3) != 0;
		m->load_ns = ns;
		break;
	case EV_BUILD_ID:
	case EV_LIB_BUILD_ID:
		m = module_find(r, pstate, get_uint(d, payload, 0));
		if (m) {
			s = get_str(d, payload, 1, &len, buf, sizeof(buf));
			m->build_id = cprof_model_intern(r->model, s, len);
		}
		break;
	case EV_DEBUG_LINK:
	case EV_LIB_DEBUG_LINK:
		m = module_find(r, pstate, get_uint(d, payload, 0));
		if (m) {
			s = get_str(d, payload, 1, &len, NULL, 0);
			m->debug_link = cprof_model_intern(r->model, s, len);
		}
		break;
	case EV_LIB_UNLOAD:
		m = module_find(r, pstate, get_uint(d, payload, 0));
		if (m && !m->unload_ns)
			m->unload_ns = ns;
		break;
	default:
		break;
	}
}

static void wait_end_lost(struct reader *r, uint32_t thread, uint64_t ns)
{
	struct thread_state *ts = &r->tstates.v[thread];
	struct cprof_wait *w = &r->model->waits.v[ts->wait];
	char a[96];

	w->end_ns = ns > w->begin_ns ? ns : w->begin_ns + 1;
	ts->wait = CPROF_NONE;
	model_warn(r, ns, thread,
		   "%s wait on 0x%" PRIx64 " by thread %s: its end was not recorded (events "
		   "lost?); taken to end at the thread's next event",
		   cprof_wait_kind_name(w->kind), w->obj, thread_label(r, thread, a, sizeof(a)));
}

static void define_stack(struct reader *r, const struct decoder *d, const bt_field *payload,
			 uint32_t proc)
{
	struct cprof_model *m = r->model;
	uint64_t id = get_uint(d, payload, 0);
	struct cprof_stack *st;
	const bt_field *ips;
	uint64_t n;

	/* An id means one stack: a flight recorder's preload writes the
	 * definition again at every use, a served process at every dump. */
	if (d->f[1] < 0 || d->fk[1] != F_ARRAY || map_find(&r->stacks, proc, id))
		return;
	ips = member(payload, d->f[1]);
	n = bt_field_array_get_length(ips);
	if (n > UINT16_MAX)
		n = UINT16_MAX;
	st = cprof_vec_push(&m->stacks);
	if (!st || map_put(&r->stacks, proc, id, (uint32_t)(m->stacks.n - 1))) {
		r->out_of_memory = true;
		return;
	}
	st->process = proc;
	st->first = (uint32_t)m->frames.n;
	st->depth = (uint16_t)n;
	for (uint64_t k = 0; k < n; k++) {
		uint64_t *fr = cprof_vec_push(&m->frames);
		if (!fr) {
			r->out_of_memory = true;
			return;
		}
		*fr = bt_field_integer_unsigned_get_value(
		    bt_field_array_borrow_element_field_by_index_const(ips, k));
	}
}

static void apply_config(struct reader *r, const struct decoder *d, const bt_field *payload,
			 uint32_t proc)
{
	struct cprof_process *mp = &r->model->processes.v[proc];

	mp->alloc_mode = (uint32_t)get_uint(d, payload, 0);
	mp->alloc_rate = get_uint(d, payload, 1);
	mp->cpu_rate = (uint32_t)get_uint(d, payload, 2);
	mp->io_threshold_ns = get_uint(d, payload, 3);
	mp->has_config = true;
}

/*
 * A thread as a state dump found it: named, with its creation (when the
 * trace does not have it), its stack now, and a wait in progress opened as
 * if it began at the dump (its wait_end, from the thread, closes it).
 */
static void on_thread_state(struct reader *r, const struct decoder *d, const bt_field *payload,
			    uint32_t proc, uint64_t ns)
{
	struct cprof_model *m = r->model;
	int32_t tid = (int32_t)get_uint(d, payload, 0);
	uint32_t block = (uint32_t)get_uint(d, payload, 6);
	struct cprof_thread_state *ts;
	struct cprof_thread *t;
	uint32_t thread;
	const char *s;
	size_t len;

	s = get_str(d, payload, 1, &len, NULL, 0);
	thread = thread_find_or_add(r, proc, tid, ns, s, len);
	ts = thread == CPROF_NONE ? NULL : cprof_vec_push(&m->thread_states);
	if (!ts) {
		r->out_of_memory = true;
		return;
	}
	t = &m->threads.v[thread];
	if (len)
		t->name = cprof_model_intern(m, s, len);
	if (!t->create_stack && !t->start_ns) {
		t->create_stack = stack_ref(r, proc, get_uint(d, payload, 3));
		t->parent_tid = (int32_t)get_uint(d, payload, 4);
		t->start_routine = get_uint(d, payload, 5);
	}
	ts->thread = thread;
	ts->stack = stack_ref(r, proc, get_uint(d, payload, 2));
	ts->ns = ns;
	ts->wait_kind = (uint8_t)(block & 0xff);
	ts->call = (uint8_t)(block >> 8);
	ts->wait_obj = get_uint(d, payload, 7);
	ts->holder_tid = (int32_t)get_uint(d, payload, 8);
	ts->since_ns = ts->wait_kind || ts->call ? ns - get_uint(d, payload, 9) : 0;
	if (ts->wait_kind && r->tstates.v[thread].wait == CPROF_NONE) {
		struct cprof_wait *w = cprof_vec_push(&m->waits);
		if (!w) {
			r->out_of_memory = true;
			return;
		}
		w->thread = thread;
		w->obj = ts->wait_obj;
		w->kind = ts->wait_kind;
		w->stack = ts->stack;
		w->begin_ns = ns;
		r->tstates.v[thread].wait = (uint32_t)(m->waits.n - 1);
	}
}

/*
 * Events of the preload's dumping thread (see cprof:state_begin): the
 * process's state at a session's start, about other threads. The dumping
 * thread is not one of the program's and gets no thread of its own.
 */
static void on_state_event(struct reader *r, const struct decoder *d, const bt_field *payload,
			   uint32_t proc, uint64_t ns)
{
	struct cprof_model *m = r->model;

	switch (d->kind) {
	case EV_STATE_BEGIN:
		m->state_begin_ns = ns;
		break;
	case EV_STATE_END:
		m->state_end_ns = ns;
		break;
	case EV_STACK:
		define_stack(r, d, payload, proc);
		break;
	case EV_CONFIG:
		apply_config(r, d, payload, proc);
		break;
	case EV_THREAD_STATE:
		on_thread_state(r, d, payload, proc, ns);
		break;
	case EV_STATE_ALLOC: {
		/* the allocating thread when it is known, else the process's
		 * first thread: a block outlives the thread that made it */
		int32_t tid = (int32_t)get_uint(d, payload, 0);
		uint32_t *ti = map_find(&r->thread_index, proc, (uint32_t)tid);
		struct cprof_alloc *al;
		uint64_t ptr = get_uint(d, payload, 1);
		if (!ti)
			ti = map_find(&r->thread_index, proc, (uint32_t)m->processes.v[proc].pid);
		if (!ti)
			break;
		al = cprof_vec_push(&m->allocs);
		if (!al || map_put(&r->allocs, proc, ptr, (uint32_t)(m->allocs.n - 1))) {
			r->out_of_memory = true;
			return;
		}
		al->thread = *ti;
		al->ptr = ptr;
		al->size = get_uint(d, payload, 2);
		al->stack = stack_ref(r, proc, get_uint(d, payload, 3));
		al->ns = ns;
		break;
	}
	default:
		break;
	}
}

static void on_cprof_event(struct reader *r, const struct decoder *d, const bt_field *payload,
			   const bt_field *ctx, struct proc_state *p, int32_t tid, uint64_t ns)
{
	struct cprof_model *m = r->model;
	uint32_t proc = proc_materialize(r, p, d, ctx);
	uint32_t thread;
	struct cprof_thread *t;
	const char *s;
	size_t len;
	char a[96];

	if (proc == CPROF_NONE)
		return;
	if (d->kind == EV_STATE_BEGIN)
		p->state_tid = tid;
	if (p->state_tid && tid == p->state_tid) {
		on_state_event(r, d, payload, proc, ns);
		return;
	}
	thread = thread_get(r, proc, tid, ns, d, ctx);
	if (thread == CPROF_NONE)
		return;
	t = &m->threads.v[thread];
	t->events++;
	t->last_ns = ns;
	/* A blocked thread emits nothing of its own until its wait_end: a CPU
	 * sample and its stack may come from the spin before blocking, and
	 * the allocator's events from inside the call (pthread_join frees the
	 * joined thread's TLS). Any other event means the wait_end was lost,
	 * and the wait ended by now rather than at the end of the trace. */
	if (r->tstates.v[thread].wait != CPROF_NONE && d->kind != EV_WAIT_END &&
	    d->kind != EV_CPU_SAMPLE && d->kind != EV_STACK && d->kind != EV_ALLOC &&
	    d->kind != EV_FREE && d->kind != EV_HEAP)
		wait_end_lost(r, thread, ns);

	switch (d->kind) {
	case EV_TASK_BEGIN: {
		struct cprof_task *task = cprof_vec_push(&m->tasks);
		uint64_t id = get_uint(d, payload, 0);
		if (!task || map_put(&r->tasks, proc, id, (uint32_t)(m->tasks.n - 1))) {
			r->out_of_memory = true;
			return;
		}
		task->id = id;
		task->parent_id = get_uint(d, payload, 1);
		task->parent = task_ref(r, proc, task->parent_id);
		task->process = proc;
		s = get_str(d, payload, 2, &len, NULL, 0);
		task->type = intern_cached(r, s, len);
		task->begin_ns = ns;
		task->begin_thread = thread;
		r->tstates.v[thread].last_task_id = id;
		r->tstates.v[thread].last_task = (uint32_t)(m->tasks.n - 1);
		task->end_thread = CPROF_NONE;
		break;
	}
	case EV_TASK_END: {
		uint64_t id = get_uint(d, payload, 0);
		uint32_t ti = task_ref(r, proc, id);
		struct cprof_task *task;
		if (ti == CPROF_NONE) {
			model_warn(r, ns, thread,
				   "task %" PRIu64
				   " ended on thread %s but never began in the trace",
				   id, thread_label(r, thread, a, sizeof(a)));
			break;
		}
		task = &m->tasks.v[ti];
		if (task->end_ns) {
			model_warn(r, ns, thread, "task %" PRIu64 " ('%s') ended twice", id,
				   cprof_model_str(m, task->type));
			break;
		}
		task->end_ns = ns;
		task->end_thread = thread;
		break;
	}
	case EV_REGION_BEGIN: {
		struct thread_state *ts = &r->tstates.v[thread];
		struct cprof_region *reg = cprof_vec_push(&m->regions);
		uint32_t *slot = reg ? cprof_vec_push(&ts->open) : NULL;
		if (!slot) {
			r->out_of_memory = true;
			return;
		}
		reg->thread = thread;
		reg->task = thread_task_ref(r, proc, thread, get_uint(d, payload, 0));
		s = get_str(d, payload, 1, &len, NULL, 0);
		reg->type = intern_cached(r, s, len);
		reg->depth = (uint16_t)(ts->open.n - 1 > UINT16_MAX ? UINT16_MAX : ts->open.n - 1);
		reg->begin_ns = ns;
		*slot = (uint32_t)(m->regions.n - 1);
		break;
	}
	case EV_REGION_END:
		s = get_str(d, payload, 1, &len, NULL, 0);
		on_region_end(r, proc, thread, ns, intern_cached(r, s, len),
			      get_uint(d, payload, 0));
		break;
	case EV_LOG: {
		struct cprof_log *log = cprof_vec_push(&m->logs);
		if (!log) {
			r->out_of_memory = true;
			return;
		}
		log->thread = thread;
		log->task = thread_task_ref(r, proc, thread, get_uint(d, payload, 0));
		s = get_str(d, payload, 1, &len, NULL, 0);
		log->category = intern_cached(r, s, len);
		s = get_str(d, payload, 2, &len, NULL, 0);
		log->message = cprof_model_add_str(m, s, len);
		log->length = get_uint(d, payload, 3);
		if (log->length < len)
			log->length = len;
		log->ns = ns;
		break;
	}
	case EV_WARNING: {
		uint32_t code = (uint32_t)get_uint(d, payload, 0);
		s = get_str(d, payload, 1, &len, NULL, 0);
		if (len)
			model_warn(r, ns, thread, "%s on thread %s: %.*s", warning_text(code),
				   thread_label(r, thread, a, sizeof(a)),
				   (int)(len > 200 ? 200 : len), s);
		else
			model_warn(r, ns, thread, "%s on thread %s", warning_text(code),
				   thread_label(r, thread, a, sizeof(a)));
		break;
	}
	case EV_PROCESS: {
		/* The root is kept by pid, before any ppid is known. */
		struct cprof_process *mp = &m->processes.v[proc];
		int32_t ppid = (int32_t)get_uint(d, payload, 0);
		if (mp->ppid <= 0 && ppid > 0)
			mp->ppid = p->ppid = ppid;
		break;
	}
	case EV_CONFIG:
		apply_config(r, d, payload, proc);
		break;
	case EV_STACK:
		define_stack(r, d, payload, proc);
		break;
	case EV_THREAD_START: {
		struct cprof_counter *c;
		t->start_ns = ns;
		t->parent_tid = (int32_t)get_uint(d, payload, 0);
		t->start_routine = get_uint(d, payload, 1);
		t->create_stack = stack_ref(r, proc, get_uint(d, payload, 2));
		c = counter_get(r, &p->threads_counter, proc, "threads alive");
		if (c) {
			if (!c->points.n)
				p->threads_alive = 1; /* the main thread */
			counter_add(r, c, ns, ++p->threads_alive);
		}
		break;
	}
	case EV_THREAD_NAME: {
		int32_t named = (int32_t)get_uint(d, payload, 0);
		uint32_t nt =
		    named == tid || !named ? thread : thread_find_or_add(r, proc, named, ns, "", 0);
		if (nt == CPROF_NONE)
			return;
		s = get_str(d, payload, 1, &len, NULL, 0);
		m->threads.v[nt].name = cprof_model_intern(m, s, len);
		break;
	}
	case EV_THREAD_EXIT: {
		struct cprof_counter *c;
		t->end_ns = ns;
		c = counter_get(r, &p->threads_counter, proc, "threads alive");
		if (c) {
			if (!c->points.n)
				p->threads_alive = 1;
			counter_add(r, c, ns, --p->threads_alive);
		}
		break;
	}
	case EV_WAIT_BEGIN: {
		struct cprof_wait *w = cprof_vec_push(&m->waits);
		if (!w) {
			r->out_of_memory = true;
			return;
		}
		w->thread = thread;
		w->obj = get_uint(d, payload, 0);
		w->kind = (uint8_t)get_uint(d, payload, 1);
		w->stack = stack_ref(r, proc, get_uint(d, payload, 2));
		w->begin_ns = ns;
		r->tstates.v[thread].wait = (uint32_t)(m->waits.n - 1);
		break;
	}
	case EV_WAIT_END: {
		struct thread_state *ts = &r->tstates.v[thread];
		uint64_t obj = get_uint(d, payload, 0);
		if (ts->wait != CPROF_NONE && m->waits.v[ts->wait].obj == obj) {
			m->waits.v[ts->wait].end_ns = ns;
			m->waits.v[ts->wait].result = (int32_t)get_uint(d, payload, 2);
			ts->wait = CPROF_NONE;
		}
		break;
	}
	case EV_LOCK_RELEASE: {
		struct cprof_release *rl = cprof_vec_push(&m->releases);
		if (!rl) {
			r->out_of_memory = true;
			return;
		}
		rl->thread = thread;
		rl->obj = get_uint(d, payload, 0);
		rl->kind = (uint8_t)get_uint(d, payload, 1);
		rl->stack = stack_ref(r, proc, get_uint(d, payload, 2));
		rl->ns = ns;
		break;
	}
	case EV_ALLOC: {
		struct cprof_alloc *al = cprof_vec_push(&m->allocs);
		if (!al) {
			r->out_of_memory = true;
			return;
		}
		al->thread = thread;
		al->ptr = get_uint(d, payload, 0);
		al->size = get_uint(d, payload, 1);
		al->stack = stack_ref(r, proc, get_uint(d, payload, 2));
		al->ns = ns;
		{
			/* The same address handed out again: its previous block was
			 * freed by now, even if that free was lost. */
			uint32_t *prev = map_find(&r->allocs, proc, al->ptr);
			if (prev && !m->allocs.v[*prev].free_ns)
				m->allocs.v[*prev].free_ns = ns;
		}
		if (map_put(&r->allocs, proc, al->ptr, (uint32_t)(m->allocs.n - 1)))
			r->out_of_memory = true;
		break;
	}
	case EV_FREE: {
		uint64_t ptr = get_uint(d, payload, 0);
		uint32_t *ai = map_find(&r->allocs, proc, ptr);
		if (ai) {
			m->allocs.v[*ai].free_ns = ns;
			map_del(&r->allocs, proc, ptr);
		}
		break;
	}
	case EV_HEAP: {
		struct cprof_counter *c = counter_get(r, &p->heap_counter, proc, "heap in use");
		if (c)
			counter_add(r, c, ns, (int64_t)get_uint(d, payload, 0));
		break;
	}
	case EV_SYSCALL: {
		struct cprof_syscall *sc = cprof_vec_push(&m->syscalls);
		uint64_t dur = get_uint(d, payload, 1);
		if (!sc) {
			r->out_of_memory = true;
			return;
		}
		sc->thread = thread;
		sc->call = (uint8_t)get_uint(d, payload, 0);
		sc->result = (int64_t)get_uint(d, payload, 2);
		sc->stack = stack_ref(r, proc, get_uint(d, payload, 3));
		sc->end_ns = ns;
		sc->begin_ns = dur < ns ? ns - dur : 0;
		break;
	}
	case EV_COUNTER:
		on_counter(r, d, payload, proc, ns);
		break;
	case EV_CPU_SAMPLE: {
		struct cprof_sample *sm = cprof_vec_push(&m->samples);
		if (!sm) {
			r->out_of_memory = true;
			return;
		}
		sm->thread = thread;
		sm->stack = stack_ref(r, proc, get_uint(d, payload, 0));
		sm->ns = ns;
		break;
	}
	default:
		break;
	}
}

/* ------------------------------------------------------------------------ */
/* Generic field formatting, for dump */

static void fmt_put(struct reader *r, const char *s, size_t n)
{
	if (r->fmt_len + n + 1 > r->fmt_cap) {
		size_t ncap = (r->fmt_len + n + 1) * 2;
		char *nb = realloc(r->fmt, ncap);
		if (!nb) {
			r->out_of_memory = true;
			return;
		}
		r->fmt = nb;
		r->fmt_cap = ncap;
	}
	memcpy(r->fmt + r->fmt_len, s, n);
	r->fmt_len += n;
	r->fmt[r->fmt_len] = '\0';
}

static void fmt_printf(struct reader *r, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void fmt_printf(struct reader *r, const char *f, ...)
{
	char buf[64];
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	if (n > 0)
		fmt_put(r, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static void fmt_field(struct reader *r, const bt_field *f)
{
	const bt_field_class *fc = bt_field_borrow_class_const(f);
	bt_field_class_type t = bt_field_class_get_type(fc);

	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER)) {
		uint64_t v = bt_field_integer_unsigned_get_value(f);
		if (bt_field_class_integer_get_preferred_display_base(fc) ==
		    BT_FIELD_CLASS_INTEGER_PREFERRED_DISPLAY_BASE_HEXADECIMAL)
			fmt_printf(r, "0x%" PRIx64, v);
		else
			fmt_printf(r, "%" PRIu64, v);
	} else if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)) {
		fmt_printf(r, "%" PRId64, bt_field_integer_signed_get_value(f));
	} else if (t == BT_FIELD_CLASS_TYPE_BOOL) {
		fmt_printf(r, "%s", bt_field_bool_get_value(f) ? "true" : "false");
	} else if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_REAL)) {
		fmt_printf(r, "%g", bt_field_real_double_precision_get_value(f));
	} else if (t == BT_FIELD_CLASS_TYPE_STRING) {
		const char *s = bt_field_string_get_value(f);
		uint64_t n = bt_field_string_get_length(f);
		fmt_put(r, "\"", 1);
		for (uint64_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)s[i];
			if (c == '"' || c == '\\') {
				char e[2] = {'\\', (char)c};
				fmt_put(r, e, 2);
			} else if (c < 0x20) {
				fmt_printf(r, "\\x%02x", c);
			} else {
				fmt_put(r, (const char *)&s[i], 1);
			}
		}
		fmt_put(r, "\"", 1);
	} else if (t == BT_FIELD_CLASS_TYPE_STRUCTURE) {
		uint64_t n = bt_field_class_structure_get_member_count(fc);
		for (uint64_t i = 0; i < n; i++) {
			const char *name = bt_field_class_structure_member_get_name(
			    bt_field_class_structure_borrow_member_by_index_const(fc, i));
			if (i)
				fmt_put(r, ", ", 2);
			fmt_put(r, name, strlen(name));
			fmt_put(r, " = ", 3);
			fmt_field(r, member(f, (int)i));
		}
	} else if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_ARRAY)) {
		uint64_t n = bt_field_array_get_length(f);
		fmt_put(r, "[", 1);
		for (uint64_t i = 0; i < n; i++) {
			if (i)
				fmt_put(r, ", ", 2);
			fmt_field(r, bt_field_array_borrow_element_field_by_index_const(f, i));
		}
		fmt_put(r, "]", 1);
	} else {
		fmt_put(r, "?", 1);
	}
}

static void emit_event(struct reader *r, const struct decoder *d, const bt_event *ev, uint64_t ns,
		       int32_t pid, int32_t tid)
{
	const bt_field *payload = bt_event_borrow_payload_field_const(ev);
	struct cprof_read_event re = {ns, pid, tid, d->name, ""};

	r->fmt_len = 0;
	if (payload &&
	    bt_field_class_structure_get_member_count(bt_field_borrow_class_const(payload))) {
		fmt_field(r, payload);
		if (r->fmt)
			re.fields = r->fmt;
	}
	r->opts->event(&re, r->opts->event_data);
}

/* ------------------------------------------------------------------------ */
/* The sink */

/* The host a process ran on: LTTng writes it in the trace's environment;
 * a relay's output tree holds traces of several hosts. */
static void proc_set_host(struct reader *r, struct cprof_process *mp, const bt_event *ev)
{
	const bt_trace *trace = bt_stream_borrow_trace_const(bt_event_borrow_stream_const(ev));
	const bt_value *v =
	    bt_trace_borrow_environment_entry_value_by_name_const(trace, "hostname");
	const char *host = v && bt_value_is_string(v) ? bt_value_string_get(v) : "";

	mp->host = cprof_model_intern(r->model, host, strlen(host));
	mp->host_known = true;
}

static void on_event_message(struct reader *r, const bt_message *msg)
{
	const bt_event *ev = bt_message_event_borrow_event_const(msg);
	const struct decoder *d = decoder_get(r, bt_event_borrow_class_const(ev));
	const bt_field *ctx, *payload;
	int64_t sns = 0;
	uint64_t ns;
	int32_t pid, tid;
	struct proc_state *p;

	if (!d) {
		r->out_of_memory = true;
		return;
	}
	if (bt_clock_snapshot_get_ns_from_origin(
		bt_message_event_borrow_default_clock_snapshot_const(msg), &sns) !=
		BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK ||
	    sns < 0)
		sns = 0;
	ns = (uint64_t)sns;
	ctx = bt_event_borrow_common_context_field_const(ev);
	pid = (int32_t)ctx_int(ctx, d->ctx_vpid);
	tid = (int32_t)ctx_int(ctx, d->ctx_vtid);
	if ((d->ctx_vpid < 0 || d->ctx_vtid < 0) && !r->missing_context_warned && d->is_cprof) {
		r->missing_context_warned = true;
		model_warn(r, ns, CPROF_NONE,
			   "events lack the vpid/vtid contexts: processes and threads cannot be "
			   "told apart "
			   "(lttng add-context -u -t vpid -t vtid -t vppid -t procname)");
	}
	p = proc_get(r, pid, (int32_t)ctx_int(ctx, d->ctx_vppid));
	if (!p || p->keep < 0)
		return;
	payload = bt_event_borrow_payload_field_const(ev);
	if (p->keep == 0 && d->is_cprof) {
		proc_decide(r, p, d, payload);
		if (p->keep < 0)
			return;
	}
	p->events++;
	if (!p->first_ns)
		p->first_ns = ns;
	p->last_ns = ns;
	if (r->opts->count_only) {
		/* The model process is what makes finish_model count these. */
		if (d->is_cprof)
			proc_materialize(r, p, d, ctx);
		return;
	}
	if (d->is_cprof)
		on_cprof_event(r, d, payload, ctx, p, tid, ns);
	if (p->model != CPROF_NONE && !r->model->processes.v[p->model].host_known)
		proc_set_host(r, &r->model->processes.v[p->model], ev);
	else if (d->kind >= EV_BIN_INFO)
		on_module_event(r, d, payload, (uint32_t)(p - r->procs.v), ns);
	if (r->opts->event && p->keep > 0)
		emit_event(r, d, ev, ns, pid, tid);
}

static void on_discarded(struct reader *r, const bt_message *msg)
{
	uint64_t count = 0;
	struct cprof_lost *l;
	const bt_stream *stream = bt_message_discarded_events_borrow_stream_const(msg);

	if (bt_message_discarded_events_get_count(msg, &count) !=
	    BT_PROPERTY_AVAILABILITY_AVAILABLE)
		count = 1; /* at least one: the tracer said something was lost */
	l = cprof_vec_push(&r->model->lost);
	if (!l) {
		r->out_of_memory = true;
		return;
	}
	l->count = count;
	if (bt_stream_class_discarded_events_have_default_clock_snapshots(
		bt_stream_borrow_class_const(stream))) {
		int64_t b = 0, e = 0;
		bt_clock_snapshot_get_ns_from_origin(
		    bt_message_discarded_events_borrow_beginning_default_clock_snapshot_const(msg),
		    &b);
		bt_clock_snapshot_get_ns_from_origin(
		    bt_message_discarded_events_borrow_end_default_clock_snapshot_const(msg), &e);
		l->begin_ns = b > 0 ? (uint64_t)b : 0;
		l->end_ns = e > 0 ? (uint64_t)e : 0;
	}
	r->model->lost_events += count;
}

static void report_progress(struct reader *r, const bt_message *msg)
{
	int64_t ns = 0;
	double f;

	if (r->range_end <= r->range_begin || bt_message_get_type(msg) != BT_MESSAGE_TYPE_EVENT ||
	    bt_clock_snapshot_get_ns_from_origin(
		bt_message_event_borrow_default_clock_snapshot_const(msg), &ns) !=
		BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK)
		return;
	f = ((double)ns - (double)r->range_begin) / (double)(r->range_end - r->range_begin);
	if (f < 0)
		f = 0;
	if (f > 1)
		f = 1;
	if (!r->opts->progress(f, r->opts->progress_data))
		r->canceled = true;
}

static bt_graph_simple_sink_component_consume_func_status sink_consume(bt_message_iterator *it,
								       void *data)
{
	struct reader *r = data;
	bt_message_array_const msgs;
	uint64_t count = 0;

	switch (bt_message_iterator_next(it, &msgs, &count)) {
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
		break;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_AGAIN;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_MEMORY_ERROR;
	default:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
	}
	for (uint64_t i = 0; i < count; i++) {
		const bt_message *msg = msgs[i];
		bt_message_type type = bt_message_get_type(msg);
		if (type == BT_MESSAGE_TYPE_EVENT)
			on_event_message(r, msg);
		else if (type == BT_MESSAGE_TYPE_DISCARDED_EVENTS)
			on_discarded(r, msg);
		if (r->opts->progress && (++r->messages & 0xffff) == 0)
			report_progress(r, msg);
		bt_message_put_ref(msg);
	}
	if (r->out_of_memory || r->canceled)
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
	return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
}

/* ------------------------------------------------------------------------ */
/* Input checks: metadata directories, metadata text, stream packets */

struct dirs {
	CPROF_VEC(char *) v;
};

static int find_metadata_dirs(const char *dir, struct dirs *out, int depth)
{
	DIR *d;
	struct dirent *e;
	char *p;
	int rc = 0;

	if (depth > 16)
		return 0;
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		if (asprintf(&p, "%s/%s", dir, e->d_name) < 0) {
			rc = -1;
			break;
		}
		if (lstat(p, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				rc = find_metadata_dirs(p, out, depth + 1);
			} else if (S_ISREG(st.st_mode) && strcmp(e->d_name, "metadata") == 0) {
				char **slot = cprof_vec_push(&out->v);
				char *copy = strdup(dir);
				if (!slot || !copy) {
					free(copy);
					rc = -1;
				} else {
					*slot = copy;
				}
			}
		}
		free(p);
		if (rc)
			break;
	}
	closedir(d);
	return rc;
}

static void dirs_free(struct dirs *dirs)
{
	for (size_t i = 0; i < dirs->v.n; i++)
		free(dirs->v.v[i]);
	cprof_vec_free(&dirs->v);
}

static unsigned char *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	struct stat st;

	*size = 0;
	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) == 0 && st.st_size >= 0) {
		buf = malloc((size_t)st.st_size + 1);
		if (buf && fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
			free(buf);
			buf = NULL;
		}
		if (buf)
			*size = (size_t)st.st_size;
	}
	fclose(f);
	return buf;
}

static uint32_t rd32(const unsigned char *p, bool swap)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

/* TSDL text must close every brace it opens and end with a declaration's
 * ';': a file cut inside its text fails one of the two. */
static bool tsdl_complete(const char *s, size_t n)
{
	long depth = 0;
	char last = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '/' && i + 1 < n && s[i + 1] == '*') {
			const char *end = memmem(s + i + 2, n - i - 2, "*/", 2);
			if (!end)
				return false;
			i = (size_t)(end - s) + 1;
			continue;
		}
		if (c == '/' && i + 1 < n && s[i + 1] == '/') {
			while (i < n && s[i] != '\n')
				i++;
			continue;
		}
		if (c == '"') {
			for (i++; i < n && s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
			if (i >= n)
				return false;
			last = '"';
			continue;
		}
		if (c == '{')
			depth++;
		else if (c == '}' && --depth < 0)
			return false;
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\0')
			last = c;
	}
	return depth == 0 && last == ';';
}

#define CTF_METADATA_MAGIC 0x75D11D57u
#define METADATA_HEADER 37 /* magic, uuid, checksum, sizes, schemes, version */

static bool check_metadata(const char *dir, char *why, size_t whylen)
{
	char path[4096];
	size_t size, off = 0, tlen = 0;
	unsigned char *buf;
	char *text = NULL;
	bool ok = false;

	snprintf(path, sizeof(path), "%s/metadata", dir);
	buf = read_file(path, &size);
	if (!buf) {
		snprintf(why, whylen, "cannot read %s: %s", path, strerror(errno));
		return false;
	}
	if (size >= 4 &&
	    (rd32(buf, false) == CTF_METADATA_MAGIC || rd32(buf, true) == CTF_METADATA_MAGIC)) {
		bool swap = rd32(buf, false) != CTF_METADATA_MAGIC;
		text = malloc(size + 1);
		if (!text) {
			snprintf(why, whylen, "out of memory");
			goto end;
		}
		while (off < size) {
			uint32_t content, packet;
			if (size - off < METADATA_HEADER ||
			    rd32(buf + off, swap) != CTF_METADATA_MAGIC) {
				snprintf(why, whylen,
					 "metadata file %s is cut short or corrupt (bad packet "
					 "header at byte %zu)",
					 path, off);
				goto end;
			}
			content = rd32(buf + off + 24, swap);
			packet = rd32(buf + off + 28, swap);
			if (packet % 8 || content > packet || content < METADATA_HEADER * 8 ||
			    packet / 8 > size - off) {
				snprintf(why, whylen,
					 "metadata file %s is cut short (packet at byte %zu claims "
					 "%u bytes, %zu left)",
					 path, off, packet / 8, size - off);
				goto end;
			}
			memcpy(text + tlen, buf + off + METADATA_HEADER,
			       content / 8 - METADATA_HEADER);
			tlen += content / 8 - METADATA_HEADER;
			off += packet / 8;
		}
	} else {
		text = (char *)buf;
		buf = NULL;
		tlen = size;
	}
	if (!tsdl_complete(text, tlen)) {
		snprintf(why, whylen,
			 "metadata file %s is cut short (its text ends inside a declaration)",
			 path);
		goto end;
	}
	ok = true;
end:
	free(buf);
	free(text);
	return ok;
}

/*
 * After babeltrace2 refused a trace, name the stream file at fault when we
 * can: LTTng-UST packets start with magic 0xC1FC1FC1 and carry their size
 * in bits at byte 56 of the packet (header: magic, uuid, stream_id,
 * stream_instance_id; context: timestamp_begin, timestamp_end,
 * content_size, packet_size).
 */
static bool find_truncated_stream(const struct dirs *dirs, char *out, size_t outlen)
{
	for (size_t i = 0; i < dirs->v.n; i++) {
		DIR *d = opendir(dirs->v.v[i]);
		struct dirent *e;
		if (!d)
			continue;
		while ((e = readdir(d))) {
			char path[4096];
			struct stat st;
			FILE *f;
			uint64_t off = 0;
			bool bad = false;
			if (e->d_name[0] == '.' || strcmp(e->d_name, "metadata") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs->v.v[i], e->d_name);
			if (stat(path, &st) || !S_ISREG(st.st_mode))
				continue;
			f = fopen(path, "rb");
			if (!f)
				continue;
			while (off < (uint64_t)st.st_size) {
				unsigned char h[64];
				uint64_t psize;
				if (fseeko(f, (off_t)off, SEEK_SET) || fread(h, 1, 64, f) != 64 ||
				    rd32(h, false) != 0xC1FC1FC1u) {
					bad = true;
					break;
				}
				memcpy(&psize, h + 56, 8);
				psize /= 8;
				if (!psize || psize > (uint64_t)st.st_size - off) {
					bad = true;
					break;
				}
				off += psize;
			}
			fclose(f);
			if (bad) {
				snprintf(out, outlen, "%s", path);
				closedir(d);
				return true;
			}
		}
		closedir(d);
	}
	return false;
}

/* The root cause of the current babeltrace2 error, on one line. */
static void take_bt_error(char *out, size_t outlen)
{
	const bt_error *error = bt_current_thread_take_error();
	uint64_t n;

	out[0] = '\0';
	if (!error)
		return;
	n = bt_error_get_cause_count(error);
	if (n) {
		const char *msg =
		    bt_error_cause_get_message(bt_error_borrow_cause_by_index(error, 0));
		snprintf(out, outlen, "%s", msg ? msg : "");
	}
	bt_error_release(error);
	for (char *p = out; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

/* Time range of the streams (from their packet indexes), for progress. */
static void value_find_range(const bt_value *v, uint64_t *begin, uint64_t *end)
{
	if (!v)
		return;
	if (bt_value_is_array(v)) {
		for (uint64_t i = 0; i < bt_value_array_get_length(v); i++)
			value_find_range(bt_value_array_borrow_element_by_index_const(v, i), begin,
					 end);
	} else if (bt_value_is_map(v)) {
		const bt_value *range = bt_value_map_borrow_entry_value_const(v, "range-ns");
		if (range && bt_value_is_map(range)) {
			const bt_value *b = bt_value_map_borrow_entry_value_const(range, "begin");
			const bt_value *e = bt_value_map_borrow_entry_value_const(range, "end");
			if (b && e && bt_value_is_signed_integer(b) &&
			    bt_value_is_signed_integer(e)) {
				int64_t bv = bt_value_integer_signed_get(b),
					ev = bt_value_integer_signed_get(e);
				if (bv > 0 && (!*begin || (uint64_t)bv < *begin))
					*begin = (uint64_t)bv;
				if (ev > 0 && (uint64_t)ev > *end)
					*end = (uint64_t)ev;
			}
		}
		value_find_range(bt_value_map_borrow_entry_value_const(v, "stream-infos"), begin,
				 end);
	}
}

static void query_range(struct reader *r, const bt_component_class_source *fs,
			const bt_value *params)
{
	bt_query_executor *q =
	    bt_query_executor_create(bt_component_class_source_as_component_class_const(fs),
				     "babeltrace.trace-infos", params);
	const bt_value *result = NULL;

	if (!q)
		return;
	bt_query_executor_set_logging_level(q, BT_LOGGING_LEVEL_NONE);
	if (bt_query_executor_query(q, &result) == BT_QUERY_EXECUTOR_QUERY_STATUS_OK)
		value_find_range(result, &r->range_begin, &r->range_end);
	else
		bt_current_thread_clear_error();
	bt_value_put_ref(result);
	bt_query_executor_put_ref(q);
}

static int32_t read_root_pid(const char *path)
{
	char file[4096];
	size_t size;
	char *buf, *p;
	int32_t pid = 0;

	snprintf(file, sizeof(file), "%s/cprof-record.json", path);
	buf = (char *)read_file(file, &size);
	if (!buf)
		return 0;
	buf[size] = '\0';
	p = strstr(buf, "\"pid\"");
	if (p && (p = strchr(p + 5, ':')))
		pid = (int32_t)strtol(p + 1, NULL, 10);
	free(buf);
	return pid > 0 ? pid : 0;
}

/* ------------------------------------------------------------------------ */
/* Finishing the model */

static void finish_model(struct reader *r)
{
	struct cprof_model *m = r->model;
	size_t k = 0;
	char a[96];

	/* Modules: proc_state index -> model process; drop those of processes
	 * that emitted no cprof event. */
	for (size_t i = 0; i < m->modules.n; i++) {
		uint32_t mp = r->procs.v[m->modules.v[i].process].model;
		if (mp == CPROF_NONE)
			continue;
		m->modules.v[k] = m->modules.v[i];
		m->modules.v[k++].process = mp;
	}
	m->modules.n = k;

	m->events = 0;
	m->begin_ns = m->end_ns = 0;
	for (size_t i = 0; i < r->procs.n; i++) {
		struct proc_state *p = &r->procs.v[i];
		if (p->model == CPROF_NONE)
			continue;
		m->events += p->events;
		if (!m->begin_ns || p->first_ns < m->begin_ns)
			m->begin_ns = p->first_ns;
		if (p->last_ns > m->end_ns)
			m->end_ns = p->last_ns;
	}
	for (size_t t = 0; t < r->tstates.n; t++) {
		struct thread_state *ts = &r->tstates.v[t];
		for (size_t j = 0; j < ts->open.n; j++)
			model_warn(r, m->end_ns, (uint32_t)t,
				   "region '%s' on thread %s still open at the end of the trace",
				   cprof_model_str(m, m->regions.v[ts->open.v[j]].type),
				   thread_label(r, (uint32_t)t, a, sizeof(a)));
	}
}

static void reader_free(struct reader *r)
{
	for (size_t t = 0; t < r->tstates.n; t++) {
		cprof_vec_free(&r->tstates.v[t].open);
		cprof_vec_free(&r->tstates.v[t].cut);
	}
	cprof_vec_free(&r->tstates);
	cprof_vec_free(&r->decoders);
	cprof_vec_free(&r->procs);
	map_free(&r->decoder_index);
	map_free(&r->proc_index);
	map_free(&r->thread_index);
	map_free(&r->tasks);
	map_free(&r->stacks);
	map_free(&r->allocs);
	map_free(&r->counters);
	free(r->fmt);
}

/* ------------------------------------------------------------------------ */

static enum cprof_read_status read_dir(const char *path, const struct cprof_read_options *opts,
				       struct cprof_model **out, char *err, size_t errlen)
{
	static const struct cprof_read_options no_opts;
	enum cprof_read_status status = CPROF_READ_ERROR;
	struct reader r = {0};
	struct dirs dirs = {0};
	struct stat st;
	bt_graph *graph = NULL;
	const bt_plugin *ctf = NULL, *utils = NULL;
	const bt_component_class_source *fs;
	const bt_component_class_filter *muxer_cls;
	const bt_component_filter *muxer = NULL;
	const bt_component_sink *sink = NULL;
	uint64_t mux_in = 0;
	char why[8400];
	bt_graph_run_status run;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	r.opts = opts ? opts : &no_opts;
	r.path = path;
	r.last_pid = -1;
	r.last_thread = CPROF_NONE;
	r.last_thread_key = UINT64_MAX;

	if (stat(path, &st) != 0) {
		set_err(err, errlen, path, "%s", strerror(errno));
		status = CPROF_READ_NOT_FOUND;
		goto end;
	}
	if (!S_ISDIR(st.st_mode)) {
		set_err(err, errlen, path, "not a directory (give the trace directory)");
		status = CPROF_READ_NOT_CTF;
		goto end;
	}
	if (find_metadata_dirs(path, &dirs, 0)) {
		set_err(err, errlen, path, "out of memory");
		goto end;
	}
	if (!dirs.v.n) {
		set_err(err, errlen, path,
			"no CTF metadata found (is this an LTTng trace directory?)");
		status = CPROF_READ_NOT_CTF;
		goto end;
	}
	for (size_t i = 0; i < dirs.v.n; i++) {
		if (!check_metadata(dirs.v.v[i], why, sizeof(why))) {
			set_err(err, errlen, path, "%s", why);
			status = CPROF_READ_BAD_METADATA;
			goto end;
		}
	}
	if (!r.opts->keep_all_processes)
		r.root_pid = read_root_pid(path);

	r.model = cprof_model_create();
	if (!r.model) {
		set_err(err, errlen, path, "out of memory");
		goto end;
	}
	r.model->path = cprof_model_intern(r.model, path, strlen(path));

	graph = bt_graph_create(0);
	if (!graph ||
	    bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, &ctf) !=
		BT_PLUGIN_FIND_STATUS_OK ||
	    bt_plugin_find("utils", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, &utils) !=
		BT_PLUGIN_FIND_STATUS_OK) {
		set_err(
		    err, errlen, path,
		    "cannot load babeltrace2's ctf and utils plugins (is babeltrace2 installed?)");
		goto end;
	}
	fs = bt_plugin_borrow_source_component_class_by_name_const(ctf, "fs");
	muxer_cls = bt_plugin_borrow_filter_component_class_by_name_const(utils, "muxer");
	if (!fs || !muxer_cls) {
		set_err(err, errlen, path, "babeltrace2 lacks src.ctf.fs or flt.utils.muxer");
		goto end;
	}
	if (bt_graph_add_filter_component(graph, muxer_cls, "muxer", NULL, BT_LOGGING_LEVEL_NONE,
					  &muxer) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		take_bt_error(why, sizeof(why));
		set_err(err, errlen, path, "cannot create the muxer: %s", why);
		goto end;
	}
	for (size_t i = 0; i < dirs.v.n; i++) {
		bt_value *params = bt_value_map_create();
		bt_value *inputs = NULL;
		const bt_component_source *src = NULL;
		char name[32];
		bt_graph_add_component_status as;

		if (!params || bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) ||
		    bt_value_array_append_string_element(inputs, dirs.v.v[i])) {
			bt_value_put_ref(params);
			set_err(err, errlen, path, "out of memory");
			goto end;
		}
		if (r.opts->progress)
			query_range(&r, fs, params);
		snprintf(name, sizeof(name), "src-%zu", i);
		as = bt_graph_add_source_component(graph, fs, name, params, BT_LOGGING_LEVEL_NONE,
						   &src);
		bt_value_put_ref(params);
		if (as != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
			char file[4096];
			take_bt_error(why, sizeof(why));
			if (find_truncated_stream(&dirs, file, sizeof(file)))
				set_err(err, errlen, path, "truncated or corrupt stream file %s",
					file);
			else
				set_err(err, errlen, path,
					"babeltrace2 cannot open the trace in %s (incomplete or "
					"corrupt metadata?): %s",
					dirs.v.v[i], why);
			status = CPROF_READ_BAD_STREAM;
			goto end;
		}
		for (uint64_t p = 0; p < bt_component_source_get_output_port_count(src); p++) {
			if (bt_graph_connect_ports(
				graph,
				bt_component_source_borrow_output_port_by_index_const(src, p),
				bt_component_filter_borrow_input_port_by_index_const(muxer,
										     mux_in++),
				NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
				take_bt_error(why, sizeof(why));
				set_err(err, errlen, path, "cannot connect the trace's streams: %s",
					why);
				goto end;
			}
		}
	}
	if (bt_graph_add_simple_sink_component(graph, "cprof-sink", NULL, sink_consume, NULL, &r,
					       &sink) != BT_GRAPH_ADD_COMPONENT_STATUS_OK ||
	    bt_graph_connect_ports(graph,
				   bt_component_filter_borrow_output_port_by_index_const(muxer, 0),
				   bt_component_sink_borrow_input_port_by_index_const(sink, 0),
				   NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
		take_bt_error(why, sizeof(why));
		set_err(err, errlen, path, "cannot set up the babeltrace2 graph: %s", why);
		goto end;
	}

	do
		run = bt_graph_run(graph);
	while (run == BT_GRAPH_RUN_STATUS_AGAIN);
	if (r.canceled) {
		bt_current_thread_clear_error();
		set_err(err, errlen, path, "reading canceled");
		status = CPROF_READ_CANCELED;
		goto end;
	}
	if (r.out_of_memory || run == BT_GRAPH_RUN_STATUS_MEMORY_ERROR) {
		bt_current_thread_clear_error();
		set_err(err, errlen, path, "out of memory while reading the trace");
		goto end;
	}
	if (run != BT_GRAPH_RUN_STATUS_OK) {
		char file[4096];
		take_bt_error(why, sizeof(why));
		if (find_truncated_stream(&dirs, file, sizeof(file)))
			set_err(err, errlen, path, "truncated or corrupt stream file %s", file);
		else
			set_err(err, errlen, path, "cannot decode the trace (corrupt stream?): %s",
				why);
		status = CPROF_READ_BAD_STREAM;
		goto end;
	}

	finish_model(&r);
	if (r.out_of_memory) {
		set_err(err, errlen, path, "out of memory while reading the trace");
		goto end;
	}
	if (!r.model->processes.n) {
		if (r.root_pid)
			set_err(err, errlen, path,
				"no cprof events from the recorded process tree (pid %d)",
				(int)r.root_pid);
		else
			set_err(err, errlen, path,
				"the trace holds no cprof events (were cprof:* events enabled?)");
		status = CPROF_READ_NO_CPROF_EVENTS;
		goto end;
	}
	if (r.opts->progress)
		r.opts->progress(1.0, r.opts->progress_data);
	*out = r.model;
	r.model = NULL;
	status = CPROF_READ_OK;
end:
	bt_graph_put_ref(graph);
	bt_plugin_put_ref(ctf);
	bt_plugin_put_ref(utils);
	cprof_model_destroy(r.model);
	reader_free(&r);
	dirs_free(&dirs);
	return status;
}

/* The entry point: a trace directory, or a tar archive of one (tar.c). */
enum cprof_read_status cprof_read_trace(const char *path, const struct cprof_read_options *opts,
					struct cprof_model **out, char *err, size_t errlen)
{
	enum cprof_read_status status;
	char *tmpdir = NULL, *dir;
	struct stat st;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return read_dir(path, opts, out, err, errlen);
	dir = cprof_tar_extract(path, &tmpdir, err, errlen);
	if (!dir) {
		*out = NULL;
		cprof_tar_cleanup(tmpdir);
		return CPROF_READ_NOT_CTF;
	}
	status = read_dir(dir, opts, out, err, errlen);
	if (status == CPROF_READ_OK)
		(*out)->path = cprof_model_intern(*out, path, strlen(path));
	free(dir);
	cprof_tar_cleanup(tmpdir);
	return status;
}
