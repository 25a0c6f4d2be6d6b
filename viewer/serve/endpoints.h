/*
 * The /debug/pprof/ endpoints, with Go's names and meanings (net/http/pprof)
 * so that `go tool pprof http://HOST:PORT/debug/pprof/NAME` works unchanged:
 * each request is one capture (capture.h) turned into a gzip pprof profile
 * as `cprof-trace pprof` writes, a text dump, a tar of the trace or the
 * HTML index. Transport-free: http.c feeds requests in and sends replies.
 *
 * Ownership: cprof_serve_reply_free() frees what a reply holds.
 */
#ifndef CPROF_SERVE_ENDPOINTS_H
#define CPROF_SERVE_ENDPOINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "session.h"

struct cprof_serve_target {
	int32_t root; /* the served process */
	struct cprof_session_channel channel;
};

struct cprof_serve_request {
	const char *name;	       /* path after /debug/pprof/ ("" for the index) */
	const char *seconds, *debug;   /* query parameters, NULL when absent */
	bool (*cancelled)(void *data); /* the client went away */
	void *data;
};

struct cprof_serve_reply {
	unsigned status; /* HTTP status */
	const char *content_type;
	char *body; /* malloc'd */
	size_t len;
	int fd; /* >= 0: send this file instead of body (closed by the sender) */
	char disposition[128];
};

void cprof_serve_handle(const struct cprof_serve_target *target,
			const struct cprof_serve_request *req, struct cprof_serve_reply *reply);
void cprof_serve_reply_free(struct cprof_serve_reply *reply);

/* The goroutine?debug=2 text of a model's last state dump (goroutine_text.c). */
char *cprof_serve_thread_dump(const struct cprof_model *model, size_t *len);
/* goroutine?debug=1: Go's count format, the threads grouped by stack. */
char *cprof_serve_thread_counts(const struct cprof_model *model, size_t *len);

#endif /* CPROF_SERVE_ENDPOINTS_H */
