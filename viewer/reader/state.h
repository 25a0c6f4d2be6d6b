/*
 * The reader's model building, apart from babeltrace2: what an event of
 * each kind does to the model, given its decoded values. decode.c turns a
 * babeltrace2 event into a struct rd_event; rd_feed() takes it from there
 * (which process tree to keep, processes and threads, then the kind's
 * handler from the table in handlers.c). Unit tests feed events directly.
 *
 * Private to viewer/reader/ and its tests: nothing here is exported.
 *
 * Ownership: rd_state_init() borrows the model, which the caller owns;
 * rd_state_fini() releases what the state allocated, never the model.
 */
#ifndef CPROF_READER_STATE_H
#define CPROF_READER_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/pairmap.h"
#include "common/vec.h"
#include "model/model.h"

#define RD_MAX_FIELDS 10

/* What a handler wants of a payload member. */
enum rd_want {
	RD_UINT = 0, /* an integer, signed ones cast; 0 when not an integer */
	RD_STR,	     /* a string; "" when not a string */
	RD_HEX,	     /* a string, or an array of bytes as lowercase hex (build ids) */
	RD_U64S,     /* an array of unsigned integers (stack addresses) */
	RD_BYTES,    /* an array of bytes, in `s` and `n` (cprof:batch) */
};

struct rd_state;
struct rd_event;
typedef void (*rd_handler)(struct rd_state *st, struct rd_event *ev);

enum {
	RD_CPROF = 1u << 0,	 /* a cprof:* event: its process and thread go in the model */
	RD_KEEPS_WAIT = 1u << 1, /* may come while its thread waits (see rd_feed) */
	RD_MODULE = 1u << 2,	 /* a module event, for the symbolizer */
	RD_PPID = 1u << 3,	 /* carries the process's parent pid (see rd_kind.ppid) */
	RD_STATE_ONLY = 1u << 4, /* only a state dump emits it: its thread is the dumping one */
	RD_BATCH = 1u << 5,	 /* cprof:batch: unpacked into its records (batch.c) */
	RD_HEAP_BLOCK = 1u << 6, /* cprof:alloc, cprof:free: see no_allocs */
	RD_PROCESS = 1u << 7,	 /* about its process, from a thread of ours: no thread */
};

/* One entry of the event table: an event class name and what to do with it. */
struct rd_kind {
	const char *name;
	rd_handler on; /* NULL: only counted */
	unsigned flags;
	int8_t ppid; /* with RD_PPID: the member carrying the parent pid */
	struct {
		const char *name;
		enum rd_want want;
		bool signed_;	 /* a signed integer (for dump) */
	} fields[RD_MAX_FIELDS]; /* name NULL: end */
	/* from the preload's dumping thread (see RD_STATE_ONLY), NULL: nothing */
	rd_handler on_state;
};

/* The entry of `name`, or of an unknown cprof:* event, or of any other
 * event; never NULL. */
const struct rd_kind *rd_kind_find(const char *name);

/* Contexts an event lacks (rd_event.missing_context). */
enum { RD_NO_VPID = 1, RD_NO_VTID = 2 };

struct rd_value {
	uint64_t u;	   /* RD_UINT; RD_BYTES: 1 read from a string, 0 from an array */
	const char *s;	   /* RD_STR, RD_HEX: never NULL once decoded */
	size_t n;	   /* string length, or array length */
	const uint64_t *a; /* RD_U64S: NULL when the member is not an array */
};

/*
 * One event. The decoder fills the header; the payload values come from
 * fetch_fields() when rd_feed() first needs them (events of processes left
 * out are never decoded), the procname context from fetch_procname() when a
 * process or thread is first met. Tests fill everything and leave both
 * callbacks NULL.
 */
struct rd_event {
	const struct rd_kind *kind;
	uint64_t ns;
	int32_t pid, tid, ppid;	 /* vpid, vtid, vppid contexts (0: absent) */
	uint8_t missing_context; /* RD_NO_VPID | RD_NO_VTID */
	/* ns from the clock's origin minus CLOCK_MONOTONIC ns (the clock's
	 * offset): times in payloads (cprof:batch) are CLOCK_MONOTONIC */
	int64_t clock_offset;

	unsigned present; /* bit i: payload member i exists */
	struct rd_value f[RD_MAX_FIELDS];
	void (*fetch_fields)(struct rd_event *ev);
	const char *procname;
	size_t procname_len;
	const char *(*fetch_procname)(const struct rd_event *ev, size_t *len);
	/* The host the event's trace was recorded on ("" unknown); tests
	 * leave fetch_host NULL. */
	const char *host;
	const char *(*fetch_host)(const struct rd_event *ev);
	const void *source; /* the decoder's data for the callbacks */

	/* set by rd_feed() for the handler */
	struct rd_proc *p;
	uint32_t proc;		 /* model process (cprof events) */
	uint32_t thread;	 /* model thread (cprof events) */
	uint64_t thread_prev_ns; /* the thread's last event before this one */
};

struct rd_proc {
	int32_t pid, ppid;
	int8_t keep;	 /* 1 kept, -1 left out, 0 not known yet */
	uint32_t model;	 /* model process index, CPROF_NONE until a cprof event */
	uint64_t events; /* kept events of this process */
	uint64_t first_ns, last_ns;
	uint32_t heap_counter, threads_counter; /* model counter index */
	int64_t threads_alive;
	int32_t state_tid; /* the preload's dumping thread, 0 none (not a thread) */
	/* Images the process ran before this one (exec): each numbers its
	 * stacks from 1 again (handlers.c, stack_key). */
	uint8_t execs;
	bool announced; /* the image's cprof:config from a program thread seen */
	/* The process's name is its program's (its comm at start, `ps`'s),
	 * from the image's announcement: a state dump's main-thread name
	 * then no longer names it (handlers.c, name_after_exec). */
	bool named;
};

/* A region closed with the region it began in (see rd_region_end). */
struct rd_cut_region {
	uint32_t region;
	uint32_t warning; /* its warning, rewritten if its own end comes */
	cprof_str enclosing;
};

struct rd_thread {
	CPROF_VEC(uint32_t) open; /* stack of open region indices */
	CPROF_VEC(struct rd_cut_region) cut;
	uint32_t wait; /* open wait index, CPROF_NONE */
	/* Regions and logs mostly name the task the thread last touched. */
	uint64_t last_task_id;
	uint32_t last_task;
	/* Some of its batched records were lost (a gap in its sequence): a
	 * region end that finds no begin may be one whose begin was lost. */
	bool lost;
	/* What the thread's lost records did to its regions, reported once
	 * at the end (rd_regions_lost_finish); over_*: gaps of records
	 * overwritten before a snapshot's window, apart. */
	uint64_t lost_records, lost_gaps, lost_first_ns, lost_last_ns;
	uint64_t over_records, over_gaps, over_first_ns, over_last_ns;
	uint64_t lost_cut;    /* regions cut where its records stop */
	uint64_t lost_begins; /* region ends whose begin was lost */
};

/* Short strings met again and again (types, categories): a direct-mapped
 * cache in front of the model's string table. */
#define RD_STR_CACHE 64
#define RD_STR_CACHE_LEN 40
struct rd_str_cache {
	uint32_t len;
	cprof_str id;
	char s[RD_STR_CACHE_LEN];
};

#define RD_THREAD_CACHE 64
struct rd_thread_cache {
	uint64_t key;
	uint32_t thread;
};

/* A thread's batch sequence (batch.c): the next record expected. */
struct rd_batch_seq {
	uint64_t next;
	uint64_t last_ns;
	bool overwritten; /* a gap before the window (batch.c) */
};

/* A batch emitted alone (a signal handler's record while its thread was
 * appending): it goes out before the thread's batch around it in time, so
 * it waits, copied (rd_event_copy), to be fed among the thread's records
 * by its time (batch.c). */
struct rd_alone {
	struct rd_event ev;
	uint8_t *buf;
	size_t cap;
	uint64_t ns; /* its first record's */
};

/*
 * Records of different threads are read out of time order (each thread's
 * batch goes out on its own): a task may end, or be named by a region or
 * a log, before the record that begins it is read. Such a reference waits
 * here for its task until rd_finish.
 */
enum rd_pending_kind { RD_PENDING_END, RD_PENDING_REGION, RD_PENDING_LOG, RD_PENDING_PARENT };
struct rd_pending {
	uint8_t kind;
	uint32_t proc;
	uint64_t id;	/* the task id */
	uint32_t index; /* the region, log or task; the ending thread for END */
	uint64_t ns;	/* END: when it ended */
	uint32_t next;	/* the next reference to the same task, CPROF_NONE */
};

struct rd_region_end {
	uint32_t proc, thread;
	uint64_t ns;
	cprof_str type;
	uint64_t task_id;
	bool done;
};

struct rd_state {
	struct cprof_model *model;
	int32_t root_pid; /* 0: keep every process */
	/* the tree's processes that ran in a PID namespace of their own, by
	 * the pid their events carry (record's list): kept, though their
	 * parents' pids do not lead to root_pid */
	const int32_t *ns_pids;
	size_t n_ns_pids;
	bool count_only; /* see cprof_read_options */
	bool no_allocs;	 /* likewise */

	CPROF_VEC(struct rd_proc) procs;
	struct cprof_pairmap proc_index; /* pid -> procs index */
	int32_t last_pid;
	uint32_t last_proc;

	CPROF_VEC(struct rd_thread) tstates; /* parallel to model threads */
	struct cprof_pairmap thread_index;   /* (model process, tid) -> thread */
	uint64_t last_thread_key;
	uint32_t last_thread;
	struct rd_thread_cache thread_cache[RD_THREAD_CACHE];
	struct rd_str_cache str_cache[RD_STR_CACHE];

	struct cprof_pairmap tasks;  /* (model process, task id) -> task */
	struct cprof_pairmap stacks; /* (model process, stack id) -> stack */
	struct cprof_pairmap allocs; /* (model process, ptr) -> open alloc */
	/* (model process, ptr) -> the block an allocation closed, and a free
	 * read before its block (handlers.c: why) */
	struct cprof_pairmap alloc_prev, early_frees;
	CPROF_VEC(uint64_t) early_free_ns;
	bool allocs_unordered;	       /* an allocation read before an earlier one */
	struct cprof_pairmap counters; /* (model process, name) -> user counter */
	/* (a cprof:module's path, 0) -> the path resolved (handlers.c: why) */
	struct cprof_pairmap module_paths;

	struct cprof_pairmap batch_seqs; /* (pid, tid) -> seqs index */
	CPROF_VEC(struct rd_batch_seq) seqs;
	CPROF_VEC(struct rd_alone) alone; /* in the order read */
	uint64_t lost_records;
	bool batch_after_gap;	/* the batch being unpacked follows lost records */
	bool batch_starts_late; /* ... or is a thread's first, not numbered 0 */
	uint64_t gap_records;	/* how many, and the times around them */
	uint64_t gap_begin_ns, gap_end_ns;
	bool gap_overwritten; /* the gap opens before window_ns */
	/* A snapshot of overwrite-mode ring buffers: from when every stream
	 * holds what it was given (rd_salvage.window_ns), 0 none. Records
	 * missing from a thread's sequence before it were overwritten. */
	uint64_t window_ns;
	/* `record` started the program under the session (cprof-record.json's
	 * "launched", no window): a kept thread's first batch in the trace
	 * that is not its first follows records lost, counted as a gap. */
	bool from_launch;
	uint64_t batch_records; /* records unpacked from batches (for progress) */
	CPROF_VEC(struct rd_pending) pending;
	/* Region ends that found no open region: the begin may be in another
	 * thread's batch, read later (regions.c). */
	CPROF_VEC(struct rd_region_end) region_ends;
	size_t region_ends_open;
	struct cprof_pairmap pending_index; /* (model process, task id) -> first */
	uint32_t pending_ends;		    /* RD_PENDING_END entries in `pending` */

	bool missing_context_warned;
	bool out_of_memory;
	/* The model's regions are in memory their vector may not realloc
	 * (the cache file being built, reader.c): once full, they move to
	 * the heap (regions.c). */
	bool regions_fixed;
};

void rd_state_init(struct rd_state *st, struct cprof_model *model);
void rd_state_fini(struct rd_state *st);

/* Takes one event into the model. Returns true when the event belongs to a
 * kept process and was taken in full (dump prints those). */
bool rd_feed(struct rd_state *st, struct rd_event *ev);

/* After the last event: modules to model processes, event counts and time
 * range, warnings for regions still open. */
void rd_finish(struct rd_state *st);

/* ---- shared by the handlers ---------------------------------------------- */

/* Adds a warning; returns its index, CPROF_NONE when out of memory. */
uint32_t rd_warn(struct rd_state *st, uint64_t ns, uint32_t thread, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* "tid (name)" of a model thread, in buf. */
/* The event's procname context (its thread's name), "" when absent. */
const char *rd_procname(const struct rd_event *ev, size_t *len);
const char *rd_thread_label(struct rd_state *st, uint32_t thread, char *buf, size_t len);
uint32_t rd_thread_find_or_add(struct rd_state *st, uint32_t proc, int32_t tid, uint64_t ns,
			       const char *name, size_t namelen);
uint32_t rd_task_ref(struct rd_state *st, uint32_t proc, uint64_t id);

/* Whether the process of `pid` is kept (its events go in the model). */
bool rd_proc_kept(struct rd_state *st, int32_t pid);
/* The time of the process's first event read, `otherwise` when none yet. */
uint64_t rd_proc_first_ns(struct rd_state *st, int32_t pid, uint64_t otherwise);

/*
 * The records of a batch after the first all belong to its thread: once
 * rd_feed() took one of them in full, what it does for the next region
 * records is only counting, and their handler can be called directly.
 * rd_fast_take() says whether `ev` (just fed, rd_feed returned true) allows
 * that and fills `f`; rd_fast_regions() is rd_feed() for a run of such
 * records, of nondecreasing times.
 */
struct rd_fast {
	struct rd_proc *p;
	uint32_t proc, thread;
};
bool rd_fast_take(struct rd_state *st, const struct rd_event *ev, struct rd_fast *f);
/* A wait whose end was not recorded ends at the thread's next event. */
void rd_wait_end_lost(struct rd_state *st, uint32_t thread, uint64_t ns);
/* regions.c */
struct rd_fast_rec {
	uint64_t ns, task_id;
	cprof_str type;
	bool begin;
};
void rd_fast_regions(struct rd_state *st, const struct rd_fast *f, const struct rd_fast_rec *recs,
		     size_t n);

/* cprof:batch (batch.c): each record is fed to rd_feed(); `kept` is called
 * with those rd_feed kept (dump prints them). */
typedef void (*rd_record_fn)(void *data, struct rd_event *record);
void rd_batch_unpack(struct rd_state *st, struct rd_event *batch, rd_record_fn kept, void *data);
/* rd_finish: the batches emitted alone still waiting for their thread's. */
void rd_batch_finish(struct rd_state *st);
/* `ev` (a batch or any other event) with its fields fetched, and its
 * strings, arrays, thread name and host copied into *buf (grown to *cap as
 * needed; the caller frees it), into `dst`: it outlives the babeltrace2
 * message it came from. */
bool rd_event_copy(struct rd_event *dst, uint8_t **buf, size_t *cap, struct rd_event *ev);

/* A reference to a task not met yet (see struct rd_pending). */
void rd_pending_add(struct rd_state *st, enum rd_pending_kind kind, uint32_t proc, uint64_t id,
		    uint32_t index, uint64_t ns);
/* A task begins: the references that waited for it. */
void rd_pending_resolve(struct rd_state *st, uint32_t proc, uint64_t id, uint32_t task);
void rd_pending_finish(struct rd_state *st);

/* Handlers that live apart from the table (regions.c). */
void rd_on_region_begin(struct rd_state *st, struct rd_event *ev);
void rd_on_region_end(struct rd_state *st, struct rd_event *ev);
/* The same, given the event's process, thread, time, task id and type. */
void rd_region_begin(struct rd_state *st, uint32_t proc, uint32_t thread, uint64_t ns,
		     uint64_t task_id, cprof_str type);
void rd_region_end(struct rd_state *st, uint32_t proc, uint32_t thread, uint64_t ns,
		   uint64_t task_id, cprof_str type);
/* rd_finish: region ends whose region never began. */
void rd_region_ends_finish(struct rd_state *st);
/* The first record of `thread` after its lost records (st->gap_*): the
 * regions it had open are cut where its records stop. */
void rd_regions_lost(struct rd_state *st, uint32_t thread);
/* rd_finish: one warning per thread that lost records. */
void rd_regions_lost_finish(struct rd_state *st);

/* The task a region or log of `thread` names, through the thread's cache. */
static inline uint32_t rd_thread_task_ref(struct rd_state *st, uint32_t proc, uint32_t thread,
					  uint64_t id)
{
	struct rd_thread *ts = &st->tstates.v[thread];
	uint32_t *idx;

	if (!id)
		return CPROF_NONE;
	if (ts->last_task != CPROF_NONE && ts->last_task_id == id)
		return ts->last_task;
	idx = cprof_pairmap_find(&st->tasks, proc, id);
	if (!idx)
		return CPROF_NONE;
	ts->last_task_id = id;
	ts->last_task = *idx;
	return *idx;
}

static inline cprof_str rd_intern_cached(struct rd_state *st, const char *s, size_t len)
{
	struct rd_str_cache *c;

	if (!len)
		return 0;
	if (len > RD_STR_CACHE_LEN)
		return cprof_model_intern(st->model, s, len);
	c = &st->str_cache[(len * 31 + (unsigned char)s[0] * 7 + (unsigned char)s[len - 1]) %
			   RD_STR_CACHE];
	if (c->len == len && c->id && memcmp(c->s, s, len) == 0)
		return c->id;
	c->id = cprof_model_intern(st->model, s, len);
	c->len = (uint32_t)len;
	memcpy(c->s, s, len);
	return c->id;
}

#endif /* CPROF_READER_STATE_H */
