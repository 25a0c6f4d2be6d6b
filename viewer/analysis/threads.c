/*
 * Per-thread time breakdown (see threads.h): one pass over the waits, the
 * blocking calls and the CPU samples, each clipped to the range.
 */
#include "threads.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cprof-tp-enums.h"

void cprof_thread_pattern(const char *name, char *buf, size_t len)
{
	size_t o = 0;

	if (!len)
		return;
	for (const char *s = name; *s && o + 1 < len; s++) {
		if (isdigit((unsigned char)*s)) {
			while (isdigit((unsigned char)s[1]))
				s++;
			buf[o++] = '*';
		} else {
			buf[o++] = *s;
		}
	}
	buf[o] = '\0';
}

/* Length of [b, e) inside [from, to). */
static uint64_t overlap(uint64_t b, uint64_t e, uint64_t from, uint64_t to)
{
	if (b < from)
		b = from;
	if (e > to)
		e = to;
	return e > b ? e - b : 0;
}

static uint64_t *wait_slot(struct cprof_thread_times *t, uint8_t kind)
{
	switch (kind) {
	case CPROF_TP_WAIT_MUTEX:
	case CPROF_TP_WAIT_RWLOCK_READ:
	case CPROF_TP_WAIT_RWLOCK_WRITE:
	case CPROF_TP_WAIT_SPIN:
		return &t->lock_ns;
	case CPROF_TP_WAIT_JOIN:
		return &t->join_ns;
	default:
		return &t->cond_ns;
	}
}

static void add_times(struct cprof_thread_times *into, const struct cprof_thread_times *t)
{
	into->alive_ns += t->alive_ns;
	into->running_ns += t->running_ns;
	into->cpu_ns += t->cpu_ns;
	into->lock_ns += t->lock_ns;
	into->cond_ns += t->cond_ns;
	into->syscall_ns += t->syscall_ns;
	into->join_ns += t->join_ns;
	into->cpu_samples += t->cpu_samples;
}

/* Whether a pass at item `i` should end: told to stop (read every 64K
 * items, some 100 us). */
static bool stopped(const atomic_bool *stop, size_t i)
{
	return !(i & 0xffff) && stop && atomic_load_explicit(stop, memory_order_relaxed);
}

/* Blocked time, lifetimes and samples of every thread, in model order;
 * false when told to stop. */
static bool accumulate(const struct cprof_model *m, uint64_t from, uint64_t to,
		       const atomic_bool *stop, struct cprof_thread_times *tt, uint64_t *alive_to)
{
	for (size_t i = 0; i < m->threads.n; i++) {
		const struct cprof_thread *th = &m->threads.v[i];
		alive_to[i] = th->end_ns ? th->end_ns : th->last_ns;
	}
	for (size_t i = 0; i < m->waits.n; i++) {
		const struct cprof_wait *w = &m->waits.v[i];
		uint64_t e = w->end_ns ? w->end_ns : m->end_ns;
		if (stopped(stop, i))
			return false;
		if (w->thread >= m->threads.n)
			continue;
		if (e > alive_to[w->thread])
			alive_to[w->thread] = e;
		*wait_slot(&tt[w->thread], w->kind) += overlap(w->begin_ns, e, from, to);
	}
	for (size_t i = 0; i < m->syscalls.n; i++) {
		const struct cprof_syscall *s = &m->syscalls.v[i];
		if (stopped(stop, i))
			return false;
		if (s->thread < m->threads.n)
			tt[s->thread].syscall_ns += overlap(s->begin_ns, s->end_ns, from, to);
	}
	for (size_t i = 0; i < m->samples.n; i++) {
		const struct cprof_sample *s = &m->samples.v[i];
		uint32_t p;
		if (stopped(stop, i))
			return false;
		if (s->thread >= m->threads.n || s->ns < from || s->ns >= to)
			continue;
		p = m->threads.v[s->thread].process;
		tt[s->thread].cpu_samples++;
		if (p < m->processes.n && m->processes.v[p].cpu_rate)
			tt[s->thread].cpu_ns += 1000000000ull / m->processes.v[p].cpu_rate;
	}
	return true;
}

static struct cprof_thread_group *group_of(struct cprof_thread_breakdown *out, const char *pattern)
{
	for (size_t g = 0; g < out->groups.n; g++)
		if (!strcmp(out->groups.v[g].pattern, pattern))
			return &out->groups.v[g];
	return NULL;
}

enum cprof_threads_status cprof_threads_compute(const struct cprof_model *m, uint64_t from,
						uint64_t to, struct cprof_thread_breakdown *out)
{
	return cprof_threads_compute_until(m, from, to, NULL, out);
}

enum cprof_threads_status cprof_threads_compute_until(const struct cprof_model *m, uint64_t from,
						      uint64_t to, const atomic_bool *stop,
						      struct cprof_thread_breakdown *out)
{
	size_t n = m->threads.n;
	struct cprof_thread_times *tt = calloc(n + 1, sizeof(*tt));
	uint64_t *alive_to = calloc(n + 1, sizeof(*alive_to));
	enum cprof_threads_status status = CPROF_THREADS_NO_MEMORY;

	memset(out, 0, sizeof(*out));
	out->from_ns = from;
	out->to_ns = to;
	if (!tt || !alive_to)
		goto end;
	if (!accumulate(m, from, to, stop, tt, alive_to)) {
		status = CPROF_THREADS_STOPPED;
		goto end;
	}
	for (size_t i = 0; i < n; i++) {
		const struct cprof_thread *th = &m->threads.v[i];
		struct cprof_thread_times *t = &tt[i];
		uint64_t begin = th->start_ns ? th->start_ns : th->first_ns, blocked;
		struct cprof_thread_row *row;
		struct cprof_thread_group *g;
		char pattern[64];

		t->alive_ns =
		    overlap(begin, alive_to[i] > begin ? alive_to[i] : begin + 1, from, to);
		if (!t->alive_ns && !t->cpu_samples)
			continue;
		blocked = t->lock_ns + t->cond_ns + t->syscall_ns + t->join_ns;
		t->running_ns = t->alive_ns > blocked ? t->alive_ns - blocked : 0;
		row = cprof_vec_push(&out->rows);
		if (!row)
			goto error;
		row->thread = (uint32_t)i;
		row->t = *t;
		cprof_thread_pattern(cprof_model_str(m, th->name), pattern, sizeof(pattern));
		g = group_of(out, pattern);
		if (!g) {
			g = cprof_vec_push(&out->groups);
			if (!g)
				goto error;
			memcpy(g->pattern, pattern, sizeof(pattern));
			g->first = (uint32_t)i;
		}
		g->threads++;
		add_times(&g->t, t);
	}
	status = CPROF_THREADS_OK;
	goto end;
error:
	cprof_threads_fini(out);
end:
	free(tt);
	free(alive_to);
	return status;
}

void cprof_threads_fini(struct cprof_thread_breakdown *breakdown)
{
	cprof_vec_free(&breakdown->rows);
	cprof_vec_free(&breakdown->groups);
}
