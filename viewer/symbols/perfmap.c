/*
 * Perf map files (perfmap.h).
 */
#include "perfmap.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/interval.h"

struct range {
	uint64_t start, end;
	uint32_t order; /* line number: a later line wins */
	uint32_t name;	/* offset into names */
};

struct cprof_perfmap {
	char path[64];
	struct range *v; /* sorted by start, then order */
	size_t n;
	uint64_t max_len; /* the longest range, to bound the search back */
	char *names;
};

#define SLACK_BEFORE_NS (10ull * 1000000000ull)
#define SLACK_AFTER_NS (600ull * 1000000000ull)

static int by_start(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static bool fresh(const struct stat *st, uint64_t begin_ns, uint64_t end_ns)
{
	uint64_t mtime =
	    (uint64_t)st->st_mtim.tv_sec * 1000000000ull + (uint64_t)st->st_mtim.tv_nsec;

	if (begin_ns && mtime + SLACK_BEFORE_NS < begin_ns)
		return false;
	return !end_ns || mtime <= end_ns + SLACK_AFTER_NS;
}

/* Parses "START SIZE NAME" lines into map; false when out of memory. */
static bool parse(struct cprof_perfmap *map, FILE *f)
{
	size_t cap = 0, names_len = 0, names_cap = 0;
	char *line = NULL;
	size_t line_cap = 0;
	ssize_t len;
	uint32_t order = 0;
	bool ok = true;

	while (ok && (len = getline(&line, &line_cap, f)) > 0) {
		char *p = line, *end;
		uint64_t start = strtoull(p, &end, 16), size;

		if (end == p || *end != ' ')
			continue;
		p = end + 1;
		size = strtoull(p, &end, 16);
		if (end == p || *end != ' ' || !size || start + size < start)
			continue;
		p = end + 1;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		size_t nlen = strlen(p);
		if (map->n == cap) {
			struct range *v =
			    realloc(map->v, (cap = cap ? 2 * cap : 1024) * sizeof(*v));
			ok = v != NULL;
			if (!ok)
				break;
			map->v = v;
		}
		if (names_len + nlen + 1 > names_cap) {
			size_t c = names_cap ? 2 * names_cap : 16384;
			while (c < names_len + nlen + 1)
				c *= 2;
			char *nn = realloc(map->names, c);
			ok = nn != NULL;
			if (!ok)
				break;
			map->names = nn;
			names_cap = c;
		}
		memcpy(map->names + names_len, p, nlen + 1);
		map->v[map->n++] =
		    (struct range){start, start + size, order++, (uint32_t)names_len};
		names_len += nlen + 1;
		if (size > map->max_len)
			map->max_len = size;
	}
	free(line);
	return ok;
}

struct cprof_perfmap *cprof_perfmap_load(int32_t pid, uint64_t begin_ns, uint64_t end_ns)
{
	struct cprof_perfmap *map = calloc(1, sizeof(*map));
	struct stat st;
	FILE *f;

	if (!map)
		return NULL;
	snprintf(map->path, sizeof(map->path), "/tmp/perf-%d.map", (int)pid);
	f = fopen(map->path, "re");
	if (!f || fstat(fileno(f), &st) != 0 || !fresh(&st, begin_ns, end_ns) || !parse(map, f) ||
	    !map->n) {
		if (f)
			fclose(f);
		cprof_perfmap_destroy(map);
		return NULL;
	}
	fclose(f);
	qsort(map->v, map->n, sizeof(*map->v), by_start);
	return map;
}

void cprof_perfmap_destroy(struct cprof_perfmap *map)
{
	if (!map)
		return;
	free(map->v);
	free(map->names);
	free(map);
}

static uint64_t range_start(const void *v, size_t i)
{
	return ((const struct range *)v)[i].start;
}

const char *cprof_perfmap_find(const struct cprof_perfmap *map, uint64_t address)
{
	/* after the last range that starts at or before the address */
	size_t lo = cprof_interval_first_after(map->v, map->n, address, range_start);
	const struct range *best = NULL;

	/* back over the ranges that may still cover it (a bounded few): the
	 * latest wins */
	for (size_t i = lo, steps = 0; i-- > 0 && steps < 256; steps++) {
		const struct range *r = &map->v[i];
		if (address - r->start >= map->max_len)
			break;
		if (address < r->end && (!best || r->order > best->order))
			best = r;
	}
	return best ? map->names + best->name : NULL;
}

const char *cprof_perfmap_path(const struct cprof_perfmap *map)
{
	return map->path;
}
