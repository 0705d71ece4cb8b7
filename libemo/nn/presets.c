/*
 * presets.c - the built-in networks, written in the text format so that
 * a preset and a user's file go through the same parser (and a saved
 * model carries its own text).
 */
#include "nn/nn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Classic LeNet (Caffe's lenet_train_test) on 1x48x48 gray faces. */
static const char lenet[] =
    "# LeNet: two 5x5 conv + pool stages, fc 500, fc classes\n"
    "[net]\nchannels = 1\nsize = 48\n\n"
    "[conv1]\ntype = conv\nfilters = 20\nsize = 5\ninit = xavier\n\n"
    "[pool1]\ntype = maxpool\nsize = 2\nstride = 2\n\n"
    "[conv2]\ntype = conv\nfilters = 50\nsize = 5\ninit = xavier\n\n"
    "[pool2]\ntype = maxpool\nsize = 2\nstride = 2\n\n"
    "[ip1]\ntype = fc\noutputs = 500\ninit = xavier\n\n"
    "[relu1]\ntype = relu\n\n"
    "[ip2]\ntype = fc\noutputs = %d\ninit = xavier\n\n"
    "[prob]\ntype = softmax\n";

/* The convolutional trunk shared by caffenet and alexnet: conv2..pool5. */
#define CONV_TRUNK_AFTER_NORM2                                              \
    "[conv3]\ntype = conv\nfilters = 384\nsize = 3\npad = 1\n"              \
    "init = gaussian\nstd = 0.01\n\n"                                       \
    "[relu3]\ntype = relu\n\n"                                              \
    "[conv4]\ntype = conv\nfilters = 384\nsize = 3\npad = 1\ngroups = 2\n"  \
    "init = gaussian\nstd = 0.01\nbias_value = 1\n\n"                       \
    "[relu4]\ntype = relu\n\n"                                              \
    "[conv5]\ntype = conv\nfilters = 256\nsize = 3\npad = 1\ngroups = 2\n"  \
    "init = gaussian\nstd = 0.01\nbias_value = 1\n\n"                       \
    "[relu5]\ntype = relu\n\n"                                              \
    "[pool5]\ntype = maxpool\nsize = 3\nstride = 2\n\n"                     \
    "[fc6]\ntype = fc\noutputs = 4096\ninit = gaussian\nstd = 0.005\n"      \
    "bias_value = 1\n\n"                                                    \
    "[relu6]\ntype = relu\n\n"                                              \
    "[drop6]\ntype = dropout\nratio = 0.5\n\n"                              \
    "[fc7]\ntype = fc\noutputs = 4096\ninit = gaussian\nstd = 0.005\n"      \
    "bias_value = 1\n\n"                                                    \
    "[relu7]\ntype = relu\n\n"                                              \
    "[drop7]\ntype = dropout\nratio = 0.5\n\n"                              \
    "[fc8]\ntype = fc\noutputs = %d\ninit = gaussian\nstd = 0.01\n\n"       \
    "[prob]\ntype = softmax\n"

#define CONV1                                                               \
    "[net]\nchannels = 1\nsize = 250\n\n"                                   \
    "[conv1]\ntype = conv\nfilters = 96\nsize = 11\nstride = 4\n"           \
    "init = gaussian\nstd = 0.01\n\n"                                       \
    "[relu1]\ntype = relu\n\n"
#define CONV2                                                               \
    "[conv2]\ntype = conv\nfilters = 256\nsize = 5\npad = 2\ngroups = 2\n"  \
    "init = gaussian\nstd = 0.01\nbias_value = 1\n\n"                       \
    "[relu2]\ntype = relu\n\n"
#define POOL(n) "[pool" #n "]\ntype = maxpool\nsize = 3\nstride = 2\n\n"
#define NORM(n)                                                             \
    "[norm" #n "]\ntype = lrn\nlocal_size = 5\nalpha = 0.0001\n"            \
    "beta = 0.75\n\n"

/* CaffeNet (bvlc_reference_caffenet): pooling before LRN. */
static const char caffenet[] =
    "# CaffeNet on 1x250x250 gray: pool before norm\n" CONV1 POOL(1)
        NORM(1) CONV2 POOL(2) NORM(2) CONV_TRUNK_AFTER_NORM2;

/* AlexNet (bvlc_alexnet): LRN before pooling. */
static const char alexnet[] =
    "# AlexNet on 1x250x250 gray: norm before pool\n" CONV1 NORM(1)
        POOL(1) CONV2 NORM(2) POOL(2) CONV_TRUNK_AFTER_NORM2;

#define CBR(name, f)                                                        \
    "[" name "]\ntype = conv\nfilters = " #f "\nsize = 3\npad = 1\n"        \
    "bias = 0\n\n"                                                          \
    "[" name "_bn]\ntype = bn\n\n"                                          \
    "[" name "_relu]\ntype = relu\n\n"

/* The default: VGG-style 3x3 conv + BN + ReLU blocks, 32-64-128-256
 * channels with one conv in the two high-resolution blocks (where a conv
 * costs most) and two in the deeper ones, global average pooling,
 * dropout, fc.  About 150 MFLOP and 1.1 M parameters at 48x48. */
static const char default_net[] =
    "# default: compact VGG-style net for 48x48 gray faces\n"
    "[net]\nchannels = 1\nsize = 48\n\n" CBR("conv1", 32)
        "[pool1]\ntype = maxpool\nsize = 2\n\n" CBR("conv2", 64)
            "[pool2]\ntype = maxpool\nsize = 2\n\n" CBR("conv3a", 128)
                CBR("conv3b", 128) "[pool3]\ntype = maxpool\nsize = 2\n\n"
                    CBR("conv4a", 256) CBR("conv4b", 256)
    "[gap]\ntype = gap\n\n"
    "[drop]\ntype = dropout\nratio = 0.4\n\n"
    "[fc]\ntype = fc\noutputs = %d\n\n"
    "[prob]\ntype = softmax\n";

char *emo__preset_text(const char *name, int classes)
{
    const char *fmt = NULL;
    if (strcmp(name, "lenet") == 0)
        fmt = lenet;
    else if (strcmp(name, "caffenet") == 0)
        fmt = caffenet;
    else if (strcmp(name, "alexnet") == 0)
        fmt = alexnet;
    else if (strcmp(name, "default") == 0)
        fmt = default_net;
    if (!fmt)
        return NULL;
    size_t n = strlen(fmt) + 16;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, fmt, classes);
    return s;
}
