/*
 * cprof-trace stats [--json] TRACE: a summary of a trace, as text for
 * people or as JSON for scripts (the JSON shape is a contract: keys are
 * added, never removed). With --critical-path TYPE, where the time of the
 * tasks of that type went instead (analysis/critpath.h).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "analysis/counters.h"
#include "analysis/critpath.h"
#include "analysis/stats.h"
#include "cmds.h"
#include "common/cli.h"
#include "common/text.h"
#include "reader/reader.h"
#include "reader/record_meta.h"
#include "symbols/symbols.h"

#define STACK_FRAMES 8

static void usage(FILE *out)
{
	fprintf(out, "usage: cprof-trace stats [--json] [--all-processes] [--critical-path TYPE] "
		     "TRACE\n\n"
		     "Summarise a trace: duration, events, lost events, threads, per task and\n"
		     "region type count/total/p50/p90/p99/max, logs per category, waits, heap,\n"
		     "blocking calls, user counters (samples, min, max, last, time-weighted\n"
		     "mean) and warnings. Of a flight-recorder snapshot, what the window every\n"
		     "CPU's ring buffer holds: what ended before it is left out, what began\n"
		     "before it counts from its start (a note says how many).\n\n"
		     "  --json   machine-readable output\n"
		     "  --all-processes  keep every process, not only the recorded tree\n"
		     "  --critical-path TYPE  instead, where the time of the ended tasks of type\n"
		     "           TYPE went, summed by what (run, lock, cond, syscall, join,\n"
		     "           queue), thread and function; a lock wait is followed to the\n"
		     "           thread that held the lock and what it ran meanwhile; of a\n"
		     "           snapshot, tasks begun before its window from its start\n");
}

/* One frame of a stack, "function file:line", in `buf`. */
static const char *frame_name(struct cprof_symbolizer *sym, const struct cprof_model *m,
			      const struct cprof_stack *st, uint64_t ip, char *buf, size_t len)
{
	struct cprof_symbol_loc loc;

	if (sym && cprof_symbolizer_lookup_at(sym, st->process, st->ns, ip, true, &loc) &&
	    loc.nframes) {
		const struct cprof_symbol *f = &loc.frames[loc.nframes - 1];
		if (f->file && f->file[0])
			snprintf(buf, len, "%s %s:%d", f->function, f->file, f->line);
		else
			snprintf(buf, len, "%s", f->function);
	} else {
		snprintf(buf, len, "0x%" PRIx64, ip);
	}
	(void)m;
	return buf;
}

static void print_stack_json(FILE *out, struct cprof_symbolizer *sym, const struct cprof_model *m,
			     const struct cprof_stats_stack *s)
{
	const struct cprof_stack *st = &m->stacks.v[s->stack];
	char buf[512];

	fprintf(out, "{\"count\": %" PRIu64 ", \"delay_ns\": %" PRIu64 ", \"frames\": [", s->count,
		s->delay_ns);
	for (uint16_t i = 0; s->stack && i < st->depth && i < STACK_FRAMES; i++) {
		if (i)
			fputs(", ", out);
		cprof_json_write_string(
		    out, frame_name(sym, m, st, m->frames.v[st->first + i], buf, sizeof(buf)));
	}
	fputs("]}", out);
}

/* `, "top_stacks": [...]`: the heaviest stacks of a summary. */
static void print_top_stacks_json(FILE *out, struct cprof_symbolizer *sym,
				  const struct cprof_model *m, const struct cprof_stats_stack *top,
				  size_t n)
{
	fputs(", \"top_stacks\": [", out);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", out);
		print_stack_json(out, sym, m, &top[i]);
	}
	fputs("]", out);
}

static void print_dists_json(FILE *out, const struct cprof_model *m, const char *key,
			     const struct cprof_stats_dist *v, size_t n, int keykind)
{
	fprintf(out, ", \"%s\": {", key);
	for (size_t i = 0; i < n; i++) {
		const struct cprof_stats_dist *d = &v[i];
		if (i)
			fputs(", ", out);
		cprof_json_write_string(out, keykind == 0   ? cprof_model_str(m, d->key)
					     : keykind == 1 ? cprof_wait_kind_name(d->key)
							    : cprof_call_name(d->key));
		fprintf(out,
			": {\"count\": %" PRIu64 ", \"total_ns\": %" PRIu64 ", \"p50_ns\": %" PRIu64
			", \"p90_ns\": %" PRIu64 ", \"p99_ns\": %" PRIu64 ", \"max_ns\": %" PRIu64
			", \"unended\": %" PRIu64 "}",
			d->count, d->total_ns, d->p50_ns, d->p90_ns, d->p99_ns, d->max_ns,
			d->unended);
	}
	fputs("}", out);
}

static void print_counters_json(FILE *out, const struct cprof_model *m)
{
	struct cprof_counters cs;

	if (cprof_counters_summarize(m, m->begin_ns, m->end_ns, &cs) != CPROF_COUNTERS_OK)
		return;
	fputs(", \"counters\": {", out);
	for (size_t i = 0; i < cs.v.n; i++) {
		const struct cprof_counter_summary *c = &cs.v.v[i];
		if (i)
			fputs(", ", out);
		cprof_json_write_string(out, cprof_model_str(m, c->name));
		fprintf(out,
			": {\"samples\": %" PRIu64 ", \"min\": %" PRId64 ", \"max\": %" PRId64
			", \"last\": %" PRId64 ", \"mean\": %.3f}",
			c->samples, c->min, c->max, c->last, c->mean);
	}
	fputs("}", out);
	cprof_counters_fini(&cs);
}

static void print_counters_text(FILE *out, const struct cprof_model *m)
{
	struct cprof_counters cs;

	if (cprof_counters_summarize(m, m->begin_ns, m->end_ns, &cs) != CPROF_COUNTERS_OK ||
	    !cs.v.n) {
		cprof_counters_fini(&cs);
		return;
	}
	fprintf(out, "\n%-24s %8s %12s %12s %12s %14s\n", "counters", "samples", "min", "max",
		"last", "mean");
	for (size_t i = 0; i < cs.v.n; i++) {
		const struct cprof_counter_summary *c = &cs.v.v[i];
		fprintf(out,
			"  %-22.60s %8" PRIu64 " %12" PRId64 " %12" PRId64 " %12" PRId64
			" %14.3f\n",
			cprof_model_str(m, c->name), c->samples, c->min, c->max, c->last, c->mean);
	}
	cprof_counters_fini(&cs);
}

static void print_json(FILE *out, const struct cprof_model *m, const struct cprof_stats *s,
		       struct cprof_symbolizer *sym)
{
	fprintf(out,
		"{\"events\": %" PRIu64 ", \"lost_events\": %" PRIu64 ", \"lost_records\": %" PRIu64
		", \"overwritten_records\": %" PRIu64 ", \"window_ns\": %" PRIu64
		", \"duration_ns\": %" PRIu64,
		m->events, m->lost_events, m->lost_records, m->overwritten_records, m->window_ns,
		s->duration_ns);
	fprintf(out, ", \"begin_ns\": %" PRIu64 ", \"end_ns\": %" PRIu64, m->begin_ns, m->end_ns);
	fprintf(out, ", \"window_left_out\": %" PRIu64 ", \"window_clipped\": %" PRIu64,
		s->window.left_out, s->window.clipped);

	fputs(", \"processes\": [", out);
	for (size_t i = 0; i < m->processes.n; i++) {
		const struct cprof_process *p = &m->processes.v[i];
		fprintf(out, "%s{\"pid\": %d, \"ppid\": %d, \"name\": ", i ? ", " : "", p->pid,
			p->ppid);
		cprof_json_write_string(out, cprof_model_str(m, p->name));
		/* only when the program set one (setproctitle) */
		if (p->title) {
			fputs(", \"title\": ", out);
			cprof_json_write_string(out, cprof_model_str(m, p->title));
		}
		fputs(", \"host\": ", out);
		cprof_json_write_string(out, cprof_model_str(m, p->host));
		fprintf(out, ", \"end_ns\": %" PRIu64 "}", p->end_ns);
	}
	fputs("]", out);

	fputs(", \"threads\": [", out);
	for (size_t i = 0; i < m->threads.n; i++) {
		const struct cprof_thread *t = &m->threads.v[i];
		fprintf(out, "%s{\"tid\": %d, \"pid\": %d, \"name\": ", i ? ", " : "", t->tid,
			m->processes.v[t->process].pid);
		cprof_json_write_string(out, cprof_model_str(m, t->name));
		fprintf(out,
			", \"events\": %" PRIu64 ", \"first_ns\": %" PRIu64
			", \"last_ns\": %" PRIu64 ", \"start_ns\": %" PRIu64
			", \"end_ns\": %" PRIu64 ", \"parent_tid\": %d}",
			t->events, t->first_ns, t->last_ns, t->start_ns, t->end_ns, t->parent_tid);
	}
	fputs("]", out);

	print_dists_json(out, m, "tasks", s->tasks.v, s->tasks.n, 0);
	print_dists_json(out, m, "regions", s->regions.v, s->regions.n, 0);

	fputs(", \"logs\": {", out);
	for (size_t i = 0; i < s->logs.n; i++) {
		if (i)
			fputs(", ", out);
		cprof_json_write_string(out, cprof_model_str(m, s->logs.v[i].key));
		fprintf(out, ": %" PRIu64, s->logs.v[i].count);
	}
	fputs("}", out);

	fprintf(out, ", \"sync\": {\"contentions\": %" PRIu64 ", \"delay_ns\": %" PRIu64,
		s->sync_contentions, s->sync_delay_ns);
	print_dists_json(out, m, "kinds", s->sync_kinds.v, s->sync_kinds.n, 1);
	print_top_stacks_json(out, sym, m, s->sync_top.v, s->sync_top.n);
	fputs("}", out);

	fprintf(out,
		", \"heap\": {\"known\": %s, \"peak_bytes\": %" PRIu64 ", \"final_bytes\": %" PRIu64
		", \"allocs\": %" PRIu64 ", \"alloc_bytes\": %" PRIu64 ", \"frees\": %" PRIu64
		", \"allocs_per_s\": %.1f}",
		s->heap_known ? "true" : "false", s->heap_peak_bytes, s->heap_final_bytes,
		s->allocs, s->alloc_bytes, s->frees, s->allocs_per_s);

	fprintf(out, ", \"syscalls\": {\"count\": %" PRIu64 ", \"total_ns\": %" PRIu64,
		s->syscall_count, s->syscall_ns);
	print_dists_json(out, m, "calls", s->syscalls.v, s->syscalls.n, 2);
	print_top_stacks_json(out, sym, m, s->syscall_top.v, s->syscall_top.n);
	fputs("}", out);

	fprintf(out,
		", \"thread_summary\": {\"threads\": %zu, \"started\": %" PRIu64
		", \"exited\": %" PRIu64 ", \"alive_at_end\": %" PRIu64 ", \"peak_alive\": %" PRIu64
		"}",
		m->threads.n, s->threads_started, s->threads_exited, s->threads_alive_end,
		s->threads_peak);

	print_counters_json(out, m);

	fputs(", \"lost\": [", out);
	for (size_t i = 0; i < m->lost.n; i++)
		fprintf(out,
			"%s{\"count\": %" PRIu64 ", \"begin_ns\": %" PRIu64 ", \"end_ns\": %" PRIu64
			", \"tid\": %" PRId32 ", \"unread\": %s}",
			i ? ", " : "", m->lost.v[i].count, m->lost.v[i].begin_ns,
			m->lost.v[i].end_ns, m->lost.v[i].tid,
			m->lost.v[i].unread ? "true" : "false");
	fputs("]", out);

	fputs(", \"warnings\": [", out);
	for (size_t i = 0; i < m->warnings.n; i++) {
		if (i)
			fputs(", ", out);
		cprof_json_write_string(out, cprof_model_str(m, m->warnings.v[i].text));
	}
	fputs("]}\n", out);
}

static void print_dists_text(FILE *out, const struct cprof_model *m, const char *title,
			     const struct cprof_stats_dist *v, size_t n, int keykind)
{
	char b[6][32];

	if (!n)
		return;
	fprintf(out, "\n%-24s %8s %12s %12s %12s %12s %12s\n", title, "count", "total", "p50",
		"p90", "p99", "max");
	for (size_t i = 0; i < n; i++) {
		const struct cprof_stats_dist *d = &v[i];
		const char *name = keykind == 0	  ? cprof_model_str(m, d->key)
				   : keykind == 1 ? cprof_wait_kind_name(d->key)
						  : cprof_call_name(d->key);
		fprintf(out, "  %-22.60s %8" PRIu64 " %12s %12s %12s %12s %12s", name, d->count,
			cprof_format_duration(d->total_ns, b[0], 32),
			cprof_format_duration(d->p50_ns, b[1], 32),
			cprof_format_duration(d->p90_ns, b[2], 32),
			cprof_format_duration(d->p99_ns, b[3], 32),
			cprof_format_duration(d->max_ns, b[4], 32));
		if (d->unended)
			fprintf(out, "  (+%" PRIu64 " not ended)", d->unended);
		fputc('\n', out);
	}
}

static void print_top_text(FILE *out, struct cprof_symbolizer *sym, const struct cprof_model *m,
			   const char *title, const char *noun, const struct cprof_stats_stack *v,
			   size_t n)
{
	char buf[512], d[32];

	if (!n)
		return;
	fprintf(out, "  %s:\n", title);
	for (size_t i = 0; i < n; i++) {
		const struct cprof_stack *st = &m->stacks.v[v[i].stack];
		fprintf(out, "    %s in %" PRIu64 " %s\n",
			cprof_format_duration(v[i].delay_ns, d, sizeof(d)), v[i].count, noun);
		if (!v[i].stack)
			fprintf(out, "      (no stack)\n");
		for (uint16_t k = 0; v[i].stack && k < st->depth && k < STACK_FRAMES; k++)
			fprintf(
			    out, "      %s\n",
			    frame_name(sym, m, st, m->frames.v[st->first + k], buf, sizeof(buf)));
	}
}

static void print_text(FILE *out, const struct cprof_model *m, const struct cprof_stats *s,
		       struct cprof_symbolizer *sym)
{
	struct cprof_snapshot_meta snap;
	char why[256];
	char b[32], c[32];

	fprintf(out, "trace:        %s\n", cprof_model_str(m, m->path));
	if (cprof_read_snapshot_meta(cprof_model_str(m, m->path), &snap)) {
		cprof_snapshot_meta_describe(&snap, why, sizeof(why));
		fprintf(out, "snapshot:     %s\n", why);
	}
	fprintf(out, "duration:     %s\n", cprof_format_duration(s->duration_ns, b, sizeof(b)));
	fprintf(out, "events:       %" PRIu64 "\n", m->events);
	if (m->lost_records)
		fprintf(out,
			"lost events:  %" PRIu64 "  (the tracer's buffers were full: %" PRIu64
			" records of the program's threads were in lost batches; counts below "
			"may be low)\n",
			m->lost_events, m->lost_records);
	else
		fprintf(out, "lost events:  %" PRIu64 "%s\n", m->lost_events,
			m->lost_events
			    ? "  (the tracer's buffers were full: counts below may be low)"
			    : "");
	if (m->window_ns > m->begin_ns) {
		fprintf(out, "window:       from +%s, common to every CPU's ring buffer",
			cprof_format_duration(m->window_ns - m->begin_ns, c, sizeof(c)));
		if (m->overwritten_records)
			fprintf(out,
				" (%" PRIu64 " records of %" PRIu64
				" threads before it were overwritten)",
				m->overwritten_records, m->overwritten_threads);
		fputc('\n', out);
	}
	if (s->window_ns) {
		fprintf(out,
			"              counted below: what the window holds (%" PRIu64
			" records before it left out",
			s->window.left_out);
		if (s->window.clipped)
			fprintf(out, "; %" PRIu64 " begun before it counted from its start",
				s->window.clipped);
		fputs(")\n", out);
	}
	fprintf(out, "processes:    %zu\n", m->processes.n);
	for (size_t i = 0; i < m->processes.n; i++) {
		const struct cprof_process *p = &m->processes.v[i];

		fprintf(out, "  %-8d %s", p->pid, cprof_model_str(m, p->name));
		/* the title ps shows ("nginx: worker process") */
		if (p->title)
			fprintf(out, "  \"%s\"", cprof_model_str(m, p->title));
		fprintf(out, "%s%s\n", *cprof_model_str(m, p->host) ? "  on " : "",
			cprof_model_str(m, p->host));
	}

	fprintf(out, "\nthreads:      %zu\n", m->threads.n);
	fprintf(out, "  %-8s %-16s %10s %12s\n", "tid", "name", "events", "lifetime");
	for (size_t i = 0; i < m->threads.n; i++) {
		const struct cprof_thread *t = &m->threads.v[i];
		uint64_t from = t->start_ns ? t->start_ns : t->first_ns;
		uint64_t to = t->end_ns ? t->end_ns : t->last_ns;
		fprintf(out, "  %-8d %-16s %10" PRIu64 " %12s", t->tid, cprof_model_str(m, t->name),
			t->events, cprof_format_duration(to > from ? to - from : 0, b, sizeof(b)));
		if (t->parent_tid)
			fprintf(out, "  created by %d", t->parent_tid);
		fputc('\n', out);
	}
	if (s->threads_started || s->threads_exited)
		fprintf(out,
			"  %" PRIu64 " started, %" PRIu64 " exited, %" PRIu64
			" alive at the end, peak %" PRIu64 " alive\n",
			s->threads_started, s->threads_exited, s->threads_alive_end,
			s->threads_peak);

	print_dists_text(out, m, "tasks", s->tasks.v, s->tasks.n, 0);
	print_dists_text(out, m, "regions", s->regions.v, s->regions.n, 0);
	if (s->logs.n) {
		fprintf(out, "\n%-24s %8s\n", "logs", "count");
		for (size_t i = 0; i < s->logs.n; i++)
			fprintf(out, "  %-22.60s %8" PRIu64 "\n",
				cprof_model_str(m, s->logs.v[i].key), s->logs.v[i].count);
	}
	if (s->sync_contentions) {
		fprintf(out, "\nsync: %" PRIu64 " waits that blocked, %s in total\n",
			s->sync_contentions, cprof_format_duration(s->sync_delay_ns, b, sizeof(b)));
		print_dists_text(out, m, "waits by kind", s->sync_kinds.v, s->sync_kinds.n, 1);
		print_top_text(out, sym, m, "top waiting stacks by delay", "waits", s->sync_top.v,
			       s->sync_top.n);
	}
	if (s->heap_known)
		fprintf(out,
			"\nheap: peak %" PRIu64 " bytes in use, %" PRIu64 " at the end; %" PRIu64
			" allocations recorded (%" PRIu64 " bytes, %" PRIu64
			" freed), %.0f allocations/s\n",
			s->heap_peak_bytes, s->heap_final_bytes, s->allocs, s->alloc_bytes,
			s->frees, s->allocs_per_s);
	if (s->syscall_count) {
		fprintf(out, "\nblocking calls: %" PRIu64 " over the threshold, %s in total\n",
			s->syscall_count, cprof_format_duration(s->syscall_ns, c, sizeof(c)));
		print_dists_text(out, m, "calls", s->syscalls.v, s->syscalls.n, 2);
		print_top_text(out, sym, m, "top blocking stacks", "calls", s->syscall_top.v,
			       s->syscall_top.n);
	}
	print_counters_text(out, m);
	if (m->warnings.n) {
		fprintf(out, "\nwarnings:     %zu\n", m->warnings.n);
		for (size_t i = 0; i < m->warnings.n; i++)
			fprintf(out, "  %s\n", cprof_model_str(m, m->warnings.v[i].text));
	}
}

/* --critical-path: the aggregate over the tasks of one type. */
static int print_critical_path(FILE *out, const struct cprof_model *m, const char *path,
			       const char *type, bool json)
{
	struct cprof_critpath *cp = cprof_critpath_create(m);
	struct cprof_symbolizer *sym = NULL;
	struct cprof_cp_aggregate agg = {0};
	enum cprof_critpath_status st = CPROF_CRITPATH_NO_MEMORY;
	char b[32], note[512];

	if (cp) {
		sym = m->stacks.n > 1 ? cprof_symbolizer_create(m, NULL) : NULL;
		st = cprof_critpath_aggregate(cp, sym, type, &agg);
	}
	if (st != CPROF_CRITPATH_OK) {
		fprintf(stderr, "cprof-trace: %s: %s\n", path,
			st == CPROF_CRITPATH_NO_TASKS ? "no task of that type in the trace"
						      : "out of memory");
		goto end;
	}
	if (cprof_snapwin_describe(m, "the critical path covers", "tasks", &agg.window, note,
				   sizeof(note)))
		fprintf(stderr, "cprof-trace: %s: note: %s\n", path, note);
	if (json) {
		fputs("{\"type\": ", out);
		cprof_json_write_string(out, type);
		fprintf(out,
			", \"tasks\": %" PRIu64 ", \"total_ns\": %" PRIu64
			", \"window_left_out\": %" PRIu64 ", \"window_clipped\": %" PRIu64
			", \"segments\": [",
			agg.tasks, agg.total_ns, agg.window.left_out, agg.window.clipped);
		for (size_t i = 0; i < agg.rows.n; i++) {
			const struct cprof_cp_row *r = &agg.rows.v[i];
			fprintf(out, "%s{\"what\": \"%s\", \"thread\": ", i ? ", " : "",
				cprof_cp_what_name(r->what));
			cprof_json_write_string(out, r->thread);
			fputs(", \"function\": ", out);
			cprof_json_write_string(out, r->function);
			fprintf(out, ", \"ns\": %" PRIu64 "}", r->ns);
		}
		fputs("]}\n", out);
	} else {
		fprintf(out, "critical path of %" PRIu64 " '%s' tasks, %s in total:\n", agg.tasks,
			type, cprof_format_duration(agg.total_ns, b, sizeof(b)));
		fprintf(out, "  %7s %12s  %-8s %-16s %s\n", "share", "time", "what", "thread",
			"function");
		for (size_t i = 0; i < agg.rows.n; i++) {
			const struct cprof_cp_row *r = &agg.rows.v[i];
			fprintf(out, "  %6.2f%% %12s  %-8s %-16s %s\n",
				agg.total_ns ? 100.0 * (double)r->ns / (double)agg.total_ns : 0,
				cprof_format_duration(r->ns, b, sizeof(b)),
				cprof_cp_what_name(r->what), r->thread, r->function);
		}
	}
end:
	cprof_cp_aggregate_fini(&agg);
	cprof_symbolizer_destroy(sym);
	cprof_critpath_destroy(cp);
	return st == CPROF_CRITPATH_OK ? 0 : 1;
}

int cprof_cmd_stats(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"all-processes", no_argument, NULL, 'a'},
	    {"critical-path", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static const struct cprof_cli cli = {
	    "stats", "jh", longopts, usage, false, 1, 1, "expected one TRACE directory"};
	struct cprof_read_options opts = {0};
	struct cprof_model *model = NULL;
	struct cprof_symbolizer *sym = NULL;
	struct cprof_stats stats;
	bool json = false;
	const char *critical = NULL;
	char err[8192];
	int c, status, rc = 1;

	optind = 1;
	while ((c = cprof_cli_next(&cli, argc, argv, &status)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'a':
			opts.keep_all_processes = true;
			break;
		case 'c':
			critical = optarg;
			break;
		}
	}
	if (status >= 0)
		return status;
	if (cprof_read_trace(argv[optind], &opts, &model, err, sizeof(err)) != CPROF_READ_OK) {
		fprintf(stderr, "cprof-trace: %s\n", err);
		return 1;
	}
	cprof_read_print_warnings(stderr, argv[optind], model);
	if (critical) {
		rc = print_critical_path(stdout, model, argv[optind], critical, json);
		if (!rc && fflush(stdout) != 0)
			rc = 1;
		goto end;
	}
	if (cprof_stats_compute(model, &stats) != CPROF_STATS_OK) {
		fprintf(stderr, "cprof-trace: %s: out of memory\n", argv[optind]);
		goto end;
	}
	if (cprof_snapwin_describe(model, "stats cover", "records", &stats.window, err,
				   sizeof(err)))
		fprintf(stderr, "cprof-trace: %s: note: %s\n", argv[optind], err);
	if (stats.sync_top.n || stats.syscall_top.n)
		sym = cprof_symbolizer_create(model, NULL);
	if (json)
		print_json(stdout, model, &stats, sym);
	else
		print_text(stdout, model, &stats, sym);
	cprof_stats_fini(&stats);
	rc = fflush(stdout) == 0 ? 0 : 1;
end:
	cprof_symbolizer_destroy(sym);
	cprof_model_destroy(model);
	return rc;
}
