/*
 * The model cache (cache.h). One file, DIR/.cprof-cache/model:
 *
 *   header (struct header): magic, format, cprof-trace version, the
 *     trace's key, the file's size, the checksum of every byte after the
 *     header (body_checksum), the model's scalars, and one section entry
 *     (offset, count, element size) per vector;
 *   then the sections, each at a 64-byte boundary: every model vector's
 *     items as they are in memory, the strings as one blob of
 *     NUL-terminated strings with their offsets, the counters' points.
 *
 * The layout is this build's structs, byte for byte: the version and the
 * element sizes in the header keep another build from reading it.
 * Loading maps the file private and writable (copy on write: the viewer
 * may sort or patch an array in place) and points the model's vectors
 * into it as borrowed vectors (common/vec.h).
 */
#include "cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "config.h"
#include "cprof-record.h"

bool rd_cache_enabled = true;

#define CACHE_DIR ".cprof-cache"
#define CACHE_FILE "model"
/* 5: stack ids kept apart per image of an exec (handlers.c, stack_key);
 * 6: a state dump's cprof:config starts no new image;
 * 7: cprof_thread_state.current (in its own process's last dump);
 * 8: cprof_process.title;
 * 9: a process was named by its main thread's last name;
 * 10: by its executable again (the tooltips' "worker-1 (producer)");
 * 11: cprof:warning UNTRACED_EXEC read as a note, not a warning;
 * 12: no thread for a dumping thread whose state_begin came before its
 *     process was known to be of the tree;
 * 13: a process named by its program (cprof:config's `program`), not
 *     by a state dump's main-thread name */
#define FORMAT 13
#define ALIGN 64

/* A CPROF_VEC of any type. */
struct raw_vec {
	void *v;
	size_t n, cap;
};

#define VEC(field, type)                                                                           \
	{                                                                                          \
		offsetof(struct cprof_model, field), sizeof(type)                                  \
	}
static const struct {
	size_t off, elem;
} vecs[] = {
    VEC(processes, struct cprof_process),
    VEC(modules, struct cprof_module),
    VEC(threads, struct cprof_thread),
    VEC(tasks, struct cprof_task),
    VEC(regions, struct cprof_region),
    VEC(logs, struct cprof_log),
    VEC(waits, struct cprof_wait),
    VEC(releases, struct cprof_release),
    VEC(allocs, struct cprof_alloc),
    VEC(syscalls, struct cprof_syscall),
    VEC(samples, struct cprof_sample),
    VEC(counters, struct cprof_counter),
    VEC(stacks, struct cprof_stack),
    VEC(frames, uint64_t),
    VEC(lost, struct cprof_lost),
    VEC(warnings, struct cprof_warning),
    VEC(notes, cprof_str),
    VEC(thread_states, struct cprof_thread_state),
};
#undef VEC
#define NVECS (sizeof(vecs) / sizeof(vecs[0]))
/* The sections after the vectors; the last, the model's summary (bytes). */
enum { SEC_STR_OFFSETS = NVECS, SEC_STR_BLOB, SEC_POINTS, SEC_POINT_FIRST, SEC_SUMMARY, NSEC };

struct header {
	char magic[8];
	uint32_t format, nsec;
	char version[32];
	uint64_t key, size, checksum;
	uint64_t begin_ns, end_ns, events, lost_events, state_begin_ns, state_end_ns;
	uint64_t window_ns, overwritten_records, overwritten_threads;
	struct section {
		uint64_t offset, count, elem;
	} sec[NSEC];
};
static const char magic[8] = "CPROFMDL";
#define HEADER_SIZE ((sizeof(struct header) + ALIGN - 1) / ALIGN * ALIGN)

static struct raw_vec *model_vec(const struct cprof_model *m, size_t i)
{
	return (struct raw_vec *)((char *)m + vecs[i].off);
}

/* ---- the key ---------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void hash_file(XXH3_state_t *h, const char *name, const struct stat *st, uint64_t *newest)
{
	uint64_t v[3] = {(uint64_t)st->st_size, (uint64_t)st->st_mtim.tv_sec,
			 (uint64_t)st->st_mtim.tv_nsec};
	uint64_t mtime = v[1] * 1000000000u + v[2];

	XXH3_64bits_update(h, name, strlen(name) + 1);
	XXH3_64bits_update(h, v, sizeof(v));
	if (mtime > *newest)
		*newest = mtime;
}

/* The regular files of one metadata directory, in name order. */
static bool hash_dir(XXH3_state_t *h, const char *dir, uint64_t *newest)
{
	DIR *d = opendir(dir);
	CPROF_VEC(char *) names = {0};
	struct dirent *e;
	char path[PATH_MAX];
	bool ok = d != NULL;

	while (ok && (e = readdir(d))) {
		char **slot;
		if (e->d_name[0] == '.')
			continue;
		slot = cprof_vec_push(&names);
		ok = slot && (*slot = strdup(e->d_name));
	}
	if (ok)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	for (size_t i = 0; ok && i < names.n; i++) {
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, names.v[i]);
		if (stat(path, &st) != 0)
			ok = false;
		else if (S_ISREG(st.st_mode))
			hash_file(h, names.v[i], &st, newest);
	}
	for (size_t i = 0; i < names.n; i++)
		free(names.v[i]);
	cprof_vec_free(&names);
	if (d)
		closedir(d);
	return ok;
}

bool rd_cache_key(const char *trace, const struct rd_dirs *dirs, uint64_t variant, uint64_t *key,
		  bool *settled)
{
	XXH3_state_t *h = XXH3_createState();
	uint64_t newest = 0;
	size_t root = strlen(trace);
	char path[PATH_MAX];
	struct stat st;
	struct timespec now;
	bool ok = h != NULL;

	if (ok) {
		XXH3_64bits_reset(h);
		XXH3_64bits_update(h, &variant, sizeof(variant));
	}
	/* rd_dirs holds paths under `trace`: hashed from there, so that a
	 * trace moved elsewhere keeps its cache */
	for (size_t i = 0; ok && i < dirs->v.n; i++) {
		const char *dir = dirs->v.v[i];
		const char *rel = strncmp(dir, trace, root) == 0 ? dir + root : dir;
		XXH3_64bits_update(h, rel, strlen(rel) + 1);
		ok = hash_dir(h, dir, &newest);
	}
	snprintf(path, sizeof(path), "%s/" CPROF_RECORD_FILE, trace);
	if (ok && stat(path, &st) == 0)
		hash_file(h, CPROF_RECORD_FILE, &st, &newest);
	if (ok) {
		*key = XXH3_64bits_digest(h);
		clock_gettime(CLOCK_REALTIME, &now);
		*settled = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec >
			   newest + 1000000000u;
	}
	XXH3_freeState(h);
	return ok;
}

/* ---- loading ---------------------------------------------------------------- */

#define BAD(cond)                                                                                  \
	do {                                                                                       \
		if (cond)                                                                          \
			return false;                                                              \
	} while (0)

static bool header_ok(const struct header *hd, uint64_t key, uint64_t size)
{
	char version[32] = {0};

	snprintf(version, sizeof(version), "%s", CPROF_VERSION);
	BAD(memcmp(hd->magic, magic, sizeof(magic)) || hd->format != FORMAT || hd->nsec != NSEC);
	BAD(memcmp(hd->version, version, sizeof(version)) || hd->key != key || hd->size != size);
	for (size_t i = 0; i < NSEC; i++) {
		const struct section *s = &hd->sec[i];
		size_t want = i < NVECS				      ? vecs[i].elem
			      : i == SEC_STR_OFFSETS		      ? sizeof(uint64_t)
			      : i == SEC_STR_BLOB || i == SEC_SUMMARY ? 1
			      : i == SEC_POINTS ? sizeof(struct cprof_counter_point)
						: sizeof(uint64_t);
		BAD(s->elem != want || s->offset % ALIGN || s->offset < HEADER_SIZE ||
		    s->offset > size || s->count > (size - s->offset) / want);
	}
	return true;
}

/* Strings: offsets rising within the blob, each string NUL-terminated,
 * the first one "". */
static bool strings_ok(const char *base, const struct header *hd)
{
	const uint64_t *off = (const uint64_t *)(base + hd->sec[SEC_STR_OFFSETS].offset);
	const char *blob = base + hd->sec[SEC_STR_BLOB].offset;
	uint64_t n = hd->sec[SEC_STR_OFFSETS].count;

	BAD(n < 2 || off[0] != 0 || off[n - 1] != hd->sec[SEC_STR_BLOB].count || blob[0] != '\0');
	for (uint64_t i = 1; i < n; i++)
		BAD(off[i] <= off[i - 1] || off[i] > off[n - 1] || blob[off[i] - 1] != '\0');
	return true;
}

/* Every index of the model within what it points into. */
static bool indices_ok(const struct cprof_model *m, size_t nstr, size_t npoints,
		       const uint64_t *point_first)
{
	size_t np = m->processes.n, nt = m->threads.n, nk = m->tasks.n, ns = m->stacks.n;
#define STR(x) BAD((x) >= nstr)
#define IDX(x, n) BAD((x) >= (n))
#define IDX_NONE(x, n) BAD((x) >= (n) && (x) != CPROF_NONE)
	for (size_t i = 0; i < np; i++) {
		STR(m->processes.v[i].name);
		STR(m->processes.v[i].title);
		STR(m->processes.v[i].host);
	}
	for (size_t i = 0; i < m->modules.n; i++) {
		const struct cprof_module *x = &m->modules.v[i];
		IDX(x->process, np);
		STR(x->path);
		STR(x->build_id);
		STR(x->debug_link);
	}
	for (size_t i = 0; i < nt; i++) {
		IDX(m->threads.v[i].process, np);
		STR(m->threads.v[i].name);
		IDX(m->threads.v[i].create_stack, ns);
	}
	for (size_t i = 0; i < nk; i++) {
		const struct cprof_task *x = &m->tasks.v[i];
		IDX_NONE(x->parent, nk);
		IDX(x->process, np);
		STR(x->type);
		IDX_NONE(x->begin_thread, nt);
		IDX_NONE(x->end_thread, nt);
	}
	for (size_t i = 0; i < m->regions.n; i++) {
		const struct cprof_region *x = &m->regions.v[i];
		IDX(x->thread, nt);
		IDX_NONE(x->task, nk);
		STR(x->type);
	}
	for (size_t i = 0; i < m->logs.n; i++) {
		const struct cprof_log *x = &m->logs.v[i];
		IDX(x->thread, nt);
		IDX_NONE(x->task, nk);
		STR(x->category);
		STR(x->message);
	}
#define THREAD_STACK(vec)                                                                          \
	for (size_t i = 0; i < m->vec.n; i++) {                                                    \
		IDX(m->vec.v[i].thread, nt);                                                       \
		IDX(m->vec.v[i].stack, ns);                                                        \
	}
	THREAD_STACK(waits)
	THREAD_STACK(releases)
	THREAD_STACK(allocs)
	THREAD_STACK(syscalls)
	THREAD_STACK(samples)
	THREAD_STACK(thread_states)
#undef THREAD_STACK
	for (size_t i = 0; i < m->counters.n; i++) {
		const struct cprof_counter *x = &m->counters.v[i];
		STR(x->name);
		IDX_NONE(x->process, np);
		BAD(point_first[i] > npoints || x->points.n > npoints - point_first[i]);
	}
	for (size_t i = 0; i < ns; i++) {
		const struct cprof_stack *x = &m->stacks.v[i];
		IDX_NONE(x->process, np);
		BAD(x->first > m->frames.n || x->depth > m->frames.n - x->first);
	}
	for (size_t i = 0; i < m->warnings.n; i++) {
		IDX_NONE(m->warnings.v[i].thread, nt);
		STR(m->warnings.v[i].text);
	}
	for (size_t i = 0; i < m->notes.n; i++)
		STR(m->notes.v[i]);
#undef STR
#undef IDX
#undef IDX_NONE
	return ns > 0;
}

/* The model's vectors and strings pointed into the mapping. */
static bool attach(struct cprof_model *m, char *base, const struct header *hd)
{
	const uint64_t *off = (const uint64_t *)(base + hd->sec[SEC_STR_OFFSETS].offset);
	char *blob = base + hd->sec[SEC_STR_BLOB].offset;
	struct cprof_counter_point *points =
	    (struct cprof_counter_point *)(base + hd->sec[SEC_POINTS].offset);
	const uint64_t *first = (const uint64_t *)(base + hd->sec[SEC_POINT_FIRST].offset);
	size_t nstr = hd->sec[SEC_STR_OFFSETS].count - 1;

	for (size_t i = 0; i < NVECS; i++) {
		struct raw_vec *v = model_vec(m, i);
		if (v->cap)
			free(v->v);
		*v = (struct raw_vec){hd->sec[i].count ? base + hd->sec[i].offset : NULL,
				      hd->sec[i].count, 0};
	}
	BAD(hd->sec[SEC_POINT_FIRST].count != m->counters.n);
	/* one spare slot: the path, which is not cached (a moved trace) */
	free(m->strings.v[0]);
	free(m->strings.v);
	m->strings.v = malloc((nstr + 1) * sizeof(char *));
	m->strings.n = m->strings.cap = 0;
	BAD(!m->strings.v);
	m->strings.cap = nstr + 1;
	m->strings.n = m->strings_mapped = nstr;
	for (size_t i = 0; i < nstr; i++)
		m->strings.v[i] = blob + off[i];
	BAD(!indices_ok(m, nstr, hd->sec[SEC_POINTS].count, first));
	for (size_t i = 0; i < m->counters.n; i++) {
		struct cprof_counter *c = &m->counters.v[i];
		c->points.v = c->points.n ? points + first[i] : NULL;
		c->points.cap = 0;
	}
	m->begin_ns = hd->begin_ns;
	m->end_ns = hd->end_ns;
	m->events = hd->events;
	m->lost_events = hd->lost_events;
	/* the records of threads' lost batches: their ranges say it */
	for (size_t i = 0; i < m->lost.n; i++)
		if (m->lost.v[i].tid && !m->lost.v[i].unread)
			m->lost_records += m->lost.v[i].count;
	m->state_begin_ns = hd->state_begin_ns;
	m->state_end_ns = hd->state_end_ns;
	m->window_ns = hd->window_ns;
	m->overwritten_records = hd->overwritten_records;
	m->overwritten_threads = hd->overwritten_threads;
	m->summary = hd->sec[SEC_SUMMARY].count ? base + hd->sec[SEC_SUMMARY].offset : NULL;
	m->summary_len = hd->sec[SEC_SUMMARY].count;
	return true;
}

/*
 * The checksum of a file's bytes after its header: XXH3-64 of the XXH3-64s
 * of its 8 MiB pieces, in order, so that two threads hash it: checking a
 * model of 100M records (1.5 GB) at every open, and hashing it once when
 * it is written, took twice as long in one thread.
 */
#define HASH_PIECE ((size_t)8 << 20)

struct hash_job {
	const char *body;
	size_t len, first, step;
	uint64_t *out;
};

static void *hash_pieces(void *arg)
{
	const struct hash_job *j = arg;

	for (size_t i = j->first; i < (j->len + HASH_PIECE - 1) / HASH_PIECE; i += j->step) {
		size_t at = i * HASH_PIECE, n = j->len - at < HASH_PIECE ? j->len - at : HASH_PIECE;
		j->out[i] = XXH3_64bits(j->body + at, n);
	}
	return NULL;
}

/* False when out of memory. */
static bool body_checksum(const char *body, size_t len, uint64_t *sum)
{
	size_t n = (len + HASH_PIECE - 1) / HASH_PIECE;
	uint64_t *h = malloc((n ? n : 1) * sizeof(*h));
	struct hash_job even = {body, len, 0, 2, h}, odd = {body, len, 1, 2, h};
	pthread_t thread;
	bool two;

	if (!h)
		return false;
	two = n > 1 && pthread_create(&thread, NULL, hash_pieces, &odd) == 0;
	if (!two)
		even.step = 1;
	hash_pieces(&even);
	if (two)
		pthread_join(thread, NULL);
	*sum = XXH3_64bits(h, n * sizeof(*h));
	free(h);
	return true;
}

/* The checksum of the file fd, `size` bytes written, read back through a
 * mapping of the pages just written (still in the page cache). */
static bool file_checksum(int fd, uint64_t size, uint64_t *sum)
{
	char *base = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
	bool ok;

	if (base == MAP_FAILED)
		return false;
	madvise(base, (size_t)size, MADV_HUGEPAGE);
	ok = body_checksum(base + HEADER_SIZE, (size_t)(size - HEADER_SIZE), sum);
	munmap(base, (size_t)size);
	return ok;
}

static void cache_path(char *out, size_t len, const char *trace, const char *name)
{
	snprintf(out, len, "%s/" CACHE_DIR "%s%s", trace, name ? "/" : "", name ? name : "");
}

/*
 * The file mapped private and writable at a 2 MiB boundary, advised for
 * huge pages: where the page cache holds it in 2 MiB folios (see the
 * writer), reading it then costs one page walk per 2 MiB, not per 4 KiB.
 */
static char *map_aligned(int fd, size_t len)
{
	size_t huge = (size_t)2 << 20;
	char *area = mmap(NULL, len + huge, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *at, *base, *end;

	if (area == MAP_FAILED)
		return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	at = (char *)(((uintptr_t)area + huge - 1) & ~(uintptr_t)(huge - 1));
	base = mmap(at, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0);
	if (base == MAP_FAILED) {
		munmap(area, len + huge);
		return base;
	}
	/* the reservation's ends around the file (whose mapping ends at a
	 * page boundary) */
	if (at > area)
		munmap(area, (size_t)(at - area));
	end = at + ((len + (size_t)getpagesize() - 1) & ~((size_t)getpagesize() - 1));
	if (area + len + huge > end)
		munmap(end, (size_t)(area + len + huge - end));
	madvise(base, len, MADV_HUGEPAGE);
	return base;
}

struct cprof_model *rd_cache_load(const char *trace, uint64_t key)
{
	char path[PATH_MAX];
	struct cprof_model *m = NULL;
	struct stat st;
	char *base = MAP_FAILED;
	const struct header *hd;
	uint64_t sum;
	int fd;

	cache_path(path, sizeof(path), trace, CACHE_FILE);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && (uint64_t)st.st_size >= HEADER_SIZE)
		base = map_aligned(fd, (size_t)st.st_size);
	close(fd);
	if (base == MAP_FAILED)
		return NULL;
	hd = (const struct header *)base;
	if (!header_ok(hd, key, (uint64_t)st.st_size) ||
	    !body_checksum(base + HEADER_SIZE, (size_t)st.st_size - HEADER_SIZE, &sum) ||
	    sum != hd->checksum || !strings_ok(base, hd) || !(m = cprof_model_create()))
		goto error;
	m->mapping = base;
	m->mapping_len = (size_t)st.st_size;
	if (!attach(m, base, hd))
		goto error;
	return m;

error:
	if (m) {
		m->strings_mapped = 0; /* own strings only were freed above */
		m->strings.n = 0;
		m->mapping = NULL;
		for (size_t i = 0; i < m->counters.n; i++)
			m->counters.v[i].points.cap = 0;
		m->counters.n = 0;
		cprof_model_destroy(m);
	}
	munmap(base, (size_t)st.st_size);
	return NULL;
}

/* ---- storing ---------------------------------------------------------------- */

/*
 * The file is written in writes of 2 MiB at 2 MiB boundaries of the file
 * (what is not already aligned goes through `stage`), for two reasons
 * seen here (Linux 6.18, ext4, under a hypervisor where first touching a
 * 4 KiB page costs an exit): the page cache then holds the file in 2 MiB
 * folios, which the next open maps with huge pages (checksumming 300 MB
 * took 0.02 s instead of 0.2-0.25 s); and one write() of 320 MB of
 * regions took 0.05-0.8 s where 1-2 MiB ones took 0.04 s.
 */
#define PIECE ((size_t)2 << 20)

struct writer {
	int fd;
	uint64_t pos;	/* bytes put so far (the file's size) */
	uint8_t *stage; /* PIECE bytes: the file's bytes from pos - fill to pos */
	size_t fill;
	bool ok;
};

static void flush_stage(struct writer *w)
{
	if (w->fill && w->ok)
		w->ok = write(w->fd, w->stage, w->fill) == (ssize_t)w->fill;
	w->fill = 0;
}

static void put_raw(struct writer *w, const void *p, size_t len)
{
	const char *c = p;

	/* stage holds the bytes since the last PIECE boundary (or the start) */
	while (len && w->ok) {
		size_t n = PIECE - (size_t)(w->pos % PIECE);
		if (n > len)
			n = len;
		if (!w->fill && n == PIECE) {
			w->ok = write(w->fd, c, n) == (ssize_t)n;
		} else {
			memcpy(w->stage + w->fill, c, n);
			w->fill += n;
		}
		w->pos += n;
		c += n;
		len -= n;
		if (w->pos % PIECE == 0)
			flush_stage(w);
	}
}

static void put(struct writer *w, const void *p, size_t len)
{
	if (len && w->ok)
		put_raw(w, p, len);
}

static uint64_t begin_section(struct writer *w)
{
	static const char zero[ALIGN];

	put(w, zero, (size_t)((ALIGN - w->pos % ALIGN) % ALIGN));
	return w->pos;
}

/* The sections; with `regions_done`, all but the regions (in the file
 * already, hd->sec filled: see rd_cache_finish). */
static void write_body(struct writer *w, const struct cprof_model *m, struct header *hd,
		       bool regions_done)
{
	uint64_t off = 0, first = 0;

	for (size_t i = 0; i < NVECS; i++) {
		const struct raw_vec *v = model_vec(m, i);
		if (regions_done && vecs[i].off == offsetof(struct cprof_model, regions))
			continue;
		hd->sec[i] = (struct section){begin_section(w), v->n, vecs[i].elem};
		put(w, v->v, v->n * vecs[i].elem);
	}
	hd->sec[SEC_STR_OFFSETS] =
	    (struct section){begin_section(w), m->strings.n + 1, sizeof(uint64_t)};
	for (size_t i = 0; i <= m->strings.n; i++) {
		put(w, &off, sizeof(off));
		if (i < m->strings.n)
			off += strlen(m->strings.v[i]) + 1;
	}
	hd->sec[SEC_STR_BLOB] = (struct section){begin_section(w), off, 1};
	for (size_t i = 0; i < m->strings.n; i++)
		put(w, m->strings.v[i], strlen(m->strings.v[i]) + 1);
	hd->sec[SEC_POINTS] =
	    (struct section){begin_section(w), 0, sizeof(struct cprof_counter_point)};
	for (size_t i = 0; i < m->counters.n; i++) {
		const struct cprof_counter *c = &m->counters.v[i];
		put(w, c->points.v, c->points.n * sizeof(*c->points.v));
		hd->sec[SEC_POINTS].count += c->points.n;
	}
	hd->sec[SEC_POINT_FIRST] =
	    (struct section){begin_section(w), m->counters.n, sizeof(uint64_t)};
	for (size_t i = 0; i < m->counters.n; i++) {
		put(w, &first, sizeof(first));
		first += m->counters.v[i].points.n;
	}
	/* (published by another thread perhaps: model.h) */
	const void *sum = __atomic_load_n(&m->summary, __ATOMIC_ACQUIRE);
	size_t len = sum ? m->summary_len : 0;
	hd->sec[SEC_SUMMARY] = (struct section){begin_section(w), len, 1};
	put(w, sum, len);
}

/* The derived data to keep with the model (cprof_model_summarize). */
static void summarize(struct cprof_model *m)
{
	if (cprof_model_summarize && !__atomic_load_n(&m->summary, __ATOMIC_ACQUIRE))
		cprof_model_summarize(m);
}

/* The header after the body (w->pos bytes in all, written), at the
 * file's start. */
static void write_header(struct writer *w, const struct cprof_model *m, struct header *hd,
			 uint64_t key)
{
	w->ok = w->ok && file_checksum(w->fd, w->pos, &hd->checksum);
	memcpy(hd->magic, magic, sizeof(magic));
	hd->format = FORMAT;
	hd->nsec = NSEC;
	snprintf(hd->version, sizeof(hd->version), "%s", CPROF_VERSION);
	hd->key = key;
	hd->size = w->pos;
	hd->begin_ns = m->begin_ns;
	hd->end_ns = m->end_ns;
	hd->events = m->events;
	hd->lost_events = m->lost_events;
	hd->state_begin_ns = m->state_begin_ns;
	hd->state_end_ns = m->state_end_ns;
	hd->window_ns = m->window_ns;
	hd->overwritten_records = m->overwritten_records;
	hd->overwritten_threads = m->overwritten_threads;
	w->ok = w->ok && pwrite(w->fd, hd, sizeof(*hd), 0) == (ssize_t)sizeof(*hd);
}

/* A new temporary cache file (mkstemp) in the trace's cache directory;
 * -1 when the directory is not writable. */
static int create_tmp(const char *trace, char *tmp, size_t len)
{
	char dir[PATH_MAX];
	int fd;

	cache_path(dir, sizeof(dir), trace, NULL);
	cache_path(tmp, len, trace, CACHE_FILE ".XXXXXX");
	if ((mkdir(dir, 0755) != 0 && errno != EEXIST) || (fd = mkstemp(tmp)) < 0)
		return -1;
	fchmod(fd, 0644); /* mkstemp's 0600 would keep the cache from the trace's other readers */
	return fd;
}

void rd_cache_store(const char *trace, struct cprof_model *m, uint64_t key)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	static const char pad[HEADER_SIZE];
	struct header hd = {0};
	struct writer w = {-1, 0, NULL, 0, true};

	cache_path(path, sizeof(path), trace, CACHE_FILE);
	w.fd = create_tmp(trace, tmp, sizeof(tmp));
	if (w.fd < 0)
		return; /* not writable: no cache, no word */
	w.stage = malloc(PIECE);
	if (!w.stage) {
		w.ok = false;
		goto end;
	}
	put_raw(&w, pad, HEADER_SIZE);
	summarize(m);
	write_body(&w, m, &hd, false);
	flush_stage(&w);
	write_header(&w, m, &hd, key);
end:
	if (close(w.fd) != 0)
		w.ok = false;
	free(w.stage);
	if (!w.ok || rename(tmp, path) != 0)
		unlink(tmp);
}

/* ---- a cache file built while reading ------------------------------------------ */

/* Where the regions start in such a file: a huge page boundary. */
#define REGIONS_AT ((uint64_t)2 << 20)

/* Closes the file, removing its name if it has one. */
static void close_file(struct rd_cache_file *cf)
{
	close(cf->fd);
	if (cf->tmp[0])
		unlink(cf->tmp);
	cf->fd = -1;
}

bool rd_cache_open(const char *trace, size_t regions, struct rd_cache_file *cf)
{
	size_t huge = (size_t)2 << 20;
	char *area, *at;

	cf->fd = -1;
	cf->regions = NULL;
	if (regions > (SIZE_MAX - huge) / sizeof(struct cprof_region))
		return false;
	cf->len = (regions * sizeof(struct cprof_region) + huge - 1) & ~(huge - 1);
	/* Unnamed until finished (O_TMPFILE): a read interrupted (the viewer
	 * closed while loading, a kill) leaves no file of regions behind. */
	cache_path(cf->tmp, sizeof(cf->tmp), trace, NULL);
	if (mkdir(cf->tmp, 0755) != 0 && errno != EEXIST)
		return false;
	cf->fd = open(cf->tmp, O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
	if (cf->fd >= 0) {
		fchmod(cf->fd, 0644);
		cf->tmp[0] = '\0';
	} else {
		cf->fd = create_tmp(trace, cf->tmp, sizeof(cf->tmp));
	}
	if (cf->fd < 0)
		return false;
	area = mmap(NULL, cf->len + huge, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ftruncate(cf->fd, (off_t)(REGIONS_AT + cf->len)) != 0 || area == MAP_FAILED)
		goto error;
	at = (char *)(((uintptr_t)area + huge - 1) & ~(uintptr_t)(huge - 1));
	if (mmap(at, cf->len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, cf->fd,
		 (off_t)REGIONS_AT) == MAP_FAILED)
		goto error;
	if (at > area)
		munmap(area, (size_t)(at - area));
	if (area + huge > at)
		munmap(at + cf->len, (size_t)(area + huge - at));
	madvise(at, cf->len, MADV_HUGEPAGE);
	cf->regions = (struct cprof_region *)at;
	cf->cap = regions;
	return true;

error:
	if (area != MAP_FAILED)
		munmap(area, cf->len + huge);
	close_file(cf);
	return false;
}

bool rd_cache_abandon(struct rd_cache_file *cf, struct cprof_model *m, bool keep)
{
	bool ok = true;

	if (cf->fd < 0)
		return true;
	if (m && m->regions.v == cf->regions) {
		if (keep) {
			ok = cprof_model_own_regions(m, m->regions.n);
		} else {
			m->regions.v = NULL;
			m->regions.n = m->regions.cap = 0;
		}
	}
	munmap(cf->regions, cf->len);
	close_file(cf);
	return ok;
}

/* An unnamed file (O_TMPFILE) gets a temporary name, to be renamed. */
static bool name_file(const char *trace, struct rd_cache_file *cf)
{
	static unsigned serial;
	char self[64], name[64];

	if (cf->tmp[0])
		return true;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", cf->fd);
	snprintf(name, sizeof(name), CACHE_FILE ".%d.%u", (int)getpid(), serial++);
	cache_path(cf->tmp, sizeof(cf->tmp), trace, name);
	if (linkat(AT_FDCWD, self, AT_FDCWD, cf->tmp, AT_SYMLINK_FOLLOW) == 0)
		return true;
	cf->tmp[0] = '\0';
	return false;
}

bool rd_cache_finish(const char *trace, struct rd_cache_file *cf, struct cprof_model *m,
		     uint64_t key)
{
	char path[PATH_MAX];
	struct header hd = {0};
	struct writer w = {cf->fd, 0, NULL, 0, true};
	size_t rbytes = m->regions.n * sizeof(*m->regions.v);

	if (m->regions.v != cf->regions)
		return rd_cache_abandon(cf, m, true);
	w.stage = malloc(PIECE);
	if (!w.stage)
		goto fail;
	/* the file: the header, zeros (a hole) up to the regions, the
	 * regions, then what write_body writes */
	for (size_t i = 0; i < NVECS; i++)
		if (vecs[i].off == offsetof(struct cprof_model, regions))
			hd.sec[i] = (struct section){REGIONS_AT, m->regions.n, vecs[i].elem};
	w.pos = REGIONS_AT + rbytes;
	w.ok = lseek(w.fd, (off_t)w.pos, SEEK_SET) == (off_t)w.pos;
	summarize(m);
	write_body(&w, m, &hd, true);
	flush_stage(&w);
	w.ok = w.ok && ftruncate(w.fd, (off_t)w.pos) == 0;
	/* the model keeps the regions through a private mapping of the same
	 * pages: later changes to it stay out of the file; made before the
	 * checksum maps the whole file, which would otherwise count the
	 * regions' pages twice in the process's resident size */
	w.ok = w.ok && mmap(cf->regions, cf->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED,
			    cf->fd, (off_t)REGIONS_AT) != MAP_FAILED;
	/* (lent to a model shown meanwhile: the same pages, the mapping
	 * replaced in one call, which threads reading it do not notice) */
	write_header(&w, m, &hd, key);
	cache_path(path, sizeof(path), trace, CACHE_FILE);
	w.ok = w.ok && name_file(trace, cf);
	if (!w.ok || rename(cf->tmp, path) != 0)
		goto fail;
	madvise(cf->regions, cf->len, MADV_HUGEPAGE);
	if (m->mapping != cf->regions) {
		m->regions.cap = 0; /* borrowed from the mapping */
		m->mapping = cf->regions;
		m->mapping_len = cf->len;
	}
	close(cf->fd);
	cf->fd = -1;
	free(w.stage);
	return true;

fail:
	free(w.stage);
	if (m->mapping == cf->regions) {
		close_file(cf); /* lent: the mapping stays the model's */
		return true;
	}
	return rd_cache_abandon(cf, m, true);
}

struct cprof_read_cache *rd_cache_defer(const char *trace, struct rd_cache_file *cf,
					struct cprof_model *m, uint64_t key)
{
	struct cprof_read_cache *c = calloc(1, sizeof(*c));

	if (!c || !(c->trace = strdup(trace))) {
		free(c);
		return NULL;
	}
	c->key = key;
	c->cf = *cf;
	cf->fd = -1;
	cf->regions = NULL;
	m->summary_pending = cprof_model_summarize && !m->summary;
	if (c->cf.fd >= 0) {
		m->regions.cap = 0;
		m->mapping = c->cf.regions;
		m->mapping_len = c->cf.len;
	}
	return c;
}
