/*
 * plot.h - PNG figures for the example programs, drawn with draw.h and
 * written with emo_image_save_png: training curves and confusion matrices.
 */
#ifndef EMO_EXAMPLES_PLOT_H
#define EMO_EXAMPLES_PLOT_H

/* Loss (left panel) and accuracy (right panel) per epoch, train and
 * validation; NaN values are not drawn, and the legend names validation
 * only when some validation value is not NaN.  Returns a libemo status. */
int plot_curves(const char *path, int epochs, const double *train_loss,
                const double *val_loss, const double *train_acc,
                const double *val_acc);

/* Confusion matrix conf[true * n + predicted] as a heat map (shade by the
 * row's share), counts in the cells, class names on both axes, title on
 * top.  Returns a libemo status. */
int plot_confusion(const char *path, const int *conf, int n,
                   const char *const *names, const char *title);

#endif
