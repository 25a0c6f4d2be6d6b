/*
 * Screenshots and golden images as PNG (8-bit RGBA), through libpng's
 * simplified API.
 */
#ifndef CPROF_UI_PNGIO_H
#define CPROF_UI_PNGIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* `rgba`: height rows of width*4 bytes, `pitch` bytes apart. Returns false
 * and sets errno on failure. Overwrites `path`: the caller checks --force. */
bool ui_png_write(const char *path, const uint8_t *rgba, int width, int height, int pitch);

/* Reads any PNG as 8-bit RGBA; *rgba is malloc'ed, pitch width*4. */
bool ui_png_read(const char *path, uint8_t **rgba, int *width, int *height);

#endif /* CPROF_UI_PNGIO_H */
