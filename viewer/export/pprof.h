/*
 * The pprof exporter: encodes a cprof_profile (analysis/profile.h) as
 * profile.proto (github.com/google/pprof/proto/profile.proto) and writes it
 * gzip-compressed, the form `go tool pprof` reads.
 *
 * Ownership: cprof_pprof_encode() returns a buffer the caller frees with
 * free(). The profile is only read.
 */
#ifndef CPROF_PPROF_H
#define CPROF_PPROF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/profile.h"

enum cprof_pprof_status {
	CPROF_PPROF_OK = 0,
	CPROF_PPROF_NOMEM,
	CPROF_PPROF_EXISTS, /* the output exists and force was not given */
	CPROF_PPROF_IO,	    /* errno tells why */
	CPROF_PPROF_ZLIB,
};

/* The uncompressed protobuf message. */
enum cprof_pprof_status cprof_pprof_encode(const struct cprof_profile *profile, uint8_t **buf,
					   size_t *len);

/* gzip of the message, in memory. */
enum cprof_pprof_status cprof_pprof_gzip(const uint8_t *in, size_t len, uint8_t **out,
					 size_t *out_len);

/*
 * Writes the gzip-compressed profile to `path`. Without `force` an existing
 * file is left alone (CPROF_PPROF_EXISTS). On CPROF_PPROF_IO errno is set.
 */
enum cprof_pprof_status cprof_pprof_write(const struct cprof_profile *profile, const char *path,
					  bool force);

/* A sentence for a status ("out of memory", "file exists (use --force)"). */
const char *cprof_pprof_status_string(enum cprof_pprof_status status);

#endif /* CPROF_PPROF_H */
