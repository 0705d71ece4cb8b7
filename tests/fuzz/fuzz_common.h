/* fuzz_common.h - pieces several fuzzers share: an in-memory file for the
 * loaders that take a path, and the network-size cap. */
#ifndef EMO_FUZZ_COMMON_H
#define EMO_FUZZ_COMMON_H

#include <emo.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes the bytes to an anonymous in-memory file and its /proc path into
 * path; returns its descriptor (close it after use), -1 on failure. */
static inline int fuzz_memfile(const uint8_t *data, size_t size,
                               char *path, size_t cap)
{
    int fd = memfd_create("fuzz-input", 0);
    if (fd < 0)
        return -1;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return -1;
    }
    snprintf(path, cap, "/proc/self/fd/%d", fd);
    return fd;
}

/* Valid networks are built and their weights initialised: capping them at
 * 4 M parameters keeps each input to milliseconds (inputs over the cap
 * still exercise the limit's own check). */
static inline void fuzz_cap_networks(void)
{
    static int capped;
    if (!capped)
        capped = emo_set_int(EMO_OPT_MAX_NET_PARAMS, 1 << 22) == EMO_OK;
}

#endif
