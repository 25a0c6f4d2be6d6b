/*
 * The symbolizer: turns (process, address) from a trace's stacks into
 * function, file and line, reading the ELF files the trace's module list
 * names (lttng_ust_statedump:bin_info, lttng_ust_lib:load) with elfutils'
 * libdwfl, offline, long after the traced process is gone. Separate debug
 * files are found by build-id and debug link under /usr/lib/debug.
 *
 * An address resolves to one or more frames: the function that holds it,
 * preceded by the functions inlined into it at that address (innermost
 * first, the order of profile.proto's Location.line). Nothing is dropped:
 * an address no symbol covers gets a name "module+0xoffset" (or "0xaddr"
 * outside every module).
 *
 * Ownership: cprof_symbolizer_create() borrows the model, which must outlive
 * the symbolizer; cprof_symbolizer_destroy() releases everything. Frames
 * returned by a lookup are borrowed and valid until the next lookup; their
 * strings live as long as the symbolizer.
 */
#ifndef CPROF_SYMBOLS_H
#define CPROF_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

struct cprof_symbolizer;

struct cprof_symbol {
	const char *function; /* never NULL: a name or "module+0xoffset" */
	const char *file;     /* "" when unknown */
	int line;	      /* 0 when unknown */
	bool resolved;	      /* function came from a symbol or DWARF */
};

struct cprof_symbol_loc {
	uint32_t module;		   /* model module index, CPROF_NONE outside all */
	uint64_t offset;		   /* address - module base */
	size_t nframes;			   /* >= 1 */
	const struct cprof_symbol *frames; /* innermost (inlined) first */
};

struct cprof_symbolizer_options {
	bool inline_frames;	    /* report inlined calls as frames (slower) */
	const char *debuginfo_path; /* NULL: libdwfl's ":.debug:/usr/lib/debug" */
};

struct cprof_symbolizer *cprof_symbolizer_create(const struct cprof_model *model,
						 const struct cprof_symbolizer_options *options);
void cprof_symbolizer_destroy(struct cprof_symbolizer *symbolizer);

/*
 * Resolves `address` in `process` (a model process index). `is_return`:
 * the address is a return address (every frame of a stack but the
 * interrupted one of a CPU sample), so the call instruction before it is
 * what gets a line. Returns false only when out of memory.
 */
bool cprof_symbolizer_lookup(struct cprof_symbolizer *symbolizer, uint32_t process,
			     uint64_t address, bool is_return, struct cprof_symbol_loc *loc);

struct cprof_symbolizer_stats {
	uint64_t lookups, cache_hits;
	uint32_t modules_loaded, modules_failed, build_id_mismatches;
};
void cprof_symbolizer_get_stats(const struct cprof_symbolizer *symbolizer,
				struct cprof_symbolizer_stats *stats);

#endif /* CPROF_SYMBOLS_H */
