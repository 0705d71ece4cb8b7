/* fuzz_model.c - model files from arbitrary bytes.  The fuzzer's bytes get
 * a correct CRC-32 appended, so mutations reach the chunk parser instead
 * of stopping at the checksum. */
#include "fuzz_common.h"
#include "common/internal.h"
#include "model/network.h"
#include "model/crc32.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_cap_networks();
    uint8_t *file = malloc(size + 4);
    if (!file)
        return 0;
    memcpy(file, data, size);
    uint32_t crc = emo__crc32(0, data, size);
    for (int i = 0; i < 4; i++)
        file[size + i] = (uint8_t)(crc >> (8 * i)); /* little-endian */
    emo_network *net = NULL;
    if (emo__model_load_mem(file, size + 4, "fuzz", &net) == EMO_OK)
        emo_network_destroy(net);
    free(file);
    return 0;
}
