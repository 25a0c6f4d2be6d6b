/*
 * The trace directory (see output.h).
 */
#include "output.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cprof-record.h"

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path) == 0 ? 0 : -1;
}

void cprof_output_remove(const char *dir)
{
	nftw(dir, remove_entry, 32, FTW_DEPTH | FTW_PHYS);
}

/*
 * --force replaces a trace, not whatever directory -o happens to name:
 * `-o ~ --force` must not wipe a home directory.
 */
static bool looks_like_trace(const char *dir)
{
	static const char *const marks[] = {CPROF_RECORD_FILE, "ust", "kernel", "metadata",
					    "index"};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, marks[i]);
		if (access(path, F_OK) == 0)
			return true;
	}
	return false;
}

static bool dir_is_empty(const char *dir, int *err)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	bool empty = true;

	*err = 0;
	if (!d) {
		*err = errno;
		return false;
	}
	while ((ent = readdir(d))) {
		if (strcmp(ent->d_name, ".") && strcmp(ent->d_name, "..")) {
			empty = false;
			break;
		}
	}
	closedir(d);
	return empty;
}

static int mkdir_p(const char *dir)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);

	if (len >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(path, dir, len + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0777) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(path, 0777) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* An existing `dir`: 0 when empty, 1 when it held a trace that `force`
 * removed, -1 (and `err`) otherwise. */
static int empty_existing(const char *dir, bool force, char *err, size_t errlen)
{
	int e;

	if (dir_is_empty(dir, &e))
		return 0;
	if (e) {
		snprintf(err, errlen, "%s: %s", dir, strerror(e));
		return -1;
	}
	if (!force) {
		snprintf(err, errlen,
			 "%s: exists and is not empty (use --force to replace the trace, or -o "
			 "another directory)",
			 dir);
		return -1;
	}
	if (!looks_like_trace(dir)) {
		snprintf(err, errlen,
			 "%s: not a trace directory; refusing to remove it, even with --force",
			 dir);
		return -1;
	}
	if (nftw(dir, remove_entry, 32, FTW_DEPTH | FTW_PHYS) != 0) {
		snprintf(err, errlen, "%s: cannot remove the old trace: %s", dir, strerror(errno));
		return -1;
	}
	return 1;
}

char *cprof_output_prepare(const char *dir, bool force, bool *created, char *err, size_t errlen)
{
	struct stat st;
	char *abs = NULL;
	int emptied;

	*created = false;
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s: exists and is not a directory", dir);
			goto error;
		}
		/* an empty directory is the user's: it stays after a failed run */
		emptied = empty_existing(dir, force, err, errlen);
		if (emptied < 0)
			goto error;
		*created = emptied == 1;
	} else if (errno == ENOENT) {
		*created = true;
	} else {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto error;
	}
	if (mkdir_p(dir) != 0) {
		snprintf(err, errlen, "%s: cannot create directory: %s", dir, strerror(errno));
		goto error;
	}
	abs = realpath(dir, NULL);
	if (!abs) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto error;
	}
	return abs;
error:
	return NULL;
}
