/*
 * A side panel computation on a thread of its own (panel_job.h). One
 * computation at a time: the UI thread starts it, tells it to stop, and
 * joins it once it said it is done, so that a poll never waits for it.
 */
#include "panel_job.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "symbols/symbols.h"

struct ui_job {
	ui_job_fn fn;
	void (*free_result)(void *result);
	void *ctx;
	void (*wake)(void *ctx);
	void *wake_ctx;
	/* a computation that symbolizes (ui_job_create_sym): `fn` is
	 * sym_compute, its context the job */
	struct ui_job_sym *js;
	ui_job_sym_fn sym_fn;
	size_t result_size;
	void *sym_ctx;
	int nice; /* added to the UI thread's nice value on the job's thread */
	pthread_t thread;
	bool running; /* started and not joined */
	/* The computation's key, and what it gave: set before the thread
	 * starts and, for the result, by the thread before `done`. */
	struct ui_job_key key;
	bool ok;
	void *result;
	atomic_bool stop, done;
};

static void *compute(void *arg)
{
	struct ui_job *j = arg;

	/* Behind the window's drawing where cores are few (ui_job_set_nice).
	 * Linux keeps nice values per thread. */
	errno = 0;
	int nice = getpriority(PRIO_PROCESS, 0);
	if (errno == 0 && j->nice)
		setpriority(PRIO_PROCESS, 0, nice + j->nice > 19 ? 19 : nice + j->nice);

	j->ok = j->fn(j->ctx, &j->key, &j->stop, &j->result);
	atomic_store(&j->done, true);
	if (j->wake)
		j->wake(j->wake_ctx);
	return NULL;
}

struct ui_job *ui_job_create(ui_job_fn fn, void (*free_result)(void *result), void *ctx,
			     void (*wake)(void *wake_ctx), void *wake_ctx)
{
	struct ui_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->fn = fn;
	j->free_result = free_result;
	j->ctx = ctx;
	j->wake = wake;
	j->wake_ctx = wake_ctx;
	j->nice = 5;
	atomic_init(&j->stop, false);
	atomic_init(&j->done, false);
	return j;
}

void ui_job_set_nice(struct ui_job *j, int nice)
{
	j->nice = nice;
}

static bool same(const struct ui_job_key *a, const struct ui_job_key *b)
{
	return a->from == b->from && a->to == b->to && a->what == b->what;
}

/* Joins the computation (done, or told to stop and soon done). */
static void join(struct ui_job *j)
{
	pthread_join(j->thread, NULL);
	j->running = false;
}

static void drop_result(struct ui_job *j)
{
	if (j->result)
		j->free_result(j->result);
	j->result = NULL;
}

void ui_job_destroy(struct ui_job *j)
{
	if (!j)
		return;
	if (j->running) {
		atomic_store(&j->stop, true);
		join(j);
	}
	drop_result(j);
	free(j);
}

void ui_job_follow(struct ui_job *j, const struct ui_job_key *key)
{
	if (j->running && (!key || !same(&j->key, key)))
		atomic_store(&j->stop, true);
}

enum ui_job_state ui_job_poll(struct ui_job *j, const struct ui_job_key *key, bool wait, void **out)
{
	*out = NULL;
	ui_job_follow(j, key);
	if (j->running) {
		if (!wait && !atomic_load(&j->done))
			return UI_JOB_COMPUTING;
		join(j);
		if (same(&j->key, key) && !atomic_load(&j->stop)) {
			if (!j->ok) {
				drop_result(j);
				return UI_JOB_FAILED;
			}
			*out = j->result;
			j->result = NULL;
			return UI_JOB_READY;
		}
		drop_result(j);
	}
	j->key = *key;
	j->ok = false;
	atomic_store(&j->stop, false);
	atomic_store(&j->done, false);
	if (pthread_create(&j->thread, NULL, compute, j) != 0)
		return UI_JOB_FAILED;
	j->running = true;
	return wait ? ui_job_poll(j, key, true, out) : UI_JOB_COMPUTING;
}

struct ui_job_sym {
	const struct cprof_model *model;
	pthread_mutex_t lock;
	struct cprof_symbolizer *sym;
};

struct ui_job_sym *ui_job_sym_create(const struct cprof_model *model)
{
	struct ui_job_sym *js = calloc(1, sizeof(*js));

	if (!js)
		return NULL;
	js->model = model;
	pthread_mutex_init(&js->lock, NULL);
	return js;
}

void ui_job_sym_destroy(struct ui_job_sym *js)
{
	if (!js)
		return;
	cprof_symbolizer_destroy(js->sym);
	pthread_mutex_destroy(&js->lock);
	free(js);
}

struct cprof_symbolizer *ui_job_sym_lock(struct ui_job_sym *js)
{
	pthread_mutex_lock(&js->lock);
	if (!js->sym) {
		struct cprof_symbolizer_options o = {.quiet = true};
		js->sym = cprof_symbolizer_create(js->model, &o);
	}
	if (!js->sym)
		pthread_mutex_unlock(&js->lock);
	return js->sym;
}

void ui_job_sym_unlock(struct ui_job_sym *js)
{
	pthread_mutex_unlock(&js->lock);
}

/* The computation of a job made by ui_job_create_sym(), on its thread. */
static bool sym_compute(void *ctx, const struct ui_job_key *key, const atomic_bool *stop,
			void **result)
{
	struct ui_job *j = ctx;
	struct cprof_symbolizer *sym;
	bool ok;

	*result = calloc(1, j->result_size);
	if (!*result || !(sym = ui_job_sym_lock(j->js)))
		return false;
	ok = j->sym_fn(j->sym_ctx, sym, key, stop, *result);
	ui_job_sym_unlock(j->js);
	return ok;
}

struct ui_job *ui_job_create_sym(struct ui_job_sym *js, ui_job_sym_fn fn, size_t result_size,
				 void (*free_result)(void *result), void *ctx,
				 void (*wake)(void *wake_ctx), void *wake_ctx)
{
	struct ui_job *j = ui_job_create(sym_compute, free_result, NULL, wake, wake_ctx);

	if (!j)
		return NULL;
	j->ctx = j;
	j->js = js;
	j->sym_fn = fn;
	j->result_size = result_size;
	j->sym_ctx = ctx;
	return j;
}
