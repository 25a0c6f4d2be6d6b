/*
 * A minimal PNG writer (8-bit RGBA, zlib): enough for
 * screenshots and golden images, without another dependency.
 */
#ifndef CPROF_UI_PNG_H
#define CPROF_UI_PNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* `rgba`: height rows of width*4 bytes, `pitch` bytes apart. Returns false
 * and sets errno on failure. Never overwrites: the caller checks --force. */
bool ui_png_write(const char *path, const uint8_t *rgba, int width, int height, int pitch);

/* Reads a PNG written by ui_png_write (or any 8-bit RGBA, non-interlaced
 * PNG with any filter). *rgba is malloc'ed, pitch width*4. */
bool ui_png_read(const char *path, uint8_t **rgba, int *width, int *height);

#endif /* CPROF_UI_PNG_H */
