/*
 * pyramid.c - the two image operations the detector needs per
 * pyramid level, written to give exactly OpenCV 4's numbers:
 * resize(INTER_LINEAR_EXACT) (fixed point, 8 fractional bits per axis)
 * and integral() with squared and tilted sums.  Exactness matters because
 * the cascade's decisions at the threshold flip on a one-level difference
 * in a pixel, and agreement with OpenCV is a goal.
 */
#include "detect/cascade.h"

#include <math.h>
#include <string.h>

/* Source index and weight (of the right/lower pixel, in 1/256) of
 * destination pixel i; border pixels replicate the edge (weight 0 on the
 * first pixel, or all on the last one).  As OpenCV's interpolationLinear:
 * position scale * (i + 0.5) - 0.5, weight rounded half to even. */
static void linear_coeff(double scale, int i, int n, int *ofs, int *c1)
{
    double f = scale * ((double)i + 0.5) - 0.5;
    double fl = floor(f);
    if (fl < 0 || n < 2) {
        *ofs = 0;
        *c1 = 0;
    } else if (fl < n - 1) {
        *ofs = (int)fl;
        *c1 = (int)lrint((f - fl) * 256.0);
    } else {
        *ofs = n - 2;
        *c1 = 256;
    }
}

/* One horizontally resampled row, in 1/256 units (exact). */
static void hline(const uint8_t *s, int sw, const int *xo, const int *xc,
                  int *out, int dw)
{
    if (sw < 2) {
        for (int x = 0; x < dw; x++)
            out[x] = s[0] * 256;
        return;
    }
    for (int x = 0; x < dw; x++) {
        int o = xo[x], c = xc[x];
        out[x] = s[o] * (256 - c) + s[o + 1] * c;
    }
}

void emo__resize_exact_u8(const uint8_t *src, int sw, int sh, int sstride,
                          uint8_t *dst, int dw, int dh, int dstride, int *tmp)
{
    if (sw == dw && sh == dh) { /* OpenCV copies */
        for (int y = 0; y < dh; y++)
            memcpy(dst + (size_t)y * dstride, src + (size_t)y * sstride,
                   (size_t)dw);
        return;
    }
    int *xo = tmp, *xc = tmp + dw, *l0 = tmp + 2 * dw, *l1 = tmp + 3 * dw;
    double sx = 1.0 / ((double)dw / sw), sy = 1.0 / ((double)dh / sh);
    for (int x = 0; x < dw; x++)
        linear_coeff(sx, x, sw, &xo[x], &xc[x]);
    int row0 = -1, row1 = -1; /* source rows held in l0, l1 */
    for (int y = 0; y < dh; y++) {
        uint8_t *d = dst + (size_t)y * dstride;
        double f = sy * ((double)y + 0.5) - 0.5;
        double fl = floor(f);
        if (fl < 0 || sh < 2 || fl >= sh - 1) {
            int r = (fl < 0 || sh < 2) ? 0 : sh - 1;
            if (row0 != r) {
                hline(src + (size_t)r * sstride, sw, xo, xc, l0, dw);
                row0 = r;
                row1 = -1;
            }
            for (int x = 0; x < dw; x++)
                d[x] = (uint8_t)((l0[x] + 128) >> 8);
            continue;
        }
        int r = (int)fl, c1 = (int)lrint((f - fl) * 256.0), c0 = 256 - c1;
        if (row0 != r) {
            if (row1 == r) { /* slide the window down one row */
                int *t = l0;
                l0 = l1;
                l1 = t;
            } else {
                hline(src + (size_t)r * sstride, sw, xo, xc, l0, dw);
            }
            row0 = r;
            row1 = -1;
        }
        if (row1 != r + 1) {
            hline(src + (size_t)(r + 1) * sstride, sw, xo, xc, l1, dw);
            row1 = r + 1;
        }
        for (int x = 0; x < dw; x++) {
            int v = (l0[x] * c0 + l1[x] * c1 + (1 << 15)) >> 16;
            d[x] = (uint8_t)(v > 255 ? 255 : v);
        }
    }
}

/* The EMO__INTEGRAL_TAIL entries after column w of a row: zeros, so that
 * the vector scan's lanes past the last window read defined values.  When
 * the row stride leaves less room they run into the next row, which is
 * written after them. */
static void zero_tail(uint32_t *row, int w)
{
    memset(row + w + 1, 0, sizeof *row * EMO__INTEGRAL_TAIL);
}

/* Tilted sums by diagonals: T(X,Y) = T(X,Y-1) + D2(Y-1,X-1) + D1(Y-2,X),
 * where D2 sums the up-left diagonal ending at a pixel and D1 the up-right
 * one; both are kept for one row only (work), so the cost is linear. */
static void tilted_integral(const uint8_t *img, int w, int h, int istride,
                            uint32_t *t, int stride, uint32_t *work)
{
    uint32_t *d1 = work, *d2 = work + w; /* D1 at row y-2, D2 at row y-1 */
    memset(t, 0, sizeof *t * (size_t)(w + 1));
    zero_tail(t, w);
    memset(work, 0, sizeof *work * 2 * (size_t)w);
    for (int Y = 1; Y <= h; Y++) {
        const uint8_t *row = img + (size_t)(Y - 1) * istride;
        for (int x = w - 1; x >= 1; x--)
            d2[x] = row[x] + (Y > 1 ? d2[x - 1] : 0);
        d2[0] = row[0];
        const uint32_t *up = t + (size_t)(Y - 1) * stride;
        uint32_t *cur = t + (size_t)Y * stride;
        for (int X = 0; X <= w; X++) {
            uint32_t v = up[X];
            if (X >= 1)
                v += d2[X - 1];
            if (X < w && Y >= 2)
                v += d1[X];
            cur[X] = v;
        }
        zero_tail(cur, w);
        for (int x = 0; x < w - 1; x++)
            d1[x] = row[x] + (Y > 1 ? d1[x + 1] : 0);
        d1[w - 1] = row[w - 1];
    }
}

void emo__integral(const uint8_t *img, int w, int h, int istride,
                   uint32_t *sum, uint32_t *sq, uint32_t *tilted, int stride,
                   uint32_t *work)
{
    memset(sum, 0, sizeof *sum * (size_t)(w + 1));
    zero_tail(sum, w);
    if (sq) {
        memset(sq, 0, sizeof *sq * (size_t)(w + 1));
        zero_tail(sq, w);
    }
    for (int y = 0; y < h; y++) {
        const uint8_t *row = img + (size_t)y * istride;
        const uint32_t *su = sum + (size_t)y * stride;
        uint32_t *sc = sum + (size_t)(y + 1) * stride;
        uint32_t s = 0;
        sc[0] = 0;
        if (!sq) {
            for (int x = 0; x < w; x++) {
                s += row[x];
                sc[x + 1] = su[x + 1] + s;
            }
            zero_tail(sc, w);
            continue;
        }
        const uint32_t *qu = sq + (size_t)y * stride;
        uint32_t *qc = sq + (size_t)(y + 1) * stride;
        uint32_t q = 0;
        qc[0] = 0;
        for (int x = 0; x < w; x++) { /* one pass for both sums */
            uint32_t v = row[x];
            s += v;
            q += v * v;
            sc[x + 1] = su[x + 1] + s;
            qc[x + 1] = qu[x + 1] + q;
        }
        zero_tail(sc, w);
        zero_tail(qc, w);
    }
    if (tilted)
        tilted_integral(img, w, h, istride, tilted, stride, work);
}
