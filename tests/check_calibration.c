/* check_calibration.c - emo-eval's calibration figures
 * (examples/common/calibration.c, compiled in here as the programs compile
 * it) on four images worked out by hand, the FER+ votes as a target
 * distribution, and the fixed-point sums that let shards of a dataset add
 * up to exactly one process's report (emo-eval-mpi). */
#include "testutil.h"

#include <math.h>
#include <string.h>

#include "../examples/common/calibration.c"

/* Three classes; (probabilities, answer, truth) per image:
 *   (.5 .25 .25) 0 0   confidence .5  -> bin 7, right
 *   (.75 .25 0)  0 1   confidence .75 -> bin 11, wrong
 *   (0 0 1)      2 2   confidence 1   -> bin 14, right
 *   (.5 .5 0)    1 1   confidence .5  -> bin 7, right
 * ECE = (|2 - 1| + |0 - .75| + |1 - 1|) / 4 = .4375 (bin 7: 2 images,
 * accuracy 1, mean confidence .5; weighted 2/4).
 * NLL = (ln 2 + ln 4 + 0 + ln 2) / 4 = ln 2.
 * Brier = (.375 + 1.125 + 0 + .5) / 4 = .5.
 * KL on images 1 and 3 (targets (.5 .5 0), (0 .5 .5)):
 *   .5 ln(.5/.25) = .5 ln 2, and .5 ln(.5/1e-12) + .5 ln(.5/1) (p = 0
 *   floored at 1e-12): mean (.5 ln 2 + ln .5 - .5 ln 1e-12) / 2. */
static const float P[4][3] = {
    {.5f, .25f, .25f}, {.75f, .25f, 0}, {0, 0, 1}, {.5f, .5f, 0}};
static const int ANSWER[4] = {0, 0, 2, 1}, TRUTH[4] = {0, 1, 2, 1};
static const double T1[3] = {.5, .5, 0}, T3[3] = {0, .5, .5};

static void add_image(calibration *c, int i)
{
    cal_add(c, P[i], 3, ANSWER[i], TRUTH[i],
            i == 0 ? T1 : i == 2 ? T3 : NULL);
}

START_TEST(four_images_by_hand)
{
    calibration c;
    memset(&c, 0, sizeof c);
    for (int i = 0; i < 4; i++)
        add_image(&c, i);
    cal_result r = cal_summarise(&c);
    ck_assert_int_eq(c.images, 4);
    ck_assert_int_eq(c.bin_count[7], 2);
    ck_assert_int_eq(c.bin_count[11], 1);
    ck_assert_int_eq(c.bin_count[14], 1);
    ck_assert_int_eq(c.bin_correct[11], 0);
    ck_assert_double_eq_tol(r.ece, 0.4375, 1e-8);
    ck_assert_double_eq_tol(r.nll, log(2.0), 1e-8);
    ck_assert_double_eq_tol(r.brier, 0.5, 1e-8);
    ck_assert_int_eq(c.kl_images, 2);
    double kl = (0.5 * log(2.0) + log(0.5) - 0.5 * log(1e-12)) / 2;
    ck_assert_double_eq_tol(r.kl, kl, 1e-7);
    ck_assert_double_eq_tol(r.confidence[7], 0.5, 1e-8);
    ck_assert_double_eq_tol(r.accuracy[7], 1.0, 1e-12);
    ck_assert_double_eq_tol(r.confidence[11], 0.75, 1e-8);
    ck_assert(isnan(r.accuracy[0]) && isnan(r.confidence[13]));
}
END_TEST

START_TEST(nothing_counted_is_nan)
{
    calibration c;
    memset(&c, 0, sizeof c);
    cal_result r = cal_summarise(&c);
    ck_assert(isnan(r.ece) && isnan(r.nll) && isnan(r.brier) &&
              isnan(r.kl));
    add_image(&c, 1); /* no votes: no KL */
    r = cal_summarise(&c);
    ck_assert(isnan(r.kl) && isfinite(r.ece));
}
END_TEST

START_TEST(bins_closed_on_the_right)
{
    ck_assert_int_eq(cal_bin(0.0), 0);
    ck_assert_int_eq(cal_bin(0.05), 0);
    ck_assert_int_eq(cal_bin(0.07), 1);
    ck_assert_int_eq(cal_bin(0.5), 7);   /* (7/15, 8/15] */
    ck_assert_int_eq(cal_bin(0.9999), 14);
    ck_assert_int_eq(cal_bin(1.0), 14);
}
END_TEST

START_TEST(votes_over_the_model_classes)
{
    /* FER+ order of emo_dataset_item_votes: EMO_CLASS_*, unknown, NF */
    int votes[EMO_FERPLUS_VOTES] = {0};
    votes[EMO_CLASS_NEUTRAL] = 4;
    votes[EMO_CLASS_HAPPY] = 3;
    votes[EMO_CLASS_SAD] = 1;      /* single: dropped */
    votes[EMO_CLASS_CONTEMPT] = 2; /* the model lacks it: dropped */
    votes[EMO_FERPLUS_UNKNOWN] = 2;
    votes[EMO_FERPLUS_NOT_FACE] = 2;
    /* a model with outputs happy, neutral, sad, and a class of its own */
    const int emotion[4] = {EMO_CLASS_HAPPY, EMO_CLASS_NEUTRAL,
                            EMO_CLASS_SAD, -1};
    double q[4];
    ck_assert_int_eq(cal_vote_target(votes, emotion, 4, q), 1);
    ck_assert_double_eq_tol(q[0], 3.0 / 7, 1e-12);
    ck_assert_double_eq_tol(q[1], 4.0 / 7, 1e-12);
    ck_assert(q[2] == 0 && q[3] == 0);
    votes[EMO_CLASS_NEUTRAL] = votes[EMO_CLASS_HAPPY] = 1;
    ck_assert_int_eq(cal_vote_target(votes, emotion, 4, q), 0);
}
END_TEST

START_TEST(shards_add_up_exactly)
{
    /* emo-eval-mpi sums the ranks' tallies: any split of the images must
     * give the very bytes of one pass, whatever the order */
    calibration all, odd, even;
    memset(&all, 0, sizeof all);
    memset(&odd, 0, sizeof odd);
    memset(&even, 0, sizeof even);
    for (int k = 0; k < 40; k++) {
        add_image(&all, k % 4);
        add_image(k % 2 ? &odd : &even, (39 - k) % 4);
    }
    int64_t *a = (int64_t *)&all, *o = (int64_t *)&odd,
            *e = (int64_t *)&even;
    for (size_t w = 0; w < sizeof all / sizeof(int64_t); w++)
        ck_assert_int_eq(a[w], o[w] + e[w]);
}
END_TEST

Suite *calibration_suite(void)
{
    Suite *s = suite_create("calibration");
    TCase *tc = tcase_create("emo-eval");
    tcase_add_test(tc, four_images_by_hand);
    tcase_add_test(tc, nothing_counted_is_nan);
    tcase_add_test(tc, bins_closed_on_the_right);
    tcase_add_test(tc, votes_over_the_model_classes);
    tcase_add_test(tc, shards_add_up_exactly);
    suite_add_tcase(s, tc);
    return s;
}
