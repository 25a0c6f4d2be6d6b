/*
 * Threads that block a known time after earlier activity, for the
 * durations of serve's thread dump (goroutine?debug=2): each prints
 * "blocked NAME TID NS" (NS: CLOCK_MONOTONIC) just before its last call,
 * which never returns.
 *
 *   reader   150 polls of 10 ms each, then read on a pipe nobody writes
 *   child    a process forked by the main thread's SIGUSR1 handler,
 *            which interrupted the main thread's read (as postgres 15's
 *            postmaster starts its walwriter from a signal handler, inside
 *            select): 100 sleeps of 10 ms, takes an fcntl lock on FILE,
 *            then reads a pipe nobody writes
 *   locker   waits for the child's fcntl lock (F_SETLKW)
 *
 * The main thread reads a pipe nobody writes for ever (EINTR: again).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int never[2];  /* nobody writes: blocks for good */
static int locked[2]; /* the child says its lock is taken */
static const char *lock_path;

static unsigned long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

static void blocked(const char *name)
{
	printf("blocked %s %d %llu\n", name, (int)gettid(), mono_ns());
	fflush(stdout);
}

static void *reader(void *arg)
{
	struct pollfd p = {.fd = never[0], .events = POLLIN};
	char c;

	(void)arg;
	pthread_setname_np(pthread_self(), "reader");
	for (int i = 0; i < 150; i++)
		poll(&p, 1, 10);
	blocked("reader");
	read(never[0], &c, 1);
	return NULL;
}

static void *locker(void *arg)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	int fd = open(lock_path, O_RDWR);
	char c;

	(void)arg;
	pthread_setname_np(pthread_self(), "locker");
	if (read(locked[0], &c, 1) != 1)
		return NULL;
	blocked("locker");
	fcntl(fd, F_SETLKW, &fl);
	return NULL;
}

static void on_usr1(int sig)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	struct timespec ms10 = {0, 10000000};
	int fd;
	char c;

	(void)sig;
	if (fork() != 0)
		return;
	/* the child, still inside its parent's read and this handler; its
	 * last read ends (end of file) when the parent is gone */
	close(never[1]);
	for (int i = 0; i < 100; i++)
		nanosleep(&ms10, NULL);
	fd = open(lock_path, O_RDWR);
	if (fd < 0 || fcntl(fd, F_SETLK, &fl) != 0)
		_exit(1);
	write(locked[1], "x", 1);
	blocked("child");
	read(never[0], &c, 1);
	_exit(0);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	sigset_t usr1;
	pthread_t r, l;
	char c;

	if (argc != 2) {
		fprintf(stderr, "usage: %s LOCKFILE\n", argv[0]);
		return 2;
	}
	lock_path = argv[1];
	if (pipe(never) || pipe(locked))
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	/* SIGUSR1 (kill from the test) lands on the main thread only */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	pthread_create(&r, NULL, reader, NULL);
	pthread_create(&l, NULL, locker, NULL);
	pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
	printf("main %d\n", (int)getpid());
	fflush(stdout);
	for (;;)
		if (read(never[0], &c, 1) >= 0 || errno != EINTR)
			break;
	return 0;
}
