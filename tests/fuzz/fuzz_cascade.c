/* fuzz_cascade.c - OpenCV cascade XML from arbitrary bytes: the parser and
 * validator must refuse what they cannot use, never crash or leak. */
#include "fuzz_common.h"
#include "detect/cascade.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    emo__cascade *c = NULL;
    if (emo__cascade_parse(data, size, "fuzz", &c) == EMO_OK)
        emo__cascade_free(c);
    return 0;
}
