/*
 * PNG through libpng's simplified API (png_image): it picks the filters
 * and checks every chunk, which a hand-written encoder and decoder did
 * before.
 */
#include "pngio.h"

#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool ui_png_write(const char *path, const uint8_t *rgba, int width, int height, int pitch)
{
	png_image img;
	FILE *f = fopen(path, "wb");
	bool ok;

	if (!f)
		return false; /* errno from fopen */
	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	img.width = (png_uint_32)width;
	img.height = (png_uint_32)height;
	img.format = PNG_FORMAT_RGBA;
	errno = 0;
	ok = png_image_write_to_stdio(&img, f, 0, rgba, pitch, NULL) != 0;
	int saved = ok ? 0 : (errno ? errno : EIO);
	if (fclose(f) != 0 && ok) {
		ok = false;
		saved = errno;
	}
	png_image_free(&img);
	if (!ok)
		errno = saved;
	return ok;
}

bool ui_png_read(const char *path, uint8_t **out, int *width, int *height)
{
	png_image img;
	uint8_t *px = NULL;

	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&img, path))
		return false;
	img.format = PNG_FORMAT_RGBA;
	px = malloc(PNG_IMAGE_SIZE(img));
	if (!px || !png_image_finish_read(&img, NULL, px, 0, NULL)) {
		png_image_free(&img);
		free(px);
		return false;
	}
	*out = px;
	*width = (int)img.width;
	*height = (int)img.height;
	return true;
}
