/*
 * Waiting for a destroyed LTTng session's trace to be complete on disk,
 * without waiting for the daemon to confirm the destruction (settle.c
 * says why). Used by session.c.
 *
 * Ownership: cprof_settle_watch() returns a watch the caller frees with
 * cprof_settle_free().
 */
#ifndef CPROF_SESSION_SETTLE_H
#define CPROF_SESSION_SETTLE_H

#include <stdbool.h>

struct cprof_settle;

/* Watches every file LTTng wrote under output_dir (its ust/ tree) for its
 * last close; NULL when there is none or inotify is unavailable. */
struct cprof_settle *cprof_settle_watch(const char *output_dir);

/* Whether every watched file was closed by its writer within timeout_ms. */
bool cprof_settle_wait(struct cprof_settle *settle, int timeout_ms);

void cprof_settle_free(struct cprof_settle *settle);

#endif /* CPROF_SESSION_SETTLE_H */
