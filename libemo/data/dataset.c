/*
 * dataset.c - the emo_dataset handle: items, options, counts, accessors and
 * the splits (stratified random, subject-disjoint k-fold).  The source
 * loaders live in loaders.c.
 */
#include "data/dataset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

EMO_API int emo_dataset_create(emo_dataset **out)
{
    if (!out)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL out pointer");
    *out = NULL;
    emo_dataset *ds = calloc(1, sizeof *ds);
    if (!ds)
        return emo__fail(EMO_ERR_NOMEM, "out of memory");
    emo__opts_init(&ds->opts);
    atomic_init(&ds->skipped, 0);
    *out = ds;
    return EMO_OK;
}

void emo__ds_truncate(emo_dataset *ds, size_t keep)
{
    for (size_t i = keep; i < ds->n; i++) {
        free(ds->items[i].path);
        free(ds->items[i].subject);
        free(ds->items[i].pixels);
    }
    if (keep < ds->n)
        ds->n = keep;
}

EMO_API void emo_dataset_destroy(emo_dataset *ds)
{
    if (!ds)
        return;
    emo__ds_truncate(ds, 0);
    free(ds->items);
    for (int c = 0; c < ds->n_named; c++)
        free(ds->class_names[c]);
    for (int k = 0; k < ds->n_left; k++)
        free(ds->left[k].name);
    free(ds->left);
    free(ds);
}

EMO_API int emo_dataset_set_int(emo_dataset *ds, int option, int value)
{
    return emo__option_set(ds ? &ds->opts : NULL, EMO__GROUP_DATA, option,
                           value);
}

EMO_API int emo_dataset_set_float(emo_dataset *ds, int option, double value)
{
    return emo__option_set(ds ? &ds->opts : NULL, EMO__GROUP_DATA, option,
                           value);
}

EMO_API int emo_dataset_get_int(const emo_dataset *ds, int option,
                                int *value)
{
    return emo__option_get_int(ds ? &ds->opts : NULL, EMO__GROUP_DATA,
                               option, value);
}

EMO_API int emo_dataset_get_float(const emo_dataset *ds, int option,
                                  double *value)
{
    return emo__option_get_float(ds ? &ds->opts : NULL, EMO__GROUP_DATA,
                                 option, value);
}

int emo__ds_named(const emo_dataset *ds)
{
    return emo__opti(&ds->opts, EMO_OPT_DATA_FOLDER_CLASSES);
}

int emo__ds_classes(const emo_dataset *ds)
{
    return emo__ds_named(ds) ? ds->n_named
                             : emo__opti(&ds->opts, EMO_OPT_DATA_CLASSES);
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

/* Grows the item array geometrically, up to the item limit. */
static int reserve_one(emo_dataset *ds)
{
    if (ds->n < ds->cap)
        return EMO_OK;
    if (ds->n >= EMO__DS_MAX_ITEMS)
        return emo__fail(EMO_ERR_LIMIT, "dataset exceeds %d items",
                         EMO__DS_MAX_ITEMS);
    size_t cap = ds->cap ? ds->cap * 2 : 256;
    if (cap > EMO__DS_MAX_ITEMS)
        cap = EMO__DS_MAX_ITEMS;
    emo__ds_item *items = realloc(ds->items, cap * sizeof *items);
    if (!items)
        return emo__fail(EMO_ERR_NOMEM, "out of memory for %zu items", cap);
    ds->items = items;
    ds->cap = cap;
    return EMO_OK;
}

int emo__ds_class_index(emo_dataset *ds, const char *name)
{
    int canon = emo_class_from_name(name);
    if (canon >= 0)
        name = emo_class_name(canon);
    for (int c = 0; c < ds->n_named; c++)
        if (!strcmp(ds->class_names[c], name))
            return c;
    if (ds->n_named == EMO_MAX_CLASSES)
        return emo__fail(EMO_ERR_LIMIT, "%s: more than %d classes", name,
                         EMO_MAX_CLASSES);
    if (!(ds->class_names[ds->n_named] = dup_str(name)))
        return emo__fail(EMO_ERR_NOMEM, "out of memory");
    return ds->n_named++;
}

int emo__ds_leave_out(emo_dataset *ds, const char *name, int count)
{
    emo__ds_left *left = realloc(ds->left, (size_t)(ds->n_left + 1) *
                                               sizeof *left);
    if (!left)
        return emo__fail(EMO_ERR_NOMEM, "out of memory");
    ds->left = left;
    if (!(left[ds->n_left].name = dup_str(name)))
        return emo__fail(EMO_ERR_NOMEM, "out of memory");
    left[ds->n_left++].count = count;
    return EMO_OK;
}

EMO_API const char *emo_dataset_class_name(const emo_dataset *ds, int cls)
{
    if (!ds || cls < 0 || cls >= emo__ds_classes(ds))
        return NULL;
    return emo__ds_named(ds) ? ds->class_names[cls] : emo_class_name(cls);
}

EMO_API int emo_dataset_left_out_folder(const emo_dataset *ds, int i,
                                 const char **name)
{
    if (!ds || !name)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL argument");
    if (i < 0 || i >= ds->n_left)
        return emo__fail(EMO_ERR_RANGE, "left-out folder %d of %d", i,
                         ds->n_left);
    *name = ds->left[i].name;
    return ds->left[i].count;
}

int emo__ds_push(emo_dataset *ds, const char *path, const char *subject,
                 int label, uint8_t *pixels)
{
    if (emo__ds_named(ds) && label >= 0 && label <= EMO_CLASS_CONTEMPT) {
        int cls = emo__ds_class_index(ds, emo_class_name(label));
        if (cls < 0) {
            free(pixels);
            return cls;
        }
        return emo__ds_push_class(ds, path, subject, cls, pixels);
    }
    if (label < 0 || label >= emo__ds_classes(ds)) {
        free(pixels); /* contempt with 7 classes: left out on purpose */
        ds->left_out[EMO_LEFT_OUT_EXCLUDED_CLASS]++;
        return EMO_OK;
    }
    return emo__ds_push_class(ds, path, subject, label, pixels);
}

int emo__ds_push_class(emo_dataset *ds, const char *path,
                       const char *subject, int label, uint8_t *pixels)
{
    if (strlen(path) >= EMO__DS_MAX_PATH) {
        free(pixels);
        return emo__fail(EMO_ERR_LIMIT, "%.64s...: path longer than %d bytes",
                         path, EMO__DS_MAX_PATH);
    }
    int rc = reserve_one(ds);
    if (rc) {
        free(pixels);
        return rc;
    }
    emo__ds_item *it = &ds->items[ds->n];
    it->path = dup_str(path);
    it->subject = dup_str(subject ? subject : "");
    if (!it->path || !it->subject) {
        free(it->path);
        free(it->subject);
        free(pixels);
        return emo__fail(EMO_ERR_NOMEM, "out of memory");
    }
    it->pixels = pixels;
    it->label = label;
    it->split = EMO_SPLIT_TRAIN;
    it->has_votes = 0;
    memset(it->votes, 0, sizeof it->votes);
    atomic_init(&it->bad, 0);
    ds->n++;
    return EMO_OK;
}

EMO_API int emo_dataset_count(const emo_dataset *ds, int split, int cls)
{
    if (!ds)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL dataset");
    if (split < EMO_SPLIT_ALL || split > EMO_SPLIT_TEST)
        return emo__fail(EMO_ERR_INVALID_ARG, "unknown split %d", split);
    if (cls >= emo__ds_classes(ds))
        return emo__fail(EMO_ERR_INVALID_ARG, "class %d out of range", cls);
    int n = 0;
    for (size_t i = 0; i < ds->n; i++)
        if ((split == EMO_SPLIT_ALL || ds->items[i].split == split) &&
            (cls < 0 || ds->items[i].label == cls))
            n++;
    return n;
}

EMO_API int emo_dataset_skipped(const emo_dataset *ds)
{
    return ds ? atomic_load(&((emo_dataset *)ds)->skipped) : 0;
}

emo__ds_mark emo__ds_begin(const emo_dataset *ds)
{
    emo__ds_mark m;
    m.n = ds->n;
    m.skipped = atomic_load(&((emo_dataset *)ds)->skipped);
    memcpy(m.left_out, ds->left_out, sizeof m.left_out);
    m.n_left = ds->n_left;
    return m;
}

int emo__ds_finish(emo_dataset *ds, const emo__ds_mark *mark, int rc)
{
    if (rc != EMO_OK) {
        emo__ds_truncate(ds, mark->n);
        atomic_store(&ds->skipped, mark->skipped);
        memcpy(ds->left_out, mark->left_out, sizeof ds->left_out);
        while (ds->n_left > mark->n_left)
            free(ds->left[--ds->n_left].name);
    }
    return rc;
}

EMO_API int emo_dataset_left_out(const emo_dataset *ds, int reason)
{
    if (!ds)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL dataset");
    if (reason < 0 || reason >= EMO__LEFT_OUT_KINDS)
        return emo__fail(EMO_ERR_RANGE, "left-out reason %d is not 0..%d",
                         reason, EMO__LEFT_OUT_KINDS - 1);
    if (reason == EMO_LEFT_OUT_UNKNOWN_FOLDER) { /* the folder list's sum */
        int n = 0;
        for (int i = 0; i < ds->n_left; i++)
            n += ds->left[i].count;
        return n;
    }
    return ds->left_out[reason];
}

EMO_API int emo_dataset_item_votes(const emo_dataset *ds, int i, int *votes,
                                   int n)
{
    if (!ds || (!votes && n > 0) || n < 0)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL dataset or votes, or a "
                         "negative count");
    if (i < 0 || (size_t)i >= ds->n)
        return emo__fail(EMO_ERR_RANGE, "item %d of %zu", i, ds->n);
    const emo__ds_item *it = &ds->items[i];
    if (!it->has_votes)
        return 0;
    for (int k = 0; k < n && k < EMO_FERPLUS_VOTES; k++)
        votes[k] = it->votes[k];
    return EMO_FERPLUS_VOTES;
}

EMO_API int emo_dataset_num_classes(const emo_dataset *ds)
{
    if (!ds)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL dataset");
    return emo__ds_classes(ds);
}

static const emo__ds_item *item_at(const emo_dataset *ds, int i)
{
    if (!ds || i < 0 || (size_t)i >= ds->n) {
        emo__fail(EMO_ERR_INVALID_ARG, "item %d out of range", i);
        return NULL;
    }
    return &ds->items[i];
}

EMO_API const char *emo_dataset_item_path(const emo_dataset *ds, int i)
{
    const emo__ds_item *it = item_at(ds, i);
    return it ? it->path : NULL;
}

EMO_API const char *emo_dataset_item_subject(const emo_dataset *ds, int i)
{
    const emo__ds_item *it = item_at(ds, i);
    return it ? it->subject : NULL;
}

EMO_API int emo_dataset_item_label(const emo_dataset *ds, int i)
{
    const emo__ds_item *it = item_at(ds, i);
    return it ? it->label : EMO_ERR_INVALID_ARG;
}

EMO_API int emo_dataset_item_split(const emo_dataset *ds, int i)
{
    const emo__ds_item *it = item_at(ds, i);
    return it ? it->split : EMO_ERR_INVALID_ARG;
}

EMO_API int emo_dataset_item_image(const emo_dataset *ds, int i,
                                   uint8_t **pixels, int *width, int *height)
{
    if (!pixels || !width || !height)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL output pointer");
    *pixels = NULL;
    const emo__ds_item *it = item_at(ds, i);
    if (!it)
        return EMO_ERR_INVALID_ARG;
    if (it->pixels) {
        size_t n = (size_t)EMO__FER_SIDE * EMO__FER_SIDE;
        if (!(*pixels = malloc(n)))
            return emo__fail(EMO_ERR_NOMEM, "out of memory");
        memcpy(*pixels, it->pixels, n);
        *width = *height = EMO__FER_SIDE;
        return EMO_OK;
    }
    int rc = emo_image_load(it->path, 1, pixels, width, height);
    if (rc != EMO_OK && rc != EMO_ERR_NOMEM)
        emo__ds_mark_skipped(ds, i);
    return rc;
}

void emo__ds_mark_skipped(const emo_dataset *ds, int i)
{
    /* The dataset is read-only here, but the count is an atomic statistic,
     * not state: an item is counted once however often it fails. */
    emo__ds_item *it = &((emo_dataset *)ds)->items[i];
    if (atomic_exchange(&it->bad, 1) == 0)
        atomic_fetch_add(&((emo_dataset *)ds)->skipped, 1);
}

/* ---- splits ------------------------------------------------------------ */

/* Fisher-Yates shuffle of n indices with the library's seeded RNG. */
static void shuffle(size_t *idx, size_t n, emo_rng *rng)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = emo__rng_below(rng, (uint32_t)i);
        size_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}

EMO_API int emo_dataset_split_random(emo_dataset *ds, double train,
                                     double val, double test, uint64_t seed)
{
    if (!ds)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL dataset");
    if (!(train >= 0 && val >= 0 && test >= 0) ||
        fabs(train + val + test - 1.0) > 1e-6)
        return emo__fail(EMO_ERR_RANGE, "split fractions %g + %g + %g must "
                         "be non-negative and sum to 1", train, val, test);
    if (ds->n == 0)
        return emo__fail(EMO_ERR_EMPTY, "cannot split an empty dataset");
    size_t *idx = malloc(ds->n * sizeof *idx);
    if (!idx)
        return emo__fail(EMO_ERR_NOMEM, "out of memory");
    emo_rng rng;
    emo__rng_seed(&rng, seed);
    /* Per class, in item order, then shuffled: stratified and reproducible;
     * cumulative rounding keeps every class's split sizes within one item
     * of the fractions. */
    for (int c = 0; c < emo__ds_classes(ds); c++) {
        size_t m = 0;
        for (size_t i = 0; i < ds->n; i++)
            if (ds->items[i].label == c)
                idx[m++] = i;
        shuffle(idx, m, &rng);
        size_t n_train = (size_t)floor(m * train + 0.5);
        size_t n_trval = (size_t)floor(m * (train + val) + 0.5);
        if (n_trval > m)
            n_trval = m;
        for (size_t k = 0; k < m; k++)
            ds->items[idx[k]].split = k < n_train   ? EMO_SPLIT_TRAIN
                                      : k < n_trval ? EMO_SPLIT_VAL
                                                    : EMO_SPLIT_TEST;
    }
    free(idx);
    return EMO_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Distinct subjects, sorted (so that folds do not depend on load order
 * beyond the seed).  *subjects points into the items' strings. */
static int distinct_subjects(const emo_dataset *ds, const char ***subjects,
                             size_t *count)
{
    const char **s = malloc(ds->n * sizeof *s);
    if (!s)
        return emo__fail(EMO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < ds->n; i++) {
        if (!ds->items[i].subject[0]) {
            free(s);
            return emo__fail(EMO_ERR_STATE, "%s: item has no subject; a "
                             "subject split needs one for every item",
                             ds->items[i].path);
        }
        s[i] = ds->items[i].subject;
    }
    qsort(s, ds->n, sizeof *s, cmp_str);
    size_t m = 0;
    for (size_t i = 0; i < ds->n; i++)
        if (m == 0 || strcmp(s[m - 1], s[i]) != 0)
            s[m++] = s[i];
    *subjects = s;
    *count = m;
    return EMO_OK;
}

/* Fold of `subject` among the shuffled `order` (fold = position mod k). */
static int fold_of(const char *subject, const char **subjects,
                   const size_t *pos, size_t m, int k)
{
    const char **hit = bsearch(&subject, subjects, m, sizeof *subjects,
                               cmp_str);
    return (int)(pos[hit - subjects] % (size_t)k);
}

EMO_API int emo_dataset_split_subjects(emo_dataset *ds, int k, int test_fold,
                                       int with_val, uint64_t seed)
{
    if (!ds)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL dataset");
    if (ds->n == 0)
        return emo__fail(EMO_ERR_EMPTY, "cannot split an empty dataset");
    if (k < 2 || test_fold < 0 || test_fold >= k)
        return emo__fail(EMO_ERR_RANGE, "fold %d of %d: need k >= 2 and "
                         "0 <= fold < k", test_fold, k);
    const char **subjects = NULL;
    size_t m = 0;
    int rc = distinct_subjects(ds, &subjects, &m);
    if (rc)
        return rc;
    if ((size_t)k > m || (with_val && k < 3)) {
        free(subjects);
        return emo__fail(EMO_ERR_RANGE, "%d folds need at least %d subjects"
                         " (have %zu)%s", k, k, m,
                         with_val && k < 3 ? " and k >= 3 with validation"
                                           : "");
    }
    size_t *order = malloc(m * sizeof *order), *pos = malloc(m * sizeof *pos);
    if (!order || !pos) {
        free(order);
        free(pos);
        free(subjects);
        return emo__fail(EMO_ERR_NOMEM, "out of memory");
    }
    emo_rng rng;
    emo__rng_seed(&rng, seed);
    for (size_t i = 0; i < m; i++)
        order[i] = i;
    shuffle(order, m, &rng);
    for (size_t i = 0; i < m; i++)
        pos[order[i]] = i;
    int val_fold = with_val ? (test_fold + 1) % k : -1;
    for (size_t i = 0; i < ds->n; i++) {
        int f = fold_of(ds->items[i].subject, subjects, pos, m, k);
        ds->items[i].split = f == test_fold  ? EMO_SPLIT_TEST
                             : f == val_fold ? EMO_SPLIT_VAL
                                             : EMO_SPLIT_TRAIN;
    }
    free(order);
    free(pos);
    free(subjects);
    return EMO_OK;
}

EMO_API int emo_dataset_split_all(emo_dataset *ds, int split)
{
    if (!ds)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL dataset");
    if (split < EMO_SPLIT_TRAIN || split > EMO_SPLIT_TEST)
        return emo__fail(EMO_ERR_INVALID_ARG, "unknown split %d", split);
    for (size_t i = 0; i < ds->n; i++)
        ds->items[i].split = split;
    return EMO_OK;
}
