/*
 * The process side of session tracking (see track.h).
 */
#include "track.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

/* sun_path[0] stays NUL: the abstract namespace (no file to clean up). */
static struct sockaddr_un track_addr;
static socklen_t track_len;

void cprof_track_init_(void)
{
	const char *name = getenv(CPROF_TRACK_ENV);
	size_t n = name ? strlen(name) : 0;

	if (!n || n + 1 > sizeof(track_addr.sun_path))
		return;
	track_addr.sun_family = AF_UNIX;
	memcpy(track_addr.sun_path + 1, name, n);
	track_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

/*
 * Only system calls (a fork child of a threaded program may run nothing
 * else), made with syscall(): the preload library wraps read, poll, close
 * and friends, and this exchange is not the program's. Record answers once
 * the session daemon tracks the pid; a second without an answer (record
 * gone, stopped) and the process goes on untracked rather than hang.
 */
void cprof_track_self_(void)
{
	int saved = errno, fd;
	int32_t pid;
	struct pollfd p;
	char ack;

	if (!track_len)
		return;
	fd = (int)syscall(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto end;
	pid = (int32_t)syscall(SYS_getpid);
	if (syscall(SYS_connect, fd, &track_addr, track_len) == 0 &&
	    syscall(SYS_write, fd, &pid, sizeof(pid)) == (long)sizeof(pid)) {
		p = (struct pollfd){.fd = fd, .events = POLLIN};
		if (syscall(SYS_poll, &p, 1, 1000) == 1)
			(void)syscall(SYS_read, fd, &ack, 1);
	}
	syscall(SYS_close, fd);
end:
	errno = saved;
}
