/*
 * jsonserver: the seeds' http/pprof service in C. POST /sendjson builds a
 * struct value, marshals it to JSON and sends that as the response; the
 * built-in load generator plays `hey -m POST -c 8 -n 1000000`:
 *
 *   cprof-trace record -o json.out -- jsonserver --load 100000 --conc 8
 *
 * Each request is a task `request` (regions parse, handle, write) and the
 * handler adds regions `build` and `encode` inside `handle`.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cprof/trace.h>

#include "common.h"
#include "http.h"

struct address {
	char *street;
	char *city;
	char *country;
	int zip;
};

struct user {
	long id;
	char *name;
	char *email;
	int age;
	bool active;
	double balance;
	char **roles;
	size_t nroles;
	struct address address;
};

static char *dup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *dup_printf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static void user_free(struct user *u)
{
	free(u->name);
	free(u->email);
	for (size_t i = 0; i < u->nroles; i++)
		free(u->roles[i]);
	free(u->roles);
	free(u->address.street);
	free(u->address.city);
	free(u->address.country);
}

static SAMPLE_FRAME void build_user(long id, struct user *u)
{
	static const char *const role_names[] = {"reader", "writer", "admin", "auditor"};

	memset(u, 0, sizeof(*u));
	u->id = id;
	u->name = dup_printf("User %ld", id);
	u->email = dup_printf("user%ld@example.com", id);
	u->age = 20 + (int)(id % 50);
	u->active = id % 3 != 0;
	u->balance = (double)(id % 100000) / 100.0;
	u->nroles = 1 + (size_t)(id % 4);
	u->roles = calloc(u->nroles, sizeof(*u->roles));
	for (size_t i = 0; u->roles && i < u->nroles; i++)
		u->roles[i] = strdup(role_names[i]);
	if (!u->roles)
		u->nroles = 0;
	u->address.street = dup_printf("%ld Main Street", id % 1000);
	u->address.city = strdup("Springfield");
	u->address.country = strdup("US");
	u->address.zip = 10000 + (int)(id % 90000);
}

static void json_string(struct http_buf *b, const char *s)
{
	http_buf_append(b, "\"", 1);
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\') {
			http_buf_append(b, "\\", 1);
			http_buf_append(b, s, 1);
		} else if ((unsigned char)*s < 0x20) {
			http_buf_printf(b, "\\u%04x", (unsigned char)*s);
		} else {
			http_buf_append(b, s, 1);
		}
	}
	http_buf_append(b, "\"", 1);
}

/* json.Marshal's job, field by field. */
static SAMPLE_FRAME void encode_user_json(const struct user *u, struct http_buf *b)
{
	http_buf_printf(b, "{\"id\":%ld,\"name\":", u->id);
	json_string(b, u->name);
	http_buf_printf(b, ",\"email\":");
	json_string(b, u->email);
	http_buf_printf(b, ",\"age\":%d,\"active\":%s,\"balance\":%.2f,\"roles\":[", u->age,
			u->active ? "true" : "false", u->balance);
	for (size_t i = 0; i < u->nroles; i++) {
		if (i)
			http_buf_append(b, ",", 1);
		json_string(b, u->roles[i]);
	}
	http_buf_printf(b, "],\"address\":{\"street\":");
	json_string(b, u->address.street);
	http_buf_printf(b, ",\"city\":");
	json_string(b, u->address.city);
	http_buf_printf(b, ",\"country\":");
	json_string(b, u->address.country);
	http_buf_printf(b, ",\"zip\":%d}}\n", u->address.zip);
}

static SAMPLE_FRAME void send_json(const struct http_request *req, struct http_response *resp)
{
	const char *idp = req->body_len ? memmem(req->body, req->body_len, "\"id\"", 4) : NULL;
	long id = 1;
	struct user u;

	if (idp) {
		const char *colon = memchr(idp, ':', req->body_len - (size_t)(idp - req->body));

		if (colon)
			id = strtol(colon + 1, NULL, 10);
	}
	TRACE_REGION (req->task, "build") {
		build_user(id, &u);
	}
	TRACE_REGION (req->task, "encode") {
		encode_user_json(&u, &resp->body);
	}
	resp->content_type = "application/json";
	user_free(&u);
}

static const struct http_route routes[] = {
    {"POST", "/sendjson", send_json},
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: jsonserver [--port N] [--seconds N] [--load N] [--conc C]\n"
		   "\n"
		   "POST /sendjson builds a struct, encodes it as JSON and responds.\n"
		   "\n"
		   "Options:\n"
		   "  --port N      port (default 4000, or any free port with --load)\n"
		   "  --seconds N   stop after N seconds (default 0: until SIGINT, or when the\n"
		   "                load is done)\n"
		   "  --load N      built-in load: N POST /sendjson requests (0: until --seconds)\n"
		   "  --conc C      over C keep-alive connections (default 8)\n"
		   "  -h, --help    this text\n"
		   "\n"
		   "Example: cprof-trace record -o json.out -- jsonserver --load 20000 --conc 8\n"
		   "         cprof-trace pprof -t heap -o heap.pb.gz json.out\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"port", required_argument, NULL, 'p'}, {"seconds", required_argument, NULL, 's'},
	    {"load", required_argument, NULL, 'l'}, {"conc", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},	    {NULL, 0, NULL, 0},
	};
	const struct sample_cli cli = {"jsonserver", opts, usage};
	struct http_load load = {
	    .method = "POST", .path = "/sendjson", .body = "{\"id\": 42}", .conc = 8};
	bool with_load = false;
	double seconds = 0;
	int port = -1, c, rc;

	while ((c = sample_next_option(&cli, argc, argv)) != -1) {
		switch (c) {
		case 'p':
			port = (int)sample_parse_long("jsonserver", "port", optarg, 0, 65535);
			break;
		case 's':
			seconds = sample_parse_seconds("jsonserver", "seconds", optarg);
			break;
		case 'l':
			load.requests =
			    sample_parse_long("jsonserver", "load", optarg, 0, 1000000000);
			with_load = true;
			break;
		case 'c':
			load.conc = (int)sample_parse_long("jsonserver", "conc", optarg, 1, 1024);
			break;
		}
	}
	if (with_load && load.requests == 0 && seconds == 0) {
		fprintf(stderr, "jsonserver: --load 0 runs until --seconds: give --seconds\n");
		return 2;
	}
	sample_install_signals();
	rc = http_serve("jsonserver", routes, sizeof(routes) / sizeof(routes[0]), port, 4000,
			"/sendjson", with_load ? &load : NULL, seconds);
	return rc < 0 ? 1 : rc;
}
