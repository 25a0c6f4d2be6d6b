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

struct rd_dump {
	char *buf;
	size_t len, cap;
	bool out_of_memory;
};

/* Formats `ev`'s payload and hands the event to opts->event. */
void rd_dump_event(struct rd_dump *dump, const char *name, const bt_event *ev, uint64_t ns,
		   int32_t pid, int32_t tid, const struct cprof_read_options *opts);
void rd_dump_fini(struct rd_dump *dump);

#endif /* CPROF_READER_DUMP_H */
