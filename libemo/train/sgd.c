/*
 * sgd.c - one step of stochastic gradient descent on an emo_network:
 * training forward and backward (nn/train_pass.c), weighted
 * cross-entropy, Caffe's momentum update with per-layer multipliers; and
 * emo_network_train_step, the public single step.  With a reducer
 * (emo_network_set_reducer) the step is one process's part of a global
 * batch: the loss sums and the gradients are summed over the processes
 * here, the batch norms' sums in the passes.
 */
#include "train/train.h"
#include "model/network.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void zero_grads(emo__net *net, int threads)
{
    for (int i = 0; i < net->n_layers; i++)
        for (int j = 0; j < net->layers[i].nparams; j++) {
            emo__param *p = &net->layers[i].p[j];
            if (p->grad)
                emo__parallel_zero(p->grad, p->n, threads);
        }
}

/* Caffe's SGD: v = m v + lr (g + wd w); w -= v, with per-layer multipliers,
 * large parameters split across the threads (elementwise: the same
 * floats at any thread count). */
typedef struct param_job {
    emo__param *p;
    float m, lr, wd;
} param_job;

static void update_range(void *arg, size_t k0, size_t k1)
{
    const param_job *j = arg;
    emo__param *p = j->p;
    for (size_t k = k0; k < k1; k++) {
        p->mom[k] = j->m * p->mom[k] +
                    j->lr * (p->grad[k] + j->wd * p->data[k]);
        p->data[k] -= p->mom[k];
    }
}

static void sgd_update(emo__net *net, double lr, float m, double wd,
                       int threads)
{
    for (int i = 0; i < net->n_layers; i++) {
        emo__layer *l = &net->layers[i];
        float lr_l = (float)(lr * l->lr_mult);
        float wd_l = (float)(wd * l->decay_mult);
        if (lr_l == 0.0f)
            continue;
        for (int j = 0; j < l->nparams; j++) {
            param_job job = {&l->p[j], m, lr_l, wd_l};
            if (job.p->learned)
                emo__parallel_for(threads, job.p->n, EMO__PARALLEL_FLOATS,
                                  update_range, &job);
        }
    }
}

/* Floats of the gradients the reducer sums: learned parameters of the
 * layers that train, in layer and parameter order. */
static size_t trained_floats(const emo__net *net)
{
    size_t n = 0;
    for (int i = 0; i < net->n_layers; i++)
        if (net->layers[i].lr_mult > 0.0f)
            for (int j = 0; j < net->layers[i].nparams; j++)
                if (net->layers[i].p[j].learned)
                    n += net->layers[i].p[j].n;
    return n;
}

/* Packs the gradients (unpack = 0) into buf or back from it. */
static void pack_grads(emo__net *net, float *buf, int unpack)
{
    for (int i = 0; i < net->n_layers; i++) {
        emo__layer *l = &net->layers[i];
        if (l->lr_mult <= 0.0f)
            continue;
        for (int j = 0; j < l->nparams; j++) {
            emo__param *p = &l->p[j];
            if (!p->learned)
                continue;
            if (unpack)
                memcpy(p->grad, buf, sizeof(float) * p->n);
            else
                memcpy(buf, p->grad, sizeof(float) * p->n);
            buf += p->n;
        }
    }
}

/* One buffer, so that the other processes see one allreduce per step. */
static int reduce_grads(emo_network *net)
{
    size_t n = trained_floats(&net->nn);
    if (n == 0)
        return EMO_OK;
    if (n > net->red_cap) {
        float *b = realloc(net->red_buf, sizeof(float) * n);
        if (!b)
            return emo__fail(EMO_ERR_NOMEM, "cannot allocate %zu floats for "
                             "the reducer", n);
        net->red_buf = b;
        net->red_cap = n;
    }
    pack_grads(&net->nn, net->red_buf, 0);
    int rc = emo__reduce(&net->reducer, EMO_REDUCE_GRADIENTS, EMO_REDUCE_F32,
                         net->red_buf, n);
    if (!rc)
        pack_grads(&net->nn, net->red_buf, 1);
    return rc;
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
    ws->image0 = emo__opti(&net->opts, EMO_OPT_TRAIN_BATCH_OFFSET);
    const emo__reducer *red = net->reducer.fn ? &net->reducer : NULL;
    zero_grads(g, threads);
    rc = emo__train_forward(g, ws, input, batch, threads, red);
    if (rc)
        return rc;
    int n = g->num_classes, last = g->n_layers - 1;
    const float *p = ws->act[last + 1];
    int hits = count_correct(p, labels, batch, n);
    double sums[3];
    sums[0] = emo__xent_sums(p, labels, targets, batch, n, class_weights,
                             &sums[1]);
    sums[2] = hits;
    rc = emo__reduce(red, EMO_REDUCE_LOSS, EMO_REDUCE_F64, sums, 3);
    if (rc)
        return rc;
    emo__xent_grad(p, labels, targets, batch, n, class_weights, sums[1],
                   ws->diff[last]);
    rc = emo__train_backward(g, ws, input, batch, threads, red);
    if (!rc && red)
        rc = reduce_grads(net);
    if (rc)
        return rc;
    sgd_update(g, lr, (float)emo__opt(&net->opts, EMO_OPT_TRAIN_MOMENTUM),
               emo__opt(&net->opts, EMO_OPT_TRAIN_WEIGHT_DECAY), threads);
    net->step++;
    g->version++;
    net->fresh = 0;
    if (loss)
        *loss = sums[0] / (sums[1] > 0.0 ? sums[1] : 1.0);
    if (probs)
        memcpy(probs, p, sizeof(float) * (size_t)batch * n);
    if (correct)
        *correct = hits;
    return EMO_OK;
}

EMO_API int emo_network_set_reducer(emo_network *net, emo_reducer_fn fn,
                                    void *user)
{
    if (!net)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL network");
    net->reducer.fn = fn;
    net->reducer.user = fn ? user : NULL;
    return EMO_OK;
}

/* Checks shared by the public steps; creates the workspace. */
static int check_step_args(emo_network *net, int batch,
                           const float *class_weights)
{
    if (batch < 1 || batch > 65536)
        return emo__fail(EMO_ERR_RANGE, "batch %d outside [1, 65536]", batch);
    if (class_weights)
        for (int i = 0; i < net->nn.num_classes; i++)
            if (!(class_weights[i] >= 0.0f && class_weights[i] < 1e6f))
                return emo__fail(EMO_ERR_RANGE, "class weight %d is %g", i,
                                 class_weights[i]);
    return net->ws ? EMO_OK : emo__network_ws_create(net, &net->ws);
}

EMO_API int emo_network_train_step(emo_network *net, const float *input,
                                   const int *labels, int batch, double lr,
                                   const float *class_weights, double *loss)
{
    if (!net || !input || !labels)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL argument");
    int rc = check_step_args(net, batch, class_weights);
    if (rc)
        return rc;
    return emo__sgd_step(net, net->ws, input, labels, NULL, batch, lr,
                         class_weights, loss, NULL, NULL);
}

/* Row b's label for the class weight and the accuracy count: its largest
 * entry, the lowest index on ties; EMO_ERR_RANGE for a row that is not a
 * distribution. */
static int soft_row_label(const float *q, int n, int b, int *label)
{
    double sum = 0.0;
    int best = 0;
    for (int j = 0; j < n; j++) {
        if (!(q[j] >= 0.0f && q[j] <= 1.0f))
            return emo__fail(EMO_ERR_RANGE, "target %d of row %d is %g, "
                             "not in [0, 1]", j, b, q[j]);
        sum += q[j];
        if (q[j] > q[best])
            best = j;
    }
    if (fabs(sum - 1.0) > 1e-3)
        return emo__fail(EMO_ERR_RANGE, "the targets of row %d sum to %g, "
                         "not 1", b, sum);
    *label = best;
    return EMO_OK;
}

/* Room for the soft step's labels, kept with the network and grown only
 * when the batch grows, so that a training loop steps without allocating.
 * EMO_ERR_NOMEM leaves the old buffer in place. */
static int soft_labels(emo_network *net, int batch, int **out)
{
    if (batch > net->soft_cap) {
        int *b = realloc(net->soft_labels, sizeof *b * (size_t)batch);
        if (!b)
            return emo__fail(EMO_ERR_NOMEM, "out of memory for %d labels",
                             batch);
        net->soft_labels = b;
        net->soft_cap = batch;
    }
    *out = net->soft_labels;
    return EMO_OK;
}

EMO_API int emo_network_train_step_soft(emo_network *net, const float *input,
                                        const float *targets, int batch,
                                        double lr, const float *class_weights,
                                        double *loss)
{
    if (!net || !input || !targets)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL argument");
    int rc = check_step_args(net, batch, class_weights);
    if (rc)
        return rc;
    int n = net->nn.num_classes, *labels = NULL;
    rc = soft_labels(net, batch, &labels);
    for (int b = 0; b < batch && !rc; b++)
        rc = soft_row_label(targets + (size_t)b * n, n, b, &labels[b]);
    if (rc)
        return rc;
    return emo__sgd_step(net, net->ws, input, labels, targets, batch, lr,
                         class_weights, loss, NULL, NULL);
}
