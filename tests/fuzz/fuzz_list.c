/* fuzz_list.c - "path label" list files (Caffe's convert_imageset format)
 * on arbitrary bytes, through an in-memory file.  Relative paths resolve
 * under a root that does not exist, so they are counted as unreadable. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = fuzz_memfile(data, size, path, sizeof path);
    emo_dataset *ds = NULL;
    if (fd >= 0 && emo_dataset_create(&ds) == EMO_OK) {
        emo_dataset_add_list(ds, path, "/nonexistent-libemo-fuzz");
        emo_dataset_destroy(ds);
    }
    if (fd >= 0)
        close(fd);
    return 0;
}
