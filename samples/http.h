/*
 * A small HTTP/1.1 server and load generator for the networked samples
 * (netapp, jsonserver): plain sockets on loopback, one thread per
 * connection, keep-alive. Each request is a cprof task `request` with the
 * regions `parse`, `handle` and `write`, and an access log entry, which is
 * what a real server's instrumentation would give.
 */
#ifndef SAMPLES_HTTP_H
#define SAMPLES_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <cprof/trace.h>

struct http_buf {
	char *data;
	size_t len, cap;
};

int http_buf_append(struct http_buf *b, const void *data, size_t n);
int http_buf_printf(struct http_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct http_request {
	char method[16];
	char path[256];
	const char *body; /* borrowed, body_len bytes, not NUL-terminated */
	size_t body_len;
	cprof_task *task; /* the request's task, for the handler's own regions */
};

struct http_response {
	int status;
	const char *content_type;
	struct http_buf body; /* the server frees it */
};

typedef void (*http_handler_fn)(const struct http_request *req, struct http_response *resp);

struct http_route {
	const char *method; /* NULL: any */
	const char *path;
	http_handler_fn fn;
};

struct http_server;

/* Listens on 127.0.0.1:port (0: any free port) and serves in the
 * background. Returns NULL and prints why on failure. */
struct http_server *http_server_start(const char *prog, int port, const struct http_route *routes,
				      size_t nroutes);
int http_server_port(const struct http_server *s);
/* Stops accepting, waits up to a second for open connections to close. */
void http_server_stop(struct http_server *s);

struct http_load {
	int port;
	const char *method;
	const char *path;
	const char *body; /* NULL: none */
	long requests;	  /* total, 0: until stopped */
	int conc;	  /* connections, one thread each */
	double seconds;	  /* 0: no time bound */
};

struct http_load_result {
	uint64_t ok, errors;
	double seconds;
	double p50_ms, p90_ms, p99_ms, max_ms;
};

/* Runs the load to completion (or until sample_stop()) and reports. */
int http_load_run(const struct http_load *load, struct http_load_result *res);
void http_load_print(const char *prog, const struct http_load *load,
		     const struct http_load_result *res);

/*
 * The networked samples' main: serves `routes` on 127.0.0.1:port (port < 0:
 * `default_port`, or any free port when there is a load), says where
 * ("PROG: listening on http://127.0.0.1:PORT" + `what`), then runs `load`
 * (NULL: none) against itself, or serves for `seconds` (0: until SIGINT).
 * Returns -1 when the server cannot start, 1 when the load failed, else 0.
 */
int http_serve(const char *prog, const struct http_route *routes, size_t nroutes, int port,
	       int default_port, const char *what, struct http_load *load, double seconds);

#endif
