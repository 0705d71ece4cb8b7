/* check_tiff.c - TIFF decoding (libemo/image/codec_tiff.c): every
 * photometric kind JAFFE and cameras write (gray, palette, RGB, RGBA),
 * 16-bit samples, the first page of a multi-page file, and truncated or
 * corrupt files refused with a message and nothing printed.  Every
 * fixture is written by libtiff here. */
#include "testutil.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

typedef struct tiff_page {
    int w, h;
    int photometric; /* PHOTOMETRIC_MINISBLACK, _PALETTE, _RGB */
    int spp;         /* samples per pixel (RGBA: 4) */
    int bits;        /* 8 or 16 */
    const void *samples; /* w*h*spp, uint8_t or uint16_t */
    const uint16_t *cmap; /* palette: 3 x 256 entries, 16-bit */
} tiff_page;

/* Writes the pages to a temporary file with libtiff and returns its
 * bytes (malloc'ed) in *out. */
static size_t make_tiff(const tiff_page *pages, int npages, uint8_t **out)
{
    char path[128];
    snprintf(path, sizeof path, "%s/t.tiff", test_tmpdir());
    TIFF *t = TIFFOpen(path, "w");
    ck_assert_ptr_nonnull(t);
    for (int p = 0; p < npages; p++) {
        const tiff_page *g = &pages[p];
        TIFFSetField(t, TIFFTAG_IMAGEWIDTH, (uint32_t)g->w);
        TIFFSetField(t, TIFFTAG_IMAGELENGTH, (uint32_t)g->h);
        TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, (uint16_t)g->spp);
        TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, (uint16_t)g->bits);
        TIFFSetField(t, TIFFTAG_PHOTOMETRIC, (uint16_t)g->photometric);
        TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
        TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, (uint32_t)2);
        if (g->spp == 4) {
            uint16_t extra = EXTRASAMPLE_UNASSALPHA;
            TIFFSetField(t, TIFFTAG_EXTRASAMPLES, 1, &extra);
        }
        if (g->cmap)
            TIFFSetField(t, TIFFTAG_COLORMAP, g->cmap, g->cmap + 256,
                         g->cmap + 512);
        if (npages > 1) {
            TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
            TIFFSetField(t, TIFFTAG_PAGENUMBER, (uint16_t)p,
                         (uint16_t)npages);
        }
        size_t row = (size_t)g->w * g->spp * (g->bits / 8);
        for (int y = 0; y < g->h; y++)
            ck_assert_int_eq(TIFFWriteScanline(t, (uint8_t *)g->samples +
                                               y * row, (uint32_t)y, 0), 1);
        ck_assert_int_eq(TIFFWriteDirectory(t), 1);
    }
    TIFFClose(t);
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    rewind(fp);
    *out = malloc((size_t)n);
    ck_assert_int_eq(fread(*out, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    remove(path);
    return (size_t)n;
}

static unsigned gray_of(unsigned r, unsigned g, unsigned b)
{
    return (r * 9798u + g * 19235u + b * 3735u + 16384u) >> 15;
}

/* Decodes as gray and as RGB and compares with want_rgb (w*h*3). */
static void check_decodes(const uint8_t *f, size_t n, int w, int h,
                          const uint8_t *want_rgb, const char *what)
{
    for (int ch = 1; ch <= 3; ch += 2) {
        uint8_t *px;
        int gw, gh;
        int rc = emo_image_decode(f, n, ch, &px, &gw, &gh);
        ck_assert_msg(rc == EMO_OK, "%s: %s", what, emo_last_error());
        ck_assert_int_eq(gw, w);
        ck_assert_int_eq(gh, h);
        for (int i = 0; i < w * h; i++) {
            const uint8_t *c = want_rgb + 3 * i;
            if (ch == 1)
                ck_assert_msg(px[i] == gray_of(c[0], c[1], c[2]),
                              "%s: gray pixel %d = %d, want %u", what, i,
                              px[i], gray_of(c[0], c[1], c[2]));
            else
                for (int k = 0; k < 3; k++)
                    ck_assert_msg(px[3 * i + k] == c[k], "%s: pixel %d.%d "
                                  "= %d, want %d", what, i, k, px[3 * i + k],
                                  c[k]);
        }
        emo_free(px);
    }
}

/* Counts calls of libtiff's process-wide handlers: the decoder must send
 * every message to its own handlers, so nothing reaches stderr. */
static int global_calls;
static void count_handler(const char *module, const char *fmt, va_list ap)
{
    (void)module;
    (void)fmt;
    (void)ap;
    global_calls++;
}

START_TEST(tiff_gray_8bit)
{
    enum { W = 7, H = 5 };
    uint8_t s[W * H], want[W * H * 3];
    for (int i = 0; i < W * H; i++) {
        s[i] = (uint8_t)(i * 37 + 3);
        want[3 * i] = want[3 * i + 1] = want[3 * i + 2] = s[i];
    }
    tiff_page p = {W, H, PHOTOMETRIC_MINISBLACK, 1, 8, s, NULL};
    uint8_t *f;
    size_t n = make_tiff(&p, 1, &f);
    check_decodes(f, n, W, H, want, "gray8");
    free(f);
}
END_TEST

START_TEST(tiff_palette_8bit)
{
    /* JAFFE's kind: 8-bit palette, a gray ramp or any colours. */
    enum { W = 6, H = 4 };
    uint16_t cmap[768];
    for (int i = 0; i < 256; i++) {
        cmap[i] = (uint16_t)(((i * 7) & 255) * 257);
        cmap[256 + i] = (uint16_t)((255 - i) * 257);
        cmap[512 + i] = (uint16_t)(((i * 13) & 255) * 257);
    }
    uint8_t s[W * H], want[W * H * 3];
    for (int i = 0; i < W * H; i++) {
        s[i] = (uint8_t)(i * 11);
        for (int k = 0; k < 3; k++)
            want[3 * i + k] = (uint8_t)(cmap[256 * k + s[i]] >> 8);
    }
    tiff_page p = {W, H, PHOTOMETRIC_PALETTE, 1, 8, s, cmap};
    uint8_t *f;
    size_t n = make_tiff(&p, 1, &f);
    check_decodes(f, n, W, H, want, "palette");
    free(f);
}
END_TEST

START_TEST(tiff_rgb_and_rgba)
{
    enum { W = 5, H = 3 };
    uint8_t rgb[W * H * 3], rgba[W * H * 4], want[W * H * 3];
    for (int i = 0; i < W * H * 3; i++)
        rgb[i] = (uint8_t)(i * 29 + 1);
    uint8_t *f;
    tiff_page p = {W, H, PHOTOMETRIC_RGB, 3, 8, rgb, NULL};
    size_t n = make_tiff(&p, 1, &f);
    check_decodes(f, n, W, H, rgb, "rgb");
    free(f);
    /* Unassociated alpha is composited on black, as PNG's is. */
    for (int i = 0; i < W * H; i++) {
        unsigned a = (unsigned)(i * 17) & 255;
        for (int k = 0; k < 3; k++) {
            rgba[4 * i + k] = rgb[3 * i + k];
            want[3 * i + k] = (uint8_t)((rgb[3 * i + k] * a + 127) / 255);
        }
        rgba[4 * i + 3] = (uint8_t)a;
    }
    tiff_page q = {W, H, PHOTOMETRIC_RGB, 4, 8, rgba, NULL};
    n = make_tiff(&q, 1, &f);
    check_decodes(f, n, W, H, want, "rgba");
    free(f);
}
END_TEST

START_TEST(tiff_16bit_gray_and_rgb)
{
    enum { W = 4, H = 4 };
    uint16_t g[W * H], rgb[W * H * 3];
    uint8_t want[W * H * 3], want_rgb[W * H * 3];
    for (int i = 0; i < W * H; i++) {
        g[i] = (uint16_t)(i * 4099 + 7);
        /* libtiff takes 16-bit gray's high byte, rounds RGB */
        uint8_t v = (uint8_t)(g[i] >> 8);
        want[3 * i] = want[3 * i + 1] = want[3 * i + 2] = v;
    }
    for (int i = 0; i < W * H * 3; i++) {
        rgb[i] = (uint16_t)(i * 1361 + 200);
        want_rgb[i] = (uint8_t)((rgb[i] * 255u + 32767u) / 65535u);
    }
    uint8_t *f;
    tiff_page p = {W, H, PHOTOMETRIC_MINISBLACK, 1, 16, g, NULL};
    size_t n = make_tiff(&p, 1, &f);
    check_decodes(f, n, W, H, want, "gray16");
    free(f);
    tiff_page q = {W, H, PHOTOMETRIC_RGB, 3, 16, rgb, NULL};
    n = make_tiff(&q, 1, &f);
    check_decodes(f, n, W, H, want_rgb, "rgb16");
    free(f);
}
END_TEST

START_TEST(tiff_first_page_of_many)
{
    uint8_t a[3 * 2], b[5 * 4], want[3 * 2 * 3];
    for (int i = 0; i < 6; i++) {
        a[i] = (uint8_t)(10 * i);
        want[3 * i] = want[3 * i + 1] = want[3 * i + 2] = a[i];
    }
    memset(b, 200, sizeof b);
    tiff_page pages[2] = {{3, 2, PHOTOMETRIC_MINISBLACK, 1, 8, a, NULL},
                          {5, 4, PHOTOMETRIC_MINISBLACK, 1, 8, b, NULL}};
    uint8_t *f;
    size_t n = make_tiff(pages, 2, &f);
    check_decodes(f, n, 3, 2, want, "two pages");
    free(f);
}
END_TEST

START_TEST(tiff_bad_files_fail_quietly)
{
    enum { W = 16, H = 16 };
    uint8_t s[W * H];
    for (int i = 0; i < W * H; i++)
        s[i] = (uint8_t)i;
    tiff_page p = {W, H, PHOTOMETRIC_MINISBLACK, 1, 8, s, NULL};
    uint8_t *f;
    size_t n = make_tiff(&p, 1, &f);
    TIFFErrorHandler old_e = TIFFSetErrorHandler(count_handler);
    TIFFErrorHandler old_w = TIFFSetWarningHandler(count_handler);
    global_calls = 0;
    uint8_t *px = (uint8_t *)1;
    int w, h;
    /* Cut anywhere: in the header, the pixel data or the directory
     * (libtiff writes the directory after the strips). */
    for (size_t cut = 0; cut < n; cut += (cut < 16 ? 1 : 7)) {
        int rc = emo_image_decode(f, cut, 1, &px, &w, &h);
        ck_assert_msg(rc == EMO_ERR_FORMAT || rc == EMO_ERR_UNSUPPORTED,
                      "cut at %zu of %zu: rc %d (%s)", cut, n, rc,
                      emo_last_error());
        ck_assert_ptr_null(px);
        if (cut >= 4)
            ck_assert_msg(strncmp(emo_last_error(), "TIFF: ", 6) == 0 &&
                              !strstr(emo_last_error(), "memory"),
                          "cut at %zu: '%s'", cut, emo_last_error());
    }
    /* A directory offset past the end of the file. */
    uint8_t *g = malloc(n);
    memcpy(g, f, n);
    g[4] = 0xF0, g[5] = 0xFF, g[6] = 0xFF, g[7] = 0x7F;
    ck_assert_int_eq(emo_image_decode(g, n, 1, &px, &w, &h), EMO_ERR_FORMAT);
    ck_assert_ptr_null(px);
    /* Corrupt bytes all over (fixed seed): never a crash, a success or a
     * clean error. */
    uint32_t r = 1;
    for (int t = 0; t < 300; t++) {
        memcpy(g, f, n);
        for (int k = 0; k < 4; k++) {
            r = r * 1103515245u + 12345u;
            g[8 + (r >> 8) % (n - 8)] = (uint8_t)(r >> 24);
        }
        int rc = emo_image_decode(g, n, 3, &px, &w, &h);
        if (rc == EMO_OK)
            emo_free(px);
        else
            ck_assert_ptr_null(px);
    }
    ck_assert_int_eq(global_calls, 0);
    TIFFSetErrorHandler(old_e);
    TIFFSetWarningHandler(old_w);
    free(g);
    free(f);
}
END_TEST

START_TEST(tiff_size_limit)
{
    enum { W = 8, H = 8 };
    uint8_t s[W * H] = {0};
    tiff_page p = {W, H, PHOTOMETRIC_MINISBLACK, 1, 8, s, NULL};
    uint8_t *f;
    size_t n = make_tiff(&p, 1, &f);
    int old;
    ck_assert_emo_ok(emo_get_int(EMO_OPT_MAX_PIXELS, &old));
    ck_assert_emo_ok(emo_set_int(EMO_OPT_MAX_PIXELS, 63));
    uint8_t *px = (uint8_t *)1;
    int w, h;
    ck_assert_int_eq(emo_image_decode(f, n, 1, &px, &w, &h), EMO_ERR_LIMIT);
    ck_assert_ptr_null(px);
    ck_assert_ptr_nonnull(strstr(emo_last_error(), "TIFF: image 8x8"));
    ck_assert_emo_ok(emo_set_int(EMO_OPT_MAX_PIXELS, 64));
    ck_assert_emo_ok(emo_image_decode(f, n, 1, &px, &w, &h));
    emo_free(px);
    /* Into a caller buffer too small for it. */
    uint8_t small[32];
    ck_assert_int_eq(emo_image_decode_into(f, n, 1, small, sizeof small, 8,
                                           &w, &h), EMO_ERR_BUFFER_TOO_SMALL);
    ck_assert_emo_ok(emo_set_int(EMO_OPT_MAX_PIXELS, old));
    free(f);
}
END_TEST

/* A real JAFFE file (8-bit palette) when EMO_DATA has it. */
START_TEST(tiff_jaffe_files_decode)
{
    const char *data = test_data_dir();
    if (!data)
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s/jaffe/KA.AN1.39.tiff", data);
    if (access(path, R_OK) != 0)
        return;
    uint8_t *px;
    int w, h;
    ck_assert_emo_ok(emo_image_load(path, 1, &px, &w, &h));
    ck_assert_int_eq(w, 256);
    ck_assert_int_eq(h, 256);
    emo_free(px);
}
END_TEST

Suite *tiff_suite(void)
{
    Suite *s = suite_create("tiff");
    TCase *tc = tcase_create("decode");
    tcase_add_test(tc, tiff_gray_8bit);
    tcase_add_test(tc, tiff_palette_8bit);
    tcase_add_test(tc, tiff_rgb_and_rgba);
    tcase_add_test(tc, tiff_16bit_gray_and_rgb);
    tcase_add_test(tc, tiff_first_page_of_many);
    tcase_add_test(tc, tiff_bad_files_fail_quietly);
    tcase_add_test(tc, tiff_size_limit);
    tcase_add_test(tc, tiff_jaffe_files_decode);
    suite_add_tcase(s, tc);
    return s;
}
