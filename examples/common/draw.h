/*
 * draw.h - drawing into 8-bit RGB buffers (rows of w * 3 bytes) for the
 * example programs: rectangles, lines and text in a built-in 5x9 bitmap
 * font, so annotated images and plots need no font library.
 * Colors are 0xRRGGBB.  Everything is clipped to the buffer.
 */
#ifndef EMO_EXAMPLES_DRAW_H
#define EMO_EXAMPLES_DRAW_H

#include <stdint.h>

/* Character cell of the font at scale 1 (5x9 glyphs: 7 rows to the
 * baseline and 2 for descenders, plus spacing). */
#define DRAW_CHAR_W 6
#define DRAW_CHAR_H 10

/* Fills the whole buffer. */
void draw_clear(uint8_t *rgb, int w, int h, uint32_t color);
/* One pixel (ignored outside the buffer). */
void draw_pixel(uint8_t *rgb, int w, int h, int x, int y, uint32_t color);
/* Outline of the rectangle (x, y, rw, rh), `thickness` pixels inwards. */
void draw_rect(uint8_t *rgb, int w, int h, int x, int y, int rw, int rh,
               uint32_t color, int thickness);
/* Filled rectangle. */
void draw_fill_rect(uint8_t *rgb, int w, int h, int x, int y, int rw, int rh,
                    uint32_t color);
/* Line from (x0, y0) to (x1, y1), `thickness` pixels wide (square pen). */
void draw_line(uint8_t *rgb, int w, int h, int x0, int y0, int x1, int y1,
               uint32_t color, int thickness);
/* Text with its top-left corner at (x, y); each font pixel becomes a
 * scale x scale block; '\n' starts a new line; characters outside
 * printable ASCII draw as '?'.  Returns the width of the widest line. */
int draw_text(uint8_t *rgb, int w, int h, int x, int y, const char *text,
              uint32_t color, int scale);
/* Width and height the text would take at `scale`. */
int draw_text_width(const char *text, int scale);
int draw_text_height(const char *text, int scale);

#endif
