/* replay.c - runs a fuzzer's entry point over files given on the command
 * line, without libFuzzer: `make check` replays the seeds and any inputs
 * committed under tests/fuzz/regress/<fuzzer>/ under ASan and UBSan with
 * any compiler. */
#include "fuzz_common.h"
#include "common/internal.h"

#include <stdlib.h>

static int replay(const char *path)
{
    uint8_t *data;
    size_t size;
    if (emo__read_file(path, &data, &size) != EMO_OK) {
        fprintf(stderr, "replay: %s\n", emo_last_error());
        return 1;
    }
    LLVMFuzzerTestOneInput(data, size);
    free(data);
    return 0;
}

int main(int argc, char **argv)
{
    int rc = 0;
    for (int i = 1; i < argc; i++)
        rc |= replay(argv[i]);
    return rc;
}
