/* check_core.c - version, status codes, error detail, options, classes. */
#include "testutil.h"
#include "common/internal.h"

#include <pthread.h>
#include <sys/stat.h>

START_TEST(version_matches_macros)
{
    ck_assert_int_eq(emo_version_number(), EMO_VERSION_NUMBER);
    ck_assert_str_eq(emo_version(), EMO_VERSION_STRING);
    char buf[32];
    snprintf(buf, sizeof buf, "%d.%d.%d", EMO_VERSION_MAJOR,
             EMO_VERSION_MINOR, EMO_VERSION_PATCH);
    ck_assert_str_eq(emo_version(), buf);
}
END_TEST

START_TEST(every_code_has_a_name)
{
    for (int c = EMO_ERR_INTERNAL; c <= EMO_OK; c++)
        ck_assert_str_ne(emo_strerror(c), "unknown error code");
    ck_assert_str_eq(emo_strerror(-9999), "unknown error code");
    ck_assert_str_eq(emo_strerror(1), "unknown error code");
}
END_TEST

static void *fail_in_thread(void *arg)
{
    emo__fail(EMO_ERR_IO, "thread %d", *(int *)arg);
    return (void *)emo_last_error();
}

START_TEST(last_error_is_thread_local)
{
    emo__fail(EMO_ERR_FORMAT, "main %s", "thread");
    pthread_t t;
    int id = 7;
    void *other;
    pthread_create(&t, NULL, fail_in_thread, &id);
    pthread_join(t, &other);
    ck_assert_str_eq(emo_last_error(), "main thread");
}
END_TEST

START_TEST(fail_prefix_names_file)
{
    emo__fail(EMO_ERR_FORMAT, "bad header");
    ck_assert_int_eq(emo__fail_prefix(EMO_ERR_FORMAT, "x.png"),
                     EMO_ERR_FORMAT);
    ck_assert_str_eq(emo_last_error(), "x.png: bad header");
}
END_TEST

START_TEST(option_bounds_and_defaults)
{
    double lo, hi, def;
    ck_assert_emo_ok(emo_option_bounds(EMO_OPT_FACE_SIZE, &lo, &hi, &def));
    ck_assert(lo == 8 && hi == 512 && def == 48);
    ck_assert_emo_ok(emo_option_bounds(EMO_OPT_TRAIN_MOMENTUM, NULL, NULL,
                                       &def));
    ck_assert(def == 0.9);
    ck_assert_int_eq(emo_option_bounds(99999, &lo, &hi, &def), EMO_ERR_RANGE);
}
END_TEST

START_TEST(option_storage_checks_range_type_and_group)
{
    emo_opts o;
    emo__opts_init(&o);
    ck_assert_int_eq(emo__opti(&o, EMO_OPT_DETECT_MIN_NEIGHBORS), 5);
    unsigned g = EMO__GROUP_DETECT;
    ck_assert_emo_ok(emo__opts_set(&o, g, EMO_OPT_DETECT_MIN_NEIGHBORS, 3));
    ck_assert_int_eq(emo__opti(&o, EMO_OPT_DETECT_MIN_NEIGHBORS), 3);
    /* out of range, not integral, wrong group, unknown */
    ck_assert_int_eq(emo__opts_set(&o, g, EMO_OPT_DETECT_MIN_NEIGHBORS, -1),
                     EMO_ERR_RANGE);
    ck_assert_int_eq(emo__opts_set(&o, g, EMO_OPT_FACE_SIZE, 47.5),
                     EMO_ERR_RANGE);
    ck_assert_int_eq(emo__opts_set(&o, g, EMO_OPT_TRAIN_LR, 0.1),
                     EMO_ERR_RANGE);
    ck_assert_int_eq(emo__opts_set(&o, g, 199, 1), EMO_ERR_RANGE);
    ck_assert_int_eq(emo__opts_set(&o, g, EMO_OPT_DETECT_SCALE_FACTOR,
                                   0.0 / 0.0), EMO_ERR_RANGE);
    ck_assert_int_eq(emo__opti(&o, EMO_OPT_DETECT_MIN_NEIGHBORS), 3);
    double v;
    ck_assert_emo_ok(emo__opts_get(&o, g, EMO_OPT_DETECT_SCALE_FACTOR, &v));
    ck_assert(v == 1.1);
    ck_assert_int_eq(emo__opts_get(&o, g, EMO_OPT_NET_SEED, &v),
                     EMO_ERR_RANGE);
}
END_TEST

/* Every handle's get_int reads a float option by one rule: nearest,
 * halves away from zero; and every handle refuses NULL alike. */
START_TEST(option_accessors_round_alike)
{
    emo_dataset *ds;
    emo_preprocessor *pp;
    emo_network *net;
    emo_predictor *pred;
    int v;
    ck_assert_emo_ok(emo_dataset_create(&ds));
    ck_assert_emo_ok(emo_preprocessor_create(&pp));
    ck_assert_emo_ok(emo_network_create_preset("lenet", 7, &net));
    ck_assert_emo_ok(emo_predictor_create(net, &pred));
    ck_assert_emo_ok(emo_dataset_set_float(ds, EMO_OPT_DATA_CKPLUS_FRACTION,
                                           0.5));
    ck_assert_emo_ok(emo_dataset_get_int(ds, EMO_OPT_DATA_CKPLUS_FRACTION,
                                         &v));
    ck_assert_int_eq(v, 1);
    ck_assert_emo_ok(emo_preprocessor_set_float(pp, EMO_OPT_CROP_MARGIN,
                                                -0.4));
    ck_assert_emo_ok(emo_preprocessor_get_int(pp, EMO_OPT_CROP_MARGIN, &v));
    ck_assert_int_eq(v, 0);
    ck_assert_emo_ok(emo_preprocessor_set_float(pp, EMO_OPT_CROP_MARGIN,
                                                0.5));
    ck_assert_emo_ok(emo_preprocessor_get_int(pp, EMO_OPT_CROP_MARGIN, &v));
    ck_assert_int_eq(v, 1);
    ck_assert_emo_ok(emo_network_set_float(net, EMO_OPT_TRAIN_MOMENTUM, 0.5));
    ck_assert_emo_ok(emo_network_get_int(net, EMO_OPT_TRAIN_MOMENTUM, &v));
    ck_assert_int_eq(v, 1);
    ck_assert_emo_ok(emo_predictor_set_float(pred, EMO_OPT_PREDICT_ZOOM,
                                             1.5));
    ck_assert_emo_ok(emo_predictor_get_int(pred, EMO_OPT_PREDICT_ZOOM, &v));
    ck_assert_int_eq(v, 2);
    /* set_int of a float option, set_float of an integral value */
    ck_assert_emo_ok(emo_predictor_set_int(pred, EMO_OPT_PREDICT_ZOOM, 2));
    ck_assert_emo_ok(emo_network_set_float(net, EMO_OPT_TRAIN_EPOCHS, 3.0));
    ck_assert_int_eq(emo_network_set_float(net, EMO_OPT_TRAIN_EPOCHS, 3.5),
                     EMO_ERR_RANGE);
    ck_assert_int_eq(emo_dataset_get_int(NULL, EMO_OPT_DATA_CLASSES, &v),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_preprocessor_set_int(NULL, EMO_OPT_BLUR, 1),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_network_get_float(net, EMO_OPT_NET_SEED, NULL),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_predictor_set_float(NULL, EMO_OPT_PREDICT_VIEWS, 1),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_predictor_get_int(pred, EMO_OPT_TRAIN_EPOCHS, &v),
                     EMO_ERR_RANGE);
    emo_predictor_destroy(pred);
    emo_network_destroy(net);
    emo_preprocessor_destroy(pp);
    emo_dataset_destroy(ds);
}
END_TEST

START_TEST(global_limits)
{
    int v;
    ck_assert_emo_ok(emo_get_int(EMO_OPT_MAX_PIXELS, &v));
    ck_assert_int_eq(v, 64000000);
    ck_assert_emo_ok(emo_set_int(EMO_OPT_MAX_PIXELS, 1000));
    ck_assert_emo_ok(emo_get_int(EMO_OPT_MAX_PIXELS, &v));
    ck_assert_int_eq(v, 1000);
    ck_assert_int_eq(emo_set_int(EMO_OPT_MAX_PIXELS, 0), EMO_ERR_RANGE);
    ck_assert_int_eq(emo_set_int(EMO_OPT_FACE_SIZE, 48), EMO_ERR_RANGE);
    ck_assert_int_eq(emo_get_int(EMO_OPT_MAX_PIXELS, NULL),
                     EMO_ERR_INVALID_ARG);
    ck_assert_emo_ok(emo_set_int(EMO_OPT_MAX_PIXELS, 64000000));
}
END_TEST

START_TEST(class_names_and_aliases)
{
    ck_assert_str_eq(emo_class_name(EMO_CLASS_NEUTRAL), "neutral");
    ck_assert_str_eq(emo_class_name(EMO_CLASS_CONTEMPT), "contempt");
    ck_assert_ptr_null(emo_class_name(8));
    ck_assert_ptr_null(emo_class_name(-1));
    ck_assert_int_eq(emo_class_from_name("Angry"), EMO_CLASS_ANGER);
    ck_assert_int_eq(emo_class_from_name("sadness"), EMO_CLASS_SAD);
    ck_assert_int_eq(emo_class_from_name("happiness"), EMO_CLASS_HAPPY);
    ck_assert_int_eq(emo_class_from_name("SU"), EMO_CLASS_SURPRISE);
    ck_assert_int_eq(emo_class_from_name("bored"), EMO_ERR_RANGE);
    ck_assert_int_eq(emo_class_from_name(NULL), EMO_ERR_INVALID_ARG);
}
END_TEST

START_TEST(rng_is_reproducible_and_uniform)
{
    emo_rng a, b;
    emo__rng_seed(&a, 42);
    emo__rng_seed(&b, 42);
    double sum = 0;
    for (int i = 0; i < 10000; i++) {
        ck_assert(emo__rng_next(&a) == emo__rng_next(&b));
        double u = emo__rng_uniform(&a);
        ck_assert(u >= 0 && u < 1);
        sum += u;
        emo__rng_next(&b);
    }
    ck_assert(sum / 10000 > 0.48 && sum / 10000 < 0.52);
}
END_TEST

START_TEST(atomic_file_commit_and_abort)
{
    char path[128];
    snprintf(path, sizeof path, "%s/out.bin", test_tmpdir());
    emo_atomic_file f;
    ck_assert_emo_ok(emo__atomic_open(&f, path));
    fputs("hello", (FILE *)f.fp);
    ck_assert_int_ne(access(path, F_OK), 0); /* not visible before commit */
    ck_assert_emo_ok(emo__atomic_commit(&f));
    struct stat st;
    mode_t mask = umask(022);
    ck_assert_int_eq(stat(path, &st), 0);
    umask(mask);
    ck_assert_int_eq(st.st_mode & 0777, 0666 & ~mask); /* not mkstemp's 0600 */
    uint8_t *data;
    size_t n;
    ck_assert_emo_ok(emo__read_file(path, &data, &n));
    ck_assert_int_eq(n, 5);
    ck_assert(memcmp(data, "hello", 5) == 0);
    free(data);
    ck_assert_emo_ok(emo__atomic_open(&f, path));
    fputs("partial", (FILE *)f.fp);
    emo__atomic_abort(&f);
    ck_assert_emo_ok(emo__read_file(path, &data, &n));
    ck_assert_int_eq(n, 5); /* old content intact */
    free(data);
}
END_TEST

START_TEST(read_file_errors)
{
    uint8_t *data;
    size_t n;
    ck_assert_int_eq(emo__read_file("/nonexistent/x", &data, &n), EMO_ERR_IO);
    ck_assert_ptr_nonnull(strstr(emo_last_error(), "/nonexistent/x"));
    ck_assert_int_eq(emo__read_file("/tmp", &data, &n), EMO_ERR_IO);
    char path[128];
    snprintf(path, sizeof path, "%s/big", test_tmpdir());
    ck_assert_int_eq(write_bytes(path, "0123456789", 10), 0);
    ck_assert_emo_ok(emo_set_int(EMO_OPT_MAX_FILE_BYTES, 9));
    ck_assert_int_eq(emo__read_file(path, &data, &n), EMO_ERR_LIMIT);
    ck_assert_emo_ok(emo_set_int(EMO_OPT_MAX_FILE_BYTES, 1 << 30));
}
END_TEST

/* A FIFO named as an image, model or cascade is refused at once: opening
 * it for reading would otherwise wait for a writer forever (the test
 * would time out). */
START_TEST(fifos_are_refused_without_blocking)
{
    char path[128];
    snprintf(path, sizeof path, "%s/f.png", test_tmpdir());
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    uint8_t *data;
    size_t n;
    ck_assert_int_eq(emo__read_file(path, &data, &n), EMO_ERR_IO);
    ck_assert_msg(strstr(emo_last_error(), "f.png: not a regular file"),
                  "%s", emo_last_error());
    int w, h;
    ck_assert_int_eq(emo_image_load(path, 1, &data, &w, &h), EMO_ERR_IO);
    emo_network *net;
    ck_assert_int_eq(emo_network_load(path, &net), EMO_ERR_IO);
    emo_preprocessor *pp;
    ck_assert_emo_ok(emo_preprocessor_create(&pp));
    ck_assert_int_eq(emo_preprocessor_load_cascade(pp, path), EMO_ERR_IO);
    emo_preprocessor_destroy(pp);
}
END_TEST

Suite *core_suite(void)
{
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, version_matches_macros);
    tcase_add_test(tc, every_code_has_a_name);
    tcase_add_test(tc, last_error_is_thread_local);
    tcase_add_test(tc, fail_prefix_names_file);
    tcase_add_test(tc, option_bounds_and_defaults);
    tcase_add_test(tc, option_storage_checks_range_type_and_group);
    tcase_add_test(tc, option_accessors_round_alike);
    tcase_add_test(tc, global_limits);
    tcase_add_test(tc, class_names_and_aliases);
    tcase_add_test(tc, rng_is_reproducible_and_uniform);
    tcase_add_test(tc, atomic_file_commit_and_abort);
    tcase_add_test(tc, read_file_errors);
    tcase_add_test(tc, fifos_are_refused_without_blocking);
    suite_add_tcase(s, tc);
    return s;
}
