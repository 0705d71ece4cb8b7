/* fuzz_fer_csv.c - the FER2013 CSV loader on arbitrary bytes, through an
 * in-memory file (the loader takes a path). */
#include <emo.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz.csv", 0);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) == (ssize_t)size) {
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        emo_dataset *ds = NULL;
        if (emo_dataset_create(&ds) == EMO_OK) {
            emo_dataset_add_fer_csv(ds, path, size && (data[0] & 1) ? NULL : "Training");
            emo_dataset_destroy(ds);
        }
    }
    close(fd);
    return 0;
}
