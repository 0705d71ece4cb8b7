/*
 * file_io.h - whole-file reads under the size limit and atomic writes
 * (file_io.c).
 */
#ifndef EMO_COMMON_FILE_IO_H
#define EMO_COMMON_FILE_IO_H

#include <stddef.h>
#include <stdint.h>

/* Reads a whole file, refusing files over EMO_OPT_MAX_FILE_BYTES.
 * *data is malloc'ed; NUL-terminated for text convenience (not counted). */
int emo__read_file(const char *path, uint8_t **data, size_t *size);
/* Reads up to `cap` bytes from the start of a file: the count, or -1 when
 * it cannot be read.  Both refuse anything but a regular file, at once
 * (EMO_ERR_IO "not a regular file"): a FIFO never blocks them. */
long emo__read_head(const char *path, uint8_t *buf, size_t cap);

/* Helpers for writing a file atomically: open a temporary next to `path`,
 * then commit (fsync, rename) or abort (remove). */
typedef struct emo_atomic_file {
    void *fp; /* FILE * */
    char *tmp_path;
    char *path;
} emo_atomic_file;
int emo__atomic_open(emo_atomic_file *f, const char *path);
int emo__atomic_commit(emo_atomic_file *f);
void emo__atomic_abort(emo_atomic_file *f);
/* Removes the temporaries of `path` that writers killed before commit or
 * abort (kill -9, a crash) left behind: only names of exactly that form
 * in its folder, only when their process no longer exists.  Best effort,
 * silent.  Model saves call it: their temporaries are large and are
 * written again and again to the same target (checkpoints). */
void emo__atomic_sweep(const char *path);

#endif
