/* check_vote.c - augmentation voting on hand-made probability vectors. */
#include "testutil.h"
#include "predict/vote.h"

#include <math.h>

#define C 4

static void check_scores_are_means(const float *p, int views,
                                   const emo_prediction *r)
{
    for (int c = 0; c < C; c++) {
        float s = 0;
        for (int v = 0; v < views; v++)
            s += p[v * C + c];
        ck_assert(fabsf(r->scores[c] - s / views) < 1e-6f);
    }
    for (int c = C; c < EMO_MAX_CLASSES; c++)
        ck_assert(r->scores[c] == 0.0f);
}

START_TEST(clear_majority)
{
    /* three views say 2, one says 0 with high confidence: majority wins
     * even though class 0 has the largest single score. */
    const float p[4 * C] = {
        0.1f, 0.1f, 0.7f, 0.1f,
        0.2f, 0.1f, 0.6f, 0.1f,
        0.97f, 0.01f, 0.01f, 0.01f,
        0.3f, 0.0f, 0.5f, 0.2f,
    };
    emo_prediction r;
    memset(&r, 0x55, sizeof r);
    ck_assert_emo_ok(emo__vote(p, 4, C, EMO_VOTE_MAJORITY, &r));
    ck_assert_int_eq(r.label, 2);
    ck_assert_int_eq(r.num_views, 4);
    ck_assert_int_eq(r.num_classes, C);
    const int want[4] = {2, 2, 0, 2};
    for (int v = 0; v < 4; v++)
        ck_assert_int_eq(r.view_labels[v], want[v]);
    for (int v = 4; v < EMO_MAX_VIEWS; v++)
        ck_assert_int_eq(r.view_labels[v], -1);
    check_scores_are_means(p, 4, &r);
}
END_TEST

START_TEST(tie_broken_by_summed_score)
{
    /* 2-2 tie between classes 1 and 3; class 3's views are more confident
     * (sum 0.9+0.8+... > class 1's), so 3 wins whatever the view order. */
    const float p[4 * C] = {
        0.0f, 0.5f, 0.1f, 0.4f,
        0.0f, 0.45f, 0.15f, 0.4f,
        0.0f, 0.05f, 0.05f, 0.9f,
        0.0f, 0.1f, 0.1f, 0.8f,
    };
    emo_prediction r;
    ck_assert_emo_ok(emo__vote(p, 4, C, EMO_VOTE_MAJORITY, &r));
    ck_assert_int_eq(r.label, 3);
    /* Same views, reversed: the answer must not depend on order. */
    float q[4 * C];
    for (int v = 0; v < 4; v++)
        memcpy(q + v * C, p + (3 - v) * C, sizeof(float) * C);
    ck_assert_emo_ok(emo__vote(q, 4, C, EMO_VOTE_MAJORITY, &r));
    ck_assert_int_eq(r.label, 3);

    /* Now make class 1 the more confident pair: it wins. */
    const float s[4 * C] = {
        0.0f, 0.9f, 0.0f, 0.1f,
        0.0f, 0.8f, 0.1f, 0.1f,
        0.0f, 0.3f, 0.3f, 0.4f,
        0.0f, 0.3f, 0.25f, 0.45f,
    };
    ck_assert_emo_ok(emo__vote(s, 4, C, EMO_VOTE_MAJORITY, &r));
    ck_assert_int_eq(r.label, 1);
}
END_TEST

START_TEST(all_different)
{
    /* Every view votes for another class: the highest summed score wins,
     * which is the argmax of the averaged scores. */
    const float p[4 * C] = {
        0.4f, 0.3f, 0.2f, 0.1f,
        0.1f, 0.4f, 0.3f, 0.2f,
        0.05f, 0.35f, 0.4f, 0.2f,
        0.1f, 0.2f, 0.3f, 0.4f,
    };
    emo_prediction r;
    ck_assert_emo_ok(emo__vote(p, 4, C, EMO_VOTE_MAJORITY, &r));
    for (int v = 0; v < 4; v++)
        ck_assert_int_eq(r.view_labels[v], v);
    ck_assert_int_eq(r.label, 1); /* sums 0.65, 1.25, 1.2, 0.9 */
    ck_assert_int_eq(r.label, emo__argmax(r.scores, C));
    check_scores_are_means(p, 4, &r);
}
END_TEST

START_TEST(one_view)
{
    const float p[C] = {0.1f, 0.2f, 0.6f, 0.1f};
    emo_prediction r;
    ck_assert_emo_ok(emo__vote(p, 1, C, EMO_VOTE_MAJORITY, &r));
    ck_assert_int_eq(r.label, 2);
    ck_assert_int_eq(r.num_views, 1);
    ck_assert_int_eq(r.view_labels[0], 2);
    ck_assert_int_eq(r.view_labels[1], -1);
    for (int c = 0; c < C; c++)
        ck_assert(r.scores[c] == p[c]);
}
END_TEST

START_TEST(exact_ties_go_to_lowest_index)
{
    const float p[2 * C] = {
        0.25f, 0.25f, 0.25f, 0.25f,
        0.25f, 0.25f, 0.25f, 0.25f,
    };
    emo_prediction r;
    ck_assert_emo_ok(emo__vote(p, 2, C, EMO_VOTE_MAJORITY, &r));
    ck_assert_int_eq(r.label, 0);
    ck_assert_int_eq(emo__argmax(p, C), 0);
}
END_TEST

START_TEST(mean_rule_follows_confidence)
{
    /* three views lean to class 1, one is sure of class 0: the majority
     * says 1, the mean probability says 0 (0.51 against 0.30). */
    const float p[4 * C] = {
        0.35f, 0.4f, 0.15f, 0.1f,
        0.35f, 0.4f, 0.15f, 0.1f,
        0.35f, 0.4f, 0.15f, 0.1f,
        0.99f, 0.0f, 0.01f, 0.0f,
    };
    emo_prediction r;
    ck_assert_emo_ok(emo__vote(p, 4, C, EMO_VOTE_MAJORITY, &r));
    ck_assert_int_eq(r.label, 1);
    ck_assert_emo_ok(emo__vote(p, 4, C, EMO_VOTE_MEAN, &r));
    ck_assert_int_eq(r.label, 0);
    const int want[4] = {1, 1, 1, 0};
    for (int v = 0; v < 4; v++)
        ck_assert_int_eq(r.view_labels[v], want[v]);
    check_scores_are_means(p, 4, &r);
}
END_TEST

START_TEST(bad_arguments)
{
    enum { M = EMO_VOTE_MAJORITY };
    float p[EMO_MAX_VIEWS * (EMO_MAX_CLASSES + 1)] = {0};
    emo_prediction r;
    ck_assert_int_eq(emo__vote(NULL, 1, C, M, &r), EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo__vote(p, 1, C, M, NULL), EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo__vote(p, 0, C, M, &r), EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo__vote(p, EMO_MAX_VIEWS + 1, C, M, &r),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo__vote(p, 1, 0, M, &r), EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo__vote(p, 1, EMO_MAX_CLASSES + 1, M, &r),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo__vote(p, 1, C, 2, &r), EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo__vote(p, 1, C, -1, &r), EMO_ERR_INVALID_ARG);
    ck_assert_emo_ok(emo__vote(p, EMO_MAX_VIEWS, EMO_MAX_CLASSES, M, &r));
}
END_TEST

Suite *vote_suite(void)
{
    Suite *s = suite_create("vote");
    TCase *tc = tcase_create("vote");
    tcase_add_test(tc, clear_majority);
    tcase_add_test(tc, tie_broken_by_summed_score);
    tcase_add_test(tc, all_different);
    tcase_add_test(tc, one_view);
    tcase_add_test(tc, exact_ties_go_to_lowest_index);
    tcase_add_test(tc, mean_rule_follows_confidence);
    tcase_add_test(tc, bad_arguments);
    suite_add_tcase(s, tc);
    return s;
}
