/*
 * im2col.c - unfolding image patches into columns (and back) so that a
 * convolution becomes one matrix product.  Row (ci, ky, kx) of the column
 * matrix holds, for every output position, the input pixel that kernel tap
 * sees; positions in the padding read 0.  Rows are `ld` floats apart so
 * that several images can sit side by side in one matrix.
 */
/* hot elementwise loops: let GCC vectorise them at any -O level */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif
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

void emo__im2col(const float *im, int c, int h, int w, int k, int stride,
                 int pad, int oh, int ow, float *col, size_t ld)
{
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

void emo__col2im(const float *col, int c, int h, int w, int k, int stride,
                 int pad, int oh, int ow, float *im, size_t ld)
{
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
