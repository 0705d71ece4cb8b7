/*
 * emo-detect-mpi - emo-detect over a list of image files, split over MPI
 * ranks.
 *
 *   mpirun -np N emo-detect-mpi [emo-detect's options] FILE...
 *
 * Takes emo-detect's options and prints exactly its output: one JSON line
 * per file, in the order of the list.  Rank r works on the files at
 * positions i with i mod N = r; the ranks go through the list in rounds of
 * ROUND files per rank, and after every round rank 0 gathers the lines
 * and prints them in list order, so the output streams and memory stays
 * bounded however long the list.  Every rank loads the model itself (the
 * files and the model must be at the same paths on every node);
 * --annotate images are written by the rank that did the file.  The exit
 * status is 1 on every rank when any file failed, as emo-detect's is.
 * The work on each file is emo-detect's own (common/detect.c).
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "common/detect.h"
#include "emo.h"
#include "mpi_exit.h"

/* Files per rank per round. */
#define ROUND 16

static const char mpi_about[] =
    "emo-detect under mpirun -np N: rank r takes the files at positions"
    " r, r + N,\n...; rank 0 prints one JSON object per line per file, in"
    " the list's order.";

static void fail(const char *what)
{
    fprintf(stderr, "%s: %s\n", cli_prog(), what);
    MPI_Abort(MPI_COMM_WORLD, 1);
}

/* This rank's lines for the files in [first, end) it owns, one after the
 * other in *buf (malloc'd, *len bytes); returns the files that failed. */
static int run_round(detect_runner *r, const detect_options *o, int rank,
                     int size, int first, int end, char **buf, size_t *len)
{
    FILE *out = open_memstream(buf, len);
    if (!out)
        fail("out of memory");
    int failed = 0;
    for (int i = first + rank; i < end; i += size)
        failed += detect_file(r, o, o->files[i], out);
    if (fclose(out) != 0)
        fail("out of memory");
    return failed;
}

/* Rank 0: prints the round's lines in list order.  Line k of rank q's
 * part is that of file first + q + k * size. */
static void print_round(const char *all, const int *disp, const int *cnt,
                        int size, int first, int end)
{
    const char **next = malloc(sizeof *next * (size_t)size);
    if (!next)
        fail("out of memory");
    for (int q = 0; q < size; q++)
        next[q] = all + disp[q];
    for (int i = first; i < end; i++) {
        int q = (i - first) % size;
        const char *stop = all + disp[q] + cnt[q];
        const char *nl = memchr(next[q], '\n', (size_t)(stop - next[q]));
        if (!nl)
            fail("a rank's output lacks a line");
        fwrite(next[q], 1, (size_t)(nl + 1 - next[q]), stdout);
        next[q] = nl + 1;
    }
    fflush(stdout);
    free(next);
}

/* One round: every rank's lines gathered on rank 0 and printed there. */
static int round_trip(detect_runner *r, const detect_options *o, int rank,
                      int size, int first, int end)
{
    char *buf = NULL, *all = NULL;
    size_t len = 0;
    int failed = run_round(r, o, rank, size, first, end, &buf, &len);
    if (len > (size_t)1 << 30)
        fail("a round's output is over 1 GiB");
    int n = (int)len, *cnt = NULL, *disp = NULL;
    if (rank == 0) {
        cnt = malloc(sizeof *cnt * (size_t)size);
        disp = malloc(sizeof *disp * (size_t)size);
        if (!cnt || !disp)
            fail("out of memory");
    }
    MPI_Gather(&n, 1, MPI_INT, cnt, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        long long total = 0;
        for (int q = 0; q < size; q++) {
            disp[q] = (int)total;
            total += cnt[q];
        }
        if (total > 1LL << 30 || !(all = malloc((size_t)total + 1)))
            fail("out of memory for a round's output");
    }
    MPI_Gatherv(buf, n, MPI_CHAR, all, cnt, disp, MPI_CHAR, 0,
                MPI_COMM_WORLD);
    if (rank == 0)
        print_round(all, disp, cnt, size, first, end);
    free(buf);
    free(all);
    free(cnt);
    free(disp);
    return failed;
}

int main(int argc, char **argv)
{
    int rank, size;
    mpi_begin(&argc, &argv, &rank, &size);
    detect_options o;
    detect_runner r;
    detect_parse(argc, argv, mpi_about, &o);
    detect_open(&r, &o);
    int failed = 0, step = ROUND * size;
    for (int first = 0; first < o.nfiles; first += step) {
        int end = o.nfiles - first < step ? o.nfiles : first + step;
        failed += round_trip(&r, &o, rank, size, first, end);
    }
    MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_SUM,
                  MPI_COMM_WORLD);
    detect_close(&r, &o);
    free(o.files);
    MPI_Finalize();
    return failed ? 1 : 0;
}
