/*
 * ensemble.h - the networks a predictor adds to its first one
 * (emo_predictor_add_network): which may join, and the state each keeps.
 * Internal to libemo; predictor.c runs them.
 */
#ifndef EMO_PREDICT_ENSEMBLE_H
#define EMO_PREDICT_ENSEMBLE_H

#include "common/internal.h"
#include "model/network.h"

/* One added network. */
typedef struct emo__member {
    const emo_network *net; /* borrowed, read-only */
    emo__net_ws *ws;        /* own forward workspace */
    float *mean;            /* N*N: its mean image, NULL when none */
} emo__member;

typedef struct emo__ensemble {
    emo__member m[EMO_MAX_NETWORKS - 1];
    int n;
} emo__ensemble;

/* Adds `net` after checking it against the predictor's first network
 * `first` and preprocessor `pp` (same 1xNxN input, same classes in order,
 * same face size, crop margin and blur), with a workspace reserved for
 * `views` images.  Errors: EMO_ERR_LIMIT, EMO_ERR_MISMATCH, EMO_ERR_NOMEM;
 * on error the ensemble is unchanged. */
int emo__ensemble_add(emo__ensemble *e, const emo_network *first,
                      const emo_preprocessor *pp, const emo_network *net,
                      int views);
/* Grows every member's workspace to `views` images.  Errors: NOMEM. */
int emo__ensemble_reserve(emo__ensemble *e, int views);
void emo__ensemble_free(emo__ensemble *e);

#endif
