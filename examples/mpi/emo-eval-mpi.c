/*
 * emo-eval-mpi - emo-eval's evaluation sharded over MPI ranks.
 *
 *   mpirun -np N emo-eval-mpi --model MODEL SOURCE... [emo-eval's options]
 *
 * Every rank loads the same model and the same dataset (item list only:
 * images are decoded by the rank that classifies them) and makes the same
 * split; rank r classifies the items i = r, r + N, r + 2N, ... of the part
 * evaluated.  The ranks' tallies (confusion matrix, unreadable, no-face
 * and class-not-in-model counts, calibration sums, all int64_t; the
 * calibration sums in fixed point) are summed with one MPI_Reduce into
 * rank 0, which prints the one report emo-eval prints (text or --json,
 * --png), identical to a one-process run: integer sums do not depend on
 * the order they are added in.  The loaders' left-out counts are every
 * rank's alike and are taken from rank 0 only.  The option parser and the
 * report are emo-eval's (examples/common/eval.c, eval_report.c).
 */
#include <mpi.h>
#include <stdio.h>

#include "common/eval.h"
#include "mpi_exit.h"

static const char about[] =
    "emo-eval over MPI ranks: under mpirun -np N each rank classifies every"
    " N-th\nimage, the counts are summed into rank 0, which prints the"
    " report emo-eval\nprints (docs/scaling.md; emo-eval --help for the"
    " figures).";

int main(int argc, char **argv)
{
    int rank, size;
    mpi_begin(&argc, &argv, &rank, &size); /* stdout: rank 0's alone */
    eval_run r;
    eval_open(&r, argc, argv, about);
    eval_items(&r, rank, size, rank == 0);
    eval_tally sum;
    MPI_Reduce(&r.ev.t, &sum, EVAL_TALLY_WORDS, MPI_INT64_T, MPI_SUM, 0,
               MPI_COMM_WORLD);
    if (rank == 0) {
        r.ev.t = sum;
        eval_report(&r);
        fflush(stdout);
    }
    eval_close(&r);
    MPI_Finalize();
    return 0;
}
