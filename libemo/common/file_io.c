/* file_io.c - whole-file reads under the size limit, atomic writes. */
#include "common/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "(a FIFO)" etc. for the message that refuses a non-regular file. */
static const char *file_kind(mode_t mode)
{
    return S_ISDIR(mode)                      ? " (a directory)"
           : S_ISFIFO(mode)                   ? " (a FIFO)"
           : S_ISCHR(mode) || S_ISBLK(mode)   ? " (a device)"
           : S_ISSOCK(mode)                   ? " (a socket)"
                                              : "";
}

/* Opens a caller's path for reading, refusing anything but a regular
 * file.  O_NONBLOCK keeps the open itself from waiting (on a FIFO it would
 * wait for a writer forever); the type is taken from the opened descriptor,
 * not from a stat before the open, so nothing can be swapped in between.
 * Reads then block as usual. */
static int open_regular(const char *path, int *fd_out, long long *size)
{
    if (!path)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL path");
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return emo__fail(EMO_ERR_IO, "%s: %s", path, strerror(errno));
    struct stat st;
    int rc = EMO_OK, fl;
    if (fstat(fd, &st) != 0)
        rc = emo__fail(EMO_ERR_IO, "%s: %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = emo__fail(EMO_ERR_IO, "%s: not a regular file%s", path,
                       file_kind(st.st_mode));
    else if ((fl = fcntl(fd, F_GETFL)) < 0 ||
             fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0)
        rc = emo__fail(EMO_ERR_IO, "%s: %s", path, strerror(errno));
    if (rc) {
        close(fd);
        return rc;
    }
    *fd_out = fd;
    *size = (long long)st.st_size;
    return EMO_OK;
}

/* read() until n bytes, the end of the file or an error. */
static size_t read_full(int fd, uint8_t *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(fd, buf + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    return got;
}

int emo__read_file(const char *path, uint8_t **data, size_t *size)
{
    *data = NULL;
    *size = 0;
    int fd;
    long long bytes, limit = emo__limit(EMO_OPT_MAX_FILE_BYTES);
    int rc = open_regular(path, &fd, &bytes);
    if (rc)
        return rc;
    if (bytes > limit) {
        close(fd);
        return emo__fail(EMO_ERR_LIMIT, "%s: %lld bytes exceeds the %lld-byte"
                         " file limit", path, bytes, limit);
    }
    size_t n = (size_t)bytes;
    uint8_t *buf = malloc(n + 1);
    if (!buf) {
        close(fd);
        return emo__fail(EMO_ERR_NOMEM, "%s: cannot allocate %zu bytes", path,
                         n);
    }
    size_t got = read_full(fd, buf, n);
    close(fd);
    if (got != n) {
        free(buf);
        return emo__fail(EMO_ERR_IO, "%s: short read", path);
    }
    buf[n] = 0;
    *data = buf;
    *size = n;
    return EMO_OK;
}

long emo__read_head(const char *path, uint8_t *buf, size_t cap)
{
    int fd;
    long long bytes;
    if (open_regular(path, &fd, &bytes) != EMO_OK)
        return -1;
    size_t got = read_full(fd, buf, cap);
    close(fd);
    return (long)got;
}

/* The temporary of an atomic write is "<target>.tmp-<pid>-<n>": the pid
 * tells a later save whether the writer still runs (emo__atomic_sweep). */
#define TMP_MARK ".tmp-"

int emo__atomic_open(emo_atomic_file *f, const char *path)
{
    memset(f, 0, sizeof *f);
    if (!path || !*path)
        return emo__fail(EMO_ERR_INVALID_ARG, "empty output path");
    size_t n = strlen(path);
    f->path = malloc(n + 1);
    f->tmp_path = malloc(n + 40);
    if (!f->path || !f->tmp_path) {
        emo__atomic_abort(f);
        return emo__fail(EMO_ERR_NOMEM, "out of memory");
    }
    memcpy(f->path, path, n + 1);
    /* A unique name beside the target (same file system, so rename is
     * atomic), opened O_EXCL with mode 0666 so the umask applies as for
     * any new file; mkstemp would make it 0600. */
    static _Atomic unsigned counter;
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
        snprintf(f->tmp_path, n + 40, "%s" TMP_MARK "%ld-%u", path,
                 (long)getpid(), atomic_fetch_add(&counter, 1));
        fd = open(f->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        int rc = emo__fail(EMO_ERR_IO, "%s: %s", path, strerror(errno));
        free(f->tmp_path);
        f->tmp_path = NULL;
        emo__atomic_abort(f);
        return rc;
    }
    f->fp = fdopen(fd, "wb");
    if (!f->fp) {
        close(fd);
        emo__atomic_abort(f);
        return emo__fail(EMO_ERR_IO, "%s: %s", path, strerror(errno));
    }
    return EMO_OK;
}

int emo__atomic_commit(emo_atomic_file *f)
{
    FILE *fp = f->fp;
    f->fp = NULL;
    int bad = fflush(fp) != 0 || ferror(fp) || fsync(fileno(fp)) != 0;
    bad |= fclose(fp) != 0;
    if (bad || rename(f->tmp_path, f->path) != 0) {
        int rc = emo__fail(EMO_ERR_IO, "%s: write failed: %s", f->path,
                           strerror(errno));
        emo__atomic_abort(f);
        return rc;
    }
    free(f->tmp_path);
    free(f->path);
    f->tmp_path = f->path = NULL;
    return EMO_OK;
}

void emo__atomic_abort(emo_atomic_file *f)
{
    if (f->fp)
        fclose(f->fp);
    if (f->tmp_path)
        remove(f->tmp_path);
    free(f->tmp_path);
    free(f->path);
    memset(f, 0, sizeof *f);
}

/* Past one or more decimal digits; NULL when there are none. */
static const char *skip_digits(const char *p)
{
    const char *start = p;
    while (*p >= '0' && *p <= '9')
        p++;
    return p > start ? p : NULL;
}

/* 1 when `name` is exactly "<base>.tmp-<pid>-<n>" and no process <pid>
 * exists.  A pid that exists (still saving, or reused) keeps its file. */
static int stale_tmp(const char *name, const char *base, size_t blen)
{
    if (strncmp(name, base, blen) != 0 ||
        strncmp(name + blen, TMP_MARK, strlen(TMP_MARK)) != 0)
        return 0;
    const char *pid = name + blen + strlen(TMP_MARK), *end = skip_digits(pid);
    if (!end || *end != '-' || !(end = skip_digits(end + 1)) || *end)
        return 0;
    long v = strtol(pid, NULL, 10);
    if (v <= 0 || v > INT_MAX)
        return 0;
    return kill((pid_t)v, 0) != 0 && errno == ESRCH;
}

void emo__atomic_sweep(const char *path)
{
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    size_t dlen = !slash ? 0 : slash == path ? 1 : (size_t)(slash - path);
    char *dir = slash ? strndup(path, dlen) : strdup(".");
    DIR *d = dir && *base ? opendir(dir) : NULL;
    free(dir);
    if (!d)
        return; /* best effort: a save never fails for it */
    size_t blen = strlen(base);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (stale_tmp(e->d_name, base, blen))
            unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
}
