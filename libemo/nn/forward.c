/*
 * forward.c - the inference pass: the chain of layers with a workspace,
 * convolutions fused with the batch norm and ReLU after them.  The
 * training passes are in train_pass.c.
 */
#include "nn/nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Weights of conv layer i with the batch norm after it folded in:
 * W' = W * g / sqrt(v + eps), b' = (b - m) * g / sqrt(v + eps) + beta. */
static int fold_bn(const emo__net *net, emo__net_ws *ws, int i)
{
    const emo__layer *l = &net->layers[i], *bn = &net->layers[i + 1];
    const emo__param *w = &l->p[0];
    if (!ws->fold_w[i]) {
        ws->fold_w[i] = malloc(sizeof(float) * w->n);
        ws->fold_b[i] = malloc(sizeof(float) * (size_t)l->out.c);
        if (!ws->fold_w[i] || !ws->fold_b[i])
            return emo__fail(EMO_ERR_NOMEM, "out of memory");
    }
    size_t per = w->n / (size_t)l->out.c;
    for (int f = 0; f < l->out.c; f++) {
        float sc = bn->p[0].data[f] / sqrtf(bn->p[3].data[f] + bn->eps);
        float b = l->has_bias ? l->p[1].data[f] : 0.0f;
        for (size_t k = 0; k < per; k++)
            ws->fold_w[i][f * per + k] = w->data[f * per + k] * sc;
        ws->fold_b[i][f] = (b - bn->p[2].data[f]) * sc + bn->p[1].data[f];
    }
    return EMO_OK;
}

/* Winograd's filter transform of conv layer i's inference weights (the
 * folded ones when a batch norm follows) for the tile size of a call of
 * `batch` images, made once per weight version rather than on every call,
 * and again when the batch moves the layer to the other tile size.
 * Packed for gemm_packed.c's kernel wherever it runs (conv_winograd.c's
 * CHUNK_VALUES_PACKED says why), else plain U for OpenBLAS. */
static int wino_cache_fits(const emo__layer *l, const emo__net_ws *ws,
                           int i, int batch)
{
    int m = emo__wino_tile(l, batch);
    return ws->wino_m[i] == m && (emo__packed_available()
                                      ? ws->wino_packed[i] != NULL
                                      : ws->wino_u[i] != NULL);
}

static void drop_wino(emo__net_ws *ws, int i)
{
    free(ws->wino_u[i]);
    free(ws->wino_packed[i]);
    ws->wino_u[i] = ws->wino_packed[i] = NULL;
    ws->wino_m[i] = 0;
}

static int cache_wino(const emo__net *net, emo__net_ws *ws, int i, int batch)
{
    const emo__layer *l = &net->layers[i];
    int m = emo__wino_tile(l, batch);
    const float *W = ws->fold_w[i] ? ws->fold_w[i] : l->p[0].data;
    drop_wino(ws, i);
    if (emo__packed_available()) {
        size_t n = emo__wino_packed_floats(l, m);
        float *Up = emo__packed_alloc(n);
        if (!Up)
            return emo__fail(EMO_ERR_NOMEM, "out of memory");
        memset(Up, 0, sizeof(float) * n); /* padding rows stay defined */
        emo__wino_filter_packed_mt(l, m, W, Up, NULL, 1);
        ws->wino_packed[i] = Up;
    } else {
        float *U = malloc(sizeof(float) * emo__wino_filter_floats(l, m));
        if (!U)
            return emo__fail(EMO_ERR_NOMEM, "out of memory");
        emo__wino_filter(l, m, W, U);
        ws->wino_u[i] = U;
    }
    ws->wino_m[i] = m;
    return EMO_OK;
}

/* Conv layer i's inference weights packed for short products
 * (gemm_packed.c), each group's filters on their own panels. */
static int cache_packed(const emo__net *net, emo__net_ws *ws, int i)
{
    const emo__layer *l = &net->layers[i];
    const float *W = ws->fold_w[i] ? ws->fold_w[i] : l->p[0].data;
    int rows = l->out.c / l->groups;
    int K = (int)(l->p[0].n / (size_t)l->out.c);
    size_t per = emo__packed_floats(rows, K);
    if (!ws->packed_w[i]) {
        ws->packed_w[i] = emo__packed_alloc(per * (size_t)l->groups);
        if (!ws->packed_w[i])
            return emo__fail(EMO_ERR_NOMEM, "out of memory");
    }
    for (int g = 0; g < l->groups; g++)
        emo__pack_rows(W + (size_t)g * rows * K, rows, K,
                       ws->packed_w[i] + (size_t)g * per);
    return EMO_OK;
}

static int refresh_folded(const emo__net *net, emo__net_ws *ws, int batch)
{
    int stale = ws->folded_version != net->version;
    for (int i = 0; i < net->n_layers; i++) {
        const emo__layer *l = &net->layers[i];
        if (l->type != EMO__L_CONV)
            continue;
        int rc = EMO_OK;
        if (stale && i + 1 < net->n_layers &&
            net->layers[i + 1].type == EMO__L_BN)
            rc = fold_bn(net, ws, i);
        /* a transform only where this call takes Winograd on it */
        if (!emo__conv_fast_cached(l, batch))
            drop_wino(ws, i);
        else if (!rc && (stale || !wino_cache_fits(l, ws, i, batch)))
            rc = cache_wino(net, ws, i, batch);
        /* packed on the first call that uses them (batch 1 or 2), kept
         * beside the weights for later calls at any batch */
        if (stale) {
            free(ws->packed_w[i]);
            ws->packed_w[i] = NULL;
        }
        if (!rc && !ws->packed_w[i] && emo__conv_packs(l, batch))
            rc = cache_packed(net, ws, i);
        if (rc)
            return rc;
    }
    ws->folded_version = net->version;
    return EMO_OK;
}

/* Runs conv layer i fused with a following bn and relu; returns the index
 * of the last layer consumed. */
static int fused_conv(const emo__net *net, emo__net_ws *ws, int i,
                      const float *x, float *y, int batch, emo__ctx *ctx)
{
    const emo__layer *l = &net->layers[i];
    const float *W = l->p[0].data;
    const float *b = l->has_bias ? l->p[1].data : NULL;
    int j = i + 1, n = net->n_layers;
    if (j < n && net->layers[j].type == EMO__L_BN) {
        W = ws->fold_w[i];
        b = ws->fold_b[i];
        j++;
    }
    int relu = j < n && net->layers[j].type == EMO__L_RELU;
    ctx->packed_w = ws->packed_w[i];
    ctx->wino_packed = ws->wino_packed[i];
    emo__conv_forward_cached(l, W, ws->wino_u[i], ws->wino_m[i], b, relu, x,
                             y, batch, ctx);
    ctx->packed_w = ctx->wino_packed = NULL;
    return relu ? j : j - 1;
}

/* Where layer i (the k-th run, dropout skipped) writes images b0 on:
 * its part of two buffers used in turn, or of the training buffers
 * when the workspace has them; an image's values are contiguous in each.
 * In the two buffers a slice keeps to its images' share of the largest
 * layer (b0 x pp_image on): slices run unsynchronised, one may be layers
 * ahead of the other, and offsets by each layer's own size overlapped (a
 * slice at a small layer wrote over the other's images at a large one,
 * which it had yet to read). */
float *emo__infer_out(const emo__net *net, const emo__net_ws *ws, int i,
                      int k, int b0, float *probs)
{
    const emo__layer *l = &net->layers[i];
    if (l->type == EMO__L_SOFTMAX || ws->train_cap)
        return (l->type == EMO__L_SOFTMAX ? probs : ws->act[i + 1]) +
               (size_t)b0 * emo__shape_size(l->out);
    return ws->pp[k & 1] + (size_t)b0 * ws->pp_image;
}

/* Images [b0, b0 + nb) of the batch through every layer: conv + bn +
 * relu run as one layer, dropout is skipped. */
static void forward_chain(const emo__net *net, emo__net_ws *ws,
                          const float *input, int b0, int nb, float *probs,
                          emo__ctx *ctx)
{
    const float *x = input + (size_t)b0 * emo__shape_size(net->layers[0].in);
    int k = 0;
    for (int i = 0; i < net->n_layers; i++, k++) {
        const emo__layer *l = &net->layers[i];
        if (l->type == EMO__L_DROPOUT) {
            k--;
            continue;
        }
        float *y = emo__infer_out(net, ws, i, k, b0, probs);
        if (l->type == EMO__L_CONV) {
            /* the fused output has the conv's shape: act[i + 1] fits */
            i = fused_conv(net, ws, i, x, y, nb, ctx);
        } else {
            emo__layer_forward(l, x, y, nb, NULL, ctx);
        }
        x = y;
    }
}

/* Slices of the batch, one per thread, each through the whole chain on
 * one thread: inference has no point where images meet, so the threads
 * never wait on each other, and each runs the single-threaded kernels
 * (packed products on chunks that stay in cache) that training's slices
 * run.  Measured with build/nn_bench fwd at 2 threads on the Xeon
 * (docs/benchmarks.md, session 14), against the kernels' loop-level
 * threading: batch 2 0.66x (default net) and 0.66x (VGG), batch 32
 * 0.53x and 0.59x; batch 3 (slices of 1 and 2) 0.80x and 1.07x. */
static int slice_count(int threads, int batch)
{
    return threads > 1 && batch >= threads ? threads : 1;
}

typedef struct slices_job {
    const emo__net *net;
    emo__net_ws *ws;
    const float *input;
    float *probs;
    int batch, count;
} slices_job;

static void run_slices(void *arg, size_t s0, size_t s1)
{
    const slices_job *j = arg;
    for (size_t s = s0; s < s1; s++) {
        int b0 = (int)((long long)j->batch * (long long)s / j->count);
        int b1 = (int)((long long)j->batch * (long long)(s + 1) / j->count);
        emo__ctx ctx = emo__ws_ctx(j->ws, 0, 1);
        ctx.col = j->ws->slice_col + s * j->ws->slice_col_floats;
        ctx.col_cap = j->ws->slice_col_floats;
        forward_chain(j->net, j->ws, j->input, b0, b1 - b0, j->probs, &ctx);
    }
}

/* Scratch of one slice of at most `per` images, for each of `count`
 * (emo__layer_scratch grows with the batch and covers every path a
 * layer may take, so a larger earlier reservation serves). */
static int reserve_slice_col(const emo__net *net, emo__net_ws *ws, int per,
                             int count)
{
    if (ws->slice_col && per <= ws->slice_col_per &&
        count <= ws->slice_col_count)
        return EMO_OK;
    size_t need = 0;
    for (int i = 0; i < net->n_layers; i++) {
        size_t s = emo__layer_scratch(&net->layers[i], per);
        need = s > need ? s : need;
    }
    free(ws->slice_col);
    ws->slice_col = malloc(sizeof(float) * (need * (size_t)count + 1));
    ws->slice_col_floats = ws->slice_col ? need : 0;
    ws->slice_col_per = ws->slice_col ? per : 0;
    ws->slice_col_count = ws->slice_col ? count : 0;
    return ws->slice_col ? EMO_OK
                         : emo__fail(EMO_ERR_NOMEM, "cannot allocate "
                                     "scratch of %d inference slices",
                                     count);
}

/* Inference.  OpenBLAS runs on one thread: in slices each thread runs
 * its own products; on the whole batch the kernels split them across
 * the workspace's threads (gemm_split.c says why). */
int emo__net_forward_ws(const emo__net *net, emo__net_ws *ws,
                        const float *input, int batch, float *probs)
{
    if (!net || !ws || !input || !probs || batch < 1)
        return emo__fail(EMO_ERR_INVALID_ARG, "forward: NULL argument or "
                         "batch %d < 1", batch);
    int count = slice_count(ws->threads, batch);
    /* the filter caches are made for the smaller slices; a larger one
     * (batch not a multiple of count) takes them too, or falls back to
     * im2col where its tile size differs (emo__conv_forward_cached) */
    int per = batch / count;
    int rc = emo__net_ws_reserve(net, ws, batch, 0);
    if (!rc && count > 1)
        rc = reserve_slice_col(net, ws, per + 1, count);
    if (!rc)
        rc = refresh_folded(net, ws, per);
    if (rc)
        return rc;
    emo__nn_set_threads(1);
    if (count > 1) {
        slices_job j = {net, ws, input, probs, batch, count};
        emo__parallel_for(count, (size_t)count, 1, run_slices, &j);
        return EMO_OK;
    }
    emo__ctx ctx = emo__ws_ctx(ws, 0, ws->threads);
    ctx.split_products = 1;
    forward_chain(net, ws, input, 0, batch, probs, &ctx);
    return EMO_OK;
}
