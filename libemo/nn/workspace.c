/*
 * workspace.c - per-thread buffers of forward and backward passes.
 *
 * Inference needs only two activation buffers used in turn (ping-pong),
 * sized for the largest layer; training keeps every layer's output,
 * gradient and auxiliary data for backward, and with several threads the
 * per-slice copies of train_pass.c.  Buffers only grow, so a steady stream
 * of same-sized batches allocates nothing.
 */
#include "nn/nn.h"

#include <stdlib.h>
#include <string.h>

static void shards_free(emo__shards *s)
{
    if (!s)
        return;
    free(s->layers);
    free(s->grads);
    free(s->col);
    free(s->bn);
    free(s->bn_k);
    if (s->wino_u)
        for (int i = 0; i < s->n_layers; i++)
            free(s->wino_u[i]);
    free(s->wino_u);
    free(s->wino_cap);
    free(s->wino_m);
    free(s->wino_packs);
    free(s->wino_ver);
    free(s);
}

/* Slices used for `batch` at `threads`. */
static int slice_count(int threads, int batch)
{
    return threads < batch ? threads : batch;
}

static size_t learned_floats(const emo__net *net)
{
    size_t n = 0;
    for (int i = 0; i < net->n_layers; i++)
        for (int j = 0; j < net->layers[i].nparams; j++)
            if (net->layers[i].p[j].learned)
                n += net->layers[i].p[j].n;
    return n;
}

/* Room for each Winograd layer's transformed filters at the tile size
 * the slices' batch takes, plain or both packed forms (a test forcing
 * the other size after this falls back to per-call transforms where it
 * does not fit).  Zeroed: the packed forms' padding rows are never
 * written. */
static int alloc_filter_forms(const emo__net *net, int per, emo__shards *s)
{
    int n = net->n_layers;
    s->wino_u = calloc((size_t)n, sizeof *s->wino_u);
    s->wino_cap = calloc((size_t)n, sizeof *s->wino_cap);
    s->wino_m = calloc((size_t)n, sizeof *s->wino_m);
    s->wino_packs = calloc((size_t)n, sizeof *s->wino_packs);
    s->wino_ver = calloc((size_t)n, sizeof *s->wino_ver);
    if (!s->wino_u || !s->wino_cap || !s->wino_m || !s->wino_packs ||
        !s->wino_ver)
        return emo__fail(EMO_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        const emo__layer *l = &net->layers[i];
        if (!emo__wino_applies(l) || !emo__conv_fast(l, per))
            continue;
        int m = emo__wino_tile(l, per);
        size_t f = emo__wino_filter_floats(l, m);
        size_t fp = emo__wino_packed_floats(l, m) +
                    emo__wino_packed_t_floats(l, m);
        if (emo__packed_available() && fp > f)
            f = fp;
        s->wino_u[i] = calloc(f, sizeof(float));
        if (!s->wino_u[i])
            return emo__fail(EMO_ERR_NOMEM, "cannot allocate %zu filter "
                             "floats of layer '%s'", f, l->name);
        s->wino_cap[i] = f;
    }
    return EMO_OK;
}

static int alloc_shards(const emo__net *net, int count, int batch,
                        emo__shards *s)
{
    int per = (batch + count - 1) / count, bn_c = 0;
    size_t col = 0;
    for (int i = 0; i < net->n_layers; i++) {
        size_t c = emo__layer_scratch(&net->layers[i], per);
        col = c > col ? c : col;
        if (net->layers[i].type == EMO__L_BN && net->layers[i].in.c > bn_c)
            bn_c = net->layers[i].in.c;
    }
    s->count = count;
    s->cap_batch = batch;
    s->n_layers = net->n_layers;
    s->grads_n = learned_floats(net);
    s->col_n = col;
    s->bn_c = bn_c;
    s->layers = malloc(sizeof(emo__layer) *
                       ((size_t)(count - 1) * (size_t)net->n_layers + 1));
    s->grads = malloc(sizeof(float) * ((count - 1) * s->grads_n + 1));
    s->col = malloc(sizeof(float) * ((size_t)(count - 1) * (col + 1) + 1));
    s->bn = malloc(sizeof(double) * ((size_t)count + 1) * 2 *
                   ((size_t)bn_c + 1));
    s->bn_k = malloc(sizeof(float) * (2 * (size_t)bn_c + 1));
    if (!s->layers || !s->grads || !s->col || !s->bn || !s->bn_k)
        return emo__fail(EMO_ERR_NOMEM, "cannot allocate training slices "
                         "for %d threads", count);
    return alloc_filter_forms(net, per, s);
}

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
    if (ws->wino_u)
        for (int i = 0; i < n; i++)
            free(ws->wino_u[i]);
    if (ws->packed_w)
        for (int i = 0; i < n; i++)
            free(ws->packed_w[i]);
    if (ws->wino_packed)
        for (int i = 0; i < n; i++)
            free(ws->wino_packed[i]);
    free(ws->act);
    free(ws->diff);
    free(ws->aux);
    free(ws->fold_w);
    free(ws->fold_b);
    free(ws->wino_u);
    free(ws->wino_m);
    free(ws->packed_w);
    free(ws->wino_packed);
    free(ws->col);
    free(ws->slice_col);
    free(ws->pp[0]);
    free(ws->pp[1]);
    shards_free(ws->shards);
}

int emo__net_ws_create(const emo__net *net, int threads, emo__net_ws **out)
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
        ws->wino_u = calloc((size_t)n, sizeof *ws->wino_u);
        ws->wino_m = calloc((size_t)n, sizeof *ws->wino_m);
        ws->packed_w = calloc((size_t)n, sizeof *ws->packed_w);
        ws->wino_packed = calloc((size_t)n, sizeof *ws->wino_packed);
    }
    if (!ws || !ws->act || !ws->diff || !ws->aux || !ws->fold_w ||
        !ws->fold_b || !ws->wino_u || !ws->wino_m || !ws->packed_w ||
        !ws->wino_packed) {
        emo__net_ws_destroy(ws);
        return emo__fail(EMO_ERR_NOMEM, "out of memory");
    }
    emo__rng_seed(&ws->rng, 1);
    ws->threads = threads < 1 ? 1 : threads;
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

static int alloc_train_bufs(const emo__net *net, emo__net_ws *ws,
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

static int alloc_infer_bufs(const emo__net *net, emo__net_ws *ws,
                            int batch)
{
    size_t mx = 0;
    for (int i = 0; i < net->n_layers; i++) {
        size_t s = emo__shape_size(net->layers[i].out);
        mx = s > mx ? s : mx;
    }
    for (int i = 0; i < 2; i++)
        ws->pp[i] = malloc(sizeof(float) * mx * (size_t)batch);
    ws->pp_image = mx;
    if (!ws->pp[0] || !ws->pp[1])
        return emo__fail(EMO_ERR_NOMEM, "cannot allocate inference buffers"
                         " for batch %d", batch);
    return EMO_OK;
}

int emo__net_ws_reserve(const emo__net *net, emo__net_ws *ws, int batch,
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

int emo__net_ws_reserve_slices(const emo__net *net, emo__net_ws *ws,
                               int batch, int threads)
{
    int count = slice_count(threads, batch);
    emo__shards *s = ws->shards;
    if (s && s->count == count && s->cap_batch >= batch &&
        s->n_layers == net->n_layers)
        return EMO_OK;
    shards_free(s);
    ws->shards = s = calloc(1, sizeof *s);
    if (!s)
        return emo__fail(EMO_ERR_NOMEM, "out of memory");
    int rc = alloc_shards(net, count, batch, s);
    if (rc) {
        shards_free(s);
        ws->shards = NULL;
    }
    return rc;
}

emo__ctx emo__ws_ctx(emo__net_ws *ws, int train, int threads)
{
    emo__ctx c;
    c.train = train;
    c.threads = threads;
    c.col = ws->col;
    c.col_cap = ws->col_bytes / sizeof(float);
    c.rng = &ws->rng;
    c.image0 = ws->image0;
    c.skip_param_grads = 0;
    c.wino_u = NULL;
    c.wino_m = 0;
    c.packed_w = NULL;
    c.wino_packed = NULL;
    c.wino_packed_t = NULL;
    c.split_products = 0;
    c.bn_dy = NULL;
    return c;
}
