/*
 * workspace.c - per-thread buffers of forward and backward passes.
 *
 * Inference needs only two activation buffers used in turn (ping-pong),
 * sized for the largest layer; training keeps every layer's output,
 * gradient and auxiliary data for backward.  Buffers only grow, so a
 * steady stream of same-sized batches allocates nothing.
 */
#include "nn/nn.h"

#include <stdlib.h>
#include <string.h>

static void free_arrays(emo__net_ws *ws, int n)
{
    for (int i = 0; i <= n; i++) {
        if (ws->act)
            free(ws->act[i]);
        if (ws->diff)
            free(ws->diff[i]);
        if (ws->aux && i < n)
            free(ws->aux[i]);
    }
    if (ws->fold_w)
        for (int i = 0; i < n; i++) {
            free(ws->fold_w[i]);
            free(ws->fold_b[i]);
        }
    free(ws->act);
    free(ws->diff);
    free(ws->aux);
    free(ws->fold_w);
    free(ws->fold_b);
    free(ws->col);
    free(ws->pp[0]);
    free(ws->pp[1]);
    emo__shards_free(ws->shards);
}

int emo__net_ws_create(const emo_network *net, emo__net_ws **out)
{
    *out = NULL;
    if (!net)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL network");
    emo__net_ws *ws = calloc(1, sizeof *ws);
    int n = net->n_layers;
    if (ws) {
        ws->n_layers = n;
        ws->act = calloc((size_t)n + 1, sizeof *ws->act);
        ws->diff = calloc((size_t)n + 1, sizeof *ws->diff);
        ws->aux = calloc((size_t)n, sizeof *ws->aux);
        ws->fold_w = calloc((size_t)n, sizeof *ws->fold_w);
        ws->fold_b = calloc((size_t)n, sizeof *ws->fold_b);
    }
    if (!ws || !ws->act || !ws->diff || !ws->aux || !ws->fold_w ||
        !ws->fold_b) {
        emo__net_ws_destroy(ws);
        return emo__fail(EMO_ERR_NOMEM, "out of memory");
    }
    emo__rng_seed(&ws->rng, 1);
    ws->threads = emo__opti(&net->opts, EMO_OPT_NET_THREADS);
    *out = ws;
    return EMO_OK;
}

void emo__net_ws_destroy(emo__net_ws *ws)
{
    if (!ws)
        return;
    free_arrays(ws, ws->n_layers);
    free(ws);
}

/* Grows *buf to hold `bytes`; keeps it when large enough. */
static int grow(void **buf, size_t *have, size_t bytes)
{
    if (*have >= bytes && *buf)
        return EMO_OK;
    free(*buf);
    *buf = malloc(bytes ? bytes : 1);
    *have = *buf ? bytes : 0;
    return *buf ? EMO_OK : emo__fail(EMO_ERR_NOMEM, "cannot allocate %zu "
                                     "bytes of workspace", bytes);
}

static void release_layer_bufs(emo__net_ws *ws)
{
    for (int i = 0; i <= ws->n_layers; i++) {
        free(ws->act[i]);
        free(ws->diff[i]);
        ws->act[i] = ws->diff[i] = NULL;
        if (i < ws->n_layers) {
            free(ws->aux[i]);
            ws->aux[i] = NULL;
        }
    }
    free(ws->pp[0]);
    free(ws->pp[1]);
    ws->pp[0] = ws->pp[1] = NULL;
}

static int alloc_train_bufs(const emo_network *net, emo__net_ws *ws,
                            int batch)
{
    for (int i = 0; i < net->n_layers; i++) {
        const emo__layer *l = &net->layers[i];
        size_t out = (size_t)batch * emo__shape_size(l->out);
        size_t aux = emo__layer_aux_bytes(l, batch);
        ws->act[i + 1] = malloc(sizeof(float) * out);
        ws->diff[i + 1] = malloc(sizeof(float) * out);
        ws->aux[i] = aux ? malloc(aux) : NULL;
        if (!ws->act[i + 1] || !ws->diff[i + 1] || (aux && !ws->aux[i]))
            return emo__fail(EMO_ERR_NOMEM, "cannot allocate training "
                             "buffers for batch %d", batch);
    }
    /* gradient of the first layer's input is never needed */
    return EMO_OK;
}

static int alloc_infer_bufs(const emo_network *net, emo__net_ws *ws,
                            int batch)
{
    size_t mx = 0;
    for (int i = 0; i < net->n_layers; i++) {
        size_t s = emo__shape_size(net->layers[i].out);
        mx = s > mx ? s : mx;
    }
    for (int i = 0; i < 2; i++)
        ws->pp[i] = malloc(sizeof(float) * mx * (size_t)batch);
    if (!ws->pp[0] || !ws->pp[1])
        return emo__fail(EMO_ERR_NOMEM, "cannot allocate inference buffers"
                         " for batch %d", batch);
    return EMO_OK;
}

int emo__net_ws_reserve(const emo_network *net, emo__net_ws *ws, int batch,
                        int train)
{
    if (ws->n_layers != net->n_layers)
        return emo__fail(EMO_ERR_MISMATCH, "workspace of another network");
    if (batch <= ws->cap_batch && (ws->train_cap || !train))
        return EMO_OK;
    int cap = batch > ws->cap_batch ? batch : ws->cap_batch;
    size_t scratch = 0;
    for (int i = 0; i < net->n_layers; i++) {
        size_t s = emo__layer_scratch(&net->layers[i], cap);
        scratch = s > scratch ? s : scratch;
    }
    int rc = grow((void **)&ws->col, &ws->col_bytes, sizeof(float) * scratch);
    if (rc)
        return rc;
    train = train || ws->train_cap;
    release_layer_bufs(ws);
    ws->cap_batch = 0;
    ws->train_cap = 0;
    rc = train ? alloc_train_bufs(net, ws, cap)
               : alloc_infer_bufs(net, ws, cap);
    if (rc) {
        release_layer_bufs(ws);
        return rc;
    }
    ws->cap_batch = cap;
    ws->train_cap = train;
    return EMO_OK;
}
