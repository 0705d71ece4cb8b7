/*
 * conv_winograd.c - 3x3 stride-1 convolution by Winograd's F(2x2,3x3),
 * F(3x3,3x3) and F(4x4,3x3): forward, backward-data and backward-filter.
 *
 * Each m x m output tile (m = 2, 3 or 4) is A^T [(G g G^T) . (B^T d B)] A
 * for the a x a input tile d under it (a = m + 2; tiles overlap by two
 * pixels) and the 3x3 filter g; the sum over input channels of the a^2
 * elementwise products becomes a^2 matrix products, one per tile
 * position xi, run by OpenBLAS (T = tiles of a chunk of whole images,
 * rows of V, M, D, X):
 *
 *   forward      M[xi] (T x cout)  = V[xi] (T x cin) . U[xi]^T
 *   backward dx  X[xi] (T x cin)   = D[xi] (T x cout) . U[xi] (cout x cin)
 *   backward dW  dU[xi] (cout x cin) += D[xi]^T . V[xi]
 *
 * with U = G g G^T, V = B^T d B, D = A dY A^T (the output gradient taken
 * back through the output transform), dx tiles B X B^T summed where they
 * overlap, dW = G^T dU G.  The backward passes are the exact gradient of
 * the forward formula, which is exact arithmetic for the convolution: only
 * rounding differs from im2col (see tests/check_conv_fast.c).  Per
 * output pixel the products do 16/36 (m = 2), 25/81 (m = 3) or 9/36
 * (m = 4) of im2col's multiplications, and the transformed tensors (4,
 * 2.8 or 2.25 floats per pixel and channel) are smaller than im2col's
 * columns (9).  The larger tiles round worse (F(4x4,3x3): points 0,
 * +-1, +-2); all stay within the tests' bound against im2col.  Which m a
 * layer takes is wino_tile's rule.
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
#include <stdlib.h>
#include <string.h>

/* The per-image transforms are cloned per instruction set
 * (EMO__SIMD_CLONES, nn.h).  No AVX-512 copy: with GCC's generic tuning
 * (an x86-64-v3 build) it ran the default net's conv2 backward 15-20 %
 * slower than the AVX2 copy on the Xeon (the transforms are
 * memory-bound; 512-bit vectors buy nothing). */
#define SIMD_CLONES EMO__SIMD_CLONES

/* Transformed values per chunk (tiles x positions; whole images, at least
 * one): 512 tiles of F(2x2,3x3) measured 7-22 % faster than 1024 or 2048
 * in the default net's conv2 and conv3b backward (V and D nearer the
 * caches), equal to 256 (docs/benchmarks.md). */
#define CHUNK_VALUES (512 * 16)

/* Products on the packed filter forms (gemm_packed.c's kernel reads V
 * and D in place; OpenBLAS copied them into its own blocks): chunks of
 * 128 tiles of F(2x2,3x3), V and D staying in L2, made the default
 * net's training step 0.96x at 1 and 2 threads (build/nn_bench, 5
 * interleaved runs, Xeon); 96 and 256 were within noise of it, 64
 * slower.  Inference on one thread (or in slices, forward.c) took
 * 0.80-0.86x the time of OpenBLAS on 512-tile chunks at batch 32 and
 * 64 (session 14); session 12 had measured packed products on
 * 512-tile chunks 1.10x slower than OpenBLAS there. */
#define CHUNK_VALUES_PACKED (128 * 16)

typedef struct wino_dims {
    int cin, cout, h, w, oh, ow, pad;
    int m, a, nxi;   /* output tile side, input tile side, positions */
    int th, tw, tpi; /* tiles per column, per row, per image */
} wino_dims;

/* Tests and benchmarks: 2, 3 or 4 forces that tile on every layer. */
static int tile_override;

void emo__wino_force_tile(int m)
{
    tile_override = m >= 2 && m <= 4 ? m : 0;
}

/* F(4x4,3x3) where its tiles fit the map: 36 products per 16 pixels
 * against F(2x2,3x3)'s 16 per 4, but a 6x6 map padded to 8x8 makes as
 * many products as F(2x2,3x3) (1.3-1.4x slower there).  Its transformed
 * filters are 2.25x larger, so a call also needs enough tiles to
 * amortise reading them: with OpenBLAS's products (U packed on every
 * call) 36 tiles per call were 1.0-1.2x slower than F(2x2) and 9 tiles
 * 1.7x (session 12); on U packed once for the kernel (where
 * emo__packed_available) the 9 tiles of a 12x12 map at batch 1 pay.
 * Measured on the Xeon (docs/benchmarks.md, session 15): build/nn_bench
 * fwd at batch 1, F(4x4) on the 24x24 and 12x12 layers: VGG 0.86x at the
 * AVX2 level, 0.90x at AVX-512, default 0.87x and 0.95x; build/conv_bench
 * at batch 64 (OpenBLAS's products): F(4x4) 0.63-0.72 of F(2x2)'s
 * forward time with 8 to 32 input channels on 24x24 and 48x48 maps (so
 * no channel minimum beyond Winograd's own, conv.c), and the default
 * net's training step 0.97-0.98x with its 32-channel conv2 on F(4x4). */
#define WINO_F4_MIN_SIDE 12
#define WINO_F4_MIN_TILES 64
#define WINO_F4_MIN_TILES_PACKED 9

/* F(3x3,3x3) where F(4x4)'s tiles would not fit the map (F(4x4) pads a
 * 6x6 map to 8x8) and it makes fewer products than F(2x2) (6x6 maps: 100
 * per image and channel pair against 144), with F(4x4)'s tile minimum.
 * No channel minimum: build/conv_bench at batch 64 on 6x6 maps had
 * F(3x3) at 0.63-0.85 of F(2x2)'s time with 16 and 32 input channels
 * (session 15), as with 64 and more.  Measured with build/nn_bench on
 * the Xeon (docs/benchmarks.md, session 14) on the default and VGG nets'
 * 6x6 layers: training steps 0.97-0.98x at batch 64; inference at 16
 * images and more 0.93-0.96x, at 1-8 images (4-32 tiles) 1.0-1.17x
 * slower (the transformed filters, 25/16 of F(2x2)'s, are read for few
 * tiles). */
#define WINO_F3_MIN_TILES 64

static size_t tiles_of(const emo__layer *l, int m, int batch)
{
    return (size_t)batch * (size_t)((l->out.h + m - 1) / m) *
           (size_t)((l->out.w + m - 1) / m);
}

int emo__wino_tile(const emo__layer *l, int batch)
{
    if (tile_override)
        return tile_override;
    const char *e = getenv("EMO_WINO_TILE");
    if (e && e[0] >= '2' && e[0] <= '4' && !e[1])
        return e[0] - '0';
    size_t tiles4 = tiles_of(l, 4, batch);
    if (l->out.h >= WINO_F4_MIN_SIDE && l->out.w >= WINO_F4_MIN_SIDE &&
        (tiles4 >= WINO_F4_MIN_TILES ||
         (tiles4 >= WINO_F4_MIN_TILES_PACKED && emo__packed_available())))
        return 4;
    size_t tiles3 = tiles_of(l, 3, batch);
    if ((l->out.h % 4 || l->out.w % 4) &&
        tiles3 >= WINO_F3_MIN_TILES &&
        tiles3 * 25 < tiles_of(l, 2, batch) * 16)
        return 3;
    return 2;
}

static wino_dims wdims_m(const emo__layer *l, int m)
{
    wino_dims d;
    d.cin = l->in.c;
    d.cout = l->out.c;
    d.h = l->in.h;
    d.w = l->in.w;
    d.oh = l->out.h;
    d.ow = l->out.w;
    d.pad = l->pad;
    d.m = m;
    d.a = d.m + 2;
    d.nxi = d.a * d.a;
    d.th = (d.oh + d.m - 1) / d.m;
    d.tw = (d.ow + d.m - 1) / d.m;
    d.tpi = d.th * d.tw;
    return d;
}


int emo__wino_applies(const emo__layer *l)
{
    return l->type == EMO__L_CONV && l->size == 3 && l->stride == 1 &&
           l->groups == 1 && l->pad <= 2;
}

static int chunk_images(const wino_dims *d, int batch, int values)
{
    int nb = values / d->nxi / d->tpi;
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

static size_t scratch_of(const wino_dims *dp, int batch)
{
    wino_dims d = *dp;
    int nb = chunk_images(&d, batch, CHUNK_VALUES); /* the larger */
    size_t t = (size_t)nb * d.tpi;
    /* U and dU, V (X reuses it), M or D, a grid per image */
    return 2 * (size_t)d.nxi * xi_stride((size_t)d.cin * d.cout, 1) +
           (size_t)d.nxi * (xi_stride(t, d.cin) + xi_stride(t, d.cout)) +
           (size_t)nb * grid_floats(&d);
}

/* For any tile size: a test or benchmark may force another one after
 * the workspace was sized. */
size_t emo__wino_scratch(const emo__layer *l, int batch)
{
    size_t most = 0;
    for (int m = 2; m <= 4; m++) {
        wino_dims d = wdims_m(l, m);
        size_t s = scratch_of(&d, batch);
        most = s > most ? s : most;
    }
    return most;
}

/* ---- filter transforms ------------------------------------------------
 * u = G g G^T of each 3x3 filter g (u[xi], xi = a r + c), the 1-D
 * transform (3 -> a) down the columns, then along the rows; and the
 * filter gradient dW += G^T dU G, its transpose.  On 8 filters at a time
 * (a filter per lane; the last n < 8 through zero lanes): one filter at
 * a time, the transforms of the VGG net's 6x6 layers (512 x 512
 * filters, F(3x3)) were 2-4 % of its training step (perf, Xeon). */

typedef emo__lanes8 f8;

/* body(A) for the tile size m, with A = m + 2 a literal: each tile
 * size's transforms are named by it (g6, bt5, at4, ...; body pastes the
 * name), and each size gets its own inlined copy with constant sizes. */
#define BY_TILE(m, body)                                                   \
    do {                                                                   \
        if ((m) == 4)                                                      \
            body(6);                                                       \
        else if ((m) == 3)                                                 \
            body(5);                                                       \
        else                                                               \
            body(4);                                                       \
    } while (0)

/* The lanes' 1-D transforms G g (3 -> a) and G^T u (a -> 3). */
typedef void (*g_fn)(f8 g0, f8 g1, f8 g2, f8 *u);
typedef void (*gt_fn)(const f8 *u, f8 *g);

/* F(2x2,3x3): G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]. */
EMO__INLINE void g4(f8 g0, f8 g1, f8 g2, f8 *u)
{
    const f8 h = emo__splat8(0.5f);
    u[0] = g0;
    u[1] = h * (g0 + g1 + g2);
    u[2] = h * (g0 - g1 + g2);
    u[3] = g2;
}

EMO__INLINE void gt4(const f8 *u, f8 *g)
{
    const f8 h = emo__splat8(0.5f);
    g[0] = u[0] + h * (u[1] + u[2]);
    g[1] = h * (u[1] - u[2]);
    g[2] = h * (u[1] + u[2]) + u[3];
}

/* F(4x4,3x3), interpolation points 0, 1, -1, 2, -2 and infinity:
 *   G   = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6;
 *          1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
 *   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0;
 *          0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
 *   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1] */
EMO__INLINE void g6(f8 g0, f8 g1, f8 g2, f8 *u)
{
    const f8 s6 = emo__splat8(1.0f / 6.0f), s12 = emo__splat8(1.0f / 12.0f),
             s24 = emo__splat8(1.0f / 24.0f);
    f8 e = g0 + g2;
    u[0] = 0.25f * g0;
    u[1] = -(s6 * (e + g1));
    u[2] = -(s6 * (e - g1));
    u[3] = s24 * g0 + s12 * g1 + s6 * g2;
    u[4] = s24 * g0 - s12 * g1 + s6 * g2;
    u[5] = g2;
}

EMO__INLINE void gt6(const f8 *u, f8 *g)
{
    const f8 s6 = emo__splat8(1.0f / 6.0f), s12 = emo__splat8(1.0f / 12.0f),
             s24 = emo__splat8(1.0f / 24.0f);
    f8 p = u[1] + u[2], q = u[3] + u[4];
    g[0] = 0.25f * u[0] - s6 * p + s24 * q;
    g[1] = s6 * (u[2] - u[1]) + s12 * (u[3] - u[4]);
    g[2] = -(s6 * p) + s6 * q + u[5];
}

/* F(3x3,3x3), interpolation points 0, 1, -1, 2 and infinity (a = 5, 25
 * positions), for 6x6 maps, where F(4x4)'s tiles would be padded to 8x8
 * and F(2x2) makes 144 products per image and channel pair against its
 * 100:
 *   G   = [1/2 0 0; -1/2 -1/2 -1/2; -1/6 1/6 -1/6; 1/6 1/3 2/3; 0 0 1]
 *   B^T = [2 -1 -2 1 0; 0 -2 -1 1 0; 0 2 -3 1 0; 0 -1 0 1 0;
 *          0 2 -1 -2 1]
 *   A^T = [1 1 1 1 0; 0 1 -1 2 0; 0 1 1 4 1]
 * In float32 against a float64 direct convolution (random tiles, 512
 * input channels) its rms error was 2.5e-6 of the outputs' rms, between
 * F(2x2)'s 6.8e-7 and F(4x4)'s 4.4e-6. */
EMO__INLINE void g5(f8 g0, f8 g1, f8 g2, f8 *u)
{
    const f8 s3 = emo__splat8(1.0f / 3.0f), s6 = emo__splat8(1.0f / 6.0f);
    f8 e = g0 + g2;
    u[0] = 0.5f * g0;
    u[1] = -(0.5f * (e + g1));
    u[2] = -(s6 * (e - g1));
    u[3] = s6 * g0 + s3 * g1 + 2.0f * s3 * g2;
    u[4] = g2;
}

EMO__INLINE void gt5(const f8 *u, f8 *g)
{
    const f8 s3 = emo__splat8(1.0f / 3.0f), s6 = emo__splat8(1.0f / 6.0f);
    g[0] = 0.5f * (u[0] - u[1]) + s6 * (u[3] - u[2]);
    g[1] = -(0.5f * u[1]) + s6 * u[2] + s3 * u[3];
    g[2] = -(0.5f * u[1]) - s6 * u[2] + 2.0f * s3 * u[3] + u[4];
}

/* The 9 taps of filters k .. k + n - 1 (W: [filter][9]), a filter per
 * lane. */
EMO__INLINE void load_taps(const float *W, size_t k, int n, f8 tap[9])
{
    float b[9][8] = {{0}};
    for (int l = 0; l < n; l++)
        for (int j = 0; j < 9; j++)
            b[j][l] = W[9 * (k + (size_t)l) + (size_t)j];
    for (int j = 0; j < 9; j++)
        tap[j] = emo__load8(b[j]);
}

EMO__INLINE void filter_u_a(const f8 tap[9], f8 *u, int a, g_fn g_a)
{
    f8 t[6][3];
    for (int c = 0; c < 3; c++) {
        f8 col[6];
        g_a(tap[c], tap[3 + c], tap[6 + c], col);
        for (int r = 0; r < a; r++)
            t[r][c] = col[r];
    }
    for (int r = 0; r < a; r++)
        g_a(t[r][0], t[r][1], t[r][2], u + a * r);
}

/* u of filters k .. k + n - 1 at the layer's tile size. */
EMO__INLINE void filter_u(const wino_dims *d, const float *W, size_t k,
                          int n, f8 *u)
{
    f8 tap[9];
    load_taps(W, k, n, tap);
#define FILTER_U(A) filter_u_a(tap, u, A, g##A)
    BY_TILE(d->m, FILTER_U);
#undef FILTER_U
}

/* Filters k0..k1 (output x input channel pairs) of U[xi][co][ci]. */
static void filter_transform_range(const wino_dims *d, const float *W,
                                   size_t k0, size_t k1, float *U)
{
    size_t xs = xi_stride((size_t)d->cout * d->cin, 1);
    f8 u[36];
    for (size_t k = k0; k < k1; k += 8) {
        size_t n = k1 - k < 8 ? k1 - k : 8;
        filter_u(d, W, k, (int)n, u);
        for (int xi = 0; xi < d->nxi; xi++)
            emo__store8n(U + xi * xs + k, u[xi], (int)n);
    }
}

static void filter_transform(const wino_dims *d, const float *W, float *U)
{
    filter_transform_range(d, W, 0, (size_t)d->cout * d->cin, U);
}

typedef struct filter_job {
    const wino_dims *d;
    const float *W;
    float *U, *Up, *Ut;
} filter_job;

static void filter_units(void *arg, size_t k0, size_t k1)
{
    const filter_job *f = arg;
    filter_transform_range(f->d, f->W, k0, k1, f->U);
}

/* The packed forms, a block of 16 output x 16 input channels per unit:
 * transformed into blk ([xi][co][ci] of the block, 36 KB: in L1), then
 * copied out, each transform point's part being 256 consecutive floats
 * of Ut (rows of blk; none when Ut is NULL) and of Up (columns of blk).
 * Writing the transforms straight to Up and Ut touched 2 x 36 pages per
 * filter: 6 % of the default net's training step (perf, Xeon). */
static void packed_filter_units(void *arg, size_t b0, size_t b1)
{
    enum { P = EMO__PACK_PANEL };
    const filter_job *f = arg;
    const wino_dims *d = f->d;
    size_t cib = ((size_t)d->cin + P - 1) / P;
    size_t pw = emo__packed_floats(d->cout, d->cin);
    size_t ptw = emo__packed_floats(d->cin, d->cout);
    f8 u[36];
    float blk[36 * P * P];
    for (size_t b = b0; b < b1; b++) {
        size_t co0 = b / cib * P, ci0 = b % cib * P;
        size_t nco = (size_t)d->cout - co0 < P ? (size_t)d->cout - co0 : P;
        size_t nci = (size_t)d->cin - ci0 < P ? (size_t)d->cin - ci0 : P;
        for (size_t r = 0; r < nco; r++)
            for (size_t i = 0; i < nci; i += 8) {
                size_t n = nci - i < 8 ? nci - i : 8;
                filter_u(d, f->W, (co0 + r) * d->cin + ci0 + i, (int)n, u);
                for (int xi = 0; xi < d->nxi; xi++)
                    emo__store8n(blk + (xi * P + r) * P + i, u[xi], (int)n);
            }
        float *up = f->Up + emo__packed_at(d->cin, co0, ci0);
        size_t ut = emo__packed_at(d->cout, ci0, co0);
        for (int xi = 0; xi < d->nxi; xi++) {
            const float *bx = blk + (size_t)xi * P * P;
            float *upx = up + xi * pw;
            float *utx = f->Ut ? f->Ut + ut + xi * ptw : NULL;
            if (nco == P && nci == P) { /* constant sizes: inlined */
                if (f->Ut)
                    memcpy(utx, bx, sizeof(float) * P * P);
                for (int i = 0; i < P; i++)
                    for (int r = 0; r < P; r++)
                        upx[i * P + r] = bx[r * P + i];
                continue;
            }
            for (size_t r = 0; f->Ut && r < nco; r++)
                memcpy(utx + r * P, bx + r * P, nci * sizeof(float));
            for (size_t i = 0; i < nci; i++)
                for (size_t r = 0; r < nco; r++)
                    upx[i * P + r] = bx[r * P + i];
        }
    }
}

/* dW[co][ci] += G^T dU G for filters k .. k + n - 1. */
EMO__INLINE void filter_gradient_a(const float *dU, size_t xs, size_t k,
                                   size_t n, float *dW, int a, gt_fn gt_a)
{
    f8 t[3][6], col[6], row[3];
    for (int c = 0; c < a; c++) {
        for (int r = 0; r < a; r++)
            col[r] = emo__load8n(dU + (size_t)(a * r + c) * xs + k, (int)n);
        gt_a(col, row);
        for (int r = 0; r < 3; r++)
            t[r][c] = row[r];
    }
    float g[9][8];
    for (int r = 0; r < 3; r++) {
        gt_a(t[r], row);
        for (int c = 0; c < 3; c++)
            emo__store8(g[3 * r + c], row[c]);
    }
    for (size_t l = 0; l < n; l++)
        for (int j = 0; j < 9; j++)
            dW[9 * (k + l) + (size_t)j] += g[j][l];
}

static void filter_gradient(const wino_dims *d, const float *dU, float *dW)
{
    size_t pl = (size_t)d->cout * d->cin, xs = xi_stride(pl, 1);
    for (size_t k = 0; k < pl; k += 8) {
        size_t n = pl - k < 8 ? pl - k : 8;
#define FILTER_GRADIENT(A) filter_gradient_a(dU, xs, k, n, dW, A, gt##A)
        BY_TILE(d->m, FILTER_GRADIENT);
#undef FILTER_GRADIENT
    }
}

/* ---- layout changes ------------------------------------------------- */

/* The transforms run along the channels (contiguous, any map size
 * vectorises), so each image is first laid out as a zero-padded grid
 * [gh][gw][C]: channel-planar img (h x w) lands at offset (off, off).
 * Only the padding is zeroed, and each channel's row is read in order
 * (the writes are C floats apart).  Inlined into the ISA clones. */
#define LAYOUT_INLINE __attribute__((always_inline)) static inline

LAYOUT_INLINE void zero_floats(float *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = 0.0f;
}

/* The 8 x 8 transposes below on emo__lanes8 (nn.h). */
typedef emo__mask8 i8;

/* r[i][j] -> r[j][i]: pairs interleaved, then pairs of pairs, then the
 * 4-float halves swapped across (unpack, shuffle, permute on AVX2). */
LAYOUT_INLINE void transpose8(f8 r[8])
{
    const i8 lo = {0, 8, 1, 9, 4, 12, 5, 13}, hi = {2, 10, 3, 11, 6, 14, 7, 15};
    const i8 lo2 = {0, 1, 8, 9, 4, 5, 12, 13};
    const i8 hi2 = {2, 3, 10, 11, 6, 7, 14, 15};
    const i8 lo4 = {0, 1, 2, 3, 8, 9, 10, 11};
    const i8 hi4 = {4, 5, 6, 7, 12, 13, 14, 15};
    f8 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = __builtin_shuffle(r[i], r[i + 1], lo);
        t[i + 1] = __builtin_shuffle(r[i], r[i + 1], hi);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = __builtin_shuffle(t[i], t[i + 2], lo2);
        u[i + 1] = __builtin_shuffle(t[i], t[i + 2], hi2);
        u[i + 2] = __builtin_shuffle(t[i + 1], t[i + 3], lo2);
        u[i + 3] = __builtin_shuffle(t[i + 1], t[i + 3], hi2);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = __builtin_shuffle(u[i], u[i + 4], lo4);
        r[i + 4] = __builtin_shuffle(u[i], u[i + 4], hi4);
    }
}

/* Where pixels q .. q + 7 of an h x w plane go in a grid of rows gw
 * pixels wide at (off, off), in floats of C channels: pixels are taken
 * in blocks of 8 across row ends, which 6- and 12-pixel maps need. */
LAYOUT_INLINE void grid_spots(size_t q, int w, int gw, int off, int C,
                              size_t spot[8])
{
    int y = (int)(q / (size_t)w), x = (int)(q % (size_t)w);
    for (int j = 0; j < 8; j++) {
        spot[j] = ((size_t)(y + off) * gw + x + off) * C;
        if (++x == w) {
            x = 0;
            y++;
        }
    }
}

LAYOUT_INLINE size_t grid_spot(size_t q, int w, int gw, int off, int C)
{
    return ((q / (size_t)w + (size_t)off) * gw + q % (size_t)w + off) * C;
}

LAYOUT_INLINE void to_grid(const float *img, int C, int h, int w, int off,
                           int gh, int gw, float *restrict P)
{
    int ch = h < gh - off ? h : gh - off, cw = w < gw - off ? w : gw - off;
    size_t row = (size_t)gw * C, hw = (size_t)h * w;
    zero_floats(P, (size_t)off * row);
    zero_floats(P + (size_t)(off + ch) * row, (size_t)(gh - off - ch) * row);
    for (int y = 0; y < ch; y++) {
        float *r = P + (size_t)(y + off) * row;
        zero_floats(r, (size_t)off * C);
        zero_floats(r + (size_t)(off + cw) * C, (size_t)(gw - off - cw) * C);
    }
    /* 8 channels x 8 pixels at a time, transposed in registers, instead
     * of a scalar copy writing C floats apart: training steps 0.98x
     * (default net, one thread; VGG net, two), inference at batch 32
     * 0.97x (build/nn_bench, interleaved, Xeon).  With from_grid done
     * the same way too, inference at batch 1 was 1.09x slower, with
     * to_grid alone unchanged: from_grid stays scalar. */
    int c0 = ch == h && cw == w ? C / 8 * 8 : 0;
    size_t q8 = hw / 8 * 8;
    for (int c = 0; c < c0; c += 8)
        for (size_t q = 0; q < q8; q += 8) {
            f8 v[8];
            size_t spot[8];
            for (int i = 0; i < 8; i++)
                v[i] = emo__load8(img + (size_t)(c + i) * hw + q);
            transpose8(v);
            grid_spots(q, w, gw, off, C, spot);
            for (int j = 0; j < 8; j++)
                emo__store8(P + spot[j] + c, v[j]);
        }
    if (!c0) { /* the clipped case, or fewer than 8 channels */
        for (int y = 0; y < ch; y++) {
            float *p = P + (size_t)(y + off) * row + (size_t)off * C;
            const float *s = img + (size_t)y * w;
            for (int c = 0; c < C; c++)
                for (int x = 0; x < cw; x++)
                    p[(size_t)x * C + c] = s[(size_t)c * hw + x];
        }
        return;
    }
    /* the channels past the last 8 (all pixels), and the pixels past
     * the last 8 (all channels) */
    for (size_t q = c0 < C ? 0 : q8; q < hw; q++) {
        float *p = P + grid_spot(q, w, gw, off, C);
        for (int c = q < q8 ? c0 : 0; c < C; c++)
            p[c] = img[(size_t)c * hw + q];
    }
}

/* to_grid of a batch norm's deferred input gradient (emo__bn_dy), made
 * from g and x at img_off as batchnorm.c's chan_dx makes it (the same
 * floats), at (0, 0) of the grid. */
LAYOUT_INLINE void bn_dy_to_grid(const emo__bn_dy *b, size_t img_off, int C,
                                 int h, int w, int gh, int gw,
                                 float *restrict P)
{
    size_t row = (size_t)gw * C, hw = (size_t)h * w;
    zero_floats(P + (size_t)h * row, (size_t)(gh - h) * row);
    for (int y = 0; y < h; y++) {
        float *p = P + (size_t)y * row;
        zero_floats(p + (size_t)w * C, (size_t)(gw - w) * C);
        for (int c = 0; c < C; c++) {
            size_t at = img_off + (size_t)c * hw + (size_t)y * w;
            const float *g = b->g + at, *x = b->x + at;
            float mean = b->mean[c], inv = b->inv[c], k1 = b->k1[c],
                  k2 = b->k2[c], gi = b->gamma[c] * inv;
            for (int i = 0; i < w; i++)
                p[(size_t)i * C + c] =
                    gi * (g[i] - k1 - (x[i] - mean) * inv * k2);
        }
    }
}

/* The reverse for h x w at (off, off), plus bias and optional ReLU:
 * 8 pixels x 8 channels at a time through the same transposes, the
 * channels past the last 8 and the pixels past the last 8 one by one.
 * The scalar gather it replaces (each pixel's channels C floats apart)
 * was most of image_output's and image_input_grad's time once the tile
 * transforms ran on vectors (session 14). */
LAYOUT_INLINE float out_value(float v, float b, int relu)
{
    v += b;
    return !relu || v > 0.0f ? v : 0.0f;
}

LAYOUT_INLINE void from_grid(const float *P, int C, int gw, int off, int h,
                             int w, const float *bias, int relu,
                             float *restrict img)
{
    size_t hw = (size_t)h * w, q8 = hw / 8 * 8;
    int c0 = C / 8 * 8;
    const f8 zero = {0};
    for (int c = 0; c < c0; c += 8) {
        f8 b[8];
        for (int i = 0; i < 8; i++)
            b[i] = emo__splat8(bias ? bias[c + i] : 0.0f);
        for (size_t q = 0; q < q8; q += 8) {
            f8 v[8];
            size_t spot[8];
            grid_spots(q, w, gw, off, C, spot);
            for (int j = 0; j < 8; j++)
                v[j] = emo__load8(P + spot[j] + c);
            transpose8(v);
            for (int i = 0; i < 8; i++) {
                f8 o = v[i] + b[i];
                if (relu) /* o where o > 0, else +0, as out_value */
                    o = (f8)((i8)o & (o > zero));
                emo__store8(img + (size_t)(c + i) * hw + q, o);
            }
        }
    }
    for (size_t q = c0 < C ? 0 : q8; q < hw; q++) {
        const float *p = P + grid_spot(q, w, gw, off, C);
        for (int c = q < q8 ? c0 : 0; c < C; c++)
            img[(size_t)c * hw + q] =
                out_value(p[c], bias ? bias[c] : 0.0f, relu);
    }
}

/* ---- tile transforms: one tile, all channels ---------------------------
 * Tile rows are gw * C floats apart in a grid; the transformed values go
 * to dst + xi * xs, C consecutive channels each.  Each runs on 8
 * channels at a time (emo__lanes8, so every ISA clone builds it at its
 * own width), the last n < 8 through a zero-filled vector
 * (emo__load8n, emo__store8n).  Written as
 * scalar loops over the channels, GCC vectorised F(2x2)'s input and
 * gradient tiles but none of F(4x4)'s (two inner loops in the nest): at
 * scalar speed they were 17 % of the VGG net's training step (perf,
 * Xeon); see docs/benchmarks.md, session 14.  Inlined into the clones:
 * the arithmetic, in the same order, is that of the scalar code. */

LAYOUT_INLINE void add_n(float *p, f8 v, int n)
{
    emo__store8n(p, emo__load8n(p, n) + v, n);
}

/* The 1-D transforms on 8 channels, per tile size: B^T d (a -> a),
 * A^T m (a -> m), A g (m -> a), B x (a -> a). */

/* F(2x2,3x3): B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],
 * A^T = [1 1 1 0; 0 1 -1 -1]. */
LAYOUT_INLINE void bt4(const f8 *d, f8 *r)
{
    r[0] = d[0] - d[2];
    r[1] = d[1] + d[2];
    r[2] = d[2] - d[1];
    r[3] = d[1] - d[3];
}

LAYOUT_INLINE void at4(const f8 *m, f8 *s)
{
    s[0] = m[0] + m[1] + m[2];
    s[1] = m[1] - m[2] - m[3];
}

LAYOUT_INLINE void a4(const f8 *g, f8 *o)
{
    o[0] = g[0];
    o[1] = g[0] + g[1];
    o[2] = g[0] - g[1];
    o[3] = -g[1];
}

LAYOUT_INLINE void b4(const f8 *x, f8 *o)
{
    o[0] = x[0];
    o[1] = x[1] - x[2] + x[3];
    o[2] = x[1] + x[2] - x[0];
    o[3] = -x[3];
}

/* F(4x4,3x3) (a = 6; matrices at g6). */

/* B^T d: 6 -> 6.  (No negative constant times a vector: with s390x's
 * excess precision -4.0f is a double there, which GCC refuses to narrow
 * into a float vector; -(4.0f * v) is the same float.) */
LAYOUT_INLINE void bt6(const f8 *d, f8 *r)
{
    r[0] = 4.0f * d[0] - 5.0f * d[2] + d[4];
    r[1] = -(4.0f * (d[1] + d[2])) + (d[3] + d[4]);
    r[2] = 4.0f * (d[1] - d[2]) + (d[4] - d[3]);
    r[3] = 2.0f * (d[3] - d[1]) + (d[4] - d[2]);
    r[4] = 2.0f * (d[1] - d[3]) + (d[4] - d[2]);
    r[5] = 4.0f * d[1] - 5.0f * d[3] + d[5];
}

/* A^T m: 6 -> 4. */
LAYOUT_INLINE void at6(const f8 *m, f8 *s)
{
    f8 p = m[1] + m[2], q = m[1] - m[2], u = m[3] + m[4], v = m[3] - m[4];
    s[0] = m[0] + p + u;
    s[1] = q + 2.0f * v;
    s[2] = p + 4.0f * u;
    s[3] = q + 8.0f * v + m[5];
}

/* A g: 4 -> 6. */
LAYOUT_INLINE void a6(const f8 *g, f8 *o)
{
    f8 p = g[0] + g[2], q = g[1] + g[3];
    f8 u = g[0] + 4.0f * g[2], v = 2.0f * g[1] + 8.0f * g[3];
    o[0] = g[0];
    o[1] = p + q;
    o[2] = p - q;
    o[3] = u + v;
    o[4] = u - v;
    o[5] = g[3];
}

/* B x: 6 -> 6. */
LAYOUT_INLINE void b6(const f8 *x, f8 *o)
{
    f8 p = x[1] + x[2], q = x[2] - x[1], u = x[3] + x[4], v = x[4] - x[3];
    o[0] = 4.0f * x[0];
    o[1] = 4.0f * q + 2.0f * v + 4.0f * x[5];
    o[2] = -(5.0f * x[0]) - 4.0f * p - u;
    o[3] = -q - 2.0f * v - 5.0f * x[5];
    o[4] = x[0] + p + u;
    o[5] = x[5];
}

/* F(3x3,3x3) (a = 5; matrices at g5). */

/* B^T d: 5 -> 5. */
LAYOUT_INLINE void bt5(const f8 *d, f8 *r)
{
    r[0] = 2.0f * (d[0] - d[2]) - d[1] + d[3];
    r[1] = d[3] - d[2] - 2.0f * d[1];
    r[2] = 2.0f * d[1] - 3.0f * d[2] + d[3];
    r[3] = d[3] - d[1];
    r[4] = 2.0f * (d[1] - d[3]) - d[2] + d[4];
}

/* A^T m: 5 -> 3. */
LAYOUT_INLINE void at5(const f8 *m, f8 *s)
{
    f8 p = m[1] + m[2];
    s[0] = m[0] + p + m[3];
    s[1] = m[1] - m[2] + 2.0f * m[3];
    s[2] = p + 4.0f * m[3] + m[4];
}

/* A g: 3 -> 5. */
LAYOUT_INLINE void a5(const f8 *g, f8 *o)
{
    f8 e = g[0] + g[2];
    o[0] = g[0];
    o[1] = e + g[1];
    o[2] = e - g[1];
    o[3] = g[0] + 2.0f * g[1] + 4.0f * g[2];
    o[4] = g[2];
}

/* B x: 5 -> 5. */
LAYOUT_INLINE void b5(const f8 *x, f8 *o)
{
    o[0] = 2.0f * x[0];
    o[1] = 2.0f * (x[2] - x[1] + x[4]) - x[0] - x[3];
    o[2] = -(2.0f * x[0]) - x[1] - 3.0f * x[2] - x[4];
    o[3] = x[0] + x[1] + x[2] + x[3] - 2.0f * x[4];
    o[4] = x[4];
}

/* One tile's 2-D transform on channels c .. c + n - 1: the 1-D
 * transform f (ni -> no values) down each column of the ni x ni input,
 * then along each row of the result.  Element (r, k) of the input is at
 * src + r sr + k sk, of the output at dst + r dr + k dk (added to what is
 * there with add: input-gradient tiles overlap).  Inlined per tile size
 * and direction with constant sizes and f. */
typedef void (*lanes_fn)(const f8 *in, f8 *out);

LAYOUT_INLINE void tile_2d(const float *src, size_t sr, size_t sk,
                           float *restrict dst, size_t dr, size_t dk, int ni,
                           int no, lanes_fn f, int add, int c, int n)
{
    f8 t[6][6], in[6], out[6];
    for (int k = 0; k < ni; k++) {
        for (int r = 0; r < ni; r++)
            in[r] = emo__load8n(src + r * sr + k * sk + c, n);
        f(in, out);
        for (int r = 0; r < no; r++)
            t[r][k] = out[r];
    }
    for (int r = 0; r < no; r++) {
        f(t[r], out);
        for (int k = 0; k < no; k++) {
            float *p = dst + r * dr + k * dk + c;
            if (add)
                add_n(p, out[k], n);
            else
                emo__store8n(p, out[k], n);
        }
    }
}

/* All C channels of one tile: blocks of 8 (n constant, so the partial
 * loads and stores fold away), then the rest. */
#define TILE_CHANNELS(...)                                                 \
    do {                                                                   \
        int c_ = 0;                                                        \
        for (; c_ + 8 <= C; c_ += 8)                                       \
            tile_2d(__VA_ARGS__, c_, 8);                                   \
        if (c_ < C)                                                        \
            tile_2d(__VA_ARGS__, c_, C - c_);                              \
    } while (0)

/* V = B^T d B of the a x a input tile at d (rows rs apart). */
LAYOUT_INLINE void input_tile(int m, const float *d, size_t rs, int C,
                              float *restrict v, size_t xs)
{
#define INPUT(A) TILE_CHANNELS(d, rs, C, v, A * xs, xs, A, A, bt##A, 0)
    BY_TILE(m, INPUT);
#undef INPUT
}

/* D = A g A^T of the m x m output-gradient tile at g. */
LAYOUT_INLINE void grad_tile(int m, const float *g, size_t rs, int C,
                             float *restrict v, size_t xs)
{
#define GRAD(A) TILE_CHANNELS(g, rs, C, v, A * xs, xs, A - 2, A, a##A, 0)
    BY_TILE(m, GRAD);
#undef GRAD
}

/* The m x m output tile A^T M A. */
LAYOUT_INLINE void output_tile(int m, const float *M, size_t xs, int C,
                               float *restrict y, size_t rs)
{
#define OUTPUT(A) TILE_CHANNELS(M, A * xs, xs, y, rs, C, A, A - 2, at##A, 0)
    BY_TILE(m, OUTPUT);
#undef OUTPUT
}

/* The a x a input-gradient tile B X B^T, added into the grid. */
LAYOUT_INLINE void input_grad_tile(int m, const float *x, size_t xs, int C,
                                   float *restrict d, size_t rs)
{
#define INPUT_GRAD(A) TILE_CHANNELS(x, A * xs, xs, d, rs, C, A, A, b##A, 1)
    BY_TILE(m, INPUT_GRAD);
#undef INPUT_GRAD
}

/* ---- the passes --------------------------------------------------------- */

typedef struct wino_job {
    const wino_dims *d;
    const float *x, *dy;  /* inputs (batch tensors) */
    float *y, *dx;        /* outputs (batch tensors) */
    float *V, *M;         /* transformed data: [xi][tile][channel] */
    const float *U;       /* forward: the filter transform */
    const float *Up;      /* forward: U packed (ctx->wino_packed) or NULL */
    int gemm_threads;     /* of each packed product */
    float *grid;          /* one padded grid per image of the chunk */
    const float *bias;
    const emo__bn_dy *bn_dy; /* backward: dy deferred (ctx->bn_dy) */
    size_t t;             /* tiles in the chunk */
    int n0, relu, want_v; /* first image; backward: transform x too */
} wino_job;

static size_t grid_floats(const wino_dims *d)
{
    int c = d->cin > d->cout ? d->cin : d->cout;
    return (size_t)(d->m * d->th + 2) * (d->m * d->tw + 2) * c;
}

/* The per-image transforms: cloned per instruction set (SIMD_CLONES),
 * the tile and layout functions above inlined into each clone.  Tile
 * (ty, tx) starts at (m ty, m tx) in its grid; its values go to row
 * i * tpi + ty * tw + tx of V, M or D. */

static size_t tile_row(const wino_dims *d, size_t i, int ty, int tx)
{
    return i * d->tpi + (size_t)ty * d->tw + tx;
}

/* x of image i -> V (its tiles). */
SIMD_CLONES
static void image_input(const wino_job *j, size_t i, float *P)
{
    const wino_dims *d = j->d;
    int m = d->m, gw = m * d->tw + 2, C = d->cin;
    size_t xs = xi_stride(j->t, C), rs = (size_t)gw * C;
    to_grid(j->x + (j->n0 + i) * (size_t)C * d->h * d->w, C, d->h, d->w,
            d->pad, m * d->th + 2, gw, P);
    for (int ty = 0; ty < d->th; ty++)
        for (int tx = 0; tx < d->tw; tx++) {
            const float *src = P + m * ty * rs + (size_t)m * tx * C;
            float *dst = j->V + tile_row(d, i, ty, tx) * C;
            input_tile(m, src, rs, C, dst, xs);
        }
}

/* M -> y of image i, with bias and ReLU. */
SIMD_CLONES
static void image_output(const wino_job *j, size_t i, float *P)
{
    const wino_dims *d = j->d;
    int m = d->m, gw = m * d->tw, C = d->cout;
    size_t xs = xi_stride(j->t, C), rs = (size_t)gw * C;
    for (int ty = 0; ty < d->th; ty++)
        for (int tx = 0; tx < d->tw; tx++) {
            const float *src = j->M + tile_row(d, i, ty, tx) * C;
            float *dst = P + m * ty * rs + (size_t)m * tx * C;
            output_tile(m, src, xs, C, dst, rs);
        }
    from_grid(P, C, gw, 0, d->oh, d->ow, j->bias, j->relu,
              j->y + (j->n0 + i) * (size_t)C * d->oh * d->ow);
}

/* dy of image i -> D. */
SIMD_CLONES
static void image_grad(const wino_job *j, size_t i, float *P)
{
    const wino_dims *d = j->d;
    int m = d->m, gw = m * d->tw, C = d->cout;
    size_t xs = xi_stride(j->t, C), rs = (size_t)gw * C;
    size_t img = (j->n0 + i) * (size_t)C * d->oh * d->ow;
    if (j->bn_dy)
        bn_dy_to_grid(j->bn_dy, img, C, d->oh, d->ow, m * d->th, gw, P);
    else
        to_grid(j->dy + img, C, d->oh, d->ow, 0, m * d->th, gw, P);
    for (int ty = 0; ty < d->th; ty++)
        for (int tx = 0; tx < d->tw; tx++) {
            const float *src = P + m * ty * rs + (size_t)m * tx * C;
            float *dst = j->M + tile_row(d, i, ty, tx) * C;
            grad_tile(m, src, rs, C, dst, xs);
        }
}

/* X (in V) -> dx of image i. */
SIMD_CLONES
static void image_input_grad(const wino_job *j, size_t i, float *P)
{
    const wino_dims *d = j->d;
    int m = d->m, gh = m * d->th + 2, gw = m * d->tw + 2, C = d->cin;
    size_t xs = xi_stride(j->t, C), rs = (size_t)gw * C;
    size_t n = (size_t)gh * rs;
    for (size_t k = 0; k < n; k++)
        P[k] = 0.0f;
    for (int ty = 0; ty < d->th; ty++)
        for (int tx = 0; tx < d->tw; tx++) {
            const float *src = j->V + tile_row(d, i, ty, tx) * C;
            float *dst = P + m * ty * rs + (size_t)m * tx * C;
            input_grad_tile(m, src, xs, C, dst, rs);
        }
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

/* The forward's products M_xi = V_xi U_xi^T, xi in [x0, x1): on the
 * packed U when the caller has it (gemm_packed.c: inference's cache for
 * short calls, training's forms for all), else OpenBLAS on U. */
static void forward_products(void *arg, size_t x0, size_t x1)
{
    const wino_job *j = arg;
    const wino_dims *d = j->d;
    size_t uw = xi_stride((size_t)d->cout * d->cin, 1);
    size_t pw = emo__packed_floats(d->cout, d->cin);
    int t = (int)j->t;
    for (size_t xi = x0; xi < x1; xi++) {
        const float *V = j->V + xi * xi_stride(j->t, d->cin);
        float *M = j->M + xi * xi_stride(j->t, d->cout);
        if (!j->Up || !emo__packed_gemm_xt(j->Up + xi * pw, d->cout, d->cin,
                                           V, (size_t)d->cin, t, M,
                                           (size_t)d->cout, j->gemm_threads))
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, t, d->cout,
                        d->cin, 1.0f, V, d->cin, j->U + xi * uw, d->cin,
                        0.0f, M, d->cout);
    }
}

/* X_xi = D_xi U_xi for every transform point: on U^T packed when the
 * caller has it, else OpenBLAS on U. */
static void input_grad_products(const wino_dims *d, const float *D,
                                const float *Ut, const float *U, int t,
                                float *X, int threads)
{
    size_t uw = xi_stride((size_t)d->cout * d->cin, 1);
    size_t pw = emo__packed_floats(d->cin, d->cout);
    for (int xi = 0; xi < d->nxi; xi++) {
        const float *Dx = D + xi * xi_stride((size_t)t, d->cout);
        float *Xx = X + xi * xi_stride((size_t)t, d->cin);
        if (!Ut || !emo__packed_gemm_xt(Ut + xi * pw, d->cin, d->cout, Dx,
                                        (size_t)d->cout, t, Xx,
                                        (size_t)d->cin, threads))
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, t, d->cin,
                        d->cout, 1.0f, Dx, d->cout, U + xi * uw, d->cin,
                        0.0f, Xx, d->cin);
    }
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
    j.V = col + 2 * (size_t)d->nxi * uw;
    j.M = j.V + (size_t)d->nxi * xi_stride(tm, d->cin);
    j.grid = j.M + (size_t)d->nxi * xi_stride(tm, d->cout);
    return j;
}

size_t emo__wino_filter_floats(const emo__layer *l, int m)
{
    wino_dims d = wdims_m(l, m);
    return (size_t)d.nxi * xi_stride((size_t)l->out.c * l->in.c, 1);
}

void emo__wino_filter(const emo__layer *l, int m, const float *W, float *U)
{
    wino_dims d = wdims_m(l, m);
    filter_transform(&d, W, U);
}

size_t emo__wino_packed_floats(const emo__layer *l, int m)
{
    wino_dims d = wdims_m(l, m);
    return (size_t)d.nxi * emo__packed_floats(d.cout, d.cin);
}

size_t emo__wino_packed_t_floats(const emo__layer *l, int m)
{
    wino_dims d = wdims_m(l, m);
    return (size_t)d.nxi * emo__packed_floats(d.cin, d.cout);
}

void emo__wino_filter_mt(const emo__layer *l, int m, const float *W,
                         float *U, int threads)
{
    wino_dims d = wdims_m(l, m);
    filter_job f = {&d, W, U, NULL, NULL};
    emo__parallel_for(threads, (size_t)d.cout * d.cin, 4096, filter_units,
                      &f);
}

void emo__wino_filter_packed_mt(const emo__layer *l, int m, const float *W,
                                float *Up, float *Ut, int threads)
{
    wino_dims d = wdims_m(l, m);
    filter_job f = {&d, W, NULL, Up, Ut};
    size_t blocks = (((size_t)d.cout + EMO__PACK_PANEL - 1) / EMO__PACK_PANEL) *
                    (((size_t)d.cin + EMO__PACK_PANEL - 1) / EMO__PACK_PANEL);
    emo__parallel_for(threads, blocks, 16, packed_filter_units, &f);
}

void emo__wino_forward(const emo__layer *l, const float *W,
                       const float *bias, int relu, const float *x, float *y,
                       int batch, emo__ctx *ctx)
{
    /* U goes first in the scratch (job_of leaves it room); a packed form
     * in ctx was made elsewhere (the step's, for another tile size when
     * slices differ in it, or the cache's): these products take this U */
    int m = emo__wino_tile(l, batch);
    emo__ctx own = *ctx;
    own.wino_packed = NULL;
    emo__wino_filter(l, m, W, ctx->col);
    emo__wino_forward_u(l, ctx->col, m, bias, relu, x, y, batch, &own);
}

void emo__wino_forward_u(const emo__layer *l, const float *U, int m,
                         const float *bias, int relu, const float *x,
                         float *y, int batch, emo__ctx *ctx)
{
    wino_dims d = wdims_m(l, m);
    int packed = ctx->wino_packed && emo__packed_available();
    int nb_max = chunk_images(&d, batch,
                              packed ? CHUNK_VALUES_PACKED : CHUNK_VALUES);
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
        j.U = U;
        j.Up = ctx->wino_packed;
        j.gemm_threads = ctx->split_products ? 1 : ctx->threads;
        emo__parallel_for(ctx->split_products ? ctx->threads : 1,
                          (size_t)d.nxi, 1, forward_products, &j);
        run_units(forward_out_units, &j, nb, ctx->threads);
    }
}

void emo__wino_backward(emo__layer *l, const float *x, const float *dy,
                        float *dx, int batch, int param_grads, emo__ctx *ctx)
{
    if (batch < 1) /* dU would stay unwritten */
        return;
    wino_dims d = wdims_m(l, emo__wino_tile(l, batch));
    /* the forward pass's transform of these weights, when it made one:
     * U, or U^T packed */
    int own = ctx->wino_m == d.m;
    const float *Ut = own && emo__packed_available() ? ctx->wino_packed_t
                                                      : NULL;
    int nb_max = chunk_images(&d, batch,
                              Ut ? CHUNK_VALUES_PACKED : CHUNK_VALUES);
    size_t uw = xi_stride((size_t)d.cout * d.cin, 1);
    float *U = ctx->col, *dU = U + (size_t)d.nxi * uw;
    wino_job j = job_of(&d, ctx->col, nb_max);
    j.x = x;
    j.dy = dy;
    j.bn_dy = ctx->bn_dy;
    j.dx = dx;
    j.want_v = param_grads;
    const float *Uf = own && ctx->wino_u ? ctx->wino_u : U;
    if (dx && !Ut && Uf == U)
        filter_transform(&d, l->p[0].data, U);
    for (int n0 = 0; n0 < batch; n0 += nb_max) {
        int nb = batch - n0 < nb_max ? batch - n0 : nb_max;
        int t = nb * d.tpi;
        j.n0 = n0;
        j.t = (size_t)t;
        run_units(backward_in_units, &j, nb, ctx->threads);
        const float *D = j.M;
        if (param_grads)
            for (int xi = 0; xi < d.nxi; xi++)
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d.cout,
                            d.cin, t, 1.0f, D + xi * xi_stride(t, d.cout),
                            d.cout, j.V + xi * xi_stride(t, d.cin), d.cin,
                            n0 ? 1.0f : 0.0f, dU + xi * uw, d.cin);
        if (!dx)
            continue;
        /* X overwrites V: this chunk's filter gradient is done with it */
        input_grad_products(&d, D, Ut, Uf, t, j.V, ctx->threads);
        run_units(backward_out_units, &j, nb, ctx->threads);
    }
    if (param_grads)
        filter_gradient(&d, dU, l->p[0].grad);
}
