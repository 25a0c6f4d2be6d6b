/*
 * The recorded program's process (see child.h).
 */
#include "child.h"

#include "track.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * The child's pid for the handler, and the first signal that interrupted
 * record before the child existed. Both are written before the handlers
 * can run or from the handlers only.
 */
static volatile sig_atomic_t child_pid;
static volatile sig_atomic_t pending_signal;
static int term_signal;
/* A forwarded signal reached record once the program ran: the user wants
 * it to end, so the processes the program left behind are not waited for. */
static volatile sig_atomic_t interrupted;

/* Record's own signals and their handler, set before the handlers exist. */
static sigset_t own_signals;
static void (*own_handler)(int sig);

/* Called in record between the child's fork and its exec. */
static void (*spawn_hook)(pid_t pid, void *data);
static void *spawn_hook_data;

void cprof_child_set_spawn_hook(void (*fn)(pid_t pid, void *data), void *data)
{
	spawn_hook = fn;
	spawn_hook_data = data;
}

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
	interrupted = 1;
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
	/* sigaction, not signal(): under the user's LD_PRELOAD (the JVM's
	 * libjsig, for one) signal() printed a deprecation warning as ours */
	if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler != SIG_IGN) {
		sa.sa_handler = SIG_IGN;
		sa.sa_flags = 0;
		sigaction(SIGPIPE, &sa, NULL);
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

/* In the child: its pid over the placeholder of CPROF_JOIN_ROOT_ENV (in
 * its own copy of the environment; async-signal-safe). */
static void put_root_pid(char **envp)
{
	const size_t n = sizeof(CPROF_JOIN_ROOT_ENV "=") - 1;
	const size_t digits = sizeof(CPROF_JOIN_ROOT_PLACEHOLDER) - 1;
	unsigned long pid = (unsigned long)getpid();

	for (char **e = envp; e && *e; e++) {
		if (strncmp(*e, CPROF_JOIN_ROOT_ENV "=", n) != 0 || strlen(*e + n) != digits)
			continue;
		for (size_t i = digits; i-- > 0; pid /= 10)
			(*e)[n + i] = (char)('0' + pid % 10);
	}
}

/* In the child, before exec: record's handlers become the defaults again,
 * and ignored signals stay ignored. */
static void exec_child(char **argv, char **envp, const sigset_t *mask, int fd, int go)
{
	struct sigaction dfl;
	struct sigaction cur;
	char c;
	int err;

	/* the parent's spawn hook has run when `go` reaches its end */
	while (go >= 0 && read(go, &c, 1) < 0 && errno == EINTR)
		;

	put_root_pid(envp);
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
	int fds[2], go[2] = {-1, -1};
	pid_t pid;
	ssize_t n;
	int err = 0;

	*exec_errno = 0;
	if (pipe2(fds, O_CLOEXEC) != 0 || (spawn_hook && pipe2(go, O_CLOEXEC) != 0)) {
		*exec_errno = errno;
		return -1;
	}
	/*
	 * Descendants orphaned while record runs (a daemon's fork, then its
	 * parent's exit) become record's children instead of init's, so that
	 * record can wait for them (cprof_child_wait_descendants). Not
	 * inherited by the child.
	 */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	block_forwarded_signals(&old);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		if (go[1] >= 0)
			close(go[1]);
		exec_child(argv, envp, &old, fds[1], go[0]);
	}
	if (go[0] >= 0) {
		close(go[0]);
		if (pid > 0)
			spawn_hook(pid, spawn_hook_data);
		close(go[1]);
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
	if (WIFSIGNALED(wstatus)) {
		term_signal = WTERMSIG(wstatus);
		return 128 + WTERMSIG(wstatus);
	}
	return 1;
}

int cprof_child_term_signal(void)
{
	return term_signal;
}

bool cprof_child_has_descendants(void)
{
	const struct timespec tick = {0, 5 * 1000 * 1000};
	int wstatus;
	pid_t p = 0;

	/* reap those already gone; 0: some still run. Those ending with the
	 * program (a sandbox's init, reparented to record as its namespace
	 * goes) get 100 ms to do so. */
	for (int i = 0; i < 20 && !interrupted; i++) {
		while ((p = waitpid(-1, &wstatus, WNOHANG)) > 0)
			;
		if (p != 0)
			break;
		nanosleep(&tick, NULL);
	}
	return p == 0 && !interrupted;
}

bool cprof_child_none_left(void)
{
	int wstatus;
	pid_t p;

	while ((p = waitpid(-1, &wstatus, WNOHANG)) > 0)
		;
	return p < 0 && errno == ECHILD;
}

/*
 * Polled rather than blocked in waitpid: record's handlers restart system
 * calls (SA_RESTART), and a forwarded signal must end the wait.
 */
void cprof_child_wait_descendants(void)
{
	const struct timespec tick = {0, 20 * 1000 * 1000};
	int wstatus;
	pid_t p;

	while (!interrupted) {
		p = waitpid(-1, &wstatus, WNOHANG);
		if (p < 0 && errno != EINTR)
			break; /* ECHILD: none left */
		if (p == 0)
			nanosleep(&tick, NULL);
	}
}
