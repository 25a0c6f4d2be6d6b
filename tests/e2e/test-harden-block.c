/*
 * Blocking calls as a Debian build makes them (-O2 -D_FORTIFY_SOURCE=2):
 * read, recv, recvfrom, poll and ppoll go through __read_chk, __recv_chk,
 * __recvfrom_chk, __poll_chk and __ppoll_chk; fgets and fread through
 * __fgets_chk and __fread_chk; getline through __getdelim and
 * getc_unlocked through __uflow. Each call below blocks about 30 ms
 * (another thread or a child ends the wait) and the program prints
 * "NAME MS" for each, as it measured it. test-harden.sh checks that
 * `cprof-trace stats` counted each under its name.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DELAY_US 30000

static volatile size_t one = 1; /* not a constant: the _chk forms are used */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* After DELAY_US, the action that ends the wait. */
struct later {
	void (*fn)(void *);
	void *arg;
};

static void *later_thread(void *p)
{
	struct later *l = p;

	usleep(DELAY_US);
	l->fn(l->arg);
	return NULL;
}

static pthread_t after(struct later *l)
{
	pthread_t th;

	if (pthread_create(&th, NULL, later_thread, l) != 0)
		abort();
	return th;
}

static void write_byte(void *arg)
{
	if (write(*(int *)arg, "x\n", 2) != 2)
		abort();
}

static void done(const char *name, uint64_t t0, pthread_t th)
{
	pthread_join(th, NULL);
	printf("%s %d\n", name, (int)(now_ms() - t0));
}

/* One pipe (or socket pair) per call: the reader blocks until the byte. */
static int pair[2];

static void fresh_pair(int sock)
{
	if (sock ? socketpair(AF_UNIX, SOCK_STREAM, 0, pair) : pipe(pair))
		abort();
}

static void close_pair(void)
{
	close(pair[0]);
	close(pair[1]);
}

static void fd_calls(void)
{
	struct later l = {write_byte, &pair[1]};
	char buf[64];
	struct pollfd pfd[1];
	uint64_t t0;

	pthread_t th;

	fresh_pair(0);
	t0 = now_ms();
	th = after(&l);
	if (read(pair[0], buf, one) != 1) /* __read_chk */
		abort();
	done("read", t0, th);
	close_pair();

	fresh_pair(1);
	t0 = now_ms();
	th = after(&l);
	if (recv(pair[0], buf, one, 0) != 1) /* __recv_chk */
		abort();
	done("recv", t0, th);
	t0 = now_ms();
	th = after(&l);
	recv(pair[0], buf, 1, 0);			     /* the "\n" */
	if (recvfrom(pair[0], buf, one, 0, NULL, NULL) != 1) /* __recvfrom_chk */
		abort();
	done("recvfrom", t0, th);
	close_pair();

	fresh_pair(0);
	pfd[0].fd = pair[0];
	pfd[0].events = POLLIN;
	t0 = now_ms();
	th = after(&l);
	if (poll(pfd, one, 5000) != 1) /* __poll_chk */
		abort();
	done("poll", t0, th);
	close_pair();

	fresh_pair(0);
	pfd[0].fd = pair[0];
	t0 = now_ms();
	th = after(&l);
	if (ppoll(pfd, one, NULL, NULL) != 1) /* __ppoll_chk */
		abort();
	done("ppoll", t0, th);
	close_pair();
}

/* stdio on a pipe: the first read of each finds the buffer empty. */
static FILE *fresh_stream(void)
{
	FILE *f;

	fresh_pair(0);
	f = fdopen(pair[0], "r");
	if (!f)
		abort();
	return f;
}

static void stdio_calls(void)
{
	struct later l = {write_byte, &pair[1]};
	char buf[64];
	char *line = NULL;
	size_t cap = 0;
	int v = 0;
	pthread_t th;
	uint64_t t0;
	FILE *f;

	f = fresh_stream();
	t0 = now_ms();
	th = after(&l);
	if (!fgets(buf, (int)(one * sizeof(buf)), f)) /* __fgets_chk */
		abort();
	done("fgets", t0, th);
	fclose(f);
	close(pair[1]);

	f = fresh_stream();
	t0 = now_ms();
	th = after(&l);
	if (fread(buf, 1, one, f) != 1) /* __fread_chk */
		abort();
	done("fread", t0, th);
	fclose(f);
	close(pair[1]);

	f = fresh_stream();
	t0 = now_ms();
	th = after(&l);
	if (getline(&line, &cap, f) != 2) /* __getdelim */
		abort();
	done("getline", t0, th);
	fclose(f);
	close(pair[1]);
	free(line);

	f = fresh_stream();
	t0 = now_ms();
	th = after(&l);
	if (getc(f) != 'x')
		abort();
	done("getc", t0, th);
	getc(f); /* from the buffer: not a wait */
	t0 = now_ms();
	th = after(&l);
	if (getc_unlocked(f) != 'x') /* __uflow */
		abort();
	done("getc_unlocked", t0, th);
	fclose(f);
	close(pair[1]);

	f = fresh_stream();
	t0 = now_ms();
	th = after(&(struct later){write_byte, &pair[1]});
	if (fscanf(f, "%d", &v) != 0 && v != 0) /* "x" is no number: 0 */
		abort();
	done("scanf", t0, th);
	fclose(f);
	close(pair[1]);
}

static pid_t child_after_delay(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		usleep(DELAY_US);
		_exit(0);
	}
	return pid;
}

static void no_op(void *arg)
{
	(void)arg;
}

static void wait_calls(void)
{
	struct later none = {no_op, NULL};
	siginfo_t si;
	uint64_t t0;
	pid_t pid;

	t0 = now_ms();
	pid = child_after_delay();
	if (waitpid(pid, NULL, 0) != pid)
		abort();
	done("waitpid", t0, after(&none));
	t0 = now_ms();
	pid = child_after_delay();
	if (wait(NULL) != pid)
		abort();
	done("wait", t0, after(&none));
	t0 = now_ms();
	pid = child_after_delay();
	if (wait4(pid, NULL, 0, NULL) != pid)
		abort();
	done("wait4", t0, after(&none));
	t0 = now_ms();
	pid = child_after_delay();
	if (waitid(P_PID, (id_t)pid, &si, WEXITED) != 0)
		abort();
	done("waitid", t0, after(&none));
}

/* --- signals, locks, System V ------------------------------------------- */

static pthread_t main_thread;
static int locked_fd = -1;
static int ipc_id;

static void send_usr1(void *arg)
{
	(void)arg;
	pthread_kill(main_thread, SIGUSR1);
}

static void unlock_file(void *arg)
{
	(void)arg;
	close(locked_fd); /* releases its flock and its OFD lock */
}

static void open_fifo_writer(void *arg)
{
	int fd = open((const char *)arg, O_WRONLY);

	if (fd < 0)
		abort();
	close(fd);
}

static void msg_send(void *arg)
{
	struct {
		long type;
		char text[4];
	} m = {1, "x"};

	(void)arg;
	msgsnd(ipc_id, &m, sizeof(m.text), 0);
}

static void sem_post_v(void *arg)
{
	struct sembuf op = {0, 1, 0};

	(void)arg;
	semop(ipc_id, &op, 1);
}

static void on_usr1(int sig)
{
	(void)sig;
}

static int lock_file(const char *path, int how)
{
	struct later l = {unlock_file, NULL};
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	int fd = open(path, O_RDWR);
	pthread_t th;

	locked_fd = open(path, O_RDWR);
	if (fd < 0 || locked_fd < 0)
		abort();
	if (how == 0 ? flock(locked_fd, LOCK_EX) : fcntl(locked_fd, F_OFD_SETLK, &fl))
		abort();
	th = after(&l);
	if (how == 0 ? flock(fd, LOCK_EX) : fcntl(fd, F_OFD_SETLKW, &fl))
		abort();
	pthread_join(th, NULL);
	close(fd);
	return 0;
}

static void other_calls(const char *dir)
{
	char path[4096];
	sigset_t set;
	int sig;
	uint64_t t0;
	pthread_t th;

	main_thread = pthread_self();
	signal(SIGUSR1, on_usr1);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	t0 = now_ms();
	th = after(&(struct later){send_usr1, NULL});
	if (sigwait(&set, &sig) != 0)
		abort();
	done("sigwait", t0, th);
	t0 = now_ms();
	th = after(&(struct later){send_usr1, NULL});
	if (sigwaitinfo(&set, NULL) != SIGUSR1)
		abort();
	done("sigwaitinfo", t0, th);
	{
		sigset_t none;

		sigemptyset(&none);
		t0 = now_ms();
		th = after(&(struct later){send_usr1, NULL});
		sigsuspend(&none);
		done("sigsuspend", t0, th);
	}

	snprintf(path, sizeof(path), "%s/fifo", dir);
	if (mkfifo(path, 0600) != 0)
		abort();
	t0 = now_ms();
	th = after(&(struct later){open_fifo_writer, path});
	close(open(path, O_RDONLY));
	done("open", t0, th);

	snprintf(path, sizeof(path), "%s/lock", dir);
	close(open(path, O_CREAT | O_RDWR, 0600));
	t0 = now_ms();
	lock_file(path, 0);
	printf("flock %d\n", (int)(now_ms() - t0));
	t0 = now_ms();
	lock_file(path, 1);
	printf("fcntl %d\n", (int)(now_ms() - t0));

	ipc_id = msgget(IPC_PRIVATE, 0600);
	if (ipc_id >= 0) {
		struct {
			long type;
			char text[4];
		} m;

		t0 = now_ms();
		th = after(&(struct later){msg_send, NULL});
		msgrcv(ipc_id, &m, sizeof(m.text), 0, 0);
		done("msgrcv", t0, th);
		msgctl(ipc_id, IPC_RMID, NULL);
	}
	ipc_id = semget(IPC_PRIVATE, 1, 0600);
	if (ipc_id >= 0) {
		struct sembuf op = {0, -1, 0};

		t0 = now_ms();
		th = after(&(struct later){sem_post_v, NULL});
		semop(ipc_id, &op, 1);
		done("semop", t0, th);
		semctl(ipc_id, 0, IPC_RMID);
	}
	t0 = now_ms();
	if (system("sleep 0.03") != 0)
		abort();
	printf("system %d\n", (int)(now_ms() - t0));
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
		return 2;
	}
	fd_calls();
	stdio_calls();
	wait_calls();
	other_calls(argv[1]);
	return 0;
}
