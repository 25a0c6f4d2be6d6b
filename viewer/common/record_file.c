/*
 * DIR/cprof-record.json through jansson (see record_file.h). Without
 * flags, json_dumpf writes `{"pid": 1, "argv": ["a", "b"], ...}`: the
 * shape the hand-written writer had, keys in insertion order.
 */
#include "record_file.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cprof-record.h"
#include "text.h"

static json_int_t u64_json(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (json_int_t)v;
}

static json_t *snapshot_object(const struct cprof_record_snapshot *s)
{
	json_t *obj = json_object();
	bool ok = obj != NULL;

	ok = ok && json_object_set_new(obj, "seq", json_integer(s->seq)) == 0;
	ok = ok && json_object_set_new(obj, "trigger", cprof_json_text(s->trigger)) == 0;
	ok = ok && json_object_set_new(obj, "reason", cprof_json_text(s->reason)) == 0;
	ok = ok &&
	     json_object_set_new(obj, "duration_ns", json_integer(u64_json(s->duration_ns))) == 0;
	ok = ok && json_object_set_new(obj, "task", json_integer(u64_json(s->task))) == 0;
	ok = ok && json_object_set_new(obj, "time_ns", json_integer(u64_json(s->time_ns))) == 0;
	if (!ok) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

static json_t *record_object(const struct cprof_record_info *info)
{
	json_t *obj = json_object();
	json_t *argv = json_array();
	int64_t discarded =
	    info->discarded_events > INT64_MAX ? INT64_MAX : (int64_t)info->discarded_events;
	bool ok = obj && argv;

	for (size_t i = 0; ok && info->argv[i]; i++)
		ok = json_array_append_new(argv, cprof_json_text(info->argv[i])) == 0;
	ok = ok && json_object_set_new(obj, CPROF_RECORD_KEY_PID, json_integer(info->pid)) == 0;
	ok = ok && json_object_set(obj, CPROF_RECORD_KEY_ARGV, argv) == 0;
	ok = ok &&
	     json_object_set_new(obj, CPROF_RECORD_KEY_DISCARDED, json_integer(discarded)) == 0;
	ok = ok && json_object_set_new(obj, CPROF_RECORD_KEY_SESSION,
				       cprof_json_text(info->session)) == 0;
	if (info->signal)
		ok = ok && json_object_set_new(obj, CPROF_RECORD_KEY_SIGNAL,
					       json_integer(info->signal)) == 0;
	if (info->launched)
		ok = ok && json_object_set_new(obj, CPROF_RECORD_KEY_LAUNCHED, json_true()) == 0;
	if (info->n_ns_pids) {
		json_t *ns = json_array();

		ok = ok && ns;
		for (size_t i = 0; ok && i < info->n_ns_pids && i < CPROF_RECORD_NS_PIDS_MAX; i++)
			ok = json_array_append_new(ns, json_integer(info->ns_pids[i])) == 0;
		if (ok)
			ok = json_object_set_new(obj, CPROF_RECORD_KEY_NS_PIDS, ns) == 0;
		else
			json_decref(ns);
	}
	if (info->n_notices) {
		json_t *notices = json_array();

		ok = ok && notices;
		for (size_t i = 0; ok && i < info->n_notices && i < CPROF_RECORD_NOTICES_MAX; i++)
			ok = json_array_append_new(notices, cprof_json_text(info->notices[i])) == 0;
		if (ok)
			ok = json_object_set_new(obj, CPROF_RECORD_KEY_NOTICES, notices) == 0;
		else
			json_decref(notices);
	}
	if (info->snapshot)
		ok = ok && json_object_set_new(obj, CPROF_RECORD_KEY_SNAPSHOT,
					       snapshot_object(info->snapshot)) == 0;
	json_decref(argv);
	if (!ok) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

enum cprof_record_file_status cprof_record_file_write(const char *dir,
						      const struct cprof_record_info *info)
{
	enum cprof_record_file_status status = CPROF_RECORD_FILE_ERROR_IO;
	char path[PATH_MAX + 32];
	char tmp[PATH_MAX + 32];
	json_t *obj = NULL;
	FILE *out = NULL;
	bool ok;

	obj = record_object(info);
	if (!obj) {
		status = CPROF_RECORD_FILE_ERROR_MEMORY;
		goto end;
	}
	snprintf(path, sizeof(path), "%s/" CPROF_RECORD_FILE, dir);
	snprintf(tmp, sizeof(tmp), "%s/." CPROF_RECORD_FILE ".tmp", dir);
	out = fopen(tmp, "w");
	if (!out)
		goto end;
	ok = json_dumpf(obj, out, 0) == 0;
	ok = fputc('\n', out) != EOF && ok;
	ok = !ferror(out) && ok;
	ok = fclose(out) == 0 && ok;
	ok = ok && rename(tmp, path) == 0;
	if (!ok) {
		int err = errno;

		unlink(tmp);
		errno = err;
		goto end;
	}
	status = CPROF_RECORD_FILE_OK;
end:
	json_decref(obj);
	return status;
}

static void read_snapshot(json_t *snap, struct cprof_snapshot_meta *meta)
{
	const char *trigger = json_string_value(json_object_get(snap, "trigger"));
	const char *reason = json_string_value(json_object_get(snap, "reason"));

	meta->seq = (unsigned)json_integer_value(json_object_get(snap, "seq"));
	snprintf(meta->trigger, sizeof(meta->trigger), "%s", trigger ? trigger : "");
	snprintf(meta->reason, sizeof(meta->reason), "%s", reason ? reason : "");
	meta->duration_ns = (uint64_t)json_integer_value(json_object_get(snap, "duration_ns"));
	meta->task = (uint64_t)json_integer_value(json_object_get(snap, "task"));
}

enum cprof_record_file_status cprof_record_file_read(const char *dir, struct cprof_record_file *out)
{
	char path[PATH_MAX + 32];
	json_error_t jerr;
	json_t *root;
	json_t *snap;
	json_t *ns;
	json_int_t pid, sig;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "%s/" CPROF_RECORD_FILE, dir);
	if (access(path, F_OK) != 0) {
		if (errno == ENOENT)
			return CPROF_RECORD_FILE_MISSING;
		snprintf(out->error, sizeof(out->error), "%s", strerror(errno));
		return CPROF_RECORD_FILE_ERROR_IO;
	}
	root = json_load_file(path, 0, &jerr);
	if (!root) {
		snprintf(out->error, sizeof(out->error), "not JSON (line %d: %s)", jerr.line,
			 jerr.text);
		return CPROF_RECORD_FILE_INVALID;
	}
	pid = json_integer_value(json_object_get(root, CPROF_RECORD_KEY_PID));
	sig = json_integer_value(json_object_get(root, CPROF_RECORD_KEY_SIGNAL));
	out->pid = pid > 0 && pid <= INT32_MAX ? (int32_t)pid : 0;
	out->signal = sig > 0 && sig < 128 ? (int)sig : 0;
	out->launched = json_is_true(json_object_get(root, CPROF_RECORD_KEY_LAUNCHED));
	ns = json_object_get(root, CPROF_RECORD_KEY_NS_PIDS);
	for (size_t i = 0; i < json_array_size(ns) && out->n_ns_pids < CPROF_RECORD_NS_PIDS_MAX;
	     i++) {
		json_int_t v = json_integer_value(json_array_get(ns, i));
		if (v > 0 && v <= INT32_MAX)
			out->ns_pids[out->n_ns_pids++] = (int32_t)v;
	}
	ns = json_object_get(root, CPROF_RECORD_KEY_NOTICES);
	for (size_t i = 0; i < json_array_size(ns) && out->n_notices < CPROF_RECORD_NOTICES_MAX;
	     i++) {
		const char *text = json_string_value(json_array_get(ns, i));
		if (text && *text)
			snprintf(out->notices[out->n_notices++], sizeof(out->notices[0]), "%s",
				 text);
	}
	snap = json_object_get(root, CPROF_RECORD_KEY_SNAPSHOT);
	out->is_snapshot = json_is_object(snap);
	if (out->is_snapshot)
		read_snapshot(snap, &out->snapshot);
	json_decref(root);
	if (out->pid)
		return CPROF_RECORD_FILE_OK;
	snprintf(out->error, sizeof(out->error), "no positive \"" CPROF_RECORD_KEY_PID "\"");
	return CPROF_RECORD_FILE_INVALID;
}
