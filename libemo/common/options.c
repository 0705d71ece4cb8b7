/*
 * options.c - the option table: every EMO_OPT_* with its type, range and
 * default, and the range-checked set/get shared by all handles.
 */
#include "common/internal.h"

#include <limits.h>
#include <math.h>
#include <stdatomic.h>

typedef struct option_desc {
    int id;
    int is_int;
    double min, max, def;
} option_desc;

/* Defaults of the library-wide limits: the table and the atomics below. */
#define DEFAULT_MAX_PIXELS (64 * 1000 * 1000)
#define DEFAULT_MAX_FILE_BYTES (1 << 30)
#define DEFAULT_MAX_NET_PARAMS (1 << 28) /* also the highest allowed */
/* Detection's working size: the integral images of the largest level scanned
 * cost 9 bytes a pixel (13 with tilted features) per detection thread. */
#define DEFAULT_DETECT_MAX_PIXELS (1 << 23)

#define I 1
#define F 0
static const option_desc option_table[] = {
    {EMO_OPT_MAX_PIXELS, I, 1, INT_MAX, DEFAULT_MAX_PIXELS},
    {EMO_OPT_MAX_FILE_BYTES, I, 1, INT_MAX, DEFAULT_MAX_FILE_BYTES},
    {EMO_OPT_MAX_NET_PARAMS, I, 1, DEFAULT_MAX_NET_PARAMS,
     DEFAULT_MAX_NET_PARAMS},

    {EMO_OPT_DETECT_SCALE_FACTOR, F, 1.01, 4.0, 1.1},
    {EMO_OPT_DETECT_MIN_NEIGHBORS, I, 0, 100, 5},
    {EMO_OPT_DETECT_MIN_SIZE, I, 1, 100000, 30},
    {EMO_OPT_DETECT_MAX_SIZE, I, 0, 100000, 0},
    {EMO_OPT_DETECT_RETRIES, I, 0, 8, 2},
    {EMO_OPT_DETECT_THREADS, I, 1, 64, 1},
    {EMO_OPT_DETECT_ENABLE, I, 0, 1, 1},
    {EMO_OPT_FACE_CHOICE, I, EMO_FACE_LARGEST, EMO_FACE_ALL, EMO_FACE_LARGEST},
    {EMO_OPT_CROP_MARGIN, F, -0.4, 1.0, 0.0},
    {EMO_OPT_FACE_SIZE, I, 8, 512, 48},
    {EMO_OPT_BLUR, I, 0, 1, 1},
    {EMO_OPT_BLUR_SIGMA, F, 0.1, 5.0, 1.0},
    {EMO_OPT_SUBTRACT_MEAN, I, 0, 1, 1},
    {EMO_OPT_DETECT_MAX_PIXELS, I, 0, INT_MAX, DEFAULT_DETECT_MAX_PIXELS},
    {EMO_OPT_PHOTOMETRIC, I, EMO_PHOTO_NONE, EMO_PHOTO_STANDARDIZE,
     EMO_PHOTO_NONE},
    {EMO_OPT_CROP_SHIFT_Y, F, -0.5, 0.5, 0.0},

    {EMO_OPT_NET_THREADS, I, 1, 64, 1},
    {EMO_OPT_NET_SEED, I, 0, INT_MAX, 1},
    {EMO_OPT_NET_WEIGHT_STORAGE, I, EMO_STORE_F32, EMO_STORE_F16,
     EMO_STORE_F32},

    {EMO_OPT_TRAIN_EPOCHS, I, 1, 100000, 30},
    {EMO_OPT_TRAIN_BATCH, I, 1, 4096, 64},
    {EMO_OPT_TRAIN_LR, F, 1e-9, 10.0, 0.01},
    {EMO_OPT_TRAIN_LR_POLICY, I, EMO_LR_FIXED, EMO_LR_COSINE, EMO_LR_COSINE},
    {EMO_OPT_TRAIN_LR_STEP, I, 1, 100000, 10},
    {EMO_OPT_TRAIN_LR_GAMMA, F, 1e-6, 1.0, 0.1},
    {EMO_OPT_TRAIN_MOMENTUM, F, 0.0, 0.999, 0.9},
    {EMO_OPT_TRAIN_WEIGHT_DECAY, F, 0.0, 1.0, 0.0005},
    {EMO_OPT_TRAIN_AUGMENT, I, 0, EMO__AUG_ALL, EMO_AUG_MIRROR | EMO_AUG_ROTATE},
    {EMO_OPT_TRAIN_ROTATE_DEG, F, 0.0, 45.0, 10.0},
    {EMO_OPT_TRAIN_CLASS_WEIGHTING, I, 0, 1, 0},
    {EMO_OPT_TRAIN_EARLY_STOP, I, 0, 100000, 0},
    {EMO_OPT_TRAIN_SEED, I, 0, INT_MAX, 1},
    {EMO_OPT_TRAIN_RESUME, I, 0, 1, 0},
    {EMO_OPT_TRAIN_KEEP, I, EMO_KEEP_BEST, EMO_KEEP_LAST, EMO_KEEP_BEST},
    {EMO_OPT_TRAIN_LABELS, I, EMO_LABELS_MAJORITY, EMO_LABELS_SOFT,
     EMO_LABELS_MAJORITY},
    {EMO_OPT_TRAIN_SHIFT, F, 0.0, 0.5, 1.0 / 12.0},
    {EMO_OPT_TRAIN_SCALE, F, 0.0, 0.5, 0.1},
    {EMO_OPT_TRAIN_BATCH_OFFSET, I, 0, INT_MAX, 0},

    {EMO_OPT_PREDICT_VIEWS, I, 1, 255, 15},
    {EMO_OPT_PREDICT_ROTATE_DEG, F, 0.0, 45.0, 10.0},
    {EMO_OPT_PREDICT_TRACK, I, 0, 1, 0},
    {EMO_OPT_PREDICT_RESCAN, I, 1, 100000, 30},
    {EMO_OPT_PREDICT_VOTE, I, 0, 1, EMO_VOTE_MAJORITY},
    {EMO_OPT_PREDICT_ZOOM, F, 1.0, 2.0, 1.1},

    {EMO_OPT_DATA_CLASSES, I, 7, 8, 7},
    {EMO_OPT_DATA_CKPLUS_NEUTRAL, I, 0, 100, 2},
    {EMO_OPT_DATA_CKPLUS_FRACTION, F, 0.01, 1.0, 1.0 / 3.0},
    {EMO_OPT_DATA_FOLDER_CLASSES, I, 0, 1, 0},
};
#undef I
#undef F

static const option_desc *find_option(int id)
{
    for (size_t i = 0; i < sizeof option_table / sizeof *option_table; i++)
        if (option_table[i].id == id)
            return &option_table[i];
    return NULL;
}

static int in_groups(int id, unsigned groups)
{
    int g = id / 100;
    return g >= 0 && g < EMO__OPT_GROUPS && (groups & (1u << g));
}

EMO_API int emo_option_bounds(int option, double *min, double *max,
                              double *default_value)
{
    const option_desc *d = find_option(option);
    if (!d)
        return emo__fail(EMO_ERR_RANGE, "unknown option %d", option);
    if (min)
        *min = d->min;
    if (max)
        *max = d->max;
    if (default_value)
        *default_value = d->def;
    return EMO_OK;
}

void emo__opts_init(emo_opts *o)
{
    for (int g = 0; g < EMO__OPT_GROUPS; g++)
        for (int i = 0; i < EMO__OPT_PER_GROUP; i++)
            o->v[g][i] = 0.0;
    for (size_t i = 0; i < sizeof option_table / sizeof *option_table; i++)
        o->v[option_table[i].id / 100][option_table[i].id % 100] =
            option_table[i].def;
}

/* Checks `value` for option `id` accepted by `groups`. */
static int check_value(unsigned groups, int id, double value,
                       const option_desc **out)
{
    const option_desc *d = find_option(id);
    if (!d || !in_groups(id, groups))
        return emo__fail(EMO_ERR_RANGE, "option %d does not apply here", id);
    if (!isfinite(value) || value < d->min || value > d->max)
        return emo__fail(EMO_ERR_RANGE, "option %d: %g outside [%g, %g]", id,
                         value, d->min, d->max);
    if (d->is_int && value != floor(value))
        return emo__fail(EMO_ERR_RANGE, "option %d takes an integer, not %g",
                         id, value);
    *out = d;
    return EMO_OK;
}

int emo__opts_set(emo_opts *o, unsigned groups, int option, double value)
{
    const option_desc *d;
    int rc = check_value(groups, option, value, &d);
    if (rc)
        return rc;
    o->v[option / 100][option % 100] = value;
    return EMO_OK;
}

int emo__opts_get(const emo_opts *o, unsigned groups, int option,
                  double *value)
{
    if (!value)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL value pointer");
    if (!find_option(option) || !in_groups(option, groups))
        return emo__fail(EMO_ERR_RANGE, "option %d does not apply here",
                         option);
    *value = o->v[option / 100][option % 100];
    return EMO_OK;
}

/* The handle whose options are `groups`, for messages. */
static const char *handle_name(unsigned groups)
{
    if (groups & (EMO__GROUP_NET | EMO__GROUP_TRAIN))
        return "network";
    if (groups & EMO__GROUP_PREDICT)
        return "predictor";
    if (groups & EMO__GROUP_DATA)
        return "dataset";
    if (groups & EMO__GROUP_DETECT)
        return "preprocessor";
    return "handle";
}

int emo__option_set(emo_opts *o, unsigned groups, int option, double value)
{
    if (!o)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL %s", handle_name(groups));
    return emo__opts_set(o, groups, option, value);
}

int emo__option_get_float(const emo_opts *o, unsigned groups, int option,
                          double *value)
{
    if (!o || !value)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL %s or value pointer",
                         handle_name(groups));
    return emo__opts_get(o, groups, option, value);
}

int emo__option_get_int(const emo_opts *o, unsigned groups, int option,
                        int *value)
{
    double v;
    if (!value)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL value pointer");
    int rc = emo__option_get_float(o, groups, option, &v);
    if (!rc)
        *value = (int)lround(v); /* |v| <= INT_MAX: every option's range */
    return rc;
}

/* Library-wide limits live in atomics: they are read by every decoder.
 * Indexed by option id (EMO_OPT_MAX_PIXELS = 1 ..). */
#define FIRST_LIMIT EMO_OPT_MAX_PIXELS
#define LAST_LIMIT EMO_OPT_MAX_NET_PARAMS
static _Atomic long long limits[LAST_LIMIT + 1] = {
    [EMO_OPT_MAX_PIXELS] = DEFAULT_MAX_PIXELS,
    [EMO_OPT_MAX_FILE_BYTES] = DEFAULT_MAX_FILE_BYTES,
    [EMO_OPT_MAX_NET_PARAMS] = DEFAULT_MAX_NET_PARAMS,
};

static int is_limit(int option)
{
    return option >= FIRST_LIMIT && option <= LAST_LIMIT;
}

long long emo__limit(int option)
{
    return is_limit(option) ? atomic_load(&limits[option]) : 0;
}

EMO_API int emo_set_int(int option, int value)
{
    const option_desc *d;
    int rc = check_value(EMO__GROUP_GLOBAL, option, value, &d);
    if (rc)
        return rc;
    atomic_store(&limits[option], value);
    return EMO_OK;
}

EMO_API int emo_get_int(int option, int *value)
{
    if (!value)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL value pointer");
    if (!is_limit(option))
        return emo__fail(EMO_ERR_RANGE, "option %d is not library-wide",
                         option);
    *value = (int)emo__limit(option);
    return EMO_OK;
}
