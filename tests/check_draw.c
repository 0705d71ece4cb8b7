/* check_draw.c - the example programs' drawing (examples/common/draw.c,
 * plot.c), compiled in here as the programs compile them: glyphs with
 * descenders, a training-curve legend that names validation only when
 * there is validation data, and emo-detect's annotated photo in colour
 * (runs build/emo-detect; skips when it is not built). */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <unistd.h>

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

START_TEST(annotated_photo_in_colour)
{
    char exe[4096], cmd[9000], out[300];
    snprintf(exe, sizeof exe, "%s", test_src_path("build/emo-detect"));
    if (access(exe, X_OK) != 0) {
        fprintf(stderr, "check_draw: %s not built: skipped\n", exe);
        return;
    }
    snprintf(out, sizeof out, "%s/annotated.png", test_tmpdir());
    snprintf(cmd, sizeof cmd, "'%s' --detect-only --annotate '%s' '%s' "
             ">/dev/null 2>&1", exe, out,
             test_src_path("examples/data/astronaut.png"));
    ck_assert_int_eq(system(cmd), 0);
    uint8_t *px;
    int w, h;
    long coloured = 0;
    ck_assert_emo_ok(emo_image_load(out, 3, &px, &w, &h));
    for (long i = 0; i < (long)w * h; i++)
        coloured += abs(px[3 * i] - px[3 * i + 2]) > 30;
    emo_free(px);
    /* the astronaut photo is mostly coloured; the box alone is ~1 % */
    ck_assert_msg(coloured > (long)w * h / 10, "annotated photo is gray "
                  "(%ld coloured pixels)", coloured);
}
END_TEST

Suite *draw_suite(void)
{
    Suite *s = suite_create("draw");
    TCase *tc = tcase_create("examples");
    tcase_add_test(tc, descenders_below_the_baseline);
    tcase_add_test(tc, curve_legend_names_validation_only_with_data);
    tcase_add_test(tc, annotated_photo_in_colour);
    suite_add_tcase(s, tc);
    return s;
}
