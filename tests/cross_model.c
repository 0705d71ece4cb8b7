/* cross_model.c - the model probe of `make check-cross`, built for the host
 * and for each emulated target: loads a model, prints every face found in
 * a photo with its label and full-precision scores (one line per face:
 * x y w h label score...), and saves the model again to a new path.  The
 * two builds' outputs are compared by tests/check-cross.sh: the same boxes
 * and labels, scores within 1e-6, the saved files byte for byte.
 * Usage: cross_model MODEL PHOTO RESAVED */
#include <stdio.h>
#include <stdlib.h>

#include "emo.h"

static int fail(const char *what, int rc)
{
    fprintf(stderr, "cross_model: %s: %s (%s)\n", what, emo_strerror(rc),
            emo_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: cross_model MODEL PHOTO RESAVED\n");
        return 2;
    }
    emo_network *net;
    int rc = emo_network_load(argv[1], &net);
    if (rc != EMO_OK)
        return fail(argv[1], rc);
    uint8_t *gray;
    int w, h, n = 0;
    if ((rc = emo_image_load(argv[2], 1, &gray, &w, &h)) != EMO_OK)
        return fail(argv[2], rc);
    emo_predictor *pred;
    if ((rc = emo_predictor_create(net, &pred)) != EMO_OK)
        return fail("emo_predictor_create", rc);
    emo_prediction p[8];
    rc = emo_predictor_predict_frame(pred, gray, w, h, w, p, 8, &n);
    if (rc != EMO_OK)
        return fail("emo_predictor_predict_frame", rc);
    for (int i = 0; i < n && i < 8; i++) {
        printf("%d %d %d %d %d", p[i].box.x, p[i].box.y, p[i].box.w,
               p[i].box.h, p[i].label);
        for (int k = 0; k < p[i].num_classes; k++)
            printf(" %.9g", p[i].scores[k]);
        printf("\n");
    }
    if ((rc = emo_network_save(net, argv[3])) != EMO_OK)
        return fail(argv[3], rc);
    emo_predictor_destroy(pred);
    emo_free(gray);
    emo_network_destroy(net);
    return 0;
}
