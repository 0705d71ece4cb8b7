/* check_train.c - emo_network_train on a tiny net and synthetic 12x12
 * faces: learning, determinism, checkpoint + resume, cancellation, LR
 * policies, class weights, corrections. */
#include "testutil.h"
#include "train/train.h"
#include "image/image.h"

#include <math.h>
#include <sys/stat.h>

/* 12x12 input, one small conv, 7 outputs (canonical class names). */
static const char tiny_net[] =
    "[net]\nchannels = 1\nsize = 12\n\n"
    "[conv1]\ntype = conv\nfilters = 4\nsize = 3\npad = 1\n\n"
    "[relu1]\ntype = relu\n\n"
    "[pool1]\ntype = maxpool\nsize = 2\nstride = 2\n\n"
    "[fc1]\ntype = fc\noutputs = 7\n\n"
    "[prob]\ntype = softmax\n";

/* Two easily separable classes that survive mirroring: anger is bright on
 * top, happy bright at the bottom, with seeded noise. */
static void synth_face(uint8_t *px, int cls, unsigned seed)
{
    for (int y = 0; y < 12; y++)
        for (int x = 0; x < 12; x++) {
            seed = seed * 1103515245u + 12345u;
            int bright = (y < 6) == (cls == EMO_CLASS_ANGER);
            px[y * 12 + x] = (uint8_t)((bright ? 170 : 60) +
                                       (int)(seed >> 16) % 40);
        }
}

/* A class-folder tree of n faces per class, subjects S100.. */
static const char *synth_tree(int n)
{
    static char root[256];
    snprintf(root, sizeof root, "%s", test_tmpdir());
    static const char *const names[] = {"anger", "happy"};
    static const int cls[] = {EMO_CLASS_ANGER, EMO_CLASS_HAPPY};
    for (int c = 0; c < 2; c++) {
        char dir[512], path[600];
        snprintf(dir, sizeof dir, "%s/%s", root, names[c]);
        mkdir(dir, 0755);
        for (int i = 0; i < n; i++) {
            uint8_t px[144];
            synth_face(px, cls[c], (unsigned)(i * 7 + c));
            snprintf(path, sizeof path, "%s/S%03d_001_%08d.png", dir,
                     100 + i % 10, i);
            ck_assert_emo_ok(emo_image_save_png(path, px, 12, 12, 12, 1));
        }
    }
    return root;
}

typedef struct fixture {
    emo_dataset *ds;
    emo_preprocessor *pp;
    emo_network *net;
} fixture;

static void setup_fixture(fixture *f, const char *root, int epochs)
{
    ck_assert_emo_ok(emo_dataset_create(&f->ds));
    ck_assert_emo_ok(emo_dataset_add_folder(f->ds, root));
    ck_assert_emo_ok(emo_dataset_split_random(f->ds, 0.75, 0.25, 0.0, 3));
    ck_assert_emo_ok(emo_preprocessor_create(&f->pp));
    ck_assert_emo_ok(emo_preprocessor_set_int(f->pp, EMO_OPT_DETECT_ENABLE,
                                              0));
    ck_assert_emo_ok(emo_preprocessor_set_int(f->pp, EMO_OPT_FACE_SIZE, 12));
    ck_assert_emo_ok(emo_preprocessor_set_int(f->pp, EMO_OPT_BLUR, 0));
    ck_assert_emo_ok(emo_network_create_text(tiny_net, &f->net));
    emo_network *n = f->net;
    ck_assert_emo_ok(emo_network_set_int(n, EMO_OPT_TRAIN_EPOCHS, epochs));
    ck_assert_emo_ok(emo_network_set_int(n, EMO_OPT_TRAIN_BATCH, 8));
    ck_assert_emo_ok(emo_network_set_float(n, EMO_OPT_TRAIN_LR, 0.05));
    ck_assert_emo_ok(emo_network_set_int(n, EMO_OPT_TRAIN_LR_POLICY,
                                         EMO_LR_COSINE));
    ck_assert_emo_ok(emo_network_set_int(n, EMO_OPT_TRAIN_AUGMENT, 31));
}

static void teardown_fixture(fixture *f)
{
    emo_network_destroy(f->net);
    emo_preprocessor_destroy(f->pp);
    emo_dataset_destroy(f->ds);
}

/* All weights of the tiny net, for exact comparisons. */
static int weights_of(const emo_network *net, float *buf)
{
    int n = 0;
    static const char *const layers[] = {"conv1", "fc1"};
    for (int l = 0; l < 2; l++)
        for (int j = 0; j < 2; j++) {
            int k = emo_network_get_param(net, layers[l], j, buf + n, 4096);
            ck_assert_int_gt(k, 0);
            n += k;
        }
    return n;
}

typedef struct progress_log {
    int batches, epochs, cancel_at_epoch, cancel_at_batch;
    double last_val_acc, last_lr;
} progress_log;

static int on_progress(void *user, int stage, int done, int total,
                       const double *m, int n)
{
    progress_log *log = user;
    ck_assert_int_eq(n, EMO_METRIC_COUNT);
    ck_assert_int_le(done, total);
    if (stage == EMO_STAGE_BATCH) {
        log->batches++;
        ck_assert(isfinite(m[EMO_METRIC_LOSS]) && m[EMO_METRIC_LR] > 0);
        return log->cancel_at_batch && log->batches >= log->cancel_at_batch;
    }
    log->epochs++;
    log->last_val_acc = m[EMO_METRIC_VAL_ACCURACY];
    log->last_lr = m[EMO_METRIC_LR];
    return log->cancel_at_epoch && done >= log->cancel_at_epoch;
}

START_TEST(tiny_net_learns_two_classes)
{
    fixture f;
    setup_fixture(&f, synth_tree(40), 6);
    progress_log log = {0};
    ck_assert_emo_ok(emo_network_train(f.net, f.ds, f.pp, on_progress, &log));
    ck_assert_int_eq(log.epochs, 6);
    ck_assert_int_eq(log.batches, 6 * (60 / 8));
    ck_assert_msg(log.last_val_acc > 0.9, "val accuracy %g",
                  log.last_val_acc);
    /* the mean image went to the preprocessor and the network */
    float mean[144];
    ck_assert_emo_ok(emo_preprocessor_get_mean(f.pp, mean, 144));
    ck_assert(mean[0] > 0.3f && mean[0] < 0.8f);
    /* a fresh happy face is classified from the network alone */
    uint8_t px[144];
    float face[144], probs[7];
    synth_face(px, EMO_CLASS_HAPPY, 999);
    ck_assert_emo_ok(emo_preprocessor_normalize(f.pp, px, 12, 12, 12, NULL,
                                                face, 144));
    ck_assert_emo_ok(emo_network_forward(f.net, face, 1, probs));
    ck_assert_msg(probs[EMO_CLASS_HAPPY] > 0.5f, "p(happy) = %g",
                  probs[EMO_CLASS_HAPPY]);
    teardown_fixture(&f);
}
END_TEST

START_TEST(training_is_deterministic)
{
    const char *root = synth_tree(24);
    float a[4096], b[4096];
    int na = 0, nb = 0;
    for (int run = 0; run < 2; run++) {
        fixture f;
        setup_fixture(&f, root, 2);
        ck_assert_emo_ok(emo_network_train(f.net, f.ds, f.pp, NULL, NULL));
        if (run == 0)
            na = weights_of(f.net, a);
        else
            nb = weights_of(f.net, b);
        teardown_fixture(&f);
    }
    ck_assert_int_eq(na, nb);
    ck_assert(memcmp(a, b, (size_t)na * sizeof *a) == 0);
}
END_TEST

START_TEST(resume_equals_uninterrupted_run)
{
    const char *root = synth_tree(24);
    char ck1[512], ck2[512];
    snprintf(ck1, sizeof ck1, "%s/a.ckpt", test_tmpdir());
    snprintf(ck2, sizeof ck2, "%s/b.ckpt", test_tmpdir());
    float a[4096], b[4096];
    fixture f;
    setup_fixture(&f, root, 4);
    ck_assert_emo_ok(emo_network_set_checkpoint(f.net, ck1));
    ck_assert_emo_ok(emo_network_train(f.net, f.ds, f.pp, NULL, NULL));
    int na = weights_of(f.net, a);
    teardown_fixture(&f);

    /* killed (here: cancelled) after epoch 2, then resumed in a new
     * process-like setting: fresh handles, same options */
    setup_fixture(&f, root, 4);
    ck_assert_emo_ok(emo_network_set_checkpoint(f.net, ck2));
    progress_log log = {0};
    log.cancel_at_epoch = 2;
    ck_assert_int_eq(emo_network_train(f.net, f.ds, f.pp, on_progress, &log),
                     EMO_ERR_CANCELLED);
    teardown_fixture(&f);
    setup_fixture(&f, root, 4);
    ck_assert_emo_ok(emo_network_set_checkpoint(f.net, ck2));
    ck_assert_emo_ok(emo_network_set_int(f.net, EMO_OPT_TRAIN_RESUME, 1));
    progress_log log2 = {0};
    ck_assert_emo_ok(emo_network_train(f.net, f.ds, f.pp, on_progress,
                                       &log2));
    ck_assert_int_eq(log2.epochs, 2); /* only epochs 3 and 4 ran */
    int nb = weights_of(f.net, b);
    teardown_fixture(&f);
    ck_assert_int_eq(na, nb);
    ck_assert(memcmp(a, b, (size_t)na * sizeof *a) == 0);
}
END_TEST

/* Resuming from a checkpoint path that exists but cannot be read (a
 * directory; a symbolic-link loop, which root cannot read either) fails
 * before the first batch and leaves the path as it was; only a missing
 * file starts a fresh run. */
START_TEST(unreadable_checkpoint_is_an_error)
{
    fixture f;
    setup_fixture(&f, synth_tree(8), 1);
    ck_assert_emo_ok(emo_network_set_int(f.net, EMO_OPT_TRAIN_RESUME, 1));
    const char *dir = test_tmpdir();
    char ck[512];
    struct stat st;
    snprintf(ck, sizeof ck, "%s/dir.ckpt", dir);
    ck_assert_int_eq(mkdir(ck, 0755), 0);
    ck_assert_emo_ok(emo_network_set_checkpoint(f.net, ck));
    progress_log log = {0};
    ck_assert_int_eq(emo_network_train(f.net, f.ds, f.pp, on_progress, &log),
                     EMO_ERR_IO);
    ck_assert_msg(strstr(emo_last_error(), "dir.ckpt"), "%s",
                  emo_last_error());
    ck_assert_int_eq(log.batches, 0);
    ck_assert(stat(ck, &st) == 0 && S_ISDIR(st.st_mode));

    snprintf(ck, sizeof ck, "%s/loop.ckpt", dir);
    ck_assert_int_eq(symlink("loop.ckpt", ck), 0);
    ck_assert_emo_ok(emo_network_set_checkpoint(f.net, ck));
    ck_assert_int_eq(emo_network_train(f.net, f.ds, f.pp, on_progress, &log),
                     EMO_ERR_IO);
    ck_assert_int_eq(log.batches, 0);
    ck_assert(lstat(ck, &st) == 0 && S_ISLNK(st.st_mode)); /* not replaced */

    snprintf(ck, sizeof ck, "%s/new.ckpt", dir);
    ck_assert_emo_ok(emo_network_set_checkpoint(f.net, ck));
    ck_assert_emo_ok(emo_network_train(f.net, f.ds, f.pp, on_progress, &log));
    ck_assert_int_eq(log.epochs, 1); /* missing: a fresh run */
    teardown_fixture(&f);
}
END_TEST

/* The weights reached at each epoch's callback, before the run ends with
 * the kept ones. */
typedef struct epoch_weights {
    const emo_network *net;
    float last[4096];
    int n;
} epoch_weights;

static int snapshot_epoch(void *user, int stage, int done, int total,
                          const double *m, int n)
{
    (void)done, (void)total, (void)m, (void)n;
    epoch_weights *w = user;
    if (stage == EMO_STAGE_EPOCH)
        w->n = weights_of(w->net, w->last);
    return 0;
}

/* EMO_KEEP_LAST ends with the last epoch's weights, EMO_KEEP_BEST (the
 * default) with the best validation epoch's: on a run whose best epoch is
 * not the last (a fixed, too high rate), the two differ. */
START_TEST(keep_best_or_last_epoch)
{
    const char *root = synth_tree(24);
    float kept[2][4096];
    epoch_weights seen[2];
    for (int keep = EMO_KEEP_BEST; keep <= EMO_KEEP_LAST; keep++) {
        fixture f;
        setup_fixture(&f, root, 6);
        ck_assert_emo_ok(emo_network_set_int(f.net, EMO_OPT_TRAIN_LR_POLICY,
                                             EMO_LR_FIXED));
        ck_assert_emo_ok(emo_network_set_float(f.net, EMO_OPT_TRAIN_LR, 2.0));
        ck_assert_emo_ok(emo_network_set_int(f.net, EMO_OPT_TRAIN_KEEP, keep));
        seen[keep].net = f.net;
        ck_assert_emo_ok(emo_network_train(f.net, f.ds, f.pp, snapshot_epoch,
                                           &seen[keep]));
        ck_assert_int_eq(weights_of(f.net, kept[keep]), seen[keep].n);
        teardown_fixture(&f);
    }
    size_t bytes = (size_t)seen[0].n * sizeof(float);
    ck_assert(memcmp(seen[0].last, seen[1].last, bytes) == 0); /* same run */
    ck_assert_msg(memcmp(kept[EMO_KEEP_BEST], seen[0].last, bytes) != 0,
                  "fixture: the best epoch should not be the last");
    ck_assert(memcmp(kept[EMO_KEEP_LAST], seen[1].last, bytes) == 0);
    int v;
    ck_assert_int_eq(emo_option_bounds(EMO_OPT_TRAIN_KEEP, NULL, NULL, NULL),
                     EMO_OK);
    emo_network *net;
    ck_assert_emo_ok(emo_network_create_text(tiny_net, &net));
    ck_assert_emo_ok(emo_network_get_int(net, EMO_OPT_TRAIN_KEEP, &v));
    ck_assert_int_eq(v, EMO_KEEP_BEST);
    ck_assert_int_eq(emo_network_set_int(net, EMO_OPT_TRAIN_KEEP, 2),
                     EMO_ERR_RANGE);
    emo_network_destroy(net);
}
END_TEST

START_TEST(callback_cancels)
{
    fixture f;
    setup_fixture(&f, synth_tree(16), 3);
    progress_log log = {0};
    log.cancel_at_batch = 1;
    ck_assert_int_eq(emo_network_train(f.net, f.ds, f.pp, on_progress, &log),
                     EMO_ERR_CANCELLED);
    ck_assert_int_eq(log.batches, 1);
    teardown_fixture(&f);
}
END_TEST

START_TEST(bad_setups_fail_cleanly)
{
    fixture f;
    setup_fixture(&f, synth_tree(8), 1);
    ck_assert_emo_ok(emo_preprocessor_set_int(f.pp, EMO_OPT_FACE_SIZE, 16));
    ck_assert_int_eq(emo_network_train(f.net, f.ds, f.pp, NULL, NULL),
                     EMO_ERR_MISMATCH);
    ck_assert_emo_ok(emo_preprocessor_set_int(f.pp, EMO_OPT_FACE_SIZE, 12));
    /* no face in any 12x12 image: all left out and counted */
    ck_assert_emo_ok(emo_preprocessor_set_int(f.pp, EMO_OPT_DETECT_ENABLE,
                                              1));
    ck_assert_int_eq(emo_dataset_skipped(f.ds), 0);
    ck_assert_int_eq(emo_network_train(f.net, f.ds, f.pp, NULL, NULL),
                     EMO_ERR_EMPTY);
    ck_assert_int_eq(emo_dataset_skipped(f.ds),
                     emo_dataset_count(f.ds, EMO_SPLIT_TRAIN, -1));
    ck_assert_emo_ok(emo_preprocessor_set_int(f.pp, EMO_OPT_DETECT_ENABLE,
                                              0));
    ck_assert_emo_ok(emo_dataset_split_all(f.ds, EMO_SPLIT_TEST));
    ck_assert_int_eq(emo_network_train(f.net, f.ds, f.pp, NULL, NULL),
                     EMO_ERR_EMPTY);
    ck_assert_int_eq(emo_network_train(NULL, f.ds, f.pp, NULL, NULL),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_network_apply_corrections(f.net, 5, NULL, NULL),
                     EMO_ERR_EMPTY);
    teardown_fixture(&f);
}
END_TEST

START_TEST(lr_policies)
{
    const double base = 0.1;
    ck_assert(emo__lr_at(EMO_LR_FIXED, base, 0.1, 10, 17.5, 30) == base);
    ck_assert(fabs(emo__lr_at(EMO_LR_STEP, base, 0.1, 10, 9.9, 30) - 0.1) <
              1e-12);
    ck_assert(fabs(emo__lr_at(EMO_LR_STEP, base, 0.1, 10, 10.0, 30) - 0.01) <
              1e-12);
    ck_assert(fabs(emo__lr_at(EMO_LR_STEP, base, 0.5, 4, 9.0, 30) - 0.025) <
              1e-12);
    /* cosine: warm-up from base/10 over the first epoch of 30, then the
     * half cosine to 0 */
    ck_assert(fabs(emo__lr_at(EMO_LR_COSINE, base, 0, 0, 0.0, 30) - 0.01) <
              1e-12);
    ck_assert(fabs(emo__lr_at(EMO_LR_COSINE, base, 0, 0, 1.0, 30) - base) <
              1e-12);
    ck_assert(fabs(emo__lr_at(EMO_LR_COSINE, base, 0, 0, 15.5, 30) -
                   base / 2) < 1e-12);
    ck_assert(emo__lr_at(EMO_LR_COSINE, base, 0, 0, 30.0, 30) < 1e-12);
    double prev = base;
    for (double t = 1.0; t <= 30.0; t += 0.5) {
        double lr = emo__lr_at(EMO_LR_COSINE, base, 0, 0, t, 30);
        ck_assert(lr <= prev + 1e-15);
        prev = lr;
    }
}
END_TEST

START_TEST(class_weights_inverse_frequency_mean_one)
{
    int counts[7] = {10, 30, 0, 20, 0, 0, 0};
    float w[7];
    emo__class_weights(counts, 7, w);
    /* 1/10 : 1/30 : 1/20 = 6 : 2 : 3, normalised to mean 1 over 3 */
    ck_assert(fabsf(w[0] - 18.0f / 11) < 1e-5f);
    ck_assert(fabsf(w[1] - 6.0f / 11) < 1e-5f);
    ck_assert(fabsf(w[3] - 9.0f / 11) < 1e-5f);
    ck_assert(w[2] == 1.0f && w[6] == 1.0f);
    ck_assert(fabsf((w[0] + w[1] + w[3]) / 3 - 1.0f) < 1e-5f);
}
END_TEST

/* The augmentation of the default options with another mask. */
static emo__aug default_aug(unsigned mask)
{
    emo_opts o;
    emo__opts_init(&o);
    emo__aug a = emo__aug_from_opts(&o);
    a.mask = mask;
    return a;
}

START_TEST(augmentation_is_seeded_and_stays_in_range)
{
    float src[144], a[144], b[144], tmp[288];
    emo__aug aug31 = default_aug(31), aug0 = default_aug(0);
    for (int i = 0; i < 144; i++)
        src[i] = (float)(i % 12) / 11.0f;
    emo_rng r1, r2;
    emo__rng_seed(&r1, 5);
    emo__rng_seed(&r2, 5);
    emo__augment_face(src, 12, a, tmp, &aug31, &r1);
    emo__augment_face(src, 12, b, tmp, &aug31, &r2);
    ck_assert(memcmp(a, b, sizeof a) == 0);
    for (int i = 0; i < 144; i++)
        ck_assert(a[i] >= 0.0f && a[i] <= 1.0f);
    emo__augment_face(src, 12, a, tmp, &aug0, &r1);
    ck_assert(memcmp(a, src, sizeof a) == 0);
}
END_TEST

/* Erasing replaces one rectangle (2-20 % of the face, give or take
 * rounding) by values in [0, 1], in about half of the faces; the other
 * augmentations still draw a fixed count whatever the mask. */
START_TEST(erasing_fills_one_rectangle_half_the_time)
{
    enum { S = 24 };
    float src[S * S], out[S * S], tmp[2 * S * S];
    for (int i = 0; i < S * S; i++)
        src[i] = 2.0f + (float)i; /* outside [0, 1]: noise never matches */
    emo__aug erase = default_aug(EMO_AUG_ERASE), aug31 = default_aug(31),
             aug0 = default_aug(0);
    int erased = 0;
    for (uint64_t seed = 0; seed < 200; seed++) {
        emo_rng r;
        emo__rng_seed(&r, seed);
        emo__augment_face(src, S, out, tmp, &erase, &r);
        int x0 = S, y0 = S, x1 = -1, y1 = -1, changed = 0;
        for (int y = 0; y < S; y++)
            for (int x = 0; x < S; x++) {
                float v = out[y * S + x];
                if (v == src[y * S + x])
                    continue;
                ck_assert(v >= 0.0f && v <= 1.0f);
                changed++;
                x0 = x < x0 ? x : x0, x1 = x > x1 ? x : x1;
                y0 = y < y0 ? y : y0, y1 = y > y1 ? y : y1;
            }
        if (!changed)
            continue;
        erased++;
        ck_assert_int_eq(changed, (x1 - x0 + 1) * (y1 - y0 + 1));
        ck_assert(changed >= S * S / 100 && changed <= S * S * 3 / 10);
        double ratio = (double)(x1 - x0 + 1) / (y1 - y0 + 1);
        ck_assert(ratio > 1.0 / 4 && ratio < 4.0);
    }
    ck_assert(erased > 70 && erased < 130);

    emo_rng a, b;
    emo__rng_seed(&a, 9);
    emo__rng_seed(&b, 9);
    emo__augment_face(src, S, out, tmp, &aug31, &a);
    emo__augment_face(src, S, out, tmp, &aug0, &b);
    ck_assert(emo__rng_next(&a) == emo__rng_next(&b));
}
END_TEST

/* The default shift and scale amplitudes give exactly the faces of the
 * fixed amplitudes before EMO_OPT_TRAIN_SHIFT / _SCALE (side / 12.0,
 * 1 + 0.1 u): seeded runs keep their results.  Side 7: 7 * (1.0 / 12)
 * is not 7 / 12.0 in doubles. */
START_TEST(default_jitter_is_the_old_jitter)
{
    enum { S = 7 };
    float src[S * S], got[S * S], want[S * S], tmp[S * S];
    for (int i = 0; i < S * S; i++)
        src[i] = (float)((i * 37) % 23) / 22.0f;
    emo__aug aug = default_aug(EMO_AUG_SHIFT | EMO_AUG_SCALE);
    ck_assert(aug.shift == 1.0 / 12.0 && aug.scale == 0.1);
    for (int side = 8; side <= 512; side++) /* every EMO_OPT_FACE_SIZE */
        ck_assert(emo__aug_shift_px(side, aug.shift) == side / 12.0);
    for (uint64_t seed = 1; seed < 40; seed++) {
        emo_rng r, q;
        emo__rng_seed(&r, seed);
        emo__rng_seed(&q, seed);
        emo__augment_face(src, S, got, tmp, &aug, &r);
        double u[7];
        for (int k = 0; k < 7; k++)
            u[k] = emo__rng_uniform(&q);
        double shift = S / 12.0;
        emo__affine_f32(src, S, S, want, 0.0, 1.0 + 0.1 * (u[4] * 2 - 1),
                        (u[2] * 2 - 1) * shift, (u[3] * 2 - 1) * shift);
        ck_assert(memcmp(got, want, sizeof got) == 0);
    }
}
END_TEST

/* EMO_OPT_TRAIN_SHIFT / _SCALE set the amplitude: 0 leaves the face as it
 * is, a larger shift moves it further. */
START_TEST(jitter_amplitude_is_an_option)
{
    enum { S = 24 };
    float src[S * S], a[S * S], b[S * S], tmp[S * S];
    for (int i = 0; i < S * S; i++)
        src[i] = (float)(i % S) / (S - 1); /* a horizontal ramp */
    emo__aug aug = default_aug(EMO_AUG_SHIFT | EMO_AUG_SCALE);
    aug.shift = aug.scale = 0.0;
    emo_rng r;
    emo__rng_seed(&r, 3);
    emo__augment_face(src, S, a, tmp, &aug, &r);
    ck_assert(memcmp(a, src, sizeof a) == 0);
    /* the mean of a ramp's centre row tracks the x shift: 4x the shift
     * moves it further for the same draws */
    emo__aug small = default_aug(EMO_AUG_SHIFT), big = small;
    small.shift = 0.05;
    big.shift = 0.2;
    double ds = 0, db = 0;
    for (uint64_t seed = 0; seed < 20; seed++) {
        emo_rng r1, r2;
        emo__rng_seed(&r1, seed);
        emo__rng_seed(&r2, seed);
        emo__augment_face(src, S, a, tmp, &small, &r1);
        emo__augment_face(src, S, b, tmp, &big, &r2);
        ds += fabs(a[(S / 2) * S + S / 2] - src[(S / 2) * S + S / 2]);
        db += fabs(b[(S / 2) * S + S / 2] - src[(S / 2) * S + S / 2]);
    }
    ck_assert(db > 3.0 * ds && ds > 0.0);
}
END_TEST

START_TEST(corrections_change_the_prediction)
{
    emo_network *net;
    ck_assert_emo_ok(emo_network_create_text(tiny_net, &net));
    ck_assert_emo_ok(emo_network_set_float(net, EMO_OPT_TRAIN_LR, 0.05));
    float face[144], probs[7];
    for (int i = 0; i < 144; i++)
        face[i] = (float)((i * 37) % 101) / 100.0f - 0.5f;
    ck_assert_emo_ok(emo_network_forward(net, face, 1, probs));
    int before = 0;
    for (int j = 1; j < 7; j++)
        if (probs[j] > probs[before])
            before = j;
    int target = (before + 3) % 7;
    ck_assert_int_eq(emo_network_add_correction(net, face, 100, target),
                     EMO_ERR_MISMATCH);
    ck_assert_emo_ok(emo_network_add_correction(net, face, 144, target));
    ck_assert_int_eq(emo_network_num_corrections(net), 1);
    ck_assert_emo_ok(emo_network_apply_corrections(net, 40, NULL, NULL));
    ck_assert_emo_ok(emo_network_forward(net, face, 1, probs));
    int after = 0;
    for (int j = 1; j < 7; j++)
        if (probs[j] > probs[after])
            after = j;
    ck_assert_int_eq(after, target);
    ck_assert_int_eq(emo_network_apply_corrections(net, 0, NULL, NULL),
                     EMO_ERR_RANGE);
    emo_network_destroy(net);
}
END_TEST

/* FER+ votes: 40 copies of one face voted anger 6, happy 4 (and one
 * single "sad" vote, dropped).  Learning the majority drives P(happy) to
 * near 0; drawing labels from the votes, or soft targets, keep it near
 * 0.4. */
static double p_happy_after_training(int labels)
{
    char dir[256];
    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    char path[400];
    uint8_t px[144];
    synth_face(px, EMO_CLASS_ANGER, 5);
    snprintf(path, sizeof path, "%s/label.csv", dir);
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    for (int i = 0; i < 40; i++) {
        /* neutral happiness surprise sadness anger disgust fear contempt
         * unknown NF */
        fprintf(fp, "f%02d.png,\"(0, 0, 12, 12)\",0,4,0,1,6,0,0,0,0,0\n", i);
        snprintf(path, sizeof path, "%s/f%02d.png", dir, i);
        ck_assert_emo_ok(emo_image_save_png(path, px, 12, 12, 12, 1));
    }
    fclose(fp);
    fixture f;
    ck_assert_emo_ok(emo_dataset_create(&f.ds));
    ck_assert_emo_ok(emo_dataset_add_ferplus(f.ds, dir));
    ck_assert_int_eq(emo_dataset_count(f.ds, EMO_SPLIT_ALL, EMO_CLASS_ANGER),
                     40);
    ck_assert_emo_ok(emo_dataset_split_all(f.ds, EMO_SPLIT_TRAIN));
    ck_assert_emo_ok(emo_preprocessor_create(&f.pp));
    ck_assert_emo_ok(emo_preprocessor_set_int(f.pp, EMO_OPT_DETECT_ENABLE,
                                              0));
    ck_assert_emo_ok(emo_preprocessor_set_int(f.pp, EMO_OPT_FACE_SIZE, 12));
    ck_assert_emo_ok(emo_network_create_text(tiny_net, &f.net));
    emo_network *n = f.net;
    ck_assert_emo_ok(emo_network_set_int(n, EMO_OPT_TRAIN_EPOCHS, 30));
    ck_assert_emo_ok(emo_network_set_int(n, EMO_OPT_TRAIN_BATCH, 8));
    ck_assert_emo_ok(emo_network_set_float(n, EMO_OPT_TRAIN_LR, 0.05));
    ck_assert_emo_ok(emo_network_set_int(n, EMO_OPT_TRAIN_AUGMENT, 0));
    ck_assert_emo_ok(emo_network_set_int(n, EMO_OPT_TRAIN_LABELS, labels));
    ck_assert_emo_ok(emo_network_train(n, f.ds, f.pp, NULL, NULL));
    /* Every face equals the mean image: the network sees zeros. */
    float in[144] = {0}, probs[7];
    ck_assert_emo_ok(emo_network_forward(n, in, 1, probs));
    teardown_fixture(&f);
    return probs[EMO_CLASS_HAPPY];
}

START_TEST(ferplus_votes_majority_or_drawn_labels)
{
    double maj = p_happy_after_training(EMO_LABELS_MAJORITY);
    double drawn = p_happy_after_training(EMO_LABELS_DRAW);
    double soft = p_happy_after_training(EMO_LABELS_SOFT);
    ck_assert_msg(maj < 0.1, "majority labels: P(happy) %g", maj);
    ck_assert_msg(drawn > 0.25 && drawn < 0.55, "drawn labels: P(happy) %g",
                  drawn);
    ck_assert_msg(soft > 0.3 && soft < 0.5, "soft targets: P(happy) %g",
                  soft);
    emo_network *net;
    int v;
    ck_assert_emo_ok(emo_network_create_text(tiny_net, &net));
    ck_assert_emo_ok(emo_network_get_int(net, EMO_OPT_TRAIN_LABELS, &v));
    ck_assert_int_eq(v, EMO_LABELS_MAJORITY);
    ck_assert_int_eq(emo_network_set_int(net, EMO_OPT_TRAIN_LABELS, 3),
                     EMO_ERR_RANGE);
    emo_network_destroy(net);
}
END_TEST

Suite *train_suite(void)
{
    Suite *s = suite_create("train");
    TCase *tc = tcase_create("train");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, tiny_net_learns_two_classes);
    tcase_add_test(tc, training_is_deterministic);
    tcase_add_test(tc, resume_equals_uninterrupted_run);
    tcase_add_test(tc, unreadable_checkpoint_is_an_error);
    tcase_add_test(tc, callback_cancels);
    tcase_add_test(tc, keep_best_or_last_epoch);
    tcase_add_test(tc, bad_setups_fail_cleanly);
    tcase_add_test(tc, corrections_change_the_prediction);
    tcase_add_test(tc, ferplus_votes_majority_or_drawn_labels);
    suite_add_tcase(s, tc);
    tc = tcase_create("policies");
    tcase_add_test(tc, lr_policies);
    tcase_add_test(tc, class_weights_inverse_frequency_mean_one);
    tcase_add_test(tc, augmentation_is_seeded_and_stays_in_range);
    tcase_add_test(tc, default_jitter_is_the_old_jitter);
    tcase_add_test(tc, jitter_amplitude_is_an_option);
    tcase_add_test(tc, erasing_fills_one_rectangle_half_the_time);
    suite_add_tcase(s, tc);
    return s;
}
