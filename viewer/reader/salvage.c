/*
 * Reading what is readable of a trace whose stream files were cut short
 * (input.h says why and how). The copy holds only whole packets, so
 * babeltrace2 reads it as it reads any trace; the damaged range is known
 * from the packet headers, before babeltrace2 sees anything.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"
#include "tar.h"

/* The first n bytes of `from` into a new file `to`. */
static int copy_prefix(const char *from, const char *to, uint64_t n)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, rc = -1;
	char buf[65536];

	if (in < 0)
		goto end;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0)
		goto end;
	while (n > 0) {
		ssize_t got = copy_file_range(in, NULL, out, NULL, n, 0);
		if (got < 0 &&
		    (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
			/* another file system, or a kernel without it: copy by hand */
			got = read(in, buf, n < sizeof(buf) ? n : sizeof(buf));
			if (got > 0 && write(out, buf, (size_t)got) != got)
				got = -1;
		}
		if (got <= 0)
			goto end;
		n -= (uint64_t)got;
	}
	rc = 0;
end:
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out))
		rc = -1;
	return rc;
}

static const struct rd_damage *damage_of(const struct rd_salvage *s, const char *path)
{
	for (size_t i = 0; i < s->damage.n; i++)
		if (!strcmp(s->damage.v[i].file, path))
			return &s->damage.v[i];
	return NULL;
}

/* The readable copy of metadata directory `dir` in `to`. */
static int shadow_dir(const char *dir, const char *to, const struct rd_salvage *s)
{
	char real[PATH_MAX], src[PATH_MAX + 256], dst[PATH_MAX + 256];
	DIR *d = NULL;
	struct dirent *e;
	int rc = -1;

	if (!realpath(dir, real) || mkdir(to, 0700))
		goto end;
	d = opendir(dir);
	if (!d)
		goto end;
	while ((e = readdir(d))) {
		const struct rd_damage *dm;
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		snprintf(src, sizeof(src), "%s/%s", dir, e->d_name);
		if (stat(src, &st) || !S_ISREG(st.st_mode))
			continue; /* index/: babeltrace2 indexes the copy itself */
		snprintf(dst, sizeof(dst), "%s/%s", to, e->d_name);
		dm = damage_of(s, src);
		if (dm && dm->whole && copy_prefix(src, dst, dm->whole))
			goto end;
		if (!dm) {
			snprintf(src, sizeof(src), "%s/%s", real, e->d_name);
			if (symlink(src, dst))
				goto end;
		}
	}
	rc = 0;
end:
	if (d)
		closedir(d);
	return rc;
}

/* Every damaged stream file of metadata directory i, and the time from
 * which each of its streams holds all its events (out->window_ns). */
static int scan_dir(const struct rd_dirs *dirs, size_t i, struct rd_salvage *out)
{
	const struct rd_clock *clock = &out->clocks.v[i];
	DIR *d = opendir(dirs->v.v[i]);
	struct dirent *e;
	int rc = 0;

	if (!d)
		return 0;
	while (!rc && (e = readdir(d))) {
		char path[4096];
		struct rd_damage dm, *slot;
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "metadata"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dirs->v.v[i], e->d_name);
		if (!rd_scan_stream(path, &dm))
			continue;
		out->stream_bytes += dm.size;
		if (clock->packet_seq && clock->freq && dm.first_seq &&
		    rd_clock_ns(clock, dm.first_begin) > out->window_ns)
			out->window_ns = rd_clock_ns(clock, dm.first_begin);
		if (dm.whole == dm.size)
			continue;
		dm.dir = i;
		dm.file = strdup(path);
		slot = dm.file ? cprof_vec_push(&out->damage) : NULL;
		if (!slot) {
			free(dm.file);
			rc = -1;
		} else {
			*slot = dm;
		}
	}
	closedir(d);
	return rc;
}

int rd_salvage(struct rd_dirs *dirs, struct rd_salvage *out, char *why, size_t whylen)
{
	const char *tmp = getenv("TMPDIR");
	char *to = NULL;

	for (size_t i = 0; i < dirs->v.n; i++) {
		struct rd_clock *c = cprof_vec_push(&out->clocks);
		if (!c)
			goto oom;
		rd_metadata_clock(dirs->v.v[i], c);
		if (scan_dir(dirs, i, out))
			goto oom;
	}
	if (!out->damage.n)
		return 0;
	if (asprintf(&out->tmpdir, "%s/cprof-salvage.XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0) {
		out->tmpdir = NULL;
		goto oom;
	}
	if (!mkdtemp(out->tmpdir)) {
		snprintf(why, whylen,
			 "cannot create a directory in %s for a readable copy of "
			 "the damaged stream files: %s",
			 tmp && *tmp ? tmp : "/tmp", strerror(errno));
		free(out->tmpdir);
		out->tmpdir = NULL;
		return -1;
	}
	for (size_t i = 0; i < dirs->v.n; i++) {
		bool damaged = false;
		for (size_t k = 0; k < out->damage.n; k++)
			damaged |= out->damage.v[k].dir == i;
		if (!damaged)
			continue;
		if (asprintf(&to, "%s/%zu", out->tmpdir, i) < 0)
			goto oom;
		if (shadow_dir(dirs->v.v[i], to, out)) {
			snprintf(why, whylen, "cannot copy the readable part of %s to %s: %s",
				 dirs->v.v[i], to, strerror(errno));
			free(to);
			return -1;
		}
		free(dirs->v.v[i]);
		dirs->v.v[i] = to;
		to = NULL;
	}
	return 0;
oom:
	snprintf(why, whylen, "out of memory");
	return -1;
}

void rd_salvage_fini(struct rd_salvage *s)
{
	for (size_t i = 0; i < s->damage.n; i++)
		free(s->damage.v[i].file);
	cprof_vec_free(&s->damage);
	cprof_vec_free(&s->clocks);
	cprof_tar_cleanup(s->tmpdir);
	s->tmpdir = NULL;
}
