/*
 * The program's own SIGPROF while the sampler's handler stays installed
 * (sigprof.c), and what the sampler (sampler.c) tells it. Nothing here is
 * exported.
 */
#ifndef CPROF_PRELOAD_SIGPROF_H
#define CPROF_PRELOAD_SIGPROF_H

#include "preload.h"

#include <signal.h>

/* si_value of our sampling timers' signals, which no program sees. */
#define CPROF_SAMPLE_SIGVAL 0x63707273

/* libc's sigaction, past our wrapper. */
extern int (*cprof_real_sigaction)(int, const struct sigaction *, struct sigaction *) CPROF_HIDDEN;

CPROF_HIDDEN void cprof_sigprof_resolve(void);
/* Where libunwind's code is, for the sigprocmask calls it makes in our
 * unwinds (skipped: see sigprocmask). */
CPROF_HIDDEN void cprof_sigprof_find_unwinder(void);
/* Before our handler goes in: the disposition found is the program's
 * (SIG_IGN kept across exec, a handler installed before us). */
CPROF_HIDDEN void cprof_sigprof_adopt(const struct sigaction *found);
/* From our handler: a SIGPROF none of our timers sent, served as the
 * program's disposition and mask would have served it. */
CPROF_HIDDEN void cprof_sigprof_deliver(int sig, siginfo_t *info, void *ucontext);
/* In a thread the program just started: `creator_blocked`, SIGPROF was
 * blocked for the program in the thread that created it. */
CPROF_HIDDEN void cprof_sigprof_thread_start(bool creator_blocked);

/* Our SIGPROF handler (sampler.c). */
CPROF_HIDDEN void cprof_sampler_on_sigprof(int sig, siginfo_t *info, void *ucontext);
/* Our handler gets SA_ONSTACK, or loses it, as the program's disposition
 * has it (sampler.c); called with the disposition's lock held. */
CPROF_HIDDEN void cprof_sampler_follow_onstack(bool on);

#endif /* CPROF_PRELOAD_SIGPROF_H */
