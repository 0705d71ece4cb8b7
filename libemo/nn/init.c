/*
 * init.c - weight initialisation, reproducible from EMO_OPT_NET_SEED.
 * Each layer draws from its own generator (seed, layer index), so editing
 * one layer of a network text leaves the others' initial weights alone.
 *   he:       N(0, 2 / fan_in)             (default; ReLU nets)
 *   xavier:   U(-sqrt(3 / fan_in), +...)   (Caffe's "xavier")
 *   gaussian: N(0, std^2)                  (Caffe's per-layer std)
 * Biases start at bias_value; batch norm at gamma 1, beta 0, mean 0, var 1.
 */
#include "nn/nn.h"

#include <math.h>

static void init_weights(emo__layer *l, emo_rng *r)
{
    emo__param *w = &l->p[0];
    size_t fan_in = w->n / (size_t)w->dims[0];
    double he = sqrt(2.0 / (double)fan_in), xa = sqrt(3.0 / (double)fan_in);
    for (size_t i = 0; i < w->n; i++) {
        double v;
        if (l->init == EMO__INIT_XAVIER)
            v = (2.0 * emo__rng_uniform(r) - 1.0) * xa;
        else if (l->init == EMO__INIT_GAUSSIAN)
            v = emo__rng_gauss(r) * l->std;
        else
            v = emo__rng_gauss(r) * he;
        w->data[i] = (float)v;
    }
    if (l->nparams > 1)
        for (size_t i = 0; i < l->p[1].n; i++)
            l->p[1].data[i] = l->bias_value;
}

void emo__net_init_weights(emo__net *net, uint64_t seed)
{
    for (int i = 0; i < net->n_layers; i++) {
        emo__layer *l = &net->layers[i];
        emo_rng r;
        emo__rng_seed(&r, seed * 0x9E3779B97F4A7C15ULL + (uint64_t)i);
        if (l->type == EMO__L_CONV || l->type == EMO__L_FC)
            init_weights(l, &r);
        if (l->type == EMO__L_BN)
            for (int c = 0; c < l->in.c; c++) {
                l->p[0].data[c] = 1.0f;
                l->p[1].data[c] = 0.0f;
                l->p[2].data[c] = 0.0f;
                l->p[3].data[c] = 1.0f;
            }
        for (int j = 0; j < l->nparams; j++)
            if (l->p[j].mom)
                for (size_t k = 0; k < l->p[j].n; k++)
                    l->p[j].mom[k] = 0.0f;
    }
    net->version++;
}
