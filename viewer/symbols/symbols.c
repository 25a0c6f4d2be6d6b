/*
 * Offline symbolization with libdwfl. One Dwfl per traced process, filled
 * with dwfl_report_elf() from the trace's module list the first time an
 * address of that process is looked up.
 *
 * bin_info's base is the run-time address of the object's first PT_LOAD
 * segment (lttng-ust computes dlpi_addr + p_vaddr), which is exactly what
 * dwfl_report_elf() expects as `base` with add_p_vaddr false: it then
 * derives the bias as base - p_vaddr. For ET_EXEC objects it ignores base.
 *
 * dwfl_module_addrname() scans the whole symbol table per call (about a
 * millisecond in libc), so each module's function symbols are sorted once
 * and binary-searched. Results are cached per (process, address, kind).
 */
#include "symbols.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hidx.h"

struct sym {
	uint64_t addr, end;
	const char *name;
	int rank; /* which of several symbols at one address wins */
};

struct mod {
	uint32_t index; /* model module index */
	uint64_t base, end;
	const char *path;
	const char *short_name;
	Dwfl_Module *dwfl_mod; /* NULL: no usable ELF */
	bool symtab_built;
	struct sym *syms;
	size_t nsyms;
};

struct proc {
	bool reported;
	Dwfl *dwfl;
	struct mod *mods; /* sorted by base */
	size_t nmods;
};

struct entry {
	uint32_t process;
	uint32_t module;
	uint64_t address;
	uint64_t offset;
	bool is_return;
	uint32_t first, n; /* into frames */
};

struct cprof_symbolizer {
	const struct cprof_model *model;
	struct cprof_symbolizer_options options;
	char *debuginfo_path;
	Dwfl_Callbacks callbacks;
	struct proc *procs;
	size_t nprocs;
	CPROF_VEC(struct entry) entries;
	struct cprof_hidx cache;
	CPROF_VEC(struct cprof_symbol) frames;
	CPROF_VEC(char *) owned;
	struct cprof_symbolizer_stats stats;
};

static const char *own(struct cprof_symbolizer *s, char *str)
{
	char **slot;

	if (!str)
		return NULL;
	slot = cprof_vec_push(&s->owned);
	if (!slot) {
		free(str);
		return NULL;
	}
	*slot = str;
	return str;
}

struct cprof_symbolizer *cprof_symbolizer_create(const struct cprof_model *model,
						 const struct cprof_symbolizer_options *options)
{
	struct cprof_symbolizer *s = calloc(1, sizeof(*s));

	if (!s)
		goto error;
	s->model = model;
	if (options)
		s->options = *options;
	if (s->options.debuginfo_path && !(s->debuginfo_path = strdup(s->options.debuginfo_path)))
		goto error;
	s->callbacks.find_elf = dwfl_build_id_find_elf;
	s->callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
	s->callbacks.section_address = dwfl_offline_section_address;
	s->callbacks.debuginfo_path = &s->debuginfo_path;
	s->nprocs = model->processes.n;
	s->procs = calloc(s->nprocs ? s->nprocs : 1, sizeof(*s->procs));
	if (!s->procs)
		goto error;
	return s;
error:
	cprof_symbolizer_destroy(s);
	return NULL;
}

void cprof_symbolizer_destroy(struct cprof_symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nprocs; i++) {
		struct proc *p = &s->procs[i];
		for (size_t j = 0; j < p->nmods; j++)
			free(p->mods[j].syms);
		free(p->mods);
		if (p->dwfl)
			dwfl_end(p->dwfl);
	}
	free(s->procs);
	for (size_t i = 0; i < s->owned.n; i++)
		free(s->owned.v[i]);
	cprof_vec_free(&s->owned);
	cprof_vec_free(&s->entries);
	cprof_vec_free(&s->frames);
	cprof_hidx_free(&s->cache);
	free(s->debuginfo_path);
	free(s);
}

static int mod_cmp(const void *a, const void *b)
{
	const struct mod *x = a, *y = b;
	if (x->base != y->base)
		return x->base < y->base ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static bool build_id_matches(Dwfl_Module *mod, const char *want)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	int len;
	char hex[2 * 64 + 1];

	if (!want || !*want)
		return true;
	len = dwfl_module_build_id(mod, &bits, &vaddr);
	if (len <= 0)
		return true; /* nothing to compare against */
	if (len > 64 || strlen(want) != (size_t)len * 2)
		return false;
	for (int i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", bits[i]);
	return !strcasecmp(hex, want);
}

static Dwfl_Module *report_module(struct cprof_symbolizer *s, Dwfl *dwfl, const char *path,
				  const char *build_id, uint64_t base)
{
	Dwfl_Module *mod = NULL;
	char debug[4096];

	if (path[0] == '/' && access(path, R_OK) == 0)
		mod = dwfl_report_elf(dwfl, path, path, -1, base, false);
	if (mod && !build_id_matches(mod, build_id)) {
		/* The file was rebuilt since the trace: its symbols would lie. */
		s->stats.build_id_mismatches++;
		mod = NULL;
	}
	/*
	 * The object may be gone or replaced while its debug file (which holds
	 * the symbol table and DWARF at the same addresses) is still installed.
	 */
	if (!mod && build_id && strlen(build_id) > 2) {
		snprintf(debug, sizeof(debug), "/usr/lib/debug/.build-id/%.2s/%s.debug", build_id,
			 build_id + 2);
		if (access(debug, R_OK) == 0) {
			mod = dwfl_report_elf(dwfl, path, debug, -1, base, false);
			if (mod && !build_id_matches(mod, build_id))
				mod = NULL;
		}
	}
	return mod;
}

static void report_process(struct cprof_symbolizer *s, uint32_t process)
{
	const struct cprof_model *m = s->model;
	struct proc *p = &s->procs[process];
	size_t n = 0;

	p->reported = true;
	for (size_t i = 0; i < m->modules.n; i++)
		if (m->modules.v[i].process == process)
			n++;
	if (!n || !(p->mods = calloc(n, sizeof(*p->mods))))
		return;
	for (size_t i = 0; i < m->modules.n; i++) {
		const struct cprof_module *cm = &m->modules.v[i];
		struct mod *md;
		const char *slash;
		if (cm->process != process)
			continue;
		/* the same object reported twice (statedump and dl load) */
		for (size_t j = 0; j < p->nmods; j++)
			if (p->mods[j].base == cm->base && p->mods[j].end == cm->base + cm->size)
				goto next;
		md = &p->mods[p->nmods++];
		md->index = (uint32_t)i;
		md->base = cm->base;
		md->end = cm->base + cm->size;
		md->path = cprof_model_str(m, cm->path);
		/* lttng-ust's statedump gives the vDSO ("[linux-vdso.so.1]")
		 * a size of 0, having no file to measure: give it the two
		 * pages of x86-64's vDSO text, so that CPU samples in
		 * clock_gettime show as vdso+offset, not bare addresses. */
		if (cm->size == 0 && md->path[0] == '[' && strstr(md->path, "vdso"))
			md->end = cm->base + 2 * 4096;
		slash = strrchr(md->path, '/');
		md->short_name = slash ? slash + 1 : md->path;
		if (!*md->short_name)
			md->short_name = "?";
	next:;
	}
	qsort(p->mods, p->nmods, sizeof(*p->mods), mod_cmp);

	p->dwfl = dwfl_begin(&s->callbacks);
	if (!p->dwfl)
		return;
	dwfl_report_begin(p->dwfl);
	for (size_t j = 0; j < p->nmods; j++) {
		struct mod *md = &p->mods[j];
		const struct cprof_module *cm = &m->modules.v[md->index];
		md->dwfl_mod =
		    report_module(s, p->dwfl, md->path, cprof_model_str(m, cm->build_id), md->base);
		if (md->dwfl_mod)
			s->stats.modules_loaded++;
		else
			s->stats.modules_failed++;
	}
	dwfl_report_end(p->dwfl, NULL, NULL);
}

/*
 * "memcpy@@GLIBC_2.14" and GCC's clones ("work.constprop.0", "f.isra.0",
 * "g.part.0", "h.cold") are one function to the reader of a profile: the
 * version and the clone suffix are dropped so that they add up.
 */
static const char *clean_name(struct cprof_symbolizer *s, const char *name)
{
	static const char *const clones[] = {".constprop.", ".isra.",	  ".part.",
					     ".cold",	    ".lto_priv.", ".localalias"};
	size_t len = strcspn(name, "@");

	for (size_t i = 0; i < sizeof(clones) / sizeof(clones[0]); i++) {
		const char *c = strstr(name, clones[i]);
		if (c && (size_t)(c - name) < len)
			len = (size_t)(c - name);
	}
	if (!name[len] || !len)
		return name;
	return own(s, strndup(name, len));
}

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return y->rank - x->rank; /* best first */
}

static void build_symtab(struct cprof_symbolizer *s, struct mod *md)
{
	int n;
	size_t k = 0;

	md->symtab_built = true;
	n = dwfl_module_getsymtab(md->dwfl_mod);
	if (n <= 1 || !(md->syms = calloc((size_t)n, sizeof(*md->syms))))
		return;
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		const char *name =
		    dwfl_module_getsym_info(md->dwfl_mod, i, &sym, &addr, &shndx, NULL, NULL);
		int type = GELF_ST_TYPE(sym.st_info), bind = GELF_ST_BIND(sym.st_info);
		if (!name || !*name || shndx == SHN_UNDEF || !addr)
			continue;
		if (type != STT_FUNC && type != STT_GNU_IFUNC)
			continue;
		md->syms[k].addr = addr;
		md->syms[k].end = addr + sym.st_size;
		name = clean_name(s, name);
		if (!name)
			continue;
		md->syms[k].name = name;
		md->syms[k].rank = (bind == STB_GLOBAL ? 4
				    : bind == STB_WEAK ? 2
						       : 0) +
				   (sym.st_size > 0);
		k++;
	}
	qsort(md->syms, k, sizeof(*md->syms), sym_cmp);
	/* keep the best symbol per address; a size-0 symbol runs to the next */
	size_t w = 0;
	for (size_t i = 0; i < k; i++) {
		if (w && md->syms[w - 1].addr == md->syms[i].addr)
			continue;
		md->syms[w++] = md->syms[i];
	}
	for (size_t i = 0; i < w; i++)
		if (md->syms[i].end == md->syms[i].addr)
			md->syms[i].end = i + 1 < w ? md->syms[i + 1].addr : md->syms[i].addr + 1;
	md->nsyms = w;
}

static const char *find_sym(struct cprof_symbolizer *s, struct mod *md, uint64_t addr)
{
	size_t lo = 0, hi;

	if (!md->symtab_built)
		build_symtab(s, md);
	hi = md->nsyms;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (md->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* lo: first symbol above addr; look back over nested/aliased symbols */
	for (size_t i = lo; i-- > 0 && lo - i <= 4;)
		if (addr < md->syms[i].end)
			return md->syms[i].name;
	return NULL;
}

static struct mod *find_mod(struct proc *p, uint64_t addr)
{
	size_t lo = 0, hi = p->nmods;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->mods[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i-- > 0;) {
		if (addr < p->mods[i].end)
			return &p->mods[i];
		if (lo - i > 4)
			break;
	}
	return NULL;
}

struct cache_key {
	const struct cprof_symbolizer *s;
	uint32_t process;
	uint64_t address;
	bool is_return;
};

static bool cache_eq(const void *ctx, uint32_t item)
{
	const struct cache_key *k = ctx;
	const struct entry *e = &k->s->entries.v[item];
	return e->address == k->address && e->process == k->process && e->is_return == k->is_return;
}

static struct cprof_symbol *push_frame(struct cprof_symbolizer *s)
{
	struct cprof_symbol *f = cprof_vec_push(&s->frames);
	if (f)
		f->file = "";
	return f;
}

static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *name = dwarf_diename(die);

	if (!name) {
		Dwarf_Attribute *a = dwarf_attr_integrate(die, DW_AT_linkage_name, &attr);
		if (!a)
			a = dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr);
		name = a ? dwarf_formstring(a) : NULL;
	}
	return name;
}

/*
 * Inlined frames at `addr`: walks the DWARF scopes holding it, innermost
 * first. Each DW_TAG_inlined_subroutine is a frame whose caller's line is
 * its DW_AT_call_line; the enclosing DW_TAG_subprogram is the real frame.
 * Fills frames from frames.v[first] on (frame 0 already has the line of
 * `addr` from the line table); returns false when nothing was inlined.
 */
static bool add_inline_frames(struct cprof_symbolizer *s, Dwfl_Module *mod, uint64_t addr,
			      size_t first, const char *symtab_name)
{
	Dwarf_Addr bias;
	Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, &bias);
	Dwarf_Die *scopes = NULL;
	Dwarf_Files *files = NULL;
	int n;
	size_t cur = first;
	bool any = false;

	if (!cu)
		return false;
	n = dwarf_getscopes(cu, addr - bias, &scopes);
	if (n <= 0)
		return false;
	dwarf_getsrcfiles(cu, &files, NULL);
	for (int i = 0; i < n; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram)
			continue;
		const char *name = die_name(&scopes[i]);
		s->frames.v[cur].function = name ? name : "??";
		s->frames.v[cur].resolved = name != NULL;
		if (tag == DW_TAG_subprogram) {
			if (symtab_name)
				s->frames.v[cur].function = symtab_name;
			break;
		}
		/* the caller's frame, at the call site */
		Dwarf_Attribute attr;
		Dwarf_Word call_file = 0, call_line = 0;
		struct cprof_symbol *caller;
		if (dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_file, &attr), &call_file))
			call_file = 0;
		if (dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_line, &attr), &call_line))
			call_line = 0;
		if (!(caller = push_frame(s)))
			break;
		cur = s->frames.n - 1;
		caller->line = (int)call_line;
		if (files && call_file) {
			const char *f = dwarf_filesrc(files, call_file, NULL, NULL);
			if (f)
				caller->file = f;
		}
		caller->function = symtab_name ? symtab_name : "??";
		caller->resolved = symtab_name != NULL;
		any = true;
	}
	free(scopes);
	return any;
}

static bool resolve(struct cprof_symbolizer *s, struct entry *e)
{
	struct proc *p = &s->procs[e->process];
	struct mod *md;
	struct cprof_symbol *f;
	uint64_t a = e->is_return && e->address ? e->address - 1 : e->address;
	char *name = NULL;

	if (!p->reported)
		report_process(s, e->process);
	md = find_mod(p, a);
	e->module = md ? md->index : CPROF_NONE;
	e->offset = md ? e->address - md->base : e->address;
	e->first = (uint32_t)s->frames.n;
	if (!(f = push_frame(s)))
		return false;
	e->n = 1;
	if (md && md->dwfl_mod) {
		const char *sym = find_sym(s, md, a);
		Dwfl_Line *line = dwfl_module_getsrc(md->dwfl_mod, a);
		if (line) {
			int lineno = 0;
			const char *file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
			f->file = file ? file : "";
			f->line = lineno;
		}
		f->function = sym;
		f->resolved = sym != NULL;
		if (s->options.inline_frames && line &&
		    add_inline_frames(s, md->dwfl_mod, a, e->first, sym))
			e->n = (uint32_t)(s->frames.n - e->first);
		f = &s->frames.v[e->first];
	}
	if (!f->function) {
		/* never dropped: the module and offset still tell where it was */
		int r = md ? asprintf(&name, "%s+0x%" PRIx64, md->short_name, e->offset)
			   : asprintf(&name, "0x%" PRIx64, e->address);
		if (r < 0)
			name = NULL;
		if (!(f->function = own(s, name)))
			return false;
		f->resolved = false;
		for (uint32_t i = 1; i < e->n; i++)
			if (!s->frames.v[e->first + i].resolved)
				s->frames.v[e->first + i].function = f->function;
	}
	return true;
}

bool cprof_symbolizer_lookup(struct cprof_symbolizer *s, uint32_t process, uint64_t address,
			     bool is_return, struct cprof_symbol_loc *loc)
{
	struct cache_key key = {s, process, address, is_return};
	uint64_t hash = cprof_hash_mix(cprof_hash_mix(address, process), is_return);
	uint32_t found;
	struct entry *e;

	s->stats.lookups++;
	if (process >= s->nprocs)
		return false;
	found = cprof_hidx_find(&s->cache, hash, cache_eq, &key);
	if (found != UINT32_MAX) {
		s->stats.cache_hits++;
		e = &s->entries.v[found];
	} else {
		e = cprof_vec_push(&s->entries);
		if (!e)
			return false;
		e->process = process;
		e->address = address;
		e->is_return = is_return;
		if (!resolve(s, e) ||
		    cprof_hidx_insert(&s->cache, hash, (uint32_t)(s->entries.n - 1))) {
			s->entries.n--;
			return false;
		}
	}
	loc->module = e->module;
	loc->offset = e->offset;
	loc->nframes = e->n;
	loc->frames = &s->frames.v[e->first];
	return true;
}

void cprof_symbolizer_get_stats(const struct cprof_symbolizer *s,
				struct cprof_symbolizer_stats *stats)
{
	*stats = s->stats;
}
