/*
 * loaders.c - the emo_dataset sources: CK+ distribution, folder per
 * class, JAFFE file names, "path label" lists and the FER2013 CSV (FER+
 * votes are in ferplus.c).
 *
 * Every loader adds all of its source or nothing: on an error the items it
 * had added are removed again, so a caller can report the error and go on
 * with the dataset it had.  Directory listings are sorted, so that item
 * order (and with it every seeded split) does not depend on the file
 * system.
 */
#include "data/dataset.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* ---- small helpers ----------------------------------------------------- */

typedef struct name_list {
    char **v;
    size_t n;
} name_list;

static void names_free(name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int emo__ds_join(char *out, const char *dir, const char *name)
{
    int n = snprintf(out, EMO__DS_MAX_PATH, "%s/%s", dir, name);
    if (n < 0 || n >= EMO__DS_MAX_PATH)
        return emo__fail(EMO_ERR_LIMIT, "%s/%s: path longer than %d bytes",
                         dir, name, EMO__DS_MAX_PATH);
    return EMO_OK;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Sorted names of the sub-directories (dirs = 1) or of the other entries
 * (dirs = 0) of `dir`, hidden entries left out.  Files are every entry
 * that is not a directory, so that one that cannot be read (a dangling
 * link, a FIFO) reaches the loader and is counted as unreadable instead of
 * vanishing from the count. */
static int list_dir(const char *dir, int dirs, name_list *out)
{
    out->v = NULL;
    out->n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return emo__fail(EMO_ERR_IO, "%s: %s", dir, strerror(errno));
    size_t cap = 0;
    char path[EMO__DS_MAX_PATH];
    int rc = EMO_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if ((rc = emo__ds_join(path, dir, e->d_name)) != EMO_OK)
            break;
        struct stat st;
        if (dirs != (stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
            continue;
        if (out->n == cap) {
            cap = cap ? cap * 2 : 64;
            char **v = cap > EMO__DS_MAX_ITEMS ? NULL
                                               : realloc(out->v, cap * sizeof *v);
            if (!v) {
                rc = emo__fail(EMO_ERR_NOMEM, "%s: too many entries", dir);
                break;
            }
            out->v = v;
        }
        if (!(out->v[out->n] = strdup(e->d_name))) {
            rc = emo__fail(EMO_ERR_NOMEM, "out of memory");
            break;
        }
        out->n++;
    }
    closedir(d);
    if (rc) {
        names_free(out);
        return rc;
    }
    if (out->n)
        qsort(out->v, out->n, sizeof *out->v, cmp_name);
    return EMO_OK;
}

/* File names that are images by extension; other files in class folders
 * (README, .txt) are not items. */
static int image_name(const char *name)
{
    static const char *const ext[] = {"png", "jpg", "jpeg", "pgm", "ppm",
                                      "tif", "tiff", "bmp", "gif", "webp"};
    const char *dot = strrchr(name, '.');
    if (!dot)
        return 0;
    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++)
        if (strcasecmp(dot + 1, ext[i]) == 0)
            return 1;
    return 0;
}

/* 1 when the file starts like a format libemo decodes (JPEG, PNG, TIFF,
 * binary PGM), 0 when it is readable but not decodable (BMP...), -1 when it
 * cannot be read or is not a regular file (a FIFO would block a plain
 * open).  Cheap: reads 8 bytes, not the image. */
static int probe(const char *path)
{
    uint8_t b[8] = {0};
    long n = emo__read_head(path, b, sizeof b);
    if (n < 0)
        return -1;
    if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        return 1;
    if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
        return 1;
    if (n >= 2 && b[0] == 'P' && b[1] == '5')
        return 1;
    if (n >= 4 && (memcmp(b, "II*\0", 4) == 0 || memcmp(b, "MM\0*", 4) == 0 ||
                   memcmp(b, "II+\0", 4) == 0 || memcmp(b, "MM\0+", 4) == 0))
        return 1;
    return 0;
}

/* Readable but undecodable files (BMP, GIF) are kept as items: their
 * names and labels are data too.  raw: label is a class index of the
 * dataset's own class list (named classes), else an EMO_CLASS_*. */
int emo__ds_push_file(emo_dataset *ds, const char *path, const char *subject,
                      int label, int raw, long *added)
{
    if (added)
        *added = -1;
    int p = probe(path);
    if (p < 0) {
        atomic_fetch_add(&ds->skipped, 1);
        return EMO_OK;
    }
    size_t before = ds->n;
    int rc = raw ? emo__ds_push_class(ds, path, subject, label, NULL)
                 : emo__ds_push(ds, path, subject, label, NULL);
    if (rc == EMO_OK && ds->n > before) {
        if (added)
            *added = (long)before;
        if (p == 0) {
            atomic_store(&ds->items[before].bad, 1);
            atomic_fetch_add(&ds->skipped, 1);
        }
    }
    return rc;
}

void emo__ds_ck_subject(const char *name, char *out, size_t cap)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    size_t n = 1;
    if (base[0] == 'S' && isdigit((unsigned char)base[1])) {
        while (isdigit((unsigned char)base[n]))
            n++;
        if (n < cap && base[n] == '_') {
            memcpy(out, base, n);
            out[n] = 0;
            return;
        }
    }
    out[0] = 0;
}

/* ---- folder per class ---------------------------------------------------- */

/* Adds the images of one class folder, of class index cls (raw) or of
 * EMO_CLASS_* cls; with `count` set, only counts them. */
static int add_class_folder(emo_dataset *ds, const char *dir, int cls,
                            int raw, int *count)
{
    name_list files;
    int rc = list_dir(dir, 0, &files);
    char path[EMO__DS_MAX_PATH], subject[EMO__DS_MAX_SUBJECT + 1];
    for (size_t i = 0; rc == EMO_OK && i < files.n; i++) {
        if (!image_name(files.v[i]))
            continue;
        if (count) {
            ++*count;
            continue;
        }
        if ((rc = emo__ds_join(path, dir, files.v[i])) != EMO_OK)
            break;
        emo__ds_ck_subject(files.v[i], subject, sizeof subject);
        rc = emo__ds_push_file(ds, path, subject, cls, raw, NULL);
    }
    names_free(&files);
    return rc;
}

/* One folder of a folder-per-class tree: a class of its own (named
 * classes), an emotion (one the class set excludes, contempt with 7
 * classes, is counted by emo__ds_push), or no class: left out, recorded
 * by name and counted. */
static int add_one_folder(emo_dataset *ds, const char *path,
                          const char *name, int *known)
{
    if (emo__ds_named(ds)) {
        int cls = emo__ds_class_index(ds, name);
        ++*known;
        return cls < 0 ? cls : add_class_folder(ds, path, cls, 1, NULL);
    }
    int label = emo_class_from_name(name);
    if (label >= 0) {
        ++*known;
        return add_class_folder(ds, path, label, 0, NULL);
    }
    int count = 0; /* not a class: say so, with what it held */
    int rc = add_class_folder(ds, path, 0, 0, &count);
    return rc ? rc : emo__ds_leave_out(ds, name, count);
}

EMO_API int emo_dataset_add_folder(emo_dataset *ds, const char *root)
{
    if (!ds || !root)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL argument");
    emo__ds_mark mark = emo__ds_begin(ds);
    name_list dirs;
    int rc = list_dir(root, 1, &dirs);
    if (rc)
        return rc;
    char path[EMO__DS_MAX_PATH];
    int known = 0;
    for (size_t i = 0; rc == EMO_OK && i < dirs.n; i++)
        if ((rc = emo__ds_join(path, root, dirs.v[i])) == EMO_OK)
            rc = add_one_folder(ds, path, dirs.v[i], &known);
    names_free(&dirs);
    if (rc == EMO_OK && !known)
        rc = emo__fail(EMO_ERR_EMPTY, "%s: no folder named after an emotion "
                       "class (anger, happy, ...)", root);
    return emo__ds_finish(ds, &mark, rc);
}

/* ---- JAFFE ------------------------------------------------------------- */

/* "KA.AN1.39.tiff" -> subject "KA", class of "AN"; -1 when the name does not
 * have that form. */
static int jaffe_name(const char *name, char *subject, size_t cap)
{
    const char *dot = strchr(name, '.');
    if (!dot || dot == name || (size_t)(dot - name) >= cap)
        return -1;
    char code[8];
    size_t n = 0;
    for (const char *p = dot + 1; isalpha((unsigned char)*p) && n < 7; p++)
        code[n++] = *p;
    code[n] = 0;
    if (n != 2 || !strchr(dot + 1, '.'))
        return -1;
    int label = emo_class_from_name(code);
    if (label < 0)
        return -1;
    memcpy(subject, name, (size_t)(dot - name));
    subject[dot - name] = 0;
    return label;
}

EMO_API int emo_dataset_add_jaffe(emo_dataset *ds, const char *dir)
{
    if (!ds || !dir)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL argument");
    emo__ds_mark mark = emo__ds_begin(ds);
    name_list files;
    int rc = list_dir(dir, 0, &files);
    if (rc)
        return rc;
    char path[EMO__DS_MAX_PATH], subject[EMO__DS_MAX_SUBJECT + 1];
    for (size_t i = 0; rc == EMO_OK && i < files.n; i++) {
        int label = jaffe_name(files.v[i], subject, sizeof subject);
        if (label < 0 || !image_name(files.v[i]))
            continue;
        if ((rc = emo__ds_join(path, dir, files.v[i])) == EMO_OK)
            rc = emo__ds_push_file(ds, path, subject, label, 0, NULL);
    }
    names_free(&files);
    return emo__ds_finish(ds, &mark, rc);
}

/* ---- CK+ distribution -------------------------------------------------- */

/* Maps the CK+ emotion code (0 neutral, 1 anger, 2 contempt, 3 disgust,
 * 4 fear, 5 happy, 6 sadness, 7 surprise) to EMO_CLASS_*. */
static int ckplus_class(int code)
{
    static const int map[] = {EMO_CLASS_NEUTRAL, EMO_CLASS_ANGER,
                              EMO_CLASS_CONTEMPT, EMO_CLASS_DISGUST,
                              EMO_CLASS_FEAR, EMO_CLASS_HAPPY, EMO_CLASS_SAD,
                              EMO_CLASS_SURPRISE};
    return code >= 0 && code < 8 ? map[code] : -1;
}

/* Reads the label of one Emotion/Sxxx/yyy folder; 0 and *label = -1 when
 * the sequence has no label file. */
static int ckplus_label(const char *dir, int *label)
{
    *label = -1;
    name_list files;
    if (!is_dir(dir))
        return EMO_OK;
    int rc = list_dir(dir, 0, &files);
    if (rc)
        return rc;
    char path[EMO__DS_MAX_PATH];
    for (size_t i = 0; rc == EMO_OK && i < files.n && *label < 0; i++) {
        size_t len = strlen(files.v[i]);
        if (len < 12 || strcmp(files.v[i] + len - 12, "_emotion.txt") != 0)
            continue;
        if ((rc = emo__ds_join(path, dir, files.v[i])) != EMO_OK)
            break;
        uint8_t *data;
        size_t size;
        if ((rc = emo__read_file(path, &data, &size)) != EMO_OK)
            break;
        char *end;
        double v = strtod((const char *)data, &end);
        while (isspace((unsigned char)*end))
            end++;
        int cls = ckplus_class((int)v);
        if (end == (char *)data || *end || v != floor(v) || cls < 0)
            rc = emo__fail(EMO_ERR_FORMAT, "%s:1: expected an emotion code "
                           "0..7", path);
        free(data);
        *label = cls;
    }
    names_free(&files);
    return rc;
}

/* Frames of one labelled sequence: the last fraction is the emotion, the
 * first few (not overlapping it) neutral. */
static int ckplus_sequence(emo_dataset *ds, const char *dir,
                           const char *subject, int label)
{
    name_list files;
    int rc = list_dir(dir, 0, &files);
    if (rc)
        return rc;
    size_t n = 0;
    for (size_t i = 0; i < files.n; i++)
        if (image_name(files.v[i]))
            files.v[n++] = files.v[i];
        else
            free(files.v[i]);
    files.n = n;
    double frac = emo__opt(&ds->opts, EMO_OPT_DATA_CKPLUS_FRACTION);
    size_t n_emo = (size_t)floor(frac * (double)n + 0.5);
    if (n_emo < 1)
        n_emo = 1;
    if (n_emo > n)
        n_emo = n;
    size_t n_neutral = (size_t)emo__opti(&ds->opts,
                                         EMO_OPT_DATA_CKPLUS_NEUTRAL);
    if (n_neutral > n - n_emo)
        n_neutral = n - n_emo;
    char path[EMO__DS_MAX_PATH];
    for (size_t i = 0; rc == EMO_OK && i < n; i++) {
        int cls = i >= n - n_emo ? label
                  : i < n_neutral ? EMO_CLASS_NEUTRAL
                                  : -1;
        if (cls < 0)
            continue;
        if ((rc = emo__ds_join(path, dir, files.v[i])) == EMO_OK)
            rc = emo__ds_push_file(ds, path, subject, cls, 0, NULL);
    }
    names_free(&files);
    return rc;
}

/* All sequences of one subject folder. */
static int ckplus_subject(emo_dataset *ds, const char *img_root,
                          const char *emo_root, const char *subject)
{
    char sdir[EMO__DS_MAX_PATH], dir[EMO__DS_MAX_PATH];
    char edir[EMO__DS_MAX_PATH], esub[EMO__DS_MAX_PATH];
    int rc = emo__ds_join(sdir, img_root, subject);
    if (rc || (rc = emo__ds_join(esub, emo_root, subject)) != EMO_OK)
        return rc;
    name_list seqs;
    if ((rc = list_dir(sdir, 1, &seqs)) != EMO_OK)
        return rc;
    for (size_t i = 0; rc == EMO_OK && i < seqs.n; i++) {
        int label;
        if ((rc = emo__ds_join(edir, esub, seqs.v[i])) != EMO_OK ||
            (rc = ckplus_label(edir, &label)) != EMO_OK)
            break;
        if (label < 0)
            continue; /* unlabelled sequence */
        if ((rc = emo__ds_join(dir, sdir, seqs.v[i])) == EMO_OK)
            rc = ckplus_sequence(ds, dir, subject, label);
    }
    names_free(&seqs);
    return rc;
}

EMO_API int emo_dataset_add_ckplus(emo_dataset *ds, const char *root)
{
    if (!ds || !root)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL argument");
    char img_root[EMO__DS_MAX_PATH], emo_root[EMO__DS_MAX_PATH];
    int rc = emo__ds_join(img_root, root, "cohn-kanade-images");
    if (rc || (rc = emo__ds_join(emo_root, root, "Emotion")) != EMO_OK)
        return rc;
    if (!is_dir(img_root) || !is_dir(emo_root))
        return emo__fail(EMO_ERR_IO, "%s: not a CK+ folder (needs "
                         "cohn-kanade-images/ and Emotion/)", root);
    emo__ds_mark mark = emo__ds_begin(ds);
    name_list subjects;
    if ((rc = list_dir(img_root, 1, &subjects)) != EMO_OK)
        return rc;
    for (size_t i = 0; rc == EMO_OK && i < subjects.n; i++)
        rc = ckplus_subject(ds, img_root, emo_root, subjects.v[i]);
    names_free(&subjects);
    return emo__ds_finish(ds, &mark, rc);
}

/* ---- "path label" lists -------------------------------------------------- */

int emo__ds_read_lines(emo_dataset *ds, const char *path,
                       emo__ds_line_fn fn, void *ctx)
{
    uint8_t *data;
    size_t size;
    int rc = emo__read_file(path, &data, &size);
    if (rc)
        return rc;
    emo__ds_mark mark = emo__ds_begin(ds);
    int lineno = 0;
    /* strtok_r would merge blank lines and shift the line numbers. */
    char *p = (char *)data;
    while (rc == EMO_OK && p && *p) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = 0;
        rc = fn(ds, p, ctx, path, ++lineno);
        p = nl ? nl + 1 : NULL;
    }
    free(data);
    return emo__ds_finish(ds, &mark, rc);
}

/* Label token: a canonical class index or a class name. */
static int parse_label(const char *tok)
{
    char *end;
    long v = strtol(tok, &end, 10);
    if (end != tok && !*end)
        return v >= 0 && v <= EMO_CLASS_CONTEMPT ? (int)v : -1;
    int cls = emo_class_from_name(tok);
    return cls >= 0 ? cls : -1;
}

/* One non-blank line "path label" (the path may hold spaces; the label is
 * the last field). */
static int list_line(emo_dataset *ds, char *line, void *ctx,
                     const char *file, int lineno)
{
    const char *base = ctx;
    size_t len = strlen(line);
    while (len && isspace((unsigned char)line[len - 1]))
        line[--len] = 0;
    while (isspace((unsigned char)*line))
        line++;
    if (!*line || *line == '#')
        return EMO_OK;
    char *sp = line + strlen(line);
    while (sp > line && !isspace((unsigned char)sp[-1]))
        sp--;
    if (sp == line)
        return emo__fail(EMO_ERR_FORMAT, "%s:%d: expected 'path label'",
                         file, lineno);
    int label = parse_label(sp);
    if (label < 0)
        return emo__fail(EMO_ERR_FORMAT, "%s:%d: unknown label '%s'", file,
                         lineno, sp);
    char *pe = sp;
    while (pe > line && isspace((unsigned char)pe[-1]))
        pe--;
    *pe = 0;
    char path[EMO__DS_MAX_PATH], subject[EMO__DS_MAX_SUBJECT + 1];
    int rc = line[0] == '/' ? (strlen(line) < EMO__DS_MAX_PATH
                                   ? (strcpy(path, line), EMO_OK)
                                   : emo__fail(EMO_ERR_LIMIT, "%s:%d: path "
                                               "too long", file, lineno))
                            : emo__ds_join(path, base, line);
    if (rc)
        return rc;
    emo__ds_ck_subject(path, subject, sizeof subject);
    return emo__ds_push_file(ds, path, subject, label, 0, NULL);
}

EMO_API int emo_dataset_add_list(emo_dataset *ds, const char *list_path,
                                 const char *root)
{
    if (!ds || !list_path)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL argument");
    char base[EMO__DS_MAX_PATH];
    if (root) {
        if (strlen(root) >= sizeof base)
            return emo__fail(EMO_ERR_LIMIT, "root path too long");
        strcpy(base, root);
    } else {
        const char *slash = strrchr(list_path, '/');
        size_t n = slash ? (size_t)(slash - list_path) : 1;
        if (n >= sizeof base)
            return emo__fail(EMO_ERR_LIMIT, "list path too long");
        memcpy(base, slash ? list_path : ".", n);
        base[n] = 0;
        if (slash == list_path)
            strcpy(base, "/");
    }
    return emo__ds_read_lines(ds, list_path, list_line, base);
}

/* ---- FER2013 CSV --------------------------------------------------------- */

/* FER2013 emotion codes: 0 angry 1 disgust 2 fear 3 happy 4 sad 5 surprise
 * 6 neutral. */
static int fer_class(long code)
{
    static const int map[] = {EMO_CLASS_ANGER, EMO_CLASS_DISGUST,
                              EMO_CLASS_FEAR, EMO_CLASS_HAPPY, EMO_CLASS_SAD,
                              EMO_CLASS_SURPRISE, EMO_CLASS_NEUTRAL};
    return code >= 0 && code < 7 ? map[code] : -1;
}

/* Column positions of the header "emotion,pixels,Usage" (any order;
 * Usage optional: -1). */
typedef struct fer_cols {
    int emotion, pixels, usage, count;
} fer_cols;

static int fer_header(char *line, fer_cols *c, const char *file)
{
    c->emotion = c->pixels = c->usage = -1;
    c->count = 0;
    char *save = NULL;
    for (char *tok = strtok_r(line, ",\r", &save); tok;
         tok = strtok_r(NULL, ",\r", &save), c->count++) {
        while (isspace((unsigned char)*tok))
            tok++;
        if (strncasecmp(tok, "emotion", 7) == 0)
            c->emotion = c->count;
        else if (strncasecmp(tok, "pixels", 6) == 0)
            c->pixels = c->count;
        else if (strncasecmp(tok, "usage", 5) == 0)
            c->usage = c->count;
    }
    if (c->emotion < 0 || c->pixels < 0)
        return emo__fail(EMO_ERR_FORMAT, "%s:1: header needs 'emotion' and "
                         "'pixels' columns", file);
    return EMO_OK;
}

/* 2304 space-separated values 0..255. */
static int fer_pixels(const char *s, uint8_t *px, const char *file,
                      int lineno)
{
    const int n = EMO__FER_SIDE * EMO__FER_SIDE;
    for (int i = 0; i < n; i++) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < 0 || v > 255)
            return emo__fail(EMO_ERR_FORMAT, "%s:%d: pixel %d: expected a "
                             "value 0..255 (%d are needed)", file, lineno, i,
                             n);
        px[i] = (uint8_t)v;
        s = end;
    }
    while (isspace((unsigned char)*s))
        s++;
    if (*s)
        return emo__fail(EMO_ERR_FORMAT, "%s:%d: more than %d pixels", file,
                         lineno, n);
    return EMO_OK;
}

/* Splits a CSV row in place into at most `max` fields. */
static int split_fields(char *line, char **f, int max)
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p; p++)
        if (*p == ',') {
            *p = 0;
            if (n == max)
                return max + 1;
            f[n++] = p + 1;
        }
    return n;
}

static int fer_row(emo_dataset *ds, char *line, const fer_cols *c,
                   const char *usage, const char *file, int lineno)
{
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
        line[--len] = 0;
    if (!len)
        return EMO_OK;
    char *f[8];
    if (split_fields(line, f, 8) != c->count || c->count > 8)
        return emo__fail(EMO_ERR_FORMAT, "%s:%d: expected %d fields", file,
                         lineno, c->count);
    if (usage && c->usage >= 0 && strcmp(f[c->usage], usage) != 0)
        return EMO_OK;
    char *end;
    long code = strtol(f[c->emotion], &end, 10);
    int label = fer_class(code);
    if (end == f[c->emotion] || *end || label < 0)
        return emo__fail(EMO_ERR_FORMAT, "%s:%d: emotion '%s' is not 0..6",
                         file, lineno, f[c->emotion]);
    uint8_t *px = malloc((size_t)EMO__FER_SIDE * EMO__FER_SIDE);
    if (!px)
        return emo__fail(EMO_ERR_NOMEM, "out of memory");
    int rc = fer_pixels(f[c->pixels], px, file, lineno);
    if (rc) {
        free(px);
        return rc;
    }
    char path[EMO__DS_MAX_PATH];
    snprintf(path, sizeof path, "%s:%d", file, lineno);
    return emo__ds_push(ds, path, "", label, px);
}

/* What the lines of one FER2013 CSV share: the columns (from line 1) and
 * the Usage asked for. */
typedef struct fer_file {
    fer_cols cols;
    const char *usage;
    int header; /* line 1 was read */
} fer_file;

static int fer_line(emo_dataset *ds, char *line, void *ctx, const char *file,
                    int lineno)
{
    fer_file *f = ctx;
    if (lineno > 1)
        return fer_row(ds, line, &f->cols, f->usage, file, lineno);
    f->header = 1;
    int rc = fer_header(line, &f->cols, file);
    if (rc == EMO_OK && f->usage && f->cols.usage < 0)
        rc = emo__fail(EMO_ERR_FORMAT, "%s:1: no 'Usage' column to select "
                       "'%s' rows", file, f->usage);
    return rc;
}

EMO_API int emo_dataset_add_fer_csv(emo_dataset *ds, const char *csv_path,
                                    const char *usage)
{
    if (!ds || !csv_path)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL argument");
    fer_file f = {.usage = usage};
    int rc = emo__ds_read_lines(ds, csv_path, fer_line, &f);
    if (rc == EMO_OK && !f.header) {
        char empty[] = "";
        rc = fer_line(ds, empty, &f, csv_path, 1); /* the header's error */
    }
    return rc;
}
