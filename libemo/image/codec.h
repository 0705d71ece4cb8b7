/*
 * codec.h - what the image codecs (codec_png.c, codec_jpeg.c,
 * codec_tiff.c, codec_pgm.c, with exif.c) share with their callers
 * (io.c): the output target a decoder writes rows into and the row
 * conversions to gray or RGB (both in codec.c), and the codecs' entry
 * points.
 */
#ifndef EMO_IMAGE_CODEC_H
#define EMO_IMAGE_CODEC_H

#include "image/image.h"

#include <stdio.h>

/* Where a decoder puts its pixels.  The caller fills channels and, for a
 * caller-owned buffer, buf/cap/stride (buf NULL: emo__dst_begin allocates a
 * packed image and sets owned).  A decoder calls emo__dst_begin once the
 * header gives the size, then writes row y at emo__dst_row(d, y). */
typedef struct emo__img_dst {
    int channels;  /* 1 (gray) or 3 (RGB), what the caller asked for */
    uint8_t *buf;  /* caller buffer, or NULL */
    size_t cap;    /* bytes in buf */
    size_t stride; /* bytes between rows of buf */
    int w, h;      /* set by emo__dst_begin, even when it fails on size */
    uint8_t *px;   /* rows start here once emo__dst_begin succeeded */
    int owned;     /* px was malloc'ed by emo__dst_begin */
} emo__img_dst;

/* Refuses sizes over EMO_OPT_MAX_PIXELS (and zero sizes) before anything
 * is allocated: the header of a small file may claim a huge image.
 * `what` names the format in the message ("PNG"). */
int emo__check_size(const char *what, long long w, long long h);

/* Checks the size, records it in d, then allocates or checks that the
 * caller's buffer holds it (EMO_ERR_BUFFER_TOO_SMALL). */
int emo__dst_begin(emo__img_dst *d, const char *what, long long w,
                   long long h);

static inline uint8_t *emo__dst_row(const emo__img_dst *d, int y)
{
    return d->px + (size_t)y * d->stride;
}

/* Converts one row of w pixels with src_ch samples each (1 gray, 2 gray +
 * alpha, 3 RGB, 4 RGBA) to dst_ch (1 or 3).  Alpha is composited on black,
 * round(c * a / 255); RGB -> gray uses ITU-R BT.601 weights (0.299,
 * 0.587, 0.114) in the fixed point of OpenCV 4's cvtColor(RGB2GRAY),
 * (R*9798 + G*19235 + B*3735 + 16384) >> 15, bit-exact with it over all
 * 2^24 colours (OpenCV 3's 14-bit weights differ on 0.3% of them).
 * src != dst. */
void emo__convert_row(const uint8_t *src, int src_ch, uint8_t *dst,
                      int dst_ch, int w);

/* The gray value of an RGB pixel, as emo__convert_row computes it. */
static inline uint8_t emo__rgb_to_gray(unsigned r, unsigned g, unsigned b)
{
    return (uint8_t)((r * 9798u + g * 19235u + b * 3735u + 16384u) >> 15);
}

/* Decoders: data starts with the format's magic.  Errors are FORMAT
 * ("PNG: IDAT: CRC error", "JPEG: Premature end of JPEG file"),
 * UNSUPPORTED, LIMIT, BUFFER_TOO_SMALL, NOMEM. */
int emo__png_decode(const uint8_t *data, size_t size, emo__img_dst *d);
int emo__jpeg_decode(const uint8_t *data, size_t size, emo__img_dst *d);
int emo__pgm_decode(const uint8_t *data, size_t size, emo__img_dst *d);
/* The first page of a TIFF (classic or BigTIFF). */
int emo__tiff_decode(const uint8_t *data, size_t size, emo__img_dst *d);

/* Encoders write an 8-bit gray/RGB image to an open stream; arguments were
 * checked by the caller.  Errors: EMO_ERR_IO, EMO_ERR_NOMEM. */
int emo__png_encode(FILE *fp, const uint8_t *px, int w, int h, int stride,
                    int channels);
int emo__jpeg_encode(FILE *fp, const uint8_t *px, int w, int h, int stride,
                     int channels, int quality);

/* EXIF orientation (1..8) from a JPEG APP1 payload ("Exif\0\0" + TIFF);
 * 1 when absent or malformed. */
int emo__exif_orientation(const uint8_t *app1, size_t n);
/* Orientations 5..8 turn the picture a quarter: width and height swap. */
int emo__exif_swaps_sides(int orientation);
/* Writes src (as stored) into dst (already begun with the upright size)
 * turned/flipped upright as the orientation says. */
void emo__exif_apply(const emo__img_dst *src, emo__img_dst *dst,
                     int orientation);

/* Largest side each encoder accepts (libpng's default user limit, the
 * JPEG format's 16-bit sizes as libjpeg-turbo caps them). */
#define EMO__PNG_MAX_SIDE 1000000
#define EMO__JPEG_MAX_SIDE 65500

#endif
