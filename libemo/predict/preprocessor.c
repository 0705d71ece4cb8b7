/*
 * preprocessor.c - the emo_preprocessor handle: cascade, detection options,
 * face choice with retries, and normalisation of a face to N x N floats
 * in two steps: the crop (margin and vertical shift, bilinear rescale),
 * then its finish (photometric normalisation, 5x5 Gaussian, minus the
 * mean), so that the predictor can transform a view between them.
 * Detection buffers live in the handle and are reused across frames.
 */
#include "predict/preprocessor.h"
#include "detect/cascade.h"
#include "image/image.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct emo_preprocessor {
    emo_opts opts;
    emo__cascade *cascade;
    emo__detector *det;
    emo__rects hits;
    float *mean;    /* mean_n floats, or NULL */
    size_t mean_n;
    float *buf;     /* 2 * buf_n floats: crop, blur scratch */
    size_t buf_n;
};

EMO_API int emo_preprocessor_create(emo_preprocessor **out)
{
    if (!out)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL output pointer");
    *out = NULL;
    emo_preprocessor *pp = calloc(1, sizeof *pp);
    if (!pp)
        return emo__fail(EMO_ERR_NOMEM, "out of memory for a preprocessor");
    emo__opts_init(&pp->opts);
    int rc = emo__detector_create(&pp->det);
    if (rc) {
        free(pp);
        return rc;
    }
    *out = pp;
    return EMO_OK;
}

EMO_API void emo_preprocessor_destroy(emo_preprocessor *pp)
{
    if (!pp)
        return;
    emo__cascade_free(pp->cascade);
    emo__detector_free(pp->det);
    emo__rects_free(&pp->hits);
    free(pp->mean);
    free(pp->buf);
    free(pp);
}

EMO_API int emo_preprocessor_load_cascade(emo_preprocessor *pp,
                                          const char *path)
{
    if (!pp)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL preprocessor");
    if (!path)
        path = emo__cascade_default_path();
    if (!path)
        return emo__fail(EMO_ERR_IO, "no default face cascade: install "
                         "opencv-data (haarcascade_frontalface_default.xml) "
                         "or set EMO_CASCADE");
    emo__cascade *c;
    int rc = emo__cascade_load(path, &c);
    if (rc)
        return rc; /* the old cascade stays in use */
    emo__cascade_free(pp->cascade);
    pp->cascade = c;
    return EMO_OK;
}

int emo__pp_ensure_cascade(emo_preprocessor *pp)
{
    return pp->cascade ? EMO_OK : emo_preprocessor_load_cascade(pp, NULL);
}

/* ------------------------------------------------------------------------ */
/* Options                                                                   */
/* ------------------------------------------------------------------------ */

EMO_API int emo_preprocessor_set_int(emo_preprocessor *pp, int option,
                                     int value)
{
    return emo__option_set(pp ? &pp->opts : NULL, EMO__GROUP_DETECT, option,
                           value);
}

EMO_API int emo_preprocessor_set_float(emo_preprocessor *pp, int option,
                                       double value)
{
    return emo__option_set(pp ? &pp->opts : NULL, EMO__GROUP_DETECT, option,
                           value);
}

EMO_API int emo_preprocessor_get_int(const emo_preprocessor *pp, int option,
                                     int *value)
{
    return emo__option_get_int(pp ? &pp->opts : NULL, EMO__GROUP_DETECT,
                               option, value);
}

EMO_API int emo_preprocessor_get_float(const emo_preprocessor *pp, int option,
                                       double *value)
{
    return emo__option_get_float(pp ? &pp->opts : NULL, EMO__GROUP_DETECT,
                                 option, value);
}

/* ------------------------------------------------------------------------ */
/* Detection                                                                 */
/* ------------------------------------------------------------------------ */

static int check_frame(const uint8_t *gray, int w, int h, int stride)
{
    if (!gray)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL frame");
    if (w <= 0 || h <= 0)
        return emo__fail(EMO_ERR_INVALID_ARG, "empty frame (%dx%d)", w, h);
    if (stride < w)
        return emo__fail(EMO_ERR_INVALID_ARG, "stride %d is less than the "
                         "width %d", stride, w);
    long long limit = emo__limit(EMO_OPT_MAX_PIXELS);
    if ((long long)w * h > limit)
        return emo__fail(EMO_ERR_LIMIT, "frame %dx%d exceeds the %lld-pixel "
                         "limit", w, h, limit);
    return EMO_OK;
}

static emo__detect_params params_from(const emo_opts *o)
{
    emo__detect_params p;
    p.scale_factor = emo__opt(o, EMO_OPT_DETECT_SCALE_FACTOR);
    p.min_neighbors = emo__opti(o, EMO_OPT_DETECT_MIN_NEIGHBORS);
    p.min_w = p.min_h = emo__opti(o, EMO_OPT_DETECT_MIN_SIZE);
    p.max_w = p.max_h = emo__opti(o, EMO_OPT_DETECT_MAX_SIZE);
    p.threads = emo__opti(o, EMO_OPT_DETECT_THREADS);
    p.scalar = 0;
    p.max_pixels = emo__opti(o, EMO_OPT_DETECT_MAX_PIXELS);
    return p;
}

/* Sort key of a face: distance of its centre to the frame centre (0
 * unless the policy is "most central"), then larger first, then position,
 * so the order is total and reproducible. */
typedef struct face_key {
    double dist2;
    long long area;
    emo__rect r;
} face_key;

static int key_cmp(const void *pa, const void *pb)
{
    const face_key *a = pa, *b = pb;
    if (a->dist2 != b->dist2)
        return a->dist2 < b->dist2 ? -1 : 1;
    if (a->area != b->area)
        return a->area > b->area ? -1 : 1;
    if (a->r.y != b->r.y)
        return a->r.y < b->r.y ? -1 : 1;
    return a->r.x < b->r.x ? -1 : a->r.x > b->r.x;
}

/* Orders the faces best first under the policy (qsort: with min-neighbours
 * 0 there may be thousands of raw hits). */
static int sort_faces(emo__rects *r, int policy, int w, int h)
{
    if (r->n < 2)
        return EMO_OK;
    face_key *k = malloc(sizeof *k * (size_t)r->n);
    if (!k)
        return emo__fail(EMO_ERR_NOMEM, "out of memory sorting faces");
    for (int i = 0; i < r->n; i++) {
        const emo__rect *b = &r->v[i];
        double dx = b->x + b->w * 0.5 - w * 0.5;
        double dy = b->y + b->h * 0.5 - h * 0.5;
        k[i].dist2 = policy == EMO_FACE_CENTRAL ? dx * dx + dy * dy : 0.0;
        k[i].area = (long long)b->w * b->h;
        k[i].r = *b;
    }
    qsort(k, (size_t)r->n, sizeof *k, key_cmp);
    for (int i = 0; i < r->n; i++)
        r->v[i] = k[i].r;
    free(k);
    return EMO_OK;
}

static int detect_with(emo_preprocessor *pp, const uint8_t *gray, int w,
                       int h, int stride, const emo__detect_params *p)
{
    int rc = emo__pp_ensure_cascade(pp);
    if (rc)
        return rc;
    rc = emo__detect(pp->det, pp->cascade, gray, w, h, stride, p, &pp->hits);
    if (rc)
        return rc;
    return sort_faces(&pp->hits, emo__opti(&pp->opts, EMO_OPT_FACE_CHOICE), w,
                      h);
}

EMO_API int emo_preprocessor_detect(emo_preprocessor *pp,
                                    const uint8_t *gray, int width,
                                    int height, int stride, emo_box *boxes,
                                    int max_boxes, int *count)
{
    if (!pp || !count || max_boxes < 0 || (max_boxes > 0 && !boxes))
        return emo__fail(EMO_ERR_INVALID_ARG, "bad detect arguments");
    *count = 0;
    int rc = check_frame(gray, width, height, stride);
    if (rc)
        return rc;
    emo__detect_params p = params_from(&pp->opts);
    if ((rc = detect_with(pp, gray, width, height, stride, &p)))
        return rc;
    for (int i = 0; i < pp->hits.n && i < max_boxes; i++) {
        const emo__rect *r = &pp->hits.v[i];
        boxes[i] = (emo_box){r->x, r->y, r->w, r->h};
    }
    *count = pp->hits.n;
    return EMO_OK;
}

/* Retry k (1, 2, ...) when nothing was found: the paper re-ran the cascade
 * with other parameters.  Each retry halves the pyramid step (more scales,
 * so a face between two scales is seen), lowers min-neighbours by 2 (at
 * least 1: weak faces with few overlapping hits) and shrinks the minimum
 * size by 30 % (small faces).  Cost grows with each retry, so the default
 * is 2 retries. */
static emo__detect_params loosen(emo__detect_params p, int k)
{
    p.scale_factor = 1.0 + (p.scale_factor - 1.0) / (double)(1 << k);
    if (p.scale_factor < 1.01)
        p.scale_factor = 1.01;
    int floor_mn = p.min_neighbors < 1 ? p.min_neighbors : 1;
    p.min_neighbors -= 2 * k;
    if (p.min_neighbors < floor_mn) /* never above the caller's value */
        p.min_neighbors = floor_mn;
    double shrink = pow(0.7, k);
    p.min_w = (int)lrint(p.min_w * shrink);
    p.min_h = (int)lrint(p.min_h * shrink);
    if (p.min_w < 1)
        p.min_w = p.min_h = 1;
    return p;
}

EMO_API int emo_preprocessor_choose_face(emo_preprocessor *pp,
                                         const uint8_t *gray, int width,
                                         int height, int stride,
                                         emo_box *face)
{
    if (!pp || !face)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL argument");
    int rc = check_frame(gray, width, height, stride);
    if (rc)
        return rc;
    if (!emo__opti(&pp->opts, EMO_OPT_DETECT_ENABLE)) {
        *face = (emo_box){0, 0, width, height};
        return EMO_OK;
    }
    emo__detect_params p0 = params_from(&pp->opts);
    int retries = emo__opti(&pp->opts, EMO_OPT_DETECT_RETRIES);
    for (int k = 0; k <= retries; k++) {
        emo__detect_params p = k ? loosen(p0, k) : p0;
        if ((rc = detect_with(pp, gray, width, height, stride, &p)))
            return rc;
        if (pp->hits.n > 0) {
            const emo__rect *r = &pp->hits.v[0];
            *face = (emo_box){r->x, r->y, r->w, r->h};
            return EMO_OK;
        }
    }
    return emo__fail(EMO_ERR_NO_FACE, "no face found in the %dx%d frame "
                     "(after %d retries)", width, height, retries);
}

int emo__pp_detect_near(emo_preprocessor *pp, const uint8_t *gray,
                        int width, int height, int stride,
                        const emo_box *prev, emo_box *out, int *found)
{
    if (!pp || !prev || !out || !found)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL argument");
    *found = 0;
    int rc = check_frame(gray, width, height, stride);
    if (rc || (rc = emo__pp_ensure_cascade(pp)))
        return rc;
    if (prev->w <= 0 || prev->h <= 0)
        return emo__fail(EMO_ERR_INVALID_ARG, "empty previous box");
    int mx = prev->w / 2, my = prev->h / 2;
    int x0 = prev->x - mx > 0 ? prev->x - mx : 0;
    int y0 = prev->y - my > 0 ? prev->y - my : 0;
    int x1 = prev->x + prev->w + mx, y1 = prev->y + prev->h + my;
    x1 = x1 < width ? x1 : width;
    y1 = y1 < height ? y1 : height;
    if (x1 <= x0 || y1 <= y0)
        return EMO_OK; /* the box left the frame */
    emo__detect_params p = params_from(&pp->opts);
    p.min_w = p.min_h = (int)(prev->w * 0.75);
    p.max_w = p.max_h = (int)ceil(prev->w * 1.34);
    p.threads = 1;
    rc = emo__detect(pp->det, pp->cascade, gray + (size_t)y0 * stride + x0,
                     x1 - x0, y1 - y0, stride, &p, &pp->hits);
    if (rc)
        return rc;
    double pcx = prev->x + prev->w * 0.5, pcy = prev->y + prev->h * 0.5;
    double best = INFINITY;
    for (int i = 0; i < pp->hits.n; i++) {
        const emo__rect *r = &pp->hits.v[i];
        double dx = x0 + r->x + r->w * 0.5 - pcx;
        double dy = y0 + r->y + r->h * 0.5 - pcy;
        if (dx * dx + dy * dy < best) {
            best = dx * dx + dy * dy;
            *out = (emo_box){x0 + r->x, y0 + r->y, r->w, r->h};
            *found = 1;
        }
    }
    return EMO_OK;
}

/* ------------------------------------------------------------------------ */
/* Normalisation and the mean image                                          */
/* ------------------------------------------------------------------------ */

static int face_side(const emo_preprocessor *pp)
{
    return emo__opti(&pp->opts, EMO_OPT_FACE_SIZE);
}

static int reserve_buf(emo_preprocessor *pp, size_t n)
{
    if (n <= pp->buf_n)
        return EMO_OK;
    float *b = realloc(pp->buf, sizeof *b * 2 * n);
    if (!b)
        return emo__fail(EMO_ERR_NOMEM, "out of memory for a face");
    pp->buf = b;
    pp->buf_n = n;
    return EMO_OK;
}

/* Whether `box` is the frame taken as the face: NULL, or the whole frame
 * with detection off (what emo_preprocessor_choose_face gives then).
 * Such a frame is already framed (a FER2013 crop, say): growing or
 * shifting it would frame training faces differently from the faces
 * they were cut as. */
static int frame_is_face(const emo_preprocessor *pp, const emo_box *box,
                         int width, int height)
{
    return !box || (!emo__opti(&pp->opts, EMO_OPT_DETECT_ENABLE) &&
                    box->x == 0 && box->y == 0 && box->w == width &&
                    box->h == height);
}

/* The crop of box b: grown about its centre by the margin times its size,
 * its centre moved down by the vertical shift times its height; the
 * frame taken as the face is cropped as it is. */
static void crop_rect(const emo_preprocessor *pp, const emo_box *box,
                      int width, int height, const emo_box *b, double *cx,
                      double *cy, double *cw, double *ch)
{
    double m = 0.0, sy = 0.0;
    if (!frame_is_face(pp, box, width, height)) {
        m = emo__opt(&pp->opts, EMO_OPT_CROP_MARGIN);
        sy = emo__opt(&pp->opts, EMO_OPT_CROP_SHIFT_Y);
    }
    *cw = b->w * (1.0 + m);
    *ch = b->h * (1.0 + m);
    *cx = b->x - (*cw - b->w) * 0.5;
    *cy = b->y - (*ch - b->h) * 0.5 + sy * b->h;
}

/* Whether the mean image is subtracted; EMO_ERR_MISMATCH when it no
 * longer fits the face size. */
static int mean_in_use(const emo_preprocessor *pp, int *sub)
{
    int n = face_side(pp);
    size_t nn = (size_t)n * n;
    *sub = emo__opti(&pp->opts, EMO_OPT_SUBTRACT_MEAN) && pp->mean;
    if (*sub && pp->mean_n != nn)
        return emo__fail(EMO_ERR_MISMATCH, "the mean image has %zu values, "
                         "the %dx%d face %zu", pp->mean_n, n, n, nn);
    return EMO_OK;
}

int emo__pp_crop(emo_preprocessor *pp, const uint8_t *gray, int width,
                 int height, int stride, const emo_box *box, float *out,
                 size_t out_len)
{
    if (!pp || !out)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL argument");
    int rc = check_frame(gray, width, height, stride);
    if (rc)
        return rc;
    emo_box b = box ? *box : (emo_box){0, 0, width, height};
    if (b.w <= 0 || b.h <= 0)
        return emo__fail(EMO_ERR_INVALID_ARG, "empty face box %dx%d", b.w,
                         b.h);
    /* in 64 bits: x + w may not fit an int */
    if ((long long)b.x + b.w <= 0 || (long long)b.y + b.h <= 0 ||
        b.x >= width || b.y >= height)
        return emo__fail(EMO_ERR_INVALID_ARG, "face box (%d, %d, %d, %d) "
                         "lies outside the %dx%d frame", b.x, b.y, b.w, b.h,
                         width, height);
    int n = face_side(pp), sub;
    size_t nn = (size_t)n * n;
    if (out_len < nn)
        return emo__fail(EMO_ERR_BUFFER_TOO_SMALL, "a %dx%d face needs %zu "
                         "floats, the buffer holds %zu", n, n, nn, out_len);
    /* Everything emo__pp_finish could refuse is refused here, before out
     * is written. */
    if ((rc = mean_in_use(pp, &sub)))
        return rc;
    if (emo__opti(&pp->opts, EMO_OPT_BLUR) && (rc = reserve_buf(pp, nn)))
        return rc;
    double cx, cy, cw, ch;
    crop_rect(pp, box, width, height, &b, &cx, &cy, &cw, &ch);
    emo__crop_resize_u8_f32(gray, width, height, stride, cx, cy, cw, ch, out,
                            n, n);
    return EMO_OK;
}

int emo__pp_finish(emo_preprocessor *pp, float *face, int subtract_mean)
{
    int n = face_side(pp), sub;
    size_t nn = (size_t)n * n;
    int rc = mean_in_use(pp, &sub);
    if (rc)
        return rc;
    /* Lighting is normalised on the crop itself, before the blur: training
     * (train/face_cache.c) does the same steps in the same order. */
    emo__photometric_f32(face, n, n, emo__opti(&pp->opts,
                                               EMO_OPT_PHOTOMETRIC));
    if (emo__opti(&pp->opts, EMO_OPT_BLUR)) {
        if ((rc = reserve_buf(pp, nn)))
            return rc;
        memcpy(pp->buf, face, nn * sizeof *face);
        emo__gauss5_f32(pp->buf, n, n, face,
                        emo__opt(&pp->opts, EMO_OPT_BLUR_SIGMA),
                        pp->buf + nn);
    }
    if (sub && subtract_mean)
        for (size_t i = 0; i < nn; i++)
            face[i] -= pp->mean[i];
    return EMO_OK;
}

EMO_API int emo_preprocessor_normalize(emo_preprocessor *pp,
                                       const uint8_t *gray, int width,
                                       int height, int stride,
                                       const emo_box *box, float *out,
                                       size_t out_len)
{
    int rc = emo__pp_crop(pp, gray, width, height, stride, box, out,
                          out_len);
    return rc ? rc : emo__pp_finish(pp, out, 1);
}

EMO_API int emo_preprocessor_set_mean(emo_preprocessor *pp, const float *mean,
                                      size_t n)
{
    if (!pp)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL preprocessor");
    if (!mean) {
        free(pp->mean);
        pp->mean = NULL;
        pp->mean_n = 0;
        return EMO_OK;
    }
    int side = face_side(pp);
    size_t nn = (size_t)side * side;
    if (n != nn)
        return emo__fail(EMO_ERR_MISMATCH, "mean image of %zu values for a "
                         "%dx%d face", n, side, side);
    float *m = malloc(sizeof *m * nn);
    if (!m)
        return emo__fail(EMO_ERR_NOMEM, "out of memory for the mean image");
    memcpy(m, mean, sizeof *m * nn);
    free(pp->mean);
    pp->mean = m;
    pp->mean_n = nn;
    return EMO_OK;
}

EMO_API int emo_preprocessor_get_mean(const emo_preprocessor *pp, float *mean,
                                      size_t n)
{
    if (!pp || !mean)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL argument");
    if (!pp->mean)
        return emo__fail(EMO_ERR_STATE, "no mean image is set");
    if (n != pp->mean_n)
        return emo__fail(n < pp->mean_n ? EMO_ERR_BUFFER_TOO_SMALL
                                        : EMO_ERR_MISMATCH,
                         "the mean image has %zu values, not %zu",
                         pp->mean_n, n);
    memcpy(mean, pp->mean, sizeof *mean * n);
    return EMO_OK;
}

EMO_API int emo_preprocessor_compute_mean(emo_preprocessor *pp,
                                          const float *faces, size_t count)
{
    if (!pp || (!faces && count))
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL argument");
    if (count == 0)
        return emo__fail(EMO_ERR_EMPTY, "no faces to average");
    int side = face_side(pp);
    size_t nn = (size_t)side * side;
    double *acc = calloc(nn, sizeof *acc);
    float *m = malloc(sizeof *m * nn);
    if (!acc || !m) {
        free(acc);
        free(m);
        return emo__fail(EMO_ERR_NOMEM, "out of memory for the mean image");
    }
    for (size_t k = 0; k < count; k++) {
        const float *f = faces + k * nn;
        for (size_t i = 0; i < nn; i++)
            acc[i] += f[i];
    }
    for (size_t i = 0; i < nn; i++)
        m[i] = (float)(acc[i] / (double)count);
    free(acc);
    free(pp->mean);
    pp->mean = m;
    pp->mean_n = nn;
    return EMO_OK;
}
