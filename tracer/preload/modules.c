/*
 * cprof:module and cprof:module_unload: the loaded objects, read from the
 * process's memory (see cprof-tp.h), which the reader's symbolizer needs.
 *
 * lttng-ust 2.13 gives the same through its base-address statedump, but
 * builds it by opening each object's ELF file and reading its headers
 * section by section (one lseek and one read each): about 2,300 system
 * calls for /bin/true, in every process at start, a quarter of what a
 * traced process costs here. `record` turns that off
 * (LTTNG_UST_WITHOUT_BADDR_STATEDUMP=1) and this file says it instead:
 * everything is in memory once ld.so has mapped an object (its program
 * headers, the ELF header at its first segment, the build-id note in its
 * PT_NOTE segment); only the executable's path costs a readlink.
 *
 * No lock of ours: the list of objects last reported (to say which a
 * dlclose unloaded) is only touched inside dl_iterate_phdr's callbacks,
 * under ld.so's own lock, which serialises the threads. That lock is
 * recursive: the outer callback runs a nested walk over every object and
 * then the sweep, all under the one lock, so a dlopen between the walk
 * and the sweep cannot exist. The events are emitted in the callbacks too,
 * as lttng-ust's statedump once did.
 */
#include "tp.h"

#include "preload.h"

#include <elf.h>
#include <limits.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KNOWN_MAX 2048
#define BUILD_ID_MAX 64

struct known {
	uint64_t base;
	uint64_t key; /* hash of the loader's name: another object at the same base is new */
	uint32_t seen;
};

static struct known known[KNOWN_MAX];
static size_t known_count;
static uint32_t stamp;
static char exe_path[PATH_MAX];
static bool exe_read;

struct walk {
	bool all;  /* report every object, not only what changed */
	bool emit; /* a session records cprof:module */
	bool exe_seen;
};

struct module {
	uint64_t base, memsz;
	const char *path;
	uint8_t is_pic;
	uint8_t id_len;
	uint8_t id[BUILD_ID_MAX];
	char resolved[PATH_MAX];
};

static uint64_t name_key(const char *name)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (; name && *name; name++)
		h = (h ^ (unsigned char)*name) * 1099511628211ull;
	return h;
}

/* Whether [addr, addr + len) lies in a segment that is mapped readable. */
static bool mapped(const struct dl_phdr_info *info, ElfW(Addr) vaddr, size_t len)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_R) && vaddr >= ph->p_vaddr &&
		    vaddr + len <= ph->p_vaddr + ph->p_filesz && vaddr + len >= vaddr)
			return true;
	}
	return false;
}

static void find_build_id(const struct dl_phdr_info *info, struct module *m)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const unsigned char *p, *end;
		size_t align = ph->p_align == 8 ? 8 : 4;

		if (ph->p_type != PT_NOTE || !mapped(info, ph->p_vaddr, ph->p_memsz))
			continue;
		p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
		end = p + ph->p_memsz;
		while ((size_t)(end - p) >= sizeof(ElfW(Nhdr))) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
			size_t name = (nh->n_namesz + align - 1) & ~(align - 1);
			size_t desc = (nh->n_descsz + align - 1) & ~(align - 1);
			const unsigned char *at = p + sizeof(*nh);

			if (name > (size_t)(end - at) || desc > (size_t)(end - at - name))
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    memcmp(at, "GNU", 4) == 0 && nh->n_descsz <= BUILD_ID_MAX) {
				memcpy(m->id, at + name, nh->n_descsz);
				m->id_len = (uint8_t)nh->n_descsz;
				return;
			}
			p = at + name + desc;
		}
	}
}

/* The name lttng-ust's statedump gives the object, without its realpath
 * of absolute names (the loader's absolute name opens the same file). */
static const char *module_path(const struct dl_phdr_info *info, struct walk *w, struct module *m)
{
	const char *name = info->dlpi_name ? info->dlpi_name : "";

	if (!*name) {
		if (w->exe_seen)
			return NULL; /* as lttng-ust: only the first nameless object */
		w->exe_seen = true;
		if (!exe_read) {
			ssize_t n = readlink("/proc/self/exe", exe_path, sizeof(exe_path) - 1);

			exe_path[n > 0 ? n : 0] = '\0';
			exe_read = true;
		}
		return exe_path[0] ? exe_path : NULL;
	}
	if (strncmp(name, "linux-vdso", 10) == 0 || strncmp(name, "linux-gate", 10) == 0) {
		snprintf(m->resolved, sizeof(m->resolved), "[%s]", name);
		return m->resolved;
	}
	if (name[0] != '/' && realpath(name, m->resolved))
		return m->resolved;
	return name;
}

static bool describe(const struct dl_phdr_info *info, struct walk *w, struct module *m)
{
	const ElfW(Phdr) *first = NULL;
	ElfW(Addr) lo = ~(ElfW(Addr))0, hi = 0;

	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD)
			continue;
		if (!first)
			first = ph;
		if (ph->p_vaddr < lo)
			lo = ph->p_vaddr;
		if (ph->p_vaddr + ph->p_memsz > hi)
			hi = ph->p_vaddr + ph->p_memsz;
	}
	if (!first)
		return false;
	m->path = module_path(info, w, m);
	if (!m->path)
		return false;
	m->base = info->dlpi_addr + first->p_vaddr;
	m->memsz = hi - lo;
	m->is_pic = info->dlpi_addr != 0;
	if (first->p_offset == 0 && mapped(info, first->p_vaddr, sizeof(ElfW(Ehdr)))) {
		const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)m->base;

		if (memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0)
			m->is_pic = eh->e_type == ET_DYN;
	}
	m->id_len = 0;
	find_build_id(info, m);
	return true;
}

static struct known *known_find(uint64_t base, uint64_t key)
{
	for (size_t i = 0; i < known_count; i++)
		if (known[i].base == base && known[i].key == key)
			return &known[i];
	return NULL;
}

static int visit(struct dl_phdr_info *info, size_t size, void *data)
{
	struct walk *w = data;
	struct module m;
	struct known *k;
	uint64_t key;

	(void)size;
	if (!describe(info, w, &m))
		return 0;
	key = name_key(info->dlpi_name);
	k = known_find(m.base, key);
	if (!k && known_count < KNOWN_MAX) {
		k = &known[known_count++];
		k->base = m.base;
		k->key = key;
	} else if (k && !w->all) {
		k->seen = stamp;
		return 0;
	}
	if (k)
		k->seen = stamp;
	if (w->emit)
		lttng_ust_tracepoint(cprof, module, m.base, m.memsz, m.path, m.is_pic, m.id,
				     m.id_len);
	return 0;
}

/* The first object's callback: the whole walk and the sweep, under
 * ld.so's lock, which this thread holds until it returns. */
static int walk_locked(struct dl_phdr_info *info, size_t size, void *data)
{
	struct walk *w = data;
	size_t kept = 0;

	(void)info;
	(void)size;
	stamp++;
	dl_iterate_phdr(visit, w);
	for (size_t i = 0; i < known_count; i++) {
		if (known[i].seen != stamp) {
			if (w->emit)
				lttng_ust_tracepoint(cprof, module_unload, known[i].base);
			continue;
		}
		known[kept++] = known[i];
	}
	known_count = kept;
	return 1;
}

static void walk(bool all)
{
	struct cprof_tls *t = &cprof_tls;
	struct walk w = {.all = all, .emit = lttng_ust_tracepoint_enabled(cprof, module)};

	t->depth++;
	dl_iterate_phdr(walk_locked, &w);
	t->depth--;
}

void cprof_modules_emit_all(void)
{
	walk(true);
}

void cprof_modules_changed(void)
{
	/* a process's first events name its parent (preload.h) */
	cprof_config_check();
	walk(false);
}
