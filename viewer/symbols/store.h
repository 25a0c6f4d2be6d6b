/*
 * The symbols a trace carries with it: DIR/cprof-symbols.gz, written once
 * after recording (or by `cprof-trace symbolize`) while the traced binaries
 * are still there, so that the trace reads the same on another machine or
 * after the program was rebuilt.
 *
 * The file is gzip'd text, one record per line, tab-separated:
 *
 *   cprof-symbols 1
 *   m  KEY  PATH                 a module: KEY is its build-id, or its path
 *                                when it has none ("-" never occurs)
 *   a  OFFSET  r|x  N            an address in the last module: offset from
 *                                its base (hex), r a return address (the
 *                                call before it was looked up) or x exact,
 *                                then its N frames, innermost first
 *   f  RESOLVED  LINE  FUNCTION  FILE
 *
 * Only addresses that resolved are stored: those that did not are looked up
 * again when read, in case debug info was installed since.
 *
 * Private to the symbolizer (symbols.c); the store owns every string it
 * hands out, for its own lifetime.
 */
#ifndef CPROF_SYMBOLS_STORE_H
#define CPROF_SYMBOLS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "symbols.h"

struct symstore;

/* NULL with *err set (a sentence, to free) when the file is damaged; NULL
 * and *err NULL when there is none. */
struct symstore *symstore_load(const char *path, char **err);
void symstore_destroy(struct symstore *st);

/* The store's index of the module with this key (build-id or path), or -1. */
int symstore_module(const struct symstore *st, const char *key);

/* The frames stored for (module, offset, is_return), or false. */
bool symstore_find(const struct symstore *st, int module, uint64_t offset, bool is_return,
		   const struct cprof_symbol **frames, size_t *nframes);

/* Writing: entries are appended per module, then written at once. */
struct symstore_writer;
struct symstore_writer *symstore_writer_create(void);
void symstore_writer_destroy(struct symstore_writer *w);
/* false when out of memory; an entry already added is ignored */
bool symstore_writer_add(struct symstore_writer *w, const char *key, const char *path,
			 uint64_t offset, bool is_return, const struct cprof_symbol *frames,
			 size_t nframes);
size_t symstore_writer_count(const struct symstore_writer *w);
/* 0, or -1 with errno set */
int symstore_writer_save(const struct symstore_writer *w, const char *path);

#endif /* CPROF_SYMBOLS_STORE_H */
