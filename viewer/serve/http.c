/*
 * libmicrohttpd glue: routing, authentication, query parameters, the
 * client-gone check, and the one-capture-at-a-time rule.
 */
#include "http.h"

#include "capture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#define PREFIX "/debug/pprof"

struct cprof_http {
	struct MHD_Daemon *daemon;
	const struct cprof_serve_target *target;
	const char *token;
	char url[512];
	pthread_mutex_t busy;
	char busy_with[128]; /* what the capture in progress is, for 409 */
};

static bool split_listen(const char *listen, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *colon;

	if (listen[0] == '[') {
		const char *end = strchr(listen, ']');

		if (!end || end[1] != ':' || (size_t)(end - listen) > hostlen)
			return false;
		snprintf(host, hostlen, "%.*s", (int)(end - listen - 1), listen + 1);
		colon = end + 1;
	} else {
		colon = strrchr(listen, ':');
		if (!colon || (size_t)(colon - listen) >= hostlen)
			return false;
		snprintf(host, hostlen, "%.*s", (int)(colon - listen), listen);
	}
	snprintf(port, portlen, "%s", colon + 1);
	return port[0] != '\0';
}

static struct addrinfo *resolve(const char *listen)
{
	struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
				 .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	char host[256], port[32];

	if (!split_listen(listen, host, sizeof(host), port, sizeof(port)))
		return NULL;
	if (getaddrinfo(host[0] ? host : NULL, port, &hints, &res) != 0)
		return NULL;
	return res;
}

static bool addr_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return false;
}

bool cprof_http_is_loopback(const char *listen)
{
	struct addrinfo *res = resolve(listen);
	bool all = res != NULL;

	for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
		all = all && addr_is_loopback(ai->ai_addr);
	if (res)
		freeaddrinfo(res);
	return all;
}

/* serve is stopping (its program exited): captures in progress end now. */
static bool stopping;

/* The client closed its end: no reply will be read, stop the capture. */
static bool client_gone(void *data)
{
	struct MHD_Connection *conn = data;
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct pollfd p;
	char c;

	if (__atomic_load_n(&stopping, __ATOMIC_ACQUIRE))
		return true;
	if (!info)
		return false;
	p.fd = info->connect_fd;
	p.events = POLLIN | POLLRDHUP;
	if (poll(&p, 1, 0) <= 0)
		return false;
	if (p.revents & (POLLRDHUP | POLLHUP | POLLERR))
		return true;
	return recv(p.fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, struct cprof_serve_reply *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (r->status >= 500 && r->body)
		fprintf(stderr, "cprof-trace: HTTP %u: %.*s", r->status, (int)r->len, r->body);
	if (r->fd >= 0) {
		struct stat st;

		if (fstat(r->fd, &st) != 0) {
			cprof_serve_reply_free(r);
			return MHD_NO;
		}
		resp = MHD_create_response_from_fd((uint64_t)st.st_size, r->fd);
		r->fd = -1; /* the response closes it */
	} else {
		resp = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
		r->body = NULL;
	}
	cprof_serve_reply_free(r);
	if (!resp)
		return MHD_NO;
	if (r->content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	if (r->disposition[0])
		MHD_add_response_header(resp, "Content-Disposition", r->disposition);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(conn, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result text(struct MHD_Connection *conn, unsigned status, const char *msg)
{
	struct cprof_serve_reply r = {
	    .status = status, .content_type = "text/plain; charset=utf-8", .fd = -1};

	r.body = strdup(msg);
	r.len = r.body ? strlen(r.body) : 0;
	return send_reply(conn, &r);
}

/* Constant time: the comparison says nothing of how much of a guess matched. */
static bool token_ok(const struct cprof_http *h, struct MHD_Connection *conn)
{
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
	size_t n = strlen(h->token), m;
	unsigned char diff = 0;

	if (!auth || strncmp(auth, "Bearer ", 7) != 0)
		return false;
	auth += 7;
	m = strlen(auth);
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)h->token[i] ^ (unsigned char)(i < m ? auth[i] : 0);
	return diff == 0 && m == n;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_size, void **state)
{
	static int first;
	struct cprof_http *h = cls;
	struct cprof_serve_request req = {.cancelled = client_gone, .data = conn};
	struct cprof_serve_reply reply;
	const char *name;

	(void)version;
	(void)upload_data;
	if (!*state) {
		*state = &first;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return text(conn, 405, "only GET and HEAD\n");
	if (h->token && !token_ok(h, conn))
		return text(conn, 401, "missing or wrong Authorization: Bearer token\n");
	if (strncmp(url, PREFIX, strlen(PREFIX)) ||
	    (url[strlen(PREFIX)] && url[strlen(PREFIX)] != '/'))
		return text(conn, 404, "not found (the profiles are under /debug/pprof/)\n");
	name = url + strlen(PREFIX);
	if (*name == '/')
		name++;
	req.name = name;
	req.seconds = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "seconds");
	req.debug = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "debug");
	if (!name[0] || !strcmp(name, "cmdline")) {
		cprof_serve_handle(h->target, &req, &reply);
		return send_reply(conn, &reply);
	}
	if (pthread_mutex_trylock(&h->busy) != 0) {
		char msg[256];

		snprintf(msg, sizeof(msg),
			 "another capture is in progress (%s); one at a time: retry when it ends\n",
			 h->busy_with);
		return text(conn, 409, msg);
	}
	snprintf(h->busy_with, sizeof(h->busy_with), "%s%s%s", name, req.seconds ? "?seconds=" : "",
		 req.seconds ? req.seconds : "");
	cprof_serve_handle(h->target, &req, &reply);
	pthread_mutex_unlock(&h->busy);
	return send_reply(conn, &reply);
}

struct cprof_http *cprof_http_start(const char *listen, const char *token,
				    const struct cprof_serve_target *target, char *err,
				    size_t errlen)
{
	struct cprof_http *h = calloc(1, sizeof(*h));
	struct addrinfo *res = NULL;
	const union MHD_DaemonInfo *info;
	char host[256], port[32];

	if (!h) {
		snprintf(err, errlen, "out of memory");
		goto error;
	}
	h->target = target;
	h->token = token;
	pthread_mutex_init(&h->busy, NULL);
	res = resolve(listen);
	if (!res) {
		snprintf(err, errlen, "--listen %s: not HOST:PORT with a numeric port", listen);
		goto error;
	}
	h->daemon =
	    MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
				 (res->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0),
			     0, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, res->ai_addr,
			     MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
			     32u, MHD_OPTION_CONNECTION_TIMEOUT, 120u, MHD_OPTION_END);
	if (!h->daemon) {
		snprintf(
		    err, errlen,
		    "--listen %s: cannot listen there (in use, or not an address of this machine?)",
		    listen);
		goto error;
	}
	info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	split_listen(listen, host, sizeof(host), port, sizeof(port));
	snprintf(h->url, sizeof(h->url), "http://%s%s%s:%u" PREFIX "/",
		 res->ai_family == AF_INET6 ? "[" : "", host, res->ai_family == AF_INET6 ? "]" : "",
		 info ? (unsigned)info->port : 0);
	freeaddrinfo(res);
	{
		int32_t pids[256];
		struct cprof_capture_options ahead = {.pids = pids, .channel = &target->channel};

		ahead.npids = cprof_served_tree(target->root, pids, 256);
		cprof_capture_prepare_ahead(&ahead);
	}
	return h;
error:
	if (res)
		freeaddrinfo(res);
	free(h);
	return NULL;
}

const char *cprof_http_url(const struct cprof_http *http)
{
	return http->url;
}

void cprof_http_stop(struct cprof_http *http)
{
	if (!http)
		return;
	__atomic_store_n(&stopping, true, __ATOMIC_RELEASE);
	MHD_stop_daemon(http->daemon);
	cprof_capture_drop_standby();
	pthread_mutex_destroy(&http->busy);
	free(http);
}
