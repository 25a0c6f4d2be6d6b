/*
 * The flight recorder's environment contract: what `record --flight` puts
 * in the program's environment and libcprof-trace (tracer/api.c) and the
 * preload library read once at start. Children inherit it, so a program's
 * whole process tree asks for snapshots with the same token.
 *
 * LTTng 2.13 triggers match one event at a time: a condition can filter an
 * event's fields but cannot pair a region's begin with its end, so it
 * cannot compare a duration with a threshold. The program itself measures
 * the regions and tasks of watched types and emits cprof:snapshot when one
 * lasted longer than its threshold; the recording's trigger matches that
 * event.
 */
#ifndef CPROF_FLIGHT_ENV_H
#define CPROF_FLIGHT_ENV_H

/* Decimal, non-zero: the value of cprof:snapshot's `token` field. */
#define CPROF_FLIGHT_ENV_TOKEN "CPROF_FLIGHT_TOKEN"

/*
 * Watched region and task types: lines "THRESHOLD_NS TYPE" separated by
 * '\n' (a type may hold spaces, not a newline).
 */
#define CPROF_FLIGHT_ENV_REGIONS "CPROF_FLIGHT_REGIONS"
#define CPROF_FLIGHT_ENV_TASKS "CPROF_FLIGHT_TASKS"

/* A signal number: the preload library turns this signal, sent to the
 * program, into a snapshot request when the program does not handle it. */
#define CPROF_FLIGHT_ENV_SIGNAL "CPROF_FLIGHT_SIGNAL"

/* "0": a stack's definition (cprof:stack) is written next to every event
 * that uses it, not once per process, so that any window of an
 * overwritten ring buffer defines every stack it refers to. */
#define CPROF_FLIGHT_ENV_INTERN "CPROF_STACK_INTERN"

#endif /* CPROF_FLIGHT_ENV_H */
