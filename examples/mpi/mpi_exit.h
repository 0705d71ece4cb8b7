/*
 * mpi_exit.h - how the MPI programs start and leave through
 * examples/common's exits (cli_exit): a clean mpirun exit needs
 * MPI_Finalize on every rank that called MPI_Init.  Included by each
 * examples/mpi program, whose main begins with mpi_begin().
 */
#ifndef EMO_EXAMPLES_MPI_EXIT_H
#define EMO_EXAMPLES_MPI_EXIT_H

#include <mpi.h>
#include <stdio.h>

#include "common/cli.h"

/* Status 0 (--help, --version) and 2 (a usage error) come from parsing
 * the arguments, which every rank has alike: every rank gets here, so
 * they finalize together.  Any other status is a run-time error that may
 * be this rank's alone; MPI_Finalize would then wait for ranks that are
 * not coming, so the job is aborted with the status instead. */
static void mpi_exit(int status)
{
    int done = 0;
    MPI_Finalized(&done);
    if (done)
        return;
    fflush(stdout);
    fflush(stderr);
    if (status == 0 || status == 2)
        MPI_Finalize();
    else
        MPI_Abort(MPI_COMM_WORLD, status);
}

/* MPI_Init, the exit hook, this rank and the number of ranks in
 * MPI_COMM_WORLD, and the program name for messages.  Only rank 0 writes
 * stdout (the reports, --help, --version: one copy under mpirun, not one
 * per rank); every rank keeps stderr for its own errors. */
static void mpi_begin(int *argc, char ***argv, int *rank, int *size)
{
    MPI_Init(argc, argv);
    cli_set_exit_hook(mpi_exit);
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    if (*rank > 0)
        (void)!freopen("/dev/null", "w", stdout);
    cli_init((*argv)[0]);
}

#endif
