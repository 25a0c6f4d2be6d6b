#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

#define MAX_REQUEST (1024 * 1024)

int http_buf_append(struct http_buf *b, const void *data, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 256;
		char *nd;

		while (ncap < b->len + n + 1)
			ncap *= 2;
		nd = realloc(b->data, ncap);
		if (!nd)
			return -1;
		b->data = nd;
		b->cap = ncap;
	}
	memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = 0;
	return 0;
}

int http_buf_printf(struct http_buf *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof(small))
		return http_buf_append(b, small, (size_t)n);
	{
		char *big = malloc((size_t)n + 1);
		int rc;

		if (!big)
			return -1;
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		rc = http_buf_append(b, big, (size_t)n);
		free(big);
		return rc;
	}
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads more bytes into b; 0 on EOF, -1 on error. */
static ssize_t recv_more(int fd, struct http_buf *b)
{
	ssize_t r;

	if (b->cap - b->len < 4096) {
		size_t ncap = b->cap ? b->cap * 2 : 16384;
		char *nd = realloc(b->data, ncap);

		if (!nd)
			return -1;
		b->data = nd;
		b->cap = ncap;
	}
	do
		r = recv(fd, b->data + b->len, b->cap - b->len - 1, 0);
	while (r < 0 && errno == EINTR);
	if (r > 0) {
		b->len += (size_t)r;
		b->data[b->len] = 0;
	}
	return r;
}

static const char *find_header_end(const struct http_buf *b)
{
	return b->len ? memmem(b->data, b->len, "\r\n\r\n", 4) : NULL;
}

/* The value of header `name` within [p, end), or NULL. */
static const char *header_value(const char *p, const char *end, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);

	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);

		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
			const char *v = p + nl + 1;

			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			*vlen = (size_t)(eol - v);
			return v;
		}
		p = eol + 2;
	}
	return NULL;
}

struct http_server {
	const char *prog;
	int fd, port;
	pthread_t acceptor;
	const struct http_route *routes;
	size_t nroutes;
	int active; /* open connections */
	int next_id;
	volatile int stopping;
};

struct conn {
	struct http_server *srv;
	int fd, id;
};

enum parse_status { PARSE_OK, PARSE_EOF, PARSE_BAD };

/*
 * Reads one request from the connection into rbuf and fills req; *used is
 * how many bytes of rbuf it spans.
 */
static SAMPLE_FRAME enum parse_status parse_request(int fd, struct http_buf *rbuf,
						    struct http_request *req, size_t *used,
						    int *keep_alive)
{
	const char *hend, *line_end, *sp1, *sp2, *v;
	size_t hlen, vlen, clen = 0;

	while (!(hend = find_header_end(rbuf))) {
		if (rbuf->len > MAX_REQUEST)
			return PARSE_BAD;
		if (recv_more(fd, rbuf) <= 0)
			return PARSE_EOF;
	}
	hlen = (size_t)(hend - rbuf->data) + 4;
	line_end = memmem(rbuf->data, hlen, "\r\n", 2);
	sp1 = memchr(rbuf->data, ' ', (size_t)(line_end - rbuf->data));
	sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(line_end - sp1 - 1)) : NULL;
	if (!sp1 || !sp2 || (size_t)(sp1 - rbuf->data) >= sizeof(req->method) ||
	    (size_t)(sp2 - sp1 - 1) >= sizeof(req->path))
		return PARSE_BAD;
	memcpy(req->method, rbuf->data, (size_t)(sp1 - rbuf->data));
	req->method[sp1 - rbuf->data] = 0;
	memcpy(req->path, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	req->path[sp2 - sp1 - 1] = 0;
	/* HTTP/1.1 keeps the connection unless told otherwise; 1.0 closes. */
	*keep_alive = strncmp(sp2 + 1, "HTTP/1.1", 8) == 0;
	v = header_value(line_end + 2, hend + 2, "Connection", &vlen);
	if (v && vlen == 5 && strncasecmp(v, "close", 5) == 0)
		*keep_alive = 0;
	else if (v && vlen == 10 && strncasecmp(v, "keep-alive", 10) == 0)
		*keep_alive = 1;
	v = header_value(line_end + 2, hend + 2, "Content-Length", &vlen);
	if (v) {
		clen = strtoul(v, NULL, 10);
		if (clen > MAX_REQUEST)
			return PARSE_BAD;
	}
	while (rbuf->len < hlen + clen)
		if (recv_more(fd, rbuf) <= 0)
			return PARSE_EOF;
	req->body = rbuf->data + hlen;
	req->body_len = clen;
	*used = hlen + clen;
	return PARSE_OK;
}

static const char *status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	default:
		return "Internal Server Error";
	}
}

static SAMPLE_FRAME void route_request(struct http_server *srv, const struct http_request *req,
				       struct http_response *resp)
{
	bool path_found = false;

	for (size_t i = 0; i < srv->nroutes; i++) {
		const struct http_route *r = &srv->routes[i];

		if (strcmp(r->path, req->path) != 0)
			continue;
		path_found = true;
		if (r->method && strcmp(r->method, req->method) != 0)
			continue;
		resp->status = 200;
		r->fn(req, resp);
		return;
	}
	resp->status = path_found ? 405 : 404;
	http_buf_printf(&resp->body, "%s\n", status_text(resp->status));
}

static SAMPLE_FRAME int write_response(int fd, struct http_response *resp, int keep_alive)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s\r\n",
			 resp->status, status_text(resp->status),
			 resp->content_type ? resp->content_type : "text/plain; charset=utf-8",
			 resp->body.len, keep_alive ? "" : "Connection: close\r\n");

	/* Header and body in one segment: two small writes would meet the
	 * client's delayed ACK and Nagle's algorithm and cost 40 ms. */
	if (resp->body.len < 64 * 1024) {
		char buf[256 + 64 * 1024];

		memcpy(buf, head, (size_t)n);
		if (resp->body.len)
			memcpy(buf + n, resp->body.data, resp->body.len);
		return send_all(fd, buf, (size_t)n + resp->body.len);
	}
	if (send_all(fd, head, (size_t)n) != 0)
		return -1;
	return send_all(fd, resp->body.data, resp->body.len);
}

static SAMPLE_FRAME void *serve_conn(void *arg)
{
	struct conn *c = arg;
	struct http_server *srv = c->srv;
	struct http_buf rbuf = {0};
	int one = 1;

	sample_name_thread("conn-%d", c->id);
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (;;) {
		struct http_request req = {{0}};
		struct http_response resp = {0};
		enum parse_status ps;
		cprof_region reg;
		int keep_alive = 0, wrc;
		size_t used = 0;

		/* Waiting for the next request on an idle keep-alive
		 * connection is not part of any request. */
		if (rbuf.len == 0 && recv_more(c->fd, &rbuf) <= 0)
			break;
		req.task = cprof_task_begin(NULL, "request");
		reg = cprof_region_begin(req.task, "parse");
		ps = parse_request(c->fd, &rbuf, &req, &used, &keep_alive);
		cprof_region_end(&reg);
		if (ps == PARSE_EOF) {
			cprof_log(req.task, "error", "connection closed mid-request");
			cprof_task_end(req.task);
			break;
		}
		reg = cprof_region_begin(req.task, "handle");
		if (ps == PARSE_OK) {
			route_request(srv, &req, &resp);
		} else {
			resp.status = 400;
			keep_alive = 0;
			http_buf_printf(&resp.body, "bad request\n");
		}
		cprof_region_end(&reg);
		reg = cprof_region_begin(req.task, "write");
		wrc = write_response(c->fd, &resp, keep_alive);
		cprof_region_end(&reg);
		cprof_logf(req.task, "access", "%s %s %d %zu", req.method, req.path, resp.status,
			   resp.body.len);
		cprof_task_end(req.task);
		free(resp.body.data);
		if (wrc != 0 || !keep_alive)
			break;
		memmove(rbuf.data, rbuf.data + used, rbuf.len - used);
		rbuf.len -= used;
	}
	free(rbuf.data);
	close(c->fd);
	__atomic_sub_fetch(&srv->active, 1, __ATOMIC_RELAXED);
	free(c);
	return NULL;
}

static SAMPLE_FRAME void *accept_loop(void *arg)
{
	struct http_server *srv = arg;
	pthread_attr_t attr;

	sample_name_thread("accept");
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	while (!srv->stopping) {
		int fd = accept(srv->fd, NULL, NULL);
		struct conn *c;
		pthread_t th;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (!srv->stopping)
				fprintf(stderr, "%s: accept: %s\n", srv->prog, strerror(errno));
			break;
		}
		c = malloc(sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->srv = srv;
		c->fd = fd;
		c->id = srv->next_id++;
		__atomic_add_fetch(&srv->active, 1, __ATOMIC_RELAXED);
		if (pthread_create(&th, &attr, serve_conn, c) != 0) {
			__atomic_sub_fetch(&srv->active, 1, __ATOMIC_RELAXED);
			close(fd);
			free(c);
		}
	}
	pthread_attr_destroy(&attr);
	return NULL;
}

struct http_server *http_server_start(const char *prog, int port, const struct http_route *routes,
				      size_t nroutes)
{
	struct http_server *srv = calloc(1, sizeof(*srv));
	struct sockaddr_in sa = {0};
	socklen_t salen = sizeof(sa);
	int one = 1;

	if (!srv)
		return NULL;
	srv->prog = prog;
	srv->routes = routes;
	srv->nroutes = nroutes;
	srv->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv->fd < 0)
		goto error;
	setsockopt(srv->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if (bind(srv->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(srv->fd, 128) != 0 ||
	    getsockname(srv->fd, (struct sockaddr *)&sa, &salen) != 0)
		goto error;
	srv->port = ntohs(sa.sin_port);
	if (pthread_create(&srv->acceptor, NULL, accept_loop, srv) != 0)
		goto error;
	return srv;
error:
	fprintf(stderr, "%s: cannot listen on 127.0.0.1:%d: %s\n", prog, port, strerror(errno));
	if (srv->fd >= 0)
		close(srv->fd);
	free(srv);
	return NULL;
}

int http_server_port(const struct http_server *s)
{
	return s->port;
}

void http_server_stop(struct http_server *s)
{
	uint64_t deadline = sample_now_ns() + 1000000000u;

	s->stopping = 1;
	/* shutdown() wakes the thread blocked in accept(); close() alone
	 * would not. */
	shutdown(s->fd, SHUT_RDWR);
	pthread_join(s->acceptor, NULL);
	close(s->fd);
	while (__atomic_load_n(&s->active, __ATOMIC_RELAXED) > 0 && sample_now_ns() < deadline)
		sample_sleep_ns(5000000);
	/* Connections still open belong to outside clients: leave them to
	 * exit(). */
	if (__atomic_load_n(&s->active, __ATOMIC_RELAXED) == 0)
		free(s);
}

/* Latency histogram: 1 us buckets below 2048 us, then 64 per octave. */
#define HIST_BUCKETS (2048 + 64 * 40)

static size_t hist_bucket(uint64_t us)
{
	int msb;

	if (us < 2048)
		return (size_t)us;
	msb = 63 - __builtin_clzll(us);
	return 2048 + 64 * (size_t)(msb - 11) + (size_t)((us >> (msb - 6)) & 63);
}

static double hist_value_ms(size_t b)
{
	size_t octave, sub;

	if (b < 2048)
		return (double)b / 1000.0;
	octave = (b - 2048) / 64 + 11;
	sub = (b - 2048) % 64;
	return (double)((64 + sub) << (octave - 6)) / 1000.0;
}

struct load_state {
	const struct http_load *load;
	long issued;
	uint64_t deadline;
	uint64_t ok, errors;
	uint64_t hist[HIST_BUCKETS];
	pthread_mutex_t mu; /* guards ok, errors and hist at thread end */
};

struct load_thread {
	struct load_state *st;
	int id;
};

static int connect_loopback(int port)
{
	struct sockaddr_in sa = {0};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Reads one response; returns its status, -1 on error. */
static int read_response(int fd, struct http_buf *b)
{
	const char *hend, *v;
	size_t hlen, vlen, clen = 0;
	int status;

	while (!(hend = find_header_end(b)))
		if (b->len > MAX_REQUEST || recv_more(fd, b) <= 0)
			return -1;
	hlen = (size_t)(hend - b->data) + 4;
	if (sscanf(b->data, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	v = header_value(b->data, hend + 2, "Content-Length", &vlen);
	if (v)
		clen = strtoul(v, NULL, 10);
	while (b->len < hlen + clen)
		if (recv_more(fd, b) <= 0)
			return -1;
	memmove(b->data, b->data + hlen + clen, b->len - hlen - clen);
	b->len -= hlen + clen;
	return status;
}

static void *load_thread(void *arg)
{
	struct load_thread *lt = arg;
	struct load_state *st = lt->st;
	const struct http_load *load = st->load;
	uint64_t *hist = calloc(HIST_BUCKETS, sizeof(*hist)), ok = 0, errors = 0;
	struct http_buf req = {0}, rbuf = {0};
	size_t blen = load->body ? strlen(load->body) : 0;
	int fd = -1;

	sample_name_thread("load-%d", lt->id);
	if (!hist)
		return NULL;
	http_buf_printf(&req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n", load->method, load->path,
			load->port);
	if (load->body)
		http_buf_printf(&req, "Content-Type: application/json\r\nContent-Length: %zu\r\n",
				blen);
	http_buf_append(&req, "\r\n", 2);
	if (load->body)
		http_buf_append(&req, load->body, blen);
	while (sample_running()) {
		uint64_t t0;
		int status;

		if (load->requests &&
		    __atomic_fetch_add(&st->issued, 1, __ATOMIC_RELAXED) >= load->requests)
			break;
		if (st->deadline && sample_now_ns() >= st->deadline)
			break;
		if (fd < 0) {
			rbuf.len = 0;
			fd = connect_loopback(load->port);
			if (fd < 0) {
				errors++;
				sample_sleep_ns(10000000);
				continue;
			}
		}
		t0 = sample_now_ns();
		if (send_all(fd, req.data, req.len) != 0 ||
		    (status = read_response(fd, &rbuf)) < 0) {
			errors++;
			close(fd);
			fd = -1;
			continue;
		}
		if (status == 200)
			ok++;
		else
			errors++;
		hist[hist_bucket((sample_now_ns() - t0) / 1000u)]++;
	}
	if (fd >= 0)
		close(fd);
	pthread_mutex_lock(&st->mu);
	st->ok += ok;
	st->errors += errors;
	for (size_t i = 0; i < HIST_BUCKETS; i++)
		st->hist[i] += hist[i];
	pthread_mutex_unlock(&st->mu);
	free(hist);
	free(req.data);
	free(rbuf.data);
	return NULL;
}

static double hist_percentile(const uint64_t *hist, uint64_t total, double p)
{
	uint64_t want = (uint64_t)(p * (double)total), seen = 0;

	for (size_t i = 0; i < HIST_BUCKETS; i++) {
		seen += hist[i];
		if (seen > want)
			return hist_value_ms(i);
	}
	return 0;
}

int http_load_run(const struct http_load *load, struct http_load_result *res)
{
	struct load_state *st = calloc(1, sizeof(*st));
	struct load_thread *lts = calloc((size_t)load->conc, sizeof(*lts));
	pthread_t *th = calloc((size_t)load->conc, sizeof(*th));
	uint64_t t0 = sample_now_ns(), total;
	int started = 0;

	if (!st || !lts || !th) {
		free(st);
		free(lts);
		free(th);
		return -1;
	}
	st->load = load;
	pthread_mutex_init(&st->mu, NULL);
	if (load->seconds > 0)
		st->deadline = t0 + (uint64_t)(load->seconds * 1e9);
	for (int i = 0; i < load->conc; i++) {
		lts[i].st = st;
		lts[i].id = i;
		if (pthread_create(&th[started], NULL, load_thread, &lts[i]) == 0)
			started++;
	}
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	total = st->ok + st->errors;
	memset(res, 0, sizeof(*res));
	res->ok = st->ok;
	res->errors = st->errors;
	res->seconds = (double)(sample_now_ns() - t0) / 1e9;
	res->p50_ms = hist_percentile(st->hist, total, 0.50);
	res->p90_ms = hist_percentile(st->hist, total, 0.90);
	res->p99_ms = hist_percentile(st->hist, total, 0.99);
	for (size_t i = HIST_BUCKETS; i-- > 0;) {
		if (st->hist[i]) {
			res->max_ms = hist_value_ms(i);
			break;
		}
	}
	free(st);
	free(lts);
	free(th);
	return started == load->conc ? 0 : -1;
}

void http_load_print(const char *prog, const struct http_load *load,
		     const struct http_load_result *res)
{
	fprintf(stderr,
		"%s: load %s %s: %llu ok, %llu errors in %.2f s (%.0f req/s) with %d connections; "
		"latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
		prog, load->method, load->path, (unsigned long long)res->ok,
		(unsigned long long)res->errors, res->seconds,
		res->seconds > 0 ? (double)(res->ok + res->errors) / res->seconds : 0, load->conc,
		res->p50_ms, res->p90_ms, res->p99_ms, res->max_ms);
}

int http_serve(const char *prog, const struct http_route *routes, size_t nroutes, int port,
	       int default_port, const char *what, struct http_load *load, double seconds)
{
	struct http_load_result res;
	struct http_server *srv;
	int rc = 0;

	srv = http_server_start(prog, port >= 0 ? port : load ? 0 : default_port, routes, nroutes);
	if (!srv)
		return -1;
	fprintf(stderr, "%s: listening on http://127.0.0.1:%d%s\n", prog, http_server_port(srv),
		what);
	if (load) {
		load->port = http_server_port(srv);
		load->seconds = seconds;
		if (http_load_run(load, &res) != 0 || res.errors)
			rc = 1;
		http_load_print(prog, load, &res);
	} else {
		sample_wait(seconds);
	}
	http_server_stop(srv);
	return rc;
}
