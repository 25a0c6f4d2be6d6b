/*
 * PNG encoding by hand: signature, IHDR, one IDAT holding the zlib stream of
 * filter-0 scanlines, IEND; each chunk with its CRC-32 (zlib's crc32).
 */
#include "png.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool chunk(FILE *f, const char *type, const uint8_t *data, uint32_t len)
{
	uint8_t hdr[8];
	be32(hdr, len);
	memcpy(hdr + 4, type, 4);
	uLong crc = crc32(0, hdr + 4, 4);
	if (len)
		crc = crc32(crc, data, len);
	uint8_t c[4];
	be32(c, crc);
	return fwrite(hdr, 1, 8, f) == 8 && (!len || fwrite(data, 1, len, f) == len) &&
	       fwrite(c, 1, 4, f) == 4;
}

bool ui_png_write(const char *path, const uint8_t *rgba, int width, int height, int pitch)
{
	static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	size_t row = (size_t)width * 4 + 1;
	size_t raw_len = row * height;
	uint8_t *raw = malloc(raw_len);
	uLongf zlen = compressBound(raw_len);
	uint8_t *z = malloc(zlen);
	FILE *f = NULL;
	bool ok = false;
	int saved = 0;

	if (!raw || !z) {
		saved = ENOMEM;
		goto end;
	}
	/* Filter 0 on every row: on flat UI colours zlib's matches beat
	 * the sub/up/min-sum heuristics (measured on the goldens). */
	for (int y = 0; y < height; y++) {
		raw[y * row] = 0;
		memcpy(raw + y * row + 1, rgba + (size_t)y * pitch, (size_t)width * 4);
	}
	if (compress2(z, &zlen, raw, raw_len, 9) != Z_OK) {
		saved = ENOMEM;
		goto end;
	}
	uint8_t ihdr[13];
	be32(ihdr, width);
	be32(ihdr + 4, height);
	ihdr[8] = 8;  /* bit depth */
	ihdr[9] = 6;  /* RGBA */
	ihdr[10] = 0; /* deflate */
	ihdr[11] = 0; /* adaptive filtering (we use filter 0 everywhere) */
	ihdr[12] = 0; /* no interlace */
	f = fopen(path, "wb");
	if (!f) {
		saved = errno;
		goto end;
	}
	ok = fwrite(sig, 1, 8, f) == 8 && chunk(f, "IHDR", ihdr, 13) && chunk(f, "IDAT", z, zlen) &&
	     chunk(f, "IEND", NULL, 0);
	if (!ok)
		saved = errno ? errno : EIO;
	if (fclose(f) != 0 && ok) {
		ok = false;
		saved = errno;
	}
end:
	free(raw);
	free(z);
	if (!ok)
		errno = saved;
	return ok;
}

static int paeth(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
	if (pa <= pb && pa <= pc)
		return a;
	return pb <= pc ? b : c;
}

bool ui_png_read(const char *path, uint8_t **out, int *width, int *height)
{
	FILE *f = fopen(path, "rb");
	uint8_t *file = NULL, *idat = NULL, *raw = NULL, *img = NULL;
	size_t flen = 0, ilen = 0;
	bool ok = false;
	int w = 0, h = 0;

	if (!f)
		return false;
	fseek(f, 0, SEEK_END);
	flen = ftell(f);
	fseek(f, 0, SEEK_SET);
	file = malloc(flen ? flen : 1);
	if (!file || fread(file, 1, flen, f) != flen)
		goto end;
	idat = malloc(flen);
	if (!idat || flen < 8 || memcmp(file, "\x89PNG", 4))
		goto end;
	for (size_t p = 8; p + 12 <= flen;) {
		uint32_t len = rd32(file + p);
		const uint8_t *type = file + p + 4, *data = file + p + 8;
		if (p + 12 + len > flen)
			goto end;
		if (!memcmp(type, "IHDR", 4)) {
			w = rd32(data);
			h = rd32(data + 4);
			if (data[8] != 8 || data[9] != 6 || data[12] != 0)
				goto end;
		} else if (!memcmp(type, "IDAT", 4)) {
			memcpy(idat + ilen, data, len);
			ilen += len;
		}
		p += 12 + len;
	}
	if (w <= 0 || h <= 0)
		goto end;
	size_t row = (size_t)w * 4 + 1;
	uLongf rlen = row * h;
	raw = malloc(rlen);
	img = malloc((size_t)w * 4 * h);
	if (!raw || !img || uncompress(raw, &rlen, idat, ilen) != Z_OK || rlen != row * h)
		goto end;
	for (int y = 0; y < h; y++) {
		uint8_t ft = raw[y * row];
		const uint8_t *src = raw + y * row + 1;
		uint8_t *dst = img + (size_t)y * w * 4;
		const uint8_t *up = y ? img + (size_t)(y - 1) * w * 4 : NULL;
		for (int x = 0; x < w * 4; x++) {
			int a = x >= 4 ? dst[x - 4] : 0, b = up ? up[x] : 0,
			    c = (up && x >= 4) ? up[x - 4] : 0;
			int v = src[x];
			switch (ft) {
			case 1:
				v += a;
				break;
			case 2:
				v += b;
				break;
			case 3:
				v += (a + b) / 2;
				break;
			case 4:
				v += paeth(a, b, c);
				break;
			default:
				break;
			}
			dst[x] = (uint8_t)v;
		}
	}
	*out = img;
	img = NULL;
	*width = w;
	*height = h;
	ok = true;
end:
	fclose(f);
	free(file);
	free(idat);
	free(raw);
	free(img);
	return ok;
}
