/*
 * CPU samples, after Go's profiler on Linux: one POSIX timer per thread on
 * CLOCK_THREAD_CPUTIME_ID, delivered to that thread (SIGEV_THREAD_ID) as
 * SIGPROF, so a thread is sampled in proportion to the CPU it uses. The
 * handler unwinds the interrupted context and emits cprof:cpu_sample; the
 * lttng-ust ring buffer is lock-free and nests under signal handlers, and
 * the handler never re-enters libunwind (see cprof_sampler_on_sigprof).
 *
 * Our handler stays SIGPROF's when the program installs its own with
 * sigaction or a signal() variant: sigprof.c keeps the program's
 * disposition and serves it every SIGPROF that none of our timers sent.
 * A handler installed with the raw rt_sigaction system call (Go's runtime
 * does, for one) goes past every wrapper; for it, each timer is one-shot
 * and re-armed by our handler only: once our handler is gone, a thread's
 * timer fires at most once more into the program's handler and then
 * stays quiet. The swap is noticed, sampling stopped (every timer
 * deleted) and cprof:warning (SIGPROF_IN_USE) emitted when the program
 * starts its own profiling timer (setitimer, timer_create), calls
 * sigaction for SIGPROF, starts a thread, and at exit at the latest.
 */
#include "tp.h"

#include "preload.h"
#include "sigprof.h"
#include "state.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static int (*real_setitimer)(__itimer_which_t, const struct itimerval *, struct itimerval *);
static int (*real_timer_create)(clockid_t, struct sigevent *, timer_t *);

void cprof_sampler_resolve(void) CPROF_HIDDEN;
void cprof_sampler_resolve(void)
{
	cprof_sigprof_resolve();
	real_setitimer = cprof_dlsym("setitimer");
	real_timer_create = cprof_dlsym("timer_create");
}

static bool sigprof_taken;    /* the program replaced our handler: no sampling */
static bool sampling_stopped; /* a seccomp filter would deny our calls (seccomp.c) */
static bool sampler_on;
static uint64_t period_ns;

/* Every armed timer, so that all can be deleted when the program takes
 * SIGPROF over (timers belong to the process, any thread may delete). */
#define TIMERS_SIZE 4096u
static timer_t timers[TIMERS_SIZE];
static bool timer_used[TIMERS_SIZE];

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The thread's timer fires once, when its CPU clock reaches `due`. */
static int arm_at(timer_t timer, uint64_t due)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)(due / 1000000000u);
	its.it_value.tv_nsec = (long)(due % 1000000000u);
	return timer_settime(timer, TIMER_ABSTIME, &its, NULL);
}

/*
 * A thread inside one of our own hooks (depth > 0) may be in the middle of
 * libunwind, whose per-thread cache is not made for re-entry: its sample
 * is kept (the CPU was used, by us) with a one-frame stack, the
 * interrupted instruction, which needs no unwinding; the intern table and
 * the lttng-ust ring buffer are both safe to nest.
 *
 * The kernel checks CPU-time timers at its tick (250 Hz here): a rate
 * above that, or a thread descheduled past a period, makes one signal
 * stand for several periods. Each is a sample, as setitimer-based
 * profilers lose them: emitted as that many events with the same stack.
 * The next expiry is the next period boundary after now, as a periodic
 * timer's would be.
 */
#define MAX_OVERRUN 1000

/* n samples of the interrupted context (cprof_with_room). */
static void emit_samples(void *ucontext, size_t room, void *arg)
{
	uint64_t n = *(uint64_t *)arg, stack = cprof_stack_of_signal(ucontext, room);

	while (n-- > 0)
		lttng_ust_do_tracepoint(cprof, cpu_sample, stack);
}

void cprof_sampler_on_sigprof(int sig, siginfo_t *info, void *ucontext)
{
	struct cprof_tls *t = &cprof_tls;
	int saved = errno;
	uint64_t now, n;

	if (info->si_code == SI_QUEUE && info->si_value.sival_int == CPROF_STATE_SIGVAL &&
	    info->si_pid == getpid()) {
		cprof_state_on_signal(ucontext);
		goto end;
	}
	if (info->si_code != SI_TIMER || info->si_value.sival_int != CPROF_SAMPLE_SIGVAL) {
		/* the program's errno, as its handler would have found it and
		 * left it */
		cprof_sigprof_deliver(sig, info, ucontext);
		return;
	}
	if (!t->known || !t->sampler_armed || __atomic_load_n(&sigprof_taken, __ATOMIC_RELAXED) ||
	    __atomic_load_n(&sampling_stopped, __ATOMIC_RELAXED))
		goto end;
	now = thread_cpu_ns();
	n = now >= t->sample_due ? 1 + (now - t->sample_due) / period_ns : 1;
	t->sample_due += n * period_ns;
	if (t->sample_due <= now)
		t->sample_due = now + period_ns;
	if (arm_at(t->timer, t->sample_due) != 0)
		t->sampler_armed = false;
	/* no waiting in a handler: record is asked to track the process,
	 * which joins by itself (track.h); asked even when the probe is
	 * enabled: maybe by another session (track.c) */
	if (CPROF_JOINING() && !cprof_join_unfilled())
		cprof_join_ask_();
	if (!lttng_ust_tracepoint_enabled(cprof, cpu_sample))
		goto end;
	if (n > MAX_OVERRUN)
		n = MAX_OVERRUN;
	t->depth++;
	cprof_with_room(ucontext, emit_samples, &n);
	t->depth--;
end:
	errno = saved;
}

static void warn_sigprof(const char *detail)
{
	struct cprof_tls *t = &cprof_tls;

	t->depth++;
	lttng_ust_tracepoint(cprof, warning, CPROF_TP_WARN_SIGPROF_IN_USE, detail);
	t->depth--;
}

/*
 * SA_ONSTACK on our handler while the program's SIGPROF handler has it.
 * The kernel runs a handler of SA_ONSTACK on the thread's alternate signal
 * stack; ours calls the program's on whatever stack it runs on. Go's
 * runtime (a program with cgo installs its handlers through libc's
 * sigaction) gives every thread a 32 KiB signal stack and its SIGPROF
 * handler SA_ONSTACK, and runs goroutines on stacks of 2 KiB and up with
 * other goroutines' stacks right below: our samples there wrote the
 * kernel's signal frame and our unwind over them (SIGSEGV, "unexpected
 * return pc" in 5 runs of 5), and a SIGPROF of its own profiler
 * (runtime/pprof) reached its handler off that stack ("non-Go code set up
 * signal handler without SA_ONSTACK flag"). Without SA_ONSTACK from the
 * program, a thread's alternate stack stays the program's alone: one
 * sized for a rare crash handler may be too small for a signal frame
 * every 10 ms.
 */
static bool onstack;

static void our_action(struct sigaction *sa, bool on)
{
	memset(sa, 0, sizeof(*sa));
	sa->sa_sigaction = cprof_sampler_on_sigprof;
	sa->sa_flags = SA_SIGINFO | SA_RESTART | (on ? SA_ONSTACK : 0);
	sigemptyset(&sa->sa_mask);
}

void cprof_sampler_init(void)
{
	struct sigaction sa, old;

	/* a served process needs the handler for state dumps (state.h) */
	if ((cprof_cfg.cpu_rate == 0 && !cprof_state_on) || !cprof_real_sigaction)
		return;
	if (cprof_real_sigaction(SIGPROF, NULL, &old) != 0)
		return;
	cprof_sigprof_adopt(&old);
	period_ns = cprof_cfg.cpu_rate ? 1000000000u / cprof_cfg.cpu_rate : 0;
	onstack =
	    old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN && (old.sa_flags & SA_ONSTACK);
	our_action(&sa, onstack);
	if (cprof_real_sigaction(SIGPROF, &sa, NULL) == 0)
		__atomic_store_n(&sampler_on, true, __ATOMIC_RELEASE);
}

void cprof_sampler_follow_onstack(bool on)
{
	struct sigaction sa;

	if (on == onstack || !cprof_sigprof_ours())
		return;
	our_action(&sa, on);
	if (cprof_real_sigaction(SIGPROF, &sa, NULL) == 0)
		onstack = on;
}

bool cprof_sigprof_ours(void)
{
	return __atomic_load_n(&sampler_on, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&sigprof_taken, __ATOMIC_ACQUIRE);
}

/* false: not in the table, deleted already (delete_timers, by another
 * thread: the thread's own flag says armed still). */
static bool forget_timer(timer_t id)
{
	for (uint32_t i = 0; i < TIMERS_SIZE; i++) {
		bool used = true;

		if (__atomic_load_n(&timer_used[i], __ATOMIC_ACQUIRE) && timers[i] == id)
			return __atomic_compare_exchange_n(&timer_used[i], &used, false, false,
							   __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
	}
	return false;
}

static void remember_timer(timer_t id)
{
	for (uint32_t i = 0; i < TIMERS_SIZE; i++) {
		bool used = false;

		if (!__atomic_load_n(&timer_used[i], __ATOMIC_RELAXED) &&
		    __atomic_compare_exchange_n(&timer_used[i], &used, true, false,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
			timers[i] = id;
			return;
		}
	}
}

/* Every timer deleted (timers belong to the process: any thread may). */
static void delete_timers(void)
{
	for (uint32_t i = 0; i < TIMERS_SIZE; i++) {
		bool used = true;

		if (__atomic_compare_exchange_n(&timer_used[i], &used, false, false,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			timer_delete(timers[i]);
	}
	cprof_tls.sampler_armed = false;
}

/* The program takes SIGPROF: stop every timer before its handler is in
 * place, so none of our signals reaches it (or kills it under SIG_DFL).
 * Not for a vfork child: its disposition is its own, and it has none of
 * the parent's timers, but the flags and the table are the parent's. */
static void sigprof_takeover(const char *detail)
{
	if (cprof_in_vfork_child())
		return;
	if (__atomic_exchange_n(&sigprof_taken, true, __ATOMIC_ACQ_REL))
		return;
	if (!__atomic_load_n(&sampler_on, __ATOMIC_ACQUIRE))
		return;
	delete_timers();
	if (cprof_tls.known)
		warn_sigprof(detail);
}

/* Sampling off for good, before a seccomp filter that would not let the
 * handler's calls through (seccomp.c): a thread whose timer fires in
 * between finds the flag and leaves its timer disarmed. */
void cprof_sampler_stop(void)
{
	if (cprof_in_vfork_child() ||
	    __atomic_exchange_n(&sampling_stopped, true, __ATOMIC_ACQ_REL) ||
	    !__atomic_load_n(&sampler_on, __ATOMIC_ACQUIRE))
		return;
	delete_timers();
}

/* Whether our handler is still SIGPROF's, for a handler installed where
 * no wrapper sees it. */
void cprof_sampler_check(void)
{
	struct sigaction cur;

	if (!__atomic_load_n(&sampler_on, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(&sigprof_taken, __ATOMIC_RELAXED) ||
	    __atomic_load_n(&sampling_stopped, __ATOMIC_RELAXED) || !cprof_real_sigaction)
		return;
	if (cprof_real_sigaction(SIGPROF, NULL, &cur) == 0 &&
	    (!(cur.sa_flags & SA_SIGINFO) || cur.sa_sigaction != cprof_sampler_on_sigprof))
		sigprof_takeover("the program replaced the SIGPROF handler (rt_sigaction system "
				 "call): CPU sampling off");
}

void cprof_sampler_arm_thread(void)
{
	struct cprof_tls *t = &cprof_tls;
	struct sigevent sev;

	cprof_sampler_check();
	if (!__atomic_load_n(&sampler_on, __ATOMIC_ACQUIRE) || t->sampler_armed ||
	    cprof_cfg.cpu_rate == 0 || __atomic_load_n(&sigprof_taken, __ATOMIC_RELAXED) ||
	    __atomic_load_n(&sampling_stopped, __ATOMIC_RELAXED))
		return;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGPROF;
	sev.sigev_value.sival_int = CPROF_SAMPLE_SIGVAL;
	sev._sigev_un._tid = cprof_gettid();
	if (timer_create(CLOCK_THREAD_CPUTIME_ID, &sev, &t->timer) != 0)
		return;
	t->sample_due = thread_cpu_ns() + period_ns;
	t->sampler_armed = true;
	remember_timer(t->timer);
	/* Re-check: the program may have taken SIGPROF meanwhile. */
	if (__atomic_load_n(&sigprof_taken, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(&sampling_stopped, __ATOMIC_ACQUIRE) ||
	    arm_at(t->timer, t->sample_due) != 0)
		cprof_sampler_disarm_thread();
}

/* In a thread the program just started: SIGPROF unblocked for our timer
 * unless the program wants it blocked (sigprof.c). */
void cprof_sampler_arm_new_thread(bool creator_blocked)
{
	cprof_sigprof_thread_start(creator_blocked);
	cprof_sampler_arm_thread();
}

void cprof_sampler_disarm_thread(void)
{
	struct cprof_tls *t = &cprof_tls;

	if (!t->sampler_armed)
		return;
	t->sampler_armed = false;
	/* Sampling stopped before a seccomp filter (seccomp.c) deleted every
	 * timer, and the filter may deny timer_delete: a thread that ended
	 * then was killed for it. */
	if (forget_timer(t->timer))
		timer_delete(t->timer);
}

/* A program starting its own profiling timer has installed its handler
 * by then, however it did. */
CPROF_EXPORT int setitimer(__itimer_which_t which, const struct itimerval *nv,
			   struct itimerval *old)
{
	if (unlikely(!real_setitimer))
		cprof_resolve_all();
	if (which == ITIMER_PROF)
		cprof_sampler_check();
	return real_setitimer(which, nv, old);
}

CPROF_EXPORT int timer_create(clockid_t clock, struct sigevent *sev, timer_t *id)
{
	if (unlikely(!real_timer_create))
		cprof_resolve_all();
	if (sev && sev->sigev_signo == SIGPROF && cprof_tls.depth == 0)
		cprof_sampler_check();
	return real_timer_create(clock, sev, id);
}

/* The last chance to say that the samples stopped coming. */
__attribute__((destructor)) static void sampler_fini(void)
{
	cprof_sampler_check();
}
