/*
 * mpi_exit.h - how the MPI programs leave through examples/common's exits
 * (cli_exit): a clean mpirun exit needs MPI_Finalize on every rank that
 * called MPI_Init.  Included by each examples/mpi program, which calls
 * mpi_exit_init() right after MPI_Init.
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

static void mpi_exit_init(void)
{
    cli_set_exit_hook(mpi_exit);
}

#endif
