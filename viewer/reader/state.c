/*
 * Which events the model takes (the recorded process tree), and the
 * processes and threads they belong to. The per-kind handlers are in
 * handlers.c and regions.c.
 *
 * Per event this is a few integer compares and hash lookups: the last
 * process and the last threads met are cached, since consecutive events
 * mostly come from the same ones.
 */
#include "state.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rd_state_init(struct rd_state *st, struct cprof_model *model)
{
	memset(st, 0, sizeof(*st));
	st->model = model;
	st->last_pid = -1;
	st->last_thread = CPROF_NONE;
	st->last_thread_key = UINT64_MAX;
}

void rd_state_fini(struct rd_state *st)
{
	for (size_t t = 0; t < st->tstates.n; t++) {
		cprof_vec_free(&st->tstates.v[t].open);
		cprof_vec_free(&st->tstates.v[t].cut);
	}
	cprof_vec_free(&st->tstates);
	cprof_vec_free(&st->procs);
	cprof_pairmap_fini(&st->proc_index);
	cprof_pairmap_fini(&st->thread_index);
	cprof_pairmap_fini(&st->tasks);
	cprof_pairmap_fini(&st->stacks);
	cprof_pairmap_fini(&st->allocs);
	cprof_pairmap_fini(&st->alloc_prev);
	cprof_pairmap_fini(&st->early_frees);
	cprof_vec_free(&st->early_free_ns);
	cprof_pairmap_fini(&st->counters);
	cprof_pairmap_fini(&st->module_paths);
	cprof_pairmap_fini(&st->batch_seqs);
	cprof_vec_free(&st->seqs);
	for (size_t i = 0; i < st->alone.n; i++)
		free(st->alone.v[i].buf);
	cprof_vec_free(&st->alone);
	cprof_pairmap_fini(&st->pending_index);
	cprof_vec_free(&st->pending);
	cprof_vec_free(&st->region_ends);
}

bool rd_proc_kept(struct rd_state *st, int32_t pid)
{
	uint32_t *idx = cprof_pairmap_find(&st->proc_index, (uint32_t)pid, 0);

	return idx && st->procs.v[*idx].keep > 0;
}

uint64_t rd_proc_first_ns(struct rd_state *st, int32_t pid, uint64_t otherwise)
{
	uint32_t *idx = cprof_pairmap_find(&st->proc_index, (uint32_t)pid, 0);

	return idx && st->procs.v[*idx].first_ns ? st->procs.v[*idx].first_ns : otherwise;
}

uint32_t rd_warn(struct rd_state *st, uint64_t ns, uint32_t thread, const char *fmt, ...)
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
	w = cprof_vec_push(&st->model->warnings);
	if (!w) {
		st->out_of_memory = true;
		return CPROF_NONE;
	}
	w->ns = ns;
	w->thread = thread;
	w->text = cprof_model_intern(st->model, buf, (size_t)n);
	return (uint32_t)(st->model->warnings.n - 1);
}

const char *rd_thread_label(struct rd_state *st, uint32_t thread, char *buf, size_t len)
{
	const struct cprof_thread *t = &st->model->threads.v[thread];
	snprintf(buf, len, "%d (%s)", t->tid, cprof_model_str(st->model, t->name));
	return buf;
}

uint32_t rd_task_ref(struct rd_state *st, uint32_t proc, uint64_t id)
{
	uint32_t *idx;

	if (!id)
		return CPROF_NONE;
	idx = cprof_pairmap_find(&st->tasks, proc, id);
	return idx ? *idx : CPROF_NONE;
}

const char *rd_procname(const struct rd_event *ev, size_t *len)
{
	if (ev->fetch_procname)
		return ev->fetch_procname(ev, len);
	*len = ev->procname ? ev->procname_len : 0;
	return ev->procname ? ev->procname : "";
}

static void fetch_fields(struct rd_event *ev)
{
	if (ev->fetch_fields) {
		ev->fetch_fields(ev);
		ev->fetch_fields = NULL;
	}
}

/* The bytes field `i` of `ev` points to (never into the event itself). */
static size_t field_bytes(const struct rd_event *ev, int i)
{
	switch (ev->kind->fields[i].want) {
	case RD_U64S:
		return ev->f[i].a ? ev->f[i].n * sizeof(uint64_t) : 0;
	case RD_STR:
	case RD_HEX:
	case RD_BYTES:
		return ev->f[i].n + 1;
	case RD_UINT:
		break;
	}
	return 0;
}

bool rd_event_copy(struct rd_event *dst, uint8_t **buf, size_t *cap, struct rd_event *ev)
{
	size_t nlen = 0, hlen, need = 0;
	const char *name, *host;
	uint8_t *b;

	fetch_fields(ev);
	name = rd_procname(ev, &nlen);
	host = ev->fetch_host ? ev->fetch_host(ev) : ev->host ? ev->host : "";
	hlen = strlen(host);
	/* the arrays of 64-bit words first, where the buffer is aligned */
	for (int i = 0; i < RD_MAX_FIELDS && ev->kind->fields[i].name; i++)
		if (ev->present & (1u << i))
			need += field_bytes(ev, i);
	need += nlen + hlen + 2;
	if (need > *cap) {
		uint8_t *nb = realloc(*buf, need);
		if (!nb)
			return false;
		*buf = nb;
		*cap = need;
	}
	*dst = *ev;
	b = *buf;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < RD_MAX_FIELDS && ev->kind->fields[i].name; i++) {
			size_t n = ev->present & (1u << i) ? field_bytes(ev, i) : 0;
			bool words = ev->kind->fields[i].want == RD_U64S;

			if (!n || words != (pass == 0))
				continue;
			if (words) {
				memcpy(b, ev->f[i].a, n);
				dst->f[i].a = (const uint64_t *)(void *)b;
			} else {
				memcpy(b, ev->f[i].s, n - 1);
				b[n - 1] = '\0';
				dst->f[i].s = (const char *)b;
			}
			b += n;
		}
	memcpy(b, name, nlen);
	b[nlen] = '\0';
	dst->procname = (const char *)b;
	dst->procname_len = nlen;
	b += nlen + 1;
	memcpy(b, host, hlen + 1);
	dst->host = (const char *)b;
	dst->fetch_fields = NULL;
	dst->fetch_procname = NULL;
	dst->fetch_host = NULL;
	dst->source = NULL;
	return true;
}

/* ---- processes ------------------------------------------------------------ */

static struct rd_proc *proc_get(struct rd_state *st, int32_t pid, int32_t ppid)
{
	uint32_t *idx;
	struct rd_proc *p;

	if (pid == st->last_pid && st->procs.n)
		return &st->procs.v[st->last_proc];
	idx = cprof_pairmap_find(&st->proc_index, (uint32_t)pid, 0);
	if (!idx) {
		p = cprof_vec_push(&st->procs);
		if (!p || cprof_pairmap_put(&st->proc_index, (uint32_t)pid, 0,
					    (uint32_t)(st->procs.n - 1))) {
			st->out_of_memory = true;
			return NULL;
		}
		p->pid = pid;
		p->ppid = ppid;
		p->model = CPROF_NONE;
		p->heap_counter = p->threads_counter = CPROF_NONE;
		p->keep = 1;
		if (st->root_pid > 0 && pid != st->root_pid)
			p->keep = 0; /* decided at its first cprof event */
		idx = cprof_pairmap_find(&st->proc_index, (uint32_t)pid, 0);
	}
	st->last_pid = pid;
	st->last_proc = *idx;
	return &st->procs.v[*idx];
}

/*
 * Keep the tree rooted at the recorded pid: a process is kept when it is
 * the root or its parent was kept (parents emit before their children
 * exist). The parent comes from the vppid context, which lttng-ust 2.13
 * lacks, or else from the `ppid` field of cprof:config (preload) or
 * cprof:process (libcprof-trace, also under record --no-auto); a process whose
 * parent is unknown is left out, since per-UID buffers also collect
 * unrelated processes, unless record listed its pid as one of the tree's
 * in a PID namespace of its own (its parent's pid is of that namespace).
 */
static bool proc_namespaced(const struct rd_state *st, int32_t pid)
{
	for (size_t i = 0; i < st->n_ns_pids; i++)
		if (st->ns_pids[i] == pid)
			return true;
	return false;
}

static void proc_decide(struct rd_state *st, struct rd_proc *p, struct rd_event *ev)
{
	const struct rd_kind *k = ev->kind;
	uint32_t *pi;

	if (k->flags & RD_PPID) {
		fetch_fields(ev);
		if (ev->present & (1u << k->ppid))
			p->ppid = (int32_t)ev->f[k->ppid].u;
	}
	/* lttng-ust enables a session's events one by one: a process's
	 * heap event may come before its cprof:config. Undecided until an
	 * event names the parent (those before it are left out). */
	if (p->ppid <= 0 && !(k->flags & RD_PPID))
		return;
	pi = p->ppid > 0 ? cprof_pairmap_find(&st->proc_index, (uint32_t)p->ppid, 0) : NULL;
	p->keep = (pi && st->procs.v[*pi].keep > 0) || proc_namespaced(st, p->pid) ? 1 : -1;
}

static uint32_t proc_materialize(struct rd_state *st, struct rd_proc *p, const struct rd_event *ev)
{
	struct cprof_process *mp;
	size_t len;
	const char *name;

	if (p->model != CPROF_NONE)
		return p->model;
	mp = cprof_vec_push(&st->model->processes);
	if (!mp) {
		st->out_of_memory = true;
		return CPROF_NONE;
	}
	mp->pid = p->pid;
	mp->ppid = p->ppid;
	name = rd_procname(ev, &len);
	mp->name = cprof_model_intern(st->model, name, len);
	p->model = (uint32_t)(st->model->processes.n - 1);
	return p->model;
}

/* ---- threads -------------------------------------------------------------- */

uint32_t rd_thread_find_or_add(struct rd_state *st, uint32_t proc, int32_t tid, uint64_t ns,
			       const char *name, size_t namelen)
{
	uint64_t key = ((uint64_t)proc << 32) | (uint32_t)tid;
	uint32_t *idx;
	struct cprof_thread *t;
	struct rd_thread *ts;

	if (key == st->last_thread_key && st->last_thread != CPROF_NONE)
		return st->last_thread;
	idx = cprof_pairmap_find(&st->thread_index, proc, (uint32_t)tid);
	if (idx) {
		st->last_thread_key = key;
		st->last_thread = *idx;
		return *idx;
	}
	t = cprof_vec_push(&st->model->threads);
	ts = t ? cprof_vec_push(&st->tstates) : NULL;
	if (!t || !ts ||
	    cprof_pairmap_put(&st->thread_index, proc, (uint32_t)tid,
			      (uint32_t)(st->model->threads.n - 1))) {
		st->out_of_memory = true;
		return CPROF_NONE;
	}
	t->tid = tid;
	t->process = proc;
	t->name = cprof_model_intern(st->model, name, namelen);
	t->first_ns = t->last_ns = ns;
	ts->wait = CPROF_NONE;
	ts->last_task = CPROF_NONE;
	st->last_thread_key = key;
	st->last_thread = (uint32_t)(st->model->threads.n - 1);
	return st->last_thread;
}

/* The thread of an event; a new thread is named after the procname
 * context of its first event (LTTng-UST's procname is the thread's comm). */
static inline uint32_t thread_get(struct rd_state *st, uint32_t proc, const struct rd_event *ev)
{
	uint64_t key = ((uint64_t)proc << 32) | (uint32_t)ev->tid;
	struct rd_thread_cache *c = &st->thread_cache[(uint32_t)ev->tid % RD_THREAD_CACHE];
	const char *name;
	size_t len;
	uint32_t t;

	if (c->key == key + 1)
		return c->thread;
	if (!cprof_pairmap_find(&st->thread_index, proc, (uint32_t)ev->tid)) {
		name = rd_procname(ev, &len);
		t = rd_thread_find_or_add(st, proc, ev->tid, ev->ns, name, len);
	} else {
		t = rd_thread_find_or_add(st, proc, ev->tid, ev->ns, "", 0);
	}
	if (t != CPROF_NONE) {
		c->key = key + 1; /* 0: empty slot */
		c->thread = t;
	}
	return t;
}

void rd_wait_end_lost(struct rd_state *st, uint32_t thread, uint64_t ns)
{
	struct rd_thread *ts = &st->tstates.v[thread];
	struct cprof_wait *w = &st->model->waits.v[ts->wait];
	char a[96];

	w->end_ns = ns > w->begin_ns ? ns : w->begin_ns + 1;
	ts->wait = CPROF_NONE;
	rd_warn(st, ns, thread,
		"%s wait on 0x%" PRIx64 " by thread %s: its end was not recorded (events "
		"lost?); taken to end at the thread's next event",
		cprof_wait_kind_name(w->kind), w->obj, rd_thread_label(st, thread, a, sizeof(a)));
}

/* A cprof event: its process and thread in the model, then its handler. */
static void on_cprof_event(struct rd_state *st, struct rd_proc *p, struct rd_event *ev)
{
	struct cprof_thread *t;

	ev->proc = proc_materialize(st, p, ev);
	if (ev->proc == CPROF_NONE)
		return;
	if (ev->kind->flags & RD_PROCESS) {
		fetch_fields(ev);
		ev->p = p;
		ev->kind->on(st, ev);
		return;
	}
	/* Events of the preload's dumping thread describe the process's
	 * state at a session's start, about other threads; that thread is
	 * not one of the program's and gets no thread of its own. Any event
	 * only a dump emits names it, not its state_begin alone: a snapshot's
	 * ring buffer may have overwritten the dump's beginning and kept the
	 * rest (all from the same thread). */
	if (ev->kind->flags & RD_STATE_ONLY)
		p->state_tid = ev->tid;
	if (p->state_tid && ev->tid == p->state_tid) {
		if (ev->kind->on_state) {
			fetch_fields(ev);
			ev->p = p;
			ev->kind->on_state(st, ev);
		}
		return;
	}
	ev->thread = thread_get(st, ev->proc, ev);
	if (ev->thread == CPROF_NONE)
		return;
	if (st->batch_after_gap) {
		st->batch_after_gap = false;
		rd_regions_lost(st, ev->thread);
	}
	if (st->batch_starts_late) {
		st->batch_starts_late = false;
		st->tstates.v[ev->thread].lost = true;
	}
	t = &st->model->threads.v[ev->thread];
	t->events++;
	ev->thread_prev_ns = t->last_ns;
	t->last_ns = ev->ns;
	/* A blocked thread emits nothing of its own until its wait_end: a CPU
	 * sample and its stack may come from the spin before blocking, and
	 * the allocator's events from inside the call (pthread_join frees the
	 * joined thread's TLS). Any other event means the wait_end was lost,
	 * and the wait ended by now rather than at the end of the trace. */
	if (st->tstates.v[ev->thread].wait != CPROF_NONE && !(ev->kind->flags & RD_KEEPS_WAIT))
		rd_wait_end_lost(st, ev->thread, ev->ns);
	if (ev->kind->on && !(st->no_allocs && (ev->kind->flags & RD_HEAP_BLOCK))) {
		fetch_fields(ev);
		ev->p = p;
		ev->kind->on(st, ev);
	}
}

/*
 * A session the user set up without the vpid/vtid contexts: every event
 * then reads as process 0 / thread 0. Loading it anyway shows what can be
 * shown; the note says why it looks like one thread and the one command
 * that fixes the next recording.
 */
static void note_missing_context(struct rd_state *st, unsigned missing)
{
	char text[400];
	bool both = (missing & RD_NO_VPID) && (missing & RD_NO_VTID);

	st->missing_context_warned = true;
	snprintf(text, sizeof(text),
		 "the events lack the %s context%s, so %s: add %s to the session's channel "
		 "before it starts: lttng add-context -u%s%s",
		 both			? "vpid and vtid"
		 : missing & RD_NO_VPID ? "vpid"
					: "vtid",
		 both ? "s" : "",
		 both			? "every event shows as process 0, thread 0"
		 : missing & RD_NO_VPID ? "every event shows as process 0"
					: "every event of a process shows as its thread 0",
		 both ? "them" : "it", missing & RD_NO_VPID ? " -t vpid" : "",
		 missing & RD_NO_VTID ? " -t vtid" : "");
	if (!cprof_model_add_note(st->model, text))
		st->out_of_memory = true;
}

bool rd_feed(struct rd_state *st, struct rd_event *ev)
{
	const struct rd_kind *k = ev->kind;
	bool cprof = k->flags & RD_CPROF;
	struct rd_proc *p;

	if (ev->missing_context && !st->missing_context_warned && cprof)
		note_missing_context(st, ev->missing_context);
	p = proc_get(st, ev->pid, ev->ppid);
	if (!p || p->keep < 0)
		return false;
	if (p->keep == 0 && cprof) {
		proc_decide(st, p, ev);
		/* A child forked before a late session (record --pid of
		 * postgres's postmaster) is known to be of the tree by the
		 * parent pid of its dump's cprof:config, after the dump's
		 * state_begin: the dumping thread is named here, or it was
		 * taken for one of the program's (on_cprof_event), a phantom
		 * thread per process. */
		if (p->keep == 0 && (k->flags & RD_STATE_ONLY))
			p->state_tid = ev->tid;
		if (p->keep <= 0)
			return false;
	}
	p->events++;
	/* min and max: batched records of different threads come out of
	 * time order */
	if (!p->first_ns || ev->ns < p->first_ns)
		p->first_ns = ev->ns;
	if (ev->ns > p->last_ns)
		p->last_ns = ev->ns;
	if (st->count_only) {
		/* The model process is what makes rd_finish count these. */
		if (cprof)
			proc_materialize(st, p, ev);
		return false;
	}
	if (cprof)
		on_cprof_event(st, p, ev);
	if (p->model != CPROF_NONE && !st->model->processes.v[p->model].host_known) {
		/* the host a process ran on: a relay's output holds traces of
		 * several hosts */
		struct cprof_process *mp = &st->model->processes.v[p->model];
		const char *host = ev->fetch_host ? ev->fetch_host(ev) : ev->host ? ev->host : "";
		mp->host = cprof_model_intern(st->model, host, strlen(host));
		mp->host_known = true;
	} else if (k->flags & RD_MODULE) {
		fetch_fields(ev);
		ev->p = p;
		k->on(st, ev);
	}
	return p->keep > 0;
}

bool rd_fast_take(struct rd_state *st, const struct rd_event *ev, struct rd_fast *f)
{
	struct rd_proc *p = ev->p;

	if (st->count_only || !(ev->kind->flags & RD_CPROF) || !ev->kind->on || !p ||
	    p->keep <= 0 || p->model == CPROF_NONE || ev->proc != p->model ||
	    !st->model->processes.v[p->model].host_known || ev->thread == CPROF_NONE ||
	    (p->state_tid && ev->tid == p->state_tid) ||
	    (ev->missing_context && !st->missing_context_warned))
		return false;
	f->p = p;
	f->proc = ev->proc;
	f->thread = ev->thread;
	return true;
}

/* A stable merge sort of n items of `size` bytes by the uint64_t time at
 * offset `at`; nothing is done when they are in order already (a trace
 * without batches, or with one thread). */
static void sort_by_ns(struct rd_state *st, void *items, size_t n, size_t size, size_t at)
{
	unsigned char *a = items, *tmp;
	bool sorted = true;

	for (size_t i = 1; i < n && sorted; i++) {
		uint64_t x, y;
		memcpy(&x, a + (i - 1) * size + at, sizeof(x));
		memcpy(&y, a + i * size + at, sizeof(y));
		sorted = x <= y;
	}
	if (sorted)
		return;
	tmp = malloc(n * size);
	if (!tmp) {
		st->out_of_memory = true;
		return;
	}
	for (size_t width = 1; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n;
			size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid || j < hi) {
				uint64_t x = UINT64_MAX, y = UINT64_MAX;
				if (i < mid)
					memcpy(&x, a + i * size + at, sizeof(x));
				if (j < hi)
					memcpy(&y, a + j * size + at, sizeof(y));
				if (j >= hi || (i < mid && x <= y))
					memcpy(tmp + k++ * size, a + i++ * size, size);
				else
					memcpy(tmp + k++ * size, a + j++ * size, size);
			}
		}
		memcpy(a, tmp, n * size);
	}
	free(tmp);
}

/* Counter points, logs and allocations in time order, as their readers
 * expect (allocations: as the trace held them before batches). */
static void rd_sort_by_time(struct rd_state *st)
{
	struct cprof_model *m = st->model;

	for (size_t i = 0; i < m->counters.n; i++)
		sort_by_ns(st, m->counters.v[i].points.v, m->counters.v[i].points.n,
			   sizeof(*m->counters.v[i].points.v),
			   offsetof(struct cprof_counter_point, ns));
	sort_by_ns(st, m->logs.v, m->logs.n, sizeof(*m->logs.v), offsetof(struct cprof_log, ns));
	/* the handlers saw whether they came in order: a scan of millions of
	 * allocations costs more than that */
	if (st->allocs_unordered)
		sort_by_ns(st, m->allocs.v, m->allocs.n, sizeof(*m->allocs.v),
			   offsetof(struct cprof_alloc, ns));
}

void rd_finish(struct rd_state *st)
{
	struct cprof_model *m = st->model;
	size_t k = 0;
	char a[96];

	/* Modules: rd_proc index -> model process; drop those of processes
	 * that emitted no cprof event. */
	for (size_t i = 0; i < m->modules.n; i++) {
		uint32_t mp = st->procs.v[m->modules.v[i].process].model;
		if (mp == CPROF_NONE)
			continue;
		m->modules.v[k] = m->modules.v[i];
		m->modules.v[k++].process = mp;
	}
	m->modules.n = k;

	rd_batch_finish(st);
	rd_pending_finish(st);
	rd_region_ends_finish(st);
	rd_sort_by_time(st);
	m->events = 0;
	m->begin_ns = m->end_ns = 0;
	for (size_t i = 0; i < st->procs.n; i++) {
		struct rd_proc *p = &st->procs.v[i];
		if (p->model == CPROF_NONE)
			continue;
		m->events += p->events;
		if (!m->begin_ns || p->first_ns < m->begin_ns)
			m->begin_ns = p->first_ns;
		if (p->last_ns > m->end_ns)
			m->end_ns = p->last_ns;
	}
	rd_regions_lost_finish(st); /* times from the trace's begin */
	for (size_t t = 0; t < st->tstates.n; t++) {
		struct rd_thread *ts = &st->tstates.v[t];
		/* LTTng's losses at the end of a thread leave no gap in its
		 * sequence to see: the end may have been lost with them */
		for (size_t j = 0; j < ts->open.n; j++)
			rd_warn(st, m->end_ns, (uint32_t)t,
				"region '%s' on thread %s still open at the end of the trace%s",
				cprof_model_str(m, m->regions.v[ts->open.v[j]].type),
				rd_thread_label(st, (uint32_t)t, a, sizeof(a)),
				m->lost_events ? " (its end may be among the events LTTng lost)"
					       : "");
	}
}
