/*
 * eval_report.h - emo-eval's report of an evaluation (eval.h): confusion
 * matrix, per-class precision and recall, the classes scored, what was
 * left out and why, and the calibration of the probabilities; as text,
 * as one JSON object, or the matrix drawn into a PNG.
 */
#ifndef EMO_EXAMPLES_EVAL_REPORT_H
#define EMO_EXAMPLES_EVAL_REPORT_H

#include "ensemble.h"
#include "eval.h"

void eval_print_text(const evaluation *ev, const emo_network *net,
                     const char *protocol);
void eval_print_json(const evaluation *ev, const emo_network *net,
                     const ensemble *models, int views, int vote,
                     const char *protocol);
void eval_write_png(const evaluation *ev, const emo_network *net,
                    const char *path);

#endif
