/*
 * codec_pgm.c - binary PGM (Netpbm P5) decoding: "P5", width, height,
 * maxval (1..65535) as decimal tokens separated by whitespace and '#'
 * comments, one whitespace byte, then rows of 1-byte (maxval < 256) or
 * 2-byte big-endian samples.
 */
#include "image/codec.h"

#include <string.h>

typedef struct pgm_reader {
    const uint8_t *p;
    size_t n, pos;
} pgm_reader;

static int is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

/* Skips whitespace and comments (a '#' runs to the end of the line);
 * returns how many bytes were skipped. */
static size_t skip_blank(pgm_reader *r)
{
    size_t start = r->pos;
    while (r->pos < r->n) {
        uint8_t c = r->p[r->pos];
        if (c == '#') {
            while (r->pos < r->n && r->p[r->pos] != '\n' &&
                   r->p[r->pos] != '\r')
                r->pos++;
        } else if (is_space(c)) {
            r->pos++;
        } else {
            break;
        }
    }
    return r->pos - start;
}

/* Reads one header number (at most `max`) after mandatory blank. */
static int read_number(pgm_reader *r, const char *name, long long max,
                       long long *out)
{
    if (skip_blank(r) == 0 && r->pos < r->n)
        return emo__fail(EMO_ERR_FORMAT, "PGM: bad header: expected "
                         "whitespace before the %s", name);
    if (r->pos >= r->n)
        return emo__fail(EMO_ERR_FORMAT, "PGM: truncated header (no %s)",
                         name);
    long long v = 0;
    size_t digits = 0;
    while (r->pos < r->n && r->p[r->pos] >= '0' && r->p[r->pos] <= '9') {
        v = v * 10 + (r->p[r->pos++] - '0');
        if (v > max)
            return emo__fail(EMO_ERR_FORMAT, "PGM: bad header: %s over %lld",
                             name, max);
        digits++;
    }
    if (digits == 0)
        return emo__fail(EMO_ERR_FORMAT, "PGM: bad header: %s is not a "
                         "number", name);
    if (v == 0)
        return emo__fail(EMO_ERR_FORMAT, "PGM: bad header: %s is 0", name);
    *out = v;
    return EMO_OK;
}

/* 16-bit samples scaled to 8 bits with rounding; samples over maxval
 * (invalid, but seen in the wild) saturate. */
static void scale_row(const uint8_t *s, int wide, unsigned maxval,
                      uint8_t *dst, int w)
{
    for (int x = 0; x < w; x++) {
        unsigned v = wide ? (unsigned)s[2 * x] << 8 | s[2 * x + 1] : s[x];
        if (v > maxval)
            v = maxval;
        dst[x] = (uint8_t)((v * 255u + maxval / 2) / maxval);
    }
}

int emo__pgm_decode(const uint8_t *data, size_t size, emo__img_dst *d)
{
    pgm_reader r = {data, size, 2};
    long long w, h, maxval;
    int rc = read_number(&r, "width", INT32_MAX, &w);
    if (!rc)
        rc = read_number(&r, "height", INT32_MAX, &h);
    if (!rc)
        rc = read_number(&r, "maxval", 65535, &maxval);
    if (rc)
        return rc;
    if (r.pos >= r.n || !is_space(r.p[r.pos]))
        return emo__fail(EMO_ERR_FORMAT, r.pos >= r.n
                         ? "PGM: truncated (no pixel data)"
                         : "PGM: bad header: no whitespace after maxval");
    r.pos++;
    /* The size check comes before the length check so that a header
     * claiming a huge image reports the limit, and before any allocation. */
    rc = emo__check_size("PGM", w, h);
    if (rc) {
        d->w = (int)w;
        d->h = (int)h;
        return rc;
    }
    int wide = maxval > 255;
    size_t row = (size_t)w * (wide ? 2u : 1u);
    if ((size_t)h > (r.n - r.pos) / row)
        return emo__fail(EMO_ERR_FORMAT, "PGM: truncated: %lldx%lld pixels "
                         "need %zu bytes, %zu present", w, h,
                         row * (size_t)h, r.n - r.pos);
    rc = emo__dst_begin(d, "PGM", w, h);
    if (rc)
        return rc;
    const uint8_t *s = r.p + r.pos;
    for (int y = 0; y < d->h; y++, s += row) {
        uint8_t *dst = emo__dst_row(d, y);
        if (maxval == 255 && d->channels == 1) {
            memcpy(dst, s, row);
        } else if (d->channels == 1) {
            scale_row(s, wide, (unsigned)maxval, dst, d->w);
        } else {
            /* Scale in place in the last third of the RGB row, then
             * replicate forward: no scratch buffer needed. */
            uint8_t *g = dst + 2 * (size_t)d->w;
            scale_row(s, wide, (unsigned)maxval, g, d->w);
            for (int x = 0; x < d->w; x++)
                dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = g[x];
        }
    }
    return EMO_OK;
}
