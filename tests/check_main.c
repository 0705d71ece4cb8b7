/* check_main.c - runs every suite listed in the generated suites.h and
 * prints Check's summary line last. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#define SUITE(name) Suite *name##_suite(void);
#include "suites.h"
#undef SUITE

int main(void)
{
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
