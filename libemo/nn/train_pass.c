/*
 * train_pass.c - the training forward and backward passes, data-parallel.
 *
 * With T threads the batch is cut into T slices and every layer runs on
 * the slices side by side, each thread with single-threaded kernels and
 * BLAS.  Splitting each small product of a 48x48 net across threads
 * scales poorly (PyTorch gains 1.6x from a second core there, libemo's
 * kernel-level threading gained 1.36x); whole slices keep both cores busy
 * between the few points where slices must meet:
 *   - batch norm, whose statistics span the batch: each slice sums its
 *     part, the caller combines the sums, then the slices continue;
 *   - dropout, run on the whole batch (one key per layer from the
 *     step's generator; each image's mask from that key and the image's
 *     global index, dropout.c);
 *   - softmax and the loss (whole batch, tiny);
 *   - weight gradients: slice 0 accumulates into the network's grad
 *     buffers, the others into their own copies, added at the end.
 * Results then differ from one thread only in float summation order.
 * With one slice (one thread, or batch 1) the layers run on the whole
 * batch with the kernels' own loop-level threading.
 *
 * A batch norm fuses the layers after it (graph decisions here, kernels
 * in batchnorm.c and pool.c):
 *   - a ReLU: clamped as it is written; backward masks the gradient in
 *     the same loop that sums it (the batch norm's own output buffer is
 *     left unused);
 *   - then a 2x2 stride-2 max pool (the default and VGG nets' pool1-3):
 *     each plane is normalised into a stack buffer and pooled from there,
 *     so the full-size ReLU output is never stored (its buffer is left
 *     unused); backward scatters the pooled gradient into a plane on the
 *     stack and sums it there (no masking pass, no full-size gradient).
 * Its statistics span the batch: with several slices each slice sums its
 * part, the caller combines the sums, then the slices continue (each
 * thread keeps to its own images, which its other layers write and
 * read).  With one slice, the batch norm runs on the whole batch with
 * the threads taking whole channels, each channel's statistics and
 * normalisation (backward: sums and input gradient) in one go while its
 * data is in cache.  The same meeting points serve data parallelism
 * across processes: with a reducer (emo_network_set_reducer) the
 * combined sums, with the count of values they cover, are summed over
 * the processes before they are used (always the slices' phases then),
 * so the statistics are the global batch's.
 * The fused arithmetic is the layers' own, in the same order: results are
 * bitwise those of the layers run one by one at the same thread count
 * (the nn_fuse tests, with the workspace's `unfused` flag).
 */
#include "nn/nn.h"

#include <stdlib.h>
#include <string.h>

/* ---- one pass over the slices -------------------------------------------- */

typedef struct pass {
    emo__net *net;
    emo__net_ws *ws;
    emo__shards *sh;
    const float *input;
    int batch, count, layer, stop;
    int phase; /* batch norm: which step of the layer runs */
    int span;  /* batch norm: layers after it fused in (bn_span) */
    double m;  /* batch norm: values per channel, over every process */
    const emo__reducer *red;
    /* backward: a batch norm's input gradient left to the convolution
     * before it (layer defer_layer; -1: none), for the whole batch */
    int defer_layer;
    emo__bn_dy defer;
} pass;

enum { BN_SUMS, BN_SQ_DEV, BN_APPLY, BN_GRAD_SUMS, BN_DX };

static int slice_begin(const pass *p, int s)
{
    return (int)((long long)p->batch * s / p->count);
}

static emo__layer *slice_layer(const pass *p, int s, int i)
{
    return s ? &p->sh->layers[(size_t)(s - 1) * p->net->n_layers + i]
             : &p->net->layers[i];
}

/* Layer i's filters in Winograd form, made once per step for every
 * slice and for the backward pass (each call made its own before: per
 * slice, and again in backward), split across the threads. */
static void make_filter_forms(const pass *p, int i, int threads)
{
    emo__shards *sh = p->sh;
    const emo__layer *l = &p->net->layers[i];
    int nb = slice_begin(p, 1); /* slice 0's; the others differ by <= 1 */
    sh->wino_m[i] = 0;
    if (!sh->wino_u[i] || !emo__conv_fast(l, nb))
        return;
    int m = emo__wino_tile(l, nb);
    size_t pf = emo__wino_packed_floats(l, m);
    sh->wino_packs[i] = emo__packed_available() &&
                        pf + emo__wino_packed_t_floats(l, m) <=
                            sh->wino_cap[i];
    if (sh->wino_packs[i])
        emo__wino_filter_packed_mt(l, m, l->p[0].data, sh->wino_u[i],
                                   sh->wino_u[i] + pf, threads);
    else if (emo__wino_filter_floats(l, m) <= sh->wino_cap[i])
        emo__wino_filter_mt(l, m, l->p[0].data, sh->wino_u[i], threads);
    else
        return; /* a tile size forced after the slices were sized */
    sh->wino_m[i] = m;
    sh->wino_ver[i] = p->net->version;
}

/* Points c at layer i's filter forms while they match its weights (the
 * kernels check the tile size against each call's batch, and that a
 * kernel still runs for the packed ones). */
static void use_filter_forms(const pass *p, int i, emo__ctx *c)
{
    const emo__shards *sh = p->sh;
    int ok = sh->wino_m[i] && sh->wino_ver[i] == p->net->version;
    int packs = ok && sh->wino_packs[i];
    const float *f = sh->wino_u[i];
    c->wino_u = ok && !packs ? f : NULL;
    c->wino_packed = packs ? f : NULL;
    c->wino_packed_t =
        packs ? f + emo__wino_packed_floats(&p->net->layers[i], sh->wino_m[i])
              : NULL;
    c->wino_m = ok ? sh->wino_m[i] : 0;
}

static emo__ctx slice_ctx(const pass *p, int s)
{
    emo__ctx c = emo__ws_ctx(p->ws, 1, 1);
    if (s > 0) {
        c.col = p->sh->col + (size_t)(s - 1) * (p->sh->col_n + 1);
        c.col_cap = p->sh->col_n;
    }
    use_filter_forms(p, p->layer, &c);
    return c;
}

/* Slice s of layer i's input (i = 0: the batch) and output, and of its
 * gradients and aux data. */
typedef struct slice {
    int n0, nb;
    const float *x;
    float *y, *dy, *dx;
    void *aux;
} slice;

static slice slice_of(const pass *p, int s, int i)
{
    const emo__layer *l = &p->net->layers[i];
    emo__net_ws *ws = p->ws;
    slice v;
    v.n0 = slice_begin(p, s);
    v.nb = slice_begin(p, s + 1) - v.n0;
    size_t in = emo__shape_size(l->in), out = emo__shape_size(l->out);
    v.x = (i ? ws->act[i] : p->input) + (size_t)v.n0 * in;
    v.y = ws->act[i + 1] + (size_t)v.n0 * out;
    v.dy = ws->diff[i + 1] + (size_t)v.n0 * out;
    v.dx = i > p->stop ? ws->diff[i] + (size_t)v.n0 * in : NULL;
    v.aux = ws->aux[i] ? (char *)ws->aux[i] +
                             (size_t)v.n0 * emo__layer_aux_bytes(l, 1)
                       : NULL;
    return v;
}

static double *bn_part(const pass *p, int s, int k)
{
    return p->sh->bn + ((size_t)s * 2 + (size_t)k) * ((size_t)p->sh->bn_c + 1);
}

/* Slice s's share of the fused layers after the batch norm; v's output
 * and its gradient become the last fused layer's. */
static emo__bn_fusion slice_fusion(const pass *p, int s, slice *v)
{
    emo__bn_fusion f = {p->span >= 1, NULL, NULL};
    if (p->span) {
        slice r = slice_of(p, s, p->layer + p->span);
        v->y = r.y;
        v->dy = r.dy;
    }
    if (p->span == 2) {
        f.pool = &p->net->layers[p->layer + 2];
        f.argmax = slice_of(p, s, p->layer + 2).aux;
    }
    return f;
}

static void bn_slice(const pass *p, int s)
{
    const emo__layer *l = slice_layer(p, s, p->layer);
    slice v = slice_of(p, s, p->layer);
    const float *st = p->ws->aux[p->layer];
    emo__bn_fusion f = slice_fusion(p, s, &v);
    switch (p->phase) {
    case BN_SUMS:
        emo__bn_slice_sums(l, v.x, v.nb, bn_part(p, s, 0));
        break;
    case BN_SQ_DEV:
        emo__bn_slice_sq_dev(l, v.x, v.nb, st, bn_part(p, s, 0));
        break;
    case BN_APPLY:
        emo__bn_slice_apply(l, &f, v.x, v.y, v.nb, st);
        break;
    case BN_GRAD_SUMS:
        emo__bn_slice_grad_sums(l, &f, v.x, v.y, v.dy, v.nb, st,
                                bn_part(p, s, 0), bn_part(p, s, 1));
        break;
    case BN_DX:
        emo__bn_slice_dx(l, &f, v.x, v.y, v.dy, v.dx, v.nb, st, p->m,
                         bn_part(p, 0, 0), bn_part(p, 0, 1));
        break;
    }
}

static void forward_slices(void *arg, size_t s0, size_t s1)
{
    const pass *p = arg;
    for (size_t s = s0; s < s1; s++) {
        emo__layer *l = slice_layer(p, (int)s, p->layer);
        slice v = slice_of(p, (int)s, p->layer);
        emo__ctx c = slice_ctx(p, (int)s);
        emo__layer_forward(l, v.x, v.y, v.nb, v.aux, &c);
    }
}

/* The deferred input gradient (p->defer) from image n0 on, or NULL when
 * layer i takes none. */
static const emo__bn_dy *deferred_dy(const pass *p, int i, int n0,
                                     emo__bn_dy *at)
{
    if (p->defer_layer != i)
        return NULL;
    size_t off = (size_t)n0 * emo__shape_size(p->net->layers[i].out);
    *at = p->defer;
    at->g += off;
    at->x += off;
    return at;
}

static void backward_slices(void *arg, size_t s0, size_t s1)
{
    const pass *p = arg;
    for (size_t s = s0; s < s1; s++) {
        emo__layer *l = slice_layer(p, (int)s, p->layer);
        slice v = slice_of(p, (int)s, p->layer);
        emo__ctx c = slice_ctx(p, (int)s);
        emo__bn_dy at;
        c.skip_param_grads = !(l->nparams > 0 && l->lr_mult > 0.0f);
        c.bn_dy = deferred_dy(p, p->layer, v.n0, &at);
        emo__layer_backward(l, v.x, v.y, v.dy, v.dx, v.nb, v.aux, &c);
    }
}

static void bn_slices(void *arg, size_t s0, size_t s1)
{
    for (size_t s = s0; s < s1; s++)
        bn_slice(arg, (int)s);
}

static void run(pass *p, emo__range_fn fn)
{
    emo__parallel_for(p->count, (size_t)p->count, 1, fn, p);
}

/* Adds slice 1.. partial sums into slice 0's (k = 0, 1), in slice order. */
static void combine_bn(const pass *p, int k, int c)
{
    double *dst = bn_part(p, 0, k);
    for (int s = 1; s < p->count; s++) {
        const double *src = bn_part(p, s, k);
        for (int j = 0; j < c; j++)
            dst[j] += src[j];
    }
}

int emo__reduce(const emo__reducer *red, int what, int type, void *data,
                size_t count)
{
    if (!red || !red->fn)
        return EMO_OK;
    int rc = red->fn(red->user, what, type, data, count);
    if (rc)
        return emo__fail(EMO_ERR_IO, "reducer returned %d on buffer %d "
                         "(%zu values)", rc, what, count);
    return EMO_OK;
}

/* The reducer's buffer after every slice's partial sums. */
static double *bn_red(const pass *p)
{
    return bn_part(p, p->count, 0);
}

/* Puts this process's count of values per channel after the C combined
 * sums at `sum`, sums the n doubles there over the processes, and takes
 * the global count. */
static int bn_reduce_sums(pass *p, int what, double *sum, size_t n)
{
    const emo__layer *l = &p->net->layers[p->layer];
    int C = l->in.c;
    sum[C] = (double)p->batch * l->in.h * l->in.w;
    int rc = emo__reduce(p->red, what, EMO_REDUCE_F64, sum, n);
    if (rc)
        return rc;
    if (!(sum[C] >= 1.0 && sum[C] < 1e18))
        return emo__fail(EMO_ERR_IO, "reducer: %g values per channel at "
                         "layer '%s'", sum[C], l->name);
    p->m = sum[C];
    return EMO_OK;
}

static int bn_forward(pass *p)
{
    const emo__layer *l = &p->net->layers[p->layer];
    float *st = p->ws->aux[p->layer];
    double *sum = bn_part(p, 0, 0);
    p->phase = BN_SUMS;
    run(p, bn_slices);
    combine_bn(p, 0, l->in.c);
    size_t n = (size_t)l->in.c + 1;
    int rc = bn_reduce_sums(p, EMO_REDUCE_BN_MEAN, sum, n);
    if (rc)
        return rc;
    emo__bn_set_mean(l, p->m, sum, st);
    p->phase = BN_SQ_DEV;
    run(p, bn_slices);
    combine_bn(p, 0, l->in.c);
    rc = bn_reduce_sums(p, EMO_REDUCE_BN_VAR, sum, n);
    if (rc)
        return rc;
    emo__bn_set_spread(l, p->m, sum, st);
    p->phase = BN_APPLY;
    run(p, bn_slices);
    return EMO_OK;
}

/* Whether batch norm p->layer can leave its input gradient to the
 * convolution before it (emo__bn_dy): that layer's backward reads it as
 * it lays out its output gradient, so the gradient is never written and
 * read back (with slices each phase streams the whole slice from memory;
 * build/nn_bench, Xeon: see docs/benchmarks.md, session 13).  Not with
 * a fused pool (its sparse gradient), not in the unfused reference. */
static int can_defer_dx(const pass *p)
{
    int i = p->layer;
    if (i < 1 || p->span > 1 || p->ws->unfused)
        return 0;
    const emo__layer *conv = &p->net->layers[i - 1];
    for (int s = 0; s < p->count; s++)
        if (!emo__conv_takes_bn_dy(conv, slice_begin(p, s + 1) -
                                             slice_begin(p, s)))
            return 0;
    return 1;
}

static void defer_dx(pass *p, const double *sdy, const double *sdyx)
{
    int i = p->layer, C = p->net->layers[i].in.c;
    const float *st = p->ws->aux[i];
    float *k = p->sh->bn_k;
    for (int c = 0; c < C; c++) { /* as emo__bn_slice_dx passes them */
        k[c] = (float)(sdy[c] / p->m);
        k[C + c] = (float)(sdyx[c] / p->m);
    }
    emo__bn_dy d = {p->ws->diff[i + p->span + 1], p->ws->act[i], st, st + C,
                    p->net->layers[i].p[0].data, k, k + C};
    p->defer = d;
    p->defer_layer = i - 1;
}

/* The input gradient needs the global batch's sums; gamma and beta take
 * this process's (their gradients are summed with all the others). */
static int bn_backward(pass *p)
{
    emo__layer *l = &p->net->layers[p->layer];
    int C = l->in.c;
    double *sdy = bn_part(p, 0, 0), *sdyx = bn_part(p, 0, 1);
    p->phase = BN_GRAD_SUMS;
    run(p, bn_slices);
    combine_bn(p, 0, C);
    combine_bn(p, 1, C);
    if (l->lr_mult > 0.0f)
        for (int c = 0; c < C; c++) {
            l->p[0].grad[c] += (float)sdyx[c];
            l->p[1].grad[c] += (float)sdy[c];
        }
    if (p->layer <= p->stop)
        return EMO_OK;
    p->m = (double)p->batch * l->in.h * l->in.w;
    if (p->red && p->red->fn) {
        double *r = bn_red(p);
        memcpy(r, sdy, sizeof(double) * (size_t)C);
        memcpy(r + C + 1, sdyx, sizeof(double) * (size_t)C);
        int rc = bn_reduce_sums(p, EMO_REDUCE_BN_GRAD, r, 2 * (size_t)C + 1);
        if (rc)
            return rc;
        memcpy(sdy, r, sizeof(double) * (size_t)C);
        memcpy(sdyx, r + C + 1, sizeof(double) * (size_t)C);
    }
    if (can_defer_dx(p)) {
        defer_dx(p, sdy, sdyx);
        return EMO_OK;
    }
    p->phase = BN_DX;
    run(p, bn_slices);
    return EMO_OK;
}

/* Layers that run on the whole batch at once. */
static int whole_batch(const emo__layer *l)
{
    return l->type == EMO__L_DROPOUT || l->type == EMO__L_SOFTMAX;
}

/* Slice copies of the layers, their gradients pointing into own storage
 * cleared for this step. */
static void prepare_slices(pass *p)
{
    emo__shards *sh = p->sh;
    int n = p->net->n_layers;
    emo__parallel_zero(sh->grads, (sh->count - 1) * sh->grads_n, sh->count);
    for (int s = 1; s < sh->count; s++) {
        float *g = sh->grads + (size_t)(s - 1) * sh->grads_n;
        for (int i = 0; i < n; i++) {
            emo__layer *c = slice_layer(p, s, i);
            *c = p->net->layers[i];
            for (int j = 0; j < c->nparams; j++)
                if (c->p[j].learned) {
                    c->p[j].grad = g;
                    g += c->p[j].n;
                }
        }
    }
}

/* Adds the slices' copies of one parameter's gradient into the
 * network's, element by element in slice order. */
typedef struct grad_sum_job {
    const pass *p;
    int layer, param;
} grad_sum_job;

static void sum_grad_range(void *arg, size_t k0, size_t k1)
{
    const grad_sum_job *j = arg;
    float *dst = j->p->net->layers[j->layer].p[j->param].grad;
    for (int s = 1; s < j->p->count; s++) {
        const float *src = slice_layer(j->p, s, j->layer)->p[j->param].grad;
        for (size_t k = k0; k < k1; k++)
            dst[k] += src[k];
    }
}

static void sum_slice_grads(pass *p)
{
    for (int i = 0; i < p->net->n_layers; i++) {
        emo__layer *l = &p->net->layers[i];
        if (l->lr_mult <= 0.0f || l->type == EMO__L_BN)
            continue; /* BN's gradients were summed in bn_backward */
        for (int j = 0; j < l->nparams; j++) {
            grad_sum_job job = {p, i, j};
            if (l->p[j].learned && l->p[j].grad)
                emo__parallel_for(p->count, l->p[j].n,
                                  EMO__PARALLEL_FLOATS, sum_grad_range,
                                  &job);
        }
    }
}

/* The slices emo__net_ws_reserve_slices prepared for this batch. */
static pass make_pass(emo__net *net, emo__net_ws *ws, const float *input,
                      int batch)
{
    pass p = {net, ws, ws->shards, input, batch, ws->shards->count, 0, 0, 0,
              0, 0.0, NULL, -1, {0}};
    return p;
}

/* Whether layer i is a batch norm run with the ReLU after it. */
static int fused_bn_relu(const emo__net *net, int i)
{
    return net->layers[i].type == EMO__L_BN && i + 1 < net->n_layers &&
           net->layers[i + 1].type == EMO__L_RELU;
}

static int trainable(const emo__layer *l)
{
    return l->nparams > 0 && l->lr_mult > 0.0f;
}

/* First layer that needs a gradient: nothing before the first trainable
 * layer does (only the last layers train when fine-tuning). */
static int first_needed(const emo__net *net)
{
    int stop = 0;
    while (stop < net->n_layers - 1 && !trainable(&net->layers[stop]))
        stop++;
    return stop;
}

/* Whether a batch norm takes the whole batch in one call, channels split
 * across threads: with one slice (the phases' meeting points would only
 * cost a pass over the data each), unless the statistics are reduced
 * across processes.  With several slices each thread keeps to its own
 * images (the data its other layers write and read). */
static int bn_whole(const pass *p)
{
    return p->count == 1 && !(p->red && p->red->fn) && !p->ws->unfused;
}

/* How many layers after the batch norm i run inside it: none, its ReLU
 * (1), or the ReLU and a max pool the kernels can fuse (2). */
static int bn_span(const pass *p, int i)
{
    const emo__net *net = p->net;
    if (p->ws->unfused || !fused_bn_relu(net, i))
        return 0;
    if (i + 2 < net->n_layers &&
        emo__bn_can_fuse_pool(&net->layers[i], &net->layers[i + 2]))
        return 2;
    return 1;
}

static emo__bn_fusion bn_fusion(const pass *p, int i, int span)
{
    emo__bn_fusion f = {span >= 1, NULL, NULL};
    if (span == 2) {
        f.pool = &p->net->layers[i + 2];
        f.argmax = p->ws->aux[i + 2];
    }
    return f;
}

static void bn_forward_whole(pass *p, int span, int threads)
{
    int i = p->layer;
    const emo__layer *l = &p->net->layers[i];
    emo__net_ws *ws = p->ws;
    emo__bn_fusion f = bn_fusion(p, i, span);
    emo__bn_train_forward(l, &f, i ? ws->act[i] : p->input,
                          ws->act[i + span + 1], p->batch, ws->aux[i],
                          threads);
    p->m = (double)p->batch * l->in.h * l->in.w;
}

static void bn_backward_whole(pass *p, int span, int threads)
{
    int i = p->layer, e = i + span;
    emo__layer *l = &p->net->layers[i];
    emo__net_ws *ws = p->ws;
    emo__bn_fusion f = bn_fusion(p, i, span);
    emo__bn_train_backward(l, &f, i ? ws->act[i] : p->input, ws->act[e + 1],
                           ws->diff[e + 1], i > p->stop ? ws->diff[i] : NULL,
                           p->batch, ws->aux[i], trainable(l), threads);
}

/* The first layer of the fused group that ends at layer i (i itself when
 * it ends none). */
static int group_start(const pass *p, int i)
{
    const emo__layer *L = p->net->layers;
    if (i >= 2 && L[i - 2].type == EMO__L_BN && bn_span(p, i - 2) == 2)
        return i - 2;
    if (i >= 1 && L[i - 1].type == EMO__L_BN && bn_span(p, i - 1) == 1)
        return i - 1;
    return i;
}

int emo__train_forward(emo__net *net, emo__net_ws *ws, const float *input,
                       int batch, int threads, const emo__reducer *red)
{
    pass p = make_pass(net, ws, input, batch);
    p.red = red;
    emo__ctx whole = emo__ws_ctx(ws, 1, threads);
    if (p.count > 1)
        prepare_slices(&p);
    emo__nn_set_threads(p.count > 1 ? 1 : threads);
    for (int i = 0; i < net->n_layers; i++) {
        emo__layer *l = &net->layers[i];
        const float *x = i ? ws->act[i] : input;
        int span = l->type == EMO__L_BN ? bn_span(&p, i) : 0;
        p.layer = i;
        p.span = span;
        if (l->type == EMO__L_CONV)
            make_filter_forms(&p, i, threads);
        use_filter_forms(&p, i, &whole);
        if (l->type == EMO__L_BN && bn_whole(&p)) {
            bn_forward_whole(&p, span, threads);
        } else if (l->type == EMO__L_BN) {
            int rc = bn_forward(&p);
            if (rc)
                return rc;
        } else if (p.count == 1 || whole_batch(l))
            emo__layer_forward(l, x, ws->act[i + 1], batch, ws->aux[i],
                               &whole);
        else
            run(&p, forward_slices);
        if (l->type == EMO__L_BN)
            emo__bn_update_running(l, p.m, ws->aux[i]);
        i += span; /* the fused layers ran with it */
    }
    return EMO_OK;
}

int emo__train_backward(emo__net *net, emo__net_ws *ws, const float *input,
                        int batch, int threads, const emo__reducer *red)
{
    pass p = make_pass(net, ws, input, batch);
    p.red = red;
    emo__ctx whole = emo__ws_ctx(ws, 1, threads);
    p.stop = first_needed(net);
    for (int i = net->n_layers - 2; i >= p.stop; i--) {
        int b = group_start(&p, i), span = i - b;
        if (b < p.stop) { /* cannot happen: stop is a trainable layer */
            b = i;
            span = 0;
        }
        emo__layer *l = &net->layers[b];
        i = b; /* the fused layers run inside the batch norm */
        p.layer = i;
        p.span = span;
        if (l->type == EMO__L_BN && bn_whole(&p)) {
            bn_backward_whole(&p, span, threads);
        } else if (l->type == EMO__L_BN) {
            int rc = bn_backward(&p);
            if (rc)
                return rc;
        } else if (p.count == 1 || whole_batch(l)) {
            emo__bn_dy at;
            whole.skip_param_grads = !trainable(l);
            whole.bn_dy = deferred_dy(&p, i, 0, &at);
            use_filter_forms(&p, i, &whole);
            emo__layer_backward(l, i ? ws->act[i] : input, ws->act[i + 1],
                                ws->diff[i + 1],
                                i > p.stop ? ws->diff[i] : NULL, batch,
                                ws->aux[i], &whole);
            whole.bn_dy = NULL;
        } else {
            run(&p, backward_slices);
        }
        if (p.defer_layer == i)
            p.defer_layer = -1;
    }
    if (p.count > 1)
        sum_slice_grads(&p);
    return EMO_OK;
}
