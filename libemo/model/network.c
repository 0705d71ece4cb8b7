/*
 * network.c - the emo_network handle and its public functions: create,
 * options, shape, class names, weights, forward; validate the arguments,
 * translate, call the engine in nn/.  Model files live in model_file.c,
 * training in train/, the preprocessing exchange in
 * predict/network_pp.c.
 */
#include "model/network.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NET_GROUPS (EMO__GROUP_NET | EMO__GROUP_TRAIN)

/* Preprocessing defaults stored with a fresh network: the option
 * defaults, with the face size taken from the input. */
static void init_pp_opts(emo_network *net)
{
    emo__shape in = net->nn.input;
    emo__opts_init(&net->pp_opts);
    if (in.h == in.w && in.h >= 8 && in.h <= 512)
        net->pp_opts.v[EMO_OPT_FACE_SIZE / 100][EMO_OPT_FACE_SIZE % 100] =
            in.h;
}

int emo__network_create(const char *text, emo_network **out)
{
    *out = NULL;
    emo_network *net = calloc(1, sizeof *net);
    size_t tl = strlen(text);
    char *copy = malloc(tl + 1);
    if (!net || !copy) {
        free(net);
        free(copy);
        return emo__fail(EMO_ERR_NOMEM, "out of memory");
    }
    memcpy(copy, text, tl + 1);
    int rc = emo__net_parse(text, &net->nn);
    if (rc) {
        free(net);
        free(copy);
        return rc;
    }
    net->text = copy;
    emo__opts_init(&net->opts);
    init_pp_opts(net);
    emo__network_init_weights(net);
    net->fresh = 1;
    *out = net;
    return EMO_OK;
}

void emo__network_init_weights(emo_network *net)
{
    emo__net_init_weights(&net->nn, (uint64_t)emo__opti(&net->opts,
                                                        EMO_OPT_NET_SEED));
}

int emo__network_ws_create(const emo_network *net, emo__net_ws **out)
{
    return emo__net_ws_create(&net->nn,
                              emo__opti(&net->opts, EMO_OPT_NET_THREADS), out);
}

EMO_API int emo_network_create_text(const char *text, emo_network **out)
{
    if (!out)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL out pointer");
    *out = NULL;
    if (!text)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL network text");
    return emo__network_create(text, out);
}

EMO_API int emo_network_create_preset(const char *preset, int num_classes,
                                      emo_network **out)
{
    if (!out)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL out pointer");
    *out = NULL;
    if (!preset)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL preset name");
    if (num_classes == 0)
        num_classes = 7;
    if (num_classes < 2 || num_classes > EMO_MAX_CLASSES)
        return emo__fail(EMO_ERR_RANGE, "%d classes: expected 2..%d",
                         num_classes, EMO_MAX_CLASSES);
    if (strcmp(preset, "lenet") && strcmp(preset, "caffenet") &&
        strcmp(preset, "alexnet") && strcmp(preset, "default"))
        return emo__fail(EMO_ERR_INVALID_ARG, "unknown preset '%s' (default,"
                         " lenet, caffenet, alexnet)", preset);
    char *text = emo__preset_text(preset, num_classes);
    if (!text)
        return emo__fail(EMO_ERR_NOMEM, "out of memory");
    int rc = emo__network_create(text, out);
    free(text);
    if (rc)
        return emo__fail_prefix(rc, preset);
    return EMO_OK;
}

EMO_API void emo_network_destroy(emo_network *net)
{
    if (!net)
        return;
    if (net->class_names)
        for (int i = 0; i < net->nn.num_classes; i++)
            free(net->class_names[i]);
    emo__net_release(&net->nn);
    free(net->class_names);
    free(net->text);
    free(net->mean);
    free(net->corr_faces);
    free(net->corr_labels);
    free(net->train_state);
    free(net->checkpoint);
    free(net->red_buf);
    free(net->soft_labels);
    emo__net_ws_destroy(net->ws);
    free(net);
}

static int same_shapes(const emo__layer *a, const emo__layer *b)
{
    for (int j = 0; j < a->nparams; j++)
        if (a->p[j].n != b->p[j].n || a->p[j].ndims != b->p[j].ndims ||
            memcmp(a->p[j].dims, b->p[j].dims, sizeof a->p[j].dims) != 0)
            return 0;
    return 1;
}

EMO_API int emo_network_transfer(emo_network *dst, const emo_network *src,
                                 int *copied)
{
    if (copied)
        *copied = 0;
    if (!dst || !src)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL network");
    int n = 0;
    for (int i = 0; i < dst->nn.n_layers; i++) {
        emo__layer *d = &dst->nn.layers[i];
        const emo__layer *s = emo__net_find(&src->nn, d->name);
        if (!s || d->nparams == 0 || s->type != d->type ||
            s->nparams != d->nparams)
            continue;
        if (!same_shapes(s, d))
            continue;
        for (int j = 0; j < d->nparams; j++) {
            memcpy(d->p[j].data, s->p[j].data, sizeof(float) * d->p[j].n);
            if (d->p[j].mom)
                memset(d->p[j].mom, 0, sizeof(float) * d->p[j].n);
        }
        n++;
    }
    dst->nn.version++;
    dst->fresh = 0;
    if (copied)
        *copied = n;
    return EMO_OK;
}

/* A fresh network's weights are a function of its text and seed, so
 * setting the seed redraws them; weights that were trained, loaded,
 * transferred or set are never touched. */
EMO_API int emo_network_set_float(emo_network *net, int option, double value)
{
    int rc = emo__option_set(net ? &net->opts : NULL, NET_GROUPS, option,
                             value);
    if (!rc && option == EMO_OPT_NET_SEED && net->fresh)
        emo__network_init_weights(net);
    return rc;
}

EMO_API int emo_network_set_int(emo_network *net, int option, int value)
{
    return emo_network_set_float(net, option, value);
}

EMO_API int emo_network_get_int(const emo_network *net, int option,
                                int *value)
{
    return emo__option_get_int(net ? &net->opts : NULL, NET_GROUPS, option,
                               value);
}

EMO_API int emo_network_get_float(const emo_network *net, int option,
                                  double *value)
{
    return emo__option_get_float(net ? &net->opts : NULL, NET_GROUPS, option,
                                 value);
}

EMO_API int emo_network_input_shape(const emo_network *net, int *channels,
                                    int *height, int *width)
{
    if (!net)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL network");
    if (channels)
        *channels = net->nn.input.c;
    if (height)
        *height = net->nn.input.h;
    if (width)
        *width = net->nn.input.w;
    return EMO_OK;
}

EMO_API int emo_network_num_classes(const emo_network *net)
{
    if (!net)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL network");
    return net->nn.num_classes;
}

EMO_API const char *emo_network_class_name(const emo_network *net, int i)
{
    static const char *const extra[] = {"class8", "class9", "class10",
                                        "class11", "class12", "class13",
                                        "class14", "class15"};
    if (!net || i < 0 || i >= net->nn.num_classes)
        return NULL;
    if (net->class_names)
        return net->class_names[i];
    return i <= EMO_CLASS_CONTEMPT ? emo_class_name(i) : extra[i - 8];
}

EMO_API int emo_network_set_class_names(emo_network *net,
                                        const char *const *names, int n)
{
    if (!net || !names)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL argument");
    if (n != net->nn.num_classes)
        return emo__fail(EMO_ERR_MISMATCH, "%d names for %d classes", n,
                         net->nn.num_classes);
    char **copy = calloc((size_t)n, sizeof *copy);
    if (!copy)
        return emo__fail(EMO_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        size_t len = names[i] ? strlen(names[i]) : 0;
        if (!names[i] || len == 0 || len > 255) {
            for (int j = 0; j < i; j++)
                free(copy[j]);
            free(copy);
            return emo__fail(EMO_ERR_INVALID_ARG, "class name %d empty or "
                             "longer than 255 bytes", i);
        }
        copy[i] = malloc(len + 1);
        if (!copy[i]) {
            for (int j = 0; j < i; j++)
                free(copy[j]);
            free(copy);
            return emo__fail(EMO_ERR_NOMEM, "out of memory");
        }
        memcpy(copy[i], names[i], len + 1);
    }
    if (net->class_names)
        for (int i = 0; i < net->nn.num_classes; i++)
            free(net->class_names[i]);
    free(net->class_names);
    net->class_names = copy;
    return EMO_OK;
}

EMO_API int64_t emo_network_num_params(const emo_network *net)
{
    if (!net)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL network");
    int64_t n = 0;
    for (int i = 0; i < net->nn.n_layers; i++)
        for (int j = 0; j < net->nn.layers[i].nparams; j++)
            if (net->nn.layers[i].p[j].learned)
                n += (int64_t)net->nn.layers[i].p[j].n;
    return n;
}

EMO_API int64_t emo_network_train_steps(const emo_network *net)
{
    if (!net)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL network");
    return (int64_t)net->step;
}

static int64_t layer_flops(const emo__layer *l)
{
    if (l->type == EMO__L_CONV)
        return 2 * (int64_t)l->out.c * l->out.h * l->out.w *
               (l->in.c / l->groups) * l->size * l->size;
    if (l->type == EMO__L_FC)
        return 2 * (int64_t)l->outputs * (int64_t)emo__shape_size(l->in);
    return 0;
}

EMO_API int64_t emo_network_flops(const emo_network *net)
{
    if (!net)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL network");
    int64_t f = 0;
    for (int i = 0; i < net->nn.n_layers; i++)
        f += layer_flops(&net->nn.layers[i]);
    return f;
}

/* Appends to buf as far as it fits; returns the full length wanted. */
static size_t put(char *buf, size_t cap, size_t len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#include <stdarg.h>
static size_t put(char *buf, size_t cap, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *dst = buf && len < cap ? buf + len : NULL;
    size_t room = buf && len < cap ? cap - len : 0;
    int n = vsnprintf(dst, room, fmt, ap);
    va_end(ap);
    return len + (n > 0 ? (size_t)n : 0);
}

EMO_API int emo_network_summary(const emo_network *net, char *buf,
                                size_t cap)
{
    if (!net || (!buf && cap))
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL argument");
    if (buf && cap)
        buf[0] = 0;
    size_t n = put(buf, cap, 0, "%-12s %-8s %-16s %12s %12s\n", "layer",
                   "type", "output", "params", "MFLOP");
    n = put(buf, cap, n, "%-12s %-8s %4dx%4dx%-6d %12s %12s\n", "input", "",
            net->nn.input.c, net->nn.input.h, net->nn.input.w, "", "");
    for (int i = 0; i < net->nn.n_layers; i++) {
        const emo__layer *l = &net->nn.layers[i];
        int64_t p = 0;
        for (int j = 0; j < l->nparams; j++)
            p += l->p[j].learned ? (int64_t)l->p[j].n : 0;
        n = put(buf, cap, n, "%-12s %-8s %4dx%4dx%-6d %12lld %12.2f\n",
                l->name, emo__layer_type_name(l->type), l->out.c, l->out.h,
                l->out.w, (long long)p, layer_flops(l) / 1e6);
    }
    n = put(buf, cap, n, "total: %lld parameters (%.2f MB), %.1f MFLOP, "
            "%d classes\n", (long long)emo_network_num_params(net),
            emo_network_num_params(net) * 4 / 1e6,
            emo_network_flops(net) / 1e6, net->nn.num_classes);
    if (n > 0x7fffffff)
        return emo__fail(EMO_ERR_LIMIT, "summary too long");
    return (int)n;
}

EMO_API int emo_network_get_text(const emo_network *net, char *buf,
                                 size_t cap)
{
    if (!net || (!buf && cap))
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL argument");
    size_t n = strlen(net->text);
    if (buf && cap) {
        size_t c = n < cap - 1 ? n : cap - 1;
        memcpy(buf, net->text, c);
        buf[c] = 0;
    }
    return (int)n;
}

EMO_API int emo_network_set_layer_lr(emo_network *net, const char *layer,
                                     double lr_mult, double decay_mult)
{
    if (!net || !layer)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL argument");
    emo__layer *l = emo__net_find(&net->nn, layer);
    if (!l || l->nparams == 0)
        return emo__fail(EMO_ERR_INVALID_ARG, "no layer '%s' with weights",
                         layer);
    if (!(lr_mult >= 0 && lr_mult <= 1000 && decay_mult >= 0 &&
          decay_mult <= 1000))
        return emo__fail(EMO_ERR_RANGE, "layer '%s': multipliers %g, %g "
                         "outside [0, 1000]", layer, lr_mult, decay_mult);
    l->lr_mult = (float)lr_mult;
    l->decay_mult = (float)decay_mult;
    return EMO_OK;
}

/* Parameter `index` of a layer, for the accessors below. */
static int find_param(const emo_network *net, const char *layer, int index,
                      emo__param **out)
{
    if (!net || !layer)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL argument");
    emo__layer *l = emo__net_find(&net->nn, layer);
    if (!l)
        return emo__fail(EMO_ERR_INVALID_ARG, "no layer '%s'", layer);
    if (index < 0 || index >= l->nparams)
        return emo__fail(EMO_ERR_RANGE, "layer '%s' has %d parameter "
                         "tensors, not %d", layer, l->nparams, index + 1);
    *out = &l->p[index];
    return EMO_OK;
}

EMO_API int emo_network_get_param(const emo_network *net, const char *layer,
                                  int index, float *buf, size_t n)
{
    emo__param *p;
    int rc = find_param(net, layer, index, &p);
    if (rc)
        return rc;
    if (p->n > 0x7fffffff)
        return emo__fail(EMO_ERR_LIMIT, "parameter too large");
    if (buf && n >= p->n)
        memcpy(buf, p->data, sizeof(float) * p->n);
    return (int)p->n;
}

EMO_API int emo_network_set_param(emo_network *net, const char *layer,
                                  int index, const float *buf, size_t n)
{
    emo__param *p;
    int rc = find_param(net, layer, index, &p);
    if (rc)
        return rc;
    if (!buf)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL buffer");
    if (n != p->n)
        return emo__fail(EMO_ERR_MISMATCH, "layer '%s' parameter %d holds "
                         "%zu values, not %zu", layer, index, p->n, n);
    memcpy(p->data, buf, sizeof(float) * n);
    net->nn.version++;
    net->fresh = 0;
    return EMO_OK;
}

static int own_ws(emo_network *net)
{
    if (net->ws)
        return EMO_OK;
    return emo__network_ws_create(net, &net->ws);
}

EMO_API int emo_network_forward(emo_network *net, const float *input,
                                int batch, float *probs)
{
    if (!net || !input || !probs)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL argument");
    if (batch < 1 || batch > 65536)
        return emo__fail(EMO_ERR_RANGE, "batch %d outside [1, 65536]", batch);
    int rc = own_ws(net);
    if (rc)
        return rc;
    net->ws->threads = emo__opti(&net->opts, EMO_OPT_NET_THREADS);
    return emo__net_forward_ws(&net->nn, net->ws, input, batch, probs);
}
