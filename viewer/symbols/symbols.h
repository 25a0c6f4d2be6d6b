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
	const char *debug_dir;	    /* a .build-id/xx/yyyy.debug tree searched first */
	bool no_store;		    /* ignore the symbols stored in the trace */
	bool quiet;		    /* do not print notes on stderr */
};

/* The symbols a trace carries (see store.h), in its directory. */
#define CPROF_SYMBOL_STORE_FILE "cprof-symbols.gz"

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

/*
 * The same, in the objects the process had mapped at `ns` (a stack's
 * cprof_stack.ns): a library loaded where an unloaded one was, or the
 * program an exec started, may hold the same addresses. Without a time
 * (cprof_symbolizer_lookup, ns 0) an address resolves in the first object
 * that held it.
 */
bool cprof_symbolizer_lookup_at(struct cprof_symbolizer *symbolizer, uint32_t process, uint64_t ns,
				uint64_t address, bool is_return, struct cprof_symbol_loc *loc);

/* The model module that held `address` of `process` at `ns` (as
 * cprof_symbolizer_lookup_at finds it), CPROF_NONE outside every one. */
uint32_t cprof_symbolizer_module(struct cprof_symbolizer *symbolizer, uint32_t process, uint64_t ns,
				 uint64_t address, bool is_return);

/*
 * Why some stacks show as module+offset (a binary gone, rebuilt, or
 * stripped; a damaged symbol file), each said once per module on stderr as
 * it is found, unless quiet. Returns the first, for a status line, or NULL.
 */
const char *cprof_symbolizer_note(const struct cprof_symbolizer *symbolizer);

/*
 * Resolves every address the model's stacks and thread start routines hold
 * and writes what resolved to `path` (CPROF_SYMBOL_STORE_FILE in the trace
 * directory), so that the trace reads the same once its binaries are gone.
 * The symbolizer should be created with no_store and inline_frames.
 * Returns 0 with *stored set, or -1 with errno set.
 */
int cprof_symbolizer_save(struct cprof_symbolizer *symbolizer, const char *path, size_t *stored);

/*
 * What `record` and `symbolize` do: cprof_symbolizer_save() into the model's
 * trace directory, refusing to replace symbols already there unless
 * `force`. `prepared` (cprof_store_prepare, or NULL) is taken over. Returns
 * 0 or -1; either way `msg` gets one sentence to print (what was stored
 * and how long it took, or what went wrong).
 */
int cprof_store_trace_symbols(const struct cprof_model *model, const char *debug_dir, bool force,
			      struct cprof_symbolizer *prepared, char *msg, size_t msglen);

/*
 * A symbolizer that starts opening, on a thread of its own, the ELF and
 * debug files of the objects that `partial`'s stacks ran in, while the
 * rest of the trace is read (`partial` is a model still being read, only
 * valid during the call: what is needed is copied). It is made the whole
 * model's by cprof_symbolizer_create_prepared(), which takes it over, or
 * destroyed. NULL when out of memory.
 */
struct cprof_symbolizer *cprof_symbolizer_prepare(const struct cprof_model *partial,
						  const struct cprof_symbolizer_options *options);
/* `prepared`'s thread joined, the symbolizer of `model`, as
 * cprof_symbolizer_create() makes it; NULL (prepared destroyed) when out
 * of memory. */
struct cprof_symbolizer *cprof_symbolizer_create_prepared(struct cprof_symbolizer *prepared,
							  const struct cprof_model *model);
/* cprof_symbolizer_prepare() with the options cprof_store_trace_symbols() uses. */
struct cprof_symbolizer *cprof_store_prepare(const struct cprof_model *partial,
					     const char *debug_dir);

struct cprof_symbolizer_stats {
	uint64_t lookups, cache_hits;
	uint32_t modules_loaded, modules_failed, build_id_mismatches;
};
void cprof_symbolizer_get_stats(const struct cprof_symbolizer *symbolizer,
				struct cprof_symbolizer_stats *stats);

#endif /* CPROF_SYMBOLS_H */
