/*
 * What `record` wrote next to a trace (DIR/cprof-record.json) beyond the
 * root pid the reader uses: for a flight recorder snapshot, what it was
 * taken for.
 */
#ifndef CPROF_RECORD_META_H
#define CPROF_RECORD_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cprof_snapshot_meta {
	unsigned seq;
	char trigger[16]; /* region, task, signal, api, lost */
	char reason[128]; /* region or task type, the API's reason, ... */
	uint64_t duration_ns;
	uint64_t task; /* the slow region's or task's task id, 0: none */
};

/* True when `dir` is a flight recorder snapshot; fills *meta. */
bool cprof_read_snapshot_meta(const char *dir, struct cprof_snapshot_meta *meta);

/* One line saying why the snapshot was taken ("region 'request' lasted
 * 150.6 ms (task 1003)"). */
void cprof_snapshot_meta_describe(const struct cprof_snapshot_meta *meta, char *out, size_t len);

#endif /* CPROF_RECORD_META_H */
