/*
 * Formatting events for cprof_read_options.event (`cprof-trace dump`).
 *
 * Private to viewer/reader/. Ownership: a zeroed struct rd_dump is empty;
 * rd_dump_fini() releases its buffer.
 */
#ifndef CPROF_READER_DUMP_H
#define CPROF_READER_DUMP_H

#include <babeltrace2/babeltrace.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reader.h"

/*
 * Lines wait in a heap ordered by time until the trace has gone past them
 * by RD_DUMP_WINDOW_NS: a batch's records are older than the event that
 * carries them (up to the tracer's flush period, 50 ms), so that dump
 * prints records and events of every thread in time order.
 */
#define RD_DUMP_WINDOW_NS 1000000000u

struct rd_dump_line;

struct rd_dump {
	char *buf;
	size_t len, cap;
	struct rd_dump_line **heap;
	size_t n, heap_cap;
	uint64_t seq;
	bool out_of_memory;
};

/* Formats `ev`'s payload and hands the event to opts->event. */
void rd_dump_event(struct rd_dump *dump, const char *name, const bt_event *ev, uint64_t ns,
		   int32_t pid, int32_t tid, const struct cprof_read_options *opts);
/* The same for a record of a cprof:batch, from its decoded values (the
 * kind's fields, as its own event would have printed them). */
struct rd_event;
void rd_dump_record(struct rd_dump *dump, const struct rd_event *ev,
		    const struct cprof_read_options *opts);
/* Hands opts->event the lines older than `now_ns` - RD_DUMP_WINDOW_NS. */
void rd_dump_release(struct rd_dump *dump, uint64_t now_ns, const struct cprof_read_options *opts);
/* Hands opts->event every line left (at the end of the trace). */
void rd_dump_flush(struct rd_dump *dump, const struct cprof_read_options *opts);
void rd_dump_fini(struct rd_dump *dump);

#endif /* CPROF_READER_DUMP_H */
