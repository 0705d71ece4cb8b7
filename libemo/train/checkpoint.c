/*
 * checkpoint.c - the training state that checkpoints carry (the TSTA
 * chunk of a model file, docs/model-format.md) and resuming from a
 * checkpoint: weights, momentum, step counter and that state.
 *
 * The state is little-endian, its fields in this order:
 *   magic "EMOTRST1"
 *   u32 epochs done, u32 best epoch + 1 (0: none), u32 epochs since the
 *   best, u32 stopped, u32 training faces (a resume on other data is
 *   refused), u32 parameter count n
 *   f64 best validation accuracy, f64 its loss
 *   n x f32 the parameters of the best epoch
 */
#include "train/train.h"
#include "common/bytes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define STATE_MAGIC "EMOTRST1"
#define STATE_HEADER (8 + 6 * 4 + 2 * 8)

int emo__train_state_store(emo_network *net, const emo__train_state *s)
{
    size_t len = STATE_HEADER + s->n_params * 4;
    uint8_t *b = malloc(len), *p = b;
    if (!b)
        return emo__fail(EMO_ERR_NOMEM, "out of memory for the checkpoint");
    memcpy(p, STATE_MAGIC, 8);
    p += 8;
    emo__add_le32(&p, (uint32_t)s->next_epoch);
    emo__add_le32(&p, (uint32_t)(s->best_epoch + 1));
    emo__add_le32(&p, (uint32_t)s->bad_epochs);
    emo__add_le32(&p, (uint32_t)s->stopped);
    emo__add_le32(&p, (uint32_t)s->train_faces);
    emo__add_le32(&p, (uint32_t)s->n_params);
    emo__add_le_f64(&p, s->best_acc);
    emo__add_le_f64(&p, s->best_loss);
    for (size_t i = 0; i < s->n_params; i++)
        emo__add_le_f32(&p, s->best[i]);
    int rc = emo__network_set_train_state(net, b, len);
    free(b);
    return rc;
}

/* Reads the state into *s, whose n_params, best buffer and train_faces
 * describe this run; *s is unchanged on error. */
static int decode_state(const uint8_t *b, size_t len, emo__train_state *s,
                        const char *path)
{
    const uint8_t *p = b + 8;
    if (len < STATE_HEADER || memcmp(b, STATE_MAGIC, 8) != 0)
        return emo__fail(EMO_ERR_FORMAT, "%s: no usable training state",
                         path);
    emo__train_state t = *s;
    t.next_epoch = (int)emo__next_le32(&p);
    t.best_epoch = (int)emo__next_le32(&p) - 1;
    t.bad_epochs = (int)emo__next_le32(&p);
    t.stopped = (int)emo__next_le32(&p);
    uint32_t faces = emo__next_le32(&p), n_params = emo__next_le32(&p);
    if (n_params != s->n_params || len != STATE_HEADER + (size_t)n_params * 4)
        return emo__fail(EMO_ERR_FORMAT, "%s: no usable training state",
                         path);
    if ((int)faces != s->train_faces)
        return emo__fail(EMO_ERR_MISMATCH, "%s: checkpoint of a run on %u "
                         "training faces, this one has %d", path, faces,
                         s->train_faces);
    t.best_acc = emo__next_le_f64(&p);
    t.best_loss = emo__next_le_f64(&p);
    for (size_t i = 0; i < s->n_params; i++)
        t.best[i] = emo__next_le_f32(&p);
    *s = t;
    return EMO_OK;
}

static int same_shapes(const emo__net *a, const emo__net *b)
{
    int same = a->n_layers == b->n_layers;
    for (int l = 0; same && l < a->n_layers; l++) {
        same = a->layers[l].nparams == b->layers[l].nparams;
        for (int j = 0; same && j < a->layers[l].nparams; j++)
            same = a->layers[l].p[j].n == b->layers[l].p[j].n;
    }
    return same;
}

/* Only a missing file means "no checkpoint yet, start at epoch 1": one
 * that exists but cannot be read is an error, or the run would start over
 * and overwrite it with its first epoch. */
int emo__train_resume(emo_network *net, const char *path,
                      emo__train_state *s)
{
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT)
        return EMO_OK;
    emo_network *ck;
    int rc = emo_network_load(path, &ck);
    if (rc)
        return rc;
    if (!same_shapes(&ck->nn, &net->nn)) {
        emo_network_destroy(ck);
        return emo__fail(EMO_ERR_MISMATCH, "%s: checkpoint of another "
                         "network", path);
    }
    /* net holds this run's preprocessing already: epochs on faces of
     * another photometric mode would not continue the same run */
    int was = emo__opti(&ck->pp_opts, EMO_OPT_PHOTOMETRIC);
    int now = emo__opti(&net->pp_opts, EMO_OPT_PHOTOMETRIC);
    if (was != now) {
        emo_network_destroy(ck);
        return emo__fail(EMO_ERR_MISMATCH, "%s: checkpoint trained with "
                         "photometric mode %d, this run has %d", path, was,
                         now);
    }
    rc = decode_state(ck->train_state, ck->train_state_len, s, path);
    for (int l = 0; rc == EMO_OK && l < net->nn.n_layers; l++)
        for (int j = 0; j < net->nn.layers[l].nparams; j++) {
            emo__param *d = &net->nn.layers[l].p[j];
            const emo__param *c = &ck->nn.layers[l].p[j];
            memcpy(d->data, c->data, d->n * sizeof *d->data);
            if (d->mom && c->mom)
                memcpy(d->mom, c->mom, d->n * sizeof *d->mom);
        }
    if (rc == EMO_OK) {
        net->step = ck->step;
        net->nn.version++;
    }
    emo_network_destroy(ck);
    return rc;
}
