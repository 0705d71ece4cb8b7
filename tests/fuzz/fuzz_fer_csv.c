/* fuzz_fer_csv.c - the FER2013 CSV loader on arbitrary bytes, through an
 * in-memory file (the loader takes a path). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = fuzz_memfile(data, size, path, sizeof path);
    emo_dataset *ds = NULL;
    if (fd >= 0 && emo_dataset_create(&ds) == EMO_OK) {
        /* the first byte also picks all rows or the Training rows only */
        int all = size && (data[0] & 1);
        emo_dataset_add_fer_csv(ds, path, all ? NULL : "Training");
        emo_dataset_destroy(ds);
    }
    if (fd >= 0)
        close(fd);
    return 0;
}
