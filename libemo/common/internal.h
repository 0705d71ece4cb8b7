/*
 * internal.h - what every libemo source file shares: the export macro
 * (through emo.h with EMO_BUILDING_LIBRARY) and the common/ module: error
 * helpers, option storage, file I/O, the random stream.  Never installed.
 */
#ifndef EMO_INTERNAL_H
#define EMO_INTERNAL_H

#ifndef EMO_BUILDING_LIBRARY
#define EMO_BUILDING_LIBRARY 1
#endif
#include "emo.h"

#include "common/error.h"
#include "common/file_io.h"
#include "common/options.h"
#include "common/rng.h"

#include <stddef.h>
#include <stdint.h>

#endif
