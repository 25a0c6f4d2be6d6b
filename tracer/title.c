/*
 * The process's title: what ps, top and perf show for a program that
 * rewrites its argument area (setproctitle: nginx's "nginx: worker
 * process", postgres's "postgres: checkpointer"), where every process of
 * the tree has the same executable, hence the same comm.
 *
 * The kernel gives the title in /proc/self/cmdline; reading that file at
 * every check would cost three system calls each time. The argument area
 * itself is in our memory: the flusher (batch.c) compares its first bytes
 * with what it saw at the last pass (a memcmp of at most TITLE_MAX bytes
 * every 50 ms) and reads /proc/self/cmdline only when they changed. A
 * title is emitted (cprof:process_title) when it differs from the command
 * line the process started with; a state dump emits it again (`force`),
 * so that a session started late (serve, record --pid, a flight
 * snapshot) has it too. Raw system calls: under the preload library,
 * open and read are hooks that would record themselves.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cprof-tp.h"
#include "title.h"

#define CPROF_EXPORT __attribute__((visibility("default")))

#define TITLE_MAX 256

static const char *area;	/* argv[0] as the process started: where titles are written */
static size_t area_len;		/* the argument and environment strings there, <= TITLE_MAX */
static char seen[TITLE_MAX];	/* the area's bytes at the last check */
static char started[TITLE_MAX]; /* the command line at start, as a title */
static char emitted[TITLE_MAX]; /* the last title emitted, "" none */
static int busy;		/* a check under way (flusher, state dump, exit) */

/* /proc/self/cmdline with its NULs made spaces, trailing ones dropped. */
static void read_title(char *title)
{
	ssize_t n = 0;
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/cmdline", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = syscall(SYS_read, fd, title, TITLE_MAX - 1);
		syscall(SYS_close, fd);
	}
	if (n < 0)
		n = 0;
	while (n > 0 && (title[n - 1] == '\0' || title[n - 1] == ' '))
		n--;
	for (ssize_t i = 0; i < n; i++)
		if (title[i] == '\0')
			title[i] = ' ';
	title[n] = '\0';
}

CPROF_EXPORT void cprof_title_check_(bool force)
{
	char now[TITLE_MAX], title[TITLE_MAX];

	if (!area || !lttng_ust_tracepoint_enabled(cprof, process_title) ||
	    __atomic_exchange_n(&busy, 1, __ATOMIC_ACQUIRE))
		return;
	memcpy(now, area, area_len);
	if (memcmp(now, seen, area_len) != 0 || force) {
		memcpy(seen, now, area_len);
		read_title(title);
		if (strcmp(title, started) == 0)
			title[0] = '\0';
		if (title[0] && (force || strcmp(title, emitted) != 0))
			lttng_ust_do_tracepoint(cprof, process_title, title);
		strcpy(emitted, title);
	}
	__atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
}

/* A fork child has its parent's title until it sets its own: said at the
 * next check. */
void cprof_title_after_fork_child_(void)
{
	busy = 0;
	if (area)
		seen[0] ^= 1;
	emitted[0] = '\0';
}

/* glibc calls the constructors of the objects loaded at start with main's
 * arguments, before main can rewrite them. */
__attribute__((constructor)) static void title_init(int argc, char **argv, char **envp)
{
	const char *end;
	size_t n = 0;

	if (argc < 1 || !argv || !argv[0])
		return;
	/* a library loaded later (dlopen) gets the arguments as they are
	 * then: a program may have cut them (nginx sets argv[1] to NULL) */
	for (int i = 1; i < argc; i++)
		if (!argv[i])
			argc = i;
	end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
	/* setproctitle writes over the environment strings that follow */
	for (char **e = envp; e && *e && *e == end; e++)
		end = *e + strlen(*e) + 1;
	area = argv[0];
	area_len = (size_t)(end - area) < TITLE_MAX ? (size_t)(end - area) : TITLE_MAX;
	memcpy(seen, area, area_len);
	for (int i = 0; i < argc && n < TITLE_MAX - 1; i++) {
		size_t len = strlen(argv[i]);

		if (i)
			started[n++] = ' ';
		if (len > TITLE_MAX - 1 - n)
			len = TITLE_MAX - 1 - n;
		memcpy(started + n, argv[i], len);
		n += len;
	}
	while (n > 0 && started[n - 1] == ' ')
		n--;
	started[n] = '\0';
}
