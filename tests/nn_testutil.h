/* nn_testutil.h - helpers shared by the nn Check suites. */
#ifndef EMO_NN_TESTUTIL_H
#define EMO_NN_TESTUTIL_H

#include "testutil.h"
#include "model/network.h"
#include "model/crc32.h"
#include "model/half.h"
#include "train/train.h"

#include <math.h>

/* Fills with uniform values in [lo, hi) from a fixed seed. */
static inline void nt_fill(float *x, size_t n, uint64_t seed, float lo,
                           float hi)
{
    emo_rng r;
    emo__rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++)
        x[i] = lo + (hi - lo) * (float)emo__rng_uniform(&r);
}

/* EMO_CONV_REFERENCE on or off: every convolution on im2col + OpenBLAS,
 * the reference the fast paths are compared with. */
static inline void nt_force_reference(int on)
{
    if (on)
        setenv("EMO_CONV_REFERENCE", "1", 1);
    else
        unsetenv("EMO_CONV_REFERENCE");
}

/* A network whose first layer is `body` on a c x h x w input, followed by
 * a small head so the text is a valid network. */
static inline emo_network *nt_layer_net(int c, int h, int w,
                                        const char *body)
{
    char text[2048];
    snprintf(text, sizeof text,
             "[net]\nchannels = %d\nheight = %d\nwidth = %d\n[l]\n%s\n"
             "[head]\ntype = fc\noutputs = 2\n[prob]\ntype = softmax\n",
             c, h, w, body);
    emo_network *net = NULL;
    int rc = emo_network_create_text(text, &net);
    ck_assert_msg(rc == 0, "create_text: %s", emo_last_error());
    return net;
}

static inline int nt_close(double a, double b, double rel, double abs_tol)
{
    double d = fabs(a - b), m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
    return d <= rel * m + abs_tol;
}

#endif
