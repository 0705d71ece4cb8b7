/* check_main.c - runs every suite listed in the generated suites.h and
 * prints Check's summary line last.  EMO_TEST_SCALE (testutil.h) shrinks
 * the slow cases for emulated runs. */
#include "testutil.h"

#define SUITE(name) Suite *name##_suite(void);
#include "suites.h"
#undef SUITE

int main(void)
{
    if (test_scale() < 0) {
        fprintf(stderr, "EMO_TEST_SCALE=%s: expected a number in (0, 1]\n",
                getenv("EMO_TEST_SCALE"));
        return EXIT_FAILURE;
    }
    SRunner *sr = srunner_create(NULL);
#define SUITE(name) srunner_add_suite(sr, name##_suite());
#include "suites.h"
#undef SUITE
    /* Fork mode unless CK_FORK=no (under gdb or valgrind): an explicit
     * CK_FORK here would make Check ignore the variable. */
    srunner_set_fork_status(sr, CK_FORK_GETENV);
    srunner_run_all(sr, getenv("EMO_TEST_VERBOSE") ? CK_VERBOSE : CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
