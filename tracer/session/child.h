/*
 * The program `record` runs: started with its own environment, waited for,
 * and sent the signals that interrupt record (SIGINT, SIGTERM, SIGHUP,
 * SIGQUIT), so that record outlives it and can stop the session cleanly.
 * Kept apart from the command so that the process handling, which needs
 * process-wide state for its signal handler, lives in one place: one
 * program per process.
 */
#ifndef CPROF_SESSION_CHILD_H
#define CPROF_SESSION_CHILD_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

/*
 * Installs the forwarding handlers (a signal ignored when record started
 * stays ignored, for record and the program) and ignores SIGPIPE for
 * record only, so that a closed stderr cannot kill it between the
 * program's exit and the session's destruction. The signals in `own`
 * (may be NULL) are record's own and go to `on_own`, which must be
 * async-signal-safe, instead of the program.
 */
void cprof_child_install_signal_handlers(const sigset_t *own, void (*on_own)(int sig));

/* The first forwarded signal that arrived before a program ran, or 0. */
int cprof_child_pending_signal(void);

/*
 * Forks and execs argv with `envp`. Returns the child's pid, or -1; an
 * exec failure is reported in *exec_errno (the pid is then that of a child
 * that exits with 127 and must still be waited for).
 */
pid_t cprof_child_spawn(char **argv, char **envp, int *exec_errno);

/* `fn` runs in record after each fork of cprof_child_spawn, while the
 * child waits to exec (to track its pid before it registers). */
void cprof_child_set_spawn_hook(void (*fn)(pid_t pid, void *data), void *data);

/* Waits for the child: its exit status, 128+N when signal N killed it. */
int cprof_child_wait(pid_t pid);
/* The signal that killed the child cprof_child_wait() waited for, 0 when
 * it exited (128+N alone cannot tell exit(137) from SIGKILL). */
int cprof_child_term_signal(void);

/*
 * Record is the subreaper of the program's tree: a daemon that forks and
 * lets its parent exit stays record's descendant. Whether, once the
 * program exited, some of its descendants still run 100 ms later (and no
 * forwarded signal asked record to end).
 */
bool cprof_child_has_descendants(void);

/* Whether every process of the program's tree exited and was reaped. */
bool cprof_child_none_left(void);

/* Waits until every descendant exited, or a forwarded signal (Ctrl-C,
 * SIGTERM, ...) reached record: the descendants are left running then. */
void cprof_child_wait_descendants(void);

#endif /* CPROF_SESSION_CHILD_H */
