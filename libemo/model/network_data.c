/*
 * network_data.c - data an emo_network carries besides its weights:
 * corrections (faces with their true labels) and the training state that
 * checkpoints save.
 */
#include "model/network.h"

#include <stdlib.h>
#include <string.h>

#define MAX_CORRECTIONS 100000

int emo__network_store_correction(emo_network *net, const float *face,
                                  size_t n, int label)
{
    size_t face_n = emo__shape_size(net->nn.input);
    if (!face)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL face");
    if (n != face_n)
        return emo__fail(EMO_ERR_MISMATCH, "face of %zu values, the network"
                         " takes %zu", n, face_n);
    if (label < 0 || label >= net->nn.num_classes)
        return emo__fail(EMO_ERR_RANGE, "label %d outside [0, %d)", label,
                         net->nn.num_classes);
    if (net->n_corr >= MAX_CORRECTIONS)
        return emo__fail(EMO_ERR_LIMIT, "more than %d corrections",
                         MAX_CORRECTIONS);
    if (net->n_corr == net->cap_corr) {
        int cap = net->cap_corr ? 2 * net->cap_corr : 8;
        float *f = realloc(net->corr_faces, sizeof(float) * face_n * cap);
        if (!f)
            return emo__fail(EMO_ERR_NOMEM, "out of memory");
        net->corr_faces = f;
        int *l = realloc(net->corr_labels, sizeof(int) * (size_t)cap);
        if (!l)
            return emo__fail(EMO_ERR_NOMEM, "out of memory");
        net->corr_labels = l;
        net->cap_corr = cap;
    }
    memcpy(net->corr_faces + face_n * net->n_corr, face,
           sizeof(float) * face_n);
    net->corr_labels[net->n_corr++] = label;
    return EMO_OK;
}

int emo__network_set_train_state(emo_network *net, const void *data,
                                 size_t len)
{
    uint8_t *copy = NULL;
    if (data && len) {
        copy = malloc(len);
        if (!copy)
            return emo__fail(EMO_ERR_NOMEM, "out of memory");
        memcpy(copy, data, len);
    }
    free(net->train_state);
    net->train_state = copy;
    net->train_state_len = copy ? len : 0;
    return EMO_OK;
}
