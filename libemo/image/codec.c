/*
 * codec.c - the contract between the image codecs and their callers
 * (codec.h): the size check every decoder makes before it allocates, the
 * output target rows are written into, and the row conversions to gray or
 * RGB.  The codecs call these; nothing here calls a codec.
 */
#include "image/codec.h"

#include <stdlib.h>
#include <string.h>

int emo__check_size(const char *what, long long w, long long h)
{
    if (w <= 0 || h <= 0)
        return emo__fail(EMO_ERR_FORMAT, "%s: image has zero size (%lldx%lld)",
                         what, w, h);
    long long limit = emo__limit(EMO_OPT_MAX_PIXELS);
    /* limit <= INT_MAX, so once both sides are under it the product
     * fits in a long long. */
    if (w > limit || h > limit || w * h > limit)
        return emo__fail(EMO_ERR_LIMIT, "%s: image %lldx%lld exceeds the "
                         "%lld-pixel limit", what, w, h, limit);
    return EMO_OK;
}

int emo__dst_begin(emo__img_dst *d, const char *what, long long w,
                   long long h)
{
    if (w > 0 && h > 0 && w <= INT32_MAX && h <= INT32_MAX) {
        d->w = (int)w;
        d->h = (int)h;
    }
    int rc = emo__check_size(what, w, h);
    if (rc)
        return rc;
    /* Under the pixel limit (<= INT_MAX pixels), rows * 3 fits in size_t
     * on 64-bit hosts; the checks below also hold on 32-bit ones. */
    size_t row = (size_t)w * (size_t)d->channels;
    if (row / (size_t)d->channels != (size_t)w)
        return emo__fail(EMO_ERR_LIMIT, "%s: image row too large", what);
    if (!d->buf) {
        if ((size_t)h > SIZE_MAX / row)
            return emo__fail(EMO_ERR_LIMIT, "%s: image too large", what);
        d->px = malloc(row * (size_t)h);
        if (!d->px)
            return emo__fail(EMO_ERR_NOMEM, "%s: cannot allocate %lldx%lld "
                             "image", what, w, h);
        d->owned = 1;
        d->stride = row;
        return EMO_OK;
    }
    if (d->stride < row)
        return emo__fail(EMO_ERR_BUFFER_TOO_SMALL, "%s: stride %zu is less "
                         "than a %lld-pixel row (%zu bytes)", what, d->stride,
                         w, row);
    size_t need = row;
    if ((size_t)(h - 1) > (SIZE_MAX - row) / d->stride ||
        (need = (size_t)(h - 1) * d->stride + row) > d->cap)
        return emo__fail(EMO_ERR_BUFFER_TOO_SMALL, "%s: a %lldx%lld image "
                         "needs %zu bytes, the buffer has %zu", what, w, h,
                         need, d->cap);
    d->px = d->buf;
    return EMO_OK;
}

/* round(c * a / 255) for c, a in 0..255. */
static inline unsigned over_black(unsigned c, unsigned a)
{
    return (c * a + 127u) / 255u;
}

void emo__convert_row(const uint8_t *restrict src, int src_ch,
                      uint8_t *restrict dst, int dst_ch, int w)
{
    const uint8_t *s = src;
    switch (src_ch * 4 + dst_ch) {
    case 1 * 4 + 1:
    case 3 * 4 + 3:
        memcpy(dst, src, (size_t)w * (size_t)dst_ch);
        break;
    case 1 * 4 + 3:
        for (int x = 0; x < w; x++)
            dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = s[x];
        break;
    case 2 * 4 + 1:
        for (int x = 0; x < w; x++)
            dst[x] = (uint8_t)over_black(s[2 * x], s[2 * x + 1]);
        break;
    case 2 * 4 + 3:
        for (int x = 0; x < w; x++) {
            uint8_t g = (uint8_t)over_black(s[2 * x], s[2 * x + 1]);
            dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = g;
        }
        break;
    case 3 * 4 + 1:
        for (int x = 0; x < w; x++)
            dst[x] = emo__rgb_to_gray(s[3 * x], s[3 * x + 1], s[3 * x + 2]);
        break;
    case 4 * 4 + 1:
        for (int x = 0; x < w; x++) {
            unsigned a = s[4 * x + 3];
            dst[x] = emo__rgb_to_gray(over_black(s[4 * x], a),
                                      over_black(s[4 * x + 1], a),
                                      over_black(s[4 * x + 2], a));
        }
        break;
    case 4 * 4 + 3:
        for (int x = 0; x < w; x++) {
            unsigned a = s[4 * x + 3];
            for (int c = 0; c < 3; c++)
                dst[3 * x + c] = (uint8_t)over_black(s[4 * x + c], a);
        }
        break;
    default:
        break; /* callers pass 1..4 -> 1 or 3 only */
    }
}
