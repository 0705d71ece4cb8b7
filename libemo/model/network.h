/*
 * network.h - the emo_network handle: the engine's network (nn/) and what
 * the library keeps with it (options, the preprocessing it expects, class
 * names, corrections, training state), and the model file that stores it.
 * Used by model/, predict/ and train/; never installed.
 */
#ifndef EMO_MODEL_NETWORK_H
#define EMO_MODEL_NETWORK_H

#include "common/internal.h"
#include "nn/nn.h"

struct emo_network {
    emo__net nn;   /* layers, shapes, weights: all the engine sees */
    char *text;    /* the network text it was built from (NUL-terminated) */
    char **class_names; /* NULL: the canonical names */
    emo_opts opts; /* NET and TRAIN groups */
    /* Preprocessing stored with the model (detection group options,
     * EMO_OPT_DETECT_* .. EMO_OPT_SUBTRACT_MEAN) and the mean image. */
    emo_opts pp_opts;
    float *mean;   /* input.h * input.w floats, or NULL */
    /* Corrections: faces (input-sized) with their true labels. */
    float *corr_faces;
    int *corr_labels;
    int n_corr, cap_corr;
    /* Training state kept by train/ (saved in checkpoints). */
    uint8_t *train_state;
    size_t train_state_len;
    uint64_t step; /* SGD steps taken (seeds dropout masks) */
    int fresh;     /* weights are the seed's initial draw (not trained,
                      loaded or set): EMO_OPT_NET_SEED redraws them */
    emo__net_ws *ws;  /* own workspace for emo_network_forward/train_step */
    emo__reducer reducer; /* cross-process sums (emo_network_set_reducer) */
    float *red_buf;   /* the gradients packed for the reducer */
    size_t red_cap;   /* floats in red_buf */
    int *soft_labels; /* the soft step's row labels, grown with the batch */
    int soft_cap;     /* ints in soft_labels */
    char *checkpoint; /* path train/ saves checkpoints to, or NULL */
};

/* ---- the handle (network.c) ------------------------------------------- */

/* A handle for the network text: parsed, option defaults, weights drawn
 * from the default seed (fresh).  Errors: those of emo__net_parse. */
int emo__network_create(const char *text, emo_network **out);
/* Redraws the initial weights from EMO_OPT_NET_SEED. */
void emo__network_init_weights(emo_network *net);
/* A workspace whose kernels use the network's EMO_OPT_NET_THREADS. */
int emo__network_ws_create(const emo_network *net, emo__net_ws **out);

/* ---- data kept with the weights (network_data.c) ----------------------- */

/* Adds a correction to the network's storage (face: input C*H*W floats).
 * Errors: EMO_ERR_MISMATCH (size), EMO_ERR_RANGE (label), EMO_ERR_LIMIT,
 * EMO_ERR_NOMEM. */
int emo__network_store_correction(emo_network *net, const float *face,
                                  size_t n, int label);
/* Replaces the training state saved in checkpoints (NULL clears); its
 * layout is train/'s. */
int emo__network_set_train_state(emo_network *net, const void *data,
                                 size_t len);

/* ---- model files (model_file.c) ---------------------------------------- */

/* Save as a model, or as a checkpoint (with momentum buffers and the
 * training state, from which training resumes exactly). */
int emo__model_save(const emo_network *net, const char *path,
                    int checkpoint);
/* Load from memory (the file's bytes); `what` names it in messages. */
int emo__model_load_mem(const uint8_t *data, size_t size, const char *what,
                        emo_network **out);

#endif
