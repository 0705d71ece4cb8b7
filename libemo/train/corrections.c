/*
 * corrections.c - learning from a user's fix of a wrong label: corrected
 * faces are kept in the network (and saved with the model), and
 * emo_network_apply_corrections fine-tunes on them alone.
 */
#include "train/train.h"

#include <stdlib.h>
#include <string.h>

EMO_API int emo_network_add_correction(emo_network *net, const float *face,
                                       size_t n, int label)
{
    if (!net || !face)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL argument");
    return emo__network_store_correction(net, face, n, label);
}

EMO_API int emo_network_num_corrections(const emo_network *net)
{
    if (!net)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL network");
    return net->n_corr;
}

/* Saves or restores the non-learned parameters (batch-norm running
 * statistics): a few corrected faces must not redefine them. */
static void fixed_params(emo_network *net, float *buf, int restore)
{
    for (int l = 0; l < net->nn.n_layers; l++)
        for (int j = 0; j < net->nn.layers[l].nparams; j++) {
            emo__param *p = &net->nn.layers[l].p[j];
            if (p->learned)
                continue;
            if (restore)
                memcpy(p->data, buf, p->n * sizeof *buf);
            else
                memcpy(buf, p->data, p->n * sizeof *buf);
            buf += p->n;
        }
    if (restore)
        net->nn.version++;
}

static size_t fixed_count(const emo_network *net)
{
    size_t n = 0;
    for (int l = 0; l < net->nn.n_layers; l++)
        for (int j = 0; j < net->nn.layers[l].nparams; j++)
            if (!net->nn.layers[l].p[j].learned)
                n += net->nn.layers[l].p[j].n;
    return n;
}

typedef struct corr_run {
    emo_network *net;
    emo__net_ws *ws;
    int side, batch;
    const float *mean; /* the stored mean, added back before augmenting */
    float *in, *raw, *tmp, *fixed;
    int *lab;
} corr_run;

/* Correction k, augmented: the stored face is mean-subtracted, so the mean
 * is added back first (augmentation works in pixel units).  The stored
 * face is already normalised (photometric mode, blur): lighting
 * augmentation, which belongs before that, is left out. */
static void corr_face(corr_run *c, int k, float *dst, emo_rng *rng)
{
    size_t face = (size_t)c->side * c->side;
    const float *src = c->net->corr_faces + (size_t)k * face;
    for (size_t i = 0; i < face; i++)
        c->raw[i] = src[i] + (c->mean ? c->mean[i] : 0.0f);
    emo__aug aug = emo__aug_from_opts(&c->net->opts);
    aug.mask &= ~(unsigned)EMO__AUG_LIGHTING;
    emo__augment_face(c->raw, c->side, dst, c->tmp, &aug, rng);
    if (c->mean)
        for (size_t i = 0; i < face; i++)
            dst[i] -= c->mean[i];
}

static int corr_setup(corr_run *c, emo_network *net)
{
    int ch, h, w;
    emo_network_input_shape(net, &ch, &h, &w);
    if (ch != 1 || h != w)
        return emo__fail(EMO_ERR_MISMATCH, "corrections need a square gray "
                         "input");
    c->net = net;
    c->side = h;
    /* At least 8 augmented copies per step even with one correction, so
     * that a step sees several views of it. */
    int n = net->n_corr < 8 ? 8 : net->n_corr;
    int maxb = emo__opti(&net->opts, EMO_OPT_TRAIN_BATCH);
    c->batch = n < maxb ? n : maxb;
    int sub = (int)emo__opt(&net->pp_opts, EMO_OPT_SUBTRACT_MEAN);
    c->mean = sub ? net->mean : NULL;
    size_t face = (size_t)h * w, nf = fixed_count(net);
    c->in = malloc((size_t)c->batch * face * sizeof *c->in);
    c->raw = malloc(face * sizeof *c->raw);
    c->tmp = malloc(2 * face * sizeof *c->tmp);
    c->fixed = malloc((nf ? nf : 1) * sizeof *c->fixed);
    c->lab = malloc((size_t)c->batch * sizeof *c->lab);
    if (!c->in || !c->raw || !c->tmp || !c->fixed || !c->lab)
        return emo__fail(EMO_ERR_NOMEM, "out of memory");
    int rc = emo__net_alloc_train(&net->nn);
    if (rc || (rc = emo__network_ws_create(net, &c->ws)) != EMO_OK)
        return rc;
    emo__net_zero_momentum(&net->nn);
    fixed_params(net, c->fixed, 0);
    return EMO_OK;
}

static void corr_free(corr_run *c)
{
    emo__net_ws_destroy(c->ws);
    free(c->in);
    free(c->raw);
    free(c->tmp);
    free(c->fixed);
    free(c->lab);
}

static int corr_steps(corr_run *c, int steps, emo_progress_fn progress,
                      void *user)
{
    emo_network *net = c->net;
    size_t face = (size_t)c->side * c->side;
    emo_rng rng;
    emo__rng_seed(&rng, (uint64_t)emo__opti(&net->opts, EMO_OPT_TRAIN_SEED) ^
                            (uint64_t)net->n_corr << 32);
    double lr = emo__opt(&net->opts, EMO_OPT_TRAIN_LR);
    for (int s = 0; s < steps; s++) {
        /* Cycle through the corrections from a random start, so each is
         * in every step when they fit in one batch. */
        uint32_t start = emo__rng_below(&rng, (uint32_t)net->n_corr);
        for (int k = 0; k < c->batch; k++) {
            int idx = (int)((start + (uint32_t)k) % (uint32_t)net->n_corr);
            corr_face(c, idx, c->in + k * face, &rng);
            c->lab[k] = net->corr_labels[idx];
        }
        double loss;
        int correct;
        int rc = emo__sgd_step(net, c->ws, c->in, c->lab, NULL, c->batch,
                               lr, NULL, &loss, NULL, &correct);
        if (rc)
            return rc;
        if (progress) {
            double m[EMO_METRIC_COUNT] = {0};
            m[EMO_METRIC_LOSS] = loss;
            m[EMO_METRIC_TRAIN_ACCURACY] = (double)correct / c->batch;
            m[EMO_METRIC_LR] = lr;
            if (progress(user, EMO_STAGE_BATCH, s + 1, steps, m,
                         EMO_METRIC_COUNT))
                return emo__fail(EMO_ERR_CANCELLED, "corrections cancelled "
                                 "at step %d", s + 1);
        }
    }
    return EMO_OK;
}

EMO_API int emo_network_apply_corrections(emo_network *net, int steps,
                                          emo_progress_fn progress,
                                          void *user)
{
    if (!net)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL network");
    if (steps < 1 || steps > 1000000)
        return emo__fail(EMO_ERR_RANGE, "steps %d outside [1, 1000000]",
                         steps);
    if (net->n_corr == 0)
        return emo__fail(EMO_ERR_EMPTY, "no corrections to apply");
    corr_run c;
    memset(&c, 0, sizeof c);
    int rc = corr_setup(&c, net);
    if (rc == EMO_OK) {
        rc = corr_steps(&c, steps, progress, user);
        fixed_params(net, c.fixed, 1);
    }
    corr_free(&c);
    return rc;
}
