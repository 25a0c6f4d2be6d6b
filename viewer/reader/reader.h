/*
 * The trace reader: reads an LTTng trace directory (CTF) with a
 * libbabeltrace2 graph (one src.ctf.fs per metadata directory, one
 * flt.utils.muxer, a simple sink of ours) and fills a cprof_model.
 *
 * Only the reader touches babeltrace2: everything downstream reads the model.
 *
 * Ownership: on CPROF_READ_OK, *out is a model the caller owns and releases
 * with cprof_model_destroy(). On any other status *out is NULL and `err`
 * holds one sentence naming the path and the problem, without a trailing
 * newline or the "cprof-trace: " prefix.
 */
#ifndef CPROF_READER_H
#define CPROF_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../model/model.h"

enum cprof_read_status {
	CPROF_READ_OK = 0,
	CPROF_READ_NOT_FOUND,	    /* the path does not exist / unreadable */
	CPROF_READ_NOT_CTF,	    /* no `metadata` file under the path */
	CPROF_READ_BAD_METADATA,    /* metadata cut short or corrupt */
	CPROF_READ_BAD_STREAM,	    /* babeltrace2 could not decode a stream */
	CPROF_READ_NO_CPROF_EVENTS, /* readable, but no cprof:* event kept */
	CPROF_READ_CANCELED,	    /* the progress callback asked to stop */
	CPROF_READ_ERROR,	    /* babeltrace2 setup failed, out of memory */
};

/* One decoded event, for `cprof-trace dump`. Strings live until the
 * callback returns. `fields` is "name = value, ..." of the payload. */
struct cprof_read_event {
	uint64_t ns; /* absolute, from the clock's origin */
	int32_t pid, tid;
	const char *name; /* "cprof:task_begin", ... */
	const char *fields;
};

struct cprof_read_options {
	/*
	 * Called from the reading thread from time to time with the fraction
	 * of the trace's time range read so far (0..1), and once with 1 at the
	 * end. Return false to stop reading (CPROF_READ_CANCELED).
	 */
	bool (*progress)(double fraction, void *data);
	void *progress_data;
	/*
	 * Called from the reading thread just before each progress report
	 * (with progress_data) with the model as read so far and the trace's
	 * time range from its packet indexes (0, 0 when unknown): for a
	 * viewer that draws what is loaded while the rest loads. The model
	 * is only valid during the call (its arrays move as reading goes on);
	 * its items are in the order read, those still open end at 0, and
	 * its begin_ns, end_ns and events are not set yet.
	 */
	void (*partial)(const struct cprof_model *model, uint64_t begin_ns, uint64_t end_ns,
			void *data);
	/*
	 * Called for every event of a kept process, in time order, after the
	 * model took it into account. Slows reading down: dump only.
	 */
	void (*event)(const struct cprof_read_event *event, void *data);
	void *event_data;
	/* Keep every process even when DIR/cprof-record.json names a root
	 * process (default: keep the tree rooted at that pid). */
	bool keep_all_processes;
	/*
	 * Count only: the model gets its processes, `events`, the time range
	 * and the lost events, nothing else (no threads, tasks, stacks...).
	 * For record's closing line, which needs the count of the recorded
	 * process tree without paying for the whole model.
	 */
	bool count_only;
	/*
	 * The model without its heap blocks (cprof:alloc and cprof:free are
	 * counted, not paired into model->allocs), the rest as usual; never
	 * cached. For record's read back, which counts the events and stores
	 * the symbols of the stacks: pairing an --alloc=all trace's blocks
	 * was a third of that read.
	 */
	bool no_allocs;
	/*
	 * Not NULL: the model cache the read would write once done (the
	 * region summary computed, the file checksummed and named: about a
	 * seventh of a first read of 100M records) is left to the caller,
	 * who gets it in *defer_cache (NULL: none to write) and writes it
	 * with cprof_read_cache_store(), for a viewer once the model is
	 * shown. The model is whole meanwhile.
	 */
	struct cprof_read_cache **defer_cache;
};

enum cprof_read_status cprof_read_trace(const char *path, const struct cprof_read_options *opts,
					struct cprof_model **out, char *err, size_t errlen);

/*
 * Whether reads may use and write the model cache, DIR/.cprof-cache/
 * (default true): a second open of an unchanged trace maps the model
 * built by the first instead of decoding the trace (reader/cache.h).
 * Process-wide; `cprof-trace --no-cache` sets it false.
 */
void cprof_read_set_cache(bool use);
bool cprof_read_cache_enabled(void);

/*
 * Writes a cache left by a read (defer_cache) for `model`, the model that
 * read returned, and frees `cache`; NULL does nothing. Other threads may
 * read the model meanwhile: it only reads it, then publishes its summary
 * (model.h). Failures are silent, as a read's own cache writes are.
 */
void cprof_read_cache_store(struct cprof_read_cache *cache, struct cprof_model *model);

/* The model's notes (what kept the trace from being read as recorded), one
 * line each: "cprof-trace: PATH: warning: ..."; then, for a snapshot of
 * ring buffers, its window (cprof_model_describe_window): "... note: ...". */
void cprof_read_print_notes(FILE *out, const char *path, const struct cprof_model *model);

/* The notes, then what the tracer lost (cprof_model_describe_loss), in
 * the same form: what the commands that count things warn of. */
void cprof_read_print_warnings(FILE *out, const char *path, const struct cprof_model *model);

#endif /* CPROF_READER_H */
