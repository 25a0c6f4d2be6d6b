/*
 * One handler per event kind, and the table that names them: the event
 * class name, the payload members the handler reads (by index into
 * ev->f, in the order listed) and what it wants of each. decode.c resolves
 * a class against this table once, when it first meets the class.
 *
 * Handlers of cprof events run with ev->proc and ev->thread set (rd_feed);
 * module handlers with ev->p, the process state whose index the module
 * keeps until rd_finish maps it to a model process.
 */
#include "state.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof-tp-enums.h"

/*
 * A stack id names a stack of the process's current image: the preload
 * library of an image that exec started numbers its stacks from 1 again,
 * so the ids of each image are kept apart (in the top bits, far above any
 * id a process defines). Without this, every stack of a program started
 * by `exec` from a shell, `env` or `nice` whose id the shell had used
 * showed the shell's frames.
 */
static uint64_t stack_key(const struct rd_event *ev, uint64_t id)
{
	return id ^ ((uint64_t)ev->p->execs << 56);
}

static uint32_t stack_ref(struct rd_state *st, const struct rd_event *ev, uint64_t id)
{
	uint32_t *idx;

	if (!id)
		return 0;
	idx = cprof_pairmap_find(&st->stacks, ev->proc, stack_key(ev, id));
	return idx ? *idx : 0;
}

static struct cprof_counter *counter_get(struct rd_state *st, uint32_t *slot, uint32_t proc,
					 const char *name)
{
	struct cprof_counter *c;

	if (*slot != CPROF_NONE)
		return &st->model->counters.v[*slot];
	c = cprof_vec_push(&st->model->counters);
	if (!c) {
		st->out_of_memory = true;
		return NULL;
	}
	c->name = cprof_model_intern(st->model, name, strlen(name));
	c->process = proc;
	*slot = (uint32_t)(st->model->counters.n - 1);
	return c;
}

static void counter_add(struct rd_state *st, struct cprof_counter *c, uint64_t ns, int64_t value)
{
	struct cprof_counter_point *pt = cprof_vec_push(&c->points);
	if (!pt) {
		st->out_of_memory = true;
		return;
	}
	pt->ns = ns;
	pt->value = value;
}

/* ---- tasks, logs, warnings, process settings ------------------------------ */

static void on_task_begin(struct rd_state *st, struct rd_event *ev)
{
	struct cprof_model *m = st->model;
	struct cprof_task *task = cprof_vec_push(&m->tasks);
	uint64_t id = ev->f[0].u;

	if (!task || cprof_pairmap_put(&st->tasks, ev->proc, id, (uint32_t)(m->tasks.n - 1))) {
		st->out_of_memory = true;
		return;
	}
	task->id = id;
	task->parent_id = ev->f[1].u;
	task->parent = rd_task_ref(st, ev->proc, task->parent_id);
	if (task->parent == CPROF_NONE && task->parent_id)
		rd_pending_add(st, RD_PENDING_PARENT, ev->proc, task->parent_id,
			       (uint32_t)(m->tasks.n - 1), 0);
	task->process = ev->proc;
	task->type = rd_intern_cached(st, ev->f[2].s, ev->f[2].n);
	task->begin_ns = ev->ns;
	task->begin_thread = ev->thread;
	st->tstates.v[ev->thread].last_task_id = id;
	st->tstates.v[ev->thread].last_task = (uint32_t)(m->tasks.n - 1);
	task->end_thread = CPROF_NONE;
	rd_pending_resolve(st, ev->proc, id, (uint32_t)(m->tasks.n - 1));
}

static void on_task_end(struct rd_state *st, struct rd_event *ev)
{
	uint64_t id = ev->f[0].u;
	uint32_t ti = rd_task_ref(st, ev->proc, id);
	struct cprof_task *task;

	if (ti == CPROF_NONE) {
		/* its begin may be in another thread's batch, read later */
		rd_pending_add(st, RD_PENDING_END, ev->proc, id, ev->thread, ev->ns);
		return;
	}
	task = &st->model->tasks.v[ti];
	if (task->end_ns) {
		rd_warn(st, ev->ns, ev->thread, "task %" PRIu64 " ('%s') ended twice", id,
			cprof_model_str(st->model, task->type));
		return;
	}
	task->end_ns = ev->ns;
	task->end_thread = ev->thread;
}

static void on_log(struct rd_state *st, struct rd_event *ev)
{
	struct cprof_log *log = cprof_vec_push(&st->model->logs);

	if (!log) {
		st->out_of_memory = true;
		return;
	}
	log->thread = ev->thread;
	log->task = rd_thread_task_ref(st, ev->proc, ev->thread, ev->f[0].u);
	if (log->task == CPROF_NONE && ev->f[0].u)
		rd_pending_add(st, RD_PENDING_LOG, ev->proc, ev->f[0].u,
			       (uint32_t)(st->model->logs.n - 1), 0);
	log->category = rd_intern_cached(st, ev->f[1].s, ev->f[1].n);
	log->message = cprof_model_add_str(st->model, ev->f[2].s, ev->f[2].n);
	log->length = ev->f[3].u;
	if (log->length < ev->f[2].n)
		log->length = ev->f[2].n;
	log->ns = ev->ns;
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
	case CPROF_TP_WARN_SECCOMP:
		return "the program installed a seccomp filter";
	case CPROF_TP_WARN_UNTRACED_EXEC:
		return "a program it executes is not traced";
	default:
		return "unknown warning";
	}
}

/*
 * A program the process was about to execute is not traced (secure
 * execution), told in the trace where no record heard it (a flight
 * recorder, record --pid): the same note as record's notice in
 * cprof-record.json, which every command says, once however many times
 * the program ran.
 */
static void note_untraced_exec(struct rd_state *st, const char *text, size_t len)
{
	struct cprof_model *m = st->model;
	cprof_str s = cprof_model_intern(m, text, len);
	cprof_str *slot;

	for (size_t i = 0; s && i < m->notes.n; i++)
		if (m->notes.v[i] == s)
			return;
	if (!s || !(slot = cprof_vec_push(&m->notes))) {
		st->out_of_memory = true;
		return;
	}
	*slot = s;
}

static void on_warning(struct rd_state *st, struct rd_event *ev)
{
	uint32_t code = (uint32_t)ev->f[0].u;
	const char *s = ev->f[1].s;
	size_t len = ev->f[1].n;
	char a[96];

	if (code == CPROF_TP_WARN_UNTRACED_EXEC && len) {
		note_untraced_exec(st, s, len);
		return;
	}
	if (len)
		rd_warn(st, ev->ns, ev->thread, "%s on thread %s: %.*s", warning_text(code),
			rd_thread_label(st, ev->thread, a, sizeof(a)), (int)(len > 200 ? 200 : len),
			s);
	else
		rd_warn(st, ev->ns, ev->thread, "%s on thread %s", warning_text(code),
			rd_thread_label(st, ev->thread, a, sizeof(a)));
}

/*
 * A process announces its image (cprof:config): at its start, after exec
 * (the new image's constructor) and in each state dump. It is named after
 * its program: the comm it had when it started (exec's file name, as ps
 * shows it; a shell's child that ran `ls` is `ls`, not `bash`), which the
 * preload library says in `program` from launch as in a state dump (serve,
 * record --pid), after the program named its main thread ("producer" in
 * the workers sample) as before. In a trace of an earlier library, the
 * procname of the main thread's announcement names it.
 */
static void name_after_exec(struct rd_state *st, struct rd_event *ev)
{
	size_t len;
	const char *name;

	if ((ev->present & (1u << 7)) && ev->f[7].n) {
		name = ev->f[7].s;
		len = ev->f[7].n;
	} else if (ev->tid == ev->pid) {
		name = rd_procname(ev, &len);
	} else {
		return;
	}
	if (len) {
		st->model->processes.v[ev->proc].name = cprof_model_intern(st->model, name, len);
		ev->p->named = true;
	}
}

/* The title the program gave itself (setproctitle), as ps shows it. */
static void on_process_title(struct rd_state *st, struct rd_event *ev)
{
	st->model->processes.v[ev->proc].title =
	    cprof_model_intern(st->model, ev->f[0].s, ev->f[0].n);
}

static void on_process(struct rd_state *st, struct rd_event *ev)
{
	/* The root is kept by pid, before any ppid is known. */
	struct cprof_process *mp = &st->model->processes.v[ev->proc];
	int32_t ppid = (int32_t)ev->f[0].u;

	if (mp->ppid <= 0 && ppid > 0)
		mp->ppid = ev->p->ppid = ppid;
	name_after_exec(st, ev);
}

/* Also a state dump's announcement of the image (see on_config). */
static void on_state_config(struct rd_state *st, struct rd_event *ev)
{
	struct cprof_process *mp = &st->model->processes.v[ev->proc];

	mp->alloc_mode = (uint32_t)ev->f[0].u;
	mp->alloc_rate = ev->f[1].u;
	mp->cpu_rate = (uint32_t)ev->f[2].u;
	mp->io_threshold_ns = ev->f[3].u;
	mp->has_config = true;
	name_after_exec(st, ev);
}

static void alloc_close(struct cprof_alloc *a, uint64_t ns);

/* Forgets the process's entries of an (process, address) map. */
static void pairmap_drop_proc(struct cprof_pairmap *map, uint32_t proc)
{
	for (size_t j = 0; j < map->cap; j++)
		if (map->s[j].state == 1 && map->s[j].a == proc)
			map->s[j].state = 2;
}

/*
 * The old image's heap at its exec: the kernel discards the whole address
 * space, so every block it still held is released there, and the heap
 * counter drops to what the new image's preload counts from (nothing).
 * Left alone, a program that allocated 64 MiB and executed another showed
 * them in use to the trace's end.
 */
static void image_heap_end(struct rd_state *st, struct rd_event *ev, uint64_t exec_ns)
{
	struct cprof_pairmap *open = &st->allocs;
	struct cprof_counter *c;

	for (size_t j = 0; j < open->cap; j++)
		if (open->s[j].state == 1 && open->s[j].a == ev->proc)
			alloc_close(&st->model->allocs.v[open->s[j].v], exec_ns);
	pairmap_drop_proc(open, ev->proc);
	pairmap_drop_proc(&st->alloc_prev, ev->proc);
	pairmap_drop_proc(&st->early_frees, ev->proc);
	if (ev->p->heap_counter != CPROF_NONE &&
	    (c = counter_get(st, &ev->p->heap_counter, ev->proc, "heap in use")))
		counter_add(st, c, exec_ns, 0);
}

/* A wait in progress when its thread's image ended: it ended there. */
static void wait_cut(struct rd_state *st, uint32_t thread, uint64_t ns)
{
	struct rd_thread *ts = &st->tstates.v[thread];
	struct cprof_wait *w;

	if (ts->wait == CPROF_NONE)
		return;
	w = &st->model->waits.v[ts->wait];
	w->end_ns = ns > w->begin_ns ? ns : w->begin_ns + 1;
	ts->wait = CPROF_NONE;
}

/*
 * A new image (exec) of ev's process, announced by ev. POSIX's exec
 * destroys every thread but the caller, which goes on with the process's
 * id, the main thread's, whichever thread called it: the other threads
 * end at the exec, the pid's thread goes on in the new image. The trace
 * has no event at the exec itself (the preload's hook can not know that
 * it will succeed): the old image's last event, which its hook flushed
 * just before, stands for it (the announcement comes after the new
 * image's libraries loaded and lttng-ust registered, tens of ms later).
 */
static void image_end(struct rd_state *st, struct rd_event *ev)
{
	struct cprof_model *m = st->model;
	uint64_t exec_ns = ev->thread_prev_ns;
	int64_t ended = 0;
	struct cprof_counter *c;

	for (size_t i = 0; i < m->threads.n; i++)
		if (m->threads.v[i].process == ev->proc && i != ev->thread &&
		    m->threads.v[i].last_ns > exec_ns && m->threads.v[i].last_ns <= ev->ns)
			exec_ns = m->threads.v[i].last_ns;
	for (size_t i = 0; i < m->threads.n; i++) {
		struct cprof_thread *t = &m->threads.v[i];

		if (t->process != ev->proc)
			continue;
		wait_cut(st, (uint32_t)i, exec_ns);
		if (t->tid == ev->pid || t->end_ns)
			continue;
		t->end_ns = exec_ns > t->last_ns ? exec_ns : t->last_ns;
		ended++;
	}
	if (ended && (c = counter_get(st, &ev->p->threads_counter, ev->proc, "threads alive"))) {
		ev->p->threads_alive = 1;
		counter_add(st, c, exec_ns, 1);
	}
	image_heap_end(st, ev, exec_ns);
}

/*
 * The preload library of each image announces it once from the program's
 * threads (its constructor, or the first event with a stack when no
 * session was recording then): a second such announcement is a new image
 * (exec). A state dump announces the image again from the dumping thread
 * (on_state_config), and the announcement held back until recording began
 * may come after it: neither starts a new image, whose stack ids would
 * then miss every stack the image defined before. The event may come
 * while its thread waits (RD_KEEPS_WAIT): a wait of the old image ends
 * at the exec, not at the new image's announcement.
 */
static void on_config(struct rd_state *st, struct rd_event *ev)
{
	if (ev->p->announced) {
		image_end(st, ev);
		if (ev->p->execs < UINT8_MAX)
			ev->p->execs++;
	} else if (st->tstates.v[ev->thread].wait != CPROF_NONE) {
		rd_wait_end_lost(st, ev->thread, ev->ns);
	}
	ev->p->announced = true;
	on_state_config(st, ev);
}

/* ---- stacks and threads ----------------------------------------------------- */

static void on_stack(struct rd_state *st, struct rd_event *ev)
{
	struct cprof_model *m = st->model;
	uint64_t id = stack_key(ev, ev->f[0].u), n = ev->f[1].n;
	struct cprof_stack *s;
	uint64_t *fr;

	/* An id means one stack: a flight recorder's preload writes the
	 * definition again at every use. */
	if (!(ev->present & 2u) || !ev->f[1].a || cprof_pairmap_find(&st->stacks, ev->proc, id))
		return;
	if (n > UINT16_MAX)
		n = UINT16_MAX;
	s = cprof_vec_push(&m->stacks);
	if (!s || cprof_pairmap_put(&st->stacks, ev->proc, id, (uint32_t)(m->stacks.n - 1))) {
		st->out_of_memory = true;
		return;
	}
	s->process = ev->proc;
	s->first = (uint32_t)m->frames.n;
	s->depth = (uint16_t)n;
	s->ns = ev->ns;
	for (uint64_t k = 0; k < n; k++) {
		if (!(fr = cprof_vec_push(&m->frames))) {
			st->out_of_memory = true;
			return;
		}
		*fr = ev->f[1].a[k];
	}
}

/* The "threads alive" counter: the main thread counts from the first change. */
static void threads_alive_add(struct rd_state *st, struct rd_event *ev, int delta)
{
	struct cprof_counter *c =
	    counter_get(st, &ev->p->threads_counter, ev->proc, "threads alive");

	if (c) {
		if (!c->points.n)
			ev->p->threads_alive = 1; /* the main thread */
		ev->p->threads_alive += delta;
		counter_add(st, c, ev->ns, ev->p->threads_alive);
	}
}

static void on_thread_start(struct rd_state *st, struct rd_event *ev)
{
	struct cprof_thread *t = &st->model->threads.v[ev->thread];

	t->start_ns = ev->ns;
	t->parent_tid = (int32_t)ev->f[0].u;
	t->start_routine = ev->f[1].u;
	t->create_stack = stack_ref(st, ev, ev->f[2].u);
	threads_alive_add(st, ev, 1);
}

static void on_thread_name(struct rd_state *st, struct rd_event *ev)
{
	int32_t named = (int32_t)ev->f[0].u;
	uint32_t nt = named == ev->tid || !named
			  ? ev->thread
			  : rd_thread_find_or_add(st, ev->proc, named, ev->ns, "", 0);

	if (nt == CPROF_NONE)
		return;
	st->model->threads.v[nt].name = cprof_model_intern(st->model, ev->f[1].s, ev->f[1].n);
}

/* `unused` 1: the process exits (the preload library's destructor), which
 * ends its counter tracks there rather than at the end of the trace. */
static void on_thread_exit(struct rd_state *st, struct rd_event *ev)
{
	/* the process's end, not a thread's: its threads stay as they were
	 * (the main thread is never counted as exited, as before) */
	if ((ev->present & 1u) && ev->f[0].u == 1) {
		st->model->processes.v[ev->proc].end_ns = ev->ns;
		return;
	}
	st->model->threads.v[ev->thread].end_ns = ev->ns;
	threads_alive_add(st, ev, -1);
}

/* ---- waits, allocations, blocking calls, CPU samples ---------------------- */

/*
 * When the wait began: the hook's clock reading (begin_ns, the trace's
 * CLOCK_MONOTONIC) taken before it flushed the thread's batch and unwound
 * its stack, which the event's own stamp comes after (milliseconds after
 * when the thread was preempted there). Traces of earlier versions have no
 * begin_ns: the event's time. Never after the event: a holder's release
 * stamped before the event but after the begin then falls inside the wait,
 * as it did in the program.
 */
static uint64_t wait_begin_ns(const struct rd_event *ev)
{
	uint64_t begin;

	if (!(ev->present & 8u) || !ev->f[3].u)
		return ev->ns;
	begin = ev->f[3].u + (uint64_t)ev->clock_offset;
	return begin < ev->ns ? begin : ev->ns;
}

static void on_wait_begin(struct rd_state *st, struct rd_event *ev)
{
	struct cprof_wait *w = cprof_vec_push(&st->model->waits);
	struct cprof_thread *t = &st->model->threads.v[ev->thread];

	if (!w) {
		st->out_of_memory = true;
		return;
	}
	w->thread = ev->thread;
	w->obj = ev->f[0].u;
	w->kind = (uint8_t)ev->f[1].u;
	w->stack = stack_ref(st, ev, ev->f[2].u);
	w->begin_ns = wait_begin_ns(ev);
	/* the process and the thread were there when the wait began */
	if (w->begin_ns < ev->p->first_ns)
		ev->p->first_ns = w->begin_ns;
	if (w->begin_ns < t->first_ns)
		t->first_ns = w->begin_ns;
	st->tstates.v[ev->thread].wait = (uint32_t)(st->model->waits.n - 1);
}

static void on_wait_end(struct rd_state *st, struct rd_event *ev)
{
	struct rd_thread *ts = &st->tstates.v[ev->thread];
	struct cprof_wait *waits = st->model->waits.v;
	struct cprof_thread *t = &st->model->threads.v[ev->thread];
	struct cprof_wait *w;

	if (ts->wait != CPROF_NONE && waits[ts->wait].obj == ev->f[0].u) {
		waits[ts->wait].end_ns = ev->ns;
		waits[ts->wait].result = (int32_t)ev->f[2].u;
		ts->wait = CPROF_NONE;
		return;
	}
	/* The thread's first event: it was blocked since before the trace
	 * began (a flight recorder's snapshot keeps the end of ring buffers
	 * that overwrote the wait's begin), so the wait is in progress at the
	 * process's first instant in the trace. Its stack is unknown. */
	if (ts->wait != CPROF_NONE || t->events != 1 || ev->p->first_ns >= ev->ns)
		return;
	w = cprof_vec_push(&st->model->waits);
	if (!w) {
		st->out_of_memory = true;
		return;
	}
	*w = (struct cprof_wait){.thread = ev->thread,
				 .kind = (uint8_t)ev->f[1].u,
				 .result = (int32_t)ev->f[2].u,
				 .obj = ev->f[0].u,
				 .begin_ns = ev->p->first_ns,
				 .end_ns = ev->ns};
	t->first_ns = ev->p->first_ns;
}

static void on_lock_release(struct rd_state *st, struct rd_event *ev)
{
	struct cprof_release *rl = cprof_vec_push(&st->model->releases);

	if (!rl) {
		st->out_of_memory = true;
		return;
	}
	rl->thread = ev->thread;
	rl->obj = ev->f[0].u;
	rl->kind = (uint8_t)ev->f[1].u;
	rl->stack = stack_ref(st, ev, ev->f[2].u);
	rl->ns = ev->ns;
}

/*
 * Allocations and frees of different threads are read out of time order
 * when they come in batches (each thread's batch goes out on its own): a
 * block freed by one thread and handed out again to another may be read
 * as the second allocation, then the free, then the first allocation.
 * Each address keeps its latest block (st->allocs), the block that block
 * closed without a free (st->alloc_prev) and a free read before the
 * block it closes (st->early_frees); a free belongs to the block of its
 * address allocated last before it. An explicit free is never later than
 * a close by the next allocation, hence the minimum.
 */
static void alloc_close(struct cprof_alloc *a, uint64_t ns)
{
	if (!a->free_ns || ns < a->free_ns)
		a->free_ns = ns;
}

/* A free read earlier that closes block `al` allocated at `ns` (no later
 * than `until`, the next block's allocation): applied, and forgotten. */
static bool early_free_take(struct rd_state *st, uint32_t proc, struct cprof_alloc *al,
			    uint64_t until)
{
	uint32_t *ef = cprof_pairmap_find(&st->early_frees, proc, al->ptr);

	if (!ef || st->early_free_ns.v[*ef] < al->ns || st->early_free_ns.v[*ef] > until)
		return false;
	alloc_close(al, st->early_free_ns.v[*ef]);
	cprof_pairmap_del(&st->early_frees, proc, al->ptr);
	return true;
}

static void on_alloc(struct rd_state *st, struct rd_event *ev)
{
	struct cprof_model *m = st->model;
	struct cprof_alloc *al = cprof_vec_push(&m->allocs);
	uint32_t idx = (uint32_t)(m->allocs.n - 1), *open;

	if (!al) {
		st->out_of_memory = true;
		return;
	}
	al->thread = ev->thread;
	al->ptr = ev->f[0].u;
	al->size = ev->f[1].u;
	al->stack = stack_ref(st, ev, ev->f[2].u);
	al->ns = ev->ns;
	if (idx && al[-1].ns > al->ns)
		st->allocs_unordered = true;
	open = cprof_pairmap_find(&st->allocs, ev->proc, al->ptr);
	if (open && m->allocs.v[*open].ns > ev->ns) {
		/* older than the address's latest block: freed by then */
		uint64_t newer = m->allocs.v[*open].ns;

		al->free_ns = newer;
		if (!early_free_take(st, ev->proc, al, newer) &&
		    cprof_pairmap_put(&st->alloc_prev, ev->proc, al->ptr, idx))
			st->out_of_memory = true;
		return;
	}
	/* The same address handed out again: its previous block was freed by
	 * now, even if that free was lost (or is read later). */
	if (open && !m->allocs.v[*open].free_ns) {
		m->allocs.v[*open].free_ns = ev->ns;
		if (cprof_pairmap_put(&st->alloc_prev, ev->proc, al->ptr, *open))
			st->out_of_memory = true;
	}
	if (early_free_take(st, ev->proc, al, UINT64_MAX)) {
		if (open)
			cprof_pairmap_del(&st->allocs, ev->proc, al->ptr);
		return;
	}
	if (cprof_pairmap_put(&st->allocs, ev->proc, al->ptr, idx))
		st->out_of_memory = true;
}

static void on_free(struct rd_state *st, struct rd_event *ev)
{
	struct cprof_alloc *allocs = st->model->allocs.v;
	uint64_t ptr = ev->f[0].u;
	uint32_t *ai = cprof_pairmap_find(&st->allocs, ev->proc, ptr), *ef;

	if (ai && allocs[*ai].ns <= ev->ns) {
		alloc_close(&allocs[*ai], ev->ns);
		cprof_pairmap_del(&st->allocs, ev->proc, ptr);
		return;
	}
	/* before the address's latest block: the block that one closed */
	ai = cprof_pairmap_find(&st->alloc_prev, ev->proc, ptr);
	if (ai && allocs[*ai].ns <= ev->ns && ev->ns <= allocs[*ai].free_ns) {
		alloc_close(&allocs[*ai], ev->ns);
		cprof_pairmap_del(&st->alloc_prev, ev->proc, ptr);
		return;
	}
	/* before its block was read (or of a block made before the trace) */
	ef = cprof_pairmap_find(&st->early_frees, ev->proc, ptr);
	if (ef) {
		st->early_free_ns.v[*ef] = ev->ns;
		return;
	}
	uint64_t *ns = cprof_vec_push(&st->early_free_ns);
	if (!ns || cprof_pairmap_put(&st->early_frees, ev->proc, ptr,
				     (uint32_t)(st->early_free_ns.n - 1))) {
		st->out_of_memory = true;
		return;
	}
	*ns = ev->ns;
}

static void on_heap(struct rd_state *st, struct rd_event *ev)
{
	struct cprof_counter *c = counter_get(st, &ev->p->heap_counter, ev->proc, "heap in use");
	if (c)
		counter_add(st, c, ev->ns, (int64_t)ev->f[0].u);
}

static void on_syscall(struct rd_state *st, struct rd_event *ev)
{
	struct cprof_syscall *sc = cprof_vec_push(&st->model->syscalls);
	uint64_t dur = ev->f[1].u;

	if (!sc) {
		st->out_of_memory = true;
		return;
	}
	sc->thread = ev->thread;
	sc->call = (uint8_t)ev->f[0].u;
	sc->result = (int64_t)ev->f[2].u;
	sc->stack = stack_ref(st, ev, ev->f[3].u);
	sc->end_ns = ev->ns;
	sc->begin_ns = dur < ev->ns ? ev->ns - dur : 0;
}

/* cprof:counter: one track per (process, name), created at its first value. */
static void on_counter(struct rd_state *st, struct rd_event *ev)
{
	cprof_str name = rd_intern_cached(st, ev->f[0].s, ev->f[0].n);
	uint32_t *idx = cprof_pairmap_find(&st->counters, ev->proc, name);
	uint32_t slot = idx ? *idx : CPROF_NONE;
	struct cprof_counter *c = counter_get(st, &slot, ev->proc, "");

	if (!c || (!idx && cprof_pairmap_put(&st->counters, ev->proc, name, slot))) {
		st->out_of_memory = true;
		return;
	}
	c->name = name;
	c->user = true;
	counter_add(st, c, ev->ns, (int64_t)ev->f[1].u);
}

static void on_cpu_sample(struct rd_state *st, struct rd_event *ev)
{
	struct cprof_sample *sm = cprof_vec_push(&st->model->samples);

	if (!sm) {
		st->out_of_memory = true;
		return;
	}
	sm->thread = ev->thread;
	sm->stack = stack_ref(st, ev, ev->f[0].u);
	sm->ns = ev->ns;
}

/* ---- a state dump (the preload's dumping thread) --------------------------- */

static void on_state_begin(struct rd_state *st, struct rd_event *ev)
{
	struct cprof_model *m = st->model;

	m->state_begin_ns = ev->ns;
	for (size_t i = 0; i < m->thread_states.n; i++)
		if (m->threads.v[m->thread_states.v[i].thread].process == ev->proc)
			m->thread_states.v[i].current = false;
}

static void on_state_end(struct rd_state *st, struct rd_event *ev)
{
	st->model->state_end_ns = ev->ns;
}

/*
 * A thread as a state dump found it: named, with its creation (when the
 * trace does not have it), its stack now, and a wait in progress opened as
 * if it began at the dump (its wait_end, from the thread, closes it).
 */
static void on_thread_state(struct rd_state *st, struct rd_event *ev)
{
	struct cprof_model *m = st->model;
	uint32_t block = (uint32_t)ev->f[6].u;
	uint32_t thread = rd_thread_find_or_add(st, ev->proc, (int32_t)ev->f[0].u, ev->ns,
						ev->f[1].s, ev->f[1].n);
	struct cprof_thread_state *ts =
	    thread == CPROF_NONE ? NULL : cprof_vec_push(&m->thread_states);
	struct cprof_thread *t;

	if (!ts) {
		st->out_of_memory = true;
		return;
	}
	t = &m->threads.v[thread];
	if (ev->f[1].n)
		t->name = cprof_model_intern(m, ev->f[1].s, ev->f[1].n);
	/* the main thread's comm (prctl(PR_SET_NAME), ps -o comm) names a
	 * process only when the trace does not say its program's name
	 * (name_after_exec) */
	if (ev->f[1].n && t->tid == m->processes.v[t->process].pid && !ev->p->named)
		m->processes.v[t->process].name = t->name;
	if (!t->create_stack && !t->start_ns) {
		t->create_stack = stack_ref(st, ev, ev->f[3].u);
		t->parent_tid = (int32_t)ev->f[4].u;
		t->start_routine = ev->f[5].u;
	}
	ts->thread = thread;
	ts->stack = stack_ref(st, ev, ev->f[2].u);
	ts->ns = ev->ns;
	ts->wait_kind = (uint8_t)(block & 0xff);
	ts->call = (uint8_t)(block >> 8);
	ts->current = true;
	ts->wait_obj = ev->f[7].u;
	ts->holder_tid = (int32_t)ev->f[8].u;
	ts->since_ns = ts->wait_kind || ts->call ? ev->ns - ev->f[9].u : 0;
	if (ts->wait_kind && st->tstates.v[thread].wait == CPROF_NONE) {
		struct cprof_wait *w = cprof_vec_push(&m->waits);
		if (!w) {
			st->out_of_memory = true;
			return;
		}
		w->thread = thread;
		w->obj = ts->wait_obj;
		w->kind = ts->wait_kind;
		w->stack = ts->stack;
		w->begin_ns = ev->ns;
		st->tstates.v[thread].wait = (uint32_t)(m->waits.n - 1);
	}
}

/* A block in use at the dump: on the allocating thread when it is known,
 * else the process's first thread (a block outlives the thread that made
 * it). */
static void on_state_alloc(struct rd_state *st, struct rd_event *ev)
{
	struct cprof_model *m = st->model;
	uint32_t *ti = cprof_pairmap_find(&st->thread_index, ev->proc, (uint32_t)ev->f[0].u);
	uint64_t ptr = ev->f[1].u;
	struct cprof_alloc *al;

	if (!ti)
		ti = cprof_pairmap_find(&st->thread_index, ev->proc,
					(uint32_t)m->processes.v[ev->proc].pid);
	if (!ti)
		return;
	al = cprof_vec_push(&m->allocs);
	if (!al || cprof_pairmap_put(&st->allocs, ev->proc, ptr, (uint32_t)(m->allocs.n - 1))) {
		st->out_of_memory = true;
		return;
	}
	al->thread = *ti;
	al->ptr = ptr;
	al->size = ev->f[2].u;
	al->stack = stack_ref(st, ev, ev->f[3].u);
	/* made before the trace: in use from the process's first instant in
	 * it, so that the heap at any time of the trace includes it */
	al->ns = ev->p->first_ns && ev->p->first_ns < ev->ns ? ev->p->first_ns : ev->ns;
	if (m->allocs.n > 1 && al[-1].ns > al->ns)
		st->allocs_unordered = true;
}

/* ---- modules (cprof:module, lttng_ust_statedump, lttng_ust_lib) ------------- */

static struct cprof_module *module_find(struct rd_state *st, uint32_t pstate, uint64_t baddr)
{
	for (size_t i = st->model->modules.n; i-- > 0;) {
		struct cprof_module *m = &st->model->modules.v[i];
		if (m->process == pstate && m->base == baddr)
			return m;
	}
	return NULL;
}

static uint32_t pstate_of(struct rd_state *st, const struct rd_event *ev)
{
	return (uint32_t)(ev->p - st->procs.v);
}

/*
 * One module per object loaded at a base address: a process may say it more
 * than once (cprof:module and lttng-ust's statedump in a session of the
 * user's own, each state dump, each fork), and only what is new is kept
 * (a size or build-id the first report lacked: lttng-ust's vDSO has size 0).
 */
static struct cprof_module *module_load(struct rd_state *st, struct rd_event *ev, bool is_pic,
					cprof_str path)
{
	struct cprof_module *m = module_find(st, pstate_of(st, ev), ev->f[0].u);

	if (m && !m->unload_ns) {
		if (!m->size)
			m->size = ev->f[1].u;
		return m;
	}
	m = cprof_vec_push(&st->model->modules);
	if (!m) {
		st->out_of_memory = true;
		return NULL;
	}
	m->process = pstate_of(st, ev);
	m->base = ev->f[0].u;
	m->size = ev->f[1].u;
	m->path = path;
	m->is_pic = is_pic;
	m->load_ns = ev->ns;
	return m;
}

static cprof_str event_path(struct rd_state *st, const struct rd_event *ev)
{
	return cprof_model_intern(st->model, ev->f[2].s, ev->f[2].n);
}

/*
 * cprof:module gives the dynamic loader's name ("/lib/x86_64-linux-gnu/
 * libc.so.6", "build/preload/../libcprof-trace.so.0"), which the tracer
 * does not resolve: realpath's readlink of every component, in every
 * process, is what it no longer pays. lttng-ust's statedump gave the real
 * path ("/usr/lib/x86_64-linux-gnu/libc.so.6"), which profiles and stored
 * symbols show and key by: resolved here, once per name, when the file is
 * there (a trace read on another machine keeps the loader's names).
 */
static cprof_str resolved_path(struct rd_state *st, const struct rd_event *ev)
{
	cprof_str raw = event_path(st, ev), out = raw;
	uint32_t *known = cprof_pairmap_find(&st->module_paths, raw, 0);
	char *real;

	if (known)
		return *known;
	real = ev->f[2].s[0] == '/' ? realpath(cprof_model_str(st->model, raw), NULL) : NULL;
	if (real) {
		out = cprof_model_intern(st->model, real, strlen(real));
		free(real);
	}
	if (cprof_pairmap_put(&st->module_paths, raw, 0, out))
		st->out_of_memory = true;
	return out;
}

static void on_module(struct rd_state *st, struct rd_event *ev)
{
	struct cprof_module *m = module_load(st, ev, ev->f[3].u != 0, resolved_path(st, ev));

	if (m && ev->f[4].n && !cprof_model_str(st->model, m->build_id)[0])
		m->build_id = cprof_model_intern(st->model, ev->f[4].s, ev->f[4].n);
}

static void on_bin_info(struct rd_state *st, struct rd_event *ev)
{
	module_load(st, ev, ev->f[3].u != 0, event_path(st, ev));
}

static void on_lib_load(struct rd_state *st, struct rd_event *ev)
{
	module_load(st, ev, true, event_path(st, ev));
}

static void on_build_id(struct rd_state *st, struct rd_event *ev)
{
	struct cprof_module *m = module_find(st, pstate_of(st, ev), ev->f[0].u);
	if (m && ev->f[1].n)
		m->build_id = cprof_model_intern(st->model, ev->f[1].s, ev->f[1].n);
}

static void on_debug_link(struct rd_state *st, struct rd_event *ev)
{
	struct cprof_module *m = module_find(st, pstate_of(st, ev), ev->f[0].u);
	if (m)
		m->debug_link = cprof_model_intern(st->model, ev->f[1].s, ev->f[1].n);
}

static void on_lib_unload(struct rd_state *st, struct rd_event *ev)
{
	struct cprof_module *m = module_find(st, pstate_of(st, ev), ev->f[0].u);
	if (m && !m->unload_ns)
		m->unload_ns = ev->ns;
}

/* ---- the table ---------------------------------------------------------------- */

#define CPROF RD_CPROF
#define KEEPS (RD_CPROF | RD_KEEPS_WAIT)
#define MODULE RD_MODULE
#define U RD_UINT
#define S RD_STR

static const struct rd_kind kinds[] = {
    {"cprof:task_begin", on_task_begin, CPROF, 0, {{"id", U}, {"parent", U}, {"type", S}}},
    {"cprof:task_end", on_task_end, CPROF, 0, {{"id", U}}},
    {"cprof:region_begin", rd_on_region_begin, CPROF, 0, {{"task", U}, {"type", S}}},
    {"cprof:region_end", rd_on_region_end, CPROF, 0, {{"task", U}, {"type", S}}},
    {"cprof:log", on_log, CPROF, 0, {{"task", U}, {"category", S}, {"message", S}, {"length", U}}},
    {"cprof:warning", on_warning, CPROF, 0, {{"code", U}, {"detail", S}}},
    {"cprof:config",
     on_config,
     KEEPS | RD_PPID,
     6,
     {{"alloc_mode", U},
      {"alloc_rate", U},
      {"cpu_rate", U},
      {"io_threshold_ns", U},
      {"stack_depth", U},
      {"flags", U},
      {"ppid", U},
      {"program", S}},
     on_state_config},
    {"cprof:process", on_process, CPROF | RD_PPID, 0, {{"ppid", U}}},
    {"cprof:counter", on_counter, CPROF, 0, {{"name", S}, {"value", U, true}}},
    {"cprof:batch",
     NULL,
     RD_BATCH,
     0,
     {{"tid", U},
      {"base_ns", U},
      {"first", U},
      {"count", U},
      {"strings", RD_BYTES},
      {"records", RD_BYTES}}},
    {"cprof:stack", on_stack, KEEPS, 0, {{"id", U}, {"ips", RD_U64S}}, on_stack},
    {"cprof:thread_start",
     on_thread_start,
     CPROF,
     0,
     {{"parent_tid", U}, {"start_routine", U}, {"stack", U}}},
    {"cprof:thread_name", on_thread_name, CPROF, 0, {{"tid", U}, {"name", S}}},
    {"cprof:thread_exit", on_thread_exit, CPROF, 0, {{"unused", U}}},
    {"cprof:wait_begin",
     on_wait_begin,
     CPROF,
     0,
     {{"obj", U}, {"kind", U}, {"stack", U}, {"begin_ns", U}}},
    {"cprof:wait_end", on_wait_end, KEEPS, 0, {{"obj", U}, {"kind", U}, {"result", U}}},
    {"cprof:lock_release", on_lock_release, CPROF, 0, {{"obj", U}, {"kind", U}, {"stack", U}}},
    {"cprof:alloc", on_alloc, KEEPS | RD_HEAP_BLOCK, 0, {{"ptr", U}, {"size", U}, {"stack", U}}},
    {"cprof:free", on_free, KEEPS | RD_HEAP_BLOCK, 0, {{"ptr", U}}},
    {"cprof:heap", on_heap, KEEPS, 0, {{"in_use", U}}, on_heap},
    {"cprof:syscall",
     on_syscall,
     CPROF,
     0,
     {{"call", U}, {"duration_ns", U}, {"result", U}, {"stack", U}}},
    {"cprof:cpu_sample", on_cpu_sample, KEEPS, 0, {{"stack", U}}},
    {"cprof:process_title", on_process_title, CPROF | RD_PROCESS, 0, {{"title", S}}},
    {"cprof:state_begin", NULL, CPROF | RD_STATE_ONLY, 0, {{"request", U}}, on_state_begin},
    {"cprof:thread_state",
     NULL,
     CPROF | RD_STATE_ONLY,
     0,
     {{"tid", U},
      {"name", S},
      {"stack", U},
      {"create_stack", U},
      {"parent_tid", U},
      {"start_routine", U},
      {"block", U},
      {"wait_obj", U},
      {"holder_tid", U},
      {"blocked_ns", U}},
     on_thread_state},
    {"cprof:state_alloc",
     NULL,
     CPROF | RD_STATE_ONLY,
     0,
     {{"tid", U}, {"ptr", U}, {"size", U}, {"stack", U}},
     on_state_alloc},
    {"cprof:state_end", NULL, CPROF | RD_STATE_ONLY, 0, {{"request", U}}, on_state_end},
    {"cprof:module",
     on_module,
     MODULE,
     0,
     {{"baddr", U}, {"memsz", U}, {"path", S}, {"is_pic", U}, {"build_id", RD_HEX}}},
    {"cprof:module_unload", on_lib_unload, MODULE, 0, {{"baddr", U}}},
    {"lttng_ust_statedump:bin_info",
     on_bin_info,
     MODULE,
     0,
     {{"baddr", U}, {"memsz", U}, {"path", S}, {"is_pic", U}}},
    {"lttng_ust_statedump:build_id", on_build_id, MODULE, 0, {{"baddr", U}, {"build_id", RD_HEX}}},
    {"lttng_ust_statedump:debug_link", on_debug_link, MODULE, 0, {{"baddr", U}, {"filename", S}}},
    {"lttng_ust_lib:load", on_lib_load, MODULE, 0, {{"baddr", U}, {"memsz", U}, {"path", S}}},
    {"lttng_ust_lib:build_id", on_build_id, MODULE, 0, {{"baddr", U}, {"build_id", RD_HEX}}},
    {"lttng_ust_lib:debug_link", on_debug_link, MODULE, 0, {{"baddr", U}, {"filename", S}}},
    {"lttng_ust_lib:unload", on_lib_unload, MODULE, 0, {{"baddr", U}}},
};

/* A cprof event this reader does not know: its process and thread are
 * still in the model, as for any cprof event. */
static const struct rd_kind cprof_other = {"cprof:*", NULL, CPROF, 0, {{NULL, U}}};
static const struct rd_kind other = {"*", NULL, 0, 0, {{NULL, U}}};

#undef CPROF
#undef KEEPS
#undef MODULE
#undef U
#undef S

const struct rd_kind *rd_kind_find(const char *name)
{
	if (!name)
		return &other;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (strcmp(name, kinds[k].name) == 0)
			return &kinds[k];
	return strncmp(name, "cprof:", 6) == 0 ? &cprof_other : &other;
}
