/*
 * train.h - what the training modules share: the face cache
 * (face_cache.c), learning-rate policies and class weights (policy.c) and
 * the SGD step (sgd.c), used by train.c and corrections.c.
 */
#ifndef EMO_TRAIN_H
#define EMO_TRAIN_H

#include "common/internal.h"
#include "data/augment.h"
#include "model/network.h"

/* Faces of one split, normalised with the mean off (pixel units [0,1]),
 * with labels already mapped to network outputs.  A raw cache holds the
 * crops before the photometric mode and the blur, which emo__cache_face
 * applies to each use after augmentation (lighting augmentation must see
 * the face before its lighting is normalised). */
typedef struct emo__face_cache {
    float *faces;  /* n * side * side */
    int raw;
    int photometric, blur; /* what a raw face still needs */
    double sigma;
    int *labels;   /* n */
    int *items;    /* dataset item index of each face */
    /* n * EMO_MAX_CLASSES vote counts over network outputs (single votes
     * dropped), all 0 for a face whose item has no votes */
    uint8_t *votes;
    int n;
    int side;
    int failed;    /* items that could not be made into a face */
} emo__face_cache;

/* Makes the faces of `split` with pp (mean subtraction switched off for the
 * call, and with `raw` also the photometric mode and the blur, recorded in
 * the cache); label_map[dataset label] = network output (-1: left out),
 * and maps each item's votes the same way.
 * Undecodable images and images without a face are counted in failed.
 * Errors: EMO_ERR_NOMEM, EMO_ERR_LIMIT; per-item errors never fail. */
int emo__cache_build(emo__face_cache *c, const emo_dataset *ds, int split,
                     emo_preprocessor *pp, const int *label_map, int raw);
void emo__cache_free(emo__face_cache *c);

/* Face k as the network takes it before the mean is subtracted:
 * augmented when `aug` is not NULL (aug, rng as emo__augment_face), then
 * for a raw cache the photometric mode and the blur.  Without
 * augmentation this is emo_preprocessor_normalize's face with the mean
 * off, raw or not.  scratch holds 2 * side * side floats; dst is
 * side * side. */
void emo__cache_face(const emo__face_cache *c, int k, float *dst,
                     float *scratch, const emo__aug *aug, emo_rng *rng);
/* Sets pp's mean image to the mean of the cache's un-augmented faces.
 * Errors: those of emo_preprocessor_compute_mean. */
int emo__cache_mean(const emo__face_cache *c, emo_preprocessor *pp);

/* Learning rate at training progress t (in epochs, fractional) of
 * `epochs` under EMO_LR_*; cosine has a linear warm-up over the first
 * min(1, epochs / 20) epochs from base/10. */
double emo__lr_at(int policy, double base, double gamma, int step_epochs,
                  double t, int epochs);

/* Inverse-frequency class weights normalised to mean 1 over the classes
 * present (absent classes get 1).  counts/weights have `classes` entries. */
void emo__class_weights(const int *counts, int classes, float *weights);

/* Early-stopping state of a training run, saved in its checkpoints
 * (checkpoint.c). */
typedef struct emo__train_state {
    int next_epoch;   /* epochs done */
    int best_epoch;   /* -1: none yet */
    int bad_epochs;   /* epochs since the best */
    int stopped;      /* early stopping ended the run */
    int train_faces;  /* faces in the training split */
    double best_acc, best_loss; /* validation, at the best epoch */
    float *best;      /* n_params floats: every parameter at the best */
    size_t n_params;
} emo__train_state;

/* Encodes s into net's training state, for the next checkpoint save.
 * Errors: EMO_ERR_NOMEM. */
int emo__train_state_store(emo_network *net, const emo__train_state *s);
/* Continues from the checkpoint at `path`: its weights, momentum and step
 * counter into net, its state into *s (whose n_params, best buffer and
 * train_faces describe this run).  A missing file is no checkpoint yet
 * (EMO_OK, nothing changed).  Errors: those of emo_network_load,
 * EMO_ERR_MISMATCH (another network, other training data),
 * EMO_ERR_FORMAT (no usable state). */
int emo__train_resume(emo_network *net, const char *path,
                      emo__train_state *s);

/* One SGD step on net (sgd.c): forward in training mode, weighted
 * cross-entropy (against targets, batch x classes distributions, when not
 * NULL), backward, momentum update, with the network's options
 * (threads, seed, momentum, weight decay).  probs (may be NULL) receives
 * batch x classes training probabilities; *loss the mean loss; *correct
 * (may be NULL) the number of argmax hits.  lr is the base rate.
 * Errors: EMO_ERR_INVALID_ARG, EMO_ERR_RANGE (label), EMO_ERR_NOMEM. */
int emo__sgd_step(emo_network *net, emo__net_ws *ws, const float *input,
                  const int *labels, const float *targets, int batch,
                  double lr,
                  const float *class_weights, double *loss, float *probs,
                  int *correct);

#endif
