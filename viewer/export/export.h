/*
 * A profile from a trace, written where asked: what `cprof-trace pprof`
 * does after reading its options, and what the viewer's export key does
 * for the panel's range, so that both write the same file for the same
 * filter.
 *
 * Ownership: everything is borrowed; the profile built on the way is freed
 * before returning.
 */
#ifndef CPROF_EXPORT_H
#define CPROF_EXPORT_H

#include <stdbool.h>

#include "analysis/profiles.h"
#include "export/pprof.h"

enum cprof_export_status {
	CPROF_EXPORT_OK = 0,
	CPROF_EXPORT_PROFILE, /* nothing to build: report.text says why */
	CPROF_EXPORT_WRITE,   /* built, not written: cprof_export_write_error() */
};

struct cprof_export_result {
	struct cprof_profiles_report report; /* what the filters matched */
	enum cprof_pprof_status write;
	int write_errno;
};

/* Builds the `type` profile of `filter` and writes it gzip-compressed to
 * `path`; an existing file is left alone unless `force`. */
enum cprof_export_status
cprof_export_pprof(const struct cprof_model *model, struct cprof_symbolizer *symbolizer,
		   enum cprof_profile_type type, const struct cprof_profile_filter *filter,
		   const char *path, bool force, struct cprof_export_result *result);

/* Why the write failed, as a phrase ("No space left on device"). */
const char *cprof_export_write_error(const struct cprof_export_result *result);

#endif /* CPROF_EXPORT_H */
