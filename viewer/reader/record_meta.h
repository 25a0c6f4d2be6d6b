/*
 * What `record` wrote next to a trace (DIR/cprof-record.json, read by
 * common/record_file.c) beyond what the reader uses: for a flight recorder
 * snapshot, what it was taken for, as one line for the commands.
 */
#ifndef CPROF_RECORD_META_H
#define CPROF_RECORD_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/record_file.h"

/* True when `dir` is a flight recorder snapshot; fills *meta. */
bool cprof_read_snapshot_meta(const char *dir, struct cprof_snapshot_meta *meta);

/* One line saying why the snapshot was taken ("region 'request' lasted
 * 150.6 ms (task 1003)"). */
void cprof_snapshot_meta_describe(const struct cprof_snapshot_meta *meta, char *out, size_t len);

#endif /* CPROF_RECORD_META_H */
