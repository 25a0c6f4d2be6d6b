/*
 * The flight recorder inside the program: cprof_trace_snapshot() and the
 * watch on regions and tasks of the types `record --flight --snapshot-on
 * region:TYPE>DURATION` names (read from the environment, flight-env.h).
 *
 * Both end in one cprof:snapshot event. The recording's LTTng trigger
 * matches it (an event-rule-matches condition filtered on its token) and
 * `record` takes the snapshot: the event itself only costs what any event
 * costs, and nothing in the program waits for the snapshot.
 *
 * A watched region's begin time is kept on a small per-thread stack, since
 * a cprof_region is the caller's value and has no room for it; the
 * region's state word carries a flag saying it is there. A region ended on
 * another thread than the one that began it is not measured. A watched
 * task's begin time is kept in a fixed lock-free table keyed by task id
 * (tasks may end on any thread); when the table is full a task is not
 * measured. Neither ever allocates, locks or blocks.
 */
#define CPROF_TRACE_NO_INLINE
#include <cprof/trace.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch.h"
#include "cprof-tp-enums.h"
#include "cprof-tp.h"
#include "flight-env.h"
#include "flight-watch.h"

#define CPROF_EXPORT __attribute__((visibility("default")))

#define MAX_RULES 16
#define STACK_DEPTH 32
#define TASK_SLOTS 4096 /* a power of two */
#define TASK_PROBES 32

struct rule {
	const char *type;
	uint64_t threshold_ns;
};

struct open_region {
	const char *type;
	uint64_t begin_ns;
	uint32_t rule;
};

struct open_task {
	uint64_t id; /* 0: free */
	uint64_t begin_ns;
	uint32_t rule;
};

bool cprof_watch_regions_;
bool cprof_watch_tasks_;

static uint64_t token;
static struct rule region_rules[MAX_RULES];
static struct rule task_rules[MAX_RULES];
static size_t n_region_rules, n_task_rules;

static _Thread_local struct open_region open_regions[STACK_DEPTH];
static _Thread_local unsigned n_open;

static struct open_task *tasks; /* TASK_SLOTS, allocated by the constructor */

void cprof_announce_process_(void);

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* "NS TYPE\n..." -> rules; malformed lines are skipped (record checked
 * them, a hand-set variable only loses its bad lines). */
static size_t parse_rules(const char *text, struct rule *rules)
{
	size_t n = 0;

	while (text && *text && n < MAX_RULES) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		char *end;
		unsigned long long ns = strtoull(text, &end, 10);

		if (end > text && *end == ' ' && (size_t)(end + 1 - text) < len) {
			char *type = strndup(end + 1, len - (size_t)(end + 1 - text));

			if (type)
				rules[n++] = (struct rule){type, ns};
		}
		text = nl ? nl + 1 : NULL;
	}
	return n;
}

static void request(uint8_t kind, const char *reason, uint64_t duration_ns, uint64_t task);

static char signal_reason[16];

/* LTTng-UST tracepoints may be hit from signal handlers (the preload's
 * CPU sampler does so too). */
static void on_signal(int signo)
{
	int saved = errno;

	(void)signo;
	if (lttng_ust_tracepoint_enabled(cprof, snapshot))
		request(CPROF_TP_SNAPSHOT_SIGNAL, signal_reason, 0, 0);
	errno = saved;
}

/*
 * The trigger signal sent to the program: taken only when the program
 * left it at its default (which kills it); a program that handles it
 * itself, now or later with its own sigaction(), keeps its behaviour.
 */
static bool watch_signal(const char *text)
{
	struct sigaction sa, old;
	int signo = text ? atoi(text) : 0;

	if (signo <= 0 || signo >= NSIG || sigaction(signo, NULL, &old) != 0 ||
	    (old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL)
		return false;
	snprintf(signal_reason, sizeof(signal_reason), "%d", signo);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	return sigaction(signo, &sa, NULL) == 0;
}

void cprof_watch_init_(void)
{
	const char *t = getenv(CPROF_FLIGHT_ENV_TOKEN);

	token = t ? strtoull(t, NULL, 10) : 0;
	if (!token)
		return;
	n_region_rules = parse_rules(getenv(CPROF_FLIGHT_ENV_REGIONS), region_rules);
	n_task_rules = parse_rules(getenv(CPROF_FLIGHT_ENV_TASKS), task_rules);
	if (n_task_rules)
		tasks = calloc(TASK_SLOTS, sizeof(*tasks));
	cprof_watch_regions_ = n_region_rules > 0;
	cprof_watch_tasks_ = n_task_rules > 0 && tasks;
	watch_signal(getenv(CPROF_FLIGHT_ENV_SIGNAL));
}

/*
 * A process that started without the contract in its environment gets it
 * from `record --flight --pid` through the preload library's state keeper
 * (token 0: the recording ended). The rules are written before the flags
 * publish them, and the types of a previous arming stay allocated: a
 * region begun under them may still end.
 */
CPROF_EXPORT void cprof_watch_arm_(uint64_t new_token, const char *regions, const char *task_types,
				   int signo)
{
	static int taken_signal;
	char text[16];

	__atomic_store_n(&cprof_watch_regions_, false, __ATOMIC_RELEASE);
	__atomic_store_n(&cprof_watch_tasks_, false, __ATOMIC_RELEASE);
	if (taken_signal) {
		struct sigaction old;

		/* ours still (the program may have taken it since): its default again */
		if (sigaction(taken_signal, NULL, &old) == 0 && old.sa_handler == on_signal)
			signal(taken_signal, SIG_DFL);
		taken_signal = 0;
	}
	__atomic_store_n(&token, new_token, __ATOMIC_RELEASE);
	if (!new_token)
		return;
	n_region_rules = parse_rules(regions, region_rules);
	n_task_rules = parse_rules(task_types, task_rules);
	if (n_task_rules && !tasks)
		tasks = calloc(TASK_SLOTS, sizeof(*tasks));
	__atomic_store_n(&cprof_watch_regions_, n_region_rules > 0, __ATOMIC_RELEASE);
	__atomic_store_n(&cprof_watch_tasks_, n_task_rules > 0 && tasks, __ATOMIC_RELEASE);
	snprintf(text, sizeof(text), "%d", signo);
	if (signo && watch_signal(text))
		taken_signal = signo;
}

static void request(uint8_t kind, const char *reason, uint64_t duration_ns, uint64_t task)
{
	cprof_announce_process_();
	/* The snapshot holds every thread's records up to now. */
	cprof_batch_flush_all_();
	lttng_ust_tracepoint(cprof, snapshot, token, kind, reason, duration_ns, task, now_ns());
}

static int find_rule(const struct rule *rules, size_t n, const char *type)
{
	for (size_t i = 0; i < n; i++)
		if (rules[i].type == type || !strcmp(rules[i].type, type))
			return (int)i;
	return -1;
}

bool cprof_watch_region_begin_(const char *type)
{
	int rule = find_rule(region_rules, n_region_rules, type);

	if (rule < 0)
		return false;
	/* Full: regions begun here and ended elsewhere piled up; the oldest
	 * gives way. */
	if (n_open == STACK_DEPTH) {
		memmove(open_regions, open_regions + 1,
			sizeof(open_regions[0]) * (STACK_DEPTH - 1));
		n_open--;
	}
	open_regions[n_open++] = (struct open_region){type, now_ns(), (uint32_t)rule};
	return true;
}

void cprof_watch_region_end_(const char *type, uint64_t task)
{
	uint64_t end = now_ns();

	for (unsigned i = n_open; i-- > 0;) {
		struct open_region r = open_regions[i];

		if (r.type != type && strcmp(r.type, type))
			continue;
		memmove(open_regions + i, open_regions + i + 1,
			sizeof(open_regions[0]) * (n_open - i - 1));
		n_open--;
		if (end - r.begin_ns > region_rules[r.rule].threshold_ns &&
		    lttng_ust_tracepoint_enabled(cprof, snapshot))
			request(CPROF_TP_SNAPSHOT_REGION, region_rules[r.rule].type,
				end - r.begin_ns, task);
		return;
	}
}

static uint32_t task_slot(uint64_t id)
{
	return (uint32_t)((id * 0x9E3779B97F4A7C15ull) >> 52) & (TASK_SLOTS - 1);
}

void cprof_watch_task_begin_(uint64_t id, const char *type)
{
	int rule = find_rule(task_rules, n_task_rules, type);
	uint32_t i = task_slot(id);

	if (rule < 0)
		return;
	for (int probe = 0; probe < TASK_PROBES; probe++, i = (i + 1) & (TASK_SLOTS - 1)) {
		uint64_t expected = 0;

		if (__atomic_compare_exchange_n(&tasks[i].id, &expected, id, false,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
			tasks[i].begin_ns = now_ns();
			tasks[i].rule = (uint32_t)rule;
			return;
		}
	}
}

/* The task's begin time was stored by the thread that began it, before
 * the program handed the task over (its own synchronisation orders it). */
void cprof_watch_task_end_(uint64_t id)
{
	uint32_t i = task_slot(id);

	for (int probe = 0; probe < TASK_PROBES; probe++, i = (i + 1) & (TASK_SLOTS - 1)) {
		struct open_task t;

		if (__atomic_load_n(&tasks[i].id, __ATOMIC_ACQUIRE) != id)
			continue;
		t = tasks[i];
		__atomic_store_n(&tasks[i].id, 0, __ATOMIC_RELEASE);
		uint64_t d = now_ns() - t.begin_ns;

		if (d > task_rules[t.rule].threshold_ns &&
		    lttng_ust_tracepoint_enabled(cprof, snapshot))
			request(CPROF_TP_SNAPSHOT_TASK, task_rules[t.rule].type, d, id);
		return;
	}
}

/*
 * With no flight recorder listening (and no session recording cprof
 * events), the header's inline fast path is one test of the tracepoint's
 * state; this is what a call reaches otherwise.
 */
CPROF_EXPORT void cprof_trace_snapshot(const char *reason)
{
	if (__builtin_expect(!lttng_ust_tracepoint_enabled(cprof, snapshot), 1))
		return;
	request(CPROF_TP_SNAPSHOT_API, reason ? reason : "", 0, 0);
}

/* For the header's inline fast path (see cprof_probe_state_ in api.c). */
CPROF_EXPORT void cprof_trace_snapshot_slow_(const char *reason)
    __attribute__((alias("cprof_trace_snapshot")));
