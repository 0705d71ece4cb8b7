/*
 * emo-detect - find faces and their emotions in image files.
 *
 *   emo-detect [--model M [--model M2...]] [--views 4] [--annotate OUT]
 *              [detection options] [--crop-margin X] [--crop-shift-y Y]
 *              FILE...
 *   emo-detect --detect-only [--annotate OUT] [--cascade F] [--scale 1.1]
 *              [--min-neighbors 5] [--min-size 30] [--max-size 0]
 *              [--threads 1] [--choice largest|central|all]
 *              [--max-pixels N] [--detect-max-pixels N] FILE...
 *
 * prints one JSON object per line per file:
 *   {"file": "a.jpg", "width": 640, "height": 480,
 *    "faces": [{"x": 10, "y": 20, "w": 90, "h": 90, "label": "happy",
 *               "scores": {"neutral": 0.01, ...}}, ...]}
 * (label and scores only with a model).  --annotate OUT writes the image
 * with boxes, labels and scores drawn: OUT is the image file (PNG, or JPEG
 * by its extension) for one input, or an existing directory that gets
 * <name>.png per input.
 * An unreadable file prints {"file": ..., "error": "..."}; the exit status
 * is then 1 once every file has been tried.
 *
 * Uses only the public header and the example helpers in common/: the
 * work itself is common/detect.c, shared with emo-detect-mpi (the same
 * lines from a file list split over MPI ranks, examples/mpi/).
 */
#include <stdio.h>
#include <stdlib.h>

#include "emo.h"
#include "common/cli.h"
#include "common/detect.h"

static const char detect_about[] =
    "Prints one JSON object per line per file: the faces found and, with a"
    " model,\ntheir emotions.";

int main(int argc, char **argv)
{
    detect_options o;
    detect_runner r;
    cli_init(argv[0]);
    detect_parse(argc, argv, detect_about, &o);
    detect_open(&r, &o);
    int failed = 0;
    for (int i = 0; i < o.nfiles; i++) {
        failed += detect_file(&r, &o, o.files[i], stdout);
        fflush(stdout);
    }
    detect_close(&r, &o);
    free(o.files);
    return failed ? 1 : 0;
}
