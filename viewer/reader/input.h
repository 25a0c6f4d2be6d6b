/*
 * The trace directory as files, before and beside babeltrace2: where the
 * CTF metadata files are, whether each is complete, which stream file is
 * cut short (and a readable copy of what is not). cprof-record.json is
 * read by common/record_file.c.
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

/* What a packet walk found in one stream file. */
struct rd_damage {
	char *file;		     /* the stream file (rd_salvage: owned) */
	uint64_t size;		     /* its size in bytes */
	uint64_t whole;		     /* bytes of whole packets from its start */
	uint64_t last_end;	     /* timestamp_end of the last whole packet */
	uint64_t cut_begin, cut_end; /* the first bad packet's timestamps */
	bool cut_header;	     /* its header was readable (cut_* valid) */
	/* The first packet's number in its stream and its timestamp_begin:
	 * not 0 when the ring buffer it came from overwrote the packets
	 * before it (a snapshot's overwrite-mode channel). */
	uint64_t first_seq, first_begin;
	size_t dir; /* index in rd_dirs of its metadata dir */
};

/* Walks the packets of the stream file `path` (whole < size: damaged);
 * false when it cannot be opened. d->file and d->dir are left NULL/0. */
bool rd_scan_stream(const char *path, struct rd_damage *d);

/* After babeltrace2 refused a trace: the first stream file whose packets
 * do not add up to its size, in `out`. False when every one does. */
bool rd_find_truncated_stream(const struct rd_dirs *dirs, char *out, size_t outlen);

/* The clock of DIR/metadata (LTTng traces have one): event times in ns
 * from its origin are offset_s * 1e9 + (offset + cycles) * 1e9 / freq. */
struct rd_clock {
	uint64_t freq;
	int64_t offset_s, offset;
	bool packet_seq; /* packets say their number (rd_damage.first_seq) */
};
bool rd_metadata_clock(const char *dir, struct rd_clock *clock);
uint64_t rd_clock_ns(const struct rd_clock *clock, uint64_t cycles);

/*
 * Stream files cut short (a disk that filled up, a copy interrupted, a
 * crash): babeltrace2 refuses a whole trace for one packet cut in the
 * middle, and one file shorter than a packet header aborts its query. So
 * before reading, every stream file's packets are walked; when some file
 * does not end on a whole packet, its metadata directory is replaced in
 * `dirs` by a copy in a temporary directory: the metadata and the intact
 * files as symbolic links, the damaged file's whole packets copied (none:
 * left out). The user's trace is never written to.
 *
 * Ownership: rd_salvage_fini() removes the temporary directory and frees
 * what rd_salvage() filled, also after a failure.
 */
struct rd_salvage {
	CPROF_VEC(struct rd_damage) damage;
	CPROF_VEC(struct rd_clock) clocks; /* one per rd_dirs entry */
	char *tmpdir;			   /* NULL when nothing was damaged */
	uint64_t stream_bytes;		   /* of every stream file */
	/*
	 * A snapshot of overwrite-mode ring buffers holds, per CPU, the last
	 * packets its buffer kept, each buffer from its own time on: the
	 * latest first packet's begin among the streams that lost their
	 * first packets (ns from the clock's origin), from which every
	 * stream holds all it was given. 0: no stream lost its beginning.
	 */
	uint64_t window_ns;
};
/* Returns 0, or -1 with one sentence in `why`. */
int rd_salvage(struct rd_dirs *dirs, struct rd_salvage *out, char *why, size_t whylen);
void rd_salvage_fini(struct rd_salvage *s);

#endif /* CPROF_READER_INPUT_H */
