/* check_default_path.c - emo_default_model_path(): the one lookup rule
 * ($EMO_MODEL, then beside the library, then the configured datadir) and
 * its buffer-size contract.  The installed layout is checked by
 * tests/check-pkgconfig.sh, which installs into a staging prefix. */
#include "testutil.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* This test binary links libemo statically into build/check_libemo, so
 * the "library" directory is build/ and the model is build/../models. */
/* The source-tree rule (<binary's dir>/../models) holds for build/ and
 * build-v3/; a cross build in build/cross/ARCH has no models/ there. */
static int beside_source_models(void)
{
    char exe[PATH_MAX], src[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 16);
    if (n <= 0)
        return 0;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash)
        return 0;
    strcpy(slash, "/../models");
    char *a = realpath(exe, NULL);
    int same = a && realpath(test_src_path("models"), src) &&
               strcmp(a, src) == 0;
    free(a);
    return same;
}

START_TEST(finds_the_source_tree_model)
{
    if (!beside_source_models())
        return; /* cross build: nothing to find by this rule */
    unsetenv("EMO_MODEL");
    char *want = realpath(test_src_path("models/default.emo"), NULL);
    ck_assert_ptr_nonnull(want);
    char buf[PATH_MAX];
    int n = emo_default_model_path(buf, sizeof buf);
    ck_assert_int_eq(n, (int)strlen(want));
    ck_assert_str_eq(buf, want);
    free(want);
}
END_TEST

START_TEST(returns_the_length_it_needs)
{
    if (beside_source_models())
        unsetenv("EMO_MODEL");
    else /* the buffer contract is the same whichever rule found it */
        setenv("EMO_MODEL", test_src_path("models/default.emo"), 1);
    int n = emo_default_model_path(NULL, 0);
    ck_assert_int_gt(n, 0);
    char full[PATH_MAX];
    ck_assert_int_eq(emo_default_model_path(full, sizeof full), n);

    char small[8];
    memset(small, 'x', sizeof small);
    ck_assert_int_eq(emo_default_model_path(small, 0), n);
    ck_assert_int_eq(small[0], 'x');               /* cap 0: untouched */
    ck_assert_int_eq(emo_default_model_path(small, 1), n);
    ck_assert_str_eq(small, "");
    ck_assert_int_eq(emo_default_model_path(small, sizeof small), n);
    ck_assert_int_eq(strlen(small), sizeof small - 1);
    ck_assert_int_eq(strncmp(small, full, sizeof small - 1), 0);

    char *exact = malloc((size_t)n + 1);
    ck_assert_int_eq(emo_default_model_path(exact, (size_t)n), n);
    ck_assert_int_eq(strlen(exact), n - 1);        /* one short: truncated */
    ck_assert_int_eq(emo_default_model_path(exact, (size_t)n + 1), n);
    ck_assert_str_eq(exact, full);
    free(exact);
}
END_TEST

START_TEST(null_buffer_with_capacity_is_refused)
{
    ck_assert_int_eq(emo_default_model_path(NULL, 16), EMO_ERR_INVALID_ARG);
}
END_TEST

START_TEST(environment_overrides_as_is)
{
    setenv("EMO_MODEL", "/nonexistent/other.emo", 1);
    char buf[64];
    ck_assert_int_eq(emo_default_model_path(buf, sizeof buf),
                     (int)strlen("/nonexistent/other.emo"));
    ck_assert_str_eq(buf, "/nonexistent/other.emo");
    setenv("EMO_MODEL", "", 1);                    /* empty: not a choice */
    if (!beside_source_models()) {
        unsetenv("EMO_MODEL");
        return;
    }
    char path[PATH_MAX];
    ck_assert_int_gt(emo_default_model_path(path, sizeof path), 0);
    ck_assert_ptr_nonnull(strstr(path, "/models/default.emo"));
    unsetenv("EMO_MODEL");
}
END_TEST

Suite *default_path_suite(void)
{
    Suite *s = suite_create("default_path");
    TCase *tc = tcase_create("default_path");
    tcase_add_test(tc, finds_the_source_tree_model);
    tcase_add_test(tc, returns_the_length_it_needs);
    tcase_add_test(tc, null_buffer_with_capacity_is_refused);
    tcase_add_test(tc, environment_overrides_as_is);
    suite_add_tcase(s, tc);
    return s;
}
