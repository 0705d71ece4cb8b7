/* check_network.c - the emo_network API: presets, text format errors,
 * summary, forward, SGD steps, per-layer multipliers, weight access. */
#include "nn_testutil.h"

#include <cblas.h>
#include <stdlib.h>

START_TEST(presets_have_documented_shapes)
{
    static const struct {
        const char *name;
        int size;
        long long params;
        long long flops;
    } want[] = {
        {"lenet", 48, 2054577, 22193000},
        {"caffenet", 250, 70505159, 1668762624},
        {"alexnet", 250, 70505159, 1668762624},
        {"default", 48, 1128167, 149966336},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        if (want[i].size > 48 && test_scale() < 1)
            continue; /* 70 M weights drawn: minutes under an emulator */
        emo_network *net;
        ck_assert_emo_ok(emo_network_create_preset(want[i].name, 0, &net));
        int c, h, w;
        ck_assert_emo_ok(emo_network_input_shape(net, &c, &h, &w));
        ck_assert_int_eq(c, 1);
        ck_assert_int_eq(h, want[i].size);
        ck_assert_int_eq(w, want[i].size);
        ck_assert_int_eq(emo_network_num_classes(net), 7);
        ck_assert_int_eq(emo_network_num_params(net), want[i].params);
        ck_assert_int_eq(emo_network_flops(net), want[i].flops);
        ck_assert_str_eq(emo_network_class_name(net, 4), "happy");
        emo_network_destroy(net);
    }
}
END_TEST

/* The network files under docs/nets (commands in docs/RESULTS.md use
 * them) build, with the sizes their comments state. */
START_TEST(documented_nets_build)
{
    static const struct {
        const char *file;
        int size;
        long long params;
    } want[] = {
        {"docs/nets/caffenet-he.txt", 250, 70505159},
        {"docs/nets/alexnet-he.txt", 250, 70505159},
        {"docs/nets/wide.txt", 48, 1077847},
        {"docs/nets/vgg.txt", 48, 4689735},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        if (want[i].size > 48 && test_scale() < 1)
            continue; /* as in presets_have_documented_shapes */
        uint8_t *text;
        size_t n;
        ck_assert_msg(emo__read_file(want[i].file, &text, &n) == EMO_OK,
                      "%s", emo_last_error());
        emo_network *net;
        int rc = emo_network_create_text((const char *)text, &net);
        free(text);
        ck_assert_msg(rc == EMO_OK, "%s: %s", want[i].file, emo_last_error());
        int c, h, w;
        ck_assert_emo_ok(emo_network_input_shape(net, &c, &h, &w));
        ck_assert_int_eq(h, want[i].size);
        ck_assert_int_eq(emo_network_num_params(net), want[i].params);
        ck_assert_int_eq(emo_network_num_classes(net), 7);
        emo_network_destroy(net);
    }
}
END_TEST

START_TEST(preset_classes_and_errors)
{
    emo_network *net;
    ck_assert_emo_ok(emo_network_create_preset("lenet", 8, &net));
    ck_assert_int_eq(emo_network_num_classes(net), 8);
    ck_assert_str_eq(emo_network_class_name(net, 7), "contempt");
    ck_assert_ptr_null(emo_network_class_name(net, 8));
    emo_network_destroy(net);
    ck_assert_int_eq(emo_network_create_preset("resnet", 0, &net),
                     EMO_ERR_INVALID_ARG);
    ck_assert_ptr_null(net);
    ck_assert_int_eq(emo_network_create_preset("lenet", 17, &net),
                     EMO_ERR_RANGE);
    ck_assert_int_eq(emo_network_create_preset("lenet", 1, &net),
                     EMO_ERR_RANGE);
    ck_assert_int_eq(emo_network_create_preset(NULL, 0, &net),
                     EMO_ERR_INVALID_ARG);
    emo_network_destroy(NULL);
}
END_TEST

/* Expects creation to fail with `code` and a message containing `msg`. */
static void text_fails(const char *text, int code, const char *msg)
{
    emo_network *net = (emo_network *)1;
    int rc = emo_network_create_text(text, &net);
    ck_assert_msg(rc == code, "rc %d, want %d (%s)", rc, code,
                  emo_last_error());
    ck_assert_ptr_null(net);
    ck_assert_msg(strstr(emo_last_error(), msg), "'%s' lacks '%s'",
                  emo_last_error(), msg);
}

START_TEST(text_errors_name_lines)
{
    text_fails("[net]\nsize = 8\n[c]\ntype = conv\nfilters = 2\n"
               "size = 3\nstrid = 1\n[p]\ntype = softmax\n",
               EMO_ERR_FORMAT, "line 7: unknown key 'strid'");
    text_fails("[net]\nsize = 8\n[c]\ntype = convolution\n",
               EMO_ERR_FORMAT, "line 4: unknown layer type");
    text_fails("[net]\nsize = 8\n# comment\n[c]\nfilters = 2\n",
               EMO_ERR_FORMAT, "line 4: layer 'c' has no type");
    text_fails("[net]\nsize = 8\n[c]\ntype = fc\noutputs = x\n",
               EMO_ERR_FORMAT, "line 5: 'x' is not a number");
    text_fails("[net]\nsize = 8\n[c]\ntype = fc\noutputs = 2\n[c]\n",
               EMO_ERR_FORMAT, "line 6: layer 'c' already defined on line 3");
    text_fails("[net]\nsize = 8\n[c]\ntype = conv\nsize = 3\n"
               "[p]\ntype = softmax\n", EMO_ERR_FORMAT,
               "line 3: conv layer 'c' needs 'filters'");
    text_fails("[net]\nsize = 8\n[c]\ntype = conv\nfilters = 3\nsize = 3\n"
               "groups = 2\n[p]\ntype = softmax\n", EMO_ERR_FORMAT,
               "line 3: layer 'c': groups 2");
    text_fails("[net]\nsize = 8\n[c]\ntype = conv\nfilters = 3\nsize = 9\n"
               "[p]\ntype = softmax\n", EMO_ERR_FORMAT, "line 3:");
    text_fails("[net]\nsize = 8\n[c]\ntype = fc\noutputs = 3\n",
               EMO_ERR_FORMAT, "last layer must be softmax");
    text_fails("[net]\nsize = 8\n[p]\ntype = softmax\n[c]\ntype = fc\n"
               "outputs = 3\n[q]\ntype = softmax\n", EMO_ERR_FORMAT,
               "line 3: softmax layer 'p' must be the last");
    text_fails("size = 8\n", EMO_ERR_FORMAT, "line 1: key outside");
    text_fails("[c]\ntype = fc\n", EMO_ERR_FORMAT, "first section must be");
    text_fails("[net]\nsize = 8\n[c]\ntype = fc\noutputs = 2\nbogus\n",
               EMO_ERR_FORMAT, "line 6: expected 'key = value'");
    text_fails("[net]\nsize = 8\n[c x]\n", EMO_ERR_FORMAT,
               "line 3: bad section name");
    text_fails("[net]\nsize = 8\n[c]\ntype = fc\noutputs = 17\n"
               "[p]\ntype = softmax\n", EMO_ERR_LIMIT, "17 classes");
    text_fails("[net]\nsize = 8\n[c]\ntype = dropout\nratio = 1.5\n",
               EMO_ERR_FORMAT, "line 5: ratio = 1.5");
    /* too many layers */
    size_t cap = 300 * 40 + 64;
    char *big = malloc(cap);
    size_t n = (size_t)snprintf(big, cap, "[net]\nsize = 4\n");
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(big + n, cap - n, "[r%d]\ntype = relu\n", i);
    text_fails(big, EMO_ERR_LIMIT, "more than 256 layers");
    free(big);
    emo_network *net;
    ck_assert_int_eq(emo_network_create_text(NULL, &net), EMO_ERR_INVALID_ARG);
}
END_TEST

/* EMO_OPT_MAX_NET_PARAMS bounds texts and model files alike (an embedder
 * loading untrusted models caps their memory with it). */
START_TEST(param_limit_is_an_option)
{
    static const char *text = "[net]\nsize = 8\n[fc]\ntype = fc\n"
                              "outputs = 7\n[p]\ntype = softmax\n";
    int v;
    ck_assert_emo_ok(emo_get_int(EMO_OPT_MAX_NET_PARAMS, &v));
    ck_assert_int_eq(v, 1 << 28);
    ck_assert_int_eq(emo_set_int(EMO_OPT_MAX_NET_PARAMS, 0), EMO_ERR_RANGE);
    ck_assert_int_eq(emo_set_int(EMO_OPT_MAX_NET_PARAMS, (1 << 28) + 1),
                     EMO_ERR_RANGE);
    emo_network *net;
    ck_assert_emo_ok(emo_network_create_text(text, &net)); /* 8*8*7 + 7 */
    char path[256];
    snprintf(path, sizeof path, "%s/fc.emo", test_tmpdir());
    ck_assert_emo_ok(emo_network_save(net, path));
    emo_network_destroy(net);
    ck_assert_emo_ok(emo_set_int(EMO_OPT_MAX_NET_PARAMS, 455));
    ck_assert_emo_ok(emo_network_create_text(text, &net));
    emo_network_destroy(net);
    ck_assert_emo_ok(emo_set_int(EMO_OPT_MAX_NET_PARAMS, 454));
    text_fails(text, EMO_ERR_LIMIT, "more than 454 parameters");
    ck_assert_int_eq(emo_network_load(path, &net), EMO_ERR_LIMIT);
    ck_assert_ptr_null(net);
    ck_assert_emo_ok(emo_set_int(EMO_OPT_MAX_NET_PARAMS, 1 << 28));
    ck_assert_emo_ok(emo_network_load(path, &net));
    emo_network_destroy(net);
}
END_TEST

START_TEST(summary_reports_layers)
{
    emo_network *net;
    ck_assert_emo_ok(emo_network_create_preset("lenet", 0, &net));
    int need = emo_network_summary(net, NULL, 0);
    ck_assert_int_gt(need, 100);
    char *buf = malloc((size_t)need + 1);
    ck_assert_int_eq(emo_network_summary(net, buf, (size_t)need + 1), need);
    ck_assert_int_eq((int)strlen(buf), need);
    ck_assert_ptr_nonnull(strstr(buf, "conv2"));
    ck_assert_ptr_nonnull(strstr(buf, "50x   9x9"));
    ck_assert_ptr_nonnull(strstr(buf, "2054577 parameters"));
    char small[16];
    ck_assert_int_eq(emo_network_summary(net, small, sizeof small), need);
    ck_assert_int_eq((int)strlen(small), 15);
    free(buf);
    int tl = emo_network_get_text(net, NULL, 0);
    ck_assert_int_gt(tl, 50);
    emo_network_destroy(net);
}
END_TEST

static const char tiny[] =
    "[net]\nchannels = 1\nsize = 6\n"
    "[c1]\ntype = conv\nfilters = 4\nsize = 3\npad = 1\n"
    "[b1]\ntype = bn\n[r1]\ntype = relu\n[p1]\ntype = maxpool\nsize = 2\n"
    "[fc]\ntype = fc\noutputs = 3\n[prob]\ntype = softmax\n";

/* Three separable classes: a bright blob in different places. */
static void make_batch(float *x, int *labels, int batch, uint64_t seed)
{
    emo_rng r;
    emo__rng_seed(&r, seed);
    for (int b = 0; b < batch; b++) {
        int cls = (int)emo__rng_below(&r, 3);
        labels[b] = cls;
        for (int i = 0; i < 36; i++)
            x[b * 36 + i] = 0.1f * (float)emo__rng_gauss(&r);
        x[b * 36 + 7 + cls * 8] += 1.0f;
        x[b * 36 + 8 + cls * 8] += 1.0f;
    }
}

START_TEST(train_step_learns_and_forward_agrees)
{
    emo_network *net;
    ck_assert_emo_ok(emo_network_create_text(tiny, &net));
    float x[32 * 36], probs[32 * 3], probs2[32 * 3];
    int labels[32];
    double first = 0, loss = 0;
    for (int it = 0; it < 60; it++) {
        make_batch(x, labels, 32, (uint64_t)it);
        ck_assert_emo_ok(emo_network_train_step(net, x, labels, 32, 0.05,
                                                NULL, &loss));
        if (it == 0)
            first = loss;
    }
    ck_assert_msg(loss < 0.5 * first, "loss %g -> %g", first, loss);
    make_batch(x, labels, 32, 999);
    ck_assert_emo_ok(emo_network_forward(net, x, 32, probs));
    int hits = 0;
    for (int b = 0; b < 32; b++) {
        float s = 0;
        int best = 0;
        for (int j = 0; j < 3; j++) {
            s += probs[b * 3 + j];
            best = probs[b * 3 + j] > probs[b * 3 + best] ? j : best;
        }
        ck_assert(fabsf(s - 1.0f) < 1e-5f);
        hits += best == labels[b];
    }
    ck_assert_int_ge(hits, 28);
    /* a separate workspace gives the same answer; batch 1 too */
    emo__net_ws *ws;
    ck_assert_emo_ok(emo__network_ws_create(net, &ws));
    ck_assert_emo_ok(emo__net_forward_ws(&net->nn, ws, x, 32, probs2));
    for (int i = 0; i < 96; i++)
        ck_assert(fabsf(probs[i] - probs2[i]) < 1e-6f);
    ck_assert_emo_ok(emo__net_forward_ws(&net->nn, ws, x + 36, 1, probs2));
    for (int j = 0; j < 3; j++)
        ck_assert(fabsf(probs[3 + j] - probs2[j]) < 1e-5f);
    emo__net_ws_destroy(ws);
    labels[3] = 3;
    ck_assert_int_eq(emo_network_train_step(net, x, labels, 32, 0.05, NULL,
                                            NULL), EMO_ERR_RANGE);
    emo_network_destroy(net);
}
END_TEST

/* The soft-target tests' setup: two equal 16-input, 3-class fc nets, n
 * inputs x drawn from `seed` and the one-hot rows q of `labels`. */
static void soft_setup(emo_network **a, emo_network **b, float *x, float *q,
                       const int *labels, int n, uint64_t seed)
{
    const char *t = "[net]\nsize = 4\n[fc]\ntype = fc\noutputs = 3\n"
                    "[p]\ntype = softmax\n";
    ck_assert_emo_ok(emo_network_create_text(t, a));
    ck_assert_emo_ok(emo_network_create_text(t, b));
    emo_rng r;
    emo__rng_seed(&r, seed);
    for (int i = 0; i < n * 16; i++)
        x[i] = (float)emo__rng_gauss(&r);
    memset(q, 0, sizeof *q * 3 * (size_t)n);
    for (int i = 0; i < n; i++)
        q[i * 3 + labels[i]] = 1.0f;
}

/* Soft targets: one-hot rows step exactly as their labels do; a mixed
 * row's loss is -sum q log p of the probabilities before the step; rows
 * that are not distributions are refused before anything changes. */
START_TEST(train_step_soft_targets)
{
    emo_network *a, *b;
    float x[4 * 16], q[4 * 3], p[4 * 3], wa[48], wb[48];
    int labels[4] = {0, 2, 1, 2};
    soft_setup(&a, &b, x, q, labels, 4, 5);
    double la, lb;
    ck_assert_emo_ok(emo_network_train_step(a, x, labels, 4, 0.1, NULL, &la));
    ck_assert_emo_ok(emo_network_train_step_soft(b, x, q, 4, 0.1, NULL, &lb));
    ck_assert(la == lb);
    ck_assert_int_eq(emo_network_get_param(a, "fc", 0, wa, 48), 48);
    ck_assert_int_eq(emo_network_get_param(b, "fc", 0, wb, 48), 48);
    ck_assert(memcmp(wa, wb, sizeof wa) == 0);

    float mixed[12] = {0.5f, 0.5f, 0, 0.2f, 0.3f, 0.5f,
                       0, 1, 0, 0.1f, 0.1f, 0.8f};
    ck_assert_emo_ok(emo_network_forward(b, x, 4, p));
    double want = 0;
    for (int i = 0; i < 12; i++)
        want -= mixed[i] > 0 ? mixed[i] * log(p[i]) : 0.0;
    ck_assert_emo_ok(emo_network_train_step_soft(b, x, mixed, 4, 0.1, NULL,
                                                 &lb));
    ck_assert_msg(fabs(lb - want / 4) < 1e-5, "loss %g, want %g", lb,
                  want / 4);

    emo_network_get_param(b, "fc", 0, wa, 48);
    mixed[1] = -0.5f;
    ck_assert_int_eq(emo_network_train_step_soft(b, x, mixed, 4, 0.1, NULL,
                                                 NULL), EMO_ERR_RANGE);
    mixed[1] = 0.4f; /* the row sums to 0.9 */
    ck_assert_int_eq(emo_network_train_step_soft(b, x, mixed, 4, 0.1, NULL,
                                                 NULL), EMO_ERR_RANGE);
    mixed[1] = NAN;
    ck_assert_int_eq(emo_network_train_step_soft(b, x, mixed, 4, 0.1, NULL,
                                                 NULL), EMO_ERR_RANGE);
    ck_assert_int_eq(emo_network_train_step_soft(b, x, NULL, 4, 0.1, NULL,
                                                 NULL), EMO_ERR_INVALID_ARG);
    emo_network_get_param(b, "fc", 0, wb, 48);
    ck_assert(memcmp(wa, wb, sizeof wa) == 0);
    emo_network_destroy(a);
    emo_network_destroy(b);
}
END_TEST

/* The soft step's labels live with the network: a step of a batch that
 * fits reuses them (no allocation per step), a larger batch grows them,
 * and the steps still match the hard-label step bit for bit. */
START_TEST(train_step_soft_reuses_labels)
{
    emo_network *a, *b;
    float x[8 * 16], q[8 * 3], wa[48], wb[48];
    int labels[8] = {0, 2, 1, 2, 1, 0, 0, 2};
    soft_setup(&a, &b, x, q, labels, 8, 7);
    const int batch[] = {4, 2, 4, 8, 3}, cap[] = {4, 4, 4, 8, 8};
    for (int k = 0; k < 5; k++) {
        int *before = b->soft_labels, fits = batch[k] <= b->soft_cap;
        double la, lb;
        ck_assert_emo_ok(emo_network_train_step(a, x, labels, batch[k], 0.1,
                                                NULL, &la));
        ck_assert_emo_ok(emo_network_train_step_soft(b, x, q, batch[k], 0.1,
                                                     NULL, &lb));
        ck_assert(la == lb);
        ck_assert_int_eq(b->soft_cap, cap[k]);
        if (fits)
            ck_assert_ptr_eq(b->soft_labels, before);
    }
    ck_assert_int_eq(emo_network_get_param(a, "fc", 0, wa, 48), 48);
    ck_assert_int_eq(emo_network_get_param(b, "fc", 0, wb, 48), 48);
    ck_assert(memcmp(wa, wb, sizeof wa) == 0);
    emo_network_destroy(a);
    emo_network_destroy(b);
}
END_TEST

START_TEST(layer_lr_zero_freezes)
{
    emo_network *net;
    ck_assert_emo_ok(emo_network_create_text(tiny, &net));
    ck_assert_emo_ok(emo_network_set_layer_lr(net, "c1", 0.0, 0.0));
    ck_assert_int_eq(emo_network_set_layer_lr(net, "r1", 1, 1),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_network_set_layer_lr(net, "nope", 1, 1),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_network_set_layer_lr(net, "fc", -1, 1),
                     EMO_ERR_RANGE);
    float w0[36], w1[36], f0[300], f1[300];
    ck_assert_int_eq(emo_network_get_param(net, "c1", 0, w0, 36), 36);
    ck_assert_int_eq(emo_network_get_param(net, "fc", 0, f0, 300), 108);
    float x[8 * 36];
    int labels[8];
    make_batch(x, labels, 8, 1);
    ck_assert_emo_ok(emo_network_train_step(net, x, labels, 8, 0.1, NULL,
                                            NULL));
    emo_network_get_param(net, "c1", 0, w1, 36);
    emo_network_get_param(net, "fc", 0, f1, 300);
    ck_assert(memcmp(w0, w1, sizeof w0) == 0);
    ck_assert(memcmp(f0, f1, 108 * sizeof(float)) != 0);
    /* the fc update equals the one of a fully trainable twin: freezing
     * only skips work */
    emo_network *twin;
    float f2[108];
    ck_assert_emo_ok(emo_network_create_text(tiny, &twin));
    ck_assert_emo_ok(emo_network_train_step(twin, x, labels, 8, 0.1, NULL,
                                            NULL));
    emo_network_get_param(twin, "fc", 0, f2, 108);
    for (int i = 0; i < 108; i++)
        ck_assert(fabsf(f1[i] - f2[i]) <= 1e-6f * (1 + fabsf(f2[i])));
    emo_network_destroy(twin);
    /* set_param round trip and errors */
    ck_assert_emo_ok(emo_network_set_param(net, "c1", 0, w1, 36));
    ck_assert_int_eq(emo_network_set_param(net, "c1", 0, w1, 35),
                     EMO_ERR_MISMATCH);
    ck_assert_int_eq(emo_network_get_param(net, "c1", 2, NULL, 0),
                     EMO_ERR_RANGE);
    ck_assert_int_eq(emo_network_get_param(net, "b1", 3, NULL, 0), 4);
    emo_network_destroy(net);
}
END_TEST

START_TEST(lr_mult_in_text_and_seed)
{
    emo_network *a, *b;
    const char *t = "[net]\nsize = 4\n[fc]\ntype = fc\noutputs = 2\n"
                    "lr_mult = 0\n[p]\ntype = softmax\n";
    ck_assert_emo_ok(emo_network_create_text(t, &a));
    ck_assert_emo_ok(emo_network_create_text(t, &b));
    float wa[32], wb[32];
    emo_network_get_param(a, "fc", 0, wa, 32);
    emo_network_get_param(b, "fc", 0, wb, 32);
    ck_assert(memcmp(wa, wb, sizeof wa) == 0); /* reproducible */
    ck_assert_emo_ok(emo_network_set_int(b, EMO_OPT_NET_SEED, 5));
    emo_network_get_param(b, "fc", 0, wb, 32);
    ck_assert(memcmp(wa, wb, sizeof wa) != 0); /* new seed, new weights */
    float x[16] = {1, 2, 3};
    int lab = 1;
    ck_assert_emo_ok(emo_network_train_step(a, x, &lab, 1, 1.0, NULL, NULL));
    emo_network_get_param(a, "fc", 0, wb, 32);
    ck_assert(memcmp(wa, wb, sizeof wa) == 0); /* frozen by the text */
    ck_assert_emo_ok(emo_network_set_int(a, EMO_OPT_NET_SEED, 7));
    emo_network_get_param(a, "fc", 0, wb, 32);
    ck_assert(memcmp(wa, wb, sizeof wa) == 0); /* trained: seed ignored */
    int v;
    ck_assert_int_eq(emo_network_set_int(a, EMO_OPT_FACE_SIZE, 5),
                     EMO_ERR_RANGE);
    ck_assert_emo_ok(emo_network_set_int(a, EMO_OPT_TRAIN_BATCH, 16));
    ck_assert_emo_ok(emo_network_get_int(a, EMO_OPT_TRAIN_BATCH, &v));
    ck_assert_int_eq(v, 16);
    emo_network_destroy(a);
    emo_network_destroy(b);
}
END_TEST

/* Mutated preset texts: an error or a network, never a crash. */
START_TEST(mutated_text_never_crashes)
{
    emo_network *net;
    ck_assert_emo_ok(emo_network_create_preset("lenet", 0, &net));
    int n = emo_network_get_text(net, NULL, 0);
    char *orig = malloc((size_t)n + 1), *t = malloc((size_t)n + 1);
    emo_network_get_text(net, orig, (size_t)n + 1);
    emo_network_destroy(net);
    static const char alphabet[] = "[]=#\n 0123456789-.xabcz\t";
    emo_rng r;
    emo__rng_seed(&r, 42);
    for (int it = 0, n_it = test_scaled(400); it < n_it; it++) {
        memcpy(t, orig, (size_t)n + 1);
        int edits = 1 + (int)emo__rng_below(&r, 4);
        for (int e = 0; e < edits; e++)
            t[emo__rng_below(&r, (uint32_t)n)] =
                alphabet[emo__rng_below(&r, sizeof alphabet - 1)];
        int rc = emo_network_create_text(t, &net);
        ck_assert(rc == EMO_OK ? net != NULL : net == NULL);
        if (rc == EMO_OK) {
            float x[48 * 48] = {0}, p[16];
            int c, h, w;
            emo_network_input_shape(net, &c, &h, &w);
            if ((size_t)c * h * w <= 48 * 48)
                ck_assert_emo_ok(emo_network_forward(net, x, 1, p));
        } else {
            ck_assert(strlen(emo_last_error()) > 0);
        }
        emo_network_destroy(net);
    }
    free(orig);
    free(t);
}
END_TEST

/* OpenBLAS's thread count is process-wide and defaults to every core,
 * whose idle workers spin; a forward pass must leave it at the
 * network's EMO_OPT_NET_THREADS (here 1) whatever the process set. */
START_TEST(forward_and_predictor_set_blas_threads)
{
    emo_network *net;
    ck_assert_emo_ok(emo_network_create_preset("lenet", 0, &net));
    float x[48 * 48] = {0}, p[7];
    openblas_set_num_threads(2);
    ck_assert_emo_ok(emo_network_forward(net, x, 1, p));
    ck_assert_int_eq(openblas_get_num_threads(), 1);
    /* a predictor forwards with its own workspace */
    emo_predictor *pred;
    emo_prediction out;
    ck_assert_emo_ok(emo_predictor_create(net, &pred));
    openblas_set_num_threads(2);
    ck_assert_emo_ok(emo_predictor_predict_face(pred, x, 48 * 48, &out));
    ck_assert_int_eq(openblas_get_num_threads(), 1);
    emo_predictor_destroy(pred);
    emo_network_destroy(net);
}
END_TEST

Suite *network_suite(void)
{
    Suite *s = suite_create("network");
    TCase *tc = tcase_create("api");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, presets_have_documented_shapes);
    tcase_add_test(tc, documented_nets_build);
    tcase_add_test(tc, preset_classes_and_errors);
    tcase_add_test(tc, text_errors_name_lines);
    tcase_add_test(tc, param_limit_is_an_option);
    tcase_add_test(tc, summary_reports_layers);
    tcase_add_test(tc, train_step_learns_and_forward_agrees);
    tcase_add_test(tc, train_step_soft_targets);
    tcase_add_test(tc, train_step_soft_reuses_labels);
    tcase_add_test(tc, layer_lr_zero_freezes);
    tcase_add_test(tc, lr_mult_in_text_and_seed);
    tcase_add_test(tc, mutated_text_never_crashes);
    tcase_add_test(tc, forward_and_predictor_set_blas_threads);
    suite_add_tcase(s, tc);
    return s;
}
