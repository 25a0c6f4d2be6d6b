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

/* The TSDL text of DIR/metadata (packetized or plain), NUL-terminated, or
 * NULL with one sentence in `why`. */
static char *metadata_text(const char *dir, size_t *tlen, char *why, size_t whylen)
{
	char path[4096];
	size_t size, off = 0;
	unsigned char *buf;
	char *text = NULL;

	*tlen = 0;
	snprintf(path, sizeof(path), "%s/metadata", dir);
	buf = read_file(path, &size);
	if (!buf) {
		snprintf(why, whylen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	if (size < 4 ||
	    (rd32(buf, false) != CTF_METADATA_MAGIC && rd32(buf, true) != CTF_METADATA_MAGIC)) {
		buf[size] = '\0';
		*tlen = size;
		return (char *)buf;
	}
	bool swap = rd32(buf, false) != CTF_METADATA_MAGIC;
	text = malloc(size + 1);
	if (!text) {
		snprintf(why, whylen, "out of memory");
		goto error;
	}
	while (off < size) {
		uint32_t content, packet;
		if (size - off < METADATA_HEADER || rd32(buf + off, swap) != CTF_METADATA_MAGIC) {
			snprintf(why, whylen,
				 "metadata file %s is cut short or corrupt (bad packet "
				 "header at byte %zu)",
				 path, off);
			goto error;
		}
		content = rd32(buf + off + 24, swap);
		packet = rd32(buf + off + 28, swap);
		if (packet % 8 || content > packet || content < METADATA_HEADER * 8 ||
		    packet / 8 > size - off) {
			snprintf(why, whylen,
				 "metadata file %s is cut short (packet at byte %zu claims "
				 "%u bytes, %zu left)",
				 path, off, packet / 8, size - off);
			goto error;
		}
		memcpy(text + *tlen, buf + off + METADATA_HEADER, content / 8 - METADATA_HEADER);
		*tlen += content / 8 - METADATA_HEADER;
		off += packet / 8;
	}
	text[*tlen] = '\0';
	free(buf);
	return text;
error:
	free(buf);
	free(text);
	*tlen = 0;
	return NULL;
}

bool rd_check_metadata(const char *dir, char *why, size_t whylen)
{
	size_t tlen;
	char *text = metadata_text(dir, &tlen, why, whylen);
	bool ok = text && tsdl_complete(text, tlen);

	if (text && !ok)
		snprintf(why, whylen,
			 "metadata file %s/metadata is cut short (its text ends inside a "
			 "declaration)",
			 dir);
	free(text);
	return ok;
}

/* The integer after `key =` inside `block`, when there. */
static bool tsdl_int(const char *block, const char *key, long long *v)
{
	size_t k = strlen(key);
	for (const char *p = strstr(block, key); p; p = strstr(p + 1, key)) {
		const char *q = p + k;
		if (p > block && (p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z')))
			continue;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '=') {
			*v = strtoll(q + 1, NULL, 10);
			return true;
		}
	}
	return false;
}

/* Whether the packet context (LTTng's) has packet_seq_num right after
 * packet_size, where rd_scan_stream reads it: LTTng before 2.8 did not
 * write it. */
static bool has_packet_seq(const char *text)
{
	const char *p = strstr(text, "struct packet_context {");

	p = p ? strstr(p, " packet_size;") : NULL;
	if (!p)
		return false;
	p += strlen(" packet_size;");
	p += strspn(p, " \t\n");
	if (strncmp(p, "uint64_t", 8))
		return false;
	p += 8;
	p += strspn(p, " \t");
	return !strncmp(p, "packet_seq_num;", 15);
}

bool rd_metadata_clock(const char *dir, struct rd_clock *clock)
{
	char why[512];
	size_t tlen;
	char *text = metadata_text(dir, &tlen, why, sizeof(why));
	char *block, *end;
	long long freq = 0, off_s = 0, off = 0;

	*clock = (struct rd_clock){0};
	if (!text)
		return false;
	clock->packet_seq = has_packet_seq(text);
	block = strstr(text, "clock {");
	end = block ? strstr(block, "};") : NULL;
	if (end) {
		*end = '\0';
		if (tsdl_int(block, "freq", &freq) && freq > 0) {
			tsdl_int(block, "offset_s", &off_s);
			tsdl_int(block, "offset", &off);
			clock->freq = (uint64_t)freq;
			clock->offset_s = off_s;
			clock->offset = off;
		}
	}
	free(text);
	return clock->freq != 0;
}

uint64_t rd_clock_ns(const struct rd_clock *c, uint64_t cycles)
{
	long double cyc = (long double)c->offset + (long double)cycles;
	return (uint64_t)((long double)c->offset_s * 1e9L + cyc * 1e9L / (long double)c->freq);
}

/*
 * LTTng-UST stream packets start with magic 0xC1FC1FC1; the packet context
 * follows the header (magic, uuid, stream_id, stream_instance_id: 32
 * bytes): timestamp_begin at byte 32, timestamp_end at 40, content_size at
 * 48, packet_size at 56 (sizes in bits, times in clock cycles),
 * packet_seq_num at 64 (the packet's number in its stream, from 0).
 */
#define STREAM_MAGIC 0xC1FC1FC1u
#define PACKET_HEADER 64

/* Walks the packets of one stream file: how many bytes from the start are
 * whole packets, and what the first bad packet's header says. */
bool rd_scan_stream(const char *path, struct rd_damage *d)
{
	FILE *f = fopen(path, "rb");
	struct stat st;

	memset(d, 0, sizeof(*d));
	if (!f)
		return false;
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		fclose(f);
		return false;
	}
	d->size = (uint64_t)st.st_size;
	while (d->whole < d->size) {
		unsigned char h[PACKET_HEADER + 8];
		uint64_t psize, b, e;
		size_t got;
		if (fseeko(f, (off_t)d->whole, SEEK_SET) ||
		    (got = fread(h, 1, sizeof(h), f)) < PACKET_HEADER ||
		    rd32(h, false) != STREAM_MAGIC)
			break;
		memcpy(&b, h + 32, 8);
		memcpy(&e, h + 40, 8);
		memcpy(&psize, h + 56, 8);
		psize /= 8;
		if (!d->whole && got == sizeof(h)) {
			memcpy(&d->first_seq, h + PACKET_HEADER, 8);
			d->first_begin = b;
		}
		if (psize < PACKET_HEADER || psize > d->size - d->whole) {
			d->cut_begin = b;
			d->cut_end = e;
			d->cut_header = true;
			break;
		}
		d->last_end = e;
		d->whole += psize;
	}
	fclose(f);
	return true;
}

bool rd_find_truncated_stream(const struct rd_dirs *dirs, char *out, size_t outlen)
{
	for (size_t i = 0; i < dirs->v.n; i++) {
		DIR *d = opendir(dirs->v.v[i]);
		struct dirent *e;
		if (!d)
			continue;
		while ((e = readdir(d))) {
			char path[4096];
			struct rd_damage dm;
			if (e->d_name[0] == '.' || strcmp(e->d_name, "metadata") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs->v.v[i], e->d_name);
			if (rd_scan_stream(path, &dm) && dm.whole < dm.size) {
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
