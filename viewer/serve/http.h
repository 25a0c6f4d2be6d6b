/*
 * The HTTP side of `cprof-trace serve` (libmicrohttpd): one thread per
 * connection, so that a 30-second profile holds only its own client;
 * GET/HEAD under /debug/pprof/ only; a Bearer token when one is set. One
 * capture at a time: a request arriving while another records is refused
 * with 409 and says which.
 *
 * Ownership: cprof_http_start() returns a server the caller stops with
 * cprof_http_stop(); `target` and `token` must outlive it.
 */
#ifndef CPROF_SERVE_HTTP_H
#define CPROF_SERVE_HTTP_H

#include "endpoints.h"

struct cprof_http;

/* listen: "HOST:PORT" (IPv6 as [ADDR]:PORT). token NULL: none. err gets
 * one sentence on failure. */
struct cprof_http *cprof_http_start(const char *listen, const char *token,
				    const struct cprof_serve_target *target, char *err,
				    size_t errlen);
/* The URL of the index, for the user. */
const char *cprof_http_url(const struct cprof_http *http);
void cprof_http_stop(struct cprof_http *http);

/* Whether HOST:PORT names a loopback address (false when unparsable). */
bool cprof_http_is_loopback(const char *listen);

#endif /* CPROF_SERVE_HTTP_H */
