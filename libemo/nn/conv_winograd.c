/*
 * conv_winograd.c - 3x3 stride-1 convolution by Winograd's F(2x2,3x3):
 * forward, backward-data and backward-filter.
 *
 * Each 2x2 output tile is A^T [(G g G^T) . (B^T d B)] A for the 4x4 input
 * tile d under it (tiles overlap by two pixels) and the 3x3 filter g; the
 * sum over input channels of the 16 elementwise products becomes 16 matrix
 * products, one per tile position xi, run by OpenBLAS:
 *
 *   forward      M[xi] (cout x T)  = U[xi] (cout x cin) . V[xi] (cin x T)
 *   backward dx  X[xi] (cin x T)   = U[xi]^T . D[xi] (cout x T)
 *   backward dW  dU[xi] (cout x cin) += D[xi] . V[xi]^T
 *
 * with U = G g G^T, V = B^T d B, D = A dY A^T (the output gradient taken
 * back through the output transform), dx tiles B X B^T summed where they
 * overlap, dW = G^T dU G.  The backward passes are the exact gradient of
 * the forward formula, which is exact arithmetic for the convolution: only
 * rounding differs from im2col (see tests/check_conv_fast.c).  T is the
 * tile count of a chunk of whole images.  The products do 16 / 36 of
 * im2col's multiplications and the transformed tensors (16 floats per
 * tile and channel) are smaller than im2col's columns (36).
 *
 * The transforms are elementwise loops over the tiles of a row, built at
 * -O3 and cloned for AVX-512 and AVX2 (chosen when the library loads, by
 * the CPU), so a generic x86-64 build vectorises them on either family.
 */
#include "nn/nn.h"

#include <cblas.h>
#include <string.h>

/* x86-64 GCC: one copy of each transform per instruction set, picked at
 * load time (ifunc).  Elsewhere (arm64, s390x, clang) the plain build. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&     \
    defined(__ELF__)
#define SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SIMD_CLONES
#endif

#define NXI 16          /* tile positions of F(2x2,3x3) */
#define CHUNK_TILES 1024 /* tiles per matrix product (whole images) */
#define MAX_TW 128      /* tiles per row: row buffers live on the stack */

typedef struct wino_dims {
    int cin, cout, h, w, oh, ow, pad;
    int th, tw, tpi; /* tiles per column, per row, per image */
} wino_dims;

static wino_dims wdims(const emo__layer *l)
{
    wino_dims d;
    d.cin = l->in.c;
    d.cout = l->out.c;
    d.h = l->in.h;
    d.w = l->in.w;
    d.oh = l->out.h;
    d.ow = l->out.w;
    d.pad = l->pad;
    d.th = (d.oh + 1) / 2;
    d.tw = (d.ow + 1) / 2;
    d.tpi = d.th * d.tw;
    return d;
}

int emo__wino_applies(const emo__layer *l)
{
    return l->type == EMO__L_CONV && l->size == 3 && l->stride == 1 &&
           l->groups == 1 && l->pad <= 2 && (l->out.w + 1) / 2 <= MAX_TW;
}

static int chunk_images(const wino_dims *d, int batch)
{
    int nb = CHUNK_TILES / d->tpi;
    if (nb < 1)
        nb = 1;
    return nb < batch ? nb : batch;
}

size_t emo__wino_scratch(const emo__layer *l, int batch)
{
    wino_dims d = wdims(l);
    size_t t = (size_t)chunk_images(&d, batch) * d.tpi;
    /* U and dU, then V (X reuses it) and M or D */
    return 2 * NXI * (size_t)d.cin * d.cout +
           NXI * t * ((size_t)d.cin + d.cout);
}

/* ---- filter transforms ------------------------------------------------ */

/* U[xi][co][ci] = G g G^T, G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]. */
static void filter_transform(const float *W, int cout, int cin, float *U)
{
    size_t pl = (size_t)cout * cin;
    for (size_t k = 0; k < pl; k++) {
        const float *g = W + 9 * k;
        float t[4][3], u[4][4];
        for (int c = 0; c < 3; c++) {
            t[0][c] = g[c];
            t[1][c] = 0.5f * (g[c] + g[3 + c] + g[6 + c]);
            t[2][c] = 0.5f * (g[c] - g[3 + c] + g[6 + c]);
            t[3][c] = g[6 + c];
        }
        for (int r = 0; r < 4; r++) {
            u[r][0] = t[r][0];
            u[r][1] = 0.5f * (t[r][0] + t[r][1] + t[r][2]);
            u[r][2] = 0.5f * (t[r][0] - t[r][1] + t[r][2]);
            u[r][3] = t[r][2];
        }
        for (int xi = 0; xi < NXI; xi++)
            U[xi * pl + k] = u[xi / 4][xi % 4];
    }
}

/* dW[co][ci] += G^T dU G, the transpose of filter_transform. */
static void filter_gradient(const float *dU, int cout, int cin, float *dW)
{
    size_t pl = (size_t)cout * cin;
    for (size_t k = 0; k < pl; k++) {
        float u[4][4], t[3][4];
        for (int xi = 0; xi < NXI; xi++)
            u[xi / 4][xi % 4] = dU[xi * pl + k];
        for (int c = 0; c < 4; c++) {
            t[0][c] = u[0][c] + 0.5f * (u[1][c] + u[2][c]);
            t[1][c] = 0.5f * (u[1][c] - u[2][c]);
            t[2][c] = 0.5f * (u[1][c] + u[2][c]) + u[3][c];
        }
        float *g = dW + 9 * k;
        for (int r = 0; r < 3; r++) {
            g[3 * r] += t[r][0] + 0.5f * (t[r][1] + t[r][2]);
            g[3 * r + 1] += 0.5f * (t[r][1] - t[r][2]);
            g[3 * r + 2] += 0.5f * (t[r][1] + t[r][2]) + t[r][3];
        }
    }
}

/* ---- data transforms: one plane (image, channel) per call ------------- */

/* Copies padded row r (image row r - pad) of a plane into buf[0, n),
 * zeros outside the image. */
static void padded_row(const float *plane, int h, int w, int pad, int r,
                       float *buf, int n)
{
    int iy = r - pad;
    memset(buf, 0, sizeof(float) * (size_t)n);
    if (iy < 0 || iy >= h)
        return;
    int x0 = pad, x1 = pad + w < n ? pad + w : n;
    if (x1 > x0)
        memcpy(buf + x0, plane + (size_t)iy * w, sizeof(float) * (size_t)(x1 - x0));
}

/* V tiles of one input plane: dst[xi * xs + t], B^T = [1 0 -1 0; 0 1 1 0;
 * 0 -1 1 0; 0 1 0 -1] on the rows, then on the columns. */
SIMD_CLONES
static void input_tiles(const float *plane, const wino_dims *d, float *dst,
                        size_t xs)
{
    int n = 2 * d->tw + 2, tw = d->tw;
    float r[4][2 * MAX_TW + 2], q[4][2 * MAX_TW + 2];
    for (int ty = 0; ty < d->th; ty++) {
        for (int k = 0; k < 4; k++)
            padded_row(plane, d->h, d->w, d->pad, 2 * ty + k, r[k], n);
        for (int x = 0; x < n; x++) {
            q[0][x] = r[0][x] - r[2][x];
            q[1][x] = r[1][x] + r[2][x];
            q[2][x] = r[2][x] - r[1][x];
            q[3][x] = r[1][x] - r[3][x];
        }
        float *o = dst + (size_t)ty * tw;
        for (int k = 0; k < 4; k++) {
            const float *s = q[k];
            float *o0 = o + (4 * k) * xs, *o1 = o0 + xs, *o2 = o1 + xs,
                  *o3 = o2 + xs;
            for (int t = 0; t < tw; t++) {
                o0[t] = s[2 * t] - s[2 * t + 2];
                o1[t] = s[2 * t + 1] + s[2 * t + 2];
                o2[t] = s[2 * t + 2] - s[2 * t + 1];
                o3[t] = s[2 * t + 1] - s[2 * t + 3];
            }
        }
    }
}

/* D tiles of one output-gradient plane: A dY A^T with A = [1 0; 1 1;
 * 1 -1; 0 -1]; rows and columns past the output are zero. */
SIMD_CLONES
static void grad_tiles(const float *plane, const wino_dims *d, float *dst,
                       size_t xs)
{
    int n = 2 * d->tw, tw = d->tw;
    float r[2][2 * MAX_TW], q[4][2 * MAX_TW];
    for (int ty = 0; ty < d->th; ty++) {
        for (int k = 0; k < 2; k++) {
            int y = 2 * ty + k;
            memset(r[k], 0, sizeof(float) * (size_t)n);
            if (y < d->oh)
                memcpy(r[k], plane + (size_t)y * d->ow,
                       sizeof(float) * (size_t)d->ow);
        }
        for (int x = 0; x < n; x++) {
            q[0][x] = r[0][x];
            q[1][x] = r[0][x] + r[1][x];
            q[2][x] = r[0][x] - r[1][x];
            q[3][x] = -r[1][x];
        }
        float *o = dst + (size_t)ty * tw;
        for (int k = 0; k < 4; k++) {
            const float *s = q[k];
            float *o0 = o + (4 * k) * xs, *o1 = o0 + xs, *o2 = o1 + xs,
                  *o3 = o2 + xs;
            for (int t = 0; t < tw; t++) {
                o0[t] = s[2 * t];
                o1[t] = s[2 * t] + s[2 * t + 1];
                o2[t] = s[2 * t] - s[2 * t + 1];
                o3[t] = -s[2 * t + 1];
            }
        }
    }
}

/* Output plane from M tiles: A^T m A, A^T = [1 1 1 0; 0 1 -1 -1], plus
 * bias and an optional ReLU. */
SIMD_CLONES
static void output_tiles(const float *src, size_t xs, const wino_dims *d,
                         float bias, int relu, float *plane)
{
    int tw = d->tw;
    float s[4][2][MAX_TW], o[2][2 * MAX_TW];
    for (int ty = 0; ty < d->th; ty++) {
        const float *m = src + (size_t)ty * tw;
        for (int k = 0; k < 4; k++) {
            const float *m0 = m + (4 * k) * xs, *m1 = m0 + xs,
                        *m2 = m1 + xs, *m3 = m2 + xs;
            for (int t = 0; t < tw; t++) {
                s[k][0][t] = m0[t] + m1[t] + m2[t];
                s[k][1][t] = m1[t] - m2[t] - m3[t];
            }
        }
        for (int c = 0; c < 2; c++)
            for (int t = 0; t < tw; t++) {
                o[0][2 * t + c] = s[0][c][t] + s[1][c][t] + s[2][c][t] + bias;
                o[1][2 * t + c] = s[1][c][t] - s[2][c][t] - s[3][c][t] + bias;
            }
        for (int k = 0; k < 2 && 2 * ty + k < d->oh; k++) {
            float *y = plane + (size_t)(2 * ty + k) * d->ow;
            if (relu)
                for (int x = 0; x < d->ow; x++)
                    y[x] = o[k][x] > 0.0f ? o[k][x] : 0.0f;
            else
                memcpy(y, o[k], sizeof(float) * (size_t)d->ow);
        }
    }
}

/* Writes padded rows r, r + 1 of the window to the input-gradient plane. */
static void flush_rows(float (*win)[2 * MAX_TW + 2], int r,
                       const wino_dims *d, float *plane)
{
    for (int k = 0; k < 2; k++) {
        int iy = r + k - d->pad;
        if (iy >= 0 && iy < d->h)
            memcpy(plane + (size_t)iy * d->w, win[k] + d->pad,
                   sizeof(float) * (size_t)d->w);
    }
}

/* Input-gradient plane from X tiles: B x B^T, B = [1 0 0 0; 0 1 -1 1;
 * -1 1 1 0; 0 0 0 -1], summed where tiles overlap.  A window of four
 * padded rows slides down two rows per tile row. */
SIMD_CLONES
static void input_grad_tiles(const float *src, size_t xs, const wino_dims *d,
                             float *plane)
{
    int n = 2 * d->tw + 2, tw = d->tw;
    float win[4][2 * MAX_TW + 2], h[4][4][MAX_TW];
    memset(win, 0, sizeof win);
    for (int ty = 0; ty < d->th; ty++) {
        const float *m = src + (size_t)ty * tw;
        /* columns: h[row][col] over tiles */
        for (int k = 0; k < 4; k++) {
            const float *x0 = m + (4 * k) * xs, *x1 = x0 + xs, *x2 = x1 + xs,
                        *x3 = x2 + xs;
            for (int t = 0; t < tw; t++) {
                h[k][0][t] = x0[t];
                h[k][1][t] = x1[t] - x2[t] + x3[t];
                h[k][2][t] = x1[t] + x2[t] - x0[t];
                h[k][3][t] = -x3[t];
            }
        }
        /* rows, added into the window (overlaps: tile t's columns 2, 3
         * are tile t + 1's 0, 1) */
        for (int c = 0; c < 4; c++)
            for (int t = 0; t < tw; t++) {
                float v0 = h[0][c][t];
                float v1 = h[1][c][t] - h[2][c][t] + h[3][c][t];
                float v2 = h[1][c][t] + h[2][c][t] - h[0][c][t];
                float v3 = -h[3][c][t];
                win[0][2 * t + c] += v0;
                win[1][2 * t + c] += v1;
                win[2][2 * t + c] += v2;
                win[3][2 * t + c] += v3;
            }
        flush_rows(win, 2 * ty, d, plane);
        memcpy(win[0], win[2], sizeof(float) * (size_t)n);
        memcpy(win[1], win[3], sizeof(float) * (size_t)n);
        memset(win[2], 0, sizeof(float) * (size_t)n);
        memset(win[3], 0, sizeof(float) * (size_t)n);
    }
    flush_rows(win, 2 * d->th, d, plane);
}

/* ---- the passes --------------------------------------------------------- */

typedef struct wino_job {
    const wino_dims *d;
    const float *src; /* x, dy (planes) or M, X (tiles) */
    float *dst;
    const float *bias;
    size_t t;  /* tiles in the chunk: xi stride is channels x t */
    int n0, c; /* first image, channels of the unit's tensor */
    int relu;
} wino_job;

/* Units are (image j of the chunk, channel ch). */
static void input_units(void *arg, size_t u0, size_t u1)
{
    const wino_job *j = arg;
    const wino_dims *d = j->d;
    size_t plane = (size_t)d->h * d->w, xs = (size_t)d->cin * j->t;
    for (size_t u = u0; u < u1; u++) {
        size_t i = u / (size_t)d->cin, ch = u % (size_t)d->cin;
        input_tiles(j->src + ((j->n0 + i) * (size_t)d->cin + ch) * plane, d,
                    j->dst + ch * j->t + i * d->tpi, xs);
    }
}

static void grad_units(void *arg, size_t u0, size_t u1)
{
    const wino_job *j = arg;
    const wino_dims *d = j->d;
    size_t plane = (size_t)d->oh * d->ow, xs = (size_t)d->cout * j->t;
    for (size_t u = u0; u < u1; u++) {
        size_t i = u / (size_t)d->cout, ch = u % (size_t)d->cout;
        grad_tiles(j->src + ((j->n0 + i) * (size_t)d->cout + ch) * plane, d,
                   j->dst + ch * j->t + i * d->tpi, xs);
    }
}

static void output_units(void *arg, size_t u0, size_t u1)
{
    const wino_job *j = arg;
    const wino_dims *d = j->d;
    size_t plane = (size_t)d->oh * d->ow, xs = (size_t)d->cout * j->t;
    for (size_t u = u0; u < u1; u++) {
        size_t i = u / (size_t)d->cout, ch = u % (size_t)d->cout;
        output_tiles(j->src + ch * j->t + i * d->tpi, xs, d,
                     j->bias ? j->bias[ch] : 0.0f, j->relu,
                     j->dst + ((j->n0 + i) * (size_t)d->cout + ch) * plane);
    }
}

static void input_grad_units(void *arg, size_t u0, size_t u1)
{
    const wino_job *j = arg;
    const wino_dims *d = j->d;
    size_t plane = (size_t)d->h * d->w, xs = (size_t)d->cin * j->t;
    for (size_t u = u0; u < u1; u++) {
        size_t i = u / (size_t)d->cin, ch = u % (size_t)d->cin;
        input_grad_tiles(j->src + ch * j->t + i * d->tpi, xs, d,
                         j->dst + ((j->n0 + i) * (size_t)d->cin + ch) * plane);
    }
}

/* Runs one transform over nb images x c channels. */
static void transform(emo__range_fn fn, const wino_dims *d, const float *src,
                      float *dst, int n0, int nb, int c, const float *bias,
                      int relu, int threads)
{
    wino_job j = {d, src, dst, bias, (size_t)nb * d->tpi, n0, c, relu};
    emo__parallel_for(threads, (size_t)nb * c, 1 + 16384 / (size_t)d->tpi,
                      fn, &j);
}

void emo__wino_forward(const emo__layer *l, const float *W,
                       const float *bias, int relu, const float *x, float *y,
                       int batch, emo__ctx *ctx)
{
    wino_dims d = wdims(l);
    int nb_max = chunk_images(&d, batch);
    size_t uw = (size_t)d.cout * d.cin;
    float *U = ctx->col, *V = U + 2 * NXI * uw;
    float *M = V + NXI * (size_t)nb_max * d.tpi * d.cin;
    filter_transform(W, d.cout, d.cin, U);
    for (int n0 = 0; n0 < batch; n0 += nb_max) {
        int nb = batch - n0 < nb_max ? batch - n0 : nb_max;
        int t = nb * d.tpi;
        transform(input_units, &d, x, V, n0, nb, d.cin, NULL, 0,
                  ctx->threads);
        for (int xi = 0; xi < NXI; xi++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d.cout, t,
                        d.cin, 1.0f, U + xi * uw, d.cin,
                        V + (size_t)xi * d.cin * t, t, 0.0f,
                        M + (size_t)xi * d.cout * t, t);
        transform(output_units, &d, M, y, n0, nb, d.cout, bias, relu,
                  ctx->threads);
    }
}

void emo__wino_backward(emo__layer *l, const float *x, const float *dy,
                        float *dx, int batch, int param_grads, emo__ctx *ctx)
{
    wino_dims d = wdims(l);
    int nb_max = chunk_images(&d, batch);
    size_t uw = (size_t)d.cout * d.cin;
    float *U = ctx->col, *dU = U + NXI * uw, *V = dU + NXI * uw;
    float *D = V + NXI * (size_t)nb_max * d.tpi * d.cin;
    if (dx)
        filter_transform(l->p[0].data, d.cout, d.cin, U);
    for (int n0 = 0; n0 < batch; n0 += nb_max) {
        int nb = batch - n0 < nb_max ? batch - n0 : nb_max;
        int t = nb * d.tpi;
        transform(grad_units, &d, dy, D, n0, nb, d.cout, NULL, 0,
                  ctx->threads);
        if (param_grads) {
            transform(input_units, &d, x, V, n0, nb, d.cin, NULL, 0,
                      ctx->threads);
            for (int xi = 0; xi < NXI; xi++)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, d.cout,
                            d.cin, t, 1.0f, D + (size_t)xi * d.cout * t, t,
                            V + (size_t)xi * d.cin * t, t, n0 ? 1.0f : 0.0f,
                            dU + xi * uw, d.cin);
        }
        if (!dx)
            continue;
        /* X overwrites V: this chunk's filter gradient is done with it */
        for (int xi = 0; xi < NXI; xi++)
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d.cin, t,
                        d.cout, 1.0f, U + xi * uw, d.cin,
                        D + (size_t)xi * d.cout * t, t, 0.0f,
                        V + (size_t)xi * d.cin * t, t);
        transform(input_grad_units, &d, V, dx, n0, nb, d.cin, NULL, 0,
                  ctx->threads);
    }
    if (param_grads)
        filter_gradient(dU, d.cout, d.cin, l->p[0].grad);
}
