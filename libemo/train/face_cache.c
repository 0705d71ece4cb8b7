/* face_cache.c - the training face cache: every item of a split decoded and
 * normalised once, so that epochs only augment and forward; a raw cache
 * stops before the photometric mode and the blur, done per use. */
#include "train/train.h"
#include "data/dataset.h"
#include "image/image.h"

#include <stdlib.h>
#include <string.h>

/* The cache is one allocation; past this it is a configuration mistake
 * (e.g. FER2013 upscaled to 250 x 250), refused before allocating. */
#define EMO__CACHE_MAX_BYTES ((size_t)6 << 30)

void emo__cache_free(emo__face_cache *c)
{
    free(c->faces);
    free(c->labels);
    free(c->votes);
    free(c->items);
    memset(c, 0, sizeof *c);
}

/* Decodes item i and normalises its chosen face into out; a negative
 * code when the item is unusable. */
static int make_face(const emo_dataset *ds, int i, emo_preprocessor *pp,
                     float *out, size_t n)
{
    uint8_t *px;
    int w, h;
    int rc = emo_dataset_item_image(ds, i, &px, &w, &h);
    if (rc)
        return rc;
    emo_box box;
    rc = emo_preprocessor_choose_face(pp, px, w, h, w, &box);
    if (rc == EMO_OK)
        rc = emo_preprocessor_normalize(pp, px, w, h, w, &box, out, n);
    emo_free(px);
    return rc;
}

static int alloc_cache(emo__face_cache *c, int total, int side)
{
    size_t face = (size_t)side * side;
    if (total > 0 && face * sizeof(float) > EMO__CACHE_MAX_BYTES / total)
        return emo__fail(EMO_ERR_LIMIT, "%d faces of %dx%d exceed the %zu "
                         "MiB training cache", total, side, side,
                         EMO__CACHE_MAX_BYTES >> 20);
    size_t m = total > 0 ? (size_t)total : 1;
    c->faces = malloc(m * face * sizeof *c->faces);
    c->labels = malloc(m * sizeof *c->labels);
    c->votes = calloc(m, EMO_MAX_CLASSES);
    c->items = malloc(m * sizeof *c->items);
    if (!c->faces || !c->labels || !c->items || !c->votes) {
        emo__cache_free(c);
        return emo__fail(EMO_ERR_NOMEM, "out of memory for %d faces", total);
    }
    c->side = side;
    return EMO_OK;
}

/* Item i's votes over network outputs, single votes dropped (the FER+
 * protocol's outliers); unknown and not-a-face are no output. */
static void map_votes(const emo_dataset *ds, int i, const int *label_map,
                      uint8_t *out)
{
    int v[EMO_FERPLUS_VOTES];
    if (emo_dataset_item_votes(ds, i, v, EMO_FERPLUS_VOTES) <= 0)
        return;
    for (int c = 0; c <= EMO_CLASS_CONTEMPT; c++)
        if (v[c] > 1 && label_map[c] >= 0)
            out[label_map[c]] = (uint8_t)v[c];
}

/* Reads what a raw face still needs from pp into c and switches it off
 * in pp for the build. */
static int begin_raw(emo__face_cache *c, emo_preprocessor *pp)
{
    int rc = emo_preprocessor_get_int(pp, EMO_OPT_PHOTOMETRIC,
                                      &c->photometric);
    if (rc || (rc = emo_preprocessor_get_int(pp, EMO_OPT_BLUR, &c->blur)) ||
        (rc = emo_preprocessor_get_float(pp, EMO_OPT_BLUR_SIGMA,
                                         &c->sigma)))
        return rc;
    c->raw = 1;
    emo_preprocessor_set_int(pp, EMO_OPT_PHOTOMETRIC, EMO_PHOTO_NONE);
    emo_preprocessor_set_int(pp, EMO_OPT_BLUR, 0);
    return EMO_OK;
}

static int fill_cache(emo__face_cache *c, const emo_dataset *ds, int split,
                      emo_preprocessor *pp, const int *label_map);

int emo__cache_build(emo__face_cache *c, const emo_dataset *ds, int split,
                     emo_preprocessor *pp, const int *label_map, int raw)
{
    memset(c, 0, sizeof *c);
    int sub;
    int rc = emo_preprocessor_get_int(pp, EMO_OPT_SUBTRACT_MEAN, &sub);
    if (rc || (raw && (rc = begin_raw(c, pp)) != EMO_OK))
        return rc;
    emo__face_cache need = *c; /* a failed build clears c */
    /* The cache holds faces before mean subtraction: the mean is computed
     * from them, and augmentation works in pixel units. */
    emo_preprocessor_set_int(pp, EMO_OPT_SUBTRACT_MEAN, 0);
    rc = fill_cache(c, ds, split, pp, label_map);
    emo_preprocessor_set_int(pp, EMO_OPT_SUBTRACT_MEAN, sub);
    if (raw) {
        emo_preprocessor_set_int(pp, EMO_OPT_PHOTOMETRIC, need.photometric);
        emo_preprocessor_set_int(pp, EMO_OPT_BLUR, need.blur);
    }
    return rc;
}

/* c->raw and what it needs are set; alloc_cache keeps them. */
static int fill_cache(emo__face_cache *c, const emo_dataset *ds, int split,
                      emo_preprocessor *pp, const int *label_map)
{
    int side;
    int rc = emo_preprocessor_get_int(pp, EMO_OPT_FACE_SIZE, &side);
    if (rc)
        return rc;
    int total = emo_dataset_count(ds, split, -1);
    int all = emo_dataset_count(ds, EMO_SPLIT_ALL, -1);
    if (total < 0 || all < 0)
        return total < 0 ? total : all;
    if ((rc = alloc_cache(c, total, side)) != EMO_OK)
        return rc;
    size_t face = (size_t)side * side;
    for (int i = 0; i < all; i++) {
        if (emo_dataset_item_split(ds, i) != split)
            continue;
        int out = label_map[emo_dataset_item_label(ds, i)];
        if (out < 0)
            continue;
        rc = make_face(ds, i, pp, c->faces + (size_t)c->n * face, face);
        if (rc == EMO_ERR_NOMEM)
            break;
        if (rc != EMO_OK) {
            emo__ds_mark_skipped(ds, i);
            c->failed++;
            rc = EMO_OK;
            continue;
        }
        c->labels[c->n] = out;
        c->items[c->n] = i;
        map_votes(ds, i, label_map, c->votes + (size_t)c->n * EMO_MAX_CLASSES);
        c->n++;
    }
    if (rc)
        emo__cache_free(c);
    return rc;
}

/* The steps of emo_preprocessor_normalize a raw face skipped, in its
 * order. */
static void finish_face(const emo__face_cache *c, float *face,
                        float *scratch)
{
    emo__photometric_f32(face, c->side, c->side, c->photometric);
    if (c->blur) {
        size_t n = (size_t)c->side * c->side;
        memcpy(scratch, face, n * sizeof *face);
        emo__gauss5_f32(scratch, c->side, c->side, face, c->sigma,
                        scratch + n);
    }
}

void emo__cache_face(const emo__face_cache *c, int k, float *dst,
                     float *scratch, const emo__aug *aug, emo_rng *rng)
{
    size_t face = (size_t)c->side * c->side;
    const float *src = c->faces + (size_t)k * face;
    if (aug)
        emo__augment_face(src, c->side, dst, scratch, aug, rng);
    else
        memcpy(dst, src, face * sizeof *dst);
    if (c->raw)
        finish_face(c, dst, scratch);
}

int emo__cache_mean(const emo__face_cache *c, emo_preprocessor *pp)
{
    if (!c->raw) /* the faces are final: averaged in place */
        return emo_preprocessor_compute_mean(pp, c->faces, (size_t)c->n);
    size_t face = (size_t)c->side * c->side;
    double *acc = calloc(face, sizeof *acc);
    float *buf = malloc(3 * face * sizeof *buf);
    if (!acc || !buf) {
        free(acc);
        free(buf);
        return emo__fail(EMO_ERR_NOMEM, "out of memory for the mean image");
    }
    for (int k = 0; k < c->n; k++) {
        emo__cache_face(c, k, buf, buf + face, NULL, NULL);
        for (size_t i = 0; i < face; i++)
            acc[i] += buf[i];
    }
    for (size_t i = 0; i < face; i++)
        buf[i] = (float)(acc[i] / (double)c->n);
    free(acc);
    int rc = c->n > 0 ? emo_preprocessor_set_mean(pp, buf, face)
                      : emo_preprocessor_compute_mean(pp, buf, 0);
    free(buf);
    return rc;
}
