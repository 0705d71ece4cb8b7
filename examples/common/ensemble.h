/* ensemble.h - the extra --model files of the example programs: loaded
 * and added to a predictor's ensemble (emo_predictor_add_network). */
#ifndef EMO_EXAMPLES_ENSEMBLE_H
#define EMO_EXAMPLES_ENSEMBLE_H

#include "emo.h"

typedef struct ensemble {
    const char *paths[EMO_MAX_NETWORKS - 1]; /* models after the first */
    emo_network *nets[EMO_MAX_NETWORKS - 1];
    int n;
} ensemble;

/* Records one more model path; 0 when the ensemble is full. */
int ensemble_add_path(ensemble *e, const char *path);
/* Loads every recorded model and adds it to pred.  Returns EMO_OK or the
 * first error, with *failed set to the model it concerns. */
int ensemble_attach(ensemble *e, emo_predictor *pred, const char **failed);
/* Destroys the loaded networks (after the predictor). */
void ensemble_free(ensemble *e);

#endif
