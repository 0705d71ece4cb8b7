/* check_model.c - model files: round trip (32- and 16-bit weights),
 * truncation and corruption, transfer of matching layers; the binary16
 * conversion behind 16-bit weights. */
#include "nn_testutil.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

static const char tiny[] =
    "[net]\nchannels = 1\nsize = 4\n"
    "[c1]\ntype = conv\nfilters = 2\nsize = 3\npad = 1\n"
    "[b1]\ntype = bn\n[r1]\ntype = relu\n"
    "[fc]\ntype = fc\noutputs = 3\n[prob]\ntype = softmax\n";

static emo_network *tiny_net(void)
{
    emo_network *net;
    ck_assert_emo_ok(emo_network_create_text(tiny, &net));
    float x[2 * 16];
    int labels[2] = {0, 2};
    nt_fill(x, 32, 3, 0, 1);
    /* a step so BN statistics and momentum are non-trivial */
    ck_assert_emo_ok(emo_network_train_step(net, x, labels, 2, 0.1, NULL,
                                            NULL));
    return net;
}

static int same_params(const emo_network *a, const emo_network *b)
{
    if (a->nn.n_layers != b->nn.n_layers)
        return 0;
    for (int i = 0; i < a->nn.n_layers; i++)
        for (int j = 0; j < a->nn.layers[i].nparams; j++)
            if (a->nn.layers[i].p[j].n != b->nn.layers[i].p[j].n ||
                memcmp(a->nn.layers[i].p[j].data, b->nn.layers[i].p[j].data,
                       sizeof(float) * a->nn.layers[i].p[j].n) != 0)
                return 0;
    return 1;
}

static char *tmp_file(const char *name)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
    return path;
}

START_TEST(round_trip_is_bit_exact)
{
    emo_network *net = tiny_net();
    const char *names[3] = {"calm", "angry", "joy"};
    ck_assert_emo_ok(emo_network_set_class_names(net, names, 3));
    float face[16], mean[16];
    nt_fill(face, 16, 8, 0, 1);
    nt_fill(mean, 16, 9, 0, 1);
    ck_assert_emo_ok(emo__network_store_correction(net, face, 16, 2));
    net->mean = malloc(sizeof mean);
    memcpy(net->mean, mean, sizeof mean);
    net->pp_opts.v[1][EMO_OPT_BLUR_SIGMA % 100] = 1.5;
    ck_assert_emo_ok(emo_network_set_float(net, EMO_OPT_TRAIN_LR, 0.02));
    ck_assert_emo_ok(emo__network_set_train_state(net, "abc", 3));
    char *path = tmp_file("m.emo");
    ck_assert_emo_ok(emo_network_save(net, path));
    emo_network *back;
    ck_assert_emo_ok(emo_network_load(path, &back));
    ck_assert(same_params(net, back));
    ck_assert_str_eq(back->text, tiny);
    ck_assert_str_eq(emo_network_class_name(back, 2), "joy");
    ck_assert_int_eq(back->n_corr, 1);
    ck_assert_int_eq(back->corr_labels[0], 2);
    ck_assert(memcmp(back->corr_faces, face, sizeof face) == 0);
    ck_assert(back->mean && memcmp(back->mean, mean, sizeof mean) == 0);
    ck_assert(back->pp_opts.v[1][EMO_OPT_BLUR_SIGMA % 100] == 1.5);
    ck_assert_int_eq((int)back->train_state_len, 0); /* checkpoints only */
    double lr;
    ck_assert_emo_ok(emo_network_get_float(back, EMO_OPT_TRAIN_LR, &lr));
    ck_assert(lr == 0.02);
    /* the thread count belongs to the process, not the model */
    ck_assert_emo_ok(emo_network_set_int(net, EMO_OPT_NET_THREADS, 2));
    ck_assert_emo_ok(emo_network_save(net, path));
    emo_network_destroy(back);
    ck_assert_emo_ok(emo_network_load(path, &back));
    int threads;
    ck_assert_emo_ok(emo_network_get_int(back, EMO_OPT_NET_THREADS,
                                         &threads));
    ck_assert_int_eq(threads, 1);
    /* same outputs */
    float x[16], pa[3], pb[3];
    nt_fill(x, 16, 4, 0, 1);
    ck_assert_emo_ok(emo_network_forward(net, x, 1, pa));
    ck_assert_emo_ok(emo_network_forward(back, x, 1, pb));
    ck_assert(memcmp(pa, pb, sizeof pa) == 0);
    /* checkpoints carry momentum, step and the training state */
    ck_assert_emo_ok(emo__model_save(net, path, 1));
    emo_network_destroy(back);
    ck_assert_emo_ok(emo_network_load(path, &back));
    ck_assert_int_eq((int)back->train_state_len, 3);
    ck_assert_int_eq((int)back->step, 1);
    ck_assert(memcmp(back->nn.layers[0].p[0].mom, net->nn.layers[0].p[0].mom,
                     sizeof(float) * 18) == 0);
    emo_network_destroy(back);
    emo_network_destroy(net);
}
END_TEST

/* Rewrites the trailing CRC so that an edit reaches the checks behind it. */
static void fix_crc(uint8_t *data, size_t size)
{
    uint32_t crc = emo__crc32(0, data, size - 4);
    for (int k = 0; k < 4; k++)
        data[size - 4 + k] = (uint8_t)(crc >> (8 * k));
}

/* Every cut and many bit flips of a checkpoint (32-bit weights, momentum,
 * state) and of a 16-bit model are refused. */
START_TEST(truncation_and_flips_are_errors)
{
    emo_network *net = tiny_net();
    float face[16] = {0};
    ck_assert_emo_ok(emo__network_store_correction(net, face, 16, 1));
    char *path = tmp_file("t.emo");
    int f16 = _i; /* loop test: 0 checkpoint, 1 16-bit model */
    if (f16)
        ck_assert_emo_ok(emo_network_set_int(net, EMO_OPT_NET_WEIGHT_STORAGE,
                                             EMO_STORE_F16));
    ck_assert_emo_ok(emo__model_save(net, path, !f16));
    uint8_t *data;
    size_t size;
    ck_assert_emo_ok(emo__read_file(path, &data, &size));
    emo_network *out;
    for (size_t cut = 0; cut < size; cut++) {
        int rc = emo__model_load_mem(data, cut, "cut", &out);
        ck_assert_msg(rc < 0 && out == NULL, "cut at %zu loaded", cut);
    }
    for (size_t i = 0; i < size; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            data[i] ^= (uint8_t)(1u << bit);
            int rc = emo__model_load_mem(data, size, "flip", &out);
            ck_assert_msg(rc < 0 && out == NULL, "flip at %zu loaded", i);
            data[i] ^= (uint8_t)(1u << bit);
        }
    }
    ck_assert_emo_ok(emo__model_load_mem(data, size, "ok", &out));
    emo_network_destroy(out);
    /* a clear message for the common cases */
    ck_assert_int_eq(emo__model_load_mem(data, size - 1, "x.emo", &out),
                     EMO_ERR_CHECKSUM);
    ck_assert_ptr_nonnull(strstr(emo_last_error(), "x.emo: checksum"));
    data[0] = 'X';
    ck_assert_int_eq(emo__model_load_mem(data, size, "x.emo", &out),
                     EMO_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(emo_last_error(), "not a libemo model"));
    data[0] = 'E';
    data[5] = 0xFF; /* a flipped version byte is corruption, not "newer" */
    ck_assert_int_eq(emo__model_load_mem(data, size, "x.emo", &out),
                     EMO_ERR_CHECKSUM);
    data[5] = 0;
    data[4] = 9; /* a real newer file has a CRC that matches */
    fix_crc(data, size);
    ck_assert_int_eq(emo__model_load_mem(data, size, "x.emo", &out),
                     EMO_ERR_UNSUPPORTED);
    data[4] = f16 ? 2 : 1;
    data[8] = 1; /* a reserved flag this reader does not know */
    fix_crc(data, size);
    ck_assert_int_eq(emo__model_load_mem(data, size, "x.emo", &out),
                     EMO_ERR_UNSUPPORTED);
    ck_assert_msg(strstr(emo_last_error(), "x.emo: flags 0x1"), "%s",
                  emo_last_error());
    free(data);
    ck_assert_int_eq(emo_network_load("/nonexistent/m.emo", &out),
                     EMO_ERR_IO);
    emo_network_destroy(net);
}
END_TEST

/* A valid CRC over inconsistent contents must still be refused: rewrite
 * length fields with a recomputed checksum. */
START_TEST(consistent_crc_bad_lengths)
{
    emo_network *net = tiny_net();
    char *path = tmp_file("l.emo");
    ck_assert_emo_ok(emo_network_save(net, path));
    uint8_t *data;
    size_t size;
    ck_assert_emo_ok(emo__read_file(path, &data, &size));
    emo_network *out;
    for (size_t i = 16; i + 4 < size; i++) {
        uint8_t keep = data[i];
        static const uint8_t vals[] = {0x00, 0xFF, 0x7F, 0x01};
        for (size_t v = 0; v < sizeof vals; v++) {
            if (vals[v] == keep)
                continue;
            data[i] = vals[v];
            uint8_t old[4];
            memcpy(old, data + size - 4, 4);
            fix_crc(data, size);
            int rc = emo__model_load_mem(data, size, "x", &out);
            /* weights may legitimately change; anything else must fail */
            if (rc == EMO_OK)
                emo_network_destroy(out);
            memcpy(data + size - 4, old, 4);
        }
        data[i] = keep;
    }
    free(data);
    emo_network_destroy(net);
}
END_TEST

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static float through_f16(float v)
{
    return emo__f32_from_f16(emo__f16_from_f32(v));
}

/* Exhaustive over binary16: every value survives the round trip, every
 * midpoint between neighbours rounds to the even one and the floats
 * either side of it to the nearer one; overflow, underflow, NaN. */
START_TEST(f16_conversion_rounds_to_nearest_even)
{
    for (uint32_t h = 0; h <= 0xffff; h++) {
        float f = emo__f32_from_f16((uint16_t)h);
        if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) {
            ck_assert(isnan(f));
            ck_assert(isnan(through_f16(f)));
            continue;
        }
        ck_assert_msg(emo__f16_from_f32(f) == h, "0x%04x", h);
    }
    for (uint32_t h = 0; h < 0x7bff; h++) {
        float lo = emo__f32_from_f16((uint16_t)h),
              hi = emo__f32_from_f16((uint16_t)(h + 1));
        float mid = lo + (hi - lo) / 2; /* exact: 12 significant bits */
        uint32_t even = h & 1 ? h + 1 : h;
        ck_assert_msg(emo__f16_from_f32(mid) == even, "mid 0x%04x", h);
        ck_assert_msg(emo__f16_from_f32(-mid) == (even | 0x8000), "-0x%04x",
                      h);
        ck_assert(emo__f16_from_f32(nextafterf(mid, 0)) == h);
        ck_assert(emo__f16_from_f32(nextafterf(mid, INFINITY)) == h + 1);
    }
    ck_assert_int_eq(emo__f16_from_f32(65519.996f), 0x7bff); /* 65504 */
    ck_assert_int_eq(emo__f16_from_f32(65520.0f), 0x7c00);   /* inf */
    ck_assert_int_eq(emo__f16_from_f32(-1e30f), 0xfc00);
    ck_assert_int_eq(emo__f16_from_f32(ldexpf(1, -25)), 0);  /* tie to 0 */
    ck_assert_int_eq(emo__f16_from_f32(nextafterf(ldexpf(1, -25), 1)), 1);
    ck_assert_int_eq(emo__f16_from_f32(1e-30f), 0);
    ck_assert_int_eq(emo__f16_from_f32(-0.0f), 0x8000);
    ck_assert(emo__f32_from_f16(1) == ldexpf(1, -24));
#ifdef __FLT16_MAX__
    /* where the compiler has a 16-bit float, it must agree bit for bit */
    uint32_t x = 12345;
    for (int i = 0; i < 1000000; i++) {
        x = x * 1664525u + 1013904223u;
        float f;
        memcpy(&f, &x, 4);
        _Float16 g = (_Float16)f;
        uint16_t gh;
        memcpy(&gh, &g, 2);
        if (!isnan(f))
            ck_assert_msg(emo__f16_from_f32(f) == gh, "%a", (double)f);
    }
#endif
}
END_TEST

static int f16_params(const emo_network *orig, const emo_network *back)
{
    for (int i = 0; i < orig->nn.n_layers; i++)
        for (int j = 0; j < orig->nn.layers[i].nparams; j++)
            for (size_t k = 0; k < orig->nn.layers[i].p[j].n; k++)
                if (back->nn.layers[i].p[j].data[k] !=
                    through_f16(orig->nn.layers[i].p[j].data[k]))
                    return 0;
    return 1;
}

static uint32_t file_version(const char *path)
{
    uint8_t *data;
    size_t size;
    ck_assert_emo_ok(emo__read_file(path, &data, &size));
    uint32_t v = data[4] | (uint32_t)data[5] << 8;
    free(data);
    return v;
}

START_TEST(f16_model_round_trip)
{
    emo_network *net;
    ck_assert_emo_ok(emo_network_create_preset("default", 0, &net));
    char *p32 = strdup(tmp_file("w32.emo")), *p16 = tmp_file("w16.emo");
    ck_assert_emo_ok(emo_network_save(net, p32));
    ck_assert_emo_ok(emo_network_set_int(net, EMO_OPT_NET_WEIGHT_STORAGE,
                                         EMO_STORE_F16));
    ck_assert_emo_ok(emo_network_save(net, p16));
    ck_assert_int_eq(file_version(p32), 1); /* format-1 readers keep it */
    ck_assert_int_eq(file_version(p16), 2);
    long s32 = file_size(p32), s16 = file_size(p16);
    long stored = 0; /* weights and batch-norm statistics */
    for (int i = 0; i < net->nn.n_layers; i++)
        for (int j = 0; j < net->nn.layers[i].nparams; j++)
            stored += (long)net->nn.layers[i].p[j].n;
    ck_assert_int_eq(s32 - s16, 2 * stored); /* 2 bytes a value saved */
    emo_network *back;
    ck_assert_emo_ok(emo_network_load(p16, &back));
    ck_assert(f16_params(net, back));
    int storage;
    ck_assert_emo_ok(emo_network_get_int(back, EMO_OPT_NET_WEIGHT_STORAGE,
                                         &storage));
    ck_assert_int_eq(storage, EMO_STORE_F16); /* re-saved the same way */
    /* same classification to within the rounding */
    float x[48 * 48], pa[7], pb[7];
    nt_fill(x, 48 * 48, 5, -0.5f, 0.5f);
    ck_assert_emo_ok(emo_network_forward(net, x, 1, pa));
    ck_assert_emo_ok(emo_network_forward(back, x, 1, pb));
    for (int c = 0; c < 7; c++)
        ck_assert_msg(fabsf(pa[c] - pb[c]) < 1e-2f, "class %d: %g vs %g", c,
                      (double)pa[c], (double)pb[c]);
    /* checkpoints stay 32-bit: a resumed run must continue exactly */
    ck_assert_emo_ok(emo__model_save(net, p16, 1));
    ck_assert_int_eq(file_version(p16), 1);
    emo_network_destroy(back);
    ck_assert_emo_ok(emo_network_load(p16, &back));
    ck_assert(same_params(net, back));
    emo_network_destroy(back);
    /* a weight 16 bits cannot hold is refused and no file is written */
    ck_assert_emo_ok(emo_network_save(net, p16));
    long before = file_size(p16);
    net->nn.layers[0].p[0].data[3] = -1e5f; /* the first conv's weights */
    ck_assert_int_eq(emo_network_save(net, p16), EMO_ERR_RANGE);
    ck_assert_ptr_nonnull(strstr(emo_last_error(), "does not fit 16 bits"));
    ck_assert_int_eq(file_size(p16), before);
    ck_assert_emo_ok(emo_network_set_int(net, EMO_OPT_NET_WEIGHT_STORAGE,
                                         EMO_STORE_F32));
    ck_assert_emo_ok(emo_network_save(net, p16)); /* 32 bits hold it */
    ck_assert_int_eq(emo_network_set_int(net, EMO_OPT_NET_WEIGHT_STORAGE, 2),
                     EMO_ERR_RANGE);
    free(p32);
    emo_network_destroy(net);
}
END_TEST

/* A file with weights twice (both precisions) is refused, not read twice. */
START_TEST(two_weight_chunks_are_an_error)
{
    emo_network *net = tiny_net();
    char *p32 = strdup(tmp_file("a.emo")), *p16 = tmp_file("b.emo");
    ck_assert_emo_ok(emo_network_save(net, p32));
    ck_assert_emo_ok(emo_network_set_int(net, EMO_OPT_NET_WEIGHT_STORAGE,
                                         EMO_STORE_F16));
    ck_assert_emo_ok(emo_network_save(net, p16));
    uint8_t *a, *b;
    size_t na, nb;
    ck_assert_emo_ok(emo__read_file(p32, &a, &na));
    ck_assert_emo_ok(emo__read_file(p16, &b, &nb));
    const uint8_t *wf16 = memmem(b, nb, "WF16", 4);
    ck_assert_ptr_nonnull(wf16);
    size_t chunk = (size_t)(b + nb - 4 - wf16); /* WF16 is the last chunk */
    uint8_t *c = malloc(na + chunk);
    memcpy(c, a, na - 4);
    memcpy(c + na - 4, wf16, chunk);
    c[4] = 2;
    c[12]++; /* one chunk more */
    uint32_t crc = emo__crc32(0, c, na - 4 + chunk);
    for (int k = 0; k < 4; k++)
        c[na - 4 + chunk + k] = (uint8_t)(crc >> (8 * k));
    emo_network *out;
    ck_assert_int_eq(emo__model_load_mem(c, na + chunk, "x.emo", &out),
                     EMO_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(emo_last_error(), "both WGHT and WF16"));
    /* and without its chunk of weights, a file says which is missing */
    memcpy(c, b, nb - 4 - chunk);
    c[12]--;
    crc = emo__crc32(0, c, nb - 4 - chunk);
    for (int k = 0; k < 4; k++)
        c[nb - 4 - chunk + k] = (uint8_t)(crc >> (8 * k));
    ck_assert_int_eq(emo__model_load_mem(c, nb - chunk, "x.emo", &out),
                     EMO_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(emo_last_error(), "no weights"));
    free(a);
    free(b);
    free(c);
    free(p32);
    emo_network_destroy(net);
}
END_TEST

START_TEST(transfer_copies_matching_layers)
{
    emo_network *src = tiny_net(), *dst;
    const char *other =
        "[net]\nchannels = 1\nsize = 4\n"
        "[c1]\ntype = conv\nfilters = 2\nsize = 3\npad = 1\n"
        "[b1]\ntype = bn\n[r1]\ntype = relu\n"
        "[fc]\ntype = fc\noutputs = 5\n[prob]\ntype = softmax\n";
    ck_assert_emo_ok(emo_network_create_text(other, &dst));
    ck_assert_emo_ok(emo_network_set_int(dst, EMO_OPT_NET_SEED, 9));
    float fc_before[200], fc_after[200], w[18], ws[18];
    emo_network_get_param(dst, "fc", 0, fc_before, 200);
    int copied = -1;
    ck_assert_emo_ok(emo_network_transfer(dst, src, &copied));
    ck_assert_int_eq(copied, 2); /* c1 and b1; fc differs in shape */
    emo_network_get_param(dst, "c1", 0, w, 18);
    emo_network_get_param(src, "c1", 0, ws, 18);
    ck_assert(memcmp(w, ws, sizeof w) == 0);
    emo_network_get_param(dst, "fc", 0, fc_after, 200);
    ck_assert(memcmp(fc_before, fc_after, sizeof(float) * 80) == 0);
    ck_assert_int_eq(emo_network_transfer(NULL, src, &copied),
                     EMO_ERR_INVALID_ARG);
    emo_network_destroy(src);
    emo_network_destroy(dst);
}
END_TEST

/* Preprocessing travels from a preprocessor into the model file and back
 * into another preprocessor. */
START_TEST(preprocessing_round_trip)
{
    emo_network *net;
    ck_assert_emo_ok(emo_network_create_text(
        "[net]\nsize = 8\n[fc]\ntype = fc\noutputs = 2\n"
        "[p]\ntype = softmax\n", &net));
    emo_preprocessor *pp, *pp2;
    ck_assert_emo_ok(emo_preprocessor_create(&pp));
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_FACE_SIZE, 8));
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_BLUR, 0));
    ck_assert_emo_ok(emo_preprocessor_set_float(pp, EMO_OPT_BLUR_SIGMA,
                                                1.25));
    ck_assert_emo_ok(emo_preprocessor_set_int(pp,
                                              EMO_OPT_DETECT_MIN_NEIGHBORS, 3));
    ck_assert_emo_ok(emo_preprocessor_set_float(pp, EMO_OPT_CROP_MARGIN,
                                                0.25));
    ck_assert_emo_ok(emo_preprocessor_set_float(pp, EMO_OPT_CROP_SHIFT_Y,
                                                -0.125));
    float mean[64], back[64];
    nt_fill(mean, 64, 12, 0, 1);
    ck_assert_emo_ok(emo_preprocessor_set_mean(pp, mean, 64));
    ck_assert_emo_ok(emo_network_store_preprocessing(net, pp));
    char *path = tmp_file("pp.emo");
    ck_assert_emo_ok(emo_network_save(net, path));
    emo_network_destroy(net);
    ck_assert_emo_ok(emo_network_load(path, &net));
    ck_assert_emo_ok(emo_preprocessor_create(&pp2));
    ck_assert_emo_ok(emo_network_apply_preprocessing(net, pp2));
    int v;
    double f;
    ck_assert_emo_ok(emo_preprocessor_get_int(pp2, EMO_OPT_FACE_SIZE, &v));
    ck_assert_int_eq(v, 8);
    ck_assert_emo_ok(emo_preprocessor_get_int(pp2, EMO_OPT_BLUR, &v));
    ck_assert_int_eq(v, 0);
    ck_assert_emo_ok(emo_preprocessor_get_int(pp2,
                                              EMO_OPT_DETECT_MIN_NEIGHBORS,
                                              &v));
    ck_assert_int_eq(v, 3);
    ck_assert_emo_ok(emo_preprocessor_get_float(pp2, EMO_OPT_BLUR_SIGMA,
                                                &f));
    ck_assert(f == 1.25);
    ck_assert_emo_ok(emo_preprocessor_get_float(pp2, EMO_OPT_CROP_MARGIN,
                                                &f));
    ck_assert(f == 0.25);
    ck_assert_emo_ok(emo_preprocessor_get_float(pp2, EMO_OPT_CROP_SHIFT_Y,
                                                &f));
    ck_assert(f == -0.125);
    ck_assert_emo_ok(emo_preprocessor_get_mean(pp2, back, 64));
    ck_assert(memcmp(mean, back, sizeof mean) == 0);
    /* a face size that does not fit the input is refused */
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_FACE_SIZE, 16));
    float m16[256] = {0};
    ck_assert_emo_ok(emo_preprocessor_set_mean(pp, m16, 256));
    ck_assert_int_eq(emo_network_store_preprocessing(net, pp),
                     EMO_ERR_MISMATCH);
    /* a fresh network sets the face size from its input (under
     * EMO_TEST_SCALE a small net of caffenet's input size: drawing
     * caffenet's 70 M weights takes minutes under an emulator) */
    emo_network_destroy(net);
    if (test_scale() < 1)
        ck_assert_emo_ok(emo_network_create_text(
            "[net]\nsize = 250\n[gap]\ntype = gap\n[fc]\ntype = fc\n"
            "outputs = 7\n[p]\ntype = softmax\n", &net));
    else
        ck_assert_emo_ok(emo_network_create_preset("caffenet", 0, &net));
    ck_assert_emo_ok(emo_network_apply_preprocessing(net, pp2));
    ck_assert_emo_ok(emo_preprocessor_get_int(pp2, EMO_OPT_FACE_SIZE, &v));
    ck_assert_int_eq(v, 250);
    ck_assert_int_eq(emo_preprocessor_get_mean(pp2, back, 64),
                     EMO_ERR_STATE);
    emo_preprocessor_destroy(pp);
    emo_preprocessor_destroy(pp2);
    emo_network_destroy(net);
}
END_TEST

/* A model written before EMO_OPT_CROP_SHIFT_Y (the shipped default, whose
 * PREP chunk ends at EMO_OPT_SUBTRACT_MEAN) loads with shift 0 and its
 * margin; a preprocessor that had another shift gets 0 from it.  The cap
 * of the cascade's working size is a setting of the machine: never
 * stored. */
START_TEST(old_prep_chunk_gets_the_new_defaults)
{
    emo_network *net;
    ck_assert_emo_ok(emo_network_load(test_src_path("models/default.emo"),
                                      &net));
    emo_preprocessor *pp;
    ck_assert_emo_ok(emo_preprocessor_create(&pp));
    ck_assert_emo_ok(emo_preprocessor_set_float(pp, EMO_OPT_CROP_SHIFT_Y,
                                                0.2));
    ck_assert_emo_ok(emo_preprocessor_set_int(pp, EMO_OPT_DETECT_MAX_PIXELS,
                                              12345));
    ck_assert_emo_ok(emo_network_apply_preprocessing(net, pp));
    double f;
    ck_assert_emo_ok(emo_preprocessor_get_float(pp, EMO_OPT_CROP_SHIFT_Y,
                                                &f));
    ck_assert(f == 0.0);
    ck_assert_emo_ok(emo_preprocessor_get_float(pp, EMO_OPT_CROP_MARGIN, &f));
    ck_assert(f == 0.0);
    /* stored and loaded again: the PREP chunk has the shift, not the cap */
    ck_assert_emo_ok(emo_preprocessor_set_float(pp, EMO_OPT_CROP_SHIFT_Y,
                                                0.2));
    ck_assert_emo_ok(emo_network_store_preprocessing(net, pp));
    net->pp_opts.v[1][EMO_OPT_DETECT_MAX_PIXELS % 100] = 12345;
    char *path = tmp_file("shift.emo");
    ck_assert_emo_ok(emo_network_save(net, path));
    emo_network_destroy(net);
    ck_assert_emo_ok(emo_network_load(path, &net));
    ck_assert(net->pp_opts.v[1][EMO_OPT_CROP_SHIFT_Y % 100] == 0.2);
    ck_assert(net->pp_opts.v[1][EMO_OPT_DETECT_MAX_PIXELS % 100] ==
              (double)(1 << 23));
    emo_preprocessor_destroy(pp);
    emo_network_destroy(net);
}
END_TEST

/* EMO_OPT_TRAIN_RESUME is a setting of one training run: a saved model
 * does not carry it, and a file that does (the shipped default model,
 * written before this rule) is read as 0, so fine-tuning a loaded model
 * with a checkpoint path does not resume by surprise. */
START_TEST(resume_flag_is_not_stored)
{
    emo_network *net = tiny_net(), *back;
    ck_assert_emo_ok(emo_network_set_int(net, EMO_OPT_TRAIN_RESUME, 1));
    /* while the label mode, the last training option, is stored */
    ck_assert_emo_ok(emo_network_set_int(net, EMO_OPT_TRAIN_LABELS,
                                         EMO_LABELS_SOFT));
    char *path = tmp_file("r.emo");
    ck_assert_emo_ok(emo_network_save(net, path));
    ck_assert_emo_ok(emo_network_load(path, &back));
    int v;
    ck_assert_emo_ok(emo_network_get_int(back, EMO_OPT_TRAIN_RESUME, &v));
    ck_assert_int_eq(v, 0);
    ck_assert_emo_ok(emo_network_get_int(back, EMO_OPT_TRAIN_LABELS, &v));
    ck_assert_int_eq(v, EMO_LABELS_SOFT);
    /* a process's place in a data-parallel batch is not the model's */
    emo_network_destroy(back);
    ck_assert_emo_ok(emo_network_set_int(net, EMO_OPT_TRAIN_BATCH_OFFSET, 5));
    ck_assert_emo_ok(emo_network_save(net, path));
    ck_assert_emo_ok(emo_network_load(path, &back));
    ck_assert_emo_ok(emo_network_get_int(back, EMO_OPT_TRAIN_BATCH_OFFSET,
                                         &v));
    ck_assert_int_eq(v, 0);
    emo_network_destroy(back);
    ck_assert_emo_ok(emo_network_load(test_src_path("models/default.emo"),
                                      &back));
    ck_assert_emo_ok(emo_network_get_int(back, EMO_OPT_TRAIN_RESUME, &v));
    ck_assert_int_eq(v, 0);
    emo_network_destroy(back);
    emo_network_destroy(net);
}
END_TEST

/* A pid that no process has: a child that has exited and been reaped. */
static pid_t dead_pid(void)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(0);
    ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
    return pid;
}

/* A save removes the temporaries of the same target that killed
 * processes left behind, and nothing else. */
START_TEST(save_removes_stale_temporaries)
{
    const char *dir = test_tmpdir();
    long dead = (long)dead_pid(), self = (long)getpid();
    static const char *const fmt[] = {
        "m.emo.tmp-%ld-0",      /* stale: removed */
        "m.emo.tmp-%ld-17",     /* stale: removed */
        "m.emo.tmp-%ld-0x",     /* not the pattern */
        "m.emo.tmp-%ld",        /* not the pattern */
        "n.emo.tmp-%ld-0",      /* another target */
        "xm.emo.tmp-%ld-0",     /* another target */
    };
    char path[6][600];
    for (int i = 0; i < 6; i++) {
        char name[64];
        snprintf(name, sizeof name, fmt[i], dead);
        snprintf(path[i], sizeof path[i], "%s/%s", dir, name);
        ck_assert_int_eq(write_bytes(path[i], "x", 1), 0);
    }
    char live[600], target[600];
    snprintf(live, sizeof live, "%s/m.emo.tmp-%ld-3", dir, self);
    ck_assert_int_eq(write_bytes(live, "x", 1), 0); /* a save under way */
    snprintf(target, sizeof target, "%s/m.emo", dir);
    emo_network *net = tiny_net();
    ck_assert_emo_ok(emo_network_save(net, target));
    for (int i = 0; i < 6; i++)
        ck_assert_msg((access(path[i], F_OK) == 0) == (i >= 2), "%s %s",
                      path[i], i >= 2 ? "removed" : "kept");
    ck_assert_int_eq(access(live, F_OK), 0);
    ck_assert_int_eq(access(target, F_OK), 0);
    emo_network_destroy(net);
}
END_TEST

Suite *model_suite(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("file");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, round_trip_is_bit_exact);
    tcase_add_loop_test(tc, truncation_and_flips_are_errors, 0, 2);
    tcase_add_test(tc, f16_conversion_rounds_to_nearest_even);
    tcase_add_test(tc, f16_model_round_trip);
    tcase_add_test(tc, two_weight_chunks_are_an_error);
    tcase_add_test(tc, consistent_crc_bad_lengths);
    tcase_add_test(tc, transfer_copies_matching_layers);
    tcase_add_test(tc, preprocessing_round_trip);
    tcase_add_test(tc, old_prep_chunk_gets_the_new_defaults);
    tcase_add_test(tc, resume_flag_is_not_stored);
    tcase_add_test(tc, save_removes_stale_temporaries);
    suite_add_tcase(s, tc);
    return s;
}
