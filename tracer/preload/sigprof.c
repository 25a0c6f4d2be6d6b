/*
 * The program's own SIGPROF, while our sampling handler stays installed.
 *
 * Programs take SIGPROF without profiling anything: coreutils' sort
 * catches it among the signals after which it removes its temporary
 * files. If such a program replaced our handler, its CPU would go
 * unsampled; if it got our timers' signals, its handler would run 100
 * times a second (sort's would end the program). So the disposition the
 * program sets for SIGPROF, with sigaction or any signal() variant, is
 * kept here and reported back as if installed, while the kernel keeps
 * ours. Our handler takes our timers' signals (SI_TIMER carrying
 * CPROF_SAMPLE_SIGVAL) and the state dumps' requests, and hands every
 * other SIGPROF (kill from outside, raise, the program's ITIMER_PROF or
 * timers) to cprof_sigprof_deliver, which serves it as the kernel would
 * have: SIG_IGN drops it, SIG_DFL ends the process by the signal, a
 * handler runs with the program's flags (SA_SIGINFO, SA_RESETHAND,
 * SA_NODEFER) and mask. One difference remains: our handler has
 * SA_RESTART, so that samples never interrupt the program's system
 * calls; a foreign SIGPROF restarts them too, where a handler without
 * SA_RESTART would have had them fail with EINTR.
 *
 * The record is read in signal handlers on any thread: a sequence lock,
 * written with every signal blocked (so that no handler on the writing
 * thread waits for itself), read again until unchanged.
 *
 * Blocking. A thread that blocks SIGPROF would take no sample. While the
 * program has no SIGPROF handler of its own, SIGPROF stays unblocked for
 * real and the block is the thread's `prof_blocked`: later calls report
 * it in their old mask, and threads the thread creates inherit it. Should
 * a SIGPROF that is not ours arrive at such a thread (one the program
 * waits for with sigwait or a signalfd, say), the block is made real
 * there and then (in the mask the handler returns to) and the signal
 * queued again, with its sender's information, so that from then on it
 * is pending, waited for or delivered exactly as the program asked; that
 * thread goes unsampled until it unblocks SIGPROF. Once the program has a
 * handler, its blocking is left alone.
 */
#include "sigprof.h"

#include "preload.h"
#include "state.h"

#include <errno.h>
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

/* The kernel's flag, which glibc sets on every handler it installs and
 * reports back, but does not define. */
#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__asm__ volatile("" ::: "memory");
#endif
}

int (*cprof_real_sigaction)(int, const struct sigaction *, struct sigaction *);
static int (*real_pthread_sigmask)(int, const sigset_t *, sigset_t *);
static int (*real_sigprocmask)(int, const sigset_t *, sigset_t *);
static sighandler_t (*real_signal)(int, sighandler_t);
static sighandler_t (*real_bsd_signal)(int, sighandler_t);
static sighandler_t (*real_ssignal)(int, sighandler_t);
static sighandler_t (*real_sysv_signal)(int, sighandler_t);
static sighandler_t (*real___sysv_signal)(int, sighandler_t);
static sighandler_t (*real_sigset)(int, sighandler_t);
static int (*real_sigignore)(int);
static int (*real_siginterrupt)(int, int);
static int (*real_raise)(int);
static int (*real_pthread_kill)(pthread_t, int);

void cprof_sigprof_resolve(void)
{
	cprof_real_sigaction = cprof_dlsym("sigaction");
	real_pthread_sigmask = cprof_dlsym("pthread_sigmask");
	real_sigprocmask = cprof_dlsym("sigprocmask");
	real_signal = cprof_dlsym("signal");
	real_bsd_signal = cprof_dlsym("bsd_signal");
	real_ssignal = cprof_dlsym("ssignal");
	real_sysv_signal = cprof_dlsym("sysv_signal");
	real___sysv_signal = cprof_dlsym("__sysv_signal");
	real_sigset = cprof_dlsym("sigset");
	real_sigignore = cprof_dlsym("sigignore");
	real_siginterrupt = cprof_dlsym("siginterrupt");
	real_raise = cprof_dlsym("raise");
	real_pthread_kill = cprof_dlsym("pthread_kill");
}

/* --- the program's disposition ----------------------------------------- */

static struct sigaction prog;
static uint32_t prog_seq; /* odd while written */
static void (*libc_restorer)(void);
static bool prog_interrupt; /* siginterrupt(SIGPROF, 1): signal() without SA_RESTART */

static void prog_read(struct sigaction *out)
{
	uint32_t seq;

	do {
		while ((seq = __atomic_load_n(&prog_seq, __ATOMIC_ACQUIRE)) & 1)
			cpu_relax();
		memcpy(out, &prog, sizeof(*out));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while (__atomic_load_n(&prog_seq, __ATOMIC_RELAXED) != seq);
}

/*
 * old <- the program's disposition; then, with `act`, the new one. With
 * `only_if`, the change is made only while the handler is still that one
 * (SA_RESETHAND). Stored as the kernel keeps it, so that reading it back
 * gives what reading the kernel's would: SIGKILL and SIGSTOP out of the
 * mask, and glibc's restorer.
 */
static void prog_swap(const struct sigaction *act, struct sigaction *old, sighandler_t only_if)
{
	sigset_t all, saved;
	uint32_t seq;

	sigfillset(&all);
	real_pthread_sigmask(SIG_SETMASK, &all, &saved);
	for (;;) {
		seq = __atomic_load_n(&prog_seq, __ATOMIC_RELAXED);
		if (!(seq & 1) && __atomic_compare_exchange_n(&prog_seq, &seq, seq + 1, false,
							      __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			break;
		cpu_relax();
	}
	__atomic_thread_fence(__ATOMIC_RELEASE);
	if (old)
		*old = prog;
	if (act && (!only_if || prog.sa_handler == only_if)) {
		prog = *act;
		sigdelset(&prog.sa_mask, SIGKILL);
		sigdelset(&prog.sa_mask, SIGSTOP);
		if (prog.sa_handler != SIG_DFL && prog.sa_handler != SIG_IGN) {
			prog.sa_flags |= SA_RESTORER;
			prog.sa_restorer = libc_restorer;
		}
		cprof_sampler_follow_onstack(prog.sa_handler != SIG_DFL &&
					     prog.sa_handler != SIG_IGN &&
					     (prog.sa_flags & SA_ONSTACK));
	}
	__atomic_store_n(&prog_seq, seq + 2, __ATOMIC_RELEASE);
	real_pthread_sigmask(SIG_SETMASK, &saved, NULL);
}

static bool prog_handles(void)
{
	struct sigaction a;

	prog_read(&a);
	return a.sa_handler != SIG_DFL && a.sa_handler != SIG_IGN;
}

/* A fork child has the one thread that forked: a writer that was on
 * another thread left the lock taken. */
static void after_fork_child(void)
{
	uint32_t seq = __atomic_load_n(&prog_seq, __ATOMIC_RELAXED);

	if (seq & 1)
		__atomic_store_n(&prog_seq, seq + 1, __ATOMIC_RELEASE);
}

/* --- who calls ---------------------------------------------------------- */

/* The executable segments of the objects that hold one of `marks`. */
#define CODE_SEGMENTS 8
struct code {
	uintptr_t marks[2];
	struct {
		uintptr_t lo, hi;
	} seg[CODE_SEGMENTS];
	unsigned n;
};

/* The code of this library and of libcprof-trace: their own calls (every
 * signal blocked around a critical section) are never the program's. */
static struct code own;
/* libunwind's, for the sigprocmask calls it makes in our unwinds. */
static struct code unwinder;

static int collect_code(struct dl_phdr_info *info, size_t size, void *data)
{
	struct code *c = data;
	bool holds = false;

	(void)size;
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < info->dlpi_phnum; i++) {
			const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
			uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;

			if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
				continue;
			if (pass == 0)
				for (int m = 0; m < 2; m++)
					holds |= c->marks[m] >= lo && c->marks[m] < hi;
			else if (holds && c->n < CODE_SEGMENTS)
				c->seg[c->n].lo = lo, c->seg[c->n++].hi = hi;
		}
	}
	return 0;
}

static bool in_code(const struct code *c, const void *ip)
{
	for (unsigned i = 0; i < c->n; i++)
		if ((uintptr_t)ip >= c->seg[i].lo && (uintptr_t)ip < c->seg[i].hi)
			return true;
	return false;
}

/* The call is the program's, on one of its threads, while the disposition
 * is ours to keep. */
static bool program_call(const void *caller)
{
	const struct cprof_tls *t = &cprof_tls;

	return t->known && t->depth == 0 && cprof_sigprof_ours() && !in_code(&own, caller) &&
	       !cprof_ust_is_caller(caller, false) && !cprof_in_vfork_child();
}

void cprof_sigprof_adopt(const struct sigaction *found)
{
	struct sigaction probe;

	prog = *found;
	/* glibc's restorer, as it sets it on every handler it installs */
	if (cprof_real_sigaction(SIGPROF, NULL, &probe) == 0 && (probe.sa_flags & SA_RESTORER))
		libc_restorer = probe.sa_restorer;
	own.marks[0] = (uintptr_t)cprof_sigprof_adopt;
	own.marks[1] = (uintptr_t)cprof_flush_thread_;
	dl_iterate_phdr(collect_code, &own);
	pthread_atfork(NULL, NULL, after_fork_child);
}

/* --- a SIGPROF that is not ours ----------------------------------------- */

/* Whether a SIGPROF was sent to one thread (raise, tgkill, a state
 * request), where queueing it again must send it. */
static bool to_thread(const siginfo_t *info)
{
	return info->si_code == SI_TKILL ||
	       (info->si_code == SI_QUEUE && info->si_value.sival_int == CPROF_STATE_SIGVAL);
}

static void requeue(const siginfo_t *info)
{
	siginfo_t copy = *info;

	if (to_thread(info)) {
		syscall(SYS_rt_tgsigqueueinfo, getpid(), cprof_gettid(), SIGPROF, &copy);
		return;
	}
	/* The kernel lets a thread other than the main one queue a
	 * kill()-like signal (si_code >= 0) only to itself. */
	if (syscall(SYS_rt_sigqueueinfo, getpid(), SIGPROF, &copy) != 0)
		kill(getpid(), SIGPROF);
}

/*
 * Standard signals do not queue twice: a SIGPROF of our timer pending on
 * this thread (its timer fired while SIGPROF was blocked, in the
 * program's own handler for one) would make the kernel drop the one the
 * program sends its own thread (sort's handler ends with signal(SIG_DFL)
 * and raise, and went on running). Before such a send, one of ours
 * pending is taken off (that sample is lost); any other SIGPROF taken
 * with it is queued again.
 */
static void drain_ours(void)
{
	struct timespec zero = {0, 0};
	sigset_t prof;
	siginfo_t si;

	sigemptyset(&prof);
	sigaddset(&prof, SIGPROF);
	if (syscall(SYS_rt_sigtimedwait, &prof, &si, &zero, _NSIG / 8) != SIGPROF)
		return;
	if (si.si_code != SI_TIMER || si.si_value.sival_int != CPROF_SAMPLE_SIGVAL)
		requeue(&si);
}

/* SIG_DFL: the process ends by the signal, as it would have. */
static void die_by(const siginfo_t *info)
{
	struct sigaction dfl;
	sigset_t prof;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	cprof_real_sigaction(SIGPROF, &dfl, NULL);
	requeue(info);
	sigemptyset(&prof);
	sigaddset(&prof, SIGPROF);
	real_pthread_sigmask(SIG_UNBLOCK, &prof, NULL);
}

void cprof_sigprof_deliver(int sig, siginfo_t *info, void *ucontext)
{
	struct cprof_tls *t = &cprof_tls;
	ucontext_t *uc = ucontext;
	sigset_t during, ours;
	struct sigaction a;

	if (t->prof_blocked) {
		/* Only the first word of uc_sigmask is the kernel's. */
		sigaddset(&uc->uc_sigmask, SIGPROF);
		t->prof_blocked = false;
		drain_ours();
		requeue(info);
		return;
	}
	prog_read(&a);
	if (a.sa_handler == SIG_IGN)
		return;
	if (a.sa_handler == SIG_DFL) {
		die_by(info);
		return;
	}
	if (a.sa_flags & SA_RESETHAND) {
		struct sigaction dfl = a;

		dfl.sa_handler = SIG_DFL;
		prog_swap(&dfl, NULL, a.sa_handler);
	}
	/* The mask the kernel would have set for the program's handler. */
	sigemptyset(&during);
	memcpy(&during, &uc->uc_sigmask, sizeof(uint64_t));
	sigorset(&during, &during, &a.sa_mask);
	if (!(a.sa_flags & SA_NODEFER))
		sigaddset(&during, SIGPROF);
	real_pthread_sigmask(SIG_SETMASK, &during, &ours);
	if (a.sa_flags & SA_SIGINFO)
		a.sa_sigaction(sig, info, ucontext);
	else
		a.sa_handler(sig);
	real_pthread_sigmask(SIG_SETMASK, &ours, NULL);
}

CPROF_EXPORT int raise(int sig)
{
	if (unlikely(!real_raise))
		cprof_resolve_all();
	if (sig == SIGPROF && cprof_sigprof_ours() && !cprof_in_vfork_child())
		drain_ours();
	return real_raise(sig);
}

CPROF_EXPORT int gsignal(int sig)
{
	return raise(sig);
}

CPROF_EXPORT int pthread_kill(pthread_t thread, int sig)
{
	if (unlikely(!real_pthread_kill))
		cprof_resolve_all();
	if (sig == SIGPROF && pthread_equal(thread, pthread_self()) && cprof_sigprof_ours() &&
	    !cprof_in_vfork_child())
		drain_ours();
	return real_pthread_kill(thread, sig);
}

/* --- blocking ----------------------------------------------------------- */

/*
 * The program's mask call: while it has no handler of its own, SIGPROF
 * is kept out of what it blocks and its block recorded instead. The old
 * mask it gets back is the one it asked for.
 */
static int mask_call(int (*real)(int, const sigset_t *, sigset_t *), int how, const sigset_t *set,
		     sigset_t *old, const void *caller)
{
	struct cprof_tls *t = &cprof_tls;
	bool was, in, virt, eff_old, eff_new, real_now;
	sigset_t mine, prev;
	int ret;

	was = t->prof_blocked;
	in = set && sigismember(set, SIGPROF) == 1;
	/* most calls: nothing of SIGPROF to keep aside or report */
	if ((!was && !in) || !program_call(caller))
		return real(how, set, old);
	virt = !prog_handles();
	if (in && virt && (how == SIG_BLOCK || how == SIG_SETMASK)) {
		mine = *set;
		sigdelset(&mine, SIGPROF);
		set = &mine;
	}
	ret = real(how, set, &prev);
	if (ret != 0)
		return ret;
	if (set) {
		eff_old = was || sigismember(&prev, SIGPROF) == 1;
		eff_new = how == SIG_BLOCK     ? eff_old || in
			  : how == SIG_UNBLOCK ? eff_old && !in
					       : in;
		real_now = how == SIG_SETMASK
			       ? false
			       : sigismember(&prev, SIGPROF) == 1 && !(how == SIG_UNBLOCK && in);
		if (virt)
			t->prof_blocked = eff_new && !real_now;
		else
			t->prof_blocked = was && !in && how != SIG_SETMASK;
	}
	if (old) {
		*old = prev;
		if (was)
			sigaddset(old, SIGPROF);
	}
	return 0;
}

CPROF_EXPORT int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	if (unlikely(!real_pthread_sigmask))
		cprof_resolve_all();
	if (unlikely(!real_pthread_sigmask))
		return syscall(SYS_rt_sigprocmask, how, set, old, _NSIG / 8) == 0 ? 0 : errno;
	return mask_call(real_pthread_sigmask, how, set, old, CPROF_CALLER());
}

/*
 * sigprocmask without the system call, for our own unwinds. libunwind
 * blocks every signal around each lookup of unwind tables (its
 * dl_iterate_phdr, its memory pool): two system calls per frame stepped,
 * not cached, so that a handler cannot enter it again on the same thread.
 * Under this hypervisor they were 95% of an unwind's cost (30 us for 8
 * frames, 2 us without them), paid by every blocking call over the
 * threshold and every CPU sample. A thread unwinding for us needs no such
 * blocking: its lookups go to phdr.c's copy, which takes no lock, and
 * stack.c never enters libunwind on a thread already inside it (a handler
 * that interrupts an unwind and calls a hook gets no stack). The program's
 * own calls, a handler's among them, and every call outside our unwinds, go
 * to libc's (above).
 */
void cprof_sigprof_find_unwinder(void)
{
	/* not found: nothing skipped */
	unwinder.marks[0] = unwinder.marks[1] = (uintptr_t)unw_backtrace;
	dl_iterate_phdr(collect_code, &unwinder);
}

CPROF_EXPORT int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	const void *caller = CPROF_CALLER();

	/* libunwind's calls only: a handler of the program's that interrupts
	 * our unwind and sets its mask gets what it asked for */
	if (unlikely(cprof_tls.unwinding) && in_code(&unwinder, caller)) {
		/* libunwind restores what it gets here, also skipped */
		if (old)
			sigemptyset(old);
		return 0;
	}
	if (unlikely(!real_sigprocmask))
		cprof_resolve_all();
	/* while dlsym resolves (a call from inside it) */
	if (unlikely(!real_sigprocmask))
		return (int)syscall(SYS_rt_sigprocmask, how, set, old, _NSIG / 8);
	return mask_call(real_sigprocmask, how, set, old, caller);
}

void cprof_sigprof_thread_start(bool creator_blocked)
{
	struct cprof_tls *t = &cprof_tls;
	sigset_t cur, prof;

	if (!cprof_sigprof_ours() || !real_pthread_sigmask ||
	    real_pthread_sigmask(SIG_BLOCK, NULL, &cur) != 0)
		return;
	sigemptyset(&prof);
	sigaddset(&prof, SIGPROF);
	if (prog_handles()) {
		/* the program's block from the creator, real now */
		if (creator_blocked)
			real_pthread_sigmask(SIG_BLOCK, &prof, NULL);
		return;
	}
	/*
	 * A thread started with every signal blocked (liblzma starts its
	 * workers so, that the program's handlers run on its main thread
	 * only) would never take its timer's SIGPROF: xz -T2's compressing
	 * threads had no sample.
	 */
	if (sigismember(&cur, SIGPROF) == 1) {
		real_pthread_sigmask(SIG_UNBLOCK, &prof, NULL);
		creator_blocked = true;
	}
	t->prof_blocked = creator_blocked;
}

/* --- the program's disposition calls ------------------------------------ */

CPROF_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (unlikely(!cprof_real_sigaction))
		cprof_resolve_all();
	if (sig == SIGPROF)
		cprof_sampler_check();
	if (sig != SIGPROF || !cprof_sigprof_ours() ||
	    (act && act->sa_sigaction == cprof_sampler_on_sigprof) || cprof_in_vfork_child())
		return cprof_real_sigaction(sig, act, old);
	prog_swap(act, old, NULL);
	return 0;
}

CPROF_EXPORT int __sigaction(int sig, const struct sigaction *act, struct sigaction *old);
CPROF_EXPORT int __sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	return sigaction(sig, act, old);
}

/* signal() as glibc makes it out of sigaction: BSD semantics (the signal
 * blocked in its handler, calls restarted unless siginterrupt said not),
 * or System V's (reset on delivery, not blocked, not restarted). */
static sighandler_t prog_signal(sighandler_t handler, bool sysv)
{
	struct sigaction act, old;

	if (handler == SIG_ERR) {
		errno = EINVAL;
		return SIG_ERR;
	}
	memset(&act, 0, sizeof(act));
	act.sa_handler = handler;
	sigemptyset(&act.sa_mask);
	if (sysv) {
		act.sa_flags = SA_RESETHAND | SA_NODEFER;
	} else {
		sigaddset(&act.sa_mask, SIGPROF);
		act.sa_flags = __atomic_load_n(&prog_interrupt, __ATOMIC_RELAXED) ? 0 : SA_RESTART;
	}
	prog_swap(&act, &old, NULL);
	return old.sa_handler;
}

static bool virtual_sigprof(int sig)
{
	if (sig != SIGPROF)
		return false;
	cprof_sampler_check();
	return cprof_sigprof_ours() && !cprof_in_vfork_child();
}

#define SIGNAL_HOOK(name, sysv)                                                                    \
	CPROF_EXPORT sighandler_t name(int sig, sighandler_t handler);                             \
	CPROF_EXPORT sighandler_t name(int sig, sighandler_t handler)                              \
	{                                                                                          \
		if (unlikely(!real_##name))                                                        \
			cprof_resolve_all();                                                       \
		if (virtual_sigprof(sig))                                                          \
			return prog_signal(handler, sysv);                                         \
		return real_##name(sig, handler);                                                  \
	}

SIGNAL_HOOK(signal, false)
SIGNAL_HOOK(bsd_signal, false)
SIGNAL_HOOK(ssignal, false)
SIGNAL_HOOK(sysv_signal, true)
SIGNAL_HOOK(__sysv_signal, true)

/* sigset() as glibc's: SIG_HOLD blocks; a disposition also unblocks. */
CPROF_EXPORT sighandler_t sigset(int sig, sighandler_t handler)
{
	struct sigaction act, old;
	sigset_t prof, before;

	if (unlikely(!real_sigset))
		cprof_resolve_all();
	if (!virtual_sigprof(sig))
		return real_sigset(sig, handler);
	if (handler == SIG_ERR) {
		errno = EINVAL;
		return SIG_ERR;
	}
	sigemptyset(&prof);
	sigaddset(&prof, SIGPROF);
	if (handler == SIG_HOLD) {
		if (mask_call(real_sigprocmask, SIG_BLOCK, &prof, &before, CPROF_CALLER()) != 0)
			return SIG_ERR;
		prog_swap(NULL, &old, NULL);
		return sigismember(&before, SIGPROF) == 1 ? SIG_HOLD : old.sa_handler;
	}
	memset(&act, 0, sizeof(act));
	act.sa_handler = handler;
	sigemptyset(&act.sa_mask);
	prog_swap(&act, &old, NULL);
	if (mask_call(real_sigprocmask, SIG_UNBLOCK, &prof, &before, CPROF_CALLER()) != 0)
		return SIG_ERR;
	return sigismember(&before, SIGPROF) == 1 ? SIG_HOLD : old.sa_handler;
}

CPROF_EXPORT int sigignore(int sig)
{
	struct sigaction act;

	if (unlikely(!real_sigignore))
		cprof_resolve_all();
	if (!virtual_sigprof(sig))
		return real_sigignore(sig);
	memset(&act, 0, sizeof(act));
	act.sa_handler = SIG_IGN;
	sigemptyset(&act.sa_mask);
	prog_swap(&act, NULL, NULL);
	return 0;
}

CPROF_EXPORT int siginterrupt(int sig, int flag)
{
	struct sigaction act;

	if (unlikely(!real_siginterrupt))
		cprof_resolve_all();
	if (!virtual_sigprof(sig))
		return real_siginterrupt(sig, flag);
	__atomic_store_n(&prog_interrupt, flag != 0, __ATOMIC_RELAXED);
	prog_swap(NULL, &act, NULL);
	if (flag)
		act.sa_flags &= ~SA_RESTART;
	else
		act.sa_flags |= SA_RESTART;
	prog_swap(&act, NULL, NULL);
	return 0;
}
