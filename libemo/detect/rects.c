/* rects.c - the growable rectangle list that detection scans fill. */
#include "detect/cascade.h"

#include <stdlib.h>

int emo__rects_push(emo__rects *r, emo__rect x)
{
    if (r->n == r->cap) {
        if (r->cap > (1 << 26))
            return emo__fail(EMO_ERR_LIMIT, "too many detections");
        int cap = r->cap ? r->cap * 2 : 64;
        emo__rect *v = realloc(r->v, sizeof *v * (size_t)cap);
        if (!v)
            return emo__fail(EMO_ERR_NOMEM, "out of memory for detections");
        r->v = v;
        r->cap = cap;
    }
    r->v[r->n++] = x;
    return EMO_OK;
}

void emo__rects_free(emo__rects *r)
{
    free(r->v);
    r->v = NULL;
    r->n = r->cap = 0;
}
