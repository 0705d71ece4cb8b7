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
 * and again when the batch moves the layer to the other tile size.  A
 * call with few tiles (emo__wino_packs) gets it packed instead: one form
 * at a time, so that the packed copy costs no memory beside U. */
static int wino_cache_fits(const emo__layer *l, const emo__net_ws *ws,
                           int i, int batch)
{
    int m = emo__wino_tile(l, batch);
    return ws->wino_m[i] == m && (emo__wino_packs(l, m, batch)
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
    if (emo__wino_packs(l, m, batch)) {
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

/* Inference: conv + bn + relu run as one layer, dropout is skipped, and
 * two buffers are used in turn (or the training buffers when the
 * workspace has them). */
int emo__net_forward_ws(const emo__net *net, emo__net_ws *ws,
                        const float *input, int batch, float *probs)
{
    if (!net || !ws || !input || !probs || batch < 1)
        return emo__fail(EMO_ERR_INVALID_ARG, "forward: NULL argument or "
                         "batch %d < 1", batch);
    int rc = emo__net_ws_reserve(net, ws, batch, 0);
    if (!rc)
        rc = refresh_folded(net, ws, batch);
    if (rc)
        return rc;
    /* OpenBLAS on one thread, its products split by the kernels across
     * the workspace's threads (gemm_split.c says why) */
    emo__nn_set_threads(1);
    emo__ctx ctx = emo__ws_ctx(ws, 0, ws->threads);
    ctx.split_products = 1;
    const float *x = input;
    int k = 0;
    for (int i = 0; i < net->n_layers; i++, k++) {
        const emo__layer *l = &net->layers[i];
        if (l->type == EMO__L_DROPOUT) {
            k--;
            continue;
        }
        float *y = ws->train_cap ? ws->act[i + 1] : ws->pp[k & 1];
        if (l->type == EMO__L_SOFTMAX)
            y = probs;
        if (l->type == EMO__L_CONV) {
            /* the fused output has the conv's shape: act[i + 1] fits */
            i = fused_conv(net, ws, i, x, y, batch, &ctx);
        } else {
            emo__layer_forward(l, x, y, batch, NULL, &ctx);
        }
        x = y;
    }
    return EMO_OK;
}
