/* check_draw.c - the example programs' drawing (examples/common/draw.c,
 * plot.c), compiled in here as the programs compile them: glyphs with
 * descenders, and a training-curve legend that names validation only when
 * there is validation data. */
#include "testutil.h"

#include <math.h>

#include "../examples/common/draw.c"
#include "../examples/common/plot.c"

/* 1 when the glyph of c, drawn at scale 1, has ink on a row >= first. */
static int ink_from_row(char c, int first)
{
    uint8_t cell[DRAW_CHAR_W * DRAW_CHAR_H * 3];
    char text[2] = {c, 0};
    draw_clear(cell, DRAW_CHAR_W, DRAW_CHAR_H, WHITE);
    draw_text(cell, DRAW_CHAR_W, DRAW_CHAR_H, 0, 0, text, BLACK, 1);
    for (int y = first; y < DRAW_CHAR_H; y++)
        for (int x = 0; x < DRAW_CHAR_W; x++)
            if (cell[(y * DRAW_CHAR_W + x) * 3] == 0)
                return 1;
    return 0;
}

START_TEST(descenders_below_the_baseline)
{
    /* rows 0-6 reach the baseline; g, j, p, q, y go below it */
    for (const char *c = "gjpqy"; *c; c++)
        ck_assert_msg(ink_from_row(*c, 7), "'%c' has no descender", *c);
    for (const char *c = "aehnrsPG9"; *c; c++)
        ck_assert_msg(!ink_from_row(*c, 7), "'%c' goes below the baseline",
                      *c);
    ck_assert_int_eq(draw_text_height("happy", 1), DRAW_CHAR_H);
    ck_assert_int_eq(draw_text_height("a\nb", 2), 4 * DRAW_CHAR_H);
}
END_TEST

/* Pixels of the plot's validation colour in the curve PNG. */
static long orange_pixels(const char *path)
{
    uint8_t *px;
    int w, h;
    long n = 0;
    ck_assert_emo_ok(emo_image_load(path, 3, &px, &w, &h));
    for (long i = 0; i < (long)w * h; i++) {
        uint32_t c = (uint32_t)px[3 * i] << 16 | px[3 * i + 1] << 8 |
                     px[3 * i + 2];
        n += c == ORANGE;
    }
    emo_free(px);
    return n;
}

START_TEST(curve_legend_names_validation_only_with_data)
{
    enum { E = 3 };
    double loss[E] = {1.5, 1.0, 0.8}, acc[E] = {0.3, 0.5, 0.6};
    double none[E] = {NAN, NAN, NAN};
    char path[256];
    snprintf(path, sizeof path, "%s/curve.png", test_tmpdir());
    ck_assert_emo_ok(plot_curves(path, E, loss, none, acc, none));
    ck_assert_msg(orange_pixels(path) == 0,
                  "validation legend without validation data");
    ck_assert_emo_ok(plot_curves(path, E, loss, loss, acc, acc));
    ck_assert_msg(orange_pixels(path) > 0, "no validation curve or legend");
}
END_TEST

Suite *draw_suite(void)
{
    Suite *s = suite_create("draw");
    TCase *tc = tcase_create("examples");
    tcase_add_test(tc, descenders_below_the_baseline);
    tcase_add_test(tc, curve_legend_names_validation_only_with_data);
    suite_add_tcase(s, tc);
    return s;
}
