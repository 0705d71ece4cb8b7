/* ensemble.h - the --model files of the example programs: the first is
 * the predictor's network, any later ones join it as an ensemble
 * (emo_predictor_add_network). */
#ifndef EMO_EXAMPLES_ENSEMBLE_H
#define EMO_EXAMPLES_ENSEMBLE_H

#include "emo.h"

typedef struct ensemble {
    const char *paths[EMO_MAX_NETWORKS]; /* in command-line order */
    emo_network *extra[EMO_MAX_NETWORKS - 1]; /* loaded paths[1..] */
    int n;
} ensemble;

/* Records one more --model; 0 when EMO_MAX_NETWORKS are already there. */
int ensemble_add_path(ensemble *e, const char *path);
/* The first --model, or NULL when none was given. */
const char *ensemble_first(const ensemble *e);
/* Loads the models after the first and adds them to pred.  Returns EMO_OK
 * or the first error, with *failed set to the model it concerns. */
int ensemble_attach(ensemble *e, emo_predictor *pred, const char **failed);
/* Destroys the networks ensemble_attach loaded (after the predictor). */
void ensemble_free(ensemble *e);

#endif
