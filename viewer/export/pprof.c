/*
 * profile.proto by hand: the schema needs only varints (wire type 0) and
 * length-delimited fields (wire type 2), with repeated scalars packed as
 * proto3 does. Sub-messages are encoded into a scratch buffer first so that
 * their length can precede them, which keeps one pass over the profile.
 */
#include "pprof.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

struct buf {
	uint8_t *v;
	size_t n, cap;
	bool failed;
};

static bool buf_reserve(struct buf *b, size_t more)
{
	if (b->failed)
		return false;
	if (b->n + more > b->cap) {
		size_t ncap = b->cap ? b->cap : 4096;
		uint8_t *nv;
		while (ncap < b->n + more)
			ncap *= 2;
		nv = realloc(b->v, ncap);
		if (!nv) {
			b->failed = true;
			return false;
		}
		b->v = nv;
		b->cap = ncap;
	}
	return true;
}

static void put_varint(struct buf *b, uint64_t v)
{
	if (!buf_reserve(b, 10))
		return;
	while (v >= 0x80) {
		b->v[b->n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b->v[b->n++] = (uint8_t)v;
}

static void put_bytes(struct buf *b, const void *p, size_t len)
{
	if (!buf_reserve(b, len))
		return;
	memcpy(b->v + b->n, p, len);
	b->n += len;
}

/* Proto3 omits zero scalars. int64 negatives are ten-byte varints. */
static void field_varint(struct buf *b, unsigned field, uint64_t v)
{
	if (!v)
		return;
	put_varint(b, (uint64_t)field << 3);
	put_varint(b, v);
}

static void field_bytes(struct buf *b, unsigned field, const void *p, size_t len)
{
	put_varint(b, (uint64_t)field << 3 | 2);
	put_varint(b, len);
	put_bytes(b, p, len);
}

/* Appends the scratch buffer as a sub-message and empties it. */
static void field_message(struct buf *b, unsigned field, struct buf *sub)
{
	if (sub->failed)
		b->failed = true;
	field_bytes(b, field, sub->v, sub->n);
	sub->n = 0;
}

static void encode_value_type(struct buf *b, unsigned field, struct buf *sub,
			      const struct cprof_profile_value_type *vt)
{
	field_varint(sub, 1, (uint64_t)vt->type);
	field_varint(sub, 2, (uint64_t)vt->unit);
	field_message(b, field, sub);
}

/* Packed repeated varints: values into `pack`, then one length-delimited field. */
static void field_packed(struct buf *b, unsigned field, struct buf *pack, const void *vals,
			 size_t n, bool is_u64)
{
	if (!n)
		return;
	for (size_t i = 0; i < n; i++)
		put_varint(pack, is_u64 ? ((const uint64_t *)vals)[i]
					: (uint64_t)((const int64_t *)vals)[i]);
	field_message(b, field, pack);
}

enum cprof_pprof_status cprof_pprof_encode(const struct cprof_profile *p, uint8_t **out,
					   size_t *out_len)
{
	struct buf b = {0}, sub = {0}, pack = {0};
	size_t nv = p->sample_types.n;

	*out = NULL;
	*out_len = 0;
	for (size_t i = 0; i < nv; i++)
		encode_value_type(&b, 1, &sub, &p->sample_types.v[i]);
	for (size_t i = 0; i < p->samples.n; i++) {
		const struct cprof_profile_sample *s = &p->samples.v[i];
		field_packed(&sub, 1, &pack, &p->sample_locs.v[s->first_loc], s->nlocs, true);
		field_packed(&sub, 2, &pack, cprof_profile_sample_values(p, i), nv, false);
		for (uint32_t j = 0; j < s->nlabels; j++) {
			const struct cprof_profile_label *l = &p->labels.v[s->first_label + j];
			field_varint(&pack, 1, (uint64_t)l->key);
			field_varint(&pack, 2, (uint64_t)l->str);
			field_varint(&pack, 3, (uint64_t)l->num);
			field_varint(&pack, 4, (uint64_t)l->num_unit);
			field_message(&sub, 3, &pack);
		}
		field_message(&b, 2, &sub);
	}
	for (size_t i = 0; i < p->mappings.n; i++) {
		const struct cprof_profile_mapping *m = &p->mappings.v[i];
		field_varint(&sub, 1, i + 1);
		field_varint(&sub, 2, m->start);
		field_varint(&sub, 3, m->limit);
		field_varint(&sub, 4, m->file_offset);
		field_varint(&sub, 5, (uint64_t)m->file);
		field_varint(&sub, 6, (uint64_t)m->build_id);
		field_varint(&sub, 7, m->has_functions);
		field_varint(&sub, 8, m->has_filenames);
		field_varint(&sub, 9, m->has_line_numbers);
		field_varint(&sub, 10, m->has_inline_frames);
		field_message(&b, 3, &sub);
	}
	for (size_t i = 0; i < p->locations.n; i++) {
		const struct cprof_profile_location *loc = &p->locations.v[i];
		field_varint(&sub, 1, i + 1);
		field_varint(&sub, 2, loc->mapping);
		field_varint(&sub, 3, loc->address);
		for (uint32_t j = 0; j < loc->nlines; j++) {
			const struct cprof_profile_line *line = &p->lines.v[loc->first_line + j];
			field_varint(&pack, 1, line->function);
			field_varint(&pack, 2, (uint64_t)line->line);
			field_message(&sub, 4, &pack);
		}
		field_message(&b, 4, &sub);
	}
	for (size_t i = 0; i < p->functions.n; i++) {
		const struct cprof_profile_function *f = &p->functions.v[i];
		field_varint(&sub, 1, i + 1);
		field_varint(&sub, 2, (uint64_t)f->name);
		field_varint(&sub, 3, (uint64_t)f->system_name);
		field_varint(&sub, 4, (uint64_t)f->file);
		field_varint(&sub, 5, (uint64_t)f->start_line);
		field_message(&b, 5, &sub);
	}
	/* every string, "" included: its index is its position */
	for (size_t i = 0; i < p->strings.n; i++)
		field_bytes(&b, 6, p->strings.v[i], strlen(p->strings.v[i]));
	field_varint(&b, 9, (uint64_t)p->time_nanos);
	field_varint(&b, 10, (uint64_t)p->duration_nanos);
	if (p->period_type.type || p->period_type.unit)
		encode_value_type(&b, 11, &sub, &p->period_type);
	field_varint(&b, 12, (uint64_t)p->period);
	field_packed(&b, 13, &pack, p->comments.v, p->comments.n, false);
	field_varint(&b, 14, (uint64_t)p->default_sample_type);

	free(sub.v);
	free(pack.v);
	if (b.failed || sub.failed || pack.failed) {
		free(b.v);
		return CPROF_PPROF_NOMEM;
	}
	*out = b.v;
	*out_len = b.n;
	return CPROF_PPROF_OK;
}

enum cprof_pprof_status cprof_pprof_gzip(const uint8_t *in, size_t len, uint8_t **out,
					 size_t *out_len)
{
	z_stream z = {0};
	uLong bound;
	uint8_t *dst = NULL;
	enum cprof_pprof_status status = CPROF_PPROF_OK;

	*out = NULL;
	*out_len = 0;
	/* 16 + MAX_WBITS: a gzip header and trailer around the deflate stream */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return CPROF_PPROF_ZLIB;
	bound = deflateBound(&z, len) + 32;
	dst = malloc(bound);
	if (!dst) {
		status = CPROF_PPROF_NOMEM;
		goto end;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = dst;
	z.avail_out = (uInt)bound;
	if (len > UINT32_MAX / 2 || deflate(&z, Z_FINISH) != Z_STREAM_END) {
		status = CPROF_PPROF_ZLIB;
		free(dst);
		goto end;
	}
	*out = dst;
	*out_len = z.total_out;
end:
	deflateEnd(&z);
	return status;
}

/*
 * The profile is written to a temporary file beside PATH and put in place
 * at the end, so a failure never leaves a half-written profile, and without
 * `force` link() refuses an existing PATH atomically.
 */
enum cprof_pprof_status cprof_pprof_write(const struct cprof_profile *profile, const char *path,
					  bool force)
{
	enum cprof_pprof_status status;
	uint8_t *raw = NULL, *gz = NULL;
	size_t raw_len, gz_len, done = 0;
	char *tmp = NULL;
	int fd = -1, saved;

	if (!force && access(path, F_OK) == 0) {
		status = CPROF_PPROF_EXISTS;
		goto end;
	}
	status = cprof_pprof_encode(profile, &raw, &raw_len);
	if (status)
		goto end;
	status = cprof_pprof_gzip(raw, raw_len, &gz, &gz_len);
	if (status)
		goto end;
	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0) {
		tmp = NULL;
		status = CPROF_PPROF_NOMEM;
		goto end;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		free(tmp);
		tmp = NULL;
		status = CPROF_PPROF_IO;
		goto end;
	}
	while (done < gz_len) {
		ssize_t w = write(fd, gz + done, gz_len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			status = CPROF_PPROF_IO;
			goto end;
		}
		done += (size_t)w;
	}
	if ((fsync(fd) && errno != EINVAL && errno != EROFS) || fchmod(fd, 0644)) {
		status = CPROF_PPROF_IO;
		goto end;
	}
	if (close(fd)) {
		fd = -1;
		status = CPROF_PPROF_IO;
		goto end;
	}
	fd = -1;
	if (force ? rename(tmp, path) : link(tmp, path))
		status = errno == EEXIST ? CPROF_PPROF_EXISTS : CPROF_PPROF_IO;
end:
	saved = errno;
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp); /* after link(), or after a failure; gone after rename() */
		free(tmp);
	}
	errno = saved;
	free(raw);
	free(gz);
	return status;
}

const char *cprof_pprof_status_string(enum cprof_pprof_status status)
{
	switch (status) {
	case CPROF_PPROF_OK:
		return "ok";
	case CPROF_PPROF_NOMEM:
		return "out of memory";
	case CPROF_PPROF_EXISTS:
		return "file exists (use --force to overwrite it)";
	case CPROF_PPROF_IO:
		return "cannot write";
	case CPROF_PPROF_ZLIB:
		return "compression failed";
	}
	return "unknown error";
}
