/*
 * goroutine?debug=2 for threads: one paragraph per thread of the last
 * state dump, in the spirit of Go's goroutine dump:
 *
 *   process 4240 "nginx: worker process":
 *
 *   thread 4242 "worker-1" [mutex wait on 0x5555... held by thread 4243 "worker-2", 3.20 s]:
 *   lock_b
 *   	/src/app.c:42
 *
 * (the process line when the dump has several processes or a title); the
 * duration is the time the thread has been in the wait or call it is in
 * now.
 * Threads that wait for each other's locks (a cycle of "held by") are
 * named first, in one DEADLOCK line per cycle.
 *
 * goroutine?debug=1: Go's count format, the threads grouped by their
 * stack (the same return addresses: forked workers of one program share
 * them), the largest group first, so that a thread pool or a leak reads
 * as one line:
 *
 *   goroutine profile: total 7
 *   4 @ 0x55d1c0a01b88 0x7f1944412a34
 *   #	0x55d1c0a01b88	wait_turn	/src/app.c:45
 *   #	0x7f1944412a34	start_thread
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endpoints.h"
#include "symbols/symbols.h"

static const struct cprof_thread_state *state_of_tid(const struct cprof_model *m, int32_t tid,
						     uint32_t process)
{
	for (size_t i = 0; i < m->thread_states.n; i++) {
		const struct cprof_thread_state *ts = &m->thread_states.v[i];
		const struct cprof_thread *t = &m->threads.v[ts->thread];

		if (ts->current && t->tid == tid && t->process == process)
			return ts;
	}
	return NULL;
}

static const char *name_of(const struct cprof_model *m, uint32_t thread)
{
	return cprof_model_str(m, m->threads.v[thread].name);
}

/* Follows "waits for a lock held by" from ts; a cycle back to ts is a
 * deadlock, written once (from its lowest tid). */
static void report_cycle(FILE *out, const struct cprof_model *m,
			 const struct cprof_thread_state *ts)
{
	const struct cprof_thread_state *cur = ts;
	int32_t lowest = m->threads.v[ts->thread].tid;

	for (int hops = 0; hops < 64; hops++) {
		uint32_t proc = m->threads.v[cur->thread].process;

		if (!cur->wait_kind || !cur->holder_tid)
			return;
		cur = state_of_tid(m, cur->holder_tid, proc);
		if (!cur)
			return;
		if (m->threads.v[cur->thread].tid < lowest)
			return; /* reported from the lowest tid of the cycle */
		if (cur == ts)
			break;
	}
	if (cur != ts)
		return;
	fputs("DEADLOCK: these threads wait for each other's locks:", out);
	do {
		const struct cprof_thread *t = &m->threads.v[cur->thread];

		fprintf(out, " thread %d \"%s\" waits for %s 0x%" PRIx64 " held by thread %d;",
			(int)t->tid, name_of(m, cur->thread), cprof_wait_kind_name(cur->wait_kind),
			cur->wait_obj, (int)cur->holder_tid);
		cur = state_of_tid(m, cur->holder_tid, t->process);
	} while (cur && cur != ts);
	fputs("\n\n", out);
}

static void write_state(FILE *out, const struct cprof_model *m, const struct cprof_thread_state *ts)
{
	double secs =
	    ts->since_ns && ts->ns > ts->since_ns ? (double)(ts->ns - ts->since_ns) / 1e9 : 0;

	if (ts->wait_kind) {
		fprintf(out, "%s wait on 0x%" PRIx64, cprof_wait_kind_name(ts->wait_kind),
			ts->wait_obj);
		if (ts->holder_tid) {
			const struct cprof_thread_state *h =
			    state_of_tid(m, ts->holder_tid, m->threads.v[ts->thread].process);

			fprintf(out, " held by thread %d", (int)ts->holder_tid);
			if (h)
				fprintf(out, " \"%s\"", name_of(m, h->thread));
		}
		fprintf(out, ", %.2f s", secs);
	} else if (ts->call) {
		fprintf(out, "in %s, %.2f s", cprof_call_name(ts->call), secs);
	} else {
		fputs("running", out);
	}
}

static void write_stack(FILE *out, const struct cprof_model *m, struct cprof_symbolizer *sym,
			uint32_t stack)
{
	const struct cprof_stack *st;

	if (!stack || stack >= m->stacks.n) {
		fputs("(stack unknown)\n", out);
		return;
	}
	st = &m->stacks.v[stack];
	for (uint16_t i = 0; i < st->depth; i++) {
		struct cprof_symbol_loc loc;

		if (!sym || !cprof_symbolizer_lookup_at(sym, st->process, st->ns,
							m->frames.v[st->first + i], true, &loc)) {
			fprintf(out, "0x%" PRIx64 "\n", m->frames.v[st->first + i]);
			continue;
		}
		for (size_t k = 0; k < loc.nframes; k++) {
			fprintf(out, "%s%s\n", loc.frames[k].function,
				k + 1 < loc.nframes ? " (inline)" : "");
			if (loc.frames[k].file[0])
				fprintf(out, "\t%s:%d\n", loc.frames[k].file, loc.frames[k].line);
		}
	}
}

/*
 * Threads in the order of their processes' pids, then their tids: each
 * process's main thread first, as Go's dump starts with goroutine 1 (the
 * state dump lists them in the order each process's threads answered:
 * redis's bio_close_file came before redis-server).
 */
static int by_pid_tid(const void *a, const void *b, void *model)
{
	const struct cprof_model *m = model;
	const struct cprof_thread *x = &m->threads.v[m->thread_states.v[*(const size_t *)a].thread];
	const struct cprof_thread *y = &m->threads.v[m->thread_states.v[*(const size_t *)b].thread];
	int32_t px = m->processes.v[x->process].pid, py = m->processes.v[y->process].pid;

	if (px != py)
		return px < py ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static bool several_processes(const struct cprof_model *m, const size_t *order, size_t n)
{
	uint32_t first = m->threads.v[m->thread_states.v[order[0]].thread].process;

	for (size_t k = 1; k < n; k++)
		if (m->threads.v[m->thread_states.v[order[k]].thread].process != first)
			return true;
	return false;
}

/*
 * A line before each process's threads, when the dump has several or the
 * program set a title: its pid and its title as ps shows it ("nginx:
 * worker process"), else its name. Every thread of a master and its
 * workers has the same comm ("nginx").
 */
static void write_process(FILE *out, const struct cprof_model *m, uint32_t process, bool several)
{
	const struct cprof_process *p = &m->processes.v[process];

	if (!p->title && !several)
		return;
	fprintf(out, "process %d \"%s\":\n\n", (int)p->pid,
		cprof_model_process_label(m, p));
}

char *cprof_serve_thread_dump(const struct cprof_model *m, size_t *len)
{
	struct cprof_symbolizer_options sopts = {.inline_frames = true};
	struct cprof_symbolizer *sym = cprof_symbolizer_create(m, &sopts);
	char *buf = NULL;
	FILE *out = open_memstream(&buf, len);
	size_t *order = malloc((m->thread_states.n + 1) * sizeof(*order)), n = 0;

	if (!out || !order) {
		if (out)
			fclose(out);
		free(buf);
		free(order);
		cprof_symbolizer_destroy(sym);
		return NULL;
	}
	for (size_t i = 0; i < m->thread_states.n; i++)
		if (m->thread_states.v[i].current)
			report_cycle(out, m, &m->thread_states.v[i]);
	for (size_t i = 0; i < m->thread_states.n; i++)
		if (m->thread_states.v[i].current)
			order[n++] = i;
	qsort_r(order, n, sizeof(*order), by_pid_tid, (void *)m);
	for (size_t k = 0; k < n; k++) {
		const struct cprof_thread_state *ts = &m->thread_states.v[order[k]];
		const struct cprof_thread *t = &m->threads.v[ts->thread];

		if (!k ||
		    t->process != m->threads.v[m->thread_states.v[order[k - 1]].thread].process)
			write_process(out, m, t->process, n && several_processes(m, order, n));
		fprintf(out, "thread %d \"%s\" [", (int)t->tid, name_of(m, ts->thread));
		write_state(out, m, ts);
		fputs("]:\n", out);
		write_stack(out, m, sym, ts->stack);
		fputc('\n', out);
	}
	fclose(out);
	free(order);
	cprof_symbolizer_destroy(sym);
	return buf;
}

/* Two stacks by their frames (stack 0 or unknown: none), 0 when the
 * same. */
static int frames_cmp(const struct cprof_model *m, uint32_t sa, uint32_t sb)
{
	const struct cprof_stack *x = sa && sa < m->stacks.n ? &m->stacks.v[sa] : NULL;
	const struct cprof_stack *y = sb && sb < m->stacks.n ? &m->stacks.v[sb] : NULL;
	uint16_t dx = x ? x->depth : 0, dy = y ? y->depth : 0;

	if (dx != dy)
		return dx < dy ? -1 : 1;
	return dx ? memcmp(&m->frames.v[x->first], &m->frames.v[y->first],
			   dx * sizeof(*m->frames.v))
		  : 0;
}

/* Current thread states with the same frames together, each group in
 * the order of the states. */
static int by_frames(const void *a, const void *b, void *model)
{
	const struct cprof_model *m = model;
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	int c = frames_cmp(m, m->thread_states.v[ia].stack, m->thread_states.v[ib].stack);

	return c ? c : (ia > ib) - (ia < ib);
}

struct group {
	size_t first; /* index into the sorted states */
	size_t count;
};

static int by_count(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

static void write_group(FILE *out, const struct cprof_model *m, struct cprof_symbolizer *sym,
			uint32_t stack, size_t count)
{
	const struct cprof_stack *st = stack && stack < m->stacks.n ? &m->stacks.v[stack] : NULL;

	fprintf(out, "%zu @", count);
	for (uint16_t i = 0; st && i < st->depth; i++)
		fprintf(out, " 0x%" PRIx64, m->frames.v[st->first + i]);
	fputc('\n', out);
	if (!st)
		fputs("#\t(stack unknown)\n", out);
	for (uint16_t i = 0; st && i < st->depth; i++) {
		uint64_t pc = m->frames.v[st->first + i];
		struct cprof_symbol_loc loc;

		if (!sym || !cprof_symbolizer_lookup_at(sym, st->process, st->ns, pc, true, &loc)) {
			fprintf(out, "#\t0x%" PRIx64 "\n", pc);
			continue;
		}
		for (size_t k = 0; k < loc.nframes; k++) {
			fprintf(out, "#\t0x%" PRIx64 "\t%s", pc, loc.frames[k].function);
			if (loc.frames[k].file[0])
				fprintf(out, "\t%s:%d", loc.frames[k].file, loc.frames[k].line);
			fputc('\n', out);
		}
	}
	fputc('\n', out);
}

char *cprof_serve_thread_counts(const struct cprof_model *m, size_t *len)
{
	struct cprof_symbolizer_options sopts = {.inline_frames = true};
	struct cprof_symbolizer *sym = cprof_symbolizer_create(m, &sopts);
	char *buf = NULL;
	FILE *out = open_memstream(&buf, len);
	size_t *order = malloc((m->thread_states.n + 1) * sizeof(*order)), n = 0, ng = 0;
	struct group *groups = malloc((m->thread_states.n + 1) * sizeof(*groups));

	if (!out || !order || !groups) {
		if (out)
			fclose(out);
		free(buf);
		buf = NULL;
		goto end;
	}
	for (size_t i = 0; i < m->thread_states.n; i++)
		if (m->thread_states.v[i].current)
			order[n++] = i;
	qsort_r(order, n, sizeof(*order), by_frames, (void *)m);
	for (size_t k = 0; k < n; k++) {
		uint32_t stack = m->thread_states.v[order[k]].stack;

		if (ng &&
		    !frames_cmp(m, stack, m->thread_states.v[order[groups[ng - 1].first]].stack))
			groups[ng - 1].count++;
		else
			groups[ng++] = (struct group){k, 1};
	}
	qsort(groups, ng, sizeof(*groups), by_count);
	fprintf(out, "goroutine profile: total %zu\n", n);
	for (size_t g = 0; g < ng; g++)
		write_group(out, m, sym, m->thread_states.v[order[groups[g].first]].stack,
			    groups[g].count);
	fclose(out);
end:
	free(order);
	free(groups);
	cprof_symbolizer_destroy(sym);
	return buf;
}
