/*
 * Input checks: what the reader looks at before babeltrace2 sees a trace,
 * and after it refused one. babeltrace2 2.0.4 loops forever on a metadata
 * file cut inside its text, so every metadata file is checked (packet
 * headers, balanced text) first; a refused trace gets the stream file at
 * fault named when a packet header shows it.
 */
#include "input.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int find_dirs(const char *dir, struct rd_dirs *out, int depth)
{
	DIR *d;
	struct dirent *e;
	char *p;
	int rc = 0;

	if (depth > 16)
		return 0;
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		if (asprintf(&p, "%s/%s", dir, e->d_name) < 0) {
			rc = -1;
			break;
		}
		if (lstat(p, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				rc = find_dirs(p, out, depth + 1);
			} else if (S_ISREG(st.st_mode) && strcmp(e->d_name, "metadata") == 0) {
				char **slot = cprof_vec_push(&out->v);
				char *copy = strdup(dir);
				if (!slot || !copy) {
					free(copy);
					rc = -1;
				} else {
					*slot = copy;
				}
			}
		}
		free(p);
		if (rc)
			break;
	}
	closedir(d);
	return rc;
}

void rd_dirs_free(struct rd_dirs *dirs)
{
	for (size_t i = 0; i < dirs->v.n; i++)
		free(dirs->v.v[i]);
	cprof_vec_free(&dirs->v);
}

static unsigned char *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	struct stat st;

	*size = 0;
	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) == 0 && st.st_size >= 0) {
		buf = malloc((size_t)st.st_size + 1);
		if (buf && fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
			free(buf);
			buf = NULL;
		}
		if (buf)
			*size = (size_t)st.st_size;
	}
	fclose(f);
	return buf;
}

static uint32_t rd32(const unsigned char *p, bool swap)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

/* TSDL text must close every brace it opens and end with a declaration's
 * ';': a file cut inside its text fails one of the two. */
static bool tsdl_complete(const char *s, size_t n)
{
	long depth = 0;
	char last = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '/' && i + 1 < n && s[i + 1] == '*') {
			const char *end = memmem(s + i + 2, n - i - 2, "*/", 2);
			if (!end)
				return false;
			i = (size_t)(end - s) + 1;
			continue;
		}
		if (c == '/' && i + 1 < n && s[i + 1] == '/') {
			while (i < n && s[i] != '\n')
				i++;
			continue;
		}
		if (c == '"') {
			for (i++; i < n && s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
			if (i >= n)
				return false;
			last = '"';
			continue;
		}
		if (c == '{')
			depth++;
		else if (c == '}' && --depth < 0)
			return false;
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\0')
			last = c;
	}
	return depth == 0 && last == ';';
}

#define CTF_METADATA_MAGIC 0x75D11D57u
#define METADATA_HEADER 37 /* magic, uuid, checksum, sizes, schemes, version */

bool rd_check_metadata(const char *dir, char *why, size_t whylen)
{
	char path[4096];
	size_t size, off = 0, tlen = 0;
	unsigned char *buf;
	char *text = NULL;
	bool ok = false;

	snprintf(path, sizeof(path), "%s/metadata", dir);
	buf = read_file(path, &size);
	if (!buf) {
		snprintf(why, whylen, "cannot read %s: %s", path, strerror(errno));
		return false;
	}
	if (size >= 4 &&
	    (rd32(buf, false) == CTF_METADATA_MAGIC || rd32(buf, true) == CTF_METADATA_MAGIC)) {
		bool swap = rd32(buf, false) != CTF_METADATA_MAGIC;
		text = malloc(size + 1);
		if (!text) {
			snprintf(why, whylen, "out of memory");
			goto end;
		}
		while (off < size) {
			uint32_t content, packet;
			if (size - off < METADATA_HEADER ||
			    rd32(buf + off, swap) != CTF_METADATA_MAGIC) {
				snprintf(why, whylen,
					 "metadata file %s is cut short or corrupt (bad packet "
					 "header at byte %zu)",
					 path, off);
				goto end;
			}
			content = rd32(buf + off + 24, swap);
			packet = rd32(buf + off + 28, swap);
			if (packet % 8 || content > packet || content < METADATA_HEADER * 8 ||
			    packet / 8 > size - off) {
				snprintf(why, whylen,
					 "metadata file %s is cut short (packet at byte %zu claims "
					 "%u bytes, %zu left)",
					 path, off, packet / 8, size - off);
				goto end;
			}
			memcpy(text + tlen, buf + off + METADATA_HEADER,
			       content / 8 - METADATA_HEADER);
			tlen += content / 8 - METADATA_HEADER;
			off += packet / 8;
		}
	} else {
		text = (char *)buf;
		buf = NULL;
		tlen = size;
	}
	if (!tsdl_complete(text, tlen)) {
		snprintf(why, whylen,
			 "metadata file %s is cut short (its text ends inside a declaration)",
			 path);
		goto end;
	}
	ok = true;
end:
	free(buf);
	free(text);
	return ok;
}

/*
 * After babeltrace2 refused a trace, name the stream file at fault when we
 * can: LTTng-UST packets start with magic 0xC1FC1FC1 and carry their size
 * in bits at byte 56 of the packet (header: magic, uuid, stream_id,
 * stream_instance_id; context: timestamp_begin, timestamp_end,
 * content_size, packet_size).
 */
bool rd_find_truncated_stream(const struct rd_dirs *dirs, char *out, size_t outlen)
{
	for (size_t i = 0; i < dirs->v.n; i++) {
		DIR *d = opendir(dirs->v.v[i]);
		struct dirent *e;
		if (!d)
			continue;
		while ((e = readdir(d))) {
			char path[4096];
			struct stat st;
			FILE *f;
			uint64_t off = 0;
			bool bad = false;
			if (e->d_name[0] == '.' || strcmp(e->d_name, "metadata") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs->v.v[i], e->d_name);
			if (stat(path, &st) || !S_ISREG(st.st_mode))
				continue;
			f = fopen(path, "rb");
			if (!f)
				continue;
			while (off < (uint64_t)st.st_size) {
				unsigned char h[64];
				uint64_t psize;
				if (fseeko(f, (off_t)off, SEEK_SET) || fread(h, 1, 64, f) != 64 ||
				    rd32(h, false) != 0xC1FC1FC1u) {
					bad = true;
					break;
				}
				memcpy(&psize, h + 56, 8);
				psize /= 8;
				if (!psize || psize > (uint64_t)st.st_size - off) {
					bad = true;
					break;
				}
				off += psize;
			}
			fclose(f);
			if (bad) {
				snprintf(out, outlen, "%s", path);
				closedir(d);
				return true;
			}
		}
		closedir(d);
	}
	return false;
}

int rd_find_metadata_dirs(const char *dir, struct rd_dirs *out)
{
	return find_dirs(dir, out, 0);
}

int32_t rd_read_root_pid(const char *path)
{
	char file[4096];
	size_t size;
	char *buf, *p;
	int32_t pid = 0;

	snprintf(file, sizeof(file), "%s/cprof-record.json", path);
	buf = (char *)read_file(file, &size);
	if (!buf)
		return 0;
	buf[size] = '\0';
	p = strstr(buf, "\"pid\"");
	if (p && (p = strchr(p + 5, ':')))
		pid = (int32_t)strtol(p + 1, NULL, 10);
	free(buf);
	return pid > 0 ? pid : 0;
}
