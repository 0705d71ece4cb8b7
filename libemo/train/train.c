/*
 * train.c - emo_network_train: the SGD loop over a dataset's training split
 * with augmentation, learning-rate policy, class weighting, validation,
 * early stopping (best weights kept), and a checkpoint after every epoch
 * from which EMO_OPT_TRAIN_RESUME=1 continues exactly.
 *
 * Determinism: the shuffle and augmentation stream of epoch e is seeded
 * from (EMO_OPT_TRAIN_SEED, e), so a resumed run draws the same numbers as
 * an uninterrupted one without storing generator state; weights, momentum
 * buffers, the step counter (dropout masks) and the early-stopping state
 * travel in the checkpoint.
 */
#include "train/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct train_run {
    emo_network *net;
    emo__net_ws *ws;
    emo__face_cache tr, va;
    int side, classes;
    const float *mean; /* side*side, NULL when the mean is not subtracted */
    float weights[EMO_MAX_CLASSES];
    int use_weights;
    /* options */
    int epochs, batch, policy, step, patience, keep;
    emo__aug aug;
    int labels; /* EMO_LABELS_* */
    double lr, gamma;
    uint64_t seed;
    /* buffers */
    float *in, *probs, *tmp, *targets; /* targets: EMO_LABELS_SOFT rows */
    int *lab, *perm;
    emo__train_state st; /* early stopping, saved in checkpoints */
    /* reporting */
    emo_progress_fn progress;
    void *user;
    double t0, val_loss, val_acc, last_lr;
    long long images;
} train_run;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- parameters as one vector (best weights, resume) ------------------- */

static size_t params_total(const emo_network *net)
{
    size_t n = 0;
    for (int l = 0; l < net->nn.n_layers; l++)
        for (int j = 0; j < net->nn.layers[l].nparams; j++)
            n += net->nn.layers[l].p[j].n;
    return n;
}

static void params_get(const emo_network *net, float *dst)
{
    for (int l = 0; l < net->nn.n_layers; l++)
        for (int j = 0; j < net->nn.layers[l].nparams; j++) {
            const emo__param *p = &net->nn.layers[l].p[j];
            memcpy(dst, p->data, p->n * sizeof *dst);
            dst += p->n;
        }
}

static void params_set(emo_network *net, const float *src)
{
    for (int l = 0; l < net->nn.n_layers; l++)
        for (int j = 0; j < net->nn.layers[l].nparams; j++) {
            emo__param *p = &net->nn.layers[l].p[j];
            memcpy(p->data, src, p->n * sizeof *src);
            src += p->n;
        }
    net->nn.version++;
}

/* ---- setup ---------------------------------------------------------------- */

/* Two class names name the same class: the same text, or two spellings
 * of one emotion ("sadness", "sad"). */
static int same_class(const char *a, const char *b)
{
    if (!a || !b)
        return 0;
    int ca = emo_class_from_name(a);
    return !strcmp(a, b) || (ca >= 0 && ca == emo_class_from_name(b));
}

/* label_map[dataset class] = network output, by class name. */
static int map_labels(const emo_network *net, const emo_dataset *ds,
                      int *map)
{
    int nc = emo_dataset_num_classes(ds);
    for (int c = 0; c < EMO_MAX_CLASSES; c++)
        map[c] = -1;
    for (int c = 0; c < nc; c++) {
        const char *want = emo_dataset_class_name(ds, c);
        for (int j = 0; j < net->nn.num_classes && map[c] < 0; j++)
            if (same_class(emo_network_class_name(net, j), want))
                map[c] = j;
        if (map[c] < 0 && emo_dataset_count(ds, EMO_SPLIT_ALL, c) > 0)
            return emo__fail(EMO_ERR_MISMATCH, "the network has no output "
                             "for class '%s'", want);
    }
    return EMO_OK;
}

static void read_options(train_run *r)
{
    const emo_opts *o = &r->net->opts;
    r->epochs = emo__opti(o, EMO_OPT_TRAIN_EPOCHS);
    r->batch = emo__opti(o, EMO_OPT_TRAIN_BATCH);
    r->lr = emo__opt(o, EMO_OPT_TRAIN_LR);
    r->policy = emo__opti(o, EMO_OPT_TRAIN_LR_POLICY);
    r->step = emo__opti(o, EMO_OPT_TRAIN_LR_STEP);
    r->gamma = emo__opt(o, EMO_OPT_TRAIN_LR_GAMMA);
    r->aug = emo__aug_from_opts(o);
    r->patience = emo__opti(o, EMO_OPT_TRAIN_EARLY_STOP);
    r->keep = emo__opti(o, EMO_OPT_TRAIN_KEEP);
    r->seed = (uint64_t)emo__opti(o, EMO_OPT_TRAIN_SEED);
    r->labels = emo__opti(o, EMO_OPT_TRAIN_LABELS);
}

static int alloc_buffers(train_run *r)
{
    size_t face = (size_t)r->side * r->side;
    size_t b = (size_t)r->batch;
    r->in = malloc(b * face * sizeof *r->in);
    r->probs = malloc(b * r->classes * sizeof *r->probs);
    r->tmp = malloc(2 * face * sizeof *r->tmp);
    r->lab = malloc(b * sizeof *r->lab);
    r->targets = malloc(b * r->classes * sizeof *r->targets);
    r->perm = malloc((size_t)(r->tr.n > 0 ? r->tr.n : 1) * sizeof *r->perm);
    r->st.n_params = params_total(r->net);
    r->st.best = malloc((r->st.n_params ? r->st.n_params : 1) *
                        sizeof *r->st.best);
    if (!r->in || !r->probs || !r->tmp || !r->lab || !r->targets ||
        !r->perm ||
        !r->st.best)
        return emo__fail(EMO_ERR_NOMEM, "out of memory for training buffers");
    return EMO_OK;
}

static void run_free(train_run *r)
{
    emo__cache_free(&r->tr);
    emo__cache_free(&r->va);
    emo__net_ws_destroy(r->ws);
    free(r->in);
    free(r->probs);
    free(r->tmp);
    free(r->lab);
    free(r->targets);
    free(r->perm);
    free(r->st.best);
}

/* Faces, mean image, stored preprocessing, class weights. */
static int prepare_data(train_run *r, emo_dataset *ds, emo_preprocessor *pp)
{
    int map[EMO_MAX_CLASSES], photo = EMO_PHOTO_NONE;
    int rc = map_labels(r->net, ds, map);
    if (rc || (rc = emo_preprocessor_get_int(pp, EMO_OPT_PHOTOMETRIC,
                                             &photo)) != EMO_OK)
        return rc;
    /* Training faces are cached before the photometric mode and the blur
     * when lighting is normalised or augmented, so that each use goes
     * augmentation -> photometric -> blur, as prediction's faces do; the
     * 1.0 pipeline (augmenting the blurred face) otherwise.  Validation
     * faces are never augmented: they are cached final. */
    int raw = photo != EMO_PHOTO_NONE || (r->aug.mask & EMO__AUG_LIGHTING);
    if ((rc = emo__cache_build(&r->tr, ds, EMO_SPLIT_TRAIN, pp, map,
                               raw)) != EMO_OK)
        return rc;
    if (r->tr.n == 0)
        return emo__fail(EMO_ERR_EMPTY, "no usable face in the training "
                         "split (%d failed)", r->tr.failed);
    if ((rc = emo__cache_build(&r->va, ds, EMO_SPLIT_VAL, pp, map, 0)) !=
        EMO_OK)
        return rc;
    if ((rc = emo__cache_mean(&r->tr, pp)) != EMO_OK ||
        (rc = emo_network_store_preprocessing(r->net, pp)) != EMO_OK)
        return rc;
    int sub = 0;
    emo_preprocessor_get_int(pp, EMO_OPT_SUBTRACT_MEAN, &sub);
    r->mean = sub ? r->net->mean : NULL;
    int counts[EMO_MAX_CLASSES] = {0};
    for (int i = 0; i < r->tr.n; i++)
        counts[r->tr.labels[i]]++;
    emo__class_weights(counts, r->classes, r->weights);
    r->use_weights = emo__opti(&r->net->opts, EMO_OPT_TRAIN_CLASS_WEIGHTING);
    return EMO_OK;
}

static int setup(train_run *r, emo_dataset *ds, emo_preprocessor *pp)
{
    int c, h, w, side;
    int rc = emo_network_input_shape(r->net, &c, &h, &w);
    if (rc || (rc = emo_preprocessor_get_int(pp, EMO_OPT_FACE_SIZE,
                                             &side)) != EMO_OK)
        return rc;
    if (c != 1 || h != side || w != side)
        return emo__fail(EMO_ERR_MISMATCH, "network input %dx%dx%d does not "
                         "take %dx%d gray faces (EMO_OPT_FACE_SIZE)", c, h, w,
                         side, side);
    r->side = side;
    r->classes = r->net->nn.num_classes;
    read_options(r);
    if ((rc = prepare_data(r, ds, pp)) != EMO_OK ||
        (rc = alloc_buffers(r)) != EMO_OK ||
        (rc = emo__net_alloc_train(&r->net->nn)) != EMO_OK ||
        (rc = emo__network_ws_create(r->net, &r->ws)) != EMO_OK)
        return rc;
    emo__net_zero_momentum(&r->net->nn);
    r->st.train_faces = r->tr.n;
    r->st.best_epoch = -1;
    r->st.best_acc = -1.0;
    r->st.best_loss = INFINITY;
    return EMO_OK;
}

/* ---- epochs --------------------------------------------------------------- */

static void seed_epoch(emo_rng *rng, uint64_t seed, int epoch)
{
    emo__rng_seed(rng, seed * 0x9E3779B97F4A7C15ULL + (uint64_t)epoch + 1);
}

/* Face k of a cache, augmented (training) or not, minus the mean. */
static void input_face(train_run *r, const emo__face_cache *c, int k,
                       float *dst, int augment, emo_rng *rng)
{
    size_t face = (size_t)r->side * r->side;
    emo__cache_face(c, k, dst, r->tmp, augment ? &r->aug : NULL, rng);
    if (r->mean)
        for (size_t i = 0; i < face; i++)
            dst[i] -= r->mean[i];
}

static void fill_metrics(const train_run *r, double *m, double epoch,
                         double loss, double acc, double lr)
{
    double t = now_seconds() - r->t0;
    m[EMO_METRIC_EPOCH] = epoch;
    m[EMO_METRIC_LOSS] = loss;
    m[EMO_METRIC_TRAIN_ACCURACY] = acc;
    m[EMO_METRIC_VAL_LOSS] = r->val_loss;
    m[EMO_METRIC_VAL_ACCURACY] = r->val_acc;
    m[EMO_METRIC_LR] = lr;
    m[EMO_METRIC_IMAGES_PER_SEC] = t > 0 ? r->images / t : 0.0;
    m[EMO_METRIC_SECONDS] = t;
}

/* EMO_LABELS_DRAW: an output drawn from face idx's votes, its label when
 * it has none. */
static int draw_label(const emo__face_cache *c, int idx, emo_rng *rng)
{
    const uint8_t *v = c->votes + (size_t)idx * EMO_MAX_CLASSES;
    uint32_t sum = 0;
    for (int k = 0; k < EMO_MAX_CLASSES; k++)
        sum += v[k];
    if (!sum)
        return c->labels[idx];
    uint32_t u = emo__rng_below(rng, sum);
    int k = 0;
    while (u >= v[k])
        u -= v[k++];
    return k;
}

/* EMO_LABELS_SOFT: face idx's votes as a distribution over the outputs,
 * one-hot on its label when it has none. */
static void vote_target(const emo__face_cache *c, int idx, int classes,
                        float *q)
{
    const uint8_t *v = c->votes + (size_t)idx * EMO_MAX_CLASSES;
    uint32_t sum = 0;
    for (int k = 0; k < classes; k++)
        sum += v[k];
    for (int k = 0; k < classes; k++)
        q[k] = sum ? (float)v[k] / (float)sum
                   : (k == c->labels[idx] ? 1.0f : 0.0f);
}

/* One epoch of shuffled mini-batches (the last incomplete batch is left
 * out: it changes every epoch, and a batch of one breaks batch norm). */
static int run_epoch(train_run *r, int epoch, double *loss_out,
                     double *acc_out)
{
    emo_rng rng;
    seed_epoch(&rng, r->seed, epoch);
    for (int i = 0; i < r->tr.n; i++)
        r->perm[i] = i;
    for (int i = r->tr.n; i > 1; i--) {
        int j = (int)emo__rng_below(&rng, (uint32_t)i), t = r->perm[i - 1];
        r->perm[i - 1] = r->perm[j];
        r->perm[j] = t;
    }
    int bs = r->batch < r->tr.n ? r->batch : r->tr.n;
    int nb = r->tr.n / bs;
    size_t face = (size_t)r->side * r->side;
    double loss_sum = 0, lr = r->lr;
    long long seen = 0, hits = 0;
    for (int b = 0; b < nb; b++) {
        for (int k = 0; k < bs; k++) {
            int idx = r->perm[b * bs + k];
            input_face(r, &r->tr, idx, r->in + k * face, 1, &rng);
            r->lab[k] = r->labels == EMO_LABELS_DRAW
                            ? draw_label(&r->tr, idx, &rng)
                            : r->tr.labels[idx];
            if (r->labels == EMO_LABELS_SOFT)
                vote_target(&r->tr, idx, r->classes,
                            r->targets + (size_t)k * r->classes);
        }
        lr = emo__lr_at(r->policy, r->lr, r->gamma, r->step,
                        epoch + (double)b / nb, r->epochs);
        double loss;
        int correct;
        int rc = emo__sgd_step(r->net, r->ws, r->in, r->lab,
                               r->labels == EMO_LABELS_SOFT ? r->targets
                                                            : NULL, bs, lr,
                               r->use_weights ? r->weights : NULL, &loss,
                               NULL, &correct);
        if (rc)
            return rc;
        loss_sum += loss * bs;
        hits += correct;
        seen += bs;
        r->images += bs;
        if (r->progress) {
            double m[EMO_METRIC_COUNT];
            fill_metrics(r, m, epoch + (double)(b + 1) / nb,
                         loss_sum / seen, (double)hits / seen, lr);
            if (r->progress(r->user, EMO_STAGE_BATCH, b + 1, nb, m,
                            EMO_METRIC_COUNT))
                return emo__fail(EMO_ERR_CANCELLED, "training cancelled in "
                                 "epoch %d", epoch + 1);
        }
    }
    r->last_lr = lr;
    *loss_out = seen ? loss_sum / seen : NAN;
    *acc_out = seen ? (double)hits / seen : NAN;
    return EMO_OK;
}

/* Validation accuracy and mean loss, forward only, in batches. */
static int validate(train_run *r)
{
    r->val_loss = r->val_acc = NAN;
    if (r->va.n == 0)
        return EMO_OK;
    size_t face = (size_t)r->side * r->side;
    double loss = 0;
    int hits = 0;
    for (int s = 0; s < r->va.n; s += r->batch) {
        int bs = r->va.n - s < r->batch ? r->va.n - s : r->batch;
        for (int k = 0; k < bs; k++)
            input_face(r, &r->va, s + k, r->in + k * face, 0, NULL);
        int rc = emo__net_forward_ws(&r->net->nn, r->ws, r->in, bs, r->probs);
        if (rc)
            return rc;
        for (int k = 0; k < bs; k++) {
            const float *p = r->probs + (size_t)k * r->classes;
            int y = r->va.labels[s + k], best = 0;
            for (int j = 1; j < r->classes; j++)
                if (p[j] > p[best])
                    best = j;
            hits += best == y;
            loss -= log(p[y] > 1e-12f ? p[y] : 1e-12f);
        }
    }
    r->val_loss = loss / r->va.n;
    r->val_acc = (double)hits / r->va.n;
    return EMO_OK;
}

/* Early stopping bookkeeping: a better validation accuracy (ties: lower
 * loss) keeps the weights; `patience` epochs without one stop the run. */
static void track_best(train_run *r, int epoch)
{
    emo__train_state *st = &r->st;
    int better = r->va.n == 0 || r->val_acc > st->best_acc ||
                 (r->val_acc == st->best_acc && r->val_loss < st->best_loss);
    if (better) {
        st->best_acc = r->va.n ? r->val_acc : -1.0;
        st->best_loss = r->va.n ? r->val_loss : INFINITY;
        st->best_epoch = epoch;
        st->bad_epochs = 0;
        params_get(r->net, st->best);
    } else if (++st->bad_epochs >= r->patience && r->patience > 0) {
        st->stopped = 1;
    }
}

static int end_epoch(train_run *r, int epoch, double loss, double acc)
{
    int rc = validate(r);
    if (rc)
        return rc;
    track_best(r, epoch);
    r->st.next_epoch = epoch + 1;
    if (r->net->checkpoint) {
        if ((rc = emo__train_state_store(r->net, &r->st)) != EMO_OK ||
            (rc = emo__model_save(r->net, r->net->checkpoint, 1)) != EMO_OK)
            return rc;
    }
    if (r->progress) {
        double m[EMO_METRIC_COUNT];
        fill_metrics(r, m, epoch + 1, loss, acc, r->last_lr);
        if (r->progress(r->user, EMO_STAGE_EPOCH, epoch + 1, r->epochs, m,
                        EMO_METRIC_COUNT))
            return emo__fail(EMO_ERR_CANCELLED, "training cancelled after "
                             "epoch %d", epoch + 1);
    }
    return EMO_OK;
}

static int run_epochs(train_run *r)
{
    for (int e = r->st.next_epoch; e < r->epochs && !r->st.stopped; e++) {
        double loss = NAN, acc = NAN;
        int rc = run_epoch(r, e, &loss, &acc);
        if (rc || (rc = end_epoch(r, e, loss, acc)) != EMO_OK)
            return rc;
    }
    if (r->keep == EMO_KEEP_BEST && r->st.best_epoch >= 0)
        params_set(r->net, r->st.best);
    return EMO_OK;
}

EMO_API int emo_network_train(emo_network *net, emo_dataset *ds,
                              emo_preprocessor *pp, emo_progress_fn progress,
                              void *user)
{
    if (!net || !ds || !pp)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL argument");
    train_run r;
    memset(&r, 0, sizeof r);
    r.net = net;
    r.progress = progress;
    r.user = user;
    r.t0 = now_seconds();
    int rc = setup(&r, ds, pp);
    if (rc == EMO_OK && emo__opti(&net->opts, EMO_OPT_TRAIN_RESUME) &&
        net->checkpoint)
        rc = emo__train_resume(net, net->checkpoint, &r.st);
    if (rc == EMO_OK)
        rc = run_epochs(&r);
    /* The state (with a copy of the best weights) belongs in checkpoints,
     * not in the model the caller saves next. */
    emo__network_set_train_state(net, NULL, 0);
    run_free(&r);
    return rc;
}

EMO_API int emo_network_set_checkpoint(emo_network *net, const char *path)
{
    if (!net)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL network");
    char *copy = NULL;
    if (path) {
        size_t n = strlen(path);
        if (!n)
            return emo__fail(EMO_ERR_INVALID_ARG, "empty checkpoint path");
        if (!(copy = malloc(n + 1)))
            return emo__fail(EMO_ERR_NOMEM, "out of memory");
        memcpy(copy, path, n + 1);
    }
    free(net->checkpoint);
    net->checkpoint = copy;
    return EMO_OK;
}
