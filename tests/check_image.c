/* check_image.c - image decoding/encoding (PNG, JPEG, PGM), their error
 * paths and limits, and the pixel operations of image_ops.c.  Every
 * fixture is generated here (libpng/libjpeg write them into memory). */
#include "testutil.h"
#include "image/image.h"

#include <dirent.h>
#include <math.h>
#include <setjmp.h>

#include <jpeglib.h>
#include <png.h>

/* --- fixture helpers ------------------------------------------------------ */

typedef struct membuf {
    uint8_t *p;
    size_t n, cap;
} membuf;

static void mb_put(membuf *m, const void *data, size_t n)
{
    if (m->n + n > m->cap) {
        m->cap = (m->n + n) * 2 + 64;
        m->p = realloc(m->p, m->cap);
        ck_assert_ptr_nonnull(m->p);
    }
    memcpy(m->p + m->n, data, n);
    m->n += n;
}

static void mb_free(membuf *m)
{
    free(m->p);
    memset(m, 0, sizeof *m);
}

static uint32_t test_rng = 12345;
static unsigned rnd(unsigned n)
{
    test_rng = test_rng * 1103515245u + 12345u;
    return (test_rng >> 8) % n;
}

static void png_write_mem(png_structp png, png_bytep data, size_t n)
{
    mb_put(png_get_io_ptr(png), data, n);
}
static void png_flush_mem(png_structp png)
{
    (void)png;
}

/* A PNG fixture: samples are one value per channel (palette index for
 * palette images), each < 2^depth. */
typedef struct png_spec {
    int w, h, ctype, depth, interlace;
    const uint16_t *samples;
    const png_color *palette;
    int npal;
    const uint8_t *pal_alpha; /* tRNS for palette, npal entries */
    int trns;                 /* gray/RGB tRNS on trns_value */
    png_color_16 trns_value;
} png_spec;

static int png_channels(int ctype)
{
    switch (ctype) {
    case PNG_COLOR_TYPE_GRAY:
    case PNG_COLOR_TYPE_PALETTE: return 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return 3;
    default: return 4;
    }
}

static void make_png(membuf *m, const png_spec *s)
{
    png_structp png =
        png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    int ch = png_channels(s->ctype);
    uint8_t *row = malloc((size_t)s->w * ch * 2);
    if (setjmp(png_jmpbuf(png)))
        ck_abort_msg("libpng failed writing a fixture");
    png_set_write_fn(png, m, png_write_mem, png_flush_mem);
    png_set_IHDR(png, info, s->w, s->h, s->depth, s->ctype, s->interlace,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (s->palette)
        png_set_PLTE(png, info, s->palette, s->npal);
    if (s->pal_alpha)
        png_set_tRNS(png, info, s->pal_alpha, s->npal, NULL);
    if (s->trns)
        png_set_tRNS(png, info, NULL, 0, &s->trns_value);
    png_write_info(png, info);
    if (s->depth < 8)
        png_set_packing(png);
    int passes = png_set_interlace_handling(png);
    for (int p = 0; p < passes; p++) {
        for (int y = 0; y < s->h; y++) {
            const uint16_t *v = s->samples + (size_t)y * s->w * ch;
            for (int i = 0; i < s->w * ch; i++) {
                if (s->depth == 16) {
                    row[2 * i] = (uint8_t)(v[i] >> 8);
                    row[2 * i + 1] = (uint8_t)v[i];
                } else {
                    row[i] = (uint8_t)v[i];
                }
            }
            png_write_row(png, row);
        }
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
}

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

/* Random samples for a spec, below 2^depth (or npal). */
static uint16_t *random_samples(int w, int h, int ch, int depth, int npal)
{
    size_t n = (size_t)w * h * ch;
    uint16_t *v = malloc(n * sizeof *v);
    unsigned top = npal ? (unsigned)npal : 1u << depth;
    for (size_t i = 0; i < n; i++)
        v[i] = (uint16_t)rnd(top);
    /* The corners take the extremes. */
    for (int c = 0; c < ch; c++) {
        v[c] = 0;
        v[n - ch + c] = (uint16_t)(top - 1);
    }
    return v;
}

/* JPEG fixture in memory: in_cs with `comps` samples per pixel, written
 * in jpeg_cs (JCS_UNKNOWN: libjpeg's default for in_cs). */
static void make_jpeg_app1(membuf *m, int w, int h, J_COLOR_SPACE in_cs,
                           int comps, J_COLOR_SPACE jpeg_cs,
                           const uint8_t *px, int quality, int progressive,
                           const uint8_t *app1, unsigned app1_len)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    unsigned char *out = NULL;
    unsigned long size = 0;
    jpeg_mem_dest(&c, &out, &size);
    c.image_width = w;
    c.image_height = h;
    c.input_components = comps;
    c.in_color_space = in_cs;
    jpeg_set_defaults(&c);
    if (jpeg_cs != JCS_UNKNOWN)
        jpeg_set_colorspace(&c, jpeg_cs);
    jpeg_set_quality(&c, quality, TRUE);
    if (progressive)
        jpeg_simple_progression(&c);
    jpeg_start_compress(&c, TRUE);
    if (app1)
        jpeg_write_marker(&c, JPEG_APP0 + 1, app1, app1_len);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)(px + (size_t)c.next_scanline * w * comps);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    mb_put(m, out, size);
    free(out);
}

static void make_jpeg(membuf *m, int w, int h, J_COLOR_SPACE in_cs,
                      int comps, J_COLOR_SPACE jpeg_cs, const uint8_t *px,
                      int quality, int progressive)
{
    make_jpeg_app1(m, w, h, in_cs, comps, jpeg_cs, px, quality, progressive,
                   NULL, 0);
}

/* An EXIF APP1 payload whose IFD0 holds one entry (tag, type, value). */
static unsigned exif_payload(uint8_t *b, int big_endian, unsigned tag,
                             unsigned type, unsigned value)
{
    unsigned n = 0;
    memcpy(b, "Exif\0\0", 6);
    n = 6;
    uint8_t *t = b + n;
#define W16(off, v) (big_endian ? (t[off] = (uint8_t)((v) >> 8), \
                                   t[(off) + 1] = (uint8_t)(v))    \
                                : (t[off] = (uint8_t)(v),          \
                                   t[(off) + 1] = (uint8_t)((v) >> 8)))
    memset(t, 0, 26);
    t[0] = t[1] = big_endian ? 'M' : 'I';
    W16(2, 42);
    W16(big_endian ? 6 : 4, 8); /* IFD0 at offset 8 (32-bit) */
    W16(8, 1);                  /* one entry */
    W16(10, tag);
    W16(12, type);
    W16(big_endian ? 16 : 14, 1); /* count 1 (32-bit) */
    W16(18, value);               /* SHORT value, left-justified */
#undef W16
    return n + 26;
}

/* A smooth test picture (JPEG-friendly): gradients plus a bump. */
static uint8_t *smooth_image(int w, int h, int channels)
{
    uint8_t *p = malloc((size_t)w * h * channels);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < channels; c++) {
                double v = 40 + 150.0 * x / w + 50.0 * y / h * (c + 1) / 3 +
                           20 * sin(x * 0.2 + c) * cos(y * 0.15);
                p[((size_t)y * w + x) * channels + c] = (uint8_t)lrint(v);
            }
    return p;
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

static void pgm_bytes(membuf *m, const char *header, const uint8_t *data,
                      size_t n)
{
    mb_put(m, header, strlen(header));
    if (n)
        mb_put(m, data, n);
}

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return c ^ 0xffffffffu;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* Appends a PNG chunk with its CRC. */
static void png_chunk(membuf *m, const char *type, const uint8_t *data,
                      uint32_t n)
{
    uint8_t hdr[8];
    put_be32(hdr, n);
    memcpy(hdr + 4, type, 4);
    mb_put(m, hdr, 8);
    uint8_t *body = malloc(n + 4);
    memcpy(body, type, 4);
    if (n)
        memcpy(body + 4, data, n);
    uint8_t crc[4];
    put_be32(crc, crc32_of(body, n + 4));
    if (n)
        mb_put(m, data, n);
    mb_put(m, crc, 4);
    free(body);
}

/* A PNG whose IHDR claims w x h gray, followed by a token IDAT. */
static void png_claiming(membuf *m, uint32_t w, uint32_t h)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 26, '\n'};
    mb_put(m, sig, 8);
    uint8_t ihdr[13] = {0};
    put_be32(ihdr, w);
    put_be32(ihdr + 4, h);
    ihdr[8] = 8; /* depth */
    png_chunk(m, "IHDR", ihdr, 13);
    static const uint8_t idat[] = {0x78, 0x9c, 0x63, 0, 0, 0, 1, 0, 1};
    png_chunk(m, "IDAT", idat, sizeof idat);
    png_chunk(m, "IEND", NULL, 0);
}

static void expect_decode_error(const void *data, size_t n, int code,
                                const char *needle, const char *what)
{
    uint8_t *px = (uint8_t *)1;
    int w = -1, h = -1;
    int rc = emo_image_decode(data, n, 1, &px, &w, &h);
    ck_assert_msg(rc == code, "%s: got %d (%s: %s), want %d", what, rc,
                  emo_strerror(rc), emo_last_error(), code);
    ck_assert_ptr_null(px);
    ck_assert_int_eq(w, 0);
    if (needle)
        ck_assert_msg(strstr(emo_last_error(), needle), "%s: message '%s' "
                      "lacks '%s'", what, emo_last_error(), needle);
}

/* A small valid fixture of each format. */
static void fixture_png(membuf *m, int w, int h)
{
    uint16_t *v = random_samples(w, h, 3, 8, 0);
    png_spec s = {.w = w, .h = h, .ctype = PNG_COLOR_TYPE_RGB, .depth = 8,
                  .samples = v};
    make_png(m, &s);
    free(v);
}

static void fixture_jpeg(membuf *m, int w, int h)
{
    uint8_t *p = smooth_image(w, h, 3);
    make_jpeg(m, w, h, JCS_RGB, 3, JCS_UNKNOWN, p, 90, 0);
    free(p);
}

/* --- round trips ------------------------------------------------------------ */

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

/* Source pixel of upright pixel (X, Y) for EXIF orientation o of a
 * W x H stored image (EXIF 2.3: 6 = turn 90 degrees clockwise). */
static void exif_source(int o, int X, int Y, int W, int H, int *x, int *y)
{
    switch (o) {
    case 2: *x = W - 1 - X, *y = Y; break;
    case 3: *x = W - 1 - X, *y = H - 1 - Y; break;
    case 4: *x = X, *y = H - 1 - Y; break;
    case 5: *x = Y, *y = X; break;
    case 6: *x = Y, *y = H - 1 - X; break;
    case 7: *x = W - 1 - Y, *y = H - 1 - X; break;
    case 8: *x = W - 1 - Y, *y = X; break;
    default: *x = X, *y = Y; break;
    }
}

START_TEST(jpeg_exif_orientation_is_applied)
{
    /* 3 x 2 flat 8x8 blocks, all distinct, as OpenCV's imread sees them:
     * orientation 6 puts the bottom-left block top-left */
    int W = 24, H = 16;
    uint8_t img[16 * 24];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            img[y * W + x] = (uint8_t)(40 * (1 + x / 8 + 3 * (y / 8)));
    for (int ch = 1; ch <= 3; ch += 2) {
        membuf plain = {0};
        make_jpeg(&plain, W, H, JCS_GRAYSCALE, 1, JCS_UNKNOWN, img, 100, 0);
        uint8_t *ref;
        int w, h;
        ck_assert_emo_ok(emo_image_decode(plain.p, plain.n, ch, &ref, &w,
                                          &h));
        for (int o = 1; o <= 8; o++) {
            uint8_t app1[64];
            unsigned n = exif_payload(app1, o % 2, 0x0112, 3, (unsigned)o);
            membuf m = {0};
            make_jpeg_app1(&m, W, H, JCS_GRAYSCALE, 1, JCS_UNKNOWN, img,
                           100, 0, app1, n);
            uint8_t *px;
            ck_assert_emo_ok(emo_image_decode(m.p, m.n, ch, &px, &w, &h));
            int UW = o >= 5 ? H : W, UH = o >= 5 ? W : H;
            ck_assert_msg(w == UW && h == UH, "o%d: %dx%d", o, w, h);
            for (int Y = 0; Y < UH; Y++)
                for (int X = 0; X < UW; X++) {
                    int x, y;
                    exif_source(o, X, Y, W, H, &x, &y);
                    ck_assert_msg(!memcmp(px + (Y * UW + X) * ch,
                                          ref + (y * W + x) * ch, ch),
                                  "o%d (%d,%d)", o, X, Y);
                }
            if (o == 6 && ch == 1)
                ck_assert_int_le(abs(px[0] - 160), 2);
            /* caller buffer: the upright size decides */
            uint8_t buf[16 * 24 * 3];
            int stride = UW * ch;
            ck_assert_int_eq(emo_image_decode_into(m.p, m.n, ch, buf,
                                                   (size_t)stride * UH - 1,
                                                   stride, &w, &h),
                             EMO_ERR_BUFFER_TOO_SMALL);
            ck_assert(w == UW && h == UH);
            ck_assert_emo_ok(emo_image_decode_into(m.p, m.n, ch, buf,
                                                   (size_t)stride * UH,
                                                   stride, &w, &h));
            ck_assert_mem_eq(buf, px, (size_t)stride * UH);
            emo_free(px);
            mb_free(&m);
        }
        emo_free(ref);
        mb_free(&plain);
    }
}
END_TEST

START_TEST(jpeg_malformed_exif_is_ignored)
{
    int W = 24, H = 16;
    uint8_t img[16 * 24];
    memset(img, 90, sizeof img);
    uint8_t good[64];
    unsigned n = exif_payload(good, 1, 0x0112, 3, 6);
    for (int k = 0; k < 8; k++) {
        uint8_t app1[64];
        unsigned len = n;
        memcpy(app1, good, n);
        switch (k) {
        case 0: app1[0] = 'X'; break;               /* not "Exif" */
        case 1: app1[6] = 'X'; break;               /* byte order */
        case 2: app1[9] = 43; break;                /* TIFF magic */
        case 3: app1[13] = 200; break;              /* IFD past the end */
        case 4: app1[15] = 0; break;                /* no entries */
        case 5: app1[19] = 4; break;                /* type LONG */
        case 6: app1[25] = 9; break;                /* orientation 9 */
        case 7: len = 20; break;                    /* cut in the IFD */
        }
        membuf m = {0};
        make_jpeg_app1(&m, W, H, JCS_GRAYSCALE, 1, JCS_UNKNOWN, img, 90, 0,
                       app1, len);
        uint8_t *px;
        int w, h;
        ck_assert_emo_ok(emo_image_decode(m.p, m.n, 1, &px, &w, &h));
        ck_assert_msg(w == W && h == H, "case %d: %dx%d", k, w, h);
        emo_free(px);
        mb_free(&m);
    }
    /* the good payload does turn it */
    membuf m = {0};
    make_jpeg_app1(&m, W, H, JCS_GRAYSCALE, 1, JCS_UNKNOWN, img, 90, 0, good,
                   n);
    uint8_t *px;
    int w, h;
    ck_assert_emo_ok(emo_image_decode(m.p, m.n, 1, &px, &w, &h));
    ck_assert(w == H && h == W);
    emo_free(px);
    mb_free(&m);
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

/* --- decoding errors ------------------------------------------------------- */

START_TEST(decode_rejects_empty_and_unknown)
{
    expect_decode_error("", 0, EMO_ERR_FORMAT, "empty", "empty");
    expect_decode_error("hello world", 11, EMO_ERR_FORMAT,
                        "not a PNG, JPEG or PGM file", "text");
    expect_decode_error("\x00", 1, EMO_ERR_FORMAT, "not a PNG", "one byte");
    expect_decode_error("GIF89a....", 10, EMO_ERR_UNSUPPORTED, "GIF", "gif");
    expect_decode_error("BM........", 10, EMO_ERR_UNSUPPORTED, "BMP", "bmp");
    expect_decode_error("P2\n2 2\n255\n1 2 3 4\n", 19, EMO_ERR_UNSUPPORTED,
                        "P5", "ascii pgm");
    expect_decode_error("P6\n1 1\n255\nabc", 14, EMO_ERR_UNSUPPORTED, "P5",
                        "ppm");
}
END_TEST

START_TEST(decode_rejects_truncated_png)
{
    membuf m = {0};
    fixture_png(&m, 16, 16);
    size_t cuts[] = {3, 7, 8, 12, 20, 33, 40, m.n / 2, m.n - 13, m.n - 12,
                     m.n - 4, m.n - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        char what[32];
        snprintf(what, sizeof what, "PNG cut at %zu", cuts[i]);
        expect_decode_error(m.p, cuts[i], EMO_ERR_FORMAT, "PNG", what);
    }
    expect_decode_error(m.p, 20, EMO_ERR_FORMAT, "truncated", "PNG 20");
    mb_free(&m);
}
END_TEST

START_TEST(decode_rejects_corrupt_png)
{
    membuf m = {0};
    fixture_png(&m, 16, 16);
    uint8_t *bad = malloc(m.n);
    /* IHDR data byte flipped: CRC mismatch */
    memcpy(bad, m.p, m.n);
    bad[8 + 8 + 3] ^= 0x40;
    expect_decode_error(bad, m.n, EMO_ERR_FORMAT, "IHDR", "IHDR crc");
    /* IHDR CRC itself */
    memcpy(bad, m.p, m.n);
    bad[8 + 8 + 13] ^= 1;
    expect_decode_error(bad, m.n, EMO_ERR_FORMAT, "CRC", "IHDR crc2");
    /* a byte in the middle of IDAT */
    memcpy(bad, m.p, m.n);
    bad[m.n / 2] ^= 0x10;
    expect_decode_error(bad, m.n, EMO_ERR_FORMAT, "PNG", "IDAT crc");
    /* signature damaged after the recognised prefix */
    memcpy(bad, m.p, m.n);
    bad[6] = 'x';
    expect_decode_error(bad, m.n, EMO_ERR_FORMAT, "signature", "sig");
    free(bad);
    mb_free(&m);
    /* zero width in IHDR */
    png_claiming(&m, 0, 5);
    expect_decode_error(m.p, m.n, EMO_ERR_FORMAT, "PNG", "zero width");
    mb_free(&m);
}
END_TEST

/* Offset of the first byte after the SOS header (entropy-coded data). */
static size_t jpeg_scan_start(const membuf *m)
{
    for (size_t i = 2; i + 4 < m->n; i++)
        if (m->p[i] == 0xFF && m->p[i + 1] == 0xDA)
            return i + 2 + ((size_t)m->p[i + 2] << 8 | m->p[i + 3]);
    ck_abort_msg("no SOS marker");
    return 0;
}

static size_t jpeg_marker(const membuf *m, uint8_t marker)
{
    for (size_t i = 2; i + 1 < m->n; i++)
        if (m->p[i] == 0xFF && m->p[i + 1] == marker)
            return i;
    ck_abort_msg("no marker %02x", marker);
    return 0;
}

START_TEST(decode_rejects_truncated_jpeg)
{
    membuf m = {0};
    fixture_jpeg(&m, 32, 24);
    size_t sos = jpeg_scan_start(&m);
    size_t cuts[] = {3, 4, 10, 30, sos - 3, sos, sos + 10, (sos + m.n) / 2,
                     m.n - 10, m.n - 2, m.n - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        char what[32];
        snprintf(what, sizeof what, "JPEG cut at %zu", cuts[i]);
        expect_decode_error(m.p, cuts[i], EMO_ERR_FORMAT, "JPEG", what);
    }
    expect_decode_error(m.p, (sos + m.n) / 2, EMO_ERR_FORMAT, "Premature end",
                        "jpeg half");
    mb_free(&m);
}
END_TEST

START_TEST(decode_rejects_corrupt_jpeg)
{
    membuf m = {0};
    fixture_jpeg(&m, 32, 24);
    uint8_t *bad = malloc(m.n);
    size_t sos = jpeg_scan_start(&m), sof = jpeg_marker(&m, 0xC0);
    /* a marker in the middle of the entropy-coded data */
    memcpy(bad, m.p, m.n);
    bad[sos + 20] = 0xFF;
    bad[sos + 21] = 0xD9;
    expect_decode_error(bad, m.n, EMO_ERR_FORMAT, "Corrupt JPEG data",
                        "marker in scan");
    /* SOF: precision 7 is invalid; 12 is valid but not supported by an
     * 8-bit libjpeg, as is the lossless process (SOF3) */
    memcpy(bad, m.p, m.n);
    bad[sof + 4] = 7;
    expect_decode_error(bad, m.n, EMO_ERR_FORMAT, "precision 7", "prec 7");
    bad[sof + 4] = 12;
    expect_decode_error(bad, m.n, EMO_ERR_UNSUPPORTED, "precision 12",
                        "prec 12");
    memcpy(bad, m.p, m.n);
    bad[sof + 1] = 0xC3;
    expect_decode_error(bad, m.n, EMO_ERR_UNSUPPORTED, "SOF type 0xc3",
                        "lossless");
    /* SOF: zero components */
    memcpy(bad, m.p, m.n);
    bad[sof + 9] = 0;
    expect_decode_error(bad, m.n, EMO_ERR_FORMAT, "JPEG", "components");
    /* SOF: zero height */
    memcpy(bad, m.p, m.n);
    bad[sof + 5] = bad[sof + 6] = 0;
    expect_decode_error(bad, m.n, EMO_ERR_FORMAT, "JPEG", "zero height");
    /* Huffman table garbage */
    size_t dht = jpeg_marker(&m, 0xC4);
    memcpy(bad, m.p, m.n);
    for (int i = 5; i < 21; i++)
        bad[dht + i] = 0xFF;
    expect_decode_error(bad, m.n, EMO_ERR_FORMAT, "JPEG", "bad DHT");
    free(bad);
    mb_free(&m);
}
END_TEST

START_TEST(decode_rejects_bad_pgm)
{
    static const struct { const char *text; size_t n; const char *msg; } bad[] = {
        {"P5", 2, "truncated"},
        {"P5\n", 3, "truncated"},
        {"P5\n4 4", 6, "truncated"},
        {"P5\n4 4\n255", 10, "truncated"},
        {"P5\n4 4\n255\n", 11, "truncated"},
        {"P5\n4 4\n255\nabcdefghijklmno", 26, "truncated"},
        {"P5\n4 4\n0\nabcdefghijklmnop", 25, "maxval is 0"},
        {"P5\n4 4\n65536\nabcdefghijklmnop", 29, "maxval"},
        {"P5\n-4 4\n255\nabcdefghijklmnop", 28, "width is not a number"},
        {"P5\n4 -4\n255\nabcdefghijklmnop", 28, "height"},
        {"P5\n0 4\n255\nabcd", 15, "width is 0"},
        {"P54 4\n255\nabcdefghijklmnop", 26, "whitespace"},
        {"P5\n4 4\n255xabcdefghijklmnop", 26, "whitespace"},
        {"P5\n4x 4\n255\nabcdefghijklmnop", 28, "whitespace"},
        {"P5\n99999999999 4\n255\n", 21, "over"},
        {"P5\n4 4\n255\nabcdefghijklmnopq", 27, NULL}, /* extra byte: ok */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (!bad[i].msg) {
            uint8_t *px;
            int w, h;
            ck_assert_emo_ok(emo_image_decode(bad[i].text, bad[i].n, 1, &px,
                                              &w, &h));
            emo_free(px);
            continue;
        }
        expect_decode_error(bad[i].text, bad[i].n, EMO_ERR_FORMAT,
                            bad[i].msg, bad[i].text);
    }
    /* 16-bit data one byte short */
    expect_decode_error("P5 2 1 1000\n\x01\x02\x03", 15, EMO_ERR_FORMAT,
                        "truncated", "16-bit short");
}
END_TEST

START_TEST(decode_enforces_pixel_limit)
{
    int old;
    ck_assert_emo_ok(emo_get_int(EMO_OPT_MAX_PIXELS, &old));
    membuf png = {0}, jpg = {0}, pgm = {0};
    fixture_png(&png, 7, 5);
    fixture_jpeg(&jpg, 7, 5);
    uint8_t zeros[35] = {0};
    pgm_bytes(&pgm, "P5 7 5 255\n", zeros, 35);
    membuf *all[3] = {&png, &jpg, &pgm};
    for (int i = 0; i < 3; i++) {
        ck_assert_emo_ok(emo_set_int(EMO_OPT_MAX_PIXELS, 34));
        expect_decode_error(all[i]->p, all[i]->n, EMO_ERR_LIMIT,
                            "image 7x5 exceeds the 34-pixel limit", "limit");
        /* the caller-buffer variant still reports the size */
        uint8_t buf[64];
        int w, h;
        ck_assert_int_eq(emo_image_decode_into(all[i]->p, all[i]->n, 1, buf,
                                               sizeof buf, 7, &w, &h),
                         EMO_ERR_LIMIT);
        ck_assert(w == 7 && h == 5);
        ck_assert_emo_ok(emo_set_int(EMO_OPT_MAX_PIXELS, 35));
        uint8_t *px;
        ck_assert_emo_ok(emo_image_decode(all[i]->p, all[i]->n, 1, &px, &w,
                                          &h));
        emo_free(px);
    }
    ck_assert_emo_ok(emo_set_int(EMO_OPT_MAX_PIXELS, old));
    mb_free(&png);
    mb_free(&jpg);
    mb_free(&pgm);
}
END_TEST

START_TEST(decode_refuses_huge_headers_before_allocating)
{
    int old;
    ck_assert_emo_ok(emo_get_int(EMO_OPT_MAX_PIXELS, &old));
    /* Even with the limit at its maximum, 10^10 pixels are refused from the
     * header alone; the files are a few dozen bytes. */
    for (int pass = 0; pass < 2; pass++) {
        ck_assert_emo_ok(emo_set_int(EMO_OPT_MAX_PIXELS,
                                     pass ? 2147483647 : old));
        membuf m = {0};
        png_claiming(&m, 100000, 100000);
        expect_decode_error(m.p, m.n, EMO_ERR_LIMIT, "100000x100000", "png");
        mb_free(&m);
        expect_decode_error("P5\n100000 100000\n255\nabc", 24, EMO_ERR_LIMIT,
                            "100000x100000", "pgm");
        /* JPEG: a valid file whose SOF is patched to 60000x60000 */
        fixture_jpeg(&m, 16, 16);
        size_t sof = jpeg_marker(&m, 0xC0);
        m.p[sof + 5] = m.p[sof + 7] = 60000 >> 8;
        m.p[sof + 6] = m.p[sof + 8] = 60000 & 255;
        expect_decode_error(m.p, m.n, EMO_ERR_LIMIT, "60000x60000", "jpeg");
        mb_free(&m);
    }
    ck_assert_emo_ok(emo_set_int(EMO_OPT_MAX_PIXELS, old));
}
END_TEST

START_TEST(file_errors_name_the_path)
{
    const char *dir = test_tmpdir();
    char path[256];
    snprintf(path, sizeof path, "%s/bad.png", dir);
    ck_assert_int_eq(write_bytes(path, "\x89PNG\r\n\x1a\nxx", 10), 0);
    uint8_t *px = (uint8_t *)1;
    int w = 1, h = 1;
    ck_assert_int_eq(emo_image_load(path, 1, &px, &w, &h), EMO_ERR_FORMAT);
    ck_assert_ptr_null(px);
    ck_assert_msg(strncmp(emo_last_error(), path, strlen(path)) == 0 &&
                  strstr(emo_last_error(), "PNG"), "%s", emo_last_error());
    snprintf(path, sizeof path, "%s/missing.png", dir);
    ck_assert_int_eq(emo_image_load(path, 1, &px, &w, &h), EMO_ERR_IO);
    ck_assert(strstr(emo_last_error(), "missing.png"));
    /* the file size limit applies */
    int old;
    ck_assert_emo_ok(emo_get_int(EMO_OPT_MAX_FILE_BYTES, &old));
    snprintf(path, sizeof path, "%s/small.pgm", dir);
    ck_assert_int_eq(write_bytes(path, "P5 2 2 255\nabcd", 15), 0);
    ck_assert_emo_ok(emo_set_int(EMO_OPT_MAX_FILE_BYTES, 14));
    ck_assert_int_eq(emo_image_load(path, 1, &px, &w, &h), EMO_ERR_LIMIT);
    ck_assert_emo_ok(emo_set_int(EMO_OPT_MAX_FILE_BYTES, old));
    ck_assert_emo_ok(emo_image_load(path, 1, &px, &w, &h));
    emo_free(px);
}
END_TEST

START_TEST(null_and_bad_arguments)
{
    uint8_t *px;
    int w, h;
    membuf m = {0};
    fixture_png(&m, 4, 4);
    ck_assert_int_eq(emo_image_decode(NULL, 10, 1, &px, &w, &h),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_image_decode(m.p, m.n, 1, NULL, &w, &h),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_image_decode(m.p, m.n, 1, &px, NULL, &h),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_image_decode(m.p, m.n, 1, &px, &w, NULL),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_image_decode(m.p, m.n, 0, &px, &w, &h),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_image_decode(m.p, m.n, 4, &px, &w, &h),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_image_load(NULL, 1, &px, &w, &h),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_image_load("x.png", 1, NULL, &w, &h),
                     EMO_ERR_INVALID_ARG);

    const char *dir = test_tmpdir();
    char path[256];
    snprintf(path, sizeof path, "%s/o.jpg", dir);
    uint8_t img[12] = {0};
    ck_assert_int_eq(emo_image_save_png(NULL, img, 2, 2, 2, 1),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_image_save_png("", img, 2, 2, 2, 1),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_image_save_png(path, NULL, 2, 2, 2, 1),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_image_save_png(path, img, 0, 2, 2, 1),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_image_save_png(path, img, 2, -1, 2, 1),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_image_save_png(path, img, 2, 2, 5, 3),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_image_save_png(path, img, 2, 2, 4, 2),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_image_save_jpeg(path, img, 2, 2, 2, 1, 0),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_image_save_jpeg(path, img, 2, 2, 2, 1, 101),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_image_save_jpeg(path, img, 70000, 1, 70000, 1, 90),
                     EMO_ERR_LIMIT);
    ck_assert_int_eq(access(path, F_OK), -1); /* nothing was written */
    snprintf(path, sizeof path, "%s/no/such/dir/o.png", dir);
    ck_assert_int_eq(emo_image_save_png(path, img, 2, 2, 2, 1), EMO_ERR_IO);
    ck_assert_int_eq(emo_image_save_jpeg(path, img, 2, 2, 2, 1, 90),
                     EMO_ERR_IO);
    mb_free(&m);
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

/* --- operations ------------------------------------------------------------ */

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

Suite *image_suite(void)
{
    Suite *s = suite_create("image");
    TCase *io = tcase_create("io");
    tcase_add_test(io, png_round_trip_gray_and_rgb);
    tcase_add_test(io, jpeg_round_trip_gray_and_rgb);
    tcase_add_test(io, jpeg_color_spaces_decode);
    tcase_add_test(io, jpeg_exif_orientation_is_applied);
    tcase_add_test(io, jpeg_malformed_exif_is_ignored);
    tcase_add_test(io, pgm_decodes_all_depths);
    tcase_add_test(io, decode_into_caller_buffer);
    tcase_add_test(io, png_every_color_type_and_depth);
    tcase_add_test(io, png_16bit_scaling_rounds);
    tcase_add_test(io, sample_photograph_decodes);
    tcase_add_test(io, internal_decode_and_free);
    suite_add_tcase(s, io);
    TCase *err = tcase_create("errors");
    tcase_add_test(err, decode_rejects_empty_and_unknown);
    tcase_add_test(err, decode_rejects_truncated_png);
    tcase_add_test(err, decode_rejects_corrupt_png);
    tcase_add_test(err, decode_rejects_truncated_jpeg);
    tcase_add_test(err, decode_rejects_corrupt_jpeg);
    tcase_add_test(err, decode_rejects_bad_pgm);
    tcase_add_test(err, decode_enforces_pixel_limit);
    tcase_add_test(err, decode_refuses_huge_headers_before_allocating);
    tcase_add_test(err, file_errors_name_the_path);
    tcase_add_test(err, null_and_bad_arguments);
    suite_add_tcase(s, err);
    TCase *ops = tcase_create("ops");
    tcase_add_test(ops, gray_to_float_scales_and_strides);
    tcase_add_test(ops, resize_bilinear_known_values);
    tcase_add_test(ops, resize_identity_and_strides);
    tcase_add_test(ops, crop_resize_cuts_and_replicates);
    tcase_add_test(ops, flip_twice_is_identity);
    tcase_add_test(ops, affine_rotations_are_permutations);
    tcase_add_test(ops, affine_shift_scale_and_border);
    tcase_add_test(ops, gauss_impulse_is_the_kernel);
    tcase_add_test(ops, gauss_constant_and_mass);
    tcase_add_test(ops, gauss_reflects_borders_101);
    suite_add_tcase(s, ops);
    return s;
}
