/*
 * Critical paths (see critpath.h).
 *
 * Indexes built once per model: each thread's blocked intervals (waits and
 * blocking calls) sorted by begin, the lock releases sorted by (object,
 * time), each thread's regions and each task's regions and logs in time
 * order. A path is then a walk over the carrying thread's blocked
 * intervals, following lock waits into the holders' intervals; each level
 * partitions the interval it was given, so the segments add up to the
 * task's duration.
 */
#include "critpath.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof-tp-enums.h"

/* A chain of holders longer than this is cut: its time stays with the
 * last holder followed. */
#define MAX_DEPTH 8
/* How many regions back from a time the innermost open one is looked for. */
#define REGION_SCAN 64
/* A holder's release may be stamped just after the waiter woke up. */
#define RELEASE_LATE_NS 1000000

struct block {
	uint32_t thread;
	uint32_t idx; /* model wait or syscall index */
	bool is_call;
	uint64_t b, e;
};

struct rel {
	uint64_t obj, ns;
	uint32_t thread, stack;
};

/* Items grouped by a key (thread, task): order[first[k] .. first[k]+n[k]). */
struct groups {
	uint32_t *order, *first, *n;
};

struct cprof_critpath {
	const struct cprof_model *m;
	struct block *blocks;
	uint32_t *blk_first, *blk_n; /* per thread */
	struct rel *rels;
	size_t nrels;
	struct groups thread_regions, task_regions, task_logs;
};

static const char *const what_names[] = {"run", "lock", "cond", "syscall", "join", "queue"};

const char *cprof_cp_what_name(unsigned what)
{
	return what < CPROF_CP_WHAT_COUNT_ ? what_names[what] : "?";
}

/* ---- indexes ------------------------------------------------------------ */

/* A stable counting sort of `count` items by key(i) < nkeys (others left
 * out). */
static bool group_build(struct groups *g, size_t count, size_t nkeys,
			uint32_t (*key)(const struct cprof_model *, size_t),
			const struct cprof_model *m)
{
	uint32_t *fill;

	g->order = malloc((count + 1) * sizeof(*g->order));
	g->first = calloc(nkeys + 1, sizeof(*g->first));
	g->n = calloc(nkeys + 1, sizeof(*g->n));
	fill = calloc(nkeys + 1, sizeof(*fill));
	if (!g->order || !g->first || !g->n || !fill) {
		free(fill);
		return false;
	}
	for (size_t i = 0; i < count; i++) {
		uint32_t k = key(m, i);
		if (k < nkeys)
			g->n[k]++;
	}
	for (size_t k = 1; k < nkeys; k++)
		g->first[k] = g->first[k - 1] + g->n[k - 1];
	for (size_t i = 0; i < count; i++) {
		uint32_t k = key(m, i);
		if (k < nkeys)
			g->order[g->first[k] + fill[k]++] = (uint32_t)i;
	}
	free(fill);
	return true;
}

static void group_free(struct groups *g)
{
	free(g->order);
	free(g->first);
	free(g->n);
}

static uint32_t region_thread(const struct cprof_model *m, size_t i)
{
	return m->regions.v[i].thread;
}

static uint32_t region_task(const struct cprof_model *m, size_t i)
{
	return m->regions.v[i].task;
}

static uint32_t log_task(const struct cprof_model *m, size_t i)
{
	return m->logs.v[i].task;
}

static int block_cmp(const void *a, const void *b)
{
	const struct block *x = a, *y = b;
	if (x->thread != y->thread)
		return x->thread < y->thread ? -1 : 1;
	if (x->b != y->b)
		return x->b < y->b ? -1 : 1;
	return x->e < y->e ? -1 : x->e > y->e;
}

static int rel_cmp(const void *a, const void *b)
{
	const struct rel *x = a, *y = b;
	if (x->obj != y->obj)
		return x->obj < y->obj ? -1 : 1;
	return x->ns < y->ns ? -1 : x->ns > y->ns;
}

static bool build_blocks(struct cprof_critpath *cp)
{
	const struct cprof_model *m = cp->m;
	size_t n = 0, nt = m->threads.n;

	cp->blocks = malloc((m->waits.n + m->syscalls.n + 1) * sizeof(*cp->blocks));
	cp->blk_first = calloc(nt + 1, sizeof(*cp->blk_first));
	cp->blk_n = calloc(nt + 1, sizeof(*cp->blk_n));
	if (!cp->blocks || !cp->blk_first || !cp->blk_n)
		return false;
	for (size_t i = 0; i < m->waits.n; i++) {
		const struct cprof_wait *w = &m->waits.v[i];
		if (w->thread < nt)
			cp->blocks[n++] = (struct block){w->thread, (uint32_t)i, false, w->begin_ns,
							 w->end_ns ? w->end_ns : m->end_ns};
	}
	for (size_t i = 0; i < m->syscalls.n; i++) {
		const struct cprof_syscall *s = &m->syscalls.v[i];
		if (s->thread < nt)
			cp->blocks[n++] =
			    (struct block){s->thread, (uint32_t)i, true, s->begin_ns, s->end_ns};
	}
	qsort(cp->blocks, n, sizeof(*cp->blocks), block_cmp);
	for (size_t i = n; i-- > 0;) {
		cp->blk_first[cp->blocks[i].thread] = (uint32_t)i;
		cp->blk_n[cp->blocks[i].thread]++;
	}
	return true;
}

static bool build_releases(struct cprof_critpath *cp)
{
	const struct cprof_model *m = cp->m;

	cp->rels = malloc((m->releases.n + 1) * sizeof(*cp->rels));
	if (!cp->rels)
		return false;
	for (size_t i = 0; i < m->releases.n; i++) {
		const struct cprof_release *r = &m->releases.v[i];
		cp->rels[i] = (struct rel){r->obj, r->ns, r->thread, r->stack};
	}
	cp->nrels = m->releases.n;
	qsort(cp->rels, cp->nrels, sizeof(*cp->rels), rel_cmp);
	return true;
}

struct cprof_critpath *cprof_critpath_create(const struct cprof_model *model)
{
	struct cprof_critpath *cp = calloc(1, sizeof(*cp));

	if (!cp)
		return NULL;
	cp->m = model;
	if (!build_blocks(cp) || !build_releases(cp) ||
	    !group_build(&cp->thread_regions, model->regions.n, model->threads.n, region_thread,
			 model) ||
	    !group_build(&cp->task_regions, model->regions.n, model->tasks.n, region_task, model) ||
	    !group_build(&cp->task_logs, model->logs.n, model->tasks.n, log_task, model)) {
		cprof_critpath_destroy(cp);
		return NULL;
	}
	return cp;
}

void cprof_critpath_destroy(struct cprof_critpath *cp)
{
	if (!cp)
		return;
	free(cp->blocks);
	free(cp->blk_first);
	free(cp->blk_n);
	free(cp->rels);
	group_free(&cp->thread_regions);
	group_free(&cp->task_regions);
	group_free(&cp->task_logs);
	free(cp);
}

/* The innermost region open on `thread` at `t`: the latest begun at or
 * before t that has not ended (regions nest per thread). */
static uint32_t innermost(const struct cprof_critpath *cp, uint32_t thread, uint64_t t)
{
	const struct cprof_model *m = cp->m;
	const uint32_t *order = cp->thread_regions.order + cp->thread_regions.first[thread];
	uint32_t lo =
	    (uint32_t)cprof_regions_first_after(m, order, cp->thread_regions.n[thread], t);

	for (uint32_t k = lo, seen = 0; k-- > 0 && seen < REGION_SCAN; seen++) {
		const struct cprof_region *r = &m->regions.v[order[k]];
		if (!r->end_ns || r->end_ns > t)
			return order[k];
	}
	return CPROF_NONE;
}

/* ---- the walk ----------------------------------------------------------- */

struct walk {
	struct cprof_critpath *cp;
	struct cprof_cp_path *out;
	uint32_t task; /* names own work outside regions; CPROF_NONE */
	bool failed;
};

static void emit(struct walk *w, const struct cprof_cp_segment *s)
{
	struct cprof_cp_segment *last, *slot;

	if (s->end_ns <= s->begin_ns || w->failed)
		return;
	last = w->out->segments.n ? &w->out->segments.v[w->out->segments.n - 1] : NULL;
	if (last && last->end_ns == s->begin_ns && last->what == s->what &&
	    last->depth == s->depth && last->label_kind == s->label_kind &&
	    last->label == s->label && last->thread == s->thread &&
	    last->from_thread == s->from_thread && last->obj == s->obj) {
		last->end_ns = s->end_ns;
		return;
	}
	slot = cprof_vec_push(&w->out->segments);
	if (!slot) {
		w->failed = true;
		return;
	}
	*slot = *s;
}

/* How a walk level names what it finds: `what` < 0 on the task's own
 * thread (each state its own kind), else every segment is `what`; `hint`
 * a holder's release stack naming its run time. */
struct level {
	int what;
	unsigned depth;
	uint32_t hint;
	uint32_t from;
	uint64_t obj; /* the lock a holder's time is charged for */
};

static void run(struct walk *w, uint32_t thread, uint64_t b, uint64_t e, const struct level *lv)
{
	const struct cprof_model *m = w->cp->m;
	struct cprof_cp_segment s = {b,
				     e,
				     lv->what < 0 ? CPROF_CP_RUN : (uint8_t)lv->what,
				     (uint8_t)lv->depth,
				     CPROF_CP_LABEL_NONE,
				     0,
				     thread,
				     lv->from,
				     lv->obj};
	uint32_t r;

	if (e <= b)
		return;
	if (lv->depth && lv->hint) {
		s.label_kind = CPROF_CP_LABEL_STACK;
		s.label = lv->hint;
	} else if ((r = innermost(w->cp, thread, b + (e - b) / 2)) != CPROF_NONE) {
		s.label_kind = CPROF_CP_LABEL_REGION;
		s.label = m->regions.v[r].type;
	} else if (w->task != CPROF_NONE && !lv->depth) {
		s.label_kind = CPROF_CP_LABEL_TASK;
		s.label = m->tasks.v[w->task].type;
	}
	emit(w, &s);
}

static void walk(struct walk *w, uint32_t thread, uint64_t x, uint64_t y, const struct level *lv);

static bool is_lock(uint8_t kind)
{
	return kind == CPROF_TP_WAIT_MUTEX || kind == CPROF_TP_WAIT_RWLOCK_READ ||
	       kind == CPROF_TP_WAIT_RWLOCK_WRITE || kind == CPROF_TP_WAIT_SPIN;
}

static uint8_t wait_what(uint8_t kind)
{
	if (is_lock(kind))
		return CPROF_CP_LOCK;
	return kind == CPROF_TP_WAIT_JOIN ? CPROF_CP_JOIN : CPROF_CP_COND;
}

/* First release of `obj` after `ns`. */
static size_t release_after(const struct cprof_critpath *cp, uint64_t obj, uint64_t ns)
{
	size_t lo = 0, hi = cp->nrels;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct rel *r = &cp->rels[mid];
		if (r->obj < obj || (r->obj == obj && r->ns <= ns))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * [bb, ee) of lock wait `wt` by `thread`: each release by another thread
 * during the wait ends a holder's share (from the previous release), which
 * is walked on the holder's thread; the rest is the waiter's wake-up.
 */
static void follow(struct walk *w, const struct cprof_wait *wt, uint32_t thread, uint64_t bb,
		   uint64_t ee, const struct level *lv)
{
	const struct cprof_critpath *cp = w->cp;
	uint64_t wend = wt->end_ns ? wt->end_ns : cp->m->end_ns, prev = wt->begin_ns;
	uint8_t top = lv->what < 0 ? CPROF_CP_LOCK : (uint8_t)lv->what;
	struct cprof_cp_segment own = {
	    0,	    ee,	      top,    (uint8_t)lv->depth, CPROF_CP_LABEL_STACK, wt->stack,
	    thread, lv->from, wt->obj};
	bool found = false;
	size_t k;

	for (k = release_after(cp, wt->obj, wt->begin_ns);
	     k < cp->nrels && cp->rels[k].obj == wt->obj && cp->rels[k].ns <= wend && !w->failed;
	     k++) {
		const struct rel *r = &cp->rels[k];
		struct level next = {top, lv->depth + 1, r->stack, thread, wt->obj};
		uint64_t sb = prev > bb ? prev : bb, se = r->ns < ee ? r->ns : ee;
		if (r->thread == thread)
			continue;
		if (se > sb)
			walk(w, r->thread, sb, se, &next);
		prev = r->ns;
		found = true;
	}
	for (; !found && k < cp->nrels && cp->rels[k].obj == wt->obj &&
	       cp->rels[k].ns <= wend + RELEASE_LATE_NS;
	     k++) {
		const struct rel *r = &cp->rels[k];
		struct level next = {top, lv->depth + 1, r->stack, thread, wt->obj};
		if (r->thread != thread) {
			walk(w, r->thread, bb, ee, &next);
			return;
		}
	}
	own.begin_ns = prev > bb ? prev : bb;
	emit(w, &own);
}

static void blocked(struct walk *w, const struct block *bl, uint32_t thread, uint64_t bb,
		    uint64_t ee, const struct level *lv)
{
	const struct cprof_model *m = w->cp->m;
	struct cprof_cp_segment s = {
	    bb, ee, 0, (uint8_t)lv->depth, CPROF_CP_LABEL_STACK, 0, thread, lv->from, 0};

	if (bl->is_call) {
		s.what = lv->what < 0 ? CPROF_CP_SYSCALL : (uint8_t)lv->what;
		s.label_kind = CPROF_CP_LABEL_CALL;
		s.label = m->syscalls.v[bl->idx].call;
	} else {
		const struct cprof_wait *wt = &m->waits.v[bl->idx];
		if (is_lock(wt->kind) && lv->depth < MAX_DEPTH) {
			follow(w, wt, thread, bb, ee, lv);
			return;
		}
		s.what = lv->what < 0 ? wait_what(wt->kind) : (uint8_t)lv->what;
		s.label = wt->stack;
		s.obj = wt->obj;
	}
	emit(w, &s);
}

/* Partitions [x, y) of `thread`: run time between its blocked intervals. */
static void walk(struct walk *w, uint32_t thread, uint64_t x, uint64_t y, const struct level *lv)
{
	const struct cprof_critpath *cp = w->cp;
	const struct block *blk = cp->blocks + cp->blk_first[thread];
	uint32_t n = cp->blk_n[thread], lo = 0, hi = n;
	uint64_t cursor = x;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (blk[mid].b < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && blk[lo - 1].e > x)
		lo--;
	for (uint32_t k = lo; k < n && blk[k].b < y && !w->failed; k++) {
		uint64_t bb = blk[k].b > cursor ? blk[k].b : cursor;
		uint64_t ee = blk[k].e < y ? blk[k].e : y;
		if (ee <= bb)
			continue;
		run(w, thread, cursor, bb, lv);
		blocked(w, &blk[k], thread, bb, ee, lv);
		cursor = ee;
	}
	run(w, thread, cursor, y, lv);
}

/* ---- paths -------------------------------------------------------------- */

struct point {
	uint64_t ns;
	uint32_t thread;
};

/* Where the path of an item [b, e) begins: at b, or at the snapshot's
 * window's start when it began before it; false when it ended before it. */
static bool path_span(struct cprof_critpath *cp, uint64_t b, uint64_t e, struct cprof_cp_path *out)
{
	uint64_t w = cprof_snapwin_from(cp->m);

	switch (cprof_snapwin_cut(w, b, e)) {
	case CPROF_SNAPWIN_BEFORE:
		return false;
	case CPROF_SNAPWIN_CLIPPED:
		out->clipped = true;
		b = w;
		break;
	default:
		break;
	}
	out->begin_ns = b;
	out->end_ns = e;
	return true;
}

static int point_cmp(const void *a, const void *b)
{
	const struct point *x = a, *y = b;
	return x->ns < y->ns ? -1 : x->ns > y->ns;
}

enum cprof_critpath_status cprof_critpath_task(struct cprof_critpath *cp, uint32_t task,
					       struct cprof_cp_path *out)
{
	const struct cprof_model *m = cp->m;
	const struct cprof_task *t = &m->tasks.v[task];
	uint32_t nr = cp->task_regions.n[task], nl = cp->task_logs.n[task];
	const uint32_t *regs = cp->task_regions.order + cp->task_regions.first[task];
	const uint32_t *logs = cp->task_logs.order + cp->task_logs.first[task];
	struct walk w = {cp, out, task, false};
	struct point *pts;
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	if (!t->end_ns || t->end_thread == CPROF_NONE)
		return CPROF_CRITPATH_NOT_ENDED;
	if (!path_span(cp, t->begin_ns, t->end_ns, out))
		return CPROF_CRITPATH_BEFORE_WINDOW;
	pts = malloc((2 + 2 * (size_t)nr + nl) * sizeof(*pts));
	if (!pts)
		return CPROF_CRITPATH_NO_MEMORY;
	pts[n++] = (struct point){t->begin_ns, t->begin_thread};
	for (uint32_t i = 0; i < nr; i++) {
		const struct cprof_region *r = &m->regions.v[regs[i]];
		pts[n++] = (struct point){r->begin_ns, r->thread};
		if (r->end_ns)
			pts[n++] = (struct point){r->end_ns, r->thread};
	}
	for (uint32_t i = 0; i < nl; i++)
		pts[n++] = (struct point){m->logs.v[logs[i]].ns, m->logs.v[logs[i]].thread};
	qsort(pts + 1, n - 1, sizeof(*pts), point_cmp);
	pts[n++] = (struct point){t->end_ns, t->end_thread};
	/* events before a clipped path's start still say which thread
	 * carried the task into it */
	for (size_t i = 0; i + 1 < n && !w.failed; i++) {
		uint64_t a = pts[i].ns < out->begin_ns ? out->begin_ns : pts[i].ns;
		uint64_t b = pts[i + 1].ns > t->end_ns ? t->end_ns : pts[i + 1].ns;
		struct level own = {-1, 0, 0, pts[i].thread, 0};
		struct level handoff = {CPROF_CP_QUEUE, 1, 0, pts[i].thread, 0};
		if (b <= a)
			continue;
		if (pts[i].thread == pts[i + 1].thread)
			walk(&w, pts[i].thread, a, b, &own);
		else
			walk(&w, pts[i + 1].thread, a, b, &handoff);
	}
	free(pts);
	if (w.failed) {
		cprof_cp_path_fini(out);
		return CPROF_CRITPATH_NO_MEMORY;
	}
	return CPROF_CRITPATH_OK;
}

enum cprof_critpath_status cprof_critpath_region(struct cprof_critpath *cp, uint32_t region,
						 struct cprof_cp_path *out)
{
	const struct cprof_region *r = &cp->m->regions.v[region];
	struct walk w = {cp, out, r->task, false};
	struct level own = {-1, 0, 0, r->thread, 0};

	memset(out, 0, sizeof(*out));
	if (!r->end_ns)
		return CPROF_CRITPATH_NOT_ENDED;
	if (!path_span(cp, r->begin_ns, r->end_ns, out))
		return CPROF_CRITPATH_BEFORE_WINDOW;
	walk(&w, r->thread, out->begin_ns, out->end_ns, &own);
	if (w.failed) {
		cprof_cp_path_fini(out);
		return CPROF_CRITPATH_NO_MEMORY;
	}
	return CPROF_CRITPATH_OK;
}

void cprof_cp_path_fini(struct cprof_cp_path *path)
{
	cprof_vec_free(&path->segments);
}

/* ---- names -------------------------------------------------------------- */

const char *cprof_cp_thread_name(const struct cprof_model *model, uint32_t thread, char *buf,
				 size_t len)
{
	const struct cprof_thread *t = &model->threads.v[thread];
	const char *name = cprof_model_str(model, t->name);

	if (*name)
		return name;
	snprintf(buf, len, "%d", t->tid);
	return buf;
}

const char *cprof_cp_function(const struct cprof_model *model, struct cprof_symbolizer *sym,
			      const struct cprof_cp_segment *s, char *buf, size_t len)
{
	const struct cprof_stack *st;
	struct cprof_symbol_loc loc;
	uint64_t ip;

	switch (s->label_kind) {
	case CPROF_CP_LABEL_REGION:
	case CPROF_CP_LABEL_TASK:
		return cprof_model_str(model, s->label);
	case CPROF_CP_LABEL_CALL:
		return cprof_call_name(s->label);
	case CPROF_CP_LABEL_STACK:
		if (!s->label || s->label >= model->stacks.n)
			return "";
		st = &model->stacks.v[s->label];
		if (!st->depth)
			return "";
		/* frame 0 of a wait or release stack is the return address
		 * into the function that called the primitive */
		ip = model->frames.v[st->first];
		if (sym && cprof_symbolizer_lookup_at(sym, st->process, st->ns, ip, true, &loc) &&
		    loc.nframes)
			return loc.frames[loc.nframes - 1].function;
		snprintf(buf, len, "0x%" PRIx64, ip);
		return buf;
	default:
		return "";
	}
}

/* ---- aggregates --------------------------------------------------------- */

/* A segment's identity before names: equal keys name the same row. */
struct key {
	uint32_t thread, label;
	uint8_t what, label_kind;
	uint64_t ns;
};

static int key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	if (x->what != y->what)
		return x->what < y->what ? -1 : 1;
	if (x->thread != y->thread)
		return x->thread < y->thread ? -1 : 1;
	if (x->label_kind != y->label_kind)
		return x->label_kind < y->label_kind ? -1 : 1;
	return x->label < y->label ? -1 : x->label > y->label;
}

/* Sorts and merges equal keys in place; returns the new count. */
static size_t compact(struct key *v, size_t n)
{
	size_t o = 0;

	qsort(v, n, sizeof(*v), key_cmp);
	for (size_t i = 0; i < n; i++) {
		if (o && !key_cmp(&v[o - 1], &v[i]))
			v[o - 1].ns += v[i].ns;
		else
			v[o++] = v[i];
	}
	return o;
}

static int row_name_cmp(const void *a, const void *b)
{
	const struct cprof_cp_row *x = a, *y = b;
	int c;
	if (x->what != y->what)
		return x->what < y->what ? -1 : 1;
	if ((c = strcmp(x->thread, y->thread)))
		return c;
	return strcmp(x->function, y->function);
}

static int row_ns_cmp(const void *a, const void *b)
{
	const struct cprof_cp_row *x = a, *y = b;
	if (x->ns != y->ns)
		return x->ns > y->ns ? -1 : 1;
	return row_name_cmp(a, b);
}

/* Rows from merged keys, then merged again by name (two threads or two
 * stacks can share one). */
static bool make_rows(const struct cprof_model *m, struct cprof_symbolizer *sym,
		      const struct key *keys, size_t n, struct cprof_cp_aggregate *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		struct cprof_cp_segment s = {0};
		struct cprof_cp_row *row = cprof_vec_push(&out->rows);
		char tb[32], fb[64];
		if (!row)
			return false;
		s.label_kind = keys[i].label_kind;
		s.label = keys[i].label;
		row->what = keys[i].what;
		row->ns = keys[i].ns;
		row->thread = strdup(cprof_cp_thread_name(m, keys[i].thread, tb, sizeof(tb)));
		row->function = strdup(cprof_cp_function(m, sym, &s, fb, sizeof(fb)));
		if (!row->thread || !row->function)
			return false;
	}
	qsort(out->rows.v, out->rows.n, sizeof(*out->rows.v), row_name_cmp);
	for (size_t i = 0; i < out->rows.n; i++) {
		struct cprof_cp_row *r = &out->rows.v[i];
		if (o && !row_name_cmp(&out->rows.v[o - 1], r)) {
			out->rows.v[o - 1].ns += r->ns;
			free(r->thread);
			free(r->function);
		} else {
			out->rows.v[o++] = *r;
		}
	}
	out->rows.n = o;
	qsort(out->rows.v, out->rows.n, sizeof(*out->rows.v), row_ns_cmp);
	return true;
}

#define COMPACT_AT (1u << 20)

enum cprof_critpath_status cprof_critpath_aggregate(struct cprof_critpath *cp,
						    struct cprof_symbolizer *sym, const char *type,
						    struct cprof_cp_aggregate *out)
{
	const struct cprof_model *m = cp->m;
	CPROF_VEC(struct key) keys = {0};
	struct cprof_cp_path path;
	enum cprof_critpath_status status = CPROF_CRITPATH_NO_MEMORY;
	bool any = false;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < m->tasks.n; i++) {
		const struct cprof_task *t = &m->tasks.v[i];
		enum cprof_critpath_status st;
		if (strcmp(cprof_model_str(m, t->type), type))
			continue;
		any = true;
		st = cprof_critpath_task(cp, (uint32_t)i, &path);
		if (st == CPROF_CRITPATH_NOT_ENDED)
			continue;
		out->window.left_out += st == CPROF_CRITPATH_BEFORE_WINDOW;
		if (st == CPROF_CRITPATH_BEFORE_WINDOW)
			continue;
		if (st != CPROF_CRITPATH_OK)
			goto error;
		out->tasks++;
		out->window.clipped += path.clipped;
		out->total_ns += path.end_ns - path.begin_ns;
		for (size_t k = 0; k < path.segments.n; k++) {
			const struct cprof_cp_segment *s = &path.segments.v[k];
			struct key *key = cprof_vec_push(&keys);
			if (!key) {
				cprof_cp_path_fini(&path);
				goto error;
			}
			*key = (struct key){s->thread, s->label, s->what, s->label_kind,
					    s->end_ns - s->begin_ns};
		}
		cprof_cp_path_fini(&path);
		if (keys.n >= COMPACT_AT)
			keys.n = compact(keys.v, keys.n);
	}
	if (!any) {
		status = CPROF_CRITPATH_NO_TASKS;
		goto error;
	}
	keys.n = compact(keys.v, keys.n);
	if (!make_rows(m, sym, keys.v, keys.n, out))
		goto error;
	status = CPROF_CRITPATH_OK;
	goto end;
error:
	cprof_cp_aggregate_fini(out);
end:
	cprof_vec_free(&keys);
	return status;
}

void cprof_cp_aggregate_fini(struct cprof_cp_aggregate *agg)
{
	for (size_t i = 0; i < agg->rows.n; i++) {
		free(agg->rows.v[i].thread);
		free(agg->rows.v[i].function);
	}
	cprof_vec_free(&agg->rows);
	agg->tasks = agg->total_ns = 0;
	agg->window = (struct cprof_snapwin_cut){0, 0};
}
