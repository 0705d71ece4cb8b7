/*
 * predictor.c - the emo_predictor handle: a borrowed read-only network, an
 * own preprocessor and forward workspace, augmentation views and voting,
 * and the video mode that follows faces from frame to frame.
 *
 * Views are built from the face before mean subtraction, because a mirror
 * or rotation of the mean-subtracted face would also mirror or rotate the
 * mean.  Of a frame's face (predict_frame, predict_box) they are built as
 * training augmented: from the raw crop, finished (photometric mode,
 * blur) after the geometry when the network was trained so, each network
 * then subtracting its own mean.  Of a face given normalised
 * (predict_face) only the mean can be undone: the mean is added back,
 * the view transformed, the mean subtracted again.  All views of a face
 * go through a network in one batch.
 *
 * Which faces are classified (still frames, video mode) is decided in
 * faces.c; which networks may join an ensemble, in ensemble.c.
 */
#include "common/internal.h"
#include "image/image.h"
#include "model/network.h"
#include "predict/ensemble.h"
#include "predict/faces.h"
#include "predict/preprocessor.h"
#include "predict/vote.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define VIEW_BITS 8 /* EMO_VIEW_ORIGINAL .. EMO_VIEW_MIRROR_ZOOM */
#define MIRRORED_VIEWS                                                         \
    (EMO_VIEW_MIRROR | EMO_VIEW_MIRROR_ROTATE_POS |                            \
     EMO_VIEW_MIRROR_ROTATE_NEG | EMO_VIEW_MIRROR_ZOOM)

struct emo_predictor {
    const emo_network *net; /* borrowed, read-only */
    emo_preprocessor *pp;   /* own, configured from the network */
    emo__net_ws *ws;        /* own forward workspace */
    emo_opts opts;          /* EMO_OPT_PREDICT_* */
    int n;                  /* face side N */
    int classes;
    float *face;            /* N*N: a frame's face, cropped (finished in
                               place on the single-view path) */
    float *raw;             /* N*N: the face without its mean */
    float *mirror;          /* N*N: scratch, a view's source mirrored */
    float *mean;            /* N*N: the preprocessor's mean image */
    float *views;           /* VIEW_BITS x N*N: views, no mean subtracted */
    float *views_early;     /* VIEW_BITS x N*N: views of a crop finished
                               before the geometry */
    int have_late, have_early; /* which views of the current crop exist */
    float *batch;           /* VIEW_BITS x N*N: the views minus a mean */
    float *probs;           /* VIEW_BITS x classes */
    float *member_probs;    /* VIEW_BITS x classes: one added network's */
    emo__ensemble ensemble; /* networks added to the first */
    emo__boxes boxes;       /* faces of the current frame */
    emo__tracker tracker;   /* video mode */
};

/* ---- creation ----------------------------------------------------------- */

static int count_bits(int mask)
{
    int n = 0;
    for (; mask; mask &= mask - 1)
        n++;
    return n;
}

/* Views per face under the current EMO_OPT_PREDICT_VIEWS mask. */
static int view_count(const emo_predictor *p)
{
    return count_bits(emo__opti(&p->opts, EMO_OPT_PREDICT_VIEWS));
}

/* Checks that the network takes gray N x N faces and that the
 * preprocessing stored with it makes faces of that size. */
static int check_network(emo_predictor *p)
{
    int c, h, w, fs;
    int rc = emo_network_input_shape(p->net, &c, &h, &w);
    if (rc)
        return rc;
    if (c != 1 || h != w)
        return emo__fail(EMO_ERR_MISMATCH,
                         "network input %dx%dx%d: a predictor needs gray "
                         "square faces (1xNxN)", c, h, w);
    p->n = h;
    p->classes = emo_network_num_classes(p->net);
    if (p->classes < 1 || p->classes > EMO_MAX_CLASSES)
        return emo__fail(EMO_ERR_MISMATCH, "network has %d classes (1..%d)",
                         p->classes, EMO_MAX_CLASSES);
    rc = emo_preprocessor_get_int(p->pp, EMO_OPT_FACE_SIZE, &fs);
    if (rc)
        return rc;
    if (fs != p->n)
        return emo__fail(EMO_ERR_MISMATCH,
                         "model preprocessing makes %dx%d faces but the "
                         "network takes %dx%d", fs, fs, p->n, p->n);
    return EMO_OK;
}

static int alloc_buffers(emo_predictor *p)
{
    size_t nn = (size_t)p->n * p->n;
    p->face = malloc(nn * sizeof(float));
    p->raw = malloc(nn * sizeof(float));
    p->mirror = malloc(nn * sizeof(float));
    p->mean = malloc(nn * sizeof(float));
    p->views = malloc(VIEW_BITS * nn * sizeof(float));
    p->views_early = malloc(VIEW_BITS * nn * sizeof(float));
    p->batch = malloc(VIEW_BITS * nn * sizeof(float));
    p->probs = malloc((size_t)VIEW_BITS * p->classes * sizeof(float));
    p->member_probs = malloc((size_t)VIEW_BITS * p->classes * sizeof(float));
    if (!p->face || !p->raw || !p->mirror || !p->mean || !p->views ||
        !p->views_early || !p->batch || !p->probs || !p->member_probs)
        return emo__fail(EMO_ERR_NOMEM, "predictor: out of memory");
    return emo__boxes_init(&p->boxes);
}

EMO_API int emo_predictor_create(const emo_network *net, emo_predictor **out)
{
    if (out)
        *out = NULL;
    if (!net || !out)
        return emo__fail(EMO_ERR_INVALID_ARG,
                         "emo_predictor_create: NULL argument");
    emo_predictor *p = calloc(1, sizeof *p);
    if (!p)
        return emo__fail(EMO_ERR_NOMEM, "predictor: out of memory");
    p->net = net;
    emo__opts_init(&p->opts);
    int rc = emo_preprocessor_create(&p->pp);
    if (!rc)
        rc = emo_network_apply_preprocessing(net, p->pp);
    if (!rc)
        rc = check_network(p);
    if (!rc)
        rc = alloc_buffers(p);
    if (!rc)
        rc = emo__network_ws_create(net, &p->ws);
    /* Sized now for the default views, and whenever the views change: no
     * allocation per frame. */
    if (!rc)
        rc = emo__net_ws_reserve(&net->nn, p->ws, view_count(p), 0);
    if (rc) {
        emo_predictor_destroy(p);
        return rc;
    }
    *out = p;
    return EMO_OK;
}

EMO_API void emo_predictor_destroy(emo_predictor *pred)
{
    if (!pred)
        return;
    emo_preprocessor_destroy(pred->pp);
    emo__net_ws_destroy(pred->ws);
    free(pred->face);
    free(pred->raw);
    free(pred->mirror);
    free(pred->mean);
    free(pred->views);
    free(pred->views_early);
    free(pred->batch);
    free(pred->probs);
    free(pred->member_probs);
    emo__ensemble_free(&pred->ensemble);
    emo__boxes_free(&pred->boxes);
    free(pred);
}

EMO_API emo_preprocessor *emo_predictor_preprocessor(emo_predictor *pred)
{
    return pred ? pred->pp : NULL;
}

/* ---- ensemble ----------------------------------------------------------- */

EMO_API int emo_predictor_add_network(emo_predictor *pred,
                                      const emo_network *net)
{
    if (!pred || !net)
        return emo__fail(EMO_ERR_INVALID_ARG,
                         "emo_predictor_add_network: NULL argument");
    return emo__ensemble_add(&pred->ensemble, pred->net, pred->pp, net,
                             view_count(pred));
}

EMO_API int emo_predictor_num_networks(const emo_predictor *pred)
{
    return pred ? 1 + pred->ensemble.n : 0;
}

/* ---- options ------------------------------------------------------------ */

/* A new view mask, with the workspace grown for its batch first so that
 * predictions never allocate; on failure the old mask stays. */
static int set_views(emo_predictor *p, double value)
{
    double old;
    emo__opts_get(&p->opts, EMO__GROUP_PREDICT, EMO_OPT_PREDICT_VIEWS, &old);
    int rc = emo__opts_set(&p->opts, EMO__GROUP_PREDICT,
                           EMO_OPT_PREDICT_VIEWS, value);
    if (rc)
        return rc;
    int views = view_count(p);
    rc = emo__net_ws_reserve(&p->net->nn, p->ws, views, 0);
    if (!rc)
        rc = emo__ensemble_reserve(&p->ensemble, views);
    if (rc)
        emo__opts_set(&p->opts, EMO__GROUP_PREDICT, EMO_OPT_PREDICT_VIEWS,
                      old);
    return rc;
}

EMO_API int emo_predictor_set_int(emo_predictor *pred, int option, int value)
{
    return emo_predictor_set_float(pred, option, value);
}

EMO_API int emo_predictor_set_float(emo_predictor *pred, int option,
                                    double value)
{
    if (pred && option == EMO_OPT_PREDICT_VIEWS)
        return set_views(pred, value);
    int rc = emo__option_set(pred ? &pred->opts : NULL, EMO__GROUP_PREDICT,
                             option, value);
    if (!rc && option == EMO_OPT_PREDICT_TRACK)
        emo__tracker_reset(&pred->tracker); /* start from a full scan */
    return rc;
}

EMO_API int emo_predictor_get_int(const emo_predictor *pred, int option,
                                  int *value)
{
    return emo__option_get_int(pred ? &pred->opts : NULL, EMO__GROUP_PREDICT,
                               option, value);
}

EMO_API int emo_predictor_get_float(const emo_predictor *pred, int option,
                                    double *value)
{
    return emo__option_get_float(pred ? &pred->opts : NULL,
                                 EMO__GROUP_PREDICT, option, value);
}

/* ---- views and voting --------------------------------------------------- */

/* Copies the preprocessor's mean image into p->mean when it subtracts one;
 * returns whether it does.  The user may change the mean between calls, so
 * it is read each time (N*N floats: negligible next to the network). */
static int current_mean(emo_predictor *p)
{
    int on = 0;
    if (emo_preprocessor_get_int(p->pp, EMO_OPT_SUBTRACT_MEAN, &on) || !on)
        return 0;
    size_t nn = (size_t)p->n * p->n;
    return emo_preprocessor_get_mean(p->pp, p->mean, nn) == EMO_OK;
}

/* Geometric view `bit` of the mean-free face src (mirror: its mirror
 * image) into dst, nothing subtracted. */
static void geometric_view(const emo_predictor *p, int bit, const float *src,
                           const float *mirror, float *dst)
{
    int n = p->n;
    double deg = emo__opt(&p->opts, EMO_OPT_PREDICT_ROTATE_DEG);
    double zoom = emo__opt(&p->opts, EMO_OPT_PREDICT_ZOOM);
    const float *from = bit & MIRRORED_VIEWS ? mirror : src;
    double angle = bit & (EMO_VIEW_ROTATE_POS | EMO_VIEW_MIRROR_ROTATE_POS)
                       ? deg
                   : bit & (EMO_VIEW_ROTATE_NEG | EMO_VIEW_MIRROR_ROTATE_NEG)
                       ? -deg
                       : 0.0;
    double scale = bit & (EMO_VIEW_ZOOM | EMO_VIEW_MIRROR_ZOOM) ? zoom : 1.0;
    if (bit == EMO_VIEW_ORIGINAL || bit == EMO_VIEW_MIRROR)
        memcpy(dst, from, (size_t)n * n * sizeof(float));
    else
        emo__affine_f32(from, n, n, dst, angle, scale, 0.0, 0.0);
}

/* The views of `mask` of the mean-free face src into dst (one N*N image
 * per view, in bit order), nothing subtracted; returns their count. */
static int geometric_views(emo_predictor *p, int mask, const float *src,
                           float *dst)
{
    size_t nn = (size_t)p->n * p->n;
    if (mask & MIRRORED_VIEWS)
        emo__flip_f32(src, p->n, p->n, p->mirror);
    int views = 0;
    for (int b = 0; b < VIEW_BITS; b++)
        if (mask & (1 << b))
            geometric_view(p, 1 << b, src, p->mirror, dst + views++ * nn);
    return views;
}

/* p->batch = the views minus `mean` (NULL: none). */
static void batch_minus(emo_predictor *p, const float *views, int count,
                        const float *mean)
{
    size_t nn = (size_t)p->n * p->n, all = (size_t)count * nn;
    if (!mean) {
        memcpy(p->batch, views, all * sizeof(float));
        return;
    }
    for (size_t i = 0; i < all; i++)
        p->batch[i] = views[i] - mean[i % nn];
}

/* Adds each added network's view probabilities to p->probs and divides by
 * the number of networks: the ensemble's probabilities per view.  Member
 * m is given the views views_of(p, m) minus its own mean. */
static int ensemble_probs(emo_predictor *p, int views,
                          const float *(*views_of)(emo_predictor *, int))
{
    size_t n = (size_t)views * p->classes;
    int extra = p->ensemble.n;
    for (int m = 0; m < extra; m++) {
        const emo__member *e = &p->ensemble.m[m];
        const float *v = views_of(p, m);
        if (!v)
            return emo__fail(EMO_ERR_NOMEM, "predictor: out of memory");
        batch_minus(p, v, views, e->mean);
        int rc = emo__net_forward_ws(&e->net->nn, e->ws, p->batch, views,
                                     p->member_probs);
        if (rc)
            return rc;
        for (size_t i = 0; i < n; i++)
            p->probs[i] += p->member_probs[i];
    }
    float inv = 1.0f / (float)(1 + extra);
    for (size_t i = 0; extra && i < n; i++)
        p->probs[i] *= inv;
    return EMO_OK;
}

/* The views of a normalised face for every member: p->views, made once. */
static const float *face_views(emo_predictor *p, int member)
{
    (void)member;
    return p->views;
}

/* Classifies one normalised face (p->n squared floats) into *out.  Views
 * are made from the face with the mean added back (p->views); the first
 * network's original view is the face as given, so that a single network
 * sees exactly the face it was given. */
static int classify_face(emo_predictor *p, const float *face,
                         emo_prediction *out)
{
    int mask = emo__opti(&p->opts, EMO_OPT_PREDICT_VIEWS);
    size_t nn = (size_t)p->n * p->n;
    const float *input = face;
    int views = 1; /* fast path: the face itself is the batch */
    if (mask != EMO_VIEW_ORIGINAL || p->ensemble.n) {
        int has_mean = current_mean(p);
        const float *raw = face;
        if (has_mean) {
            for (size_t i = 0; i < nn; i++)
                p->raw[i] = face[i] + p->mean[i];
            raw = p->raw;
        }
        views = geometric_views(p, mask, raw, p->views);
        batch_minus(p, p->views, views, has_mean ? p->mean : NULL);
        if (mask & EMO_VIEW_ORIGINAL)
            memcpy(p->batch, face, nn * sizeof(float));
        input = p->batch;
    }
    int rc = emo__net_forward_ws(&p->net->nn, p->ws, input, views, p->probs);
    if (!rc && p->ensemble.n)
        rc = ensemble_probs(p, views, face_views);
    if (rc)
        return rc;
    return emo__vote(p->probs, views, p->classes,
                     emo__opti(&p->opts, EMO_OPT_PREDICT_VOTE), out);
}

/* ---- views of a crop ---------------------------------------------------- */

/* Whether `net` was trained on views finished after the geometry:
 * training augments the raw crop, then applies the photometric mode, the
 * blur and the mean, when a photometric mode or a lighting augmentation
 * is on, and otherwise augments the blurred face (train/train.c).  The
 * two orders differ only when the finish does more than the mean. */
static int finished_late(const emo_predictor *p, const emo_network *net)
{
    int photo = 0, aug = 0;
    emo_preprocessor_get_int(p->pp, EMO_OPT_PHOTOMETRIC, &photo);
    emo_network_get_int(net, EMO_OPT_TRAIN_AUGMENT, &aug);
    return photo != EMO_PHOTO_NONE || (aug & EMO__AUG_LIGHTING);
}

/* The mean-free views of the crop in p->face for a network trained in
 * one order or the other, made at most once per face (p->have_late,
 * p->have_early; NULL on failure).  Late: each geometric view of the
 * crop, then finished.  Early: the finished crop, then its geometric
 * views. */
static const float *crop_views_for(emo_predictor *p, int late)
{
    int mask = emo__opti(&p->opts, EMO_OPT_PREDICT_VIEWS);
    size_t nn = (size_t)p->n * p->n;
    if (late && !p->have_late) {
        int views = geometric_views(p, mask, p->face, p->views);
        for (int v = 0; v < views; v++)
            if (emo__pp_finish(p->pp, p->views + v * nn, 0))
                return NULL;
        p->have_late = 1;
    } else if (!late && !p->have_early) {
        memcpy(p->raw, p->face, nn * sizeof(float));
        if (emo__pp_finish(p->pp, p->raw, 0))
            return NULL;
        geometric_views(p, mask, p->raw, p->views_early);
        p->have_early = 1;
    }
    return late ? p->views : p->views_early;
}

static const float *member_crop_views(emo_predictor *p, int member)
{
    return crop_views_for(p, finished_late(p, p->ensemble.m[member].net));
}

/* Classifies the raw crop in p->face (from emo__pp_crop) into *out.  Each
 * network is given the views in the order it was trained on
 * (finished_late) minus its own mean.  A single view through a single
 * network is the crop finished in place: exactly the normalised face. */
static int classify_crop(emo_predictor *p, emo_prediction *out)
{
    int mask = emo__opti(&p->opts, EMO_OPT_PREDICT_VIEWS);
    int views = 1, rc;
    const float *input = p->face;
    if (mask == EMO_VIEW_ORIGINAL && !p->ensemble.n) {
        if ((rc = emo__pp_finish(p->pp, p->face, 1)))
            return rc;
    } else {
        p->have_late = p->have_early = 0;
        const float *v = crop_views_for(p, finished_late(p, p->net));
        if (!v)
            return emo__fail(EMO_ERR_NOMEM, "predictor: out of memory");
        views = view_count(p);
        batch_minus(p, v, views, current_mean(p) ? p->mean : NULL);
        input = p->batch;
    }
    rc = emo__net_forward_ws(&p->net->nn, p->ws, input, views, p->probs);
    if (!rc && p->ensemble.n)
        rc = ensemble_probs(p, views, member_crop_views);
    if (rc)
        return rc;
    return emo__vote(p->probs, views, p->classes,
                     emo__opti(&p->opts, EMO_OPT_PREDICT_VOTE), out);
}

/* The network and preprocessor still agree (the user may have changed the
 * preprocessor's face size). */
static int check_face_size(const emo_predictor *p)
{
    int fs = 0;
    int rc = emo_preprocessor_get_int(p->pp, EMO_OPT_FACE_SIZE, &fs);
    if (rc)
        return rc;
    if (fs != p->n)
        return emo__fail(EMO_ERR_MISMATCH,
                         "preprocessor face size %d does not match the "
                         "network input %dx%d", fs, p->n, p->n);
    return EMO_OK;
}

EMO_API int emo_predictor_predict_face(emo_predictor *pred, const float *face,
                                       size_t n, emo_prediction *out)
{
    if (!pred || !face || !out)
        return emo__fail(EMO_ERR_INVALID_ARG,
                         "emo_predictor_predict_face: NULL argument");
    if (n != (size_t)pred->n * pred->n)
        return emo__fail(EMO_ERR_MISMATCH,
                         "face of %zu floats; the network takes %dx%d = %d",
                         n, pred->n, pred->n, pred->n * pred->n);
    int rc = classify_face(pred, face, out);
    if (rc)
        return rc;
    out->box = (emo_box){0, 0, pred->n, pred->n};
    return EMO_OK;
}

/* ---- frames ------------------------------------------------------------- */

EMO_API int emo_predictor_predict_frame(emo_predictor *pred,
                                        const uint8_t *gray, int width,
                                        int height, int stride,
                                        emo_prediction *out, int max,
                                        int *count)
{
    if (count)
        *count = 0;
    if (!pred || !gray || !count || (!out && max > 0) || max < 0)
        return emo__fail(EMO_ERR_INVALID_ARG,
                         "emo_predictor_predict_frame: NULL argument or "
                         "negative max");
    if (width < 1 || height < 1 || stride < width)
        return emo__fail(EMO_ERR_INVALID_ARG,
                         "frame %dx%d with stride %d", width, height, stride);
    int rc = check_face_size(pred);
    if (rc)
        return rc;
    emo__frame f = {gray, width, height, stride};
    int found = 0;
    rc = emo__opti(&pred->opts, EMO_OPT_PREDICT_TRACK)
             ? emo__track_faces(&pred->tracker, pred->pp, &f,
                                emo__opti(&pred->opts, EMO_OPT_PREDICT_RESCAN),
                                &pred->boxes, &found)
             : emo__find_faces(pred->pp, &f, &pred->boxes, &found);
    if (rc)
        return rc;
    size_t nn = (size_t)pred->n * pred->n;
    for (int i = 0; i < found && i < max; i++) {
        rc = emo__pp_crop(pred->pp, gray, width, height, stride,
                          &pred->boxes.v[i], pred->face, nn);
        if (!rc)
            rc = classify_crop(pred, &out[i]);
        if (rc)
            return rc;
        out[i].box = pred->boxes.v[i];
    }
    *count = found;
    return EMO_OK;
}

EMO_API int emo_predictor_predict_box(emo_predictor *pred,
                                      const uint8_t *gray, int width,
                                      int height, int stride,
                                      const emo_box *box, emo_prediction *out)
{
    if (!pred || !out)
        return emo__fail(EMO_ERR_INVALID_ARG,
                         "emo_predictor_predict_box: NULL argument");
    int rc = check_face_size(pred);
    if (!rc)
        rc = emo__pp_crop(pred->pp, gray, width, height, stride, box,
                          pred->face, (size_t)pred->n * pred->n);
    if (!rc)
        rc = classify_crop(pred, out);
    if (rc)
        return rc;
    out->box = box ? *box : (emo_box){0, 0, width, height};
    return EMO_OK;
}
