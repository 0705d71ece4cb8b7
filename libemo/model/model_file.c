/*
 * model_file.c - the model file (docs/model-format.md): a little-endian header
 * ("EMOM", format version), tagged chunks (network text, options,
 * preprocessing, mean image, class names, corrections, weights as 32- or
 * 16-bit floats, optional momentum and training state) and a CRC-32 of
 * everything before it.
 *
 * The writer runs each chunk twice, first counting bytes (so the length
 * can precede the payload) then writing, streaming with a running CRC.
 * The loader reads the whole file under EMO_OPT_MAX_FILE_BYTES, checks the
 * CRC first, and still checks every length against the bytes left before
 * it allocates.
 */
#include "model/network.h"
#include "common/bytes.h"
#include "model/crc32.h"
#include "model/half.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1: 32-bit weights (WGHT).  2 adds 16-bit weights (WF16) and the 1.1
 * preprocessing options that change the face (EMO_OPT_PHOTOMETRIC,
 * EMO_OPT_CROP_SHIFT_Y); a file is written as 2 only when it has one of
 * them, so format-1 readers keep reading every other file, and refuse one
 * whose faces they would prepare wrongly (they skip options they do not
 * know). */
#define FORMAT_VERSION 2
#define FORMAT_VERSION_F32 1
#define HEADER_BYTES 16
#define MAX_CLASS_NAME 255

/* ---- writing ------------------------------------------------------------ */

typedef struct writer {
    FILE *fp;      /* NULL: only count */
    uint64_t n;    /* bytes so far */
    uint32_t crc;
    int err;
} writer;

static void put(writer *w, const void *data, size_t n)
{
    w->n += n;
    if (!w->fp || w->err)
        return;
    w->crc = emo__crc32(w->crc, data, n);
    if (fwrite(data, 1, n, w->fp) != n)
        w->err = 1;
}

static void put_u32(writer *w, uint32_t v)
{
    uint8_t b[4];
    emo__set_le32(b, v);
    put(w, b, 4);
}

static void put_u64(writer *w, uint64_t v)
{
    uint8_t b[8];
    emo__set_le64(b, v);
    put(w, b, 8);
}

static void put_f64(writer *w, double d)
{
    uint8_t b[8];
    emo__set_le_f64(b, d);
    put(w, b, 8);
}

/* Floats as little-endian IEEE-754 binary32 (width 4) or binary16
 * (width 2, rounded), through a small buffer. */
static void put_values(writer *w, const float *f, size_t n, size_t width)
{
    uint8_t buf[4096];
    while (n) {
        size_t k = n < sizeof buf / width ? n : sizeof buf / width;
        if (w->fp)
            for (size_t i = 0; i < k; i++) {
                if (width == 2)
                    emo__set_le16(buf + 2 * i, emo__f16_from_f32(f[i]));
                else
                    emo__set_le_f32(buf + 4 * i, f[i]);
            }
        put(w, buf, width * k);
        f += k;
        n -= k;
    }
}

static void put_floats(writer *w, const float *f, size_t n)
{
    put_values(w, f, n, 4);
}

/* Settings of one run of a program, not properties of the model: never
 * written, and ignored in files written before this rule.  The thread
 * count (a model trained on 2 threads must not make a 1-thread video loop
 * use 2), the resume flag (a model loaded to fine-tune with a checkpoint
 * path must not resume from whatever that path holds), a data-parallel
 * process's place in the global batch, and the cascade's
 * working-size cap (a memory limit of the machine; no file has it: PREP
 * ended at EMO_OPT_SUBTRACT_MEAN before 1.1). */
static int run_setting(uint32_t id)
{
    return id == EMO_OPT_NET_THREADS || id == EMO_OPT_TRAIN_RESUME ||
           id == EMO_OPT_DETECT_MAX_PIXELS ||
           id == EMO_OPT_TRAIN_BATCH_OFFSET;
}

static int stored_option(int id)
{
    return emo_option_bounds(id, NULL, NULL, NULL) == EMO_OK &&
           !run_setting((uint32_t)id);
}

static void put_opts(writer *w, const emo_opts *o, int first, int last)
{
    uint32_t count = 0;
    for (int id = first; id <= last; id++)
        count += (uint32_t)stored_option(id);
    put_u32(w, count);
    for (int id = first; id <= last; id++)
        if (stored_option(id)) {
            put_u32(w, (uint32_t)id);
            put_f64(w, o->v[id / 100][id % 100]);
        }
}

typedef void (*chunk_fn)(writer *w, const emo_network *net);

static void chunk_text(writer *w, const emo_network *net)
{
    put(w, net->text, strlen(net->text));
}

/* Every network and training option (ids 200-399) but the run settings,
 * so that options added later (EMO_OPT_TRAIN_LABELS was missed while the
 * range ended at EMO_OPT_TRAIN_KEEP) are stored without a change here. */
static void chunk_opts(writer *w, const emo_network *net)
{
    put_opts(w, &net->opts, EMO_OPT_NET_THREADS, EMO_OPT_NET_THREADS + 199);
}

/* Options the reader does not know are skipped, so files with the 1.1
 * options still load in 1.0, and 1.0 files (up to EMO_OPT_SUBTRACT_MEAN)
 * get the new options' defaults. */
static void chunk_prep(writer *w, const emo_network *net)
{
    put_opts(w, &net->pp_opts, EMO_OPT_DETECT_SCALE_FACTOR,
             EMO_OPT_DETECT_SCALE_FACTOR + 99);
}

static void chunk_mean(writer *w, const emo_network *net)
{
    /* the mean image is one input plane */
    put_u32(w, (uint32_t)net->nn.input.h);
    put_u32(w, (uint32_t)net->nn.input.w);
    put_floats(w, net->mean, (size_t)net->nn.input.h * net->nn.input.w);
}

static void chunk_classes(writer *w, const emo_network *net)
{
    put_u32(w, (uint32_t)net->nn.num_classes);
    for (int i = 0; i < net->nn.num_classes; i++) {
        const char *s = emo_network_class_name(net, i);
        put_u32(w, (uint32_t)strlen(s));
        put(w, s, strlen(s));
    }
}

static void chunk_corrections(writer *w, const emo_network *net)
{
    size_t face = emo__shape_size(net->nn.input);
    put_u32(w, (uint32_t)net->n_corr);
    put_u32(w, (uint32_t)face);
    for (int i = 0; i < net->n_corr; i++)
        put_u32(w, (uint32_t)net->corr_labels[i]);
    put_floats(w, net->corr_faces, face * (size_t)net->n_corr);
}

enum { TENSOR_WEIGHTS = 0, TENSOR_MOMENTUM = 1, TENSOR_WEIGHTS_F16 = 2 };

/* Weights (32- or 16-bit) or momentum of every layer that has parameters,
 * by name, so a reader can check it reads the right layer. */
static void put_tensors(writer *w, const emo_network *net, int which)
{
    uint32_t count = 0;
    for (int i = 0; i < net->nn.n_layers; i++)
        count += net->nn.layers[i].nparams > 0;
    put_u32(w, count);
    for (int i = 0; i < net->nn.n_layers; i++) {
        const emo__layer *l = &net->nn.layers[i];
        if (!l->nparams)
            continue;
        put_u32(w, (uint32_t)strlen(l->name));
        put(w, l->name, strlen(l->name));
        put_u32(w, (uint32_t)l->nparams);
        for (int j = 0; j < l->nparams; j++) {
            const emo__param *p = &l->p[j];
            put_u32(w, (uint32_t)p->n);
            if (which == TENSOR_WEIGHTS) {
                put_floats(w, p->data, p->n);
            } else if (which == TENSOR_WEIGHTS_F16) {
                put_values(w, p->data, p->n, 2);
            } else if (p->mom) {
                put_floats(w, p->mom, p->n);
            } else {
                static const float zero[256];
                for (size_t k = 0; k < p->n; k += 256)
                    put_floats(w, zero, p->n - k < 256 ? p->n - k : 256);
            }
        }
    }
}

static void chunk_weights(writer *w, const emo_network *net)
{
    put_tensors(w, net, TENSOR_WEIGHTS);
}

static void chunk_weights_f16(writer *w, const emo_network *net)
{
    put_tensors(w, net, TENSOR_WEIGHTS_F16);
}

static void chunk_momentum(writer *w, const emo_network *net)
{
    put_u64(w, net->step);
    put_tensors(w, net, TENSOR_MOMENTUM);
}

static void chunk_state(writer *w, const emo_network *net)
{
    put(w, net->train_state, net->train_state_len);
}

static void put_chunk(writer *w, const char tag[4], chunk_fn fn,
                      const emo_network *net)
{
    writer count = {0};
    fn(&count, net);
    put(w, tag, 4);
    put_u64(w, count.n);
    fn(w, net);
}

/* 16-bit weights only in models: a checkpoint must resume exactly. */
static int stores_f16(const emo_network *net, int checkpoint)
{
    return !checkpoint && emo__opti(&net->opts, EMO_OPT_NET_WEIGHT_STORAGE) ==
                              EMO_STORE_F16;
}

/* A checkpoint adds the momentum buffers and the training state to the
 * model; a model never carries them, even when its network was loaded
 * from a checkpoint (shipping a checkpoint's last epoch must not ship a
 * second copy of the weights in the state). */
static void write_model(writer *w, const emo_network *net, int checkpoint)
{
    int state = checkpoint && net->train_state_len > 0;
    int f16 = stores_f16(net, checkpoint);
    int n_chunks = 5 + (net->mean != NULL) + (net->n_corr > 0) +
                   (checkpoint != 0) + state;
    put(w, "EMOM", 4);
    int prep11 = emo__opti(&net->pp_opts, EMO_OPT_PHOTOMETRIC) !=
                     EMO_PHOTO_NONE ||
                 emo__opt(&net->pp_opts, EMO_OPT_CROP_SHIFT_Y) != 0.0;
    put_u32(w, f16 || prep11 ? FORMAT_VERSION : FORMAT_VERSION_F32);
    put_u32(w, 0); /* flags, reserved */
    put_u32(w, (uint32_t)n_chunks);
    put_chunk(w, "TEXT", chunk_text, net);
    put_chunk(w, "OPTS", chunk_opts, net);
    put_chunk(w, "PREP", chunk_prep, net);
    if (net->mean)
        put_chunk(w, "MEAN", chunk_mean, net);
    put_chunk(w, "CLAS", chunk_classes, net);
    if (net->n_corr > 0)
        put_chunk(w, "CORR", chunk_corrections, net);
    if (f16)
        put_chunk(w, "WF16", chunk_weights_f16, net);
    else
        put_chunk(w, "WGHT", chunk_weights, net);
    if (checkpoint)
        put_chunk(w, "MOMT", chunk_momentum, net);
    if (state)
        put_chunk(w, "TSTA", chunk_state, net);
    uint32_t crc = w->crc;
    put_u32(w, crc);
}

/* Refuses, before any file is opened, a finite weight that 16 bits would
 * turn into infinity (|w| >= 65520): silently saving a different network
 * is worse than failing.  NaN and infinity are stored as they are, as in
 * 32 bits. */
static int check_f16_range(const emo_network *net)
{
    for (int i = 0; i < net->nn.n_layers; i++) {
        const emo__layer *l = &net->nn.layers[i];
        for (int j = 0; j < l->nparams; j++)
            for (size_t k = 0; k < l->p[j].n; k++) {
                float v = l->p[j].data[k];
                if (isfinite(v) && fabsf(v) >= 65520.0f)
                    return emo__fail(EMO_ERR_RANGE, "layer '%s' tensor %d: "
                                     "weight %g does not fit 16 bits; save "
                                     "with EMO_STORE_F32", l->name, j,
                                     (double)v);
            }
    }
    return EMO_OK;
}

int emo__model_save(const emo_network *net, const char *path,
                    int checkpoint)
{
    if (!net || !path)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL argument");
    int rc = stores_f16(net, checkpoint) ? check_f16_range(net) : EMO_OK;
    if (rc)
        return rc;
    emo__atomic_sweep(path);
    emo_atomic_file f;
    rc = emo__atomic_open(&f, path);
    if (rc)
        return rc;
    writer w = {f.fp, 0, 0, 0};
    write_model(&w, net, checkpoint);
    if (w.err) {
        emo__atomic_abort(&f);
        return emo__fail(EMO_ERR_IO, "%s: write failed", path);
    }
    return emo__atomic_commit(&f);
}

EMO_API int emo_network_save(const emo_network *net, const char *path)
{
    return emo__model_save(net, path, 0);
}

EMO_API int emo_network_save_checkpoint(const emo_network *net,
                                        const char *path)
{
    return emo__model_save(net, path, 1);
}

/* ---- reading ------------------------------------------------------------ */

typedef struct reader {
    const uint8_t *p, *end;
    const char *what; /* chunk being read, for messages */
} reader;

static int short_data(const reader *r)
{
    return emo__fail(EMO_ERR_FORMAT, "%s chunk: data ends early", r->what);
}

static int need(const reader *r, uint64_t n)
{
    return (uint64_t)(r->end - r->p) >= n ? EMO_OK : short_data(r);
}

static int get_u32(reader *r, uint32_t *v)
{
    if (need(r, 4))
        return EMO_ERR_FORMAT;
    *v = emo__next_le32(&r->p);
    return EMO_OK;
}

static int get_u64(reader *r, uint64_t *v)
{
    if (need(r, 8))
        return EMO_ERR_FORMAT;
    *v = emo__next_le64(&r->p);
    return EMO_OK;
}

/* n IEEE binary16 values into dst as floats. */
static int get_halves(reader *r, float *dst, size_t n)
{
    if (n > SIZE_MAX / 2 || need(r, (uint64_t)n * 2))
        return short_data(r);
    for (size_t i = 0; i < n; i++)
        dst[i] = emo__f32_from_f16(emo__le16(r->p + 2 * i));
    r->p += 2 * n;
    return EMO_OK;
}

/* n floats into dst (caller allocated after need()). */
static int get_floats(reader *r, float *dst, size_t n)
{
    if (n > SIZE_MAX / 4 || need(r, (uint64_t)n * 4))
        return short_data(r);
    for (size_t i = 0; i < n; i++)
        dst[i] = emo__le_f32(r->p + 4 * i);
    r->p += 4 * n;
    return EMO_OK;
}

static int read_opts(reader *r, emo_opts *o, unsigned groups)
{
    uint32_t count;
    if (get_u32(r, &count))
        return EMO_ERR_FORMAT;
    if (need(r, (uint64_t)count * 12))
        return EMO_ERR_FORMAT;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t id = emo__next_le32(&r->p);
        double v = emo__next_le_f64(&r->p);
        /* options of a later version are skipped; known ones must be valid */
        if (emo_option_bounds((int)id, NULL, NULL, NULL) != EMO_OK)
            continue;
        if (run_setting(id)) /* written by 1.0.0 betas: ignored */
            continue;
        int rc = emo__opts_set(o, groups, (int)id, v);
        if (rc)
            return emo__fail(EMO_ERR_FORMAT, "%s chunk: option %u: %g is "
                             "invalid", r->what, id, v);
    }
    return EMO_OK;
}

static int read_mean(reader *r, emo_network *net)
{
    uint32_t h, w;
    if (get_u32(r, &h) || get_u32(r, &w))
        return EMO_ERR_FORMAT;
    if ((int)h != net->nn.input.h || (int)w != net->nn.input.w)
        return emo__fail(EMO_ERR_FORMAT, "MEAN chunk: %ux%u mean image for "
                         "a %dx%d input", h, w, net->nn.input.h,
                         net->nn.input.w);
    if (need(r, (uint64_t)h * w * 4))
        return EMO_ERR_FORMAT;
    float *m = malloc(sizeof(float) * (size_t)h * w);
    if (!m)
        return emo__fail(EMO_ERR_NOMEM, "out of memory");
    get_floats(r, m, (size_t)h * w);
    free(net->mean);
    net->mean = m;
    return EMO_OK;
}

static int read_classes(reader *r, emo_network *net)
{
    uint32_t n;
    if (get_u32(r, &n))
        return EMO_ERR_FORMAT;
    if ((int)n != net->nn.num_classes || n > EMO_MAX_CLASSES)
        return emo__fail(EMO_ERR_FORMAT, "CLAS chunk: %u names for %d "
                         "classes", n, net->nn.num_classes);
    char names[EMO_MAX_CLASSES][MAX_CLASS_NAME + 1];
    const char *ptrs[EMO_MAX_CLASSES];
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len;
        if (get_u32(r, &len))
            return EMO_ERR_FORMAT;
        if (len == 0 || len > MAX_CLASS_NAME)
            return emo__fail(EMO_ERR_FORMAT, "CLAS chunk: name %u of %u "
                             "bytes", i, len);
        if (need(r, len))
            return EMO_ERR_FORMAT;
        memcpy(names[i], r->p, len);
        names[i][len] = 0;
        if (strlen(names[i]) != len)
            return emo__fail(EMO_ERR_FORMAT, "CLAS chunk: NUL in name %u",
                             i);
        r->p += len;
        ptrs[i] = names[i];
    }
    return emo_network_set_class_names(net, ptrs, (int)n);
}

static int read_corrections(reader *r, emo_network *net)
{
    uint32_t n, face;
    if (get_u32(r, &n) || get_u32(r, &face))
        return EMO_ERR_FORMAT;
    if (face != emo__shape_size(net->nn.input))
        return emo__fail(EMO_ERR_FORMAT, "CORR chunk: faces of %u values "
                         "for a %zu-value input", face,
                         emo__shape_size(net->nn.input));
    if (need(r, (uint64_t)n * 4 + (uint64_t)n * face * 4))
        return EMO_ERR_FORMAT;
    float *buf = malloc(sizeof(float) * face);
    if (!buf)
        return emo__fail(EMO_ERR_NOMEM, "out of memory");
    const uint8_t *labels = r->p;
    r->p += (size_t)n * 4;
    int rc = EMO_OK;
    for (uint32_t i = 0; i < n && !rc; i++) {
        get_floats(r, buf, face);
        rc = emo__network_store_correction(net, buf, face,
                                       (int)emo__le32(labels + 4 * i));
    }
    free(buf);
    return rc ? emo__fail_prefix(rc, "CORR chunk") : EMO_OK;
}

static int read_tensors(reader *r, emo_network *net, int which)
{
    uint32_t count, expect = 0;
    for (int i = 0; i < net->nn.n_layers; i++)
        expect += net->nn.layers[i].nparams > 0;
    if (get_u32(r, &count))
        return EMO_ERR_FORMAT;
    if (count != expect)
        return emo__fail(EMO_ERR_FORMAT, "%s chunk: %u layers with weights,"
                         " the network has %u", r->what, count, expect);
    if (which == TENSOR_MOMENTUM && emo__net_alloc_train(&net->nn))
        return EMO_ERR_NOMEM;
    for (int i = 0; i < net->nn.n_layers; i++) {
        emo__layer *l = &net->nn.layers[i];
        if (!l->nparams)
            continue;
        uint32_t len, np;
        if (get_u32(r, &len) || need(r, len))
            return EMO_ERR_FORMAT;
        if (len != strlen(l->name) || memcmp(r->p, l->name, len) != 0)
            return emo__fail(EMO_ERR_FORMAT, "%s chunk: weights of another "
                             "layer where '%s' was expected", r->what,
                             l->name);
        r->p += len;
        if (get_u32(r, &np))
            return EMO_ERR_FORMAT;
        if ((int)np != l->nparams)
            return emo__fail(EMO_ERR_FORMAT, "%s chunk: layer '%s': %u "
                             "tensors, expected %d", r->what, l->name, np,
                             l->nparams);
        for (int j = 0; j < l->nparams; j++) {
            uint32_t n;
            if (get_u32(r, &n))
                return EMO_ERR_FORMAT;
            if (n != l->p[j].n)
                return emo__fail(EMO_ERR_FORMAT, "%s chunk: layer '%s' "
                                 "tensor %d: %u values, expected %zu",
                                 r->what, l->name, j, n, l->p[j].n);
            float *dst = which == TENSOR_MOMENTUM ? l->p[j].mom
                                                  : l->p[j].data;
            if (!dst) {
                if (need(r, (uint64_t)n * 4))
                    return EMO_ERR_FORMAT;
                r->p += (size_t)n * 4; /* momentum of a statistic */
                continue;
            }
            if (which == TENSOR_WEIGHTS_F16 ? get_halves(r, dst, n)
                                            : get_floats(r, dst, n))
                return EMO_ERR_FORMAT;
        }
    }
    return EMO_OK;
}

static int read_momentum(reader *r, emo_network *net)
{
    uint64_t step;
    if (get_u64(r, &step))
        return EMO_ERR_FORMAT;
    if (step > (uint64_t)INT64_MAX) /* emo_network_train_steps is signed */
        return emo__fail(EMO_ERR_FORMAT, "MOMT chunk: step count %llu",
                         (unsigned long long)step);
    net->step = step;
    return read_tensors(r, net, TENSOR_MOMENTUM);
}

/* Finds chunk `tag`; the chunk table was validated by check_chunks. */
static int find_chunk(const uint8_t *data, size_t size, const char *tag,
                      reader *out)
{
    const uint8_t *p = data + HEADER_BYTES, *end = data + size - 4;
    while (p < end) {
        uint64_t len = emo__le64(p + 4);
        if (memcmp(p, tag, 4) == 0) {
            out->p = p + 12;
            out->end = p + 12 + len;
            out->what = tag;
            return 1;
        }
        p += 12 + len;
    }
    return 0;
}

/* Magic, CRC, then version and flags: the CRC (same place and algorithm
 * in every version) comes first so that a damaged version or flags byte
 * is reported as corruption, not as a file from a newer libemo. */
static int check_header(const uint8_t *data, size_t size)
{
    if (size < HEADER_BYTES + 4 || memcmp(data, "EMOM", 4) != 0)
        return emo__fail(EMO_ERR_FORMAT, "not a libemo model file");
    uint32_t stored = emo__le32(data + size - 4);
    if (emo__crc32(0, data, size - 4) != stored)
        return emo__fail(EMO_ERR_CHECKSUM, "checksum mismatch (truncated "
                         "or corrupted file)");
    uint32_t version = emo__le32(data + 4), flags = emo__le32(data + 8);
    if (version > FORMAT_VERSION)
        return emo__fail(EMO_ERR_UNSUPPORTED, "model format version %u is "
                         "newer than this libemo reads (%d)", version,
                         FORMAT_VERSION);
    if (version == 0)
        return emo__fail(EMO_ERR_FORMAT, "bad model format version 0");
    /* no flag is defined: one set by a later writer may change how the
     * file reads, so it is refused rather than ignored */
    if (flags != 0)
        return emo__fail(EMO_ERR_UNSUPPORTED, "flags 0x%x in the header: "
                         "none is known to this libemo", flags);
    return EMO_OK;
}

/* Header, then the chunk table's lengths. */
static int check_container(const uint8_t *data, size_t size)
{
    int rc = check_header(data, size);
    if (rc)
        return rc;
    uint32_t chunks = emo__le32(data + 12), seen = 0;
    const uint8_t *p = data + HEADER_BYTES, *end = data + size - 4;
    while (p < end) {
        if (end - p < 12)
            return emo__fail(EMO_ERR_FORMAT, "chunk header cut short");
        uint64_t len = emo__le64(p + 4);
        if (len > (uint64_t)(end - p - 12))
            return emo__fail(EMO_ERR_FORMAT, "chunk %.4s: length %llu past "
                             "the end of the file", (const char *)p,
                             (unsigned long long)len);
        p += 12 + len;
        seen++;
    }
    if (seen != chunks)
        return emo__fail(EMO_ERR_FORMAT, "%u chunks, header says %u", seen,
                         chunks);
    return EMO_OK;
}

static int build_from_text(const uint8_t *data, size_t size,
                           emo_network **out)
{
    reader r;
    if (!find_chunk(data, size, "TEXT", &r))
        return emo__fail(EMO_ERR_FORMAT, "no network text (TEXT chunk)");
    size_t len = (size_t)(r.end - r.p);
    if (len > EMO__NN_MAX_TEXT)
        return emo__fail(EMO_ERR_LIMIT, "network text of %zu bytes", len);
    char *text = malloc(len + 1);
    if (!text)
        return emo__fail(EMO_ERR_NOMEM, "out of memory");
    memcpy(text, r.p, len);
    text[len] = 0;
    int rc = strlen(text) != len
                 ? emo__fail(EMO_ERR_FORMAT, "NUL byte in the network text")
                 : emo__network_create(text, out);
    free(text);
    return rc ? emo__fail_prefix(rc, "network text") : EMO_OK;
}

typedef int (*chunk_reader)(reader *r, emo_network *net);

static int rd_opts(reader *r, emo_network *net)
{
    return read_opts(r, &net->opts, EMO__GROUP_NET | EMO__GROUP_TRAIN);
}

static int rd_prep(reader *r, emo_network *net)
{
    return read_opts(r, &net->pp_opts, EMO__GROUP_DETECT);
}

static int rd_weights(reader *r, emo_network *net)
{
    return read_tensors(r, net, TENSOR_WEIGHTS);
}

static int rd_weights_f16(reader *r, emo_network *net)
{
    return read_tensors(r, net, TENSOR_WEIGHTS_F16);
}

static int rd_state(reader *r, emo_network *net)
{
    return emo__network_set_train_state(net, r->p, (size_t)(r->end - r->p));
}

static int read_chunks(const uint8_t *data, size_t size, emo_network *net)
{
    static const struct {
        const char *tag;
        chunk_reader fn;
        int weights; /* one chunk of weights, in either precision */
    } order[] = {{"OPTS", rd_opts, 0},       {"PREP", rd_prep, 0},
                 {"MEAN", read_mean, 0},     {"CLAS", read_classes, 0},
                 {"CORR", read_corrections, 0}, {"WGHT", rd_weights, 1},
                 {"WF16", rd_weights_f16, 1},
                 {"MOMT", read_momentum, 0}, {"TSTA", rd_state, 0}};
    int weight_chunks = 0;
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        reader r;
        if (!find_chunk(data, size, order[i].tag, &r))
            continue;
        if (order[i].weights && weight_chunks++)
            return emo__fail(EMO_ERR_FORMAT, "both WGHT and WF16 chunks");
        int rc = order[i].fn(&r, net);
        if (rc)
            return rc;
        if (r.p != r.end && strcmp(order[i].tag, "TSTA") != 0)
            return emo__fail(EMO_ERR_FORMAT, "%s chunk: %td bytes left over",
                             order[i].tag, r.end - r.p);
    }
    return weight_chunks ? EMO_OK
                         : emo__fail(EMO_ERR_FORMAT, "no weights (WGHT or "
                                     "WF16 chunk)");
}

int emo__model_load_mem(const uint8_t *data, size_t size, const char *what,
                        emo_network **out)
{
    *out = NULL;
    emo_network *net = NULL;
    int rc = check_container(data, size);
    if (!rc)
        rc = build_from_text(data, size, &net);
    if (!rc)
        rc = read_chunks(data, size, net);
    if (rc) {
        emo_network_destroy(net);
        return emo__fail_prefix(rc, what);
    }
    net->nn.version++;
    net->fresh = 0;
    *out = net;
    return EMO_OK;
}

EMO_API int emo_network_load(const char *path, emo_network **out)
{
    if (!out)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL out pointer");
    *out = NULL;
    uint8_t *data;
    size_t size;
    int rc = emo__read_file(path, &data, &size);
    if (rc)
        return rc;
    rc = emo__model_load_mem(data, size, path, out);
    free(data);
    return rc;
}
