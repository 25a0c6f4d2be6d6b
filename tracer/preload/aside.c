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
#include <sys/syscall.h>

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
/* A system call straight from here: the room left on the program's stack
 * may be a few hundred bytes, and glibc's wrappers take more (a sigset_t
 * is 128 bytes, pthread_sigmask copies it). */
static long raw6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* fn(arg) on the thread's stack of ours; false: none to be had. */
static bool call_aside(void (*fn)(void *), void *arg)
{
	struct cprof_tls *t = &cprof_tls;
	uint64_t all = ~(uint64_t)0, old;

	if (!t->aside) {
		/* as seccomp.c checks our mmap calls (hook_calls) */
		long p = raw6(SYS_mmap, 0, ASIDE_BYTES, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p < 0 && p > -4096)
			return false;
		t->aside = (void *)p;
	}
	/* every signal, SIGCANCEL and SIGSETXID too (glibc's wrapper leaves
	 * those): a few microseconds */
	if (raw6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, (long)&old, 8, 0, 0) != 0)
		return false;
	cprof_call_on_stack_((char *)t->aside + ASIDE_BYTES, fn, arg);
	raw6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&old, 0, 8, 0, 0);
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
	else if (room >= CPROF_ROOM_ASIDE &&
		 !call_aside(run_aside, &(struct room_job){fn, ucontext, arg}) &&
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
