/*
 * conv.c - 2-D convolution with stride, padding and groups: im2col +
 * cblas_sgemm.  Weights are [filters][channels/groups][size][size].
 *
 * Small feature maps make thin matrices that BLAS handles poorly, so the
 * columns of several images are placed side by side (up to CHUNK_COLS
 * output positions) and multiplied at once; 1x1 stride-1 convolutions skip
 * im2col and multiply the input directly.  3x3 stride-1 layers with
 * enough channels and tiles take Winograd's F(2x2,3x3) instead
 * (conv_winograd.c; the rule is emo__conv_fast's), im2col staying the
 * reference that the tests compare it with.
 */
#include "nn/nn.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_COLS 4096

typedef struct conv_dims {
    int cin_g, cout_g, kk, hw, K;
    int pointwise; /* 1x1, stride 1, no padding: input is its own col */
} conv_dims;

static conv_dims dims_of(const emo__layer *l)
{
    conv_dims d;
    d.cin_g = l->in.c / l->groups;
    d.cout_g = l->out.c / l->groups;
    d.kk = l->size * l->size;
    d.hw = l->out.h * l->out.w;
    d.K = d.cin_g * d.kk;
    d.pointwise = l->size == 1 && l->stride == 1 && l->pad == 0;
    return d;
}

/* Images per matrix product. */
static int chunk_images(const conv_dims *d, int batch)
{
    if (d->pointwise)
        return 1;
    int nb = CHUNK_COLS / d->hw;
    if (nb < 1)
        nb = 1;
    return nb < batch ? nb : batch;
}

/* EMO_CONV_REFERENCE=1 (anything but "" or "0") keeps every layer on
 * im2col: for the oracle, for debugging, for comparing speeds. */
static int reference_forced(void)
{
    const char *e = getenv("EMO_CONV_REFERENCE");
    return e && *e && strcmp(e, "0") != 0;
}

/* Winograd pays once the channel sums are long enough for its 16 matrix
 * products, and once a call has enough tiles (batch x tiles per image)
 * to amortise the filter transform and fill the products.  With one input
 * channel (a first layer) im2col's single product of depth 9 is cheaper.
 * Measured with build/conv_bench (docs/benchmarks.md, Xeon AVX-512): at
 * 144 tiles per call Winograd's forward took 0.62-0.89 of im2col's time
 * (e.g. 256 -> 256 channels on 6x6 maps at batch 16), at 36 tiles
 * 1.0-1.07, at 9 tiles 2.3 (the default net's conv4b at batch 1). */
#define WINO_MIN_CIN 8
#define WINO_MIN_TILES 128

int emo__conv_fast(const emo__layer *l, int batch)
{
    size_t tiles = (size_t)batch * ((l->out.h + 1) / 2) *
                   ((l->out.w + 1) / 2);
    return emo__wino_applies(l) && l->in.c >= WINO_MIN_CIN &&
           tiles >= WINO_MIN_TILES && !reference_forced();
}

/* With the filter transform cached (inference, forward.c) only the tile
 * transforms and the products are left to amortise.  Measured with
 * build/nn_bench fwd default on the Xeon (docs/benchmarks.md): conv4's
 * 9 tiles (batch 1) made the pass 1.15x slower on Winograd, 18 tiles
 * (batch 2) were even, 27 (batch 3) and conv3's 36 (batch 1) faster.
 * That was OpenBLAS packing U on every call: on U packed once (where
 * emo__packed_available) the 9 tiles of a 6x6 map at batch 1 made the
 * default net's pass 0.85x and the VGG net's 0.91x (session 12).  Fewer
 * tiles were not measured and keep the rule. */
#define WINO_MIN_TILES_CACHED 24
#define WINO_MIN_TILES_PACKED 9

int emo__conv_fast_cached(const emo__layer *l, int batch)
{
    size_t tiles = (size_t)batch * ((l->out.h + 1) / 2) *
                   ((l->out.w + 1) / 2);
    if (!emo__wino_applies(l) || l->in.c < WINO_MIN_CIN || reference_forced())
        return 0;
    return tiles >= WINO_MIN_TILES_CACHED ||
           (tiles >= WINO_MIN_TILES_PACKED && emo__packed_available());
}

void emo__conv_forward_cached(const emo__layer *l, const float *W,
                              const float *U, int m, const float *bias,
                              int relu, const float *x, float *y, int batch,
                              emo__ctx *ctx)
{
    /* the cache holds U or, for short calls, U packed (forward.c) */
    int cached = U || (ctx->wino_packed && emo__packed_available());
    if (cached && m == emo__wino_tile(l, batch) &&
        emo__conv_fast_cached(l, batch))
        emo__wino_forward_u(l, U, m, bias, relu, x, y, batch, ctx);
    else
        emo__conv_forward_ex(l, W, bias, relu, x, y, batch, ctx);
}

int emo__conv_takes_bn_dy(const emo__layer *l, int batch)
{
    return l->type == EMO__L_CONV && !l->has_bias && emo__conv_fast(l, batch);
}

size_t emo__conv_scratch(const emo__layer *l, int batch)
{
    conv_dims d = dims_of(l);
    size_t cols = (size_t)chunk_images(&d, batch) * d.hw;
    /* col + dcol + gathered outputs/gradients */
    size_t s = d.pointwise ? 0 : (2 * (size_t)d.K + (size_t)d.cout_g) * cols;
    /* either path may run (the environment may change in between) */
    if (emo__wino_applies(l)) {
        size_t w = emo__wino_scratch(l, batch);
        s = w > s ? w : s;
    }
    return s;
}

typedef struct cols_job {
    const emo__layer *l;
    const conv_dims *d;
    const float *x; /* input (fill) */
    float *im;      /* input gradient (scatter) */
    float *col;
    const float *bias;
    int n0, nb, g, relu;
} cols_job;

/* Unit u = (image j, channel ci) of the group: one channel's rows. */
static void fill_units(void *arg, size_t u0, size_t u1)
{
    const cols_job *c = arg;
    const emo__layer *l = c->l;
    size_t in_sz = emo__shape_size(l->in), plane = (size_t)l->in.h * l->in.w;
    size_t ld = (size_t)c->nb * c->d->hw;
    for (size_t u = u0; u < u1; u++) {
        size_t j = u / (size_t)c->d->cin_g, ci = u % (size_t)c->d->cin_g;
        emo__im2col(c->x + (c->n0 + j) * in_sz +
                        ((size_t)c->g * c->d->cin_g + ci) * plane,
                    1, l->in.h, l->in.w, l->size, l->stride, l->pad, l->out.h,
                    l->out.w, c->col + ci * c->d->kk * ld + j * c->d->hw, ld);
    }
}

static void scatter_units(void *arg, size_t u0, size_t u1)
{
    const cols_job *c = arg;
    const emo__layer *l = c->l;
    size_t in_sz = emo__shape_size(l->in), plane = (size_t)l->in.h * l->in.w;
    size_t ld = (size_t)c->nb * c->d->hw;
    for (size_t u = u0; u < u1; u++) {
        size_t j = u / (size_t)c->d->cin_g, ci = u % (size_t)c->d->cin_g;
        emo__col2im(c->col + ci * c->d->kk * ld + j * c->d->hw, 1, l->in.h,
                    l->in.w, l->size, l->stride, l->pad, l->out.h, l->out.w,
                    c->im + (c->n0 + j) * in_sz +
                        ((size_t)c->g * c->d->cin_g + ci) * plane,
                    ld);
    }
}

/* Enough work per thread to pay for waking it. */
static size_t min_units(const conv_dims *d)
{
    return 1 + 262144 / ((size_t)d->kk * d->hw);
}

/* Unfolds images n0..n0+nb-1, channel group g, side by side. */
static void fill_cols(const emo__layer *l, const conv_dims *d, const float *x,
                      int n0, int nb, int g, float *col, int threads)
{
    cols_job c = {l, d, x, NULL, col, NULL, n0, nb, g, 0};
    emo__parallel_for(threads, (size_t)nb * d->cin_g, min_units(d),
                      fill_units, &c);
}

/* The reverse: sums the columns back into the input gradient (dcol is
 * scratch; col2im may zero its out-of-image entries). */
static void scatter_cols(const emo__layer *l, const conv_dims *d, float *dcol,
                         float *dx, int n0, int nb, int g, int threads)
{
    cols_job c = {l, d, NULL, dx, dcol, NULL, n0, nb, g, 0};
    emo__parallel_for(threads, (size_t)nb * d->cin_g, min_units(d),
                      scatter_units, &c);
}

/* Epilogue over planes (n, c): bias (may be NULL) and optional ReLU. */
static void bias_planes(void *arg, size_t p0, size_t p1)
{
    const cols_job *c = arg;
    size_t hw = (size_t)c->d->hw;
    for (size_t p = p0; p < p1; p++) {
        float *o = c->col + p * hw;
        float bv = c->bias ? c->bias[p % (size_t)c->l->out.c] : 0.0f;
        if (c->relu)
            for (size_t i = 0; i < hw; i++)
                o[i] = o[i] + bv > 0.0f ? o[i] + bv : 0.0f;
        else
            for (size_t i = 0; i < hw; i++)
                o[i] += bv;
    }
}

static void add_bias(const emo__layer *l, const conv_dims *d, const float *b,
                     int relu, float *y, int batch, int threads)
{
    if (!b && !relu)
        return;
    cols_job c = {l, d, NULL, NULL, y, b, 0, batch, 0, relu};
    emo__parallel_for(threads, (size_t)batch * l->out.c,
                      1 + 262144 / (size_t)d->hw, bias_planes, &c);
}

void emo__conv_forward(const emo__layer *l, const float *x, float *y,
                       int batch, emo__ctx *ctx)
{
    /* training: the step's shared transform of the layer's weights, when
     * train_pass.c made one (NULL: conv_forward_ex's own path) */
    emo__conv_forward_cached(l, l->p[0].data, ctx->wino_u, ctx->wino_m,
                             l->has_bias ? l->p[1].data : NULL, 0, x, y,
                             batch, ctx);
}

/* Packed weights (gemm_packed.c) pay for short products: a call with
 * at most EMO__PACKED_MAX_COLS output positions that does not take
 * Winograd on its cached transform. */
int emo__conv_packs(const emo__layer *l, int batch)
{
    return (size_t)batch * dims_of(l).hw <= EMO__PACKED_MAX_COLS &&
           !reference_forced() && emo__packed_available() &&
           !emo__conv_fast_cached(l, batch);
}

/* Y (cout_g x cols, rows ldy apart) = W_g X, where X has cols columns,
 * through the packed weights when the caller has them and the product is
 * short enough; 0 when it was not done. */
static int packed_product(const conv_dims *d, int g, const float *X,
                          int cols, float *Y, size_t ldy,
                          const emo__ctx *ctx)
{
    if (!ctx->packed_w || cols > EMO__PACKED_MAX_COLS || reference_forced())
        return 0;
    const float *Wp =
        ctx->packed_w + (size_t)g * emo__packed_floats(d->cout_g, d->K);
    return emo__packed_gemm(Wp, d->cout_g, d->K, X, (size_t)cols, cols, Y,
                            ldy, ctx->threads);
}

void emo__conv_forward_ex(const emo__layer *l, const float *W,
                          const float *bias, int relu, const float *x,
                          float *y, int batch, emo__ctx *ctx)
{
    if (emo__conv_fast(l, batch)) {
        emo__wino_forward(l, W, bias, relu, x, y, batch, ctx);
        return;
    }
    conv_dims d = dims_of(l);
    size_t in_sz = emo__shape_size(l->in), out_sz = emo__shape_size(l->out);
    int nb_max = chunk_images(&d, batch);
    int split = ctx->split_products ? ctx->threads : 1;
    for (int n0 = 0; n0 < batch; n0 += nb_max) {
        int nb = batch - n0 < nb_max ? batch - n0 : nb_max;
        int ncols = nb * d.hw;
        for (int g = 0; g < l->groups; g++) {
            const float *Wg = W + (size_t)g * d.cout_g * d.K;
            float *yg = y + (size_t)n0 * out_sz + (size_t)g * d.cout_g * d.hw;
            if (d.pointwise) {
                const float *xg = x + (size_t)n0 * in_sz +
                                  (size_t)g * d.cin_g * d.hw;
                if (!packed_product(&d, g, xg, d.hw, yg, d.hw, ctx))
                    emo__sgemm_split(split, 0, d.cout_g, d.hw, d.K, Wg, d.K,
                                     xg, d.hw, 0.0f, yg, d.hw);
                continue;
            }
            float *col = ctx->col;
            fill_cols(l, &d, x, n0, nb, g, col, ctx->threads);
            if (nb == 1) {
                if (!packed_product(&d, g, col, ncols, yg, d.hw, ctx))
                    emo__sgemm_split(split, 0, d.cout_g, d.hw, d.K, Wg, d.K,
                                     col, ncols, 0.0f, yg, d.hw);
                continue;
            }
            float *tmp = col + 2 * (size_t)d.K * ncols;
            if (!packed_product(&d, g, col, ncols, tmp, ncols, ctx))
                emo__sgemm_split(split, 0, d.cout_g, ncols, d.K, Wg, d.K, col,
                                 ncols, 0.0f, tmp, ncols);
            for (int j = 0; j < nb; j++)
                for (int c = 0; c < d.cout_g; c++)
                    memcpy(yg + (size_t)j * out_sz + (size_t)c * d.hw,
                           tmp + (size_t)c * ncols + (size_t)j * d.hw,
                           sizeof(float) * (size_t)d.hw);
        }
    }
    add_bias(l, &d, bias, relu, y, batch, ctx->threads);
}

static void bias_grad(emo__layer *l, const float *dy, int batch)
{
    if (!l->has_bias)
        return;
    float *db = l->p[1].grad;
    size_t hw = (size_t)l->out.h * l->out.w;
    for (int n = 0; n < batch; n++)
        for (int c = 0; c < l->out.c; c++) {
            const float *g = dy + ((size_t)n * l->out.c + c) * hw;
            float s = 0.0f;
            for (size_t i = 0; i < hw; i++)
                s += g[i];
            db[c] += s;
        }
}

/* Backward of a 1x1 stride-1 group: the input is the column matrix. */
static void pointwise_backward(emo__layer *l, const conv_dims *d,
                               const float *x, const float *dy, float *dx,
                               int n, int g, int param_grads)
{
    size_t in_sz = emo__shape_size(l->in), out_sz = emo__shape_size(l->out);
    const float *Wg = l->p[0].data + (size_t)g * d->cout_g * d->K;
    float *dWg = l->p[0].grad + (size_t)g * d->cout_g * d->K;
    const float *xg = x + (size_t)n * in_sz + (size_t)g * d->cin_g * d->hw;
    const float *dyg = dy + (size_t)n * out_sz + (size_t)g * d->cout_g * d->hw;
    if (param_grads)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, d->cout_g, d->K,
                    d->hw, 1.0f, dyg, d->hw, xg, d->hw, 1.0f, dWg, d->K);
    if (dx)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d->K, d->hw,
                    d->cout_g, 1.0f, Wg, d->K, dyg, d->hw, 0.0f,
                    dx + (size_t)n * in_sz + (size_t)g * d->cin_g * d->hw,
                    d->hw);
}

void emo__conv_backward(emo__layer *l, const float *x, const float *dy,
                        float *dx, int batch, emo__ctx *ctx)
{
    conv_dims d = dims_of(l);
    size_t out_sz = emo__shape_size(l->out);
    int nb_max = chunk_images(&d, batch);
    int pg = !ctx->skip_param_grads;
    if (pg)
        bias_grad(l, dy, batch);
    /* a deferred dy (ctx->bn_dy) comes only to Winograd layers without a
     * bias (train_pass.c checks it with emo__conv_takes_bn_dy) */
    if (emo__conv_fast(l, batch)) {
        emo__wino_backward(l, x, dy, dx, batch, pg, ctx);
        return;
    }
    for (int n0 = 0; n0 < batch; n0 += nb_max) {
        int nb = batch - n0 < nb_max ? batch - n0 : nb_max;
        size_t ncols = (size_t)nb * d.hw;
        for (int g = 0; g < l->groups; g++) {
            if (d.pointwise) {
                pointwise_backward(l, &d, x, dy, dx, n0, g, pg);
                continue;
            }
            const float *Wg = l->p[0].data + (size_t)g * d.cout_g * d.K;
            float *dWg = l->p[0].grad + (size_t)g * d.cout_g * d.K;
            float *col = ctx->col, *dcol = col + (size_t)d.K * ncols;
            float *dyg = dcol + (size_t)d.K * ncols;
            for (int j = 0; j < nb; j++)
                for (int c = 0; c < d.cout_g; c++)
                    memcpy(dyg + (size_t)c * ncols + (size_t)j * d.hw,
                           dy + (size_t)(n0 + j) * out_sz +
                               (size_t)(g * d.cout_g + c) * d.hw,
                           sizeof(float) * (size_t)d.hw);
            if (pg) {
                fill_cols(l, &d, x, n0, nb, g, col, ctx->threads);
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                            d.cout_g, d.K, (int)ncols, 1.0f, dyg,
                            (int)ncols, col, (int)ncols, 1.0f, dWg, d.K);
            }
            if (!dx)
                continue;
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d.K,
                        (int)ncols, d.cout_g, 1.0f, Wg, d.K, dyg, (int)ncols,
                        0.0f, dcol, (int)ncols);
            scatter_cols(l, &d, dcol, dx, n0, nb, g, ctx->threads);
        }
    }
}
