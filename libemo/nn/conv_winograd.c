/*
 * conv_winograd.c - 3x3 stride-1 convolution by Winograd's F(2x2,3x3):
 * forward, backward-data and backward-filter.
 *
 * Each 2x2 output tile is A^T [(G g G^T) . (B^T d B)] A for the 4x4 input
 * tile d under it (tiles overlap by two pixels) and the 3x3 filter g; the
 * sum over input channels of the 16 elementwise products becomes 16 matrix
 * products, one per tile position xi, run by OpenBLAS (T = tiles of a
 * chunk of whole images, rows of V, M, D, X):
 *
 *   forward      M[xi] (T x cout)  = V[xi] (T x cin) . U[xi]^T
 *   backward dx  X[xi] (T x cin)   = D[xi] (T x cout) . U[xi] (cout x cin)
 *   backward dW  dU[xi] (cout x cin) += D[xi]^T . V[xi]
 *
 * with U = G g G^T, V = B^T d B, D = A dY A^T (the output gradient taken
 * back through the output transform), dx tiles B X B^T summed where they
 * overlap, dW = G^T dU G.  The backward passes are the exact gradient of
 * the forward formula, which is exact arithmetic for the convolution: only
 * rounding differs from im2col (see tests/check_conv_fast.c).  The
 * products do 16 / 36 of im2col's multiplications and the transformed
 * tensors (16 floats per tile and channel) are smaller than im2col's
 * columns (36).
 *
 * Tiles are rows and channels columns so that the transforms run along
 * the channels, contiguous whatever the map size (a 6x6 map has 3 tiles a
 * row): each image is first copied to a zero-padded [y][x][channel] grid.
 * The transforms are built at -O3 and cloned for AVX2 (chosen when the
 * library loads, by the CPU), so a generic x86-64 build vectorises them
 * with AVX2 on either family; elsewhere they are plain C.
 */
#include "nn/nn.h"

#include <cblas.h>
#include <string.h>

/* x86-64 GCC: the per-image transforms in two copies, AVX2 + FMA
 * (x86-64-v3) and the build's own ISA, picked at load time (ifunc) by
 * the CPU.  No AVX-512 copy: with GCC's generic tuning (an x86-64-v3
 * build) it ran the default net's conv2 backward 15-20 % slower than the
 * AVX2 copy on the Xeon (the transforms are memory-bound; 512-bit vectors
 * buy nothing).  Elsewhere (arm64, s390x, clang) the plain build. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&     \
    defined(__ELF__)
#define SIMD_CLONES                                                         \
    __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define SIMD_CLONES
#endif

/* The tile transforms' channel loops write 16 (or read 16) rows of one
 * array whose distance the compiler cannot see: they never overlap. */
#define IVDEP _Pragma("GCC ivdep")

#define NXI 16          /* tile positions of F(2x2,3x3) */
/* Tiles per chunk (whole images; at least one image): 512 measured
 * 7-22 % faster than 1024 or 2048 in the default net's conv2 and conv3b
 * backward (V and D nearer the caches), equal to 256 (docs/benchmarks.md). */
#define CHUNK_TILES 512

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
           l->groups == 1 && l->pad <= 2;
}

static int chunk_images(const wino_dims *d, int batch)
{
    int nb = CHUNK_TILES / d->tpi;
    if (nb < 1)
        nb = 1;
    return nb < batch ? nb : batch;
}

static size_t grid_floats(const wino_dims *d);

/* Floats between the 16 matrices of V, M or D: t x channels plus one
 * cache line, so that the transforms' 16 streams do not fall on one cache
 * set when t x channels x 4 bytes is a multiple of 4096 (as with 1008
 * tiles x 64 channels, the default net's conv2 in chunks of 1024 tiles:
 * its backward passes were 1.25x slower). */
static size_t xi_stride(size_t t, int channels)
{
    return t * (size_t)channels + 16;
}

size_t emo__wino_scratch(const emo__layer *l, int batch)
{
    wino_dims d = wdims(l);
    int nb = chunk_images(&d, batch);
    size_t t = (size_t)nb * d.tpi;
    /* U and dU, V (X reuses it), M or D, a grid per image */
    return 2 * NXI * xi_stride((size_t)d.cin * d.cout, 1) +
           NXI * (xi_stride(t, d.cin) + xi_stride(t, d.cout)) +
           (size_t)nb * grid_floats(&d);
}

/* ---- filter transforms ------------------------------------------------ */

/* U[xi][co][ci] = G g G^T, G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]. */
static void filter_transform(const float *W, int cout, int cin, float *U)
{
    size_t pl = (size_t)cout * cin, xs = xi_stride(pl, 1);
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
            U[xi * xs + k] = u[xi / 4][xi % 4];
    }
}

/* dW[co][ci] += G^T dU G, the transpose of filter_transform. */
static void filter_gradient(const float *dU, int cout, int cin, float *dW)
{
    size_t pl = (size_t)cout * cin, xs = xi_stride(pl, 1);
    for (size_t k = 0; k < pl; k++) {
        float u[4][4], t[3][4];
        for (int xi = 0; xi < NXI; xi++)
            u[xi / 4][xi % 4] = dU[xi * xs + k];
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

/* ---- layout changes ------------------------------------------------- */

/* The transforms run along the channels (contiguous, any map size
 * vectorises), so each image is first laid out as a zero-padded grid
 * [gh][gw][C]: channel-planar img (h x w) lands at offset (off, off). */
static inline void to_grid(const float *img, int C, int h, int w, int off, int gh,
                    int gw, float *restrict P)
{
    size_t n = (size_t)gh * gw * C;
    for (size_t i = 0; i < n; i++)
        P[i] = 0.0f;
    for (int y = 0; y < h && y + off < gh; y++)
        for (int x = 0; x < w && x + off < gw; x++) {
            float *p = P + ((size_t)(y + off) * gw + x + off) * C;
            const float *s = img + (size_t)y * w + x;
            for (int c = 0; c < C; c++)
                p[c] = s[(size_t)c * h * w];
        }
}

/* The reverse for h x w at (off, off), plus bias and optional ReLU. */
static inline void from_grid(const float *P, int C, int gw, int off, int h, int w,
                      const float *bias, int relu, float *restrict img)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const float *p = P + ((size_t)(y + off) * gw + x + off) * C;
            float *o = img + (size_t)y * w + x;
            size_t hw = (size_t)h * w;
            if (bias && relu)
                for (int c = 0; c < C; c++) {
                    float v = p[c] + bias[c];
                    o[c * hw] = v > 0.0f ? v : 0.0f;
                }
            else if (bias)
                for (int c = 0; c < C; c++)
                    o[c * hw] = p[c] + bias[c];
            else if (relu)
                for (int c = 0; c < C; c++)
                    o[c * hw] = p[c] > 0.0f ? p[c] : 0.0f;
            else
                for (int c = 0; c < C; c++)
                    o[c * hw] = p[c];
        }
}

/* ---- tile transforms: one tile, all channels ---------------------------
 * Tile rows are gw * C floats apart in a grid; the 16 transformed values
 * go to dst + xi * xs, C consecutive channels each. */

/* V = B^T d B, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]. */
static inline void input_tile(const float *d, size_t rs, int C, float *restrict v,
                       size_t xs)
{
    IVDEP
    for (int c = 0; c < C; c++) {
        float t[4][4];
        for (int k = 0; k < 4; k++) {
            const float *r = d + (size_t)k * C + c;
            float d0 = r[0], d1 = r[rs], d2 = r[2 * rs], d3 = r[3 * rs];
            t[0][k] = d0 - d2;
            t[1][k] = d1 + d2;
            t[2][k] = d2 - d1;
            t[3][k] = d1 - d3;
        }
        for (int k = 0; k < 4; k++) {
            float *o = v + 4 * k * xs + c;
            o[0] = t[k][0] - t[k][2];
            o[xs] = t[k][1] + t[k][2];
            o[2 * xs] = t[k][2] - t[k][1];
            o[3 * xs] = t[k][1] - t[k][3];
        }
    }
}

/* D = A g A^T of a 2x2 output-gradient tile, A = [1 0; 1 1; 1 -1; 0 -1]. */
static inline void grad_tile(const float *g, size_t rs, int C, float *restrict v,
                      size_t xs)
{
    IVDEP
    for (int c = 0; c < C; c++) {
        float g00 = g[c], g01 = g[C + c], g10 = g[rs + c],
              g11 = g[rs + C + c];
        float r[4][2] = {{g00, g01},
                         {g00 + g10, g01 + g11},
                         {g00 - g10, g01 - g11},
                         {-g10, -g11}};
        for (int k = 0; k < 4; k++) {
            float *o = v + 4 * k * xs + c;
            o[0] = r[k][0];
            o[xs] = r[k][0] + r[k][1];
            o[2 * xs] = r[k][0] - r[k][1];
            o[3 * xs] = -r[k][1];
        }
    }
}

/* 2x2 output tile A^T m A, A^T = [1 1 1 0; 0 1 -1 -1]. */
static inline void output_tile(const float *m, size_t xs, int C, float *restrict y,
                        size_t rs)
{
    IVDEP
    for (int c = 0; c < C; c++) {
        float s[4][2];
        for (int k = 0; k < 4; k++) {
            const float *r = m + 4 * k * xs + c;
            s[k][0] = r[0] + r[xs] + r[2 * xs];
            s[k][1] = r[xs] - r[2 * xs] - r[3 * xs];
        }
        for (int b = 0; b < 2; b++) {
            y[b * C + c] = s[0][b] + s[1][b] + s[2][b];
            y[rs + b * C + c] = s[1][b] - s[2][b] - s[3][b];
        }
    }
}

/* 4x4 input-gradient tile B x B^T, B = [1 0 0 0; 0 1 -1 1; -1 1 1 0;
 * 0 0 0 -1], added into the grid (neighbouring tiles overlap). */
static inline void input_grad_tile(const float *x, size_t xs, int C,
                            float *restrict d, size_t rs)
{
    IVDEP
    for (int c = 0; c < C; c++) {
        float h[4][4];
        for (int k = 0; k < 4; k++) {
            const float *r = x + 4 * k * xs + c;
            float x0 = r[0], x1 = r[xs], x2 = r[2 * xs], x3 = r[3 * xs];
            h[k][0] = x0;
            h[k][1] = x1 - x2 + x3;
            h[k][2] = x1 + x2 - x0;
            h[k][3] = -x3;
        }
        for (int b = 0; b < 4; b++) {
            float *o = d + (size_t)b * C + c;
            o[0] += h[0][b];
            o[rs] += h[1][b] - h[2][b] + h[3][b];
            o[2 * rs] += h[1][b] + h[2][b] - h[0][b];
            o[3 * rs] -= h[3][b];
        }
    }
}

/* ---- the passes --------------------------------------------------------- */

typedef struct wino_job {
    const wino_dims *d;
    const float *x, *dy;  /* inputs (batch tensors) */
    float *y, *dx;        /* outputs (batch tensors) */
    float *V, *M;         /* transformed data: [xi][tile][channel] */
    float *grid;          /* one padded grid per image of the chunk */
    const float *bias;
    size_t t;             /* tiles in the chunk */
    int n0, relu, want_v; /* first image; backward: transform x too */
} wino_job;

static size_t grid_floats(const wino_dims *d)
{
    int c = d->cin > d->cout ? d->cin : d->cout;
    return (size_t)(2 * d->th + 2) * (2 * d->tw + 2) * c;
}

/* The per-image transforms: cloned per instruction set (SIMD_CLONES),
 * the tile and layout functions above inlined into each clone. */

/* x of image i -> V (its tiles). */
SIMD_CLONES
static void image_input(const wino_job *j, size_t i, float *P)
{
    const wino_dims *d = j->d;
    int gw = 2 * d->tw + 2, C = d->cin;
    size_t xs = xi_stride(j->t, C), rs = (size_t)gw * C;
    to_grid(j->x + (j->n0 + i) * (size_t)C * d->h * d->w, C, d->h, d->w,
            d->pad, 2 * d->th + 2, gw, P);
    for (int ty = 0; ty < d->th; ty++)
        for (int tx = 0; tx < d->tw; tx++)
            input_tile(P + 2 * ty * rs + (size_t)2 * tx * C, rs, C,
                       j->V + (i * d->tpi + (size_t)ty * d->tw + tx) * C, xs);
}

/* M -> y of image i, with bias and ReLU. */
SIMD_CLONES
static void image_output(const wino_job *j, size_t i, float *P)
{
    const wino_dims *d = j->d;
    int gw = 2 * d->tw, C = d->cout;
    size_t xs = xi_stride(j->t, C), rs = (size_t)gw * C;
    for (int ty = 0; ty < d->th; ty++)
        for (int tx = 0; tx < d->tw; tx++)
            output_tile(j->M + (i * d->tpi + (size_t)ty * d->tw + tx) * C, xs,
                        C, P + 2 * ty * rs + (size_t)2 * tx * C, rs);
    from_grid(P, C, gw, 0, d->oh, d->ow, j->bias, j->relu,
              j->y + (j->n0 + i) * (size_t)C * d->oh * d->ow);
}

/* dy of image i -> D. */
SIMD_CLONES
static void image_grad(const wino_job *j, size_t i, float *P)
{
    const wino_dims *d = j->d;
    int gw = 2 * d->tw, C = d->cout;
    size_t xs = xi_stride(j->t, C), rs = (size_t)gw * C;
    to_grid(j->dy + (j->n0 + i) * (size_t)C * d->oh * d->ow, C, d->oh, d->ow,
            0, 2 * d->th, gw, P);
    for (int ty = 0; ty < d->th; ty++)
        for (int tx = 0; tx < d->tw; tx++)
            grad_tile(P + 2 * ty * rs + (size_t)2 * tx * C, rs, C,
                      j->M + (i * d->tpi + (size_t)ty * d->tw + tx) * C, xs);
}

/* X (in V) -> dx of image i. */
SIMD_CLONES
static void image_input_grad(const wino_job *j, size_t i, float *P)
{
    const wino_dims *d = j->d;
    int gh = 2 * d->th + 2, gw = 2 * d->tw + 2, C = d->cin;
    size_t xs = xi_stride(j->t, C), rs = (size_t)gw * C;
    size_t n = (size_t)gh * rs;
    for (size_t k = 0; k < n; k++)
        P[k] = 0.0f;
    for (int ty = 0; ty < d->th; ty++)
        for (int tx = 0; tx < d->tw; tx++)
            input_grad_tile(j->V + (i * d->tpi + (size_t)ty * d->tw + tx) * C,
                            xs, C, P + 2 * ty * rs + (size_t)2 * tx * C, rs);
    from_grid(P, C, gw, d->pad, d->h, d->w, NULL, 0,
              j->dx + (j->n0 + i) * (size_t)C * d->h * d->w);
}

/* Units: images of the chunk, each with its own grid. */
static void forward_in_units(void *arg, size_t i0, size_t i1)
{
    const wino_job *j = arg;
    for (size_t i = i0; i < i1; i++)
        image_input(j, i, j->grid + i * grid_floats(j->d));
}

static void forward_out_units(void *arg, size_t i0, size_t i1)
{
    const wino_job *j = arg;
    for (size_t i = i0; i < i1; i++)
        image_output(j, i, j->grid + i * grid_floats(j->d));
}

/* dy -> D, and x -> V when the filter gradient is wanted. */
static void backward_in_units(void *arg, size_t i0, size_t i1)
{
    const wino_job *j = arg;
    for (size_t i = i0; i < i1; i++) {
        float *P = j->grid + i * grid_floats(j->d);
        image_grad(j, i, P);
        if (j->want_v)
            image_input(j, i, P);
    }
}

static void backward_out_units(void *arg, size_t i0, size_t i1)
{
    const wino_job *j = arg;
    for (size_t i = i0; i < i1; i++)
        image_input_grad(j, i, j->grid + i * grid_floats(j->d));
}

static void run_units(emo__range_fn fn, wino_job *j, int nb, int threads)
{
    emo__parallel_for(threads, (size_t)nb, 1 + 4096 / (size_t)j->d->tpi, fn,
                      j);
}

/* Scratch: U, dU | V | M (or D) | grids. */
static wino_job job_of(const wino_dims *d, float *col, int nb_max)
{
    size_t uw = xi_stride((size_t)d->cout * d->cin, 1);
    size_t tm = (size_t)nb_max * d->tpi;
    wino_job j;
    memset(&j, 0, sizeof j);
    j.d = d;
    j.V = col + 2 * NXI * uw;
    j.M = j.V + NXI * xi_stride(tm, d->cin);
    j.grid = j.M + NXI * xi_stride(tm, d->cout);
    return j;
}

size_t emo__wino_filter_floats(const emo__layer *l)
{
    return NXI * xi_stride((size_t)l->out.c * l->in.c, 1);
}

void emo__wino_filter(const emo__layer *l, const float *W, float *U)
{
    filter_transform(W, l->out.c, l->in.c, U);
}

void emo__wino_forward(const emo__layer *l, const float *W,
                       const float *bias, int relu, const float *x, float *y,
                       int batch, emo__ctx *ctx)
{
    /* U goes first in the scratch (job_of leaves it room) */
    filter_transform(W, l->out.c, l->in.c, ctx->col);
    emo__wino_forward_u(l, ctx->col, bias, relu, x, y, batch, ctx);
}

void emo__wino_forward_u(const emo__layer *l, const float *U,
                         const float *bias, int relu, const float *x,
                         float *y, int batch, emo__ctx *ctx)
{
    wino_dims d = wdims(l);
    int nb_max = chunk_images(&d, batch);
    size_t uw = xi_stride((size_t)d.cout * d.cin, 1);
    wino_job j = job_of(&d, ctx->col, nb_max);
    j.x = x;
    j.y = y;
    j.bias = bias;
    j.relu = relu;
    for (int n0 = 0; n0 < batch; n0 += nb_max) {
        int nb = batch - n0 < nb_max ? batch - n0 : nb_max;
        int t = nb * d.tpi;
        j.n0 = n0;
        j.t = (size_t)t;
        run_units(forward_in_units, &j, nb, ctx->threads);
        for (int xi = 0; xi < NXI; xi++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, t, d.cout,
                        d.cin, 1.0f, j.V + xi * xi_stride(t, d.cin), d.cin,
                        U + xi * uw, d.cin, 0.0f,
                        j.M + xi * xi_stride(t, d.cout), d.cout);
        run_units(forward_out_units, &j, nb, ctx->threads);
    }
}

void emo__wino_backward(emo__layer *l, const float *x, const float *dy,
                        float *dx, int batch, int param_grads, emo__ctx *ctx)
{
    if (batch < 1) /* dU would stay unwritten */
        return;
    wino_dims d = wdims(l);
    int nb_max = chunk_images(&d, batch);
    size_t uw = xi_stride((size_t)d.cout * d.cin, 1);
    float *U = ctx->col, *dU = U + NXI * uw;
    wino_job j = job_of(&d, ctx->col, nb_max);
    j.x = x;
    j.dy = dy;
    j.dx = dx;
    j.want_v = param_grads;
    if (dx)
        filter_transform(l->p[0].data, d.cout, d.cin, U);
    for (int n0 = 0; n0 < batch; n0 += nb_max) {
        int nb = batch - n0 < nb_max ? batch - n0 : nb_max;
        int t = nb * d.tpi;
        j.n0 = n0;
        j.t = (size_t)t;
        run_units(backward_in_units, &j, nb, ctx->threads);
        const float *D = j.M;
        if (param_grads)
            for (int xi = 0; xi < NXI; xi++)
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d.cout,
                            d.cin, t, 1.0f, D + xi * xi_stride(t, d.cout),
                            d.cout, j.V + xi * xi_stride(t, d.cin), d.cin,
                            n0 ? 1.0f : 0.0f, dU + xi * uw, d.cin);
        if (!dx)
            continue;
        /* X overwrites V: this chunk's filter gradient is done with it */
        for (int xi = 0; xi < NXI; xi++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, t, d.cin,
                        d.cout, 1.0f, D + xi * xi_stride(t, d.cout), d.cout,
                        U + xi * uw, d.cin, 0.0f,
                        j.V + xi * xi_stride(t, d.cin), d.cin);
        run_units(backward_out_units, &j, nb, ctx->threads);
    }
    if (param_grads)
        filter_gradient(dU, d.cout, d.cin, l->p[0].grad);
}
