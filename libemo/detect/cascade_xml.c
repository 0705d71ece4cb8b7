/*
 * cascade_xml.c - reads OpenCV cascade XML (the current
 * "opencv-cascade-classifier" format for HAAR and LBP, and the old
 * "opencv-haar-classifier" format) into an emo__cascade, frees it, and
 * finds the default cascade file.
 *
 * libxml2 parses from memory with the network off and entities left
 * unexpanded; we read only the text children of the elements we know, so
 * an entity bomb is never expanded.  Every count is checked against a
 * limit before it is used, and emo__cascade_validate() checks every index
 * once the whole file is read.
 */
#include "detect/cascade.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Parse state: the cascade grown as elements are read, and the context of
 * the element being read for error messages. */
typedef struct parser {
    const char *name;
    emo__cascade *c;
    int cap_stages, cap_trees, cap_nodes, cap_leaves, cap_features,
        cap_subsets;
    char where[160];
    char *text;
    size_t text_cap;
} parser;

static int fail_at(parser *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int fail_at(parser *p, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (p->where[0])
        return emo__fail(EMO_ERR_FORMAT, "%s: %s: %s", p->name, p->where,
                         msg);
    return emo__fail(EMO_ERR_FORMAT, "%s: %s", p->name, msg);
}

/* Numbers are written with '.', whatever the caller's locale says. */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static void make_c_locale(void)
{
    c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

/* libxml2 wants one initialisation before threads use it; two
 * preprocessors loading cascades at once must not race on it. */
static pthread_once_t xml_once = PTHREAD_ONCE_INIT;
static void init_xml(void)
{
    xmlInitParser();
}

static xmlNode *child(const xmlNode *n, const char *name)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE &&
            strcmp((const char *)c->name, name) == 0)
            return c;
    return NULL;
}

/* Element children of a sequence (OpenCV writes items as <_>). */
static int count_items(const xmlNode *n)
{
    int k = 0;
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            k++;
    return k;
}

static xmlNode *next_item(xmlNode *c)
{
    while (c && c->type != XML_ELEMENT_NODE)
        c = c->next;
    return c;
}

/* Concatenates the direct text children of n into p->text. */
static int gather_text(parser *p, const xmlNode *n)
{
    size_t len = 0;
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE)
            continue;
        size_t add = c->content ? strlen((const char *)c->content) : 0;
        if (len + add + 1 > p->text_cap) {
            size_t cap = (len + add + 1) * 2;
            char *t = realloc(p->text, cap);
            if (!t)
                return emo__fail(EMO_ERR_NOMEM, "%s: out of memory", p->name);
            p->text = t;
            p->text_cap = cap;
        }
        memcpy(p->text + len, c->content, add);
        len += add;
    }
    if (!p->text) {
        p->text = malloc(16);
        if (!p->text)
            return emo__fail(EMO_ERR_NOMEM, "%s: out of memory", p->name);
        p->text_cap = 16;
    }
    p->text[len] = '\0';
    return EMO_OK;
}

/* Reads up to `max` numbers from the text of element `n` (named `what` in
 * messages); returns how many, or a negative error. */
static int numbers(parser *p, const xmlNode *n, const char *what,
                   double *out, int max)
{
    if (!n)
        return fail_at(p, "missing <%s>", what);
    int rc = gather_text(p, n);
    if (rc)
        return rc;
    pthread_once(&c_locale_once, make_c_locale);
    const char *s = p->text;
    int k = 0;
    for (;;) {
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
            s++;
        if (!*s)
            break;
        if (k == max)
            return fail_at(p, "<%s> has more than %d values", what, max);
        char *end;
        double v = c_locale ? strtod_l(s, &end, c_locale) : strtod(s, &end);
        if (end == s || !isfinite(v))
            return fail_at(p, "<%s>: \"%.20s\" is not a number", what, s);
        out[k++] = v;
        s = end;
    }
    return k;
}

static int one_int(parser *p, const xmlNode *parent, const char *name,
                   int lo, int hi, int *out)
{
    double v;
    int k = numbers(p, child(parent, name), name, &v, 1);
    if (k < 0)
        return k;
    if (k != 1 || v != floor(v) || v < lo || v > hi)
        return fail_at(p, "<%s> must be an integer in [%d, %d]", name, lo,
                       hi);
    *out = (int)v;
    return EMO_OK;
}

static int one_double(parser *p, const xmlNode *parent, const char *name,
                      double *out)
{
    int k = numbers(p, child(parent, name), name, out, 1);
    if (k < 0)
        return k;
    if (k != 1)
        return fail_at(p, "<%s> must hold one number", name);
    return EMO_OK;
}

static int as_int(parser *p, double v, const char *what, int *out)
{
    if (v != floor(v) || v < INT_MIN || v > INT_MAX)
        return fail_at(p, "%s %g is not an integer", what, v);
    *out = (int)v;
    return EMO_OK;
}

/* Makes room for `add` more items in *arr (count n, capacity *cap). */
static int grow(parser *p, void **arr, int n, int add, int *cap, size_t sz,
                int limit, const char *what)
{
    if (add > limit - n)
        return fail_at(p, "more than %d %s", limit, what);
    if (n + add <= *cap)
        return EMO_OK;
    int nc = *cap ? *cap : 64;
    while (nc < n + add)
        nc = nc > limit / 2 ? limit : nc * 2;
    void *a = realloc(*arr, (size_t)nc * sz);
    if (!a)
        return emo__fail(EMO_ERR_NOMEM, "%s: out of memory", p->name);
    *arr = a;
    *cap = nc;
    return EMO_OK;
}

#define GROW(p, field, n, add, cap, limit, what)                              \
    grow(p, (void **)&(p)->c->field, (p)->c->n, add, &(p)->cap,              \
         sizeof *(p)->c->field, limit, what)

/* ------------------------------------------------------------------------ */
/* Current format                                                            */
/* ------------------------------------------------------------------------ */

/* One weak classifier: internalNodes (left right feature threshold, or
 * left right feature subset[8] for LBP) and leafValues. */
static int read_weak(parser *p, const xmlNode *weak, double *buf, int bufn)
{
    emo__cascade *c = p->c;
    int lbp = c->type == EMO__CASCADE_LBP;
    int step = lbp ? 3 + EMO__LBP_SUBSET : 4;
    int k = numbers(p, child(weak, "internalNodes"), "internalNodes", buf,
                    bufn);
    if (k < 0)
        return k;
    if (k == 0 || k % step)
        return fail_at(p, "<internalNodes> holds %d values, not a multiple "
                          "of %d", k, step);
    int nn = k / step;
    if (nn > EMO__CASCADE_MAX_NODES_PER_TREE)
        return fail_at(p, "more than %d nodes in a tree",
                       EMO__CASCADE_MAX_NODES_PER_TREE);
    int rc = GROW(p, nodes, nnodes, nn, cap_nodes, INT_MAX / 2, "nodes");
    if (!rc && lbp)
        rc = GROW(p, subsets, nsubsets, nn * EMO__LBP_SUBSET, cap_subsets,
                  INT_MAX / 2, "subset words");
    if (rc)
        return rc;
    for (int i = 0; i < nn; i++) {
        const double *v = buf + i * step;
        emo__node *nd = &c->nodes[c->nnodes + i];
        if ((rc = as_int(p, v[0], "left child", &nd->left)) ||
            (rc = as_int(p, v[1], "right child", &nd->right)) ||
            (rc = as_int(p, v[2], "feature index", &nd->feature)))
            return rc;
        nd->threshold = 0.f;
        nd->subset = -1;
        if (lbp) {
            nd->subset = c->nsubsets;
            for (int j = 0; j < EMO__LBP_SUBSET; j++) {
                int s = 0;
                if ((rc = as_int(p, v[3 + j], "subset word", &s)))
                    return rc;
                c->subsets[c->nsubsets++] = s;
            }
        } else {
            nd->threshold = (float)v[3];
        }
    }
    int first_node = c->nnodes;
    c->nnodes += nn;

    k = numbers(p, child(weak, "leafValues"), "leafValues", buf, bufn);
    if (k < 0)
        return k;
    if (k != nn + 1)
        return fail_at(p, "<leafValues> holds %d values for %d nodes", k,
                       nn);
    if ((rc = GROW(p, leaves, nleaves, k, cap_leaves, INT_MAX / 2,
                   "leaves")))
        return rc;
    int first_leaf = c->nleaves;
    for (int i = 0; i < k; i++)
        c->leaves[c->nleaves++] = (float)buf[i];

    if ((rc = GROW(p, trees, ntrees, 1, cap_trees, EMO__CASCADE_MAX_TREES,
                   "weak classifiers")))
        return rc;
    c->trees[c->ntrees++] = (emo__tree){first_node, nn, first_leaf};
    return EMO_OK;
}

static int read_stages(parser *p, const xmlNode *stages)
{
    emo__cascade *c = p->c;
    int n = count_items(stages);
    if (n == 0)
        return fail_at(p, "<stages> is empty");
    int rc = GROW(p, stages, nstages, n, cap_stages, EMO__CASCADE_MAX_STAGES,
                  "stages");
    if (rc)
        return rc;
    int bufn = EMO__CASCADE_MAX_NODES_PER_TREE * (3 + EMO__LBP_SUBSET) + 1;
    double *buf = malloc(sizeof *buf * (size_t)bufn);
    if (!buf)
        return emo__fail(EMO_ERR_NOMEM, "%s: out of memory", p->name);
    int si = 0;
    for (xmlNode *s = next_item(stages->children); s;
         s = next_item(s->next), si++) {
        snprintf(p->where, sizeof p->where, "stage %d", si);
        double thr;
        if ((rc = one_double(p, s, "stageThreshold", &thr)))
            break;
        const xmlNode *weaks = child(s, "weakClassifiers");
        int nw = count_items(weaks);
        if (nw == 0) {
            rc = fail_at(p, "no <weakClassifiers>");
            break;
        }
        int first = c->ntrees, wi = 0;
        for (xmlNode *w = next_item(weaks->children); w && !rc;
             w = next_item(w->next), wi++) {
            snprintf(p->where, sizeof p->where,
                     "stage %d, weak classifier %d", si, wi);
            rc = read_weak(p, w, buf, bufn);
        }
        if (rc)
            break;
        c->stages[c->nstages++] =
            (emo__stage){first, nw, (float)thr - 1e-5f};
    }
    free(buf);
    return rc;
}

static int read_haar_feature(parser *p, const xmlNode *f, emo__feature *out)
{
    const xmlNode *rects = child(f, "rects");
    if (!rects)
        return fail_at(p, "missing <rects>");
    int k = 0, rc;
    memset(out, 0, sizeof *out);
    for (xmlNode *r = next_item(rects->children); r;
         r = next_item(r->next), k++) {
        double v[5];
        if (k == 3)
            return fail_at(p, "more than 3 rectangles");
        int m = numbers(p, r, "rects item", v, 5);
        if (m < 0)
            return m;
        if (m != 5)
            return fail_at(p, "a rectangle needs x y w h weight");
        emo__haar_rect *hr = &out->r[k];
        if ((rc = as_int(p, v[0], "x", &hr->x)) ||
            (rc = as_int(p, v[1], "y", &hr->y)) ||
            (rc = as_int(p, v[2], "width", &hr->w)) ||
            (rc = as_int(p, v[3], "height", &hr->h)))
            return rc;
        hr->weight = (float)v[4];
    }
    if (k < 2)
        return fail_at(p, "a HAAR feature needs 2 or 3 rectangles");
    out->nrects = k;
    const xmlNode *t = child(f, "tilted");
    if (t) {
        int tv;
        if ((rc = one_int(p, f, "tilted", 0, 1, &tv)))
            return rc;
        out->tilted = tv;
    }
    return EMO_OK;
}

static int read_lbp_feature(parser *p, const xmlNode *f, emo__feature *out)
{
    double v[4];
    int m = numbers(p, child(f, "rect"), "rect", v, 4), rc;
    if (m < 0)
        return m;
    if (m != 4)
        return fail_at(p, "<rect> needs x y w h");
    memset(out, 0, sizeof *out);
    emo__haar_rect *r = &out->r[0];
    if ((rc = as_int(p, v[0], "x", &r->x)) ||
        (rc = as_int(p, v[1], "y", &r->y)) ||
        (rc = as_int(p, v[2], "width", &r->w)) ||
        (rc = as_int(p, v[3], "height", &r->h)))
        return rc;
    out->nrects = 1;
    return EMO_OK;
}

static int read_features(parser *p, const xmlNode *features)
{
    emo__cascade *c = p->c;
    int n = count_items(features);
    if (n == 0)
        return fail_at(p, "<features> is empty");
    int rc = GROW(p, features, nfeatures, n, cap_features,
                  EMO__CASCADE_MAX_FEATURES, "features");
    if (rc)
        return rc;
    int fi = 0;
    for (xmlNode *f = next_item(features->children); f;
         f = next_item(f->next), fi++) {
        snprintf(p->where, sizeof p->where, "feature %d", fi);
        emo__feature *out = &c->features[c->nfeatures];
        rc = c->type == EMO__CASCADE_LBP ? read_lbp_feature(p, f, out)
                                         : read_haar_feature(p, f, out);
        if (rc)
            return rc;
        c->nfeatures++;
    }
    return EMO_OK;
}

static int read_current(parser *p, const xmlNode *root)
{
    emo__cascade *c = p->c;
    const xmlNode *st = child(root, "stageType");
    if (!st)
        return fail_at(p, "missing <stageType>");
    int rc = gather_text(p, st);
    if (rc)
        return rc;
    if (strstr(p->text, "BOOST") == NULL)
        return fail_at(p, "<stageType> must be BOOST");
    const xmlNode *ft = child(root, "featureType");
    if (!ft)
        return fail_at(p, "missing <featureType>");
    if ((rc = gather_text(p, ft)))
        return rc;
    if (strstr(p->text, "HAAR"))
        c->type = EMO__CASCADE_HAAR;
    else if (strstr(p->text, "LBP"))
        c->type = EMO__CASCADE_LBP;
    else if (strstr(p->text, "HOG"))
        return emo__fail(EMO_ERR_UNSUPPORTED, "%s: HOG cascades are not "
                         "supported", p->name);
    else
        return fail_at(p, "<featureType> must be HAAR or LBP");
    if ((rc = one_int(p, root, "width", 1, EMO__CASCADE_MAX_WIN,
                      &c->win_w)) ||
        (rc = one_int(p, root, "height", 1, EMO__CASCADE_MAX_WIN,
                      &c->win_h)))
        return rc;
    int ncat = 0;
    const xmlNode *fp = child(root, "featureParams");
    if (!fp)
        return fail_at(p, "missing <featureParams>");
    if ((rc = one_int(p, fp, "maxCatCount", 0, 1 << 20, &ncat)))
        return rc;
    if (c->type == EMO__CASCADE_HAAR && ncat != 0)
        return fail_at(p, "HAAR cascade with maxCatCount %d", ncat);
    if (c->type == EMO__CASCADE_LBP && ncat != 256)
        return fail_at(p, "LBP cascade needs maxCatCount 256, not %d", ncat);
    const xmlNode *stages = child(root, "stages");
    if (!stages)
        return fail_at(p, "missing <stages>");
    if ((rc = read_stages(p, stages)))
        return rc;
    p->where[0] = '\0';
    const xmlNode *features = child(root, "features");
    if (!features)
        return fail_at(p, "missing <features>");
    return read_features(p, features);
}

/* ------------------------------------------------------------------------ */
/* Old format (converted as OpenCV's CascadeClassifier::convert does)        */
/* ------------------------------------------------------------------------ */

static int read_old_node(parser *p, const xmlNode *nd, int *nleaves_tree)
{
    emo__cascade *c = p->c;
    int rc = GROW(p, features, nfeatures, 1, cap_features,
                  EMO__CASCADE_MAX_FEATURES, "features");
    if (!rc)
        rc = GROW(p, nodes, nnodes, 1, cap_nodes, INT_MAX / 2, "nodes");
    if (!rc)
        rc = GROW(p, leaves, nleaves, 2, cap_leaves, INT_MAX / 2, "leaves");
    if (rc)
        return rc;
    const xmlNode *f = child(nd, "feature");
    if (!f)
        return fail_at(p, "missing <feature>");
    if ((rc = read_haar_feature(p, f, &c->features[c->nfeatures])))
        return rc;
    emo__node *out = &c->nodes[c->nnodes];
    double thr;
    if ((rc = one_double(p, nd, "threshold", &thr)))
        return rc;
    out->threshold = (float)thr;
    out->feature = c->nfeatures++;
    out->subset = -1;
    static const char *const val[2] = {"left_val", "right_val"};
    static const char *const sub[2] = {"left_node", "right_node"};
    for (int side = 0; side < 2; side++) {
        int *dst = side ? &out->right : &out->left;
        if (child(nd, val[side])) {
            double v;
            if ((rc = one_double(p, nd, val[side], &v)))
                return rc;
            *dst = -(*nleaves_tree)++;
            c->leaves[c->nleaves++] = (float)v;
        } else if ((rc = one_int(p, nd, sub[side], 1,
                                 EMO__CASCADE_MAX_NODES_PER_TREE, dst))) {
            return rc;
        }
    }
    c->nnodes++;
    return EMO_OK;
}

static int read_old(parser *p, const xmlNode *root)
{
    emo__cascade *c = p->c;
    double sz[2];
    int k = numbers(p, child(root, "size"), "size", sz, 2), rc;
    if (k < 0)
        return k;
    if (k != 2 || sz[0] != floor(sz[0]) || sz[1] != floor(sz[1]) ||
        sz[0] < 1 || sz[1] < 1 || sz[0] > EMO__CASCADE_MAX_WIN ||
        sz[1] > EMO__CASCADE_MAX_WIN)
        return fail_at(p, "<size> must be two integers in [1, %d]",
                       EMO__CASCADE_MAX_WIN);
    c->type = EMO__CASCADE_HAAR;
    c->win_w = (int)sz[0];
    c->win_h = (int)sz[1];
    const xmlNode *stages = child(root, "stages");
    int ns = count_items(stages);
    if (ns == 0)
        return fail_at(p, "<stages> is missing or empty");
    if ((rc = GROW(p, stages, nstages, ns, cap_stages,
                   EMO__CASCADE_MAX_STAGES, "stages")))
        return rc;
    int si = 0;
    for (xmlNode *s = next_item(stages->children); s;
         s = next_item(s->next), si++) {
        snprintf(p->where, sizeof p->where, "stage %d", si);
        double thr;
        if ((rc = one_double(p, s, "stage_threshold", &thr)))
            return rc;
        const xmlNode *trees = child(s, "trees");
        if (count_items(trees) == 0)
            return fail_at(p, "no <trees>");
        int first = c->ntrees, ti = 0;
        for (xmlNode *t = next_item(trees->children); t;
             t = next_item(t->next), ti++) {
            snprintf(p->where, sizeof p->where, "stage %d, tree %d", si, ti);
            int nn = count_items(t), nl = 0, fn = c->nnodes, fl = c->nleaves;
            if (nn == 0 || nn > EMO__CASCADE_MAX_NODES_PER_TREE)
                return fail_at(p, "a tree needs 1 to %d nodes",
                               EMO__CASCADE_MAX_NODES_PER_TREE);
            for (xmlNode *nd = next_item(t->children); nd;
                 nd = next_item(nd->next))
                if ((rc = read_old_node(p, nd, &nl)))
                    return rc;
            if (nl != nn + 1)
                return fail_at(p, "%d leaves for %d nodes", nl, nn);
            if ((rc = GROW(p, trees, ntrees, 1, cap_trees,
                           EMO__CASCADE_MAX_TREES, "trees")))
                return rc;
            c->trees[c->ntrees++] = (emo__tree){fn, nn, fl};
        }
        c->stages[c->nstages++] =
            (emo__stage){first, ti, (float)thr - 1e-5f};
    }
    p->where[0] = '\0';
    return EMO_OK;
}

/* ------------------------------------------------------------------------ */

static int parse_doc(parser *p, const uint8_t *data, size_t size)
{
    if (size == 0)
        return emo__fail(EMO_ERR_FORMAT, "%s: empty file", p->name);
    if (size > EMO__CASCADE_MAX_BYTES)
        return emo__fail(EMO_ERR_LIMIT, "%s: %zu bytes is more than a cascade "
                         "needs (limit %d MB)", p->name, size,
                         EMO__CASCADE_MAX_BYTES >> 20);
    pthread_once(&xml_once, init_xml);
    xmlResetLastError();
    xmlDoc *doc = xmlReadMemory((const char *)data, (int)size, NULL, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR |
                                    XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS);
    if (!doc) {
        const xmlError *e = xmlGetLastError();
        char msg[200] = "not well-formed XML";
        if (e && e->message) {
            snprintf(msg, sizeof msg, "%s", e->message);
            size_t l = strlen(msg);
            while (l && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
                msg[--l] = '\0';
        }
        int line = e ? e->line : 0;
        xmlResetLastError();
        return emo__fail(EMO_ERR_FORMAT, "%s: line %d: not valid XML: %s",
                         p->name, line, msg);
    }
    int rc;
    const xmlNode *top = xmlDocGetRootElement(doc);
    const xmlNode *root = top ? next_item(top->children) : NULL;
    if (!root)
        rc = emo__fail(EMO_ERR_FORMAT, "%s: no cascade in the file", p->name);
    else if (child(root, "stageType") || child(root, "featureType"))
        rc = read_current(p, root);
    else if (child(root, "size") && child(root, "stages"))
        rc = read_old(p, root);
    else
        rc = emo__fail(EMO_ERR_FORMAT, "%s: <%s> is not an OpenCV cascade",
                       p->name, (const char *)root->name);
    xmlFreeDoc(doc);
    return rc;
}

int emo__cascade_parse(const uint8_t *data, size_t size, const char *name,
                       emo__cascade **out)
{
    if (!out)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL cascade pointer");
    *out = NULL;
    if (!data && size)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL cascade data");
    parser p;
    memset(&p, 0, sizeof p);
    p.name = name ? name : "cascade";
    p.c = calloc(1, sizeof *p.c);
    if (!p.c)
        return emo__fail(EMO_ERR_NOMEM, "%s: out of memory", p.name);
    int rc = parse_doc(&p, data, size);
    free(p.text);
    if (!rc) {
        int stumps = 1;
        for (int i = 0; i < p.c->ntrees; i++)
            stumps &= p.c->trees[i].nnodes == 1;
        p.c->stumps = stumps;
        for (int i = 0; i < p.c->nfeatures; i++)
            p.c->has_tilted |= p.c->features[i].tilted;
        rc = emo__cascade_validate(p.c);
        if (rc)
            rc = emo__fail_prefix(rc, p.name);
    }
    if (rc) {
        emo__cascade_free(p.c);
        return rc;
    }
    static _Atomic unsigned long serial;
    p.c->serial = atomic_fetch_add(&serial, 1) + 1;
    *out = p.c;
    return EMO_OK;
}

int emo__cascade_load(const char *path, emo__cascade **out)
{
    if (!out)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL cascade pointer");
    *out = NULL;
    if (!path)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL cascade path");
    uint8_t *data;
    size_t size;
    int rc = emo__read_file(path, &data, &size);
    if (rc)
        return rc;
    rc = emo__cascade_parse(data, size, path, out);
    free(data);
    return rc;
}

void emo__cascade_free(emo__cascade *c)
{
    if (!c)
        return;
    free(c->stages);
    free(c->trees);
    free(c->nodes);
    free(c->leaves);
    free(c->features);
    free(c->subsets);
    free(c);
}

const char *emo__cascade_default_path(void)
{
    static const char *const candidates[] = {
        "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml",
        "/usr/share/opencv/haarcascades/haarcascade_frontalface_default.xml",
        ("/usr/local/share/opencv4/haarcascades/"
         "haarcascade_frontalface_default.xml"),
    };
    const char *env = getenv("EMO_CASCADE");
    if (env && *env)
        return env;
    for (size_t i = 0; i < sizeof candidates / sizeof *candidates; i++)
        if (access(candidates[i], R_OK) == 0)
            return candidates[i];
    return NULL;
}
