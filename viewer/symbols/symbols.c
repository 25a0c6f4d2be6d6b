/*
 * Offline symbolization with libdwfl. Each ELF object (path and build-id)
 * is opened once, in a Dwfl of its own, at the base where the first
 * process that needed it had it; the other processes' addresses in it are
 * moved there by their own base. (One Dwfl per process read every file
 * again for each process: with libc6-dbg installed, libc's compressed
 * debug information was inflated 22 times for the 22 processes of a
 * `make -j2`.)
 *
 * bin_info's base is the run-time address of the object's first PT_LOAD
 * segment (lttng-ust computes dlpi_addr + p_vaddr), which is exactly what
 * dwfl_report_elf() expects as `base` with add_p_vaddr false: it then
 * derives the bias as base - p_vaddr. For ET_EXEC objects it ignores base.
 *
 * dwfl_module_addrname() scans the whole symbol table per call (about a
 * millisecond in libc), so each module's function symbols are sorted once
 * and binary-searched. Results are cached per (process, address, kind,
 * module): a process may map two objects at one address in turn (dlclose,
 * then dlopen of another library where the first was, or exec), and an
 * address resolves in the one mapped when its stack was taken.
 */
#include "symbols.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <gelf.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/interval.h"
#include "hidx.h"
#include "perfmap.h"
#include "store.h"

struct sym {
	uint64_t addr, end;
	const char *name;
	int rank; /* which of several symbols at one address wins */
};

/* Why a module gives no symbols, said once per module (see note_missing). */
enum mod_lack {
	LACK_NONE,
	LACK_FILE,     /* the file is gone and no debug file has its build-id */
	LACK_BUILD_ID, /* the file was rebuilt since the trace */
	LACK_SYMBOLS,  /* stripped, no debug info: no symbol table at all */
};

/* An ELF object as libdwfl reads it, shared by the processes that mapped it. */
struct obj {
	const char *path, *build_id;
	uint64_t base; /* where it is reported in its Dwfl */
	Dwfl *dwfl;
	Dwfl_Module *dwfl_mod; /* NULL: no usable ELF */
	enum mod_lack lack;
	bool noted;
	bool symtab_built;
	struct sym *syms;
	size_t nsyms;
	/* .eh_frame_hdr's sorted table of FDE starts (cfi_function_start) */
	bool ehtab_built;
	const unsigned char *ehtab; /* pairs of int32: start, FDE; from ehaddr */
	size_t nehtab;
	uint64_t ehaddr; /* in the Dwfl */
};

/* An object mapped by one process. */
struct mod {
	uint32_t index; /* model module index */
	uint64_t base, end;
	uint64_t load_ns;
	const char *path;
	const char *short_name;
	struct obj *obj;  /* NULL until the ELF files are opened */
	int store_module; /* in the trace's stored symbols, -1: none */
};

struct proc {
	bool reported;	    /* mods built */
	bool dwfl_reported; /* ELF files opened: only once the stored symbols miss */
	struct mod *mods;   /* sorted by base */
	size_t nmods;
	bool jit_tried;		   /* jit and jit_store looked for */
	struct cprof_perfmap *jit; /* its JIT's names (perfmap.h), NULL: none */
	int jit_store;		   /* its JIT names in the stored symbols, -1: none */
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
	CPROF_VEC(struct obj *) objs;
	CPROF_VEC(struct entry) entries;
	struct cprof_hidx cache;
	CPROF_VEC(struct cprof_symbol) frames;
	CPROF_VEC(char *) owned;
	struct symstore *store; /* the trace's own symbols, NULL: none */
	CPROF_VEC(const char *) notes;
	struct cprof_symbolizer_stats stats;
	/* cprof_symbolizer_prepare's thread and what it opens */
	pthread_t warm_thread;
	bool warming;
	struct warm_item *warm;
	size_t nwarm;
};

/* An object to open ahead, and an address in it (see cprof_symbolizer_prepare). */
struct warm_item {
	const char *path, *build_id; /* owned by the symbolizer */
	uint64_t base;
	uint64_t address;
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

/* Says `text` (owned) once: on stderr unless quiet, and to the viewer. */
static void note(struct cprof_symbolizer *s, char *text)
{
	const char **slot;

	if (!text || !own(s, text) || !(slot = cprof_vec_push(&s->notes)))
		return;
	*slot = text;
	if (!s->options.quiet)
		fprintf(stderr, "cprof-trace: %s\n", text);
}

/* The trace's stored symbols, if it has them: false only when out of memory. */
static bool load_store(struct cprof_symbolizer *s)
{
	const char *dir = cprof_model_str(s->model, s->model->path);
	char *path = NULL, *err = NULL;

	if (!dir || !*dir)
		return true;
	if (asprintf(&path, "%s/%s", dir, CPROF_SYMBOL_STORE_FILE) < 0)
		return false;
	s->store = symstore_load(path, &err);
	free(path);
	if (err)
		note(s, err);
	return true;
}

const char *cprof_symbolizer_note(const struct cprof_symbolizer *s)
{
	return s->notes.n ? s->notes.v[0] : NULL;
}

/* A symbolizer for no model yet: its options and libdwfl's callbacks. */
static struct cprof_symbolizer *symbolizer_new(const struct cprof_symbolizer_options *options)
{
	struct cprof_symbolizer *s = calloc(1, sizeof(*s));

	if (!s)
		goto error;
	if (options)
		s->options = *options;
	if (s->options.debuginfo_path && !(s->debuginfo_path = strdup(s->options.debuginfo_path)))
		goto error;
	/* debug links (separate debug files named in the object) in --debug-dir too */
	if (!s->debuginfo_path && s->options.debug_dir &&
	    asprintf(&s->debuginfo_path, ":.debug:/usr/lib/debug:%s", s->options.debug_dir) < 0) {
		s->debuginfo_path = NULL;
		goto error;
	}
	s->callbacks.find_elf = dwfl_build_id_find_elf;
	s->callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
	s->callbacks.section_address = dwfl_offline_section_address;
	s->callbacks.debuginfo_path = &s->debuginfo_path;
	return s;
error:
	cprof_symbolizer_destroy(s);
	return NULL;
}

/* Waits for cprof_symbolizer_prepare's thread, if any. */
static void warm_join(struct cprof_symbolizer *s)
{
	if (s->warming)
		pthread_join(s->warm_thread, NULL);
	s->warming = false;
}

struct cprof_symbolizer *cprof_symbolizer_create_prepared(struct cprof_symbolizer *s,
							  const struct cprof_model *model)
{
	warm_join(s);
	s->model = model;
	s->nprocs = model->processes.n;
	s->procs = calloc(s->nprocs ? s->nprocs : 1, sizeof(*s->procs));
	if (!s->procs)
		goto error;
	if (!s->options.no_store && !load_store(s))
		goto error;
	return s;
error:
	cprof_symbolizer_destroy(s);
	return NULL;
}

struct cprof_symbolizer *cprof_symbolizer_create(const struct cprof_model *model,
						 const struct cprof_symbolizer_options *options)
{
	struct cprof_symbolizer *s = symbolizer_new(options);

	return s ? cprof_symbolizer_create_prepared(s, model) : NULL;
}

void cprof_symbolizer_destroy(struct cprof_symbolizer *s)
{
	if (!s)
		return;
	warm_join(s);
	free(s->warm);
	for (size_t i = 0; i < s->nprocs; i++) {
		free(s->procs[i].mods);
		cprof_perfmap_destroy(s->procs[i].jit);
	}
	free(s->procs);
	for (size_t i = 0; i < s->objs.n; i++) {
		struct obj *o = s->objs.v[i];
		free(o->syms);
		if (o->dwfl)
			dwfl_end(o->dwfl);
		free(o);
	}
	cprof_vec_free(&s->objs);
	for (size_t i = 0; i < s->owned.n; i++)
		free(s->owned.v[i]);
	cprof_vec_free(&s->owned);
	cprof_vec_free(&s->notes);
	symstore_destroy(s->store);
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

/* A debug file for `build_id` under `dir`'s .build-id tree, or false. */
static bool debug_file(const char *dir, const char *build_id, char *out, size_t size)
{
	snprintf(out, size, "%s/.build-id/%.2s/%s.debug", dir, build_id, build_id + 2);
	return access(out, R_OK) == 0;
}

static Dwfl_Module *report_module(struct cprof_symbolizer *s, Dwfl *dwfl, struct obj *o)
{
	const char *path = o->path, *build_id = o->build_id;
	Dwfl_Module *mod = NULL;
	char debug[4096];
	bool found = false;

	o->lack = LACK_FILE;
	if (path[0] == '/' && access(path, R_OK) == 0)
		mod = dwfl_report_elf(dwfl, path, path, -1, o->base, false);
	if (mod && !build_id_matches(mod, build_id)) {
		/* The file was rebuilt since the trace: its symbols would lie. */
		s->stats.build_id_mismatches++;
		o->lack = LACK_BUILD_ID;
		mod = NULL;
	}
	/*
	 * The object may be gone or replaced while its debug file (which holds
	 * the symbol table and DWARF at the same addresses) is still installed:
	 * in --debug-dir first, then where Debian's -dbgsym packages put it.
	 */
	if (!mod && build_id && strlen(build_id) > 2) {
		if (s->options.debug_dir)
			found = debug_file(s->options.debug_dir, build_id, debug, sizeof(debug));
		if (!found)
			found = debug_file("/usr/lib/debug", build_id, debug, sizeof(debug));
		if (found) {
			mod = dwfl_report_elf(dwfl, path, debug, -1, o->base, false);
			if (mod && !build_id_matches(mod, build_id))
				mod = NULL;
		}
	}
	if (mod)
		o->lack = LACK_NONE;
	return mod;
}

/* How the stored symbols name a module: its build-id, else its path. */
static const char *module_key(const struct cprof_model *m, uint32_t index)
{
	const struct cprof_module *cm = &m->modules.v[index];
	const char *id = cprof_model_str(m, cm->build_id);
	return id && *id ? id : cprof_model_str(m, cm->path);
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
			if (p->mods[j].base == cm->base && p->mods[j].end == cm->base + cm->size &&
			    !strcmp(p->mods[j].path, cprof_model_str(m, cm->path)))
				goto next;
		md = &p->mods[p->nmods++];
		md->index = (uint32_t)i;
		md->base = cm->base;
		md->end = cm->base + cm->size;
		md->load_ns = cm->load_ns;
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
	for (size_t j = 0; j < p->nmods; j++)
		p->mods[j].store_module =
		    s->store ? symstore_module(s->store, module_key(m, p->mods[j].index)) : -1;
}

/* The object at `path` with `build_id`, opened the first time a process
 * needs it (at that process's `base`); NULL when out of memory. */
static struct obj *obj_get(struct cprof_symbolizer *s, const char *path, const char *build_id,
			   uint64_t base)
{
	struct obj *o, **slot;

	for (size_t i = 0; i < s->objs.n; i++) {
		o = s->objs.v[i];
		if (!strcmp(o->path, path) && !strcmp(o->build_id, build_id))
			return o;
	}
	if (!(o = calloc(1, sizeof(*o))) || !(slot = cprof_vec_push(&s->objs))) {
		free(o);
		return NULL;
	}
	*slot = o;
	o->path = path;
	o->build_id = build_id;
	o->base = base;
	o->lack = LACK_FILE;
	if (!(o->dwfl = dwfl_begin(&s->callbacks)))
		return o;
	dwfl_report_begin(o->dwfl);
	o->dwfl_mod = report_module(s, o->dwfl, o);
	dwfl_report_end(o->dwfl, NULL, NULL);
	if (o->dwfl_mod)
		s->stats.modules_loaded++;
	else
		s->stats.modules_failed++;
	return o;
}

/* Opens the process's ELF files: only needed for what the trace's own
 * symbols lack, so a trace that carries them never reads a binary. */
static void report_dwfl(struct cprof_symbolizer *s, struct proc *p)
{
	const struct cprof_model *m = s->model;

	p->dwfl_reported = true;
	for (size_t j = 0; j < p->nmods; j++) {
		struct mod *md = &p->mods[j];
		const char *build_id = cprof_model_str(m, m->modules.v[md->index].build_id);
		md->obj = obj_get(s, md->path, build_id ? build_id : "", md->base);
	}
}

/* libstdc++'s demangler (the Itanium C++ ABI's), which GCC's C++ programs
 * use for their own names: no second implementation to keep in step. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

/*
 * "_ZN4shop9Inventory7restockEi" reads "shop::Inventory::restock(int)", as
 * in the program's source. The first `len` bytes of `name` are the symbol;
 * a name that does not demangle is kept as it is.
 */
static const char *demangle(struct cprof_symbolizer *s, const char *name, size_t len)
{
	char *mangled = strndup(name, len), *out;
	int status = -1;

	if (!mangled)
		return NULL;
	out = __cxa_demangle(mangled, NULL, NULL, &status);
	if (status == 0 && out) {
		free(mangled);
		return own(s, out);
	}
	free(out);
	return own(s, mangled);
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
	if (!strncmp(name, "_Z", 2))
		return demangle(s, name, len);
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

static void build_symtab(struct cprof_symbolizer *s, struct obj *o)
{
	int n;
	size_t k = 0;

	o->symtab_built = true;
	n = dwfl_module_getsymtab(o->dwfl_mod);
	if (n <= 1 || !(o->syms = calloc((size_t)n, sizeof(*o->syms))))
		return;
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		const char *name =
		    dwfl_module_getsym_info(o->dwfl_mod, i, &sym, &addr, &shndx, NULL, NULL);
		int type = GELF_ST_TYPE(sym.st_info), bind = GELF_ST_BIND(sym.st_info);
		if (!name || !*name || shndx == SHN_UNDEF || !addr)
			continue;
		if (type != STT_FUNC && type != STT_GNU_IFUNC)
			continue;
		o->syms[k].addr = addr;
		o->syms[k].end = addr + sym.st_size;
		name = clean_name(s, name);
		if (!name)
			continue;
		o->syms[k].name = name;
		o->syms[k].rank = (bind == STB_GLOBAL ? 4
				   : bind == STB_WEAK ? 2
						      : 0) +
				  (sym.st_size > 0);
		k++;
	}
	qsort(o->syms, k, sizeof(*o->syms), sym_cmp);
	/* keep the best symbol per address; a size-0 symbol runs to the next */
	size_t w = 0;
	for (size_t i = 0; i < k; i++) {
		if (w && o->syms[w - 1].addr == o->syms[i].addr)
			continue;
		o->syms[w++] = o->syms[i];
	}
	for (size_t i = 0; i < w; i++)
		if (o->syms[i].end == o->syms[i].addr)
			o->syms[i].end = i + 1 < w ? o->syms[i + 1].addr : o->syms[i].addr + 1;
	o->nsyms = w;
}

static uint64_t sym_start(const void *syms, size_t i)
{
	return ((const struct sym *)syms)[i].addr;
}

static const char *find_sym(struct cprof_symbolizer *s, struct obj *o, uint64_t addr)
{
	size_t lo;

	if (!o->symtab_built)
		build_symtab(s, o);
	lo = cprof_interval_first_after(o->syms, o->nsyms, addr, sym_start);
	/* lo: first symbol above addr; look back over nested/aliased symbols */
	for (size_t i = lo; i-- > 0 && lo - i <= 4;)
		if (addr < o->syms[i].end)
			return o->syms[i].name;
	return NULL;
}

/* Of two objects that held `addr`, the one mapped at `ns`: the last loaded
 * by then, else (a stack taken before the state dump listed the objects)
 * the first. */
static bool mapped_rather(const struct mod *x, const struct mod *than, uint64_t ns)
{
	if (!than)
		return true;
	if (x->load_ns <= ns && than->load_ns <= ns)
		return x->load_ns > than->load_ns;
	if (x->load_ns > ns && than->load_ns > ns)
		return x->load_ns < than->load_ns;
	return x->load_ns <= ns;
}

static uint64_t mod_start(const void *mods, size_t i)
{
	return ((const struct mod *)mods)[i].base;
}

static struct mod *find_mod(struct proc *p, uint64_t addr, uint64_t ns)
{
	size_t lo = cprof_interval_first_after(p->mods, p->nmods, addr, mod_start);
	struct mod *best = NULL;

	for (size_t i = lo; i-- > 0;) {
		if (addr < p->mods[i].end && mapped_rather(&p->mods[i], best, ns))
			best = &p->mods[i];
		if (lo - i > 4 && (best || lo - i > 8))
			break;
	}
	return best;
}

struct cache_key {
	const struct cprof_symbolizer *s;
	uint32_t process;
	uint32_t module;
	uint64_t address;
	bool is_return;
};

static bool cache_eq(const void *ctx, uint32_t item)
{
	const struct cache_key *k = ctx;
	const struct entry *e = &k->s->entries.v[item];
	return e->address == k->address && e->process == k->process &&
	       e->is_return == k->is_return && e->module == k->module;
}

static struct cprof_symbol *push_frame(struct cprof_symbolizer *s)
{
	struct cprof_symbol *f = cprof_vec_push(&s->frames);
	if (f)
		f->file = "";
	return f;
}

/* A C++ function's linkage name says its namespace, class and parameters
 * (DW_AT_name has only "restock"): demangled, it is preferred. */
static const char *die_name(struct cprof_symbolizer *s, Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	Dwarf_Attribute *a = dwarf_attr_integrate(die, DW_AT_linkage_name, &attr);
	const char *linkage;

	if (!a)
		a = dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr);
	linkage = a ? dwarf_formstring(a) : NULL;
	if (linkage && !strncmp(linkage, "_Z", 2))
		return demangle(s, linkage, strlen(linkage));
	return dwarf_diename(die) ? dwarf_diename(die) : linkage;
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
		const char *name = die_name(s, &scopes[i]);
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

/*
 * The trace's stored frames for e: 1 when found, 0 when not (look it up in
 * the ELF files), -1 when out of memory. Without inline frames, the one
 * frame is what resolve() gives then: the outer function, with the line of
 * the innermost.
 */
static int from_store(struct cprof_symbolizer *s, int store_module, struct entry *e)
{
	const struct cprof_symbol *stored;
	size_t n;

	if (!symstore_find(s->store, store_module, e->offset, e->is_return, &stored, &n))
		return 0;
	if (!s->options.inline_frames) {
		struct cprof_symbol *f = push_frame(s);
		if (!f)
			return -1;
		*f = stored[n - 1];
		f->file = stored[0].file;
		f->line = stored[0].line;
		e->n = 1;
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		struct cprof_symbol *f = push_frame(s);
		if (!f)
			return -1;
		*f = stored[i];
	}
	e->n = (uint32_t)n;
	return 1;
}

/* An address of md fell back to md+offset: say why, once per module. The
 * vDSO and other pseudo-files have nothing to read. */
static void note_missing(struct cprof_symbolizer *s, struct mod *md)
{
	struct obj *o = md->obj;
	char *text = NULL;
	int r = 0;

	if (!o || o->noted || md->path[0] != '/')
		return;
	o->noted = true;
	if (o->dwfl_mod && !o->symtab_built)
		build_symtab(s, o);
	/* a module with symbols has gaps between them: no news */
	if (o->dwfl_mod && o->nsyms == 0)
		o->lack = LACK_SYMBOLS;
	switch (o->lack) {
	case LACK_FILE:
		r = asprintf(
		    &text,
		    "%s: %s is gone and the trace has no symbols for it: stacks shown as %s+offset",
		    md->short_name, md->path, md->short_name);
		break;
	case LACK_BUILD_ID:
		r = asprintf(&text,
			     "%s: build-id differs from the trace's, stacks shown as %s+offset",
			     md->short_name, md->short_name);
		break;
	case LACK_SYMBOLS:
		r = asprintf(&text,
			     "%s: no symbols (stripped, no debug info): stacks shown as %s+offset",
			     md->short_name, md->short_name);
		break;
	case LACK_NONE:
		return;
	}
	if (r < 0)
		text = NULL;
	note(s, text);
}

/* How the stored symbols name a process's JIT code: by its pid. */
static void jit_key(const struct cprof_model *m, uint32_t process, char *key, size_t len)
{
	snprintf(key, len, "perf-map:%d", (int)m->processes.v[process].pid);
}

/*
 * The JIT names of process p (perfmap.h), looked for on its first address
 * outside every module: in the trace's stored symbols, else in the perf
 * map it wrote, when the trace was recorded on this host.
 */
static void find_jit(struct cprof_symbolizer *s, uint32_t process)
{
	const struct cprof_model *m = s->model;
	const struct cprof_process *cp = &m->processes.v[process];
	struct proc *p = &s->procs[process];
	uint64_t begin = UINT64_MAX, end = cp->end_ns;
	char key[64], host[256];

	p->jit_tried = true;
	jit_key(m, process, key, sizeof(key));
	p->jit_store = s->store ? symstore_module(s->store, key) : -1;
	if (p->jit_store >= 0)
		return;
	if (cp->host_known && (gethostname(host, sizeof(host)) != 0 ||
			       strcmp(host, cprof_model_str(m, cp->host)) != 0))
		return;
	for (size_t i = 0; i < m->threads.n; i++) {
		const struct cprof_thread *t = &m->threads.v[i];
		if (t->process != process)
			continue;
		if (t->first_ns < begin)
			begin = t->first_ns;
		if (!cp->end_ns && t->last_ns > end)
			end = t->last_ns;
	}
	p->jit = cprof_perfmap_load(cp->pid, begin == UINT64_MAX ? 0 : begin, end);
}

/* e's address outside every module, `a` the one to name (return address
 * less one), as a JIT named it: 1 found, 0 not, -1 out of memory. */
static int from_jit(struct cprof_symbolizer *s, struct entry *e, uint64_t a)
{
	struct proc *p = &s->procs[e->process];
	struct cprof_symbol *f;
	const char *name;

	if (!p->jit_tried)
		find_jit(s, e->process);
	if (p->jit_store >= 0)
		return from_store(s, p->jit_store, e);
	if (!p->jit || !(name = cprof_perfmap_find(p->jit, a)))
		return 0;
	if (!(f = push_frame(s)))
		return -1;
	*f = (struct cprof_symbol){name, "", 0, true};
	e->n = 1;
	return 1;
}

/*
 * Where the function holding `oa` (an address in o's Dwfl) begins, from its
 * call-frame information: a stripped object (Debian's libz, nginx, redis
 * without -dbgsym) has no symbol for its static functions, but unwinding
 * needs an FDE for every function, and the FDE's range is the function's.
 * Naming an unknown frame by that start instead of its own address keeps
 * each function one entry of a profile (a hot loop of libz's longest_match
 * was twenty lines of libz.so+0x..., a few percent each, none on top).
 * The starts come from .eh_frame_hdr's binary-search table (in the usual
 * encoding: 4-byte offsets from the section); libdw's own lookup checks that
 * an FDE covers `oa` (its dwarf_frame_info range is a row of the FDE's
 * table, not the function).
 */
static void build_ehtab(struct obj *o)
{
	GElf_Addr bias = 0;
	Elf *elf = dwfl_module_getelf(o->dwfl_mod, &bias);
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	o->ehtab_built = true;
	if (!elf || elf_getshdrstrndx(elf, &shstrndx) != 0)
		return;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;
		const unsigned char *p;
		uint32_t count;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(elf, shstrndx, sh.sh_name)) ||
		    strcmp(name, ".eh_frame_hdr") != 0)
			continue;
		d = elf_getdata(scn, NULL);
		p = d ? d->d_buf : NULL;
		/* version 1; eh_frame_ptr pcrel|sdata4; count udata4; table datarel|sdata4 */
		if (!p || d->d_size < 12 || p[0] != 1 || p[1] != 0x1b || p[2] != 0x03 ||
		    p[3] != 0x3b)
			return;
		memcpy(&count, p + 8, 4);
		if (count > (d->d_size - 12) / 8)
			return;
		o->ehtab = p + 12;
		o->nehtab = count;
		o->ehaddr = sh.sh_addr + bias;
		return;
	}
}

static int64_t ehtab_start(const struct obj *o, size_t i)
{
	int32_t v;

	memcpy(&v, o->ehtab + i * 8, 4);
	return v;
}

static bool cfi_function_start(struct obj *o, uint64_t oa, uint64_t *start)
{
	Dwarf_Addr bias = 0;
	Dwarf_CFI *cfi;
	Dwarf_Frame *frame = NULL;
	size_t lo = 0, hi;

	if (!o->ehtab_built)
		build_ehtab(o);
	if (!o->nehtab || !(cfi = dwfl_module_eh_cfi(o->dwfl_mod, &bias)) || oa < bias ||
	    dwarf_cfi_addrframe(cfi, oa - bias, &frame) != 0)
		return false;
	free(frame);
	hi = o->nehtab;
	while (lo < hi) { /* lo: the first start above oa */
		size_t mid = lo + (hi - lo) / 2;
		if ((int64_t)(oa - o->ehaddr) >= ehtab_start(o, mid))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return false;
	*start = o->ehaddr + (uint64_t)ehtab_start(o, lo - 1);
	return true;
}

/* e's address in `md` (found by mod_at), NULL: outside every module. */
static bool resolve(struct cprof_symbolizer *s, struct entry *e, struct mod *md)
{
	struct proc *p = &s->procs[e->process];
	struct cprof_symbol *f;
	uint64_t a = e->is_return && e->address ? e->address - 1 : e->address;
	char *name = NULL;

	e->module = md ? md->index : CPROF_NONE;
	e->offset = md ? e->address - md->base : e->address;
	e->first = (uint32_t)s->frames.n;
	if (md && md->store_module >= 0)
		switch (from_store(s, md->store_module, e)) {
		case 1:
			return true;
		case -1:
			return false;
		}
	if (!md)
		switch (from_jit(s, e, a)) {
		case 1:
			return true;
		case -1:
			return false;
		}
	if (!p->dwfl_reported)
		report_dwfl(s, p);
	if (!(f = push_frame(s)))
		return false;
	e->n = 1;
	if (md && md->obj && md->obj->dwfl_mod) {
		/* where the address is in the object's own Dwfl */
		uint64_t oa = a - md->base + md->obj->base;
		const char *sym = find_sym(s, md->obj, oa);
		Dwfl_Line *line = dwfl_module_getsrc(md->obj->dwfl_mod, oa);
		if (line) {
			int lineno = 0;
			const char *file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
			f->file = file ? file : "";
			f->line = lineno;
		}
		f->function = sym;
		f->resolved = sym != NULL;
		if (s->options.inline_frames && line &&
		    add_inline_frames(s, md->obj->dwfl_mod, oa, e->first, sym))
			e->n = (uint32_t)(s->frames.n - e->first);
		f = &s->frames.v[e->first];
	}
	if (!f->function) {
		if (md)
			note_missing(s, md);
		/* never dropped: the module and offset still tell where it was;
		 * the function's start when its FDE gives it (the location keeps
		 * the address itself) */
		uint64_t off = e->offset, start;
		int r;

		if (md && md->obj && md->obj->dwfl_mod &&
		    cfi_function_start(md->obj, a - md->base + md->obj->base, &start))
			off = start - md->obj->base;
		r = md ? asprintf(&name, "%s+0x%" PRIx64, md->short_name, off)
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

/* The module of `process` that held `address` at `ns`, NULL: none. */
static struct mod *mod_at(struct cprof_symbolizer *s, uint32_t process, uint64_t ns,
			  uint64_t address, bool is_return)
{
	struct proc *p = &s->procs[process];

	if (!p->reported)
		report_process(s, process);
	return find_mod(p, is_return && address ? address - 1 : address, ns);
}

uint32_t cprof_symbolizer_module(struct cprof_symbolizer *s, uint32_t process, uint64_t ns,
				 uint64_t address, bool is_return)
{
	struct mod *md = process < s->nprocs ? mod_at(s, process, ns, address, is_return) : NULL;

	return md ? md->index : CPROF_NONE;
}

bool cprof_symbolizer_lookup(struct cprof_symbolizer *s, uint32_t process, uint64_t address,
			     bool is_return, struct cprof_symbol_loc *loc)
{
	return cprof_symbolizer_lookup_at(s, process, 0, address, is_return, loc);
}

bool cprof_symbolizer_lookup_at(struct cprof_symbolizer *s, uint32_t process, uint64_t ns,
				uint64_t address, bool is_return, struct cprof_symbol_loc *loc)
{
	struct cache_key key = {s, process, CPROF_NONE, address, is_return};
	uint64_t hash;
	uint32_t found;
	struct entry *e;
	struct mod *md;

	s->stats.lookups++;
	if (process >= s->nprocs)
		return false;
	md = mod_at(s, process, ns, address, is_return);
	key.module = md ? md->index : CPROF_NONE;
	hash =
	    cprof_hash_mix(cprof_hash_mix(cprof_hash_mix(address, process), is_return), key.module);
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
		if (!resolve(s, e, md) ||
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

/*
 * Opening ahead. `record` stored the symbols once the whole trace was
 * read, and only then opened the objects its stacks ran in: libc's debug
 * file alone (its DWARF inflated) took 86 ms, the stripped sqlite3 50 ms,
 * on one core while the other had nothing to do. The objects that the
 * stacks read so far ran in are opened on a thread of their own, with
 * their symbol tables, their DWARF and the line tables at those
 * addresses, while the rest of the trace is read. The thread touches
 * only the symbolizer's objects, strings and counters, which nothing
 * else uses before cprof_symbolizer_create_prepared() joins it.
 */
static void *warm_run(void *arg)
{
	struct cprof_symbolizer *s = arg;

	for (size_t i = 0; i < s->nwarm; i++) {
		const struct warm_item *w = &s->warm[i];
		struct obj *o = obj_get(s, w->path, w->build_id, w->base);
		Dwarf_Addr bias;

		if (!o || !o->dwfl_mod)
			continue;
		if (!o->symtab_built)
			build_symtab(s, o);
		if (dwfl_module_getdwarf(o->dwfl_mod, &bias))
			(void)dwfl_module_getsrc(o->dwfl_mod, w->address - w->base + o->base);
	}
	return NULL;
}

struct warm_key {
	uint32_t module;
	uint64_t address;
};

static int warm_key_cmp(const void *a, const void *b)
{
	const struct warm_key *x = a, *y = b;

	if (x->module != y->module)
		return x->module < y->module ? -1 : 1;
	return x->address < y->address ? -1 : x->address > y->address;
}

/* The module of `process` in `m` holding `address`, CPROF_NONE: none. */
static uint32_t warm_module(const struct cprof_model *m, uint32_t process, uint64_t address)
{
	for (size_t i = 0; i < m->modules.n; i++) {
		const struct cprof_module *cm = &m->modules.v[i];
		if (cm->process == process && address >= cm->base && address - cm->base < cm->size)
			return (uint32_t)i;
	}
	return CPROF_NONE;
}

/* The frames examined: the objects are warmed up, not every address. */
#define WARM_FRAMES_MAX 65536u

/* The distinct (module, return address - 1) of `m`'s stacks, sorted. */
static struct warm_key *warm_keys(const struct cprof_model *m, size_t *n)
{
	size_t cap = 0, k = 0;
	struct warm_key *keys;

	for (size_t i = 1; i < m->stacks.n && cap < WARM_FRAMES_MAX; i++)
		cap += m->stacks.v[i].depth;
	if (!(keys = malloc((cap ? cap : 1) * sizeof(*keys))))
		return NULL;
	for (size_t i = 1; i < m->stacks.n && k < cap; i++) {
		const struct cprof_stack *st = &m->stacks.v[i];
		for (uint32_t j = 0; j < st->depth && k < cap; j++) {
			uint64_t a = m->frames.v[st->first + j];
			uint32_t md = a ? warm_module(m, st->process, a - 1) : CPROF_NONE;
			if (md != CPROF_NONE)
				keys[k++] = (struct warm_key){md, a - 1};
		}
	}
	qsort(keys, k, sizeof(*keys), warm_key_cmp);
	*n = 0;
	for (size_t i = 0; i < k; i++)
		if (!*n || warm_key_cmp(&keys[*n - 1], &keys[i]))
			keys[(*n)++] = keys[i];
	return keys;
}

struct cprof_symbolizer *cprof_symbolizer_prepare(const struct cprof_model *partial,
						  const struct cprof_symbolizer_options *options)
{
	struct cprof_symbolizer *s = symbolizer_new(options);
	struct warm_key *keys = NULL;
	const char *path = NULL, *build_id = NULL;
	size_t n = 0;

	if (!s || !(keys = warm_keys(partial, &n)) ||
	    !(s->warm = calloc(n ? n : 1, sizeof(*s->warm))))
		goto error;
	for (size_t i = 0; i < n; i++) {
		const struct cprof_module *cm = &partial->modules.v[keys[i].module];
		const char *id = cprof_model_str(partial, cm->build_id);
		/* the model's strings move as it is read: copied, once per module */
		if (!i || keys[i].module != keys[i - 1].module) {
			path = own(s, strdup(cprof_model_str(partial, cm->path)));
			build_id = own(s, strdup(id ? id : ""));
			if (!path || !build_id)
				goto error;
		}
		if (path[0] != '/')
			continue; /* the vDSO: no file */
		s->warm[s->nwarm++] = (struct warm_item){path, build_id, cm->base, keys[i].address};
	}
	free(keys);
	keys = NULL;
	s->warming = s->nwarm && pthread_create(&s->warm_thread, NULL, warm_run, s) == 0;
	return s;
error:
	free(keys);
	cprof_symbolizer_destroy(s);
	return NULL;
}

void cprof_symbolizer_get_stats(const struct cprof_symbolizer *s,
				struct cprof_symbolizer_stats *stats)
{
	*stats = s->stats;
}

/* Looks `address` up and adds it to the store being written if it resolved. */
static bool save_one(struct cprof_symbolizer *s, struct symstore_writer *w, uint32_t process,
		     uint64_t ns, uint64_t address, bool is_return)
{
	const struct cprof_model *m = s->model;
	struct cprof_symbol_loc loc;

	if (!cprof_symbolizer_lookup_at(s, process, ns, address, is_return, &loc))
		return false;
	if (!loc.frames[0].resolved)
		return true;
	if (loc.module == CPROF_NONE) {
		const struct proc *p = &s->procs[process];
		char key[64];

		if (!p->jit)
			return true;
		jit_key(m, process, key, sizeof(key));
		return symstore_writer_add(w, key, cprof_perfmap_path(p->jit), loc.offset,
					   is_return, loc.frames, loc.nframes);
	}
	return symstore_writer_add(w, module_key(m, loc.module),
				   cprof_model_str(m, m->modules.v[loc.module].path), loc.offset,
				   is_return, loc.frames, loc.nframes);
}

int cprof_symbolizer_save(struct cprof_symbolizer *s, const char *path, size_t *stored)
{
	const struct cprof_model *m = s->model;
	struct symstore_writer *w = symstore_writer_create();
	bool *sampled = calloc(m->stacks.n ? m->stacks.n : 1, sizeof(*sampled));
	int status = -1;

	if (!w || !sampled)
		goto end;
	/* a CPU sample's first frame is the interrupted instruction itself */
	for (size_t i = 0; i < m->samples.n; i++)
		if (m->samples.v[i].stack < m->stacks.n)
			sampled[m->samples.v[i].stack] = true;
	for (size_t i = 1; i < m->stacks.n; i++) {
		const struct cprof_stack *st = &m->stacks.v[i];
		for (uint32_t j = 0; j < st->depth; j++) {
			bool is_return = !(j == 0 && sampled[i]);
			if (!save_one(s, w, st->process, st->ns, m->frames.v[st->first + j],
				      is_return))
				goto end;
		}
	}
	for (size_t i = 0; i < m->threads.n; i++) {
		const struct cprof_thread *t = &m->threads.v[i];
		if (t->start_routine &&
		    !save_one(s, w, t->process, t->start_ns, t->start_routine, false))
			goto end;
	}
	if (symstore_writer_save(w, path))
		goto end;
	*stored = symstore_writer_count(w);
	status = 0;
end:
	if (status && !errno)
		errno = ENOMEM;
	symstore_writer_destroy(w);
	free(sampled);
	return status;
}

/* What the stored symbols are made with: every inlined call, this
 * machine's files only (the trace's own symbols are what is replaced). */
static struct cprof_symbolizer_options store_options(const char *debug_dir)
{
	return (struct cprof_symbolizer_options){
	    .inline_frames = true, .debug_dir = debug_dir, .no_store = true};
}

struct cprof_symbolizer *cprof_store_prepare(const struct cprof_model *partial,
					     const char *debug_dir)
{
	const struct cprof_symbolizer_options opts = store_options(debug_dir);

	return cprof_symbolizer_prepare(partial, &opts);
}

int cprof_store_trace_symbols(const struct cprof_model *model, const char *debug_dir, bool force,
			      struct cprof_symbolizer *prepared, char *msg, size_t msglen)
{
	const struct cprof_symbolizer_options opts = store_options(debug_dir);
	const char *dir = cprof_model_str(model, model->path);
	struct cprof_symbolizer *s = NULL;
	struct timespec t0, t1;
	char *path = NULL, *tmp = NULL;
	size_t stored = 0;
	int status = -1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (asprintf(&path, "%s/%s", dir, CPROF_SYMBOL_STORE_FILE) < 0 ||
	    asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
		snprintf(msg, msglen, "%s: out of memory", dir);
		path = tmp = NULL;
		goto end;
	}
	if (!force && access(path, F_OK) == 0) {
		snprintf(msg, msglen,
			 "%s: the trace already holds its symbols (--force replaces them)", path);
		goto end;
	}
	s = prepared ? cprof_symbolizer_create_prepared(prepared, model)
		     : cprof_symbolizer_create(model, &opts);
	prepared = NULL;
	if (!s) {
		snprintf(msg, msglen, "%s: out of memory", dir);
		goto end;
	}
	/* written aside, then renamed: a reader never sees half a file */
	if (cprof_symbolizer_save(s, tmp, &stored) || rename(tmp, path)) {
		snprintf(msg, msglen, "%s: cannot store symbols: %s", path, strerror(errno));
		unlink(tmp);
		goto end;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	snprintf(msg, msglen, "stored the symbols of %zu addresses in %s (%.2f s)", stored, path,
		 (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	status = 0;
end:
	cprof_symbolizer_destroy(prepared);
	cprof_symbolizer_destroy(s);
	free(path);
	free(tmp);
	return status;
}
