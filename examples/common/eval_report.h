/*
 * eval_report.h - emo-eval's report of an evaluation (eval.h): confusion
 * matrix, per-class precision and recall, the classes scored, what was
 * left out and why, and the calibration of the probabilities; as text,
 * as one JSON object, or the matrix drawn into a PNG.
 */
#ifndef EMO_EXAMPLES_EVAL_REPORT_H
#define EMO_EXAMPLES_EVAL_REPORT_H

#include "eval.h"

void eval_print_text(const eval_run *r);
void eval_print_json(const eval_run *r);
void eval_write_png(const evaluation *ev, const emo_network *net,
                    const char *path);

#endif
