/*
 * The renderer: paints a display list (tl.h) with an SDL_Renderer. Text is
 * drawn from a glyph atlas built once per font with SDL2_ttf, because
 * rendering strings through TTF_Render* each frame costs milliseconds per
 * label with the software renderer.
 *
 * Ownership: ui_render_create() borrows the SDL_Renderer (which must outlive
 * it); ui_render_destroy() frees the atlas and fonts.
 */
#ifndef CPROF_UI_RENDER_H
#define CPROF_UI_RENDER_H

#include <SDL.h>
#include <stddef.h>

#include "tl.h"

#define UI_FONT_PATH "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define UI_FONT_BOLD_PATH "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

struct ui_render;

struct ui_render *ui_render_create(SDL_Renderer *renderer, char *err, size_t errlen);
void ui_render_destroy(struct ui_render *render);
const struct ui_metrics *ui_render_metrics(const struct ui_render *render);
void ui_render_dl(struct ui_render *render, const struct ui_dl *dl);

#endif /* CPROF_UI_RENDER_H */
