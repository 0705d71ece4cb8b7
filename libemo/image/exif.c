/*
 * exif.c - the EXIF orientation tag of JPEG files and the transform
 * that puts the picture upright.  Cameras and phones store the sensor's
 * rows as they come and record the rotation in the tag; OpenCV's imread
 * applies it, and so do we, so that a portrait photo gives upright faces.
 * Malformed EXIF data is metadata gone wrong, not a broken image: it is
 * ignored (orientation 1).
 */
#include "image/codec.h"

#include <string.h>

typedef struct tiff {
    const uint8_t *p;
    size_t n;
    int big_endian;
} tiff;

static unsigned rd16(const tiff *t, size_t off)
{
    const uint8_t *q = t->p + off;
    return t->big_endian ? (unsigned)q[0] << 8 | q[1]
                         : (unsigned)q[1] << 8 | q[0];
}

static uint32_t rd32(const tiff *t, size_t off)
{
    uint32_t hi = rd16(t, off + (t->big_endian ? 0 : 2));
    uint32_t lo = rd16(t, off + (t->big_endian ? 2 : 0));
    return hi << 16 | lo;
}

int emo__exif_orientation(const uint8_t *app1, size_t n)
{
    static const uint8_t magic[6] = {'E', 'x', 'i', 'f', 0, 0};
    if (n < 6 + 8 || memcmp(app1, magic, 6) != 0)
        return 1;
    tiff t = {app1 + 6, n - 6, 0};
    if (t.p[0] == 'M' && t.p[1] == 'M')
        t.big_endian = 1;
    else if (t.p[0] != 'I' || t.p[1] != 'I')
        return 1;
    if (rd16(&t, 2) != 42)
        return 1;
    uint32_t ifd = rd32(&t, 4);
    if (ifd > t.n - 2)
        return 1;
    unsigned count = rd16(&t, ifd);
    for (unsigned i = 0; i < count; i++) {
        size_t e = (size_t)ifd + 2 + 12 * (size_t)i;
        if (e + 12 > t.n)
            break;
        /* tag 0x0112 Orientation: one SHORT, stored in the value field */
        if (rd16(&t, e) == 0x0112) {
            unsigned v = rd16(&t, e + 8);
            return rd16(&t, e + 2) == 3 && v >= 1 && v <= 8 ? (int)v : 1;
        }
    }
    return 1;
}

int emo__exif_swaps_sides(int orientation)
{
    return orientation >= 5 && orientation <= 8;
}

void emo__exif_apply(const emo__img_dst *src, emo__img_dst *dst,
                     int orientation)
{
    /* Destination of source pixel (x, y) of a W x H image: for
     * orientation o, (ax x + bx y + cx, ay x + by y + cy), i.e. flips for
     * 2-4, transpose for 5, and transpose then flips for 6-8 (EXIF 2.3,
     * "Orientation"; 6 = rotate 90 degrees clockwise). */
    static const int m[9][4] = {
        {0}, {1, 0, 0, 1}, {-1, 0, 0, 1}, {-1, 0, 0, -1}, {1, 0, 0, -1},
        {0, 1, 1, 0},  {0, -1, 1, 0}, {0, -1, -1, 0}, {0, 1, -1, 0}};
    const int *k = m[orientation >= 1 && orientation <= 8 ? orientation : 1];
    int W = src->w, H = src->h, ch = src->channels;
    int dw = dst->w, dh = dst->h;
    /* offsets so that every destination coordinate lands in [0, side) */
    int cx = (k[0] < 0 || k[1] < 0) ? dw - 1 : 0;
    int cy = (k[2] < 0 || k[3] < 0) ? dh - 1 : 0;
    ptrdiff_t step = (ptrdiff_t)k[2] * (ptrdiff_t)dst->stride +
                     (ptrdiff_t)k[0] * ch;
    for (int y = 0; y < H; y++) {
        const uint8_t *s = emo__dst_row(src, y);
        int x0 = k[1] * y + cx, y0 = k[3] * y + cy;
        uint8_t *d = emo__dst_row(dst, y0) + (size_t)x0 * (size_t)ch;
        for (int x = 0; x < W; x++, s += ch, d += step)
            memcpy(d, s, (size_t)ch);
    }
}
