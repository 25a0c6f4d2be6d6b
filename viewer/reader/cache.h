/*
 * The model cache: DIR/.cprof-cache/model, the model of a trace as the
 * reader built it, so that opening the trace again decodes nothing (the
 * file is memory-mapped and the model's vectors point into the mapping).
 *
 * Never trusted blindly: the header names the format, the cprof-trace
 * version and a fingerprint of the trace's files (names, sizes, mtimes),
 * a 64-bit checksum covers everything after it, and every index the model
 * holds (threads, tasks, stacks, frames, strings...) is checked against the
 * size of what it points into. Any mismatch: the trace is read again and
 * the cache rewritten, without a word.
 *
 * Private to viewer/reader/. Ownership: rd_cache_load() returns a model the
 * caller owns (cprof_model_destroy() unmaps it).
 */
#ifndef CPROF_READER_CACHE_H
#define CPROF_READER_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "input.h"
#include "model/model.h"

/* What identifies the trace's content: its metadata directories' files
 * (names, sizes, mtimes), cprof-record.json, and `variant` (reading
 * options that change the model). *settled: no file changed in the last
 * second (a trace still being written is not cached). False when a file
 * cannot be listed. */
bool rd_cache_key(const char *trace, const struct rd_dirs *dirs, uint64_t variant, uint64_t *key,
		  bool *settled);

/* The cached model of the trace whose key is `key`, or NULL (none, stale,
 * damaged: the caller reads the trace). */
struct cprof_model *rd_cache_load(const char *trace, uint64_t key);

/* Writes the cache (temporary file, then rename), with the summary
 * cprof_model_summarize gives the model; silently nothing when the
 * directory is not writable or a write fails. */
void rd_cache_store(const char *trace, struct cprof_model *model, uint64_t key);

/*
 * A first read builds the model's regions (most of a big model) straight
 * into the cache file it will store: no second copy of them in memory,
 * no write of them (under this hypervisor fresh memory is what a first
 * read costs most). rd_cache_open() creates the temporary file with room
 * for `regions` regions at a huge page boundary and maps it shared
 * (cf->regions); the reader points the model's regions there.
 * rd_cache_finish() writes the rest after the regions (and the model's
 * summary, as rd_cache_store()), the header, renames
 * the file into place and leaves the model's regions in a private mapping
 * of it (model->mapping); when the model already borrows them from the
 * file (rd_cache_defer()), a failure leaves them there (other threads
 * may be reading them) and only removes the file. rd_cache_abandon() removes the file; the
 * model's regions, if still in it, move to the heap (`keep`) or are
 * dropped (a model about to be destroyed). Both return false only when
 * the regions could not be kept (out of memory). Ownership: a zeroed
 * struct with fd -1 holds nothing.
 */
struct rd_cache_file {
	int fd;
	char tmp[4096];
	struct cprof_region *regions;
	size_t cap, len; /* regions; bytes mapped */
};
bool rd_cache_open(const char *trace, size_t regions, struct rd_cache_file *cf);
bool rd_cache_finish(const char *trace, struct rd_cache_file *cf, struct cprof_model *model,
		     uint64_t key);
bool rd_cache_abandon(struct rd_cache_file *cf, struct cprof_model *model, bool keep);

/*
 * A cache left to write once the model is shown (cprof_read_options'
 * defer_cache, reader.h): the trace, the key, and the file the regions
 * were built in (cf.fd -1: none, the whole model is written as
 * rd_cache_store() writes it). rd_cache_defer() takes the file from `cf`
 * (leaving it holding nothing) and lends its regions to the model (its
 * mapping, as rd_cache_finish() leaves them): the model is whole
 * meanwhile, and may be destroyed before or after the cache is written.
 * NULL when out of memory (`cf` untouched).
 */
struct cprof_read_cache {
	char *trace;
	uint64_t key;
	struct rd_cache_file cf;
};
struct cprof_read_cache *rd_cache_defer(const char *trace, struct rd_cache_file *cf,
					struct cprof_model *model, uint64_t key);

/* Process-wide: false makes every read decode the trace (--no-cache). */
extern bool rd_cache_enabled;

#endif /* CPROF_READER_CACHE_H */
