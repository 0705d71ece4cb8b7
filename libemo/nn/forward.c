/*
 * forward.c - running the chain of layers: inference with a workspace,
 * and the training forward/backward used by the SGD step.
 */
#include "nn/nn.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* OpenBLAS's setting is process-wide and its default is every core, whose
 * idle workers spin in sched_yield: a one-thread video loop that leaves it
 * ran 2.8x slower in wall time on 2 cores.  Every pass sets it; the
 * common case (already right) only reads it. */
void emo__nn_set_threads(int threads)
{
    threads = threads < 1 ? 1 : threads;
    if (openblas_get_num_threads() != threads)
        openblas_set_num_threads(threads);
}

emo__ctx emo__ws_ctx(emo__net_ws *ws, int train, int threads)
{
    emo__ctx c;
    c.train = train;
    c.threads = threads;
    c.col = ws->col;
    c.col_cap = ws->col_bytes / sizeof(float);
    c.rng = &ws->rng;
    c.skip_param_grads = 0;
    return c;
}

/* Weights of conv layer i with the batch norm after it folded in:
 * W' = W * g / sqrt(v + eps), b' = (b - m) * g / sqrt(v + eps) + beta. */
static int fold_bn(const emo_network *net, emo__net_ws *ws, int i)
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

static int refresh_folded(const emo_network *net, emo__net_ws *ws)
{
    if (ws->folded_version == net->version)
        return EMO_OK;
    for (int i = 0; i + 1 < net->n_layers; i++)
        if (net->layers[i].type == EMO__L_CONV &&
            net->layers[i + 1].type == EMO__L_BN) {
            int rc = fold_bn(net, ws, i);
            if (rc)
                return rc;
        }
    ws->folded_version = net->version;
    return EMO_OK;
}

/* Runs conv layer i fused with a following bn and relu; returns the index
 * of the last layer consumed. */
static int fused_conv(const emo_network *net, emo__net_ws *ws, int i,
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
    emo__conv_forward_ex(l, W, b, relu, x, y, batch, ctx);
    return relu ? j : j - 1;
}

/* Inference: conv + bn + relu run as one layer, dropout is skipped, and
 * two buffers are used in turn (or the training buffers when the
 * workspace has them). */
int emo__net_forward_ws(const emo_network *net, emo__net_ws *ws,
                        const float *input, int batch, float *probs)
{
    if (!net || !ws || !input || !probs || batch < 1)
        return emo__fail(EMO_ERR_INVALID_ARG, "forward: NULL argument or "
                         "batch %d < 1", batch);
    int rc = emo__net_ws_reserve(net, ws, batch, 0);
    if (!rc)
        rc = refresh_folded(net, ws);
    if (rc)
        return rc;
    emo__nn_set_threads(ws->threads);
    emo__ctx ctx = emo__ws_ctx(ws, 0, ws->threads);
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

static int net_threads(const emo_network *net)
{
    return emo__opti(&net->opts, EMO_OPT_NET_THREADS);
}

static void zero_grads(emo_network *net)
{
    for (int i = 0; i < net->n_layers; i++)
        for (int j = 0; j < net->layers[i].nparams; j++) {
            emo__param *p = &net->layers[i].p[j];
            if (p->grad)
                memset(p->grad, 0, sizeof(float) * p->n);
        }
}

/* Caffe's SGD: v = m v + lr (g + wd w); w -= v, with per-layer multipliers. */
static void sgd_update(emo_network *net, double lr)
{
    float m = (float)emo__opt(&net->opts, EMO_OPT_TRAIN_MOMENTUM);
    double wd = emo__opt(&net->opts, EMO_OPT_TRAIN_WEIGHT_DECAY);
    for (int i = 0; i < net->n_layers; i++) {
        emo__layer *l = &net->layers[i];
        float lr_l = (float)(lr * l->lr_mult);
        float wd_l = (float)(wd * l->decay_mult);
        if (lr_l == 0.0f)
            continue;
        for (int j = 0; j < l->nparams; j++) {
            emo__param *p = &l->p[j];
            if (!p->learned)
                continue;
            for (size_t k = 0; k < p->n; k++) {
                p->mom[k] = m * p->mom[k] + lr_l * (p->grad[k] +
                                                    wd_l * p->data[k]);
                p->data[k] -= p->mom[k];
            }
        }
    }
}

static int count_correct(const float *probs, const int *labels, int batch,
                         int n)
{
    int hits = 0;
    for (int b = 0; b < batch; b++) {
        const float *p = probs + (size_t)b * n;
        int best = 0;
        for (int j = 1; j < n; j++)
            if (p[j] > p[best])
                best = j;
        hits += best == labels[b];
    }
    return hits;
}

int emo__net_train_step_ws(emo_network *net, emo__net_ws *ws,
                           const float *input, const int *labels, int batch,
                           double lr, const float *class_weights,
                           double *loss, float *probs, int *correct)
{
    if (!net || !ws || !input || !labels || batch < 1)
        return emo__fail(EMO_ERR_INVALID_ARG, "train step: NULL argument or"
                         " batch %d < 1", batch);
    if (!(lr >= 0.0) || lr > 1e3)
        return emo__fail(EMO_ERR_RANGE, "learning rate %g out of range", lr);
    for (int b = 0; b < batch; b++)
        if (labels[b] < 0 || labels[b] >= net->num_classes)
            return emo__fail(EMO_ERR_RANGE, "label %d of item %d outside "
                             "[0, %d)", labels[b], b, net->num_classes);
    int threads = net_threads(net);
    int rc = emo__net_ws_reserve(net, ws, batch, 1);
    if (!rc)
        rc = emo__net_alloc_train(net);
    if (!rc)
        rc = emo__train_pass_reserve(net, ws, batch, threads);
    if (rc)
        return rc;
    uint64_t seed = (uint64_t)emo__opti(&net->opts, EMO_OPT_NET_SEED);
    emo__rng_seed(&ws->rng, seed * 0x2545F4914F6CDD1DULL + net->step + 1);
    zero_grads(net);
    emo__train_forward(net, ws, input, batch, threads);
    int n = net->num_classes, last = net->n_layers - 1;
    const float *p = ws->act[last + 1];
    double l = emo__softmax_xent(p, labels, batch, n, class_weights,
                                 ws->diff[last]);
    emo__train_backward(net, ws, input, batch, threads);
    sgd_update(net, lr);
    net->step++;
    net->version++;
    net->fresh = 0;
    if (loss)
        *loss = l;
    if (probs)
        memcpy(probs, p, sizeof(float) * (size_t)batch * n);
    if (correct)
        *correct = count_correct(p, labels, batch, n);
    return EMO_OK;
}
