/* model_path.h - where the example programs find the default model. */
#ifndef EMO_EXAMPLES_MODEL_PATH_H
#define EMO_EXAMPLES_MODEL_PATH_H

/* The default model: $EMO_MODEL if set, else default.emo in the source
 * tree's models/ beside the build directory of the running program
 * (<exe>/../models), else the installed share/libemo/models
 * (<exe>/../share/libemo/models).  Returns the first that exists (or the
 * $EMO_MODEL value as is), NULL if none; static storage. */
const char *default_model_path(void);

#endif
