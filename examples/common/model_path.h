/* model_path.h - where the example programs find the default model. */
#ifndef EMO_EXAMPLES_MODEL_PATH_H
#define EMO_EXAMPLES_MODEL_PATH_H

/* The default model as emo_default_model_path() finds it: $EMO_MODEL if
 * set, else default.emo in share/libemo/models beside the library's
 * directory (an install), in models/ beside build/ (the source tree), or
 * in the datadir libemo was built for.  NULL if none; static storage. */
const char *default_model_path(void);

#endif
