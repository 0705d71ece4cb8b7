/* ensemble.c - extra --model files added to a predictor's ensemble. */
#include "ensemble.h"

int ensemble_add_path(ensemble *e, const char *path)
{
    if (e->n == EMO_MAX_NETWORKS - 1)
        return 0;
    e->paths[e->n] = path;
    e->nets[e->n++] = NULL;
    return 1;
}

int ensemble_attach(ensemble *e, emo_predictor *pred, const char **failed)
{
    for (int i = 0; i < e->n; i++) {
        int rc = emo_network_load(e->paths[i], &e->nets[i]);
        if (!rc)
            rc = emo_predictor_add_network(pred, e->nets[i]);
        if (rc) {
            *failed = e->paths[i];
            return rc;
        }
    }
    return EMO_OK;
}

void ensemble_free(ensemble *e)
{
    for (int i = 0; i < e->n; i++)
        emo_network_destroy(e->nets[i]);
    e->n = 0;
}
