/*
 * The trace directory `record` writes: made empty before the session
 * starts, never a directory that holds something other than a trace. Kept
 * out of the command so that its refusals (what --force may replace) are
 * one reviewable piece.
 *
 * Ownership: cprof_output_prepare() returns a path the caller frees.
 */
#ifndef CPROF_SESSION_OUTPUT_H
#define CPROF_SESSION_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Makes `dir` an empty directory (replacing a trace only with `force`) and
 * returns its absolute path, which LTTng needs. *created tells whether it
 * did not exist or was emptied here, so that a run that never started can
 * remove it again. NULL on failure, with a sentence naming `dir` in `err`.
 */
char *cprof_output_prepare(const char *dir, bool force, bool *created, char *err, size_t errlen);

/* Removes `dir` and everything under it (the trace of a run that never
 * started). */
void cprof_output_remove(const char *dir);

#endif /* CPROF_SESSION_OUTPUT_H */
