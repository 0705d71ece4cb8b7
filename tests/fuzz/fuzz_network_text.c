/* fuzz_network_text.c - network descriptions from arbitrary text.  A text
 * that parses must print back to a text that parses to the same text. */
#include <emo.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *as_string(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s) {
        memcpy(s, data, size);
        s[size] = '\0';
    }
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A valid network is built and its weights initialised: the fuzzer
     * caps networks at 4 M parameters (the limit's own check is still
     * exercised) so that each input takes milliseconds, not seconds. */
    static int capped;
    if (!capped)
        capped = emo_set_int(EMO_OPT_MAX_NET_PARAMS, 1 << 22) == EMO_OK;
    if (size > 4096)
        return 0;
    char *text = as_string(data, size);
    emo_network *net = NULL;
    if (!text || emo_network_create_text(text, &net) != EMO_OK) {
        free(text);
        return 0;
    }
    static char printed[65536], again[65536];
    int len = emo_network_get_text(net, printed, sizeof printed);
    if (len < 0)
        abort(); /* a built network has a text */
    if ((size_t)len < sizeof printed) {
        emo_network *net2 = NULL;
        if (emo_network_create_text(printed, &net2) != EMO_OK)
            abort(); /* the library printed a text it cannot read */
        if (emo_network_get_text(net2, again, sizeof again) != len ||
            strcmp(printed, again) != 0)
            abort(); /* printing is not stable */
        emo_network_destroy(net2);
    }
    emo_network_destroy(net);
    free(text);
    return 0;
}
