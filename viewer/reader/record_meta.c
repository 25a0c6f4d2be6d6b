/*
 * DIR/cprof-record.json's snapshot object, and a line describing it.
 */
#include "record_meta.h"

#include <stdio.h>
#include <string.h>

bool cprof_read_snapshot_meta(const char *dir, struct cprof_snapshot_meta *meta)
{
	struct cprof_record_file rec;

	cprof_record_file_read(dir, &rec);
	*meta = rec.snapshot;
	return rec.is_snapshot;
}

void cprof_snapshot_meta_describe(const struct cprof_snapshot_meta *meta, char *out, size_t len)
{
	if (!strcmp(meta->trigger, "region") || !strcmp(meta->trigger, "task"))
		snprintf(out, len, "%s '%s' lasted %.1f ms (task %llu)", meta->trigger,
			 meta->reason, (double)meta->duration_ns / 1e6,
			 (unsigned long long)meta->task);
	else if (!strcmp(meta->trigger, "api"))
		snprintf(out, len, "the program called cprof_trace_snapshot(\"%s\")", meta->reason);
	else if (!strcmp(meta->trigger, "signal"))
		snprintf(out, len, "SIG%s", meta->reason);
	else
		snprintf(out, len, "%s", meta->trigger);
}
