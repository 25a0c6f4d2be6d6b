/*
 * A deterministic synthetic trace model for the viewer's unit tests and
 * frame benchmark: a server process whose worker threads run "request"
 * tasks made of nested regions, wait on a mutex and a condition variable,
 * block in read/write/poll, log, allocate; heap and thread counters; one
 * lost-event range. The same seed gives the same model.
 */
#ifndef CPROF_TEST_UI_SYNTH_H
#define CPROF_TEST_UI_SYNTH_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cprof-tp-enums.h"
#include "model/model.h"
#include "ui/tl.h"

static uint64_t synth_rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static cprof_str synth_str(struct cprof_model *m, const char *s)
{
	return cprof_model_intern(m, s, strlen(s));
}

/* ~`tasks` request tasks spread over `nthreads` workers; about 12 events
 * per task. */
static struct cprof_model *synth_model(uint32_t tasks, uint32_t nthreads, uint64_t seed)
{
	struct cprof_model *m = cprof_model_create();
	uint64_t rs = seed ? seed : 88172645463325252ull;
	const uint64_t T0 = 1000000000000ull;
	if (!m)
		return NULL;
	m->path = synth_str(m, "/tmp/synthetic-trace");
	struct cprof_process *p = cprof_vec_push(&m->processes);
	p->pid = 4242;
	p->ppid = 1;
	p->name = synth_str(m, "netapp");
	struct cprof_thread *th = cprof_vec_push(&m->threads);
	th->tid = 4242;
	th->process = 0;
	th->name = synth_str(m, "netapp");
	th->first_ns = T0;
	for (uint32_t i = 0; i < nthreads; i++) {
		char name[32];
		snprintf(name, sizeof(name), "worker-%u", i);
		th = cprof_vec_push(&m->threads);
		th->tid = 4243 + i;
		th->process = 0;
		th->name = synth_str(m, name);
		th->first_ns = T0 + 20000 + i * 5000;
		th->parent_tid = 4242;
	}
	const char *const inner[] = {"parse", "db.query", "render", "compress", "auth"};
	cprof_str req = synth_str(m, "request"), handle = synth_str(m, "handle"),
		  io = synth_str(m, "io.flush"), cat = synth_str(m, "status");
	cprof_str inner_s[5];
	for (int k = 0; k < 5; k++)
		inner_s[k] = synth_str(m, inner[k]);
	uint64_t *clock = calloc(nthreads + 1, sizeof(uint64_t));
	for (uint32_t i = 0; i <= nthreads; i++)
		clock[i] = T0 + 30000 + i * 7000;
	int64_t heap = 0;
	struct cprof_counter *hc = cprof_vec_push(&m->counters);
	hc->name = synth_str(m, "heap in use");
	hc->process = 0;
	for (uint32_t t = 0; t < tasks; t++) {
		uint32_t w = 1 + (uint32_t)(synth_rng(&rs) % nthreads);
		uint64_t now = clock[w] + 2000 + synth_rng(&rs) % 20000;
		struct cprof_task *task = cprof_vec_push(&m->tasks);
		task->id = t + 1;
		task->parent = CPROF_NONE;
		task->type = req;
		task->process = 0;
		task->begin_ns = now;
		task->begin_thread = w;
		/* top region */
		size_t top = m->regions.n;
		struct cprof_region *r = cprof_vec_push(&m->regions);
		r->thread = w;
		r->task = t;
		r->type = handle;
		r->begin_ns = now;
		now += 1500;
		int parts = 2 + synth_rng(&rs) % 3;
		for (int k = 0; k < parts; k++) {
			uint64_t d = 4000 + synth_rng(&rs) % (k == 1 ? 120000 : 30000);
			r = cprof_vec_push(&m->regions);
			r->thread = w;
			r->task = t;
			r->type = inner_s[synth_rng(&rs) % 5];
			r->depth = 1;
			r->begin_ns = now;
			r->end_ns = now + d;
			if (k == 1 && synth_rng(&rs) % 2) {
				struct cprof_wait *wt = cprof_vec_push(&m->waits);
				wt->thread = w;
				wt->kind =
				    synth_rng(&rs) % 3 ? CPROF_TP_WAIT_MUTEX : CPROF_TP_WAIT_COND;
				wt->obj = 0x7f0000001000ull;
				wt->begin_ns = now + d / 4;
				wt->end_ns = now + d / 4 + d / 3;
				struct cprof_region *q = cprof_vec_push(&m->regions);
				q->thread = w;
				q->task = t;
				q->type = inner_s[(k + 2) % 5];
				q->depth = 2;
				q->begin_ns = now + d / 10;
				q->end_ns = now + d / 10 + d / 2;
			}
			now += d + 500;
		}
		struct cprof_syscall *sc = cprof_vec_push(&m->syscalls);
		sc->thread = w;
		sc->call = synth_rng(&rs) % 2 ? CPROF_TP_CALL_WRITE : CPROF_TP_CALL_POLL;
		sc->begin_ns = now;
		sc->end_ns = now + 3000 + synth_rng(&rs) % 15000;
		now = sc->end_ns + 800;
		m->regions.v[top].end_ns = now;
		struct cprof_log *l = cprof_vec_push(&m->logs);
		l->thread = w;
		l->task = t;
		l->category = cat;
		char msg[48];
		snprintf(msg, sizeof(msg), "request %u done: %s", t + 1,
			 t % 7 ? "200 OK" : "503 busy");
		l->message = synth_str(m, msg);
		l->length = strlen(msg);
		l->ns = now - 400;
		/* every fifth task hands over to another thread to finish */
		if (t % 5 == 0 && nthreads > 1) {
			uint32_t w2 = 1 + (w % nthreads);
			uint64_t n2 = now > clock[w2] ? now + 3000 : clock[w2] + 3000;
			r = cprof_vec_push(&m->regions);
			r->thread = w2;
			r->task = t;
			r->type = io;
			r->begin_ns = n2;
			r->end_ns = n2 + 9000 + synth_rng(&rs) % 20000;
			clock[w2] = r->end_ns;
			task->end_ns = r->end_ns + 200;
			task->end_thread = w2;
		} else {
			task->end_ns = now;
			task->end_thread = w;
		}
		clock[w] = now;
		heap += (int64_t)(synth_rng(&rs) % 65536) - 30000;
		if (heap < 0)
			heap = 1000;
		struct cprof_counter_point *pt = cprof_vec_push(&hc->points);
		pt->ns = now;
		pt->value = heap + (4 << 20);
		m->events += 12;
	}
	/* counter points must be in time order */
	for (size_t i = 1; i < hc->points.n; i++) {
		size_t j = i;
		struct cprof_counter_point v = hc->points.v[i];
		while (j > 0 && hc->points.v[j - 1].ns > v.ns) {
			hc->points.v[j] = hc->points.v[j - 1];
			j--;
		}
		hc->points.v[j] = v;
	}
	uint64_t end = T0;
	for (uint32_t i = 0; i <= nthreads; i++)
		if (clock[i] > end)
			end = clock[i];
	end += 50000;
	/* main thread: accept loop regions */
	struct cprof_region *r = cprof_vec_push(&m->regions);
	r->thread = 0;
	r->task = CPROF_NONE;
	r->type = synth_str(m, "serve");
	r->begin_ns = T0 + 10000;
	r->end_ns = end - 10000;
	struct cprof_wait *jw = cprof_vec_push(&m->waits);
	jw->thread = 0;
	jw->kind = CPROF_TP_WAIT_JOIN;
	jw->begin_ns = end - 9000;
	jw->end_ns = end - 2000;
	struct cprof_counter *tc = cprof_vec_push(&m->counters);
	tc->name = synth_str(m, "threads alive");
	tc->process = 0;
	for (uint32_t i = 0; i <= nthreads; i++) {
		struct cprof_counter_point *pt = cprof_vec_push(&tc->points);
		pt->ns = m->threads.v[i].first_ns;
		pt->value = i + 1;
	}
	for (uint32_t i = 0; i <= nthreads; i++) {
		m->threads.v[i].last_ns = end - 1000 - (i ? 4000 : 0);
		m->threads.v[i].events = 100;
	}
	struct cprof_lost *lost = cprof_vec_push(&m->lost);
	lost->begin_ns = T0 + (end - T0) * 6 / 10;
	lost->end_ns = lost->begin_ns + (end - T0) / 200;
	lost->count = 17;
	m->lost_events = 17;
	m->begin_ns = T0;
	m->end_ns = end;
	free(clock);
	return m;
}

/* Glyph metrics of a fixed size, so that layouts do not depend on a font. */
static inline struct ui_metrics synth_metrics(void)
{
	struct ui_metrics m;
	memset(&m, 7, sizeof(m));
	for (int f = 0; f < UI_FONT_COUNT_; f++)
		m.height[f] = 13;
	return m;
}

#endif /* CPROF_TEST_UI_SYNTH_H */
