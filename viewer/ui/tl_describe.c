/*
 * ui_describe(): every kind of item worded once, for the tooltip and for
 * the details panel (tl.h). One function per kind, from a table; each says
 * both the short form (tooltip) and the long one (details), so that a field
 * added to one is seen next to the other.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "analysis/counters.h"
#include "analysis/snapwin.h"
#include "cprof-tp-enums.h"
#include "tl.h"

struct desc {
	struct ui_index *ix;
	const struct cprof_model *m;
	const struct ui_view *v;
	bool tip;
	/* Thread and task names are cut to what each form has room for. */
	size_t name_max;
	struct ui_desc *out;
};

static void add(struct desc *d, uint32_t color, enum ui_font font, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add(struct desc *d, uint32_t color, enum ui_font font, const char *fmt, ...)
{
	if (d->out->n >= UI_DESC_MAX)
		return;
	struct ui_desc_line *l = &d->out->line[d->out->n++];
	va_list ap;
	l->color = color;
	l->font = font;
	l->column = false;
	va_start(ap, fmt);
	/* a tooltip line is at most 255 bytes (it is measured for its box) */
	vsnprintf(l->text, d->tip ? 256 : sizeof(l->text), fmt, ap);
	va_end(ap);
}

#define TEXT_COLOR ui_theme[UI_C_TEXT]
#define DIM_COLOR ui_theme[UI_C_TEXT_DIM]

static void fmt_at(const struct desc *d, char *buf, size_t size, uint64_t abs_ns)
{
	const struct cprof_model *m = d->m;
	double r = (double)(abs_ns > m->begin_ns ? abs_ns - m->begin_ns : 0);
	ui_format_time(buf, size, r, 1);
}

static const char *task_desc(const struct desc *d, uint32_t t, char *buf)
{
	const struct cprof_model *m = d->m;
	if (t == CPROF_NONE || t >= m->tasks.n) {
		snprintf(buf, d->name_max, "background");
		return buf;
	}
	const struct cprof_task *k = &m->tasks.v[t];
	snprintf(buf, d->name_max, "%s #%" PRIu64, cprof_model_str(m, k->type), k->id);
	return buf;
}

static const char *thread_desc(const struct desc *d, uint32_t t, char *buf)
{
	const struct cprof_model *m = d->m;
	char b[128];
	if (t >= m->threads.n) {
		snprintf(buf, d->name_max, "?");
		return buf;
	}
	const struct cprof_thread *th = &m->threads.v[t];
	const struct cprof_process *p =
	    th->process < m->processes.n ? &m->processes.v[th->process] : NULL;
	const char *pn = p ? cprof_model_process_label(m, p) : "?";
	const char *name = cprof_model_str(m, th->name);
	snprintf(b, sizeof(b), "%s %" PRId32, name[0] ? name : "thread", th->tid);
	snprintf(buf, d->name_max, "%s (%s)", b, pn);
	return buf;
}

static void fmt_size(char *buf, size_t size, uint64_t bytes)
{
	if (bytes >= 1048576)
		snprintf(buf, size, "%.2f MiB (%" PRIu64 " B)", bytes / 1048576.0, bytes);
	else if (bytes >= 1024)
		snprintf(buf, size, "%.2f KiB (%" PRIu64 " B)", bytes / 1024.0, bytes);
	else
		snprintf(buf, size, "%" PRIu64 " B", bytes);
}

/* The frame `ip` of `stack` as "function  file:line", NULL when unknown. */
static const char *frame_name(const struct desc *d, const struct cprof_stack *s, uint64_t ip,
			      bool is_return, char *sym, size_t size)
{
	if (!d->ix->symbolize)
		return NULL;
	return d->ix->symbolize(d->ix->sym_ctx, s->process, s->ns, ip, is_return, sym, size);
}

/* first_is_ip: frame 0 is an interrupted instruction (a CPU sample), not a
 * return address, so it is looked up as is rather than at address - 1. */
static void stack_lines(struct desc *d, uint32_t stack, bool first_is_ip)
{
	const struct cprof_model *m = d->m;
	if (!stack || stack >= m->stacks.n) {
		add(d, DIM_COLOR, UI_FONT_SMALL, "(no stack recorded)");
		return;
	}
	const struct cprof_stack *s = &m->stacks.v[stack];
	add(d, DIM_COLOR, UI_FONT_SMALL, "stack (%u frames):", s->depth);
	d->out->line[d->out->n - 1].column = true;
	for (unsigned k = 0; k < s->depth && k < 12; k++) {
		uint64_t ip = m->frames.v[s->first + k];
		char sym[256];
		const char *name = frame_name(d, s, ip, !(first_is_ip && k == 0), sym, sizeof(sym));
		if (name)
			add(d, TEXT_COLOR, UI_FONT_SMALL, "  %s", name);
		else
			add(d, TEXT_COLOR, UI_FONT_SMALL, "  0x%" PRIx64, ip);
	}
}

/* The innermost frame's function, for tooltips ("" when no stack). */
static const char *top_function(const struct desc *d, uint32_t stack, bool is_ip, char *buf,
				size_t size)
{
	const struct cprof_model *m = d->m;
	buf[0] = 0;
	if (!stack || stack >= m->stacks.n || !m->stacks.v[stack].depth)
		return buf;
	const struct cprof_stack *s = &m->stacks.v[stack];
	uint64_t ip = m->frames.v[s->first];
	char sym[256];
	const char *name = frame_name(d, s, ip, !is_ip, sym, sizeof(sym));
	if (name) {
		snprintf(buf, size, "%s", name);
		char *cut = strstr(buf, "  "); /* drop "  file:line" */
		if (cut)
			*cut = 0;
	} else {
		snprintf(buf, size, "0x%" PRIx64, ip);
	}
	return buf;
}

/* Whether the allocation is one of all or a sample standing for more. */
static const char *alloc_mode_desc(const struct desc *d, uint32_t thread, char *buf, size_t size)
{
	const struct cprof_model *m = d->m;
	const struct cprof_thread *th = &m->threads.v[thread];
	buf[0] = 0;
	if (th->process >= m->processes.n)
		return buf;
	const struct cprof_process *p = &m->processes.v[th->process];
	if (p->alloc_mode == CPROF_TP_ALLOC_SAMPLE)
		snprintf(buf, size, "sampled: one per ~%.0f KiB allocated", p->alloc_rate / 1024.0);
	else if (p->alloc_mode == CPROF_TP_ALLOC_ALL)
		snprintf(buf, size, "every allocation recorded");
	return buf;
}

/* The tooltip's lines every item on a thread's lanes has: when, how long, where. */
static void tip_span(struct desc *d, uint64_t begin_ns, double dur_ns, bool open, uint32_t thread)
{
	char a[64], dur[64], b[160];

	fmt_at(d, a, sizeof(a), begin_ns);
	ui_format_dur_open(dur, sizeof(dur), dur_ns, open);
	add(d, TEXT_COLOR, UI_FONT_NORMAL, "start %s  duration %s", a, dur);
	add(d, TEXT_COLOR, UI_FONT_NORMAL, "thread %s", thread_desc(d, thread, b));
}

/* An item [b, e) of a snapshot against its window: what the analyses
 * make of one before it (analysis/snapwin.h), which the veil over the
 * lanes shows but cannot say. */
static void window_line(struct desc *d, uint64_t b, uint64_t e)
{
	uint64_t w = cprof_snapwin_from(d->m);
	char a[64];

	switch (cprof_snapwin_cut(w, b, e)) {
	case CPROF_SNAPWIN_IN:
		return;
	case CPROF_SNAPWIN_BEFORE:
		add(d, DIM_COLOR, UI_FONT_SMALL,
		    "before the snapshot's window: left out of stats and profiles");
		return;
	case CPROF_SNAPWIN_CLIPPED:
		fmt_at(d, a, sizeof(a), w);
		add(d, DIM_COLOR, UI_FONT_SMALL,
		    "began before the snapshot's window: stats and profiles count it from %s", a);
		return;
	}
}

static void describe_region(struct desc *d, const struct ui_sel *s)
{
	const struct cprof_model *m = d->m;
	const struct cprof_region *r = &m->regions.v[s->ref];
	double dur_ns = (double)((r->end_ns ? r->end_ns : m->end_ns) - r->begin_ns);
	char a[128], b[160], e[160], dur[64];

	if (d->tip) {
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "%s", cprof_model_str(m, r->type));
		tip_span(d, r->begin_ns, dur_ns, !r->end_ns, r->thread);
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "task %s", task_desc(d, r->task, b));
		window_line(d, r->begin_ns, r->end_ns);
		return;
	}
	fmt_at(d, a, sizeof(a), r->begin_ns);
	ui_format_dur(dur, sizeof(dur), dur_ns);
	add(d, ui_type_color(d->ix, r->type), UI_FONT_BOLD, "Region  %s",
	    cprof_model_str(m, r->type));
	add(d, TEXT_COLOR, UI_FONT_NORMAL, "start %s   duration %s%s%s   depth %u", a,
	    r->end_ns ? "" : "\u2265 ", dur, r->end_ns ? "" : " (still open at the end)", r->depth);
	add(d, TEXT_COLOR, UI_FONT_NORMAL, "thread %s", thread_desc(d, r->thread, b));
	task_desc(d, r->task, e);
	if (r->task < m->tasks.n)
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "task %s   parent task %s", e,
		    task_desc(d, m->tasks.v[r->task].parent, b));
	else
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "task %s", e);
	window_line(d, r->begin_ns, r->end_ns);
}

static void describe_sample(struct desc *d, const struct ui_sel *s)
{
	const struct cprof_sample *sp = &d->m->samples.v[s->ref];
	char a[128], b[160];

	fmt_at(d, a, sizeof(a), sp->ns);
	if (d->tip) {
		top_function(d, sp->stack, true, b, sizeof(b));
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "CPU sample%s%s", b[0] ? " in " : "", b);
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "at %s", a);
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "thread %s", thread_desc(d, sp->thread, b));
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "click: its stack");
		return;
	}
	d->out->split = sp->stack != 0;
	add(d, ui_theme[UI_C_SAMPLE], UI_FONT_BOLD, "CPU sample");
	add(d, TEXT_COLOR, UI_FONT_NORMAL, "at %s   (on CPU, interrupted here)", a);
	add(d, TEXT_COLOR, UI_FONT_NORMAL, "thread %s", thread_desc(d, sp->thread, b));
	stack_lines(d, sp->stack, true);
}

static void describe_alloc(struct desc *d, const struct ui_sel *s)
{
	const struct cprof_alloc *al = &d->m->allocs.v[s->ref];
	char a[128], b[160], size[128], dur[64];
	/* the tooltip's lines are shorter: two spaces between fields */
	const char *sep = d->tip ? "  " : "   ";

	fmt_at(d, a, sizeof(a), al->ns);
	fmt_size(size, sizeof(size), al->size);
	if (d->tip) {
		top_function(d, al->stack, false, b, sizeof(b));
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "allocation %s%s%s", size, b[0] ? " in " : "",
		    b);
	} else {
		d->out->split = al->stack != 0;
		add(d, ui_theme[UI_C_ALLOC], UI_FONT_BOLD, "Allocation  %s", size);
	}
	if (al->free_ns) {
		ui_format_dur(dur, sizeof(dur), (double)(al->free_ns - al->ns));
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "at %s%sfreed %s later", a, sep, dur);
	} else {
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "at %s%snot freed in the trace", a, sep);
	}
	if (!d->tip)
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "address 0x%" PRIx64 "   %s", al->ptr,
		    alloc_mode_desc(d, al->thread, b, sizeof(b)));
	add(d, TEXT_COLOR, UI_FONT_NORMAL, "thread %s", thread_desc(d, al->thread, b));
	if (d->tip)
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "click: its stack");
	else
		stack_lines(d, al->stack, false);
}

/* Items merged into one block at this zoom: the details panel says so in
 * general, the tooltip says what the block holds. */
static void describe_merged(struct desc *d, const struct ui_sel *s)
{
	const struct cprof_model *m = d->m;
	char b[160];

	if (!d->tip) {
		add(d, TEXT_COLOR, UI_FONT_BOLD, "%u items merged at this zoom level", s->count);
		add(d, DIM_COLOR, UI_FONT_NORMAL, "zoom in (wheel or W) to see them one by one");
		return;
	}
	switch (s->hit) {
	case UI_HIT_REGIONS: {
		const struct cprof_region *r = &m->regions.v[s->ref];
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "%u regions merged at this zoom", s->count);
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "first: %s", cprof_model_str(m, r->type));
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "thread %s", thread_desc(d, r->thread, b));
		break;
	}
	case UI_HIT_SAMPLES:
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "%u CPU samples merged at this zoom", s->count);
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "brighter: more of the time on a CPU");
		break;
	case UI_HIT_ALLOCS:
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "%u allocations merged at this zoom", s->count);
		break;
	case UI_HIT_STATES:
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "%u waits and blocking calls merged", s->count);
		break;
	case UI_HIT_TASKS:
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "%u tasks merged at this zoom", s->count);
		return;
	case UI_HIT_LOGS: {
		const struct cprof_log *l = &m->logs.v[s->ref];
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "%u logs", s->count);
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "first: [%s] %s",
		    cprof_model_str(m, l->category), cprof_model_str(m, l->message));
		return;
	}
	default:
		return;
	}
	add(d, TEXT_COLOR, UI_FONT_NORMAL, "zoom in (wheel or W) to see each");
}

static void describe_wait(struct desc *d, const struct ui_sel *s)
{
	const struct cprof_model *m = d->m;
	const struct cprof_wait *w = &m->waits.v[s->ref];
	double dur_ns = (double)((w->end_ns ? w->end_ns : m->end_ns) - w->begin_ns);
	char a[128], b[160], dur[64];

	if (d->tip) {
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "blocked on %s", cprof_wait_kind_label(w->kind));
		tip_span(d, w->begin_ns, dur_ns, !w->end_ns, w->thread);
		window_line(d, w->begin_ns, w->end_ns);
		return;
	}
	d->out->split = w->stack != 0;
	fmt_at(d, a, sizeof(a), w->begin_ns);
	ui_format_dur(dur, sizeof(dur), dur_ns);
	add(d, ui_wait_color(w->kind), UI_FONT_BOLD, "Blocked on %s",
	    cprof_wait_kind_label(w->kind));
	add(d, TEXT_COLOR, UI_FONT_NORMAL,
	    "start %s   duration %s   object 0x%" PRIx64 "   result %" PRId32, a, dur, w->obj,
	    w->result);
	add(d, TEXT_COLOR, UI_FONT_NORMAL, "thread %s", thread_desc(d, w->thread, b));
	window_line(d, w->begin_ns, w->end_ns);
	stack_lines(d, w->stack, false);
}

static void describe_syscall(struct desc *d, const struct ui_sel *s)
{
	const struct cprof_syscall *sc = &d->m->syscalls.v[s->ref];
	double dur_ns = (double)(sc->end_ns > sc->begin_ns ? sc->end_ns - sc->begin_ns : 0);
	char a[128], b[160], dur[64];

	if (d->tip) {
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "%s()", cprof_call_name(sc->call));
		tip_span(d, sc->begin_ns, dur_ns, false, sc->thread);
		window_line(d, sc->begin_ns, sc->end_ns);
		return;
	}
	d->out->split = sc->stack != 0;
	fmt_at(d, a, sizeof(a), sc->begin_ns);
	ui_format_dur(dur, sizeof(dur), dur_ns);
	add(d, ui_theme[UI_C_SYSCALL], UI_FONT_BOLD, "Blocking call  %s()",
	    cprof_call_name(sc->call));
	add(d, TEXT_COLOR, UI_FONT_NORMAL, "start %s   duration %s   result %" PRId64, a, dur,
	    sc->result);
	add(d, TEXT_COLOR, UI_FONT_NORMAL, "thread %s", thread_desc(d, sc->thread, b));
	window_line(d, sc->begin_ns, sc->end_ns);
	stack_lines(d, sc->stack, false);
}

static void describe_log(struct desc *d, const struct ui_sel *s)
{
	const struct cprof_model *m = d->m;
	const struct cprof_log *l = &m->logs.v[s->ref];
	const char *msg = cprof_model_str(m, l->message);
	char a[128], b[160], e[160];

	fmt_at(d, a, sizeof(a), l->ns);
	if (d->tip) {
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "[%s] %s", cprof_model_str(m, l->category), msg);
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "at %s", a);
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "task %s", task_desc(d, l->task, b));
		return;
	}
	add(d, ui_theme[UI_C_LOG], UI_FONT_BOLD, "Log  [%s]", cprof_model_str(m, l->category));
	add(d, TEXT_COLOR, UI_FONT_NORMAL, "%s%s", msg,
	    l->length > strlen(msg) ? " (truncated)" : "");
	add(d, TEXT_COLOR, UI_FONT_NORMAL, "at %s   thread %s   task %s", a,
	    thread_desc(d, l->thread, b), task_desc(d, l->task, e));
}

static void describe_task(struct desc *d, const struct ui_sel *s)
{
	const struct cprof_model *m = d->m;
	const struct cprof_task *t = &m->tasks.v[s->ref];
	char a[128], b[160], e[160], dur[64];

	fmt_at(d, a, sizeof(a), t->begin_ns);
	if (t->end_ns)
		ui_format_dur(dur, sizeof(dur), (double)(t->end_ns - t->begin_ns));
	else
		snprintf(dur, sizeof(dur), "never ended");
	task_desc(d, s->ref, e);
	if (d->tip) {
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "task %s", e);
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "start %s  duration %s", a, dur);
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "click: highlight its regions");
		return;
	}
	add(d, ui_type_color(d->ix, t->type), UI_FONT_BOLD, "Task  %s", e);
	add(d, TEXT_COLOR, UI_FONT_NORMAL, "start %s   duration %s   parent %s", a, dur,
	    task_desc(d, t->parent, b));
	uint32_t nreg = d->ix->task_region_first[s->ref + 1] - d->ix->task_region_first[s->ref];
	add(d, TEXT_COLOR, UI_FONT_NORMAL, "began on %s   %u regions",
	    thread_desc(d, t->begin_thread, b), nreg);
	if (t->end_thread != CPROF_NONE)
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "ended on %s", thread_desc(d, t->end_thread, b));
}

static void describe_lost(struct desc *d, const struct ui_sel *s)
{
	const struct cprof_lost *l = &d->m->lost.v[s->ref];
	char a[128], dur[64];

	const char *what = l->tid ? "records" : "events";

	if (d->tip) {
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "%" PRIu64 " %s lost here", l->count, what);
		return;
	}
	fmt_at(d, a, sizeof(a), l->begin_ns);
	ui_format_dur(dur, sizeof(dur), (double)(l->end_ns - l->begin_ns));
	if (l->tid)
		add(d, UI_RGB(0xff, 0x5b, 0x5b), UI_FONT_BOLD,
		    "%" PRIu64 " records of thread %" PRId32 " lost", l->count, l->tid);
	else
		add(d, UI_RGB(0xff, 0x5b, 0x5b), UI_FONT_BOLD, "%" PRIu64 " events lost", l->count);
	add(d, TEXT_COLOR, UI_FONT_NORMAL, "between %s and %s later: %s", a, dur,
	    l->unread ? "a stream file cut short, not read" : "the tracer's buffers were full");
}

static void describe_running(struct desc *d, const struct ui_sel *s)
{
	char b[160];

	thread_desc(d, s->ref, b);
	if (d->tip) {
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "%s: running", b);
		return;
	}
	add(d, ui_theme[UI_C_RUNNING], UI_FONT_BOLD, "Thread %s", b);
	add(d, TEXT_COLOR, UI_FONT_NORMAL,
	    "running or runnable: not blocked in a traced wait or call");
}

/* The counter's value at the mouse (the last point at or before it). */
static int64_t counter_at_hover(const struct desc *d, const struct cprof_counter *k)
{
	const struct cprof_model *m = d->m;
	struct ui_geom g;
	ui_geom_compute(d->v, &g);
	double t = ui_t_of(d->v, &g, d->v->hover_x);
	size_t lo = 0, hi = k->points.n; /* first point after t */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if ((double)(k->points.v[mid].ns - m->begin_ns) <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 ? k->points.v[lo - 1].value : 0;
}

static void describe_counter(struct desc *d, const struct ui_sel *s)
{
	const struct cprof_model *m = d->m;
	const struct cprof_counter *k = &m->counters.v[s->ref];
	const char *name = cprof_model_str(m, k->name);

	if (!d->tip) {
		add(d, ui_theme[UI_C_COUNTER], UI_FONT_BOLD, "Counter %s", name);
		return;
	}
	int64_t val = counter_at_hover(d, k);
	bool mib = strstr(name, "heap") != NULL;
	struct cprof_counter_summary cs;
	if (mib)
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "%s: %.2f MiB", name, val / 1048576.0);
	else
		add(d, TEXT_COLOR, UI_FONT_NORMAL, "%s: %" PRId64, name, val);
	/* what the track holds over the visible range, as stats lists it */
	if (!cprof_counter_summarize_one(
		m, k, m->begin_ns + (uint64_t)(d->v->t0 > 0 ? d->v->t0 : 0),
		m->begin_ns + (uint64_t)(d->v->t1 > 0 ? d->v->t1 : 0), &cs))
		return;
	if (mib)
		add(d, DIM_COLOR, UI_FONT_SMALL,
		    "visible: min %.2f, max %.2f, last %.2f MiB, mean %.2f", cs.min / 1048576.0,
		    cs.max / 1048576.0, cs.last / 1048576.0, cs.mean / 1048576.0);
	else
		add(d, DIM_COLOR, UI_FONT_SMALL,
		    "visible: min %" PRId64 ", max %" PRId64 ", last %" PRId64
		    ", mean %.2f (%" PRIu64 " values)",
		    cs.min, cs.max, cs.last, cs.mean, cs.samples);
}

/* A process's header: who it is and where it ran (a relay's tree holds
 * traces of several hosts). */
static void describe_process(struct desc *d, const struct ui_sel *s)
{
	const struct cprof_model *m = d->m;
	const struct ui_process_index *pi = &d->ix->procs[s->ref];
	const struct cprof_process *p;

	if (pi->process == CPROF_NONE) {
		add(d, TEXT_COLOR, UI_FONT_BOLD, "threads of no known process");
		return;
	}
	p = &m->processes.v[pi->process];
	add(d, TEXT_COLOR, UI_FONT_BOLD, "%s (pid %" PRId32 ")", cprof_model_str(m, p->name),
	    p->pid);
	if (p->host_known)
		add(d, DIM_COLOR, UI_FONT_SMALL, "on host %s", cprof_model_str(m, p->host));
	if (p->ppid)
		add(d, DIM_COLOR, UI_FONT_SMALL, "parent pid %" PRId32, p->ppid);
	add(d, DIM_COLOR, UI_FONT_SMALL, "%u thread%s \u00b7 click to %s", pi->n,
	    pi->n == 1 ? "" : "s", pi->collapsed ? "expand" : "collapse");
}

typedef void (*describe_fn)(struct desc *d, const struct ui_sel *s);

static const describe_fn describers[] = {
    [UI_HIT_REGION] = describe_region,	 [UI_HIT_REGIONS] = describe_merged,
    [UI_HIT_WAIT] = describe_wait,	 [UI_HIT_SYSCALL] = describe_syscall,
    [UI_HIT_STATES] = describe_merged,	 [UI_HIT_RUNNING] = describe_running,
    [UI_HIT_TASK] = describe_task,	 [UI_HIT_TASKS] = describe_merged,
    [UI_HIT_LOG] = describe_log,	 [UI_HIT_LOGS] = describe_merged,
    [UI_HIT_LOST] = describe_lost,	 [UI_HIT_COUNTER] = describe_counter,
    [UI_HIT_SAMPLE] = describe_sample,	 [UI_HIT_SAMPLES] = describe_merged,
    [UI_HIT_ALLOC] = describe_alloc,	 [UI_HIT_ALLOCS] = describe_merged,
    [UI_HIT_PROCESS] = describe_process,
};

void ui_describe(struct ui_index *ix, const struct ui_view *v, enum ui_desc_use use,
		 const struct ui_sel *what, struct ui_desc *out)
{
	struct desc d = {.ix = ix,
			 .m = ix->model,
			 .v = v,
			 .tip = use == UI_DESC_TOOLTIP,
			 .name_max = use == UI_DESC_TOOLTIP ? 160 : 128,
			 .out = out};
	out->n = 0;
	out->split = false;
	if (what->hit < sizeof(describers) / sizeof(describers[0]) && describers[what->hit])
		describers[what->hit](&d, what);
}
