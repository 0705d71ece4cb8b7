/* fuzz_network_text.c - network descriptions from arbitrary text.  A text
 * that builds must come back unchanged from emo_network_get_text (its
 * documented contract) and must summarise. */
#include "fuzz_common.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_cap_networks();
    if (size > 4096)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0'; /* the parser sees the text up to a first NUL */
    emo_network *net = NULL;
    if (emo_network_create_text(text, &net) == EMO_OK) {
        static char back[8192], summary[65536];
        int len = emo_network_get_text(net, back, sizeof back);
        if (len != (int)strlen(text) || strcmp(back, text) != 0)
            abort(); /* the text it was built from, exactly */
        if (emo_network_summary(net, summary, sizeof summary) < 0)
            abort(); /* every network that builds can be described */
        emo_network_destroy(net);
    }
    free(text);
    return 0;
}
