/*
 * sgd.c - one step of stochastic gradient descent on an emo_network:
 * training forward and backward (nn/train_pass.c), weighted
 * cross-entropy, Caffe's momentum update with per-layer multipliers; and
 * emo_network_train_step, the public single step.
 */
#include "train/train.h"
#include "model/network.h"

#include <string.h>

static void zero_grads(emo__net *net)
{
    for (int i = 0; i < net->n_layers; i++)
        for (int j = 0; j < net->layers[i].nparams; j++) {
            emo__param *p = &net->layers[i].p[j];
            if (p->grad)
                memset(p->grad, 0, sizeof(float) * p->n);
        }
}

/* Caffe's SGD: v = m v + lr (g + wd w); w -= v, with per-layer multipliers. */
static void sgd_update(emo__net *net, double lr, float m, double wd)
{
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

int emo__sgd_step(emo_network *net, emo__net_ws *ws, const float *input,
                  const int *labels, const float *targets, int batch,
                  double lr,
                  const float *class_weights, double *loss, float *probs,
                  int *correct)
{
    if (!net || !ws || !input || !labels || batch < 1)
        return emo__fail(EMO_ERR_INVALID_ARG, "train step: NULL argument or"
                         " batch %d < 1", batch);
    if (!(lr >= 0.0) || lr > 1e3)
        return emo__fail(EMO_ERR_RANGE, "learning rate %g out of range", lr);
    emo__net *g = &net->nn;
    for (int b = 0; b < batch; b++)
        if (labels[b] < 0 || labels[b] >= g->num_classes)
            return emo__fail(EMO_ERR_RANGE, "label %d of item %d outside "
                             "[0, %d)", labels[b], b, g->num_classes);
    int threads = emo__opti(&net->opts, EMO_OPT_NET_THREADS);
    int rc = emo__net_ws_reserve(g, ws, batch, 1);
    if (!rc)
        rc = emo__net_alloc_train(g);
    if (!rc)
        rc = emo__net_ws_reserve_slices(g, ws, batch, threads);
    if (rc)
        return rc;
    uint64_t seed = (uint64_t)emo__opti(&net->opts, EMO_OPT_NET_SEED);
    emo__rng_seed(&ws->rng, seed * 0x2545F4914F6CDD1DULL + net->step + 1);
    zero_grads(g);
    emo__train_forward(g, ws, input, batch, threads);
    int n = g->num_classes, last = g->n_layers - 1;
    const float *p = ws->act[last + 1];
    double l = emo__softmax_xent(p, labels, targets, batch, n,
                                 class_weights, ws->diff[last]);
    emo__train_backward(g, ws, input, batch, threads);
    sgd_update(g, lr, (float)emo__opt(&net->opts, EMO_OPT_TRAIN_MOMENTUM),
               emo__opt(&net->opts, EMO_OPT_TRAIN_WEIGHT_DECAY));
    net->step++;
    g->version++;
    net->fresh = 0;
    if (loss)
        *loss = l;
    if (probs)
        memcpy(probs, p, sizeof(float) * (size_t)batch * n);
    if (correct)
        *correct = count_correct(p, labels, batch, n);
    return EMO_OK;
}

EMO_API int emo_network_train_step(emo_network *net, const float *input,
                                   const int *labels, int batch, double lr,
                                   const float *class_weights, double *loss)
{
    if (!net || !input || !labels)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL argument");
    if (batch < 1 || batch > 65536)
        return emo__fail(EMO_ERR_RANGE, "batch %d outside [1, 65536]", batch);
    if (class_weights)
        for (int i = 0; i < net->nn.num_classes; i++)
            if (!(class_weights[i] >= 0.0f && class_weights[i] < 1e6f))
                return emo__fail(EMO_ERR_RANGE, "class weight %d is %g", i,
                                 class_weights[i]);
    int rc = net->ws ? EMO_OK : emo__network_ws_create(net, &net->ws);
    if (rc)
        return rc;
    return emo__sgd_step(net, net->ws, input, labels, NULL, batch, lr,
                         class_weights, loss, NULL, NULL);
}
