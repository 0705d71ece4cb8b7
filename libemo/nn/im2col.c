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

void emo__im2col(const float *im, int c, int h, int w, int k, int stride,
                 int pad, int oh, int ow, float *col, size_t ld)
{
    for (int ci = 0; ci < c; ci++) {
        const float *src = im + (size_t)ci * h * w;
        for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
                float *dst = col + ((size_t)(ci * k + ky) * k + kx) * ld;
                for (int oy = 0; oy < oh; oy++) {
                    int iy = oy * stride - pad + ky;
                    float *d = dst + (size_t)oy * ow;
                    if (iy < 0 || iy >= h) {
                        memset(d, 0, sizeof(float) * (size_t)ow);
                        continue;
                    }
                    const float *s = src + (size_t)iy * w;
                    int ix = kx - pad;
                    if (stride == 1 && ix >= 0 && ix + ow <= w) {
                        memcpy(d, s + ix, sizeof(float) * (size_t)ow);
                        continue;
                    }
                    for (int ox = 0; ox < ow; ox++, ix += stride)
                        d[ox] = (ix >= 0 && ix < w) ? s[ix] : 0.0f;
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
                for (int oy = 0; oy < oh; oy++) {
                    int iy = oy * stride - pad + ky;
                    if (iy < 0 || iy >= h)
                        continue;
                    const float *s = src + (size_t)oy * ow;
                    float *d = dst + (size_t)iy * w;
                    int ix = kx - pad;
                    for (int ox = 0; ox < ow; ox++, ix += stride)
                        if (ix >= 0 && ix < w)
                            d[ix] += s[ox];
                }
            }
        }
    }
}
