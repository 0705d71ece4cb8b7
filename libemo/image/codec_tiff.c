/*
 * codec_tiff.c - TIFF decoding with libtiff: the first page of the file,
 * whatever its photometric kind (gray, palette, RGB/RGBA, 1 to 16 bits,
 * as far as libtiff's RGBA interface reads it).
 *
 * The file stays in memory and libtiff reads it through client procs.
 * Its errors and warnings go to per-handle handlers (TIFFOpenOptions,
 * libtiff 4.5) that keep the first error and stop libtiff from calling the
 * process-wide handlers, which print to stderr: the library never prints
 * and never changes a global handler its caller may have set.
 */
#include "image/codec.h"

#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

/* The name libtiff gives the in-memory file in its messages. */
#define NAME "memory"

typedef struct tiff_ctx {
    const uint8_t *data;
    size_t size, pos;
    char msg[200];
} tiff_ctx;

static int on_error(TIFF *tif, void *user, const char *module,
                    const char *fmt, va_list ap)
{
    (void)tif;
    (void)module;
    tiff_ctx *c = user;
    if (c->msg[0])
        return 1;
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    /* libtiff names the file in many messages: ours has no name. */
    size_t n = strlen(NAME ": ");
    if (strncmp(c->msg, NAME ": ", n) == 0)
        memmove(c->msg, c->msg + n, strlen(c->msg + n) + 1);
    return 1; /* handled: libtiff calls no global handler */
}

/* Warnings (unknown tags, odd but readable fields) do not stop decoding. */
static int on_warning(TIFF *tif, void *user, const char *module,
                      const char *fmt, va_list ap)
{
    (void)tif;
    (void)user;
    (void)module;
    (void)fmt;
    (void)ap;
    return 1;
}

static tmsize_t read_mem(thandle_t h, void *out, tmsize_t n)
{
    tiff_ctx *c = (tiff_ctx *)h;
    if (n < 0)
        return -1;
    size_t left = c->pos < c->size ? c->size - c->pos : 0;
    size_t k = (size_t)n < left ? (size_t)n : left;
    memcpy(out, c->data + c->pos, k);
    c->pos += k;
    return (tmsize_t)k;
}

static tmsize_t write_mem(thandle_t h, void *in, tmsize_t n)
{
    (void)h;
    (void)in;
    (void)n;
    return -1;
}

static toff_t seek_mem(thandle_t h, toff_t off, int whence)
{
    tiff_ctx *c = (tiff_ctx *)h;
    uint64_t base = whence == SEEK_CUR ? c->pos
                  : whence == SEEK_END ? c->size : 0;
    /* Positions past the end are allowed (reads there return nothing);
     * a wrapped sum is not. */
    if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END)
        return (toff_t)-1;
    if (off > UINT64_MAX - base || base + off > SIZE_MAX)
        return (toff_t)-1;
    c->pos = (size_t)(base + off);
    return (toff_t)c->pos;
}

static int close_mem(thandle_t h)
{
    (void)h;
    return 0;
}

static toff_t size_mem(thandle_t h)
{
    return (toff_t)((tiff_ctx *)h)->size;
}

static int fail_tiff(const tiff_ctx *c, const char *what)
{
    const char *m = c->msg[0] ? c->msg : what;
    int code = EMO_ERR_FORMAT;
    if (strstr(m, "ut of memory") || strstr(m, "annot allocate") ||
        strstr(m, "Failed to allocate"))
        code = EMO_ERR_NOMEM;
    if (strstr(m, "not supported") || strstr(m, "ot supported") ||
        strstr(m, "Sorry"))
        code = EMO_ERR_UNSUPPORTED;
    return emo__fail(code, "TIFF: %s", m);
}

/* Reads the current page as 8-bit RGBA (alpha already multiplied in, so
 * composited on black) and converts each row to d's channels. */
static int read_pixels(TIFF *tif, tiff_ctx *c, emo__img_dst *d)
{
    uint32_t w = 0, h = 0;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
    int rc = emo__check_size("TIFF", w, h);
    if (rc)
        return rc;
    char why[1024] = "";
    if (!TIFFRGBAImageOK(tif, why))
        return emo__fail(EMO_ERR_UNSUPPORTED, "TIFF: %s",
                         why[0] ? why : "unsupported image kind");
    rc = emo__dst_begin(d, "TIFF", w, h);
    if (rc)
        return rc;
    /* Under the pixel limit (<= INT_MAX) w*h*4 fits in size_t on 64-bit
     * hosts; check anyway for 32-bit ones. */
    if ((size_t)w * h > SIZE_MAX / 4)
        return emo__fail(EMO_ERR_LIMIT, "TIFF: image too large");
    uint32_t *raster = malloc((size_t)w * h * 4);
    uint8_t *rgb = malloc((size_t)w * 3);
    if (!raster || !rgb) {
        free(raster);
        free(rgb);
        return emo__fail(EMO_ERR_NOMEM, "TIFF: cannot allocate %ux%u image",
                         w, h);
    }
    if (!TIFFReadRGBAImageOriented(tif, w, h, raster, ORIENTATION_TOPLEFT,
                                   1)) {
        free(raster);
        free(rgb);
        return fail_tiff(c, "cannot read the image data");
    }
    for (uint32_t y = 0; y < h; y++) {
        const uint32_t *src = raster + (size_t)y * w;
        for (uint32_t x = 0; x < w; x++) {
            rgb[3 * x] = (uint8_t)TIFFGetR(src[x]);
            rgb[3 * x + 1] = (uint8_t)TIFFGetG(src[x]);
            rgb[3 * x + 2] = (uint8_t)TIFFGetB(src[x]);
        }
        uint8_t *row = emo__dst_row(d, (int)y);
        if (d->channels == 3)
            memcpy(row, rgb, (size_t)w * 3);
        else
            emo__convert_row(rgb, 3, row, 1, (int)w);
    }
    free(raster);
    free(rgb);
    return EMO_OK;
}

int emo__tiff_decode(const uint8_t *data, size_t size, emo__img_dst *d)
{
    if (size < 8)
        return emo__fail(EMO_ERR_FORMAT, "TIFF: truncated");
    tiff_ctx c = {.data = data, .size = size};
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts)
        return emo__fail(EMO_ERR_NOMEM, "TIFF: cannot create decoder");
    TIFFOpenOptionsSetErrorHandlerExtR(opts, on_error, &c);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, on_warning, &c);
    /* No single allocation of libtiff's larger than the RGBA raster of the
     * largest image we accept, whatever a header claims (strip sizes,
     * tag counts). */
    long long limit = emo__limit(EMO_OPT_MAX_PIXELS);
    TIFFOpenOptionsSetMaxSingleMemAlloc(opts, (tmsize_t)(limit * 4 + 65536));
    /* "rm": read only, never memory-map (there is no file to map). */
    TIFF *tif = TIFFClientOpenExt(NAME, "rm", (thandle_t)&c, read_mem,
                                  write_mem, seek_mem, close_mem, size_mem,
                                  NULL, NULL, opts);
    TIFFOpenOptionsFree(opts);
    if (!tif)
        return fail_tiff(&c, "cannot open");
    int rc = read_pixels(tif, &c, d);
    TIFFClose(tif);
    return rc;
}
