/*
 * options.h - option storage of every handle, and the process-wide limits
 * (options.c).
 */
#ifndef EMO_COMMON_OPTIONS_H
#define EMO_COMMON_OPTIONS_H

#include "emo.h"

/* Option storage.  Options are numbered in groups of 100 (see emo.h); a
 * handle keeps a value for every option of the groups it accepts. */
#define EMO__OPT_GROUPS 6
#define EMO__OPT_PER_GROUP 32
enum {
    EMO__GROUP_GLOBAL = 1 << 0,
    EMO__GROUP_DETECT = 1 << 1,
    EMO__GROUP_NET = 1 << 2,
    EMO__GROUP_TRAIN = 1 << 3,
    EMO__GROUP_PREDICT = 1 << 4,
    EMO__GROUP_DATA = 1 << 5
};
typedef struct emo_opts {
    double v[EMO__OPT_GROUPS][EMO__OPT_PER_GROUP];
} emo_opts;

/* Every EMO_AUG_* bit, and the lighting ones: those change pixel values
 * the photometric normalisation would change again, so they must come
 * before it. */
#define EMO__AUG_LIGHTING \
    (EMO_AUG_GAMMA | EMO_AUG_SHADE | EMO_AUG_BLUR | EMO_AUG_NOISE)
#define EMO__AUG_ALL (2 * EMO_AUG_NOISE - 1)

/* Fills every option with its default. */
void emo__opts_init(emo_opts *o);
/* Range-checked set/get, accepting only options of `groups`: an integer
 * option takes only integral values, a float option any in range. */
int emo__opts_set(emo_opts *o, unsigned groups, int option, double value);
int emo__opts_get(const emo_opts *o, unsigned groups, int option,
                  double *value);

/* The one accessor behind every handle's public emo_<handle>_set_int,
 * _set_float, _get_int and _get_float: `o` is the handle's option storage
 * (NULL for a NULL handle, named after `groups` in the message), `groups`
 * the options it accepts.  set_int is set_float of an integral value;
 * get_int of a float option rounds to nearest, halves away from zero.
 * Errors: EMO_ERR_INVALID_ARG (NULL), EMO_ERR_RANGE. */
int emo__option_set(emo_opts *o, unsigned groups, int option, double value);
int emo__option_get_int(const emo_opts *o, unsigned groups, int option,
                        int *value);
int emo__option_get_float(const emo_opts *o, unsigned groups, int option,
                          double *value);
/* Unchecked fast read for the library's own use (option must exist). */
static inline double emo__opt(const emo_opts *o, int option)
{
    return o->v[option / 100][option % 100];
}
static inline int emo__opti(const emo_opts *o, int option)
{
    return (int)o->v[option / 100][option % 100];
}

/* Process-wide limits (EMO_OPT_MAX_*). */
long long emo__limit(int option);

#endif
