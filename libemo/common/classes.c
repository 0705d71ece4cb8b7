/* classes.c - canonical emotion class names and the spellings datasets use. */
#include "common/internal.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const char *const class_names[] = {
    "neutral", "anger", "disgust", "fear", "happy", "sad", "surprise",
    "contempt",
};

EMO_API const char *emo_class_name(int cls)
{
    if (cls < 0 || cls >= (int)(sizeof class_names / sizeof *class_names))
        return NULL;
    return class_names[cls];
}

static const struct {
    const char *spelling;
    int cls;
} aliases[] = {
    {"neutral", EMO_CLASS_NEUTRAL}, {"ne", EMO_CLASS_NEUTRAL},
    {"anger", EMO_CLASS_ANGER}, {"angry", EMO_CLASS_ANGER},
    {"an", EMO_CLASS_ANGER},
    {"disgust", EMO_CLASS_DISGUST}, {"disgusted", EMO_CLASS_DISGUST},
    {"di", EMO_CLASS_DISGUST},
    {"fear", EMO_CLASS_FEAR}, {"fearful", EMO_CLASS_FEAR},
    {"afraid", EMO_CLASS_FEAR}, {"fe", EMO_CLASS_FEAR},
    {"happy", EMO_CLASS_HAPPY}, {"happiness", EMO_CLASS_HAPPY},
    {"joy", EMO_CLASS_HAPPY}, {"ha", EMO_CLASS_HAPPY},
    {"sad", EMO_CLASS_SAD}, {"sadness", EMO_CLASS_SAD}, {"sa", EMO_CLASS_SAD},
    {"surprise", EMO_CLASS_SURPRISE}, {"surprised", EMO_CLASS_SURPRISE},
    {"su", EMO_CLASS_SURPRISE},
    {"contempt", EMO_CLASS_CONTEMPT}, {"co", EMO_CLASS_CONTEMPT},
};

EMO_API int emo_class_from_name(const char *name)
{
    if (!name)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL class name");
    for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++)
        if (strcasecmp(name, aliases[i].spelling) == 0)
            return aliases[i].cls;
    return emo__fail(EMO_ERR_RANGE, "unknown emotion class '%s'", name);
}
