/*
 * A stack of the thread's own for our signal handlers, when the program's
 * alternate signal stack leaves them no room (see cprof_signal_stack_room
 * in stack.c). A program's handler that runs on a small alternate stack
 * (crash handlers, old daemons: SIGSTKSZ, 8 KiB) and uses CPU there was
 * sampled without a stack, then not at all below 4 KiB of room: its CPU
 * went missing from the profile, uncounted. The sample (and a served
 * process's state dump) is now taken on this stack instead, unwound from
 * the interrupted context as anywhere (cprof_with_room).
 *
 * 64 KiB, mapped at the first sample that needs it (most threads never
 * do), unmapped when the thread ends. While our handler runs here, every
 * signal is blocked: the kernel places a handler of SA_ONSTACK at the top
 * of the alternate stack when the stack pointer is not on it, and would
 * write over the program's handler below us.
 */
#include "preload.h"

#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>

#define ASIDE_BYTES 65536u

#if defined(__x86_64__)
/* fn(arg) with the stack pointer at `top` (16-byte aligned), back on the
 * caller's stack after. */
void cprof_call_on_stack_(void *top, void (*fn)(void *), void *arg) CPROF_HIDDEN;
/* clang-format off */
__asm__(".text\n"
	".globl cprof_call_on_stack_\n"
	".hidden cprof_call_on_stack_\n"
	".type cprof_call_on_stack_, @function\n"
	"cprof_call_on_stack_:\n"
	"	.cfi_startproc\n"
	"	endbr64\n"
	"	pushq %rbp\n"
	"	.cfi_def_cfa_offset 16\n"
	"	.cfi_offset %rbp, -16\n"
	"	movq %rsp, %rbp\n"
	"	.cfi_def_cfa_register %rbp\n"
	"	movq %rdi, %rsp\n"
	"	movq %rdx, %rdi\n"
	"	call *%rsi\n"
	"	movq %rbp, %rsp\n"
	"	popq %rbp\n"
	"	.cfi_def_cfa %rsp, 8\n"
	"	ret\n"
	"	.cfi_endproc\n"
	".size cprof_call_on_stack_, .-cprof_call_on_stack_\n");
/* clang-format on */

/* fn(arg) on the thread's stack of ours; false: none to be had. */
static bool call_aside(void (*fn)(void *), void *arg)
{
	struct cprof_tls *t = &cprof_tls;
	sigset_t all, old;

	if (!t->aside) {
		/* as seccomp.c checks our mmap calls (hook_calls) */
		void *p = mmap(NULL, ASIDE_BYTES, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return false;
		t->aside = p;
	}
	sigfillset(&all);
	if (sigprocmask(SIG_SETMASK, &all, &old) != 0)
		return false;
	cprof_call_on_stack_((char *)t->aside + ASIDE_BYTES, fn, arg);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return true;
}
#else
static bool call_aside(void (*fn)(void *), void *arg)
{
	(void)fn;
	(void)arg;
	return false;
}
#endif

struct room_job {
	void (*fn)(void *ucontext, size_t room, void *arg);
	void *ucontext;
	void *arg;
};

static void run_aside(void *p)
{
	struct room_job *job = p;

	job->fn(job->ucontext, SIZE_MAX, job->arg);
}

void cprof_with_room(void *ucontext, void (*fn)(void *ucontext, size_t room, void *arg),
		     void *arg)
{
	size_t room = cprof_signal_stack_room(ucontext);

	if (room >= CPROF_ROOM_UNWIND)
		fn(ucontext, room, arg);
	else if (!call_aside(run_aside, &(struct room_job){fn, ucontext, arg}) &&
		 room >= CPROF_ROOM_EMIT)
		fn(ucontext, room, arg);
}

void cprof_aside_thread_exit(void)
{
	struct cprof_tls *t = &cprof_tls;
	void *p = t->aside;

	/* first: a handler that runs meanwhile maps a stack of its own */
	t->aside = NULL;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (p)
		munmap(p, ASIDE_BYTES);
}
