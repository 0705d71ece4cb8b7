/* fuzz_list.c - "path label" list files (Caffe's convert_imageset format)
 * on arbitrary bytes, through an in-memory file.  Relative paths resolve
 * under a root that does not exist, so they are counted as unreadable. */
#include <emo.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz.list", 0);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) == (ssize_t)size) {
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        emo_dataset *ds = NULL;
        if (emo_dataset_create(&ds) == EMO_OK) {
            emo_dataset_add_list(ds, path, "/nonexistent-libemo-fuzz");
            emo_dataset_destroy(ds);
        }
    }
    close(fd);
    return 0;
}
