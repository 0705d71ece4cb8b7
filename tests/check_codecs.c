/* check_codecs.c - image decoding and encoding (PNG, JPEG, PGM): round
 * trips, every PNG colour type and depth, JPEG colour spaces, caller
 * buffers.  Every fixture is generated (image_testutil.h). */
#include "image_testutil.h"

#include <dirent.h>
#include <math.h>

/* What the decoder must give for a PNG pixel: 8-bit samples, alpha on
 * black, BT.601 gray in OpenCV's fixed point. */
static unsigned to8(unsigned v, int depth)
{
    return depth == 16 ? (v * 255u + 32767u) / 65535u
                       : v * 255u / ((1u << depth) - 1u);
}
static unsigned over_black(unsigned c, unsigned a)
{
    return (c * a + 127u) / 255u;
}
static unsigned gray_of(unsigned r, unsigned g, unsigned b)
{
    /* OpenCV 4's cvtColor(RGB2GRAY), bit-exact */
    return (r * 9798u + g * 19235u + b * 3735u + 16384u) >> 15;
}

static void expected_png_pixel(const png_spec *s, size_t i, int channels,
                               uint8_t *out)
{
    int ch = png_channels(s->ctype);
    const uint16_t *v = s->samples + i * ch;
    unsigned rgb[3], a = 255;
    if (s->ctype == PNG_COLOR_TYPE_PALETTE) {
        png_color c = s->palette[v[0]];
        rgb[0] = c.red, rgb[1] = c.green, rgb[2] = c.blue;
        if (s->pal_alpha)
            a = s->pal_alpha[v[0]];
    } else if (ch <= 2) {
        rgb[0] = rgb[1] = rgb[2] = to8(v[0], s->depth);
        if (ch == 2)
            a = to8(v[1], s->depth);
        if (s->trns && v[0] == s->trns_value.gray)
            a = 0;
    } else {
        for (int c = 0; c < 3; c++)
            rgb[c] = to8(v[c], s->depth);
        if (ch == 4)
            a = to8(v[3], s->depth);
        if (s->trns && v[0] == s->trns_value.red &&
            v[1] == s->trns_value.green && v[2] == s->trns_value.blue)
            a = 0;
    }
    for (int c = 0; c < 3; c++)
        rgb[c] = over_black(rgb[c], a);
    int is_gray = s->ctype == PNG_COLOR_TYPE_GRAY ||
                  s->ctype == PNG_COLOR_TYPE_GRAY_ALPHA;
    if (channels == 1)
        out[0] = (uint8_t)(is_gray ? rgb[0] : gray_of(rgb[0], rgb[1], rgb[2]));
    else
        for (int c = 0; c < 3; c++)
            out[c] = (uint8_t)rgb[c];
}

/* Decodes m both ways (1 and 3 channels) and compares with the spec. */
static void check_png_decodes(const membuf *m, const png_spec *s)
{
    for (int channels = 1; channels <= 3; channels += 2) {
        uint8_t *px;
        int w, h;
        ck_assert_emo_ok(emo_image_decode(m->p, m->n, channels, &px, &w, &h));
        ck_assert_int_eq(w, s->w);
        ck_assert_int_eq(h, s->h);
        for (size_t i = 0; i < (size_t)w * h; i++) {
            uint8_t want[3];
            expected_png_pixel(s, i, channels, want);
            for (int c = 0; c < channels; c++)
                ck_assert_msg(px[i * channels + c] == want[c],
                              "ctype %d depth %d interlace %d ch %d: pixel "
                              "%zu.%d = %d, want %d", s->ctype, s->depth,
                              s->interlace, channels, i, c,
                              px[i * channels + c], want[c]);
        }
        emo_free(px);
    }
}

static void image_error_stats(const uint8_t *a, const uint8_t *b, size_t n,
                              int *max_err, double *mean_err)
{
    double sum = 0;
    *max_err = 0;
    for (size_t i = 0; i < n; i++) {
        int d = abs((int)a[i] - (int)b[i]);
        sum += d;
        if (d > *max_err)
            *max_err = d;
    }
    *mean_err = sum / (double)n;
}

START_TEST(png_round_trip_gray_and_rgb)
{
    const char *dir = test_tmpdir();
    char path[256];
    snprintf(path, sizeof path, "%s/a.png", dir);
    for (int channels = 1; channels <= 3; channels += 2) {
        int w = 13, h = 7, stride = w * channels + 5; /* padded rows */
        uint8_t *src = calloc((size_t)stride * h, 1);
        for (int y = 0; y < h; y++)
            for (int i = 0; i < w * channels; i++)
                src[y * stride + i] = (uint8_t)rnd(256);
        ck_assert_emo_ok(emo_image_save_png(path, src, w, h, stride,
                                            channels));
        uint8_t *px;
        int gw, gh;
        ck_assert_emo_ok(emo_image_load(path, channels, &px, &gw, &gh));
        ck_assert_int_eq(gw, w);
        ck_assert_int_eq(gh, h);
        for (int y = 0; y < h; y++)
            ck_assert_mem_eq(px + y * w * channels, src + y * stride,
                             (size_t)w * channels);
        emo_free(px);
        /* the other channel count: replicated gray / BT.601 gray */
        int other = 4 - channels;
        ck_assert_emo_ok(emo_image_load(path, other, &px, &gw, &gh));
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                const uint8_t *s = src + y * stride + x * channels;
                const uint8_t *d = px + (y * w + x) * other;
                if (channels == 1)
                    ck_assert(d[0] == s[0] && d[1] == s[0] && d[2] == s[0]);
                else
                    ck_assert_int_eq(d[0], gray_of(s[0], s[1], s[2]));
            }
        emo_free(px);
        free(src);
    }
    /* the temporary file was renamed away */
    DIR *dp = opendir(dir);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(dp)))
        if (e->d_name[0] != '.') {
            ck_assert_str_eq(e->d_name, "a.png");
            files++;
        }
    closedir(dp);
    ck_assert_int_eq(files, 1);
}
END_TEST

START_TEST(jpeg_round_trip_gray_and_rgb)
{
    const char *dir = test_tmpdir();
    char path[256];
    snprintf(path, sizeof path, "%s/a.jpg", dir);
    int w = 37, h = 29;
    for (int channels = 1; channels <= 3; channels += 2) {
        uint8_t *src = smooth_image(w, h, channels);
        ck_assert_emo_ok(emo_image_save_jpeg(path, src, w, h, w * channels,
                                             channels, 95));
        uint8_t *px;
        int gw, gh, max_err;
        double mean_err;
        ck_assert_emo_ok(emo_image_load(path, channels, &px, &gw, &gh));
        ck_assert(gw == w && gh == h);
        image_error_stats(px, src, (size_t)w * h * channels, &max_err,
                          &mean_err);
        ck_assert_msg(mean_err < 1.5 && max_err <= 12, "channels %d: "
                      "mean %.2f max %d", channels, mean_err, max_err);
        emo_free(px);
        /* gray JPEG as RGB replicates; RGB JPEG as gray is its luma */
        uint8_t *one, *three;
        ck_assert_emo_ok(emo_image_load(path, 1, &one, &gw, &gh));
        ck_assert_emo_ok(emo_image_load(path, 3, &three, &gw, &gh));
        for (int i = 0; i < w * h; i++) {
            const uint8_t *t = three + 3 * i;
            if (channels == 1)
                ck_assert(t[0] == one[i] && t[1] == one[i] && t[2] == one[i]);
            else
                ck_assert_int_le(abs((int)gray_of(t[0], t[1], t[2]) -
                                     one[i]), 2);
        }
        emo_free(one);
        emo_free(three);
        free(src);
    }
    /* quality 100 on gray is nearly lossless */
    uint8_t *src = smooth_image(w, h, 1), *px;
    ck_assert_emo_ok(emo_image_save_jpeg(path, src, w, h, w, 1, 100));
    ck_assert_emo_ok(emo_image_load(path, 1, &px, &w, &h));
    int max_err;
    double mean_err;
    image_error_stats(px, src, (size_t)w * h, &max_err, &mean_err);
    ck_assert_int_le(max_err, 2);
    emo_free(px);
    free(src);
}
END_TEST

START_TEST(jpeg_color_spaces_decode)
{
    int w = 16, h = 16;
    /* Four flat quadrants so that lossy coding stays near exact. */
    static const uint8_t quad[4][4] = {{255, 255, 255, 255},
                                       {0, 255, 255, 255},
                                       {255, 128, 40, 200},
                                       {30, 60, 90, 120}};
    uint8_t *cmyk = malloc((size_t)w * h * 4);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            memcpy(cmyk + (y * w + x) * 4, quad[(y / 8) * 2 + x / 8], 4);
    J_COLOR_SPACE kinds[2] = {JCS_CMYK, JCS_YCCK};
    for (int k = 0; k < 2; k++) {
        membuf m = {0};
        make_jpeg(&m, w, h, JCS_CMYK, 4, kinds[k], cmyk, 100, 0);
        uint8_t *px, *g;
        int gw, gh;
        ck_assert_emo_ok(emo_image_decode(m.p, m.n, 3, &px, &gw, &gh));
        ck_assert_emo_ok(emo_image_decode(m.p, m.n, 1, &g, &gw, &gh));
        for (int q = 0; q < 4; q++) {
            int x = (q % 2) * 8 + 4, y = (q / 2) * 8 + 4;
            const uint8_t *p = px + (y * w + x) * 3;
            /* libjpeg writes an Adobe marker: inks stored inverted */
            for (int c = 0; c < 3; c++) {
                int want = (quad[q][c] * quad[q][3] + 127) / 255;
                ck_assert_msg(abs(p[c] - want) <= 3, "%s quadrant %d c%d: "
                              "%d want %d", k ? "YCCK" : "CMYK", q, c, p[c],
                              want);
            }
            ck_assert_int_eq(g[y * w + x], gray_of(p[0], p[1], p[2]));
        }
        emo_free(px);
        emo_free(g);
        mb_free(&m);
    }
    free(cmyk);

    /* RGB stored without YCbCr transform; progressive YCbCr */
    uint8_t *rgb = smooth_image(w, h, 3);
    for (int k = 0; k < 2; k++) {
        membuf m = {0};
        make_jpeg(&m, w, h, JCS_RGB, 3, k ? JCS_UNKNOWN : JCS_RGB, rgb, 95,
                  k);
        uint8_t *px, *g;
        int gw, gh, max_err;
        double mean_err;
        ck_assert_emo_ok(emo_image_decode(m.p, m.n, 3, &px, &gw, &gh));
        image_error_stats(px, rgb, (size_t)w * h * 3, &max_err, &mean_err);
        ck_assert_msg(mean_err < 2.0, "mean %.2f", mean_err);
        ck_assert_emo_ok(emo_image_decode(m.p, m.n, 1, &g, &gw, &gh));
        for (int i = 0; i < w * h; i++) {
            int want = gray_of(px[3 * i], px[3 * i + 1], px[3 * i + 2]);
            if (k == 0) /* RGB JPEG: our own conversion, exact */
                ck_assert_int_eq(g[i], want);
            else /* YCbCr: the luma plane */
                ck_assert_int_le(abs(g[i] - want), 2);
        }
        emo_free(px);
        emo_free(g);
        mb_free(&m);
    }
    free(rgb);
}
END_TEST

START_TEST(pgm_decodes_all_depths)
{
    /* 8-bit with comments everywhere a token may be separated */
    uint8_t px8[6] = {0, 1, 127, 128, 254, 255};
    membuf m = {0};
    pgm_bytes(&m, "P5 # made by hand\n3#c\n 2\n# max\n255\n", px8, 6);
    uint8_t *px;
    int w, h;
    ck_assert_emo_ok(emo_image_decode(m.p, m.n, 1, &px, &w, &h));
    ck_assert(w == 3 && h == 2);
    ck_assert_mem_eq(px, px8, 6);
    emo_free(px);
    ck_assert_emo_ok(emo_image_decode(m.p, m.n, 3, &px, &w, &h));
    for (int i = 0; i < 6; i++)
        ck_assert(px[3 * i] == px8[i] && px[3 * i + 1] == px8[i] &&
                  px[3 * i + 2] == px8[i]);
    emo_free(px);
    mb_free(&m);

    /* maxval 15: scaled with rounding */
    uint8_t px4[4] = {0, 1, 7, 15};
    pgm_bytes(&m, "P5\n2 2\n15\n", px4, 4);
    ck_assert_emo_ok(emo_image_decode(m.p, m.n, 1, &px, &w, &h));
    ck_assert(px[0] == 0 && px[1] == 17 && px[2] == 119 && px[3] == 255);
    emo_free(px);
    mb_free(&m);

    /* 16-bit big endian, maxval 65535 and 1000 */
    uint8_t px16[8] = {0x00, 0x00, 0x01, 0x01, 0x80, 0x00, 0xff, 0xff};
    pgm_bytes(&m, "P5\n4 1\n65535\n", px16, 8);
    ck_assert_emo_ok(emo_image_decode(m.p, m.n, 1, &px, &w, &h));
    ck_assert(px[0] == 0 && px[1] == 1 && px[2] == 128 && px[3] == 255);
    emo_free(px);
    mb_free(&m);
    uint8_t pxk[6] = {0x00, 0x00, 0x01, 0xf4, 0x03, 0xe8}; /* 0 500 1000 */
    pgm_bytes(&m, "P5\n3 1\n1000\n", pxk, 6);
    ck_assert_emo_ok(emo_image_decode(m.p, m.n, 3, &px, &w, &h));
    ck_assert(px[0] == 0 && px[3] == 128 && px[6] == 255 && px[8] == 255);
    emo_free(px);
    mb_free(&m);
}
END_TEST

START_TEST(decode_into_caller_buffer)
{
    membuf m = {0};
    fixture_png(&m, 9, 4);
    uint8_t *ref;
    int w, h;
    ck_assert_emo_ok(emo_image_decode(m.p, m.n, 3, &ref, &w, &h));

    /* exact fit, then padded rows: padding left untouched */
    uint8_t buf[512];
    ck_assert_emo_ok(emo_image_decode_into(m.p, m.n, 3, buf, 9 * 3 * 4, 27,
                                           &w, &h));
    ck_assert_mem_eq(buf, ref, 9 * 3 * 4);
    memset(buf, 0xAB, sizeof buf);
    int stride = 30;
    size_t need = 3 * stride + 27;
    ck_assert_emo_ok(emo_image_decode_into(m.p, m.n, 3, buf, need, stride,
                                           &w, &h));
    for (int y = 0; y < 4; y++) {
        ck_assert_mem_eq(buf + y * stride, ref + y * 27, 27);
        if (y < 3)
            ck_assert(buf[y * stride + 27] == 0xAB &&
                      buf[y * stride + 29] == 0xAB);
    }
    ck_assert_int_eq(buf[need], 0xAB);

    /* too small: size still reported */
    w = h = -1;
    ck_assert_int_eq(emo_image_decode_into(m.p, m.n, 3, buf, need - 1,
                                           stride, &w, &h),
                     EMO_ERR_BUFFER_TOO_SMALL);
    ck_assert(w == 9 && h == 4);
    ck_assert_int_eq(emo_image_decode_into(m.p, m.n, 3, buf, sizeof buf, 26,
                                           &w, &h),
                     EMO_ERR_BUFFER_TOO_SMALL);
    ck_assert(w == 9 && h == 4);
    /* gray into a 1-channel buffer */
    ck_assert_emo_ok(emo_image_decode_into(m.p, m.n, 1, buf, 36, 9, &w, &h));
    for (int i = 0; i < 36; i++)
        ck_assert_int_eq(buf[i], gray_of(ref[3 * i], ref[3 * i + 1],
                                         ref[3 * i + 2]));
    /* bad arguments */
    ck_assert_int_eq(emo_image_decode_into(m.p, m.n, 3, NULL, 100, 27, &w,
                                           &h), EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_image_decode_into(m.p, m.n, 3, buf, 100, 0, &w, &h),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_image_decode_into(m.p, m.n, 2, buf, 100, 27, &w,
                                           &h), EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_image_decode_into(m.p, m.n, 3, buf, 100, 27, NULL,
                                           &h), EMO_ERR_INVALID_ARG);
    /* JPEG and PGM too */
    mb_free(&m);
    fixture_jpeg(&m, 20, 10);
    ck_assert_int_eq(emo_image_decode_into(m.p, m.n, 1, buf, 199, 20, &w,
                                           &h), EMO_ERR_BUFFER_TOO_SMALL);
    ck_assert(w == 20 && h == 10);
    ck_assert_emo_ok(emo_image_decode_into(m.p, m.n, 1, buf, 200, 20, &w,
                                           &h));
    mb_free(&m);
    pgm_bytes(&m, "P5 4 3 255\n", buf, 12);
    ck_assert_int_eq(emo_image_decode_into(m.p, m.n, 1, buf + 100, 11, 4, &w,
                                           &h), EMO_ERR_BUFFER_TOO_SMALL);
    ck_assert(w == 4 && h == 3);
    mb_free(&m);
    emo_free(ref);
}
END_TEST

/* --- every PNG colour type and depth --------------------------------------- */

START_TEST(png_every_color_type_and_depth)
{
    static const struct { int ctype, depth; } kinds[] = {
        {PNG_COLOR_TYPE_GRAY, 1}, {PNG_COLOR_TYPE_GRAY, 2},
        {PNG_COLOR_TYPE_GRAY, 4}, {PNG_COLOR_TYPE_GRAY, 8},
        {PNG_COLOR_TYPE_GRAY, 16}, {PNG_COLOR_TYPE_GRAY_ALPHA, 8},
        {PNG_COLOR_TYPE_GRAY_ALPHA, 16}, {PNG_COLOR_TYPE_RGB, 8},
        {PNG_COLOR_TYPE_RGB, 16}, {PNG_COLOR_TYPE_RGB_ALPHA, 8},
        {PNG_COLOR_TYPE_RGB_ALPHA, 16}, {PNG_COLOR_TYPE_PALETTE, 1},
        {PNG_COLOR_TYPE_PALETTE, 2}, {PNG_COLOR_TYPE_PALETTE, 4},
        {PNG_COLOR_TYPE_PALETTE, 8}};
    png_color pal[256];
    uint8_t pal_alpha[256];
    for (int i = 0; i < 256; i++) {
        pal[i].red = (uint8_t)rnd(256);
        pal[i].green = (uint8_t)rnd(256);
        pal[i].blue = (uint8_t)rnd(256);
        pal_alpha[i] = (uint8_t)(i % 3 == 0 ? 0 : i % 3 == 1 ? 255 : rnd(256));
    }
    int w = 11, h = 6; /* odd width: partial bytes at low depths */
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        for (int variant = 0; variant < 4; variant++) {
            int interlace = variant & 1, trns = variant >> 1;
            int ctype = kinds[k].ctype, depth = kinds[k].depth;
            int ch = png_channels(ctype);
            if (trns && (ctype & PNG_COLOR_MASK_ALPHA))
                continue; /* tRNS is not allowed with an alpha channel */
            int npal = ctype == PNG_COLOR_TYPE_PALETTE ? 1 << depth : 0;
            uint16_t *v = random_samples(w, h, ch, depth, npal);
            png_spec s = {.w = w, .h = h, .ctype = ctype, .depth = depth,
                          .interlace = interlace ? PNG_INTERLACE_ADAM7
                                                 : PNG_INTERLACE_NONE,
                          .samples = v};
            if (npal) {
                s.palette = pal;
                s.npal = npal;
                s.pal_alpha = trns ? pal_alpha : NULL;
            } else if (trns) {
                /* the transparent colour is the first pixel's */
                s.trns = 1;
                s.trns_value.gray = v[0];
                s.trns_value.red = v[0];
                if (ch >= 3) {
                    s.trns_value.green = v[1];
                    s.trns_value.blue = v[2];
                }
            }
            membuf m = {0};
            make_png(&m, &s);
            check_png_decodes(&m, &s);
            mb_free(&m);
            free(v);
        }
    }
}
END_TEST

START_TEST(png_16bit_scaling_rounds)
{
    /* every 16-bit value -> round(v * 255 / 65535) */
    int w = 256, h = 256;
    uint16_t *v = malloc((size_t)w * h * sizeof *v);
    for (int i = 0; i < w * h; i++)
        v[i] = (uint16_t)i;
    png_spec s = {.w = w, .h = h, .ctype = PNG_COLOR_TYPE_GRAY, .depth = 16,
                  .samples = v};
    membuf m = {0};
    make_png(&m, &s);
    check_png_decodes(&m, &s);
    mb_free(&m);
    free(v);
}
END_TEST

START_TEST(sample_photograph_decodes)
{
    uint8_t *px, *g;
    int w, h;
    const char *path = test_src_path("examples/data/astronaut.png");
    ck_assert_emo_ok(emo_image_load(path, 3, &px, &w, &h));
    ck_assert(w == 512 && h == 512);
    ck_assert_emo_ok(emo_image_load(path, 1, &g, &w, &h));
    ck_assert(w == 512 && h == 512);
    /* values read once with OpenCV 4.6 (cv2.imread, BGR reversed, and
     * cv2.cvtColor(..., COLOR_RGB2GRAY)) */
    static const struct { int x, y, r, g, b, gray; } ref[] = {
        {0, 0, 154, 147, 151, 150},
        {256, 256, 19, 14, 7, 15},
        {511, 511, 0, 0, 0, 0},
        {100, 300, 232, 129, 84, 155},
        {300, 100, 200, 189, 179, 191},
    };
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        const uint8_t *p = px + (ref[i].y * 512 + ref[i].x) * 3;
        ck_assert_msg(p[0] == ref[i].r && p[1] == ref[i].g &&
                      p[2] == ref[i].b, "pixel %d,%d = %d %d %d", ref[i].x,
                      ref[i].y, p[0], p[1], p[2]);
        ck_assert_int_eq(g[ref[i].y * 512 + ref[i].x], ref[i].gray);
    }
    emo_free(px);
    emo_free(g);
}
END_TEST


START_TEST(internal_decode_and_free)
{
    membuf m = {0};
    fixture_jpeg(&m, 10, 6);
    emo_img img;
    ck_assert_emo_ok(emo__img_decode(m.p, m.n, 1, &img));
    ck_assert(img.w == 10 && img.h == 6 && img.channels == 1 && img.px);
    emo__img_free(&img);
    ck_assert_ptr_null(img.px);
    emo__img_free(&img); /* twice is fine */
    emo__img_free(NULL);
    ck_assert_int_eq(emo__img_decode(m.p, 5, 1, &img), EMO_ERR_FORMAT);
    ck_assert_ptr_null(img.px);
    mb_free(&m);
}
END_TEST

Suite *codecs_suite(void)
{
    Suite *s = suite_create("codecs");
    TCase *tc_io = tcase_create("io");
    tcase_add_test(tc_io, png_round_trip_gray_and_rgb);
    tcase_add_test(tc_io, jpeg_round_trip_gray_and_rgb);
    tcase_add_test(tc_io, jpeg_color_spaces_decode);
    tcase_add_test(tc_io, pgm_decodes_all_depths);
    tcase_add_test(tc_io, decode_into_caller_buffer);
    tcase_add_test(tc_io, png_every_color_type_and_depth);
    tcase_add_test(tc_io, png_16bit_scaling_rounds);
    tcase_add_test(tc_io, sample_photograph_decodes);
    tcase_add_test(tc_io, internal_decode_and_free);
    suite_add_tcase(s, tc_io);
    return s;
}
