/*
 * The in-memory trace model: what the reader (viewer/reader/) fills from a
 * CTF trace and what every analysis, exporter and the UI read. Nothing
 * downstream of the model touches babeltrace2.
 *
 * Layout: one flat array per kind of item, in the order the reader met them
 * (time order of their first event). Items refer to each other by index
 * (uint32_t), strings by cprof_str (an index into the string table).
 * CPROF_NONE marks "no such item". Times are absolute nanoseconds of the
 * trace clock; model->begin_ns and end_ns bound them.
 *
 * Ownership: cprof_model_create() returns a model the caller owns and
 * releases with cprof_model_destroy(). Every pointer obtained from a model
 * is borrowed and lives as long as the model.
 */
#ifndef CPROF_MODEL_H
#define CPROF_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/interval.h"
#include "../common/vec.h"

#define CPROF_NONE UINT32_MAX

/* An interned string: index into the model's string table; 0 is "". */
typedef uint32_t cprof_str;

struct cprof_process {
	int32_t pid;
	int32_t ppid;	/* from the vppid context, 0 when unknown */
	cprof_str name; /* procname of its first event, then of each exec */
	/* its title as ps shows it (cprof:process_title: "nginx: worker
	 * process"), the last one the trace has; 0 (""): the program set none */
	cprof_str title;
	uint32_t alloc_mode; /* enum cprof_tp_alloc_mode from cprof:config */
	uint64_t alloc_rate; /* mean bytes between samples (sample mode) */
	uint32_t cpu_rate;   /* Hz, 0 when no CPU samples */
	uint64_t io_threshold_ns;
	bool has_config; /* a cprof:config event was seen */
	cprof_str host;	 /* the trace's hostname (relay trees hold several) */
	bool host_known;
	uint64_t end_ns; /* its exit (exit() or main's return), 0 unknown */
};

/* A loaded ELF object (lttng_ust_statedump:bin_info, lttng_ust_lib:load). */
struct cprof_module {
	uint32_t process;
	uint64_t base, size;
	cprof_str path;
	cprof_str build_id;   /* lowercase hex, "" when unknown */
	cprof_str debug_link; /* "" when none */
	bool is_pic;
	uint64_t load_ns, unload_ns; /* unload_ns 0: still loaded */
};

struct cprof_thread {
	int32_t tid;
	uint32_t process;
	cprof_str name;
	uint64_t first_ns, last_ns; /* first and last event of the thread */
	uint64_t events;
	uint64_t start_ns, end_ns; /* cprof:thread_start / thread_exit, 0 unknown */
	int32_t parent_tid;	   /* 0 unknown */
	uint64_t start_routine;	   /* address, 0 unknown */
	uint32_t create_stack;	   /* stack index, 0 none */
};

struct cprof_task {
	uint64_t id;
	uint64_t parent_id; /* 0: background */
	uint32_t parent;    /* index of the parent task, CPROF_NONE */
	uint32_t process;
	cprof_str type;
	uint64_t begin_ns, end_ns;	   /* end_ns 0: never ended in the trace */
	uint32_t begin_thread, end_thread; /* end_thread CPROF_NONE if not ended */
};

/*
 * Packed: 30 bytes instead of 32. A trace of annotated code is mostly
 * regions (two records each), and their array is most of the model's
 * memory: 15 bytes per record instead of 16. x86-64 and arm64 load the
 * unaligned times at no cost; take no pointer to a member.
 */
struct __attribute__((packed, aligned(2))) cprof_region {
	uint64_t begin_ns, end_ns; /* end_ns 0: still open at trace end */
	uint32_t thread;
	uint32_t task; /* task index, CPROF_NONE: background */
	cprof_str type;
	uint16_t depth; /* 0 outermost, per thread */
};

struct cprof_log {
	uint32_t thread;
	uint32_t task;
	cprof_str category;
	cprof_str message;
	uint64_t ns;
	uint64_t length; /* full length; > strlen(message) when truncated */
};

/* A blocking wait on a synchronization object (kind: enum cprof_tp_wait_kind). */
struct cprof_wait {
	uint32_t thread;
	uint32_t stack;
	uint8_t kind;
	int32_t result;
	uint64_t obj;
	uint64_t begin_ns, end_ns; /* end_ns 0: still waiting at trace end */
};

/* Release of a lock someone waited for, with the holder's stack. */
struct cprof_release {
	uint32_t thread;
	uint32_t stack;
	uint8_t kind;
	uint64_t obj;
	uint64_t ns;
};

struct cprof_alloc {
	uint32_t thread;
	uint32_t stack;
	uint64_t ptr, size;
	uint64_t ns, free_ns; /* free_ns 0: not freed in the trace */
};

struct cprof_syscall {
	uint32_t thread;
	uint32_t stack;
	uint8_t call; /* enum cprof_tp_call */
	int64_t result;
	uint64_t begin_ns, end_ns;
};

struct cprof_sample {
	uint32_t thread;
	uint32_t stack;
	uint64_t ns;
};

/*
 * A thread as a state dump (cprof:thread_state) found it: its stack at that
 * instant (0 unknown) and what it was blocked in since when: a wait
 * (wait_kind, enum cprof_tp_wait_kind, on wait_obj, held by holder_tid
 * when known) or a blocking call (call, enum cprof_tp_call); neither: it
 * was running.
 */
struct cprof_thread_state {
	uint32_t thread;
	uint32_t stack;
	uint64_t ns;
	uint8_t wait_kind;
	uint8_t call;
	/* in its process's last state dump: each process of a tree dumps its
	 * own, one after another, and an earlier dump of the same process is
	 * history (a trace's first state, a flight snapshot's previous one) */
	bool current;
	uint64_t wait_obj;
	int32_t holder_tid;
	uint64_t since_ns; /* 0 when running */
};

/* A point of a counter track. */
struct cprof_counter_point {
	uint64_t ns;
	int64_t value;
};

struct cprof_counter {
	cprof_str name;	  /* "heap in use", "threads alive", ... */
	uint32_t process; /* CPROF_NONE: whole trace */
	bool user;	  /* the program's own (cprof_counter()), not derived */
	CPROF_VEC(struct cprof_counter_point) points;
};

/* An interned stack: frames[first .. first+depth), innermost first. */
struct cprof_stack {
	uint32_t process;
	uint32_t first;
	uint16_t depth;
	/* when the trace defined it: its addresses are in the objects mapped
	 * then (another library may be mapped at them later) */
	uint64_t ns;
};

/*
 * What the tracer could not record. tid 0: `count` LTTng events discarded
 * in a stream (babeltrace2's discarded-events: buffers full), of any kind;
 * a cprof:batch among them held many records. tid N: `count` records of
 * thread N missing from its batch sequence (the batches LTTng discarded),
 * between its last record before them and its first after.
 */
struct cprof_lost {
	uint64_t begin_ns, end_ns;
	uint64_t count;
	int32_t tid;
	/* In the time range of a stream file cut short: the batches were
	 * most likely in what was not read, not lost by the tracer (and not
	 * in lost_records). */
	bool unread;
};

struct cprof_warning {
	uint64_t ns;
	uint32_t thread; /* CPROF_NONE when not tied to a thread */
	cprof_str text;
};

struct cprof_model {
	cprof_str path; /* the trace directory */
	uint64_t begin_ns, end_ns;
	uint64_t events;       /* events kept (of the recorded process tree) */
	uint64_t lost_events;  /* LTTng events discarded (tid 0 in `lost`) */
	uint64_t lost_records; /* records in the lost batches (tid N in `lost`) */
	/*
	 * A snapshot of overwrite-mode ring buffers (record --flight, LTTng's
	 * snapshot mode): each CPU's buffer kept its last events, from its own
	 * time on. window_ns is from when every one holds all it was given
	 * (0: the trace is no such snapshot); the records missing from
	 * threads' batch sequences before it were overwritten there, by
	 * design, and are counted here, not in lost_records.
	 */
	uint64_t window_ns;
	uint64_t overwritten_records, overwritten_threads;

	CPROF_VEC(char *) strings; /* owned; strings.v[0] is "" */
	void *string_index;	   /* private to model.c */

	CPROF_VEC(struct cprof_process) processes;
	CPROF_VEC(struct cprof_module) modules;
	CPROF_VEC(struct cprof_thread) threads;
	CPROF_VEC(struct cprof_task) tasks;
	CPROF_VEC(struct cprof_region) regions;
	CPROF_VEC(struct cprof_log) logs;
	CPROF_VEC(struct cprof_wait) waits;
	CPROF_VEC(struct cprof_release) releases;
	CPROF_VEC(struct cprof_alloc) allocs;
	CPROF_VEC(struct cprof_syscall) syscalls;
	CPROF_VEC(struct cprof_sample) samples;
	CPROF_VEC(struct cprof_counter) counters;
	CPROF_VEC(struct cprof_stack) stacks; /* stacks.v[0]: the empty stack */
	CPROF_VEC(uint64_t) frames;
	CPROF_VEC(struct cprof_lost) lost;
	CPROF_VEC(struct cprof_warning) warnings;
	/* What keeps the trace from being read as recorded (a damaged stream
	 * file, contexts the events lack): one sentence each, without the
	 * path, that every command says on stderr and the viewer in its
	 * status line. Strings of `strings`. */
	CPROF_VEC(cprof_str) notes;
	CPROF_VEC(struct cprof_thread_state) thread_states;
	/* The last state dump (cprof:state_begin/end) in the trace, 0 none:
	 * what a profile of "after the dump" starts from. */
	uint64_t state_begin_ns, state_end_ns;
	/* Derived from the model once and kept with it: how the regions nest,
	 * which every profile needs and which costs a pass over millions of
	 * regions (analysis/profiles_ctx.c). NULL until first needed; set
	 * once (atomically: readers may race) and freed with the model. */
	void *region_nesting;
	void (*region_nesting_free)(void *nesting);
	/* Derived data stored with the model in its cache (reader/cache.c),
	 * opaque to both: cprof_model_summarize's bytes, read back as they
	 * were written (analysis/stats.c says what they are and checks
	 * them). NULL: none. Freed with the model when `summary_owned`, else
	 * in the mapping. Set once, published last (atomically: a viewer
	 * writes the cache, and so sets this, while its panels read).
	 * summary_pending (atomic too): a cache write left for later
	 * (reader.h's defer_cache) will set it, and a query the summary
	 * answers waits for it instead of computing the same. */
	const void *summary;
	size_t summary_len;
	bool summary_owned;
	bool summary_pending;
	/* A model loaded from its cache (reader/cache.c): the vectors are
	 * borrowed from this mapping (see common/vec.h), and so are the first
	 * `strings_mapped` strings. Unmapped with the model. */
	void *mapping;
	size_t mapping_len;
	size_t strings_mapped;
};

struct cprof_model *cprof_model_create(void);
void cprof_model_destroy(struct cprof_model *model);

/*
 * What derived data to keep with a model in its cache, so that a second
 * open need not derive it again from millions of items: called (when not
 * NULL) on a complete model about to be cached, it may set the model's
 * summary (malloc'ed, summary_owned). Process-wide: set before a trace
 * is read (cprof-trace's main: the region statistics, whichever command
 * writes the cache).
 */
extern void (*cprof_model_summarize)(struct cprof_model *model);

/* Interns `len` bytes of `s`; returns 0 ("") on out of memory. */
cprof_str cprof_model_intern(struct cprof_model *model, const char *s, size_t len);
/* Stores `len` bytes of `s` without looking for an equal string (log
 * messages: mostly unique, not worth a hash probe); 0 ("") on out of memory. */
cprof_str cprof_model_add_str(struct cprof_model *model, const char *s, size_t len);
static inline const char *cprof_model_str(const struct cprof_model *model, cprof_str s)
{
	return model->strings.v[s];
}

/* A process as ps shows it: its title ("nginx: worker process") once the
 * program set one, else its name, its program's (the comm its exec gave
 * it) however it was recorded, or its main thread's when the trace does
 * not have the program's (the reader's rule: handlers.c,
 * name_after_exec). */
static inline const char *cprof_model_process_label(const struct cprof_model *model,
						    const struct cprof_process *p)
{
	return cprof_model_str(model, p->title ? p->title : p->name);
}

/* Regions listed by index (a thread's, sorted by begin), for
 * cprof_regions_first_after. */
struct cprof_region_order {
	const struct cprof_region *v;
	const uint32_t *order;
};

static inline uint64_t cprof_region_order_begin(const void *ctx, size_t i)
{
	const struct cprof_region_order *o = ctx;
	return o->v[o->order[i]].begin_ns;
}

/* Of the regions order[0 .. n), sorted by begin, the first that begins
 * after t (n when none does): only those before it may hold t
 * (common/interval.h). */
static inline size_t cprof_regions_first_after(const struct cprof_model *model,
					       const uint32_t *order, size_t n, uint64_t t)
{
	const struct cprof_region_order o = {model->regions.v, order};
	return cprof_interval_first_after(&o, n, t, cprof_region_order_begin);
}

/*
 * Room for `n` regions before a reader fills them, from memory advised for
 * transparent huge pages, and the spare room given back once filled. A
 * model of 100M records is 1.6 GB of regions: grown by doubling, each of
 * its 4 KiB pages costs a fault as it fills (about 3 us each under this
 * hypervisor, seconds in all) and every later pass over it a TLB miss per
 * page. Reserved once, the pages fault in 2 MiB at a time and nothing is
 * moved. Only a hint: false when the memory was not there (the vector
 * then grows as before).
 */
bool cprof_model_reserve_regions(struct cprof_model *model, size_t n);
void cprof_model_trim_regions(struct cprof_model *model);
/* The regions copied into memory of their own with room for `cap`
 * (at least regions.n), from memory the model does not own (the old is
 * not freed); false when out of memory (nothing changed). */
bool cprof_model_own_regions(struct cprof_model *model, size_t cap);

/* The model's loss in one sentence for stderr ("N events lost by the
 * tracer ..."), in buf; false when nothing was lost. */
bool cprof_model_describe_loss(const struct cprof_model *model, char *buf, size_t len);
/* A snapshot's window in one neutral sentence ("snapshot: the window
 * common to every CPU starts at +X ms ..."), in buf; false
 * when the trace is no snapshot whose window starts after its begin. */
bool cprof_model_describe_window(const struct cprof_model *model, char *buf, size_t len);
/* Adds a note (see `notes`); false when out of memory. */
bool cprof_model_add_note(struct cprof_model *model, const char *text);

/* Approximate heap bytes held by the model (for the bench's bytes/event). */
size_t cprof_model_memory(const struct cprof_model *model);

/* Short names of a wait kind (enum cprof_tp_wait_kind: "mutex", "cond", ...)
 * and of a blocking call (enum cprof_tp_call: "read", "nanosleep", ...);
 * "?" for a value this version does not know. */
const char *cprof_wait_kind_name(uint32_t kind);
/* The viewer's words for a wait kind ("condition variable"); "wait" when
 * unknown. */
const char *cprof_wait_kind_label(uint32_t kind);
const char *cprof_call_name(uint32_t call);

#endif /* CPROF_MODEL_H */
