/* check_decode_errors.c - what the image decoders refuse: empty, unknown,
 * truncated and corrupt data, sizes past the limits (before allocating),
 * missing files and bad arguments, each with its error code. */
#include "image_testutil.h"

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

START_TEST(decode_rejects_empty_and_unknown)
{
    expect_decode_error("", 0, EMO_ERR_FORMAT, "empty", "empty");
    expect_decode_error("hello world", 11, EMO_ERR_FORMAT,
                        "not a PNG, JPEG, TIFF or PGM file", "text");
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

Suite *decode_errors_suite(void)
{
    Suite *s = suite_create("decode_errors");
    TCase *tc_errors = tcase_create("errors");
    tcase_add_test(tc_errors, decode_rejects_empty_and_unknown);
    tcase_add_test(tc_errors, decode_rejects_truncated_png);
    tcase_add_test(tc_errors, decode_rejects_corrupt_png);
    tcase_add_test(tc_errors, decode_rejects_truncated_jpeg);
    tcase_add_test(tc_errors, decode_rejects_corrupt_jpeg);
    tcase_add_test(tc_errors, decode_rejects_bad_pgm);
    tcase_add_test(tc_errors, decode_enforces_pixel_limit);
    tcase_add_test(tc_errors, decode_refuses_huge_headers_before_allocating);
    tcase_add_test(tc_errors, file_errors_name_the_path);
    tcase_add_test(tc_errors, null_and_bad_arguments);
    suite_add_tcase(s, tc_errors);
    return s;
}
