/* check_nn_kernels.c - kernels against naive reference loops, Caffe's
 * pooling sizes, the fused inference path against the plain one, and
 * concurrent forward passes on one shared network. */
#include "nn_testutil.h"

#include <pthread.h>
#include <stdlib.h>

/* Direct convolution, the textbook loop. */
static void naive_conv(const emo__layer *l, const float *x, float *y,
                       int batch)
{
    int cg = l->in.c / l->groups, fg = l->filters / l->groups;
    const float *W = l->p[0].data;
    for (int n = 0; n < batch; n++)
        for (int f = 0; f < l->filters; f++)
            for (int oy = 0; oy < l->out.h; oy++)
                for (int ox = 0; ox < l->out.w; ox++) {
                    double s = l->has_bias ? l->p[1].data[f] : 0.0;
                    int g = f / fg;
                    for (int c = 0; c < cg; c++)
                        for (int ky = 0; ky < l->size; ky++)
                            for (int kx = 0; kx < l->size; kx++) {
                                int iy = oy * l->stride - l->pad + ky;
                                int ix = ox * l->stride - l->pad + kx;
                                if (iy < 0 || ix < 0 || iy >= l->in.h ||
                                    ix >= l->in.w)
                                    continue;
                                s += (double)W[((f * cg + c) * l->size + ky) *
                                                   l->size + kx] *
                                     x[(((size_t)n * l->in.c + g * cg + c) *
                                            l->in.h + iy) * l->in.w + ix];
                            }
                    y[(((size_t)n * l->filters + f) * l->out.h + oy) *
                          l->out.w + ox] = (float)s;
                }
}

static void conv_case(int c, int h, int w, int f, int k, int s, int p, int g,
                      int batch)
{
    char body[256];
    snprintf(body, sizeof body, "type = conv\nfilters = %d\nsize = %d\n"
             "stride = %d\npad = %d\ngroups = %d\nbias_value = 0.25", f, k,
             s, p, g);
    emo_network *net = nt_layer_net(c, h, w, body);
    emo__layer *l = &net->nn.layers[0];
    size_t nx = batch * emo__shape_size(l->in);
    size_t ny = batch * emo__shape_size(l->out);
    float *x = malloc(4 * nx), *y = malloc(4 * ny), *ref = malloc(4 * ny);
    float *col = malloc(4 * (emo__layer_scratch(l, batch) + 1));
    nt_fill(x, nx, 11, -1, 1);
    emo__ctx ctx = {.threads = 1, .col = col,
                    .col_cap = emo__layer_scratch(l, batch)};
    emo__conv_forward(l, x, y, batch, &ctx);
    naive_conv(l, x, ref, batch);
    for (size_t i = 0; i < ny; i++)
        ck_assert_msg(nt_close(y[i], ref[i], 1e-4, 1e-5),
                      "conv %d,%d,%d f%d k%d s%d p%d g%d: y[%zu] %g vs %g",
                      c, h, w, f, k, s, p, g, i, y[i], ref[i]);
    free(x);
    free(y);
    free(ref);
    free(col);
    emo_network_destroy(net);
}

START_TEST(conv_matches_direct_loop)
{
    conv_case(4, 9, 7, 6, 3, 2, 1, 2, 3);   /* groups, stride, pad */
    conv_case(3, 5, 5, 4, 1, 1, 0, 1, 2);   /* pointwise: no im2col */
    conv_case(6, 4, 6, 4, 1, 1, 0, 2, 2);   /* grouped pointwise */
    conv_case(2, 40, 40, 3, 5, 1, 2, 1, 3); /* chunks of 2 images + 1 */
    conv_case(1, 70, 70, 2, 3, 1, 1, 1, 2); /* one image per product */
    conv_case(8, 13, 11, 8, 3, 1, 1, 8, 2); /* depthwise */
    conv_case(3, 27, 27, 5, 11, 4, 0, 1, 2); /* conv1-like 11x11/4 */
}
END_TEST

/* im2col and col2im (its adjoint) against their definitions, with rows
 * ld > oh * ow apart and a sentinel between them that must survive;
 * covers the "same"-size fast path (tiny planes where a tap sees nothing
 * included) and the general path. */
static void unfold_case(int c, int h, int w, int k, int s, int p)
{
    int oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1;
    size_t ld = (size_t)oh * ow + 3, rows = (size_t)c * k * k;
    size_t nim = (size_t)c * h * w;
    float *im = malloc(4 * nim), *col = malloc(4 * rows * ld);
    float *back = malloc(4 * nim), *ref = calloc(nim, 4);
    nt_fill(im, nim, 5, -1, 1);
    for (size_t i = 0; i < rows * ld; i++)
        col[i] = 7.0f;
    emo__im2col(im, c, h, w, k, s, p, oh, ow, col, ld);
    for (int ci = 0; ci < c; ci++)
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) {
                const float *row = col + ((size_t)(ci * k + ky) * k + kx) * ld;
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        int iy = oy * s - p + ky, ix = ox * s - p + kx;
                        int in = iy >= 0 && ix >= 0 && iy < h && ix < w;
                        float want = in ? im[((size_t)ci * h + iy) * w + ix]
                                        : 0.0f;
                        ck_assert_msg(row[oy * ow + ox] == want,
                                      "im2col c%d %dx%d k%d s%d p%d: tap "
                                      "(%d,%d,%d) at (%d,%d) %g vs %g", c, h,
                                      w, k, s, p, ci, ky, kx, oy, ox,
                                      row[oy * ow + ox], want);
                        if (in)
                            ref[((size_t)ci * h + iy) * w + ix] +=
                                row[oy * ow + ox] * (1.0f + 0.1f * ky + 0.01f * kx);
                    }
                for (size_t i = (size_t)oh * ow; i < ld; i++)
                    ck_assert(row[i] == 7.0f);
            }
    /* weight the taps so that a tap summed into the wrong pixel shows;
     * out-of-image entries get garbage that must not leak in */
    for (int ci = 0; ci < c; ci++)
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) {
                float *row = col + ((size_t)(ci * k + ky) * k + kx) * ld;
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        int iy = oy * s - p + ky, ix = ox * s - p + kx;
                        int in = iy >= 0 && ix >= 0 && iy < h && ix < w;
                        row[oy * ow + ox] = in ? row[oy * ow + ox] *
                                                     (1.0f + 0.1f * ky + 0.01f * kx)
                                               : 1e6f;
                    }
            }
    emo__col2im(col, c, h, w, k, s, p, oh, ow, back, ld);
    for (size_t i = 0; i < nim; i++)
        ck_assert_msg(nt_close(back[i], ref[i], 1e-5, 1e-6),
                      "col2im c%d %dx%d k%d s%d p%d: [%zu] %g vs %g", c, h, w,
                      k, s, p, i, back[i], ref[i]);
    free(im);
    free(col);
    free(back);
    free(ref);
}

START_TEST(unfold_matches_definition)
{
    static const int same[][2] = {{1, 1}, {1, 5}, {5, 1}, {2, 2}, {3, 3},
                                  {6, 6}, {5, 9}, {12, 12}, {24, 7}};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        unfold_case(2, same[i][0], same[i][1], 3, 1, 1);
        unfold_case(1, same[i][0], same[i][1], 5, 1, 2);
    }
    unfold_case(2, 6, 6, 1, 1, 0);  /* 1x1 through im2col */
    unfold_case(2, 7, 5, 3, 1, 0);  /* valid, not same */
    unfold_case(2, 9, 8, 3, 2, 1);  /* strided */
    unfold_case(1, 27, 27, 11, 4, 0);
    unfold_case(1, 4, 4, 3, 1, 2);  /* wider than same */
}
END_TEST

START_TEST(fc_matches_direct_loop)
{
    emo_network *net = nt_layer_net(3, 2, 2, "type = fc\noutputs = 5\n"
                                    "bias_value = 0.5");
    emo__layer *l = &net->nn.layers[0];
    float x[3 * 12], y[3 * 5];
    nt_fill(x, 36, 3, -1, 1);
    /* batch 3 (matrix product) and each image alone (matrix-vector) */
    emo__fc_forward(l, x, y, 3, 1);
    for (int one = 0; one < 2; one++) {
        for (int n = 0; one && n < 3; n++)
            emo__fc_forward(l, x + n * 12, y + n * 5, 1, 1);
        for (int n = 0; n < 3; n++)
            for (int o = 0; o < 5; o++) {
                double s = 0.5;
                for (int i = 0; i < 12; i++)
                    s += (double)l->p[0].data[o * 12 + i] * x[n * 12 + i];
                ck_assert(nt_close(y[n * 5 + o], s, 1e-5, 1e-6));
            }
    }
    emo_network_destroy(net);
}
END_TEST

START_TEST(pool_sizes_are_caffe_ceil_mode)
{
    ck_assert_int_eq(emo__pool_out(60, 3, 2, 0), 30); /* caffenet pool1 */
    ck_assert_int_eq(emo__pool_out(30, 3, 2, 0), 15);
    ck_assert_int_eq(emo__pool_out(15, 3, 2, 0), 7);
    ck_assert_int_eq(emo__pool_out(48, 2, 2, 0), 24);
    ck_assert_int_eq(emo__pool_out(7, 2, 2, 0), 4);  /* ceil, not floor */
    ck_assert_int_eq(emo__pool_out(7, 3, 2, 1), 4);
    /* the last window would start in the right padding: dropped */
    ck_assert_int_eq(emo__pool_out(5, 2, 2, 1), 3);
}
END_TEST

START_TEST(pool_values_match_caffe)
{
    emo_network *net = nt_layer_net(1, 5, 5, "type = avgpool\nsize = 3\n"
                                    "stride = 2\npad = 1");
    float x[25], y[9];
    for (int i = 0; i < 25; i++)
        x[i] = (float)i;
    emo__avgpool_forward(&net->nn.layers[0], x, y, 1);
    /* corner window: 2x2 valid values of a 3x3 window, divided by 9 */
    ck_assert(nt_close(y[0], (0 + 1 + 5 + 6) / 9.0, 1e-6, 1e-6));
    /* window 1: rows -1..1, cols 1..3 -> 6 values of 9 */
    ck_assert(nt_close(y[1], (1 + 2 + 3 + 6 + 7 + 8) / 9.0, 1e-6, 1e-6));
    /* bottom-right: rows 3..5 clipped at the padded edge 6 -> 3x3 again,
     * rows 3,4 valid: (18+19+23+24)/9 */
    ck_assert(nt_close(y[8], (18 + 19 + 23 + 24) / 9.0, 1e-6, 1e-6));
    emo_network_destroy(net);
    net = nt_layer_net(1, 5, 5, "type = maxpool\nsize = 3\nstride = 2\n"
                       "pad = 1");
    int32_t am[9];
    emo__maxpool_forward(&net->nn.layers[0], x, y, 1, am, 2);
    ck_assert(y[0] == 6 && y[4] == 18 && y[8] == 24 && am[8] == 24);
    emo_network_destroy(net);
}
END_TEST

/* The 2x2 stride-2 fast path against the general window rule written
 * out: values and argmax, ties (the first maximum in row-major order
 * wins) and NaN (never chosen; a window of NaN only gives -FLT_MAX), with
 * and without an argmax. */
START_TEST(maxpool_2x2_matches_window_rule)
{
    emo_network *net = nt_layer_net(2, 4, 6, "type = maxpool\nsize = 2");
    const emo__layer *l = &net->nn.layers[0];
    float x[48], y[12], y2[12];
    int32_t am[12];
    nt_fill(x, 48, 9, -1, 1);
    x[2] = x[3] = x[8] = x[9] = 0.5f;       /* window (0, 1): all tied */
    x[4] = 0.1f, x[5] = 0.2f;               /* window (0, 2): tie on */
    x[10] = x[11] = 0.9f;                   /* its second row */
    x[7] = NAN;                             /* window (0, 0) */
    x[36] = x[37] = x[42] = x[43] = NAN;    /* plane 1, window (1, 0) */
    emo__maxpool_forward(l, x, y, 1, am, 1);
    emo__maxpool_forward(l, x, y2, 1, NULL, 1);
    for (int p = 0; p < 2; p++)
        for (int oy = 0; oy < 2; oy++)
            for (int ox = 0; ox < 3; ox++) {
                float best = -FLT_MAX;
                int at = 2 * oy * 6 + 2 * ox;
                for (int k = 0; k < 4; k++) {
                    int i = (2 * oy + k / 2) * 6 + 2 * ox + k % 2;
                    if (x[p * 24 + i] > best) {
                        best = x[p * 24 + i];
                        at = i;
                    }
                }
                int o = p * 6 + oy * 3 + ox;
                ck_assert_msg(y[o] == best && y2[o] == best && am[o] == at,
                              "window %d: %g/%g at %d, want %g at %d", o,
                              y[o], y2[o], am[o], best, at);
            }
    ck_assert(am[1] == 2 && am[2] == 10 && y[9] == -FLT_MAX);
    /* backward (one pass, no zeroing) against zero-then-scatter; with a
     * ReLU before the pool only where the pooled value is positive */
    float dy[12], dx[48], dxr[48];
    nt_fill(dy, 12, 4, -1, 1);
    dy[3] = -0.0f;
    emo__maxpool_backward(l, dy, dx, 1, am, 1);
    for (int p = 0; p < 2; p++)
        emo__maxpool_2x2_plane_back(dy + 6 * p, am + 6 * p, y + 6 * p, 6, 2,
                                    3, dxr + 24 * p);
    for (int i = 0; i < 48; i++) {
        float want = 0.0f, wantr = 0.0f;
        for (int o = 0; o < 12; o++)
            if ((o / 6) * 24 + am[o] == i) {
                want += dy[o];
                wantr = y[o] > 0.0f ? 0.0f + dy[o] : 0.0f;
            }
        ck_assert_msg(memcmp(&dx[i], &want, 4) == 0 &&
                      memcmp(&dxr[i], &wantr, 4) == 0,
                      "dx[%d] %g/%g, want %g/%g", i, dx[i], dxr[i], want,
                      wantr);
    }
    emo_network_destroy(net);
}
END_TEST

START_TEST(lrn_matches_formula)
{
    emo_network *net = nt_layer_net(6, 2, 1, "type = lrn\nlocal_size = 3\n"
                                    "alpha = 0.3\nbeta = 0.75\nk = 2");
    float x[12], y[12];
    nt_fill(x, 12, 4, -2, 2);
    emo__lrn_forward(&net->nn.layers[0], x, y, 1, NULL);
    for (int c = 0; c < 6; c++)
        for (int i = 0; i < 2; i++) {
            double s = 0;
            for (int j = c - 1; j <= c + 1; j++)
                if (j >= 0 && j < 6)
                    s += (double)x[j * 2 + i] * x[j * 2 + i];
            double want = x[c * 2 + i] * pow(2 + 0.3 / 3 * s, -0.75);
            ck_assert(nt_close(y[c * 2 + i], want, 1e-5, 1e-6));
        }
    emo_network_destroy(net);
}
END_TEST

START_TEST(weighted_xent_matches_formula)
{
    float logits[6] = {1, 2, 3, -1, 0, 4}, p[6], d[6];
    int labels[2] = {2, 0};
    float w[3] = {2.0f, 1.0f, 0.5f};
    emo__softmax_forward(logits, p, 2, 3);
    double loss = emo__softmax_xent(p, labels, NULL, 2, 3, w, d);
    double want = (0.5 * -log(p[2]) + 2.0 * -log(p[3])) / 2.5;
    ck_assert(nt_close(loss, want, 1e-6, 1e-7));
    ck_assert(nt_close(d[3], 2.0 / 2.5 * (p[3] - 1), 1e-6, 1e-7));
    ck_assert(nt_close(d[1], 0.5 / 2.5 * p[1], 1e-6, 1e-7));
    /* One-hot targets give the same; a distribution q gives
     * sum -q log p and w (p - q). */
    float onehot[6] = {0, 0, 1, 1, 0, 0}, d2[6];
    ck_assert(nt_close(emo__softmax_xent(p, labels, onehot, 2, 3, w, d2),
                       loss, 1e-6, 1e-7));
    for (int j = 0; j < 6; j++)
        ck_assert(nt_close(d2[j], d[j], 1e-6, 1e-7));
    float q[6] = {0.25f, 0, 0.75f, 0.5f, 0.5f, 0};
    loss = emo__softmax_xent(p, labels, q, 2, 3, w, d2);
    want = (0.5 * -(0.25 * log(p[0]) + 0.75 * log(p[2])) +
            2.0 * -(0.5 * log(p[3]) + 0.5 * log(p[4]))) / 2.5;
    ck_assert(nt_close(loss, want, 1e-6, 1e-7));
    ck_assert(nt_close(d2[0], 0.5 / 2.5 * (p[0] - 0.25), 1e-6, 1e-7));
    ck_assert(nt_close(d2[4], 2.0 / 2.5 * (p[4] - 0.5), 1e-6, 1e-7));
}
END_TEST

/* The fused inference path (folded BN, fused ReLU, skipped dropout)
 * against running every layer on its own. */
START_TEST(fused_inference_matches_layer_by_layer)
{
    emo_network *net;
    ck_assert_emo_ok(emo_network_create_preset("default", 0, &net));
    for (int i = 0; i < net->nn.n_layers; i++) {
        emo__layer *l = &net->nn.layers[i];
        if (l->type != EMO__L_BN)
            continue;
        nt_fill(l->p[0].data, l->p[0].n, 100 + i, 0.5f, 1.5f);
        nt_fill(l->p[1].data, l->p[1].n, 200 + i, -0.2f, 0.2f);
        nt_fill(l->p[2].data, l->p[2].n, 300 + i, -0.1f, 0.1f);
        nt_fill(l->p[3].data, l->p[3].n, 400 + i, 0.5f, 2.0f);
    }
    net->nn.version++;
    int batch = test_scaled(3);
    size_t in = emo__shape_size(net->nn.input);
    float *x = malloc(4 * in * batch), probs[3 * 7];
    nt_fill(x, in * batch, 5, -1, 1);
    ck_assert_emo_ok(emo_network_forward(net, x, batch, probs));
    /* layer by layer, inference mode */
    size_t mx = in * batch, sc = 0;
    for (int i = 0; i < net->nn.n_layers; i++) {
        size_t s = batch * emo__shape_size(net->nn.layers[i].out);
        mx = s > mx ? s : mx;
        s = emo__layer_scratch(&net->nn.layers[i], batch);
        sc = s > sc ? s : sc;
    }
    float *a = malloc(4 * mx), *b = malloc(4 * mx), *col = malloc(4 * sc);
    memcpy(a, x, 4 * in * batch);
    emo__ctx ctx = {.threads = 2, .col = col, .col_cap = sc};
    for (int i = 0; i < net->nn.n_layers; i++) {
        emo__layer_forward(&net->nn.layers[i], a, b, batch, NULL, &ctx);
        float *t = a;
        a = b;
        b = t;
    }
    for (int i = 0; i < batch * 7; i++)
        ck_assert_msg(nt_close(probs[i], a[i], 1e-4, 1e-6), "%d: %g vs %g",
                      i, probs[i], a[i]);
    free(a);
    free(b);
    free(col);
    free(x);
    emo_network_destroy(net);
}
END_TEST

typedef struct job {
    const emo_network *net;
    const float *x;
    float probs[4 * 7];
    int reps; /* 3, fewer under EMO_TEST_SCALE */
    int rc;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    emo__net_ws *ws;
    j->rc = emo__network_ws_create(j->net, &ws);
    for (int r = 0; r < j->reps && !j->rc; r++)
        j->rc = emo__net_forward_ws(&j->net->nn, ws, j->x, 4, j->probs);
    emo__net_ws_destroy(ws);
    return NULL;
}

START_TEST(concurrent_workspaces_agree)
{
    emo_network *net;
    ck_assert_emo_ok(emo_network_create_preset("default", 0, &net));
    emo__nn_set_threads(1);
    size_t in = emo__shape_size(net->nn.input);
    float *x = malloc(4 * in * 4);
    nt_fill(x, in * 4, 6, -1, 1);
    job jobs[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        jobs[i].net = net;
        jobs[i].x = x;
        jobs[i].reps = test_scaled(3);
        pthread_create(&t[i], NULL, run_job, &jobs[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(jobs[i].rc, 0);
        ck_assert(memcmp(jobs[i].probs, jobs[0].probs, sizeof jobs[0].probs)
                  == 0);
    }
    free(x);
    emo_network_destroy(net);
}
END_TEST

START_TEST(workspace_is_reused)
{
    emo_network *net;
    ck_assert_emo_ok(emo_network_create_preset("lenet", 0, &net));
    size_t in = emo__shape_size(net->nn.input);
    float *x = calloc(in * 8, 4), probs[8 * 7];
    int labels[8] = {0};
    ck_assert_emo_ok(emo_network_forward(net, x, 8, probs));
    float *pp0 = net->ws->pp[0], *col = net->ws->col;
    ck_assert_emo_ok(emo_network_forward(net, x, 8, probs));
    ck_assert_emo_ok(emo_network_forward(net, x, 3, probs));
    ck_assert_ptr_eq(net->ws->pp[0], pp0);
    ck_assert_ptr_eq(net->ws->col, col);
    ck_assert_emo_ok(emo_network_train_step(net, x, labels, 8, 0.01, NULL,
                                            NULL));
    float *a1 = net->ws->act[1];
    ck_assert_emo_ok(emo_network_train_step(net, x, labels, 8, 0.01, NULL,
                                            NULL));
    ck_assert_emo_ok(emo_network_forward(net, x, 8, probs));
    ck_assert_ptr_eq(net->ws->act[1], a1);
    free(x);
    emo_network_destroy(net);
}
END_TEST

/* The parallel loops give the single-threaded result (work is split by
 * independent units, never by partial sums).  Two training threads split
 * the batch, and the convolution path depends on the batch (Winograd
 * F(4x4), F(2x2) or im2col: conv_winograd.c), so the training step runs
 * on im2col: with different paths, rounding differences flip ReLU and
 * max-pool near-ties, which moves single weights by a good part of their
 * gradient (seen: 2.6e-4 relative in the probabilities after a step,
 * with one thread on F(4x4) + F(2x2) and two on F(4x4) + im2col).  The
 * forward passes, one path either way, run on the fast path. */
START_TEST(threads_do_not_change_results)
{
    emo_network *a, *b;
    ck_assert_emo_ok(emo_network_create_preset("default", 0, &a));
    ck_assert_emo_ok(emo_network_create_preset("default", 0, &b));
    ck_assert_emo_ok(emo_network_set_int(b, EMO_OPT_NET_THREADS, 2));
    int batch = test_scaled(16); /* at least 2: a slice per thread */
    batch = batch < 2 ? 2 : batch;
    size_t in = emo__shape_size(a->nn.input);
    float *x = malloc(4 * in * batch), pa[16 * 7], pb[16 * 7];
    int labels[16];
    nt_fill(x, in * batch, 8, -1, 1);
    for (int i = 0; i < batch; i++)
        labels[i] = i % 7;
    double la, lb;
    setenv("EMO_CONV_REFERENCE", "1", 1);
    ck_assert_emo_ok(emo_network_train_step(a, x, labels, batch, 0.01, NULL,
                                            &la));
    ck_assert_emo_ok(emo_network_train_step(b, x, labels, batch, 0.01, NULL,
                                            &lb));
    unsetenv("EMO_CONV_REFERENCE");
    ck_assert(nt_close(la, lb, 1e-5, 1e-7));
    ck_assert_emo_ok(emo_network_forward(a, x, batch, pa));
    ck_assert_emo_ok(emo_network_forward(b, x, batch, pb));
    for (int i = 0; i < batch * 7; i++)
        ck_assert(nt_close(pa[i], pb[i], 1e-4, 1e-6));
    free(x);
    emo_network_destroy(a);
    emo_network_destroy(b);
}
END_TEST

Suite *nn_kernels_suite(void)
{
    Suite *s = suite_create("nn_kernels");
    TCase *tc = tcase_create("kernels");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, conv_matches_direct_loop);
    tcase_add_test(tc, unfold_matches_definition);
    tcase_add_test(tc, fc_matches_direct_loop);
    tcase_add_test(tc, pool_sizes_are_caffe_ceil_mode);
    tcase_add_test(tc, pool_values_match_caffe);
    tcase_add_test(tc, maxpool_2x2_matches_window_rule);
    tcase_add_test(tc, lrn_matches_formula);
    tcase_add_test(tc, weighted_xent_matches_formula);
    tcase_add_test(tc, fused_inference_matches_layer_by_layer);
    tcase_add_test(tc, concurrent_workspaces_agree);
    tcase_add_test(tc, workspace_is_reused);
    tcase_add_test(tc, threads_do_not_change_results);
    suite_add_tcase(s, tc);
    return s;
}
