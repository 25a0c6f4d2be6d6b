/*
 * Profiles from a trace model: sync, mutex, cpu, heap, syscall, region and
 * threads, each optionally restricted to a time window, a task type, a
 * region type or a thread. Builds a cprof_profile (profile.h), symbolized
 * with the caller's symbolizer (which may be NULL: frames then stay as
 * module+offset names).
 *
 * Every sample carries the labels "thread" (thread name), "tid", and when
 * the thread was inside annotations at that moment, "task" and "region"
 * (the innermost region type), so `go tool pprof -tagfocus` can slice.
 *
 * Ownership: on CPROF_PROFILES_OK *out is a profile the caller releases
 * with cprof_profile_destroy(); otherwise *out is NULL. The report's text
 * is filled in both cases (what matched, or why nothing did).
 */
#ifndef CPROF_PROFILES_H
#define CPROF_PROFILES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/profile.h"
#include "analysis/snapwin.h"
#include "model/model.h"
#include "symbols/symbols.h"

enum cprof_profile_type {
	CPROF_PROFILE_SYNC,
	CPROF_PROFILE_MUTEX,
	CPROF_PROFILE_CPU,
	CPROF_PROFILE_HEAP,
	CPROF_PROFILE_SYSCALL,
	CPROF_PROFILE_REGION,
	CPROF_PROFILE_THREADS,
	/* every thread's stack at the trace's last state dump (cprof:thread_state) */
	CPROF_PROFILE_GOROUTINE,
};

enum cprof_profiles_status {
	CPROF_PROFILES_OK = 0,
	CPROF_PROFILES_NOMEM,
	CPROF_PROFILES_NO_DATA,	 /* the trace holds nothing of this type */
	CPROF_PROFILES_NO_MATCH, /* the filters matched nothing */
	CPROF_PROFILES_INVALID,	 /* a filter makes no sense (from > to, ...) */
	CPROF_PROFILES_STOPPED,	 /* cprof_profile_build_until() was told to stop */
};

struct cprof_profile_filter {
	/* Times relative to the trace's first event (model->begin_ns). */
	bool has_from, has_to, has_at;
	uint64_t from_ns, to_ns;
	uint64_t at_ns;	    /* heap: in use at that moment (default: to, else end) */
	const char *task;   /* task type, NULL: any */
	const char *region; /* region type, NULL: any */
	const char *thread; /* thread name or decimal tid, NULL: any */
	/* A profile with no sample is still a profile (serve's endpoints,
	 * as Go's): CPROF_PROFILES_OK instead of NO_DATA or NO_MATCH. */
	bool allow_empty;
};

struct cprof_profiles_report {
	uint64_t matched, total; /* items of the profile's kind */
	char text[512];		 /* "312 of 1200 waits ..." or the reason */
	/* Of a flight-recorder snapshot, a profile covers the window every
	 * CPU's ring buffer holds (analysis/snapwin.h), even from an earlier
	 * --from: what it left out and clipped of the items (in the caller's
	 * range), and that in a sentence for a command's note ("the mutex
	 * profile covers the snapshot's window ..."), also the profile's
	 * comment; "" when the window cut nothing from the range. */
	struct cprof_snapwin_cut window;
	char window_note[300];
};

/* "sync", "mutex", ... ; false when unknown. */
bool cprof_profile_type_parse(const char *name, enum cprof_profile_type *type);
const char *cprof_profile_type_name(enum cprof_profile_type type);

/* "sync, mutex, cpu, ...": every type's name, for messages and --help. */
const char *cprof_profile_type_list(void);

/* Builds what every profile of the model needs and keeps it with the
 * model (how its regions nest), so that the first profile costs no more
 * than the next; for a viewer to call once the model is shown. False when
 * out of memory or stopped (`stop` set: looked at every 64K regions of the
 * nesting pass, after the pass that orders them; NULL never stops);
 * profiles then build it themselves. */
bool cprof_profile_prepare(const struct cprof_model *model, const atomic_bool *stop);

enum cprof_profiles_status
cprof_profile_build(const struct cprof_model *model, struct cprof_symbolizer *symbolizer,
		    enum cprof_profile_type type, const struct cprof_profile_filter *filter,
		    struct cprof_profile **out, struct cprof_profiles_report *report);

/* cprof_profile_build(), ending early (CPROF_PROFILES_STOPPED, no profile)
 * once *stop is set (looked at every 64K items: a viewer's panel whose
 * range the view left); `stop` NULL: never. */
enum cprof_profiles_status
cprof_profile_build_until(const struct cprof_model *model, struct cprof_symbolizer *symbolizer,
			  enum cprof_profile_type type, const struct cprof_profile_filter *filter,
			  const atomic_bool *stop, struct cprof_profile **out,
			  struct cprof_profiles_report *report);

#endif /* CPROF_PROFILES_H */
