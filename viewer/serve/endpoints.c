/*
 * Request -> capture -> model -> profile -> reply. One table row per
 * endpoint: its profile type, the sample type pprof shows first, whether
 * it records for `seconds` or only takes the state at the request, and
 * its line on the index page.
 */
#include "endpoints.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/profiles.h"
#include "capture.h"
#include "export/pprof.h"
#include "served.h"
#include "symbols/symbols.h"

#define MAX_SECONDS 3600
#define MAX_PROCS 256

enum kind {
	K_PROFILE, /* records for `seconds` (default def_seconds) */
	K_STATE,   /* the state at the request; `seconds` gives a delta */
	K_TRACE,
	K_TEXT, /* cmdline */
};

static const struct endpoint {
	const char *name;
	enum kind kind;
	enum cprof_profile_type type;
	const char *sample_type; /* NULL: the type's default */
	unsigned def_seconds;
	const char *help;
} endpoints[] = {
    {"allocs", K_STATE, CPROF_PROFILE_HEAP, "alloc_space", 0,
     "A sampling of memory allocations: the live sampled heap at the request (objects "
     "allocated before it included), alloc_space first. ?seconds=N: what was allocated in "
     "the next N seconds."},
    {"block", K_PROFILE, CPROF_PROFILE_SYNC, NULL, 10,
     "Stack traces that led to blocking on synchronization primitives (every wait kind), "
     "over ?seconds=N (default 10)."},
    {"cmdline", K_TEXT, CPROF_PROFILE_CPU, NULL, 0, "The command line of the served program."},
    {"goroutine", K_STATE, CPROF_PROFILE_GOROUTINE, NULL, 0,
     "Stack traces of all current threads. ?debug=1: plain text, the threads counted "
     "per stack; ?debug=2: plain text, one entry per thread with its state, what it "
     "waits for, for how long and who holds the lock."},
    {"heap", K_STATE, CPROF_PROFILE_HEAP, NULL, 0,
     "A sampling of memory allocations of live objects, at the request (objects allocated "
     "before it included). ?seconds=N: the delta over the next N seconds."},
    {"mutex", K_PROFILE, CPROF_PROFILE_MUTEX, NULL, 10,
     "Stack traces of holders of contended mutexes (the wait they caused), over ?seconds=N "
     "(default 10)."},
    {"profile", K_PROFILE, CPROF_PROFILE_CPU, NULL, 30,
     "CPU profile over ?seconds=N (default 30). `go tool pprof` it, then `top`."},
    {"region", K_PROFILE, CPROF_PROFILE_REGION, NULL, 10,
     "The flame graph of the program's tasks and regions (cprof/trace.h), over ?seconds=N "
     "(default 10)."},
    {"syscall", K_PROFILE, CPROF_PROFILE_SYSCALL, NULL, 10,
     "Stack traces of blocking calls (read, poll, sleep...), over ?seconds=N (default 10)."},
    {"threadcreate", K_STATE, CPROF_PROFILE_THREADS, NULL, 0,
     "Stack traces that led to the creation of the threads alive now."},
    {"trace", K_TRACE, CPROF_PROFILE_CPU, NULL, 1,
     "The CTF trace of the next ?seconds=N (default 1) as a tar archive: `cprof-trace "
     "stats|pprof|view FILE.tar`."},
};

static void reply_text(struct cprof_serve_reply *r, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void reply_text(struct cprof_serve_reply *r, unsigned status, const char *fmt, ...)
{
	va_list ap;
	int n;

	r->status = status;
	r->content_type = "text/plain; charset=utf-8";
	va_start(ap, fmt);
	n = vasprintf(&r->body, fmt, ap);
	va_end(ap);
	if (n < 0) {
		r->body = NULL;
		n = 0;
	}
	r->len = (size_t)n;
}

void cprof_serve_reply_free(struct cprof_serve_reply *reply)
{
	free(reply->body);
	reply->body = NULL;
	if (reply->fd >= 0)
		close(reply->fd);
	reply->fd = -1;
}

static void index_page(struct cprof_serve_reply *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (!out) {
		reply_text(r, 500, "out of memory\n");
		return;
	}
	fputs("<html><head><title>/debug/pprof/</title></head><body>\n"
	      "/debug/pprof/<br>\n<p>Profiles are in the format go tool pprof reads; "
	      "goroutine also as text (debug=1: threads per stack, debug=2: each "
	      "thread)</p>\n<p>Types of profiles available:</p>\n<table>\n",
	      out);
	for (size_t i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++)
		fprintf(out, "<tr><td><a href=\"%s%s\">%s</a></td><td>%s</td></tr>\n",
			endpoints[i].name,
			!strcmp(endpoints[i].name, "goroutine") ? "?debug=2" : "",
			endpoints[i].name, endpoints[i].help);
	fputs("</table>\n<p>These endpoints expose the program's internals (stacks, "
	      "memory, names): keep them on loopback or behind --token.</p>\n</body></html>\n",
	      out);
	fclose(out);
	r->status = 200;
	r->content_type = "text/html; charset=utf-8";
	r->body = buf;
	r->len = len;
}

/* ?seconds: a whole number in 1..3600; *given false when absent. */
static bool parse_seconds(const char *text, unsigned def, unsigned *seconds, bool *given)
{
	char *end;
	long v;

	*given = text != NULL;
	*seconds = def;
	if (!text)
		return true;
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < 1 || v > MAX_SECONDS)
		return false;
	*seconds = (unsigned)v;
	return true;
}

static void reply_profile(struct cprof_serve_reply *r, const struct endpoint *e,
			  const struct cprof_model *model, bool after_dump)
{
	struct cprof_symbolizer_options sopts = {.inline_frames = true};
	struct cprof_profile_filter filter = {.allow_empty = true};
	struct cprof_profiles_report report;
	struct cprof_symbolizer *sym = cprof_symbolizer_create(model, &sopts);
	struct cprof_profile *profile = NULL;
	uint8_t *raw = NULL, *gz = NULL;
	size_t rawlen, gzlen;

	if (!sym) {
		reply_text(r, 500, "out of memory\n");
		goto end;
	}
	/* The window starts at the state dump (a session prepared ahead may
	 * have begun its trace earlier), or after it for what happens next.
	 * The heap at the request is whatever is in use at its end: the
	 * blocks the dump found are placed at the trace's first instant. */
	if (after_dump && model->state_end_ns > model->begin_ns) {
		filter.has_from = true;
		filter.from_ns = model->state_end_ns - model->begin_ns;
	} else if (model->state_begin_ns > model->begin_ns && e->type != CPROF_PROFILE_HEAP) {
		filter.has_from = true;
		filter.from_ns = model->state_begin_ns - model->begin_ns;
	}
	if (cprof_profile_build(model, sym, e->type, &filter, &profile, &report) !=
	    CPROF_PROFILES_OK) {
		reply_text(r, 500, "%s profile: %s\n", e->name, report.text);
		goto end;
	}
	if (e->sample_type && cprof_profile_set_default_sample_type(profile, e->sample_type)) {
		reply_text(r, 500, "out of memory\n");
		goto end;
	}
	if (cprof_pprof_encode(profile, &raw, &rawlen) != CPROF_PPROF_OK ||
	    cprof_pprof_gzip(raw, rawlen, &gz, &gzlen) != CPROF_PPROF_OK) {
		reply_text(r, 500, "cannot encode the profile\n");
		goto end;
	}
	r->status = 200;
	r->content_type = "application/octet-stream";
	snprintf(r->disposition, sizeof(r->disposition), "attachment; filename=\"%s\"", e->name);
	r->body = (char *)gz;
	r->len = gzlen;
	gz = NULL;
end:
	free(raw);
	free(gz);
	cprof_profile_destroy(profile);
	cprof_symbolizer_destroy(sym);
}

static int add_to_archive(struct archive *a, const char *base, const char *path)
{
	struct archive_entry *entry = archive_entry_new();
	struct stat st;
	char buf[65536];
	ssize_t n;
	int fd, rc = -1;

	if (!entry || lstat(path, &st) != 0)
		goto end;
	archive_entry_copy_stat(entry, &st);
	archive_entry_copy_pathname(entry, path + strlen(base) + 1);
	if (archive_write_header(a, entry) != ARCHIVE_OK)
		goto end;
	rc = 0;
	if (!S_ISREG(st.st_mode))
		goto end;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -1;
		goto end;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (archive_write_data(a, buf, (size_t)n) != n) {
			rc = -1;
			break;
		}
	close(fd);
end:
	archive_entry_free(entry);
	return rc;
}

static struct archive *tar_out;
static const char *tar_base;

static int tar_walk(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	/* the model cache (reader/cache.h) is derived and rebuilt on demand */
	if (ftw->level == 0 || strstr(path, "/.cprof-cache"))
		return 0;
	return add_to_archive(tar_out, tar_base, path) ? -1 : 0;
}

/* The trace directory as an (unnamed) tar file: path names start with
 * trace/, so extracting it anywhere gives a trace directory. */
static void reply_tar(struct cprof_serve_reply *r, const struct cprof_capture *c)
{
	struct archive *a = archive_write_new();
	char path[300];
	int fd = -1;

	snprintf(path, sizeof(path), "%s/trace.tar", c->dir);
	if (!a || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_open_filename(a, path) != ARCHIVE_OK) {
		reply_text(r, 500, "cannot write the tar archive\n");
		goto end;
	}
	tar_out = a;
	tar_base = c->dir;
	if (nftw(c->trace, tar_walk, 16, FTW_PHYS) != 0 || archive_write_close(a) != ARCHIVE_OK) {
		reply_text(r, 500, "cannot write the tar archive: %s\n", archive_error_string(a));
		goto end;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		reply_text(r, 500, "cannot read the tar archive back\n");
		goto end;
	}
	r->status = 200;
	r->content_type = "application/x-tar";
	snprintf(r->disposition, sizeof(r->disposition), "attachment; filename=\"trace.tar\"");
	r->fd = fd;
end:
	if (a)
		archive_write_free(a);
}

static void reply_cmdline(struct cprof_serve_reply *r, int32_t pid)
{
	char path[64], buf[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n < 0) {
		reply_text(r, 410, "process %d has exited\n", (int)pid);
		return;
	}
	for (ssize_t i = 0; i < n; i++)
		if (!buf[i])
			buf[i] = '\n';
	buf[n] = '\0';
	reply_text(r, 200, "%s", buf);
}

static void capture_and_reply(const struct cprof_serve_target *t, const struct endpoint *e,
			      const struct cprof_serve_request *req, unsigned seconds,
			      bool seconds_given, int debug, struct cprof_serve_reply *r)
{
	int32_t pids[MAX_PROCS];
	struct cprof_capture_options opts = {
	    .pids = pids,
	    .channel = &t->channel,
	    .cancelled = req->cancelled,
	    .data = req->data,
	};
	struct cprof_capture *c = NULL;
	struct cprof_model *model = NULL;
	char err[1024];

	opts.npids = cprof_served_tree(t->root, pids, MAX_PROCS);
	if (e->kind != K_STATE || seconds_given)
		opts.duration_ns = (uint64_t)seconds * 1000000000u;
	if (e->type == CPROF_PROFILE_GOROUTINE)
		opts.dump_flags = CPROF_SERVED_ALL_STACKS;
	switch (cprof_capture_record(&opts, &c, err, sizeof(err))) {
	case CPROF_CAPTURE_OK:
		break;
	case CPROF_CAPTURE_CANCELED:
		reply_text(r, 499, "client closed the request\n");
		goto end;
	default:
		reply_text(r, 503, "cannot record: %s\n", err);
		goto end;
	}
	fprintf(stderr,
		"cprof-trace: %s: session started in %.0f ms, state of %zu process(es) in %.0f ms, "
		"ended in %.0f ms\n",
		e->name, (double)c->setup_ns / 1e6, c->answered, (double)c->dump_ns / 1e6,
		(double)c->teardown_ns / 1e6);
	if (kill(t->root, 0) != 0 && errno == ESRCH && !c->answered) {
		reply_text(r, 410, "process %d exited during the capture\n", (int)t->root);
		goto end;
	}
	if (e->kind == K_TRACE) {
		reply_tar(r, c);
		goto end;
	}
	model = cprof_capture_read(c, err, sizeof(err));
	if (!model) {
		reply_text(r, 503, "cannot read the capture: %s\n", err);
		goto end;
	}
	if (e->type == CPROF_PROFILE_GOROUTINE && debug > 0) {
		r->body = debug == 1 ? cprof_serve_thread_counts(model, &r->len)
				     : cprof_serve_thread_dump(model, &r->len);
		r->status = r->body ? 200 : 500;
		r->content_type = "text/plain; charset=utf-8";
		goto end;
	}
	reply_profile(r, e, model, e->kind == K_PROFILE || seconds_given);
end:
	cprof_model_destroy(model);
	cprof_capture_destroy(c);
}

void cprof_serve_handle(const struct cprof_serve_target *t, const struct cprof_serve_request *req,
			struct cprof_serve_reply *r)
{
	const struct endpoint *e = NULL;
	unsigned seconds;
	bool given;
	int debug = 0;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	if (!req->name[0]) {
		index_page(r);
		return;
	}
	for (size_t i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++)
		if (!strcmp(req->name, endpoints[i].name))
			e = &endpoints[i];
	if (!e) {
		reply_text(r, 404, "unknown profile: %s (see /debug/pprof/)\n", req->name);
		return;
	}
	if (!parse_seconds(req->seconds, e->def_seconds, &seconds, &given)) {
		reply_text(r, 400, "seconds=%s: not a whole number of seconds from 1 to %d\n",
			   req->seconds, MAX_SECONDS);
		return;
	}
	if (req->debug) {
		char *end;
		long v = strtol(req->debug, &end, 10);

		if (*end || end == req->debug || v < 0 || v > 2) {
			reply_text(r, 400, "debug=%s: must be 0, 1 or 2\n", req->debug);
			return;
		}
		debug = (int)v;
	}
	/* Go's legacy text of the other profiles is not served: a profile
	 * where text was asked for would be gzip on a terminal */
	if (debug && e->type != CPROF_PROFILE_GOROUTINE && e->kind != K_TEXT) {
		reply_text(r, 400,
			   "debug=%d: text is served for goroutine only (debug=1: threads per "
			   "stack, debug=2: each thread); read %s with go tool pprof\n",
			   debug, e->name);
		return;
	}
	if (kill(t->root, 0) != 0 && errno == ESRCH) {
		reply_text(r, 410, "process %d has exited\n", (int)t->root);
		return;
	}
	if (e->kind == K_TEXT) {
		reply_cmdline(r, t->root);
		return;
	}
	capture_and_reply(t, e, req, seconds, given, debug, r);
}
