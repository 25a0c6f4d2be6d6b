/*
 * The symbols a trace carries with it (format in store.h). Loading and
 * writing share one in-memory form: modules by key, entries hashed on
 * (module, offset, kind), frames whose strings are interned once.
 */
#include "store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/vec.h"
#include "hidx.h"

#define STORE_MAGIC "cprof-symbols 1"

struct st_entry {
	int module;
	uint64_t offset;
	bool is_return;
	uint32_t first, n; /* into frames */
};

struct st_module {
	char *key, *path;
};

struct symstore {
	CPROF_VEC(struct st_module) modules;
	CPROF_VEC(struct st_entry) entries;
	CPROF_VEC(struct cprof_symbol) frames;
	CPROF_VEC(char *) strings;
	struct cprof_hidx index;    /* entries */
	struct cprof_hidx interned; /* strings */
};

struct symstore_writer {
	struct symstore st;
};

static uint64_t entry_hash(int module, uint64_t offset, bool is_return)
{
	return cprof_hash_mix(cprof_hash_mix(offset, (uint64_t)module), is_return);
}

struct entry_key {
	const struct symstore *st;
	int module;
	uint64_t offset;
	bool is_return;
};

static bool entry_eq(const void *ctx, uint32_t item)
{
	const struct entry_key *k = ctx;
	const struct st_entry *e = &k->st->entries.v[item];
	return e->module == k->module && e->offset == k->offset && e->is_return == k->is_return;
}

struct str_key {
	const struct symstore *st;
	const char *s;
};

static bool str_eq(const void *ctx, uint32_t item)
{
	const struct str_key *k = ctx;
	return !strcmp(k->st->strings.v[item], k->s);
}

/* The store's own copy of `s`, shared by every frame that names it. */
static const char *intern(struct symstore *st, const char *s)
{
	struct str_key key = {st, s};
	uint64_t hash = cprof_hash_str(s);
	uint32_t found = cprof_hidx_find(&st->interned, hash, str_eq, &key);
	char **slot;

	if (found != UINT32_MAX)
		return st->strings.v[found];
	if (!(slot = cprof_vec_push(&st->strings)))
		return NULL;
	if (!(*slot = strdup(s)) ||
	    cprof_hidx_insert(&st->interned, hash, (uint32_t)(st->strings.n - 1))) {
		free(*slot);
		st->strings.n--;
		return NULL;
	}
	return *slot;
}

static void store_free(struct symstore *st)
{
	for (size_t i = 0; i < st->modules.n; i++) {
		free(st->modules.v[i].key);
		free(st->modules.v[i].path);
	}
	for (size_t i = 0; i < st->strings.n; i++)
		free(st->strings.v[i]);
	cprof_vec_free(&st->modules);
	cprof_vec_free(&st->entries);
	cprof_vec_free(&st->frames);
	cprof_vec_free(&st->strings);
	cprof_hidx_free(&st->index);
	cprof_hidx_free(&st->interned);
}

int symstore_module(const struct symstore *st, const char *key)
{
	for (size_t i = 0; i < st->modules.n; i++)
		if (!strcmp(st->modules.v[i].key, key))
			return (int)i;
	return -1;
}

static int add_module(struct symstore *st, const char *key, const char *path)
{
	int found = symstore_module(st, key);
	struct st_module *m;

	if (found >= 0)
		return found;
	if (!(m = cprof_vec_push(&st->modules)))
		return -1;
	m->key = strdup(key);
	m->path = strdup(path);
	if (!m->key || !m->path) {
		free(m->key);
		free(m->path);
		st->modules.n--;
		return -1;
	}
	return (int)(st->modules.n - 1);
}

bool symstore_find(const struct symstore *st, int module, uint64_t offset, bool is_return,
		   const struct cprof_symbol **frames, size_t *nframes)
{
	struct entry_key key = {st, module, offset, is_return};
	uint32_t found;

	if (!st || module < 0)
		return false;
	found = cprof_hidx_find(&st->index, entry_hash(module, offset, is_return), entry_eq, &key);
	if (found == UINT32_MAX)
		return false;
	*frames = &st->frames.v[st->entries.v[found].first];
	*nframes = st->entries.v[found].n;
	return true;
}

/* Appends an entry with room for n frames; NULL when out of memory, and
 * *dup set when (module, offset, kind) is already there. */
static struct st_entry *add_entry(struct symstore *st, int module, uint64_t offset, bool is_return,
				  uint32_t n, bool *dup)
{
	struct entry_key key = {st, module, offset, is_return};
	uint64_t hash = entry_hash(module, offset, is_return);
	struct st_entry *e;

	*dup = cprof_hidx_find(&st->index, hash, entry_eq, &key) != UINT32_MAX;
	if (*dup)
		return NULL;
	if (!(e = cprof_vec_push(&st->entries)))
		return NULL;
	if (cprof_hidx_insert(&st->index, hash, (uint32_t)(st->entries.n - 1))) {
		st->entries.n--;
		return NULL;
	}
	e->module = module;
	e->offset = offset;
	e->is_return = is_return;
	e->first = (uint32_t)st->frames.n;
	e->n = n;
	return e;
}

/* ---- loading ---- */

/* One line without its newline, however long; NULL at the end. */
static char *read_line(gzFile gz, char **buf, size_t *cap)
{
	size_t len = 0;

	for (;;) {
		if (*cap - len < 2) {
			size_t ncap = *cap ? *cap * 2 : 4096;
			char *nb = realloc(*buf, ncap);
			if (!nb)
				return NULL;
			*buf = nb;
			*cap = ncap;
		}
		if (!gzgets(gz, *buf + len, (int)(*cap - len)))
			return len ? *buf : NULL;
		len += strlen(*buf + len);
		if (len && (*buf)[len - 1] == '\n') {
			(*buf)[len - 1] = '\0';
			return *buf;
		}
		if (gzeof(gz))
			return *buf;
	}
}

/* Splits `line` at tabs into at most `max` fields; returns how many. */
static int split_tabs(char *line, char **fields, int max)
{
	int n = 0;

	while (n < max) {
		fields[n++] = line;
		line = strchr(line, '\t');
		if (!line)
			break;
		*line++ = '\0';
	}
	return n;
}

static int parse_frame(struct symstore *st, char *line)
{
	char *f[5];
	struct cprof_symbol *sym;

	if (split_tabs(line, f, 5) != 5 || strcmp(f[0], "f"))
		return -1;
	if (!(sym = cprof_vec_push(&st->frames)))
		return -1;
	sym->resolved = f[1][0] == '1';
	sym->line = atoi(f[2]);
	sym->function = intern(st, f[3]);
	sym->file = intern(st, f[4]);
	return sym->function && sym->file ? 0 : -1;
}

static int parse_address(struct symstore *st, int module, char *line, uint32_t *nframes)
{
	char *f[4], *end;
	uint64_t offset;
	unsigned long n;
	bool dup;

	if (module < 0 || split_tabs(line, f, 4) != 4)
		return -1;
	offset = strtoull(f[1], &end, 16);
	if (*end || (strcmp(f[2], "r") && strcmp(f[2], "x")))
		return -1;
	n = strtoul(f[3], &end, 10);
	if (*end || n == 0 || n > 4096)
		return -1;
	if (!add_entry(st, module, offset, f[2][0] == 'r', (uint32_t)n, &dup) && !dup)
		return -1;
	*nframes = (uint32_t)n;
	return 0;
}

struct symstore *symstore_load(const char *path, char **err)
{
	struct symstore *st = NULL;
	gzFile gz = NULL;
	char *buf = NULL, *line;
	size_t cap = 0;
	unsigned long lineno = 1;
	uint32_t pending = 0; /* frames still owed to the last address */
	int module = -1;

	*err = NULL;
	if (!(gz = gzopen(path, "rb"))) {
		if (errno != ENOENT && asprintf(err, "%s: %s", path, strerror(errno)) < 0)
			*err = NULL;
		return NULL;
	}
	if (!(st = calloc(1, sizeof(*st))))
		goto error;
	line = read_line(gz, &buf, &cap);
	if (!line || strcmp(line, STORE_MAGIC))
		goto error;
	while ((line = read_line(gz, &buf, &cap))) {
		char *f[3];
		lineno++;
		if (pending) {
			if (parse_frame(st, line))
				goto error;
			pending--;
		} else if (line[0] == 'a') {
			if (parse_address(st, module, line, &pending))
				goto error;
		} else if (line[0] == 'm') {
			if (split_tabs(line, f, 3) != 3 ||
			    (module = add_module(st, f[1], f[2])) < 0)
				goto error;
		} else {
			goto error;
		}
	}
	/* a cut file: keep nothing rather than half an address's frames */
	if (pending || !gzeof(gz))
		goto error;
	gzclose(gz);
	free(buf);
	return st;
error:
	if (asprintf(err, "%s: damaged symbol file (line %lu); ignoring it", path, lineno) < 0)
		*err = NULL;
	if (gz)
		gzclose(gz);
	free(buf);
	symstore_destroy(st);
	return NULL;
}

void symstore_destroy(struct symstore *st)
{
	if (!st)
		return;
	store_free(st);
	free(st);
}

/* ---- writing ---- */

struct symstore_writer *symstore_writer_create(void)
{
	return calloc(1, sizeof(struct symstore_writer));
}

void symstore_writer_destroy(struct symstore_writer *w)
{
	if (!w)
		return;
	store_free(&w->st);
	free(w);
}

size_t symstore_writer_count(const struct symstore_writer *w)
{
	return w->st.entries.n;
}

/* Tabs and newlines would break the line format; names never need them. */
static const char *clean_field(struct symstore *st, const char *s)
{
	char *copy;
	const char *r;

	if (!strpbrk(s, "\t\n\r"))
		return intern(st, s);
	if (!(copy = strdup(s)))
		return NULL;
	for (char *p = copy; *p; p++)
		if (*p == '\t' || *p == '\n' || *p == '\r')
			*p = ' ';
	r = intern(st, copy);
	free(copy);
	return r;
}

bool symstore_writer_add(struct symstore_writer *w, const char *key, const char *path,
			 uint64_t offset, bool is_return, const struct cprof_symbol *frames,
			 size_t nframes)
{
	struct symstore *st = &w->st;
	int module = add_module(st, key, path);
	bool dup;

	if (module < 0 || !nframes)
		return module >= 0;
	if (!add_entry(st, module, offset, is_return, (uint32_t)nframes, &dup))
		return dup;
	for (size_t i = 0; i < nframes; i++) {
		struct cprof_symbol *f = cprof_vec_push(&st->frames);
		if (!f)
			return false;
		f->resolved = frames[i].resolved;
		f->line = frames[i].line;
		f->function = clean_field(st, frames[i].function);
		f->file = clean_field(st, frames[i].file);
		if (!f->function || !f->file)
			return false;
	}
	return true;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct st_entry *x = *(const struct st_entry *const *)a;
	const struct st_entry *y = *(const struct st_entry *const *)b;
	if (x->module != y->module)
		return x->module < y->module ? -1 : 1;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return (int)x->is_return - (int)y->is_return;
}

int symstore_writer_save(const struct symstore_writer *w, const char *path)
{
	const struct symstore *st = &w->st;
	const struct st_entry **order = NULL;
	gzFile gz = NULL;
	int module = -1, saved_errno;

	if (!(order = malloc((st->entries.n ? st->entries.n : 1) * sizeof(*order))))
		goto error;
	for (size_t i = 0; i < st->entries.n; i++)
		order[i] = &st->entries.v[i];
	/* grouped by module and sorted, so that the file compresses well and
	 * two runs over one trace write the same bytes */
	qsort(order, st->entries.n, sizeof(*order), entry_cmp);
	if (!(gz = gzopen(path, "wb6")))
		goto error;
	if (gzprintf(gz, "%s\n", STORE_MAGIC) <= 0)
		goto error;
	for (size_t i = 0; i < st->entries.n; i++) {
		const struct st_entry *e = order[i];
		if (e->module != module) {
			module = e->module;
			if (gzprintf(gz, "m\t%s\t%s\n", st->modules.v[module].key,
				     st->modules.v[module].path) <= 0)
				goto error;
		}
		if (gzprintf(gz, "a\t%" PRIx64 "\t%c\t%u\n", e->offset, e->is_return ? 'r' : 'x',
			     e->n) <= 0)
			goto error;
		for (uint32_t j = 0; j < e->n; j++) {
			const struct cprof_symbol *f = &st->frames.v[e->first + j];
			/* gzprintf's buffer is limited: write the strings apart */
			if (gzprintf(gz, "f\t%d\t%d\t", f->resolved ? 1 : 0, f->line) <= 0 ||
			    gzputs(gz, f->function) < 0 || gzputc(gz, '\t') < 0 ||
			    gzputs(gz, f->file) < 0 || gzputc(gz, '\n') < 0)
				goto error;
		}
	}
	free(order);
	if (gzclose(gz) != Z_OK) {
		errno = EIO;
		return -1;
	}
	return 0;
error:
	saved_errno = errno ? errno : EIO;
	free(order);
	if (gz)
		gzclose(gz);
	errno = saved_errno;
	return -1;
}
