/*
 * im2col.c - unfolding image patches into columns (and back) so that a
 * convolution becomes one matrix product.  Row (ci, ky, kx) of the column
 * matrix holds, for every output position, the input pixel that kernel tap
 * sees; positions in the padding read 0.  Rows are `ld` floats apart so
 * that several images can sit side by side in one matrix.
 */
#include "nn/nn.h"

#include <string.h>

/* Output columns [*lo, *hi) whose input column lies inside 0..w-1. */
static void valid_range(int w, int stride, int pad, int kx, int ow, int *lo,
                        int *hi)
{
    int a = pad - kx; /* first ox with ox * stride >= pad - kx */
    a = a > 0 ? (a + stride - 1) / stride : 0;
    int b = w + pad - kx; /* ox * stride < w + pad - kx */
    b = b > 0 ? (b + stride - 1) / stride : 0;
    *lo = a < ow ? a : ow;
    *hi = b < ow ? b : ow;
    if (*hi < *lo)
        *hi = *lo;
}

/*
 * "Same" convolutions (stride 1, output size = input size, as every 3x3
 * pad-1 layer) get a faster path.  There, kernel tap (ky, kx) reads the
 * input shifted by a constant offset (ky - pad) * w + (kx - pad), so the
 * tap's whole row of the column matrix is one contiguous copy of the
 * plane; only the columns that wrapped around from the neighbouring input
 * row (at most pad per row) and the rows above/below the image need
 * zeroing.  Per-row copies cost a call per 6-48 floats on the small maps
 * of a face net, which made im2col about a tenth of a training step.  The
 * copies are plain loops, not memcpy/memset calls, which measured 1.2x
 * slower on 6x6 planes, 1.13x on 12x12 and the same on 24x24.
 */
typedef struct tap_span {
    int oy_lo, oy_hi, lo, hi; /* output rows / columns inside the image */
    long shift;               /* input index - output index */
    size_t start, end;        /* first and past-last output index inside */
} tap_span;

static int is_same_conv(int h, int w, int k, int stride, int pad, int oh,
                        int ow)
{
    return stride == 1 && 2 * pad == k - 1 && oh == h && ow == w;
}

/* Returns 0 when tap (ky, kx) sees no input pixel at all. */
static int tap_span_of(int h, int w, int pad, int ky, int kx, tap_span *t)
{
    valid_range(h, 1, pad, ky, h, &t->oy_lo, &t->oy_hi);
    valid_range(w, 1, pad, kx, w, &t->lo, &t->hi);
    if (t->oy_lo >= t->oy_hi || t->lo >= t->hi)
        return 0;
    t->shift = (long)(ky - pad) * w + (kx - pad);
    t->start = (size_t)t->oy_lo * w + t->lo;
    t->end = (size_t)(t->oy_hi - 1) * w + t->hi;
    return 1;
}

/* Zeroes the columns of rows oy_lo..oy_hi-1 that lie outside lo..hi-1. */
static void zero_wrapped(float *d, int w, const tap_span *t)
{
    if (t->lo == 0 && t->hi == w)
        return;
    for (int oy = t->oy_lo; oy < t->oy_hi; oy++) {
        float *row = d + (size_t)oy * w;
        for (int ox = 0; ox < t->lo; ox++)
            row[ox] = 0.0f;
        for (int ox = t->hi; ox < w; ox++)
            row[ox] = 0.0f;
    }
}

static void im2col_same(const float *src, int h, int w, int k, int pad,
                        float *col, size_t ld)
{
    size_t n = (size_t)h * w;
    for (int ky = 0; ky < k; ky++)
        for (int kx = 0; kx < k; kx++) {
            float *d = col + (size_t)(ky * k + kx) * ld;
            tap_span t;
            if (!tap_span_of(h, w, pad, ky, kx, &t)) {
                memset(d, 0, sizeof(float) * n);
                continue;
            }
            /* source formed inside the plane: no pointer before it */
            const float *s = src + (long)t.start + t.shift;
            for (size_t i = 0; i < t.start; i++)
                d[i] = 0.0f;
            for (size_t i = 0; i < t.end - t.start; i++)
                d[t.start + i] = s[i];
            for (size_t i = t.end; i < n; i++)
                d[i] = 0.0f;
            zero_wrapped(d, w, &t);
        }
}

/* The centre tap covers every pixel, so it initialises the plane; each
 * other tap's wrapped columns are zeroed in the (scratch) column matrix
 * so that its contribution is again one contiguous add. */
static void col2im_same(float *col, int h, int w, int k, int pad, float *dst,
                        size_t ld)
{
    size_t n = (size_t)h * w;
    const float *centre = col + (size_t)(pad * k + pad) * ld;
    for (size_t i = 0; i < n; i++)
        dst[i] = centre[i];
    for (int ky = 0; ky < k; ky++)
        for (int kx = 0; kx < k; kx++) {
            tap_span t;
            if ((ky == pad && kx == pad) || !tap_span_of(h, w, pad, ky, kx, &t))
                continue;
            float *s = col + (size_t)(ky * k + kx) * ld;
            zero_wrapped(s, w, &t);
            float *d = dst + (long)t.start + t.shift;
            for (size_t i = 0; i < t.end - t.start; i++)
                d[i] += s[t.start + i];
        }
}

void emo__im2col(const float *im, int c, int h, int w, int k, int stride,
                 int pad, int oh, int ow, float *col, size_t ld)
{
    if (is_same_conv(h, w, k, stride, pad, oh, ow)) {
        for (int ci = 0; ci < c; ci++)
            im2col_same(im + (size_t)ci * h * w, h, w, k, pad,
                        col + (size_t)ci * k * k * ld, ld);
        return;
    }
    for (int ci = 0; ci < c; ci++) {
        const float *src = im + (size_t)ci * h * w;
        for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
                float *dst = col + ((size_t)(ci * k + ky) * k + kx) * ld;
                int lo, hi;
                valid_range(w, stride, pad, kx, ow, &lo, &hi);
                for (int oy = 0; oy < oh; oy++) {
                    int iy = oy * stride - pad + ky;
                    float *d = dst + (size_t)oy * ow;
                    if (iy < 0 || iy >= h) {
                        memset(d, 0, sizeof(float) * (size_t)ow);
                        continue;
                    }
                    /* input column of ox is base + ox * stride */
                    const float *s = src + (size_t)iy * w;
                    int base = kx - pad;
                    for (int ox = 0; ox < lo; ox++)
                        d[ox] = 0.0f;
                    if (stride == 1 && hi > lo)
                        memcpy(d + lo, s + base + lo, sizeof(float) *
                               (size_t)(hi - lo));
                    else
                        for (int ox = lo; ox < hi; ox++)
                            d[ox] = s[base + ox * stride];
                    for (int ox = hi; ox < ow; ox++)
                        d[ox] = 0.0f;
                }
            }
        }
    }
}

void emo__col2im(float *col, int c, int h, int w, int k, int stride, int pad,
                 int oh, int ow, float *im, size_t ld)
{
    if (is_same_conv(h, w, k, stride, pad, oh, ow)) {
        for (int ci = 0; ci < c; ci++)
            col2im_same(col + (size_t)ci * k * k * ld, h, w, k, pad,
                        im + (size_t)ci * h * w, ld);
        return;
    }
    memset(im, 0, sizeof(float) * (size_t)c * h * w);
    for (int ci = 0; ci < c; ci++) {
        float *dst = im + (size_t)ci * h * w;
        for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
                const float *src =
                    col + ((size_t)(ci * k + ky) * k + kx) * ld;
                int lo, hi;
                valid_range(w, stride, pad, kx, ow, &lo, &hi);
                for (int oy = 0; oy < oh; oy++) {
                    int iy = oy * stride - pad + ky;
                    if (iy < 0 || iy >= h)
                        continue;
                    const float *s = src + (size_t)oy * ow;
                    float *d = dst + (size_t)iy * w;
                    int base = kx - pad;
                    if (stride == 1)
                        for (int ox = lo; ox < hi; ox++)
                            d[base + ox] += s[ox];
                    else
                        for (int ox = lo; ox < hi; ox++)
                            d[base + ox * stride] += s[ox];
                }
            }
        }
    }
}
