/*
 * Tar archives of traces (see tar.c). cprof_tar_extract() returns the
 * directory to read (malloc'd) and sets *tmpdir to what
 * cprof_tar_cleanup() removes and frees afterwards (also on failure,
 * when it is not NULL); on failure it returns NULL and fills err with one
 * sentence naming the file.
 */
#ifndef CPROF_READER_TAR_H
#define CPROF_READER_TAR_H

#include <stddef.h>

char *cprof_tar_extract(const char *path, char **tmpdir, char *err, size_t errlen);
void cprof_tar_cleanup(char *tmpdir);

#endif /* CPROF_READER_TAR_H */
