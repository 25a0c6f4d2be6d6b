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
 * by then: preloaded, or needed by libcprof-trace); an lttng-ust object
 * loaded later is added when one of its addresses is first looked up
 * (below).
 *
 * The table only grows, and its length is published after its entries, so
 * readers never lock. A library unloaded later leaves a stale range; none
 * of lttng-ust's is ever unloaded while the process traces.
 *
 * Only the constructor walks the objects with dl_iterate_phdr. After it,
 * an address outside the table is looked up with _dl_find_object, which
 * takes no lock: dl_iterate_phdr holds ld.so's lock while it runs its
 * callbacks, and a program whose callback waits for a mutex held by a
 * thread that is inside one of our hooks (recording a slow call, a wait,
 * a release) would deadlock if the hook asked for that lock too.
 */
#include "preload.h"

#include <dlfcn.h>
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

/* ip is in no known range: whether it is in an lttng-ust object loaded
 * since the table was filled (and then remember that object). */
static bool find_late(const void *ip)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
	struct dl_find_object obj;
	unsigned n;

	if (_dl_find_object((void *)ip, &obj) != 0 || !obj.dlfo_link_map ||
	    !is_lttng_ust(obj.dlfo_link_map->l_name))
		return false;
	if (__atomic_exchange_n(&refreshing, 1, __ATOMIC_ACQUIRE))
		return true;
	n = __atomic_load_n(&ranges_count, __ATOMIC_RELAXED);
	if (n < RANGES_MAX) {
		ranges[n].lo = (uintptr_t)obj.dlfo_map_start;
		ranges[n].hi = (uintptr_t)obj.dlfo_map_end;
		__atomic_store_n(&ranges_count, n + 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&refreshing, 0, __ATOMIC_RELEASE);
	return true;
#else
	(void)ip;
	return false;
#endif
}

bool cprof_ust_is_caller(const void *ip, bool refresh)
{
	uintptr_t a = (uintptr_t)ip;
	unsigned n;

	n = __atomic_load_n(&ranges_count, __ATOMIC_ACQUIRE);
	for (unsigned i = 0; i < n; i++)
		if (a >= ranges[i].lo && a < ranges[i].hi)
			return true;
	return refresh && find_late(ip);
}
