/*
 * References to tasks met before the task's own begin (see struct
 * rd_pending in state.h): kept in a list per (process, task id) and
 * applied when the task begins; what is left at the end of the trace is
 * reported as before (a task ended but never began).
 */
#include "state.h"

#include <inttypes.h>

#define RESOLVED 0xffu

void rd_pending_add(struct rd_state *st, enum rd_pending_kind kind, uint32_t proc, uint64_t id,
		    uint32_t index, uint64_t ns)
{
	struct rd_pending *p = cprof_vec_push(&st->pending);
	uint32_t *head = cprof_pairmap_find(&st->pending_index, proc, id);
	uint32_t me = (uint32_t)st->pending.n - 1;

	if (!p) {
		st->out_of_memory = true;
		return;
	}
	p->kind = (uint8_t)kind;
	p->proc = proc;
	p->id = id;
	p->index = index;
	p->ns = ns;
	p->next = head ? *head : CPROF_NONE;
	if (head)
		*head = me;
	else if (cprof_pairmap_put(&st->pending_index, proc, id, me))
		st->out_of_memory = true;
	if (kind == RD_PENDING_END)
		st->pending_ends++;
}

void rd_pending_resolve(struct rd_state *st, uint32_t proc, uint64_t id, uint32_t task)
{
	struct cprof_model *m = st->model;
	uint32_t *head;

	if (!st->pending.n || !(head = cprof_pairmap_find(&st->pending_index, proc, id)))
		return;
	for (uint32_t i = *head; i != CPROF_NONE; i = st->pending.v[i].next) {
		struct rd_pending *p = &st->pending.v[i];

		switch (p->kind) {
		case RD_PENDING_END:
			m->tasks.v[task].end_ns = p->ns;
			m->tasks.v[task].end_thread = p->index;
			st->pending_ends--;
			break;
		case RD_PENDING_REGION:
			m->regions.v[p->index].task = task;
			break;
		case RD_PENDING_LOG:
			m->logs.v[p->index].task = task;
			break;
		case RD_PENDING_PARENT:
			m->tasks.v[p->index].parent = task;
			break;
		}
		p->kind = RESOLVED;
	}
	cprof_pairmap_del(&st->pending_index, proc, id);
}

/* rd_finish: ends whose task never began. */
void rd_pending_finish(struct rd_state *st)
{
	char a[96];

	for (size_t i = 0; st->pending_ends && i < st->pending.n; i++) {
		const struct rd_pending *p = &st->pending.v[i];

		if (p->kind != RD_PENDING_END)
			continue;
		rd_warn(st, p->ns, p->index,
			"task %" PRIu64 " ended on thread %s but never began in the trace", p->id,
			rd_thread_label(st, p->index, a, sizeof(a)));
	}
}
