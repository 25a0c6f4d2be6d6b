/*
 * The client side of served.h: finding the processes of a served tree and
 * asking them for their state once a session records them.
 */
#include "served.h"
#include "cprof-record.h"
#include "session.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

bool cprof_served_has_state_keeper(int32_t pid)
{
	char want[64], line[512];
	bool found = false;
	FILE *f;

	snprintf(want, sizeof(want), " @" CPROF_SERVED_SOCKET_FMT "\n", (long)pid);
	f = fopen("/proc/net/unix", "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		size_t n = strlen(line), w = strlen(want);

		found = n >= w && !strcmp(line + n - w, want);
	}
	fclose(f);
	return found;
}

static int32_t parent_of(int32_t pid)
{
	char path[64], buf[512];
	const char *close_paren;
	int ppid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	/* the command name may hold spaces and parentheses: skip to the last ')' */
	close_paren = strrchr(buf, ')');
	if (!close_paren || sscanf(close_paren + 1, " %*c %d", &ppid) != 1)
		return 0;
	return ppid;
}

size_t cprof_served_tree(int32_t root, int32_t *pids, size_t max)
{
	size_t n = 0;
	DIR *d;
	struct dirent *e;

	if (max == 0)
		return 0;
	pids[n++] = root;
	d = opendir("/proc");
	if (!d)
		return n;
	/* a few passes: a child's directory may come before its parent's */
	for (int pass = 0; pass < 4; pass++) {
		size_t before = n;

		rewinddir(d);
		while ((e = readdir(d)) && n < max) {
			char *end;
			long pid = strtol(e->d_name, &end, 10);
			int32_t ppid;
			bool known = false, parent_in = false;

			if (*end || pid <= 0)
				continue;
			ppid = parent_of((int32_t)pid);
			for (size_t i = 0; i < n; i++) {
				known = known || pids[i] == (int32_t)pid;
				parent_in = parent_in || pids[i] == ppid;
			}
			if (!known && parent_in)
				pids[n++] = (int32_t)pid;
		}
		if (n == before)
			break;
	}
	closedir(d);
	return n;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Sends `msg` to each process and counts the "done REQUEST" answers. */
static size_t send_request(const int32_t *pids, size_t n, const char *msg, size_t len,
			   uint64_t request, int timeout_ms)
{
	struct sockaddr_un self = {.sun_family = AF_UNIX};
	size_t asked = 0, answered = 0;
	uint64_t deadline;
	int fd;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	/* autobind: an abstract address of our own, for the answers */
	if (bind(fd, (struct sockaddr *)&self, sizeof(sa_family_t)) != 0) {
		close(fd);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		struct sockaddr_un to = {.sun_family = AF_UNIX};
		socklen_t tolen;

		tolen = (socklen_t)snprintf(to.sun_path + 1, sizeof(to.sun_path) - 1,
					    CPROF_SERVED_SOCKET_FMT, (long)pids[i]);
		tolen += (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1);
		if (sendto(fd, msg, len, 0, (struct sockaddr *)&to, tolen) == (ssize_t)len)
			asked++;
	}
	deadline = now_ms() + (uint64_t)timeout_ms;
	while (answered < asked) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		uint64_t now = now_ms();
		unsigned long long got;
		char buf[64];
		ssize_t r;

		if (now >= deadline || poll(&p, 1, (int)(deadline - now)) <= 0)
			break;
		r = recv(fd, buf, sizeof(buf) - 1, 0);
		if (r <= 0)
			continue;
		buf[r] = '\0';
		if (sscanf(buf, "done %llu", &got) == 1 && got == request)
			answered++;
	}
	close(fd);
	return answered;
}

size_t cprof_served_request_state(const int32_t *pids, size_t n, uint64_t request, uint32_t flags,
				  int timeout_ms)
{
	char msg[64];
	int len = snprintf(msg, sizeof(msg), "dump %llu %u", (unsigned long long)request, flags);

	return send_request(pids, n, msg, (size_t)len, request, timeout_ms);
}

size_t cprof_served_arm_flight(const int32_t *pids, size_t n, uint64_t request, uint64_t token,
			       int signo, const char *regions, const char *tasks, int timeout_ms)
{
	char msg[4096];
	int head = snprintf(msg, sizeof(msg), "flight %llu %llu %d", (unsigned long long)request,
			    (unsigned long long)token, signo);
	size_t r = strlen(regions), t = strlen(tasks);

	if (head < 0 || (size_t)head + r + t + 3 > sizeof(msg))
		return 0;
	memcpy(msg + head + 1, regions, r + 1);
	memcpy(msg + head + 1 + r + 1, tasks, t + 1);
	return send_request(pids, n, msg, (size_t)head + r + t + 3, request, timeout_ms);
}

size_t cprof_served_follow_tracker(const int32_t *pids, size_t n, uint64_t request,
				   const char *name, bool follow, int timeout_ms)
{
	char msg[128];
	int len = snprintf(msg, sizeof(msg), "%s %llu %s", follow ? "track" : "untrack",
			   (unsigned long long)request, name);

	if (len < 0 || (size_t)len >= sizeof(msg))
		return 0;
	return send_request(pids, n, msg, (size_t)len, request, timeout_ms);
}

/* Whether pid was started with the state keeper asked for: CPROF_SERVE=1
 * and the preload library in LD_PRELOAD, in the environment it was
 * executed with (/proc/PID/environ). */
static bool asks_for_state_keeper(int32_t pid)
{
	char path[64], *var = NULL;
	size_t cap = 0;
	bool serve = false, preload = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (getdelim(&var, &cap, '\0', f) > 0) {
		serve = serve || !strcmp(var, CPROF_SERVED_ENV "=1");
		preload = preload || (!strncmp(var, "LD_PRELOAD=", 11) &&
				      strstr(var + 11, CPROF_PRELOAD_NAME));
	}
	free(var);
	fclose(f);
	return serve && preload;
}

/*
 * A process started a moment ago has no socket yet: lttng-ust's
 * constructor, which runs before the preload library's, waits for the
 * session daemon (up to LTTNG_UST_REGISTER_TIMEOUT), and a loaded machine
 * may not have run it at all. One whose environment asks for the state
 * keeper gets STARTUP_WAIT_MS to open it.
 */
#define STARTUP_WAIT_MS 2000

static bool state_keeper_soon(int32_t pid)
{
	uint64_t deadline;

	if (cprof_served_has_state_keeper(pid))
		return true;
	if (!asks_for_state_keeper(pid))
		return false;
	deadline = now_ms() + STARTUP_WAIT_MS;
	while (now_ms() < deadline) {
		struct timespec t = {0, 20 * 1000000};

		nanosleep(&t, NULL);
		if (cprof_served_has_state_keeper(pid))
			return true;
		if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
			return false;
	}
	return false;
}

bool cprof_served_check(int32_t pid, char *err, size_t errlen)
{
	/* first: the process may exit while it is waited for */
	bool keeper = state_keeper_soon(pid);

	if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
		snprintf(err, errlen, "--pid %ld: no such process", (long)pid);
		return false;
	}
	if (!keeper) {
		snprintf(err, errlen,
			 "--pid %ld: the process does not run libcprof-trace-preload in serve "
			 "mode; start it with `env $(cprof-trace env) PROGRAM ...` (or put "
			 "`cprof-trace env`'s lines in its service's environment)",
			 (long)pid);
		return false;
	}
	return true;
}

char **cprof_served_cmdline(int32_t pid)
{
	char path[64], buf[4096];
	char **argv = NULL;
	size_t n = 0, len = 0, count = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	f = fopen(path, "r");
	if (f) {
		len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++)
		count += buf[i] == '\0';
	if (len && buf[len - 1] != '\0')
		count++; /* cut at the buffer's end */
	argv = calloc(count + 1, sizeof(*argv));
	for (size_t i = 0; argv && i < len && n < count; i += strlen(buf + i) + 1)
		argv[n++] = strdup(buf + i);
	return argv;
}

void cprof_served_cmdline_free(char **argv)
{
	for (char **a = argv; a && *a; a++)
		free(*a);
	free(argv);
}
