/*
 * Inside libcprof-trace: the flight recorder's watch on slow regions and
 * tasks, and cprof_trace_snapshot(). See flight-env.h for why the program
 * measures durations itself. Nothing here allocates after the
 * constructor, takes a lock or can fail in a way the program sees.
 */
#ifndef CPROF_FLIGHT_WATCH_H
#define CPROF_FLIGHT_WATCH_H

#include <stdbool.h>
#include <stdint.h>

/* Set once by the constructor: the watches below are worth calling. */
extern bool cprof_watch_regions_;
extern bool cprof_watch_tasks_;

/* Reads the environment contract (constructor only). */
void cprof_watch_init_(void);
/* The same contract at run time (flight-env.h's variables' values; token
 * 0 disarms), from the preload library's state keeper. */
void cprof_watch_arm_(uint64_t token, const char *regions, const char *tasks, int signo);

/* A region of `type` begins on this thread: true when its type is watched
 * (its begin time is then kept until cprof_watch_region_end_). */
bool cprof_watch_region_begin_(const char *type);
/* A watched region ends: emits cprof:snapshot when it lasted too long. */
void cprof_watch_region_end_(const char *type, uint64_t task);

void cprof_watch_task_begin_(uint64_t id, const char *type);
void cprof_watch_task_end_(uint64_t id);

#endif /* CPROF_FLIGHT_WATCH_H */
