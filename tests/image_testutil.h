/* image_testutil.h - fixtures shared by the image suites (check_codecs.c,
 * check_exif.c, check_decode_errors.c, check_image_ops.c): a growable
 * memory buffer, a seeded generator, and PNG, JPEG and PGM files written
 * into memory with libpng and libjpeg. */
#ifndef EMO_IMAGE_TESTUTIL_H
#define EMO_IMAGE_TESTUTIL_H

#include "testutil.h"
#include "image/image.h"

#include <setjmp.h>

#include <jpeglib.h>
#include <png.h>

typedef struct membuf {
    uint8_t *p;
    size_t n, cap;
} membuf;

static inline void mb_put(membuf *m, const void *data, size_t n)
{
    if (m->n + n > m->cap) {
        m->cap = (m->n + n) * 2 + 64;
        m->p = realloc(m->p, m->cap);
        ck_assert_ptr_nonnull(m->p);
    }
    memcpy(m->p + m->n, data, n);
    m->n += n;
}

static inline void mb_free(membuf *m)
{
    free(m->p);
    memset(m, 0, sizeof *m);
}

static uint32_t test_rng = 12345;
static inline unsigned rnd(unsigned n)
{
    test_rng = test_rng * 1103515245u + 12345u;
    return (test_rng >> 8) % n;
}

static inline void png_write_mem(png_structp png, png_bytep data, size_t n)
{
    mb_put(png_get_io_ptr(png), data, n);
}
static inline void png_flush_mem(png_structp png)
{
    (void)png;
}

/* A PNG fixture: samples are one value per channel (palette index for
 * palette images), each < 2^depth. */
typedef struct png_spec {
    int w, h, ctype, depth, interlace;
    const uint16_t *samples;
    const png_color *palette;
    int npal;
    const uint8_t *pal_alpha; /* tRNS for palette, npal entries */
    int trns;                 /* gray/RGB tRNS on trns_value */
    png_color_16 trns_value;
} png_spec;

static inline int png_channels(int ctype)
{
    switch (ctype) {
    case PNG_COLOR_TYPE_GRAY:
    case PNG_COLOR_TYPE_PALETTE: return 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return 3;
    default: return 4;
    }
}

static inline void make_png(membuf *m, const png_spec *s)
{
    png_structp png =
        png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    int ch = png_channels(s->ctype);
    uint8_t *row = malloc((size_t)s->w * ch * 2);
    if (setjmp(png_jmpbuf(png)))
        ck_abort_msg("libpng failed writing a fixture");
    png_set_write_fn(png, m, png_write_mem, png_flush_mem);
    png_set_IHDR(png, info, s->w, s->h, s->depth, s->ctype, s->interlace,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (s->palette)
        png_set_PLTE(png, info, s->palette, s->npal);
    if (s->pal_alpha)
        png_set_tRNS(png, info, s->pal_alpha, s->npal, NULL);
    if (s->trns)
        png_set_tRNS(png, info, NULL, 0, &s->trns_value);
    png_write_info(png, info);
    if (s->depth < 8)
        png_set_packing(png);
    int passes = png_set_interlace_handling(png);
    for (int p = 0; p < passes; p++) {
        for (int y = 0; y < s->h; y++) {
            const uint16_t *v = s->samples + (size_t)y * s->w * ch;
            for (int i = 0; i < s->w * ch; i++) {
                if (s->depth == 16) {
                    row[2 * i] = (uint8_t)(v[i] >> 8);
                    row[2 * i + 1] = (uint8_t)v[i];
                } else {
                    row[i] = (uint8_t)v[i];
                }
            }
            png_write_row(png, row);
        }
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
}

/* JPEG fixture in memory: in_cs with `comps` samples per pixel, written
 * in jpeg_cs (JCS_UNKNOWN: libjpeg's default for in_cs). */
static inline void make_jpeg_app1(membuf *m, int w, int h,
                                  J_COLOR_SPACE in_cs, int comps,
                                  J_COLOR_SPACE jpeg_cs, const uint8_t *px,
                                  int quality, int progressive,
                                  const uint8_t *app1, unsigned app1_len)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    unsigned char *out = NULL;
    unsigned long size = 0;
    jpeg_mem_dest(&c, &out, &size);
    c.image_width = w;
    c.image_height = h;
    c.input_components = comps;
    c.in_color_space = in_cs;
    jpeg_set_defaults(&c);
    if (jpeg_cs != JCS_UNKNOWN)
        jpeg_set_colorspace(&c, jpeg_cs);
    jpeg_set_quality(&c, quality, TRUE);
    if (progressive)
        jpeg_simple_progression(&c);
    jpeg_start_compress(&c, TRUE);
    if (app1)
        jpeg_write_marker(&c, JPEG_APP0 + 1, app1, app1_len);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)(px + (size_t)c.next_scanline * w * comps);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    mb_put(m, out, size);
    free(out);
}

static inline void make_jpeg(membuf *m, int w, int h, J_COLOR_SPACE in_cs,
                             int comps, J_COLOR_SPACE jpeg_cs,
                             const uint8_t *px, int quality, int progressive)
{
    make_jpeg_app1(m, w, h, in_cs, comps, jpeg_cs, px, quality, progressive,
                   NULL, 0);
}

/* A smooth test picture (JPEG-friendly): gradients plus a bump. */
static inline uint8_t *smooth_image(int w, int h, int channels)
{
    uint8_t *p = malloc((size_t)w * h * channels);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < channels; c++) {
                double v = 40 + 150.0 * x / w + 50.0 * y / h * (c + 1) / 3 +
                           20 * sin(x * 0.2 + c) * cos(y * 0.15);
                p[((size_t)y * w + x) * channels + c] = (uint8_t)lrint(v);
            }
    return p;
}

static inline void pgm_bytes(membuf *m, const char *header,
                             const uint8_t *data, size_t n)
{
    mb_put(m, header, strlen(header));
    if (n)
        mb_put(m, data, n);
}

/* Random samples for a spec, below 2^depth (or npal). */
static inline uint16_t *random_samples(int w, int h, int ch, int depth,
                                       int npal)
{
    size_t n = (size_t)w * h * ch;
    uint16_t *v = malloc(n * sizeof *v);
    unsigned top = npal ? (unsigned)npal : 1u << depth;
    for (size_t i = 0; i < n; i++)
        v[i] = (uint16_t)rnd(top);
    /* The corners take the extremes. */
    for (int c = 0; c < ch; c++) {
        v[c] = 0;
        v[n - ch + c] = (uint16_t)(top - 1);
    }
    return v;
}

/* A small valid fixture of each format. */
static inline void fixture_png(membuf *m, int w, int h)
{
    uint16_t *v = random_samples(w, h, 3, 8, 0);
    png_spec s = {.w = w, .h = h, .ctype = PNG_COLOR_TYPE_RGB, .depth = 8,
                  .samples = v};
    make_png(m, &s);
    free(v);
}

static inline void fixture_jpeg(membuf *m, int w, int h)
{
    uint8_t *p = smooth_image(w, h, 3);
    make_jpeg(m, w, h, JCS_RGB, 3, JCS_UNKNOWN, p, 90, 0);
    free(p);
}

#endif
