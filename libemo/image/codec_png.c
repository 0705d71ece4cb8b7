/*
 * codec_png.c - PNG decoding and encoding with libpng.
 *
 * libpng reports errors by calling our handler, which records the message
 * and longjmps back to the setjmp in read_pixels/write_pixels.  Those
 * functions keep everything they touch after setjmp in the png_ctx that
 * their caller owns, so no local variable is clobbered by the jump.
 */
#include "image/codec.h"

#include <png.h>
#include <stdlib.h>
#include <string.h>

typedef struct png_ctx {
    png_structp png;
    png_infop info;
    const uint8_t *data; /* decoding: the whole file in memory */
    size_t size, pos;
    uint8_t *tmp; /* native-format row or image when converting */
    char msg[200];
} png_ctx;

static void on_error(png_structp png, png_const_charp msg)
{
    png_ctx *c = png_get_error_ptr(png);
    snprintf(c->msg, sizeof c->msg, "%s", msg);
    png_longjmp(png, 1);
}

/* Warnings (ancillary chunk CRC errors, unknown sRGB profiles...) do not
 * stop decoding and the library never prints. */
static void on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static void read_mem(png_structp png, png_bytep out, size_t n)
{
    png_ctx *c = png_get_io_ptr(png);
    if (n > c->size - c->pos)
        png_error(png, "truncated");
    memcpy(out, c->data + c->pos, n);
    c->pos += n;
}

/* libpng's allocation failures arrive as error messages. */
static int fail_png(const png_ctx *c, int code)
{
    if (strstr(c->msg, "ut of memory") || strstr(c->msg, "nsufficient mem"))
        code = EMO_ERR_NOMEM;
    return emo__fail(code, "PNG: %s", c->msg);
}

/* Asks libpng for 8-bit gray, gray + alpha, RGB or RGBA rows. */
static void set_transforms(png_structp png, png_infop info)
{
    int depth = png_get_bit_depth(png, info);
    int ctype = png_get_color_type(png, info);
    if (ctype == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS))
        png_set_tRNS_to_alpha(png);
    if (depth == 16)
        png_set_scale_16(png); /* rounds, where strip_16 truncates */
}

/* Reads all rows once libpng is set up; nch samples per native pixel. */
static int read_rows(png_ctx *c, emo__img_dst *d, int nch, int passes)
{
    png_structp png = c->png;
    if (nch == d->channels) {
        /* Rows land in place; interlace passes refine them there. */
        for (int p = 0; p < passes; p++)
            for (int y = 0; y < d->h; y++)
                png_read_row(png, emo__dst_row(d, y), NULL);
        return EMO_OK;
    }
    size_t row = (size_t)d->w * (size_t)nch;
    size_t rows = passes > 1 ? (size_t)d->h : 1;
    if (rows > SIZE_MAX / row)
        return emo__fail(EMO_ERR_LIMIT, "PNG: image too large");
    c->tmp = malloc(row * rows);
    if (!c->tmp)
        return emo__fail(EMO_ERR_NOMEM, "PNG: cannot allocate %zu bytes",
                         row * rows);
    if (passes == 1) {
        for (int y = 0; y < d->h; y++) {
            png_read_row(png, c->tmp, NULL);
            emo__convert_row(c->tmp, nch, emo__dst_row(d, y), d->channels,
                             d->w);
        }
        return EMO_OK;
    }
    /* Interlaced: every pass revisits rows, so keep the native image. */
    for (int p = 0; p < passes; p++)
        for (int y = 0; y < d->h; y++)
            png_read_row(png, c->tmp + (size_t)y * row, NULL);
    for (int y = 0; y < d->h; y++)
        emo__convert_row(c->tmp + (size_t)y * row, nch, emo__dst_row(d, y),
                         d->channels, d->w);
    return EMO_OK;
}

static int read_pixels(png_ctx *c, emo__img_dst *d)
{
    if (setjmp(png_jmpbuf(c->png)))
        return fail_png(c, EMO_ERR_FORMAT);
    png_set_read_fn(c->png, c, read_mem);
    png_read_info(c->png, c->info);
    int rc = emo__dst_begin(d, "PNG", png_get_image_width(c->png, c->info),
                            png_get_image_height(c->png, c->info));
    if (rc)
        return rc;
    set_transforms(c->png, c->info);
    int passes = png_set_interlace_handling(c->png);
    png_read_update_info(c->png, c->info);
    rc = read_rows(c, d, png_get_channels(c->png, c->info), passes);
    if (rc)
        return rc;
    /* Reading to IEND catches a file cut after its last IDAT. */
    png_read_end(c->png, NULL);
    return EMO_OK;
}

int emo__png_decode(const uint8_t *data, size_t size, emo__img_dst *d)
{
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0)
        return emo__fail(EMO_ERR_FORMAT, size < 8 ? "PNG: truncated"
                                                  : "PNG: bad signature");
    png_ctx c = {.data = data, .size = size, .pos = 8};
    c.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &c, on_error,
                                   on_warning);
    if (c.png)
        c.info = png_create_info_struct(c.png);
    if (!c.png || !c.info) {
        png_destroy_read_struct(&c.png, NULL, NULL);
        return emo__fail(EMO_ERR_NOMEM, "PNG: cannot create decoder");
    }
    png_set_sig_bytes(c.png, 8);
    int rc = read_pixels(&c, d);
    png_destroy_read_struct(&c.png, &c.info, NULL);
    free(c.tmp);
    return rc;
}

static int write_pixels(png_ctx *c, FILE *fp, const uint8_t *px, int w,
                        int h, int stride, int channels)
{
    if (setjmp(png_jmpbuf(c->png)))
        return fail_png(c, EMO_ERR_IO);
    png_init_io(c->png, fp);
    png_set_IHDR(c->png, c->info, (png_uint_32)w, (png_uint_32)h, 8,
                 channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(c->png, c->info);
    for (int y = 0; y < h; y++)
        png_write_row(c->png, px + (size_t)y * (size_t)stride);
    png_write_end(c->png, NULL);
    return EMO_OK;
}

int emo__png_encode(FILE *fp, const uint8_t *px, int w, int h, int stride,
                    int channels)
{
    png_ctx c = {0};
    c.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &c, on_error,
                                    on_warning);
    if (c.png)
        c.info = png_create_info_struct(c.png);
    if (!c.png || !c.info) {
        png_destroy_write_struct(&c.png, NULL);
        return emo__fail(EMO_ERR_NOMEM, "PNG: cannot create encoder");
    }
    int rc = write_pixels(&c, fp, px, w, h, stride, channels);
    png_destroy_write_struct(&c.png, &c.info);
    return rc;
}
