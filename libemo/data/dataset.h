/*
 * dataset.h - internals of the emo_dataset handle shared by dataset.c
 * (handle, items, splits, left-out counts), loaders.c (the source
 * loaders and what they share) and ferplus.c (FER+ votes).
 */
#ifndef EMO_DATASET_H
#define EMO_DATASET_H

#include "common/internal.h"

#include <stdatomic.h>

/* Explicit limits: a dataset larger than this is a mistake, not data. */
#define EMO__DS_MAX_ITEMS 10000000
#define EMO__DS_MAX_PATH 4096
#define EMO__DS_MAX_SUBJECT 63
/* FER2013 rows are 48 x 48 gray. */
#define EMO__FER_SIDE 48
/* Number of EMO_LEFT_OUT_* reasons. */
#define EMO__LEFT_OUT_KINDS 6

typedef struct emo__ds_item {
    char *path;     /* file path, or "file.csv:LINE" for CSV rows */
    char *subject;  /* "" when unknown */
    uint8_t *pixels; /* CSV rows only: EMO__FER_SIDE^2 gray bytes */
    int label;      /* EMO_CLASS_* (also the class index: same order) */
    int split;      /* EMO_SPLIT_* */
    atomic_int bad; /* set once when decoding failed (counted in skipped) */
    int has_votes;  /* votes below were read (FER+) */
    uint8_t votes[EMO_FERPLUS_VOTES]; /* EMO_CLASS_* order, unknown, NF */
} emo__ds_item;

/* A folder a folder source left out, with its image files. */
typedef struct emo__ds_left {
    char *name;
    int count;
} emo__ds_left;

struct emo_dataset {
    emo_opts opts;
    emo__ds_item *items;
    size_t n, cap;
    atomic_int skipped;
    /* EMO_OPT_DATA_FOLDER_CLASSES = 1: the classes, in the order met */
    char *class_names[EMO_MAX_CLASSES];
    int n_named;
    emo__ds_left *left;
    int n_left;
    int left_out[EMO__LEFT_OUT_KINDS]; /* by EMO_LEFT_OUT_*; loaders only */
};

/* Where a loader started, so that a failed source can be taken back
 * whole: items, the skipped count, the left-out counts and folders. */
typedef struct emo__ds_mark {
    size_t n;
    int skipped;
    int left_out[EMO__LEFT_OUT_KINDS];
    int n_left;
} emo__ds_mark;

emo__ds_mark emo__ds_begin(const emo_dataset *ds);
/* Returns rc; when it is an error, first restores the dataset to mark. */
int emo__ds_finish(emo_dataset *ds, const emo__ds_mark *mark, int rc);

/* Appends an item (copies path and subject; takes ownership of pixels,
 * which is freed on failure).  Classes excluded by EMO_OPT_DATA_CLASSES
 * are dropped and counted in left_out[EMO_LEFT_OUT_EXCLUDED_CLASS]
 * (returns EMO_OK).  label must be an EMO_CLASS_*. */
int emo__ds_push(emo_dataset *ds, const char *path, const char *subject,
                 int label, uint8_t *pixels);
/* The class index of `name` in a dataset with EMO_OPT_DATA_FOLDER_CLASSES
 * = 1, appended when new (a canonical spelling as its canonical name);
 * EMO_ERR_LIMIT past EMO_MAX_CLASSES classes. */
int emo__ds_class_index(emo_dataset *ds, const char *name);
/* Appends an item of class index cls, as is (no exclusion). */
int emo__ds_push_class(emo_dataset *ds, const char *path,
                       const char *subject, int cls, uint8_t *pixels);
/* Records a left-out folder of `count` image files. */
int emo__ds_leave_out(emo_dataset *ds, const char *name, int count);
/* 1 when classes are named by folders (EMO_OPT_DATA_FOLDER_CLASSES). */
int emo__ds_named(const emo_dataset *ds);
/* Frees the items from index `keep` on: loaders roll back a failed source
 * so that a dataset never holds half a source. */
void emo__ds_truncate(emo_dataset *ds, size_t keep);
/* Counts item i as skipped, once (an item training could not use). */
void emo__ds_mark_skipped(const emo_dataset *ds, int i);
/* Number of classes in use (EMO_OPT_DATA_CLASSES). */
int emo__ds_classes(const emo_dataset *ds);
/* Subject of a CK+-style file name ("S005_001_00000011.png" -> "S005");
 * writes "" when the name does not have that form. */
void emo__ds_ck_subject(const char *name, char *out, size_t cap);

/* Shared by the loaders (loaders.c, ferplus.c). */
/* dir/name into out (EMO__DS_MAX_PATH bytes); EMO_ERR_LIMIT when longer. */
int emo__ds_join(char *out, const char *dir, const char *name);
/* Adds an image file: unreadable files are counted as skipped and left
 * out, readable but undecodable ones kept and counted as skipped.  raw:
 * label is an index of the dataset's own classes, else an EMO_CLASS_*.
 * *added (may be NULL) is set to the new item's index, or -1 when none
 * was added. */
int emo__ds_push_file(emo_dataset *ds, const char *path, const char *subject,
                      int label, int raw, long *added);
/* Reads a text file and calls fn on each line (newline removed, numbered
 * from 1), all or nothing: the first error stops the loop and takes the
 * source back.  ctx is passed through. */
typedef int (*emo__ds_line_fn)(emo_dataset *ds, char *line, void *ctx,
                               const char *file, int lineno);
int emo__ds_read_lines(emo_dataset *ds, const char *path,
                       emo__ds_line_fn fn, void *ctx);

#endif
