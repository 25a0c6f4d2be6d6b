/*
 * Seccomp filters the program installs (OpenSSH's pre-authentication
 * child, man-db's helpers, sandboxed services): a filter allows the system
 * calls the program makes and kills (or fails) any other, and ours are not
 * on its list. OpenSSH's sshd died of SIGSYS in our SIGPROF handler's
 * timer_settime, and every login failed, while sshd was only preloaded.
 *
 * Before the filter goes in (prctl(PR_SET_SECCOMP) or the seccomp system
 * call through syscall()), it is run here, as the kernel would run it, on
 * each system call our code makes on the program's threads, with the
 * arguments we pass. The sampler's calls (the thread's CPU clock, its
 * timer, the return from the handler) denied: sampling stops in the
 * process, every timer deleted, before the filter can see one. The other
 * calls our hooks make (memory for a new thread's buffer, the futexes of
 * our locks, lttng-ust's wakeup writes, our unwinder's reads) denied:
 * every hook goes straight to libc from then on, the process is no longer
 * recorded. Either way the trace says so (cprof:warning SECCOMP).
 *
 * A filter with SECCOMP_FILTER_FLAG_TSYNC covers every thread: our
 * flusher, lttng-ust's listener threads (blocked in recvmsg on the session
 * daemon's socket, they answer its commands) and a served process's state
 * keeper too. Their calls are checked with the rest; one of them or of the
 * hooks denied, the process stops recording for good before the filter
 * goes in (stop_recording: every buffer flushed, those threads ended and
 * waited for, the daemon's sockets shut down, our tracepoints off).
 * lttng-ust's exit in a process under a filter finds its listeners
 * cancelled, a fence for a denied membarrier, and close answered without
 * the call when the filter denies it (fd.c); a fork child skips
 * liblttng-ust-fork (preload.c). Left: a thread inside a hook, past its
 * checks, when the filter goes in may still make one call of ours.
 */
#include "tp.h"

#include "linker.h"
#include "preload.h"
#include "state.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>

#ifndef SECCOMP_RET_ACTION_FULL
#define SECCOMP_RET_ACTION_FULL 0xffff0000U
#endif
#ifndef SECCOMP_RET_LOG
#define SECCOMP_RET_LOG 0x7ffc0000U
#endif

/* lttng-ust's calls (CPROF_DENIES_*) this thread's filter denies, and
 * those a filter on every thread denies. */
static __thread unsigned denied_here __attribute__((tls_model("initial-exec")));
static unsigned denied_all;

bool cprof_seccomp_seen;

bool cprof_seccomp_denies(unsigned call)
{
	return ((denied_here | __atomic_load_n(&denied_all, __ATOMIC_RELAXED)) & call) != 0;
}

static int (*real_pthread_cancel)(pthread_t);

/* One system call as our code makes it, with its name for the warning. */
struct our_call {
	int nr;
	const char *name;
	uint64_t args[6];
};
#define CALL(name, ...)                                                                            \
	{                                                                                          \
		SYS_##name, #name,                                                                 \
		{                                                                                  \
			__VA_ARGS__                                                                \
		}                                                                                  \
	}
#define N_CALLS(a) (sizeof(a) / sizeof((a)[0]))

/* Stands for a pointer argument: filters compare numbers, not memory. */
#define PTR 0x7f0000001000ull

static const struct our_call sampler_calls[] = {
    CALL(clock_gettime, CLOCK_THREAD_CPUTIME_ID, PTR),
    CALL(timer_settime, 0, TIMER_ABSTIME, PTR, 0),
    CALL(timer_create, CLOCK_THREAD_CPUTIME_ID, PTR, PTR),
    CALL(timer_delete, 0),
    CALL(rt_sigreturn, 0),
};

static const struct our_call hook_calls[] = {
    CALL(gettid, 0),
    CALL(mmap, 0, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, (uint64_t)-1, 0),
    CALL(futex, PTR, FUTEX_WAIT_PRIVATE, 1, 0),
    CALL(futex, PTR, FUTEX_WAKE_PRIVATE, 1),
    CALL(futex, PTR, 0 /* FUTEX_WAIT */, 1, 0),
    CALL(futex, PTR, 1 /* FUTEX_WAKE */, 1),
    CALL(write, 3, PTR, 1),
    CALL(read, 3, PTR, 1),
    CALL(rt_sigprocmask, SIG_SETMASK, PTR, PTR, 8),
    CALL(clock_nanosleep, CLOCK_MONOTONIC, 0, PTR, PTR),
    CALL(clock_nanosleep, CLOCK_REALTIME, 0, PTR, 0),
    CALL(getpid, 0),
    CALL(mincore, PTR, 4096, PTR), /* libunwind's check of an address */
};

/*
 * A filter with SECCOMP_FILTER_FLAG_TSYNC covers the threads that are not
 * the program's too: our flusher (it sleeps on a futex word and emits the
 * batches), lttng-ust's listeners (the session daemon's commands and their
 * answers; buffers mapped and released) and, when served, the state
 * keeper (its requests, on a datagram socket).
 */
static const struct our_call flusher_calls[] = {
    CALL(futex, PTR, FUTEX_WAIT_BITSET_PRIVATE, 0, PTR, 0, FUTEX_BITSET_MATCH_ANY),
    CALL(futex, PTR, FUTEX_WAKE_PRIVATE, 1),
    CALL(openat, (uint64_t)AT_FDCWD, PTR, O_RDONLY | O_CLOEXEC), /* the title (title.c) */
    CALL(read, 3, PTR, 4096),
    CALL(close, 3),
};

static const struct our_call listener_calls[] = {
    CALL(recvmsg, 3, PTR, 0),
    CALL(sendmsg, 3, PTR, MSG_NOSIGNAL),
    CALL(mmap, 0, 65536, PROT_READ | PROT_WRITE, MAP_SHARED, 3, 0),
    CALL(munmap, PTR, 65536),
    CALL(close, 3),
};

static const struct our_call keeper_calls[] = {
    CALL(recvmsg, 3, PTR, 0),
    CALL(sendto, 3, PTR, 16, MSG_DONTWAIT, PTR, 16),
};

/* Whether the kernel would let `c` through `prog`: it runs it as
 * kernel/seccomp.c does (classic BPF on struct seccomp_data); an
 * instruction it does not know counts as denial. */
static bool filter_allows(const struct sock_filter *f, unsigned len, const struct our_call *c)
{
	struct seccomp_data d;
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};

	memset(&d, 0, sizeof(d));
	d.nr = c->nr;
	d.arch = AUDIT_ARCH_X86_64;
	memcpy(d.args, c->args, sizeof(d.args));
	for (unsigned pc = 0; pc < len; pc++) {
		const struct sock_filter *i = &f[pc];
		uint32_t k = i->k, src = BPF_SRC(i->code) == BPF_X ? x : k;

		switch (BPF_CLASS(i->code)) {
		case BPF_LD:
		case BPF_LDX: {
			uint32_t v;

			if (BPF_MODE(i->code) == BPF_ABS) {
				if (BPF_SIZE(i->code) != BPF_W || k > sizeof(d) - 4 || (k & 3))
					return false;
				memcpy(&v, (const char *)&d + k, 4);
			} else if (BPF_MODE(i->code) == BPF_IMM) {
				v = k;
			} else if (BPF_MODE(i->code) == BPF_MEM && k < BPF_MEMWORDS) {
				v = mem[k];
			} else if (BPF_MODE(i->code) == BPF_LEN) {
				v = sizeof(d);
			} else {
				return false;
			}
			if (BPF_CLASS(i->code) == BPF_LD)
				a = v;
			else
				x = v;
			break;
		}
		case BPF_ST:
		case BPF_STX:
			if (k >= BPF_MEMWORDS)
				return false;
			mem[k] = BPF_CLASS(i->code) == BPF_ST ? a : x;
			break;
		case BPF_ALU:
			switch (BPF_OP(i->code)) {
			case BPF_ADD:
				a += src;
				break;
			case BPF_SUB:
				a -= src;
				break;
			case BPF_MUL:
				a *= src;
				break;
			case BPF_DIV:
				if (!src)
					return false;
				a /= src;
				break;
			case BPF_MOD:
				if (!src)
					return false;
				a %= src;
				break;
			case BPF_AND:
				a &= src;
				break;
			case BPF_OR:
				a |= src;
				break;
			case BPF_XOR:
				a ^= src;
				break;
			case BPF_LSH:
				a = src < 32 ? a << src : 0;
				break;
			case BPF_RSH:
				a = src < 32 ? a >> src : 0;
				break;
			case BPF_NEG:
				a = -a;
				break;
			default:
				return false;
			}
			break;
		case BPF_JMP: {
			bool t;

			if (BPF_OP(i->code) == BPF_JA) {
				pc += k;
				continue;
			}
			switch (BPF_OP(i->code)) {
			case BPF_JEQ:
				t = a == src;
				break;
			case BPF_JGT:
				t = a > src;
				break;
			case BPF_JGE:
				t = a >= src;
				break;
			case BPF_JSET:
				t = (a & src) != 0;
				break;
			default:
				return false;
			}
			pc += t ? i->jt : i->jf;
			break;
		}
		case BPF_RET: {
			uint32_t r = BPF_RVAL(i->code) == BPF_A ? a : k;

			r &= SECCOMP_RET_ACTION_FULL;
			return r == SECCOMP_RET_ALLOW || r == SECCOMP_RET_LOG;
		}
		case BPF_MISC:
			if (BPF_MISCOP(i->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		default:
			return false;
		}
	}
	return false; /* ran off the end: the kernel refuses such a filter */
}

/* The first of `calls` the filter denies, or NULL. */
static const struct our_call *first_denied(const struct sock_fprog *prog,
					   const struct our_call *calls, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!filter_allows(prog->filter, prog->len, &calls[i]))
			return &calls[i];
	return NULL;
}

static void warn(const char *detail)
{
	struct cprof_tls *t = &cprof_tls;

	if (!t->known)
		return;
	t->depth++;
	lttng_ust_tracepoint(cprof, warning, CPROF_TP_WARN_SECCOMP, detail);
	t->depth--;
}

/*
 * A filter on every thread denies calls of the threads that are not the
 * program's, or of every hook: the process stops recording for good
 * before it goes in. What its threads buffered goes out, then the flusher,
 * the state keeper and lttng-ust's listeners end (each waited for until
 * the kernel has no thread of its id: glibc's thread exit makes calls
 * too), our tracepoints are switched off (a thread inside a hook when the
 * filter goes in writes nothing more), and the sockets to the session
 * daemon are shut down: it forgets the process, keeping what it recorded.
 * lttng-ust's exit, later, finds its listeners cancelled already.
 */
static void stop_recording(void)
{
	cprof_preload_quiet(true);
	cprof_batch_stop_();
	cprof_state_stop();
	cprof_preload_tracepoints_off();
	if (real_pthread_cancel)
		cprof_ust_stop_threads(real_pthread_cancel);
}

/*
 * The program is about to install a filter (`strict`: SECCOMP_MODE_STRICT,
 * read, write and exit only), on this thread (and those it starts) or,
 * `all_threads` (SECCOMP_FILTER_FLAG_TSYNC), on every thread of the
 * process. Called before the real call: stops what the filter would not
 * let through. A filter that cannot be read (NULL: a feature probe, which
 * the kernel refuses) changes nothing.
 */
static void before_filter(bool strict, const struct sock_fprog *prog, bool all_threads)
{
	const struct our_call *s = NULL, *h = NULL, *o = NULL;
	const char *whose = "recording makes";
	unsigned denied = 0;
	char detail[200];

	__atomic_store_n(&cprof_seccomp_seen, true, __ATOMIC_RELAXED);
	if (cprof_tls.depth > 0 || !cprof_cfg.ready)
		return;
	if (!strict) {
		static const struct our_call mb[] = {
		    CALL(membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0),
		};
		static const struct our_call cancel[] = {
		    CALL(rt_sigaction, 32 /* SIGCANCEL */, PTR, PTR, 8),
		    CALL(tgkill, 1, 1, 32),
		};
		static const struct our_call close_[] = {
		    CALL(close, 3),
		};

		if (!prog || !prog->filter || prog->len == 0 || prog->len > BPF_MAXINSNS)
			return;
		if (first_denied(prog, mb, N_CALLS(mb)))
			denied |= CPROF_DENIES_MEMBARRIER;
		if (first_denied(prog, cancel, N_CALLS(cancel)))
			denied |= CPROF_DENIES_CANCEL;
		if (first_denied(prog, close_, N_CALLS(close_)))
			denied |= CPROF_DENIES_CLOSE;
		s = first_denied(prog, sampler_calls, N_CALLS(sampler_calls));
		h = first_denied(prog, hook_calls, N_CALLS(hook_calls));
		if (all_threads && !h) {
			if ((o = first_denied(prog, flusher_calls, N_CALLS(flusher_calls))))
				whose = "our flusher thread makes";
			else if ((o = first_denied(prog, listener_calls, N_CALLS(listener_calls))))
				whose = "lttng-ust's listener threads make";
			else if (cprof_state_on &&
				 (o = first_denied(prog, keeper_calls, N_CALLS(keeper_calls))))
				whose = "the state keeper thread makes";
		}
		if (all_threads)
			__atomic_fetch_or(&denied_all, denied, __ATOMIC_RELEASE);
		else
			denied_here |= denied;
		if (!s && !h && !o)
			return;
	}
	if (strict)
		snprintf(detail, sizeof(detail),
			 "strict mode (read, write and exit only): the process is no longer "
			 "recorded");
	else if (h || o)
		snprintf(detail, sizeof(detail),
			 "the filter%s does not allow %s, which %s: %s no longer recorded",
			 all_threads ? " (on every thread)" : "", h ? h->name : o->name, whose,
			 all_threads ? "the process is" : "this thread and those it starts are");
	else
		snprintf(detail, sizeof(detail),
			 "the filter does not allow %s, which CPU sampling makes: sampling off",
			 s->name);
	warn(detail);
	cprof_sampler_stop();
	if (all_threads && (h || o))
		stop_recording();
	else if (strict || h)
		cprof_preload_quiet(strict);
}

/* From prctl (thread.c). */
void cprof_seccomp_prctl(unsigned long mode, unsigned long arg)
{
	if (mode == SECCOMP_MODE_STRICT)
		before_filter(true, NULL, false);
	else if (mode == SECCOMP_MODE_FILTER)
		before_filter(false, (const struct sock_fprog *)arg, false);
}

/* glibc's syscall(); read by the x86-64 entry below, hence not static. */
long (*cprof_real_syscall_)(long, ...) CPROF_HIDDEN;
#define real_syscall cprof_real_syscall_

void cprof_seccomp_resolve(void) CPROF_HIDDEN;
void cprof_seccomp_resolve(void)
{
	real_syscall = (long (*)(long, ...))cprof_dlsym("syscall");
	real_pthread_cancel = (int (*)(pthread_t))cprof_dlsym("pthread_cancel");
}

/* The system call as glibc's syscall() makes it. */
static long raw_syscall(long nr, const unsigned long *a)
{
#if defined(__x86_64__)
	register unsigned long r10 __asm__("r10") = a[3];
	register unsigned long r8 __asm__("r8") = a[4];
	register unsigned long r9 __asm__("r9") = a[5];
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		ret = -1;
	}
	return ret;
#else
	long (*fn)(long, ...) = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");

	return fn(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
#endif
}

/*
 * libseccomp and others install filters with the seccomp system call,
 * which glibc has no wrapper for: syscall() is ours. Most calls through
 * it must not see a frame of ours: a signal restorer's rt_sigreturn
 * (a program that installs its handler with the raw rt_sigaction) reads
 * the signal frame at the stack pointer, and a clone or vfork child
 * returns on the stack it was given. On x86-64 the entry below compares
 * the number only and jumps to glibc's with every register and the stack
 * as they came; seccomp, prctl and membarrier (and a call while the
 * symbols resolve) go to cprof_syscall_slow_, which may have a frame.
 */
long cprof_syscall_slow_(long nr, ...) CPROF_HIDDEN;
#if defined(__x86_64__)
/* clang-format off */
__asm__(".text\n"
	".globl syscall\n"
	".type syscall, @function\n"
	"syscall:\n"
	"	endbr64\n"
	"	cmpq $" CPROF_STR(SYS_seccomp) ", %rdi\n"
	"	je 1f\n"
	"	cmpq $" CPROF_STR(SYS_prctl) ", %rdi\n"
	"	je 1f\n"
	"	cmpq $" CPROF_STR(SYS_membarrier) ", %rdi\n"
	"	je 1f\n"
	"	movq cprof_real_syscall_(%rip), %rax\n"
	"	testq %rax, %rax\n"
	"	jz 1f\n"
	"	jmp *%rax\n"
	"1:	jmp cprof_syscall_slow_\n"
	".size syscall, .-syscall\n");
/* clang-format on */
#else
CPROF_EXPORT long syscall(long nr, ...)
{
	va_list ap;
	unsigned long a[6];

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, unsigned long);
	va_end(ap);
	return cprof_syscall_slow_(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
#endif

long cprof_syscall_slow_(long nr, ...)
{
	unsigned long a[6];
	va_list ap;

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, unsigned long);
	va_end(ap);
	if (unlikely(!real_syscall))
		cprof_resolve_all();
	if (unlikely(!real_syscall)) /* called while the symbols resolve */
		return raw_syscall(nr, a);
	/*
	 * lttng-ust's RCU (urcu-bp) ends a grace period with membarrier,
	 * and aborts when it fails: at exit (its destructor) in a thread
	 * whose filter denies it, that killed OpenSSH's pre-authentication
	 * child after a successful login. There, a full fence of this thread
	 * stands in for it: the process is ending, and what the grace period
	 * protects (lttng-ust's own tables) is never unmapped before it ends.
	 */
	if (nr == SYS_membarrier && cprof_seccomp_denies(CPROF_DENIES_MEMBARRIER)) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		return 0;
	}
	if (nr == SYS_seccomp) {
		if (a[0] == SECCOMP_SET_MODE_STRICT)
			before_filter(true, NULL, false);
		else if (a[0] == SECCOMP_SET_MODE_FILTER)
			before_filter(false, (const struct sock_fprog *)a[2],
				      (a[1] & SECCOMP_FILTER_FLAG_TSYNC) != 0);
	} else if (nr == SYS_prctl && a[0] == PR_SET_SECCOMP) {
		cprof_seccomp_prctl(a[1], a[2]);
	} else if (nr == SYS_prctl && a[0] == PR_SET_NAME && a[1]) {
		/* a thread named by the raw call, as prctl's hook does */
		long ret = real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);

		if (ret == 0)
			cprof_thread_renamed();
		return ret;
	}
	return real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
