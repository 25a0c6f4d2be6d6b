/*
 * libcprof-trace-preload: automatic thread, lock, allocator, blocking-call
 * and CPU-sample events, injected by `cprof-trace record` through
 * LD_PRELOAD. This file holds what every hook needs: the configuration
 * (environment variables, read once in the constructor), the real libc
 * symbols, the bootstrap allocator and fork handling.
 *
 * The design follows lttng-ust's libc and pthread wrappers: real symbols
 * come from dlsym(RTLD_NEXT), resolved at the first call into any hook
 * (which happens inside ld.so, before any thread exists, since ld.so's
 * own mallocs after relocation come to our malloc), while dlsym's own
 * calloc is served by a static bump allocator; a thread-local nesting
 * counter keeps lttng-ust, libunwind and libc from re-entering a hook that
 * records.
 */
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "tp.h"

#include "preload.h"
#include "sigprof.h"

#include "cprof-record.h"
#include "linker.h"
#include "secure-exec.h"
#include "state.h"
#include "track.h"

#include <cprof/trace.h>

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

__thread struct cprof_tls cprof_tls __attribute__((tls_model("initial-exec")));
struct cprof_config cprof_cfg;
struct cprof_real cprof_real;
bool cprof_resolving;

/* dlsym needs a few hundred bytes (its error state); the rest is margin. */
_Alignas(64) unsigned char cprof_bootstrap_pool[CPROF_BOOTSTRAP_SIZE];
static size_t bootstrap_used;

void *cprof_bootstrap_alloc(size_t size, size_t align)
{
	size_t old, start, end;

	if (align < 16)
		align = 16;
	old = __atomic_load_n(&bootstrap_used, __ATOMIC_RELAXED);
	do {
		/* 16 bytes in front of each block hold its size for realloc. */
		start = (old + 16 + align - 1) & ~(align - 1);
		end = start + size;
		if (end > CPROF_BOOTSTRAP_SIZE || end < start)
			return NULL;
	} while (!__atomic_compare_exchange_n(&bootstrap_used, &old, end, true, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	*(size_t *)(cprof_bootstrap_pool + start - sizeof(size_t)) = size;
	cprof_alloc_pin_bootstrap(cprof_bootstrap_pool + start);
	return cprof_bootstrap_pool + start;
}

size_t cprof_bootstrap_size(const void *ptr)
{
	return *(const size_t *)((const unsigned char *)ptr - sizeof(size_t));
}

/* Only pages wholly inside the object are dropped: in .bss they are
 * anonymous (ld.so maps file contents only up to the page holding the
 * segment's last file byte, which the object can only share partly). */
void cprof_zero_static(void *p, size_t n)
{
	const uintptr_t page = (uintptr_t)getpagesize();
	uintptr_t a = (uintptr_t)p, e = a + n;
	uintptr_t pa = (a + page - 1) & ~(page - 1), pe = e & ~(page - 1);

	if (pe <= pa || madvise((void *)pa, pe - pa, MADV_DONTNEED) != 0) {
		memset(p, 0, n);
		return;
	}
	memset(p, 0, pa - a);
	memset((void *)pe, 0, e - pe);
}

void *cprof_dlsym(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

void *cprof_dlvsym(const char *name, const char *version)
{
	void *fn = dlvsym(RTLD_NEXT, name, version);

	return fn ? fn : dlsym(RTLD_NEXT, name);
}

/* Defined by the hook files: resolve their own real symbols. */
void cprof_sync_resolve(void) CPROF_HIDDEN;
void cprof_io_resolve(void) CPROF_HIDDEN;
void cprof_thread_resolve(void) CPROF_HIDDEN;
void cprof_fd_resolve(void) CPROF_HIDDEN;
void cprof_sampler_resolve(void) CPROF_HIDDEN;
void cprof_io_more_resolve(void) CPROF_HIDDEN;
void cprof_stdio_resolve(void) CPROF_HIDDEN;
void cprof_seccomp_resolve(void) CPROF_HIDDEN;
void cprof_setxid_resolve(void) CPROF_HIDDEN;

static void (*real__exit)(int);

static void exec_resolve(void);
static void spawn_resolve(void);

void cprof_resolve_all(void)
{
	static bool done;

	if (__atomic_load_n(&done, __ATOMIC_ACQUIRE) || cprof_resolving)
		return;
	cprof_resolving = true;
	/* Plain stores: a racing resolver writes the same values. */
	cprof_real.malloc = cprof_dlsym("malloc");
	cprof_real.calloc = cprof_dlsym("calloc");
	cprof_real.realloc = cprof_dlsym("realloc");
	cprof_real.free = cprof_dlsym("free");
	cprof_real.posix_memalign = cprof_dlsym("posix_memalign");
	cprof_real.aligned_alloc = cprof_dlsym("aligned_alloc");
	cprof_real.memalign = cprof_dlsym("memalign");
	cprof_real.valloc = cprof_dlsym("valloc");
	cprof_real.pvalloc = cprof_dlsym("pvalloc");
	cprof_real.malloc_usable_size = cprof_dlsym("malloc_usable_size");
	real__exit = (void (*)(int))cprof_dlsym("_exit");
	exec_resolve();
	spawn_resolve();
	cprof_sync_resolve();
	cprof_io_resolve();
	cprof_thread_resolve();
	cprof_fd_resolve();
	cprof_sampler_resolve();
	cprof_io_more_resolve();
	cprof_stdio_resolve();
	cprof_seccomp_resolve();
	cprof_setxid_resolve();
	__atomic_store_n(&done, true, __ATOMIC_RELEASE);
	cprof_resolving = false;
}

int32_t cprof_gettid(void)
{
	struct cprof_tls *t = &cprof_tls;

	if (!t->tid)
		t->tid = (int32_t)syscall(SYS_gettid);
	return t->tid;
}

static uint64_t env_u64(const char *name, uint64_t def, uint64_t max)
{
	const char *s = getenv(name);
	char *end = NULL;
	unsigned long long v;

	if (!s || !*s)
		return def;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return def;
	return v;
}

static bool env_bool(const char *name, bool def)
{
	const char *s = getenv(name);

	if (!s || !*s)
		return def;
	return strcmp(s, "0") != 0 && strcmp(s, "no") != 0 && strcmp(s, "off") != 0;
}

static void read_config(struct cprof_config *c)
{
	enum cprof_tp_alloc_mode mode = CPROF_DEFAULT_ALLOC;

	c->locks = env_bool(CPROF_ENV_LOCKS, true);
	c->io = env_bool(CPROF_ENV_IO, true);
	c->threads = env_bool(CPROF_ENV_THREADS, true);
	cprof_record_alloc_mode_parse(getenv(CPROF_ENV_ALLOC), &mode);
	c->alloc_mode = mode;
	c->alloc_rate =
	    env_u64(CPROF_ENV_ALLOC_RATE, CPROF_DEFAULT_ALLOC_RATE, CPROF_ALLOC_RATE_MAX);
	if (c->alloc_rate == 0)
		c->alloc_mode = CPROF_TP_ALLOC_ALL;
	c->stack_depth = (uint32_t)env_u64(CPROF_ENV_STACK_DEPTH, CPROF_DEFAULT_STACK_DEPTH,
					   CPROF_STACK_DEPTH_MAX);
	c->io_threshold_ns =
	    env_u64(CPROF_ENV_IO_THRESHOLD_NS, CPROF_DEFAULT_IO_THRESHOLD_NS, UINT64_MAX);
	c->cpu_rate =
	    (uint32_t)env_u64(CPROF_ENV_CPU_RATE, CPROF_DEFAULT_CPU_RATE, CPROF_CPU_RATE_MAX);
}

bool cprof_config_pending;

/*
 * The parent as it was when the process started or forked. cprof:config
 * may be emitted late (pending, below), when the parent may have exited: a
 * daemon's child would then name its subreaper (record) or init, and the
 * reader, which keeps the recorded process tree by these ppids, would drop
 * it.
 */
int32_t cprof_parent_pid;
int32_t cprof_self_pid;
static int32_t forking_pid;

/*
 * The process's name as it started (its comm, which exec sets to the
 * program's file name and ps shows), read before main() runs and again in
 * a fork child: cprof:config says it, from launch as in a state dump,
 * after the program may have named its main thread ("producer"), which
 * renames the process for ps -o comm but not for the reader.
 */
char cprof_program_name[17];

static void program_name_read(void)
{
	char name[17] = {0};

	if (prctl(PR_GET_NAME, name) == 0)
		memcpy(cprof_program_name, name, sizeof(name));
}

/*
 * cprof:config (with the thread's name) opens every process's events: the
 * reader keeps a process by it. It is emitted from the settings kept in
 * memory since the constructor, never from the environment, which a
 * program may have overwritten by then (setproctitle: nginx, postgres).
 * When lttng-ust has not registered the process with the session daemon
 * yet (a fork child does not wait for it: see fork below; lttng-ust's own
 * wait may have timed out), the event would be dropped: it is kept
 * pending and emitted before the process's first event that has a stack
 * (cprof_config_check), when recording has begun.
 */
static void emit_config_now(void)
{
	struct cprof_tls *t = &cprof_tls;
	const struct cprof_config *c = &cprof_cfg;
	uint32_t flags = (c->locks ? CPROF_TP_CONFIG_LOCKS : 0) | (c->io ? CPROF_TP_CONFIG_IO : 0) |
			 (c->threads ? CPROF_TP_CONFIG_THREADS : 0);
	char name[17] = {0};

	t->depth++;
	lttng_ust_tracepoint(cprof, config, c->alloc_mode, c->alloc_rate, c->cpu_rate,
			     c->io_threshold_ns, c->stack_depth, flags, cprof_parent_pid,
			     cprof_program_name);
	if (c->threads && lttng_ust_tracepoint_enabled(cprof, thread_name) &&
	    prctl(PR_GET_NAME, name) == 0)
		lttng_ust_do_tracepoint(cprof, thread_name, (uint64_t)cprof_gettid(), name);
	/* the objects the reader needs to name this process's addresses:
	 * when it joins a recording, and again in a fork child */
	cprof_modules_emit_all();
	t->depth--;
}

void cprof_emit_config(void)
{
	if (!lttng_ust_tracepoint_enabled(cprof, config)) {
		__atomic_store_n(&cprof_config_pending, true, __ATOMIC_RELEASE);
		return;
	}
	__atomic_store_n(&cprof_config_pending, false, __ATOMIC_RELEASE);
	emit_config_now();
}

void cprof_config_flush(void)
{
	if (lttng_ust_tracepoint_enabled(cprof, config) &&
	    __atomic_exchange_n(&cprof_config_pending, false, __ATOMIC_ACQ_REL))
		emit_config_now();
}

/*
 * lttng-ust reads its environment once and keeps pointers to the strings
 * (HOME to find its session daemon, LTTNG_UST_REGISTER_TIMEOUT for its
 * waits and socket timeouts, ...), and reads them again in a fork child.
 * A program that writes its process title over argv and environ
 * (setproctitle: nginx, postgres) leaves those pointers on its title: the
 * child then registers with a garbage timeout, or not at all. The values
 * are kept here at start and, in a fork child (before liblttng-ust-fork
 * re-registers it, after our pthread_atfork handler), written back where
 * they were if they changed: only those bytes, which were the environment's.
 */
static const char *const ust_env_names[] = {"LTTNG_UST_DEBUG",
					    "LTTNG_UST_ABORT_ON_CRITICAL",
					    "LTTNG_UST_WITHOUT_BADDR_STATEDUMP",
					    "LTTNG_UST_REGISTER_TIMEOUT",
					    "LTTNG_UST_CLOCK_PLUGIN",
					    "LTTNG_UST_GETCPU_PLUGIN",
					    "LTTNG_UST_ALLOW_BLOCKING",
					    "HOME",
					    "LTTNG_HOME"};
#define UST_ENV_COUNT (sizeof(ust_env_names) / sizeof(ust_env_names[0]))
static struct {
	char *at;
	size_t len;
	char saved[256];
} ust_env[UST_ENV_COUNT];

static void ust_env_save(void)
{
	for (size_t i = 0; i < UST_ENV_COUNT; i++) {
		char *v = getenv(ust_env_names[i]);
		size_t n = v ? strlen(v) : 0;

		if (!v || n >= sizeof(ust_env[i].saved))
			continue;
		memcpy(ust_env[i].saved, v, n + 1);
		ust_env[i].len = n;
		ust_env[i].at = v;
	}
}

static void ust_env_restore(void)
{
	for (size_t i = 0; i < UST_ENV_COUNT; i++)
		if (ust_env[i].at && memcmp(ust_env[i].at, ust_env[i].saved, ust_env[i].len + 1))
			memcpy(ust_env[i].at, ust_env[i].saved, ust_env[i].len + 1);
}

/*
 * After fork the child is a new process for the reader (new vpid): stack
 * ids must be defined again in its stream, its one thread has a new tid,
 * and POSIX timers are not inherited. Only async-signal-safe work here;
 * what emits events is done when fork() has returned (see fork below),
 * once lttng-ust has set itself up again in the child.
 */
static void before_fork(void)
{
	forking_pid = (int32_t)getpid();
}

static void after_fork_child(void)
{
	struct cprof_tls *t = &cprof_tls;

	cprof_parent_pid = forking_pid;
	__atomic_store_n(&cprof_self_pid, (int32_t)getpid(), __ATOMIC_RELAXED);
	program_name_read();
	t->tid = 0;
	t->sampler_armed = false;
	/*
	 * A fork made by a signal handler that interrupted a blocking call
	 * (postgres 15's postmaster starts its walwriter, autovacuum
	 * launcher and others from its SIGCHLD and SIGUSR1 handlers, inside
	 * select) left the child inside that call's hook: with `in_io` set
	 * for good, none of the child's blocking calls was seen, and a
	 * served child showed each of its threads blocked in epoll_wait as
	 * "running". The child is in no call of its own; io_end, if it ever
	 * returns into the parent's, records nothing (io.h).
	 */
	t->in_io = false;
	ust_env_restore();
	cprof_stacks_reset();
	cprof_alloc_after_fork_child();
	cprof_ust_threads_after_fork_child();
}

static pid_t (*real_fork)(void);

static bool recording_stopped;

void cprof_preload_tracepoints_off(void)
{
	cprof_tracepoints_off_();
	__atomic_store_n(&recording_stopped, true, __ATOMIC_RELEASE);
}

/*
 * Wrapped so that, when libcprof-trace-preload comes before
 * liblttng-ust-fork.so in LD_PRELOAD (as `record` sets it), our child-side
 * work runs after lttng-ust re-registered the child with the session
 * daemon.
 */
CPROF_EXPORT pid_t fork(void)
{
	pid_t pid;
	int saved;

	if (unlikely(!real_fork)) {
		real_fork = (pid_t(*)(void))cprof_dlsym("fork");
		if (!real_fork) {
			errno = ENOSYS;
			return -1;
		}
	}
	/* A process that stopped recording before a seccomp filter on every
	 * thread (seccomp.c): liblttng-ust-fork would start lttng-ust's
	 * listener threads again in the child, which inherits the filter.
	 * The child is not recorded either. */
	if (unlikely(__atomic_load_n(&recording_stopped, __ATOMIC_ACQUIRE))) {
		static pid_t (*libc_fork)(void);

		if (!libc_fork)
			libc_fork = (pid_t(*)(void))cprof_libc_symbol_("fork");
		return libc_fork ? libc_fork() : real_fork();
	}
	pid = real_fork();
	if (pid != 0 || !cprof_cfg.ready || !cprof_tls.known)
		return pid;
	saved = errno;
	cprof_threads_register(cprof_gettid());
	cprof_emit_config();
	cprof_sampler_arm_thread();
	cprof_state_after_fork_child();
	errno = saved;
	return pid;
}

/*
 * clone() without CLONE_VM makes a process, which liblttng-ust-fork
 * (after us in LD_PRELOAD) sets up as a fork child: lttng-ust starts its
 * two listener threads in it. A child in a new user namespace must stay
 * single-threaded: it maps its ids, drops its capabilities, unshares
 * more (the kernel refuses CLONE_NEWUSER to a multithreaded caller).
 * Chromium checks that it can make one, and CHECKs that the child has
 * one thread: it died of SIGTRAP, and Chromium gave up ("No usable
 * sandbox!"). Such a child, and every child of a process that stopped
 * recording (seccomp.c), goes through libc's clone: it is not recorded
 * until it executes a program, which registers in its own right.
 */
CPROF_EXPORT int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
	typedef int (*clone_fn)(int (*)(void *), void *, int, void *, ...);
	static clone_fn next, libc;
	va_list ap;
	pid_t *ptid, *ctid;
	void *tls;

	va_start(ap, arg);
	ptid = va_arg(ap, pid_t *);
	tls = va_arg(ap, void *);
	ctid = va_arg(ap, pid_t *);
	va_end(ap);
	if (!(flags & CLONE_VM) &&
	    ((flags & CLONE_NEWUSER) || __atomic_load_n(&recording_stopped, __ATOMIC_ACQUIRE))) {
		if (!libc)
			libc = (clone_fn)cprof_libc_symbol_("clone");
		if (libc)
			return libc(fn, stack, flags, arg, ptid, tls, ctid);
	}
	if (!next)
		next = (clone_fn)cprof_dlsym("clone");
	if (!next) {
		errno = ENOSYS;
		return -1;
	}
	return next(fn, stack, flags, arg, ptid, tls, ctid);
}

/*
 * glibc loads libgcc_s.so.1 at a process's first pthread_cancel or
 * pthread_exit, and aborts ("libgcc_s.so.1 must be installed for
 * pthread_cancel to work") when it cannot open it. lttng-ust cancels its
 * threads at exit: a program that had used up its descriptors
 * (RLIMIT_NOFILE: a server at its connection limit, `ulimit -n`) and then
 * exited normally died of SIGABRT, its buffered output lost. Loaded here,
 * it is found loaded then, with no file to open. A program that has it
 * loaded already (C++) is unchanged.
 */
static void load_unwind_library(void)
{
	void *(*real_dlopen)(const char *, int) = cprof_dlsym("dlopen");

	if (real_dlopen)
		(void)real_dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_NODELETE);
}

__attribute__((constructor)) static void cprof_preload_init(void)
{
	struct cprof_tls *t = &cprof_tls;
	struct cprof_config c = {0};
	int saved = errno;

	cprof_resolve_all();
	/* The `cprof` probes live in libcprof-trace and register in its
	 * constructor; this call is the reference that keeps it in our
	 * DT_NEEDED under --as-needed. */
	(void)cprof_task_id(NULL);
	if (!real_fork)
		real_fork = (pid_t(*)(void))cprof_dlsym("fork");
	read_config(&c);
	ust_env_save();
	/* libunwind sets itself up here, and opens its pipe. */
	cprof_fd_own_begin();
	unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
	cprof_fd_own_end();
	load_unwind_library();
	/* before this library starts threads of its own */
	cprof_check_registered();
	cprof_phdr_init();
	cprof_stacks_init();
	cprof_ust_refresh();
	t->known = true;
	cprof_threads_register(cprof_gettid());
	cprof_parent_pid = (int32_t)getppid();
	__atomic_store_n(&cprof_self_pid, (int32_t)getpid(), __ATOMIC_RELAXED);
	program_name_read();
	pthread_atfork(before_fork, NULL, after_fork_child);
	/* Before the heap counter counts (see cprof_batch_start_flusher_). */
	if (lttng_ust_tracepoint_enabled(cprof, batch))
		cprof_batch_start_flusher_();

	/* Publish the settings, then let hooks record. */
	cprof_cfg.alloc_rate = c.alloc_rate;
	cprof_cfg.cpu_rate = c.cpu_rate;
	cprof_cfg.io_threshold_ns = c.io_threshold_ns;
	cprof_cfg.stack_depth = c.stack_depth;
	cprof_cfg.threads = c.threads;
	cprof_cfg.io = c.io;
	cprof_cfg.locks = c.locks;
	cprof_cfg.alloc_mode = c.alloc_mode;
	__atomic_store_n(&cprof_cfg.ready, true, __ATOMIC_RELEASE);
	cprof_alloc_init();

	cprof_emit_config();
	cprof_sigprof_find_unwinder();
	t->depth++;
	cprof_stack_warmup();
	t->depth--;
	cprof_state_init();
	cprof_sampler_init();
	cprof_sampler_arm_thread();
	errno = saved;
}

bool cprof_quiet_all;

/* A seccomp filter is about to deny calls recording makes (seccomp.c). */
void cprof_preload_quiet(bool all_threads)
{
	struct cprof_tls *t = &cprof_tls;

	cprof_batch_sandboxed_();
	t->quiet = true;
	t->known = false;
	t->depth++;
	if (all_threads) {
		/* every hook's own switch off: the hot paths test no more */
		__atomic_store_n(&cprof_cfg.locks, false, __ATOMIC_RELAXED);
		__atomic_store_n(&cprof_cfg.io, false, __ATOMIC_RELAXED);
		__atomic_store_n(&cprof_cfg.threads, false, __ATOMIC_RELAXED);
		__atomic_store_n(&cprof_cfg.alloc_mode, CPROF_TP_ALLOC_OFF, __ATOMIC_RELAXED);
		__atomic_store_n(&cprof_quiet_all, true, __ATOMIC_RELEASE);
	}
}

/*
 * The process's end for the reader, which stops its counter tracks (heap
 * in use, threads alive) there: at exit() or main's return, and at _exit()
 * (below). A process killed by a signal has none; its tracks run to the
 * end of the trace.
 */
static void emit_process_end(void)
{
	struct cprof_tls *t = &cprof_tls;
	int saved = errno;

	if (!__atomic_load_n(&cprof_cfg.ready, __ATOMIC_ACQUIRE) || t->quiet ||
	    __atomic_load_n(&cprof_quiet_all, __ATOMIC_RELAXED))
		return;
	t->depth++;
	cprof_config_check();
	lttng_ust_tracepoint(cprof, thread_exit, 1);
	t->depth--;
	errno = saved;
}

__attribute__((destructor)) static void cprof_preload_fini(void)
{
	emit_process_end();
	/* not once the program installed a seccomp filter: its calls are not
	 * among those seccomp.c checks (and before one on every thread that
	 * would deny them, it stopped the listeners) */
	if (!__atomic_load_n(&cprof_seccomp_seen, __ATOMIC_RELAXED) && !cprof_tls.quiet &&
	    !cprof_in_vfork_child())
		cprof_thread_end_ust_listeners();
}

/*
 * _exit and _Exit skip the destructors: dash (every `sh -c`) and many fork
 * children end so. libcprof-trace wraps them too, but under LD_PRELOAD it
 * comes after libc and the program never reaches its wrapper: its flush
 * of the threads' batched records is done from here. Not in a vfork child,
 * which shares its parent's memory and must touch nothing.
 */
CPROF_EXPORT void _exit(int status)
{
	if (!cprof_in_vfork_child() && !cprof_tls.quiet &&
	    !__atomic_load_n(&cprof_quiet_all, __ATOMIC_RELAXED)) {
		cprof_exit_flush_();
		emit_process_end();
	}
	if (real__exit)
		real__exit(status);
	syscall(SYS_exit_group, status);
	__builtin_unreachable();
}

CPROF_EXPORT void _Exit(int status)
{
	_exit(status);
}

/*
 * exec skips the destructors too, and the kernel ends the other threads:
 * the records the threads had buffered (up to 50 ms of each: regions,
 * allocations under --alloc=all) were lost when a program executed
 * another, as `sh -c '...; exec prog'`, `env` or a fork child does. glibc's
 * exec functions call execve internally, past any hook: each is hooked.
 * Not in a vfork child, which must touch nothing.
 */
static struct {
	int (*execve)(const char *, char *const[], char *const[]);
	int (*execv)(const char *, char *const[]);
	int (*execvp)(const char *, char *const[]);
	int (*execvpe)(const char *, char *const[], char *const[]);
	int (*fexecve)(int, char *const[], char *const[]);
} real_exec;

static void exec_resolve(void)
{
	real_exec.execve = cprof_dlsym("execve");
	real_exec.execv = cprof_dlsym("execv");
	real_exec.execvp = cprof_dlsym("execvp");
	real_exec.execvpe = cprof_dlsym("execvpe");
	real_exec.fexecve = cprof_dlsym("fexecve");
}

/* LD_PRELOAD in the environment the new program gets: without it, it is
 * not traced whatever its mode. */
static bool preloads(char *const envp[])
{
	for (char *const *e = envp; e && *e; e++)
		if (!strncmp(*e, "LD_PRELOAD=", 11))
			return (*e)[11] != '\0';
	return false;
}

/* Valgrind's launcher starting its tool (memcheck-amd64-linux...), which is
 * statically linked but loads the program it runs with that program's own
 * loader, LD_PRELOAD honoured: traced after all. */
static bool valgrind_tool(char *const envp[])
{
	for (char *const *e = envp; e && *e; e++)
		if (!strncmp(*e, "VALGRIND_LAUNCHER=", 18))
			return true;
	return false;
}

/*
 * A program that will run in secure-execution mode ignores LD_PRELOAD, and
 * a statically linked one has no loader to read it: each would be missing
 * from the trace with no word (a static test program `make check` runs,
 * one a shell script starts): record is told before the exec
 * (secure-exec.h, track.h). With no record to tell (a flight recorder,
 * record --pid, a session of the user's), the word goes into the trace
 * instead, as a cprof:warning every command reading it reports. In a vfork
 * child (dash starts its commands so) that event is its parent's: the
 * child runs on the parent's suspended thread, with its TLS, whose
 * lttng-ust state (nesting, cached ids: the parent's pid and tid) and
 * depth come back as they were, in ring buffers every process of the user
 * shares anyway. `search`: the exec function searches PATH for `file`, as
 * execvp does. Only system calls, the stack and snprintf up to the event.
 */
static void say_if_untraced(const char *file, bool search, char *const envp[])
{
	struct cprof_tls *t = &cprof_tls;
	char path[PATH_MAX], line[CPROF_TRACK_NOTICE_MAX];
	const char *why = NULL;
	bool to_record = cprof_track_active_();

	if (!file || !preloads(envp) ||
	    !(to_record || (lttng_ust_tracepoint_enabled(cprof, warning) && cprof_may_record(t))) ||
	    !(search ? cprof_exec_find(file, getenv("PATH"), path, sizeof(path))
		     : (size_t)snprintf(path, sizeof(path), "%s", file) < sizeof(path)))
		return;
	if (cprof_exec_static(path)) {
		if (valgrind_tool(envp))
			return;
		snprintf(line, sizeof(line), CPROF_STATIC_EXEC_FMT, path);
	} else if (cprof_secure_exec(path, &why))
		snprintf(line, sizeof(line), CPROF_SECURE_EXEC_FMT, path, why);
	else
		return;
	/* else (a recording that ended named in the environment) in the trace */
	if (to_record && cprof_track_notice_(line))
		return;
	if (!lttng_ust_tracepoint_enabled(cprof, warning) || !cprof_may_record(t))
		return;
	t->depth++;
	lttng_ust_do_tracepoint(cprof, warning, CPROF_TP_WARN_UNTRACED_EXEC, line);
	t->depth--;
}

static void before_exec(const char *file, bool search, char *const envp[])
{
	if (unlikely(!real_exec.execve))
		cprof_resolve_all();
	say_if_untraced(file, search, envp);
	if (!cprof_in_vfork_child())
		cprof_exec_flush_();
	else
		cprof_track_followed_self_();
}

/*
 * A process told of a recording's tracker at run time (`record --pid`,
 * serve's captures: track.h) passes its name on to the programs it
 * executes, in their environment (in place of an earlier recording's), so
 * that their children ask it too. The name of a recording that ended
 * (record said so, or its socket is gone) is passed on to none: the new
 * program behaves as an untraced one (no connection attempted, nothing in
 * its environment a user's `env` would show). The process's own environ
 * keeps the entry it started with: it is the program's, read by getenv()
 * on its threads, and cannot be edited safely from ours. Room for the
 * entries of the new environment (0: envp as it is). Only the stack: a
 * vfork child (dash's commands) shares its parent's memory.
 */
static bool tracker_entry(const char *var)
{
	return !strncmp(var, CPROF_TRACK_ENV "=", sizeof(CPROF_TRACK_ENV));
}

static size_t tracker_env_room(char *const envp[])
{
	const char *entry = cprof_track_env_entry_();
	bool has = false, stale = false;
	size_t n = 0;

	for (; envp && envp[n]; n++)
		if (tracker_entry(envp[n])) {
			if (entry && !has && !strcmp(envp[n], entry))
				has = true;
			else
				stale = true;
		}
	return stale || (entry && !has && preloads(envp)) ? n + 2 : 0;
}

static char *const *with_tracker(char *const envp[], char **out, size_t room)
{
	const char *entry = cprof_track_env_entry_();
	bool has = false;
	size_t n = 0;

	if (!room)
		return envp;
	for (size_t i = 0; i + 2 < room && envp[i]; i++)
		if (!tracker_entry(envp[i]))
			out[n++] = envp[i];
		else if (entry && !has && !strcmp(envp[i], entry))
			out[n++] = envp[i], has = true;
	if (entry && !has && preloads(envp))
		out[n++] = (char *)entry;
	out[n] = NULL;
	return out;
}

CPROF_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	size_t room = tracker_env_room(envp);
	char *env[room ? room : 1];

	before_exec(path, false, envp);
	return real_exec.execve(path, argv, with_tracker(envp, env, room));
}

CPROF_EXPORT int execv(const char *path, char *const argv[])
{
	size_t room = tracker_env_room(environ);
	char *env[room ? room : 1];

	before_exec(path, false, environ);
	if (room)
		return real_exec.execve(path, argv, with_tracker(environ, env, room));
	return real_exec.execv(path, argv);
}

CPROF_EXPORT int execvp(const char *file, char *const argv[])
{
	size_t room = tracker_env_room(environ);
	char *env[room ? room : 1];

	before_exec(file, true, environ);
	if (room)
		return real_exec.execvpe(file, argv, with_tracker(environ, env, room));
	return real_exec.execvp(file, argv);
}

CPROF_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	size_t room = tracker_env_room(envp);
	char *env[room ? room : 1];

	before_exec(file, true, envp);
	return real_exec.execvpe(file, argv, with_tracker(envp, env, room));
}

CPROF_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	size_t room = tracker_env_room(envp);
	char *env[room ? room : 1];
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	before_exec(path, false, envp);
	return real_exec.fexecve(fd, argv, with_tracker(envp, env, room));
}

/*
 * posix_spawn and posix_spawnp execute the program in a child made with
 * clone(CLONE_VM | CLONE_VFORK) inside libc, past the exec hooks: the
 * check is made here, in the caller, with the same path (posix_spawnp
 * searches the caller's PATH, as glibc does). A child that resets its
 * effective ids first (POSIX_SPAWN_RESETIDS) in a caller whose effective
 * ids are not its real ones runs with ids this process does not have: no
 * word rather than a wrong one. Python's os.posix_spawn and
 * subprocess (when it can) start programs so.
 */
static struct {
	int (*posix_spawn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
			   const posix_spawnattr_t *, char *const[], char *const[]);
	int (*posix_spawnp)(pid_t *, const char *, const posix_spawn_file_actions_t *,
			    const posix_spawnattr_t *, char *const[], char *const[]);
} real_spawn;

static void spawn_resolve(void)
{
	real_spawn.posix_spawn = cprof_dlvsym("posix_spawn", "GLIBC_2.15");
	real_spawn.posix_spawnp = cprof_dlvsym("posix_spawnp", "GLIBC_2.15");
}

static void before_spawn(const char *file, bool search, const posix_spawnattr_t *attr,
			 char *const envp[])
{
	short flags = 0;

	if (unlikely(!real_spawn.posix_spawn))
		cprof_resolve_all();
	if (attr && posix_spawnattr_getflags(attr, &flags) == 0 && (flags & POSIX_SPAWN_RESETIDS) &&
	    (geteuid() != getuid() || getegid() != getgid()))
		return;
	say_if_untraced(file, search, envp);
}

CPROF_EXPORT int posix_spawn(pid_t *pid, const char *path,
			     const posix_spawn_file_actions_t *actions,
			     const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	size_t room = tracker_env_room(envp);
	char *env[room ? room : 1];

	before_spawn(path, false, attr, envp);
	return real_spawn.posix_spawn(pid, path, actions, attr, argv,
				      with_tracker(envp, env, room));
}

CPROF_EXPORT int posix_spawnp(pid_t *pid, const char *file,
			      const posix_spawn_file_actions_t *actions,
			      const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	size_t room = tracker_env_room(envp);
	char *env[room ? room : 1];

	before_spawn(file, true, attr, envp);
	return real_spawn.posix_spawnp(pid, file, actions, attr, argv,
				       with_tracker(envp, env, room));
}

/* The list forms, as glibc builds them: the arguments up to the NULL,
 * then (execle) the environment. */
#define EXEC_LIST(arg, ap, argv, extra)                                                            \
	size_t n = 1;                                                                              \
	va_start(ap, arg);                                                                         \
	while (va_arg(ap, const char *))                                                           \
		n++;                                                                               \
	va_end(ap);                                                                                \
	char *argv[n + 1];                                                                         \
	argv[0] = (char *)(arg);                                                                   \
	va_start(ap, arg);                                                                         \
	for (size_t i = 1; i <= n; i++)                                                            \
		argv[i] = va_arg(ap, char *);                                                      \
	extra;                                                                                     \
	va_end(ap)

CPROF_EXPORT int execl(const char *path, const char *arg, ...)
{
	va_list ap;

	EXEC_LIST(arg, ap, argv, (void)0);
	return execv(path, argv);
}

CPROF_EXPORT int execlp(const char *file, const char *arg, ...)
{
	va_list ap;

	EXEC_LIST(arg, ap, argv, (void)0);
	return execvp(file, argv);
}

CPROF_EXPORT int execle(const char *path, const char *arg, ...)
{
	va_list ap;
	char **envp;

	EXEC_LIST(arg, ap, argv, envp = va_arg(ap, char **));
	return execve(path, argv, envp);
}
