/*
 * DIR/cprof-record.json's snapshot object, read with jansson.
 */
#include "record_meta.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cprof-record.h"

bool cprof_read_snapshot_meta(const char *dir, struct cprof_snapshot_meta *meta)
{
	char path[PATH_MAX];
	json_t *root, *snap;
	bool ok = false;

	memset(meta, 0, sizeof(*meta));
	snprintf(path, sizeof(path), "%s/" CPROF_RECORD_FILE, dir);
	root = json_load_file(path, 0, NULL);
	snap = root ? json_object_get(root, CPROF_RECORD_KEY_SNAPSHOT) : NULL;
	if (json_is_object(snap)) {
		const char *trigger = json_string_value(json_object_get(snap, "trigger"));
		const char *reason = json_string_value(json_object_get(snap, "reason"));

		meta->seq = (unsigned)json_integer_value(json_object_get(snap, "seq"));
		snprintf(meta->trigger, sizeof(meta->trigger), "%s", trigger ? trigger : "");
		snprintf(meta->reason, sizeof(meta->reason), "%s", reason ? reason : "");
		meta->duration_ns =
		    (uint64_t)json_integer_value(json_object_get(snap, "duration_ns"));
		meta->task = (uint64_t)json_integer_value(json_object_get(snap, "task"));
		ok = true;
	}
	json_decref(root);
	return ok;
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
