/*
 * A program that uses SIGPROF itself, as real ones do, for
 * test-realprog.sh. It prints what it saw; the script compares the
 * output with an untraced run's and looks for CPU samples in its spins.
 *
 *   kill    a SIGPROF handler (SA_SIGINFO) counts 200 kill(getpid(),
 *           SIGPROF) sent while the program spins (spin_kill, 0.5 s of
 *           CPU), each delivered before kill returns and from this
 *           process; then SIGPROF ignored survives one more.
 *   last    a handler that works 50 ms and raises SIGPROF again under
 *           SIG_DFL, as sort's does, ends the program by the signal.
 *   block   a thread blocks SIGPROF with pthread_sigmask and spins 0.5 s
 *           of CPU (spin_blocked_thread); main then blocks it with
 *           sigprocmask and spins 0.3 s (spin_blocked_main); both read
 *           their mask back. A SIGPROF sent to the process then stays
 *           pending until sigwait takes it.
 *   onstack as Go's runtime: a 32 KiB alternate signal stack and a SIGPROF
 *           handler with SA_ONSTACK; code on a small stack of its own (a
 *           coroutine, as a goroutine: 4 KiB of the heap, a block below it
 *           checked) computes 0.5 s (spin_on_small_stack) and sends itself
 *           SIGPROF 100 times; the handler counts where it ran.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "realprog-cpu.h"

static __attribute__((noinline)) void spin_kill(uint64_t ns)
{
	spin_cpu(ns);
}

static __attribute__((noinline)) void spin_blocked_thread(uint64_t ns)
{
	spin_cpu(ns);
}

static __attribute__((noinline)) void spin_blocked_main(uint64_t ns)
{
	spin_cpu(ns);
}

/* --- kill ----------------------------------------------------------------- */

static volatile sig_atomic_t delivered, from_self;

static void on_prof(int sig, siginfo_t *info, void *uc)
{
	(void)uc;
	delivered++;
	if (sig == SIGPROF && info->si_code == SI_USER && info->si_pid == getpid())
		from_self++;
}

/* As sort's: some work (a profiler's timer fires meanwhile), then the
 * default action by the same signal, which must end the program. */
static void on_prof_last(int sig)
{
	spin_kill(50000000);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int run_kill(void)
{
	struct sigaction sa, cur;
	int sent = 0, in_step = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_prof;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGPROF, &sa, NULL) != 0)
		return 1;
	sigaction(SIGPROF, NULL, &cur);
	printf("handler read back: %s, SA_SIGINFO %s\n",
	       cur.sa_sigaction == on_prof ? "the program's" : "another",
	       (cur.sa_flags & SA_SIGINFO) ? "set" : "unset");
	for (; sent < 200; sent++) {
		int before = delivered;

		spin_kill(2500000);
		kill(getpid(), SIGPROF);
		in_step += delivered == before + 1;
	}
	printf("sent %d delivered %d from_self %d each_before_kill_returned %d\n", sent,
	       (int)delivered, (int)from_self, in_step);
	signal(SIGPROF, SIG_IGN);
	kill(getpid(), SIGPROF);
	printf("ignored: survived, delivered %d\n", (int)delivered);
	return 0;
}

static int run_last(void)
{
	signal(SIGPROF, on_prof_last);
	spin_kill(100000000);
	printf("last: next\n");
	fflush(stdout);
	kill(getpid(), SIGPROF);
	printf("last: survived (wrong)\n");
	return 0;
}

/* --- block ---------------------------------------------------------------- */

static bool prof_blocked_here(void)
{
	sigset_t cur;

	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	return sigismember(&cur, SIGPROF) == 1;
}

static void *blocking_thread(void *unused)
{
	sigset_t prof;

	(void)unused;
	sigemptyset(&prof);
	sigaddset(&prof, SIGPROF);
	pthread_sigmask(SIG_BLOCK, &prof, NULL);
	printf("thread: SIGPROF blocked %s\n", prof_blocked_here() ? "yes" : "no");
	spin_blocked_thread(500000000);
	return NULL;
}

static int run_block(void)
{
	sigset_t prof, old, pending;
	pthread_t th;
	int sig = 0;

	if (pthread_create(&th, NULL, blocking_thread, NULL) != 0)
		return 1;
	pthread_join(th, NULL);
	sigemptyset(&prof);
	sigaddset(&prof, SIGPROF);
	sigprocmask(SIG_BLOCK, &prof, &old);
	printf("main: SIGPROF blocked before %s, now %s\n",
	       sigismember(&old, SIGPROF) == 1 ? "yes" : "no", prof_blocked_here() ? "yes" : "no");
	spin_blocked_main(300000000);
	kill(getpid(), SIGPROF);
	sigpending(&pending);
	printf("main: SIGPROF pending %s\n", sigismember(&pending, SIGPROF) == 1 ? "yes" : "no");
	if (sigwait(&prof, &sig) == 0)
		printf("main: sigwait took signal %d\n", sig);
	sigprocmask(SIG_UNBLOCK, &prof, &old);
	printf("main: unblocked (was blocked %s), done\n",
	       sigismember(&old, SIGPROF) == 1 ? "yes" : "no");
	return 0;
}

/* --- onstack ------------------------------------------------------------- */

#define SMALL_STACK 4096
#define BELOW 16384

static volatile sig_atomic_t on_alt, off_alt;
static ucontext_t main_ctx, small_ctx;

static __attribute__((noinline)) void spin_on_small_stack(uint64_t ns)
{
	spin_cpu(ns);
}

static void on_prof_onstack(int sig, siginfo_t *info, void *uc)
{
	stack_t ss;

	(void)sig;
	(void)info;
	(void)uc;
	if (sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_ONSTACK))
		on_alt++;
	else
		off_alt++;
}

static void on_small_stack(void)
{
	for (int i = 0; i < 100; i++) {
		spin_on_small_stack(5000000);
		kill(getpid(), SIGPROF);
	}
}

static int count_damaged(const unsigned char *below)
{
	int n = 0;

	for (int i = 0; i < BELOW; i++)
		n += below[i] != 0x5a;
	return n;
}

static int run_onstack(void)
{
	unsigned char *small = malloc(BELOW + SMALL_STACK);
	struct sigaction sa;
	stack_t ss;
	int damaged;

	if (!small)
		return 1;
	ss.ss_sp = malloc(32768);
	ss.ss_size = 32768;
	ss.ss_flags = 0;
	if (!ss.ss_sp || sigaltstack(&ss, NULL) != 0)
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_prof_onstack;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	sigfillset(&sa.sa_mask);
	if (sigaction(SIGPROF, &sa, NULL) != 0)
		return 1;
	memset(small, 0x5a, BELOW + SMALL_STACK);
	getcontext(&small_ctx);
	small_ctx.uc_stack.ss_sp = small + BELOW;
	small_ctx.uc_stack.ss_size = SMALL_STACK;
	small_ctx.uc_link = &main_ctx;
	makecontext(&small_ctx, on_small_stack, 0);
	swapcontext(&main_ctx, &small_ctx);
	damaged = count_damaged(small);
	printf("handler ran %d times on the alternate stack, %d off it; "
	       "%d bytes below the small stack overwritten\n",
	       (int)on_alt, (int)off_alt, damaged);
	return off_alt || damaged ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "kill") == 0)
		return run_kill();
	if (argc > 1 && strcmp(argv[1], "last") == 0)
		return run_last();
	if (argc > 1 && strcmp(argv[1], "block") == 0)
		return run_block();
	if (argc > 1 && strcmp(argv[1], "onstack") == 0)
		return run_onstack();
	fprintf(stderr, "usage: %s kill|last|block|onstack\n", argv[0]);
	return 2;
}
