/*
 * ensemble.c - the networks added to a predictor's first one: a
 * network may join when it sees faces exactly as the first does (input,
 * classes, face-shaping preprocessing); only its mean image may differ.
 */
#include "predict/ensemble.h"

#include <stdlib.h>
#include <string.h>

/* Face-shaping options an added network must share with the predictor's
 * preprocessor: the face it is given is cut and filtered only once. */
static int same_face_preprocessing(const emo_preprocessor *a,
                                   const emo_preprocessor *b)
{
    static const struct {
        int id;
        const char *name;
    } shaping[] = {{EMO_OPT_FACE_SIZE, "face size"},
                   {EMO_OPT_CROP_MARGIN, "crop margin"},
                   {EMO_OPT_CROP_SHIFT_Y, "crop shift y"},
                   {EMO_OPT_BLUR, "blur"},
                   {EMO_OPT_BLUR_SIGMA, "blur sigma"},
                   {EMO_OPT_PHOTOMETRIC, "photometric mode"}};
    for (size_t i = 0; i < sizeof shaping / sizeof *shaping; i++) {
        double va, vb;
        int rc = emo_preprocessor_get_float(a, shaping[i].id, &va);
        if (!rc)
            rc = emo_preprocessor_get_float(b, shaping[i].id, &vb);
        if (rc)
            return rc;
        if (va != vb)
            return emo__fail(EMO_ERR_MISMATCH,
                             "ensemble: %s %g, the predictor's is %g",
                             shaping[i].name, vb, va);
    }
    return EMO_OK;
}

static int same_classes(const emo_network *a, const emo_network *b)
{
    int n = emo_network_num_classes(a);
    if (emo_network_num_classes(b) != n)
        return emo__fail(EMO_ERR_MISMATCH, "ensemble: %d classes, the "
                         "predictor's network has %d",
                         emo_network_num_classes(b), n);
    for (int k = 0; k < n; k++)
        if (strcmp(emo_network_class_name(a, k),
                   emo_network_class_name(b, k)) != 0)
            return emo__fail(EMO_ERR_MISMATCH, "ensemble: class %d is '%s', "
                             "the predictor's network's is '%s'", k,
                             emo_network_class_name(b, k),
                             emo_network_class_name(a, k));
    return EMO_OK;
}

/* The same 1xNxN input as `first`. */
static int same_input(const emo_network *first, const emo_network *net,
                      int *n)
{
    int c0, h0, w0, c, h, w;
    int rc = emo_network_input_shape(first, &c0, &h0, &w0);
    if (!rc)
        rc = emo_network_input_shape(net, &c, &h, &w);
    if (rc)
        return rc;
    if (c != c0 || h != h0 || w != w0)
        return emo__fail(EMO_ERR_MISMATCH, "ensemble: network input "
                         "%dx%dx%d, the predictor's is %dx%dx%d", c, h, w,
                         c0, h0, w0);
    *n = h;
    return EMO_OK;
}

/* Checks `net` against the predictor's first network and preprocessor
 * and fills m->mean from the preprocessing stored with it. */
static int member_setup(const emo_network *first,
                        const emo_preprocessor *pred_pp,
                        const emo_network *net, emo__member *m)
{
    int n = 0, on = 0;
    int rc = same_input(first, net, &n);
    if (!rc)
        rc = same_classes(first, net);
    if (rc)
        return rc;
    emo_preprocessor *pp;
    if ((rc = emo_preprocessor_create(&pp)) != EMO_OK)
        return rc;
    rc = emo_network_apply_preprocessing(net, pp);
    if (!rc)
        rc = same_face_preprocessing(pred_pp, pp);
    if (!rc)
        rc = emo_preprocessor_get_int(pp, EMO_OPT_SUBTRACT_MEAN, &on);
    size_t nn = (size_t)n * n;
    if (!rc && on) {
        if (!(m->mean = malloc(nn * sizeof(float))))
            rc = emo__fail(EMO_ERR_NOMEM, "predictor: out of memory");
        else if (emo_preprocessor_get_mean(pp, m->mean, nn) != EMO_OK) {
            free(m->mean); /* subtraction on but no mean stored: none */
            m->mean = NULL;
        }
    }
    emo_preprocessor_destroy(pp);
    return rc;
}

int emo__ensemble_add(emo__ensemble *e, const emo_network *first,
                      const emo_preprocessor *pp, const emo_network *net,
                      int views)
{
    if (1 + e->n >= EMO_MAX_NETWORKS)
        return emo__fail(EMO_ERR_LIMIT, "ensemble: at most %d networks",
                         EMO_MAX_NETWORKS);
    emo__member m = {net, NULL, NULL};
    int rc = member_setup(first, pp, net, &m);
    if (!rc)
        rc = emo__network_ws_create(net, &m.ws);
    if (!rc)
        rc = emo__net_ws_reserve(&net->nn, m.ws, views, 0);
    if (rc) {
        emo__net_ws_destroy(m.ws);
        free(m.mean);
        return rc;
    }
    e->m[e->n++] = m;
    return EMO_OK;
}

int emo__ensemble_reserve(emo__ensemble *e, int views)
{
    for (int i = 0; i < e->n; i++) {
        int rc = emo__net_ws_reserve(&e->m[i].net->nn, e->m[i].ws, views,
                                     0);
        if (rc)
            return rc;
    }
    return EMO_OK;
}

void emo__ensemble_free(emo__ensemble *e)
{
    for (int i = 0; i < e->n; i++) {
        emo__net_ws_destroy(e->m[i].ws);
        free(e->m[i].mean);
    }
    e->n = 0;
}
