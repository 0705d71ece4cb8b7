/* ensemble.c - the --model files of the example programs. */
#include "ensemble.h"

int ensemble_add_path(ensemble *e, const char *path)
{
    if (e->n == EMO_MAX_NETWORKS)
        return 0;
    e->paths[e->n++] = path;
    return 1;
}

const char *ensemble_first(const ensemble *e)
{
    return e->n ? e->paths[0] : NULL;
}

int ensemble_attach(ensemble *e, emo_predictor *pred, const char **failed)
{
    for (int i = 1; i < e->n; i++) {
        emo_network **net = &e->extra[i - 1];
        int rc = emo_network_load(e->paths[i], net);
        if (!rc)
            rc = emo_predictor_add_network(pred, *net);
        if (rc) {
            *failed = e->paths[i];
            return rc;
        }
    }
    return EMO_OK;
}

void ensemble_free(ensemble *e)
{
    for (int i = 1; i < e->n; i++) {
        emo_network_destroy(e->extra[i - 1]);
        e->extra[i - 1] = NULL;
    }
}
