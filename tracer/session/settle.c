/*
 * When a destroyed session's trace is complete on disk (see settle.h).
 *
 * lttng-tools 2.13 confirms a session's destruction only after the "quiet
 * rotation" that ends it, whose completion it checks on a 500 ms timer:
 * half a second of every `record`. lttng_data_pending() returning 0 after
 * the stop is not enough to read the trace without any wait (packets and
 * metadata were found missing under load). What the rotation does for
 * each stream, once everything up to its end is written, is to close the
 * stream's files: the consumer daemon's last close of every stream, index
 * and metadata file, seen with inotify (IN_CLOSE_WRITE), says the trace is
 * complete. Here it came within a millisecond or two of the destruction
 * request, the confirmation 500 ms later.
 */
#include "settle.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FILES_MAX 1024

struct watched {
	int wd;
	char name[NAME_MAX + 1];
	bool closed;
};

struct cprof_settle {
	int fd;
	size_t count, open;
	struct watched files[FILES_MAX];
};

/* Every file of a directory of the trace, watched for its last close. */
static bool watch_dir(struct cprof_settle *s, const char *dir, int depth)
{
	DIR *d;
	struct dirent *e;
	int wd;
	bool ok = true;

	if (depth > 8)
		return true;
	wd = inotify_add_watch(s->fd, dir, IN_CLOSE_WRITE | IN_ONLYDIR);
	d = wd < 0 ? NULL : opendir(dir);
	if (!d)
		return false;
	while (ok && (e = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path) ||
		    lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			ok = watch_dir(s, path, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			if (s->count == FILES_MAX) {
				ok = false;
				break;
			}
			s->files[s->count].wd = wd;
			snprintf(s->files[s->count].name, sizeof(s->files[0].name), "%s",
				 e->d_name);
			s->count++;
		}
	}
	closedir(d);
	return ok;
}

struct cprof_settle *cprof_settle_watch(const char *output_dir)
{
	struct cprof_settle *s = calloc(1, sizeof(*s));
	char ust[PATH_MAX];

	if (!s)
		return NULL;
	s->fd = -1;
	s->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (s->fd < 0)
		goto error;
	/* the streams LTTng writes: ust/uid/UID/BITS-bit/ and its index/ */
	if (snprintf(ust, sizeof(ust), "%s/ust", output_dir) >= (int)sizeof(ust) ||
	    !watch_dir(s, ust, 0) || s->count == 0)
		goto error;
	s->open = s->count;
	return s;
error:
	cprof_settle_free(s);
	return NULL;
}

static void mark_closed(struct cprof_settle *s, const struct inotify_event *ev)
{
	for (size_t i = 0; i < s->count; i++) {
		struct watched *w = &s->files[i];

		if (!w->closed && w->wd == ev->wd && ev->len && strcmp(w->name, ev->name) == 0) {
			w->closed = true;
			s->open--;
		}
	}
}

static long ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

bool cprof_settle_wait(struct cprof_settle *s, int timeout_ms)
{
	_Alignas(struct inotify_event) char buf[16 * 1024];
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (s->open > 0) {
		struct pollfd p = {.fd = s->fd, .events = POLLIN};
		long left = timeout_ms - ms_since(&t0);
		ssize_t n;

		if (left <= 0)
			break;
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			break;
		while ((n = read(s->fd, buf, sizeof(buf))) > 0) {
			for (char *at = buf; at < buf + n;) {
				const struct inotify_event *ev = (const struct inotify_event *)at;

				mark_closed(s, ev);
				at += sizeof(*ev) + ev->len;
			}
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			break;
	}
	return s->open == 0;
}

void cprof_settle_free(struct cprof_settle *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}
