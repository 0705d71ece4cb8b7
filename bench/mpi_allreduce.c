/*
 * mpi_allreduce - times MPI_Allreduce (float sum, in place) of the sizes
 * emo-train-mpi sends per step: one value (the small batch-norm and loss
 * buffers are latency-bound), and the default and VGG nets' gradients.
 *
 *   mpirun -np N build/mpi_allreduce [FLOATS...]
 *
 * Prints, on rank 0, the median and minimum of 30 calls each, every call
 * after a barrier (so waiting for another rank is not counted).
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#define RUNS 30

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    static const long defaults[] = {1, 1128167, 4689735};
    int n_sizes = argc > 1 ? argc - 1 : 3;
    for (int s = 0; s < n_sizes; s++) {
        long n = argc > 1 ? atol(argv[s + 1]) : defaults[s];
        float *buf = calloc((size_t)(n > 0 ? n : 1), sizeof(float));
        double t[RUNS];
        if (!buf || n < 1 || n > 1L << 30) {
            fprintf(stderr, "mpi_allreduce: bad size %ld\n", n);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        for (int k = 0; k < RUNS; k++) {
            MPI_Barrier(MPI_COMM_WORLD);
            double t0 = MPI_Wtime();
            MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_FLOAT, MPI_SUM,
                          MPI_COMM_WORLD);
            t[k] = MPI_Wtime() - t0;
        }
        qsort(t, RUNS, sizeof t[0], cmp);
        if (rank == 0)
            printf("allreduce ranks=%d floats=%ld MB=%.2f median_ms=%.3f "
                   "min_ms=%.3f\n", size, n, 4e-6 * n, 1e3 * t[RUNS / 2],
                   1e3 * t[0]);
        free(buf);
    }
    MPI_Finalize();
    return 0;
}
