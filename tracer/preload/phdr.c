/*
 * dl_iterate_phdr without ld.so's lock, for our own unwinds (and
 * sigprocmask without a system call: sigprof.c).
 *
 * libunwind finds the unwind tables of an address it has not cached with
 * dl_iterate_phdr, which holds ld.so's dl_load_write_lock while it runs
 * the callbacks. A program may call dl_iterate_phdr with a callback that
 * waits for a mutex, held by another thread that meanwhile blocks in a
 * hook of ours: if that hook unwound through the real dl_iterate_phdr it
 * would wait for the lock the first thread holds, forever. The same holds
 * for the SIGPROF handler, which may interrupt the mutex holder.
 *
 * So a thread that is unwinding for us (cprof_tls.unwinding, set around
 * libunwind's calls in stack.c) iterates over a copy of the loaded objects'
 * program headers instead: names and header arrays are copied, so the copy
 * never points into an object that is later unloaded. Every other call goes
 * to the real dl_iterate_phdr.
 *
 * The copy is taken in the constructor and taken again after each
 * dlopen/dlmopen/dlclose that loads or unloads an object, by a thread of ours that holds none of
 * the program's locks: the hooked call returns once the new copy is published, or after
 * REFRESH_WAIT_NS if that thread is held on ld.so's lock (by a callback such as the one above), so
 * waiting never deadlocks either. A library loaded by a dlopen that has not returned yet (its
 * constructors run inside it) is missing from the copy: its frames end the unwind.
 *
 * Readers never lock: they announce themselves in one of two counters (the
 * parity of an epoch) before loading the published pointer; the writer
 * swaps the pointer, then flips the epoch and waits for each counter to
 * drain before unmapping the old copy (leaked if a reader never drains).
 */
#include "preload.h"

#include "own-threads.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define REFRESH_WAIT_NS 20000000L /* 20 ms */
#define DRAIN_TRIES 10000	  /* of 100 us: 1 s */

struct snapshot {
	size_t bytes; /* the mapping's length */
	size_t count;
	struct dl_phdr_info info[];
};

typedef int (*iterate_fn)(int (*)(struct dl_phdr_info *, size_t, void *), void *);

static iterate_fn real_iterate;
static int (*create_thread)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
static void *(*real_dlopen)(const char *, int);
static void *(*real_dlmopen)(Lmid_t, const char *, int);
static int (*real_dlclose)(void *);

static struct snapshot *current;
static unsigned long readers[2];
static unsigned epoch;

static uint32_t requested, completed; /* futex words */
static bool ust_dl_preloaded;	      /* liblttng-ust-dl's wrappers do lttng_ust_dl_update */

/* liblttng-ust's (exported for liblttng-ust-dl, in no header). */
void lttng_ust_dl_update(void *ip);
static void (*real_dl_update)(void *ip);
/* lttng-ust's table of loaded objects was left empty at start (below). */
static bool dl_deferred;
static bool dl_filled;
static pid_t refresher_pid, refresher_failed;

static long futex(uint32_t *word, int op, uint32_t val, const struct timespec *timeout)
{
	return syscall(SYS_futex, word, op, val, timeout, NULL, 0);
}

static iterate_fn resolve_iterate(void)
{
	iterate_fn fn = __atomic_load_n(&real_iterate, __ATOMIC_ACQUIRE);

	if (!fn) {
		fn = (iterate_fn)cprof_dlsym("dl_iterate_phdr");
		__atomic_store_n(&real_iterate, fn, __ATOMIC_RELEASE);
	}
	return fn;
}

/* --- building a copy (never on an unwinding thread) ------------------- */

struct build {
	struct snapshot *s; /* NULL: only count */
	size_t objects, headers, names;
	unsigned char *phdrs, *strings, *end;
	bool overflow;
};

static int build_one(struct dl_phdr_info *info, size_t size, void *data)
{
	struct build *b = data;
	size_t hbytes = (size_t)info->dlpi_phnum * sizeof(ElfW(Phdr));
	size_t nbytes = strlen(info->dlpi_name ? info->dlpi_name : "") + 1;
	struct dl_phdr_info *out;

	(void)size;
	if (!b->s) {
		b->objects++;
		b->headers += hbytes;
		b->names += nbytes;
		return 0;
	}
	if (b->objects == b->s->count || b->phdrs + hbytes > b->strings ||
	    b->strings + nbytes > b->end) {
		b->overflow = true;
		return 1;
	}
	out = &b->s->info[b->objects++];
	memset(out, 0, sizeof(*out));
	out->dlpi_addr = info->dlpi_addr;
	out->dlpi_phnum = info->dlpi_phnum;
	out->dlpi_phdr = (const ElfW(Phdr) *)b->phdrs;
	memcpy(b->phdrs, info->dlpi_phdr, hbytes);
	b->phdrs += hbytes;
	out->dlpi_name = (const char *)b->strings;
	memcpy(b->strings, info->dlpi_name ? info->dlpi_name : "", nbytes);
	b->strings += nbytes;
	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs)) {
		out->dlpi_adds = info->dlpi_adds;
		out->dlpi_subs = info->dlpi_subs;
	}
	if (size >= offsetof(struct dl_phdr_info, dlpi_tls_modid) + sizeof(info->dlpi_tls_modid))
		out->dlpi_tls_modid = info->dlpi_tls_modid;
	/* dlpi_tls_data is the iterating thread's: left NULL. */
	return 0;
}

static struct snapshot *build_snapshot(iterate_fn iterate)
{
	for (int attempt = 0; attempt < 4; attempt++) {
		struct build b = {0};
		struct snapshot *s;
		size_t slots, bytes, headers;
		void *map;

		iterate(build_one, &b);
		headers = b.headers;
		/* Room for objects loaded between the two walks. */
		slots = b.objects + 16;
		bytes = sizeof(*s) + slots * sizeof(struct dl_phdr_info) + b.headers * 2 +
			b.names * 2 + 16 * 4096;
		map = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (map == MAP_FAILED)
			return NULL;
		s = map;
		s->bytes = bytes;
		s->count = slots;
		b = (struct build){.s = s, .end = (unsigned char *)map + bytes};
		b.phdrs = (unsigned char *)(((uintptr_t)&s->info[slots] + 15) & ~(uintptr_t)15);
		b.strings = b.phdrs + headers * 2 + 8 * 4096;
		iterate(build_one, &b);
		if (!b.overflow) {
			s->count = b.objects;
			return s;
		}
		munmap(map, bytes);
	}
	return NULL;
}

static bool drain(unsigned long *counter)
{
	const struct timespec pause = {0, 100000};

	for (int i = 0; i < DRAIN_TRIES; i++) {
		if (__atomic_load_n(counter, __ATOMIC_SEQ_CST) == 0)
			return true;
		nanosleep(&pause, NULL);
	}
	return false;
}

static void publish(struct snapshot *s)
{
	struct snapshot *old = __atomic_exchange_n(&current, s, __ATOMIC_SEQ_CST);

	if (!old)
		return;
	/* A reader that loaded `old` is counted under one of the parities
	 * before the exchange: wait for each to be empty once. */
	for (int k = 0; k < 2; k++) {
		unsigned e = __atomic_fetch_add(&epoch, 1, __ATOMIC_SEQ_CST);

		if (!drain(&readers[e & 1]))
			return; /* leaked rather than pulled from under a reader */
	}
	munmap(old, old->bytes);
}

static void refresh_now(void)
{
	iterate_fn iterate = resolve_iterate();
	struct snapshot *s = iterate ? build_snapshot(iterate) : NULL;

	if (s)
		publish(s);
}

/* --- the refresher thread ----------------------------------------------- */

static void *refresher(void *unused)
{
	(void)unused;
	cprof_own_thread_begin_();
	for (;;) {
		uint32_t want = __atomic_load_n(&requested, __ATOMIC_ACQUIRE);

		if (want == __atomic_load_n(&completed, __ATOMIC_ACQUIRE)) {
			futex(&requested, FUTEX_WAIT_PRIVATE, want, NULL);
			continue;
		}
		refresh_now();
		__atomic_store_n(&completed, want, __ATOMIC_RELEASE);
		futex(&completed, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
	}
	return NULL;
}

/* One refresher per process: a fork child starts its own when it first
 * needs one. Signals stay blocked in it, so none of the program's lands
 * there. */
static bool ensure_refresher(void)
{
	pid_t self = getpid(), owner = __atomic_load_n(&refresher_pid, __ATOMIC_ACQUIRE);
	sigset_t all, old;
	pthread_t th;
	bool ok;

	if (owner == self)
		return true;
	if (__atomic_load_n(&refresher_failed, __ATOMIC_RELAXED) == self)
		return false;
	if (!create_thread || !__atomic_compare_exchange_n(&refresher_pid, &owner, self, false,
							   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return owner == self;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ok = create_thread(&th, NULL, refresher, NULL) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ok)
		pthread_detach(th);
	else
		__atomic_store_n(&refresher_failed, self, __ATOMIC_RELAXED);
	return ok;
}

/* After a load or an unload: wait a little for the new copy. */
static void request_refresh(void)
{
	struct cprof_tls *t = &cprof_tls;
	struct timespec deadline, now;
	uint32_t want;
	int saved = errno;

	if (!__atomic_load_n(&cprof_cfg.ready, __ATOMIC_ACQUIRE))
		return;
	t->depth++;
	if (!ensure_refresher())
		goto end;
	want = __atomic_add_fetch(&requested, 1, __ATOMIC_ACQ_REL);
	futex(&requested, FUTEX_WAKE_PRIVATE, 1, NULL);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_nsec += REFRESH_WAIT_NS;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	for (;;) {
		uint32_t done = __atomic_load_n(&completed, __ATOMIC_ACQUIRE);
		struct timespec left;

		if ((int32_t)(done - want) >= 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left.tv_sec = deadline.tv_sec - now.tv_sec;
		left.tv_nsec = deadline.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		if (left.tv_sec < 0)
			break;
		futex(&completed, FUTEX_WAIT_PRIVATE, done, &left);
	}
end:
	t->depth--;
	errno = saved;
}

static void after_fork_child(void)
{
	/* Readers of other threads are gone with them. */
	readers[0] = readers[1] = 0;
	completed = requested;
}

void cprof_phdr_init(void)
{
	resolve_iterate();
	create_thread = cprof_dlsym("pthread_create");
	if (!real_dlopen)
		real_dlopen = cprof_dlsym("dlopen");
	if (!real_dlmopen)
		real_dlmopen = cprof_dlsym("dlmopen");
	if (!real_dlclose)
		real_dlclose = cprof_dlsym("dlclose");
	{
		Dl_info di;

		ust_dl_preloaded = real_dlopen && dladdr((void *)real_dlopen, &di) &&
				   di.dli_fname && strstr(di.dli_fname, "liblttng-ust-dl");
	}
	refresh_now();
	pthread_atfork(NULL, NULL, after_fork_child);
}

/* --- the hooks ------------------------------------------------------------ */

static int iterate_snapshot(int (*cb)(struct dl_phdr_info *, size_t, void *), void *data)
{
	unsigned idx = __atomic_load_n(&epoch, __ATOMIC_SEQ_CST) & 1;
	const struct snapshot *s;
	int ret = 0;

	__atomic_fetch_add(&readers[idx], 1, __ATOMIC_SEQ_CST);
	s = __atomic_load_n(&current, __ATOMIC_SEQ_CST);
	for (size_t i = 0; s && i < s->count; i++) {
		/* A copy: the callback may write to what it is given. */
		struct dl_phdr_info info = s->info[i];

		ret = cb(&info, sizeof(info), data);
		if (ret != 0)
			break;
	}
	__atomic_fetch_sub(&readers[idx], 1, __ATOMIC_RELEASE);
	return ret;
}

CPROF_EXPORT int dl_iterate_phdr(int (*cb)(struct dl_phdr_info *, size_t, void *), void *data)
{
	iterate_fn iterate;

	if (unlikely(cprof_tls.unwinding))
		return iterate_snapshot(cb, data);
	iterate = resolve_iterate();
	return iterate ? iterate(cb, data) : 0;
}

/*
 * ld.so's count of objects loaded and unloaded: a dlopen of an object
 * already loaded (every tracepoint provider's constructor dlopens
 * liblttng-ust-tracepoint) and a dlclose that leaves it loaded (the
 * destructors' at exit) change nothing, and cost nothing more.
 */
static int read_generation(struct dl_phdr_info *info, size_t size, void *data)
{
	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs))
		*(unsigned long long *)data = info->dlpi_adds + info->dlpi_subs;
	return 1;
}

static unsigned long long generation(void)
{
	iterate_fn iterate = resolve_iterate();
	unsigned long long g = 0;

	if (iterate)
		iterate(read_generation, &g);
	return g;
}

/* --- lttng-ust's table of loaded objects ---------------------------------- */

/*
 * lttng-ust's constructor fills its table of the loaded objects by reading
 * each one's ELF file (memory size, build-id, debug link: some 80 system
 * calls per object, 2,300 for /bin/true, half of what loading the tracer
 * costs a small process); no session records the load events this emits
 * then. A descendant of the recorded program that joins late (track.h)
 * needs the table only when it joins: it is filled then (cprof_join_now,
 * before the process is tracked, so that its statedump lists the objects
 * as before without load events), and a process that never joins never
 * reads the files. The recorded program itself is tracked before it
 * starts and keeps lttng-ust's order. Both calls of liblttng-ust (its
 * constructor's, its statedump's) go through its PLT, to this function.
 */
static bool defer_first_update(void)
{
	const char *lazy = getenv(CPROF_JOIN_ENV);
	const char *root = getenv(CPROF_JOIN_ROOT_ENV);
	const char *track = getenv(CPROF_TRACK_ENV);

	return lazy && strcmp(lazy, "1") == 0 && track && *track && root &&
	       strtol(root, NULL, 10) != (long)getpid();
}

static void fill_dl_table(void *ip)
{
	if (!real_dl_update)
		real_dl_update = (void (*)(void *))cprof_dlsym("lttng_ust_dl_update");
	__atomic_store_n(&dl_filled, true, __ATOMIC_RELEASE);
	if (real_dl_update)
		real_dl_update(ip);
}

CPROF_EXPORT void lttng_ust_dl_update(void *ip)
{
	if (!__atomic_load_n(&cprof_cfg.ready, __ATOMIC_ACQUIRE) && !dl_filled &&
	    (dl_deferred || defer_first_update())) {
		dl_deferred = true;
		return;
	}
	fill_dl_table(ip);
}

bool cprof_join_now(void)
{
	struct cprof_tls *t = &cprof_tls;

	if (dl_deferred && !__atomic_load_n(&dl_filled, __ATOMIC_ACQUIRE)) {
		t->depth++;
		fill_dl_table(CPROF_CALLER());
		t->depth--;
	}
	if (!cprof_join_())
		return false;
	/* the configuration went out when the process started, to the
	 * session that had enabled it then, if any: again, for this one */
	__atomic_store_n(&cprof_config_pending, true, __ATOMIC_RELEASE);
	return true;
}

bool cprof_join_unfilled(void)
{
	return dl_deferred && !__atomic_load_n(&dl_filled, __ATOMIC_ACQUIRE);
}

/*
 * The objects changed: a new copy for our unwinds, and for the reader's
 * symbols the cprof:module/module_unload events of what came and went
 * (modules.c; with LTTNG_UST_WITHOUT_BADDR_STATEDUMP unset, as in a
 * session of the user's own, also lttng_ust_lib:load/unload:
 * liblttng-ust's own mark-and-sweep over the loaded objects, which
 * liblttng-ust-dl calls from its dlopen and dlclose wrappers; that
 * library is no longer preloaded: its wrappers read every object's ELF
 * file at every dlopen and dlclose, those of the tracepoint providers'
 * constructors and destructors included).
 */
static void objects_changed(void *caller)
{
	struct cprof_tls *t = &cprof_tls;
	int saved = errno;

	request_refresh();
	if (__atomic_load_n(&cprof_cfg.ready, __ATOMIC_ACQUIRE) && !ust_dl_preloaded) {
		/* the load event of a process that has not joined its
		 * recording yet would be lost (track.h) */
		if (CPROF_JOINING() && cprof_may_record(t) && !cprof_ust_is_caller(caller, true))
			cprof_join_now();
		t->depth++;
		lttng_ust_dl_update(caller);
		t->depth--;
	}
	if (__atomic_load_n(&cprof_cfg.ready, __ATOMIC_ACQUIRE))
		cprof_modules_changed();
	errno = saved;
}

/*
 * A process that has not joined and whose table is still empty joins
 * before it loads a new object: joined after, it would list the object in
 * its statedump but record no load event for it.
 */
static void join_before_load(const char *file, const void *caller)
{
	void *loaded;

	if (!file || !CPROF_JOINING() || !cprof_join_unfilled() || !cprof_may_record(&cprof_tls) ||
	    cprof_ust_is_caller(caller, true))
		return;
	loaded = real_dlopen(file, RTLD_LAZY | RTLD_NOLOAD);
	if (loaded)
		real_dlclose(loaded);
	else
		cprof_join_now();
}

CPROF_EXPORT void *dlopen(const char *file, int mode)
{
	unsigned long long before;
	void *handle;

	if (unlikely(!real_dlopen))
		real_dlopen = cprof_dlsym("dlopen");
	if (unlikely(!real_dlclose))
		real_dlclose = cprof_dlsym("dlclose");
	if (!real_dlopen || !real_dlclose)
		return NULL;
	join_before_load(file, CPROF_CALLER());
	before = generation();
	handle = real_dlopen(file, mode);
	if (handle && generation() != before)
		objects_changed(CPROF_CALLER());
	return handle;
}

CPROF_EXPORT void *dlmopen(Lmid_t lmid, const char *file, int mode)
{
	unsigned long long before = generation();
	void *handle;

	if (unlikely(!real_dlmopen))
		real_dlmopen = cprof_dlsym("dlmopen");
	if (!real_dlmopen)
		return NULL;
	handle = real_dlmopen(lmid, file, mode);
	if (handle && generation() != before)
		objects_changed(CPROF_CALLER());
	return handle;
}

CPROF_EXPORT int dlclose(void *handle)
{
	unsigned long long before = generation();
	int ret;

	if (unlikely(!real_dlclose))
		real_dlclose = cprof_dlsym("dlclose");
	if (!real_dlclose)
		return -1;
	ret = real_dlclose(handle);
	if (ret == 0 && generation() != before) {
		cprof_stacks_unmapped();
		objects_changed(CPROF_CALLER());
	}
	return ret;
}
