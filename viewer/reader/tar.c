/*
 * A trace given as a tar archive (serve's trace endpoint, or a trace
 * directory someone tarred to send): extracted with libarchive into a
 * private temporary directory, which the reader then reads as any trace
 * directory and removes afterwards. Archive paths may not leave that
 * directory (no "..", no absolute paths, no symlinked parents).
 */
#include "tar.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path) == 0 ? 0 : -1;
}

void cprof_tar_cleanup(char *tmpdir)
{
	if (tmpdir)
		nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(tmpdir);
}

/* An archive of one directory (trace/...) is read from that directory, so
 * that its cprof-record.json is found where the reader looks. */
static char *trace_root(const char *tmpdir)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	char *only = NULL, *root = NULL;
	int entries = 0;

	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		entries++;
		if (e->d_type == DT_DIR && !only)
			only = strdup(e->d_name);
	}
	if (d)
		closedir(d);
	if (entries == 1 && only) {
		if (asprintf(&root, "%s/%s", tmpdir, only) < 0)
			root = NULL;
	} else {
		root = strdup(tmpdir);
	}
	free(only);
	return root;
}

char *cprof_tar_extract(const char *path, char **tmpdir, char *err, size_t errlen)
{
	struct archive *in = archive_read_new();
	struct archive *out = archive_write_disk_new();
	struct archive_entry *entry;
	const char *tmp = getenv("TMPDIR");
	char dir[512];
	char *root = NULL;
	int r;

	*tmpdir = NULL;
	snprintf(dir, sizeof(dir), "%s/cprof-tar-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!in || !out || !mkdtemp(dir)) {
		snprintf(err, errlen, "%s: cannot make a directory to extract it into", path);
		goto end;
	}
	*tmpdir = strdup(dir);
	archive_read_support_format_tar(in);
	archive_read_support_format_gnutar(in);
	archive_read_support_filter_all(in);
	/* absolute paths are refused below, before the entry is moved
	 * under our directory (which makes its path absolute) */
	archive_write_disk_set_options(out, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
						ARCHIVE_EXTRACT_SECURE_SYMLINKS);
	if (archive_read_open_filename(in, path, 65536) != ARCHIVE_OK) {
		snprintf(err, errlen, "%s: not a trace directory nor a tar archive (%s)", path,
			 archive_error_string(in));
		goto end;
	}
	while ((r = archive_read_next_header(in, &entry)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(entry);
		char target[1024];

		if (!name || name[0] == '/' || !strcmp(name, "..") || !strncmp(name, "../", 3) ||
		    strstr(name, "/../")) {
			snprintf(err, errlen, "%s: refusing an entry outside the archive: %s", path,
				 name ? name : "(no name)");
			goto end;
		}
		snprintf(target, sizeof(target), "%s/%s", dir, name);
		archive_entry_set_pathname(entry, target);
		if (archive_write_header(out, entry) != ARCHIVE_OK ||
		    archive_write_data_block(out, NULL, 0, 0) < ARCHIVE_WARN) {
			snprintf(err, errlen, "%s: cannot extract %s: %s", path, target,
				 archive_error_string(out));
			goto end;
		}
		for (;;) {
			const void *buf;
			size_t size;
			la_int64_t offset;

			r = archive_read_data_block(in, &buf, &size, &offset);
			if (r == ARCHIVE_EOF)
				break;
			if (r != ARCHIVE_OK ||
			    archive_write_data_block(out, buf, size, offset) != ARCHIVE_OK) {
				snprintf(err, errlen, "%s: cut short or damaged archive (%s)", path,
					 archive_error_string(in));
				goto end;
			}
		}
	}
	if (r != ARCHIVE_EOF) {
		snprintf(err, errlen, "%s: not a trace directory nor a tar archive (%s)", path,
			 archive_error_string(in));
		goto end;
	}
	root = trace_root(dir);
end:
	if (in)
		archive_read_free(in);
	if (out)
		archive_write_free(out);
	return root;
}
