/*
 * ops.c - pixel operations on gray images: conversion to float,
 * bilinear resize and crop, flip, affine rotation, 5x5 Gaussian.
 *
 * They run per frame and per training sample, cannot fail (void), and so
 * never allocate: per-column tables and row buffers live on the stack in
 * fixed-size tiles.  Inner loops are plain indexed loops over restrict
 * pointers so that the compiler vectorises them.
 */
#include "image/image.h"

#include <math.h>
#include <string.h>

/* The loops below need GCC's full vectoriser, which -O2 leaves out: the
 * Makefile builds this file with it (FILE_CFLAGS). */

/* Columns per tile of the per-column tables (stack arrays). */
#define TILE 256

void emo__gray_to_float(const uint8_t *restrict src, int w, int h, int stride,
                        float *restrict dst)
{
    for (int y = 0; y < h; y++) {
        const uint8_t *s = src + (size_t)y * (size_t)stride;
        float *d = dst + (size_t)y * (size_t)w;
        /* Division, not a multiply by 1/255: exact for 0 and 255, equal to
         * what a reference computes with x / 255. */
        for (int x = 0; x < w; x++)
            d[x] = (float)s[x] / 255.0f;
    }
}

/* --- bilinear sampling ---------------------------------------------------- */

/* One output coordinate of a bilinear map: taps i0, i1 and the weight of
 * i1.  The source position s is in pixel-index units; past either edge the
 * edge pixel is replicated, as OpenCV's INTER_LINEAR resize does. */
typedef struct tap {
    int i0, i1;
    float f;
} tap;

static tap make_tap(double s, int n)
{
    tap t = {0, 0, 0.0f};
    if (!(s > 0.0)) /* also NaN */
        return t;
    if (s >= (double)(n - 1)) {
        t.i0 = t.i1 = n - 1;
        return t;
    }
    double fl = floor(s);
    t.i0 = (int)fl;
    t.i1 = t.i0 + 1;
    t.f = (float)(s - fl);
    return t;
}

/* Source position of output index i when [start, start + len) of the
 * source maps onto n outputs, pixel centres aligned:
 * s = start + (i + 0.5) * len / n - 0.5. */
static double src_pos(int i, double start, double len, int n)
{
    return start + ((double)i + 0.5) * (len / (double)n) - 0.5;
}

/* Fills the taps of outputs [x0, x0 + n) of a map onto dn outputs. */
static void fill_taps(tap *t, int x0, int n, double start, double len,
                      int dn, int sn)
{
    for (int i = 0; i < n; i++)
        t[i] = make_tap(src_pos(x0 + i, start, len, dn), sn);
}

static inline float lerp2(float a, float b, float f)
{
    return a * (1.0f - f) + b * f;
}

/* Separable resampling: each source row a destination row needs is first
 * resampled horizontally into one of two cached tile rows (a row is reused
 * by the next destination rows when enlarging), then the two rows are
 * blended vertically in a loop that vectorises.  The cache maps slots to
 * source row indices; slot_for returns the slot holding row `want`, taking
 * over the slot that does not hold `other` when it has to be computed. */
static int slot_for(int idx[2], int want, int other, int *miss)
{
    *miss = 0;
    if (idx[0] == want)
        return 0;
    if (idx[1] == want)
        return 1;
    int s = idx[0] == other ? 1 : 0;
    idx[s] = want;
    *miss = 1;
    return s;
}

static void hrow_f32(const float *restrict r, const tap *restrict xt, int n,
                     float *restrict out)
{
    for (int i = 0; i < n; i++)
        out[i] = lerp2(r[xt[i].i0], r[xt[i].i1], xt[i].f);
}

static void hrow_u8_f32(const uint8_t *restrict r, const tap *restrict xt,
                        int n, float *restrict out)
{
    for (int i = 0; i < n; i++)
        out[i] = lerp2(r[xt[i].i0], r[xt[i].i1], xt[i].f);
}

void emo__resize_f32(const float *restrict src, int sw, int sh,
                     float *restrict dst, int dw, int dh)
{
    tap xt[TILE];
    float hb[2][TILE];
    for (int x0 = 0; x0 < dw; x0 += TILE) {
        int n = dw - x0 < TILE ? dw - x0 : TILE;
        fill_taps(xt, x0, n, 0.0, sw, dw, sw);
        int idx[2] = {-1, -1}, miss;
        for (int y = 0; y < dh; y++) {
            tap yt = make_tap(src_pos(y, 0.0, sh, dh), sh);
            int a = slot_for(idx, yt.i0, yt.i1, &miss);
            if (miss)
                hrow_f32(src + (size_t)yt.i0 * (size_t)sw, xt, n, hb[a]);
            int b = slot_for(idx, yt.i1, yt.i0, &miss);
            if (miss)
                hrow_f32(src + (size_t)yt.i1 * (size_t)sw, xt, n, hb[b]);
            const float *h0 = hb[a], *h1 = hb[b];
            float *d = dst + (size_t)y * (size_t)dw + x0;
            for (int i = 0; i < n; i++)
                d[i] = lerp2(h0[i], h1[i], yt.f);
        }
    }
}

void emo__crop_resize_u8_f32(const uint8_t *restrict src, int sw, int sh,
                             int stride, double x, double y, double w,
                             double h, float *restrict dst, int dw, int dh)
{
    tap xt[TILE];
    float hb[2][TILE];
    for (int x0 = 0; x0 < dw; x0 += TILE) {
        int n = dw - x0 < TILE ? dw - x0 : TILE;
        fill_taps(xt, x0, n, x, w, dw, sw);
        int idx[2] = {-1, -1}, miss;
        for (int oy = 0; oy < dh; oy++) {
            tap yt = make_tap(src_pos(oy, y, h, dh), sh);
            int a = slot_for(idx, yt.i0, yt.i1, &miss);
            if (miss)
                hrow_u8_f32(src + (size_t)yt.i0 * (size_t)stride, xt, n,
                            hb[a]);
            int b = slot_for(idx, yt.i1, yt.i0, &miss);
            if (miss)
                hrow_u8_f32(src + (size_t)yt.i1 * (size_t)stride, xt, n,
                            hb[b]);
            const float *h0 = hb[a], *h1 = hb[b];
            float *d = dst + (size_t)oy * (size_t)dw + x0;
            for (int i = 0; i < n; i++)
                d[i] = lerp2(h0[i], h1[i], yt.f) / 255.0f;
        }
    }
}

/* u8 resize in OpenCV's fixed point: weights in units of 1/2048, the
 * horizontal sums kept exact, one rounding at the end. */
#define COEF_BITS 11
#define COEF_ONE (1 << COEF_BITS)

static inline int coef(float f)
{
    return (int)lrintf(f * (float)COEF_ONE);
}

static void hrow_u8_fixed(const uint8_t *restrict r, const tap *restrict xt,
                          const int *restrict xc, int n, int *restrict out)
{
    for (int i = 0; i < n; i++)
        out[i] = r[xt[i].i0] * (COEF_ONE - xc[i]) + r[xt[i].i1] * xc[i];
}

void emo__resize_u8(const uint8_t *restrict src, int sw, int sh, int sstride,
                    uint8_t *restrict dst, int dw, int dh, int dstride)
{
    tap xt[TILE];
    int xc[TILE], hb[2][TILE];
    for (int x0 = 0; x0 < dw; x0 += TILE) {
        int n = dw - x0 < TILE ? dw - x0 : TILE;
        fill_taps(xt, x0, n, 0.0, sw, dw, sw);
        for (int i = 0; i < n; i++)
            xc[i] = coef(xt[i].f);
        int idx[2] = {-1, -1}, miss;
        for (int y = 0; y < dh; y++) {
            tap yt = make_tap(src_pos(y, 0.0, sh, dh), sh);
            int a = slot_for(idx, yt.i0, yt.i1, &miss);
            if (miss)
                hrow_u8_fixed(src + (size_t)yt.i0 * (size_t)sstride, xt, xc,
                              n, hb[a]);
            int b = slot_for(idx, yt.i1, yt.i0, &miss);
            if (miss)
                hrow_u8_fixed(src + (size_t)yt.i1 * (size_t)sstride, xt, xc,
                              n, hb[b]);
            /* h * weight < 255 * 2^22 fits an int */
            const int *h0 = hb[a], *h1 = hb[b];
            int c1 = coef(yt.f), c0 = COEF_ONE - c1;
            uint8_t *d = dst + (size_t)y * (size_t)dstride + x0;
            for (int i = 0; i < n; i++)
                d[i] = (uint8_t)((h0[i] * c0 + h1[i] * c1 +
                                  (1 << (2 * COEF_BITS - 1))) >>
                                 (2 * COEF_BITS));
        }
    }
}

/* --- flip and affine ----------------------------------------------------- */

void emo__flip_f32(const float *src, int w, int h, float *dst)
{
    /* Swapping mirrored pairs works in place and out of place alike. */
    for (int y = 0; y < h; y++) {
        const float *s = src + (size_t)y * (size_t)w;
        float *d = dst + (size_t)y * (size_t)w;
        for (int x = 0, m = w - 1; x <= m; x++, m--) {
            float a = s[x], b = s[m];
            d[x] = b;
            d[m] = a;
        }
    }
}

/* cos and sin of `degrees`, exact for multiples of 90 so that quarter
 * turns are exact pixel permutations. */
static void cos_sin_deg(double degrees, double *c, double *s)
{
    double q = degrees / 90.0;
    if (q == floor(q) && fabs(q) < 1e9) {
        static const double cs[4][2] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};
        int k = (int)fmod(q, 4.0);
        k = (k + 4) % 4;
        *c = cs[k][0];
        *s = cs[k][1];
        return;
    }
    double r = degrees * (3.14159265358979323846 / 180.0);
    *c = cos(r);
    *s = sin(r);
}

/* One output row of the affine map: source position (sx + x ax,
 * sy + x ay) for output column x, sampled bilinearly with the border
 * replicated (clamping the position is the same as replicating pixels). */
static void affine_row(const float *restrict src, int w, int h, double sx,
                       double sy, double ax, double ay, float *restrict d)
{
    const double xmax = w - 1, ymax = h - 1;
    for (int x = 0; x < w; x++) {
        double px = sx + x * ax, py = sy + x * ay;
        px = px < 0.0 ? 0.0 : px > xmax ? xmax : px;
        py = py < 0.0 ? 0.0 : py > ymax ? ymax : py;
        int x0 = (int)px, y0 = (int)py;
        int x1 = x0 < w - 1 ? x0 + 1 : x0, y1 = y0 < h - 1 ? y0 + 1 : y0;
        float fx = (float)(px - x0), fy = (float)(py - y0);
        const float *r0 = src + (size_t)y0 * (size_t)w;
        const float *r1 = src + (size_t)y1 * (size_t)w;
        d[x] = lerp2(lerp2(r0[x0], r0[x1], fx), lerp2(r1[x0], r1[x1], fx),
                     fy);
    }
}

void emo__affine_f32(const float *restrict src, int w, int h,
                     float *restrict dst, double degrees, double scale,
                     double dx, double dy)
{
    /* Inverse map: for each output pixel, where it came from.  Forward is
     * p' = S R (p - c) + c + t with R counter-clockwise on screen (y down),
     * as OpenCV's getRotationMatrix2D; c is the centre of the pixel grid,
     * ((w - 1) / 2, (h - 1) / 2), so quarter turns of a square image are
     * permutations. */
    double c, s;
    cos_sin_deg(degrees, &c, &s);
    double inv = scale > 0.0 ? 1.0 / scale : 1.0;
    if (!isfinite(c) || !isfinite(s) || !isfinite(inv) || !isfinite(dx) ||
        !isfinite(dy)) {
        /* NaN/inf parameters: a defined result rather than UB */
        memcpy(dst, src, sizeof(float) * (size_t)w * (size_t)h);
        return;
    }
    double cx = (w - 1) * 0.5, cy = (h - 1) * 0.5, u0 = -cx - dx;
    for (int y = 0; y < h; y++) {
        double v = y - cy - dy;
        affine_row(src, w, h, cx + (c * u0 - s * v) * inv,
                   cy + (s * u0 + c * v) * inv, c * inv, s * inv,
                   dst + (size_t)y * (size_t)w);
    }
}

/* --- 5x5 Gaussian ---------------------------------------------------------- */

/* OpenCV's getGaussianKernel(5, sigma): exp(-x^2 / (2 sigma^2)) for
 * x = -2..2, normalised to sum 1; sigma <= 0 gives its fixed
 * [1 4 6 4 1] / 16.  Symmetric, so k[0..2] is all we keep. */
static void gauss_kernel(double sigma, float k[3])
{
    if (!(sigma > 0.0)) {
        k[0] = 1.0f / 16;
        k[1] = 4.0f / 16;
        k[2] = 6.0f / 16;
        return;
    }
    double e[3], sum = 0.0;
    for (int i = 0; i < 3; i++) {
        double x = i - 2;
        e[i] = exp(-x * x / (2.0 * sigma * sigma));
        sum += (i < 2 ? 2.0 : 1.0) * e[i];
    }
    for (int i = 0; i < 3; i++)
        k[i] = (float)(e[i] / sum);
}

/* BORDER_REFLECT_101 (gfedcb|abcdefgh|gfedcba) for any n >= 1. */
static int reflect101(int i, int n)
{
    if (n == 1)
        return 0;
    while (i < 0 || i >= n)
        i = i < 0 ? -i : 2 * n - 2 - i;
    return i;
}

/* Horizontal pass of one float row. */
static void hpass_f32(const float *restrict s, float *restrict d, int w,
                      const float k[3])
{
    const float k0 = k[0], k1 = k[1], k2 = k[2];
    for (int x = 2; x < w - 2; x++)
        d[x] = k0 * (s[x - 2] + s[x + 2]) + k1 * (s[x - 1] + s[x + 1]) +
               k2 * s[x];
    /* The (at most four) columns whose taps leave the row. */
    for (int x = 0; x < w; x++) {
        if (x == 2 && w - 2 > 2)
            x = w - 2;
        int a = reflect101(x - 2, w), b = reflect101(x - 1, w);
        int c = reflect101(x + 1, w), e = reflect101(x + 2, w);
        d[x] = k0 * (s[a] + s[e]) + k1 * (s[b] + s[c]) + k2 * s[x];
    }
}

/* The five source rows around row y, reflected at the borders. */
static void row_taps(int y, int h, int r[5])
{
    for (int i = 0; i < 5; i++)
        r[i] = reflect101(y + i - 2, h);
}

void emo__gauss5_f32(const float *restrict src, int w, int h,
                     float *restrict dst, double sigma, float *restrict tmp)
{
    float k[3];
    gauss_kernel(sigma, k);
    const float k0 = k[0], k1 = k[1], k2 = k[2];
    for (int y = 0; y < h; y++)
        hpass_f32(src + (size_t)y * (size_t)w, tmp + (size_t)y * (size_t)w,
                  w, k);
    for (int y = 0; y < h; y++) {
        int r[5];
        row_taps(y, h, r);
        const float *a = tmp + (size_t)r[0] * (size_t)w;
        const float *b = tmp + (size_t)r[1] * (size_t)w;
        const float *c = tmp + (size_t)r[2] * (size_t)w;
        const float *e = tmp + (size_t)r[3] * (size_t)w;
        const float *f = tmp + (size_t)r[4] * (size_t)w;
        float *d = dst + (size_t)y * (size_t)w;
        for (int x = 0; x < w; x++)
            d[x] = k0 * (a[x] + f[x]) + k1 * (b[x] + e[x]) + k2 * c[x];
    }
}

/* Vertical pass of u8 rows into floats for columns [j0, j1) of the
 * reflected image (j may be out of range by up to 2), stored from v[0]. */
static void vpass_u8(const uint8_t *const r[5], int w, int j0, int j1,
                     const float k[3], float *restrict v)
{
    const float k0 = k[0], k1 = k[1], k2 = k[2];
    const uint8_t *a = r[0], *b = r[1], *c = r[2], *e = r[3], *f = r[4];
    int lo = j0 < 0 ? 0 : j0, hi = j1 > w ? w : j1;
    for (int j = lo; j < hi; j++)
        v[j - j0] = k0 * (float)(a[j] + f[j]) + k1 * (float)(b[j] + e[j]) +
                    k2 * (float)c[j];
    for (int j = j0; j < j1; j++) {
        if (j == lo && hi > lo)
            j = hi; /* the middle is done; now the reflected ends */
        if (j >= j1)
            break;
        int m = reflect101(j, w);
        v[j - j0] = k0 * (float)(a[m] + f[m]) + k1 * (float)(b[m] + e[m]) +
                    k2 * (float)c[m];
    }
}

void emo__gauss5_u8(const uint8_t *restrict src, int w, int h, int stride,
                    uint8_t *restrict dst, double sigma)
{
    float k[3];
    gauss_kernel(sigma, k);
    const float k0 = k[0], k1 = k[1], k2 = k[2];
    /* Vertical first into a tile row (with 2 columns of margin each side),
     * then horizontal straight to dst: no w-sized buffer needed. */
    float v[TILE + 4];
    for (int y = 0; y < h; y++) {
        int ri[5];
        row_taps(y, h, ri);
        const uint8_t *r[5];
        for (int i = 0; i < 5; i++)
            r[i] = src + (size_t)ri[i] * (size_t)stride;
        uint8_t *d = dst + (size_t)y * (size_t)w;
        for (int x0 = 0; x0 < w; x0 += TILE) {
            int n = w - x0 < TILE ? w - x0 : TILE;
            vpass_u8(r, w, x0 - 2, x0 + n + 2, k, v);
            for (int i = 0; i < n; i++) {
                float s = k0 * (v[i] + v[i + 4]) + k1 * (v[i + 1] + v[i + 3]) +
                          k2 * v[i + 2];
                d[x0 + i] = (uint8_t)(s + 0.5f);
            }
        }
    }
}
