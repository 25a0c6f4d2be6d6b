/*
 * The recorded program's process (see child.h).
 */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * The child's pid for the handler, and the first signal that interrupted
 * record before the child existed. Both are written before the handlers
 * can run or from the handlers only.
 */
static volatile sig_atomic_t child_pid;
static volatile sig_atomic_t pending_signal;

/* Record's own signals and their handler, set before the handlers exist. */
static sigset_t own_signals;
static void (*own_handler)(int sig);

/* SIGPIPE was not ignored when record started: the program gets it back. */
static bool restore_sigpipe;

static const int forwarded_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define NFORWARDED (sizeof(forwarded_signals) / sizeof(forwarded_signals[0]))

static void forward_signal(int sig, siginfo_t *info, void *ucontext)
{
	(void)ucontext;
	if (own_handler && sigismember(&own_signals, sig) == 1) {
		own_handler(sig);
		return;
	}
	/*
	 * A terminal's ^C or ^\ (si_code SI_KERNEL) already reached the whole
	 * foreground process group, child included: sending it again would
	 * turn one ^C into two for a program that handles the first one
	 * gracefully.
	 */
	if (child_pid > 0) {
		if (info->si_code != SI_KERNEL)
			kill((pid_t)child_pid, sig);
	} else if (!pending_signal) {
		pending_signal = sig;
	}
}

/*
 * A signal ignored when record started (nohup, a shell's background job)
 * stays ignored, for record and, through exec, for the program: it would
 * have been ignored without record.
 */
void cprof_child_install_signal_handlers(const sigset_t *own, void (*on_own)(int sig))
{
	struct sigaction sa;
	struct sigaction old;

	sigemptyset(&own_signals);
	if (own && on_own) {
		own_signals = *own;
		own_handler = on_own;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forward_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NFORWARDED; i++) {
		if (sigaction(forwarded_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(forwarded_signals[i], &sa, NULL);
	}
	/* Record's own signals (the flight recorder's triggers) are not
	 * forwarded: the program gets its own through its handler. */
	for (int sig = 1; sig < NSIG && own_handler; sig++)
		if (sigismember(&own_signals, sig) == 1)
			sigaction(sig, &sa, NULL);
	if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler != SIG_IGN) {
		signal(SIGPIPE, SIG_IGN);
		restore_sigpipe = true;
	}
}

int cprof_child_pending_signal(void)
{
	return pending_signal;
}

static void block_forwarded_signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < NFORWARDED; i++)
		sigaddset(&set, forwarded_signals[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

/* In the child, before exec: record's handlers become the defaults again,
 * and ignored signals stay ignored. */
static void exec_child(char **argv, char **envp, const sigset_t *mask, int fd)
{
	struct sigaction dfl;
	struct sigaction cur;
	int err;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (size_t i = 0; i < NFORWARDED; i++)
		if (sigaction(forwarded_signals[i], NULL, &cur) == 0 && cur.sa_handler != SIG_IGN)
			sigaction(forwarded_signals[i], &dfl, NULL);
	if (restore_sigpipe)
		sigaction(SIGPIPE, &dfl, NULL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	execvpe(argv[0], argv, envp);
	err = errno;
	(void)!write(fd, &err, sizeof(err));
	_exit(127);
}

/*
 * An exec failure comes back through a close-on-exec pipe as an errno (0
 * bytes read: exec worked). Forwarded signals are blocked across the fork
 * so the handler never sees a child_pid that is not set yet.
 */
pid_t cprof_child_spawn(char **argv, char **envp, int *exec_errno)
{
	sigset_t old;
	int fds[2];
	pid_t pid;
	ssize_t n;
	int err = 0;

	*exec_errno = 0;
	if (pipe2(fds, O_CLOEXEC) != 0) {
		*exec_errno = errno;
		return -1;
	}
	block_forwarded_signals(&old);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		exec_child(argv, envp, &old, fds[1]);
	}
	if (pid < 0) {
		*exec_errno = errno;
	} else {
		child_pid = pid;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(fds[1]);
	if (pid > 0) {
		do {
			n = read(fds[0], &err, sizeof(err));
		} while (n < 0 && errno == EINTR);
		if (n == (ssize_t)sizeof(err))
			*exec_errno = err;
	}
	close(fds[0]);
	return pid;
}

int cprof_child_wait(pid_t pid)
{
	siginfo_t info;
	int wstatus;

	/*
	 * Wait without reaping first: while the child is a zombie its pid
	 * cannot be reused, so the handler never forwards a signal to an
	 * unrelated process that got the same pid.
	 */
	while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) < 0 && errno == EINTR)
		;
	child_pid = 0;
	while (waitpid(pid, &wstatus, 0) < 0) {
		if (errno != EINTR)
			return 1;
	}
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 1;
}
