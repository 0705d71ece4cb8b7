/* check_exif.c - the EXIF orientation of JPEG files: applied as OpenCV's
 * imread does, ignored when malformed. */
#include "image_testutil.h"

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

Suite *exif_suite(void)
{
    Suite *s = suite_create("exif");
    TCase *tc_orientation = tcase_create("orientation");
    tcase_add_test(tc_orientation, jpeg_exif_orientation_is_applied);
    tcase_add_test(tc_orientation, jpeg_malformed_exif_is_ignored);
    suite_add_tcase(s, tc_orientation);
    return s;
}
