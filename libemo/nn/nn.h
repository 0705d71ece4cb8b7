/*
 * nn.h - the CNN engine inside libemo: layers, the sequential graph, its
 * workspaces, the forward and training passes, the text-format parser and
 * presets.  It sees shapes and tensors only: the emo_network handle
 * (options, preprocessing, corrections, training state) is model/'s and
 * embeds an emo__net; nothing here includes it.  Never installed.
 *
 * Data layout: batched NCHW float32.  A network is a chain of layers, each
 * reading the previous layer's output; the last layer is always `softmax`,
 * so a forward pass yields class probabilities.
 *
 * The kernels' files (one per layer kind, im2col) are built at -O3 by the
 * Makefile: their elementwise loops vectorise only there with GCC.
 *
 * Concurrency: an emo__net is read-only during a forward pass; all
 * per-call state (activations, scratch, gradients) lives in an emo__net_ws,
 * so several threads may each forward with their own workspace on one
 * shared network.  Training writes the weights and must not run alongside.
 */
#ifndef EMO_NN_H
#define EMO_NN_H

#include "common/internal.h"

#include <stddef.h>
#include <stdint.h>

/* Limits of the text format and of a network (EMO_ERR_LIMIT past them). */
#define EMO__NN_MAX_LAYERS 256
#define EMO__NN_MAX_NAME 63     /* layer name length */
#define EMO__NN_MAX_DIM 8192    /* channels, height, width, filters... */
#define EMO__NN_MAX_KERNEL 64
#define EMO__NN_MAX_TEXT (1 << 20)
#define EMO__NN_MAX_ACT ((int64_t)1 << 26)    /* floats, one image's layer */

enum emo__layer_type {
    EMO__L_CONV = 0,
    EMO__L_FC,
    EMO__L_RELU,
    EMO__L_MAXPOOL,
    EMO__L_AVGPOOL,
    EMO__L_GAP,
    EMO__L_LRN,
    EMO__L_DROPOUT,
    EMO__L_BN,
    EMO__L_SOFTMAX,
    EMO__L_COUNT
};

enum emo__init { EMO__INIT_HE = 0, EMO__INIT_XAVIER, EMO__INIT_GAUSSIAN };

typedef struct emo__shape {
    int c, h, w;
} emo__shape;

static inline size_t emo__shape_size(emo__shape s)
{
    return (size_t)s.c * (size_t)s.h * (size_t)s.w;
}

/* One parameter tensor.  grad and mom exist only once training started. */
typedef struct emo__param {
    float *data;
    float *grad;
    float *mom;
    size_t n;
    int ndims;
    int dims[4];
    int learned; /* 0 for BN running statistics */
} emo__param;

#define EMO__MAX_PARAMS_PER_LAYER 4

typedef struct emo__layer {
    char name[EMO__NN_MAX_NAME + 1];
    int type;
    int line; /* section line in the text, for messages */
    emo__shape in, out;
    /* convolution / inner product */
    int filters, size, stride, pad, groups, has_bias, outputs;
    int init;
    float std, bias_value;
    /* lrn */
    int local_size;
    float alpha, beta, k;
    /* dropout */
    float ratio;
    /* batch norm */
    float eps, bn_momentum;
    /* optimisation */
    float lr_mult, decay_mult;
    int nparams;
    emo__param p[EMO__MAX_PARAMS_PER_LAYER];
} emo__layer;

/* A built network: the chain of layers with their shapes and weights. */
typedef struct emo__net {
    int n_layers;
    emo__layer *layers;
    emo__shape input;
    int num_classes;
    /* Counts weight changes; workspaces cache derived weights (folded
     * batch norm) keyed on it: whoever writes weights increments it. */
    uint64_t version;
} emo__net;

/* x86-64 GCC: a kernel in two copies, AVX2 + FMA (x86-64-v3) and the
 * build's own ISA, picked at load time (ifunc) by the CPU, so that a
 * generic x86-64 build (a distribution's) vectorises it with AVX2 where
 * the CPU has it.  Elsewhere (arm64, s390x, clang) the plain build.  The
 * helpers such a kernel calls must be inlined into it (always_inline)
 * to be compiled for each copy. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&     \
    defined(__ELF__)
#define EMO__SIMD_CLONES                                                    \
    __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define EMO__SIMD_CLONES
#endif
#define EMO__INLINE __attribute__((always_inline)) static inline

/* Eight float lanes as one GCC generic vector: every ISA clone (and
 * every architecture) builds it at its own width.  Loads and stores go
 * through memcpy: any alignment. */
typedef float emo__lanes8 __attribute__((vector_size(32)));
typedef int32_t emo__mask8 __attribute__((vector_size(32)));

EMO__INLINE emo__lanes8 emo__load8(const float *p)
{
    emo__lanes8 v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

EMO__INLINE void emo__store8(float *p, emo__lanes8 v)
{
    __builtin_memcpy(p, &v, sizeof v);
}

/* The first n (<= 8) floats at p; the other lanes zero. */
EMO__INLINE emo__lanes8 emo__load8n(const float *p, int n)
{
    if (n == 8)
        return emo__load8(p);
    float b[8] = {0};
    for (int i = 0; i < n; i++)
        b[i] = p[i];
    return emo__load8(b);
}

/* The first n (<= 8) lanes of v to p. */
EMO__INLINE void emo__store8n(float *p, emo__lanes8 v, int n)
{
    if (n == 8) {
        emo__store8(p, v);
        return;
    }
    float b[8];
    emo__store8(b, v);
    for (int i = 0; i < n; i++)
        p[i] = b[i];
}

/* v in every lane.  (Not `vector * scalar` with a float variable or a
 * negative constant: with s390x's excess precision those are doubles
 * there, which GCC refuses to narrow into a float vector.) */
EMO__INLINE emo__lanes8 emo__splat8(float v)
{
    emo__lanes8 r;
    for (int k = 0; k < 8; k++)
        r[k] = v;
    return r;
}

/* ---- layer kernels (one file per kind) -------------------------------- */

/* Runs fn(arg, begin, end) over [0, n) split into at most `threads`
 * parts of at least min_per_thread items, on the process-wide pool
 * (parallel.c); serially when threads is 1 or the pool is busy. */
typedef void (*emo__range_fn)(void *arg, size_t begin, size_t end);
void emo__parallel_for(int threads, size_t n, size_t min_per_thread,
                       emo__range_fn fn, void *arg);
/* Elementwise passes over a parameter or buffer split across threads
 * from this many floats on (below it waking a thread costs more than
 * the pass); emo__parallel_zero clears n floats that way. */
#define EMO__PARALLEL_FLOATS 65536
void emo__parallel_zero(float *p, size_t n, int threads);
/* Sets the BLAS thread count (process-wide in OpenBLAS; parallel.c). */
void emo__nn_set_threads(int threads);
/* C = A op(B) + beta C (row-major, A not transposed; op(B) = B^T when
 * trans_b, K x N) split by columns of C across `threads` pool threads,
 * for OpenBLAS set to one thread (gemm_split.c); 1 = a single call. */
void emo__sgemm_split(int threads, int trans_b, int M, int N, int K,
                      const float *A, int lda, const float *B, int ldb,
                      float beta, float *C, int ldc);
/* y = A x + beta y (A M x K, row-major) split by rows the same way. */
void emo__sgemv_split(int threads, int M, int K, const float *A, int lda,
                      const float *x, float beta, float *y);

/* A batch norm's input gradient left for the convolution before it to
 * make as it reads it (train_pass.c, with several slices): dy[c] =
 * gi (g - k1 - (x - mean) inv k2), gi = gamma inv, per channel c, with g
 * the gradient at the batch norm's output (masked by a fused ReLU) and x
 * its input, the convolution's output (both the slice's, NCHW);
 * chan_dx's (batchnorm.c) floats.  Saves writing the input gradient and
 * reading it back. */
typedef struct emo__bn_dy {
    const float *g, *x;
    const float *mean, *inv, *gamma; /* per channel */
    const float *k1, *k2;
} emo__bn_dy;

/* Per-call context passed to the kernels. */
typedef struct emo__ctx {
    int train;     /* training mode (batch statistics, dropout on) */
    int threads;   /* for emo__parallel_for (1 = serial) */
    float *col;    /* scratch for im2col and gathered outputs */
    size_t col_cap; /* floats in col */
    emo_rng *rng;  /* dropout: one key per layer from it */
    int64_t image0; /* dropout: global index of the batch's first image */
    int skip_param_grads; /* backward: layer frozen (lr_mult 0), only dx */
    /* training: the layer's own filters already in Winograd form for
     * tile size wino_m (train_pass.c makes them once per step for all
     * slices and the backward pass); NULL: each call makes its own */
    const float *wino_u;
    int wino_m;
    /* inference: the weights given to conv_forward_ex packed for
     * emo__packed_gemm (forward.c's cache), or NULL */
    const float *packed_w;
    /* backward: U transposed and packed (emo__wino_filter_packed_mt),
     * for the input gradient's products, or NULL */
    const float *wino_packed_t;
    /* U packed (emo__wino_filter_packed_mt): inference's cache where a
     * kernel runs, training's every step; or NULL */
    const float *wino_packed;
    /* OpenBLAS runs on one thread: conv splits its products across
     * ctx->threads itself */
    int split_products;
    /* backward of a convolution on Winograd without a bias: its output
     * gradient as a batch norm's deferred input gradient (dy unused), or
     * NULL */
    const emo__bn_dy *bn_dy;
} emo__ctx;

/* A context over the workspace's scratch and generator (workspace.c). */
struct emo__net_ws;
emo__ctx emo__ws_ctx(struct emo__net_ws *ws, int train, int threads);

/* Scratch floats a layer needs in ctx->col at `batch`. */
size_t emo__layer_scratch(const emo__layer *l, int batch);
/* Auxiliary bytes a layer keeps from forward to backward at `batch`
 * (max-pool argmax, dropout mask, BN statistics, LRN scale). */
size_t emo__layer_aux_bytes(const emo__layer *l, int batch);

/* Forward x (batch x in) -> y (batch x out).  aux as sized above (may be
 * NULL at inference for layers that only need it for backward). */
void emo__layer_forward(const emo__layer *l, const float *x, float *y,
                        int batch, void *aux, emo__ctx *ctx);
/* Backward: accumulates parameter gradients into l->p[i].grad (which must
 * exist when the layer has learned parameters) and writes dx unless it is
 * NULL.  x, y are the forward input and output. */
void emo__layer_backward(emo__layer *l, const float *x, const float *y,
                         const float *dy, float *dx, int batch, void *aux,
                         emo__ctx *ctx);

/* Individual kernels, for the dispatcher and the tests. */
void emo__conv_forward(const emo__layer *l, const float *x, float *y,
                       int batch, emo__ctx *ctx);
/* Inference variant with given weights (e.g. batch norm folded in), bias
 * (NULL = none) and a fused ReLU. */
void emo__conv_forward_ex(const emo__layer *l, const float *W,
                          const float *bias, int relu, const float *x,
                          float *y, int batch, emo__ctx *ctx);
void emo__conv_backward(emo__layer *l, const float *x, const float *dy,
                        float *dx, int batch, emo__ctx *ctx);
size_t emo__conv_scratch(const emo__layer *l, int batch);
/* The Winograd F(2x2,3x3) / F(4x4,3x3) path for 3x3 stride-1 ungrouped
 * convolutions (conv_winograd.c); conv.c chooses it per layer, the tile
 * size is chosen by the layer's map size.  Scratch as sized by
 * emo__wino_scratch in ctx->col; backward accumulates dW (param_grads)
 * and writes dx unless NULL, not the bias gradient. */
int emo__wino_applies(const emo__layer *l);
/* Tests and benchmarks: m = 2, 3 or 4 makes every layer take
 * F(m x m,3x3), anything else restores the rule (the environment variable
 * EMO_WINO_TILE=2|3|4 does the same for a whole process).  Process-wide:
 * set it before making workspaces (their cached filter transforms have
 * the tile size of the moment they were made). */
void emo__wino_force_tile(int m);
/* The tile size m (2, 3 or 4) the layer takes for a call of `batch` images. */
int emo__wino_tile(const emo__layer *l, int batch);
size_t emo__wino_scratch(const emo__layer *l, int batch);
void emo__wino_forward(const emo__layer *l, const float *W,
                       const float *bias, int relu, const float *x, float *y,
                       int batch, emo__ctx *ctx);
void emo__wino_backward(emo__layer *l, const float *x, const float *dy,
                        float *dx, int batch, int param_grads, emo__ctx *ctx);
/* The filter transform U = G W G^T for tile size m on its own
 * (emo__wino_filter_floats floats), and the forward pass with a U made by
 * it: inference caches U per weight version (forward.c). */
size_t emo__wino_filter_floats(const emo__layer *l, int m);
void emo__wino_filter(const emo__layer *l, int m, const float *W, float *U);
/* The same, the filters split across `threads` pool threads. */
void emo__wino_filter_mt(const emo__layer *l, int m, const float *W,
                         float *U, int threads);
void emo__wino_forward_u(const emo__layer *l, const float *U, int m,
                         const float *bias, int relu, const float *x,
                         float *y, int batch, emo__ctx *ctx);
size_t emo__wino_packed_floats(const emo__layer *l, int m);
/* The packed filter forms where a kernel runs: U packed for the forward
 * products (Up, emo__wino_packed_floats; inference's cache, training's
 * every step) and U^T packed for the input gradient's (Ut,
 * emo__wino_packed_t_floats: more than Up's where the input channels
 * leave more of a panel empty than the output channels do; NULL: not
 * made), written by the transform itself (no plain U, no packing pass);
 * the filters split across `threads` pool threads.  Rows past the layer's channels in the last
 * panel are left as they are: they only feed lanes no kernel stores. */
size_t emo__wino_packed_t_floats(const emo__layer *l, int m);
void emo__wino_filter_packed_mt(const emo__layer *l, int m, const float *W,
                                float *Up, float *Ut, int threads);
/* Whether conv.c takes the fast path for this layer at `batch` (0 when
 * the environment variable EMO_CONV_REFERENCE is set to anything but 0). */
int emo__conv_fast(const emo__layer *l, int batch);
/* Whether layer l's backward at `batch` can take its output gradient as
 * a deferred batch-norm input gradient (ctx->bn_dy): a convolution on
 * Winograd, without a bias (whose gradient would need dy itself). */
int emo__conv_takes_bn_dy(const emo__layer *l, int batch);
/* The rule with the filter transform already made (inference's cache):
 * fewer tiles pay.  emo__conv_forward_cached runs conv_forward_ex, or
 * Winograd on the cached U (made for tile size m) when U is not NULL, m
 * is the layer's tile size now and this rule says so. */
int emo__conv_fast_cached(const emo__layer *l, int batch);
void emo__conv_forward_cached(const emo__layer *l, const float *W,
                              const float *U, int m, const float *bias,
                              int relu,
                              const float *x, float *y, int batch,
                              emo__ctx *ctx);
/* Products Y = W X with few columns and W packed beforehand
 * (gemm_packed.c): rows x K weights as panels of 16 rows,
 * emo__packed_floats floats from emo__packed_alloc (free()).  The
 * inference cache packs a conv layer's weights per group, group g at
 * g * emo__packed_floats(cout_g, K); conv_forward_ex uses them (through
 * ctx->packed_w) for calls of at most EMO__PACKED_MAX_COLS columns.
 * emo__packed_gemm returns 0, having done nothing, where no kernel runs
 * (no AVX2 + FMA, not x86-64); Y rows are ldy floats apart, X rows ldx. */
#define EMO__PACKED_MAX_COLS 96
#define EMO__PACK_PANEL 16
size_t emo__packed_floats(int rows, int K);
/* Where element (r, k) of a rows x K matrix goes in its packed form. */
static inline size_t emo__packed_at(int K, size_t r, size_t k)
{
    return (r / EMO__PACK_PANEL * (size_t)K + k) * EMO__PACK_PANEL +
           r % EMO__PACK_PANEL;
}
float *emo__packed_alloc(size_t floats);
void emo__pack_rows(const float *W, int rows, int K, float *Wp);
int emo__packed_available(void);
int emo__packed_gemm(const float *Wp, int rows, int K, const float *X,
                     size_t ldx, int cols, float *Y, size_t ldy, int threads);
/* The same product with each column a row: X cols x K (rows ldx apart),
 * Y cols x rows (ldy apart), as Winograd's M = V U^T. */
int emo__packed_gemm_xt(const float *Wp, int rows, int K, const float *X,
                        size_t ldx, int cols, float *Y, size_t ldy,
                        int threads);
/* Tests: 0 = no kernel, 1 = AVX2, 2 = AVX-512, at most the CPU's; -1 =
 * the CPU's own. */
void emo__packed_force_isa(int isa);
/* Whether a call of conv layer l on `batch` images has packed im2col
 * products (at most EMO__PACKED_MAX_COLS output positions, a kernel, no
 * EMO_CONV_REFERENCE, not cached Winograd); the inference cache packs the
 * weights then. */
int emo__conv_packs(const emo__layer *l, int batch);
/* threads: its products split across that many pool threads with
 * OpenBLAS on one (ctx->split_products), 1 = OpenBLAS's own threads. */
void emo__fc_forward(const emo__layer *l, const float *x, float *y,
                     int batch, int threads);
void emo__fc_backward(emo__layer *l, const float *x, const float *dy,
                      float *dx, int batch, int param_grads);
void emo__relu_forward(const float *x, float *y, size_t n, int threads);
void emo__relu_backward(const float *y, const float *dy, float *dx,
                        size_t n, int threads);
void emo__maxpool_forward(const emo__layer *l, const float *x, float *y,
                          int batch, int32_t *argmax, int threads);
void emo__maxpool_backward(const emo__layer *l, const float *dy, float *dx,
                           int batch, const int32_t *argmax, int threads);
/* Pieces of max pooling for the batch norm that fuses it (batchnorm.c):
 * whether l is 2x2 stride 2 without padding on an even input (whole
 * windows); one plane of that pooling (argmax within the plane, as the
 * layer's); and one plane's backward, written in one pass (no zeroing
 * first): dx = 0 but dy at the argmax, only where relu_y (the pooled
 * output of a ReLU before the pool, or NULL) is positive. */
int emo__maxpool_is_plain_2x2(const emo__layer *l);
void emo__maxpool_2x2_plane(const float *src, int W, int OH, int OW,
                            float *dst, int32_t *am);
void emo__maxpool_2x2_plane_back(const float *dy, const int32_t *am,
                                 const float *relu_y, int W, int OH, int OW,
                                 float *dx);
void emo__avgpool_forward(const emo__layer *l, const float *x, float *y,
                          int batch);
void emo__avgpool_backward(const emo__layer *l, const float *dy, float *dx,
                           int batch);
void emo__gap_forward(const emo__layer *l, const float *x, float *y,
                      int batch);
void emo__gap_backward(const emo__layer *l, const float *dy, float *dx,
                       int batch);
void emo__lrn_forward(const emo__layer *l, const float *x, float *y,
                      int batch, float *scale);
void emo__lrn_backward(const emo__layer *l, const float *x, const float *y,
                       const float *dy, float *dx, int batch,
                       const float *scale);
void emo__dropout_forward(const emo__layer *l, const float *x, float *y,
                          int batch, float *mask, emo__ctx *ctx);
void emo__dropout_backward(const emo__layer *l, const float *dy, float *dx,
                           int batch, const float *mask);
/* BN aux: 3*C floats (batch mean, inverse std, biased variance) */
void emo__bn_forward(const emo__layer *l, const float *x, float *y,
                     int batch, float *stats, emo__ctx *ctx);
void emo__bn_backward(emo__layer *l, const float *x, const float *dy,
                      float *dx, int batch, const float *stats, int threads);
/* Training batch norm, with the layers after it that train_pass.c fuses
 * in: a ReLU (relu), then a max pool for which emo__bn_can_fuse_pool
 * holds (pool, with its argmax buffer; the full-size ReLU output is then
 * never stored).  y is the output of the last fused layer, dy its
 * gradient (overwritten when only a ReLU is fused: dead afterwards).
 * The results are bitwise those of the layers run one by one. */
typedef struct emo__bn_fusion {
    int relu;
    const emo__layer *pool;
    int32_t *argmax;
} emo__bn_fusion;
/* Largest input plane (h x w) with a fused pool: its planes are staged
 * in a per-thread stack buffer of this many floats. */
#define EMO__BN_POOL_PLANE 4096
int emo__bn_can_fuse_pool(const emo__layer *bn, const emo__layer *pool);
/* The whole batch at once, channels split across threads: each channel's
 * statistics and normalisation (backward: its sums and input gradient)
 * in one go while its data is in cache.  Backward writes dx unless NULL
 * and accumulates gamma and beta gradients if param_grads. */
void emo__bn_train_forward(const emo__layer *l, const emo__bn_fusion *f,
                           const float *x, float *y, int batch, float *stats,
                           int threads);
void emo__bn_train_backward(emo__layer *l, const emo__bn_fusion *f,
                            const float *x, const float *y, float *dy,
                            float *dx, int batch, const float *stats,
                            int param_grads, int threads);
/* One slice of a batch split across threads (or processes): the
 * statistics need every slice, so the caller sums the slices' per-channel
 * partial results (C doubles each) in between.  Forward: slice_sums ->
 * set_mean -> slice_sq_dev -> set_spread -> slice_apply; backward:
 * slice_grad_sums -> (gamma, beta gradients are the sums) -> slice_dx.
 * m is the element count of the whole batch per channel (batch * H * W).
 * f's argmax and y, dy are the slice's. */
void emo__bn_slice_sums(const emo__layer *l, const float *x, int nb,
                        double *sum);
void emo__bn_set_mean(const emo__layer *l, double m, const double *sum,
                      float *stats);
void emo__bn_slice_sq_dev(const emo__layer *l, const float *x, int nb,
                          const float *stats, double *s2);
void emo__bn_set_spread(const emo__layer *l, double m, const double *s2,
                        float *stats);
void emo__bn_slice_apply(const emo__layer *l, const emo__bn_fusion *f,
                         const float *x, float *y, int nb,
                         const float *stats);
void emo__bn_slice_grad_sums(const emo__layer *l, const emo__bn_fusion *f,
                             const float *x, const float *y, float *dy,
                             int nb, const float *stats, double *sdy,
                             double *sdyx);
void emo__bn_slice_dx(const emo__layer *l, const emo__bn_fusion *f,
                      const float *x, const float *y, const float *dy,
                      float *dx, int nb, const float *stats, double m,
                      const double *sdy, const double *sdyx);
/* Updates running statistics from the batch statistics of the last
 * training forward (PyTorch's rule: unbiased variance, momentum); m is
 * the batch's values per channel (batch x H x W). */
void emo__bn_update_running(emo__layer *l, double m, const float *stats);
void emo__softmax_forward(const float *x, float *y, int batch, int n);
/* Weighted cross-entropy on probabilities: returns the loss (PyTorch's
 * mean: sum w_y * -log p_y / sum w_y) and writes d loss / d logits.
 * targets (batch x n rows summing to 1, or NULL for one-hot labels) makes
 * it the cross-entropy against a distribution, sum_j -q_j log p_j, each
 * row still weighted by its label's class weight. */
double emo__softmax_xent(const float *probs, const int *labels,
                         const float *targets, int batch, int n,
                         const float *class_weights, float *dlogits);
/* Its two halves, for a batch spread over processes: the weighted sum of
 * the rows' cross-entropies (returned) and the sum of the weights (*wsum);
 * then d loss / d logits for a loss normalised by the global wsum (<= 0
 * taken as 1). */
double emo__xent_sums(const float *probs, const int *labels,
                      const float *targets, int batch, int n,
                      const float *class_weights, double *wsum);
void emo__xent_grad(const float *probs, const int *labels,
                    const float *targets, int batch, int n,
                    const float *class_weights, double wsum, float *dlogits);

/* im2col / col2im of one image (channels c, h x w) for a k x k kernel;
 * column-matrix rows are ld floats apart (ld >= oh * ow).  col2im
 * overwrites im with the sum of the columns; it may zero entries of col
 * that fall outside the image (col is scratch to its callers). */
void emo__im2col(const float *im, int c, int h, int w, int k, int stride,
                 int pad, int oh, int ow, float *col, size_t ld);
void emo__col2im(float *col, int c, int h, int w, int k, int stride, int pad,
                 int oh, int ow, float *im, size_t ld);

/* Caffe's ceil-mode pooling output size. */
int emo__pool_out(int in, int size, int stride, int pad);

/* ---- graph (graph.c, parse.c, init.c, presets.c) ----------------------- */

/* Fills *net from parsed layers (takes ownership of `layers`): computes
 * shapes and allocates parameters (zero).  On error *net is empty.
 * Errors: EMO_ERR_FORMAT (shapes do not fit, with the layer's line),
 * EMO_ERR_LIMIT, EMO_ERR_NOMEM. */
int emo__net_build(emo__net *net, emo__layer *layers, int n,
                   emo__shape input);
/* Parses the text format into *net, built, weights not drawn yet.
 * Errors: EMO_ERR_FORMAT, EMO_ERR_LIMIT, EMO_ERR_NOMEM. */
int emo__net_parse(const char *text, emo__net *net);
/* Draws the initial weights from `seed` (one generator per layer) and
 * clears momentum. */
void emo__net_init_weights(emo__net *net, uint64_t seed);
/* Frees the layers and their tensors; *net is left empty. */
void emo__net_release(emo__net *net);
/* Name of a layer type ("conv"...). */
const char *emo__layer_type_name(int type);
/* Layer by name, or NULL. */
emo__layer *emo__net_find(const emo__net *net, const char *name);
/* Text of a preset for `classes` outputs (malloc'ed), or NULL. */
char *emo__preset_text(const char *name, int classes);
/* Makes sure every learned parameter has grad and momentum buffers. */
int emo__net_alloc_train(emo__net *net);
/* Clears momentum buffers (e.g. when a new training run starts). */
void emo__net_zero_momentum(emo__net *net);

/* ---- workspaces (workspace.c) ----------------------------------------- */

/* Per-thread slices of a training step (train_pass.c runs them): state of
 * slices 1 .. count-1 (slice 0 uses the network itself), and the batch
 * norms' partial sums of every slice (count 1 included). */
typedef struct emo__shards {
    int count;          /* slices prepared */
    int cap_batch;      /* the batch the scratch was sized for */
    int n_layers;
    emo__layer *layers; /* (count - 1) x n_layers copies, own grads */
    float *grads;       /* their gradient storage */
    size_t grads_n;     /* floats per slice */
    float *col;         /* (count - 1) x col_n scratch floats (slice 0
                           uses the workspace's, sized for the batch) */
    size_t col_n;
    double *bn;         /* count x 2 x (bn_c + 1) partial sums, then
                           2 x (bn_c + 1) for a reducer's buffer */
    int bn_c;
    float *bn_k;        /* 2 x bn_c: a deferred input gradient's k1, k2 */
    /* per layer: its filters in Winograd form (wino_cap floats; NULL
     * where no tile size applies), made by the step's forward pass for
     * tile wino_m (0: not made) from weights of net version wino_ver:
     * U, or where wino_packs[i] the two packed forms (Up, then Ut at
     * emo__wino_packed_floats; emo__wino_filter_packed_mt) */
    float **wino_u;
    size_t *wino_cap;
    int *wino_m;
    int *wino_packs;
    uint64_t *wino_ver;
} emo__shards;

/* Per-thread state of forward (and backward) passes, grow-only in batch. */
typedef struct emo__net_ws {
    int n_layers;     /* of the network it was made for */
    int cap_batch;    /* buffers sized for this batch */
    int train_cap;    /* with per-layer outputs, gradients and aux data */
    float **act;      /* training: output of layer i in act[i + 1] */
    float **diff;     /* training: gradient of act[i] */
    void **aux;       /* training: per-layer aux data */
    float *pp[2];     /* inference: ping-pong activations */
    size_t pp_image;  /* their floats per image (the largest layer's) */
    float *col;       /* scratch (im2col) */
    size_t col_bytes;
    int threads;      /* kernel threads of forward passes */
    emo_rng rng;
    int64_t image0;   /* training: emo__ctx.image0 of the step */
    /* conv weights with the following batch norm folded in (inference),
     * valid while folded_version == net->version */
    uint64_t folded_version;
    float **fold_w, **fold_b;
    float **wino_u; /* Winograd filter transforms of those weights (or of
                       the layer's own), same validity */
    int *wino_m;    /* their tile sizes */
    float **packed_w; /* the same weights packed for emo__packed_gemm
                         (layers where emo__conv_packs), same validity */
    float **wino_packed; /* or, instead of wino_u, the transform packed
                            (where emo__packed_available) */
    emo__shards *shards; /* training slices */
    float *slice_col;    /* inference slices: scratch of each (forward.c) */
    size_t slice_col_floats; /* each slice's, sized for */
    int slice_col_per, slice_col_count; /* this many images and slices */
    int unfused;         /* tests: training runs batch norm, ReLU and
                            pooling as separate layers (the reference of
                            the fused kernels) */
} emo__net_ws;

/* Creates an empty workspace for `net` (buffers grow on first use) whose
 * forward passes run the kernels on `threads` threads (ws->threads may be
 * changed later).  Errors: EMO_ERR_INVALID_ARG, EMO_ERR_NOMEM. */
int emo__net_ws_create(const emo__net *net, int threads, emo__net_ws **out);
void emo__net_ws_destroy(emo__net_ws *ws);
/* Ensures buffers for `batch` (and gradients when train is set). */
int emo__net_ws_reserve(const emo__net *net, emo__net_ws *ws, int batch,
                        int train);
/* Prepares the per-thread slices of a training step at `batch` and
 * `threads` (for one thread only the batch norms' partial sums); the
 * training passes need it first, with the same batch and threads.
 * Errors: EMO_ERR_NOMEM. */
int emo__net_ws_reserve_slices(const emo__net *net, emo__net_ws *ws,
                               int batch, int threads);

/* ---- passes (forward.c, train_pass.c) ---------------------------------- */

/* Inference forward of batch x C x H x W floats to batch x classes
 * probabilities, with the caller's workspace (thread-safe for distinct
 * workspaces on one network; does not modify net).  A batch of at
 * least ws->threads images runs as that many slices side by side, one
 * per thread; a smaller one on the kernels' loop-level threading.  BLAS
 * runs on one thread (its count is process-wide: set on each call).
 * Errors: EMO_ERR_INVALID_ARG, EMO_ERR_NOMEM. */
int emo__net_forward_ws(const emo__net *net, emo__net_ws *ws,
                        const float *input, int batch, float *probs);

/* Where inference writes layer i's output (its k-th layer run) for
 * images b0 on (forward.c; the tests check that slices never overlap). */
float *emo__infer_out(const emo__net *net, const emo__net_ws *ws, int i,
                      int k, int b0, float *probs);

/* The caller's cross-process sum (emo_network_set_reducer): the training
 * passes hand it the batch norms' partial sums, so that the statistics
 * are a global batch's.  NULL or fn NULL: this process is the batch. */
typedef struct emo__reducer {
    emo_reducer_fn fn;
    void *user;
} emo__reducer;
/* Calls red->fn (when set) on data; EMO_ERR_IO when it fails. */
int emo__reduce(const emo__reducer *red, int what, int type, void *data,
                size_t count);

/* Training forward: every layer's output kept in ws->act, aux data
 * recorded, batch-norm running statistics updated (with a reducer, from
 * the global batch's statistics).  Sets BLAS's thread count (1 per
 * slice, or `threads` with a single slice).  Needs emo__net_ws_reserve
 * (train) and emo__net_ws_reserve_slices first.  Errors: EMO_ERR_IO (the
 * reducer failed; the pass stopped there). */
int emo__train_forward(emo__net *net, emo__net_ws *ws, const float *input,
                       int batch, int threads, const emo__reducer *red);
/* Backward from d loss / d logits in ws->diff[n_layers - 1]: accumulates
 * the learned parameters' gradients (this process's; the caller reduces
 * them).  Errors: EMO_ERR_IO (the reducer failed). */
int emo__train_backward(emo__net *net, emo__net_ws *ws, const float *input,
                        int batch, int threads, const emo__reducer *red);

#endif
