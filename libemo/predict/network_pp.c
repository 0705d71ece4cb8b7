/*
 * network_pp.c - the preprocessing a network expects, exchanged with an
 * emo_preprocessor through its public API only.  The options kept are
 * those that define what a face looks like to the network (size,
 * photometric normalisation, blur, mean) and how it is found (detection
 * parameters); per-run settings (threads, detection on/off) stay with the
 * preprocessor.
 */
#include "model/network.h"

#include <stdlib.h>
#include <string.h>

typedef struct pp_opt {
    int id;
    int is_int;
} pp_opt;

static const pp_opt stored[] = {
    {EMO_OPT_DETECT_SCALE_FACTOR, 0}, {EMO_OPT_DETECT_MIN_NEIGHBORS, 1},
    {EMO_OPT_DETECT_MIN_SIZE, 1},     {EMO_OPT_DETECT_MAX_SIZE, 1},
    {EMO_OPT_DETECT_RETRIES, 1},      {EMO_OPT_FACE_CHOICE, 1},
    {EMO_OPT_CROP_MARGIN, 0},         {EMO_OPT_FACE_SIZE, 1},
    {EMO_OPT_BLUR, 1},                {EMO_OPT_BLUR_SIGMA, 0},
    {EMO_OPT_SUBTRACT_MEAN, 1},       {EMO_OPT_CROP_SHIFT_Y, 0},
    {EMO_OPT_PHOTOMETRIC, 1},
};
#define N_STORED (sizeof stored / sizeof *stored)

static double *slot(emo_opts *o, int id)
{
    return &o->v[id / 100][id % 100];
}

EMO_API int emo_network_store_preprocessing(emo_network *net,
                                            const emo_preprocessor *pp)
{
    if (!net || !pp)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL argument");
    emo_opts o = net->pp_opts;
    for (size_t i = 0; i < N_STORED; i++) {
        int rc, iv;
        double fv;
        if (stored[i].is_int) {
            rc = emo_preprocessor_get_int(pp, stored[i].id, &iv);
            fv = iv;
        } else {
            rc = emo_preprocessor_get_float(pp, stored[i].id, &fv);
        }
        if (rc)
            return rc;
        *slot(&o, stored[i].id) = fv;
    }
    int n = (int)*slot(&o, EMO_OPT_FACE_SIZE);
    if (n != net->nn.input.h || n != net->nn.input.w)
        return emo__fail(EMO_ERR_MISMATCH, "face size %d does not match the"
                         " %dx%d network input", n, net->nn.input.h,
                         net->nn.input.w);
    float *mean = malloc(sizeof(float) * (size_t)n * n);
    if (!mean)
        return emo__fail(EMO_ERR_NOMEM, "out of memory");
    int rc = emo_preprocessor_get_mean(pp, mean, (size_t)n * n);
    if (rc == EMO_ERR_STATE) {
        free(mean);
        mean = NULL;
    } else if (rc) {
        free(mean);
        return rc;
    }
    free(net->mean);
    net->mean = mean;
    net->pp_opts = o;
    return EMO_OK;
}

EMO_API int emo_network_apply_preprocessing(const emo_network *net,
                                            emo_preprocessor *pp)
{
    if (!net || !pp)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL argument");
    emo_opts o = net->pp_opts;
    for (size_t i = 0; i < N_STORED; i++) {
        double v = *slot(&o, stored[i].id);
        int rc = stored[i].is_int
                     ? emo_preprocessor_set_int(pp, stored[i].id, (int)v)
                     : emo_preprocessor_set_float(pp, stored[i].id, v);
        if (rc)
            return rc;
    }
    int n = (int)*slot(&o, EMO_OPT_FACE_SIZE);
    return emo_preprocessor_set_mean(pp, net->mean,
                                     net->mean ? (size_t)n * n : 0);
}
