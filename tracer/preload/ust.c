/*
 * lttng-ust's own calls, made on the program's threads, are not the
 * program's: at exit liblttng-ust-dl's dlclose wrapper walks every loaded
 * object and reads its ELF file (build-id, debug link), a fork child
 * registers with the session daemon over a socket, the first event of a
 * thread registers it with urcu under a mutex. Each of these reaches our
 * hooks at nesting depth 0 and, when it blocks long enough, would be
 * recorded as the program's blocking call, wait or allocation.
 *
 * The hooks cannot afford a test on their fast path, and they do not need
 * one: only when an event is about to be recorded is the hook's return
 * address compared with the executable segments of the liblttng-ust*
 * objects. The table is filled at start (every lttng-ust library is loaded
 * by then: preloaded, or needed by libcprof-trace) and filled again when
 * dl_iterate_phdr's load counter moved, which costs one callback (about
 * 8 ns here) on the recording path.
 *
 * The table only grows, and its length is published after its entries, so
 * readers never lock. A library unloaded later leaves a stale range; none
 * of lttng-ust's is ever unloaded while the process traces.
 */
#include "preload.h"

#include <link.h>
#include <string.h>

#define RANGES_MAX 32

struct range {
	uintptr_t lo, hi;
};

static struct range ranges[RANGES_MAX];
static unsigned ranges_count;
static unsigned long long seen_adds = ~0ull, seen_subs = ~0ull;
static int refreshing;

struct generation {
	unsigned long long adds, subs;
};

static int read_generation(struct dl_phdr_info *info, size_t size, void *data)
{
	struct generation *g = data;

	if (size < offsetof(struct dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs))
		return 1;
	g->adds = info->dlpi_adds;
	g->subs = info->dlpi_subs;
	return 1;
}

static bool is_lttng_ust(const char *path)
{
	const char *base = path ? strrchr(path, '/') : NULL;

	base = base ? base + 1 : path;
	return base && strncmp(base, "liblttng-ust", 12) == 0;
}

static int collect(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	if (!is_lttng_ust(info->dlpi_name))
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
		unsigned n = __atomic_load_n(&ranges_count, __ATOMIC_RELAXED);
		bool known = false;

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		for (unsigned k = 0; k < n && !known; k++)
			known = ranges[k].lo == lo && ranges[k].hi == hi;
		if (known || n == RANGES_MAX)
			continue;
		ranges[n].lo = lo;
		ranges[n].hi = hi;
		__atomic_store_n(&ranges_count, n + 1, __ATOMIC_RELEASE);
	}
	return 0;
}

void cprof_ust_refresh(void)
{
	struct generation g = {0, 0};

	dl_iterate_phdr(read_generation, &g);
	if (g.adds == __atomic_load_n(&seen_adds, __ATOMIC_ACQUIRE) &&
	    g.subs == __atomic_load_n(&seen_subs, __ATOMIC_RELAXED))
		return;
	/* One thread fills the table; the others use it as it is. */
	if (__atomic_exchange_n(&refreshing, 1, __ATOMIC_ACQUIRE))
		return;
	dl_iterate_phdr(collect, NULL);
	__atomic_store_n(&seen_subs, g.subs, __ATOMIC_RELAXED);
	__atomic_store_n(&seen_adds, g.adds, __ATOMIC_RELEASE);
	__atomic_store_n(&refreshing, 0, __ATOMIC_RELEASE);
}

bool cprof_ust_is_caller(const void *ip, bool refresh)
{
	uintptr_t a = (uintptr_t)ip;
	unsigned n;

	if (refresh)
		cprof_ust_refresh();
	n = __atomic_load_n(&ranges_count, __ATOMIC_ACQUIRE);
	for (unsigned i = 0; i < n; i++)
		if (a >= ranges[i].lo && a < ranges[i].hi)
			return true;
	return false;
}
