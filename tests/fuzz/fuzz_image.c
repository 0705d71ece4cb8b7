/* fuzz_image.c - PNG, JPEG and PGM decoding of arbitrary bytes, into an
 * allocated image and into a small caller buffer. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The first byte picks gray or RGB output, so both paths are explored. */
    if (size < 1)
        return 0;
    int channels = (data[0] & 1) ? 3 : 1;
    data++, size--;
    uint8_t *pixels = NULL;
    int w, h;
    if (emo_image_decode(data, size, channels, &pixels, &w, &h) == EMO_OK)
        emo_free(pixels);
    static uint8_t small[64 * 64 * 3];
    emo_image_decode_into(data, size, channels, small, sizeof small,
                          64 * channels, &w, &h);
    return 0;
}
