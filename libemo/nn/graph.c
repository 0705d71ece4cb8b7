/*
 * graph.c - the sequential network: shapes, parameter storage, lookup.
 */
#include "nn/nn.h"

#include <stdlib.h>
#include <string.h>

/* Output shape of layer l for its input shape; 0 or an error. */
static int infer_shape(emo__layer *l, int is_last)
{
    emo__shape in = l->in;
    l->out = in;
    switch (l->type) {
    case EMO__L_CONV: {
        int e = in.h + 2 * l->pad - l->size, f = in.w + 2 * l->pad - l->size;
        if (in.c % l->groups || l->filters % l->groups)
            return emo__fail(EMO_ERR_FORMAT, "line %d: layer '%s': groups %d"
                             " must divide its %d input channels and %d "
                             "filters", l->line, l->name, l->groups, in.c,
                             l->filters);
        if (e < 0 || f < 0)
            return emo__fail(EMO_ERR_FORMAT, "line %d: layer '%s': kernel %d"
                             " larger than its padded %dx%d input", l->line,
                             l->name, l->size, in.h, in.w);
        l->out.c = l->filters;
        l->out.h = e / l->stride + 1;
        l->out.w = f / l->stride + 1;
        break;
    }
    case EMO__L_FC:
        l->out.c = l->outputs;
        l->out.h = l->out.w = 1;
        break;
    case EMO__L_MAXPOOL:
    case EMO__L_AVGPOOL:
        if (l->size > in.h + 2 * l->pad || l->size > in.w + 2 * l->pad)
            return emo__fail(EMO_ERR_FORMAT, "line %d: layer '%s': window %d"
                             " larger than its %dx%d input", l->line,
                             l->name, l->size, in.h, in.w);
        l->out.h = emo__pool_out(in.h, l->size, l->stride, l->pad);
        l->out.w = emo__pool_out(in.w, l->size, l->stride, l->pad);
        break;
    case EMO__L_GAP:
        l->out.h = l->out.w = 1;
        break;
    case EMO__L_SOFTMAX:
        if (!is_last)
            return emo__fail(EMO_ERR_FORMAT, "line %d: softmax layer '%s' "
                             "must be the last layer", l->line, l->name);
        l->out.c = (int)emo__shape_size(in);
        l->out.h = l->out.w = 1;
        break;
    default:
        break;
    }
    return EMO_OK;
}

static int add_param(emo__layer *l, int learned, int ndims, int d0, int d1,
                     int d2, int d3)
{
    emo__param *p = &l->p[l->nparams];
    p->ndims = ndims;
    p->dims[0] = d0;
    p->dims[1] = d1;
    p->dims[2] = d2;
    p->dims[3] = d3;
    p->n = 1;
    for (int i = 0; i < ndims; i++)
        p->n *= (size_t)p->dims[i];
    p->learned = learned;
    p->data = calloc(p->n, sizeof(float));
    if (!p->data)
        return emo__fail(EMO_ERR_NOMEM, "layer '%s': cannot allocate %zu "
                         "weights", l->name, p->n);
    l->nparams++;
    return EMO_OK;
}

static int alloc_params(emo__layer *l)
{
    int rc = EMO_OK;
    switch (l->type) {
    case EMO__L_CONV:
        rc = add_param(l, 1, 4, l->filters, l->in.c / l->groups, l->size,
                       l->size);
        if (!rc && l->has_bias)
            rc = add_param(l, 1, 1, l->filters, 1, 1, 1);
        break;
    case EMO__L_FC:
        rc = add_param(l, 1, 2, l->outputs, (int)emo__shape_size(l->in), 1,
                       1);
        if (!rc && l->has_bias)
            rc = add_param(l, 1, 1, l->outputs, 1, 1, 1);
        break;
    case EMO__L_BN:
        for (int i = 0; i < 4 && !rc; i++)
            rc = add_param(l, i < 2, 1, l->in.c, 1, 1, 1);
        break;
    default:
        break;
    }
    return rc;
}

/* Counts parameters before allocating them, against the limit. */
static int64_t param_count(const emo__layer *l)
{
    switch (l->type) {
    case EMO__L_CONV:
        return (int64_t)l->filters * (l->in.c / l->groups) * l->size *
                   l->size + (l->has_bias ? l->filters : 0);
    case EMO__L_FC:
        return (int64_t)l->outputs * (int64_t)emo__shape_size(l->in) +
               (l->has_bias ? l->outputs : 0);
    case EMO__L_BN:
        return 4 * (int64_t)l->in.c;
    default:
        return 0;
    }
}

static int check_shapes(emo__layer *layers, int n, emo__shape input)
{
    emo__shape s = input;
    int64_t params = 0, max_params = emo__limit(EMO_OPT_MAX_NET_PARAMS);
    for (int i = 0; i < n; i++) {
        emo__layer *l = &layers[i];
        l->in = s;
        int rc = infer_shape(l, i == n - 1);
        if (rc)
            return rc;
        s = l->out;
        if (s.c < 1 || s.h < 1 || s.w < 1 ||
            (int64_t)emo__shape_size(s) > EMO__NN_MAX_ACT)
            return emo__fail(EMO_ERR_LIMIT, "line %d: layer '%s': output "
                             "%dx%dx%d out of limits", l->line, l->name, s.c,
                             s.h, s.w);
        params += param_count(l);
        if (params > max_params)
            return emo__fail(EMO_ERR_LIMIT, "line %d: layer '%s': more than"
                             " %lld parameters (EMO_OPT_MAX_NET_PARAMS)",
                             l->line, l->name, (long long)max_params);
    }
    if (n == 0 || layers[n - 1].type != EMO__L_SOFTMAX)
        return emo__fail(EMO_ERR_FORMAT, "the last layer must be softmax");
    if (s.c > EMO_MAX_CLASSES)
        return emo__fail(EMO_ERR_LIMIT, "%d classes: at most %d", s.c,
                         EMO_MAX_CLASSES);
    return EMO_OK;
}

int emo__net_build(emo__net *net, emo__layer *layers, int n,
                   emo__shape input)
{
    memset(net, 0, sizeof *net);
    int rc = check_shapes(layers, n, input);
    if (rc) {
        free(layers);
        return rc;
    }
    net->layers = layers;
    net->n_layers = n;
    net->input = input;
    net->num_classes = layers[n - 1].out.c;
    for (int i = 0; i < n; i++) {
        rc = alloc_params(&layers[i]);
        if (rc) {
            emo__net_release(net);
            return rc;
        }
    }
    return EMO_OK;
}

void emo__net_release(emo__net *net)
{
    for (int i = 0; i < net->n_layers; i++)
        for (int j = 0; j < net->layers[i].nparams; j++) {
            emo__param *p = &net->layers[i].p[j];
            free(p->data);
            free(p->grad);
            free(p->mom);
        }
    free(net->layers);
    memset(net, 0, sizeof *net);
}

emo__layer *emo__net_find(const emo__net *net, const char *name)
{
    for (int i = 0; i < net->n_layers; i++)
        if (strcmp(net->layers[i].name, name) == 0)
            return &net->layers[i];
    return NULL;
}

int emo__net_alloc_train(emo__net *net)
{
    for (int i = 0; i < net->n_layers; i++)
        for (int j = 0; j < net->layers[i].nparams; j++) {
            emo__param *p = &net->layers[i].p[j];
            if (!p->learned)
                continue;
            if (!p->grad)
                p->grad = calloc(p->n, sizeof(float));
            if (!p->mom)
                p->mom = calloc(p->n, sizeof(float));
            if (!p->grad || !p->mom)
                return emo__fail(EMO_ERR_NOMEM, "layer '%s': cannot allocate"
                                 " gradients", net->layers[i].name);
        }
    return EMO_OK;
}

void emo__net_zero_momentum(emo__net *net)
{
    for (int i = 0; i < net->n_layers; i++)
        for (int j = 0; j < net->layers[i].nparams; j++)
            if (net->layers[i].p[j].mom)
                memset(net->layers[i].p[j].mom, 0,
                       sizeof(float) * net->layers[i].p[j].n);
}
