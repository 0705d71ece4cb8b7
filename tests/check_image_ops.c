/* check_image_ops.c - the pixel operations of image/ops.c: conversion,
 * resize, crop, flip, affine transforms, the 5x5 Gaussian. */
#include "image_testutil.h"

#include <math.h>

static void assert_close(const float *a, const float *b, int n, float tol,
                         const char *what)
{
    for (int i = 0; i < n; i++)
        ck_assert_msg(fabsf(a[i] - b[i]) <= tol, "%s[%d]: %.7g vs %.7g",
                      what, i, a[i], b[i]);
}

START_TEST(gray_to_float_scales_and_strides)
{
    uint8_t src[2 * 5] = {0, 51, 255, 9, 9, 102, 204, 1, 9, 9};
    float dst[6];
    emo__gray_to_float(src, 3, 2, 5, dst);
    float want[6] = {0, 0.2f, 1, 0.4f, 0.8f, 1 / 255.0f};
    assert_close(dst, want, 6, 1e-7f, "g2f");
    ck_assert(dst[2] == 1.0f && dst[0] == 0.0f);
}
END_TEST

START_TEST(resize_bilinear_known_values)
{
    /* 2x2 -> 4x4 with pixel centres aligned: rows and columns go
     * a, .75a+.25b, .25a+.75b, b (edges replicated) */
    float src[4] = {0, 4, 8, 16};
    float dst[16];
    emo__resize_f32(src, 2, 2, dst, 4, 4);
    float col[4][2] = {{1, 0}, {0.75f, 0.25f}, {0.25f, 0.75f}, {0, 1}};
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++) {
            float top = col[x][0] * src[0] + col[x][1] * src[1];
            float bot = col[x][0] * src[2] + col[x][1] * src[3];
            float want = col[y][0] * top + col[y][1] * bot;
            ck_assert_msg(fabsf(dst[y * 4 + x] - want) < 1e-5f,
                          "(%d,%d) %g want %g", x, y, dst[y * 4 + x], want);
        }
    ck_assert(dst[5] == 0.75f * (0.75f * 0 + 0.25f * 4) +
                            0.25f * (0.75f * 8 + 0.25f * 16));

    /* same on u8, rounded */
    uint8_t s8[4] = {0, 40, 80, 160}, d8[16];
    emo__resize_u8(s8, 2, 2, 2, d8, 4, 4, 4);
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++) {
            double top = col[x][0] * s8[0] + col[x][1] * s8[1];
            double bot = col[x][0] * s8[2] + col[x][1] * s8[3];
            long want = lrint(col[y][0] * top + col[y][1] * bot);
            ck_assert_int_le(labs(d8[y * 4 + x] - want), 1);
        }

    /* 4x4 -> 2x2 is the mean of each 2x2 block */
    float big[16], small[4];
    for (int i = 0; i < 16; i++)
        big[i] = (float)(i * i % 7);
    emo__resize_f32(big, 4, 4, small, 2, 2);
    for (int y = 0; y < 2; y++)
        for (int x = 0; x < 2; x++) {
            int i = y * 8 + x * 2;
            float want = (big[i] + big[i + 1] + big[i + 4] + big[i + 5]) / 4;
            ck_assert(fabsf(small[y * 2 + x] - want) < 1e-5f);
        }
}
END_TEST

START_TEST(resize_identity_and_strides)
{
    int w = 23, h = 17;
    float f[23 * 17], g[23 * 17];
    uint8_t u[30 * 17], v[25 * 17];
    for (int i = 0; i < w * h; i++)
        f[i] = (float)rnd(1000) / 7.0f;
    for (int i = 0; i < 30 * h; i++)
        u[i] = (uint8_t)rnd(256);
    emo__resize_f32(f, w, h, g, w, h);
    ck_assert_mem_eq(f, g, sizeof f);
    memset(v, 0xEE, sizeof v);
    emo__resize_u8(u, w, h, 30, v, w, h, 25);
    for (int y = 0; y < h; y++) {
        ck_assert_mem_eq(v + y * 25, u + y * 30, (size_t)w);
        ck_assert_int_eq(v[y * 25 + 23], 0xEE); /* dst padding untouched */
    }
    /* a wide image spans several column tiles */
    int ww = 700;
    float *wf = malloc(sizeof(float) * ww * 2), *wg = malloc(sizeof(float) * ww * 2);
    for (int i = 0; i < ww * 2; i++)
        wf[i] = (float)i;
    emo__resize_f32(wf, ww, 2, wg, ww, 2);
    ck_assert_mem_eq(wf, wg, sizeof(float) * ww * 2);
    free(wf);
    free(wg);
}
END_TEST

START_TEST(crop_resize_cuts_and_replicates)
{
    int w = 9, h = 7, stride = 12;
    uint8_t src[12 * 7];
    for (int i = 0; i < stride * h; i++)
        src[i] = (uint8_t)rnd(256);
    float whole[9 * 7], ref[9 * 7];
    emo__crop_resize_u8_f32(src, w, h, stride, 0, 0, w, h, whole, w, h);
    emo__gray_to_float(src, w, h, stride, ref);
    ck_assert_mem_eq(whole, ref, sizeof ref);
    /* an integer sub-rectangle at scale 1 is a plain crop */
    float sub[4 * 3];
    emo__crop_resize_u8_f32(src, w, h, stride, 2, 3, 4, 3, sub, 4, 3);
    for (int y = 0; y < 3; y++)
        for (int x = 0; x < 4; x++)
            ck_assert(sub[y * 4 + x] == ref[(y + 3) * w + x + 2]);
    /* past the border: the edge is replicated */
    float out[5 * 5];
    emo__crop_resize_u8_f32(src, w, h, stride, -3, -2, 5, 5, out, 5, 5);
    for (int y = 0; y < 5; y++)
        for (int x = 0; x < 5; x++) {
            int sx = x - 3 < 0 ? 0 : x - 3, sy = y - 2 < 0 ? 0 : y - 2;
            ck_assert(out[y * 5 + x] == ref[sy * w + sx]);
        }
    /* a 2x downscale of a crop = block means */
    float half[2 * 2];
    emo__crop_resize_u8_f32(src, w, h, stride, 1, 1, 4, 4, half, 2, 2);
    for (int y = 0; y < 2; y++)
        for (int x = 0; x < 2; x++) {
            const uint8_t *p = src + (1 + 2 * y) * stride + 1 + 2 * x;
            float want = (p[0] + p[1] + p[stride] + p[stride + 1]) / 4.0f /
                         255.0f;
            ck_assert(fabsf(half[y * 2 + x] - want) < 1e-6f);
        }
}
END_TEST

START_TEST(flip_twice_is_identity)
{
    for (int w = 1; w <= 6; w++) {
        int h = 3;
        float a[18], b[18], c[18];
        for (int i = 0; i < w * h; i++)
            a[i] = (float)i;
        emo__flip_f32(a, w, h, b);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                ck_assert(b[y * w + x] == a[y * w + w - 1 - x]);
        emo__flip_f32(b, w, h, c);
        ck_assert_mem_eq(a, c, sizeof(float) * w * h);
        /* in place */
        emo__flip_f32(b, w, h, b);
        ck_assert_mem_eq(a, b, sizeof(float) * w * h);
    }
}
END_TEST

START_TEST(affine_rotations_are_permutations)
{
    int n = 5;
    float src[25], dst[25];
    for (int i = 0; i < 25; i++)
        src[i] = (float)(i * 3 % 11) + i / 100.0f; /* asymmetric */
    emo__affine_f32(src, n, n, dst, 0, 1, 0, 0);
    ck_assert_mem_eq(src, dst, sizeof src);
    emo__affine_f32(src, n, n, dst, 360, 1, 0, 0);
    ck_assert_mem_eq(src, dst, sizeof src);
    /* 90 degrees counter-clockwise: the top-right corner goes top-left,
     * dst(x, y) = src(n-1-y, x) */
    emo__affine_f32(src, n, n, dst, 90, 1, 0, 0);
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++)
            ck_assert(dst[y * n + x] == src[x * n + (n - 1 - y)]);
    ck_assert(dst[0] == src[n - 1]);
    emo__affine_f32(src, n, n, dst, -90, 1, 0, 0);
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++)
            ck_assert(dst[y * n + x] == src[(n - 1 - x) * n + y]);
    /* 180 degrees = flip both axes, also on a non-square image */
    int w = 6, h = 3;
    float r[18], o[18];
    for (int i = 0; i < 18; i++)
        r[i] = (float)(i * 7 % 5) + i;
    emo__affine_f32(r, w, h, o, 180, 1, 0, 0);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            ck_assert(o[y * w + x] == r[(h - 1 - y) * w + (w - 1 - x)]);
}
END_TEST

START_TEST(affine_shift_scale_and_border)
{
    int w = 6, h = 4;
    float src[24], dst[24];
    for (int i = 0; i < 24; i++)
        src[i] = (float)i;
    /* shift right by one: the first column replicates */
    emo__affine_f32(src, w, h, dst, 0, 1, 1, 0);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            ck_assert(dst[y * w + x] == src[y * w + (x ? x - 1 : 0)]);
    /* half a pixel down: the mean of neighbouring rows */
    emo__affine_f32(src, w, h, dst, 0, 1, 0, 0.5);
    for (int x = 0; x < w; x++)
        ck_assert(fabsf(dst[2 * w + x] - (src[w + x] + src[2 * w + x]) / 2) <
                  1e-5f);
    /* scale 2 about the centre of an odd image keeps the centre pixel and
     * a linear ramp stays linear at half slope */
    float ramp[25], out[25];
    for (int i = 0; i < 25; i++)
        ramp[i] = (float)(i % 5);
    emo__affine_f32(ramp, 5, 5, out, 0, 2, 0, 0);
    for (int y = 0; y < 5; y++)
        for (int x = 0; x < 5; x++)
            ck_assert(fabsf(out[y * 5 + x] - (2 + (x - 2) * 0.5f)) < 1e-5f);
    /* a small rotation keeps a constant image constant */
    float c[24];
    for (int i = 0; i < 24; i++)
        c[i] = 0.25f;
    emo__affine_f32(c, w, h, dst, 10, 1.1, 0.3, -0.7);
    for (int i = 0; i < 24; i++)
        ck_assert(fabsf(dst[i] - 0.25f) < 1e-6f);
}
END_TEST

static void kernel_from_formula(double sigma, double k[5])
{
    double sum = 0;
    for (int i = 0; i < 5; i++) {
        k[i] = exp(-(i - 2) * (i - 2) / (2 * sigma * sigma));
        sum += k[i];
    }
    for (int i = 0; i < 5; i++)
        k[i] /= sum;
}

START_TEST(gauss_impulse_is_the_kernel)
{
    int n = 9;
    float src[81] = {0}, dst[81], tmp[81];
    src[4 * n + 4] = 1;
    double sigmas[3] = {1.0, 0.6, 2.5};
    for (int s = 0; s < 3; s++) {
        double k[5];
        kernel_from_formula(sigmas[s], k);
        emo__gauss5_f32(src, n, n, dst, sigmas[s], tmp);
        for (int y = 0; y < n; y++)
            for (int x = 0; x < n; x++) {
                int dy = y - 4, dx = x - 4;
                double want = abs(dx) <= 2 && abs(dy) <= 2
                                  ? k[dy + 2] * k[dx + 2] : 0;
                ck_assert_msg(fabs(dst[y * n + x] - want) < 1e-7,
                              "sigma %g (%d,%d): %g want %g", sigmas[s], x,
                              y, dst[y * n + x], want);
            }
        /* u8: 255 * k k, rounded */
        uint8_t s8[81] = {0}, d8[81];
        s8[4 * n + 4] = 255;
        emo__gauss5_u8(s8, n, n, n, d8, sigmas[s]);
        for (int y = 2; y < 7; y++)
            for (int x = 2; x < 7; x++) {
                double want = 255 * k[y - 2] * k[x - 2];
                ck_assert(fabs(d8[y * n + x] - want) <= 0.5 + 1e-3);
            }
    }
    /* sigma <= 0: OpenCV's fixed [1 4 6 4 1] / 16 */
    emo__gauss5_f32(src, n, n, dst, 0, tmp);
    static const float b[5] = {1, 4, 6, 4, 1};
    for (int y = 2; y < 7; y++)
        for (int x = 2; x < 7; x++)
            ck_assert(fabsf(dst[y * n + x] - b[y - 2] * b[x - 2] / 256) <
                      1e-7f);
}
END_TEST

START_TEST(gauss_constant_and_mass)
{
    /* constant in, constant out, on every small size (reflection) */
    for (int w = 1; w <= 7; w++)
        for (int h = 1; h <= 6; h++) {
            float f[42], d[42], t[42];
            uint8_t u[8 * 6], v[42];
            for (int i = 0; i < w * h; i++)
                f[i] = 0.375f;
            for (int i = 0; i < 8 * h; i++)
                u[i] = 200;
            emo__gauss5_f32(f, w, h, d, 1.0, t);
            emo__gauss5_u8(u, w, h, 8, v, 1.3);
            for (int i = 0; i < w * h; i++) {
                ck_assert_msg(fabsf(d[i] - 0.375f) < 1e-6f, "%dx%d", w, h);
                ck_assert_int_eq(v[i], 200);
            }
        }
    /* mass is preserved when nothing is near the border */
    int w = 300, h = 20; /* wider than a tile */
    float *f = calloc((size_t)w * h, sizeof *f), *d = malloc(sizeof *d * w * h),
          *t = malloc(sizeof *t * w * h);
    uint8_t *u = calloc((size_t)w * h, 1), *v = malloc((size_t)w * h);
    double sum = 0;
    for (int y = 3; y < h - 3; y++) /* 3+ px in: nothing reflects back */
        for (int x = 3; x < w - 3; x++) {
            unsigned r = rnd(256);
            f[y * w + x] = (float)r;
            u[y * w + x] = (uint8_t)r;
            sum += r;
        }
    emo__gauss5_f32(f, w, h, d, 1.0, t);
    emo__gauss5_u8(u, w, h, w, v, 1.0);
    double got = 0;
    for (int i = 0; i < w * h; i++) {
        got += d[i];
        /* u8 is the float result rounded */
        ck_assert_msg(fabs(v[i] - d[i]) <= 0.5 + 1e-3, "%d: %d vs %g", i,
                      v[i], d[i]);
    }
    ck_assert_msg(fabs(got - sum) < 1e-5 * sum, "%g vs %g", got, sum);
    free(f);
    free(d);
    free(t);
    free(u);
    free(v);
}
END_TEST

START_TEST(gauss_reflects_borders_101)
{
    /* a ramp along x: REFLECT_101 at x = 0 mirrors around pixel 0 */
    int w = 8, h = 1;
    float src[8], dst[8], tmp[8];
    for (int x = 0; x < w; x++)
        src[x] = (float)(x * x);
    emo__gauss5_f32(src, w, h, dst, 1.0, tmp);
    double k[5];
    kernel_from_formula(1.0, k);
    /* x = 0: taps at -2, -1, 0, 1, 2 -> 2, 1, 0, 1, 2 */
    double want0 = k[0] * 4 + k[1] * 1 + k[2] * 0 + k[3] * 1 + k[4] * 4;
    double want7 = k[0] * 25 + k[1] * 36 + k[2] * 49 + k[3] * 36 + k[4] * 25;
    ck_assert(fabs(dst[0] - want0) < 1e-5);
    ck_assert(fabs(dst[7] - want7) < 1e-4);
}
END_TEST

Suite *image_ops_suite(void)
{
    Suite *s = suite_create("image_ops");
    TCase *tc_ops = tcase_create("ops");
    tcase_add_test(tc_ops, gray_to_float_scales_and_strides);
    tcase_add_test(tc_ops, resize_bilinear_known_values);
    tcase_add_test(tc_ops, resize_identity_and_strides);
    tcase_add_test(tc_ops, crop_resize_cuts_and_replicates);
    tcase_add_test(tc_ops, flip_twice_is_identity);
    tcase_add_test(tc_ops, affine_rotations_are_permutations);
    tcase_add_test(tc_ops, affine_shift_scale_and_border);
    tcase_add_test(tc_ops, gauss_impulse_is_the_kernel);
    tcase_add_test(tc_ops, gauss_constant_and_mass);
    tcase_add_test(tc_ops, gauss_reflects_borders_101);
    suite_add_tcase(s, tc_ops);
    return s;
}
