/*
 * parse.c - the network text format (docs/network-format.md):
 *
 *   # comment
 *   [net]
 *   channels = 1
 *   size = 48          # or height = / width =
 *   [conv1]
 *   type = conv
 *   filters = 32
 *   ...
 *
 * Sections are collected first, then each is interpreted with the key
 * table below, so keys may come in any order; every error names its line.
 */
#include "nn/nn.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEY 31
#define MAX_VALUE 63

typedef struct entry {
    int section;
    int line;
    char key[MAX_KEY + 1];
    char value[MAX_VALUE + 1];
} entry;

typedef struct section {
    char name[EMO__NN_MAX_NAME + 1];
    int line;
} section;

typedef struct parsed {
    section *sec;
    int n_sec;
    entry *ent;
    int n_ent, cap_ent;
} parsed;

enum { K_INT, K_FLOAT, K_INIT };
#define T(x) (1u << EMO__L_##x)
#define ALL_WEIGHTED (T(CONV) | T(FC))

typedef struct key_desc {
    const char *key;
    unsigned types;
    int kind;
    size_t offset;
    double min, max;
} key_desc;

static const key_desc keys[] = {
    {"filters", T(CONV), K_INT, offsetof(emo__layer, filters), 1,
     EMO__NN_MAX_DIM},
    {"size", T(CONV) | T(MAXPOOL) | T(AVGPOOL), K_INT,
     offsetof(emo__layer, size), 1, EMO__NN_MAX_KERNEL},
    {"stride", T(CONV) | T(MAXPOOL) | T(AVGPOOL), K_INT,
     offsetof(emo__layer, stride), 1, EMO__NN_MAX_KERNEL},
    {"pad", T(CONV) | T(MAXPOOL) | T(AVGPOOL), K_INT,
     offsetof(emo__layer, pad), 0, EMO__NN_MAX_KERNEL},
    {"groups", T(CONV), K_INT, offsetof(emo__layer, groups), 1,
     EMO__NN_MAX_DIM},
    {"outputs", T(FC), K_INT, offsetof(emo__layer, outputs), 1,
     1 << 16},
    {"bias", ALL_WEIGHTED, K_INT, offsetof(emo__layer, has_bias), 0, 1},
    {"init", ALL_WEIGHTED, K_INIT, offsetof(emo__layer, init), 0, 0},
    {"std", ALL_WEIGHTED, K_FLOAT, offsetof(emo__layer, std), 0, 10},
    {"bias_value", ALL_WEIGHTED, K_FLOAT, offsetof(emo__layer, bias_value),
     -100, 100},
    {"lr_mult", ALL_WEIGHTED | T(BN), K_FLOAT,
     offsetof(emo__layer, lr_mult), 0, 1000},
    {"decay_mult", ALL_WEIGHTED | T(BN), K_FLOAT,
     offsetof(emo__layer, decay_mult), 0, 1000},
    {"local_size", T(LRN), K_INT, offsetof(emo__layer, local_size), 1, 63},
    {"alpha", T(LRN), K_FLOAT, offsetof(emo__layer, alpha), 0, 1000},
    {"beta", T(LRN), K_FLOAT, offsetof(emo__layer, beta), 0, 100},
    {"k", T(LRN), K_FLOAT, offsetof(emo__layer, k), 1e-6, 1000},
    {"ratio", T(DROPOUT), K_FLOAT, offsetof(emo__layer, ratio), 0, 0.99},
    {"eps", T(BN), K_FLOAT, offsetof(emo__layer, eps), 1e-10, 1},
    {"momentum", T(BN), K_FLOAT, offsetof(emo__layer, bn_momentum), 0, 1},
};

static void free_parsed(parsed *p)
{
    free(p->sec);
    free(p->ent);
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    return s;
}

static int valid_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' &&
            *s != '.')
            return 0;
    return 1;
}

static int add_section(parsed *p, char *name, int line)
{
    size_t n = strlen(name);
    if (n < 2 || name[n - 1] != ']')
        return emo__fail(EMO_ERR_FORMAT, "line %d: section header needs a "
                         "closing ']'", line);
    name[n - 1] = 0;
    name = trim(name + 1);
    if (!valid_name(name) || strlen(name) > EMO__NN_MAX_NAME)
        return emo__fail(EMO_ERR_FORMAT, "line %d: bad section name '%s' "
                         "(letters, digits, _ - . up to %d characters)",
                         line, name, EMO__NN_MAX_NAME);
    for (int i = 0; i < p->n_sec; i++)
        if (strcmp(p->sec[i].name, name) == 0)
            return emo__fail(EMO_ERR_FORMAT, "line %d: layer '%s' already "
                             "defined on line %d", line, name,
                             p->sec[i].line);
    if (p->n_sec >= EMO__NN_MAX_LAYERS + 1)
        return emo__fail(EMO_ERR_LIMIT, "line %d: more than %d layers",
                         line, EMO__NN_MAX_LAYERS);
    strcpy(p->sec[p->n_sec].name, name);
    p->sec[p->n_sec].line = line;
    p->n_sec++;
    return EMO_OK;
}

static int add_entry(parsed *p, char *s, int line)
{
    char *eq = strchr(s, '=');
    if (!eq)
        return emo__fail(EMO_ERR_FORMAT, "line %d: expected 'key = value' "
                         "or '[section]'", line);
    if (p->n_sec == 0)
        return emo__fail(EMO_ERR_FORMAT, "line %d: key outside a section",
                         line);
    *eq = 0;
    char *k = trim(s), *v = trim(eq + 1);
    if (!*k || !*v || strlen(k) > MAX_KEY || strlen(v) > MAX_VALUE)
        return emo__fail(EMO_ERR_FORMAT, "line %d: empty or overlong key or"
                         " value", line);
    if (p->n_ent == p->cap_ent) {
        int cap = p->cap_ent ? 2 * p->cap_ent : 64;
        entry *e = realloc(p->ent, sizeof *e * (size_t)cap);
        if (!e)
            return emo__fail(EMO_ERR_NOMEM, "out of memory");
        p->ent = e;
        p->cap_ent = cap;
    }
    entry *e = &p->ent[p->n_ent];
    for (int i = 0; i < p->n_ent; i++)
        if (p->ent[i].section == p->n_sec - 1 && strcmp(p->ent[i].key, k) == 0)
            return emo__fail(EMO_ERR_FORMAT, "line %d: key '%s' repeated",
                             line, k);
    e->section = p->n_sec - 1;
    e->line = line;
    strcpy(e->key, k);
    strcpy(e->value, v);
    p->n_ent++;
    return EMO_OK;
}

/* Splits the text into sections and entries. */
static int tokenize(const char *text, parsed *p)
{
    p->sec = calloc(EMO__NN_MAX_LAYERS + 1, sizeof *p->sec);
    if (!p->sec)
        return emo__fail(EMO_ERR_NOMEM, "out of memory");
    char buf[256];
    int line = 0;
    for (const char *s = text; *s;) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        line++;
        if (len >= sizeof buf)
            return emo__fail(EMO_ERR_FORMAT, "line %d: longer than %zu "
                             "characters", line, sizeof buf - 1);
        memcpy(buf, s, len);
        buf[len] = 0;
        s += len + (nl ? 1 : 0);
        char *hash = strchr(buf, '#');
        if (hash)
            *hash = 0;
        char *t = trim(buf);
        if (!*t)
            continue;
        int rc = *t == '[' ? add_section(p, t, line) : add_entry(p, t, line);
        if (rc)
            return rc;
    }
    return EMO_OK;
}

static int parse_number(const entry *e, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(e->value, &end);
    if (end == e->value || *end || errno || !isfinite(v))
        return emo__fail(EMO_ERR_FORMAT, "line %d: '%s' is not a number",
                         e->line, e->value);
    *out = v;
    return EMO_OK;
}

static int layer_type(const entry *e, int *type)
{
    for (int t = 0; t < EMO__L_COUNT; t++)
        if (strcmp(e->value, emo__layer_type_name(t)) == 0) {
            *type = t;
            return EMO_OK;
        }
    return emo__fail(EMO_ERR_FORMAT, "line %d: unknown layer type '%s'",
                     e->line, e->value);
}

static void layer_defaults(emo__layer *l, int type)
{
    l->type = type;
    l->stride = 1;
    l->groups = 1;
    l->has_bias = 1;
    l->init = EMO__INIT_HE;
    l->std = 0.01f;
    l->local_size = 5;
    l->alpha = 1e-4f;
    l->beta = 0.75f;
    l->k = 1.0f;
    l->ratio = 0.5f;
    l->eps = 1e-5f;
    l->bn_momentum = 0.1f;
    l->lr_mult = 1.0f;
    l->decay_mult = 1.0f;
}

static int set_key(emo__layer *l, const entry *e)
{
    const key_desc *d = NULL;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (strcmp(keys[i].key, e->key) == 0 &&
            (keys[i].types & (1u << l->type)))
            d = &keys[i];
    if (!d)
        return emo__fail(EMO_ERR_FORMAT, "line %d: unknown key '%s' for a "
                         "%s layer", e->line, e->key,
                         emo__layer_type_name(l->type));
    char *base = (char *)l + d->offset;
    if (d->kind == K_INIT) {
        static const char *const names[] = {"he", "xavier", "gaussian"};
        for (int i = 0; i < 3; i++)
            if (strcmp(e->value, names[i]) == 0) {
                *(int *)base = i;
                return EMO_OK;
            }
        return emo__fail(EMO_ERR_FORMAT, "line %d: init must be he, xavier"
                         " or gaussian", e->line);
    }
    double v;
    int rc = parse_number(e, &v);
    if (rc)
        return rc;
    if (v < d->min || v > d->max || (d->kind == K_INT && v != floor(v)))
        return emo__fail(EMO_ERR_FORMAT, "line %d: %s = %s: expected %s in "
                         "[%g, %g]", e->line, e->key, e->value,
                         d->kind == K_INT ? "an integer" : "a number",
                         d->min, d->max);
    if (d->kind == K_INT)
        *(int *)base = (int)v;
    else
        *(float *)base = (float)v;
    return EMO_OK;
}

/* Keys a layer must have, checked after its section is read. */
static int check_required(const emo__layer *l, int stride_set)
{
    const char *miss = NULL;
    if (l->type == EMO__L_CONV && !l->filters)
        miss = "filters";
    else if ((l->type == EMO__L_CONV || l->type == EMO__L_MAXPOOL ||
              l->type == EMO__L_AVGPOOL) && !l->size)
        miss = "size";
    else if (l->type == EMO__L_FC && !l->outputs)
        miss = "outputs";
    if (miss)
        return emo__fail(EMO_ERR_FORMAT, "line %d: %s layer '%s' needs '%s'",
                         l->line, emo__layer_type_name(l->type), l->name,
                         miss);
    if ((l->type == EMO__L_MAXPOOL || l->type == EMO__L_AVGPOOL) &&
        2 * l->pad > l->size)
        return emo__fail(EMO_ERR_FORMAT, "line %d: layer '%s': pad must be "
                         "at most half the window", l->line, l->name);
    if (l->type == EMO__L_CONV && l->pad >= l->size)
        return emo__fail(EMO_ERR_FORMAT, "line %d: layer '%s': pad must be "
                         "smaller than the kernel", l->line, l->name);
    if (l->type == EMO__L_LRN && l->local_size % 2 == 0)
        return emo__fail(EMO_ERR_FORMAT, "line %d: layer '%s': local_size "
                         "must be odd", l->line, l->name);
    (void)stride_set;
    return EMO_OK;
}

static int build_layer(const parsed *p, int s, emo__layer *l)
{
    int type = -1, stride_set = 0, rc;
    memset(l, 0, sizeof *l);
    strcpy(l->name, p->sec[s].name);
    l->line = p->sec[s].line;
    for (int i = 0; i < p->n_ent; i++)
        if (p->ent[i].section == s && strcmp(p->ent[i].key, "type") == 0)
            if ((rc = layer_type(&p->ent[i], &type)))
                return rc;
    if (type < 0)
        return emo__fail(EMO_ERR_FORMAT, "line %d: layer '%s' has no type",
                         l->line, l->name);
    layer_defaults(l, type);
    for (int i = 0; i < p->n_ent; i++) {
        const entry *e = &p->ent[i];
        if (e->section != s || strcmp(e->key, "type") == 0)
            continue;
        if ((rc = set_key(l, e)))
            return rc;
        stride_set |= strcmp(e->key, "stride") == 0;
    }
    /* pooling windows step by their size unless told otherwise */
    if ((type == EMO__L_MAXPOOL || type == EMO__L_AVGPOOL) && !stride_set)
        l->stride = l->size;
    return check_required(l, stride_set);
}

static int parse_input(const parsed *p, emo__shape *in)
{
    if (p->n_sec == 0 || strcmp(p->sec[0].name, "net") != 0)
        return emo__fail(EMO_ERR_FORMAT, "line %d: the first section must "
                         "be [net]", p->n_sec ? p->sec[0].line : 1);
    in->c = 1;
    in->h = in->w = 0;
    for (int i = 0; i < p->n_ent; i++) {
        const entry *e = &p->ent[i];
        if (e->section != 0)
            continue;
        double v;
        int rc = parse_number(e, &v);
        if (rc)
            return rc;
        if (v < 1 || v > EMO__NN_MAX_DIM || v != floor(v))
            return emo__fail(EMO_ERR_FORMAT, "line %d: %s = %s: expected an"
                             " integer in [1, %d]", e->line, e->key,
                             e->value, EMO__NN_MAX_DIM);
        if (strcmp(e->key, "channels") == 0)
            in->c = (int)v;
        else if (strcmp(e->key, "height") == 0)
            in->h = (int)v;
        else if (strcmp(e->key, "width") == 0)
            in->w = (int)v;
        else if (strcmp(e->key, "size") == 0)
            in->h = in->w = (int)v;
        else
            return emo__fail(EMO_ERR_FORMAT, "line %d: unknown key '%s' in "
                             "[net]", e->line, e->key);
    }
    if (!in->h || !in->w)
        return emo__fail(EMO_ERR_FORMAT, "line %d: [net] needs 'size' or "
                         "'height' and 'width'", p->sec[0].line);
    return EMO_OK;
}

int emo__net_parse(const char *text, emo__net *out)
{
    memset(out, 0, sizeof *out);
    if (strlen(text) > EMO__NN_MAX_TEXT)
        return emo__fail(EMO_ERR_LIMIT, "network text longer than %d bytes",
                         EMO__NN_MAX_TEXT);
    parsed p = {0};
    emo__shape in;
    int rc = tokenize(text, &p);
    if (!rc)
        rc = parse_input(&p, &in);
    if (!rc && p.n_sec < 2)
        rc = emo__fail(EMO_ERR_FORMAT, "no layers after [net]");
    emo__layer *layers = NULL;
    if (!rc) {
        layers = calloc((size_t)p.n_sec - 1, sizeof *layers);
        if (!layers)
            rc = emo__fail(EMO_ERR_NOMEM, "out of memory");
    }
    for (int s = 1; !rc && s < p.n_sec; s++)
        rc = build_layer(&p, s, &layers[s - 1]);
    int n = p.n_sec - 1;
    free_parsed(&p);
    if (rc) {
        free(layers);
        return rc;
    }
    return emo__net_build(out, layers, n, in);
}
