/* check_photometric.c - EMO_OPT_PHOTOMETRIC: the kernels of
 * image/photometric.c on known faces, the option's bounds, the model file
 * round trip, the preprocessor's order of steps, training faces equal to
 * emo_preprocessor_normalize's, and the lighting augmentations. */
#include "testutil.h"
#include "image/image.h"
#include "train/train.h"

#include <math.h>
#include <sys/stat.h>

/* The augmentation of mask m and rotation r with the default shift and
 * scale amplitudes (a compound literal: valid for the enclosing call). */
#define AUG(m, r) (&(emo__aug){(unsigned)(m), (r), 1.0 / 12, 0.1})

enum { S = 48, NN = S * S };

/* Seeded values in [0, 1). */
static float unit(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return (float)((*seed >> 8) & 0xffff) / 65536.0f;
}

/* A dark, skewed face: u^2, a third of the pixels under 0.1. */
static void skewed_face(float *f, int n, unsigned seed)
{
    for (int i = 0; i < n; i++) {
        float u = unit(&seed);
        f[i] = u * u;
    }
}

static void mean_sd(const float *f, int n, double *mean, double *sd)
{
    double s = 0, q = 0;
    for (int i = 0; i < n; i++)
        s += f[i];
    *mean = s / n;
    for (int i = 0; i < n; i++)
        q += (f[i] - *mean) * (f[i] - *mean);
    *sd = sqrt(q / n);
}

static void span(const float *f, int n, float *lo, float *hi)
{
    *lo = *hi = f[0];
    for (int i = 1; i < n; i++) {
        *lo = f[i] < *lo ? f[i] : *lo;
        *hi = f[i] > *hi ? f[i] : *hi;
    }
}

START_TEST(histeq_flattens_and_keeps_order)
{
    float in[NN], out[NN];
    skewed_face(in, NN, 7);
    memcpy(out, in, sizeof in);
    emo__photometric_f32(out, S, S, EMO_PHOTO_HISTEQ);
    /* a tenth of the pixels in each tenth of [0, 1] (the input has over
     * 30 % in the lowest tenth) */
    int bins[10] = {0}, low = 0;
    for (int i = 0; i < NN; i++) {
        ck_assert(out[i] >= 0.0f && out[i] <= 1.0f);
        bins[out[i] >= 1.0f ? 9 : (int)(out[i] * 10)]++;
        low += in[i] < 0.1f;
    }
    ck_assert_int_gt(low, NN * 30 / 100);
    for (int b = 0; b < 10; b++)
        ck_assert_msg(abs(bins[b] - NN / 10) <= NN / 50, "bin %d: %d", b,
                      bins[b]);
    /* a monotonic mapping: brighter in, no darker out */
    for (int i = 1; i < NN; i++)
        if (in[i] > in[0])
            ck_assert(out[i] >= out[0]);
        else if (in[i] < in[0])
            ck_assert(out[i] <= out[0]);
}
END_TEST

START_TEST(standardize_zero_mean_unit_variance)
{
    float f[NN];
    skewed_face(f, NN, 3);
    emo__photometric_f32(f, S, S, EMO_PHOTO_STANDARDIZE);
    /* 0.5 + z / 4: z = 4 (v - 0.5) has mean 0 and variance 1 */
    for (int i = 0; i < NN; i++)
        f[i] = 4.0f * (f[i] - 0.5f);
    double m, sd;
    mean_sd(f, NN, &m, &sd);
    ck_assert_msg(fabs(m) < 1e-5 && fabs(sd - 1.0) < 1e-5, "%g %g", m, sd);
    /* a flat face stays flat, at 0.5 (no division by a zero deviation) */
    for (int i = 0; i < NN; i++)
        f[i] = 0.3f;
    emo__photometric_f32(f, S, S, EMO_PHOTO_STANDARDIZE);
    for (int i = 0; i < NN; i++)
        ck_assert(fabsf(f[i] - 0.5f) < 1e-6f);
}
END_TEST

/* A low-contrast face (values in 0.45..0.55): equalisation stretches it
 * over [0, 1], CLAHE by no more than its slope bound, clip + 1 = 3. */
START_TEST(clahe_is_bounded_by_the_clip_limit)
{
    ck_assert_int_eq(emo__clahe_grid(48), 4);
    ck_assert_int_eq(emo__clahe_grid(12), 1);
    ck_assert_int_eq(emo__clahe_grid(8), 1);
    ck_assert_int_eq(emo__clahe_grid(512), 8);
    float in[NN], eq[NN], cl[NN], lo, hi;
    unsigned seed = 11;
    for (int i = 0; i < NN; i++)
        in[i] = 0.45f + 0.1f * unit(&seed);
    memcpy(eq, in, sizeof in);
    memcpy(cl, in, sizeof in);
    emo__photometric_f32(eq, S, S, EMO_PHOTO_HISTEQ);
    emo__photometric_f32(cl, S, S, EMO_PHOTO_CLAHE);
    span(eq, NN, &lo, &hi);
    ck_assert(hi - lo > 0.95f);
    span(cl, NN, &lo, &hi);
    ck_assert_msg(hi - lo > 0.1f && hi - lo < 0.3f + 0.05f, "%g", hi - lo);
    /* one tile (12 x 12): a single clipped mapping, exactly bounded */
    float t[144];
    for (int i = 0; i < 144; i++)
        t[i] = 0.45f + 0.1f * (float)i / 143.0f;
    emo__photometric_f32(t, 12, 12, EMO_PHOTO_CLAHE);
    for (int i = 1; i < 144; i++) {
        ck_assert(t[i] >= t[i - 1]);
        ck_assert(t[i] - t[i - 1] <= 3.0f * 0.1f / 143.0f + 1e-6f);
    }
    /* a flat face maps to one value everywhere (every tile alike) */
    for (int i = 0; i < NN; i++)
        cl[i] = 0.6f;
    emo__photometric_f32(cl, S, S, EMO_PHOTO_CLAHE);
    for (int i = 1; i < NN; i++)
        ck_assert(cl[i] == cl[0]);
}
END_TEST

/* Side light: the left half lit (0.2..0.4), the right half in shadow
 * (0.05..0.25).  The same gray 0.2..0.24 is the shadow of the lit side
 * and the highlight of the dark side: CLAHE, local, maps it low on the
 * left and high on the right; histeq, global, alike on both. */
static void side_means(const float *in, const float *out, double *left,
                       double *right)
{
    double sum[2] = {0}, n[2] = {0};
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++) {
            float v = in[y * S + x];
            int side = x < 6 ? 0 : x >= S - 6 ? 1 : -1;
            if (side < 0 || v < 0.2f || v > 0.24f)
                continue;
            sum[side] += out[y * S + x];
            n[side]++;
        }
    ck_assert(n[0] > 10 && n[1] > 10);
    *left = sum[0] / n[0];
    *right = sum[1] / n[1];
}

START_TEST(clahe_adapts_to_side_light)
{
    float in[NN], cl[NN], eq[NN];
    unsigned seed = 5;
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++)
            in[y * S + x] = (x < S / 2 ? 0.2f : 0.05f) + 0.2f * unit(&seed);
    memcpy(cl, in, sizeof in);
    memcpy(eq, in, sizeof in);
    emo__photometric_f32(cl, S, S, EMO_PHOTO_CLAHE);
    emo__photometric_f32(eq, S, S, EMO_PHOTO_HISTEQ);
    double l, r;
    side_means(in, cl, &l, &r);
    ck_assert_msg(r - l > 0.2, "clahe %g %g", l, r);
    side_means(in, eq, &l, &r);
    ck_assert_msg(fabs(r - l) < 0.05, "histeq %g %g", l, r);
}
END_TEST

START_TEST(none_and_unknown_modes_leave_the_face)
{
    float f[NN], g[NN];
    skewed_face(f, NN, 9);
    memcpy(g, f, sizeof f);
    emo__photometric_f32(g, S, S, EMO_PHOTO_NONE);
    ck_assert(memcmp(f, g, sizeof f) == 0);
    emo__photometric_f32(g, S, S, 17);
    ck_assert(memcmp(f, g, sizeof f) == 0);
}
END_TEST

START_TEST(option_bounds_and_errors)
{
    double lo, hi, def;
    ck_assert_emo_ok(emo_option_bounds(EMO_OPT_PHOTOMETRIC, &lo, &hi, &def));
    ck_assert(lo == EMO_PHOTO_NONE && hi == EMO_PHOTO_STANDARDIZE &&
              def == EMO_PHOTO_NONE);
    emo_preprocessor *pp;
    ck_assert_emo_ok(emo_preprocessor_create(&pp));
    int v = -1;
    ck_assert_emo_ok(emo_preprocessor_get_int(pp, EMO_OPT_PHOTOMETRIC, &v));
    ck_assert_int_eq(v, EMO_PHOTO_NONE);
    ck_assert_int_eq(emo_preprocessor_set_int(pp, EMO_OPT_PHOTOMETRIC, 4),
                     EMO_ERR_RANGE);
    ck_assert_int_eq(emo_preprocessor_set_int(pp, EMO_OPT_PHOTOMETRIC, -1),
                     EMO_ERR_RANGE);
    ck_assert_int_eq(emo_preprocessor_set_float(pp, EMO_OPT_PHOTOMETRIC,
                                                1.5), EMO_ERR_RANGE);
    ck_assert_int_eq(emo_preprocessor_set_int(NULL, EMO_OPT_PHOTOMETRIC, 1),
                     EMO_ERR_INVALID_ARG);
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_PHOTOMETRIC,
                                              EMO_PHOTO_STANDARDIZE));
    ck_assert_emo_ok(emo_preprocessor_get_int(pp, EMO_OPT_PHOTOMETRIC, &v));
    ck_assert_int_eq(v, EMO_PHOTO_STANDARDIZE);
    emo_preprocessor_destroy(pp);
    /* a preprocessing option, not a network one */
    emo_network *net;
    ck_assert_emo_ok(emo_network_create_preset("lenet", 0, &net));
    ck_assert_int_eq(emo_network_set_int(net, EMO_OPT_PHOTOMETRIC, 1),
                     EMO_ERR_RANGE);
    /* the lighting augmentation bits, and no bit past them */
    ck_assert_emo_ok(emo_network_set_int(net, EMO_OPT_TRAIN_AUGMENT, 1023));
    ck_assert_int_eq(emo_network_set_int(net, EMO_OPT_TRAIN_AUGMENT, 1024),
                     EMO_ERR_RANGE);
    emo_network_destroy(net);
}
END_TEST

static uint32_t file_version(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert(f != NULL);
    uint8_t h[8];
    ck_assert_int_eq(fread(h, 1, 8, f), 8);
    fclose(f);
    return h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 |
           (uint32_t)h[7] << 24;
}

/* Stored in the model, applied to a preprocessor; a model without a mode
 * (format 1, as every file before 1.1) reads as NONE. */
START_TEST(model_round_trip)
{
    char path[128];
    snprintf(path, sizeof path, "%s/p.emo", test_tmpdir());
    for (int mode = EMO_PHOTO_NONE; mode <= EMO_PHOTO_STANDARDIZE; mode++) {
        emo_network *net, *back;
        emo_preprocessor *pp, *pp2;
        ck_assert_emo_ok(emo_network_create_preset("lenet", 0, &net));
        ck_assert_emo_ok(emo_preprocessor_create(&pp));
        ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_PHOTOMETRIC,
                                                  mode));
        ck_assert_emo_ok(emo_network_store_preprocessing(net, pp));
        ck_assert_emo_ok(emo_network_save(net, path));
        /* a format-1 reader would skip the option and prepare faces
         * wrongly: a file with a mode is format 2, which it refuses */
        ck_assert_int_eq(file_version(path), mode ? 2 : 1);
        ck_assert_emo_ok(emo_network_load(path, &back));
        ck_assert_emo_ok(emo_preprocessor_create(&pp2));
        ck_assert_emo_ok(emo_preprocessor_set_int(pp2, EMO_OPT_PHOTOMETRIC,
                                                  (mode + 1) % 4));
        ck_assert_emo_ok(emo_network_apply_preprocessing(back, pp2));
        int v = -1;
        ck_assert_emo_ok(emo_preprocessor_get_int(pp2, EMO_OPT_PHOTOMETRIC,
                                                  &v));
        ck_assert_int_eq(v, mode);
        emo_preprocessor_destroy(pp);
        emo_preprocessor_destroy(pp2);
        emo_network_destroy(net);
        emo_network_destroy(back);
    }
    emo_network *old;
    emo_preprocessor *pp;
    ck_assert_emo_ok(emo_network_load(test_src_path("models/default.emo"),
                                      &old));
    ck_assert_emo_ok(emo_preprocessor_create(&pp));
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_PHOTOMETRIC,
                                              EMO_PHOTO_CLAHE));
    ck_assert_emo_ok(emo_network_apply_preprocessing(old, pp));
    int v = -1;
    ck_assert_emo_ok(emo_preprocessor_get_int(pp, EMO_OPT_PHOTOMETRIC, &v));
    ck_assert_int_eq(v, EMO_PHOTO_NONE);
    emo_preprocessor_destroy(pp);
    emo_network_destroy(old);
}
END_TEST

/* emo_preprocessor_normalize: crop, photometric, blur, mean, in that
 * order, with and without the blur. */
START_TEST(normalize_applies_the_mode_before_the_blur)
{
    uint8_t px[NN];
    unsigned seed = 21;
    for (int i = 0; i < NN; i++)
        px[i] = (uint8_t)(40 + 60 * unit(&seed));
    emo_preprocessor *pp;
    ck_assert_emo_ok(emo_preprocessor_create(&pp));
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_DETECT_ENABLE, 0));
    for (int blur = 0; blur <= 1; blur++)
        for (int mode = EMO_PHOTO_NONE; mode <= EMO_PHOTO_STANDARDIZE;
             mode++) {
            float got[NN], want[NN], tmp[NN];
            ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_BLUR,
                                                      blur));
            ck_assert_emo_ok(emo_preprocessor_set_int(
                pp, EMO_OPT_PHOTOMETRIC, mode));
            ck_assert_emo_ok(emo_preprocessor_normalize(pp, px, S, S, S,
                                                        NULL, got, NN));
            emo__gray_to_float(px, S, S, S, want);
            emo__photometric_f32(want, S, S, mode);
            if (blur) {
                memcpy(tmp, want, sizeof want);
                float t2[NN];
                emo__gauss5_f32(tmp, S, S, want, 1.0, t2);
            }
            for (int i = 0; i < NN; i++)
                ck_assert_msg(fabsf(got[i] - want[i]) < 1e-6f,
                              "blur %d mode %d [%d]: %g vs %g", blur, mode,
                              i, got[i], want[i]);
        }
    emo_preprocessor_destroy(pp);
}
END_TEST

/* A class-folder tree of n 20x20 faces per class (two classes), not
 * square to the 12x12 face: the crop resamples. */
static const char *synth_tree(int n)
{
    static char root[128];
    snprintf(root, sizeof root, "%s", test_tmpdir());
    static const char *const names[] = {"anger", "happy"};
    unsigned seed = 77;
    for (int c = 0; c < 2; c++) {
        char dir[256], path[320];
        snprintf(dir, sizeof dir, "%s/%s", root, names[c]);
        mkdir(dir, 0755);
        for (int i = 0; i < n; i++) {
            uint8_t px[400];
            for (int k = 0; k < 400; k++)
                px[k] = (uint8_t)(20 + 120 * c + 100 * unit(&seed));
            snprintf(path, sizeof path, "%s/S%03d_001_%08d.png", dir, 100 + i,
                     i);
            ck_assert_emo_ok(emo_image_save_png(path, px, 20, 20, 20, 1));
        }
    }
    return root;
}

static emo_preprocessor *face_pp(int mode, int blur)
{
    emo_preprocessor *pp;
    ck_assert_emo_ok(emo_preprocessor_create(&pp));
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_DETECT_ENABLE, 0));
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_FACE_SIZE, 12));
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_BLUR, blur));
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_PHOTOMETRIC, mode));
    return pp;
}

/* The face training feeds the network without augmentation is the face
 * prediction makes, bit for bit, for every mode, raw cache or not; the
 * mean image is the mean of those faces; the build leaves pp as it was. */
START_TEST(training_face_equals_normalize)
{
    emo_dataset *ds;
    ck_assert_emo_ok(emo_dataset_create(&ds));
    ck_assert_emo_ok(emo_dataset_add_folder(ds, synth_tree(4)));
    ck_assert_emo_ok(emo_dataset_split_random(ds, 1.0, 0.0, 0.0, 1));
    int map[EMO_MAX_CLASSES];
    for (int c = 0; c < EMO_MAX_CLASSES; c++)
        map[c] = c;
    for (int blur = 0; blur <= 1; blur++)
        for (int mode = EMO_PHOTO_NONE; mode <= EMO_PHOTO_STANDARDIZE;
             mode++)
            for (int raw = 0; raw <= 1; raw++) {
                emo_preprocessor *pp = face_pp(mode, blur);
                emo__face_cache c;
                ck_assert_emo_ok(emo__cache_build(&c, ds, EMO_SPLIT_TRAIN,
                                                  pp, map, raw));
                ck_assert_int_eq(c.n, 8);
                ck_assert_int_eq(c.raw, raw);
                int v;
                emo_preprocessor_get_int(pp, EMO_OPT_PHOTOMETRIC, &v);
                ck_assert_int_eq(v, mode);
                emo_preprocessor_get_int(pp, EMO_OPT_BLUR, &v);
                ck_assert_int_eq(v, blur);
                float got[144], want[144], scratch[288];
                double acc[144] = {0};
                for (int k = 0; k < c.n; k++) {
                    uint8_t *px;
                    int w, h;
                    ck_assert_emo_ok(emo_dataset_item_image(ds, c.items[k],
                                                            &px, &w, &h));
                    ck_assert_emo_ok(emo_preprocessor_normalize(
                        pp, px, w, h, w, NULL, want, 144));
                    emo_free(px);
                    emo__cache_face(&c, k, got, scratch, NULL, NULL);
                    ck_assert_msg(memcmp(got, want, sizeof got) == 0,
                                  "blur %d mode %d raw %d face %d", blur,
                                  mode, raw, k);
                    for (int i = 0; i < 144; i++)
                        acc[i] += want[i];
                }
                float mean[144];
                ck_assert_emo_ok(emo__cache_mean(&c, pp));
                ck_assert_emo_ok(emo_preprocessor_get_mean(pp, mean, 144));
                for (int i = 0; i < 144; i++)
                    ck_assert(fabs(mean[i] - acc[i] / c.n) < 1e-6);
                emo__cache_free(&c);
                emo_preprocessor_destroy(pp);
            }
    emo_dataset_destroy(ds);
}
END_TEST

/* emo_network_train trains with lighting augmentation and a mode, and
 * stores the mode in the network; a checkpoint resumes only under the
 * same mode. */
START_TEST(training_stores_the_mode)
{
    static const char net_text[] =
        "[net]\nchannels = 1\nsize = 12\n\n"
        "[conv1]\ntype = conv\nfilters = 4\nsize = 3\npad = 1\n\n"
        "[relu1]\ntype = relu\n\n"
        "[fc1]\ntype = fc\noutputs = 7\n\n[prob]\ntype = softmax\n";
    emo_dataset *ds;
    ck_assert_emo_ok(emo_dataset_create(&ds));
    ck_assert_emo_ok(emo_dataset_add_folder(ds, synth_tree(6)));
    ck_assert_emo_ok(emo_dataset_split_random(ds, 0.75, 0.25, 0.0, 3));
    emo_network *net;
    ck_assert_emo_ok(emo_network_create_text(net_text, &net));
    ck_assert_emo_ok(emo_network_set_int(net, EMO_OPT_TRAIN_EPOCHS, 2));
    ck_assert_emo_ok(emo_network_set_int(net, EMO_OPT_TRAIN_BATCH, 4));
    ck_assert_emo_ok(emo_network_set_int(net, EMO_OPT_TRAIN_AUGMENT,
                                         EMO_AUG_MIRROR | EMO__AUG_LIGHTING));
    emo_preprocessor *pp = face_pp(EMO_PHOTO_CLAHE, 1);
    char ckpt[128];
    snprintf(ckpt, sizeof ckpt, "%s/c.emo", test_tmpdir());
    ck_assert_emo_ok(emo_network_set_checkpoint(net, ckpt));
    ck_assert_emo_ok(emo_network_train(net, ds, pp, NULL, NULL));
    /* resuming that checkpoint under another mode is refused */
    ck_assert_emo_ok(emo_network_set_int(net, EMO_OPT_TRAIN_RESUME, 1));
    ck_assert_emo_ok(emo_network_set_int(net, EMO_OPT_TRAIN_EPOCHS, 3));
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_PHOTOMETRIC,
                                              EMO_PHOTO_HISTEQ));
    ck_assert_int_eq(emo_network_train(net, ds, pp, NULL, NULL),
                     EMO_ERR_MISMATCH);
    ck_assert(strstr(emo_last_error(), "photometric") != NULL);
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_PHOTOMETRIC,
                                              EMO_PHOTO_CLAHE));
    ck_assert_emo_ok(emo_network_train(net, ds, pp, NULL, NULL));
    emo_preprocessor *pp2 = face_pp(EMO_PHOTO_NONE, 1);
    ck_assert_emo_ok(emo_network_apply_preprocessing(net, pp2));
    int v = -1;
    ck_assert_emo_ok(emo_preprocessor_get_int(pp2, EMO_OPT_PHOTOMETRIC, &v));
    ck_assert_int_eq(v, EMO_PHOTO_CLAHE);
    emo_preprocessor_destroy(pp);
    emo_preprocessor_destroy(pp2);
    emo_network_destroy(net);
    emo_dataset_destroy(ds);
}
END_TEST

/* augment.c of 1.0 (the main branch before the lighting bits), seed 5,
 * mask 63, on lighting_augmentation's face: the output's sum and the
 * next random number. */
#define OLD_SUM 321.077783
#define OLD_NEXT 6528556697125506022ULL

/* Each lighting bit changes the face, keeps it in [0, 1] and draws
 * randoms only when on; the older bits' output and stream are those of
 * 1.0 (values recorded from 1.0's augment.c for seed 5). */
START_TEST(lighting_augmentation)
{
    enum { A = 24 };
    float src[A * A], out[A * A], ref[A * A], tmp[2 * A * A];
    unsigned seed = 4;
    for (int i = 0; i < A * A; i++)
        src[i] = 0.2f + 0.6f * unit(&seed);
    static const unsigned bits[] = {EMO_AUG_GAMMA, EMO_AUG_SHADE,
                                    EMO_AUG_BLUR, EMO_AUG_NOISE};
    for (size_t b = 0; b < 4; b++) {
        int changed = 0;
        for (uint64_t s = 0; s < 8; s++) {
            emo_rng r, r0;
            emo__rng_seed(&r, s);
            emo__rng_seed(&r0, s);
            emo__augment_face(src, A, out, tmp, AUG(bits[b], 10.0), &r);
            emo__augment_face(src, A, ref, tmp, AUG(0, 10.0), &r0);
            /* the same affine-free copy, then the lighting */
            ck_assert(memcmp(ref, src, sizeof src) == 0);
            ck_assert(emo__rng_next(&r) != emo__rng_next(&r0));
            for (int i = 0; i < A * A; i++)
                ck_assert(out[i] >= 0.0f && out[i] <= 1.0f);
            changed += memcmp(out, src, sizeof src) != 0;
        }
        /* blur applies half the time; the others always */
        ck_assert_msg(changed >= (bits[b] == EMO_AUG_BLUR ? 1 : 8),
                      "bit %u changed %d", bits[b], changed);
    }
    /* all older bits on: the output and the stream after it are 1.0's */
    emo_rng a;
    emo__rng_seed(&a, 5);
    emo__augment_face(src, A, out, tmp, AUG(63, 10.0), &a);
    double sum = 0;
    for (int i = 0; i < A * A; i++)
        sum += out[i];
    ck_assert_msg(fabs(sum - OLD_SUM) < 1e-3, "%.6f", sum);
    ck_assert_msg(emo__rng_next(&a) == OLD_NEXT, "%llu",
                  (unsigned long long)emo__rng_next(&a));
}
END_TEST

/* Shade darkens one side and lightens the other along a line; gamma
 * keeps black and white. */
START_TEST(shade_is_a_ramp_and_gamma_keeps_the_ends)
{
    enum { A = 24 };
    float src[A * A], out[A * A], tmp[2 * A * A];
    for (int i = 0; i < A * A; i++)
        src[i] = 0.5f;
    emo_rng r;
    emo__rng_seed(&r, 2);
    emo__augment_face(src, A, out, tmp, AUG(EMO_AUG_SHADE, 10.0), &r);
    /* a linear function of position: second differences vanish */
    for (int y = 0; y < A; y++)
        for (int x = 1; x + 1 < A; x++) {
            float d = out[y * A + x - 1] - 2 * out[y * A + x] +
                      out[y * A + x + 1];
            ck_assert(fabsf(d) < 1e-5f);
        }
    float lo, hi;
    span(out, A * A, &lo, &hi);
    ck_assert(hi - lo > 0.0f);
    src[0] = 0.0f;
    src[1] = 1.0f;
    emo__rng_seed(&r, 3);
    emo__augment_face(src, A, out, tmp, AUG(EMO_AUG_GAMMA, 10.0), &r);
    ck_assert(out[0] == 0.0f && out[1] == 1.0f && out[2] != 0.5f);
}
END_TEST

Suite *photometric_suite(void)
{
    Suite *s = suite_create("photometric");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, histeq_flattens_and_keeps_order);
    tcase_add_test(tc, standardize_zero_mean_unit_variance);
    tcase_add_test(tc, clahe_is_bounded_by_the_clip_limit);
    tcase_add_test(tc, clahe_adapts_to_side_light);
    tcase_add_test(tc, none_and_unknown_modes_leave_the_face);
    tcase_add_test(tc, option_bounds_and_errors);
    tcase_add_test(tc, model_round_trip);
    tcase_add_test(tc, normalize_applies_the_mode_before_the_blur);
    tcase_add_test(tc, training_face_equals_normalize);
    tcase_add_test(tc, training_stores_the_mode);
    tcase_add_test(tc, lighting_augmentation);
    tcase_add_test(tc, shade_is_a_ramp_and_gamma_keeps_the_ends);
    suite_add_tcase(s, tc);
    return s;
}
