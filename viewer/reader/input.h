/*
 * The trace directory as files, before and beside babeltrace2: where the
 * CTF metadata files are, whether each is complete, which stream file is
 * cut short, and the recorded root pid (cprof-record.json).
 *
 * Private to viewer/reader/. Ownership: rd_dirs_free() releases what
 * rd_find_metadata_dirs() filled.
 */
#ifndef CPROF_READER_INPUT_H
#define CPROF_READER_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/vec.h"

struct rd_dirs {
	CPROF_VEC(char *) v; /* directories holding a `metadata` file */
};

/* Every directory under `dir` holding a `metadata` file (src.ctf.fs does
 * not recurse). Returns 0, or -1 when out of memory. */
int rd_find_metadata_dirs(const char *dir, struct rd_dirs *out);
void rd_dirs_free(struct rd_dirs *dirs);

/* Whether DIR/metadata is whole: packet headers within the file, text that
 * closes what it opens. When not, `why` gets one sentence. */
bool rd_check_metadata(const char *dir, char *why, size_t whylen);

/* After babeltrace2 refused a trace: the first stream file whose packets
 * do not add up to its size, in `out`. False when every one does. */
bool rd_find_truncated_stream(const struct rd_dirs *dirs, char *out, size_t outlen);

/* The root pid DIR/cprof-record.json names, 0 when none. */
int32_t rd_read_root_pid(const char *path);

#endif /* CPROF_READER_INPUT_H */
